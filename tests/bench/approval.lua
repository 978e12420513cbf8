-- wrk: POST one tier 2 approval request per request, as a requester's automation would.
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"action_type":"restart_service","target":"payments-api-' .. counter .. '","tier":2,'
    .. '"reason":"memory leak after 2.31 rollout","mission_id":"bench-approvals",'
    .. '"params":{"region":"eu-west-1","strategy":"rolling"}}'
  return wrk.format("POST", "/api/v1/approvals", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("GH_TOKEN")}, body)
end
