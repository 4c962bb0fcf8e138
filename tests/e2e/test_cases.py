"""The inbox over real HTTP (issue 3, C1-C3, C6): the real `earshot serve`
on 127.0.0.1, a temporary store, mentions ingested with `earshot ingest` and
threaded with `earshot case thread` (idempotent, so it is harmless when the
server threads too). Covers: threading by customer and reply; location scope (a manager of A never sees or changes B's cases or
customers, whatever id is sent: 404); viewers read only (403 on changes);
PATCH of status, assignee, priority, tags and corrections, with the audit
trail naming who and the corrections kept as labels; notes; merges; the
next cases of an agent; teams and routing rules (admin only) and a new case
routed by keyword; malformed bodies (400); and the fairness test through the
command: the same texts via four channels from authors with 0 to 10 million
followers give identical queues.
"""
import http.client
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

USERS = {
    "admin": ("admin", []),
    "mgrA": ("manager", ["store-a"]),
    "mgrB": ("manager", ["store-b"]),
    "agentA": ("agent", ["store-a"]),
    "viewerA": ("viewer", ["store-a"]),
}
T = "2026-11-23T10:%02d:00Z"


class Server:
    def __init__(self, db):
        argv = [e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])
        self.sess = {}

    def login(self, name):
        st, doc, h = self.raw("POST", "/api/v1/login",
                              json.dumps({"name": name, "password": "pass-of-" + name}),
                              {"Content-Type": "application/json"})
        e.expect(st == 200, "login %s: %d %r" % (name, st, doc))
        self.sess[name] = (h["set-cookie"].split(";", 1)[0], doc["csrf"])

    def raw(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            try:
                doc = json.loads(data) if data else None
            except ValueError:
                doc = None
            return r.status, doc, dict((k.lower(), v) for k, v in r.getheaders())
        finally:
            c.close()

    def req(self, who, method, path, body=None):
        cookie, csrf = self.sess[who]
        h = {"Cookie": cookie}
        if method != "GET":
            h["X-CSRF-Token"] = csrf
        if body is not None:
            body = body if isinstance(body, str) else json.dumps(body)
            h["Content-Type"] = "application/json"
        st, doc, _ = self.raw(method, path, body, h)
        return st, doc

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def mention(ext, author, text, minute, loc, source="twitter", followers=None, **kw):
    m = {"source": source, "id": ext, "author": author, "text": text,
         "created_at": T % minute, "location": loc}
    if followers is not None:
        m["followers"] = followers
    m.update(kw)
    return json.dumps(m)


def setup(db, tmp):
    ids = {}
    for name, (role, locs) in USERS.items():
        args = ["user", "add", name, "--role", role]
        for l in locs:
            args += ["--location", l]
        res = e.run(*args, db=db, stdin=b"pass-of-" + name.encode() + b"\n")
        e.expect_rc(res, 0, "user add " + name)
        ids[name] = int(res.out.strip())
    for args in (["team", "add", "Triage", "--triage"],
                 ["team", "member", "Triage", "agentA", "--capacity", "10"]):
        e.expect_rc(e.run(*args, db=db), 0, " ".join(args))
    lines = [
        mention("a1", "@jane", "my bag was lost, third time this year", 1, "store-a"),
        mention("a2", "@jane", "still waiting for an answer", 5, "store-a"),
        mention("a3", "@kim", "replying to jane: same here", 6, "store-a", reply_to="a1"),
        mention("a4", "@lee", "where is the lounge?", 2, "store-a"),
        mention("b1", "@bob", "rude staff at the desk, I want a refund", 3, "store-b"),
        mention("f1", "@celebrity", "the food made me sick, food poisoning", 4, "store-a",
                followers=10000000),
        mention("f2", "+15551234567", "the soup was cold and nobody came", 4, "store-a",
                source="sms", followers=0),
    ]
    path = os.path.join(tmp, "m.jsonl")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    e.expect_rc(e.run("ingest", path, db=db), 0, "ingest")
    res = e.run("case", "thread", db=db)
    e.expect_rc(res, 0, "case thread")
    res = e.run("case", "thread", db=db)  # idempotent
    e.expect("threaded 0" in res.err, "a second thread pass threaded again", res)
    return ids


def case_of(db, ext):
    return e.sql(db, "SELECT case_id FROM mentions WHERE external_id = ?", ext)[0][0]


def test_read_and_scope(srv, db):
    st, doc = srv.req("admin", "GET", "/api/v1/cases")
    e.expect(st == 200, "admin list: %d %r" % (st, doc))
    items = doc["items"]
    e.expect(len(items) == 5, "5 cases expected, got %d" % len(items))
    e.expect(case_of(db, "a1") == case_of(db, "a2") == case_of(db, "a3"),
             "a1, a2 and the reply a3 should share a case")
    ranks = [c["rank"] for c in items]
    e.expect(ranks == sorted(ranks, reverse=True), "queue not in rank order: %r" % ranks)
    # scope: mgrA sees only store-a, mgrB only store-b, whatever id is sent
    for who, loc in (("mgrA", "store-a"), ("mgrB", "store-b"), ("viewerA", "store-a")):
        st, doc = srv.req(who, "GET", "/api/v1/cases?limit=500")
        e.expect(st == 200 and doc["items"] and all(c["location"] == loc for c in doc["items"]),
                 "%s list: %d %r" % (who, st, doc))
        for cid in range(1, 10):
            st, doc = srv.req(who, "GET", "/api/v1/cases/%d" % cid)
            mine = e.sql(db, "SELECT count(*) FROM cases WHERE id = ? AND location = ?",
                         cid, loc)[0][0]
            e.expect(st == (200 if mine else 404), "%s GET case %d: %d" % (who, cid, st))
            for sub in ("mentions", "notes", "audit"):
                st2, _ = srv.req(who, "GET", "/api/v1/cases/%d/%s" % (cid, sub))
                e.expect(st2 == (200 if mine else 404), "%s %s of %d: %d" % (who, sub, cid, st2))
    b = case_of(db, "b1")
    # agentA (store-a only) is never given store-b's case
    e.expect(e.sql(db, "SELECT assignee_id FROM cases WHERE id = ?", b)[0][0] is None,
             "a store-b case was assigned to an agent of store-a")
    cust_b = e.sql(db, "SELECT customer_id FROM cases WHERE id = ?", b)[0][0]
    st, _ = srv.req("mgrA", "GET", "/api/v1/customers/%d" % cust_b)
    e.expect(st == 404, "mgrA saw B's customer: %d" % st)
    st, doc = srv.req("mgrB", "GET", "/api/v1/customers/%d" % cust_b)
    e.expect(st == 200 and doc["handles"][0]["value"] == "bob", "customer: %d %r" % (st, doc))
    st, doc = srv.req("admin", "GET", "/api/v1/cases/%d/mentions" % case_of(db, "a1"))
    e.expect(st == 200 and len(doc["items"]) == 3, "mentions: %r" % doc)
    st, doc = srv.req("admin", "GET", "/api/v1/cases?limit=2")
    e.expect(st == 200 and len(doc["items"]) == 2 and doc["next"] == "2", "page: %r" % doc)
    st, doc = srv.req("admin", "GET", "/api/v1/cases?limit=2&offset=4")
    e.expect(st == 200 and len(doc["items"]) == 1 and doc["next"] is None, "page 3: %r" % doc)
    st, doc = srv.req("admin", "GET", "/api/v1/cases?q=lounge")
    e.expect(st == 200 and len(doc["items"]) == 1, "q=lounge: %r" % doc)
    for bad in ("limit=0", "limit=501", "status=closed", "team=x"):
        st, _ = srv.req("admin", "GET", "/api/v1/cases?" + bad)
        e.expect(st == 400, "%s: %d" % (bad, st))


def test_changes(srv, db, ids):
    a = case_of(db, "a1")
    b = case_of(db, "b1")
    st, _ = srv.req("viewerA", "PATCH", "/api/v1/cases/%d" % a, {"status": "open"})
    e.expect(st == 403, "viewer changed a case: %d" % st)
    st, _ = srv.req("agentA", "PATCH", "/api/v1/cases/%d" % b, {"status": "resolved"})
    e.expect(st == 404, "agent of A changed B's case: %d" % st)
    e.expect(e.sql(db, "SELECT status FROM cases WHERE id = ?", b)[0][0] == "new", "B changed")
    st, doc = srv.req("agentA", "PATCH", "/api/v1/cases/%d" % a,
                      {"status": "open", "priority": 1, "assignee_id": ids["agentA"],
                       "tags": {"add": ["baggage", "repeat"]}, "intent": "request",
                       "department": "baggage"})
    e.expect(st == 200 and doc["status"] == "open" and doc["priority"] == 1 and
             doc["assignee_id"] == ids["agentA"] and doc["tags"] == ["baggage", "repeat"] and
             doc["intent"] == "request", "patch: %d %r" % (st, doc))
    for bad in ({"status": "closed"}, {"priority": 7}, {"colour": "red"}, {"assignee_id": 999},
                {"tags": ["x"]}, {"intent": "rant"}):
        st, _ = srv.req("agentA", "PATCH", "/api/v1/cases/%d" % a, bad)
        e.expect(st == 400, "bad patch %r: %d" % (bad, st))
    st, _ = srv.req("agentA", "PATCH", "/api/v1/cases/%d" % a, "{not json")
    e.expect(st == 400, "malformed body: %d" % st)
    st, doc = srv.req("agentA", "PATCH", "/api/v1/cases/%d" % a, {"assignee_id": None})
    e.expect(st == 200 and doc["assignee_id"] is None, "unassign: %d %r" % (st, doc))
    st, doc = srv.req("agentA", "GET", "/api/v1/cases/%d/audit" % a)
    actions = [x["action"] for x in doc["items"] if x["user_id"] == ids["agentA"]]
    for want in ("case.status", "case.priority", "case.assign", "case.tag", "case.intent",
                 "case.department"):
        e.expect(want in actions, "audit lacks %s by agentA: %r" % (want, actions))
    labels = e.sql(db, "SELECT task, label, user_id FROM labels WHERE case_id = ? ORDER BY task", a)
    e.expect(labels == [("department", "baggage", ids["agentA"]),
                        ("intent", "request", ids["agentA"])], "labels: %r" % labels)
    st, doc = srv.req("agentA", "POST", "/api/v1/cases/%d/notes" % a, {"text": "called her"})
    e.expect(st == 201, "note: %d %r" % (st, doc))
    st, doc = srv.req("viewerA", "GET", "/api/v1/cases/%d/notes" % a)
    e.expect(st == 200 and doc["items"][0]["text"] == "called her" and
             doc["items"][0]["author"] == "agentA", "notes: %r" % doc)
    st, _ = srv.req("agentA", "POST", "/api/v1/cases/%d/notes" % a, {"text": ""})
    e.expect(st == 400, "empty note: %d" % st)
    # next: agentA's own case first among theirs
    st, doc = srv.req("agentA", "GET", "/api/v1/cases/next?limit=50")
    e.expect(st == 200 and any(c["id"] == a for c in doc["items"]) and
             all(c["location"] == "store-a" for c in doc["items"]), "next: %r" % doc)
    # merge the lounge question into a1's case
    q = case_of(db, "a4")
    st, _ = srv.req("agentA", "POST", "/api/v1/cases/%d/merge" % a, {"case_id": b})
    e.expect(st == 404, "merged another location's case: %d" % st)
    st, doc = srv.req("agentA", "POST", "/api/v1/cases/%d/merge" % a, {"case_id": q})
    e.expect(st == 200, "merge: %d %r" % (st, doc))
    e.expect(case_of(db, "a4") == a, "mention did not move")
    st, doc = srv.req("admin", "GET", "/api/v1/cases/%d" % q)
    e.expect(doc["merged_into"] == a, "merged_into: %r" % doc)
    st, _ = srv.req("agentA", "POST", "/api/v1/cases/%d/merge" % a, {"case_id": a})
    e.expect(st == 400, "self merge: %d" % st)
    # customers: the SMS customer merged into the Twitter one (same person)
    ca = e.sql(db, "SELECT customer_id FROM cases WHERE id = ?", case_of(db, "f1"))[0][0]
    cb = e.sql(db, "SELECT customer_id FROM cases WHERE id = ?", case_of(db, "f2"))[0][0]
    st, _ = srv.req("mgrB", "POST", "/api/v1/customers/%d/merge" % ca, {"customer_id": cb})
    e.expect(st == 404, "mgrB merged A's customers: %d" % st)
    st, _ = srv.req("mgrA", "POST", "/api/v1/customers/%d/merge" % ca, {"customer_id": cb})
    e.expect(st == 200, "customer merge: %d" % st)
    st, doc = srv.req("mgrA", "GET", "/api/v1/customers/%d" % ca)
    kinds = sorted(h["kind"] for h in doc["handles"])
    e.expect(kinds == ["handle", "phone"] and doc["cases"] == 2, "merged customer: %r" % doc)


def test_teams_routes(srv, db, ids):
    st, _ = srv.req("mgrA", "POST", "/api/v1/teams", {"name": "Food"})
    e.expect(st == 403, "manager added a team: %d" % st)
    st, doc = srv.req("admin", "POST", "/api/v1/teams", {"name": "Food",
                                                          "assign": "least_loaded"})
    e.expect(st == 201, "team add: %d %r" % (st, doc))
    team = doc["id"]
    st, _ = srv.req("admin", "POST", "/api/v1/teams", {"name": "food"})
    e.expect(st == 409, "duplicate team: %d" % st)
    st, _ = srv.req("admin", "POST", "/api/v1/teams/%d/members" % team,
                    {"user_id": ids["agentA"], "capacity": 5})
    e.expect(st == 200, "member add: %d" % st)
    st, _ = srv.req("agentA", "GET", "/api/v1/routes")
    e.expect(st == 403, "agent read routes: %d" % st)
    st, _ = srv.req("admin", "POST", "/api/v1/routes", {"team_id": team})
    e.expect(st == 400, "a rule without condition: %d" % st)
    st, doc = srv.req("admin", "POST", "/api/v1/routes",
                      {"team_id": team, "keyword": "sandwich", "priority": 1})
    e.expect(st == 201, "route add: %d %r" % (st, doc))
    st, doc = srv.req("admin", "GET", "/api/v1/routes")
    e.expect(st == 200 and doc["items"][0]["keyword"] == "sandwich", "routes: %r" % doc)
    st, doc = srv.req("viewerA", "GET", "/api/v1/teams")
    e.expect(st == 200 and {t["name"] for t in doc["items"]} == {"Triage", "Food"}, "teams")
    path = os.path.join(os.path.dirname(db), "n.jsonl")
    with open(path, "w") as f:
        f.write(mention("n1", "@zoe", "my sandwich was stale", 30, "store-a") + "\n")
    e.expect_rc(e.run("ingest", path, db=db), 0, "ingest n1")
    e.expect_rc(e.run("case", "thread", db=db), 0, "thread n1")
    st, doc = srv.req("admin", "GET", "/api/v1/cases/%d" % case_of(db, "n1"))
    e.expect(doc["team_id"] == team and doc["assignee_id"] == ids["agentA"],
             "routed by keyword: %r" % doc)


def test_cli(db, ids):
    """The same inbox from the command line, with its failure paths."""
    n1 = case_of(db, "n1")
    res = e.run("case", "show", n1, "--output", "json", db=db)
    e.expect_rc(res, 0, "case show")
    rows = [json.loads(l) for l in res.out.splitlines() if l.strip()]
    e.expect(rows[0]["id"] == n1 and rows[1]["text"] == "my sandwich was stale", "show: %r" % rows)
    for args in (("assign", n1, "none"), ("status", n1, "pending"), ("note", n1, "from the CLI"),
                 ("tag", n1, "+stale", "+food"), ("tag", n1, "-food")):
        e.expect_rc(e.run("case", *args, db=db), 0, "case %r" % (args,))
    row = e.sql(db, "SELECT status, assignee_id FROM cases WHERE id = ?", n1)[0]
    e.expect(row == ("pending", None), "after the CLI: %r" % (row,))
    e.expect(e.sql(db, "SELECT group_concat(tag) FROM case_tags WHERE case_id = ?", n1)[0][0]
             == "stale", "tags after the CLI")
    acts = e.sql(db, "SELECT action FROM audit WHERE object = ? AND user_id IS NULL"
                 " AND action LIKE 'case.%%' ORDER BY id", "case:%d" % n1)
    e.expect([a for (a,) in acts][-6:] == ["case.assign", "case.status", "case.note", "case.tag",
                                           "case.tag", "case.untag"],
             "CLI changes audited: %r" % acts)
    res = e.run("case", "list", "--status", "pending", "--output", "csv", db=db)
    e.expect(res.rc == 0 and res.out.count("\n") == 2, "list pending", res)
    res = e.run("case", "next", "--user", "agentA", "--output", "json", db=db)
    e.expect(res.rc == 0 and res.out and all(json.loads(l)["assignee"] in ("agentA", None)
                                             for l in res.out.splitlines()), "next", res)
    for args, rc in ((("case", "status", n1, "closed"), 1), (("case", "assign", n1, "nobody"), 1),
                     (("case", "show", 99999), 1), (("case", "frobnicate", n1), 1),
                     (("case", "merge", n1, n1), 1), (("case", "tag", n1, "oops"), 1),
                     (("team", "add", "Triage"), 1), (("team", "member", "Nope", "agentA"), 1),
                     (("route", "add", "--team", "Triage"), 1),
                     (("route", "add", "--keyword", "x"), 1), (("case",), 1)):
        res = e.run(*args, db=db)
        e.expect_rc(res, rc, " ".join(str(a) for a in args))
    res = e.run("route", "add", "--team", "Triage", "--intent", "praise", "--priority", "50",
                db=db)
    e.expect_rc(res, 0, "route add")
    res = e.run("route", "list", "--output", "json", db=db)
    e.expect(res.rc == 0 and len(res.out.splitlines()) == 2, "route list", res)
    res = e.run("team", "list", db=db)
    e.expect(res.rc == 0 and "Food" in res.out and "Triage" in res.out, "team list", res)
    res = e.run("team", "member", "Food", db=db)
    e.expect(res.rc == 0 and "agentA" in res.out, "team members", res)


FAIR_TEXTS = ["my flight was cancelled and nobody helps", "what time does the lounge open?",
              "food poisoning after the meal on board", "thanks for the great service",
              "third time I ask: where is my refund", "I will cancel my account",
              "my lawyer will hear about this", "ok"]


def test_fairness(tmp):
    """The same texts at the same moments, through different channels from
    authors with 0 to 10 million followers, each set in its own store (in
    one store the copies would be near-duplicates): identical queues."""
    queues = []
    for n, (source, followers) in enumerate((("twitter", 10000000), ("sms", 0),
                                             ("email", 0), ("facebook", 250000))):
        db = os.path.join(tmp, "fair%d.db" % n)
        path = os.path.join(tmp, "fair%d.jsonl" % n)
        with open(path, "w") as f:
            for i, text in enumerate(FAIR_TEXTS):
                author = "+1555000%04d" % i if source == "sms" else "user%d@example.com" % i \
                    if source == "email" else "@user%d" % i
                f.write(mention("x%d" % i, author, text, i % 3, "store-a", source=source,
                                followers=followers) + "\n")
        e.expect_rc(e.run("ingest", path, db=db), 0, "ingest " + source)
        e.expect_rc(e.run("case", "thread", db=db), 0, "thread " + source)
        res = e.run("case", "list", "--output", "json", db=db)
        e.expect_rc(res, 0, "case list " + source)
        rows = [json.loads(l) for l in res.out.splitlines() if l.strip()]
        e.expect(len(rows) == len(FAIR_TEXTS), "cases of %s: %d" % (source, len(rows)))
        queues.append([(r["subject"], r["priority"], r["severity"]) for r in rows])
        ranks = [r["rank"] for r in rows]
        e.expect(ranks == sorted(ranks, reverse=True), "not in rank order: %r" % ranks)
    for q in queues[1:]:
        e.expect(q == queues[0], "queues differ by channel or followers:\n%r\n%r"
                 % (queues[0], q))


def main():
    e.check_binary()
    with e.tempdir() as tmp:
        db = os.path.join(tmp, "cases.db")
        ids = setup(db, tmp)
        srv = Server(db)
        try:
            st, _, _ = srv.raw("GET", "/api/v1/cases")
            e.expect(st == 401, "anonymous list: %d" % st)
            for name in USERS:
                srv.login(name)
            test_read_and_scope(srv, db)
            test_changes(srv, db, ids)
            test_teams_routes(srv, db, ids)
            test_cli(db, ids)
        finally:
            srv.stop()
        test_fairness(tmp)
    e.ok("cases")


if __name__ == "__main__":
    main()
