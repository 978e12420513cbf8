"""Verified actions (issue 13) through nginx: contracts read with their
paths and shown to approvers (page and webhooks), the safe-hold snapshot
before the execution report, a contract verified, violated (on every
operator) or unverifiable at the deadline (the worker's --now), the
rollback request delivered once by webhook with the snapshot and checked by
the npm standardwebhooks package, the rollback's outcome once, the mission
timeline telling the whole arc, the list filter, hostile strings inert, the
example executor of docs/examples driven end to end, and every refusal
leaving the database as it was."""

import json
import os
import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from clients import Receiver, sign_in
from stack import REPO, free_port

CONF = "webhook_allow_http = 1\nwebhook_timeout_seconds = 2\n"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def token(s, name):
    r = s.admin("token", "create", "--user", name, "--name", "verified-actions-test")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.fixture(scope="module")
def va(new_stack_module):
    s = new_stack_module(CONF)
    s.tokens = {u: token(s, u) for u in ["alice", "bob", "vera", "ada"]}
    return s


def call(s, user, method, path, body=None):
    return s.request(method, path, body=None if body is None else json.dumps(body),
                     headers={"Authorization": "Bearer " + s.tokens[user], "Content-Type": "application/json"})


def refused(r, status, code):
    assert r.status == status, (r.status, r.text)
    doc = r.json()
    assert doc["error"]["code"] == code, doc
    return doc["error"]


def snapshot(s):
    db = sqlite3.connect(os.path.join(s.var, "gatehouse.db"))
    try:
        return (db.execute("SELECT count(*), max(rowid) FROM ledger").fetchone(),
                db.execute("SELECT count(*) FROM events").fetchone(),
                db.execute("SELECT count(*) FROM approval_samples").fetchone(),
                db.execute("SELECT count(*) FROM webhook_deliveries").fetchone(),
                db.execute("SELECT group_concat(id || ':' || coalesce(snapshot_json, '') || ':'"
                           " || coalesce(verification_state, '') || ':' || coalesce(rollback_json, ''))"
                           " FROM approvals").fetchone())
    finally:
        db.close()


ERROR_RATE = {"name": "error_rate", "metric": "error_rate", "op": "<", "threshold": 0.001}


def granted(s, contract, mission="m-verify"):
    """A tier 2 restart with this contract, approved by bob; returns its id."""
    r = call(s, "alice", "POST", "/api/v1/approvals", {
        "action_type": "restart_service", "target": "payments-api", "tier": 2, "mission_id": mission,
        "reason": "memory leak", "contract": contract})
    assert r.status == 201, r.text
    a = r.json()["data"]
    assert a["contract"]["criteria"][0]["aggregate"] == "last"
    assert a["verification"] is None and a["snapshot"] is None and a["rollback"] is None
    r = call(s, "bob", "POST", "/api/v1/approvals/%d/votes" % a["id"], {"verdict": "approve"})
    assert r.status == 200 and r.json()["data"]["status"] == "approved", r.text
    return a["id"]


def take_snapshot(s, aid, sid="vm-snap-1", details=None):
    r = call(s, "alice", "POST", "/api/v1/approvals/%d/snapshot" % aid,
             {"snapshot_id": sid, "kind": "vm-image", "details": details or {"region": "eu-west-1"}})
    assert r.status == 200, r.text
    return r.json()["data"]


def execute(s, aid, metrics):
    return call(s, "alice", "POST", "/api/v1/approvals/%d/execution" % aid,
                {"ok": True, "status": "succeeded", "metrics": metrics})


def test_contracts_are_validated_with_their_paths(va):
    before = snapshot(va)
    r = call(va, "alice", "POST", "/api/v1/approvals", {
        "action_type": "restart_service", "target": "x", "tier": 2,
        "contract": {"criteria": [{"name": "e", "metric": "error_rate", "op": "=<", "threshold": "low",
                                   "critical": True}], "verify_within_seconds": 5, "extra": 1}})
    e = refused(r, 400, "validation_failed")
    assert sorted(d["field"] for d in e["details"]) == [
        "contract.criteria[0].critical", "contract.criteria[0].op", "contract.criteria[0].threshold",
        "contract.extra", "contract.verify_within_seconds"]
    e = refused(call(va, "alice", "POST", "/api/v1/approvals", {
        "action_type": "restart_service", "target": "x", "tier": 2, "contract": {"criteria": []}}),
        400, "validation_failed")
    assert [d["field"] for d in e["details"]] == ["contract.criteria"]
    assert snapshot(va) == before


