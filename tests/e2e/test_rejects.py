"""Bad records never vanish and never spoil their neighbours: bad JSON,
invalid UTF-8, a missing text, an oversized field and UTF-8 truncated at the
end of a line each go to the reject file with their line and reason; every
good record is stored; the exit status is 3. The same through analyze."""
import json
import os

import e2elib as e


def good(i):
    return json.dumps({"id": "g%d" % i, "source": "web", "text": "good record %d" % i}).encode()


BAD = {
    2: b'{"id":"b1","source":"web","text":"no closing brace"',
    4: b'{"id":"b2","source":"web","text":"bad \xff\xfe bytes"}',
    6: json.dumps({"id": "b3", "source": "web"}).encode(),
    8: json.dumps({"id": "b4", "source": "web", "text": "x", "author": "a" * 5000}).encode(),
    10: b'{"id":"b5","source":"web","text":"cut in the middle \xe2\x82',
}


def write_input(path):
    lines = []
    for n in range(1, 13):
        lines.append(BAD.get(n, good(n)))
    with open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    return [n for n in range(1, 13) if n not in BAD]


def check_rejects(path):
    with open(path, "rb") as f:
        rows = [json.loads(line) for line in f.read().decode("utf-8").splitlines()]
    e.expect([r["line"] for r in rows] == sorted(BAD), "reject lines: %r" % [r["line"] for r in rows])
    for r in rows:
        e.expect(set(r) == {"line", "reason", "record"}, "reject keys: %r" % r)
        e.expect(r["reason"], "a reason for line %d" % r["line"])
    reasons = {r["line"]: r["reason"].lower() for r in rows}
    e.expect("utf-8" in reasons[4] and "utf-8" in reasons[10], "UTF-8 reasons: %r" % reasons)
    e.expect("text" in reasons[6], "missing text reason: %r" % reasons[6])
    e.expect("author" in reasons[8], "oversized field reason: %r" % reasons[8])
    e.expect("json" in reasons[2], "bad JSON reason: %r" % reasons[2])
    e.expect(rows[0]["record"].startswith('{"id":"b1"'), "the raw record is kept")


def main():
    e.check_binary()
    with e.tempdir() as d:
        src = os.path.join(d, "mixed.jsonl")
        good_lines = write_input(src)
        db = os.path.join(d, "r.db")
        r = e.run("ingest", src, db=db)
        e.expect_rc(r, 3, "ingest with bad records")
        e.expect("5 rejected" in r.err, "summary counts rejects", r)
        ids = sorted(x[0] for x in e.sql(db, "SELECT external_id FROM mentions"))
        e.expect(ids == sorted("g%d" % n for n in good_lines), "good records stored: %r" % ids)
        check_rejects(src + ".rejects.jsonl")
        # --reject elsewhere, and analyze: the same rejects, results for the rest.
        rej = os.path.join(d, "elsewhere.jsonl")
        r = e.run("analyze", "--reject", rej, src, db=db)
        e.expect_rc(r, 3, "analyze with bad records")
        out = [json.loads(line) for line in r.out.splitlines()]
        e.expect([o["id"] for o in out] == ["g%d" % n for n in good_lines], "analyze keeps order", r)
        check_rejects(rej)
        # stdin: rejects go to ./stdin.rejects.jsonl
        with open(src, "rb") as f:
            r = e.run("ingest", "-", db=db, stdin=f.read(), cwd=d)
        e.expect_rc(r, 3, "ingest from stdin")
        check_rejects(os.path.join(d, "stdin.rejects.jsonl"))
        # A clean file: exit 0 and no reject file.
        clean = os.path.join(d, "clean.jsonl")
        with open(clean, "wb") as f:
            f.write(good(100) + b"\n")
        r = e.run("ingest", clean, db=db)
        e.expect_rc(r, 0, "clean ingest")
        e.expect(not os.path.exists(clean + ".rejects.jsonl"), "no reject file when nothing was rejected")
    e.ok("rejects")


main()
