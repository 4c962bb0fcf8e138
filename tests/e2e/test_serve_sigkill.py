"""Kills `earshot serve` with SIGKILL at random moments while senders post
Meta-signed webhooks (POST /hooks/meta, X-Hub-Signature-256 over the raw
body) to it, restarts it, and lets the senders retry whatever was not
acknowledged, as Meta does. After the seeded cycles:

- every message the server acknowledged (200) is in the store;
- retries created no duplicates: each message id is stored exactly once;
- SQLite's integrity check passes;
- a request with a wrong signature was never stored.
"""
import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

SECRET = "sigkill-test-app-secret"
SENDERS = 6
PER_SENDER = 120
CYCLES = 5
SEED = 20261123


def payload(i):
    """One Messenger message from customer i, with a stable message id."""
    body = {"object": "page", "entry": [{
        "id": "1047", "time": 1718015000000 + i,
        "messaging": [{"sender": {"id": "70%06d" % i}, "recipient": {"id": "1047"},
                       "timestamp": 1718015000000 + i,
                       "message": {"mid": "m_kill_%06d" % i,
                                   "text": "my bag never arrived, ticket %d, please help" % i}}]}]}
    return json.dumps(body).encode()


def sign(raw):
    return "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


class Server:
    def __init__(self, db):
        env = dict(os.environ, EARSHOT_META_APP_SECRET=SECRET,
                   EARSHOT_META_VERIFY_TOKEN="verify-me")
        self.proc = subprocess.Popen([e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])


class Senders:
    """Threads that post every message until it is acknowledged."""

    def __init__(self):
        self.port = None
        self.lock = threading.Lock()
        self.acked = set()
        self.todo = list(range(SENDERS * PER_SENDER))
        self.stop = False

    def next_id(self):
        with self.lock:
            return self.todo.pop() if self.todo else None

    def retry(self, i):
        with self.lock:
            self.todo.insert(0, i)

    def run(self):
        conn = None
        while not self.stop:
            i = self.next_id()
            if i is None:
                return
            raw = payload(i)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("POST", "/hooks/meta", body=raw,
                             headers={"Content-Type": "application/json",
                                      "X-Hub-Signature-256": sign(raw)})
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    with self.lock:
                        self.acked.add(i)
                else:
                    self.retry(i)
                    time.sleep(0.01)
            except (OSError, http.client.HTTPException):
                self.retry(i)
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.02)


def stored_ids(db):
    rows = e.sql(db, "SELECT external_id, count(*) FROM mentions GROUP BY external_id")
    return {r[0]: r[1] for r in rows}


def main():
    e.check_binary()
    rng = random.Random(SEED)
    tmp = e.tempdir()
    db = os.path.join(tmp.name, "kill.db")
    srv = Server(db)
    probe = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    raw = payload(999999)
    probe.request("POST", "/hooks/meta", body=raw,
                  headers={"Content-Type": "application/json",
                           "X-Hub-Signature-256": sign(raw + b" ")})
    r = probe.getresponse()
    r.read()
    probe.close()
    e.expect(r.status in (401, 403), "a wrong signature was answered %d" % r.status)

    s = Senders()
    s.port = srv.port
    threads = [threading.Thread(target=s.run) for _ in range(SENDERS)]
    for t in threads:
        t.start()
    for cycle in range(CYCLES):
        time.sleep(rng.uniform(0.2, 0.9))
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        with s.lock:
            acked = set(s.acked)
        have = stored_ids(db)
        missing = [i for i in acked if "m_kill_%06d" % i not in have]
        e.expect(not missing, "cycle %d: %d acknowledged messages missing, e.g. %s"
                 % (cycle, len(missing), missing[:5]))
        ok = e.sql(db, "PRAGMA integrity_check")
        e.expect(ok == [("ok",)], "cycle %d: integrity_check says %r" % (cycle, ok))
        srv = Server(db)
        s.port = srv.port
    for t in threads:
        t.join(timeout=120)
    s.stop = True
    e.expect(all(not t.is_alive() for t in threads), "senders did not finish")
    srv.proc.send_signal(signal.SIGTERM)
    e.expect(srv.proc.wait(timeout=30) == 0, "serve did not exit 0 on SIGTERM")

    have = stored_ids(db)
    want = SENDERS * PER_SENDER
    e.expect(len(s.acked) == want, "only %d of %d acknowledged" % (len(s.acked), want))
    kill_ids = {k: v for k, v in have.items() if k.startswith("m_kill_")}
    e.expect(len(kill_ids) == want, "%d of %d messages stored" % (len(kill_ids), want))
    dup = [k for k, v in kill_ids.items() if v != 1]
    e.expect(not dup, "stored more than once: %s" % dup[:5])
    e.expect("m_kill_999999" not in have, "the wrongly signed message was stored")
    ok = e.sql(db, "PRAGMA integrity_check")
    e.expect(ok == [("ok",)], "integrity_check says %r" % ok)
    e.ok("serve SIGKILL under signed load: %d cycles, %d messages, none lost, none twice"
         % (CYCLES, want))


if __name__ == "__main__":
    main()
