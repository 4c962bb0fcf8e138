"""Replies, SLAs and reports (issue 3: C4, C5, S4) end to end: the real
`earshot serve` on 127.0.0.1, a real SQLite file, API tokens bound to users
of two locations, and a local receiver (python http.server) standing in for
the platforms.

- POST /api/v1/cases/{id}/replies records the reply (the case's first and
  last response times, new -> open), answers 422 with the limit for a tweet
  over 280 weighted characters or an SMS over 10 segments, 404 for a case of
  another location, 403 for a viewer, 401 without credentials; a canned
  reply repeated is flagged generic.
- Delivery: the receiver fails the first POST; `earshot reply deliver` (a new
  process each time: the outbox survives restarts) retries after the back-off
  with the same Idempotency-Key and a valid HMAC signature; each reply is
  accepted once.
- SLA policies and calendars over the API (admin only), a case's due times,
  `earshot sla check` raising each breach once.
- GET /api/v1/reports/sla by channel and by follower decile on cases with
  known times (the fairness report: equal medians across deciles), scoped
  to the manager's location.

Cases are written with SQL, as the inbox would write them (this part only
reads cases); everything else goes through the binary.
"""
import hashlib
import hmac
import http.client
import http.server
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

NOW = int(time.time())
SECRET = "reply-hmac-secret"


class Receiver:
    """Accepts reply POSTs; the first one to /flaky is answered 500."""

    def __init__(self):
        self.hits = []
        self.accepted = {}
        self.lock = threading.Lock()
        self.fail_first = True
        rv = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with rv.lock:
                    rv.hits.append((self.path, dict(self.headers), body))
                    status = 200
                    if self.path == "/flaky" and rv.fail_first:
                        rv.fail_first = False
                        status = 500
                    elif self.path == "/down":
                        status = 503
                    else:
                        key = self.headers.get("Idempotency-Key")
                        rv.accepted[key] = rv.accepted.get(key, 0) + 1
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Server:
    def __init__(self, db):
        argv = [e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])

    def req(self, method, path, body=None, token=None):
        h = {}
        if token:
            h["Authorization"] = "Bearer " + token
        if body is not None:
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            try:
                doc = json.loads(data) if data else None
            except ValueError:
                doc = None
            return r.status, doc
        finally:
            c.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def setup(db, tmp, rv):
    """Users, tokens, endpoints (CLI) and cases (SQL)."""
    users = {"admin": ("admin", []), "mgrA": ("manager", ["store-a"]),
             "agentA": ("agent", ["store-a"]), "agentB": ("agent", ["store-b"]),
             "viewerA": ("viewer", ["store-a"])}
    tokens = {}
    for name, (role, locs) in users.items():
        args = ["user", "add", name, "--role", role]
        for loc in locs:
            args += ["--location", loc]
        e.expect_rc(e.run(*args, db=db, stdin=b"password-" + name.encode() + b"\n"), 0,
                    "user add " + name)
        res = e.run("token", "create", "tok-" + name, "--role", role, "--user", name, db=db)
        e.expect_rc(res, 0, "token create " + name)
        tokens[name] = res.out.strip()
    secret_file = os.path.join(tmp, "secret")
    with open(secret_file, "w") as f:
        f.write(SECRET + "\n")
    e.expect_rc(e.run("reply", "endpoint", "twitter", rv.url("/flaky"), "--secret-file",
                      secret_file, db=db), 0, "reply endpoint twitter")
    e.expect_rc(e.run("reply", "endpoint", "sms", rv.url("/ok"), db=db), 0,
                "reply endpoint sms")
    con = sqlite3.connect(db)
    rows = [
        # id, source, location, priority, created, followers
        (1, "twitter", "store-a", 2, NOW - 600, 120),
        (2, "sms", "store-a", 2, NOW - 7200, 0),
        (3, "twitter", "store-b", 2, NOW - 600, 5),
    ]
    for (cid, src, loc, prio, created, fol) in rows:
        con.execute("INSERT INTO cases(id, source, location, priority, created, updated,"
                    " last_customer_at, followers) VALUES (?,?,?,?,?,?,?,?)",
                    (cid, src, loc, prio, created, created, created, fol))
    con.execute("INSERT INTO mentions(source, external_id, text, case_id) VALUES"
                " ('twitter', '555', 'my bag is lost', 1)")
    con.commit()
    con.close()
    return tokens


