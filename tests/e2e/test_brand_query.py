"""Brands and listening queries: add and list; a duplicate brand and a
malformed query are refused (the query with its column); `query test`
shows what matched; stored queries and brand hints reach ingest and
analyze."""
import json
import os

import e2elib as e


def main():
    e.check_binary()
    with e.tempdir() as d:
        db = os.path.join(d, "b.db")
        e.expect_rc(e.run("brand", "add", "Acme Air", db=db), 0, "brand add")
        e.expect_rc(e.run("brand", "add", "Rival", "--competitor", db=db), 0, "competitor add")
        r = e.run("brand", "add", "ACME AIR", db=db)
        e.expect_rc(r, 2, "duplicate brand (any case)")
        e.expect("exists" in r.err, "says it exists", r)
        r = e.run("brand", "list", "--output", "json", db=db)
        brands = [json.loads(x) for x in r.out.splitlines()]
        e.expect([(b["name"], b["kind"]) for b in brands] == [("Acme Air", "ours"), ("Rival", "competitor")],
                 "brand list", r)
        e.expect_rc(e.run("brand", "remove", "x", db=db), 1, "unknown subcommand")
        # Queries
        r = e.run("query", "add", "--brand", "Acme Air", "--name", "bags",
                  '(bag OR luggage OR suitcase) AND (lost OR missing)', db=db)
        e.expect_rc(r, 0, "query add")
        r = e.run("query", "add", "--brand", "Acme Air", "acme AND (late OR", db=db)
        e.expect_rc(r, 2, "malformed query refused")
        e.expect("column" in r.err and "^" in r.err, "the column is shown", r)
        r = e.run("query", "add", "--brand", "Nobody", "bag", db=db)
        e.expect_rc(r, 2, "query for an unknown brand")
        r = e.run("query", "list", "--output", "json", db=db)
        qs = [json.loads(x) for x in r.out.splitlines()]
        e.expect(len(qs) == 1 and qs[0]["brand"] == "Acme Air" and qs[0]["name"] == "bags", "query list", r)
        qid = qs[0]["id"]
        # query test
        r = e.run("query", "test", "--output", "json", "lost AND bag*", "I lost my baggage in Rome")
        e.expect_rc(r, 0, "query test")
        row = json.loads(r.out)
        e.expect(row["matched"] is True and any(h.startswith("lost@") for h in row["hits"]), "hits", r)
        r = e.run("query", "test", "--output", "json", "lost AND bag*", "all good here")
        e.expect(json.loads(r.out)["matched"] is False, "no match", r)
        texts = os.path.join(d, "texts.txt")
        with open(texts, "w") as f:
            f.write("my bag is lost\nlovely flight\nLOST BAGS again\n")
        r = e.run("query", "test", "--file", texts, "--output", "json", "lost AND bag*")
        e.expect([json.loads(x)["matched"] for x in r.out.splitlines()] == [True, False, True], "--file", r)
        r = e.run("query", "test", "lost AND (", "x")
        e.expect_rc(r, 2, "query test of a malformed query")
        e.expect("column" in r.err, "column shown", r)
        # Stored queries and brand hints reach the pipeline.
        src = os.path.join(d, "m.jsonl")
        with open(src, "w") as f:
            f.write(json.dumps({"id": "q1", "source": "web", "text": "My suitcase is missing since Monday"}) + "\n")
            f.write(json.dumps({"id": "q2", "source": "web", "text": "Nice seats", "brand_hint": "rival"}) + "\n")
        r = e.run("analyze", src, db=db)
        e.expect_rc(r, 0, "analyze with queries")
        rows = [json.loads(x) for x in r.out.splitlines()]
        e.expect(rows[0]["queries"] == [qid] and rows[0]["brands"] == ["Acme Air"], "query matched", r)
        e.expect(rows[1]["queries"] == [] and rows[1]["brands"] == ["Rival"], "brand hint, any case", r)
        e.expect_rc(e.run("ingest", src, db=db), 0, "ingest with queries")
        r = e.run("search", "--brand", "Acme Air", "--output", "json", db=db)
        e.expect([json.loads(x)["external_id"] for x in r.out.splitlines()] == ["q1"], "stored brand", r)
    e.ok("brand_query")


main()
