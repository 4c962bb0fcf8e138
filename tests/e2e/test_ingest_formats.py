"""Ingests a small file of every input format (tests/data/e2e/): canonical
JSON Lines, Twitter v2 (one tweet and the paged form), Twitter v1.1, Meta
webhooks, CSV with a mapping, an email and an mbox. Checks what was stored,
from stdin too, and that an explicit --format is honoured."""
import os

import e2elib as e

# file, extra arguments, the (source, external id) pairs it must give
CASES = [
    ("canonical.jsonl", [], [("web", "can-1"), ("review", "can-2"), ("sms", "can-3")]),
    ("twitter_v2.jsonl", [], [("twitter", "1760000000000000001"),
                              ("twitter", "1760000000000000002"),
                              ("twitter", "1760000000000000003")]),
    ("twitter_v1.jsonl", ["--format", "twitter-v1"], [("twitter", "1500000000000000001"),
                                                      ("twitter", "1500000000000000002")]),
    ("meta.jsonl", [], [("facebook", "9001_111"), ("facebook", "m_abc123")]),
    ("mentions.csv", ["--source", "review", "--map",
                      "id=ref,text=message,author=who,created_at=when,brand_hint=company"],
     [("review", "r1"), ("review", "r2"), ("review", "r3")]),
    ("message.eml", [], [("email", "msg-1@example.com")]),
    ("inbox.mbox", [], [("email", "mbox-1@example.com"), ("email", "mbox-2@example.com")]),
]


def stored(db):
    return set(e.sql(db, "SELECT source, external_id FROM mentions"))


def main():
    e.check_binary()
    with e.tempdir() as d:
        db = os.path.join(d, "f.db")
        expected = set()
        for name, extra, pairs in CASES:
            r = e.run("ingest", *extra, e.data(name), db=db)
            e.expect_rc(r, 0, "ingest %s" % name)
            expected |= set(pairs)
            got = stored(db)
            e.expect(expected == got, "%s: stored %r, expected %r" % (name, got, expected), r)
        # Texts are decoded: HTML entities, the full text of a v1.1 extended tweet,
        # a line break inside a quoted CSV field, the email subject and body.
        texts = dict(e.sql(db, "SELECT external_id, text FROM mentions"))
        e.expect(texts["1760000000000000001"].startswith("@AcmeAir lost my bag again, 2 hours on hold & no"),
                 "v2 text decoded: %r" % texts["1760000000000000001"])
        e.expect("Terrible service" in texts["1500000000000000001"], "v1.1 extended full_text")
        e.expect("Two lines:\nthe app crashed again" == texts["r2"], "CSV quoted line break: %r" % texts["r2"])
        e.expect("arrived damaged" in texts["msg-1@example.com"], "email body")
        authors = dict(e.sql(db, "SELECT external_id, author FROM mentions"))
        e.expect(authors["1760000000000000002"] == "sam_flies", "v2 author from includes.users")
        # stdin, with the format given explicitly.
        db2 = os.path.join(d, "stdin.db")
        with open(e.data("twitter_v2.jsonl"), "rb") as f:
            r = e.run("ingest", "--format", "twitter-v2", "-", db=db2, stdin=f.read(), cwd=d)
        e.expect_rc(r, 0, "ingest from stdin")
        e.expect(e.mention_count(db2) == 3, "3 mentions from stdin")
        # A usage error: an unknown format.
        r = e.run("ingest", "--format", "yaml", e.data("canonical.jsonl"), db=db2)
        e.expect_rc(r, 1, "unknown format")
        r = e.run("ingest", os.path.join(d, "no-such-file.jsonl"), db=db2)
        e.expect_rc(r, 2, "missing input file")
    e.ok("ingest_formats")


main()