def test_endpoints(srv, db, tok, rv):
    """The SMS endpoint is moved to a receiver that is down, over the API."""
    st, _ = srv.req("PUT", "/api/v1/channel-endpoints/sms", {"url": rv.url("/down")},
                    tok["mgrA"])
    e.expect(st == 403, "a manager setting an endpoint: %d" % st)
    st, _ = srv.req("PUT", "/api/v1/channel-endpoints/sms", {"url": "ftp://x"}, tok["admin"])
    e.expect(st == 400, "an ftp endpoint: %d" % st)
    st, doc = srv.req("PUT", "/api/v1/channel-endpoints/sms", {"url": rv.url("/down")},
                      tok["admin"])
    e.expect(st == 200 and doc == {"channel": "sms", "signed": False},
             "endpoint: %d %r" % (st, doc))
    e.expect(e.sql(db, "SELECT url FROM channel_endpoints WHERE channel = 'sms'")[0][0]
             == rv.url("/down"), "endpoint not stored")


def test_replies(srv, db, tok):
    st, doc = srv.req("POST", "/api/v1/cases/1/replies", {"text": "Hi, Ana here. On it."},
                      tok["agentA"])
    e.expect(st == 201 and doc["generic"] is False and doc["limit"] == 280,
             "reply: %d %r" % (st, doc))
    rows = e.sql(db, "SELECT status, first_response_at, last_response_at FROM cases"
                     " WHERE id = 1")
    e.expect(rows[0][0] == "open" and rows[0][1] and rows[0][1] == rows[0][2],
             "case after reply: %r" % rows)
    e.expect(e.sql(db, "SELECT count(*) FROM audit WHERE action = 'case.reply'"
                       " AND object = 'case:1' AND user_id IS NOT NULL")[0][0] == 1,
             "reply audit entry missing")
    # Over X's limit: 23 per URL, 2 per CJK character.
    long_text = "\u65e5" * 130 + " https://example.com/" + "x" * 300
    st, doc = srv.req("POST", "/api/v1/cases/1/replies", {"text": long_text}, tok["agentA"])
    e.expect(st == 422 and doc["limit"] == 280 and doc["used"] == 284 and "280" in doc["error"],
             "too long: %d %r" % (st, doc))
    st, doc = srv.req("POST", "/api/v1/cases/2/replies", {"text": "\u00ea" * 700},
                      tok["agentA"])
    e.expect(st == 422 and doc["unit"] == "segments" and doc["limit"] == 10 and doc["used"] == 11,
             "SMS segments: %d %r" % (st, doc))
    st, doc = srv.req("POST", "/api/v1/cases/2/replies", {"text": "a" * 1530}, tok["agentA"])
    e.expect(st == 201 and doc["used"] == 10, "10 segments fit: %d %r" % (st, doc))
    # Scope and roles.
    st, _ = srv.req("POST", "/api/v1/cases/1/replies", {"text": "hello"}, tok["agentB"])
    e.expect(st == 404, "agent of store-b on a store-a case: %d" % st)
    st, _ = srv.req("POST", "/api/v1/cases/3/replies", {"text": "hello"}, tok["agentA"])
    e.expect(st == 404, "agent of store-a on a store-b case: %d" % st)
    st, _ = srv.req("POST", "/api/v1/cases/1/replies", {"text": "hello"}, tok["viewerA"])
    e.expect(st == 403, "viewer replying: %d" % st)
    st, _ = srv.req("POST", "/api/v1/cases/1/replies", {"text": "hello"})
    e.expect(st == 401, "no credentials: %d" % st)
    st, _ = srv.req("POST", "/api/v1/cases/1/replies", {"txt": "hello"}, tok["agentA"])
    e.expect(st == 400, "no text: %d" % st)
    st, _ = srv.req("POST", "/api/v1/cases/999/replies", {"text": "hello"}, tok["agentA"])
    e.expect(st == 404, "no such case: %d" % st)
    # Generic: the same canned text on several cases.
    canned = "We are sorry to hear that. Please DM us your booking reference."
    flags = []
    for cid in (2, 1, 2, 1):
        st, doc = srv.req("POST", "/api/v1/cases/%d/replies" % cid, {"text": canned},
                          tok["agentA"])
        e.expect(st == 201, "canned reply: %d %r" % (st, doc))
        flags.append(doc["generic"])
    e.expect(flags == [False, False, False, True], "generic flags: %r" % flags)
    # Listing, scoped.
    st, doc = srv.req("GET", "/api/v1/cases/1/replies?limit=2", None, tok["mgrA"])
    e.expect(st == 200 and len(doc["items"]) == 2 and doc["next"] == "2",
             "list page 1: %d %r" % (st, doc))
    st, doc = srv.req("GET", "/api/v1/cases/1/replies?offset=2", None, tok["viewerA"])
    e.expect(st == 200 and len(doc["items"]) == 1 and doc["next"] is None
             and doc["items"][0]["generic"] is True, "list page 2: %d %r" % (st, doc))
    st, _ = srv.req("GET", "/api/v1/cases/1/replies", None, tok["agentB"])
    e.expect(st == 404, "store-b agent listing a store-a case: %d" % st)


