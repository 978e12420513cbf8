-- wrk: POST evaluate on the current phase of one deployment (GH_DEPLOYMENT); each records a decision.
request = function()
  return wrk.format("POST", "/api/v1/deployments/" .. os.getenv("GH_DEPLOYMENT") .. "/evaluate",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("GH_TOKEN")}, '{}')
end
