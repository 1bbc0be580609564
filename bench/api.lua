-- wrk script of bench/api.py: one kind of request, described by the environment.
--   BENCH_METHOD   GET or POST
--   BENCH_HEADERS  header lines, "Name: value" separated by newlines (the session cookie, the token, the type)
--   BENCH_BODY     the body of a POST
--   BENCH_UNIQUE   what makes each POST new: "header:Idempotency-Key" sends a key of its own per request,
--                  "form:submission" appends a submission token of its own to the form's body; empty: nothing
-- done() prints one line bench/api.py reads: requests, seconds, latency percentiles in microseconds, errors.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local unique = os.getenv("BENCH_UNIQUE") or ""
local headers = {}
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name then headers[name] = value end
end
local kind, name = string.match(unique, "^(%a+):(.+)$")
local prefix
local counter = 0

function init(args)
  -- A prefix per wrk thread: the table's address differs between threads, the time between runs.
  prefix = string.format("wrk%s%d", string.gsub(tostring({}), "[^%x]", ""), os.time())
end

function request()
  counter = counter + 1
  local token = prefix .. "-" .. counter
  if kind == "header" then
    headers[name] = token
    return wrk.format(method, nil, headers, body)
  elseif kind == "form" then
    return wrk.format(method, nil, headers, body .. "&" .. name .. "=" .. token)
  end
  return wrk.format(method, nil, headers, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("BENCH requests=%d seconds=%.3f p50=%d p95=%d p99=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
