"""earshot search and stats over a real store: full text, every filter
(brand, sentiment, intent, source, since/until, limit), the three output
forms, and per-brand per-day volume, sentiment and share of voice."""
import csv
import io
import json
import os

import e2elib as e

MAP = "id=ref,text=message,author=who,created_at=when,brand_hint=company"


def ids(res):
    return [json.loads(line)["external_id"] for line in res.out.splitlines()]


def main():
    e.check_binary()
    with e.tempdir() as d:
        db = os.path.join(d, "s.db")
        for args in (["brand", "add", "Acme"], ["brand", "add", "Rival", "--competitor"],
                     ["ingest", e.data("canonical.jsonl")], ["ingest", "--map", MAP, e.data("mentions.csv")],
                     ["ingest", e.data("twitter_v2.jsonl")]):
            e.expect_rc(e.run(*args, db=db), 0, " ".join(args))
        r = e.run("search", "--output", "json", db=db)
        e.expect_rc(r, 0, "search all")
        e.expect(len(ids(r)) == 9, "9 mentions", r)
        first = json.loads(r.out.splitlines()[0])
        e.expect(first["external_id"] == "r3", "newest first", r)
        e.expect(set(first) >= {"id", "created_at", "source", "external_id", "sentiment",
                                "compound", "intent", "brands", "text"}, "search keys", r)
        r = e.run("search", "refund", "--output", "json", db=db)
        e.expect(ids(r) == ["can-1"], "full text 'refund'", r)
        r = e.run("search", "lost bag", "--output", "json", db=db)
        e.expect(ids(r) == ["1760000000000000001"], "every word must occur", r)
        r = e.run("search", "--brand", "Acme", "--output", "json", db=db)
        e.expect(sorted(ids(r)) == ["can-1", "r1", "r2"], "brand filter (from brand_hint)", r)
        r = e.run("search", "--source", "twitter", "--output", "json", db=db)
        e.expect(len(ids(r)) == 3, "source filter", r)
        r = e.run("search", "--sentiment", "negative", "--output", "json", db=db)
        e.expect(all(json.loads(x)["sentiment"] == "negative" for x in r.out.splitlines())
                 and len(ids(r)) >= 1, "sentiment filter", r)
        r = e.run("search", "--intent", "other", "--limit", "2", "--output", "json", db=db)
        e.expect_rc(r, 0, "intent filter")
        e.expect(len(ids(r)) <= 2, "limit", r)
        r = e.run("search", "--since", "2024-03-07", "--output", "json", db=db)
        e.expect(sorted(ids(r)) == ["r1", "r2", "r3"], "since a day", r)
        r = e.run("search", "--until", "2024-03-05", "--output", "json", db=db)
        e.expect(len(ids(r)) == 5, "until includes that day", r)
        r = e.run("search", "--since", "2024-03-06T00:00:00Z", "--until", "2024-03-06", "--output", "json", db=db)
        e.expect(ids(r) == ["can-3"], "a time stamp and a day", r)
        r = e.run("search", "--output", "csv", "--brand", "Acme", db=db)
        rows = list(csv.reader(io.StringIO(r.out)))
        e.expect(rows[0][0] == "id" and len(rows) == 4, "CSV with a header", r)
        e.expect(any(row[-1] == "Two lines:\nthe app crashed again" for row in rows), "CSV quoting", r)
        r = e.run("search", "refund", db=db)
        e.expect(r.out.splitlines()[0].startswith("id ") and "can-1" in r.out, "table", r)
        e.expect_rc(e.run("search", "--sentiment", "angry", db=db), 1, "bad sentiment")
        e.expect_rc(e.run("search", "--since", "yesterday-ish", db=db), 1, "bad date")
        # stats
        r = e.run("stats", "--output", "json", db=db)
        e.expect_rc(r, 0, "stats")
        rows = [json.loads(x) for x in r.out.splitlines()]
        day7 = {x["brand"]: x for x in rows if x["day"] == "2024-03-07"}
        e.expect(day7["Acme"]["mentions"] == 2 and day7["Rival"]["mentions"] == 1, "volume", r)
        e.expect(abs(day7["Acme"]["share"] - 0.6667) < 1e-9, "share of voice", r)
        e.expect(day7["Rival"]["kind"] == "competitor", "competitor", r)
        r = e.run("stats", "--since", "2024-03-06", "--output", "csv", db=db)
        rows = list(csv.reader(io.StringIO(r.out)))
        e.expect(rows[0][:2] == ["day", "brand"] and len(rows) == 3, "stats since", r)
        e.expect_rc(e.run("stats", "--brand", "Acme", db=db), 1, "stats refuses search filters")
    e.ok("search_stats")


main()
