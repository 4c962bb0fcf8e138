"""Survey scores end to end with the real binary, a real SQLite file and real
sockets: `earshot demo --surveys-only` makes 40 locations and 12 weeks of
responses from a model with known truth (survey_truth.json); then

- `earshot scores --output json`: every location with CSAT, NPS and means
  with intervals, n equal to the answers stored, CSAT and its Wilson interval
  equal to a computation here from the raw rows;
- `earshot scores trend`: the planted weak locations are low on exactly
  their planted driver, the planted declining location declines and the
  improving one improves;
- the API over HTTP: GET /api/v1/scores (admin: 40 locations; a manager of
  europe/fr/: only those 3, and the organisation figure over those only),
  regions, weekly periods, GET /api/v1/scores.csv, /api/v1/scores/trend, and
  /api/v1/locations/{id}/report.html (well-formed, an SVG chart, no script,
  the driver gaps; 404 for a location outside the manager's scope, whatever
  the id);
- `earshot report location CODE` writes the same kind of page, whose action
  plan section prints the location's plan (es_plan_for_location): for each
  planted weak location, its first action is the plain-words sentence of
  `earshot plan` on its planted driver; a location without enough answers
  says plainly that no plan could be computed;
- `earshot survey import FILE.csv`: all-or-nothing with row and column
  errors, idempotent on the id column, and the imported answers count.
"""
import csv
import html
import http.client
import io
import json
import math
import os
import signal
import subprocess
import sys
import xml.dom.minidom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

Z = 1.959963984540054


def wilson(k, n):
    p = k / n
    c = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    h = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return 100 * p, 100 * max(0, c - h), 100 * min(1, c + h)


class Server:
    def __init__(self, db):
        argv = [e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])

    def get(self, path, token):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            c.request("GET", path, headers={"Authorization": "Bearer " + token})
            r = c.getresponse()
            return r.status, r.getheader("Content-Type") or "", r.read()
        finally:
            c.close()

    def json(self, path, token, status=200):
        st, ctype, body = self.get(path, token)
        e.expect(st == status, "GET %s: %d, expected %d: %r" % (path, st, status, body[:300]))
        return json.loads(body) if st == 200 else None

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        err = self.proc.stderr.read().decode("utf-8", "replace")
        e.expect(rc == 0, "serve exited %d: %s" % (rc, err[-2000:]))
        e.expect("Sanitizer" not in err and "runtime error" not in err,
                 "serve reported memory errors: %s" % err[-4000:])


def check_location_scores(db, truth):
    w = truth["window"]
    res = e.run("scores", "--since", w["since"], "--until", "2026-11-22", "--output", "json",
                db=db)
    e.expect_rc(res, 0, "scores --output json")
    items = json.loads(res.out)["items"]
    e.expect(len(items) == truth["locations"], "scores: %d locations" % len(items), res)
    rows = e.sql(db, "SELECT l.code, count(*), sum(r.overall >= 4) FROM survey_responses r"
                     " JOIN locations l ON l.id = r.location_id WHERE r.overall IS NOT NULL"
                     " GROUP BY l.code")
    raw = {code: (n, k) for code, n, k in rows}
    for it in items:
        n, k = raw[it["code"]]
        c = it["csat"]
        e.expect(c["n"] == n, "%s: csat n %d, stored %d" % (it["code"], c["n"], n))
        v, lo, hi = wilson(k, n)
        e.expect(abs(c["value"] - v) < 0.001 and abs(c["lo"] - lo) < 0.001 and
                 abs(c["hi"] - hi) < 0.001, "%s: CSAT %r, Wilson here %r" %
                 (it["code"], c, (v, lo, hi)))
        e.expect(it["nps"]["lo"] <= it["nps"]["value"] <= it["nps"]["hi"], "NPS interval")
        keys = {q["key"]: q for q in it["questions"]}
        for d in truth["drivers"]:
            q = keys[d["key"]]
            e.expect(q["lo"] < q["mean"] < q["hi"], "%s %s: mean interval %r" %
                     (it["code"], d["key"], q))
    return {it["code"]: it for it in items}


