"""Alerts end to end with the real binary, a real SQLite file and real
sockets: `earshot alert` rules and destinations, the scanner over mentions
ingested by `earshot ingest`, and delivery with libcurl to local receivers
started here (a threaded http.server that records every request and checks
the HMAC signature, and a minimal SMTP server).

Covers: negative-mention and watched-words rules, de-duplication by
location, the location's manager reached by email and SMS, webhook headers
and signature, retries with back-off after a 500 under one idempotency key,
a 302 not followed, loopback refused unless allow-listed (also through the
name "localhost"), acknowledgement, escalation when not acknowledged,
es_alert_raise through `alert raise` (survey score vs threshold), a
malformed rule query refused, and a restart: rows left undelivered by one
process are delivered by the next, each exactly once per idempotency key.
"""
import hashlib
import hmac
import http.client
import http.server
import json
import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

SECRET = "s3cret-key-0123456789"


class Receiver(http.server.ThreadingHTTPServer):
    """Records requests. Paths: /ok 200, /flaky 500 then 200, /redirect 302
    to /target, /down 503 while self.down, /sms 200 (a form)."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.reqs = []
        self.flaky_left = 1
        self.down = False
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.server_address[1], path)

    def on(self, path):
        with self.lock:
            return [r for r in self.reqs if r["path"] == path]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        srv = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        h = dict((k.lower(), v) for k, v in self.headers.items())
        status = 200
        with srv.lock:
            if self.path == "/flaky" and srv.flaky_left > 0:
                srv.flaky_left -= 1
                status = 500
            elif self.path.startswith("/down") and srv.down:
                status = 503
            elif self.path == "/redirect":
                status = 302
            srv.reqs.append({"path": self.path, "headers": h, "body": body, "status": status})
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/target")
        self.send_header("Content-Length", "0")
        self.end_headers()


class SMTP(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SMTPHandler)
        self.mails = []
        threading.Thread(target=self.serve_forever, daemon=True).start()


class SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        mail = {"rcpt": []}
        self.wfile.write(b"220 test ESMTP\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("ascii", "replace").strip()
            up = cmd.upper()
            if up.startswith("EHLO") or up.startswith("HELO"):
                self.wfile.write(b"250 test\r\n")
            elif up.startswith("MAIL FROM:"):
                mail["from"] = cmd[10:]
                self.wfile.write(b"250 ok\r\n")
            elif up.startswith("RCPT TO:"):
                mail["rcpt"].append(cmd[8:])
                self.wfile.write(b"250 ok\r\n")
            elif up == "DATA":
                self.wfile.write(b"354 go\r\n")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                mail["data"] = data.decode("utf-8", "replace")
                self.server.mails.append(mail)
                mail = {"rcpt": []}
                self.wfile.write(b"250 queued\r\n")
            elif up == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def ok(res, what):
    e.expect_rc(res, 0, what)
    return res.out.strip()


def setup(db, rcv, extra_dests=()):
    ok(e.run("brand", "add", "Acme", db=db), "brand add")
    ok(e.run("query", "add", "--brand", "Acme", "--name", "acme", "acme", db=db), "query add")
    ok(e.run("alert", "dest", "add", "--name", "hook", "--kind", "webhook", "--target",
             rcv.url("/ok"), "--secret", SECRET, db=db), "dest hook")
    for name, path in extra_dests:
        target = path if path.startswith("http") else rcv.url(path)
        ok(e.run("alert", "dest", "add", "--name", name, "--kind", "webhook", "--target",
                 target, "--secret", SECRET, db=db), "dest " + name)
    ok(e.run("alert", "scan", db=db), "first scan")


def ingest(db, tmp, name, rows):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    ok(e.run("ingest", path, db=db), "ingest " + name)


def deliver(db, env=None, *args):
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        return e.run("alert", "deliver", *args, db=db)
    finally:
        os.environ.clear()
        os.environ.update(old)


def check_signed(req, what):
    h = req["headers"]
    ts = h.get("x-earshot-timestamp", "")
    want = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + req["body"],
                                hashlib.sha256).hexdigest()
    e.expect(hmac.compare_digest(h.get("x-earshot-signature", ""), want),
             "%s: bad signature %r" % (what, h.get("x-earshot-signature")))
    e.expect(len(h.get("idempotency-key", "")) == 32, what + ": no idempotency key")
    e.expect(h.get("content-type") == "application/json", what + ": content type")
    return json.loads(req["body"])


def test_refused(tmp, rcv):
    db = os.path.join(tmp, "refused.db")
    setup(db, rcv, [("byname", "http://localhost:%d/ok" % rcv.server_address[1])])
    ok(e.run("alert", "rule", "add", "--name", "neg", "--kind", "negative", "--dests",
             "hook,byname", db=db), "rule")
    ingest(db, tmp, "r.jsonl", [{"source": "twitter", "id": "r1", "author": "@x",
                                 "text": "acme is awful, terrible, the worst ever"}])
    ok(e.run("alert", "scan", db=db), "scan")
    before = len(rcv.reqs)
    ok(deliver(db, {"EARSHOT_ALERT_ALLOW": ""}, "--allow", "10.1.2.3"), "deliver refused")
    e.expect(len(rcv.reqs) == before, "a loopback webhook was sent without allow-list")
    rows = e.sql(db, "SELECT o.status, a.outcome, a.error FROM alert_outbox o"
                     " JOIN alert_attempts a ON a.outbox_id = o.id")
    e.expect(len(rows) == 2 and all(r[0] == "failed" and r[1] == "refused" for r in rows),
             "refusals not recorded: %r" % rows)
    e.expect(all("loopback" in r[2] for r in rows), "refusal reason: %r" % rows)


def test_delivery(tmp, rcv, smtp):
    db = os.path.join(tmp, "alerts.db")
    setup(db, rcv, [("flaky", "/flaky"), ("redir", "/redirect"), ("boss", "/boss")])
    e.sql(db, "SELECT 1")
    import sqlite3
    con = sqlite3.connect(db)
    con.execute("INSERT INTO users(id, name, email, phone, role, created) VALUES"
                " (50, 'mia', 'mia@example.org', '+15550001', 'manager', 0),"
                " (51, 'other', 'o@example.org', '+15550002', 'manager', 0)")
    con.execute("INSERT INTO user_locations VALUES (50, 'store-1'), (51, 'store-9')")
    con.commit()
    con.close()
    ok(e.run("alert", "rule", "add", "--name", "neg", "--kind", "negative", "--threshold",
             "-0.4", "--dests", "hook,flaky,redir", "--escalate-after", "600",
             "--escalate-to", "boss", db=db), "rule neg")
    ok(e.run("alert", "rule", "add", "--name", "food", "--kind", "words", "--query",
             '"food poisoning" OR salmonella', "--dests", "hook", db=db), "rule words")
    bad = e.run("alert", "rule", "add", "--name", "bad", "--kind", "words", "--query",
                "(food AND", db=db)
    e.expect(bad.rc == 1 and "column" in bad.err, "malformed query accepted", bad)
    ingest(db, tmp, "m.jsonl", [
        {"source": "twitter", "id": "1", "author": "@a", "location": "store-1",
         "text": "acme gave me food poisoning, the worst, disgusting and horrible"},
        {"source": "twitter", "id": "2", "author": "@b", "location": "store-1",
         "text": "acme staff were rude and awful, terrible visit"},
        {"source": "twitter", "id": "3", "author": "@c", "text": "love acme, great coffee"},
        {"source": "sms", "id": "4", "author": "+1555", "location": "store-2",
         "text": "acme, horrible and disgusting service, I hate it"},
    ])
    ok(e.run("alert", "scan", db=db), "scan")
    alerts = e.sql(db, "SELECT id, kind, location, count, status FROM alerts ORDER BY id")
    kinds = [(a[1], a[2], a[3]) for a in alerts]
    e.expect(kinds == [("negative", "store-1", 2), ("words", "store-1", 1),
                       ("negative", "store-2", 1)], "alerts: %r" % alerts)
    # A second scan raises nothing new (the watermark is durable).
    ok(e.run("alert", "scan", db=db), "scan again")
    e.expect(len(e.sql(db, "SELECT id FROM alerts")) == 3, "second scan raised again")

    env = {"EARSHOT_SMTP_URL": "smtp://127.0.0.1:%d" % smtp.server_address[1],
           "EARSHOT_SMTP_FROM": "alerts@example.org", "EARSHOT_SMS_URL": rcv.url("/sms"),
           "EARSHOT_SMS_FROM": "+15559999", "EARSHOT_ALERT_BACKOFF_MS": "1"}
    ok(deliver(db, env, "--allow", "127.0.0.1"), "deliver")
    hooks = rcv.on("/ok")
    e.expect(len(hooks) == 3, "webhooks to /ok: %d" % len(hooks))
    docs = [check_signed(r, "hook") for r in hooks]
    e.expect(sorted(d["alert"]["kind"] for d in docs) == ["negative", "negative", "words"],
             "payloads: %r" % docs)
    # The 500 is retried under the same key; the 302 is not followed.
    fl = rcv.on("/flaky")
    e.expect(len(fl) == 2 and [r["status"] for r in fl] == [500, 200], "flaky 1st: %r" % fl)
    e.expect(len(rcv.on("/redirect")) == 2 and not rcv.on("/target"), "redirect followed?")
    time.sleep(0.05)
    ok(deliver(db, env, "--allow", "127.0.0.1"), "deliver retry")
    fl = rcv.on("/flaky")  # two rows: the first answered 500, then retried
    e.expect(len(fl) == 3 and fl[2]["status"] == 200, "flaky retries: %r" % fl)
    e.expect(fl[0]["headers"]["idempotency-key"] == fl[2]["headers"]["idempotency-key"] !=
             fl[1]["headers"]["idempotency-key"], "the key changed between retries")
    redir = e.sql(db, "SELECT status, last_error FROM alert_outbox WHERE target LIKE '%redirect'")
    e.expect(all(r[0] == "failed" and "redirect" in r[1] for r in redir), "302: %r" % redir)
    # The manager of store-1 (not of store-9) by email and SMS, once per alert.
    sms = rcv.on("/sms")
    e.expect(len(sms) == 2, "sms: %d" % len(sms))
    form = urllib.parse.parse_qs(sms[0]["body"].decode())
    e.expect(form["To"] == ["+15550001"] and form["From"] == ["+15559999"] and
             "store-1" in form["Body"][0], "sms form: %r" % form)
    e.expect(len(smtp.mails) == 2 and all(m["rcpt"] == ["<mia@example.org>"]
                                          for m in smtp.mails), "mails: %r" % smtp.mails)
    e.expect("Subject: [earshot] negative alert at store-1" in smtp.mails[0]["data"] or
             "Subject: [earshot] words alert at store-1" in smtp.mails[0]["data"], "subject")
    left = e.sql(db, "SELECT count(*) FROM alert_outbox WHERE status = 'pending'")[0][0]
    e.expect(left == 0, "%d rows still pending" % left)

    # Acknowledge the store-2 alert; only store-1's escalates.
    ok(e.run("alert", "ack", str(alerts[2][0]), db=db), "ack")
    e.expect(e.sql(db, "SELECT status FROM alerts WHERE id = ?", alerts[2][0])[0][0] == "acked",
             "not acked")
    e.expect(e.sql(db, "SELECT count(*) FROM audit WHERE action = 'alert.ack'")[0][0] == 1,
             "no audit of the ack")
    later = str(int(time.time()) + 700)
    ok(e.run("alert", "scan", "--now", later, db=db), "scan later")
    ok(deliver(db, env, "--allow", "127.0.0.1", "--now", later), "deliver escalation")
    boss = rcv.on("/boss")
    e.expect(len(boss) == 1, "escalations: %d" % len(boss))
    doc = check_signed(boss[0], "boss")
    e.expect(doc["event"] == "escalation" and doc["alert"]["id"] == alerts[0][0],
             "escalation payload: %r" % doc)
    ok(e.run("alert", "scan", "--now", str(int(later) + 10), db=db), "scan again later")
    e.expect(len(e.sql(db, "SELECT id FROM alert_outbox WHERE purpose = 'escalation'")) == 1,
             "escalated twice")

    # A survey score through es_alert_raise: above the threshold nothing.
    ok(e.run("alert", "rule", "add", "--name", "hot", "--kind", "survey", "--threshold", "2",
             "--dests", "hook", db=db), "survey rule")
    out = ok(e.run("alert", "raise", "--kind", "survey", "--key", "survey:1", "--title",
                   "score 4", "--score", "4", "--location", "store-1", db=db), "raise high")
    e.expect(out == "0", "a high score raised an alert")
    out = ok(e.run("alert", "raise", "--kind", "survey", "--key", "survey:2", "--title",
                   "score 1 at the till", "--score", "1", "--location", "store-1", db=db),
             "raise low")
    e.expect(out == "1", "a low score raised nothing")
    out = ok(e.run("alert", "raise", "--kind", "survey", "--key", "survey:2", "--title",
                   "score 1 at the till", "--score", "1", "--location", "store-1", db=db),
             "raise again")
    e.expect(out == "0", "the same key raised twice")


def test_restart(tmp, rcv):
    db = os.path.join(tmp, "restart.db")
    setup(db, rcv, [("down", "/down")])
    ok(e.run("alert", "rule", "add", "--name", "neg", "--kind", "negative", "--dests", "down",
             db=db), "rule")
    ingest(db, tmp, "d.jsonl", [{"source": "twitter", "id": "d%d" % i, "author": "@d%d" % i,
                                 "text": "acme ruined my day, awful and horrible #%d" % i}
                                for i in range(5)])
    ok(e.run("alert", "scan", db=db), "scan")
    rcv.down = True
    env = {"EARSHOT_ALERT_BACKOFF_MS": "1"}
    ok(deliver(db, env, "--allow", "127.0.0.1"), "deliver while down")
    n = len(e.sql(db, "SELECT id FROM alert_outbox"))
    e.expect(n == 5, "outbox rows: %d" % n)
    pending = e.sql(db, "SELECT count(*) FROM alert_outbox WHERE status = 'pending'")[0][0]
    e.expect(pending == 5, "not all pending after 503: %d" % pending)
    rcv.down = False
    time.sleep(0.05)
    ok(deliver(db, env, "--allow", "127.0.0.1"), "deliver after restart")
    ok(deliver(db, env, "--allow", "127.0.0.1"), "deliver once more")
    got = [r["headers"]["idempotency-key"] for r in rcv.on("/down") if r["status"] == 200]
    keys = [r[0] for r in e.sql(db, "SELECT idem_key FROM alert_outbox")]
    e.expect(sorted(got) == sorted(keys), "delivered keys %r vs outbox %r" % (got, keys))
    done = e.sql(db, "SELECT count(*) FROM alert_attempts WHERE outcome = 'delivered'")[0][0]
    e.expect(done == 5, "delivered attempts: %d" % done)


class Serve:
    """earshot serve on 127.0.0.1 with a port the system picks."""

    def __init__(self, db, env):
        full = dict(os.environ)
        full.update(env)
        self.proc = subprocess.Popen([e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])

    def call(self, method, path, token, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            h = {"Authorization": "Bearer " + token}
            if body is not None:
                h["Content-Type"] = "application/json"
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, (json.loads(data) if data.strip() else None)
        finally:
            c.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            e.expect(self.proc.wait(timeout=20) == 0, "serve did not exit 0")
        except subprocess.TimeoutExpired:
            self.proc.kill()
            e.fail("serve did not stop within 20 s of SIGTERM")


def wait_for(cond, what, limit=15.0):
    """Waits for something the server does in the background (not a
    performance assertion: the limit only keeps a broken build from hanging)."""
    end = time.time() + limit
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def token(db, name, role, user=None):
    args = ["token", "create", name, "--role", role] + (["--user", user] if user else [])
    return ok(e.run(*args, db=db), "token " + name)


def test_serve(tmp, rcv):
    db = os.path.join(tmp, "serve.db")
    setup(db, rcv, [("down", "/down2")])
    for name, loc in (("mia", "store-1"), ("max", "store-2")):
        ok(e.run("user", "add", name, "--role", "manager", "--location", loc, "--no-password",
                 db=db), "user " + name)
    ok(e.run("user", "add", "root", "--role", "admin", "--no-password", db=db), "admin")
    ingest_t = token(db, "ingest", "agent")
    admin_t = token(db, "root-t", "admin", "root")
    mia_t = token(db, "mia-t", "manager", "mia")
    max_t = token(db, "max-t", "manager", "max")
    srv = Serve(db, {"EARSHOT_ALERT_ALLOW": "127.0.0.1", "EARSHOT_ALERT_BACKOFF_MS": "50",
                     "EARSHOT_ALERT_MAX_ATTEMPTS": "1000"})
    try:
        st, _ = srv.call("GET", "/api/v1/alerts", admin_t)
        e.expect(st == 200, "GET /api/v1/alerts: %d" % st)
        rule = json.dumps({"name": "neg", "kind": "negative", "dests": "hook",
                           "location": "store-1"})
        st, _ = srv.call("POST", "/api/v1/alert-rules", mia_t, rule)
        e.expect(st == 403, "a manager added a rule: %d" % st)
        st, body = srv.call("POST", "/api/v1/alert-rules", admin_t, rule)
        e.expect(st == 201 and body["id"] > 0, "rule over the API: %d %r" % (st, body))
        st, body = srv.call("POST", "/api/v1/alert-rules", admin_t,
                            json.dumps({"name": "q", "kind": "words", "query": "(a AND"}))
        e.expect(st == 400 and "column" in body["error"], "bad query: %d %r" % (st, body))
        st, body = srv.call("GET", "/api/v1/alert-rules", mia_t)
        e.expect(st == 200 and [r["name"] for r in body["items"]] == ["neg"], "rules %r" % body)
        before = len(rcv.on("/ok"))
        m = {"source": "twitter", "id": "srv1", "author": "@s", "location": "store-1",
             "text": "acme was horrible and disgusting tonight, the worst"}
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
        c.request("POST", "/hooks/ingest", json.dumps(m),
                  {"Authorization": "Bearer " + ingest_t, "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        c.close()
        e.expect(r.status in (200, 202), "ingest: %d" % r.status)
        e.expect(wait_for(lambda: len(rcv.on("/ok")) > before, "webhook", 8.0),
                 "serve did not scan and deliver the alert by itself")
        doc = check_signed(rcv.on("/ok")[-1], "serve hook")
        aid = doc["alert"]["id"]
        st, body = srv.call("GET", "/api/v1/alerts", mia_t)
        e.expect(st == 200 and [a["id"] for a in body["items"]] == [aid], "mia: %r" % body)
        st, body = srv.call("GET", "/api/v1/alerts", max_t)
        e.expect(st == 200 and body["items"] == [], "max sees store-1: %r" % body)
        for method, path in (("GET", "/api/v1/alerts/%d" % aid),
                             ("POST", "/api/v1/alerts/%d/ack" % aid),
                             ("GET", "/api/v1/alerts/99999")):
            st, _ = srv.call(method, path, max_t, "{}" if method == "POST" else None)
            e.expect(st == 404, "max %s %s: %d" % (method, path, st))
        st, body = srv.call("POST", "/api/v1/alerts/%d/ack" % aid, mia_t, "{}")
        e.expect(st == 200 and body["status"] == "acked", "ack: %d %r" % (st, body))
        st, body = srv.call("GET", "/api/v1/alerts?status=open", admin_t)
        e.expect(st == 200 and body["items"] == [], "open after ack: %r" % body)
        # Undelivered rows survive a restart: the receiver is down, serve stops.
        st, _ = srv.call("POST", "/api/v1/alert-rules", admin_t,
                         json.dumps({"name": "neg2", "kind": "negative", "dests": "down",
                                     "brand": "Acme", "location": None}))
        e.expect(st == 201, "rule neg2: %d" % st)
        rcv.down = True
        for i in range(3):
            m = {"source": "twitter", "id": "down%d" % i, "author": "@x%d" % i,
                 "location": "x%d" % i, "text": "acme is awful and horrible, the worst %d" % i}
            c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
            c.request("POST", "/hooks/ingest", json.dumps(m),
                      {"Authorization": "Bearer " + ingest_t, "Content-Type": "application/json"})
            c.getresponse().read()
            c.close()
        e.expect(wait_for(lambda: len(set(r["headers"]["idempotency-key"]
                                          for r in rcv.on("/down2"))) == 3, "tries"),
                 "the deliverer did not try the three rows")
    finally:
        srv.stop()
    pending = e.sql(db, "SELECT count(*) FROM alert_outbox WHERE target LIKE '%/down2'"
                        " AND status = 'pending'")[0][0]
    e.expect(pending == 3, "pending after stop: %d" % pending)
    rcv.down = False
    srv = Serve(db, {"EARSHOT_ALERT_ALLOW": "127.0.0.1", "EARSHOT_ALERT_BACKOFF_MS": "50",
                     "EARSHOT_ALERT_MAX_ATTEMPTS": "1000"})
    try:
        e.expect(wait_for(lambda: len([r for r in rcv.on("/down2") if r["status"] == 200]) >= 3,
                          "redelivery"), "not redelivered after the restart")
        time.sleep(0.3)  # room for a duplicate to show, if there were one
    finally:
        srv.stop()
    got = [r["headers"]["idempotency-key"] for r in rcv.on("/down2") if r["status"] == 200]
    keys = [r[0] for r in e.sql(db, "SELECT idem_key FROM alert_outbox WHERE target LIKE"
                                    " '%/down2' AND status = 'delivered'")]
    e.expect(len(got) == 3 and sorted(got) == sorted(keys), "after restart: %r vs %r"
             % (got, keys))


def main():
    e.check_binary()
    rcv = Receiver()
    smtp = SMTP()
    with e.tempdir() as tmp:
        test_refused(tmp, rcv)
        test_delivery(tmp, rcv, smtp)
        test_restart(tmp, rcv)
        test_serve(tmp, rcv)
    rcv.shutdown()
    smtp.shutdown()
    e.ok("alerts")


if __name__ == "__main__":
    main()
