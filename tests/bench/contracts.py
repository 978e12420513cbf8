"""Set up the contract-verification bench through the API: a tier 2 request
with a 20-criterion contract (metrics m00..m19, each "< 1000", max),
approved, its snapshot named, its execution reported with no metrics, then
10,000 samples posted for m01..m19, all passing: it stays pending because
m00 has none, so every further sample judges all 20 criteria over all the
samples again. Prints the approval's id."""
import http.client
import json
import sys

port, requester, voter = sys.argv[1], sys.argv[2], sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", int(port))


def call(token, method, path, body):
    conn.request(method, path, body=json.dumps(body),
                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status not in (200, 201, 202):
        raise SystemExit("bench contracts: %s %s answered %d %s" % (method, path, r.status, data[:300]))
    return json.loads(data)["data"]


criteria = [{"name": "c%02d" % i, "metric": "m%02d" % i, "op": "<", "threshold": 1000, "aggregate": "max"}
            for i in range(20)]
a = call(requester, "POST", "/api/v1/approvals", {
    "action_type": "bench.contract", "target": "bench", "tier": 2, "mission_id": "bench-contracts",
    "contract": {"criteria": criteria, "verify_within_seconds": 604800}})
aid = a["id"]
call(voter, "POST", "/api/v1/approvals/%d/votes" % aid, {"verdict": "approve"})
call(requester, "POST", "/api/v1/approvals/%d/snapshot" % aid, {"snapshot_id": "bench", "kind": "none"})
call(requester, "POST", "/api/v1/approvals/%d/execution" % aid, {"ok": True, "status": "succeeded"})
for b in range(2):
    a = call(requester, "POST", "/api/v1/approvals/%d/metrics" % aid, {"samples": [
        {"name": "m%02d" % (1 + i % 19), "value": (i * 7) % 999} for i in range(b * 5000, b * 5000 + 5000)]})
assert a["verification"]["state"] == "pending", a["verification"]
print(aid)
