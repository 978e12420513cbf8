-- wrk: POST batches of 5,000 metric samples to one deployment (GH_DEPLOYMENT),
-- twelve metrics a second apart, one request body built once per thread.
local body
function init(args)
  local parts, metrics = {}, {"error_rate", "response_time_p95_ms", "memory_mb", "cpu_overhead", "uptime",
    "tag_accuracy", "false_positive_rate", "drift_ema", "user_complaints", "critical_incidents",
    "threats_blocked", "response_time_change"}
  local start = os.time() - 3600
  for i = 1, 5000 do
    local t = os.date("!%Y-%m-%dT%H:%M:%S", start + math.floor(i / 12)) .. string.format(".%03dZ", i % 1000)
    parts[i] = '{"name":"' .. metrics[(i % 12) + 1] .. '","value":' .. string.format("%.6f", (i % 97) / 97) .. ',"at":"' .. t .. '"}'
  end
  body = '{"samples":[' .. table.concat(parts, ",") .. ']}'
end
request = function()
  return wrk.format("POST", "/api/v1/deployments/" .. os.getenv("GH_DEPLOYMENT") .. "/metrics",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("GH_TOKEN")}, body)
end
