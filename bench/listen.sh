#!/usr/bin/env bash
# bench/listen.sh - benchmark 2 of issue 2: listening queries (L2). Builds
# bench_listen (Release) and runs it with 1,000 and 10,000 generated queries
# over the airline texts (train + dev), one thread. Prints compile time and
# memory, then mentions/s per core and matches/s for each size (median of 5
# runs). Target: >= 500,000 mentions/s per core with 1,000 queries.
#
#   bench/listen.sh [BUILD_DIR]     (default: build-bench; or $ES_BENCH_LISTEN,
#                                    a prebuilt bench_listen)
#
# Without the shared data it matches a generated corpus and says so.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$REPO/build-bench}"
DATA="${ES_SHARED_DATA:-$REPO/../shared/data}/airline"
FILES=()
for f in "$DATA/train.csv" "$DATA/dev.csv"; do
  [ -f "$f" ] && FILES+=("$f")
done
[ ${#FILES[@]} -gt 0 ] || echo "listen.sh: no airline data in $DATA: using a generated corpus" >&2

BIN="${ES_BENCH_LISTEN:-}"
if [ -z "$BIN" ]; then
  [ -f "$BUILD/CMakeCache.txt" ] || cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j2 --target bench_listen >/dev/null
  BIN="$BUILD/bench_listen"
fi
"$BIN" --runs 5 --sizes 1000,10000 "${FILES[@]}"
