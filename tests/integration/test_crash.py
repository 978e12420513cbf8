"""Nothing acknowledged is lost when the whole stack is killed: 200 clients
file approval requests and post events through nginx; the application's
master, its worker processes and nginx (master and workers) are killed with
SIGKILL mid-run, all at once; conf/dev/run starts the stack again on the same
files. Every request answered 2xx is there, the ledger verifies, and no
transition is half-written: each approval has its ledger entry, its event
and its webhook delivery, each of those belongs to an approval, and each
event has its mission. Three times in a row."""

import http.client
import json
import os
import signal
import sqlite3
import threading
import time

CLIENTS = 200
ROUNDS = 3


def children(pid):
    out = []
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                out += [int(p) for p in f.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def alive(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return "\nState:\tZ" not in f.read()
    except (FileNotFoundError, ProcessLookupError):
        # The process can vanish between open() and read().
        return False


def everything(s):
    """The application's master, workers and stream process; nginx's master and workers."""
    app = s.master_pid()
    with open(os.path.join(s.var, "nginx.pid")) as f:
        nginx = int(f.read())
    return [app] + children(app) + [nginx] + children(nginx)


class Clients:
    """CLIENTS threads, each alternating a tier 2 approval request and one
    event over its own kept connection, noting every request answered 2xx."""

    def __init__(self, s, token, round_no):
        self.s, self.round = s, round_no
        self.headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.approvals, self.events, self.failures = {}, set(), 0
        self.threads = [threading.Thread(target=self.client, args=(k,)) for k in range(CLIENTS)]

    def client(self, k):
        conn, i = None, 0
        while not self.stop.is_set():
            i += 1
            key = "r%d-c%d-%d" % (self.round, k, i)
            if i % 2:
                path = "/api/v1/approvals"
                body = {"action_type": "deploy.canary", "target": key, "tier": 2,
                        "mission_id": "crash-%d" % (k % 10), "reason": "crash test"}
            else:
                path = "/api/v1/events"
                body = {"id": key, "type": "agentic.step", "mission_id": "crash-%d" % (k % 10),
                        "payload": {"i": i}}
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=20)
                conn.request("POST", path, body=json.dumps(body), headers=self.headers)
                r = conn.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
                with self.lock:
                    self.failures += 1
                time.sleep(0.01)
                continue
            if 200 <= r.status < 300:
                with self.lock:
                    if path == "/api/v1/events":
                        self.events.add(key)
                    else:
                        self.approvals[key] = json.loads(data)["data"]["id"]
        if conn is not None:
            conn.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)
        return False


def kill_everything(s):
    pids = everything(s)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.time() + 15
    while any(alive(p) for p in pids) and time.time() < deadline:
        time.sleep(0.02)
    assert not any(alive(p) for p in pids), "processes survived SIGKILL"
    return len(pids)


def check_nothing_is_lost_or_half_written(s, acknowledged_approvals, acknowledged_events):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(s.var, "gatehouse.db"), uri=True, timeout=10)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        approvals = dict(db.execute("SELECT target, id FROM approvals WHERE reason = 'crash test'"))
        missing = {k: v for k, v in acknowledged_approvals.items() if approvals.get(k) != v}
        assert not missing, "acknowledged approvals lost: %r" % list(missing.items())[:10]
        events = {r[0] for r in db.execute("SELECT id FROM events WHERE type = 'agentic.step'")}
        lost = acknowledged_events - events
        assert not lost, "acknowledged events lost: %r" % sorted(lost)[:10]
        # Every approval has exactly one approval.requested ledger entry, whose
        # event exists, and one webhook delivery; and each of those has its approval.
        rows = db.execute(
            "SELECT a.id, count(DISTINCT l.seq), count(DISTINCT e.seq), count(DISTINCT d.id)"
            " FROM approvals a"
            " LEFT JOIN ledger l ON l.kind = 'approval.requested' AND l.subject = 'approval:' || a.id"
            " LEFT JOIN events e ON e.id = json_extract(l.payload_json, '$.event_id')"
            " LEFT JOIN webhook_deliveries d ON d.event_type = 'approval.requested'"
            "   AND json_extract(d.body, '$.data.id') = a.id"
            " WHERE a.reason = 'crash test' GROUP BY a.id").fetchall()
        half = [r for r in rows if r[1:] != (1, 1, 1)]
        assert not half, "half-written approvals (id, ledger, events, deliveries): %r" % half[:10]
        orphans = db.execute(
            "SELECT count(*) FROM ledger l WHERE l.kind = 'approval.requested'"
            " AND NOT EXISTS (SELECT 1 FROM approvals a WHERE 'approval:' || a.id = l.subject)"
        ).fetchone()[0]
        assert orphans == 0, "ledger entries without their approval"
        orphans = db.execute(
            "SELECT count(*) FROM webhook_deliveries d WHERE d.event_type = 'approval.requested'"
            " AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.id = json_extract(d.body, '$.data.id'))"
        ).fetchone()[0]
        assert orphans == 0, "webhook deliveries without their approval"
        orphans = db.execute(
            "SELECT count(*) FROM events e WHERE e.mission_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM missions m WHERE m.id = e.mission_id)").fetchone()[0]
        assert orphans == 0, "events without their mission"
        return len(approvals), len(events)
    finally:
        db.close()


def test_nothing_acknowledged_is_lost_when_the_whole_stack_is_killed(new_stack):
    s = new_stack("webhook_allow_http = 1\n")
    assert s.admin("user", "add", "crasher", "--role", "requester").returncode == 0
    token = s.admin("token", "create", "--user", "crasher", "--name", "crash").stdout.strip()
    ada = s.admin("token", "create", "--user", "ada", "--name", "hooks").stdout.strip()
    # A subscription, so that each filed request also writes its outbox row.
    r = s.request("POST", "/api/v1/webhooks", body=json.dumps(
        {"url": "http://127.0.0.1:9/hook", "events": ["approval.requested"]}),
        headers={"Authorization": "Bearer " + ada, "Content-Type": "application/json"})
    assert r.status == 201, r.text
    acknowledged_approvals, acknowledged_events = {}, set()
    for round_no in range(1, ROUNDS + 1):
        with Clients(s, token, round_no) as clients:
            # Mid-run: wait until the clients are well under way.
            deadline = time.time() + 20
            while len(clients.approvals) + len(clients.events) < 300 and time.time() < deadline:
                time.sleep(0.05)
            killed = kill_everything(s)
        assert killed >= 5
        acknowledged_approvals.update(clients.approvals)
        acknowledged_events |= clients.events
        assert clients.approvals and clients.events, "no request was answered before the kill"
        # conf/dev/run notices its children died and exits; start it again on the same files.
        s.proc.wait(timeout=30)
        s.proc = None
        s.start()
        r = s.admin("ledger", "verify")
        assert r.returncode == 0, r.stdout + r.stderr
        stored = check_nothing_is_lost_or_half_written(s, acknowledged_approvals, acknowledged_events)
        print("round %d: %d processes killed; %d approvals and %d events acknowledged so far, "
              "%d and %d stored; %d client errors" % (round_no, killed, len(acknowledged_approvals),
                                                      len(acknowledged_events), *stored,
                                                      clients.failures))
    # The service works after it all.
    r = s.request("POST", "/api/v1/approvals", body=json.dumps(
        {"action_type": "deploy.canary", "target": "after", "tier": 2}),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    assert r.status == 201, r.text
