"""Staged deployments (issue 12) through nginx: plans validated with JSON
paths (API and CLI), deployments filed idempotently, samples stored all or
none, gates on the reference numbers, the worker's one evaluation per phase
and the sustained-trigger rule at 299 s and 301 s with its --now, the
executor's status reports, executive sign-off (API and the report's form,
with CSRF) and its override rule, the report's recommendation for clean,
blocked and triggered rollouts, the record download, rollback.triggered and
deployment.signed_off webhooks checked by the npm standardwebhooks package,
hostile strings inert on every page, and refusals that change nothing."""

import hashlib
import json
import os
import sqlite3
import struct
import subprocess
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest

from clients import Receiver, demo_login
from stack import REPO, free_port

CONF = "webhook_allow_http = 1\nwebhook_timeout_seconds = 2\n"
PLAN = os.path.join(REPO, "conf/plans/t4-72h.json")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def iso(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def token(s, name):
    r = s.admin("token", "create", "--user", name, "--name", "deployments-test")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.fixture(scope="module")
def dp(new_stack_module):
    s = new_stack_module(CONF)
    s.tokens = {u: token(s, u) for u in ["alice", "bob", "erin", "vera", "ada"]}
    return s


def hdr(s, user):
    return {"Authorization": "Bearer " + s.tokens[user], "Content-Type": "application/json"}


def call(s, user, method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    return s.request(method, path, body=data, headers=hdr(s, user))


def refused(r, status, code):
    assert r.status == status, (r.status, r.text)
    doc = r.json()
    assert set(doc) == {"error", "meta"}, doc
    assert doc["error"]["code"] == code, doc
    assert doc["meta"]["request_id"] == r.headers["x-request-id"]
    return doc["error"]


def delivered(rx):
    """What the receiver got: each delivery's verification and parsed body."""
    return [{"verified": q["verified"], "body": json.loads(q["body"])} for q in rx.requests()]


def fields_of(error):
    return [d["field"] for d in error["details"]]


def snapshot(s):
    """Everything a refused deployment request must leave as it was."""
    db = sqlite3.connect(os.path.join(s.var, "gatehouse.db"))
    try:
        return {t: db.execute("SELECT count(*), coalesce(max(rowid), 0) FROM %s" % t).fetchone()
                for t in ["deployments", "deployment_samples", "gate_decisions", "deployment_signoffs",
                          "deployment_triggers_fired", "ledger", "events", "plans", "webhook_deliveries"]} | {
            "aggregates": db.execute("SELECT count(*), total(count), total(sum) FROM deployment_aggregates").fetchone(),
            "status": db.execute("SELECT group_concat(id || ':' || status) FROM deployments").fetchone(),
            "plan_revisions": db.execute("SELECT group_concat(name || ':' || revision) FROM plans").fetchone()}
    finally:
        db.close()


serial = 0


def new_deployment(s, hours_ago, **fields):
    """A deployment on the sample plan that started hours_ago; returns (id, start)."""
    global serial
    serial += 1
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=hours_ago)
    body = {"id": "dep-%d" % serial, "name": "Guardian Safety Tags v%d" % serial, "plan": "t4-72h",
            "started_at": iso(start), **fields}
    r = call(s, "alice", "POST", "/api/v1/deployments", body)
    assert r.status == 201, r.text
    return body["id"], start


def post(s, dep, samples):
    r = call(s, "alice", "POST", "/api/v1/deployments/%s/metrics" % dep,
             {"samples": [{"name": n, "value": v, "at": iso(t)} for n, v, t in samples]})
    assert r.status == 202, r.text
    return r.json()["data"]


def evaluate(s, dep, phase=None, user="alice"):
    return call(s, user, "POST", "/api/v1/deployments/%s/evaluate" % dep,
                {"phase": phase} if phase else None)


def worker(s, *args):
    return subprocess.run([os.path.join(REPO, "bin/gatehouse-worker"), "--config", s.conf, "run", *args],
                          capture_output=True, text=True, timeout=60)


def report(s, dep):
    r = call(s, "vera", "GET", "/api/v1/deployments/%s/report" % dep)
    assert r.status == 200, r.text
    return r.json()["data"]


def t8h_samples(start, accuracy, minutes=30):
    at = start + timedelta(hours=8, minutes=minutes)
    return [("cpu_overhead", 0.023, at), ("error_rate", 0.0004, at), ("tag_accuracy", accuracy, at)]


# --- plans ------------------------------------------------------------------------------

def test_the_sample_plan_is_stored_and_served(dp):
    r = call(dp, "vera", "GET", "/api/v1/plans/t4-72h")
    assert r.status == 200, r.text
    plan = r.json()["data"]
    assert [p["id"] for p in plan["phases"]] == ["t0h", "t8h", "t16h", "t24h", "t48h", "t72h"]
    t8h = plan["phases"][1]["criteria"]
    assert [(c["name"], c["metric"], c["op"], c["threshold"]) for c in t8h] == [
        ("performance_impact", "cpu_overhead", "<", 0.1), ("error_rate", "error_rate", "<", 0.001),
        ("tag_detection", "tag_accuracy", ">", 0.95)]
    assert [t["name"] for t in plan["rollback_triggers"]] == [
        "error_rate_spike", "performance_degradation", "drift_critical"]
    assert plan["revision"] == 1
    assert [p["name"] for p in call(dp, "vera", "GET", "/api/v1/plans").json()["data"]] == ["t4-72h"]


def test_plan_errors_name_their_json_path_and_store_nothing(dp):
    before = snapshot(dp)
    bad = {"phases": [{"id": "a", "at_hours": 8, "title": "A"},
                      {"id": "a", "at_hours": 4, "title": "B",
                       "criteria": [{"name": "c", "metric": "m", "op": "=>", "threshold": "high",
                                     "aggregate": "median"}]}],
           "rollback_triggers": [{"name": "t", "metric": "m", "op": ">", "threshold": 1,
                                  "for_seconds": 10, "action": "panic"}]}
    e = refused(call(dp, "ada", "PUT", "/api/v1/plans/broken", bad), 400, "validation_failed")
    assert fields_of(e) == ["phases[1].criteria[0].op", "phases[1].criteria[0].threshold",
                            "phases[1].criteria[0].aggregate", "phases[1].id", "phases[1].at_hours",
                            "rollback_triggers[0].action"]
    refused(call(dp, "ada", "PUT", "/api/v1/plans/broken", {**bad, "name": "other"}), 400,
            "validation_failed")
    refused(call(dp, "alice", "PUT", "/api/v1/plans/broken", bad), 403, "forbidden")
    # The CLI says the same, one problem a line, and exits 1.
    path = os.path.join(dp.var, "broken.json")
    with open(path, "w") as f:
        json.dump({"name": "broken", **bad}, f)
    r = dp.admin("plan", "load", path)
    assert r.returncode == 1
    assert "phases[1].criteria[0].op must be one of <, <=, >, >=, ==, !=" in r.stderr
    assert "6 problems in the plan; nothing stored" in r.stderr
    assert snapshot(dp) == before


def test_storing_a_plan_makes_revisions_and_keeps_running_deployments(dp):
    with open(PLAN) as f:
        doc = json.load(f)
    doc["name"] = "t4-copy"
    assert call(dp, "ada", "PUT", "/api/v1/plans/t4-copy", doc).status == 201
    again = call(dp, "ada", "PUT", "/api/v1/plans/t4-copy", doc)
    assert again.status == 200 and again.json()["data"]["revision"] == 1
    dep, _ = new_deployment(dp, 1, plan="t4-copy")
    doc["phases"][1]["criteria"][2]["threshold"] = 0.99
    changed = call(dp, "ada", "PUT", "/api/v1/plans/t4-copy", doc).json()["data"]
    assert changed["revision"] == 2
    d = call(dp, "vera", "GET", "/api/v1/deployments/" + dep).json()["data"]
    assert d["plan"]["revision"] == 1
    assert d["plan"]["phases"][1]["criteria"][2]["threshold"] == 0.95


# --- deployments and samples ----------------------------------------------------------------

def test_creating_is_idempotent_and_refusals_change_nothing(dp):
    dep, start = new_deployment(dp, 2)
    body = {"id": dep, "name": "Guardian Safety Tags v%d" % serial, "plan": "t4-72h", "started_at": iso(start)}
    again = call(dp, "alice", "POST", "/api/v1/deployments", body)
    assert again.status == 200 and again.json()["data"]["id"] == dep
    before = snapshot(dp)
    refused(call(dp, "alice", "POST", "/api/v1/deployments", {**body, "name": "other"}), 409, "conflict")
    e = refused(call(dp, "alice", "POST", "/api/v1/deployments", {**body, "id": "x-1", "plan": "nope"}),
                400, "validation_failed")
    assert fields_of(e) == ["plan"]
    e = refused(call(dp, "alice", "POST", "/api/v1/deployments",
                     {"id": "bad id", "name": "", "plan": "t4-72h", "started_at": "yesterday", "extra": 1}),
                400, "validation_failed")
    assert sorted(fields_of(e)) == ["extra", "id", "name", "started_at"]
    refused(call(dp, "vera", "POST", "/api/v1/deployments", body), 403, "forbidden")
    refused(call(dp, "alice", "POST", "/api/v1/deployments", raw="{"), 400, "invalid_json")
    assert snapshot(dp) == before
    d = call(dp, "vera", "GET", "/api/v1/deployments/" + dep).json()["data"]
    assert d["status"] == "in_progress" and d["phase"] == "t0h"
    assert d["mission_id"] == dep
    assert [p["begun"] for p in d["phases"]] == [True] + [False] * 5


def test_samples_are_validated_and_stored_all_or_none(dp):
    dep, start = new_deployment(dp, 10)
    before = snapshot(dp)
    at = iso(start + timedelta(hours=9))
    e = refused(call(dp, "alice", "POST", "/api/v1/deployments/%s/metrics" % dep, {"samples": [
        {"name": "error_rate", "value": 0.1, "at": at},
        {"name": "Bad-Name", "value": "high", "at": "later", "extra": True}]}), 400, "validation_failed")
    assert sorted(fields_of(e)) == ["samples[1].at", "samples[1].extra", "samples[1].name",
                                    "samples[1].value"]
    e = refused(call(dp, "alice", "POST", "/api/v1/deployments/%s/metrics" % dep,
                     {"samples": [{"name": "x", "value": 1}] * 5001}), 400, "validation_failed")
    assert fields_of(e) == ["samples"]
    refused(call(dp, "alice", "POST", "/api/v1/deployments/nope/metrics",
                 {"samples": [{"name": "x", "value": 1}]}), 404, "not_found")
    refused(call(dp, "vera", "POST", "/api/v1/deployments/%s/metrics" % dep,
                 {"samples": [{"name": "x", "value": 1}]}), 403, "forbidden")
    assert snapshot(dp) == before
    batch = [("error_rate", 0.0001 * i, start + timedelta(hours=9, seconds=i)) for i in range(5000)]
    ok = post(dp, dep, batch)
    assert ok == {"deployment_id": dep, "accepted": 5000}
    entry = [e for e in call(dp, "vera", "GET", "/api/v1/ledger?limit=200&after=%d" % (before["ledger"][1]))
             .json()["data"] if e["kind"] == "deployment.metrics"][-1]
    assert entry["payload"]["count"] == 5000
    # The ledger's proof of the batch, recomputed as docs/deployments.md says.
    digest = hashlib.sha256()
    for name, value, t in batch:
        digest.update(name.encode() + b"\0" + struct.pack(">qd", int(t.timestamp() * 1000), value))
    assert entry["payload"]["samples_sha256"] == digest.hexdigest()


def test_gates_judge_the_reference_numbers(dp):
    dep, start = new_deployment(dp, 9)
    post(dp, dep, t8h_samples(start, 0.93))
    r = evaluate(dp, dep, "t8h")
    assert r.status == 200, r.text
    d = r.json()["data"]
    assert set(d) == {"phase", "proceed", "criteria_met", "total_criteria", "blockers", "evaluated_at",
                      "criteria"}
    assert (d["phase"], d["proceed"], d["criteria_met"], d["total_criteria"], d["blockers"]) == (
        "t8h", False, 2, 3, ["tag_detection"])
    tag = [c for c in d["criteria"] if c["name"] == "tag_detection"][0]
    assert tag == {"name": "tag_detection", "metric": "tag_accuracy", "op": ">", "threshold": 0.95,
                   "aggregate": "last", "observed": 0.93, "passed": False}
    # The fix arrives: the latest accuracy is what counts; the current phase by default.
    post(dp, dep, [("tag_accuracy", 0.97, start + timedelta(hours=8, minutes=40))])
    d = evaluate(dp, dep).json()["data"]
    assert (d["phase"], d["proceed"], d["blockers"]) == ("t8h", True, [])
    # A criterion without samples fails with nothing observed.
    dep2, start2 = new_deployment(dp, 9)
    post(dp, dep2, [("cpu_overhead", 0.023, start2 + timedelta(hours=8, minutes=5))])
    d = evaluate(dp, dep2, "t8h").json()["data"]
    assert d["blockers"] == ["error_rate", "tag_detection"]
    assert [c["observed"] for c in d["criteria"]] == [0.023, None, None]
    before = snapshot(dp)
    refused(evaluate(dp, dep, "t16h"), 409, "conflict")
    e = refused(evaluate(dp, dep, "t99h"), 400, "validation_failed")
    assert fields_of(e) == ["phase"]
    refused(evaluate(dp, dep, user="vera"), 403, "forbidden")
    assert snapshot(dp) == before


def test_the_worker_judges_each_phase_once_when_it_ends(dp):
    dep, start = new_deployment(dp, 1)
    post(dp, dep, t8h_samples(start, 0.97))

    def scheduled():
        db = sqlite3.connect(os.path.join(dp.var, "gatehouse.db"))
        try:
            return db.execute("SELECT g.phase FROM gate_decisions g JOIN deployments d ON d.num = g.deployment"
                              " WHERE d.id = ? AND g.scheduled = 1 ORDER BY g.id", (dep,)).fetchall()
        finally:
            db.close()

    for hours, expect in [(7, []), (9, [("t0h",)]), (10, [("t0h",)]),
                          (17, [("t0h",), ("t8h",)]), (17.5, [("t0h",), ("t8h",)])]:
        r = worker(dp, "--job", "evaluate-gates", "--now", iso(start + timedelta(hours=hours)))
        assert r.returncode == 0, r.stdout + r.stderr
        assert scheduled() == expect, (hours, r.stdout)
    d = call(dp, "vera", "GET", "/api/v1/deployments/" + dep).json()["data"]
    t8h = d["phases"][1]["latest_decision"]
    assert t8h["proceed"] is True and t8h["evaluated_at"] == iso(start + timedelta(hours=17))


def sustained_breach(s, dep, breach):
    post(s, dep, [("error_rate", 0.0004, breach - timedelta(seconds=10))] +
         [("error_rate", 0.015, breach + timedelta(seconds=10 * i)) for i in range(40)])


def test_a_trigger_fires_after_300_seconds_not_299(dp):
    receiver_port = free_port()
    hook = call(dp, "ada", "POST", "/api/v1/webhooks",
                {"url": "http://127.0.0.1:%d/hook" % receiver_port, "events": ["rollback.triggered"]})
    assert hook.status == 201, hook.text
    rx = Receiver(receiver_port, hook.json()["data"]["secret"], "200", dp.var)
    try:
        dep, start = new_deployment(dp, 31)
        breach = start + timedelta(hours=30)
        sustained_breach(dp, dep, breach)
        # The worker watches every deployment of the stack: look at this one's state, not its count.
        r = worker(dp, "--job", "evaluate-gates", "--now", iso(breach + timedelta(seconds=299)))
        assert r.returncode == 0, r.stdout
        d = call(dp, "vera", "GET", "/api/v1/deployments/" + dep).json()["data"]
        assert (d["status"], d["triggers_fired"]) == ("in_progress", [])
        r = worker(dp, "--job", "evaluate-gates", "--now", iso(breach + timedelta(seconds=301)))
        assert "rollback trigger" in r.stdout and "0 rollback triggers fired" not in r.stdout, r.stdout
        d = call(dp, "vera", "GET", "/api/v1/deployments/" + dep).json()["data"]
        assert d["status"] == "rolling_back"
        fired = d["triggers_fired"]
        assert [(f["name"], f["action"]) for f in fired] == [("error_rate_spike", "immediate_rollback")]
        assert fired[0]["evidence"]["latest_value"] == 0.015 and fired[0]["evidence"]["value_before_window"] == 0.015
        # Rolling back, it is not watched: another run fires nothing more.
        r = worker(dp, "--job", "evaluate-gates", "--now", iso(breach + timedelta(seconds=400)))
        assert r.returncode == 0
        assert len(call(dp, "vera", "GET", "/api/v1/deployments/" + dep).json()["data"]["triggers_fired"]) == 1
        assert worker(dp, "--job", "deliver-webhooks").returncode == 0
        got = [d for d in delivered(rx) if d["body"]["data"]["deployment"]["id"] == dep]
        assert len(got) == 1 and got[0]["verified"], got
        assert got[0]["body"]["type"] == "rollback.triggered"
        assert got[0]["body"]["data"]["rollback"]["trigger"]["name"] == "error_rate_spike"
        assert got[0]["body"]["data"]["deployment"]["status"] == "rolling_back"
        # The timeline tells it, and the report recommends the rollback and says why.
        timeline = call(dp, "vera", "GET", "/api/v1/missions/%s/timeline?limit=200" % dep).json()["data"]
        assert "rollback.triggered" in [e["type"] for e in timeline]
        rep = report(dp, dep)
        assert rep["recommendation"]["decision"] == "ROLLBACK"
        assert "error_rate_spike fired" in rep["recommendation"]["reasons"][0]
        assert rep["risk"]["technical_risk"] == "HIGH"
        # The executor reports the rollback done; nothing more can change.
        r = call(dp, "alice", "POST", "/api/v1/deployments/%s/status" % dep,
                 {"status": "rolled_back", "comment": "flag off, canary drained"})
        assert r.status == 200 and r.json()["data"]["status"] == "rolled_back"
        before = snapshot(dp)
        refused(call(dp, "alice", "POST", "/api/v1/deployments/%s/status" % dep, {"status": "in_progress"}),
                409, "conflict")
        refused(call(dp, "erin", "POST", "/api/v1/deployments/%s/signoff" % dep,
                     {"decision": "APPROVED", "comment": "no"}), 409, "conflict")
        assert snapshot(dp) == before
    finally:
        rx.stop()


def test_status_reports_follow_the_rules(dp):
    dep, _ = new_deployment(dp, 3)
    before = snapshot(dp)
    e = refused(call(dp, "alice", "POST", "/api/v1/deployments/%s/status" % dep, {"status": "approved"}),
                400, "validation_failed")
    assert fields_of(e) == ["status"]
    assert snapshot(dp) == before
    r = call(dp, "alice", "POST", "/api/v1/deployments/%s/status" % dep, {"status": "held", "comment": "drill"})
    assert r.status == 200 and r.json()["data"]["status"] == "held"
    refused(call(dp, "alice", "POST", "/api/v1/deployments/%s/status" % dep, {"status": "held"}), 409, "conflict")
    r = call(dp, "alice", "POST", "/api/v1/deployments/%s/status" % dep, {"status": "in_progress"})
    assert r.json()["data"]["status"] == "in_progress"
    kinds = [e["type"] for e in call(dp, "vera", "GET", "/api/v1/missions/%s/timeline" % dep).json()["data"]]
    assert kinds == ["deployment.created", "deployment.status_reported", "deployment.status_reported"]


# --- the report and sign-off ---------------------------------------------------------------

def clean_rollout(s, hours):
    """A deployment hours in, with passing samples for t8h and t16h, evaluated by the worker."""
    dep, start = new_deployment(s, hours)
    at16 = start + timedelta(hours=16, minutes=30)
    post(s, dep, t8h_samples(start, 0.97) + [("error_rate", 0.0004, at16), ("response_time_p95_ms", 41, at16),
                                             ("memory_mb", 150, at16)])
    assert worker(s, "--job", "evaluate-gates", "--now",
                  iso(datetime.now(timezone.utc))).returncode == 0
    return dep, start


def test_the_report_recommends_approve_hold_or_rollback(dp):
    dep, start = clean_rollout(dp, 25)
    rep = report(dp, dep)
    assert rep["recommendation"]["decision"] == "APPROVE", rep["recommendation"]
    assert rep["risk"] == {**rep["risk"], "technical_risk": "LOW", "user_impact": "MEDIUM",
                           "user_exposure_percent": 25, "rollback_complexity": "LOW"}
    assert rep["record"]["phases_completed"] == ["t0h", "t8h", "t16h"]
    assert rep["record"]["criteria_met"] == 6 and rep["record"]["total_criteria"] == 9
    assert [m["name"] for m in rep["key_metrics"]][:3] == ["performance_impact", "error_rate", "tag_detection"]
    assert all(len(p) == 4 for m in rep["key_metrics"] for p in m["series"])
    assert rep["summary"]["phase"] == "t24h"
    # Blocked at a gate: HOLD, with the blocker in words.
    dep2, start2 = new_deployment(dp, 12)
    post(dp, dep2, t8h_samples(start2, 0.93))
    evaluate(dp, dep2, "t8h")
    rep = report(dp, dep2)
    assert rep["recommendation"]["decision"] == "HOLD"
    assert ("Gate t8h (First game-day drill) is blocked by tag_detection: tag_accuracy last 0.93, needs > 0.95."
            in rep["recommendation"]["reasons"])
    # A critical criterion failing: ROLLBACK.
    dep3, start3 = new_deployment(dp, 12)
    post(dp, dep3, t8h_samples(start3, 0.97) + [("error_rate", 0.5, start3 + timedelta(hours=8, minutes=31))])
    evaluate(dp, dep3, "t8h")
    rep = report(dp, dep3)
    assert rep["recommendation"]["decision"] == "ROLLBACK"
    assert rep["recommendation"]["reasons"][0].startswith("Critical criterion error_rate failed at gate t8h")


def test_a_violated_freeze_raises_the_technical_risk(dp):
    dep, _ = clean_rollout(dp, 25)
    assert report(dp, dep)["risk"]["technical_risk"] == "LOW"
    digest = "a" * 64
    r = call(dp, "ada", "POST", "/api/v1/freezes", {"name": "risk-check", "artifacts": [
        {"path": "registry.json", "sha256": digest, "size": 10}]})
    assert r.status == 201, r.text
    r = call(dp, "alice", "POST", "/api/v1/freezes/risk-check/checks", {"artifacts": [
        {"path": "registry.json", "sha256": "b" * 64, "size": 10}]})
    assert r.status == 200 and r.json()["data"]["state"] == "violated", r.text
    rep = report(dp, dep)
    assert rep["freeze"]["violated"] >= 1
    assert (rep["risk"]["technical_risk"], rep["risk"]["technical_risk_reason"]) == (
        "MEDIUM", "A frozen artifact has changed.")
    cookie, _ = login(dp, "vera")
    assert "violated" in dp.get("/deployments/%s/report" % dep, headers=cookie).text


def test_signoff_by_api_needs_an_executive_and_an_override_comment(dp):
    receiver_port = free_port()
    hook = call(dp, "ada", "POST", "/api/v1/webhooks",
                {"url": "http://127.0.0.1:%d/hook" % receiver_port, "events": ["deployment.signed_off"]})
    rx = Receiver(receiver_port, hook.json()["data"]["secret"], "200", dp.var)
    try:
        dep, start = new_deployment(dp, 12)
        post(dp, dep, t8h_samples(start, 0.97) + [("error_rate", 0.5, start + timedelta(hours=8, minutes=31))])
        evaluate(dp, dep, "t8h")
        before = snapshot(dp)
        refused(call(dp, "bob", "POST", "/api/v1/deployments/%s/signoff" % dep, {"decision": "HOLD"}),
                403, "forbidden")
        e = refused(call(dp, "erin", "POST", "/api/v1/deployments/%s/signoff" % dep, {"decision": "YES"}),
                    400, "validation_failed")
        assert fields_of(e) == ["decision"]
        e = refused(call(dp, "erin", "POST", "/api/v1/deployments/%s/signoff" % dep, {"decision": "APPROVED"}),
                    409, "conflict")
        assert "ROLLBACK" in e["message"]
        assert snapshot(dp) == before
        r = call(dp, "erin", "POST", "/api/v1/deployments/%s/signoff" % dep,
                 {"decision": "APPROVED", "comment": "the errors were a test harness; accepted"})
        assert r.status == 200, r.text
        s = r.json()["data"]
        assert (s["decision"], s["by"], s["override"], s["recommendation"]) == ("APPROVED", "erin", True, "ROLLBACK")
        d = call(dp, "vera", "GET", "/api/v1/deployments/" + dep).json()["data"]
        assert d["status"] == "approved" and d["signoff"]["by"] == "erin"
        assert report(dp, dep)["risk"]["rollback_complexity"] == "HIGH"
        assert worker(dp, "--job", "deliver-webhooks").returncode == 0
        got = [x for x in delivered(rx) if x["body"]["data"]["deployment"]["id"] == dep]
        assert len(got) == 1 and got[0]["verified"] and got[0]["body"]["type"] == "deployment.signed_off"
        assert got[0]["body"]["data"]["signoff"]["override"] is True
        ledger = call(dp, "vera", "GET", "/api/v1/ledger?limit=200&after=%d" % before["ledger"][1]).json()["data"]
        assert [e["kind"] for e in ledger] == ["deployment.signed_off"]
    finally:
        rx.stop()


def login(s, user):
    cookie, csrf = demo_login(s, user)
    return {"Cookie": cookie}, csrf


def test_the_report_page_signs_off_with_csrf(dp):
    dep, _ = clean_rollout(dp, 20)
    cookie, csrf = login(dp, "erin")
    page = dp.get("/deployments/%s/report" % dep, headers=cookie)
    assert page.status == 200
    assert "Recommendation: <strong>APPROVE</strong>" in page.text
    assert 'action="/deployments/%s/signoff"' % dep in page.text
    form = {"decision": "HOLD", "comment": "wait for the 48h validation"}
    before = snapshot(dp)
    r = dp.request("POST", "/deployments/%s/signoff" % dep, body=urllib.parse.urlencode(form),
                   headers={**cookie, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 403 and "csrf" in r.text.lower()
    assert snapshot(dp) == before
    r = dp.request("POST", "/deployments/%s/signoff" % dep, body=urllib.parse.urlencode({**form, "csrf": csrf}),
                   headers={**cookie, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 303 and r.headers["location"] == "/deployments/%s/report?signed=1" % dep
    page = dp.get(r.headers["location"], headers=cookie)
    assert "Your sign-off is recorded." in page.text
    assert "<strong>HOLD</strong> by Erin Executive (erin)" in page.text
    # A viewer sees the sign-off but no form.
    vcookie, _ = login(dp, "vera")
    assert 'class="signoff-form' not in dp.get("/deployments/%s/report" % dep, headers=vcookie).text


def test_the_record_downloads_and_the_pages_list_deployments(dp):
    dep, _ = clean_rollout(dp, 26)
    cookie, _ = login(dp, "vera")
    r = dp.get("/deployments/%s/record.json" % dep, headers=cookie)
    assert r.status == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["content-disposition"] == 'attachment; filename="%s-record.json"' % dep
    record = json.loads(r.body)
    assert record["deployment_id"] == dep and record["framework_version"] == "T4-v1.0"
    assert [t["name"] for t in record["rollback_plan"]][0] == "error_rate_spike"
    listing = dp.get("/deployments", headers=cookie)
    assert listing.status == 200 and '/deployments/%s"' % dep in listing.text
    assert "T+72h" in listing.text
    detail = dp.get("/deployments/" + dep, headers=cookie)
    assert detail.status == 200 and 'class="spark"' in detail.text and "Gate proceeds" in detail.text
    assert dp.get("/deployments/nope", headers=cookie).status == 404
    assert dp.get("/deployments/%FF%FE", headers=cookie).status == 400  # API.md: bytes that are not text
    assert dp.get("/deployments?status=bogus", headers=cookie).status == 400


def test_hostile_strings_stay_inert_on_every_page(dp):
    dep, start = new_deployment(dp, 12, name=HOSTILE)
    post(dp, dep, t8h_samples(start, 0.93))
    evaluate(dp, dep, "t8h")
    call(dp, "alice", "POST", "/api/v1/deployments/%s/status" % dep, {"status": "held", "comment": HOSTILE})
    call(dp, "erin", "POST", "/api/v1/deployments/%s/signoff" % dep, {"decision": "HOLD", "comment": HOSTILE})
    cookie, _ = login(dp, "vera")
    for path in ["/deployments", "/deployments/" + dep, "/deployments/%s/report" % dep, "/missions/" + dep]:
        page = dp.get(path, headers=cookie)
        assert page.status == 200, path
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, path
        assert "&lt;script&gt;" in page.text, path
