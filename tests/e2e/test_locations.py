"""Locations (V1) and audits (V7) end to end: the `earshot location`, `region`,
`org` and `audit` commands on a real database, then `earshot serve` over real
HTTP: the scoped and paged location list, a location with its managers, 404
outside the scope, admin-only changes, the CSV export and import round trip
(idempotent, all or nothing, errors naming row and column), regions and the
organisation; checklists, audits recorded by a manager for its own location
only, the audit list and the scores with the change against the period before.
"""
import csv
import http.client
import io
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402

CSV = (
    "key,code,name,region_name,tz,review_url,disabled\n"
    "eu/fr/lyon-14,1234,Lyon Part-Dieu,France,Europe/Paris,https://r.example/1234,0\n"
    "eu/fr/paris-2,P2,\"Paris, Op\u00e9ra\",France,Europe/Paris,,0\n"
    "eu/de/berlin,B1,Berlin Mitte,,Europe/Berlin,,0\n"
    "us/ny-1,NY1,New York 1,,America/New_York,,0\n"
)

CHECKLIST = {"name": "Brand standards", "kind": "audit", "items": [
    {"text": "Entrance clean", "weight": 2},
    {"text": "Greeting", "weight": 1, "points": 5},
    {"text": "Receipt offered", "weight": 1}]}


class Server:
    def __init__(self, db):
        argv = [e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])

    def req(self, method, path, body=None, headers=None, raw=False):
        h = dict(headers or {})
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode("utf-8")
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            if raw:
                return r.status, data.decode("utf-8"), r.getheader("Content-Type")
            return r.status, (json.loads(data) if data else None)
        finally:
            c.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=20)
        err = self.proc.stderr.read().decode("utf-8", "replace")
        e.expect(rc == 0, "serve exited %d: %s" % (rc, err[-2000:]))
        e.expect("Sanitizer" not in err and "runtime error" not in err,
                 "serve reported memory errors: %s" % err[-4000:])


def cli(db, *args, rc=0, stdin=None):
    res = e.run(*args, db=db, stdin=stdin)
    e.expect_rc(res, rc, " ".join(args))
    return res


