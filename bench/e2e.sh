#!/usr/bin/env bash
# bench/e2e.sh - benchmark 3 of issue 2: Twitter v2 JSON Lines -> `earshot
# ingest` (decoded, scored, classified, matched, near-duplicates checked) ->
# committed to a fresh SQLite store with FTS5. Prints mentions/s (wall clock
# of the whole process, start-up included), peak RSS (/usr/bin/time -v) and
# the CPU time per mention (user + sys: steadier than the wall clock on a
# shared machine) for each size. Targets: >= 30,000 mentions/s; peak RSS
# <= 200 MB at 1 M.
#
# usage: bench/e2e.sh [COUNT...]        (default: 200000 1000000)
# env:   EARSHOT=path/to/earshot (default build/earshot), THREADS=N (default 2),
#        QUERIES=N listening queries to load first (default 50), KEEP=1 keeps
#        the work directory.
# The input comes from `earshot demo --stream twitter-v2 --count N`; it is written to a
# file first so that generating it is not part of the measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
EARSHOT=${EARSHOT:-build/earshot}
THREADS=${THREADS:-2}
QUERIES=${QUERIES:-50}
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(200000 1000000)
[ -x "$EARSHOT" ] || { echo "e2e: no binary at $EARSHOT (make build)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "e2e: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d /tmp/earshot-bench-e2e.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

generate() { # generate N FILE
    "$EARSHOT" demo --stream twitter-v2 --count "$1" --seed 7 >"$2"
    echo "demo --stream twitter-v2"
}

setup_db() { # a fresh store with brands and QUERIES listening queries
    rm -f "$1" "$1"-wal "$1"-shm
    "$EARSHOT" --db "$1" --quiet brand add AcmeAir
    "$EARSHOT" --db "$1" --quiet brand add SkyRival --competitor
    local words=(delay delayed lost bag luggage refund cancel cancelled crew seat gate
                 hold phone app crash broken damaged hotel voucher lounge food staff)
    for ((i = 0; i < QUERIES; i++)); do
        local a=${words[$((i % ${#words[@]}))]} b=${words[$(((i * 7 + 3) % ${#words[@]}))]}
        "$EARSHOT" --db "$1" --quiet query add --brand AcmeAir "acmeair AND ($a OR $b*) NOT giveaway"
    done
}

echo "earshot e2e benchmark: $(nproc) cores, threads=$THREADS, queries=$QUERIES, $(date -u +%FT%TZ)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "${counts[@]}"; do
    in="$work/v2-$n.jsonl"
    src=$(generate "$n" "$in")
    db="$work/e2e-$n.db"
    setup_db "$db"
    /usr/bin/time -v "$EARSHOT" --db "$db" --quiet ingest --threads "$THREADS" "$in" 2>"$work/time-$n.txt" \
        || { cat "$work/time-$n.txt" >&2; exit 1; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time-$n.txt")
    secs=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$n.txt")
    cpu=$(awk -F': ' '/Percent of CPU/ {print $2}' "$work/time-$n.txt")
    usr=$(awk -F': ' '/User time/ {print $2}' "$work/time-$n.txt")
    sys=$(awk -F': ' '/System time/ {print $2}' "$work/time-$n.txt")
    stored=$(sqlite3 "$db" 'SELECT count(*) FROM mentions')
    size=$(du -m "$in" | cut -f1)
    awk -v n="$n" -v s="$secs" -v r="$rss" -v st="$stored" -v c="$cpu" -v mb="$size" -v g="$src" -v u="$usr" -v y="$sys" 'BEGIN {
        printf "e2e %8d mentions (%d MB, from %s): %6.2f s, %7.0f mentions/s, peak RSS %4.0f MB\n",
               n, mb, g, s, n / s, r / 1024
        printf "    CPU %s (user %.2f s + sys %.2f s: %.0f mentions per CPU-second, %.1f us of CPU each), stored %d\n",
               c, u, y, n / (u + y), (u + y) * 1e6 / n, st }'
    [ "$stored" = "$n" ] || { echo "e2e: stored $stored of $n" >&2; exit 1; }
    rm -f "$in"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