def test_a_kept_promise_is_verified(va):
    aid = granted(va, {"criteria": [ERROR_RATE], "verify_within_seconds": 600})
    before = snapshot(va)
    e = refused(execute(va, aid, {"error_rate": 0.0004}), 409, "conflict")
    assert "snapshot" in e["message"]
    assert snapshot(va) == before
    take_snapshot(va, aid)
    refused(call(va, "alice", "POST", "/api/v1/approvals/%d/snapshot" % aid,
                 {"snapshot_id": "again", "kind": "vm-image"}), 409, "conflict")
    r = execute(va, aid, {"error_rate": 0.0004, "note": "not a number: ignored"})
    assert r.status == 200, r.text
    a = r.json()["data"]
    v = a["verification"]
    assert v["state"] == "verified" and v["decided_at"] is not None
    assert v["criteria"] == [{"name": "error_rate", "metric": "error_rate", "op": "<", "threshold": 0.001,
                              "aggregate": "last", "observed": 0.0004, "passed": True}]
    assert a["rollback"] is None
    refused(call(va, "alice", "POST", "/api/v1/approvals/%d/metrics" % aid,
                 {"samples": [{"name": "error_rate", "value": 0.5}]}), 409, "conflict")
    refused(call(va, "alice", "POST", "/api/v1/approvals/%d/rollback-result" % aid,
                 {"ok": True, "status": "restored"}), 409, "conflict")


