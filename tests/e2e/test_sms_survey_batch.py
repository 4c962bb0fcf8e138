"""The survey committer (src/http/surveys.c) under concurrency, over real
HTTP against the real `earshot serve`: many phones run whole SMS survey
conversations at once, and every message is delivered twice at the same
moment on two connections (Twilio re-delivering a MessageSid while the
first delivery is still in flight), so that deliveries of one MessageSid
often share a batch transaction. Checks that both deliveries of every
message get the same, right reply, that every answer is stored exactly
once, that the hot response is hot, and that SIGTERM still exits 0.
"""
import os
import sqlite3
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as e  # noqa: E402
from test_sms_survey import PUBLIC, TW_TOKEN, Server, sms  # noqa: E402

PHONES = 8
HOT = 3  # this phone answers 1 to the overall question


def setup(db):
    e.expect_rc(e.run("token", "list", db=db), 0, "create the database")
    con = sqlite3.connect(db)
    with con:
        con.execute("INSERT INTO locations(key, code, name, region, created) VALUES"
                    " ('eu/fr/lyon-14', '1234', 'Lyon', 'eu/fr/', 0)")
        con.execute("INSERT INTO surveys(id, name, is_default, hot_threshold, created)"
                    " VALUES (1, 'default', 1, 2, 0)")
        for q in ((1, "overall", "scale5", "overall", "How satisfied were you? (1-5)", "Overall"),
                  (2, "recommend", "scale10", "recommend", "Recommend us? (0-10)", "Recommend"),
                  (3, "speed", "scale5", "driver", "Speed of service? (1-5)", "Speed"),
                  (4, "comment", "text", "comment", "Anything else? (or SKIP)", "Comment")):
            con.execute("INSERT INTO survey_questions VALUES (1, ?, ?, ?, ?, ?, ?)", q)
    con.close()


def phone(srv, k, errors):
    frm = "+1555200%04d" % k
    steps = [("FEEDBACK 1234", "How satisfied"), ("1" if k == HOT else "4", "Recommend"),
             ("9", "Speed"), ("4", "Anything"), ("comment %d" % k, "Thank")]
    for i, (body, want) in enumerate(steps):
        sid = "SMc%d_%d" % (k, i)
        got = [None, None]
        go = threading.Barrier(2)

        def send(slot):
            go.wait()
            got[slot] = sms(srv, sid, frm, body)

        ts = [threading.Thread(target=send, args=(n,)) for n in (0, 1)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        (st1, m1), (st2, m2) = got
        if st1 != 200 or st2 != 200 or m1 != m2 or want not in (m1 or ""):
            errors.append("%s %r: %d %r / %d %r" % (sid, body, st1, m1, st2, m2))
            return


def run_all(tmp):
    db = os.path.join(tmp, "batch.db")
    setup(db)
    srv = Server(db, {"EARSHOT_TWILIO_AUTH_TOKEN": TW_TOKEN, "EARSHOT_PUBLIC_URL": PUBLIC})
    try:
        errors = []
        ts = [threading.Thread(target=phone, args=(srv, k, errors)) for k in range(PHONES)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        e.expect(not errors, "replies: %s" % "; ".join(errors))
    finally:
        srv.stop()
    rows = e.sql(db, "SELECT external_id, contact, overall, recommend, completed IS NOT NULL,"
                     " hot_at IS NOT NULL FROM survey_responses ORDER BY contact")
    want = [("SMc%d_0" % k, "+1555200%04d" % k, 1 if k == HOT else 4, 9, 1, int(k == HOT))
            for k in range(PHONES)]
    e.expect(rows == want, "responses: %r" % rows)
    n = e.sql(db, "SELECT count(*), count(DISTINCT response_id || ':' || position)"
                  " FROM survey_answers")[0]
    e.expect(n == (4 * PHONES, 4 * PHONES), "answers stored once each: %r" % (n,))
    texts = e.sql(db, "SELECT count(*) FROM survey_answers WHERE text LIKE 'comment %'")[0][0]
    e.expect(texts == PHONES, "comments: %d" % texts)
    n = e.sql(db, "SELECT count(*), count(DISTINCT sid) FROM survey_sms_messages")[0]
    e.expect(n == (5 * PHONES, 5 * PHONES), "messages recorded once each: %r" % (n,))
    # The only mention is the hot response's case (its alert's record).
    rows = e.sql(db, "SELECT external_id FROM mentions")
    hot = e.sql(db, "SELECT id FROM survey_responses WHERE hot_at IS NOT NULL")
    e.expect(rows == [("survey-response-%d" % hot[0][0],)], "mentions: %r" % rows)


def main():
    e.check_binary()
    with e.tempdir() as tmp:
        run_all(tmp)
    e.ok("test_sms_survey_batch")


if __name__ == "__main__":
    main()