def deliver(db):
    res = e.run("reply", "deliver", "--backoff", "1", db=db)
    e.expect_rc(res, 0, "reply deliver")
    return res


def test_delivery(db, rv):
    deliver(db)
    with rv.lock:
        first = [h for h in rv.hits if h[0] == "/flaky"]
    e.expect(len(first) >= 1, "no delivery attempt reached the receiver")
    # The retry waits for the back-off (1 s); keep delivering until done.
    for _ in range(20):
        pending = e.sql(db, "SELECT count(*) FROM reply_outbox o JOIN replies r ON"
                            " r.id = o.reply_id WHERE r.channel = 'twitter' AND"
                            " o.status <> 'delivered'")[0][0]
        if pending == 0:
            break
        time.sleep(0.6)
        deliver(db)
    e.expect(pending == 0, "twitter replies not delivered: %r" %
             e.sql(db, "SELECT * FROM reply_outbox"))
    twitter_keys = [r[0] for r in e.sql(db, "SELECT idempotency_key FROM reply_outbox o JOIN"
                                            " replies r ON r.id = o.reply_id WHERE"
                                            " r.channel = 'twitter'")]
    with rv.lock:
        hits = [h for h in rv.hits if h[0] == "/flaky"]
        accepted = dict(rv.accepted)
    for k in twitter_keys:
        e.expect(accepted.get(k) == 1, "key %s accepted %r times" % (k, accepted.get(k)))
    e.expect(len(hits) == len(twitter_keys) + 1, "one retry expected: %d posts for %d replies"
             % (len(hits), len(twitter_keys)))
    e.expect(hits[0][1].get("Idempotency-Key") in [h[1].get("Idempotency-Key")
                                                   for h in hits[1:]],
             "the retried reply changed its idempotency key")
    for path, headers, body in hits:
        ts = headers.get("X-Earshot-Timestamp")
        want = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
        e.expect(hmac.compare_digest(headers.get("X-Earshot-Signature", ""), want),
                 "bad signature on %r" % body)
    doc = json.loads(hits[0][2])
    e.expect(doc["channel"] == "twitter" and doc["in_reply_to"] == "555"
             and doc["idempotency_key"] == hits[0][1].get("Idempotency-Key"),
             "reply body: %r" % doc)
    # A later pass posts nothing again.
    n = len(rv.hits)
    deliver(db)
    sms = e.sql(db, "SELECT o.status, o.attempts, o.last_error FROM reply_outbox o JOIN replies r"
                    " ON r.id = o.reply_id WHERE r.channel = 'sms'")
    e.expect(all(s[0] == "pending" and s[1] >= 1 and s[2] == "HTTP 503" for s in sms),
             "sms replies should wait for the endpoint: %r" % sms)
    e.expect(all(h[0] == "/down" for h in rv.hits[n:]), "a delivered reply was posted again")