def check_trend(db, truth):
    tw = truth["trend_window"]
    res = e.run("scores", "trend", "--since", tw["since"], "--until", "2026-11-22",
                "--output", "json", db=db)
    e.expect_rc(res, 0, "scores trend")
    items = {t["code"]: t for t in json.loads(res.out)["items"]}
    for w in truth["weak_locations"]:
        low = [g["key"] for g in items[w["code"]]["gaps"] if g["low"]]
        e.expect(low == [w["driver"]], "%s: low drivers %r, planted %s" %
                 (w["code"], low, w["driver"]), res)
        e.expect(items[w["code"]]["gaps"][0]["key"] == w["driver"],
                 "%s: largest gap is not the planted driver" % w["code"])
    # The declining plant's driver fell 1 point in this window: low there too.
    for d in truth["declining"]:
        low = [g["key"] for g in items[d["code"]]["gaps"] if g["low"]]
        e.expect(low == [d["driver"]], "%s: low drivers %r in its decline" % (d["code"], low))
    planted = {w["code"] for w in truth["weak_locations"] + truth["declining"]}
    for code, t in items.items():
        if code not in planted:
            e.expect(not any(g["low"] for g in t["gaps"]),
                     "%s: a low driver where none was planted: %r" % (code, t["gaps"]))
    for d in truth["declining"]:
        e.expect(items[d["code"]]["status"] == "declining", "%s: %s, planted declining" %
                 (d["code"], items[d["code"]]["status"]))
    for d in truth["improving"]:
        e.expect(items[d["code"]]["status"] == "improving", "%s: %s, planted improving" %
                 (d["code"], items[d["code"]]["status"]))
    # Planting a driver 1.3 points lower costs CSAT: the weak food café is a problem.
    food = [w["code"] for w in truth["weak_locations"] if w["driver"] == "food"][0]
    e.expect(items[food]["problem"], "%s is not a problem location" % food)
    res = e.run("scores", "trend", "--since", tw["since"], "--until", "2026-11-22",
                "--output", "csv", db=db)
    rows = list(csv.DictReader(io.StringIO(res.out)))
    e.expect(len(rows) == truth["locations"], "trend csv rows")


def check_page(body, what):
    text = body.decode("utf-8")
    e.expect(text.startswith("<!DOCTYPE html>"), "%s: not an HTML page" % what)
    try:
        xml.dom.minidom.parseString(text.replace("<!DOCTYPE html>", "", 1))
    except Exception as ex:  # noqa: BLE001 - any parse error fails the test
        e.fail("%s: not well-formed: %s" % (what, ex))
    e.expect("<svg" in text and "<polyline" in text, "%s: no SVG chart" % what)
    e.expect("<script" not in text.lower(), "%s: has a script" % what)
    return text


def check_report_plans(db, truth, tmp):
    """The report's plan section: the first action of each planted weak
    location is its planted driver's sentence, escaped, as `earshot plan`
    words it; the gaps table stays under it."""
    for w in truth["weak_locations"]:
        res = e.run("plan", "--location", w["code"], "--output", "json", db=db)
        e.expect_rc(res, 0, "plan " + w["code"])
        first = json.loads(res.out.splitlines()[0])
        e.expect(first["driver"]["key"] == w["driver"], "%s plan %r" % (w["code"], first))
        res = e.run("report", "location", w["code"], "--until", "2026-11-22", db=db)
        e.expect_rc(res, 0, "report " + w["code"])
        text = check_page(res.out.encode(), w["code"] + " report")
        plan = text[text.index('<section id="plan">'):]
        e.expect("<h2>Action plan</h2>" in plan and '<ol class="plan">' in plan,
                 "%s: no plan list" % w["code"])
        li = plan[plan.index("<li>") + 4:plan.index("</li>")]
        sentence = html.escape(first["text"], quote=True).replace("&#x27;", "&#39;")
        e.expect(li.startswith(sentence + " <small>(proposed; expected gain "),
                 "%s: first action in the report %r, plan says %r" % (w["code"], li, sentence))
        e.expect(plan.index("</ol>") < plan.index("Driver gaps") < plan.index("<table>"),
                 "%s: the gaps table is not under the plan" % w["code"])
    # A location with too few answers: the report says there is no plan.
    db2 = os.path.join(tmp, "few.db")
    e.expect_rc(e.run("location", "add", "x/few", "--code", "FEW", "--name", "Few & Far",
                      db=db2), 0, "location add")
    e.expect_rc(e.run("survey", "template", "--default", db=db2), 0, "survey template")
    res = e.run("report", "location", "FEW", db=db2)
    e.expect_rc(res, 0, "report of a location without answers")
    text = res.out
    xml.dom.minidom.parseString(text.replace("<!DOCTYPE html>", "", 1))
    e.expect('<p class="noplan">No action plan could be computed for this location: ' in text
             and "<li>" not in text, "no-plan sentence: %r" % text[text.find('id="plan"'):])


