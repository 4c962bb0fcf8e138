"""Key drivers and action plans over the demo data (issue 4, Evaluation),
with the real binary, a real SQLite file and real sockets.

`earshot demo --surveys-only` writes 12 weeks of survey responses from a
model with known truth (DIR/survey_truth.json: the drivers' true weights,
their orderings by standardised weight for overall satisfaction and for
recommending, the planted weak locations and their driver). Then:

- `earshot drivers --target overall|promoter --output json`: the recovered
  importance ordering (by relative weight) equals the truth's ordering for
  that target (order_overall, order_recommend);
- `earshot plan --output json`: each planted weak location's first action
  is its planted driver, in plain words;
- over HTTP once: GET /api/v1/drivers (both targets) and GET
  /api/v1/plans?location=CODE agree with the command line.
"""
import http.client
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

TARGETS = (("overall", "order_overall"), ("promoter", "order_recommend"))


def ranked(group):
    return [d["key"] for d in sorted(group["drivers"], key=lambda d: d["rank"])]


def check_truth_separated(truth):
    """The truth's orderings must be identifiable: neighbouring standardised
    weights at least 10% apart (the generator's promise, docs/scores.md)."""
    sd = {d["key"]: d["sd"] for d in truth["drivers"]}
    for target, field, wkey in (("overall", "order_overall", "w_overall"),
                                ("promoter", "order_recommend", "w_recommend")):
        w = {d["key"]: d[wkey] * sd[d["key"]] for d in truth["drivers"]}
        order = truth[field]
        e.expect(sorted(order) == sorted(w), "%s: truth order %r" % (target, order))
        for a, b in zip(order, order[1:]):
            e.expect(w[a] >= 1.10 * w[b], "%s: true standardised weights of %s (%.3f) and %s"
                     " (%.3f) are too close to order" % (target, a, w[a], b, w[b]))


def check_drivers_cli(db, truth):
    for target, field in TARGETS:
        res = e.run("drivers", "--target", target, "--output", "json", db=db)
        e.expect_rc(res, 0, "drivers --target " + target)
        rep = json.loads(res.out)
        g = rep["groups"][0]
        e.expect(rep["target"] == target and g["region"] == "" and g["fitted"],
                 "%s: %r" % (target, g))
        e.expect(ranked(g) == truth[field], "%s: recovered order %r, true order %r" %
                 (target, ranked(g), truth[field]), res)


def check_plans_cli(db, truth):
    res = e.run("plan", "--output", "json", db=db)
    e.expect_rc(res, 0, "plan (every location)")
    plans = [json.loads(x) for x in res.out.splitlines() if x.strip()]
    e.expect(plans, "plan printed nothing", res)
    for w in truth["weak_locations"]:
        mine = sorted((p for p in plans if p["location"]["code"] == w["code"] and
                       p["state"] == "proposed"), key=lambda p: p["rank"])
        e.expect(mine, "%s: no proposed plan" % w["code"], res)
        first = mine[0]
        e.expect(first["rank"] == 1 and first["driver"]["key"] == w["driver"],
                 "%s: first action %r, planted %s" % (w["code"], first["driver"], w["driver"]))
        e.expect(first["text"].startswith(first["driver"]["label"] + " at ") and
                 "below the best quarter of locations" in first["text"], first["text"])


def token(db, name, role):
    e.expect_rc(e.run("user", "add", name, "--role", role, "--no-password", db=db), 0, "user")
    res = e.run("token", "create", name + "-tok", "--role", role, "--user", name, db=db)
    e.expect_rc(res, 0, "token create")
    return res.out.strip().split()[-1]


def get(port, path, tok):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        c.request("GET", path, headers={"Authorization": "Bearer " + tok})
        r = c.getresponse()
        body = r.read()
        e.expect(r.status == 200, "GET %s: %d %r" % (path, r.status, body[:300]))
        return json.loads(body)
    finally:
        c.close()


def check_api(db, truth):
    tok = token(db, "boss", "admin")
    proc = subprocess.Popen([e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not start: %r" % line)
        port = int(line.rsplit(":", 1)[1])
        for target, field in TARGETS:
            rep = get(port, "/api/v1/drivers?target=" + target, tok)
            e.expect(ranked(rep["groups"][0]) == truth[field], "API %s order %r" %
                     (target, ranked(rep["groups"][0])))
        w = truth["weak_locations"][0]
        body = get(port, "/api/v1/plans?location=" + w["code"], tok)
        first = sorted((p for p in body["plans"] if p["state"] == "proposed"),
                       key=lambda p: p["rank"])[0]
        e.expect(first["driver"]["key"] == w["driver"], "API plan of %s: %r" %
                 (w["code"], first))
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
        err = proc.stderr.read().decode("utf-8", "replace")
    e.expect(rc == 0, "serve exited %d: %s" % (rc, err[-2000:]))
    e.expect("Sanitizer" not in err and "runtime error" not in err, err[-4000:])


def main():
    e.check_binary()
    with e.tempdir() as tmp:
        db = os.path.join(tmp, "demo.db")
        out = os.path.join(tmp, "demo")
        res = e.run("demo", "--surveys-only", "--out", out, db=db)
        e.expect_rc(res, 0, "demo --surveys-only")
        with open(os.path.join(out, "survey_truth.json")) as f:
            truth = json.load(f)
        e.expect(len(truth["weak_locations"]) >= 2, "planted weak locations %r" %
                 truth["weak_locations"])
        check_truth_separated(truth)
        check_drivers_cli(db, truth)
        check_plans_cli(db, truth)
        check_api(db, truth)
    e.ok("demo drivers")


if __name__ == "__main__":
    main()
