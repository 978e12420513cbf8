"""The aggregate job, GET /api/v1/stats and the dashboard through nginx:
rollups that follow the records (a rerun counts nothing twice, a late event
lands in the hour it happened, on the worker's own run), the API's
refusals, and a dashboard that shows what waits, what expires first, the
freeze, the deployments in flight and the missions, draws its charts from
the rollups, keeps hostile strings inert and has no dead links."""

import hashlib
import html
import json
import os
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from clients import sign_in
from stack import REPO

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def token(s, name):
    r = s.admin("token", "create", "--user", name, "--name", "stats-test")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.fixture(scope="module")
def st(new_stack_module):
    s = new_stack_module("webhook_allow_http = 1\n")
    s.tokens = {u: token(s, u) for u in ["alice", "bob", "carol", "vera", "ada"]}
    return s


def call(s, user, method, path, body=None):
    return s.request(method, path, body=None if body is None else json.dumps(body),
                     headers={"Authorization": "Bearer " + s.tokens[user], "Content-Type": "application/json"})


def aggregate(s, *args):
    r = subprocess.run([os.path.join(REPO, "bin/gatehouse-worker"), "--config", s.conf, "run",
                        "--job", "aggregate", *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout + r.stderr


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def hour_of(t):
    return iso(t.replace(minute=0, second=0, microsecond=0))


def stats(s, **params):
    rows, cursor = [], None
    while True:
        q = "&".join("%s=%s" % kv for kv in params.items()) + ("&cursor=" + cursor if cursor else "")
        r = call(s, "vera", "GET", "/api/v1/stats?limit=200&" + q)
        assert r.status == 200, r.text
        doc = r.json()
        rows += doc["data"]
        cursor = doc["meta"]["next_cursor"]
        if not cursor:
            return rows


def value(rows, start, labels):
    found = [r["value"] for r in rows if r["bucket_start"] == start and r["labels"] == labels]
    return found[0] if found else 0


def test_stats_refuses_what_it_cannot_answer(st):
    for query, field in [("bucket=week", "bucket"), ("metric=nope", "metric"),
                         ("since=yesterday", "since"), ("until=2026-13-01T00:00:00Z", "until"),
                         ("since=2026-11-02T00:00:00.000Z&until=2026-11-01T00:00:00.000Z", "since"),
                         ("cursor=zz", "cursor"), ("limit=0", "limit")]:
        r = call(st, "vera", "GET", "/api/v1/stats?" + query)
        assert r.status == 400, (query, r.text)
        err = r.json()["error"]
        assert err["code"] == "validation_failed" and err["details"][0]["field"] == field, (query, err)
    assert st.get("/api/v1/stats").status == 401


def test_rollups_follow_the_records_and_late_events_land_in_their_hour(st):
    now = datetime.now(timezone.utc)
    aggregate(st)  # the backfill of the demo's records
    before = stats(st, bucket="hour", metric="approvals_decided")
    ids = []
    for i in range(3):
        r = call(st, "alice", "POST", "/api/v1/approvals", {
            "action_type": "restart_service", "target": "stats-%d" % i, "tier": 2, "mission_id": "m-stats"})
        assert r.status == 201, r.text
        ids.append(r.json()["data"]["id"])
    for aid, verdict in zip(ids, ["approve", "approve", "deny"]):
        r = call(st, "bob", "POST", "/api/v1/approvals/%d/votes" % aid, {"verdict": verdict})
        assert r.status == 200, r.text
    hour = hour_of(datetime.now(timezone.utc))
    out = aggregate(st)
    assert "hour" in out
    after = stats(st, bucket="hour", metric="approvals_decided")
    approved, denied = {"tier": "2", "verdict": "approved"}, {"tier": "2", "verdict": "denied"}
    assert value(after, hour, approved) == value(before, hour, approved) + 2
    assert value(after, hour, denied) == value(before, hour, denied) + 1

    # A rerun with nothing new changes nothing.
    aggregate(st)
    assert stats(st, bucket="hour", metric="approvals_decided") == after

    # An event that happened three hours ago arrives now: it lands in that hour, and its day.
    late = now - timedelta(hours=3)
    r = call(st, "alice", "POST", "/api/v1/events",
             {"id": "late-1", "type": "latecomer.arrived", "mission_id": "m-stats", "occurred_at": iso(late)})
    assert r.status == 202, r.text
    aggregate(st)
    rows = stats(st, bucket="hour", metric="events_ingested")
    assert value(rows, hour_of(late), {"family": "latecomer"}) == 1
    days = stats(st, bucket="day", metric="events_ingested")
    assert value(days, iso(late.replace(hour=0, minute=0, second=0, microsecond=0)), {"family": "latecomer"}) == 1
    # Each row once, across pages of one row.
    one_by_one, cursor = [], None
    while True:
        r = call(st, "vera", "GET", "/api/v1/stats?bucket=hour&metric=events_ingested&limit=1"
                 + ("&cursor=" + cursor if cursor else ""))
        one_by_one += r.json()["data"]
        cursor = r.json()["meta"]["next_cursor"]
        if not cursor:
            break
    assert one_by_one == rows


def test_the_dashboard_shows_what_needs_people(st):
    r = call(st, "alice", "POST", "/api/v1/approvals", {
        "action_type": "restart_service", "target": HOSTILE, "tier": 3, "mission_id": "m-dash",
        "expires_in_seconds": 120})
    assert r.status == 201, r.text
    soonest = r.json()["data"]["id"]
    r = call(st, "alice", "POST", "/api/v1/events",
             {"id": "dash-1", "type": "error.detected", "mission_id": "m-dash", "payload": {"title": HOSTILE}})
    assert r.status == 202, r.text
    aggregate(st)
    cookie = {"Cookie": sign_in(st, "vera")}
    page = st.get("/", headers=cookie)
    assert page.status == 200
    text = page.text
    pending = call(st, "vera", "GET", "/api/v1/approvals?status=pending&limit=200").json()["data"]
    assert "%d waiting for a decision" % len(pending) in text
    # The request that expires first leads the list.
    expiring = text[text.index("Expiring soonest"):]
    assert expiring.index('href="/approvals/%d"' % soonest) < expiring.index("</ul>")
    # No freeze here yet (this stack has no freeze root); the demo's deployment in flight with
    # its phase and last gate; the missions.
    assert "No freezes yet" in text
    assert 'href="/deployments/safety-tags-v1-demo"' in text and "Last gate" in text
    assert 'href="/missions/m-dash"' in text
    # Charts from the rollups, each with an accessible title.
    for title in ["Approval requests ended per day", "Events recorded per hour",
                  "Time from filing to decision"]:
        assert re.search(r'<svg class="dash-chart"[^>]*role="img"[^>]*><title id="[^"]+">' + title, text), title
    assert "From the worker's rollups, as of" in text
    # Hostile strings are text, never markup.
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(" in text  # the target, shown as the text it is
    # No dead ends: every local link answers.
    for href in sorted(set(re.findall(r'href="(/[^"]*)"', text))):
        if href.startswith("/static/"):
            continue
        r = st.get(html.unescape(href), headers=cookie)
        assert r.status == 200, (href, r.status)


def test_a_fresh_dashboard_says_the_rollups_are_to_come(new_stack):
    s = new_stack("webhook_allow_http = 1\n")
    cookie = {"Cookie": sign_in(s, "vera")}
    text = s.get("/", headers=cookie).text
    assert "aggregate job has not run yet" in text
    assert '<svg class="dash-chart"' not in text


def test_the_freeze_badge_follows_the_freezes(st):
    cookie = {"Cookie": sign_in(st, "vera")}

    def badge():
        text = st.get("/", headers=cookie).text
        panel = text[text.index('id="freeze-panel"'):]
        return re.search(r'class="badge (\w+)">(\w+)<', panel[:panel.index("</section>")]).group(2)

    content = b"frozen bytes"
    art = [{"path": "app.bin", "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}]
    r = call(st, "ada", "POST", "/api/v1/freezes", {"name": "dash-freeze", "artifacts": art})
    assert r.status == 201, r.text
    assert badge() == "unverified"
    r = call(st, "alice", "POST", "/api/v1/freezes/dash-freeze/checks", {"artifacts": art})
    assert r.status == 200, r.text
    assert badge() == "intact"
    changed = [dict(art[0], sha256=hashlib.sha256(b"changed").hexdigest())]
    r = call(st, "alice", "POST", "/api/v1/freezes/dash-freeze/checks", {"artifacts": changed})
    assert r.status == 200, r.text
    assert badge() == "violated"


def test_the_dashboard_names_what_fell_silent(new_stack):
    s = new_stack("webhook_allow_http = 1\n")
    cookie = {"Cookie": sign_in(s, "vera")}

    def panel():
        text = s.get("/", headers=cookie).text
        part = text[text.index('id="sources-panel"'):]
        return part[:part.index("</section>")]

    assert "No source or worker job is silent" in panel()
    # The worker runs now; a day later none of its jobs has succeeded for three periods.
    assert subprocess.run([os.path.join(REPO, "bin/gatehouse-worker"), "--config", s.conf, "run", "--once"],
                          capture_output=True, timeout=60).returncode == 0
    later = iso(datetime.now(timezone.utc) + timedelta(days=1))
    r = subprocess.run([os.path.join(REPO, "bin/gatehouse-worker"), "--config", s.conf, "run",
                        "--job", "watch-sources", "--now", later], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    text = panel()
    assert re.search(r'silent</span> worker job <strong>worker/[a-z-]+</strong>', text)
    assert 'href="/status"' in text
