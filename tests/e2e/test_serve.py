"""earshot serve over real HTTP: the real binary on 127.0.0.1 with a port the
system picks, a temporary store, and http.client. Covers /healthz, API
tokens (401), ingest of one mention and of a JSON Lines batch (visible with
`earshot search`), idempotent re-delivery, malformed bodies (400 with the
reason), the body limit (413), 404/405, security headers, concurrent
clients, /metrics, and SIGTERM under load: exit 0 with every acknowledged
mention stored.
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

MAX_BODY = 65536


class Server:
    def __init__(self, db, *extra):
        argv = [e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0",
                "--max-body", str(MAX_BODY)] + list(extra)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not say where it listens: %r %s" % (line, self.stderr()))
        self.port = int(line.rsplit(":", 1)[1])

    def stderr(self):
        if self.proc.poll() is None:
            return ""
        return self.proc.stderr.read().decode("utf-8", "replace")

    def request(self, method, path, body=None, headers=None, conn=None):
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
        finally:
            if conn is None:
                c.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            e.fail("serve did not stop within 20 s of SIGTERM")


def mention(i, text="the flight was delayed again, third time this month"):
    return json.dumps({"source": "twitter", "id": str(i), "text": text, "author": "@u%d" % i})


def check_headers(h, what):
    e.expect(h.get("x-content-type-options") == "nosniff", what + ": nosniff missing")
    e.expect(h.get("cache-control") == "no-store", what + ": no-store missing")
    e.expect(h.get("content-security-policy", "").startswith("default-src 'none'"),
             what + ": CSP missing")
    e.expect(h.get("x-frame-options") == "DENY", what + ": X-Frame-Options missing")


def test_basics(srv, db, token):
    auth = {"Authorization": "Bearer " + token}
    st, h, body = srv.request("GET", "/healthz")
    e.expect(st == 200 and json.loads(body) == {"status": "ok", "store": "ok"},
             "healthz: %d %r" % (st, body))
    check_headers(h, "healthz")

    st, h, _ = srv.request("POST", "/hooks/ingest", mention(1))
    e.expect(st == 401 and h.get("www-authenticate", "").startswith("Bearer"),
             "no token: %d %r" % (st, h))
    st, h, _ = srv.request("POST", "/hooks/ingest", mention(1),
                           {"Authorization": "Bearer " + token[:-1] + "x"})
    e.expect(st == 401 and "invalid_token" in h.get("www-authenticate", ""), "wrong token: %d" % st)
    e.expect(e.mention_count(db) == 0, "a refused request stored something")

    st, h, body = srv.request("POST", "/hooks/ingest", mention(1, "I love the new lounge"), auth)
    e.expect(st == 202, "one tweet: %d %r" % (st, body))
    check_headers(h, "ingest")
    e.expect(json.loads(body)["new"] == 1, "one tweet: %r" % body)
    batch = "\n".join(mention(i) for i in range(2, 12)) + "\n\n"
    st, _, body = srv.request("POST", "/hooks/ingest", batch,
                              dict(auth, **{"Content-Type": "application/x-ndjson"}))
    got = json.loads(body)
    e.expect(st == 202 and got["accepted"] == 10 and got["new"] == 10, "batch: %d %r" % (st, body))
    r = e.run("search", "lounge", "--output", "json", db=db)
    e.expect(r.rc == 0 and '"external_id":"1"' in r.out.replace(" ", ""), "search finds the tweet", r)
    r = e.run("search", "delayed", "--output", "json", "--limit", "100", db=db)
    e.expect(len(r.out.splitlines()) == 10, "search finds the batch", r)

    # Re-delivery: acknowledged again, stored once.
    st, _, body = srv.request("POST", "/hooks/ingest", batch, auth)
    got = json.loads(body)
    e.expect(st == 202 and got["accepted"] == 10 and got["new"] == 0, "re-delivery: %r" % body)
    e.expect(e.mention_count(db) == 11, "re-delivery stored twice")

    # Malformed: 400 with the reason; mixed: the good stored, the bad reported.
    st, h, body = srv.request("POST", "/hooks/ingest", "{not json", auth)
    got = json.loads(body)
    e.expect(st == 400 and got["rejected"] == 1 and "JSON" in got["errors"][0]["reason"],
             "malformed: %d %r" % (st, body))
    check_headers(h, "400")
    st, _, body = srv.request("POST", "/hooks/ingest",
                              mention(50) + "\n" + json.dumps({"id": "x"}), auth)
    got = json.loads(body)
    e.expect(st == 202 and got["new"] == 1 and got["rejected"] == 1
             and got["errors"][0]["line"] == 2, "mixed: %d %r" % (st, body))
    # A pretty-printed object as application/json is one record.
    pretty = json.dumps({"source": "web", "id": "p1", "text": "pretty printed"}, indent=2)
    st, _, body = srv.request("POST", "/hooks/ingest", pretty,
                              dict(auth, **{"Content-Type": "application/json"}))
    e.expect(st == 202 and json.loads(body)["new"] == 1, "pretty JSON: %d %r" % (st, body))

    st, _, _ = srv.request("POST", "/hooks/ingest", "x" * (MAX_BODY + 1), auth)
    e.expect(st == 413, "over the limit: %d" % st)
    st, h, _ = srv.request("GET", "/nope")
    e.expect(st == 404, "unknown path: %d" % st)
    check_headers(h, "404")
    st, h, _ = srv.request("GET", "/hooks/ingest", headers=auth)
    e.expect(st == 405 and h.get("allow") == "POST", "wrong method: %d %r" % (st, h))
    st, _, _ = srv.request("POST", "/healthz", "x")
    e.expect(st == 405, "POST /healthz: %d" % st)


def client(srv, token, base, n, acked, errors, busy):
    """Sends n requests of two mentions each on one keep-alive connection;
    records the ids of every acknowledged request."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
    auth = {"Authorization": "Bearer " + token}
    for k in range(n):
        ids = [base + 2 * k, base + 2 * k + 1]
        body = "\n".join(mention(i, "order %d never arrived" % i) for i in ids)
        try:
            st, h, _ = srv.request("POST", "/hooks/ingest", body, auth, conn)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
            errors.append(("connection", k))
            continue
        if st == 202:
            acked.extend(ids)
        elif st == 503 and h.get("retry-after") == "1":
            busy.append(k)
        else:
            errors.append(("status", st))
    conn.close()


