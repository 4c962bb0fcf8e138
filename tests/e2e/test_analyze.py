"""earshot analyze: one result per mention in input order, with exactly the
documented keys; compound with at most 4 decimals; CSV and table forms;
--mode vader gives the same compound as `earshot score --mode vader`; a
near-duplicate within the input is marked; nothing is stored."""
import csv
import io
import json
import os
import re

import e2elib as e

KEYS = ["source", "id", "sentiment", "compound", "pos", "neu", "neg", "intent", "brands",
        "queries", "cues", "flags", "duplicate_of", "rules"]


def main():
    e.check_binary()
    with e.tempdir() as d:
        db = os.path.join(d, "never-created.db")
        r = e.run("analyze", e.data("twitter_v2.jsonl"), db=db)
        e.expect_rc(r, 0, "analyze jsonl")
        e.expect(not os.path.exists(db), "analyze does not create the store")
        rows = [json.loads(line) for line in r.out.splitlines()]
        e.expect([x["id"] for x in rows] == ["1760000000000000001", "1760000000000000002",
                                             "1760000000000000003"], "input order", r)
        for line, row in zip(r.out.splitlines(), rows):
            e.expect(list(row) == KEYS, "keys in order: %r" % list(row))
            e.expect(row["sentiment"] in ("negative", "neutral", "positive"), "a label")
            e.expect(re.search(r'"compound":-?\d+(\.\d{1,4})?,', line), "4 decimals: %s" % line)
            for k in ("brands", "queries", "cues", "flags"):
                e.expect(isinstance(row[k], list), "%s is an array" % k)
            e.expect(isinstance(row["rules"], str), "rules is a string")
            e.expect(abs(row["pos"] + row["neu"] + row["neg"] - 1) < 0.002 or
                     row["pos"] + row["neu"] + row["neg"] == 0, "pos+neu+neg = 1")
        # CSV: a header and one row per mention; quoted line break kept.
        r = e.run("analyze", "--output", "csv", "--map", "id=ref,text=message",
                  e.data("mentions.csv"), db=db)
        e.expect_rc(r, 0, "analyze csv")
        table = list(csv.reader(io.StringIO(r.out)))
        e.expect(table[0] == KEYS, "CSV header: %r" % table[0])
        e.expect([t[1] for t in table[1:]] == ["r1", "r2", "r3"], "CSV rows", r)
        r = e.run("analyze", "--output", "table", e.data("canonical.jsonl"), db=db)
        e.expect_rc(r, 0, "analyze table")
        e.expect(r.out.splitlines()[0].split()[:3] == ["source", "id", "sentiment"], "table header", r)
        e.expect(len(r.out.splitlines()) == 4, "table rows", r)
        # --mode vader agrees with `earshot score --mode vader`.
        text = "The flight was delayed AGAIN!!! thanks for nothing"
        src = os.path.join(d, "one.jsonl")
        with open(src, "w") as f:
            f.write(json.dumps({"id": "x1", "source": "web", "text": text}) + "\n")
        for mode in ("vader", "care"):
            a = e.run("analyze", "--mode", mode, src, db=db)
            s = e.run("score", "--mode", mode, "--output", "json", text)
            e.expect_rc(a, 0, "analyze --mode %s" % mode)
            e.expect_rc(s, 0, "score --mode %s" % mode)
            e.expect(json.loads(a.out)["compound"] == json.loads(s.out)["compound"],
                     "analyze and score agree in %s mode" % mode, a)
        e.expect_rc(e.run("analyze", "--mode", "nltk", src), 1, "unknown mode")
        # Near-duplicates inside the input are marked, not dropped.
        dup = os.path.join(d, "dup.jsonl")
        with open(dup, "w") as f:
            t = "My suitcase never arrived in Boston and nobody answers the phone at all"
            f.write(json.dumps({"id": "d1", "source": "twitter", "text": t}) + "\n")
            f.write(json.dumps({"id": "d2", "source": "twitter", "text": "RT @someone: " + t}) + "\n")
        r = e.run("analyze", dup, db=db)
        e.expect_rc(r, 0, "analyze duplicates")
        rows = [json.loads(line) for line in r.out.splitlines()]
        e.expect(len(rows) == 2 and rows[0]["duplicate_of"] is None, "two results", r)
        e.expect(rows[1]["duplicate_of"] == "twitter/d1", "d2 marked a duplicate of d1", r)
        e.expect("duplicate" in rows[1]["flags"], "duplicate flag", r)
        # Input order holds whatever the threads and batches.
        many = os.path.join(d, "many.jsonl")
        with open(many, "w") as f:
            for i in range(3000):
                f.write(json.dumps({"id": "m%d" % i, "source": "web",
                                    "text": "message number %d about delay %d" % (i, i * 7)}) + "\n")
        for threads, batch in (("1", "2048"), ("3", "7"), ("2", "1")):
            r = e.run("analyze", "--threads", threads, "--batch", batch, many, db=db)
            e.expect_rc(r, 0, "analyze --threads %s --batch %s" % (threads, batch))
            got = [json.loads(x)["id"] for x in r.out.splitlines()]
            e.expect(got == ["m%d" % i for i in range(3000)], "order with %s threads" % threads)
    e.ok("analyze")


main()
