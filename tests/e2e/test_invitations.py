"""Survey invitations and advocacy end to end with the real binary, a real
SQLite file and real sockets: `earshot serve` sends the invitations through
the alert module's SMS provider (a local HTTP receiver) and SMTP server (a
local one), both from test_alerts.py.

Covers: POST /api/v1/survey-invitations with CSV and JSON, a manager held
to their own locations, opted-out contacts skipped, the de-duplication
window, each message arriving once with its survey link, FEEDBACK keyword
and way out, rows left undelivered by a stopped server delivered once by
the next, the advocacy rule run by the server on its own (EARSHOT_ADVOCACY_EVERY), GET /u/<token> opting the contact out, states brought up to date
from responses, the completion report over the API and the CLI, the
advocacy rule, GET /r/<token> counting clicks and redirecting only to the
stored review link, shares in and out of scope, and the advocacy report's
figures (API and CLI).
"""
import http.client
import json
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402
import test_alerts as ta  # noqa: E402

PUBLIC = "https://es.example"
REVIEW = "https://reviews.example/lyon-1"


def ok(res, what):
    e.expect_rc(res, 0, what)
    return res.out.strip()


def request(srv, method, path, token=None, body=None, ctype="application/json"):
    """(status, headers, body bytes) of one request to the server."""
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
    try:
        h = {}
        if token:
            h["Authorization"] = "Bearer " + token
        if body is not None:
            h["Content-Type"] = ctype
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        c.close()


def api(srv, method, path, token, body=None, ctype="application/json"):
    st, _, data = request(srv, method, path, token, body, ctype)
    return st, (json.loads(data) if data.strip() else None)


def sms_sent(rcv):
    """The SMS the provider received: (To, Body, Idempotency-Key) each."""
    out = []
    for r in rcv.on("/sms"):
        f = urllib.parse.parse_qs(r["body"].decode())
        e.expect(f["From"] == ["+15559999"], "From: %r" % f)
        out.append((f["To"][0], f["Body"][0], r["headers"].get("idempotency-key")))
    return out


def setup(db):
    ok(e.run("user", "add", "root", "--role", "admin", "--no-password", db=db), "admin")
    now = int(time.time())
    e.sql(db, "SELECT 1")
    import sqlite3
    con = sqlite3.connect(db)
    con.execute("INSERT INTO locations(key, code, name, created, review_url) VALUES"
                " ('eu/lyon-1', 'LY1', 'Lyon One', ?, ?)", (now, REVIEW))
    con.execute("INSERT INTO locations(key, code, name, created) VALUES"
                " ('us/nyc-1', 'NY1', 'New York One', ?)", (now,))
    con.execute("INSERT INTO survey_optouts(contact, opted_out, how, at) VALUES"
                " ('+15550009', 1, 'sms:STOP', ?)", (now,))
    con.execute("INSERT INTO surveys(id, name, is_default, hot_threshold, created)"
                " VALUES (1, 'default', 1, 2, ?)", (now,))
    for pos, key, kind, role in ((1, "overall", "scale5", "overall"),
                                 (2, "recommend", "scale10", "recommend")):
        con.execute("INSERT INTO survey_questions VALUES (1, ?, ?, ?, ?, 'q', ?)",
                    (pos, key, kind, role, key))
    con.commit()
    con.close()
    for name, loc in (("mia", "eu/lyon-1"), ("max", "us/nyc-1")):
        ok(e.run("user", "add", name, "--role", "manager", "--location", loc, "--no-password",
                 db=db), "user " + name)
    return {n: ta.token(db, n + "-t", r, n) for n, r in
            (("root", "admin"), ("mia", "manager"), ("max", "manager"))}


def respond(db, loc_code, contact, recommend, completed, invitation_id=None, channel="web"):
    """A survey response written as the SMS or web survey would."""
    now = int(time.time())
    import sqlite3
    con = sqlite3.connect(db)
    lid = con.execute("SELECT id FROM locations WHERE code = ?", (loc_code,)).fetchone()[0]
    con.execute("INSERT INTO survey_responses(survey_id, location_id, channel, contact,"
                " invitation_id, started, completed, overall, recommend) VALUES"
                " (1, ?, ?, ?, ?, ?, ?, 5, ?)",
                (lid, channel, contact, invitation_id, now, now if completed else None,
                 recommend))
    con.commit()
    con.close()