def load(srv, token, base, threads=8, per=50):
    acked, errors, busy = [], [], []
    ts = [threading.Thread(target=client,
                           args=(srv, token, base + t * 1000, per, acked, errors, busy))
          for t in range(threads)]
    for t in ts:
        t.start()
    return ts, acked, errors, busy


def stored_ids(db, lo, hi):
    rows = e.sql(db, "SELECT external_id FROM mentions WHERE source = 'twitter'")
    return set(int(r[0]) for r in rows if r[0].isdigit() and lo <= int(r[0]) < hi)


def test_concurrent(srv, db, token):
    ts, acked, errors, busy = load(srv, token, 100000)
    for t in ts:
        t.join()
    e.expect(not errors and not busy and len(acked) == 800, "concurrent: %d acked, errors %r"
             % (len(acked), errors[:10]))
    e.expect(stored_ids(db, 100000, 200000) == set(acked), "concurrent: acked but not stored")


def test_metrics(srv):
    st, h, body = srv.request("GET", "/metrics")
    e.expect(st == 200 and h.get("content-type", "").startswith("text/plain"), "metrics: %d" % st)
    values = {}
    for line in body.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        name, value = line.rsplit(" ", 1)
        values[name] = float(value)
    e.expect(values.get("earshot_ingest_accepted_total", 0) >= 823, "accepted: %r" % values)
    e.expect(values.get("earshot_ingest_rejected_total", 0) >= 2, "rejected counted")
    e.expect("earshot_queue_depth" in values, "queue depth")
    e.expect(values.get('earshot_commit_seconds_bucket{le="+Inf"}')
             == values.get("earshot_commit_seconds_count") > 0, "latency histogram")
    e.expect(values.get('earshot_http_responses_total{code="401"}') == 2, "401 counted")
    e.expect(values.get('earshot_http_responses_total{code="202"}', 0) >= 400, "202 counted")


def test_sigterm(db, token):
    # A queue of 2 requests: under 8 clients some are refused with 503 and
    # Retry-After, and a refused request must leave nothing behind.
    srv = Server(db, "--queue", "2")
    ts, acked, errors, busy = load(srv, token, 300000, threads=8, per=200)
    deadline = time.time() + 10
    while len(acked) < 200 and time.time() < deadline:
        time.sleep(0.01)
    rc = srv.stop()
    for t in ts:
        t.join()
    e.expect(rc == 0, "SIGTERM: exit status %d %s" % (rc, srv.stderr()))
    stored = stored_ids(db, 300000, 400000)
    missing = set(acked) - stored
    e.expect(acked and not missing, "SIGTERM: %d acknowledged, %d missing" % (len(acked), len(missing)))
    r = e.run("search", "--limit", "1", db=db)
    e.expect_rc(r, 0, "store opens after SIGTERM")
    bad = [x for x in errors if x[0] == "status"]
    e.expect(not bad, "SIGTERM: unexpected answers %r" % bad[:5])
    print("sigterm: %d acknowledged, %d stored, %d refused with 503, %d connection errors"
          % (len(acked), len(stored), len(busy), len(errors)))


def main():
    e.check_binary()
    with e.tempdir() as d:
        db = os.path.join(d, "serve.db")
        r = e.run("token", "create", "--name", "ci", db=db)
        e.expect_rc(r, 0, "token create")
        token = r.out.strip()
        e.expect(len(token) == 43 and all(c.isalnum() or c in "-_" for c in token),
                 "token looks like base64url: %r" % token)
        e.expect_rc(e.run("token", "create", "--name", "ci", db=db), 1, "duplicate token name")
        r = e.run("token", "list", db=db)
        e.expect(r.rc == 0 and "ci" in r.out and token not in r.out, "token list", r)
        e.expect(not e.sql(db, "SELECT 1 FROM api_tokens WHERE hash = ?", token.encode()),
                 "the token itself is stored")
        srv = Server(db)
        try:
            test_basics(srv, db, token)
            test_concurrent(srv, db, token)
            test_metrics(srv)
        finally:
            rc = srv.stop()
        e.expect(rc == 0, "stop: exit status %d" % rc)
        test_sigterm(db, token)
    print("ok")


if __name__ == "__main__":
    main()
