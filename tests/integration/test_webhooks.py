"""Outbound webhooks through the real worker and a receiver on loopback that
checks signatures with the npm standardwebhooks package."""

import json
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest

from clients import Receiver
from stack import REPO, free_port

CONF = "webhook_allow_http = 1\nwebhook_timeout_seconds = 2\n"


@pytest.fixture
def hooks(new_stack):
    s = new_stack(CONF)
    r = s.admin("token", "create", "--user", "ada", "--name", "hooks")
    s.auth = {"Authorization": "Bearer " + r.stdout.strip(), "Content-Type": "application/json"}
    s.receivers = []
    yield s
    for rcv in s.receivers:
        rcv.stop()


def subscribe(s, plan, events=("ledger.checkpoint",)):
    port = free_port()
    body = json.dumps({"url": "http://127.0.0.1:%d/hook" % port, "events": list(events),
                       "description": "test receiver"})
    r = s.request("POST", "/api/v1/webhooks", body=body, headers=s.auth)
    assert r.status == 201, r.text
    sub = r.json()["data"]
    rcv = Receiver(port, sub["secret"], plan, s.var)
    s.receivers.append(rcv)
    return sub, rcv


def worker(s, *args, now=None):
    cmd = [os.path.join(REPO, "bin/gatehouse-worker"), "--config", s.conf, "run", *args]
    if now is not None:
        cmd += ["--now", now.strftime("%Y-%m-%dT%H:%M:%S.000Z")]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def new_checkpoint(s, name):
    """A ledger entry and a freshly signed head: one ledger.checkpoint event."""
    assert s.admin("user", "add", name, "--role", "viewer").returncode == 0
    r = worker(s, "--job", "sign-checkpoint")
    assert r.returncode == 0, r.stdout + r.stderr


def deliveries(s, sub_id):
    r = s.get("/api/v1/webhooks/%d/deliveries" % sub_id, headers=s.auth)
    assert r.status == 200, r.text
    return r.json()["data"]


def later(seconds):
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


def test_subscriptions_are_admin_only_and_checked(hooks):
    sub, _ = subscribe(hooks, "200")
    assert sub["secret"].startswith("whsec_") and sub["state"] == "active"
    listed = hooks.get("/api/v1/webhooks", headers=hooks.auth)
    assert listed.status == 200 and "whsec_" not in listed.text
    bad = hooks.request("POST", "/api/v1/webhooks", headers=hooks.auth,
                        body=json.dumps({"url": "https://x.example/h", "events": ["nope.never"]}))
    assert bad.status == 400 and "unknown event type" in bad.text
    bad = hooks.request("POST", "/api/v1/webhooks", headers=hooks.auth,
                        body=json.dumps({"url": "ftp://x.example/h", "events": ["ledger.checkpoint"]}))
    assert bad.status == 400
    bad = hooks.request("POST", "/api/v1/webhooks", headers=hooks.auth,
                        body=json.dumps({"url": "https://x.example/h", "events": ["ledger.checkpoint"], "colour": 1}))
    assert bad.status == 400 and "colour" in bad.text
    viewer = hooks.admin("token", "create", "--user", "vera", "--name", "v").stdout.strip()
    r = hooks.get("/api/v1/webhooks", headers={"Authorization": "Bearer " + viewer})
    assert r.status == 403
    assert hooks.request("DELETE", "/api/v1/webhooks/%d" % sub["id"], headers=hooks.auth).status == 200
    assert hooks.get("/api/v1/webhooks/%d" % sub["id"], headers=hooks.auth).status == 404
    kinds = [e["kind"] for e in hooks.get("/api/v1/ledger?limit=200", headers=hooks.auth).json()["data"]]
    assert "webhook.added" in kinds and "webhook.deleted" in kinds


def test_refusals_name_the_field_at_fault(hooks):
    """API.md: an unknown event type is validation_failed with details[].field = events."""
    def refusal(body):
        r = hooks.request("POST", "/api/v1/webhooks", headers=hooks.auth, body=json.dumps(body))
        assert r.status == 400, r.text
        error = r.json()["error"]
        assert error["code"] == "validation_failed"
        return {d["field"]: d["problem"] for d in error["details"]}

    assert "unknown event type 'nope.never'" in refusal(
        {"url": "https://x.example/h", "events": ["ledger.checkpoint", "nope.never"]})["events"]
    assert set(refusal({"url": "https://x.example/h", "events": []})) == {"events"}
    assert set(refusal({"url": "https://x.example/h", "events": [7]})) == {"events"}
    assert set(refusal({"url": "ftp://x.example/h", "events": ["ledger.checkpoint"]})) == {"url"}
    assert set(refusal({"url": "https://x .example/h", "events": ["ledger.checkpoint"]})) == {"url"}
    assert hooks.get("/api/v1/webhooks", headers=hooks.auth).json()["data"] == []