def test_sla(srv, db, tok):
    st, _ = srv.req("POST", "/api/v1/sla-calendars", {"name": "office", "spec": "mon-fri 25:00"},
                    tok["admin"])
    e.expect(st == 400, "bad calendar: %d" % st)
    st, _ = srv.req("POST", "/api/v1/sla-calendars", {"name": "always", "spec": "24x7"},
                    tok["admin"])
    e.expect(st == 200, "calendar: %d" % st)
    st, _ = srv.req("POST", "/api/v1/sla-policies", {"priority": 2, "first_response": 1800,
                    "resolution": 86400, "calendar": "always"}, tok["mgrA"])
    e.expect(st == 403, "a manager setting policies: %d" % st)
    st, doc = srv.req("POST", "/api/v1/sla-policies", {"priority": 2, "first_response": 1800,
                      "resolution": 86400, "calendar": "always"}, tok["admin"])
    e.expect(st == 200, "policy: %d %r" % (st, doc))
    st, doc = srv.req("POST", "/api/v1/sla-policies", {"priority": 9}, tok["admin"])
    e.expect(st == 400, "priority 9: %d" % st)
    st, doc = srv.req("GET", "/api/v1/sla-policies", None, tok["admin"])
    e.expect(st == 200 and doc["items"] == [{"priority": 2, "first_response": 1800,
             "next_response": 0, "resolution": 86400, "calendar": "always"}],
             "policies: %r" % doc)
    # The same through the command line.
    res = e.run("calendar", "add", "office", "mon-fri 9-17", db=db)
    e.expect(res.rc == 1 and "HH:MM-HH:MM" in res.err, "bad calendar on the CLI", res)
    e.expect_rc(e.run("calendar", "add", "office", "mon-fri 09:00-17:00 utc+01:00", db=db), 0,
                "calendar add")
    e.expect_rc(e.run("sla", "policy", "add", "--priority", "4", "--first-response", "2h",
                      "--resolution", "3d", "--calendar", "office", db=db), 0, "sla policy add")
    res = e.run("sla", "policy", "add", "--priority", "4", "--calendar", "nowhere", db=db)
    e.expect(res.rc == 2 and "nowhere" in res.err, "policy with an unknown calendar", res)
    res = e.run("sla", "policy", "list", "--output", "json", db=db)
    e.expect_rc(res, 0, "sla policy list")
    pols = [json.loads(line) for line in res.out.splitlines()]
    e.expect([p["priority"] for p in pols] == [2, 4] and pols[1]["first_response"] == 7200
             and pols[1]["resolution"] == 259200 and pols[1]["calendar"] == "office",
             "policies on the CLI: %r" % pols)
    res = e.run("calendar", "list", "--output", "csv", db=db)
    e.expect(res.rc == 0 and "office,mon-fri 09:00-17:00 utc+01:00" in res.out, "calendar list",
             res)
    # Case 3 (store-b, created 10 minutes ago, unanswered): first response due
    # 20 minutes from now; resolution in a day.
    st, doc = srv.req("GET", "/api/v1/cases/3/sla", None, tok["admin"])
    e.expect(st == 200 and doc["first_response_due"] == NOW - 600 + 1800
             and doc["resolution_due"] == NOW - 600 + 86400, "case 3 dues: %r" % doc)
    res = e.run("sla", "due", "3", db=db)
    e.expect(res.rc == 0 and res.out.startswith("first_response 20"), "sla due", res)
    res = e.run("sla", "due", "4242", db=db)
    e.expect(res.rc == 2, "sla due of no case", res)
    st, _ = srv.req("GET", "/api/v1/cases/3/sla", None, tok["mgrA"])
    e.expect(st == 404, "manager of store-a reading a store-b case's SLA: %d" % st)
    # The check: case 3 is due within an hour (warning); an hour later, breached.
    res = e.run("sla", "check", "--warn", "1h", "--now", str(NOW), db=db)
    e.expect_rc(res, 0, "sla check")
    e.expect(res.out.startswith("1 SLA alerts raised"), "check: %r" % res.out)
    res = e.run("sla", "check", "--warn", "1h", "--now", str(NOW + 60), db=db)
    e.expect(res.out.startswith("0 SLA alerts raised"), "check again: %r" % res.out)
    res = e.run("sla", "check", "--warn", "1h", "--now", str(NOW + 3600), db=db)
    e.expect(res.out.startswith("1 SLA alerts raised"), "breach: %r" % res.out)
    marks = e.sql(db, "SELECT case_id, clock, level FROM sla_marks ORDER BY level")
    e.expect(marks == [(3, "first_response", "breach"), (3, "first_response", "warning")],
             "marks: %r" % marks)


