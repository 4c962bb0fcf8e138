"""Social analytics end to end (issue 4, S2 and S3) with the real binary, a
real SQLite file and real HTTP on 127.0.0.1.

Posts: a CSV imported with `earshot posts import`, then a JSON batch posted
to POST /api/v1/posts that updates one post (a metric left out keeps its
value) and adds another; the weekly and monthly reports of the CLI (csv,
json) and of GET /api/v1/posts/report are checked against figures computed
by hand below, including a post without impressions or followers (left out
of those rates), the last second of a Sunday and the first of a Monday (ISO
weeks in UTC). Imports are all or nothing (a bad CSV row, a bad JSON path:
nothing stored) and a re-import keeps one row per post. Roles: viewers read
the report, only admins (or unscoped managers) import; scoped managers get
403; no credentials 401.

Share of voice: a small mention file naming two brands (ours and a
competitor) over three ISO weeks; share of voice and net sentiment per day
and per week with the change against the period before, by `earshot sov`
and GET /api/v1/share-of-voice; a manager scoped to one location sees only
the mentions of that location.
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

POSTS_CSV = """post_id,brand,channel,posted_at,text,impressions,replies,reposts,likes,clicks,followers
t1,Acme,twitter,2026-11-09T10:00:00Z,"Week 46, first",1000,2,1,10,7,4000
t2,Acme,twitter,2026-11-15T23:59:59Z,last second of a Sunday,500,0,0,5,0,4000
t3,Acme,Twitter,2026-11-16T00:00:00Z,first second of a Monday,2000,6,4,30,10,5000
t4,Acme,twitter,2026-11-20T12:00:00Z,no impressions yet,0,1,0,3,0,0
f1,Acme,facebook,2026-11-17T08:00:00Z,on facebook,800,3,2,20,15,10000
"""

MENTIONS = [
    # id, created_at, brand, sentiment, location
    ("a1", "2026-11-10T09:00:00Z", "Acme", "positive", None),
    ("r1", "2026-11-10T10:00:00Z", "Rival", "negative", None),
    ("a2", "2026-11-16T09:00:00Z", "Acme", "positive", None),
    ("a3", "2026-11-16T10:00:00Z", "Acme", "negative", None),
    ("r2", "2026-11-16T11:00:00Z", "Rival", "positive", None),
    ("a4", "2026-11-17T09:00:00Z", "Acme", "positive", "eu/paris"),
    ("r3", "2026-11-17T10:00:00Z", "Rival", "positive", None),
    ("r4", "2026-11-17T11:00:00Z", "Rival", "negative", "eu/paris"),
    ("a5", "2026-11-22T23:59:59Z", "Acme", "negative", None),
    ("r5", "2026-11-23T00:00:00Z", "Rival", "positive", None),
]
TEXT = {"positive": "I love %s, great friendly service, wonderful!",
        "negative": "%s is terrible and awful, I hate it."}


def near(a, b, what, res=None):
    e.expect(a is not None and abs(a - b) < 1e-6, "%s: %r, expected %r" % (what, a, b), res)


class Server:
    def __init__(self, db):
        argv = [e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        e.expect(line.startswith("earshot: listening on http://127.0.0.1:"),
                 "serve did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])

    def req(self, method, path, token=None, body=None, ctype="application/json"):
        h = {}
        if token:
            h["Authorization"] = "Bearer " + token
        if body is not None:
            h["Content-Type"] = ctype
            if not isinstance(body, (str, bytes)):
                body = json.dumps(body)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            try:
                return r.status, json.loads(data) if data else None
            except ValueError:
                return r.status, None
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


def tokens(db):
    """API tokens: admin, viewer, a manager of eu/paris, one of store-b."""
    for name, loc in (("mgrParis", "eu/paris"), ("mgrB", "store-b")):
        r = e.run("user", "add", name, "--role", "manager", "--location", loc, db=db,
                  stdin=b"pass-of-" + name.encode() + b"\n")
        e.expect_rc(r, 0, "user add " + name)
    out = {}
    for name, args in (("admin", ["--role", "admin"]), ("viewer", ["--role", "viewer"]),
                       ("mgrParis", ["--role", "manager", "--user", "mgrParis"]),
                       ("mgrB", ["--role", "manager", "--user", "mgrB"])):
        r = e.run("token", "create", "tok-" + name, *args, db=db)
        e.expect_rc(r, 0, "token create " + name)
        out[name] = r.out.strip()
    return out


# ---- posts ---------------------------------------------------------------------------

def cli_report(db, *args):
    r = e.run("posts", "report", "--output", "json", *args, db=db)
    e.expect_rc(r, 0, "posts report")
    return {(x["brand"], x["channel"], x["period"]): x for x in map(json.loads, r.out.splitlines())}


def check_csv_import(db, tmp):
    path = os.path.join(tmp, "posts.csv")
    with open(path, "w") as f:
        f.write(POSTS_CSV)
    r = e.run("posts", "import", path, db=db)
    e.expect_rc(r, 0, "posts import")
    e.expect("5 new, 0 updated" in r.err, "import summary", r)
    rep = cli_report(db)
    e.expect(set(rep) == {("Acme", "twitter", "2026-W46"), ("Acme", "twitter", "2026-W47"),
                          ("Acme", "facebook", "2026-W47")}, "the rows: ISO weeks, channel folded", r)
    w46, w47 = rep[("Acme", "twitter", "2026-W46")], rep[("Acme", "twitter", "2026-W47")]
    e.expect(w46["start"] == "2026-11-09" and w46["posts"] == 2, "W46: t1 and Sunday's t2")
    e.expect(w47["start"] == "2026-11-16" and w47["posts"] == 2, "W47: Monday's t3 and t4")
    # W46: t1 actions 20 / 1000 impressions, 20 per 4000 followers; t2 5 / 500, 5 / 4000.
    near(w46["replies_mean"], 1.0, "W46 replies per post")
    near(w46["likes_median"], 7.5, "W46 likes median")
    near(w46["engagement_rate_mean"], 0.015, "W46 engagement rate")
    near(w46["actions_per_1k_followers_mean"], 3.125, "W46 actions per 1k followers")
    # W47: t3 actions 50 / 2000, 50 per 5000; t4 has no impressions nor followers.
    near(w47["replies_mean"], 3.5, "W47 replies per post")
    near(w47["engagement_rate_mean"], 0.025, "W47 engagement rate (t4 left out)")
    near(w47["actions_per_1k_followers_mean"], 10.0, "W47 per 1k (t4 left out)")
    e.expect(w47["prev_posts"] == 2, "W47's previous week")
    near(w47["replies_change"], 2.5, "change in replies per post")
    near(w47["replies_change_pct"], 250.0, "change in replies, %")
    near(w47["engagement_rate_change"], 0.01, "change in engagement rate")
    near(w47["actions_per_1k_followers_change_pct"], 220.0, "change per 1k, %")
    fb = rep[("Acme", "facebook", "2026-W47")]
    e.expect(fb["prev_posts"] == 0 and fb["replies_change"] is None, "no previous week: null")
    near(fb["engagement_rate_mean"], 0.05, "facebook engagement rate")
    # CSV output has the same figures under a header.
    r = e.run("posts", "report", "--output", "csv", "--brand", "acme", db=db)
    rows = list(csv.DictReader(io.StringIO(r.out)))
    e.expect(len(rows) == 3 and float(rows[1]["clicks_mean"]) == 3.5, "report as CSV", r)
    # Bad input: nothing stored, the row and column named.
    bad = os.path.join(tmp, "bad.csv")
    with open(bad, "w") as f:
        f.write("post_id,brand,channel,posted_at,likes\nz1,Acme,twitter,2026-11-18,4\n"
                "z2,Acme,twitter,2026-11-18,many\n")
    r = e.run("posts", "import", bad, db=db)
    e.expect_rc(r, 2, "bad CSV")
    e.expect("row 3, column likes" in r.err, "the bad row and column", r)
    with open(bad, "w") as f:
        f.write("post_id,brand,channel,when\nz1,Acme,twitter,2026-11-18\n")
    r = e.run("posts", "import", bad, db=db)
    e.expect("row 1, column when: unknown column" in r.err, "unknown column", r)
    e.expect(e.sql(db, "SELECT count(*) FROM posts")[0][0] == 5, "all or nothing")
    e.expect_rc(e.run("posts", "report", "--by", "year", db=db), 1, "bad --by")


def check_api_import(srv, db, tok):
    batch = {"posts": [
        {"post_id": "t4", "brand": "Acme", "channel": "twitter",
         "posted_at": "2026-11-20T12:00:00Z", "impressions": 400, "likes": 9},
        {"post_id": "t6", "brand": "Acme", "channel": "twitter", "posted_at": 1795262400,
         "text": "2026-11-21T12:00:00Z", "impressions": 1000, "replies": 2, "reposts": 0,
         "likes": 8, "clicks": 0, "followers": 5000}]}
    st, doc = srv.req("POST", "/api/v1/posts", tok["admin"], batch)
    e.expect(st == 200 and doc == {"received": 2, "added": 1, "updated": 1},
             "API import: %d %r" % (st, doc))
    e.expect(e.sql(db, "SELECT replies, likes, impressions FROM posts WHERE post_id = 't4'")
             == [(1, 9, 400)], "re-import updates, a left-out metric keeps its value")
    st, doc = srv.req("POST", "/api/v1/posts", tok["admin"], batch)
    e.expect(st == 200 and doc["updated"] == 2 and doc["added"] == 0, "idempotent re-import")
    e.expect(e.sql(db, "SELECT count(*) FROM posts")[0][0] == 6, "one row per post")
    bad = [batch["posts"][0], {"post_id": "t9", "brand": "Acme", "channel": "twitter",
                               "posted_at": "2026-11-21", "likes": -3}]
    st, doc = srv.req("POST", "/api/v1/posts", tok["admin"], bad)
    e.expect(st == 400 and doc["error"].startswith("$[1].likes"), "JSON path: %d %r" % (st, doc))
    e.expect(e.sql(db, "SELECT count(*) FROM posts")[0][0] == 6, "nothing stored")
    st, _ = srv.req("POST", "/api/v1/posts", tok["admin"], "post_id\n", ctype="text/plain")
    e.expect(st == 415, "415 for another type")
    st, doc = srv.req("POST", "/api/v1/posts", tok["admin"],
                      "post_id,brand,channel,posted_at,likes\nc1,Acme,mastodon,2026-11-02,5\n",
                      ctype="text/csv")
    e.expect(st == 200 and doc["added"] == 1, "CSV over the API: %d %r" % (st, doc))
    for who, status in (("viewer", 403), ("mgrParis", 403), (None, 401)):
        st, _ = srv.req("POST", "/api/v1/posts", tok.get(who), batch)
        e.expect(st == status, "POST posts as %s: %d, expected %d" % (who, st, status))


def check_api_report(srv, db, tok):
    # W47 twitter now: t3 (50 actions / 2000 imp / 5000 fol), t4 (10 / 400 / 0 fol),
    # t6 (10 / 1000 / 5000).
    st, doc = srv.req("GET", "/api/v1/posts/report?brand=Acme&by=week", tok["viewer"])
    e.expect(st == 200 and doc["by"] == "week", "report: %d %r" % (st, doc))
    rows = {(x["channel"], x["period"]): x for x in doc["rows"]}
    w47 = rows[("twitter", "2026-W47")]
    e.expect(w47["posts"] == 3 and w47["prev_posts"] == 2, "W47 posts", doc)
    rt = w47["rates"]
    near(rt["replies"]["mean"], 3.0, "replies per post")
    near(rt["replies"]["median"], 2.0, "replies median")
    near(rt["likes"]["mean"], 47 / 3, "likes per post")
    near(rt["engagement_rate"]["mean"], 0.02, "engagement rate")
    near(rt["engagement_rate"]["median"], 0.025, "engagement rate median")
    e.expect(rt["engagement_rate"]["n"] == 3 and rt["actions_per_1k_followers"]["n"] == 2,
             "posts with impressions / followers", doc)
    near(rt["actions_per_1k_followers"]["mean"], 6.0, "actions per 1k followers")
    near(rt["replies"]["change"], 2.0, "change")
    near(rt["engagement_rate"]["change_pct"], (0.02 - 0.015) / 0.015 * 100, "change %")
    e.expect(rows[("mastodon", "2026-W45")]["rates"]["replies"]["mean"] == 0.0, "CSV post")
    st, doc = srv.req("GET", "/api/v1/posts/report?by=month&since=2026-11-01", tok["mgrParis"])
    e.expect(st == 200 and doc["by"] == "month", "monthly: %d %r" % (st, doc))
    nov = [x for x in doc["rows"] if x["channel"] == "twitter"]
    e.expect(len(nov) == 1 and nov[0]["period"] == "2026-11" and nov[0]["posts"] == 5, "November")
    near(nov[0]["rates"]["replies"]["mean"], 11 / 5, "November replies per post")
    e.expect(cli_report(db, "--by", "month")[("Acme", "twitter", "2026-11")]["posts"] == 5,
             "CLI monthly")
    st, _ = srv.req("GET", "/api/v1/posts/report?by=day", tok["viewer"])
    e.expect(st == 400, "by=day refused")
    st, _ = srv.req("GET", "/api/v1/posts/report")
    e.expect(st == 401, "report needs credentials")


# ---- share of voice ------------------------------------------------------------------

def ingest_mentions(db, tmp):
    for args in (["brand", "add", "Acme"], ["brand", "add", "Rival", "--competitor"]):
        e.expect_rc(e.run(*args, db=db), 0, " ".join(args))
    path = os.path.join(tmp, "mentions.jsonl")
    with open(path, "w") as f:
        for mid, when, brand, sent, loc in MENTIONS:
            rec = {"id": mid, "source": "web", "created_at": when, "brand_hint": brand,
                   "text": TEXT[sent] % brand}
            if loc:
                rec["location"] = loc
            f.write(json.dumps(rec) + "\n")
    e.expect_rc(e.run("ingest", path, db=db), 0, "ingest mentions")
    pol = dict(e.sql(db, "SELECT external_id, polarity FROM mentions"))
    want = {m[0]: (1 if m[3] == "positive" else -1) for m in MENTIONS}
    e.expect(pol == want, "the analyser read the sentiments as planned: %r" % pol)


def by_brand(period):
    return {b["brand"]: b for b in period["brands"]}


def check_sov_cli(db):
    r = e.run("sov", "--by", "week", "--output", "json", db=db)
    e.expect_rc(r, 0, "sov --by week")
    rows = [json.loads(x) for x in r.out.splitlines()]
    got = {(x["period"], x["brand"] or x["kind"]): x for x in rows}
    e.expect({p for p, _ in got} == {"2026-W46", "2026-W47", "2026-W48"}, "three weeks", r)
    a47, r47 = got[("2026-W47", "Acme")], got[("2026-W47", "Rival")]
    e.expect(a47["start"] == "2026-11-16" and a47["mentions"] == 4, "Acme W47 (Sunday's a5)", r)
    near(a47["share"], 4 / 7, "Acme share W47")
    near(a47["net"], 0.0, "Acme net W47")
    near(r47["net"], 1 / 3, "Rival net W47")
    near(a47["change_share"], 4 / 7 - 0.5, "Acme change in share")
    near(a47["change_net"], -1.0, "Acme change in net")
    near(r47["change_net"], 1 / 3 + 1, "Rival change in net")
    ours48 = got[("2026-W48", "ours_total")]
    e.expect(ours48["mentions"] == 0 and ours48["net"] is None, "no mentions: net null", r)
    near(ours48["change_share"], -4 / 7, "our share fell to 0")
    e.expect(got[("2026-W48", "Rival")]["share"] == 1.0, "Monday's r5 in W48", r)
    r = e.run("sov", "--output", "csv", "--since", "2026-11-16", "--until", "2026-11-17", db=db)
    rows = [x for x in csv.DictReader(io.StringIO(r.out)) if x["brand"]]
    e.expect(sorted((x["period"], x["brand"]) for x in rows) ==
             [("2026-11-16", "Acme"), ("2026-11-16", "Rival"), ("2026-11-17", "Acme"),
              ("2026-11-17", "Rival")], "days in range", r)
    d17 = {x["brand"]: x for x in rows if x["period"] == "2026-11-17"}
    near(float(d17["Acme"]["share"]), 1 / 3, "Acme share 17 Nov")
    near(float(d17["Acme"]["change_share"]), 1 / 3 - 2 / 3, "Acme change 16 -> 17 Nov")
    near(float(d17["Acme"]["change_net"]), 1.0, "Acme net change 16 -> 17 Nov")
    d16 = {x["brand"]: x for x in rows if x["period"] == "2026-11-16"}
    e.expect(d16["Acme"]["prev_mentions"] == "", "15 Nov had no mentions", r)
    e.expect_rc(e.run("sov", "--by", "month", db=db), 1, "sov by month refused")


def check_sov_api(srv, tok):
    st, doc = srv.req("GET", "/api/v1/share-of-voice?by=week", tok["viewer"])
    e.expect(st == 200 and doc["by"] == "week", "API sov: %d %r" % (st, doc))
    per = {p["period"]: p for p in doc["periods"]}
    w47 = per["2026-W47"]
    e.expect(w47["mentions"] == 7 and w47["start"] == "2026-11-16", "W47 total", doc)
    b = by_brand(w47)
    near(b["Acme"]["share"], 4 / 7, "API Acme share")
    near(b["Rival"]["net"], 1 / 3, "API Rival net")
    e.expect(b["Acme"]["kind"] == "ours" and b["Rival"]["kind"] == "competitor", "kinds")
    e.expect(b["Acme"]["prev"] == {"mentions": 1, "net": 1.0, "share": 0.5}, "prev", doc)
    near(b["Acme"]["change"]["share"], 4 / 7 - 0.5, "API change in share")
    near(w47["ours"]["share"], 4 / 7, "ours total")
    near(w47["competitors"]["net"], 1 / 3, "competitors total")
    st, doc = srv.req("GET", "/api/v1/share-of-voice?since=2026-11-17&until=2026-11-17",
                      tok["viewer"])
    e.expect(st == 200 and [p["period"] for p in doc["periods"]] == ["2026-11-17"], "by day",
             doc)
    b = by_brand(doc["periods"][0])
    near(b["Acme"]["change"]["share"], -1 / 3, "API day change (from 16 Nov)")
    # A manager of eu/paris counts only that location's mentions: a4 (+) and r4 (-).
    st, doc = srv.req("GET", "/api/v1/share-of-voice?by=week", tok["mgrParis"])
    e.expect(st == 200 and [p["period"] for p in doc["periods"]] == ["2026-W47"],
             "scoped: one week: %r" % doc)
    b = by_brand(doc["periods"][0])
    e.expect(b["Acme"]["mentions"] == 1 and b["Rival"]["mentions"] == 1, "scoped counts", doc)
    near(b["Rival"]["net"], -1.0, "scoped Rival net")
    near(b["Acme"]["share"], 0.5, "scoped share")
    st, doc = srv.req("GET", "/api/v1/share-of-voice?by=week", tok["mgrB"])
    e.expect(st == 200 and doc["periods"] == [], "another location's manager sees nothing")
    for q, status in (("by=month", 400), ("since=soon", 400),
                      ("since=2026-11-20&until=2026-11-10", 400)):
        st, _ = srv.req("GET", "/api/v1/share-of-voice?" + q, tok["viewer"])
        e.expect(st == status, "%s: %d" % (q, st))
    st, _ = srv.req("GET", "/api/v1/share-of-voice")
    e.expect(st == 401, "sov needs credentials")


def main():
    e.check_binary()
    with e.tempdir() as tmp:
        db = os.path.join(tmp, "social.db")
        tok = tokens(db)
        check_csv_import(db, tmp)
        ingest_mentions(db, tmp)
        check_sov_cli(db)
        srv = Server(db)
        try:
            check_api_import(srv, db, tok)
            check_api_report(srv, db, tok)
            check_sov_api(srv, tok)
        finally:
            srv.stop()
    e.ok("posts_sov")


main()
