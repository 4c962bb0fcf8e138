#!/usr/bin/env bash
# bench/sentiment.sh - benchmark 1 of issue 2: earshot's `vader` mode (C,
# through the library, one thread) against NLTK 3.8's VADER (/usr/bin/python3,
# Debian python3-nltk) and the npm vader-sentiment package (node), all on the
# same airline texts (train + dev). Prints texts/s for each and the ratios
# earshot/NLTK and earshot/node (target: >= 100x NLTK).
#
#   bench/sentiment.sh [BUILD_DIR]     (default: build; builds bench_sentiment,
#                                       or runs $ES_BENCH_SENTIMENT when set)
#
# Each figure is the median of 5 runs of at least half a second of CPU time
# (process CPU time, not wall time: the machine is shared, and CPU time
# depends far less on the other processes). NLTK is given
# the lexicon earshot converts (a copy without the final newline, which NLTK
# 3.8 refuses); node uses the lexicon its package ships in its code.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$REPO/build}"
DATA="${ES_SHARED_DATA:-$REPO/../shared/data}/airline"
FILES=("$DATA/train.csv" "$DATA/dev.csv")
for f in "${FILES[@]}"; do
  [ -f "$f" ] || { echo "sentiment.sh: $f is missing (the shared airline data)" >&2; exit 1; }
done
LEXICON="$REPO/node_modules/vader-sentiment/vader_lexicon.txt"
[ -f "$LEXICON" ] || { echo "sentiment.sh: run scripts/setup (npm packages)" >&2; exit 1; }

BIN="${ES_BENCH_SENTIMENT:-}" # a prebuilt bench_sentiment, if given
if [ -z "$BIN" ]; then
  [ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j2 --target bench_sentiment >/dev/null
  BIN="$BUILD/bench_sentiment"
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "== earshot (vader mode, C, 1 thread)"
"$BIN" --mode vader "${FILES[@]}" | tee "$TMP/earshot"
ES=$(awk '/^texts\/s/ {print $2}' "$TMP/earshot")

echo "== NLTK 3.8 VADER (/usr/bin/python3)"
/usr/bin/python3 - "$LEXICON" "$TMP" "${FILES[@]}" <<'PY' | tee "$TMP/nltk"
import csv, os, statistics, sys, time
from nltk.sentiment.vader import SentimentIntensityAnalyzer
lexicon, tmp, files = sys.argv[1], sys.argv[2], sys.argv[3:]
copy = os.path.join(tmp, "vader_lexicon.txt")
with open(lexicon, encoding="utf-8") as f, open(copy, "w", encoding="utf-8") as g:
    g.write(f.read().rstrip("\n"))
sia = SentimentIntensityAnalyzer(lexicon_file="file:" + copy)
texts = []
for path in files:
    with open(path, newline="", encoding="utf-8") as f:
        texts += [row["text"] for row in csv.DictReader(f)]
rates = []
for run in range(5):
    done, t0 = 0, time.process_time()
    while True:
        for t in texts:
            sia.polarity_scores(t)
        done += len(texts)
        t1 = time.process_time()
        if t1 - t0 >= 0.5:
            break
    rates.append(done / (t1 - t0))
    print("run %d: %d texts in %.3f CPU s: %.0f texts/s" % (run + 1, done, t1 - t0, rates[-1]))
print("texts/s %.0f" % statistics.median(rates))
PY
NL=$(awk '/^texts\/s/ {print $2}' "$TMP/nltk")

echo "== npm vader-sentiment (node $(node --version))"
node - "$REPO/node_modules/vader-sentiment" "${FILES[@]}" <<'JS' | tee "$TMP/node"
const fs = require('fs');
const [pkg, ...files] = process.argv.slice(2);
const vader = require(pkg);
// A small CSV reader: quoted fields with "" escapes and line breaks.
function rows(text) {
  const out = []; let row = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"') { if (text[i + 1] === '"') { field += '"'; i++; } else q = false; }
      else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field.replace(/\r$/, '')); out.push(row); row = []; field = ''; }
    else field += c;
  }
  if (field.length || row.length) { row.push(field); out.push(row); }
  return out;
}
let texts = [];
for (const f of files) {
  const r = rows(fs.readFileSync(f, 'utf8'));
  const col = r[0].indexOf('text');
  texts = texts.concat(r.slice(1).filter(x => x.length > col).map(x => x[col]));
}
const rates = [];
for (let run = 0; run < 5; run++) {
  // CPU time of the process (user + system, microseconds).
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  let done = 0; const t0 = cpu(); let t1;
  do {
    for (const t of texts) vader.SentimentIntensityAnalyzer.polarity_scores(t);
    done += texts.length;
    t1 = cpu();
  } while (t1 - t0 < 0.5);
  const s = t1 - t0;
  rates.push(done / s);
  console.log(`run ${run + 1}: ${done} texts in ${s.toFixed(3)} CPU s: ${(done / s).toFixed(0)} texts/s`);
}
rates.sort((a, b) => a - b);
console.log(`texts/s ${rates[2].toFixed(0)}`);
JS
NO=$(awk '/^texts\/s/ {print $2}' "$TMP/node")

echo "== summary (texts per CPU second, median of 5)"
awk -v es="$ES" -v nl="$NL" -v no="$NO" 'BEGIN {
  printf "earshot vader  %10.0f\nNLTK VADER     %10.0f\nnode vader     %10.0f\n", es, nl, no
  printf "earshot/NLTK   %9.1fx (target >= 100x)\nearshot/node   %9.1fx\n", es / nl, es / no }'