def test_cli(db, tmp):
    path = os.path.join(tmp, "locations.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write(CSV)
    res = cli(db, "location", "import", path)
    e.expect("4 added, 0 updated, 0 unchanged" in res.err, "first import: %r" % res.err)
    res = cli(db, "location", "import", path)
    e.expect("0 added, 0 updated, 4 unchanged" in res.err, "second import: %r" % res.err)
    e.expect(e.sql(db, "SELECT count(*) FROM locations")[0][0] == 4, "duplicates after re-import")
    # A bad row: nothing of the file is applied, the error names row and column.
    bad = os.path.join(tmp, "bad.csv")
    with open(bad, "w") as f:
        f.write("key,code,name,tz\nasia/tokyo,T1,Tokyo,Asia/Tokyo\nasia/osaka,O1,Osaka,Asia/Osakaa\n")
    res = cli(db, "location", "import", bad, rc=2)
    e.expect("row 3, column tz: unknown time zone 'Asia/Osakaa'" in res.err, "bad: %r" % res.err)
    e.expect(e.sql(db, "SELECT count(*) FROM locations WHERE key LIKE 'asia/%'")[0][0] == 0,
             "a failed import left rows")
    res = cli(db, "location", "add", "solo", "--code", "S1", "--name", "Solo", "--tz", "UTC")
    e.expect(res.out.strip().isdigit(), "add: %r" % res.out)
    cli(db, "location", "add", "solo2", "--code", "s1", "--name", "Dup", rc=2)
    cli(db, "location", "add", "x/y", "--code", "XY", "--name", "X", "--tz", "Mars/Base", rc=2)
    cli(db, "location", "update", "S1", "--name", "Solo Store")
    cli(db, "location", "disable", "solo")
    cli(db, "location", "disable", "nowhere", rc=2)
    res = cli(db, "location", "list", "--output", "json")
    keys = [json.loads(l)["key"] for l in res.out.splitlines()]
    e.expect(keys == ["eu/fr/lyon-14", "eu/fr/paris-2", "eu/de/berlin", "us/ny-1"],
             "list hides the disabled: %r" % keys)
    res = cli(db, "location", "list", "--limit", "2", "--after", "1", "--output", "json")
    keys = [json.loads(l)["key"] for l in res.out.splitlines()]
    e.expect(keys == ["eu/fr/paris-2", "eu/de/berlin"], "a page: %r" % keys)
    res = cli(db, "location", "list", "--all", "--region", "eu/fr/", "--output", "json")
    e.expect(len(res.out.splitlines()) == 2, "region filter: %r" % res.out)
    cli(db, "region", "rename", "eu/", "Europe")
    cli(db, "region", "rename", "nowhere/", "X", rc=2)
    res = cli(db, "region", "list", "--output", "json")
    regions = {json.loads(l)["path"]: json.loads(l) for l in res.out.splitlines()}
    e.expect(regions["eu/"]["name"] == "Europe" and regions["eu/fr/"]["name"] == "France"
             and regions["eu/"]["locations"] == 3, "regions: %r" % regions)
    cli(db, "org", "set-name", "Acme Coffee")
    res = cli(db, "org", "show", "--output", "json")
    e.expect(json.loads(res.out)["name"] == "Acme Coffee", "org: %r" % res.out)
    res = cli(db, "location", "export")
    rows = list(csv.DictReader(io.StringIO(res.out)))
    e.expect(len(rows) == 5 and rows[1]["name"] == "Paris, Op\u00e9ra", "export: %r" % rows)
    exp = os.path.join(tmp, "export.csv")
    cli(db, "location", "export", "--output-file", exp)
    res = cli(db, "location", "import", exp)
    e.expect("0 added, 0 updated, 5 unchanged" in res.err, "round trip: %r" % res.err)
    # Audits from the command line.
    cl = os.path.join(tmp, "checklist.json")
    with open(cl, "w") as f:
        json.dump(CHECKLIST, f)
    res = cli(db, "audit", "checklist", "add", cl)
    e.expect(res.out.strip() == "1", "checklist add: %r" % res.out)
    res = cli(db, "audit", "add", "--checklist", "Brand standards", "--location", "1234",
              "--date", "2026-11-02", "--auditor", "Ann", "--answers", "yes,3,n/a")
    res = cli(db, "audit", "add", "--checklist", "Brand standards", "--location", "1234",
              "--answers", "yes,9,no", rc=2)
    e.expect("answer 2 is 0 to 5 points" in res.err, "range: %r" % res.err)
    res = cli(db, "audit", "list", "--location", "1234", "--output", "json")
    got = [json.loads(l) for l in res.out.splitlines()]
    e.expect(len(got) == 1 and abs(got[0]["score"] - 86.7) < 0.05, "audit list: %r" % got)
    res = cli(db, "audit", "scores", "--since", "2026-11-01", "--until", "2026-11-11",
              "--output", "json")
    sc = [json.loads(l) for l in res.out.splitlines()]
    e.expect(sc and sc[0]["location"] == "eu/fr/lyon-14" and sc[0]["n"] == 1, "scores: %r" % sc)


def login(srv, name):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
    try:
        c.request("POST", "/api/v1/login", json.dumps({"name": name, "password": "pw-" + name}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        doc = json.loads(r.read())
        e.expect(r.status == 200, "login %s: %d %r" % (name, r.status, doc))
        return {"Cookie": r.getheader("Set-Cookie").split(";", 1)[0], "X-CSRF-Token": doc["csrf"]}
    finally:
        c.close()


def ids_by_key(srv, h):
    st, doc = srv.req("GET", "/api/v1/locations?disabled=include", None, h)
    e.expect(st == 200, "list: %d %r" % (st, doc))
    return {x["key"]: x["id"] for x in doc["items"]}


def test_api_locations(srv, h):
    adm, fr, viewer = h["admin"], h["mgrfr"], h["viewerny"]
    ids = ids_by_key(srv, adm)
    # Pages of two, then the rest, without repeats.
    st, p1 = srv.req("GET", "/api/v1/locations?limit=2", None, adm)
    st2, p2 = srv.req("GET", "/api/v1/locations?limit=2&cursor=" + p1["next"], None, adm)
    keys = [x["key"] for x in p1["items"] + p2["items"]]
    e.expect(st == st2 == 200 and len(keys) == 4 and len(set(keys)) == 4, "pages: %r" % keys)
    st, doc = srv.req("GET", "/api/v1/locations?region=eu", None, adm)
    e.expect(st == 400 and "ends with '/'" in doc["error"], "region without '/': %d %r" % (st, doc))
    st, doc = srv.req("GET", "/api/v1/locations?region=eu/fr/", None, adm)
    e.expect([x["key"] for x in doc["items"]] == ["eu/fr/lyon-14", "eu/fr/paris-2"],
             "region filter: %r" % doc)
    # Scoped lists and reads.
    st, doc = srv.req("GET", "/api/v1/locations", None, fr)
    e.expect(sorted(x["key"] for x in doc["items"]) == ["eu/fr/lyon-14", "eu/fr/paris-2"],
             "manager of eu/fr/ lists %r" % doc)
    st, doc = srv.req("GET", "/api/v1/locations/%d" % ids["eu/fr/lyon-14"], None, fr)
    e.expect(st == 200 and [m["name"] for m in doc["managers"]] == ["mgrfr"],
             "a location with its managers: %d %r" % (st, doc))
    for key in ("us/ny-1", "eu/de/berlin"):
        st, doc = srv.req("GET", "/api/v1/locations/%d" % ids[key], None, fr)
        e.expect(st == 404, "out of scope %s: %d" % (key, st))
    st, doc = srv.req("GET", "/api/v1/locations/999999", None, fr)
    e.expect(st == 404 and doc["error"] == "no such location", "missing: %r" % doc)
    st, doc = srv.req("GET", "/api/v1/regions", None, fr)
    paths = [r["path"] for r in doc["items"]]
    e.expect(paths == ["eu/", "eu/fr/"], "regions of eu/fr/'s manager: %r" % paths)
    st, doc = srv.req("GET", "/api/v1/organisation", None, viewer)
    e.expect(st == 200 and doc["name"] == "Acme Coffee", "org: %r" % doc)
    # Admin-only changes.
    body = {"key": "eu/fr/nice-1", "code": "N1", "name": "Nice", "tz": "Europe/Paris"}
    st, doc = srv.req("POST", "/api/v1/locations", body, fr)
    e.expect(st == 403, "a manager adds a location: %d" % st)
    st, doc = srv.req("POST", "/api/v1/locations", body, adm)
    e.expect(st == 201 and doc["region"] == "eu/fr/", "add: %d %r" % (st, doc))
    st, doc = srv.req("POST", "/api/v1/locations", body, adm)
    e.expect(st == 409, "add twice: %d" % st)
    st, doc = srv.req("POST", "/api/v1/locations", dict(body, key="x/y", code="XY",
                                                        tz="Nowhere/X"), adm)
    e.expect(st == 400 and "time zone" in doc["error"], "bad tz: %d %r" % (st, doc))
    nid = ids_by_key(srv, adm)["eu/fr/nice-1"]
    st, doc = srv.req("PATCH", "/api/v1/locations/%d" % nid,
                      {"name": "Nice Centre", "review_url": "https://r.example/n1"}, adm)
    e.expect(st == 200 and doc["name"] == "Nice Centre", "patch: %d %r" % (st, doc))
    st, doc = srv.req("PATCH", "/api/v1/locations/%d" % nid, {"key": "eu/x"}, adm)
    e.expect(st == 400, "the key never changes: %d" % st)
    st, doc = srv.req("PATCH", "/api/v1/locations/%d" % nid, {"disabled": True}, adm)
    e.expect(st == 200 and doc["disabled"] is True, "disable: %r" % doc)
    st, doc = srv.req("PATCH", "/api/v1/locations/%d" % nid, {"name": "x"}, fr)
    e.expect(st == 403, "a manager patches: %d" % st)


def test_api_csv(srv, h):
    adm, fr = h["admin"], h["mgrfr"]
    st, text, ctype = srv.req("GET", "/api/v1/locations.csv", None, fr, raw=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    e.expect(st == 200 and ctype.startswith("text/csv"), "csv: %d %r" % (st, ctype))
    e.expect(sorted(r["key"] for r in rows) == ["eu/fr/lyon-14", "eu/fr/nice-1", "eu/fr/paris-2"],
             "scoped export: %r" % rows)
    st, text, _ = srv.req("GET", "/api/v1/locations.csv", None, adm, raw=True)
    st, doc = srv.req("POST", "/api/v1/locations/import", text,
                      dict(adm, **{"Content-Type": "text/csv"}))
    e.expect(st == 200 and doc["added"] == 0 and doc["updated"] == 0, "re-import: %r" % doc)
    st, doc = srv.req("POST", "/api/v1/locations/import", text,
                      dict(fr, **{"Content-Type": "text/csv"}))
    e.expect(st == 403, "a manager imports: %d" % st)
    st, doc = srv.req("POST", "/api/v1/locations/import", text.encode("latin-1"),
                      dict(adm, **{"Content-Type": "text/csv"}))
    e.expect(st == 400 and doc["error"] == "row 3, column name: invalid UTF-8 at byte 9",
             "latin-1: %d %r" % (st, doc))
    new = "key,code,name\nasia/tokyo,T1,Tokyo\nasia/osaka,T1,Osaka\n"
    st, doc = srv.req("POST", "/api/v1/locations/import", new,
                      dict(adm, **{"Content-Type": "text/csv"}))
    e.expect(st == 400 and doc["error"] == "row 3, column code: 'T1' is also on row 2",
             "import error: %d %r" % (st, doc))
    new = "key,code,name\nasia/tokyo,T1,Tokyo\n"
    st, doc = srv.req("POST", "/api/v1/locations/import", new,
                      dict(adm, **{"Content-Type": "text/csv"}))
    e.expect(st == 200 and doc["added"] == 1, "import: %r" % doc)


def test_api_audits(srv, h):
    adm, fr, viewer = h["admin"], h["mgrfr"], h["viewerny"]
    st, doc = srv.req("POST", "/api/v1/audit-checklists", dict(CHECKLIST, name="Mystery",
                                                               kind="mystery"), fr)
    e.expect(st == 403, "a manager adds a checklist: %d" % st)
    st, doc = srv.req("POST", "/api/v1/audit-checklists", {"name": "Bad", "kind": "audit",
                                                           "items": [{"text": "a", "weight": -1}]},
                      adm)
    e.expect(st == 400 and doc["error"].startswith("items[0].weight"), "bad: %r" % doc)
    st, doc = srv.req("POST", "/api/v1/audit-checklists", dict(CHECKLIST, name="Mystery",
                                                               kind="mystery"), adm)
    e.expect(st == 201, "checklist: %d %r" % (st, doc))
    st, doc = srv.req("GET", "/api/v1/audit-checklists", None, viewer)
    e.expect(st == 200 and [c["name"] for c in doc["items"]] == ["Brand standards", "Mystery"],
             "checklists: %r" % doc)
    audit = {"checklist": "Mystery", "location": "P2", "date": "2026-11-05",
             "answers": [True, 5, False]}
    st, doc = srv.req("POST", "/api/v1/audits", audit, fr)
    e.expect(st == 201 and doc["score"] == 75 and doc["auditor"] == "mgrfr"
             and doc["location"] == "eu/fr/paris-2", "audit: %d %r" % (st, doc))
    st, doc = srv.req("POST", "/api/v1/audits", dict(audit, location="NY1"), fr)
    e.expect(st == 404, "a manager audits another location: %d %r" % (st, doc))
    st, doc = srv.req("POST", "/api/v1/audits", dict(audit, location="NY1"), viewer)
    e.expect(st == 403, "a viewer records an audit: %d" % st)
    st, doc = srv.req("POST", "/api/v1/audits", dict(audit, location="NY1", date="2026-10-28",
                                                      answers=[False, 0, None]), adm)
    e.expect(st == 201 and doc["score"] == 0, "admin audit: %r" % doc)
    st, doc = srv.req("POST", "/api/v1/audits", dict(audit, answers=[True]), fr)
    e.expect(st == 400 and "3 items" in doc["error"], "answer count: %r" % doc)
    st, doc = srv.req("GET", "/api/v1/audits", None, fr)
    e.expect(st == 200 and {a["location"] for a in doc["items"]} == {"eu/fr/lyon-14",
                                                                     "eu/fr/paris-2"},
             "manager's audits: %r" % doc)
    st, doc = srv.req("GET", "/api/v1/audits", None, viewer)
    e.expect([a["location"] for a in doc["items"]] == ["us/ny-1"], "viewer's audits: %r" % doc)
    st, doc = srv.req("GET", "/api/v1/audits/scores?since=2026-11-01&until=2026-11-11", None, adm)
    by = {x["location"]: x for x in doc["items"]}
    e.expect(st == 200 and abs(by["eu/fr/lyon-14"]["mean"] - 86.667) < 0.01
             and by["eu/fr/paris-2"]["mean"] == 75 and by["us/ny-1"]["n"] == 0
             and by["us/ny-1"]["previous_mean"] == 0 and by["us/ny-1"]["change"] is None,
             "scores: %r" % doc)
    st, doc = srv.req("GET", "/api/v1/audits/scores?since=2026-11-01&until=2026-11-11", None, fr)
    e.expect(sorted(x["location"] for x in doc["items"]) == ["eu/fr/lyon-14", "eu/fr/paris-2"],
             "manager's scores: %r" % doc)
    st, doc = srv.req("GET", "/api/v1/audits/scores?since=2026-11-11&until=2026-11-01", None, fr)
    e.expect(st == 400, "backwards period: %d" % st)


def main():
    e.check_binary()
    with e.tempdir() as tmp:
        db = os.path.join(tmp, "loc.db")
        test_cli(db, tmp)
        for name, role, locs in (("admin", "admin", []), ("mgrfr", "manager", ["eu/fr/"]),
                                 ("mgrny", "manager", ["us/ny-1"]),
                                 ("viewerny", "viewer", ["us/ny-1"])):
            args = ["user", "add", name, "--role", role]
            for l in locs:
                args += ["--location", l]
            cli(db, *args, stdin=("pw-" + name + "\n").encode())
        srv = Server(db)
        try:
            h = {n: login(srv, n) for n in ("admin", "mgrfr", "viewerny")}
            test_api_locations(srv, h)
            test_api_csv(srv, h)
            test_api_audits(srv, h)
        finally:
            srv.stop()
    e.ok("locations")


if __name__ == "__main__":
    main()
