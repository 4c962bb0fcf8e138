-- bench/wrk/ingest.lua - wrk script for bench/ingest_http.sh: every request
-- POSTs one new canonical mention (a unique id per thread and request) to
-- /hooks/ingest with the API token from the environment (EARSHOT_TOKEN).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  token = os.getenv("EARSHOT_TOKEN") or ""
  texts = {
    "@airline my flight was delayed three hours and nobody told us anything",
    "thanks for the quick help with my booking, great crew today",
    "lost my bag again, this is the second time, I want a refund",
    "is there wifi on the morning flight to Denver?",
    "the app crashed during check-in and now my seat is gone",
  }
end

function request()
  n = n + 1
  local body = string.format(
    '{"source":"web","id":"w%d-%d","author":"@c%d","text":"%s"}',
    tid, n, n % 5000, texts[(n % #texts) + 1])
  return wrk.format("POST", "/hooks/ingest",
                    {["Content-Type"] = "application/x-ndjson",
                     ["Authorization"] = "Bearer " .. token}, body)
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format(
    "ingest_http: %d requests, %.0f requests/s, p50 %.2f ms, p99 %.2f ms, non-2xx %d, socket errors %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
