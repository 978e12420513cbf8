"""Fill a bench instance with approval requests through the API: COUNT tier 2
requests, then approve every other one, so that /approvals has both parts
full. Eight keep-alive connections at once. Prints what it made."""
import http.client
import json
import sys
import threading

port, requester, approver, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def worker(jobs, token, method, body_of, out):
    conn = http.client.HTTPConnection("127.0.0.1", int(port))
    for j in jobs:
        path, body = body_of(j)
        conn.request(method, path, body=json.dumps(body),
                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        if r.status not in (200, 201):
            raise SystemExit("bench fill: %s %s answered %d %s" % (method, path, r.status, data[:200]))
        out.append(json.loads(data)["data"]["id"])


def run(jobs, token, body_of):
    out, threads = [], []
    for k in range(8):
        t = threading.Thread(target=worker, args=(jobs[k::8], token, "POST", body_of, out))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    return sorted(out)


ids = run(list(range(count)), requester, lambda i: ("/api/v1/approvals", {
    "action_type": "deploy.canary", "target": "service-%d" % (i % 97), "tier": 2,
    "reason": "bench request %d" % i, "mission_id": "bench-list-%d" % (i % 20), "params": {"i": i}}))
run(ids[::2], approver, lambda i: ("/api/v1/approvals/%d/votes" % i, {"verdict": "approve", "comment": "bench"}))
print("bench: %d approval requests made, %d of them approved" % (len(ids), len(ids[::2])))