def test_invitations(tmp, rcv, smtp):
    db = os.path.join(tmp, "inv.db")
    t = setup(db)
    env = {"EARSHOT_PUBLIC_URL": PUBLIC, "EARSHOT_SMS_URL": rcv.url("/sms"),
           "EARSHOT_SMS_FROM": "+15559999", "EARSHOT_ALERT_BACKOFF_MS": "50",
           "EARSHOT_SMTP_URL": "smtp://127.0.0.1:%d" % smtp.server_address[1],
           "EARSHOT_SMTP_FROM": "survey@example.org"}
    csv = ("phone,location,name\n+15550001,LY1,Ann\n+15550002,LY1,\n"
           "+15550009,LY1,Opted\n")
    srv = ta.Serve(db, env)
    try:
        # A manager may invite only to their own locations.
        st, body = api(srv, "POST", "/api/v1/survey-invitations", t["max"], csv, "text/csv")
        e.expect(st == 404 and "LY1" in body["error"], "max invited at LY1: %d %r" % (st, body))
        st, body = api(srv, "POST", "/api/v1/survey-invitations", t["mia"], "phone,location\n+1x,LY1\n",
                       "text/csv")
        e.expect(st == 400 and "line 2" in body["error"], "bad list: %d %r" % (st, body))
        st, body = api(srv, "POST", "/api/v1/survey-invitations", t["mia"], csv, "text/csv")
        e.expect(st == 201 and body["invited"] == 2 and body["skipped_optout"] == 1,
                 "invite: %d %r" % (st, body))
        js = json.dumps([{"email": "bea@example.com", "location": "LY1", "name": "Bea"}])
        st, body = api(srv, "POST", "/api/v1/survey-invitations", t["mia"], js)
        e.expect(st == 201 and body["invited"] == 1, "invite json: %d %r" % (st, body))
        st, body = api(srv, "POST", "/api/v1/survey-invitations", t["mia"], csv, "text/csv")
        e.expect(st == 201 and body["invited"] == 0 and body["skipped_recent"] == 2,
                 "window: %d %r" % (st, body))
        e.expect(ta.wait_for(lambda: len(sms_sent(rcv)) >= 2 and len(smtp.mails) >= 1, "sent"),
                 "the invitations were not delivered: %r %r" % (sms_sent(rcv), smtp.mails))
        time.sleep(0.3)  # room for a duplicate to show, if there were one
        sms = sms_sent(rcv)
        e.expect(sorted(s[0] for s in sms) == ["+15550001", "+15550002"], "sms to: %r" % sms)
        toks = {}
        for to, text, _ in sms:
            m = re.search(re.escape(PUBLIC) + r"/s/LY1\?i=([0-9a-f]{32})", text)
            e.expect(m and "FEEDBACK LY1" in text and "Reply STOP" in text, "sms text %r" % text)
            toks[to] = m.group(1)
        e.expect(sms[0][1].startswith("Hi Ann,") or sms[1][1].startswith("Hi Ann,"), "name")
        mail = smtp.mails[0]
        e.expect(mail["rcpt"] == ["<bea@example.com>"], "mail to %r" % mail["rcpt"])
        m = re.search(re.escape(PUBLIC) + r"/u/([0-9a-f]{32})", mail["data"])
        e.expect(m and "/s/LY1?i=" + m.group(1) in mail["data"], "mail %r" % mail["data"])
        bea = m.group(1)
        st, body = api(srv, "GET", "/api/v1/survey-invitations/report", t["mia"])
        e.expect(st == 200 and [c["delivered"] for c in body["by_channel"]] == [2, 1],
                 "delivered: %r" % body)
    finally:
        srv.stop()
    # Rows queued while no server runs are delivered, once, by the next one.
    f = os.path.join(tmp, "later.csv")
    with open(f, "w") as fp:
        fp.write("contact,location\n+15550003,LY1\n+15550004,NY1\n")
    out = ok(e.run("survey", "invite", "--file", f, "--public-url", PUBLIC, db=db), "cli invite")
    e.expect(out.startswith("2 invited"), "cli invite: %r" % out)
    pend = e.sql(db, "SELECT count(*) FROM invitations WHERE out_status = 'pending'")[0][0]
    e.expect(pend == 2, "pending while stopped: %d" % pend)
    srv = ta.Serve(db, env)
    try:
        e.expect(ta.wait_for(lambda: len(sms_sent(rcv)) >= 4, "restart"),
                 "not delivered after the restart: %r" % sms_sent(rcv))
        time.sleep(0.3)
        sms = sms_sent(rcv)
        keys = [s[2] for s in sms]
        e.expect(len(sms) == 4 and len(set(keys)) == 4, "each once: %r" % sms)
        stored = sorted(r[0] for r in e.sql(db, "SELECT idem_key FROM invitations WHERE"
                                                " channel = 'sms' AND state != 'skipped'"))
        e.expect(sorted(keys) == stored, "keys %r vs %r" % (keys, stored))
        # Unsubscribe without login; the contact is skipped afterwards.
        st, h, page = request(srv, "GET", "/u/" + bea)
        e.expect(st == 200 and b"unsubscribed" in page, "unsubscribe: %d %r" % (st, page))
        st, _, _ = request(srv, "GET", "/u/" + "0" * 32)
        e.expect(st == 404, "unknown unsubscribe token: %d" % st)
        e.expect(e.sql(db, "SELECT opted_out FROM survey_optouts WHERE contact ="
                           " 'bea@example.com'") == [(1,)], "bea not opted out")
        st, body = api(srv, "POST", "/api/v1/survey-invitations", t["root"],
                       json.dumps({"contacts": [{"email": "bea@example.com",
                                                 "location": "NY1"}]}))
        e.expect(st == 201 and body["skipped_optout"] == 1, "after opt-out: %r" % body)
        # Responses: Ann completes through her link; +15550002 starts by SMS.
        ann_id = e.sql(db, "SELECT id FROM invitations WHERE token = ?", toks["+15550001"])[0][0]
        respond(db, "LY1", None, 7, True, invitation_id=ann_id)
        respond(db, "LY1", "+15550002", None, False, channel="sms")
        st, body = api(srv, "GET", "/api/v1/survey-invitations/report?since=1d", t["mia"])
        sms_c = [c for c in body["by_channel"] if c["channel"] == "sms"][0]
        e.expect(st == 200 and sms_c["invited"] == 3 and sms_c["started"] == 2 and
                 sms_c["completed"] == 1 and abs(sms_c["completion_rate"] - 1 / 3) < 1e-3,
                 "report sms: %r" % body)
        e.expect([l["location"] for l in body["by_location"]] == ["LY1"], "mia's scope %r" % body)
        st, body = api(srv, "GET", "/api/v1/survey-invitations/report", t["max"])
        e.expect([l["location"] for l in body["by_location"]] == ["NY1"] and
                 body["by_location"][0]["invited"] == 1, "max's report %r" % body)
        test_advocacy(db, srv, rcv, t)
    finally:
        srv.stop()
    # The rule also runs by itself in the server when asked to.
    respond(db, "LY1", "+15550105", 10, True)
    auto = dict(env, EARSHOT_ADVOCACY_EVERY="1")
    srv = ta.Serve(db, auto)
    try:
        e.expect(ta.wait_for(lambda: any(s[0] == "+15550105" and "/r/" in s[1]
                                         for s in sms_sent(rcv)), "auto"),
                 "the server did not run the advocacy rule: %r" % sms_sent(rcv))
    finally:
        srv.stop()
    out = ok(e.run("survey", "invitations", "--report", "--output", "json", db=db), "cli report")
    rows = [json.loads(line) for line in out.splitlines()]
    ly_sms = [r for r in rows if r["location"] == "LY1" and r["channel"] == "sms"][0]
    e.expect(ly_sms["invited"] == 3 and ly_sms["completed"] == 1, "cli report %r" % rows)


