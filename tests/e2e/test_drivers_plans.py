"""End to end: key-driver analysis and action plans (V5, V6).

A store is filled through the library by tests/e2e/helper_kda.c (the seeded
generator of the unit tests: five drivers with known weights, 60 locations
in three regions, planted weak locations). Then the real binary:
`earshot drivers` (both targets, a region, bad options), `earshot plan`
(the planted weak stores' first actions, accept and done with their
scores, refused moves), and `earshot serve` with the API: GET
/api/v1/drivers and /api/v1/plans, POST /api/v1/plans/{id}/accept and /done,
scoped so that a manager sees and changes only its own locations' plans.
"""
import http.client
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

HELPER = os.path.join(os.environ.get("ES_BUILD_DIR", os.path.join(e.SOURCE_DIR, "build")),
                      "helper_kda")
ORDER = ["speed", "friendly", "clean", "value", "parking"]


def ok(res, what):
    e.expect_rc(res, 0, what)
    return res.out


def ranked(group):
    return [d["key"] for d in sorted(group["drivers"], key=lambda d: d["rank"])]


def fill(db):
    proc = subprocess.run([HELPER, db, "7", "50"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=300)
    e.expect(proc.returncode == 0, "helper_kda: %r" % proc.stderr)
    return json.loads(proc.stdout)


def test_cli(db, planted):
    for target in ("overall", "promoter"):
        rep = json.loads(ok(e.run("drivers", "--target", target, "--output", "json", db=db),
                            "drivers " + target))
        g = rep["groups"][0]
        e.expect(rep["target"] == target and g["region"] == "" and g["fitted"], "%r" % g)
        e.expect(ranked(g) == ORDER, "%s order %r" % (target, ranked(g)))
        e.expect(g["n_target"] == 3000 and 0 < g["n_dropped"] < 300 and
                 g["n"] == g["n_target"] - g["n_dropped"], "counts %r" % g)
        total = sum(d["relative_weight"] for d in g["drivers"])
        e.expect(abs(total - g["r2"]) < 1e-4, "weights sum %f, R2 %f" % (total, g["r2"]))
        sig = {d["key"]: d["significant"] for d in g["drivers"]}
        e.expect(sig["speed"] and sig["friendly"], "significance %r" % sig)
        e.expect([x["region"] for x in rep["groups"]] ==
                 ["", "eu/", "eu/de/", "eu/fr/", "us/", "us/ny/"], "regions %r" % rep["groups"])
    # Social: mentions of Acme with a topic rule that makes them negative.
    ok(e.run("brand", "add", "Acme", db=db), "brand")
    social = json.loads(ok(e.run("drivers", "--social", "--output", "json", db=db), "social"))
    e.expect(social == {"target": "compound", "brands": []}, "no mentions yet %r" % social)
    rep = json.loads(ok(e.run("drivers", "--region", "eu/", "--output", "json", db=db), "eu/"))
    e.expect([x["region"] for x in rep["groups"]] == ["eu/", "eu/de/", "eu/fr/"], "eu %r" % rep)
    e.expect(rep["groups"][0]["n_target"] == 2000, "eu n %r" % rep["groups"][0])
    table = ok(e.run("drivers", "--target", "overall", db=db), "drivers table")
    e.expect("Speed of service" in table and "left out for a missing driver answer" in table,
             table)
    for bad in (["drivers", "--target", "nps"], ["drivers", "--bogus"], ["plan", "accept"],
                ["plan", "frobnicate"], ["plan", "list", "--state", "open"]):
        e.expect_rc(e.run(*bad, db=db), 1, " ".join(bad))
    e.expect_rc(e.run("drivers", "--region", "eu", db=db), 2, "region without /")
    e.expect_rc(e.run("plan", "--location", "NOPE", db=db), 2, "unknown location")
    for p in planted:
        lines = ok(e.run("plan", "--location", p["code"], "--output", "json", db=db),
                   "plan " + p["code"]).splitlines()
        plans = [json.loads(x) for x in lines]
        e.expect(1 <= len(plans) <= 3, "%s plans %r" % (p["code"], plans))
        first = plans[0]
        e.expect(first["rank"] == 1 and first["driver"]["key"] == p["key"],
                 "%s first action %r, planted %s" % (p["code"], first, p["key"]))
        e.expect(first["text"].startswith(first["driver"]["label"] + " at Store ") and
                 "below the best quarter of locations" in first["text"] and
                 first["text"].endswith("driver of recommending us."), first["text"])
        again = [json.loads(x) for x in ok(e.run("plan", "--location", p["code"], "--output",
                                                 "json", db=db), "again").splitlines()]
        e.expect([x["id"] for x in again] == [x["id"] for x in plans], "ids changed")
    # Accept and done through the command line.
    first = json.loads(ok(e.run("plan", "--location", planted[0]["code"], "--output", "json",
                                db=db), "plan").splitlines()[0])
    pid = str(first["id"])
    ok(e.run("plan", "accept", pid, db=db), "accept")
    e.expect_rc(e.run("plan", "accept", pid, db=db), 2, "accept twice")
    ok(e.run("plan", "done", pid, db=db), "done")
    done = [json.loads(x) for x in ok(e.run("plan", "list", "--state", "done", "--output",
                                            "json", db=db), "list").splitlines()]
    e.expect(len(done) == 1 and done[0]["id"] == first["id"] and
             done[0]["at_accept"]["n_mean"] > 40 and done[0]["at_done"]["n_mean"] == 0,
             "done %r" % done)
    acts = e.sql(db, "SELECT action FROM audit WHERE object = ? ORDER BY id", "plan:" + pid)
    e.expect([a[0] for a in acts] == ["plan.accept", "plan.done"], "audit %r" % acts)


class Serve:
    """earshot serve on 127.0.0.1 with a port the system picks."""

    def __init__(self, db):
        self.proc = subprocess.Popen([e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])

    def call(self, method, path, token, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
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


def token(db, name, role, user=None):
    args = ["token", "create", name, "--role", role] + (["--user", user] if user else [])
    return ok(e.run(*args, db=db), "token " + name).strip()


def test_api(db, planted):
    # mia manages the US region (where the weak stores are), max one French store.
    ok(e.run("user", "add", "mia", "--role", "manager", "--location", "us/ny/",
             "--no-password", db=db), "mia")
    ok(e.run("user", "add", "max", "--role", "manager", "--location", "eu/fr/store-00",
             "--no-password", db=db), "max")
    ok(e.run("user", "add", "root", "--role", "admin", "--no-password", db=db), "root")
    ok(e.run("user", "add", "ann", "--role", "agent", "--location", "us/ny/", "--no-password",
             db=db), "ann")
    mia, mx = token(db, "mia-t", "manager", "mia"), token(db, "max-t", "manager", "max")
    root, ann = token(db, "root-t", "admin", "root"), token(db, "ann-t", "agent", "ann")
    ok(e.run("plan", db=db), "plan for every location")
    srv = Serve(db)
    try:
        st, rep = srv.call("GET", "/api/v1/drivers?target=overall", root)
        e.expect(st == 200 and ranked(rep["groups"][0]) == ORDER, "drivers %d %r" % (st, rep))
        e.expect(len(rep["groups"]) == 6, "admin groups %r" % rep["groups"])
        st, rep = srv.call("GET", "/api/v1/drivers", mia)
        e.expect(st == 200 and rep["target"] == "promoter", "mia drivers %d" % st)
        e.expect([g["region"] for g in rep["groups"]] == ["", "us/ny/"], "mia %r" % rep["groups"])
        st, rep = srv.call("GET", "/api/v1/drivers?region=us/", mia)
        e.expect(st == 404, "mia region us/: %d" % st)
        st, rep = srv.call("GET", "/api/v1/drivers?social=1", mia)
        e.expect(st == 200 and rep["target"] == "compound", "social %d %r" % (st, rep))
        st, rep = srv.call("GET", "/api/v1/drivers?target=nps", root)
        e.expect(st == 400, "bad target: %d" % st)
        st, _ = srv.call("GET", "/api/v1/drivers", ann)
        e.expect(st == 403, "agent drivers: %d" % st)
        code = planted[1]["code"]
        st, body = srv.call("GET", "/api/v1/plans?location=" + code, mia)
        e.expect(st == 200 and body["plans"], "mia plans %d %r" % (st, body))
        first = [p for p in body["plans"] if p["state"] == "proposed"][0]
        e.expect(first["driver"]["key"] == planted[1]["key"], "first %r" % first)
        st, _ = srv.call("GET", "/api/v1/plans?location=" + code, mx)
        e.expect(st == 404, "max sees mia's store: %d" % st)
        st, body = srv.call("GET", "/api/v1/plans", mx)
        e.expect(st == 200 and body["plans"] and
                 all(p["location"]["key"] == "eu/fr/store-00" for p in body["plans"]),
                 "max's list %r" % body)
        st, body = srv.call("GET", "/api/v1/plans", mia)
        e.expect(st == 200 and all(p["location"]["key"].startswith("us/ny/")
                                   for p in body["plans"]), "mia's list")
        pid = first["id"]
        for path in ("/api/v1/plans/%d/accept" % pid, "/api/v1/plans/%d/done" % pid,
                     "/api/v1/plans/999999/accept"):
            st, _ = srv.call("POST", path, mx, "{}")
            e.expect(st == 404, "max POST %s: %d" % (path, st))
        st, _ = srv.call("POST", "/api/v1/plans/%d/accept" % pid, ann, "{}")
        e.expect(st == 403, "agent accept: %d" % st)
        st, _ = srv.call("POST", "/api/v1/plans/%d/done" % pid, mia, "{}")
        e.expect(st == 409, "done before accept: %d" % st)
        st, p = srv.call("POST", "/api/v1/plans/%d/accept" % pid, mia, "{}")
        e.expect(st == 200 and p["state"] == "accepted" and p["at_accept"]["n_mean"] > 40 and
                 p["accepted_by"], "accept %d %r" % (st, p))
        st, p = srv.call("POST", "/api/v1/plans/%d/done" % pid, mia, "{}")
        e.expect(st == 200 and p["state"] == "done" and p["at_done"] is not None,
                 "done %d %r" % (st, p))
        st, body = srv.call("GET", "/api/v1/plans?location=%s&state=done" % code, mia)
        e.expect(st == 200 and [x["id"] for x in body["plans"]] == [pid], "done list %r" % body)
    finally:
        srv.stop()
    who = e.sql(db, "SELECT u.name FROM audit a JOIN users u ON u.id = a.user_id"
                    " WHERE a.object = ? ORDER BY a.id", "plan:%d" % pid)
    e.expect([w[0] for w in who] == ["mia", "mia"], "audit users %r" % who)


def main():
    e.check_binary()
    e.expect(os.access(HELPER, os.X_OK), "no helper_kda at %s" % HELPER)
    with e.tempdir() as tmp:
        db = os.path.join(tmp, "kda.db")
        planted = fill(db)["planted"]
        test_cli(db, planted)
        test_api(db, planted)
    e.ok("drivers_plans")


if __name__ == "__main__":
    main()
