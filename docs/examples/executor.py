#!/usr/bin/env python3
"""An executor that honours Gatehouse contracts: run one granted approval.
  GATEHOUSE_URL=http://127.0.0.1:8080 GATEHOUSE_TOKEN=gh_... executor.py APPROVAL_ID
The action is simulated: it "restarts" the target and measures the metrics
in $MEASURED (JSON, e.g. {"error_rate": 0.0004}). Prints the verification."""
import json, os, sys, time, urllib.request

BASE, TOKEN = os.environ["GATEHOUSE_URL"].rstrip("/"), os.environ["GATEHOUSE_TOKEN"]

def api(method, path, body=None):
    req = urllib.request.Request(BASE + "/api/v1/approvals/" + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)["data"]

def run(aid, measure=lambda: json.loads(os.environ.get("MEASURED", "{}"))):
    a = api("GET", aid)
    if a["status"] != "approved":
        sys.exit("approval %s is %s: nothing to do" % (aid, a["status"]))
    if a["contract"]:  # the safe hold to return to, named before acting
        api("POST", aid + "/snapshot", {"snapshot_id": "snap-" + aid, "kind": "config", "details": {"target": a["target"]}})
    a = api("POST", aid + "/execution", {"ok": True, "status": "succeeded", "metrics": measure()})
    for _ in range(3):  # more evidence while the contract is undecided
        if not a["verification"] or a["verification"]["state"] != "pending":
            break
        time.sleep(1)
        a = api("POST", aid + "/metrics", {"samples": [{"name": k, "value": v} for k, v in measure().items()]})
    if a["rollback"]:  # the contract was broken: return to the snapshot, say how it went
        a = api("POST", aid + "/rollback-result", {"ok": True, "status": "restored",
                                                   "restored_snapshot_id": a["rollback"]["snapshot_id"]})
    return a["verification"]["state"] if a["verification"] else "no contract"

if __name__ == "__main__":
    print(run(sys.argv[1]))
