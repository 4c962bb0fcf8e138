"""The manager's live flow over real HTTP against the real `earshot serve`:

1. the SMS survey as a conversation on POST /hooks/twilio, each request
   signed exactly as Twilio signs (X-Twilio-Signature, the helpers of
   test_hooks.py), answered in TwiML: start, answers, a re-asked invalid
   answer, a re-delivered MessageSid, HELP, STOP; a message of no survey
   still becomes a mention;
2. a low score -> a survey alert delivered to a local HTTP receiver (an
   alert rule of kind survey with a webhook destination) -> a case in the
   inbox, read over the API by the location's manager and refused to
   another location's manager; the response list, the recovery outcome
   and a follow-up survey by SMS, all scoped;
3. the QR web survey in a real headless Chromium (Debian's chromium and
   chromedriver through python3-selenium): open /s/<code>, fill, submit,
   see the thank-you page, the stored response; then a double submission,
   a honeypot and a too-fast submission refused, a bad answer re-shown
   with its message; the QR code over HTTP and from the command line.

Locations and the default survey are written into the database with
sqlite3 before the server starts: the tree has no command for them yet
(the locations part adds `earshot location add`).
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402
from test_alerts import Receiver, check_signed, wait_for  # noqa: E402
from test_hooks import twilio_sig  # noqa: E402

TW_TOKEN = "tw-token-e2e-5150"
PUBLIC = "http://sms.example.test"
TW_URL = PUBLIC + "/hooks/twilio"
SECRET = "s3cret-key-0123456789"
NAME = "Lyon <Part-Dieu> & Co"


class Server:
    def __init__(self, db, env):
        full = dict(os.environ)
        for k in list(full):
            if k.startswith("EARSHOT_"):
                del full[k]
        full.update(env)
        self.proc = subprocess.Popen([e.EARSHOT, "--db", db, "serve", "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("earshot: listening on http://127.0.0.1:"):
            self.proc.kill()
            e.fail("serve did not start: %r %s" % (line, self.proc.stderr.read().decode()))
        self.port = int(line.rsplit(":", 1)[1])

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            c.close()

    def api(self, method, path, token, body=None):
        h = {"Authorization": "Bearer " + token}
        if body is not None:
            h["Content-Type"] = "application/json"
            body = json.dumps(body)
        st, _, data = self.request(method, path, body, h)
        return st, (json.loads(data) if data.strip() else None)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            e.fail("serve did not stop")
        err = self.proc.stderr.read().decode("utf-8", "replace")
        e.expect(TW_TOKEN not in err and SECRET not in err, "a secret was logged: %s" % err)
        e.expect(rc == 0, "serve exited %d: %s" % (rc, err))


def sms(srv, sid, frm, body, sign=True):
    """Posts one SMS as Twilio does; returns (status, the TwiML message)."""
    params = [("MessageSid", sid), ("AccountSid", "AC1"), ("From", frm), ("To", "+15557770000"),
              ("Body", body), ("NumMedia", "0")]
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if sign:
        h["X-Twilio-Signature"] = twilio_sig(TW_URL, params, TW_TOKEN)
    st, hdr, data = srv.request("POST", "/hooks/twilio", urllib.parse.urlencode(params).encode(), h)
    if st != 200:
        return st, None
    e.expect(hdr["content-type"].startswith("text/xml"), "TwiML type: %r" % hdr)
    root = ET.fromstring(data)
    e.expect(root.tag == "Response", "TwiML root: %r" % data)
    msg = root.find("Message")
    return st, (msg.text if msg is not None else "")


def ok(res, what):
    e.expect_rc(res, 0, what)
    return res.out.strip()


def setup(db, rcv):
    ok(e.run("alert", "dest", "add", "--name", "hook", "--kind", "webhook", "--target",
             rcv.url("/ok"), "--secret", SECRET, db=db), "dest hook")
    con = sqlite3.connect(db)
    with con:
        for key, code, name in (("eu/fr/lyon-14", "1234", NAME), ("eu/de/berlin-2", "B2", "Berlin")):
            con.execute("INSERT INTO locations(key, code, name, region, created) VALUES (?, ?, ?,"
                        " ?, strftime('%s','now'))", (key, code, name, key.rsplit("/", 1)[0] + "/"))
        con.execute("INSERT INTO surveys(id, name, is_default, hot_threshold, created)"
                    " VALUES (1, 'default', 1, 2, 0)")
        qs = [(1, "overall", "scale5", "overall", "How satisfied were you with your visit today?"
               " (1-5, 5 is best)", "Overall satisfaction"),
              (2, "recommend", "scale10", "recommend", "How likely are you to recommend us to a"
               " friend? (0-10)", "Likelihood to recommend"),
              (3, "speed", "scale5", "driver", "How would you rate the speed of service? (1-5)",
               "Speed of service"),
              (4, "comment", "text", "comment", "Anything you would like to tell us? (or reply"
               " SKIP)", "Comment")]
        for q in qs:
            con.execute("INSERT INTO survey_questions VALUES (1, ?, ?, ?, ?, ?, ?)", q)
    con.close()
    for name, loc in (("mia", "eu/fr/"), ("max", "eu/de/berlin-2")):
        ok(e.run("user", "add", name, "--role", "manager", "--location", loc, "--no-password",
                 db=db), "user " + name)
    ok(e.run("user", "add", "root", "--role", "admin", "--no-password", db=db), "admin")
    toks = {}
    for user, role in (("root", "admin"), ("mia", "manager"), ("max", "manager")):
        toks[user] = ok(e.run("token", "create", user + "-t", "--role", role, "--user", user,
                              db=db), "token " + user)
    return toks


def test_conversation(srv, db):
    st, _ = sms(srv, "SMa0", "+15550001111", "FEEDBACK 1234", sign=False)
    e.expect(st == 403, "an unsigned SMS: %d" % st)
    st, msg = sms(srv, "SMa1", "+15550001111", "feedback 1234")
    e.expect(st == 200 and NAME in msg and "How satisfied" in msg, "start: %d %r" % (st, msg))
    st, msg = sms(srv, "SMa2", "+15550001111", "7")
    e.expect("1 to 5" in msg and "How satisfied" in msg, "re-ask: %r" % msg)
    st, msg = sms(srv, "SMa3", "+15550001111", "4")
    e.expect("recommend" in msg, "q2: %r" % msg)
    st, again = sms(srv, "SMa3", "+15550001111", "4")
    e.expect(again == msg, "a re-delivered sid: %r vs %r" % (again, msg))
    st, msg = sms(srv, "SMa4", "+15550001111", "HELP")
    e.expect("FEEDBACK" in msg and "recommend" in msg, "HELP: %r" % msg)
    for sid, body, want in (("SMa5", "9", "speed"), ("SMa6", "4", "Anything"),
                            ("SMa7", "Lovely staff", "Thank you")):
        st, msg = sms(srv, sid, "+15550001111", body)
        e.expect(want in msg, "%s: %r" % (body, msg))
    rows = e.sql(db, "SELECT channel, external_id, contact, overall, recommend, completed IS NOT"
                     " NULL, hot_at FROM survey_responses")
    e.expect(rows == [("sms", "SMa1", "+15550001111", 4, 9, 1, None)], "stored: %r" % rows)
    answers = e.sql(db, "SELECT position, value, text FROM survey_answers ORDER BY position")
    e.expect(answers == [(1, 4, None), (2, 9, None), (3, 4, None), (4, None, "Lovely staff")],
             "answers: %r" % answers)
    n = e.sql(db, "SELECT count(*) FROM mentions")[0][0]
    e.expect(n == 0, "survey messages became mentions: %d" % n)
    # Not a survey's: the mention path as before (an empty TwiML answer).
    st, msg = sms(srv, "SMb1", "+15550009999", "Where is my order?")
    e.expect(st == 200 and msg == "", "a plain SMS: %d %r" % (st, msg))
    n = e.sql(db, "SELECT count(*) FROM mentions WHERE source = 'sms' AND external_id = 'SMb1'")
    e.expect(n[0][0] == 1, "the plain SMS is not a mention: %r" % n)
    st, msg = sms(srv, "SMb2", "+15550009999", "STOP")
    e.expect("unsubscribed" in msg, "STOP: %r" % msg)
    out = e.sql(db, "SELECT opted_out FROM survey_optouts WHERE contact = '+15550009999'")
    e.expect(out == [(1,)], "opt-out: %r" % out)


def test_hot(srv, db, rcv, toks):
    before = len(rcv.on("/ok"))
    st, msg = sms(srv, "SMh1", "+15550002222", "FEEDBACK 1234")
    st, msg = sms(srv, "SMh2", "+15550002222", "1")
    e.expect(st == 200 and "recommend" in msg, "low score: %r" % msg)
    # Within the same request: the case is open and linked.
    row = e.sql(db, "SELECT id, hot_at IS NOT NULL, case_id FROM survey_responses WHERE"
                    " external_id = 'SMh1'")[0]
    rid, hot, case_id = row
    e.expect(hot == 1 and case_id, "not hot at once: %r" % (row,))
    e.expect(wait_for(lambda: len(rcv.on("/ok")) > before, "alert", 10.0),
             "the survey alert was not delivered")
    doc = check_signed(rcv.on("/ok")[-1], "survey alert")
    e.expect(doc["alert"]["kind"] == "survey" and doc["alert"]["location"] == "eu/fr/lyon-14",
             "the alert: %r" % doc)
    sms(srv, "SMh3", "+15550002222", "0")  # still hot: no second alert
    time.sleep(0.5)
    n = e.sql(db, "SELECT count(*) FROM alerts WHERE kind = 'survey'")[0][0]
    e.expect(n == 1, "alerts raised: %d" % n)
    for sid, body in (("SMh4", "3"), ("SMh5", "Cold food, rude staff")):
        st, msg = sms(srv, sid, "+15550002222", body)
    e.expect("Thank you" in msg, "the hot conversation's end: %r" % msg)
    st, body = srv.api("GET", "/api/v1/cases/%d/notes" % case_id, toks["mia"])
    e.expect(st == 200 and "Cold food, rude staff" in json.dumps(body),
             "the case's note of every answer: %d %r" % (st, body))
    st, body = srv.api("GET", "/api/v1/cases/%d" % case_id, toks["mia"])
    e.expect(st == 200 and body["location"] == "eu/fr/lyon-14", "the case: %d %r" % (st, body))
    e.expect("Overall satisfaction 1" in json.dumps(body), "case text: %r" % body)
    st, _ = srv.api("GET", "/api/v1/cases/%d" % case_id, toks["max"])
    e.expect(st == 404, "another location's manager saw the case: %d" % st)
    handles = e.sql(db, "SELECT h.value FROM customer_handles h JOIN cases c ON"
                        " c.customer_id = h.customer_id WHERE c.id = ?", case_id)
    e.expect(("+15550002222",) in handles, "the customer's phone: %r" % handles)
    st, body = srv.api("GET", "/api/v1/survey-responses?hot=1", toks["mia"])
    e.expect(st == 200 and [r["id"] for r in body["items"]] == [rid], "hot list: %r" % body)
    st, body = srv.api("GET", "/api/v1/survey-responses", toks["max"])
    e.expect(st == 200 and body["items"] == [], "max's list: %r" % body)
    for method, path, b in (("GET", "/api/v1/survey-responses/%d" % rid, None),
                            ("POST", "/api/v1/survey-responses/%d/recovery" % rid,
                             {"outcome": "recovered"}),
                            ("POST", "/api/v1/survey-responses/%d/follow-up" % rid, {})):
        st, _ = srv.api(method, path, toks["max"], b)
        e.expect(st == 404, "max %s %s: %d" % (method, path, st))
    st, body = srv.api("POST", "/api/v1/survey-responses/%d/recovery" % rid, toks["mia"],
                       {"outcome": "bogus"})
    e.expect(st == 400, "a bad outcome: %d %r" % (st, body))
    st, body = srv.api("POST", "/api/v1/survey-responses/%d/recovery" % rid, toks["mia"],
                       {"outcome": "recovered", "note": "called, voucher sent"})
    e.expect(st == 200 and body["recovery"] == "recovered" and body["case_id"] == case_id,
             "recovery: %d %r" % (st, body))
    st, body = srv.api("POST", "/api/v1/survey-responses/%d/follow-up" % rid, toks["mia"], {})
    e.expect(st == 200 and body["followup_at"], "follow-up: %d %r" % (st, body))
    replies = e.sql(db, "SELECT channel, text FROM replies WHERE case_id = ?", case_id)
    e.expect(len(replies) == 1 and replies[0][0] == "sms" and "FEEDBACK" in replies[0][1],
             "the follow-up SMS: %r" % replies)


def form_token(srv, code="1234"):
    st, hdr, data = srv.request("GET", "/s/" + code)
    e.expect(st == 200, "GET /s/%s: %d" % (code, st))
    m = re.search(rb'name="token" value="([^"]+)"', data)
    e.expect(m is not None, "no token in the form")
    return m.group(1).decode()


def post_form(srv, fields, code="1234"):
    st, hdr, data = srv.request("POST", "/s/" + code, urllib.parse.urlencode(fields).encode(),
                                {"Content-Type": "application/x-www-form-urlencoded"})
    return st, data.decode()


def test_web_http(srv, db):
    st, hdr, data = srv.request("GET", "/s/1234")
    page = data.decode()
    e.expect(st == 200 and hdr["content-type"].startswith("text/html"), "form: %d" % st)
    e.expect("Lyon &lt;Part-Dieu&gt; &amp; Co" in page and NAME not in page, "not escaped")
    e.expect("<script" not in page, "a script in the form")
    csp = hdr["content-security-policy"]
    e.expect("style-src 'unsafe-inline'" in csp and "script" not in csp, "CSP: %r" % csp)
    e.expect(hdr.get("x-frame-options") == "DENY", "security headers: %r" % hdr)
    st, _, _ = srv.request("GET", "/s/NOPE")
    e.expect(st == 404, "unknown code: %d" % st)
    count = lambda: e.sql(db, "SELECT count(*) FROM survey_responses WHERE channel = 'web'")[0][0]
    base = count()
    good = {"q1": "4", "q2": "8", "q3": "4", "q4": "", "contact": "", "website": ""}
    tok = form_token(srv)
    st, body = post_form(srv, dict(good, token=tok))
    e.expect(st == 400 and "faster than" in body, "too fast: %d %s" % (st, body[:200]))
    time.sleep(3.2)
    st, body = post_form(srv, dict(good, token=tok, website="http://spam.example"))
    e.expect(st == 400 and "automatically" in body, "honeypot: %d" % st)
    st, body = post_form(srv, dict(good, token=tok, q1="7"))
    e.expect(st == 400 and "1 to 5" in body and tok in body, "bad answer: %d" % st)
    st, body = post_form(srv, dict(good, token=tok[:-1] + ("0" if tok[-1] != "0" else "1")))
    e.expect(st == 400 and "expired" in body, "forged token: %d" % st)
    e.expect(count() == base, "a refused post was stored")
    st, body = post_form(srv, dict(good, token=tok))
    e.expect(st == 200 and "Thank you" in body, "post: %d" % st)
    st, body = post_form(srv, dict(good, token=tok, q1="1"))
    e.expect(st == 200 and "Thank you" in body, "double post: %d" % st)
    e.expect(count() == base + 1, "double submission stored twice")
    e.expect(e.sql(db, "SELECT overall FROM survey_responses WHERE channel = 'web' ORDER BY id"
                       " DESC LIMIT 1") == [(4,)], "the second post changed the response")
    st, hdr, data = srv.request("GET", "/s/1234/qr.svg")
    e.expect(st == 200 and hdr["content-type"] == "image/svg+xml" and b"<path d=\"M4 4h7" in data,
             "qr.svg: %d %r" % (st, data[:120]))
    res = e.run("location", "qr", "1234", "--url", "https://example.test", db=db)
    e.expect(res.rc == 0 and res.out.startswith("<?xml") and "<path d=\"M4 4h7" in res.out,
             "location qr", res)
    res = e.run("location", "qr", "NOPE", "--url", "https://example.test", db=db)
    e.expect(res.rc != 0 and "NOPE" in res.err, "location qr of no location", res)


def test_web_browser(srv, db):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=412,915"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        drv.get("http://127.0.0.1:%d/s/1234" % srv.port)
        e.expect(NAME in drv.find_element(By.TAG_NAME, "h1").text, "h1: %r"
                 % drv.find_element(By.TAG_NAME, "h1").text)
        hp = drv.find_element(By.NAME, "website")
        e.expect(not hp.is_displayed() or hp.rect["x"] < 0, "the honeypot is visible")
        drv.find_element(By.CSS_SELECTOR, "input[name=q1][value='2']").click()
        drv.find_element(By.CSS_SELECTOR, "input[name=q2][value='6']").click()
        drv.find_element(By.CSS_SELECTOR, "input[name=q3][value='3']").click()
        drv.find_element(By.NAME, "q4").send_keys("Queue was long")
        drv.find_element(By.NAME, "contact").send_keys("ann@example.com")
        time.sleep(3.2)  # a person's fill time, as the form's token requires
        drv.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        msg = drv.find_element(By.ID, "message").text
        e.expect("Thank you" in msg, "thank-you page: %r" % msg)
        rows = e.sql(db, "SELECT id, contact, overall, recommend, completed IS NOT NULL, hot_at"
                         " IS NOT NULL, case_id IS NOT NULL FROM survey_responses WHERE"
                         " channel = 'web' AND contact = 'ann@example.com'")
        e.expect(len(rows) == 1 and rows[0][1:] == ("ann@example.com", 2, 6, 1, 1, 1),
                 "the browser's response: %r" % rows)
        answers = e.sql(db, "SELECT position, value, text FROM survey_answers WHERE"
                            " response_id = ? ORDER BY position", rows[0][0])
        e.expect(answers == [(1, 2, None), (2, 6, None), (3, 3, None),
                             (4, None, "Queue was long")], "answers: %r" % answers)
        # The browser sends the same form again (back, then submit).
        drv.back()
        drv.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        n = e.sql(db, "SELECT count(*) FROM survey_responses WHERE contact = 'ann@example.com'")
        e.expect(n[0][0] == 1, "the browser's double submission was stored: %r" % n)
    finally:
        drv.quit()


def main():
    e.check_binary()
    with e.tempdir() as tmp:
        run_all(tmp)
    e.ok("test_sms_survey")


def run_all(tmp):
    db = os.path.join(tmp, "sms.db")
    rcv = Receiver()
    toks = setup(db, rcv)
    srv = Server(db, {"EARSHOT_TWILIO_AUTH_TOKEN": TW_TOKEN, "EARSHOT_PUBLIC_URL": PUBLIC,
                      "EARSHOT_SURVEY_SECRET": "survey-secret-e2e", "EARSHOT_ALERT_ALLOW":
                      "127.0.0.1", "EARSHOT_ALERT_BACKOFF_MS": "50"})
    try:
        st, body = srv.api("POST", "/api/v1/alert-rules", toks["root"],
                           {"name": "hot", "kind": "survey", "dests": "hook", "threshold": 2})
        e.expect(st == 201, "survey rule: %d %r" % (st, body))
        test_conversation(srv, db)
        test_hot(srv, db, rcv, toks)
        test_web_http(srv, db)
        test_web_browser(srv, db)
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