def test_advocacy(db, srv, rcv, t):
    respond(db, "LY1", "+15550101", 10, True)
    respond(db, "LY1", "+15550102", 9, True)
    respond(db, "LY1", "+15550103", 6, True)   # a detractor: not invited
    respond(db, "NY1", "+15550104", 10, True)  # no review link: not invited
    st, _ = api(srv, "POST", "/api/v1/advocates/run", t["mia"], "{}")
    e.expect(st == 403, "a manager ran the rule: %d" % st)
    st, body = api(srv, "POST", "/api/v1/advocates/run", t["root"], "{}")
    e.expect(st == 200 and body["invited"] == 2, "advocacy run: %d %r" % (st, body))
    st, body = api(srv, "POST", "/api/v1/advocates/run", t["root"], "{}")
    e.expect(st == 200 and body["invited"] == 0, "each promoter once: %r" % body)
    e.expect(ta.wait_for(lambda: len([s for s in sms_sent(rcv) if "/r/" in s[1]]) >= 2, "adv"),
             "advocacy SMS not delivered")
    adv = {}
    for to, text, _ in sms_sent(rcv):
        m = re.search(re.escape(PUBLIC) + r"/r/([0-9a-f]{32})", text)
        if m:
            adv[to] = m.group(1)
    e.expect(sorted(adv) == ["+15550101", "+15550102"], "advocacy to %r" % adv)
    tok = adv["+15550101"]
    for path in ("/r/" + tok, "/r/" + tok + "?url=https://evil.example/&next=//evil.example"):
        st, h, _ = request(srv, "GET", path)
        e.expect(st == 302 and h.get("location") == REVIEW, "redirect %s: %d %r" % (path, st, h))
    survey_tok = e.sql(db, "SELECT token FROM invitations WHERE kind = 'survey' LIMIT 1")[0][0]
    for bad in ("/r/" + survey_tok, "/r/" + "f" * 32, "/r/..%2fevil"):
        st, h, _ = request(srv, "GET", bad)
        e.expect(st == 404 and "location" not in h, "%s: %d %r" % (bad, st, h))
    row = e.sql(db, "SELECT id, clicks, state FROM invitations WHERE token = ?", tok)[0]
    e.expect(row[1] == 2 and row[2] == "clicked", "clicks: %r" % (row,))
    aid = row[0]
    other = e.sql(db, "SELECT id FROM invitations WHERE token = ?", adv["+15550102"])[0][0]
    st, _ = api(srv, "POST", "/api/v1/advocates/%d/shared" % aid, t["max"], "{}")
    e.expect(st == 404, "max recorded a share at LY1: %d" % st)
    st, body = api(srv, "POST", "/api/v1/advocates/%d/shared" % aid, t["mia"],
                   json.dumps({"handle": "@ann", "followers": 1200}))
    e.expect(st == 200 and body["state"] == "shared", "shared: %d %r" % (st, body))
    st, body = api(srv, "POST", "/api/v1/advocates/%d/shared" % other, t["mia"], "")
    e.expect(st == 200, "shared without followers: %d %r" % (st, body))
    st, body = api(srv, "GET", "/api/v1/advocates/report?since=90d&per_share=50", t["mia"])
    # engaged: the contacts of completed responses at LY1 (+15550101..103;
    # Ann's has none) and the advocates (among them).
    want = {"engaged": 3, "invited": 2, "clicked": 2, "advocates": 2, "reach_known": 1200,
            "shares_unknown": 1, "per_share": 50, "reach": 1250, "days": 90}
    got = dict((k, body.get(k)) for k in want)
    e.expect(st == 200 and got == want, "advocacy report: %d %r" % (st, body))
    st, body = api(srv, "GET", "/api/v1/advocates/report", t["max"])
    e.expect(st == 200 and body["advocates"] == 0 and body["engaged"] == 1, "max %r" % body)
    out = ok(e.run("advocates", "report", "--since", "90d", "--per-share", "50", db=db), "cli")
    e.expect(out.splitlines()[0] ==
             "4 customers engaged, 2 advocates, 1,250 people reached in 90 days", "cli: %r" % out)


def main():
    e.check_binary()
    rcv = ta.Receiver()
    smtp = ta.SMTP()
    with e.tempdir() as tmp:
        test_invitations(tmp, rcv, smtp)
    rcv.shutdown()
    smtp.shutdown()
    e.ok("invitations")


if __name__ == "__main__":
    main()