def test_reports(srv, db, tok):
    # Twenty more cases in store-a: followers from 0 to 10 million, every one
    # answered in (id % 2 + 1) * 60 seconds and resolved in an hour: each
    # decile (two cases) has the same median whatever the audience.
    con = sqlite3.connect(db)
    base = NOW - 100000
    for i in range(20):
        cid = 100 + i
        fol = 10 ** (i // 3) if i < 19 else 10000000
        con.execute("INSERT INTO cases(id, source, location, priority, created, updated,"
                    " last_customer_at, followers, first_response_at, resolved_at, status)"
                    " VALUES (?, 'facebook', 'store-a', 3, ?, ?, ?, ?, ?, ?, 'resolved')",
                    (cid, base, base, base, fol, base + (i % 2 + 1) * 60, base + 3600))
    con.commit()
    con.close()
    st, _ = srv.req("GET", "/api/v1/reports/sla?by=followers", None, tok["agentA"])
    e.expect(st == 403, "an agent reading reports: %d" % st)
    st, _ = srv.req("GET", "/api/v1/reports/sla?by=klout", None, tok["mgrA"])
    e.expect(st == 400, "by=klout: %d" % st)
    st, doc = srv.req("GET", "/api/v1/reports/sla?by=channel&since=%d&until=%d"
                      % (base, base + 1), None, tok["admin"])
    e.expect(st == 200 and len(doc["items"]) == 1, "channel report: %r" % doc)
    fb = doc["items"][0]
    e.expect(fb["group"] == "facebook" and fb["cases"] == 20 and fb["responded"] == 20
             and fb["first_response"] == {"median": 90.0, "p90": 120.0}
             and fb["resolution"] == {"median": 3600.0, "p90": 3600.0},
             "facebook times: %r" % fb)
    st, doc = srv.req("GET", "/api/v1/reports/sla?by=followers&since=%d&until=%d"
                      % (base, base + 1), None, tok["mgrA"])
    e.expect(st == 200 and [r["group"] for r in doc["items"]] ==
             [str(i) for i in range(1, 11)], "deciles: %r" % doc)
    for r in doc["items"]:
        e.expect(r["cases"] == 2 and r["first_response"]["median"] == 90.0,
                 "decile %s not treated alike: %r" % (r["group"], r))
    e.expect(doc["items"][0]["followers_min"] == 1
             and doc["items"][9]["followers_max"] == 10000000, "decile bounds: %r" % doc)
    # Scope: the manager of store-a sees store-a only.
    st, doc = srv.req("GET", "/api/v1/reports/sla?by=location", None, tok["mgrA"])
    e.expect(st == 200 and [r["group"] for r in doc["items"]] == ["store-a"],
             "manager's locations: %r" % doc)
    st, doc = srv.req("GET", "/api/v1/reports/sla?by=location", None, tok["admin"])
    e.expect(st == 200 and [r["group"] for r in doc["items"]] == ["store-a", "store-b"],
             "admin's locations: %r" % doc)
    res = e.run("report", "sla", "--by", "followers", "--output", "csv", db=db)
    e.expect_rc(res, 0, "report sla")
    e.expect(res.out.splitlines()[0].startswith("group,cases,responded,first_median"),
             "csv header: %r" % res.out[:200])


def main():
    e.check_binary()
    rv = Receiver()
    with e.tempdir() as tmp:
        db = os.path.join(tmp, "sla.db")
        tok = setup(db, tmp, rv)
        srv = Server(db)
        try:
            st, _ = srv.req("GET", "/api/v1/sla-policies", None, tok["admin"])
            e.expect(st == 200, "GET /api/v1/sla-policies: %d" % st)
            test_endpoints(srv, db, tok, rv)
            test_replies(srv, db, tok)
            test_delivery(db, rv)
            test_sla(srv, db, tok)
            test_reports(srv, db, tok)
        finally:
            srv.stop()
            rv.stop()
    e.ok("replies_sla")


if __name__ == "__main__":
    main()
