-- wrk: POST one passing sample to the pending contract of approval GH_CONTRACT: each judges all 20 criteria again.
request = function()
  return wrk.format("POST", "/api/v1/approvals/" .. os.getenv("GH_CONTRACT") .. "/metrics",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("GH_TOKEN")},
    '{"samples":[{"name":"m05","value":17}]}')
end
