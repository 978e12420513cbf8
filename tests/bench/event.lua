-- wrk: POST one new event per request (unique ids across threads and runs).
local counter = 0
local prefix = tostring(math.random(1, 1e9))
function setup(thread) thread:set("prefix", tostring(math.random(1, 1e9))) end
request = function()
  counter = counter + 1
  local body = '{"id":"e-' .. prefix .. '-' .. counter .. '","type":"error.detected","mission_id":"bench-single",'
    .. '"correlation_id":"c-' .. counter .. '","payload":{"service":"payments-api","error":"OOMKilled"}}'
  return wrk.format("POST", "/api/v1/events", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("GH_TOKEN")}, body)
end