def setup_users(db):
    tokens = {}
    for name, role, loc in (("boss", "admin", None), ("frmgr", "manager", "europe/fr/")):
        args = ["user", "add", name, "--role", role, "--no-password"] + (
            ["--location", loc] if loc else [])
        e.expect_rc(e.run(*args, db=db), 0, "user add " + name)
        res = e.run("token", "create", name + "-tok", "--role", role, "--user", name, db=db)
        e.expect_rc(res, 0, "token create")
        tokens[name] = res.out.strip().split()[-1]
    return tokens


def check_api(srv, tok, truth, by_code):
    w = truth["window"]
    rng = "since=%d&until=%d" % (w["since_unix"], w["until_unix"])
    doc = srv.json("/api/v1/scores?" + rng, tok["boss"])
    e.expect(len(doc["items"]) == truth["locations"], "admin sees every location")
    e.expect({i["code"]: i["csat"] for i in doc["items"]} ==
             {c: i["csat"] for c, i in by_code.items()}, "API and CLI disagree")
    fr = srv.json("/api/v1/scores?" + rng, tok["frmgr"])["items"]
    e.expect(sorted(i["code"] for i in fr) == ["CDG", "NCE", "ORY"],
             "manager of europe/fr/ sees %r" % [i["code"] for i in fr])
    org = srv.json("/api/v1/scores?by=org&" + rng, tok["frmgr"])["items"]
    e.expect(len(org) == 1 and org[0]["csat"]["n"] == sum(i["csat"]["n"] for i in fr),
             "the manager's organisation figure is over their locations only: %r" % org)
    e.expect(org[0]["n_locations"] == 3, "org n_locations %r" % org[0]["n_locations"])
    regions = srv.json("/api/v1/scores?by=region&" + rng, tok["frmgr"])["items"]
    e.expect([r["key"] for r in regions] == ["europe/", "europe/fr/"],
             "manager's regions %r" % [r["key"] for r in regions])
    allreg = srv.json("/api/v1/scores?by=region&" + rng, tok["boss"])["items"]
    e.expect(len([r for r in allreg if r["key"].count("/") == 1]) == 4, "4 top regions")
    weeks = srv.json("/api/v1/scores?by=org&period=week&" + rng, tok["boss"])["items"]
    e.expect(len(weeks) == 12 and all(x["period"].startswith("2026-W") for x in weeks),
             "12 weekly periods: %r" % [x["period"] for x in weeks])
    e.expect(sum(x["csat"]["n"] for x in weeks) ==
             sum(i["csat"]["n"] for i in by_code.values()), "weeks add up")
    srv.json("/api/v1/scores?location=JFK&" + rng, tok["frmgr"], status=404)
    one = srv.json("/api/v1/scores?location=CDG&" + rng, tok["frmgr"])["items"]
    e.expect(len(one) == 1 and one[0]["code"] == "CDG", "location filter")
    srv.json("/api/v1/scores?by=planet", tok["boss"], status=400)
    srv.json("/api/v1/scores?since=yesterday", tok["boss"], status=400)
    st, ctype, body = srv.get("/api/v1/scores.csv?" + rng, tok["frmgr"])
    e.expect(st == 200 and ctype.startswith("text/csv"), "scores.csv: %d %s" % (st, ctype))
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    e.expect({r["code"] for r in rows} == {"CDG", "NCE", "ORY"}, "csv scope")
    tw = truth["trend_window"]
    trend = srv.json("/api/v1/scores/trend?since=%d&until=%d" %
                     (tw["since_unix"], tw["until_unix"]), tok["frmgr"])
    e.expect(sorted(t["code"] for t in trend["items"]) == ["CDG", "NCE", "ORY"], "trend scope")
    cdg = [t for t in trend["items"] if t["code"] == "CDG"][0]
    e.expect([g["key"] for g in cdg["gaps"] if g["low"]] == ["friendliness"],
             "CDG friendliness low, in the manager's trend")
    ids = dict(e.sql(srv.db, "SELECT code, id FROM locations"))
    st, ctype, body = srv.get("/api/v1/locations/%d/report.html?until=%d" %
                              (ids["CDG"], w["until_unix"]), tok["frmgr"])
    e.expect(st == 200 and ctype.startswith("text/html"), "report: %d %s" % (st, ctype))
    text = check_page(body, "CDG report")
    e.expect("Friendliness of staff <strong>(low)</strong>" in text, "report: the low driver")
    for other in ("JFK", "LHR"):
        st, _, _ = srv.get("/api/v1/locations/%d/report.html" % ids[other], tok["frmgr"])
        e.expect(st == 404, "report of %s for the fr manager: %d" % (other, st))
    st, _, _ = srv.get("/api/v1/locations/999999/report.html", tok["boss"])
    e.expect(st == 404, "report of no location: %d" % st)


