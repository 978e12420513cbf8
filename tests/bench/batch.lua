-- wrk: POST batches of 500 new events per request.
local counter = 0
local prefix = tostring(math.random(1, 1e9))
function setup(thread) thread:set("prefix", tostring(math.random(1, 1e9))) end
request = function()
  counter = counter + 1
  local parts = {}
  for i = 1, 500 do
    parts[i] = '{"id":"b-' .. prefix .. '-' .. counter .. '-' .. i .. '","type":"agentic.step","mission_id":"bench-batch-' .. (counter % 20)
      .. '","payload":{"step":' .. i .. '}}'
  end
  return wrk.format("POST", "/api/v1/events", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("GH_TOKEN")},
    '{"events":[' .. table.concat(parts, ",") .. ']}')
end
