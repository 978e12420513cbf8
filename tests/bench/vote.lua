-- wrk: one granting vote per request on the pending tier 2 requests FIRST..LAST.
-- Each wrk thread takes every THREADS-th id from its own offset, so every
-- request votes on a request nobody else has voted on: each vote grants.
local first, last = tonumber(os.getenv("FIRST")), tonumber(os.getenv("LAST"))
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
function init(args)
  step = tonumber(os.getenv("THREADS") or "2")
  nextid = first + offset
end
request = function()
  local id = nextid
  nextid = nextid + step
  if id > last then id = last end -- past the pool: already decided (409), shown as non-2xx
  return wrk.format("POST", "/api/v1/approvals/" .. id .. "/votes", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("GH_VOTER")}, '{"verdict":"approve","comment":"ok"}')
end
