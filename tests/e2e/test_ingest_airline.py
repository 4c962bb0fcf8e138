"""Ingests the airline train split with the issue's exact --map: every one of
its 10,103 unique tweet ids is stored once, and a second ingest stores nothing
new. Skips when ../shared/data is absent."""
import os

import e2elib as e

MAP = "id=tweet_id,text=text,author=name,created_at=tweet_created,brand_hint=airline"


def main():
    e.check_binary()
    train = os.path.join(e.SHARED, "airline", "train.csv")
    if not os.path.exists(train):
        print("SKIP: %s is absent" % train)
        return
    with e.tempdir() as d:
        db = os.path.join(d, "air.db")
        rejects = os.path.join(d, "rejects.jsonl")
        r = e.run("ingest", "--map", MAP, "--reject", rejects, train, db=db)
        e.expect_rc(r, 0, "first ingest")
        e.expect(not os.path.exists(rejects), "no record of train.csv may be rejected", r)
        e.expect("read 10209 records" in r.err, "summary gives the rows read", r)
        e.expect("10103 new" in r.err and "106 already stored" in r.err,
                 "summary gives new and already stored", r)
        e.expect(e.mention_count(db) == 10103, "10,103 unique ids stored, got %d" % e.mention_count(db))
        distinct = e.sql(db, "SELECT count(DISTINCT external_id) FROM mentions")[0][0]
        e.expect(distinct == 10103, "each id once")
        # Dates of the form "2015-02-24 11:35:52 -0800" were read, in UTC.
        row = e.sql(db, "SELECT created_at FROM mentions WHERE external_id = '570306133677760513'")
        e.expect(row and row[0][0] == 1424806552, "created_at of the first tweet: %r" % row)
        # HTML entities decoded, line breaks inside quoted fields kept.
        amp = e.sql(db, "SELECT count(*) FROM mentions WHERE text LIKE '%&amp;%'")[0][0]
        e.expect(amp == 0, "&amp; decoded")
        again = e.run("ingest", "--map", MAP, "--reject", rejects, train, db=db)
        e.expect_rc(again, 0, "second ingest")
        e.expect("(0 new, 10209 already stored)" in again.err, "nothing new the second time", again)
        e.expect(e.mention_count(db) == 10103, "still 10,103 after the second ingest")
        q = e.run("--quiet", "ingest", "--map", MAP, train, db=db, cwd=d)
        e.expect_rc(q, 0, "quiet ingest")
        e.expect(q.err == "", "--quiet prints nothing on stderr", q)
    e.ok("ingest_airline")


main()
