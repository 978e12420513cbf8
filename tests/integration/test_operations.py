"""Health and operations through nginx: /metrics checked by promtool and
counted across both worker processes, the worker's jobs (API and /status)
with stale detection on the worker's clock, one log line per request and
per job run, silent sources and ledger alarms recorded once."""

import datetime
import json
import os
import re
import signal
import subprocess
import time
import uuid

from fcgi_client import FcgiConnection, cgi_params
from stack import REPO


def worker(s, *args):
    return subprocess.run([os.path.join(REPO, "bin/gatehouse-worker"), "--config", s.conf, "run", *args],
                          capture_output=True, text=True, timeout=60)


def token(s, user, roles):
    if s.admin("user", "add", user, "--role", roles).returncode != 0:
        assert s.admin("user", "roles", user, roles).returncode == 0
    r = s.admin("token", "create", "--user", user, "--name", "ops-test")
    assert r.returncode == 0, r.stderr
    return {"Authorization": "Bearer " + r.stdout.strip()}


def sql(s, statement):
    r = subprocess.run(["sqlite3", os.path.join(s.var, "gatehouse.db"), statement], check=True,
                       capture_output=True, text=True)
    return r.stdout.strip()


def at(ms):
    """RFC 3339 with milliseconds, as --now takes it."""
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def ms_of(rfc3339):
    return round(datetime.datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() * 1000)


def now_ms():
    return int(time.time() * 1000)


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')


