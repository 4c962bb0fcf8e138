#!/usr/bin/env bash
# bench/bench_alert_latency.sh - benchmark 2 of issue 3: alert latency. A real
# `earshot serve` on 127.0.0.1 receives a background load of mentions over
# POST /hooks/ingest (default 1,000 mentions/s, in requests of 10 that match
# no alert rule) while a probe sends, every 100 ms, one mention that matches
# a "words" rule whose destination is a local webhook receiver. For each
# probe it measures the time from the server's 2xx (the webhook accepted,
# durably stored) to the receiver getting the alert's POST (the first
# delivery attempt), and also from the probe's send. Prints p50, p99 and max
# of both, and the background rate reached. Target: p99 <= 50 ms.
#
# usage: bench/bench_alert_latency.sh [SECONDS]      (default 20)
# env:   EARSHOT=path/to/earshot (default build/earshot), RATE=mentions/s of
#        background load (default 1000), KEEP=1 keeps the work directory.
# Never part of the test suite. Bounded: the load and the probes stop after
# SECONDS; the server is stopped with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
EARSHOT=${EARSHOT:-build/earshot}
RATE=${RATE:-1000}
SECONDS_RUN=${1:-20}
[ -x "$EARSHOT" ] || { echo "alert_latency: no binary at $EARSHOT" >&2; exit 1; }

work=$(mktemp -d /tmp/earshot-bench-alert.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
db=$work/bench.db

EARSHOT=$EARSHOT DB=$db RATE=$RATE RUN=$SECONDS_RUN /usr/bin/python3 - <<'PY'
import http.client, http.server, json, os, signal, subprocess, threading, time

E, DB = os.environ["EARSHOT"], os.environ["DB"]
RATE, RUN = int(os.environ["RATE"]), float(os.environ["RUN"])
SECRET = "bench-secret-0123456789"

def run(*args):
    r = subprocess.run([E, "--db", DB, "--quiet"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=True)
    return r.stdout.decode().strip()

got = {}          # probe id -> receive time
lock = threading.Lock()

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_POST(self):
        t = time.perf_counter()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        try:
            title = json.loads(body)["alert"]["title"]
        except Exception:
            return
        for word in title.split():
            word = word.strip('".,:')
            if word.startswith("probe-"):
                with lock:
                    got.setdefault(word, t)

rcv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=rcv.serve_forever, daemon=True).start()

run("brand", "add", "Acme")
run("query", "add", "--brand", "Acme", "--name", "acme", "acme")
run("alert", "dest", "add", "--name", "hook", "--kind", "webhook", "--target",
    "http://127.0.0.1:%d/hook" % rcv.server_address[1], "--secret", SECRET)
run("alert", "rule", "add", "--name", "food", "--kind", "words", "--query",
    '"food poisoning"', "--dests", "hook", "--period", "60")
token = run("token", "create", "bench", "--role", "agent")

env = dict(os.environ, EARSHOT_ALERT_ALLOW="127.0.0.1")
srv = subprocess.Popen([E, "--db", DB, "serve", "--listen", "127.0.0.1:0"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
port = int(srv.stdout.readline().decode().rsplit(":", 1)[1])
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
bg_auth = {"Authorization": "Bearer " + token, "Content-Type": "application/x-ndjson"}
stop = time.perf_counter() + RUN
sent_bg = [0]

def background():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n, per_req, t0 = 0, 10, time.perf_counter()
    while time.perf_counter() < stop:
        lines = "\n".join(json.dumps({"source": "twitter", "id": "bg%d" % (n + i),
                                      "author": "@bg%d" % ((n + i) % 500),
                                      "text": "acme flight %d was fine, thanks" % (n + i)})
                          for i in range(per_req))
        c.request("POST", "/hooks/ingest", lines, bg_auth)
        r = c.getresponse()
        r.read()
        if r.status // 100 != 2:
            raise SystemExit("background load refused: HTTP %d" % r.status)
        n += per_req
        ahead = n / RATE - (time.perf_counter() - t0)
        if ahead > 0:
            time.sleep(ahead)
    sent_bg[0] = n

bg = threading.Thread(target=background)
bg.start()
time.sleep(1.0)  # warm up
acked, sent = {}, {}
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
i = 0
while time.perf_counter() < stop - 1.0:
    pid = "probe-%d" % i
    body = json.dumps({"source": "sms", "id": pid, "author": "+1555%04d" % i,
                       "location": "store-%d" % i,
                       "text": "%s: food poisoning after dinner at acme" % pid})
    sent[pid] = time.perf_counter()
    c.request("POST", "/hooks/ingest", body, auth)
    r = c.getresponse()
    r.read()
    acked[pid] = time.perf_counter()
    i += 1
    time.sleep(0.1)
bg.join()
deadline = time.perf_counter() + 5
while time.perf_counter() < deadline and len(got) < len(sent):
    time.sleep(0.05)
srv.send_signal(signal.SIGTERM)
srv.wait(timeout=30)
rcv.shutdown()

def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] * 1000

from_ack = [got[k] - acked[k] for k in sent if k in got]
from_send = [got[k] - sent[k] for k in sent if k in got]
print("alert latency: %d probes, %d delivered, background %.0f mentions/s" %
      (len(sent), len(from_ack), sent_bg[0] / RUN))
if from_ack:
    print("  accepted (2xx) -> first delivery attempt: p50 %.1f ms  p99 %.1f ms  max %.1f ms"
          % (pct(from_ack, 50), pct(from_ack, 99), max(from_ack) * 1000))
    print("  sent -> first delivery attempt:           p50 %.1f ms  p99 %.1f ms  max %.1f ms"
          % (pct(from_send, 50), pct(from_send, 99), max(from_send) * 1000))
    print("  target: p99 <= 50 ms (accepted -> first attempt)")
PY