def test_a_broken_promise_asks_for_the_rollback_once(va):
    port = free_port()
    hook = call(va, "ada", "POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:%d/hook" % port,
                                                        "events": ["action.rollback_requested", "action.violated"]})
    assert hook.status == 201, hook.text
    rx = Receiver(port, hook.json()["data"]["secret"], "200", va.var)
    try:
        aid = granted(va, {"criteria": [ERROR_RATE], "verify_within_seconds": 600}, mission="m-broken")
        take_snapshot(va, aid, sid="safe-hold-42")
        a = execute(va, aid, {"error_rate": 0.02}).json()["data"]
        assert a["verification"]["state"] == "violated"
        assert a["rollback"]["snapshot_id"] == "safe-hold-42" and a["rollback"]["result"] is None
        r = subprocess.run([os.path.join(REPO, "bin/gatehouse-worker"), "--config", va.conf, "run", "--job",
                            "deliver-webhooks"], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout
        got = [json.loads(q["body"]) | {"verified": q["verified"]} for q in rx.requests()]
        got = [g for g in got if g["data"]["id"] == aid]
        assert sorted(g["type"] for g in got) == ["action.rollback_requested", "action.violated"]
        assert all(g["verified"] for g in got)
        rb = [g for g in got if g["type"] == "action.rollback_requested"][0]["data"]
        assert rb["rollback"]["snapshot_id"] == "safe-hold-42"
        assert rb["failed_criteria"][0]["name"] == "error_rate" and rb["failed_criteria"][0]["observed"] == 0.02
        # The executor's rollback outcome, once.
        r = call(va, "alice", "POST", "/api/v1/approvals/%d/rollback-result" % aid,
                 {"ok": True, "status": "restored", "restored_snapshot_id": "safe-hold-42"})
        assert r.status == 200, r.text
        assert r.json()["data"]["rollback"]["result"]["restored_snapshot_id"] == "safe-hold-42"
        refused(call(va, "alice", "POST", "/api/v1/approvals/%d/rollback-result" % aid,
                     {"ok": True, "status": "restored"}), 409, "conflict")
        # The mission's timeline tells the whole arc.
        types = [e["type"] for e in call(va, "vera", "GET", "/api/v1/missions/m-broken/timeline").json()["data"]]
        assert types == ["approval.requested", "approval.granted", "action.snapshot_taken", "approval.executed",
                         "action.violated", "action.rollback_requested", "action.rollback_reported"]
        listed = call(va, "vera", "GET", "/api/v1/approvals?verification=violated").json()["data"]
        assert aid in [x["id"] for x in listed] and all(x["verification"]["state"] == "violated" for x in listed)
    finally:
        rx.stop()


@pytest.mark.parametrize("op,threshold", [("<", 0.01), ("<=", 0.019), (">", 0.03), (">=", 0.021),
                                          ("==", 0.01), ("!=", 0.02)])
def test_a_contract_fails_on_each_operator(va, op, threshold):
    aid = granted(va, {"criteria": [{"name": "check", "metric": "error_rate", "op": op, "threshold": threshold}]})
    take_snapshot(va, aid)
    a = execute(va, aid, {"error_rate": 0.02}).json()["data"]
    assert a["verification"]["state"] == "violated", (op, a["verification"])


def test_evidence_until_the_deadline_then_unverifiable(va):
    contract = {"criteria": [ERROR_RATE, {"name": "latency", "metric": "p95_ms", "op": "<", "threshold": 200,
                                          "aggregate": "max"}], "verify_within_seconds": 60}
    # Pending, then verified by posted samples.
    aid = granted(va, contract)
    take_snapshot(va, aid)
    a = execute(va, aid, {"error_rate": 0.0002}).json()["data"]
    assert a["verification"]["state"] == "pending" and a["verification"]["decided_at"] is None
    assert [c["observed"] for c in a["verification"]["criteria"]] == [0.0002, None]
    r = call(va, "alice", "POST", "/api/v1/approvals/%d/metrics" % aid,
             {"samples": [{"name": "p95_ms", "value": 120}, {"name": "p95_ms", "value": 180}]})
    assert r.status == 200 and r.json()["data"]["verification"]["state"] == "verified", r.text
    # Pending past the deadline: the worker closes it as unverifiable.
    aid = granted(va, contract)
    take_snapshot(va, aid)
    execute(va, aid, {"error_rate": 0.0002})
    deadline = datetime.now(timezone.utc) + timedelta(seconds=61)
    worker = [os.path.join(REPO, "bin/gatehouse-worker"), "--config", va.conf, "run", "--job", "verify-actions", "--now"]
    r = subprocess.run(worker + [iso(datetime.now(timezone.utc))], capture_output=True, text=True)
    assert r.returncode == 0
    assert call(va, "vera", "GET", "/api/v1/approvals/%d" % aid).json()["data"]["verification"]["state"] == "pending"
    r = subprocess.run(worker + [iso(deadline)], capture_output=True, text=True)
    assert r.returncode == 0 and "closed at the deadline" in r.stdout, r.stdout
    v = call(va, "vera", "GET", "/api/v1/approvals/%d" % aid).json()["data"]["verification"]
    assert v["state"] == "unverifiable" and v["criteria"][1]["observed"] is None


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def login(s, user):
    return {"Cookie": sign_in(s, user)}


def test_approvers_see_the_contract_and_hostile_strings_stay_inert(va):
    r = call(va, "alice", "POST", "/api/v1/approvals", {
        "action_type": "restart_service", "target": "payments-api", "tier": 2, "mission_id": "m-hostile",
        "contract": {"criteria": [ERROR_RATE]}})
    aid = r.json()["data"]["id"]
    cookie = login(va, "bob")
    page = va.get("/approvals/%d" % aid, headers=cookie).text
    assert "Contract" in page and "error_rate" in page and "&lt; 0.001" in page
    assert "Not executed yet" in page and "Not named yet" in page
    call(va, "bob", "POST", "/api/v1/approvals/%d/votes" % aid, {"verdict": "approve"})
    take_snapshot(va, aid, sid=HOSTILE, details={"note": HOSTILE})
    execute(va, aid, {"error_rate": 0.5})
    call(va, "alice", "POST", "/api/v1/approvals/%d/rollback-result" % aid,
         {"ok": False, "status": HOSTILE[:60], "restored_snapshot_id": HOSTILE})
    for path in ["/approvals/%d" % aid, "/missions/m-hostile", "/approvals?verification=violated"]:
        page = va.get(path, headers=cookie)
        assert page.status == 200, path
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, path
    page = va.get("/approvals/%d" % aid, headers=cookie).text
    assert "Violated: the action broke its contract" in page and "&lt;script&gt;" in page


def test_the_example_executor_honours_contracts(va):
    env = dict(os.environ, GATEHOUSE_URL="http://127.0.0.1:%d" % va.port, GATEHOUSE_TOKEN=va.tokens["alice"])
    example = os.path.join(REPO, "docs/examples/executor.py")
    kept = granted(va, {"criteria": [ERROR_RATE]}, mission="m-example")
    r = subprocess.run(["python3", example, str(kept)], env=dict(env, MEASURED='{"error_rate": 0.0003}'),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "verified", r.stdout + r.stderr
    broken = granted(va, {"criteria": [ERROR_RATE]}, mission="m-example")
    r = subprocess.run(["python3", example, str(broken)], env=dict(env, MEASURED='{"error_rate": 0.02}'),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "violated", r.stdout + r.stderr
    a = call(va, "vera", "GET", "/api/v1/approvals/%d" % broken).json()["data"]
    assert a["snapshot"]["snapshot_id"] == "snap-%d" % broken
    assert a["rollback"]["result"]["ok"] is True
