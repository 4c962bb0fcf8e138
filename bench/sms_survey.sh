#!/usr/bin/env bash
# bench/sms_survey.sh - benchmark of issue 4: an SMS survey message through
# the Twilio webhook to its TwiML reply. A real `earshot serve` on
# 127.0.0.1 (a temporary database with one location and the default
# survey) receives full conversations ("FEEDBACK 1234", then the four
# answers), each request signed exactly as Twilio signs (X-Twilio-Signature,
# HMAC-SHA1 over the URL and the sorted parameters), from CLIENTS phones at
# once, each on its own keep-alive connection. For every request it
# measures the time from sending the request to having read the whole TwiML
# reply, and prints n, p50, p99 and max, for all messages and, apart, for
# the messages that make a response hot (one conversation in 20 answers 1
# to the overall question: an alert raised and a case opened in the
# request). Target: p99 <= 20 ms for the conversation messages.
#
# usage: bench/sms_survey.sh [CONVERSATIONS]   (default 400)
# env:   EARSHOT=path/to/earshot (default build/earshot), CLIENTS=concurrent
#        phones (default 4), KEEP=1 keeps the work directory.
# Never part of the test suite. Bounded: CONVERSATIONS x 5 requests; the
# server is stopped with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
EARSHOT=${EARSHOT:-build/earshot}
CLIENTS=${CLIENTS:-4}
N=${1:-400}
[ -x "$EARSHOT" ] || { echo "sms_survey: no binary at $EARSHOT" >&2; exit 1; }

work=$(mktemp -d /tmp/earshot-bench-sms.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
db=$work/bench.db

EARSHOT=$EARSHOT DB=$db N=$N CLIENTS=$CLIENTS /usr/bin/python3 - <<'PY'
import base64, hashlib, hmac, http.client, os, signal, sqlite3, subprocess, threading, time
import urllib.parse

E, DB = os.environ["EARSHOT"], os.environ["DB"]
N, CLIENTS = int(os.environ["N"]), int(os.environ["CLIENTS"])
TOKEN, URL = "bench-twilio-token", "http://bench.example/hooks/twilio"

subprocess.run([E, "--db", DB, "--quiet", "token", "list"], check=True, stdout=subprocess.DEVNULL)
con = sqlite3.connect(DB)
with con:
    con.execute("INSERT INTO locations(key, code, name, region, created) VALUES"
                " ('eu/fr/lyon-14', '1234', 'Lyon', 'eu/fr/', 0)")
    con.execute("INSERT INTO surveys VALUES (1, 'default', 1, 2, 0)")
    for q in ((1, "overall", "scale5", "overall", "How satisfied were you? (1-5)", "Overall"),
              (2, "recommend", "scale10", "recommend", "Recommend us? (0-10)", "Recommend"),
              (3, "speed", "scale5", "driver", "Speed of service? (1-5)", "Speed"),
              (4, "comment", "text", "comment", "Anything else? (or SKIP)", "Comment")):
        con.execute("INSERT INTO survey_questions VALUES (1, ?, ?, ?, ?, ?, ?)", q)
con.close()

env = {k: v for k, v in os.environ.items() if not k.startswith("EARSHOT_")}
env.update({"EARSHOT_TWILIO_AUTH_TOKEN": TOKEN, "EARSHOT_TWILIO_URL": URL})
srv = subprocess.Popen([E, "--db", DB, "--quiet", "serve", "--listen", "127.0.0.1:0"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
port = int(srv.stdout.readline().decode().rsplit(":", 1)[1])

def signed(sid, frm, body):
    params = [("MessageSid", sid), ("AccountSid", "AC1"), ("From", frm),
              ("To", "+15557770000"), ("Body", body)]
    s = URL + "".join(k + v for k, v in sorted(params))
    sig = base64.b64encode(hmac.new(TOKEN.encode(), s.encode(), hashlib.sha1).digest()).decode()
    return urllib.parse.urlencode(params), sig

lat, hot, lock = [], [], threading.Lock()
failures = []

def client(c):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for k in range(c, N, CLIENTS):
        frm = "+1555%07d" % k
        is_hot = k % 20 == 0
        steps = ["FEEDBACK 1234", "1" if is_hot else "4", "9", "4", "fine, thanks"]
        for i, body in enumerate(steps):
            form, sig = signed("SMb%d_%d" % (k, i), frm, body)
            t = time.perf_counter()
            conn.request("POST", "/hooks/twilio", form,
                         {"Content-Type": "application/x-www-form-urlencoded",
                          "X-Twilio-Signature": sig})
            r = conn.getresponse()
            data = r.read()
            dt = time.perf_counter() - t
            if r.status != 200 or b"<Message>" not in data:
                failures.append((r.status, data[:200]))
            with lock:
                (hot if is_hot and i == 1 else lat).append(dt)
    conn.close()

t0 = time.perf_counter()
ths = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
for t in ths:
    t.start()
for t in ths:
    t.join()
wall = time.perf_counter() - t0
srv.send_signal(signal.SIGTERM)
srv.wait(timeout=30)

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))] * 1000

done = sqlite3.connect(DB).execute("SELECT count(*) FROM survey_responses WHERE completed"
                                   " IS NOT NULL").fetchone()[0]
print("sms_survey: %d conversations, %d clients, %.1f messages/s, %d completed responses"
      % (N, CLIENTS, (len(lat) + len(hot)) / wall, done))
print("  conversation messages: n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms (target p99 <= 20 ms)"
      % (len(lat), pct(lat, 50), pct(lat, 99), max(lat) * 1000))
if hot:
    print("  hot answers (alert + case in the request): n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms"
          % (len(hot), pct(hot, 50), pct(hot, 99), max(hot) * 1000))
if failures or done != N:
    print("sms_survey: FAILED: %d bad replies, %d of %d completed: %r"
          % (len(failures), done, N, failures[:3]))
    raise SystemExit(1)
PY
