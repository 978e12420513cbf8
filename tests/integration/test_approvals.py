"""Approval requests (issue 6) through nginx: the tier rules and the API's
refusal order, the race for the last vote, Idempotency-Key, expiry by the
worker, cancel, execution once, the approval.granted webhook checked by the
npm standardwebhooks package, the ledger and the mission timeline, hostile
strings on the pages, the HTML vote flow with CSRF, /approvals/stream, and
large bodies from several clients at once.

Every refusal is also checked against the database itself: the approvals,
their votes, the ledger, the events, the idempotency keys and the webhook
deliveries are exactly as they were before it."""

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest

from clients import Receiver, Stream, demo_login
from stack import REPO, free_port

CONF = "webhook_allow_http = 1\nwebhook_timeout_seconds = 2\n"
PASSWORD = "correct horse battery staple"
RACERS = ["racer%02d" % i for i in range(12)]


# --- the stack and its users -----------------------------------------------------------

def add_user(s, name, roles, password=None):
    args = ["user", "add", name, "--role", roles]
    if password:
        args.append("--password-stdin")
    r = s.admin(*args, stdin=(password + "\n") if password else None)
    assert r.returncode == 0, r.stderr


def token(s, name):
    r = s.admin("token", "create", "--user", name, "--name", "approvals-test")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.fixture(scope="module")
def ap(new_stack_module):
    s = new_stack_module(CONF)
    # sam files requests and approves others' (the self-approval case); rita is a second
    # requester; exa is an executive who is also an approver.
    add_user(s, "sam", "requester,approver", PASSWORD)
    add_user(s, "rita", "requester")
    add_user(s, "exa", "approver,executive")
    for name in RACERS:
        add_user(s, name, "approver")
    s.tokens = {u: token(s, u) for u in
                ["alice", "bob", "carol", "erin", "vera", "ada", "sam", "rita", "exa"] + RACERS}
    return s


def hdr(s, user, **extra):
    return {"Authorization": "Bearer " + s.tokens[user], "Content-Type": "application/json", **extra}


def create(s, body, user="alice", key=None, raw=None):
    h = hdr(s, user)
    if key is not None:
        h["Idempotency-Key"] = key
    return s.request("POST", "/api/v1/approvals", body=raw if raw is not None else json.dumps(body),
                     headers=h)


def new(s, tier=2, user="alice", **fields):
    body = {"action_type": "restart_service", "target": "payments-api", "tier": tier,
            "reason": "memory leak after 2.31 rollout", **fields}
    r = create(s, body, user=user)
    assert r.status == 201, r.text
    return r.json()["data"]


def vote(s, user, aid, verdict="approve", comment=None):
    body = {"verdict": verdict}
    if comment is not None:
        body["comment"] = comment
    return s.request("POST", "/api/v1/approvals/%d/votes" % aid, body=json.dumps(body),
                     headers=hdr(s, user))


def cancel(s, user, aid):
    return s.request("POST", "/api/v1/approvals/%d/cancel" % aid, headers=hdr(s, user))


def execution(s, user, aid, body=None):
    body = body if body is not None else {"ok": True, "status": "succeeded", "error_resolved": True,
                                          "metrics": {"restarts": 1, "p99_ms": 120.5}}
    return s.request("POST", "/api/v1/approvals/%d/execution" % aid, body=json.dumps(body),
                     headers=hdr(s, user))


def get(s, aid, user="vera"):
    r = s.get("/api/v1/approvals/%d" % aid, headers=hdr(s, user))
    assert r.status == 200, r.text
    return r.json()["data"]


def refused(r, status, code):
    """The error envelope of API.md, with the status and code expected."""
    assert r.status == status, (r.status, r.text)
    assert r.headers["content-type"].startswith("application/json"), r.headers
    doc = r.json()
    assert set(doc) == {"error", "meta"}, doc
    assert doc["error"]["code"] == code, doc
    assert isinstance(doc["error"]["message"], str) and doc["error"]["message"]
    assert isinstance(doc["error"].get("details", []), list)
    assert doc["meta"]["request_id"] == r.headers["x-request-id"]
    return doc["error"]


def fields_of(error):
    return {d["field"] for d in error["details"]}


def ledger(s, after=0):
    entries = []
    while True:
        r = s.get("/api/v1/ledger?limit=200&after=%d" % after, headers=hdr(s, "vera"))
        assert r.status == 200, r.text
        doc = r.json()
        entries += doc["data"]
        if doc["meta"]["next_cursor"] is None:
            return entries
        after = int(doc["meta"]["next_cursor"])


def ledger_of(s, aid):
    return [e for e in ledger(s) if e["subject"] == "approval:%d" % aid]


def timeline_of(s, mission, aid):
    events, cursor = [], None
    while True:
        path = "/api/v1/missions/%s/timeline?limit=200" % mission
        if cursor:
            path += "&cursor=" + urllib.parse.quote(cursor)
        r = s.get(path, headers=hdr(s, "vera"))
        assert r.status == 200, r.text
        doc = r.json()
        events += doc["data"]
        cursor = doc["meta"]["next_cursor"]
        if cursor is None:
            return [e for e in events if e["correlation_id"] == "approval:%d" % aid]