def samples(text):
    """[(name, {label: value}, value)] of an exposition (labels without escapes, as ours are)."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def value(text, name, **labels):
    found = [v for n, l, v in samples(text) if n == name and l == labels]
    return found[0] if found else None


def scrape(s):
    r = s.get("/metrics")
    assert r.status == 200
    return r.text


def promtool(text):
    return subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)


# --- /metrics -----------------------------------------------------------------

def test_metrics_pass_promtool_and_carry_every_family(stack):
    auth = token(stack, "mona", "viewer")
    assert worker(stack, "--once").returncode == 0
    stack.get("/api/v1/me", headers=auth)
    stack.get("/no/such/page")
    r = stack.get("/metrics")
    assert r.status == 200
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    checked = promtool(r.text)
    assert checked.returncode == 0 and checked.stdout + checked.stderr == "", checked.stdout + checked.stderr
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", r.text, re.M))
    assert types == {
        "gatehouse_http_requests_total": "counter",
        "gatehouse_http_request_duration_seconds": "histogram",
        "gatehouse_build_info": "gauge",
        "gatehouse_ready": "gauge",
        "gatehouse_approvals": "gauge",
        "gatehouse_approval_oldest_pending_seconds": "gauge",
        "gatehouse_freeze_violations_open": "gauge",
        "gatehouse_ledger_entries": "gauge",
        "gatehouse_ledger_chain_ok": "gauge",
        "gatehouse_worker_job_last_success_timestamp_seconds": "gauge",
        "gatehouse_worker_job_stale": "gauge",
        "gatehouse_source_silent": "gauge",
        "gatehouse_ledger_alarms_total": "counter",
        # From the aggregate job's totals (the worker run above backfilled the demo):
        "gatehouse_approvals_requested_total": "counter",
        "gatehouse_approvals_decided_total": "counter",
        "gatehouse_events_ingested_total": "counter",
        "gatehouse_webhook_deliveries_total": "counter",
        "gatehouse_gate_evaluations_total": "counter",
        "gatehouse_rollbacks_triggered_total": "counter",
        "gatehouse_contract_verifications_total": "counter",
        "gatehouse_rollbacks_requested_total": "counter",
        "gatehouse_freeze_violations_total": "counter",
    }
    for family in types:
        assert "# HELP %s " % family in r.text
    text = r.text
    assert value(text, "gatehouse_http_requests_total", route="/api/v1/me", method="GET", status="200") >= 1
    assert value(text, "gatehouse_http_requests_total", route="unmatched", method="GET", status="404") >= 1
    assert value(text, "gatehouse_ready") == 1
    assert value(text, "gatehouse_ledger_chain_ok") == 1
    # The demo's approvals, by status, as the database has them.
    for status in ["pending", "approved", "denied", "expired", "cancelled"]:
        want = int(sql(stack, "SELECT count(*) FROM approvals WHERE status = '%s'" % status))
        assert value(text, "gatehouse_approvals", status=status) == want
    assert value(text, "gatehouse_approval_oldest_pending_seconds", tier="2") > 0
    assert value(text, "gatehouse_approval_oldest_pending_seconds", tier="1") == 0
    assert value(text, "gatehouse_ledger_entries") == int(sql(stack, "SELECT max(seq) FROM ledger"))
    assert value(text, "gatehouse_freeze_violations_open") == int(
        sql(stack, "SELECT count(*) FROM freeze_violations WHERE resolved_ms IS NULL"))
    assert value(text, "gatehouse_worker_job_stale", job="expire-approvals") == 0
    assert value(text, "gatehouse_worker_job_last_success_timestamp_seconds", job="prune") > time.time() - 600
    assert value(text, "gatehouse_ledger_alarms_total", kind="gap") == 0
    assert re.search(r'^gatehouse_build_info\{version="[^"]+"\} 1$', text, re.M)
    # The counters derived from records agree with the records; known label sets start at zero.
    for verdict in ["approved", "denied", "expired", "cancelled"]:
        want = int(sql(stack, "SELECT count(*) FROM approvals WHERE tier = 2 AND status = '%s'" % verdict))
        assert value(text, "gatehouse_approvals_decided_total", verdict=verdict, tier="2") == want
    assert value(text, "gatehouse_events_ingested_total", type="approval") == int(
        sql(stack, "SELECT count(*) FROM events WHERE type LIKE 'approval.%'"))
    assert value(text, "gatehouse_webhook_deliveries_total", outcome="failed") == 0
    assert value(text, "gatehouse_contract_verifications_total", state="violated", tier="3") == 0
    assert value(text, "gatehouse_gate_evaluations_total", phase="t8h", result="blocked") == int(
        sql(stack, "SELECT count(*) FROM gate_decisions WHERE phase = 't8h' AND proceed = 0"))


def test_histograms_count_what_their_buckets_hold(stack):
    for _ in range(5):
        stack.get("/healthz")
    text = scrape(stack)
    by_route = {}
    for name, labels, v in samples(text):
        if name.startswith("gatehouse_http_request_duration_seconds"):
            by_route.setdefault(labels["route"], []).append((name, labels.get("le"), v))
    assert "/healthz" in by_route
    requests = {}
    for name, labels, v in samples(text):
        if name == "gatehouse_http_requests_total":
            requests[labels["route"]] = requests.get(labels["route"], 0) + v
    for route, series in by_route.items():
        buckets = [(le, v) for name, le, v in series if name.endswith("_bucket")]
        count = [v for name, _, v in series if name.endswith("_count")][0]
        assert buckets[-1][0] == "+Inf"
        assert buckets[-1][1] == count, route
        assert [v for _, v in buckets] == sorted(v for _, v in buckets), route  # cumulative
        # Every request is in both families (the scrape itself may land in between).
        assert abs(requests[route] - count) <= (1 if route == "/metrics" else 0), route


def request_workers(s):
    """The pids of the request processes (not the stream process, which has stream_threads)."""
    pids = []
    for pid in s.worker_pids():
        with open("/proc/%d/status" % pid) as f:
            threads = int(re.search(r"^Threads:\s+(\d+)", f.read(), re.M).group(1))
        if threads < 8:  # threads = 2 (and the main thread); the stream process has 8 and more
            pids.append(pid)
    return pids


def stop(pid):
    """SIGSTOP pid and wait until every thread of it has stopped: until then a thread still
    waiting in epoll_wait can be the one woken for a new connection, and never take it."""
    os.kill(pid, signal.SIGSTOP)
    deadline = time.time() + 10
    while time.time() < deadline:
        states = []
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/stat" % (pid, task)) as f:
                states.append(f.read().rsplit(")", 1)[1].split()[0])
        if all(st == "T" for st in states):
            return
        time.sleep(0.01)
    raise AssertionError("process %d did not stop" % pid)


def direct(s, n, tag):
    """n requests of /readyz (which nothing else asks for) on new connections straight to the
    FastCGI socket, without nginx."""
    for i in range(n):
        with FcgiConnection(s.socket, timeout=10) as c:
            r = c.request(cgi_params("GET", "/readyz", headers={"X-Request-Id": "%s-%d" % (tag, i)}))
            assert r.status == 200


def served_by(s, tag):
    pids = set()
    for line in s.app_log().splitlines():
        if line.startswith("{") and ('"request_id":"%s-' % tag) in line:
            pids.add(json.loads(line)["fields"]["pid"])
    return pids


def test_requests_are_counted_across_both_worker_processes_and_survive_a_restart(new_stack):
    s = new_stack("workers = 2\nthreads = 2\nstream_threads = 8\n")
    a, b = request_workers(s)

    def readyz_count():
        with FcgiConnection(s.socket) as c:
            text = c.request(cgi_params("GET", "/metrics")).body.decode()
        return value(text, "gatehouse_http_requests_total", route="/readyz", method="GET", status="200") or 0

    before = readyz_count()
    # A stopped process takes no new connection: each phase lands on the other one.
    stop(b)
    try:
        direct(s, 17, "on-a")
    finally:
        os.kill(b, signal.SIGCONT)
    stop(a)
    try:
        direct(s, 23, "on-b")
        on_b_count = readyz_count()  # answered by b, which counted only 23 itself
    finally:
        os.kill(a, signal.SIGCONT)
    assert served_by(s, "on-a") == {a}
    assert served_by(s, "on-b") == {b}
    assert on_b_count == before + 40
    # Through nginx, whichever process answers the scrape, the sum is the same.
    assert value(scrape(s), "gatehouse_http_requests_total", route="/readyz", method="GET",
                 status="200") == before + 40
    # A worker process killed and replaced by the master: nothing counted is lost.
    os.kill(a, signal.SIGKILL)
    deadline = time.time() + 10
    while time.time() < deadline and (a in s.worker_pids() or len(s.worker_pids()) != 3):
        time.sleep(0.05)
    assert a not in s.worker_pids() and len(s.worker_pids()) == 3
    direct(s, 5, "after")
    assert value(scrape(s), "gatehouse_http_requests_total", route="/readyz", method="GET",
                 status="200") == before + 45


# --- structured logs ------------------------------------------------------------

def test_each_request_is_logged_once_at_completion(stack):
    auth = token(stack, "lena", "viewer")
    rid = "log-" + uuid.uuid4().hex
    r = stack.get("/api/v1/approvals/1", headers=dict(auth, **{"X-Request-Id": rid}))
    assert r.status == 200
    deadline = time.time() + 5
    lines = []
    while time.time() < deadline and not lines:
        lines = [json.loads(l) for l in stack.app_log().splitlines()
                 if l.startswith("{") and rid in l]
        time.sleep(0.05)
    assert len(lines) == 1, lines
    line = lines[0]
    assert line["request_id"] == rid and line["level"] == "info" and line["proc"] == "app"
    f = line["fields"]
    assert set(f) == {"method", "route", "status", "duration_ms", "user", "bytes", "pid"}
    assert f["method"] == "GET" and f["route"] == "/api/v1/approvals/{id}" and f["status"] == 200
    assert f["user"] == "lena" and f["bytes"] == len(r.body) and f["duration_ms"] > 0
    # Anonymous and unrouted: user null, route "unmatched".
    rid2 = "log-" + uuid.uuid4().hex
    assert stack.get("/nowhere", headers={"X-Request-Id": rid2}).status == 404
    time.sleep(0.2)
    lines = [json.loads(l) for l in stack.app_log().splitlines() if l.startswith("{") and rid2 in l]
    assert len(lines) == 1
    assert lines[0]["fields"]["user"] is None and lines[0]["fields"]["route"] == "unmatched"


def test_each_job_run_is_logged_with_its_outcome_and_counts(stack):
    r = worker(stack, "--job", "expire-approvals", "--now", "2026-11-22T10:00:00Z")
    assert r.returncode == 0
    lines = [json.loads(l) for l in r.stderr.splitlines() if l.startswith("{")]
    runs = [l for l in lines if l.get("fields", {}).get("job") == "expire-approvals"]
    assert len(runs) == 1
    f = runs[0]["fields"]
    assert f["outcome"] == "ok" and f["duration_ms"] >= 0 and f["at"] == "2026-11-22T10:00:00.000Z"
    assert isinstance(f["counts"]["expired"], int)


# --- worker jobs ----------------------------------------------------------------

JOB_FIELDS = {"name", "period_seconds", "last_started_at", "last_finished_at", "last_outcome",
              "last_error", "next_due_at", "lease_holder", "stale"}


def jobs(s, auth):
    r = s.get("/api/v1/worker/jobs", headers=auth)
    assert r.status == 200
    return {j["name"]: j for j in r.json()["data"]}


def test_a_job_is_stale_three_periods_after_its_last_success(new_stack):
    s = new_stack()
    auth = token(s, "vic", "viewer")
    assert s.get("/api/v1/worker/jobs").status == 401
    t = now_ms()
    # prune runs every 60 s: a success 3 periods and 1 s ago is stale, 3 periods less 10 s is not.
    assert worker(s, "--job", "prune", "--now", at(t - 181000)).returncode == 0
    prune = jobs(s, auth)["prune"]
    assert JOB_FIELDS <= set(prune)
    assert prune["stale"] is True and prune["last_outcome"] == "ok" and prune["period_seconds"] == 60
    assert prune["last_started_at"] == at(t - 181000)
    assert prune["next_due_at"] == at(t - 121000)
    assert prune["lease_holder"] is None and prune["last_error"] is None
    assert worker(s, "--job", "prune", "--now", at(t - 170000)).returncode == 0
    assert jobs(s, auth)["prune"]["stale"] is False
    # A failure is no success: the job stays as stale as its last success says.
    listed = jobs(s, auth)
    assert [n for n in listed] == [
        "expire-approvals", "break-glass", "evaluate-gates", "verify-actions", "verify-freezes",
        "watch-sources", "deliver-webhooks", "aggregate", "sign-checkpoint", "watch-ledger", "verify-ledger",
        "prune", "checkpoint-wal"]
    assert listed["verify-freezes"]["period_seconds"] == 900
    assert listed["watch-sources"]["last_outcome"] is None and listed["watch-sources"]["stale"] is True
    sql(s, "INSERT INTO worker_runs (job, started_at, started_ms, ended_at, outcome, error)"
           " VALUES ('prune', '%s', %d, '%s', 'failed', 'the disk is full')" % (at(t), t, at(t)))
    prune = jobs(s, auth)["prune"]
    assert prune["last_outcome"] == "failed" and prune["last_error"] == "the disk is full"
    assert prune["stale"] is False and prune["last_success_at"] < at(t)
    # The same verdict in /metrics.
    text = scrape(s)
    assert value(text, "gatehouse_worker_job_stale", job="watch-sources") == 1
    assert value(text, "gatehouse_worker_job_stale", job="prune") == 0
    assert value(text, "gatehouse_worker_job_last_success_timestamp_seconds", job="watch-sources") == 0


def test_status_page_shows_stale_jobs_in_words(new_stack):
    s = new_stack()
    auth = token(s, "vic", "viewer")
    assert s.get("/status").status == 303  # anonymous: to the sign-in page
    t = now_ms()
    assert worker(s, "--job", "prune", "--now", at(t)).returncode == 0
    assert worker(s, "--job", "checkpoint-wal", "--now", at(t - 3600000)).returncode == 0
    r = s.get("/status", headers=auth)
    assert r.status == 200
    html = r.text
    assert '<a href="/status" aria-current="page">Status</a>' in html
    prune = re.search(r'<li class="job" id="job-prune">(.*?)</li>', html, re.S)
    assert prune and "Stale" not in prune.group(1) and ">OK<" in prune.group(1)
    wal = re.search(r'<li class="job stale" id="job-checkpoint-wal">(.*?)</li>', html, re.S)
    assert wal and "Stale: no success within 3 min" in wal.group(1)
    assert re.search(r'<time datetime="[^"]+" title="[^"]+"[^>]*>1 h ago</time>', wal.group(1))
    assert "jobs are stale" in html
    # Every page links to it.
    assert 'href="/status"' in s.get("/approvals", headers=auth).text


# --- silent sources -------------------------------------------------------------

def post_event(s, auth, eid, source):
    r = s.request("POST", "/api/v1/events", headers=dict(auth, **{"Content-Type": "application/json"}),
                  body=json.dumps({"id": eid, "type": "error.detected", "source": source}))
    assert r.status == 202, r.text


def test_a_silent_source_is_told_once_and_its_resumption_too(new_stack):
    s = new_stack("webhook_allow_http = 1\nsource_cadence.sentinel = 300\n")
    auth = token(s, "rex", "requester")
    r = s.admin("webhook", "add", "http://127.0.0.1:9/hook", "--events", "source.silent,source.resumed")
    assert r.returncode == 0, r.stderr
    post_event(s, auth, "e-1", "sentinel")
    t = now_ms()
    assert worker(s, "--job", "watch-sources", "--now", at(t)).returncode == 0
    assert sql(s, "SELECT count(*) FROM events WHERE type = 'source.silent'"
                  " AND json_extract(payload_json, '$.source') = 'sentinel'") == "0"
    # 300 s after its last event it is not yet silent; a second later it is, once.
    received = sql(s, "SELECT received_at FROM events WHERE id = 'e-1'")
    r_ms = ms_of(received)
    assert worker(s, "--job", "watch-sources", "--now", at(r_ms + 300000)).returncode == 0
    assert value(scrape(s), "gatehouse_source_silent", source="sentinel") == 0
    for later in (r_ms + 301000, r_ms + 900000, r_ms + 86400000):
        assert worker(s, "--job", "watch-sources", "--now", at(later)).returncode == 0
    silent = sql(s, "SELECT payload_json FROM events WHERE type = 'source.silent'"
                    " AND json_extract(payload_json, '$.source') = 'sentinel'").splitlines()
    assert len(silent) == 1, silent
    p = json.loads(silent[0])
    assert p["silent"] is True and p["cadence"] == "configured" and p["expected_seconds"] == 300
    assert p["last_seen_at"] == received and p["silent_for_seconds"] == 301
    assert sql(s, "SELECT count(*) FROM ledger WHERE kind = 'source.silent' AND subject = 'source:sentinel'") == "1"
    assert sql(s, "SELECT count(*) FROM webhook_deliveries WHERE event_type = 'source.silent'"
                  " AND json_extract(body, '$.data.source') = 'sentinel'") == "1"
    assert value(scrape(s), "gatehouse_source_silent", source="sentinel") == 1
    viewer = token(s, "vic", "viewer")
    page = s.get("/status", headers=viewer).text
    assert re.search(r'<li class="job stale" id="source-sentinel">.*?Silent since', page, re.S)
    # It speaks again (even at a time before the worker's clock of the last runs): resumed, once.
    post_event(s, auth, "e-2", "sentinel")
    r2_ms = ms_of(sql(s, "SELECT received_at FROM events WHERE id = 'e-2'"))
    for later in (r2_ms + 60000, r2_ms + 120000):
        assert worker(s, "--job", "watch-sources", "--now", at(later)).returncode == 0
    assert sql(s, "SELECT count(*) FROM events WHERE type = 'source.resumed'"
                  " AND json_extract(payload_json, '$.source') = 'sentinel'") == "1"
    assert sql(s, "SELECT count(*) FROM webhook_deliveries WHERE event_type = 'source.resumed'"
                  " AND json_extract(body, '$.data.source') = 'sentinel'") == "1"
    assert value(scrape(s), "gatehouse_source_silent", source="sentinel") == 0
    # The jobs are sources too: prune has never run since the watch began a day before.
    assert value(scrape(s), "gatehouse_source_silent", source="worker/prune") == 1
    assert sql(s, "SELECT count(*) FROM events WHERE type = 'source.silent'"
                  " AND json_extract(payload_json, '$.source') = 'worker/prune'") == "1"


def test_ledger_alarms_on_a_tampered_database_are_recorded_once(new_stack):
    s = new_stack("webhook_allow_http = 1\n")
    r = s.admin("webhook", "add", "http://127.0.0.1:9/hook", "--events", "ledger.alarm")
    assert r.returncode == 0, r.stderr
    assert worker(s, "--job", "sign-checkpoint").returncode == 0
    t = now_ms()
    assert worker(s, "--job", "watch-ledger", "--now", at(t)).returncode == 0
    assert sql(s, "SELECT count(*) FROM ledger_alarms") == "0"
    text = scrape(s)
    assert "gatehouse_ledger_chain_ok" not in text  # no verify-ledger run yet
    # A hand on the file: one entry gone, another stamped before its predecessor.
    gone = int(sql(s, "SELECT seq FROM ledger WHERE subject = 'user:bob' LIMIT 1"))
    moved = gone + 3
    sql(s, "DELETE FROM ledger WHERE seq = %d;"
           "UPDATE ledger SET at = '2000-01-01T00:00:00.000Z' WHERE seq = %d" % (gone, moved))
    for _ in range(2):
        assert worker(s, "--job", "watch-ledger", "--now", at(t)).returncode == 0
    rows = sql(s, "SELECT kind, seq FROM ledger_alarms ORDER BY kind").splitlines()
    assert rows == ["gap|%d" % gone, "time_reversal|%d" % moved]
    events = [json.loads(p) for p in sql(s, "SELECT payload_json FROM events WHERE type = 'ledger.alarm'").splitlines()]
    assert sorted(e["kind"] for e in events) == ["gap", "time_reversal"]
    assert sql(s, "SELECT count(*) FROM ledger WHERE kind = 'ledger.alarm'") == "2"
    assert sql(s, "SELECT count(*) FROM webhook_deliveries WHERE event_type = 'ledger.alarm'") == "2"
    # The broken chain is not signed any more: two signing periods later the head is stale, once.
    assert worker(s, "--job", "sign-checkpoint").returncode == 1
    for later in (t + 125000, t + 180000):
        assert worker(s, "--job", "watch-ledger", "--now", at(later)).returncode == 0
    assert sql(s, "SELECT count(*) FROM ledger_alarms WHERE kind = 'stale_head'") == "1"
    assert worker(s, "--job", "verify-ledger").returncode == 1
    text = scrape(s)
    assert value(text, "gatehouse_ledger_alarms_total", kind="gap") == 1
    assert value(text, "gatehouse_ledger_alarms_total", kind="time_reversal") == 1
    assert value(text, "gatehouse_ledger_alarms_total", kind="stale_head") == 1
    assert value(text, "gatehouse_ledger_chain_ok") == 0
    assert promtool(text).returncode == 0
    page = s.get("/status", headers=token(s, "vic", "viewer")).text
    assert "time_reversal</strong> at seq %d" % moved in page
