#!/usr/bin/env bash
# test_demo.sh - `earshot demo` end to end: the same seed gives byte-identical
# files and another seed different ones; every file ingests with no rejected
# record; the store then holds every mention once (also after a second run),
# the three brands, and the planted tarmac incident; --stream prints valid,
# deterministic Twitter v2 lines that ingest cleanly; bad options are refused.
set -uo pipefail

EARSHOT=${EARSHOT:?EARSHOT must name the earshot binary}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/earshot-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# --- generate and ingest --------------------------------------------------
"$EARSHOT" --db "$tmp/a.db" demo --seed 7 --out "$tmp/a" >"$tmp/a.out" 2>"$tmp/a.err"
status=$?
[ "$status" -eq 0 ] && ok "demo exit status 0" || { fail "demo exit status $status"; cat "$tmp/a.err"; }
for f in twitter-v2.jsonl twitter-v1.jsonl meta.jsonl reviews.csv support.mbox canonical.jsonl; do
  [ -s "$tmp/a/$f" ] || fail "$f missing or empty"
done
rejects=$(find "$tmp/a" -name '*.rejects.jsonl' -size +0 | wc -l)
[ "$rejects" -eq 0 ] && ok "no rejected records" || {
  fail "$rejects files had rejected records"; head -c 600 "$tmp"/a/*.rejects.jsonl; }

total=$(awk '$1 == "total" { print $2 }' "$tmp/a.out")
if [ -n "$total" ] && [ "$total" -ge 5000 ] && [ "$total" -le 20000 ]; then
  ok "$total mentions generated"
else
  fail "implausible total '${total}'"; cat "$tmp/a.out"
fi

stored=$("$EARSHOT" --db "$tmp/a.db" search --limit 1000000 --output json | wc -l)
[ "$stored" -eq "${total:-0}" ] && ok "store holds all $stored mentions" \
  || fail "store holds $stored mentions, generated ${total}"

# --- determinism --------------------------------------------------------------
"$EARSHOT" demo --seed 7 --out "$tmp/b" --no-ingest >/dev/null 2>&1 || fail "second run failed"
"$EARSHOT" demo --seed 8 --out "$tmp/c" --no-ingest >/dev/null 2>&1 || fail "seed 8 run failed"
same=1
for f in "$tmp"/b/*; do
  cmp -s "$tmp/a/$(basename "$f")" "$f" || { same=0; fail "$(basename "$f") differs with the same seed"; }
done
[ "$same" -eq 1 ] && ok "same seed, byte-identical files"
cmp -s "$tmp/a/twitter-v2.jsonl" "$tmp/c/twitter-v2.jsonl" && fail "another seed gave the same tweets" \
  || ok "another seed, other files"

# --- what the store shows -----------------------------------------------------
stats=$("$EARSHOT" --db "$tmp/a.db" stats --output csv)
for b in "Aerolark" "Bluejay Airways" "Northwind Air"; do
  grep -q ",$b," <<<"$stats" && ok "stats show $b" || fail "stats lack $b"
done
tarmac=$("$EARSHOT" --db "$tmp/a.db" search tarmac --brand Aerolark --limit 1000 --output json | wc -l)
[ "$tarmac" -ge 50 ] && ok "search finds the tarmac incident ($tarmac)" || fail "tarmac: $tarmac results"
neg=$("$EARSHOT" --db "$tmp/a.db" search tarmac --sentiment negative --limit 1000 --output json | wc -l)
[ "$neg" -ge $((tarmac / 2)) ] && ok "the incident reads negative ($neg)" || fail "tarmac negative: $neg"
food=$("$EARSHOT" --db "$tmp/a.db" search "food poisoning" --limit 100 --output json | wc -l)
[ "$food" -ge 5 ] && ok "search finds the safety incident ($food)" || fail "food poisoning: $food"

# The survey part: locations, responses and the truth file.
[ -s "$tmp/a/survey_truth.json" ] && ok "survey_truth.json written" || fail "no survey_truth.json"
surveyed=$("$EARSHOT" --db "$tmp/a.db" scores --output csv | grep -c '^location,.*,overall,')
[ "$surveyed" -eq 40 ] && ok "40 locations have survey scores" || fail "$surveyed locations scored"
responses=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM survey_responses").fetchone()[0])' "$tmp/a.db" 2>/dev/null || echo 0)

# Running the demo again on the same store adds nothing twice.
"$EARSHOT" --db "$tmp/a.db" demo --seed 7 --out "$tmp/a" --no-hints >/dev/null 2>&1 \
  || fail "demo on an existing store failed"
again_r=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM survey_responses").fetchone()[0])' "$tmp/a.db" 2>/dev/null || echo -1)
[ "$again_r" -eq "$responses" ] && [ "$responses" -gt 10000 ] \
  && ok "survey responses added once ($responses)" || fail "responses $responses then $again_r"
again=$("$EARSHOT" --db "$tmp/a.db" search --limit 1000000 --output json | wc -l)
[ "$again" -eq "$stored" ] && ok "second run stores nothing twice" || fail "$again after rerun, was $stored"
queries=$("$EARSHOT" --db "$tmp/a.db" query list --output csv | grep -c aerolark)
[ "$queries" -ge 3 ] && [ "$queries" -le 6 ] && ok "queries added once" || fail "$queries aerolark queries"

# --- stream mode --------------------------------------------------------------
"$EARSHOT" demo --stream twitter-v2 --count 500 --seed 3 >"$tmp/s1.jsonl" || fail "stream failed"
"$EARSHOT" demo --stream twitter-v2 --count 500 --seed 3 >"$tmp/s2.jsonl"
cmp -s "$tmp/s1.jsonl" "$tmp/s2.jsonl" && ok "stream is deterministic" || fail "stream differs"
/usr/bin/python3 - "$tmp/s1.jsonl" <<'PY' && ok "stream lines are v2 tweet objects" || fail "stream lines invalid"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == 500, len(lines)
ids = set()
for line in lines:
    o = json.loads(line)
    t = o["data"]
    assert t["text"] and t["author_id"] and t["created_at"].endswith("Z")
    assert any(u["id"] == t["author_id"] for u in o["includes"]["users"])
    ids.add(t["id"])
assert len(ids) == 500
size = sum(len(l) for l in lines) / len(lines)
assert 700 <= size <= 3000, size
PY
"$EARSHOT" --db "$tmp/s.db" ingest --quiet --format twitter-v2 - <"$tmp/s1.jsonl" \
  && ok "stream ingests with no rejects" || fail "stream ingest status $?"

# --- usage errors ---------------------------------------------------------------
"$EARSHOT" demo --days 0 --out "$tmp/x" --no-ingest >/dev/null 2>&1
[ $? -eq 1 ] && ok "--days 0 refused" || fail "--days 0 accepted"
"$EARSHOT" demo --stream csv --count 3 >/dev/null 2>&1
[ $? -eq 1 ] && ok "unknown stream format refused" || fail "--stream csv accepted"
"$EARSHOT" demo --bogus >/dev/null 2>&1
[ $? -eq 1 ] && ok "unknown option refused" || fail "--bogus accepted"

if [ "$fails" -ne 0 ]; then
  echo "test_demo: $fails failures"
  exit 1
fi
echo "test_demo: all passed"
