#!/usr/bin/env bash
# bench/ingest_http.sh - the service's webhook ingest over real HTTP (issue 3,
# benchmark 1): `earshot serve` on 127.0.0.1 with a fresh SQLite store
# (synchronous=FULL: every answer 202 means durably stored), driven by wrk
# with keep-alive connections, each request one new mention authenticated by
# an API token. Prints requests/s and p50/p99 latency, then checks that the
# store holds exactly the mentions acknowledged.
#   usage: bench/ingest_http.sh [SECONDS] [CONNECTIONS]   (default 20 64)
#   env: EARSHOT (the binary; default build-bench/earshot)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
conns=${2:-64}
bin=${EARSHOT:-build-bench/earshot}
command -v wrk >/dev/null || { echo "ingest_http: wrk is missing (scripts/setup installs it)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
db="$dir/bench.db"
export EARSHOT_TOKEN
EARSHOT_TOKEN=$("$bin" --db "$db" token create --name bench --role agent 2>/dev/null \
                || "$bin" --db "$db" token create --name bench)
EARSHOT_TOKEN=$(printf '%s\n' "$EARSHOT_TOKEN" | tail -1 | awk '{print $NF}')
"$bin" --db "$db" serve --listen 127.0.0.1:0 > "$dir/serve.out" 2> "$dir/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$dir/serve.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^earshot: listening on //p' "$dir/serve.out")
[ -n "$url" ] || { cat "$dir/serve.err" >&2; exit 1; }
echo "ingest_http: $conns connections, 2 wrk threads, ${secs} s, $(nproc) cores, $url"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/wrk/ingest.lua "$url" | tee "$dir/wrk.out" \
  | grep -E "ingest_http:|Latency|Requests/sec"
kill -TERM "$pid"
wait "$pid" || true
stored=$(sqlite3 "$db" "SELECT count(*) FROM mentions")
sent=$(sed -n 's/^ingest_http: \([0-9]*\) requests.*/\1/p' "$dir/wrk.out")
echo "ingest_http: stored $stored mentions for $sent completed requests (requests cut short by the end of the run may add a few)"