def check_import(db, tmp):
    bad = os.path.join(tmp, "bad.csv")
    with open(bad, "w") as f:
        f.write("id,location,started,overall,recommend,speed\n"
                "imp-1,JFK,2026-11-20T10:00:00Z,5,10,4\n"
                "imp-2,JFK,2026-11-20T11:00:00Z,7,10,4\n"
                "imp-3,NOPE,2026-11-20T12:00:00Z,4,9,4\n")
    before = e.sql(db, "SELECT count(*) FROM survey_responses")[0][0]
    res = e.run("survey", "import", bad, db=db)
    e.expect_rc(res, 1 if res.rc == 1 else 2, "import of bad rows")
    e.expect(res.rc != 0 and "row 3" in res.err and "overall" in res.err and
             "row 4" in res.err and "NOPE" in res.err, "import errors name rows/columns", res)
    e.expect(e.sql(db, "SELECT count(*) FROM survey_responses")[0][0] == before,
             "a failed import stored something")
    good = os.path.join(tmp, "good.csv")
    with open(good, "w") as f:
        f.write("id,location,started,overall,recommend,speed,accuracy,comment\n"
                "imp-1,JFK,2026-11-20T10:00:00Z,5,10,4,yes,\"Great, fast\"\n"
                "imp-2,jfk,2026-11-20T11:00:00Z,1,0,1,no,\n")
    res = e.run("survey", "import", good, db=db)
    e.expect_rc(res, 0, "import")
    e.expect("2 new" in res.out, "import summary", res)
    res = e.run("survey", "import", good, db=db)
    e.expect_rc(res, 0, "import again")
    e.expect("0 new" in res.out, "import is idempotent", res)
    n = e.sql(db, "SELECT count(*) FROM survey_responses WHERE channel = 'import' AND"
                  " external_id LIKE 'imp-%'")[0][0]
    e.expect(n == 2, "imported responses: %d" % n)
    res = e.run("scores", "--location", "JFK", "--since", "2026-11-20", "--until",
                "2026-11-20", "--output", "json", db=db)
    it = json.loads(res.out)["items"][0]
    raw = e.sql(db, "SELECT count(*), sum(overall >= 4) FROM survey_responses r JOIN locations l"
                    " ON l.id = r.location_id WHERE l.code = 'JFK' AND r.started >= ? AND"
                    " r.started < ?", 1795132800, 1795219200)[0]
    e.expect(it["csat"]["n"] == raw[0], "imported answers are scored: %r %r" % (it["csat"], raw))


def main():
    e.check_binary()
    with e.tempdir() as tmp:
        db = os.path.join(tmp, "scores.db")
        out = os.path.join(tmp, "demo")
        res = e.run("demo", "--surveys-only", "--out", out, db=db)
        e.expect_rc(res, 0, "demo --surveys-only")
        with open(os.path.join(out, "survey_truth.json")) as f:
            truth = json.load(f)
        by_code = check_location_scores(db, truth)
        check_trend(db, truth)
        res = e.run("report", "location", "TLV", "--until", "2026-11-22", db=db)
        e.expect_rc(res, 0, "report location")
        check_page(res.out.encode(), "TLV report")
        e.expect_rc(e.run("report", "location", "NOPE", db=db), 2, "report of no location")
        check_report_plans(db, truth, tmp)
        tok = setup_users(db)
        srv = Server(db)
        srv.db = db
        try:
            check_api(srv, tok, truth, by_code)
        finally:
            srv.stop()
        check_import(db, tmp)
    e.ok("scores")


if __name__ == "__main__":
    main()