def test_a_500_is_retried_and_delivered_once_with_the_same_id(hooks):
    sub, rcv = subscribe(hooks, "500,200")
    new_checkpoint(hooks, "u1")
    r = worker(hooks, "--job", "deliver-webhooks")
    assert "0 delivered, 1 to retry" in r.stdout, r.stdout + r.stderr
    d = deliveries(hooks, sub["id"])[0]
    assert d["status"] == "pending" and d["attempts"] == 1 and d["last_status_code"] == 500
    # Not due again for about 5 s: a run now sends nothing.
    assert "0 delivered, 0 to retry" in worker(hooks, "--job", "deliver-webhooks").stdout
    r = worker(hooks, "--job", "deliver-webhooks", now=later(10))
    assert "1 delivered" in r.stdout, r.stdout + r.stderr
    d = deliveries(hooks, sub["id"])[0]
    assert d["status"] == "delivered" and d["attempts"] == 2 and d["delivered_at"]
    reqs = rcv.requests()
    assert len(reqs) == 2
    assert all(q["verified"] for q in reqs), reqs
    assert reqs[0]["id"] == reqs[1]["id"] == d["msg_id"]
    assert reqs[0]["content_type"] == "application/json"
    assert reqs[0]["user_agent"].startswith("Gatehouse-Webhooks/")
    body = json.loads(reqs[1]["body"])
    assert body["type"] == "ledger.checkpoint" and body["data"]["signature"]


def test_410_disables_the_subscription(hooks):
    sub, rcv = subscribe(hooks, "410")
    new_checkpoint(hooks, "u2")
    worker(hooks, "--job", "deliver-webhooks")
    assert hooks.get("/api/v1/webhooks/%d" % sub["id"], headers=hooks.auth).json()["data"]["state"] == "disabled"
    d = deliveries(hooks, sub["id"])[0]
    assert d["status"] == "failed" and d["last_status_code"] == 410
    new_checkpoint(hooks, "u3")
    worker(hooks, "--job", "deliver-webhooks", now=later(3600))
    assert len(rcv.requests()) == 1


def test_a_stall_times_out_and_a_redirect_is_not_followed(hooks):
    stalled, rcv1 = subscribe(hooks, "stall:15")
    moved, rcv2 = subscribe(hooks, "redirect")
    new_checkpoint(hooks, "u4")
    started = time.time()
    r = worker(hooks, "--job", "deliver-webhooks")
    assert time.time() - started < 10
    assert "2 to retry" in r.stdout, r.stdout + r.stderr
    d1 = deliveries(hooks, stalled["id"])[0]
    assert d1["status"] == "pending" and d1["last_status_code"] is None
    assert "timed out" in d1["last_error"].lower()
    d2 = deliveries(hooks, moved["id"])[0]
    assert d2["last_status_code"] == 302
    assert [q["path"] for q in rcv2.requests()] == ["/hook"]  # /elsewhere never asked
    # An admin can make a delivery due again at once.
    r = hooks.request("POST", "/api/v1/webhooks/%d/deliveries/%d/retry" % (moved["id"], d2["id"]),
                      headers=hooks.auth)
    assert r.status == 200, r.text
    worker(hooks, "--job", "deliver-webhooks")
    assert len(rcv2.requests()) == 2
    r = hooks.request("POST", "/api/v1/webhooks/%d/deliveries/999/retry" % moved["id"], headers=hooks.auth)
    assert r.status == 404


def test_two_workers_at_once_deliver_each_message_once(hooks):
    subs = [subscribe(hooks, "200") for _ in range(6)]
    for i in range(5):
        new_checkpoint(hooks, "w%d" % i)
    procs = [subprocess.Popen([os.path.join(REPO, "bin/gatehouse-worker"), "--config", hooks.conf,
                               "run", "--job", "deliver-webhooks"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    ids = [q["id"] for _, rcv in subs for q in rcv.requests()]
    assert len(ids) == 30, outs
    assert len(set(ids)) == 30
    for sub, _ in subs:
        assert all(d["status"] == "delivered" for d in deliveries(hooks, sub["id"]))


def test_a_worker_killed_mid_delivery_is_followed_by_redelivery(hooks):
    sub, rcv = subscribe(hooks, "stall:30,200")
    new_checkpoint(hooks, "k1")
    p = subprocess.Popen([os.path.join(REPO, "bin/gatehouse-worker"), "--config", hooks.conf, "run",
                          "--job", "deliver-webhooks"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not rcv.requests() and time.time() < deadline:
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    # The dead worker's lease on the job (and on the delivery) has not lapsed yet.
    assert "another worker holds its lease" in worker(hooks, "--job", "deliver-webhooks").stdout
    r = worker(hooks, "--job", "deliver-webhooks", now=later(150))  # the leases have lapsed
    assert "1 delivered" in r.stdout, r.stdout + r.stderr
    reqs = rcv.requests()
    assert len(reqs) == 2 and reqs[0]["id"] == reqs[1]["id"] and reqs[1]["verified"]


def test_retry_after_is_honoured(hooks):
    sub, rcv = subscribe(hooks, "429:120,200")
    new_checkpoint(hooks, "r1")
    worker(hooks, "--job", "deliver-webhooks")
    d = deliveries(hooks, sub["id"])[0]
    assert d["last_status_code"] == 429 and d["status"] == "pending"
    due = datetime.strptime(d["next_attempt_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    wait = (due - datetime.now(timezone.utc)).total_seconds()
    assert 100 < wait <= 121, wait
    assert "0 delivered" in worker(hooks, "--job", "deliver-webhooks", now=later(60)).stdout
    assert "1 delivered" in worker(hooks, "--job", "deliver-webhooks", now=later(125)).stdout


def test_the_worker_daemon_stops_cleanly_on_sigterm(hooks):
    p = subprocess.Popen([os.path.join(REPO, "bin/gatehouse-worker"), "--config", hooks.conf, "run",
                          "--interval", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    assert p.returncode == 0, err
    assert "worker stopped" in err
    assert "deliver-webhooks: ok" in out
