"""The authorization matrix (issue 3, P4): every endpoint in the table below x
every kind of caller x objects of their own location and of another, over
real HTTP against the real `earshot serve`.

Callers: an admin; the managers of locations A and B; the manager of the
region "eu/" (every location under eu/); an agent of A; a viewer of A (all
by login session, sending their CSRF token); a manager-role API token bound
to the manager of A (Bearer, no CSRF); no credentials; a bad token; and the
admin's session WITHOUT its CSRF token. Objects: a case (with its customer)
and an alert at A, at B, at eu/paris, and without a location.

rows() and object_rows() say what each caller must get from each endpoint
(expect_for: 401, 403 below the role or without CSRF, 404 outside the scope).
Beyond the table: whatever id a scoped caller sends, nothing of another
location comes back; lists hold exactly the caller's locations; merging
across locations is refused both ways; and logout ends each session.

Other parts' endpoints (cases, customers, teams, routes, alerts, SLA,
replies, locations, regions, the organisation, audit checklists, audits and
their scores, survey definitions) are rows here too: each row is the contract its handler keeps.
The locations A, B and eu/paris exist as locations too, each with an audit.
"""
import http.client
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

ROLES = {"viewer": 1, "agent": 2, "manager": 3, "admin": 4}

# caller -> (role, locations or None for all); the sessions are made in main().
CALLERS = {
    "admin": ("admin", None),
    "mgrA": ("manager", ["store-a"]),
    "mgrB": ("manager", ["store-b"]),
    "mgrEU": ("manager", ["eu/"]),      # a region: every location under eu/
    "agentA": ("agent", ["store-a"]),
    "viewerA": ("viewer", ["store-a"]),
    "tokA": ("manager", ["store-a"]),   # Bearer token of mgrA
    "none": (None, None),
    "badtoken": (None, None),
    "nocsrf": ("admin", None),          # admin's session, no X-CSRF-Token
}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class Server:
    def __init__(self, db):
        argv = [e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])

    def req(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
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
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            e.fail("serve did not stop within 20 s of SIGTERM")
        err = self.proc.stderr.read().decode("utf-8", "replace")
        e.expect(rc == 0, "serve exited %d: %s" % (rc, err[-2000:]))
        e.expect("Sanitizer" not in err and "runtime error" not in err,
                 "serve reported memory errors: %s" % err[-4000:])


# ---- expectations ------------------------------------------------------------------

def may_see(caller, loc):
    locs = CALLERS[caller][1]
    if CALLERS[caller][0] == "admin" or locs is None:
        return True
    return any(loc == l or (l.endswith("/") and loc.startswith(l)) for l in locs)


def expect_for(caller, method, min_role, ok, loc=None):
    """The status caller must get from an endpoint needing min_role (None: public)
    that answers ok, about an object at loc (None: not location-bound)."""
    if min_role is None:
        return ok
    role = CALLERS[caller][0]
    if caller in ("none", "badtoken"):
        return 401
    if ROLES[role] < ROLES[min_role]:
        return 403
    if caller == "nocsrf" and method in UNSAFE:
        return 403
    if loc is not None and not may_see(caller, loc):
        return 404
    return ok


class Row:
    """One endpoint: method, path (a function of the caller, for unique names), body
    (same), the weakest role, the success status, and the location of the object."""

    def __init__(self, method, path, min_role, ok, body=None, loc=None, check=None):
        self.method, self.path, self.min_role, self.ok = method, path, min_role, ok
        self.body, self.loc, self.check = body, loc, check

    def run(self, srv, caller, headers):
        path = self.path(caller) if callable(self.path) else self.path
        body = self.body(caller) if callable(self.body) else self.body
        st, doc = srv.req(self.method, path, body, headers)
        want = expect_for(caller, self.method, self.min_role, self.ok, self.loc)
        e.expect(st == want, "%s %s as %s: %d, expected %d (%r)"
                 % (self.method, path, caller, st, want, doc))
        if st == want and self.check and 200 <= st < 300:
            self.check(caller, doc)
        return st


def headers_for(caller, sess):
    if caller == "none":
        return {}
    if caller == "badtoken":
        return {"Authorization": "Bearer " + "A" * 43}
    if caller == "tokA":
        return {"Authorization": "Bearer " + sess["tokA"]}
    if caller == "nocsrf":
        return {"Cookie": sess["admin"][0]}
    cookie, csrf = sess[caller]
    return {"Cookie": cookie, "X-CSRF-Token": csrf}


# ---- the table --------------------------------------------------------------------

def mention(caller, loc="elsewhere"):
    return {"source": "twitter", "id": "m-%s-%s" % (caller, loc), "location": loc,
            "text": "my order at the store never arrived and nobody answers"}


def check_me(caller, doc):
    role, locs = CALLERS[caller]
    e.expect(doc["role"] == role, "me as %s: %r" % (caller, doc))
    e.expect((doc["locations"] == locs) if locs else doc["all_locations"], "me locs: %r" % doc)


DATA = [  # (mention id, author, location, text)
    ("a1", "@alice", "store-a", "my order at the store never arrived, third time, I want a refund"),
    ("b1", "@bob", "store-b", "the staff were rude and the food was cold, terrible"),
    ("e1", "@emile", "eu/paris", "waited an hour for a table, awful service, never again"),
    ("n1", "@nobody", "", "where is my parcel? nobody answers my emails"),
]
LOCS = {"A": "store-a", "B": "store-b", "EU": "eu/paris", "N": ""}


def setup_data(db, tmp):
    """Cases (one per location, one without), their customers, and alerts."""
    path = os.path.join(tmp, "m.jsonl")
    with open(path, "w") as f:
        for mid, author, loc, text in DATA:
            f.write(json.dumps({"source": "twitter", "id": mid, "author": author,
                                "location": loc, "text": text}) + "\n")
    e.expect_rc(e.run("ingest", path, db=db), 0, "ingest")
    e.expect_rc(e.run("case", "thread", db=db), 0, "case thread")
    for key, loc in LOCS.items():
        args = ["alert", "raise", "--kind", "survey", "--key", "k" + key, "--title", "low " + key]
        if loc:
            args += ["--location", loc]
        e.expect_rc(e.run(*args, db=db), 0, "alert raise " + key)
    # The locations themselves (V1) and an audit of each (V7).
    cl = os.path.join(tmp, "checklist.json")
    with open(cl, "w") as f:
        json.dump({"name": "Matrix", "kind": "audit", "items": [{"text": "Clean"}]}, f)
    e.expect_rc(e.run("audit", "checklist", "add", cl, db=db), 0, "checklist add")
    for key, loc in LOCS.items():
        if loc:
            e.expect_rc(e.run("location", "add", loc, "--code", "C" + key, "--name", key,
                              db=db), 0, "location add " + key)
            e.expect_rc(e.run("audit", "add", "--checklist", "Matrix", "--location", loc,
                              "--answers", "yes", db=db), 0, "audit add " + key)


def objects(srv, sess):
    """The ids of the objects of each location, read by the admin."""
    h = headers_for("admin", sess)
    st, cases = srv.req("GET", "/api/v1/cases?limit=500", None, h)
    e.expect(st == 200 and len(cases["items"]) == len(DATA), "cases: %d %r" % (st, cases))
    st, alerts = srv.req("GET", "/api/v1/alerts?limit=500", None, h)
    e.expect(st == 200 and len(alerts["items"]) == len(LOCS), "alerts: %d %r" % (st, alerts))
    obj = {}
    for key, loc in LOCS.items():
        c = [x for x in cases["items"] if (x["location"] or "") == loc]
        a = [x for x in alerts["items"] if (x["location"] or "") == loc]
        e.expect(len(c) == 1 and len(a) == 1, "objects at %r: %r %r" % (loc, c, a))
        obj[key] = {"case": c[0]["id"], "customer": c[0]["customer_id"], "alert": a[0]["id"]}
    st, locs = srv.req("GET", "/api/v1/locations?limit=500", None, h)
    e.expect(st == 200 and len(locs["items"]) == len(LOCS) - 1, "locations: %d %r" % (st, locs))
    for key, loc in LOCS.items():
        obj[key]["location"] = ([x["id"] for x in locs["items"] if x["key"] == loc] or [None])[0]
    return obj


def check_list(kind, complete=True):
    """Only the caller's locations; with complete, all of them."""
    def check(caller, doc):
        got = sorted(item["location"] or "" for item in doc["items"])
        for item in doc["items"]:
            e.expect(may_see(caller, item["location"] or ""),
                     "%s lists %s %r at %r" % (caller, kind, item["id"], item["location"]))
        want = sorted(loc for loc in LOCS.values() if may_see(caller, loc))
        e.expect(not complete or got == want,
                 "%s lists %ss at %r, expected %r" % (caller, kind, got, want))
    return check


def check_keyed(kind, field):
    """Only and all the caller's locations (there is no location "")."""
    def check(caller, doc):
        got = sorted(set(item[field] for item in doc["items"]))
        want = sorted(loc for loc in LOCS.values() if loc and may_see(caller, loc))
        e.expect(got == want, "%s lists %s at %r, expected %r" % (caller, kind, got, want))
    return check


def location_rows(obj):
    """A location and its audits: read in scope, changed by admins, audited by managers
    of their own locations."""
    r = []
    for key, loc in LOCS.items():
        if not loc:
            continue
        lid = obj[key]["location"]
        r += [
            Row("GET", "/api/v1/locations/%d" % lid, "viewer", 200, loc=loc),
            Row("PATCH", "/api/v1/locations/%d" % lid, "admin", 200,
                body=lambda c: {"name": "renamed by " + c}, loc=loc),
            Row("POST", "/api/v1/audits", "manager", 201, loc=loc,
                body=lambda c, code="C" + key: {"checklist": "Matrix", "location": code,
                                                "date": "2020-01-01", "answers": [True]}),
        ]
    return r


def object_rows(obj):
    r = location_rows(obj)
    for key, loc in LOCS.items():
        case, cust, alert = obj[key]["case"], obj[key]["customer"], obj[key]["alert"]
        c = "/api/v1/cases/%d" % case
        r += [
            Row("GET", c, "viewer", 200, loc=loc),
            Row("PATCH", c, "agent", 200, body={"priority": 2}, loc=loc),
            Row("GET", c + "/mentions", "viewer", 200, loc=loc),
            Row("GET", c + "/notes", "viewer", 200, loc=loc),
            Row("POST", c + "/notes", "agent", 201, body=lambda k: {"text": "note by " + k},
                loc=loc),
            Row("GET", c + "/audit", "viewer", 200, loc=loc),
            Row("GET", c + "/replies", "viewer", 200, loc=loc),
            Row("POST", c + "/replies", "agent", 201,
                body=lambda k: {"text": "Sorry about this, %s here: we are on it." % k}, loc=loc),
            Row("GET", c + "/sla", "viewer", 200, loc=loc),
            Row("GET", "/api/v1/customers/%d" % cust, "viewer", 200, loc=loc),
            Row("GET", "/api/v1/alerts/%d" % alert, "viewer", 200, loc=loc),
            Row("POST", "/api/v1/alerts/%d/ack" % alert, "agent", 200, loc=loc),
        ]
    return r


def rows(ids):
    r = [
        Row("POST", "/api/v1/login", None, 200,
            body={"name": "probe", "password": "probe-pass-1"}),
        Row("GET", "/api/v1/me", "viewer", 200, check=check_me),
        Row("GET", "/api/v1/users", "admin", 200),
        Row("GET", "/api/v1/users/%d" % ids["probe"], "admin", 200),
        Row("GET", "/api/v1/users/999999", "admin", 404),
        Row("POST", "/api/v1/users", "admin", 201,
            body=lambda c: {"name": "new-" + c, "role": "viewer"}),
        Row("PATCH", "/api/v1/users/%d" % ids["probe"], "admin", 200,
            body={"email": "probe@example.com"}),
        Row("GET", "/api/v1/audit", "admin", 200),
        Row("GET", "/healthz", None, 200),
        # the inbox (api_cases.c), alerts (api_alerts.c), SLA (api_sla.c)
        Row("GET", "/api/v1/cases?limit=500", "viewer", 200, check=check_list("case")),
        Row("GET", "/api/v1/cases/next", "viewer", 200, check=check_list("case", False)),
        Row("GET", "/api/v1/teams", "viewer", 200),
        Row("POST", "/api/v1/teams", "admin", 201, body=lambda c: {"name": "team-" + c}),
        Row("GET", "/api/v1/routes", "admin", 200),
        Row("GET", "/api/v1/alerts?limit=500", "viewer", 200, check=check_list("alert")),
        Row("GET", "/api/v1/alert-rules", "manager", 200),
        Row("GET", "/api/v1/alert-destinations", "admin", 200),
        # action plans (api_drivers.c): managers only; none exists here
        Row("GET", "/api/v1/plans", "manager", 200),
        Row("POST", "/api/v1/plans/999999/accept", "manager", 404, body={}),
        Row("POST", "/api/v1/plans/999999/done", "manager", 404, body={}),
        Row("GET", "/api/v1/sla-policies", "admin", 200),
        Row("GET", "/api/v1/sla-calendars", "admin", 200),
        Row("GET", "/api/v1/reports/sla", "manager", 200),
        # locations, regions, the organisation (api_locations.c), audits (api_audits.c)
        Row("GET", "/api/v1/locations?limit=500", "viewer", 200,
            check=check_keyed("location", "key")),
        Row("GET", "/api/v1/locations.csv", "viewer", 200),
        Row("POST", "/api/v1/locations", "admin", 201,
            body=lambda c: {"key": "new/" + c, "code": "N" + c, "name": "New " + c}),
        Row("POST", "/api/v1/locations/import", "admin", 200,
            body=lambda c: "key,code,name\nimported/%s,I%s,Imported\n" % (c, c)),
        Row("GET", "/api/v1/regions", "viewer", 200),
        Row("GET", "/api/v1/organisation", "viewer", 200),
        Row("GET", "/api/v1/audit-checklists", "viewer", 200),
        Row("POST", "/api/v1/audit-checklists", "admin", 201,
            body=lambda c: {"name": "list of " + c, "kind": "mystery",
                            "items": [{"text": "Smile", "weight": 2}]}),
        Row("GET", "/api/v1/audits?limit=500", "viewer", 200,
            check=check_keyed("audit", "location")),
        Row("GET", "/api/v1/audits/scores?since=2020-01-01", "viewer", 200,
            check=check_keyed("audit score", "location")),
        # survey definitions (api_survey_defs.c): the organisation's; admins add them
        Row("GET", "/api/v1/surveys", "viewer", 200),
        Row("POST", "/api/v1/surveys", "admin", 201,
            body=lambda c: {"name": "survey of " + c, "questions": [
                {"key": "overall", "kind": "scale5", "role": "overall", "text": "How was it?"}]}),
        Row("GET", "/api/v1/surveys/1", "viewer", 200),  # the admin's, just added
        Row("GET", "/api/v1/surveys/999999", "viewer", 404),
        # Last of the lists: the server threads what this stores into new cases, at a
        # location outside every scope so that the rows and ids checked later hold.
        Row("POST", "/hooks/ingest", "agent", 202, body=lambda c: json.dumps(mention(c))),
    ]
    return r


def test_matrix(srv, sess, ids, obj):
    for row in rows(ids) + object_rows(obj):
        for caller in CALLERS:
            row.run(srv, caller, headers_for(caller, sess))


def test_any_id(srv, sess, obj):
    """Whatever id a scoped caller sends, nothing of another location comes back."""
    top = max(max(o["case"], o["customer"], o["alert"], o["location"] or 0)
              for o in obj.values()) + 3
    paths = {"case": "/api/v1/cases/%d", "alert": "/api/v1/alerts/%d",
             "customer": "/api/v1/customers/%d", "location": "/api/v1/locations/%d"}
    for caller in ("mgrA", "mgrB", "mgrEU", "agentA", "viewerA", "tokA"):
        h = headers_for(caller, sess)
        for kind, fmt in paths.items():
            own = [o[kind] for k, o in obj.items() if may_see(caller, LOCS[k])]
            for i in list(range(0, top)) + [-1, 2 ** 40]:
                st, doc = srv.req("GET", fmt % i, None, h)
                want = 200 if i in own else 404
                e.expect(st == want, "%s GET %s: %d, expected %d %r" % (caller, fmt % i, st,
                                                                         want, doc))


def test_cross_merge(srv, sess, obj):
    """Merging pulls another object in: neither side may be outside the scope."""
    for caller, own, other in (("mgrA", "A", "B"), ("mgrB", "B", "A"), ("agentA", "A", "EU"),
                               ("tokA", "A", "N"), ("mgrEU", "EU", "A")):
        h = headers_for(caller, sess)
        for kind, key, path in (("case", "case_id", "/api/v1/cases/%d/merge"),
                                ("customer", "customer_id", "/api/v1/customers/%d/merge")):
            for into, frm in ((own, other), (other, own)):
                st, doc = srv.req("POST", path % obj[into][kind], {key: obj[frm][kind]}, h)
                e.expect(st == 404, "%s merges %s %s into %s: %d %r"
                         % (caller, kind, frm, into, st, doc))
    h = headers_for("admin", sess)
    for key in LOCS:
        st, doc = srv.req("GET", "/api/v1/cases/%d" % obj[key]["case"], None, h)
        e.expect(st == 200 and "merged_into" in doc and doc["merged_into"] is None,
                 "case %s after refused merges: %r"
                 % (key, doc))


def test_logout(srv, sess):
    """Last: logging out ends the sessions the rows above used."""
    row = Row("POST", "/api/v1/logout", "viewer", 200)
    # nocsrf first: it uses the admin's session, which the admin then ends.
    for caller in ["nocsrf"] + [c for c in CALLERS if c != "nocsrf"]:
        if caller == "tokA":
            st, _ = srv.req("POST", "/api/v1/logout", None, headers_for(caller, sess))
            e.expect(st == 400, "a token logs out: %d" % st)
            continue
        row.run(srv, caller, headers_for(caller, sess))
    for caller in ("mgrA", "viewerA"):
        st, _ = srv.req("GET", "/api/v1/me", None, headers_for(caller, sess))
        e.expect(st == 401, "%s after logout: %d" % (caller, st))


def setup_users(db):
    ids = {}
    for name, (role, locs) in CALLERS.items():
        if name in ("none", "badtoken", "nocsrf", "tokA"):
            continue
        args = ["user", "add", name, "--role", role]
        for l in locs or []:
            args += ["--location", l]
        res = e.run(*args, db=db, stdin=b"pass-of-" + name.encode() + b"\n")
        e.expect_rc(res, 0, "user add " + name)
        ids[name] = int(res.out.strip())
    res = e.run("user", "add", "probe", "--role", "viewer", db=db, stdin=b"probe-pass-1\n")
    e.expect_rc(res, 0, "user add probe")
    ids["probe"] = int(res.out.strip())
    res = e.run("token", "create", "mgrA-script", "--role", "manager", "--user", "mgrA", db=db)
    e.expect_rc(res, 0, "token create")
    return ids, res.out.strip()


def login(srv, name):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
    try:
        c.request("POST", "/api/v1/login",
                  json.dumps({"name": name, "password": "pass-of-" + name}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        doc = json.loads(r.read())
        e.expect(r.status == 200, "login %s: %d %r" % (name, r.status, doc))
        return r.getheader("Set-Cookie").split(";", 1)[0], doc["csrf"]
    finally:
        c.close()


def main():
    e.check_binary()
    with e.tempdir() as tmp:
        db = os.path.join(tmp, "authz.db")
        ids, tok = setup_users(db)
        setup_data(db, tmp)
        srv = Server(db)
        try:
            sess = {"tokA": tok}
            for name in ("admin", "mgrA", "mgrB", "mgrEU", "agentA", "viewerA"):
                sess[name] = login(srv, name)
            obj = objects(srv, sess)
            test_matrix(srv, sess, ids, obj)
            test_any_id(srv, sess, obj)
            test_cross_merge(srv, sess, obj)
            test_logout(srv, sess)
        finally:
            srv.stop()
    e.ok("authz_matrix")


if __name__ == "__main__":
    main()
