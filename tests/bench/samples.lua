-- wrk: POST batches of 5,000 metric samples to one deployment (GH_DEPLOYMENT)
-- as a collector would: twelve metrics in turn, each batch the next 5,000
-- milliseconds of time (threads interleave their batches), values spread
-- continuously, so no two batches repeat a time or a value.
local metrics = {"error_rate", "response_time_p95_ms", "memory_mb", "cpu_overhead", "uptime",
  "tag_accuracy", "false_positive_rate", "drift_ema", "user_complaints", "critical_incidents",
  "threats_blocked", "response_time_change"}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local tid, nthreads, batch, start

function init(args)
  tid = tonumber(id) -- set by setup in this thread's globals
  nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  batch = 0
  start = (os.time() + 1) * 1000 -- the deployment starts now: samples from T+1s on
  math.randomseed(1000 + tid)
end

local function stamp(ms)
  return os.date("!%Y-%m-%dT%H:%M:%S", math.floor(ms / 1000)) .. string.format(".%03dZ", ms % 1000)
end

request = function()
  local parts, first = {}, start + (batch * nthreads + tid) * 5000
  batch = batch + 1
  for i = 1, 5000 do
    local k = (i % #metrics) + 1
    parts[i] = string.format('{"name":"%s","value":%.6f,"at":"%s"}', metrics[k], math.random() * k, stamp(first + i))
  end
  return wrk.format("POST", "/api/v1/deployments/" .. os.getenv("GH_DEPLOYMENT") .. "/metrics",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("GH_TOKEN")},
    '{"samples":[' .. table.concat(parts, ",") .. ']}')
end
