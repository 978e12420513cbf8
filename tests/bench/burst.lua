-- wrk: one burst target, chosen by BURST (get | event | approval), with the
-- answers counted by status so that 502s show apart from other non-2xx.
--   get       GET /api/v1/approvals/$APPROVAL_ID (bearer)
--   event     POST /api/v1/events, one new event per request
--   approval  POST /api/v1/approvals, one tier 2 request per request
-- done() prints one line for tests/bench/run:
--   burst: rps mean_ms p50_ms p99_ms max_ms errors timeouts non2xx n502
local mode = os.getenv("BURST") or "get"
local token = os.getenv("GH_TOKEN")
local approval_id = os.getenv("APPROVAL_ID") or "1"
local threads = {}

function setup(thread)
  thread:set("prefix", tostring(math.random(1, 1e9)) .. "-" .. #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  n502 = 0
  bad = 0
end

request = function()
  counter = counter + 1
  local headers = {["Authorization"] = "Bearer " .. token}
  if mode == "get" then
    return wrk.format("GET", "/api/v1/approvals/" .. approval_id, headers)
  end
  headers["Content-Type"] = "application/json"
  if mode == "event" then
    return wrk.format("POST", "/api/v1/events", headers,
      '{"id":"burst-' .. prefix .. '-' .. counter .. '","type":"error.detected","mission_id":"bench-burst",'
      .. '"payload":{"service":"payments-api","error":"OOMKilled"}}')
  end
  return wrk.format("POST", "/api/v1/approvals", headers,
    '{"action_type":"restart_service","target":"burst-' .. prefix .. '-' .. counter .. '","tier":2,'
    .. '"reason":"burst bench","mission_id":"bench-burst","params":{"region":"eu-west-1"}}')
end

response = function(status, headers, body)
  if status == 502 then n502 = n502 + 1 end
  if status < 200 or status > 299 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local n502_all, bad_all = 0, 0
  for _, t in ipairs(threads) do
    n502_all = n502_all + t:get("n502")
    bad_all = bad_all + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format("burst: %.0f %.3f %.3f %.3f %.3f %d %d %d %d\n",
    summary.requests / (summary.duration / 1e6), latency.mean / 1000,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write, e.timeout, bad_all, n502_all))
end
