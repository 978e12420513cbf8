"""Fill a bench instance with a deployment of COUNT samples through the API:
a rollout on the sample plan that began 16.5 hours ago, so its current
phase is t16h (error_rate avg, response_time_p95_ms p95, memory_mb max),
with every sample in that phase's first half hour, a third per metric. The
worst case for a gate: all of it in the window it judges. Eight keep-alive
connections post batches of 5,000. Prints what it made."""
import datetime
import http.client
import json
import sys
import threading

port, token, dep, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
now = datetime.datetime.now(datetime.timezone.utc)
start = now - datetime.timedelta(hours=16, minutes=30)
phase = start + datetime.timedelta(hours=16)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def call(conn, method, path, body):
    conn.request(method, path, body=json.dumps(body),
                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status not in (200, 201, 202):
        raise SystemExit("bench fill: %s %s answered %d %s" % (method, path, r.status, data[:300]))


call(http.client.HTTPConnection("127.0.0.1", int(port)), "POST", "/api/v1/deployments",
     {"id": dep, "name": "bench rollout", "plan": "t4-72h", "started_at": iso(start)})
metrics = [("error_rate", 0.0004, 0.0002), ("response_time_p95_ms", 40, 12), ("memory_mb", 160, 30)]
span_ms = 30 * 60 * 1000  # the first half hour of t16h


def batch(b):
    out = []
    for k in range(5000):
        i = b * 5000 + k
        name, base, swing = metrics[i % 3]
        at = phase + datetime.timedelta(milliseconds=(i * span_ms) // count)
        out.append({"name": name, "value": base + swing * ((i * 7919) % 1000) / 1000.0, "at": iso(at)})
    return {"samples": out}


def worker(batches):
    conn = http.client.HTTPConnection("127.0.0.1", int(port))
    for b in batches:
        call(conn, "POST", "/api/v1/deployments/%s/metrics" % dep, batch(b))


nbatches = count // 5000
threads = [threading.Thread(target=worker, args=(list(range(k, nbatches, 8)),)) for k in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("bench: deployment %s with %d samples in phase t16h" % (dep, nbatches * 5000))