def snapshot(s):
    """What a refused request must not change."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(s.var, "gatehouse.db"), uri=True,
                         timeout=10)
    try:
        return {
            "approvals": db.execute("SELECT * FROM approvals ORDER BY id").fetchall(),
            "votes": db.execute("SELECT * FROM approval_votes ORDER BY approval_id, voter").fetchall(),
            "ledger": db.execute("SELECT count(*), coalesce(max(seq), 0) FROM ledger").fetchall(),
            "events": db.execute("SELECT count(*), coalesce(max(seq), 0) FROM events").fetchall(),
            "missions": db.execute("SELECT id, status FROM missions ORDER BY id").fetchall(),
            "keys": db.execute("SELECT username, key, body_hash, response_json FROM idempotency_keys"
                               " ORDER BY username, key").fetchall(),
            "outbox": db.execute("SELECT count(*) FROM webhook_deliveries").fetchall(),
        }
    finally:
        db.close()


@contextlib.contextmanager
def unchanged(s):
    before = snapshot(s)
    yield
    after = snapshot(s)
    for k in before:
        assert after[k] == before[k], "a refused request changed %s" % k


def worker(s, *args, now=None):
    cmd = [os.path.join(REPO, "bin/gatehouse-worker"), "--config", s.conf, "run", *args]
    if now is not None:
        cmd += ["--now", now.strftime("%Y-%m-%dT%H:%M:%S.000Z")]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def later(seconds):
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


def ms(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


# --- sessions --------------------------------------------------------------------------

def login(s, user):
    return demo_login(s, user, PASSWORD if user == "sam" else None)


def form_post(s, cookie, path, fields):
    return s.request("POST", path, body=urllib.parse.urlencode(fields),
                     headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})


def is_html(r):
    return r.headers["content-type"].startswith("text/html")


def at_once(calls):
    """Run every call of {name: callable} in its own thread, released together;
    their answers by name."""
    barrier = threading.Barrier(len(calls))
    results = {}

    def go(name, call):
        barrier.wait()
        results[name] = call()

    threads = [threading.Thread(target=go, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


# --- 1. the tier rules -----------------------------------------------------------------

def test_tier_1_is_approved_on_arrival_by_the_system(ap):
    r = create(ap, {"action_type": "scale_out", "target": "payments-api", "tier": 1,
                    "mission_id": "mission-789", "params": {"replicas": 12}})
    assert r.status == 201, r.text
    a = r.json()["data"]
    assert a["status"] == "approved" and a["decided_by"] == "system"
    assert a["decided_at"] == a["created_at"] and a["required_approvals"] == 0
    assert a["votes"] == [] and a["execution"] is None and a["break_glass_required"] is False
    assert a["requested_by"] == "alice" and a["params"] == {"replicas": 12} and a["reason"] == ""
    assert a["id"] > 5  # the demo's requests are 1..5
    # The default expiry is 24 h.
    assert ms(a["expires_at"]) - ms(a["created_at"]) == timedelta(hours=24)
    assert get(ap, a["id"]) == a
    entries = ledger_of(ap, a["id"])
    assert [(e["kind"], e["actor"]) for e in entries] == [("approval.requested", "alice"),
                                                        ("approval.granted", "system")]
    # Each entry shows the request as it was at that step: filed, then granted.
    assert [e["payload"]["payload"]["status"] for e in entries] == ["pending", "approved"]


def test_tier_2_is_granted_by_one_approve(ap):
    a = new(ap, tier=2, mission_id="mission-789", params={"region": "eu-west-1"})
    assert a["status"] == "pending" and a["required_approvals"] == 1
    assert a["decided_at"] is None and a["decided_by"] is None and a["votes"] == []
    r = vote(ap, "bob", a["id"], comment="go ahead")
    assert r.status == 200, r.text
    got = r.json()["data"]
    assert got["status"] == "approved" and got["decided_by"] == "bob" and got["decided_at"]
    assert [(v["by"], v["verdict"], v["comment"]) for v in got["votes"]] == [("bob", "approve", "go ahead")]
    assert got["votes"][0]["at"] == got["decided_at"]
    assert get(ap, a["id"]) == got


def test_tier_3_needs_two_distinct_approvers(ap):
    a = new(ap, tier=3)
    assert a["required_approvals"] == 2
    r = vote(ap, "bob", a["id"], comment="")
    assert r.status == 200, r.text
    one = r.json()["data"]
    assert one["status"] == "pending" and one["decided_by"] is None
    assert [(v["by"], v["verdict"]) for v in one["votes"]] == [("bob", "approve")]
    # The same approver again does not count twice.
    with unchanged(ap):
        refused(vote(ap, "bob", a["id"]), 409, "duplicate_vote")
    assert get(ap, a["id"])["status"] == "pending"
    r = vote(ap, "carol", a["id"])
    assert r.status == 200, r.text
    two = r.json()["data"]
    assert two["status"] == "approved" and two["decided_by"] == "carol"
    assert [v["by"] for v in two["votes"]] == ["bob", "carol"]
    kinds = [(e["kind"], e["actor"]) for e in ledger_of(ap, a["id"])]
    assert kinds == [("approval.requested", "alice"), ("approval.voted", "bob"),
                     ("approval.granted", "carol")]


@pytest.mark.parametrize("tier,votes", [(2, [("bob", "deny")]), (3, [("bob", "deny")]),
                                        (3, [("bob", "approve"), ("carol", "deny")])])
def test_any_deny_ends_the_request(ap, tier, votes):
    a = new(ap, tier=tier)
    for user, verdict in votes:
        r = vote(ap, user, a["id"], verdict, comment="because")
        assert r.status == 200, r.text
    got = r.json()["data"]
    assert got["status"] == "denied" and got["decided_by"] == votes[-1][0]
    assert [v["verdict"] for v in got["votes"]] == [v for _, v in votes]
    # Nobody can approve it afterwards.
    with unchanged(ap):
        refused(vote(ap, "racer00", a["id"]), 409, "already_decided")
    assert get(ap, a["id"]) == got
    assert ledger_of(ap, a["id"])[-1]["kind"] == "approval.denied"


def test_self_approval_is_refused(ap):
    a = new(ap, tier=2, user="sam")
    with unchanged(ap):
        e = refused(vote(ap, "sam", a["id"]), 409, "self_approval")
        assert "another approver" in e["message"]
        refused(vote(ap, "sam", a["id"], "deny"), 409, "self_approval")
    assert get(ap, a["id"])["votes"] == []
    # Someone else decides; then sam's own vote is already_decided (checked before self_approval).
    assert vote(ap, "bob", a["id"]).status == 200
    with unchanged(ap):
        refused(vote(ap, "sam", a["id"]), 409, "already_decided")
    # sam is an approver for everybody else's requests.
    b = new(ap, tier=2)
    r = vote(ap, "sam", b["id"])
    assert r.status == 200 and r.json()["data"]["decided_by"] == "sam"


def test_vote_refusals_come_in_the_api_order(ap):
    a = new(ap, tier=2)
    pending = get(ap, a["id"])
    with unchanged(ap):
        # Without the approver or executive role: forbidden before anything else.
        for user in ("vera", "alice", "rita", "ada"):
            refused(vote(ap, user, a["id"]), 403, "forbidden")
        # An executive without the approver role on a request needing no break-glass: last.
        refused(vote(ap, "erin", a["id"]), 403, "forbidden")
        # Nothing to vote on.
        refused(vote(ap, "bob", 999999), 404, "not_found")
        # Bad bodies.
        e = refused(vote(ap, "bob", a["id"], "maybe"), 400, "validation_failed")
        assert fields_of(e) == {"verdict"}
        r = ap.request("POST", "/api/v1/approvals/%d/votes" % a["id"], headers=hdr(ap, "bob"),
                       body=json.dumps({"verdict": "approve", "colour": "red"}))
        assert fields_of(refused(r, 400, "validation_failed")) == {"colour"}
        r = ap.request("POST", "/api/v1/approvals/%d/votes" % a["id"], headers=hdr(ap, "bob"),
                       body=json.dumps({"comment": "no verdict"}))
        assert fields_of(refused(r, 400, "validation_failed")) == {"verdict"}
        r = ap.request("POST", "/api/v1/approvals/%d/votes" % a["id"], headers=hdr(ap, "bob"),
                       body=json.dumps({"verdict": "approve", "comment": "x" * 2001}))
        assert fields_of(refused(r, 400, "validation_failed")) == {"comment"}
        r = ap.request("POST", "/api/v1/approvals/%d/votes" % a["id"], headers=hdr(ap, "bob"),
                       body="{not json")
        refused(r, 400, "invalid_json")
        r = ap.request("POST", "/api/v1/approvals/%d/votes" % a["id"],
                       headers={**hdr(ap, "bob"), "Content-Type": "text/plain"}, body="verdict=approve")
        refused(r, 415, "unsupported_media_type")
        r = ap.request("POST", "/api/v1/approvals/%d/votes" % a["id"], body=json.dumps({"verdict": "approve"}),
                       headers={"Content-Type": "application/json"})
        refused(r, 401, "unauthenticated")
    assert get(ap, a["id"]) == pending
    # An executive who is also an approver votes as an approver.
    r = vote(ap, "exa", a["id"])
    assert r.status == 200 and r.json()["data"]["status"] == "approved"
    decided = get(ap, a["id"])
    with unchanged(ap):
        # Once decided: the role check still comes first, then already_decided for everyone
        # who may vote, even for the one who decided it and for an executive.
        refused(vote(ap, "vera", a["id"]), 403, "forbidden")
        for user in ("bob", "exa", "erin", "racer01"):
            e = refused(vote(ap, user, a["id"]), 409, "already_decided")
            assert "approved" in e["message"]
        refused(vote(ap, "carol", a["id"], "deny"), 409, "already_decided")
    assert get(ap, a["id"]) == decided


def test_only_requesters_file_requests(ap):
    body = {"action_type": "restart_service", "target": "payments-api", "tier": 2}
    with unchanged(ap):
        for user in ("vera", "bob", "erin", "ada"):
            refused(create(ap, body, user=user), 403, "forbidden")
        r = ap.request("POST", "/api/v1/approvals", body=json.dumps(body),
                       headers={"Content-Type": "application/json"})
        refused(r, 401, "unauthenticated")


@pytest.mark.parametrize("change,field", [
    ({"tier": 0}, "tier"), ({"tier": 4}, "tier"), ({"tier": "2"}, "tier"), ({"tier": 2.5}, "tier"),
    ({"tier": None}, "tier"), ({"action_type": None}, "action_type"), ({"target": None}, "target"),
    ({"action_type": "Restart"}, "action_type"), ({"action_type": "restart service"}, "action_type"),
    ({"action_type": "a" * 65}, "action_type"), ({"action_type": ""}, "action_type"),
    ({"target": ""}, "target"), ({"target": "t" * 201}, "target"), ({"target": 7}, "target"),
    ({"reason": "r" * 2001}, "reason"), ({"reason": 1}, "reason"),
    ({"mission_id": "-bad"}, "mission_id"), ({"mission_id": "m" * 65}, "mission_id"),
    ({"mission_id": "<script>"}, "mission_id"),
    ({"params": []}, "params"), ({"params": "x"}, "params"),  # (over 64 KiB: see the large-body test)
    ({"expires_in_seconds": 2592001}, "expires_in_seconds"), ({"expires_in_seconds": 0}, "expires_in_seconds"),
    ({"expires_in_seconds": -5}, "expires_in_seconds"), ({"expires_in_seconds": "60"}, "expires_in_seconds"),
    ({"colour": "red"}, "colour"),
])
def test_invalid_requests_are_refused_and_create_nothing(ap, change, field):
    body = {"action_type": "restart_service", "target": "payments-api", "tier": 2, **change}
    body = {k: v for k, v in body.items() if v is not None}
    with unchanged(ap):
        e = refused(create(ap, body), 400, "validation_failed")
    assert field in fields_of(e), e


def test_malformed_bodies_are_refused_and_create_nothing(ap):
    with unchanged(ap):
        refused(create(ap, None, raw="{nope"), 400, "invalid_json")
        refused(create(ap, None, raw="[1, 2]"), 400, "invalid_json")
        r = ap.request("POST", "/api/v1/approvals", body="tier=2",
                       headers={**hdr(ap, "alice"), "Content-Type": "application/x-www-form-urlencoded"})
        refused(r, 415, "unsupported_media_type")
        # Every problem is named at once.
        e = refused(create(ap, {"tier": 9, "colour": 1}), 400, "validation_failed")
        assert {"action_type", "target", "tier", "colour"} <= fields_of(e)


def test_limits_are_inclusive_and_counted_in_characters(ap):
    a = new(ap, tier=2, action_type="a" + "b" * 63, target="é" * 200, reason="ü" * 2000,
            expires_in_seconds=2592000, mission_id="M" + "x" * 63)
    assert ms(a["expires_at"]) - ms(a["created_at"]) == timedelta(days=30)
    assert a["target"] == "é" * 200 and a["reason"] == "ü" * 2000
    b = new(ap, tier=2, expires_in_seconds=1, action_type="x.y-z_1")
    assert ms(b["expires_at"]) - ms(b["created_at"]) == timedelta(seconds=1)
    assert cancel(ap, "alice", b["id"]).status == 200
    assert ap.get("/api/v1/missions/M" + "x" * 63, headers=hdr(ap, "vera")).status == 200


def test_lists_filter_and_page(ap):
    mission = "m-list"
    ids = [new(ap, tier=t, mission_id=mission)["id"] for t in (1, 2, 3, 2)]
    r = ap.get("/api/v1/approvals?mission_id=%s" % mission, headers=hdr(ap, "vera"))
    assert r.status == 200
    assert [a["id"] for a in r.json()["data"]] == ids[::-1]  # newest first
    r = ap.get("/api/v1/approvals?mission_id=%s&status=pending" % mission, headers=hdr(ap, "vera"))
    assert [a["id"] for a in r.json()["data"]] == [ids[3], ids[2], ids[1]]
    first = ap.get("/api/v1/approvals?mission_id=%s&limit=3" % mission, headers=hdr(ap, "vera")).json()
    assert [a["id"] for a in first["data"]] == ids[:0:-1] and first["meta"]["next_cursor"]
    rest = ap.get("/api/v1/approvals?mission_id=%s&limit=3&cursor=%s" % (mission, first["meta"]["next_cursor"]),
                  headers=hdr(ap, "vera")).json()
    assert [a["id"] for a in rest["data"]] == [ids[0]] and rest["meta"]["next_cursor"] is None
    for bad in ("status=lost", "tier=4", "limit=0", "limit=201", "cursor=zz", "mission_id=%3Cx%3E"):
        error = refused(ap.get("/api/v1/approvals?" + bad, headers=hdr(ap, "vera")), 400,
                        "validation_failed")
        assert fields_of(error) == {bad.split("=")[0]}, (bad, error)
    refused(ap.get("/api/v1/approvals/999999", headers=hdr(ap, "vera")), 404, "not_found")
    refused(ap.get("/api/v1/approvals/abc", headers=hdr(ap, "vera")), 404, "not_found")
    with unchanged(ap):
        r = ap.request("PUT", "/api/v1/approvals", body="{}", headers=hdr(ap, "alice"))
        refused(r, 405, "method_not_allowed")
        assert {"GET", "POST"} <= set(r.headers["allow"].split(", "))
        r = ap.request("DELETE", "/api/v1/approvals/%d" % ids[0], headers=hdr(ap, "ada"))
        refused(r, 405, "method_not_allowed")


def test_the_tier_filter_applies(ap):
    # API.md: GET /api/v1/approvals?status=pending&mission_id=&tier=
    mission = "m-tier"
    ids = {t: new(ap, tier=t, mission_id=mission)["id"] for t in (1, 2, 3)}
    for t in (1, 2, 3):
        r = ap.get("/api/v1/approvals?mission_id=%s&tier=%d" % (mission, t), headers=hdr(ap, "vera"))
        assert r.status == 200, r.text
        assert [(a["id"], a["tier"]) for a in r.json()["data"]] == [(ids[t], t)], t
    r = ap.get("/api/v1/approvals?status=pending&tier=3", headers=hdr(ap, "vera"))
    assert r.json()["data"] and {a["tier"] for a in r.json()["data"]} == {3}
    # The list page's Tier filter reads the same parameter.
    cookie, _ = login(ap, "vera")
    page = ap.get("/approvals?mission_id=%s&tier=1" % mission, headers={"Cookie": cookie})
    assert page.status == 200
    assert 'id="approval-%d"' % ids[1] in page.text
    assert 'id="approval-%d"' % ids[2] not in page.text and 'id="approval-%d"' % ids[3] not in page.text


# --- 2. the race for the last vote -----------------------------------------------------

def test_racing_for_the_last_vote_has_exactly_one_winner(ap):
    for round_ in range(5):
        a = new(ap, tier=3, mission_id="m-race")
        assert vote(ap, "bob", a["id"]).status == 200
        results = at_once({u: (lambda u=u: vote(ap, u, a["id"])) for u in RACERS})
        winners = [u for u, r in results.items() if r.status == 200]
        assert len(winners) == 1, {u: (r.status, r.text) for u, r in results.items()}
        winner = winners[0]
        won = results[winner].json()["data"]
        assert won["status"] == "approved" and won["decided_by"] == winner
        for u, r in results.items():
            if u != winner:
                refused(r, 409, "already_decided")
        final = get(ap, a["id"])
        assert final["status"] == "approved" and final["decided_by"] == winner
        assert [v["by"] for v in final["votes"]] == ["bob", winner]
        kinds = [e["kind"] for e in ledger_of(ap, a["id"])]
        assert kinds == ["approval.requested", "approval.voted", "approval.granted"], (round_, kinds)
        types = [e["type"] for e in timeline_of(ap, "m-race", a["id"])]
        assert types == ["approval.requested", "approval.voted", "approval.granted"]


def test_a_cancel_racing_the_deciding_vote_leaves_one_outcome(ap):
    for _ in range(5):
        a = new(ap, tier=2)
        results = at_once({"vote": lambda: vote(ap, "bob", a["id"]),
                           "deny": lambda: vote(ap, "carol", a["id"], "deny"),
                           "cancel": lambda: cancel(ap, "alice", a["id"])})
        won = [k for k, r in results.items() if r.status == 200]
        assert len(won) == 1, {k: (r.status, r.text) for k, r in results.items()}
        for k, r in results.items():
            if k != won[0]:
                refused(r, 409, "already_decided")
        final = get(ap, a["id"])
        assert final["status"] == {"vote": "approved", "deny": "denied", "cancel": "cancelled"}[won[0]]
        assert len(final["votes"]) == (0 if won[0] == "cancel" else 1)
        kinds = [e["kind"] for e in ledger_of(ap, a["id"])]
        assert kinds == ["approval.requested", {"vote": "approval.granted", "deny": "approval.denied",
                                                "cancel": "approval.cancelled"}[won[0]]]


def test_large_bodies_are_always_answered_under_concurrency(ap):
    """params and metrics may be up to 64 KiB, so large bodies are ordinary here. Several
    clients sending them at once must each get an answer from Gatehouse, never a 502 from
    nginx because the application dropped the FastCGI connection."""
    a = new(ap, tier=1)
    calls = [
        ("/api/v1/approvals", {"action_type": "x", "target": "t", "tier": 2, "params": {"b": "x" * 70000}}),
        ("/api/v1/approvals/%d/execution" % a["id"],
         {"ok": True, "status": "succeeded", "metrics": {"b": "x" * 70000}}),
        ("/api/v1/approvals/%d/votes" % a["id"], {"verdict": "approve", "comment": "x" * 70000}),
    ]
    answers = []
    deadline = time.time() + 3

    def go(k):
        i = k
        while time.time() < deadline:
            path, body = calls[i % len(calls)]
            user = "bob" if path.endswith("/votes") else "alice"
            r = ap.request("POST", path, body=json.dumps(body), headers=hdr(ap, user))
            field = None
            if r.status == 400 and r.headers["content-type"].startswith("application/json"):
                field = [d["field"] for d in r.json()["error"]["details"]]
            answers.append((path, r.status, field, r.text[:200]))
            i += 1

    with unchanged(ap):
        threads = [threading.Thread(target=go, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    expected = {calls[0][0]: ["params"], calls[1][0]: ["metrics"], calls[2][0]: ["comment"]}
    bad = [x for x in answers if x[1] != 400 or x[2] != expected[x[0]]]
    assert len(answers) > 50
    assert not bad, "%d of %d answers were not 400, e.g. %s" % (len(bad), len(answers), bad[:3])


# --- 3. Idempotency-Key ----------------------------------------------------------------

def test_idempotency_key_replays_the_original_answer(ap):
    body = {"action_type": "cache.flush", "target": "search-api", "tier": 2, "reason": "stale",
            "params": {"keys": "catalogue:*", "n": 1}}
    first = create(ap, body, key="idem-1")
    assert first.status == 201, first.text
    assert "idempotent-replayed" not in first.headers
    original = first.json()["data"]
    before = snapshot(ap)
    again = create(ap, body, key="idem-1")
    assert again.status == 201 and again.json()["data"] == original
    # The same body with its keys in another order is the same body.
    shuffled = json.dumps(dict(reversed(list(body.items()))))
    again = create(ap, None, key="idem-1", raw=shuffled)
    assert again.status == 201 and again.json()["data"]["id"] == original["id"]
    assert snapshot(ap) == before  # a replay writes nothing
    # Another body under the same key: conflict, and nothing written.
    with unchanged(ap):
        refused(create(ap, {**body, "tier": 3}, key="idem-1"), 409, "conflict")
        refused(create(ap, {**body, "reason": "other"}, key="idem-1"), 409, "conflict")
    # The replay is the original answer even after the request moved on.
    assert vote(ap, "bob", original["id"]).status == 200
    again = create(ap, body, key="idem-1")
    assert again.json()["data"] == original and again.json()["data"]["status"] == "pending"
    assert len([a for a in ap.get("/api/v1/approvals?limit=200", headers=hdr(ap, "vera")).json()["data"]
                if a["action_type"] == "cache.flush" and a["reason"] == "stale"]) == 1


def test_a_replay_says_so_in_idempotent_replayed(ap):
    body = {"action_type": "cache.flush", "target": "search-api", "tier": 1, "reason": "header"}
    first = create(ap, body, key="idem-header")
    assert first.status == 201 and "idempotent-replayed" not in first.headers
    again = create(ap, body, key="idem-header")
    assert again.status == 201 and again.json()["data"] == first.json()["data"]
    assert again.headers.get("idempotent-replayed") == "true", sorted(again.headers)


def test_idempotency_keys_belong_to_their_user(ap):
    body = {"action_type": "db.migrate", "target": "orders-db", "tier": 2, "reason": "keyed"}
    a = create(ap, body, user="alice", key="shared-key")
    b = create(ap, body, user="rita", key="shared-key")
    assert a.status == b.status == 201
    assert "idempotent-replayed" not in b.headers
    assert a.json()["data"]["id"] != b.json()["data"]["id"]
    assert b.json()["data"]["requested_by"] == "rita"
    # rita's key with another body is hers alone to conflict with.
    c = create(ap, {**body, "tier": 3}, user="sam", key="shared-key")
    assert c.status == 201
    # alice's key still answers alice's original.
    again = create(ap, body, user="alice", key="shared-key")
    assert again.status == 201 and again.json()["data"] == a.json()["data"]
    with unchanged(ap):
        refused(create(ap, {**body, "tier": 3}, user="rita", key="shared-key"), 409, "conflict")


def test_idempotency_key_is_checked(ap):
    body = {"action_type": "db.migrate", "target": "orders-db", "tier": 2}
    with unchanged(ap):
        for bad in ("has space", "x" * 256, "t\u00e9st".encode("utf-8").decode("latin-1")):
            e = refused(create(ap, body, key=bad), 400, "validation_failed")
            assert "Idempotency-Key" in fields_of(e)
        # An invalid body under a key stores nothing under it ...
        refused(create(ap, {"tier": 2}, key="k-invalid"), 400, "validation_failed")
    # ... so the key is still free for a valid body.
    r = create(ap, body, key="k-invalid")
    assert r.status == 201 and "idempotent-replayed" not in r.headers


def test_concurrent_requests_with_one_key_create_one_request(ap):
    body = {"action_type": "scale_out", "target": "race-api", "tier": 2, "reason": "idem race"}
    results = list(at_once({k: lambda: create(ap, body, key="race-key") for k in range(10)}).values())
    assert [r.status for r in results] == [201] * 10, [r.text for r in results]
    assert len({r.json()["data"]["id"] for r in results}) == 1
    assert len({json.dumps(r.json()["data"], sort_keys=True) for r in results}) == 1
    listed = ap.get("/api/v1/approvals?limit=200", headers=hdr(ap, "vera")).json()["data"]
    assert len([a for a in listed if a["target"] == "race-api"]) == 1


# --- 4. expiry -------------------------------------------------------------------------

def test_expiry_by_the_worker(ap):
    short = new(ap, tier=2, mission_id="m-expiry", expires_in_seconds=1)
    long_ = new(ap, tier=3, mission_id="m-expiry", expires_in_seconds=3600)
    assert vote(ap, "bob", long_["id"]).status == 200
    time.sleep(1.3)
    # Past its expiry but before the worker ran: still shown pending, but closed to votes.
    overdue = get(ap, short["id"])
    assert overdue["status"] == "pending"
    with unchanged(ap):
        e = refused(vote(ap, "bob", short["id"]), 409, "already_decided")
        assert "expired" in e["message"]
        refused(vote(ap, "carol", short["id"], "deny"), 409, "already_decided")
        refused(cancel(ap, "alice", short["id"]), 409, "already_decided")
    cookie, _ = login(ap, "bob")
    page = ap.get("/approvals/%d" % short["id"], headers={"Cookie": cookie})
    assert page.status == 200 and "no more votes are taken" in page.text
    assert 'action="/approvals/%d/vote"' % short["id"] not in page.text

    r = worker(ap, "--job", "expire-approvals")
    assert re.search(r"\b[1-9]\d* requests? expired", r.stdout), r.stdout
    expired = get(ap, short["id"])
    assert expired["status"] == "expired" and expired["decided_by"] == "system"
    assert expired["decided_at"] and expired["votes"] == []
    assert get(ap, long_["id"])["status"] == "pending"  # not due yet
    entry = ledger_of(ap, short["id"])[-1]
    assert (entry["kind"], entry["actor"]) == ("approval.expired", "system")
    assert entry["payload"]["payload"]["status"] == "expired"
    assert [e["type"] for e in timeline_of(ap, "m-expiry", short["id"])] == [
        "approval.requested", "approval.expired"]
    with unchanged(ap):
        e = refused(vote(ap, "bob", short["id"]), 409, "already_decided")
        assert "expired" in e["message"]
        refused(cancel(ap, "alice", short["id"]), 409, "already_decided")
        refused(execution(ap, "alice", short["id"]), 409, "already_decided")
    page = ap.get("/approvals/%d" % short["id"], headers={"Cookie": cookie})
    assert "Expired: nobody decided before its expiry." in page.text

    # A worker acting two hours from now expires the other one, votes and all; never "denied".
    r = worker(ap, "--job", "expire-approvals", now=later(7200))
    assert re.search(r"\b[1-9]\d* requests? expired", r.stdout), r.stdout
    other = get(ap, long_["id"])
    assert other["status"] == "expired" and other["decided_by"] == "system"
    assert [v["by"] for v in other["votes"]] == ["bob"]
    # Running again finds nothing to do and records nothing.
    with unchanged(ap):
        assert "0 requests expired" in worker(ap, "--job", "expire-approvals", now=later(7200)).stdout


# --- 5. cancel -------------------------------------------------------------------------

def test_cancel_by_the_requester_or_an_admin_only(ap):
    mine = new(ap, tier=2, mission_id="m-cancel")
    with unchanged(ap):
        refused(cancel(ap, "rita", mine["id"]), 403, "forbidden")     # another requester
        refused(cancel(ap, "bob", mine["id"]), 403, "forbidden")      # an approver
        refused(cancel(ap, "vera", mine["id"]), 403, "forbidden")     # a viewer
        refused(cancel(ap, "sam", mine["id"]), 403, "forbidden")      # requester+approver, not his
        refused(cancel(ap, "alice", 999999), 404, "not_found")
    r = cancel(ap, "alice", mine["id"])
    assert r.status == 200, r.text
    got = r.json()["data"]
    assert got["status"] == "cancelled" and got["decided_by"] == "alice" and got["decided_at"]
    assert get(ap, mine["id"]) == got
    theirs = new(ap, tier=3, mission_id="m-cancel")
    assert vote(ap, "bob", theirs["id"]).status == 200
    r = cancel(ap, "ada", theirs["id"])
    assert r.status == 200, r.text
    assert r.json()["data"]["status"] == "cancelled" and r.json()["data"]["decided_by"] == "ada"
    for aid, actor in ((mine["id"], "alice"), (theirs["id"], "ada")):
        entry = ledger_of(ap, aid)[-1]
        assert (entry["kind"], entry["actor"]) == ("approval.cancelled", actor)
        assert timeline_of(ap, "m-cancel", aid)[-1]["type"] == "approval.cancelled"
    with unchanged(ap):
        # Cancelled is decided: no second cancel, no votes, no execution.
        refused(cancel(ap, "alice", mine["id"]), 409, "already_decided")
        refused(cancel(ap, "ada", mine["id"]), 409, "already_decided")
        refused(vote(ap, "carol", theirs["id"]), 409, "already_decided")
        refused(execution(ap, "alice", mine["id"]), 409, "already_decided")
    approved = new(ap, tier=1)
    denied = new(ap, tier=2)
    assert vote(ap, "bob", denied["id"], "deny").status == 200
    with unchanged(ap):
        refused(cancel(ap, "alice", approved["id"]), 409, "already_decided")
        refused(cancel(ap, "ada", denied["id"]), 409, "already_decided")


# --- 6. execution ----------------------------------------------------------------------

def test_execution_is_reported_once_for_an_approved_request(ap):
    a = new(ap, tier=1, mission_id="m-exec")
    r = execution(ap, "alice", a["id"])
    assert r.status == 200, r.text
    x = r.json()["data"]["execution"]
    assert x["ok"] is True and x["status"] == "succeeded" and x["error_resolved"] is True
    assert x["metrics"] == {"restarts": 1, "p99_ms": 120.5} and ms(x["reported_at"])
    assert r.json()["data"]["status"] == "approved"
    assert get(ap, a["id"])["execution"] == x
    entry = ledger_of(ap, a["id"])[-1]
    assert (entry["kind"], entry["actor"]) == ("approval.executed", "alice")
    assert entry["payload"]["payload"]["execution"] == x
    assert timeline_of(ap, "m-exec", a["id"])[-1]["type"] == "approval.executed"
    with unchanged(ap):
        refused(execution(ap, "alice", a["id"]), 409, "conflict")
        refused(execution(ap, "rita", a["id"], {"ok": False, "status": "failed"}), 409, "conflict")
    assert get(ap, a["id"])["execution"] == x
    # Optional fields: error_resolved unknown, no metrics.
    b = new(ap, tier=1)
    r = execution(ap, "rita", b["id"], {"ok": False, "status": "failed", "error_resolved": None})
    assert r.status == 200, r.text
    x = r.json()["data"]["execution"]
    assert x["ok"] is False and x["error_resolved"] is None and x["metrics"] == {}


def test_execution_refusals(ap):
    pending = new(ap, tier=2)
    denied = new(ap, tier=2)
    assert vote(ap, "bob", denied["id"], "deny").status == 200
    approved = new(ap, tier=1)
    with unchanged(ap):
        e = refused(execution(ap, "alice", pending["id"]), 409, "conflict")
        assert "not been granted" in e["message"]
        refused(execution(ap, "alice", denied["id"]), 409, "already_decided")
        for user in ("bob", "vera", "ada"):  # the executor is a requester
            refused(execution(ap, user, approved["id"]), 403, "forbidden")
        refused(execution(ap, "alice", 999999), 404, "not_found")
        for body, field in [({"status": "succeeded"}, "ok"), ({"ok": True}, "status"),
                            ({"ok": "yes", "status": "succeeded"}, "ok"),
                            ({"ok": True, "status": 3}, "status"),
                            ({"ok": True, "status": ""}, "status"),
                            ({"ok": True, "status": "succeeded", "error_resolved": "no"}, "error_resolved"),
                            ({"ok": True, "status": "succeeded", "metrics": [1]}, "metrics"),
                            ({"ok": True, "status": "succeeded", "extra": 1}, "extra")]:
            e = refused(execution(ap, "alice", approved["id"], body), 400, "validation_failed")
            assert field in fields_of(e), (body, e)
    assert get(ap, approved["id"])["execution"] is None


# --- 7. the approval.granted webhook -----------------------------------------------------

def test_the_granted_webhook_is_signed_and_carries_the_approval_and_its_url(ap):
    port = free_port()
    r = ap.request("POST", "/api/v1/webhooks", headers=hdr(ap, "ada"), body=json.dumps(
        {"url": "http://127.0.0.1:%d/hook" % port, "events": ["approval.granted"],
         "description": "approvals test"}))
    assert r.status == 201, r.text
    sub = r.json()["data"]
    rcv = Receiver(port, sub["secret"], "200", ap.var)
    try:
        a = new(ap, tier=2, mission_id="m-hook", params={"region": "eu-west-1"})
        assert vote(ap, "bob", a["id"], "deny").status == 200  # denied: not subscribed
        b = new(ap, tier=3, mission_id="m-hook")
        assert vote(ap, "bob", b["id"]).status == 200           # voted: not a webhook event
        assert vote(ap, "carol", b["id"]).status == 200         # granted
        c = new(ap, tier=1)                                      # granted by the system
        r = worker(ap, "--job", "deliver-webhooks")
        assert "2 delivered" in r.stdout, r.stdout + r.stderr
        reqs = rcv.requests()
        assert len(reqs) == 2, reqs
        assert all(q["verified"] for q in reqs), reqs
        assert all(q["content_type"] == "application/json" for q in reqs)
        bodies = {json.loads(q["body"])["data"]["id"]: json.loads(q["body"]) for q in reqs}
        assert set(bodies) == {b["id"], c["id"]}
        base = "http://127.0.0.1:%d" % ap.port  # public_url
        for aid in (b["id"], c["id"]):
            body = bodies[aid]
            assert body["type"] == "approval.granted" and ms(body["timestamp"])
            data = dict(body["data"])
            assert data.pop("url") == "%s/approvals/%d" % (base, aid)
            assert data == get(ap, aid)
        assert bodies[b["id"]]["data"]["decided_by"] == "carol"
        assert [v["by"] for v in bodies[b["id"]]["data"]["votes"]] == ["bob", "carol"]
        assert bodies[c["id"]]["data"]["decided_by"] == "system"
        listed = ap.get("/api/v1/webhooks/%d/deliveries" % sub["id"], headers=hdr(ap, "ada")).json()["data"]
        assert sorted(d["msg_id"] for d in listed) == sorted(q["id"] for q in reqs)
        assert all(d["status"] == "delivered" and d["event_type"] == "approval.granted" for d in listed)
    finally:
        rcv.stop()
        ap.request("DELETE", "/api/v1/webhooks/%d" % sub["id"], headers=hdr(ap, "ada"))


# --- 8. every change in the ledger and on the mission timeline ----------------------------

def test_every_change_is_in_the_ledger_and_on_the_timeline(ap):
    mission = "m-ledger"
    granted = new(ap, tier=3, mission_id=mission)
    assert vote(ap, "bob", granted["id"], comment="one").status == 200
    assert vote(ap, "carol", granted["id"], comment="two").status == 200
    assert execution(ap, "alice", granted["id"]).status == 200
    denied = new(ap, tier=2, mission_id=mission)
    assert vote(ap, "carol", denied["id"], "deny").status == 200
    cancelled = new(ap, tier=2, mission_id=mission)
    assert cancel(ap, "alice", cancelled["id"]).status == 200
    expired = new(ap, tier=2, mission_id=mission, expires_in_seconds=1)
    worker(ap, "--job", "expire-approvals", now=later(5))
    expected = {
        granted["id"]: [("approval.requested", "alice", "pending"), ("approval.voted", "bob", "pending"),
                        ("approval.granted", "carol", "approved"), ("approval.executed", "alice", "approved")],
        denied["id"]: [("approval.requested", "alice", "pending"), ("approval.denied", "carol", "denied")],
        cancelled["id"]: [("approval.requested", "alice", "pending"),
                          ("approval.cancelled", "alice", "cancelled")],
        expired["id"]: [("approval.requested", "alice", "pending"), ("approval.expired", "system", "expired")],
    }
    entries = ledger(ap)
    for aid, want in expected.items():
        mine = [e for e in entries if e["subject"] == "approval:%d" % aid]
        assert [(e["kind"], e["actor"], e["payload"]["payload"]["status"]) for e in mine] == want, aid
        for e in mine:
            assert e["payload"]["type"] == e["kind"] and e["payload"]["mission_id"] == mission
            assert e["payload"]["payload"]["id"] == aid
            assert json.loads(e["payload_json"]) == e["payload"]
        assert mine[-1]["payload"]["payload"] == get(ap, aid)
        events = timeline_of(ap, mission, aid)
        assert [(e["type"], e["payload"]["status"]) for e in events] == [(k, st) for k, _, st in want]
        assert all(e["source"] == "gatehouse" for e in events)
    # The votes as they stood after each change.
    g = [e["payload"]["payload"] for e in entries if e["subject"] == "approval:%d" % granted["id"]]
    assert [[v["by"] for v in p["votes"]] for p in g] == [[], ["bob"], ["bob", "carol"], ["bob", "carol"]]
    assert g[3]["execution"] is not None and g[2]["execution"] is None
    v = ap.get("/api/v1/ledger/verify", headers=hdr(ap, "vera")).json()["data"]
    assert v["ok"] is True and v["first_bad_seq"] is None


# --- 9. hostile strings on the pages ---------------------------------------------------------

HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "{{x}}", "javascript:alert(1)",
           "'onmouseover='alert(2)", "</textarea></pre><svg onload=alert(3)>"]


def assert_inert(html):
    # The only scripts are the site's own.
    assert "<script" not in re.sub(r'<script src="/static/[a-z_]+\.js"( defer)?></script>', "", html)
    for raw in ("<img", "<svg", "</textarea></pre><svg", "onerror=alert(1)>", "'onmouseover='"):
        assert raw not in html, raw
    assert 'href="javascript:' not in html


def test_hostile_strings_render_inert(ap):
    text = " | ".join(HOSTILE)
    a = new(ap, tier=3, mission_id="javascript:x", target=text[:200], reason=text,
            params={h: h for h in HOSTILE} | {"nested": {"k": HOSTILE}})
    assert vote(ap, "bob", a["id"], comment=text).status == 200
    stored = get(ap, a["id"])
    assert stored["target"] == text[:200] and stored["reason"] == text  # stored as given
    assert stored["votes"][0]["comment"] == text
    # Fields with a fixed grammar refuse them outright.
    with unchanged(ap):
        for h in HOSTILE:
            e = refused(create(ap, {"action_type": h, "target": "t", "tier": 2}), 400, "validation_failed")
            assert fields_of(e) == {"action_type"}
            e = refused(create(ap, {"action_type": "x", "target": "t", "tier": 2, "mission_id": h}),
                        400, "validation_failed")
            assert fields_of(e) == {"mission_id"}
    decided = new(ap, tier=2, target=HOSTILE[1], reason=HOSTILE[0], mission_id="javascript:x")
    assert vote(ap, "carol", decided["id"], "deny", comment=HOSTILE[5]).status == 200
    for user in ("vera", "carol"):  # carol sees the vote forms on the pending one
        cookie, _ = login(ap, user)
        pages = {p: ap.get(p, headers={"Cookie": cookie}) for p in
                 ["/approvals", "/approvals?mission_id=javascript:x", "/approvals/%d" % a["id"],
                  "/approvals/%d" % decided["id"]]}
        for path, page in pages.items():
            assert page.status == 200 and is_html(page), path
            assert_inert(page.text)
            # The decided one is the most recent decision: on every page here.
            assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page.text, path
            if path != "/approvals":  # (the unfiltered list may have 50 older waiting requests)
                assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text, path
        detail = pages["/approvals/%d" % a["id"]].text
        assert "{{x}}" in detail  # not taken for a template marker
        assert "&lt;/textarea&gt;&lt;/pre&gt;&lt;svg onload=alert(3)&gt;" in detail
        assert 'href="/missions/javascript:x"' in detail
        if user == "carol":
            assert 'action="/approvals/%d/vote"' % a["id"] in detail
    # A hostile filter value is refused without being echoed.
    page = ap.get("/approvals?mission_id=%3Cscript%3Ealert(1)%3C/script%3E", headers={"Cookie": cookie})
    assert page.status == 400 and "<script>alert" not in page.text


# --- 10. the HTML vote flow -----------------------------------------------------------------

def test_vote_by_form_needs_the_csrf_token(ap):
    a = new(ap, tier=2, mission_id="m-html")
    cookie, csrf = login(ap, "bob")
    page = ap.get("/approvals/%d" % a["id"], headers={"Cookie": cookie})
    assert page.status == 200
    assert 'action="/approvals/%d/vote"' % a["id"] in page.text
    assert 'name="csrf" value="%s"' % csrf in page.text
    assert "1 more approval from an approver" in page.text
    path = "/approvals/%d/vote" % a["id"]
    with unchanged(ap):
        r = form_post(ap, cookie, path, {"verdict": "approve"})
        assert r.status == 403 and ("csrf_failed" in r.text or "form has expired" in r.text)
        r = form_post(ap, cookie, path, {"verdict": "approve", "csrf": "x" * len(csrf)})
        assert r.status == 403
        r = ap.request("POST", path, body=urllib.parse.urlencode({"verdict": "approve", "csrf": csrf}),
                       headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
                                "Origin": "http://evil.example"})
        assert r.status == 403
        r = form_post(ap, cookie, path, {"verdict": "maybe", "csrf": csrf})
        assert r.status == 400 and is_html(r) and "Choose Approve or Deny." in r.text
        # The API with the session cookie needs the token too.
        r = ap.request("POST", "/api/v1/approvals/%d/votes" % a["id"], body=json.dumps({"verdict": "approve"}),
                       headers={"Cookie": cookie, "Content-Type": "application/json"})
        refused(r, 403, "csrf_failed")
    assert get(ap, a["id"])["status"] == "pending"
    r = form_post(ap, cookie, path, {"verdict": "approve", "comment": "ship it", "csrf": csrf})
    assert r.status == 303, r.text
    assert r.headers["location"] == "/approvals/%d?done=granted" % a["id"]
    got = get(ap, a["id"])
    assert got["status"] == "approved" and got["decided_by"] == "bob"
    assert [(v["by"], v["comment"]) for v in got["votes"]] == [("bob", "ship it")]
    page = ap.get(r.headers["location"], headers={"Cookie": cookie})
    assert "You approved this request" in page.text and "ship it" in page.text
    assert 'action="/approvals/%d/vote"' % a["id"] not in page.text
    assert "Approved; the last approval came from bob." in page.text

    # A vote on a request that is already decided: a readable page, nothing recorded.
    carol, carol_csrf = login(ap, "carol")
    with unchanged(ap):
        r = form_post(ap, carol, path, {"verdict": "deny", "csrf": carol_csrf})
        assert r.status == 409 and is_html(r), r.text
        assert "Your vote was not counted: this request is already approved." in r.text
        assert not r.text.lstrip().startswith("{")
    # A tier-3 first vote answers "voted"; a deny answers "denied".
    b = new(ap, tier=3)
    r = form_post(ap, carol, "/approvals/%d/vote" % b["id"], {"verdict": "approve", "csrf": carol_csrf})
    assert r.status == 303 and r.headers["location"].endswith("?done=voted")
    page = ap.get("/approvals/%d" % b["id"], headers={"Cookie": carol})
    assert "You have voted on this request" in page.text
    assert 'action="/approvals/%d/vote"' % b["id"] not in page.text
    with unchanged(ap):
        r = form_post(ap, carol, "/approvals/%d/vote" % b["id"], {"verdict": "approve", "csrf": carol_csrf})
        assert r.status == 409 and is_html(r) and "already voted" in r.text
    r = form_post(ap, cookie, "/approvals/%d/vote" % b["id"], {"verdict": "deny", "csrf": csrf})
    assert r.status == 303 and r.headers["location"].endswith("?done=denied")
    assert get(ap, b["id"])["status"] == "denied"
    assert "You denied this request." in ap.get(r.headers["location"], headers={"Cookie": cookie}).text


def test_a_confirmation_shows_only_while_it_is_true(ap):
    """?done= is part of a link anyone can open, later too: the page confirms
    only what the viewer did and what still holds."""
    a = new(ap, tier=3)
    carol, carol_csrf = login(ap, "carol")
    bob, _ = login(ap, "bob")
    confirmations = ("You approved", "Your approval is counted", "You denied", "You cancelled")
    for what in ("granted", "voted", "denied", "cancelled", "bogus"):
        page = ap.get("/approvals/%d?done=%s" % (a["id"], what), headers={"Cookie": bob})
        assert page.status == 200 and not any(c in page.text for c in confirmations), what
    r = form_post(ap, carol, "/approvals/%d/vote" % a["id"], {"verdict": "approve", "csrf": carol_csrf})
    assert r.headers["location"].endswith("?done=voted")
    assert "Your approval is counted" in ap.get(r.headers["location"], headers={"Cookie": carol}).text
    assert "Your approval is counted" not in ap.get(r.headers["location"], headers={"Cookie": bob}).text
    vote(ap, "bob", a["id"])  # now granted: carol's "still needs another approver" is no longer true
    page = ap.get(r.headers["location"], headers={"Cookie": carol}).text
    assert "Your approval is counted" not in page and "Approved; the last approval came from bob." in page


def test_self_approval_by_form_is_a_readable_refusal(ap):
    a = new(ap, tier=2, user="sam")
    cookie, csrf = login(ap, "sam")
    page = ap.get("/approvals/%d" % a["id"], headers={"Cookie": cookie})
    assert "you cannot approve or deny it" in page.text
    assert 'action="/approvals/%d/vote"' % a["id"] not in page.text
    assert 'action="/approvals/%d/cancel"' % a["id"] in page.text
    with unchanged(ap):
        r = form_post(ap, cookie, "/approvals/%d/vote" % a["id"], {"verdict": "approve", "csrf": csrf})
        assert r.status == 409 and is_html(r), r.text
        assert "Your vote was not counted: you filed this request, so you cannot vote on it" in r.text
    assert get(ap, a["id"])["votes"] == []


def test_viewer_and_requester_cannot_vote_by_form_and_cancel_works(ap):
    a = new(ap, tier=2)
    vera, vcsrf = login(ap, "vera")
    page = ap.get("/approvals/%d" % a["id"], headers={"Cookie": vera})
    assert "Approvers decide this request" in page.text and 'action="/approvals/%d/vote"' % a["id"] not in page.text
    alice, acsrf = login(ap, "alice")
    with unchanged(ap):
        r = form_post(ap, vera, "/approvals/%d/vote" % a["id"], {"verdict": "approve", "csrf": vcsrf})
        assert r.status == 403
        r = form_post(ap, alice, "/approvals/%d/vote" % a["id"], {"verdict": "approve", "csrf": acsrf})
        assert r.status == 403
        r = form_post(ap, vera, "/approvals/%d/cancel" % a["id"], {"csrf": vcsrf})
        assert r.status == 403
        r = form_post(ap, alice, "/approvals/%d/cancel" % a["id"], {})
        assert r.status == 403
    r = form_post(ap, alice, "/approvals/%d/cancel" % a["id"], {"csrf": acsrf})
    assert r.status == 303 and r.headers["location"] == "/approvals/%d?done=cancelled" % a["id"]
    assert get(ap, a["id"])["status"] == "cancelled"
    with unchanged(ap):
        r = form_post(ap, alice, "/approvals/%d/cancel" % a["id"], {"csrf": acsrf})
        assert r.status == 409 and is_html(r) and "already cancelled" in r.text


def test_the_list_page_shows_waiting_then_decided(ap):
    a = new(ap, tier=2, mission_id="m-page-list", target="list-pending")
    b = new(ap, tier=1, mission_id="m-page-list", target="list-decided")
    cookie, _ = login(ap, "vera")
    page = ap.get("/approvals?mission_id=m-page-list", headers={"Cookie": cookie})
    assert page.status == 200
    pending, decided = page.text.split('id="decided"')
    assert 'id="approval-%d"' % a["id"] in pending and 'id="approval-%d"' % b["id"] in decided
    assert '<span class="count">1</span>' in pending
    page = ap.get("/approvals?status=pending&mission_id=m-page-list", headers={"Cookie": cookie})
    assert "list-pending" in page.text and "list-decided" not in page.text
    assert ap.get("/approvals/999999", headers={"Cookie": cookie}).status == 404
    assert ap.get("/approvals?tier=9", headers={"Cookie": cookie}).status == 400


# --- 11. the live stream ------------------------------------------------------------------

def test_the_stream_sends_each_change_and_resumes_after_last_event_id(ap):
    view = {"Authorization": "Bearer " + ap.tokens["vera"]}
    st = Stream(ap, "/approvals/stream", view)
    assert st.resp.status == 200
    assert st.resp.getheader("content-type") == "text/event-stream"
    time.sleep(0.4)
    a = new(ap, tier=2, mission_id="m-stream")
    ap.admin("user", "add", "stream-noise", "--role", "viewer")  # a ledger entry of another kind
    assert vote(ap, "bob", a["id"]).status == 200
    got = st.events(2)
    st.close()
    assert [e["event"] for e in got] == ["approval", "approval"], got
    datas = [json.loads(e["data"]) for e in got]
    assert [(d["id"], d["status"]) for d in datas] == [(a["id"], "pending"), (a["id"], "approved")]
    assert datas[1] == get(ap, a["id"])
    seqs = {e["seq"]: e["kind"] for e in ledger_of(ap, a["id"])}
    assert {int(e["id"]): json.loads(e["data"])["status"] for e in got} == {
        s: ("pending" if k == "approval.requested" else "approved") for s, k in seqs.items()}
    assert int(got[0]["id"]) < int(got[1]["id"])

    # The browser saw the first, lost the connection, and meanwhile another change happened.
    assert execution(ap, "alice", a["id"]).status == 200
    again = Stream(ap, "/approvals/stream", {**view, "Last-Event-ID": got[0]["id"]})
    replay = again.events(2)
    assert [e["id"] for e in replay][0] == got[1]["id"]
    assert [json.loads(e["data"])["status"] for e in replay] == ["approved", "approved"]
    assert json.loads(replay[1]["data"])["execution"]["ok"] is True
    # Then live again, without repeating anything.
    b = new(ap, tier=1)
    more = again.events(2)
    again.close()
    assert [(json.loads(e["data"])["id"]) for e in more] == [b["id"], b["id"]]
    seen = [e["id"] for e in replay + more]
    assert len(seen) == len(set(seen)) and [int(x) for x in seen] == sorted(int(x) for x in seen)

    # ?last_event_id= does the same for clients that cannot set the header.
    q = Stream(ap, "/approvals/stream?last_event_id=%s" % replay[0]["id"], view)
    assert [e["id"] for e in q.events(3)] == [replay[1]["id"]] + [e["id"] for e in more]
    q.close()
    for bad in ("abc", "-1", "1x"):
        r = ap.get("/approvals/stream", headers={**view, "Last-Event-ID": bad})
        assert r.status == 400, bad
    refused(ap.get("/approvals/stream?last_event_id=", headers=view), 400, "validation_failed")
    assert ap.get("/approvals/stream").status == 401
    # Changes after the browsers went away let the streams notice and end now rather than
    # hold the stream threads until the next heartbeat (and the stack's stop waiting for them).
    for _ in range(2):
        new(ap, tier=1)
        time.sleep(0.3)
