"""A first look that explains itself (issue 14, item 7), through nginx on a
fresh `make run`-like stack with its demo data:

- the demo's story is told in time order on a clock that starts hours in
  the past: every approval's times agree with its events and its ledger
  entries, ledger times never go backwards, nothing is in the future;
- every page shows times in words inside a <time> element whose datetime is
  valid RFC 3339 and whose title is the exact UTC time, and no bare RFC 3339
  string anywhere in the visible text (raw documents in <pre> excepted);
- Gatehouse's own events carry a summary in words and a link to the page
  they are about, family by family (approval, action, gate, rollback,
  deployment, freeze, mission), in the timeline JSON and on the page; a
  client's event keeps its own text and may not pose as Gatehouse's;
- ledger subjects link to what they name;
- hostile strings in payloads stay inert text."""

import json
import os
import re
import sqlite3
import subprocess
import time
import urllib.parse
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from clients import sign_in
from stack import REPO

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
BARE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


# --- helpers ---------------------------------------------------------------------------------

def iso(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def ms_of(text):
    t = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return int(t.timestamp() * 1000 + 0.5)


def span(ms):
    """core/timeutil.c's time_format_span(), to the letter."""
    minutes = abs(ms) // 60000
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return "%d min" % minutes
    h, d = minutes // 60, minutes // 1440
    if minutes < 1440:
        return "%d h" % h if minutes % 60 == 0 else "%d h %d min" % (h, minutes % 60)
    return "%d d" % d if h % 24 == 0 else "%d d %d h" % (d, h % 24)


def ago(then, now):
    """core/timeutil.c's time_format_ago()."""
    d = now - then
    if -60000 < d < 60000:
        return "just now"
    return span(d) + " ago" if d > 0 else "in " + span(d)


def human(ms, seconds=True):
    """core/timeutil.c's time_format_human()."""
    t = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return "%d %s %04d %02d:%02d%s UTC" % (t.day, MONTHS[t.month - 1], t.year, t.hour, t.minute,
                                           ":%02d" % t.second if seconds else "")


def token(s, name):
    r = s.admin("token", "create", "--user", name, "--name", "first-look-test")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def call(s, user, method, path, body=None):
    return s.request(method, path, body=None if body is None else json.dumps(body),
                     headers={"Authorization": "Bearer " + s.tokens[user], "Content-Type": "application/json"})


def ok(r, status=200):
    assert r.status == status, (r.status, r.text)
    return r.json()["data"]


login = sign_in


def worker(s, *args):
    r = subprocess.run([os.path.join(REPO, "bin/gatehouse-worker"), "--config", s.conf, "run", *args],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def timeline(s, mission):
    return ok(call(s, "vera", "GET", "/api/v1/missions/%s/timeline?limit=200" % mission))


def events_of(s, **query):
    return ok(call(s, "vera", "GET", "/api/v1/events?" + urllib.parse.urlencode({"limit": 200, **query})))


class Page(HTMLParser):
    """A page's visible text (outside tags, scripts and raw <pre> documents),
    its <time> elements and its links."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.text, self.times, self.links = [], [], []
        self.skip = 0
        self.time = None
        self.link = None
        self.now = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "pre"):
            self.skip += 1
        elif tag == "time":
            self.time = {"attrs": a, "text": ""}
        elif tag == "a":
            self.link = {"href": a.get("href"), "text": ""}
        elif tag == "body":
            self.now = int(a["data-now"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "pre"):
            self.skip -= 1
        elif tag == "time" and self.time is not None:
            self.times.append(self.time)
            self.time = None
        elif tag == "a" and self.link is not None:
            self.links.append(self.link)
            self.link = None

    def handle_data(self, data):
        if self.skip:
            return
        self.text.append(data)
        if self.time is not None:
            self.time["text"] += data
        if self.link is not None:
            self.link["text"] += data


def check_page(s, path, cookie=None, status=200):
    """Fetch path and check its times; returns the parsed page."""
    r = s.get(path, headers={"Cookie": cookie} if cookie else {})
    assert r.status == status, (path, r.status, r.text[:300])
    assert r.headers["content-type"].startswith("text/html"), path
    page = Page(r.text)
    text = "".join(page.text)
    bare = BARE_TIME.search(text)
    assert bare is None, "%s shows a bare time: ...%s..." % (path, text[max(0, bare.start() - 60):bare.end() + 20])
    for t in page.times:
        at = t["attrs"].get("datetime")
        assert at and DATETIME.match(at), (path, t)
        ms = ms_of(at)
        assert t["attrs"].get("title") == human(ms), (path, t)
        if "data-relative" in t["attrs"]:
            # Worded as seen at some moment of the minute before the page was rendered.
            wordings = {ago(ms, page.now - k * 1000) for k in range(0, 61)}
            assert t["text"] in wordings, (path, t, page.now)
        else:
            assert t["text"] == human(ms, seconds=False), (path, t)
    return page


# --- the stack, its demo, and one of every Gatehouse event ---------------------------------------

@pytest.fixture(scope="module")
def fl(new_stack_module):
    s = new_stack_module()  # make run's own configuration: the demo freeze has its root
    # The demo as `make run` loaded it, before anything else happens here.
    s.demo_db = os.path.join(s.var, "demo-copy.db")
    src = sqlite3.connect("file:%s?mode=ro" % os.path.join(s.var, "gatehouse.db"), uri=True, timeout=10)
    dst = sqlite3.connect(s.demo_db)
    src.backup(dst)
    src.close()
    dst.close()
    s.demo_loaded_ms = int(os.stat(os.path.join(s.var, "demo-logins.txt")).st_mtime * 1000) + 1000
    s.tokens = {u: token(s, u) for u in ["alice", "bob", "carol", "erin", "vera", "ada"]}
    return s


@pytest.fixture(scope="module")
def story(fl):
    """One of every family of Gatehouse's own events, on mission m-first-look
    and a deployment of its own; returns the ids involved."""
    s, m, ids = fl, "m-first-look", {}
    now = datetime.now(timezone.utc)

    def approval(**fields):
        body = {"action_type": "restart_service", "target": "payments-api", "tier": 2, "mission_id": m,
                "reason": "first look", **fields}
        return ok(call(s, "alice", "POST", "/api/v1/approvals", body), 201)["id"]

    # approval.*: cancelled, expired, a tier 3 granted by two approvers.
    ids["cancelled"] = approval(target="cache-a")
    ok(call(s, "alice", "POST", "/api/v1/approvals/%d/cancel" % ids["cancelled"]))
    ids["expired"] = approval(target="cache-b", expires_in_seconds=1)
    ids["tier3"] = approval(target="checkout-web", tier=3)
    ok(call(s, "bob", "POST", "/api/v1/approvals/%d/votes" % ids["tier3"], {"verdict": "approve"}))
    ok(call(s, "carol", "POST", "/api/v1/approvals/%d/votes" % ids["tier3"], {"verdict": "approve"}))
    ok(call(s, "alice", "POST", "/api/v1/approvals/%d/execution" % ids["tier3"],
            {"ok": True, "status": "succeeded", "error_resolved": True}))
    # action.*: one promise kept, one broken and rolled back.
    contract = {"criteria": [{"name": "errors", "metric": "error_rate", "op": "<", "threshold": 0.001}],
                "verify_within_seconds": 600}
    for key, rate in (("kept", 0.0004), ("broken", 0.02)):
        ids[key] = approval(target="payments-" + key, contract=contract)
        ok(call(s, "bob", "POST", "/api/v1/approvals/%d/votes" % ids[key], {"verdict": "approve"}))
        ok(call(s, "alice", "POST", "/api/v1/approvals/%d/snapshot" % ids[key],
                {"snapshot_id": "snap-" + key, "kind": "vm-image"}))
        ok(call(s, "alice", "POST", "/api/v1/approvals/%d/execution" % ids[key],
                {"ok": True, "status": "succeeded", "metrics": {"error_rate": rate}}))
    ok(call(s, "alice", "POST", "/api/v1/approvals/%d/rollback-result" % ids["broken"],
            {"ok": True, "status": "restored", "restored_snapshot_id": "snap-broken"}))
    # A hostile target, on the same timeline.
    ids["hostile"] = approval(target=HOSTILE + "\nforged line")
    # mission.closed, on a mission of its own.
    ok(call(s, "alice", "POST", "/api/v1/events", {"id": "fl-close-1", "type": "error.detected",
                                                    "mission_id": "m-closed", "payload": {"error": "disk full"}}), 202)
    ok(call(s, "alice", "POST", "/api/v1/missions/m-closed/close", {"status": "resolved", "summary": "disk grown"}))
    # gate.*, rollback.*, deployment.*: a deployment whose error rate breaks its trigger.
    start = now - timedelta(hours=2)
    ok(call(s, "alice", "POST", "/api/v1/deployments",
            {"id": "fl-dep", "name": "First Look Rollout", "plan": "t4-72h", "started_at": iso(start)}), 201)
    breach = now - timedelta(minutes=30)
    samples = [{"name": "error_rate", "value": 0.0004, "at": iso(breach - timedelta(seconds=10))}] + \
              [{"name": "error_rate", "value": 0.015, "at": iso(breach + timedelta(seconds=10 * i))} for i in range(40)]
    ok(call(s, "alice", "POST", "/api/v1/deployments/fl-dep/metrics", {"samples": samples}), 202)
    ok(call(s, "alice", "POST", "/api/v1/deployments/fl-dep/evaluate", {"phase": "t0h"}))
    worker(s, "--job", "evaluate-gates", "--now", iso(breach + timedelta(seconds=301)))
    ok(call(s, "alice", "POST", "/api/v1/deployments/fl-dep/status", {"status": "rolled_back", "comment": "drained"}))
    ok(call(s, "erin", "POST", "/api/v1/deployments/safety-tags-v1-demo/signoff",
            {"decision": "HOLD", "comment": "wait for t24h"}))
    # freeze.*: a guardian finds one artifact changed, then as frozen again.
    sha = "ab" * 32
    ok(call(s, "ada", "POST", "/api/v1/freezes", {
        "name": "fl-freeze", "description": "first look", "root": None, "window": None,
        "artifacts": [{"path": "CHANGELOG.md", "sha256": sha, "size": 10},
                      {"path": "a.json", "sha256": "cd" * 32, "size": 3}]}), 201)
    listing = {"checked_at": iso(now), "artifacts": [{"path": "CHANGELOG.md", "sha256": "ef" * 32, "size": 10},
                                                     {"path": "a.json", "sha256": "cd" * 32, "size": 3}]}
    ok(call(s, "alice", "POST", "/api/v1/freezes/fl-freeze/checks", listing))
    listing["artifacts"][0]["sha256"] = sha
    listing["checked_at"] = iso(now + timedelta(seconds=1))
    ok(call(s, "alice", "POST", "/api/v1/freezes/fl-freeze/checks", listing))
    # Expiry last: the request had a second to live.
    time.sleep(1.1)
    worker(s, "--job", "expire-approvals")
    return ids


# --- the demo's story, in time order --------------------------------------------------------

def test_the_demo_plays_its_story_in_time_order(fl):
    db = sqlite3.connect(fl.demo_db)
    try:
        ledger = db.execute("SELECT seq, at, kind, subject, payload_json FROM ledger ORDER BY seq").fetchall()
        approvals = db.execute("SELECT id, created_at, decided_at, status FROM approvals").fetchall()
        events = {row[0]: row for row in db.execute(
            "SELECT id, type, occurred_at, received_at, mission_id, payload_json, source FROM events")}
        votes = db.execute("SELECT approval_id, voter, at FROM approval_votes").fetchall()
        missions = db.execute("SELECT id, opened_at, updated_at FROM missions").fetchall()
        other_times = [t for q in ("SELECT evaluated_at FROM gate_decisions",
                                   "SELECT checked_at FROM freeze_checks",
                                   "SELECT created_at FROM freezes",
                                   "SELECT started_at FROM deployments")
                       for (t,) in db.execute(q)]
    finally:
        db.close()
    assert len(approvals) >= 8 and len(ledger) > 40

    # The ledger's times only move forward, on a clock that starts more than a day ago.
    times = [ms_of(at) for _, at, _, _, _ in ledger]
    assert times == sorted(times)
    assert times[0] < fl.demo_loaded_ms - 24 * 3600 * 1000

    # Nothing happened in the future (expiry deadlines are not happenings).
    happened = times + [ms_of(e[2]) for e in events.values()] + [ms_of(e[3]) for e in events.values()] + \
        [ms_of(a[1]) for a in approvals] + [ms_of(a[2]) for a in approvals if a[2]] + \
        [ms_of(v[2]) for v in votes] + [ms_of(m[1]) for m in missions] + [ms_of(t) for t in other_times]
    assert max(happened) <= fl.demo_loaded_ms

    # Each of Gatehouse's events has its ledger entry at the same time, and the other way round.
    by_event = {}
    for seq, at, kind, subject, payload in ledger:
        p = json.loads(payload)
        if isinstance(p, dict) and "event_id" in p:
            e = events[p["event_id"]]
            assert (e[1], e[2]) == (kind, at), (seq, kind, at, e)
            by_event[p["event_id"]] = (seq, at, kind, subject)
    own = [e for e in events.values() if e[6] == "gatehouse"]
    assert own and all(e[0] in by_event for e in own)

    # Every approval agrees with its events and ledger entries.
    def entries(aid, kind):
        return [at for _, at, k, subject, _ in ledger if subject == "approval:%d" % aid and k == kind]

    outcome = {"approved": "approval.granted", "denied": "approval.denied",
               "expired": "approval.expired", "cancelled": "approval.cancelled"}
    for aid, created, decided, status in approvals:
        assert entries(aid, "approval.requested") == [created], aid
        mine = [e for e in events.values() if e[1].startswith("approval.") and json.loads(e[5]).get("id") == aid]
        assert [e[2] for e in mine if e[1] == "approval.requested"] == [created], aid
        if status == "pending":
            assert decided is None
            continue
        assert entries(aid, outcome[status]) == [decided], (aid, status)
        assert [e[2] for e in mine if e[1] == outcome[status]] == [decided], (aid, status)
        for _, voter, at in [v for v in votes if v[0] == aid]:
            assert at in [a for _, a, _, s, _ in ledger if s == "approval:%d" % aid], (aid, voter, at)

    # A mission opens with its first event and was last active at its last one.
    for mid, opened, updated in missions:
        on = sorted(ms_of(e[2]) for e in events.values() if e[4] == mid)
        assert (ms_of(opened), ms_of(updated)) == (on[0], on[-1]), mid

    # The mission of the approvals begins with the error it is about, ten minutes before them.
    first = min((e for e in events.values() if e[4] == "mission-789"), key=lambda e: ms_of(e[2]))
    assert first[1] == "error.detected" and first[2] == first[3]
    assert min(ms_of(a[1]) for a in approvals if a[0] >= 4) - ms_of(first[2]) == 10 * 60000


def test_the_demo_ledger_verifies(fl):
    assert ok(call(fl, "vera", "GET", "/api/v1/ledger/verify"))["ok"] is True


# --- times on every page --------------------------------------------------------------------------

def test_every_page_shows_times_in_words(fl, story):
    ada, erin = login(fl, "ada"), login(fl, "erin")
    approvals = [a["id"] for st in ("pending", "approved", "denied", "expired", "cancelled")
                 for a in ok(call(fl, "vera", "GET", "/api/v1/approvals?limit=200&status=" + st))]
    missions = [m["id"] for m in ok(call(fl, "vera", "GET", "/api/v1/missions?limit=200"))]
    deployments = [d["id"] for d in ok(call(fl, "vera", "GET", "/api/v1/deployments?limit=200"))]
    freezes = [f["name"] for f in ok(call(fl, "vera", "GET", "/api/v1/freezes?limit=200"))]
    assert len(approvals) >= 14 and {"mission-789", "m-first-look", "m-closed"} <= set(missions)
    assert {"safety-tags-v1-demo", "fl-dep"} <= set(deployments) and {"v0.02-final", "fl-freeze"} <= set(freezes)

    pages = ["/", "/approvals", "/approvals?status=approved", "/approvals?status=expired", "/missions",
             "/missions?status=resolved", "/freezes", "/deployments", "/ledger"]
    pages += ["/approvals/%d" % i for i in approvals]
    pages += ["/missions/" + m for m in missions]
    pages += ["/freezes/" + f for f in freezes]
    pages += ["/deployments/" + d for d in deployments]
    seen = {}
    for path in pages:
        seen[path] = len(check_page(fl, path, ada).times)
    for d in deployments:  # the printed report: exact times for the record
        report = check_page(fl, "/deployments/%s/report" % d, erin)
        assert report.times and all("data-relative" not in t["attrs"] for t in report.times)
    older = min(e["seq"] for e in ok(call(fl, "vera", "GET", "/api/v1/ledger?limit=200")))
    check_page(fl, "/ledger?before=%d" % (older + 60), ada)
    # The pages without a time, and the error pages.
    check_page(fl, "/login")
    check_page(fl, "/no-such-page", ada, status=404)
    check_page(fl, "/approvals/999999", ada, status=404)
    check_page(fl, "/missions?status=bogus", ada, status=400)
    # Times where there should be: each list row and each event has its own.
    assert seen["/ledger"] >= 51 and seen["/missions/mission-789"] >= 10
    assert seen["/approvals"] >= 14 and seen["/freezes/v0.02-final"] >= 4
    assert all(seen["/approvals/%d" % i] >= 1 for i in approvals)


# --- timeline summaries and links, family by family -------------------------------------------

def words(events, type_, link_start=None):
    got = [(e["summary"], e["link"]) for e in events if e["type"] == type_]
    assert got, type_
    if link_start:
        assert all(link and link.startswith(link_start) for _, link in got), got
    return [summary for summary, _ in got]


def test_approval_events_say_who_did_what(fl, story):
    tl = timeline(fl, "mission-789")
    by_type = {}
    for e in tl:
        if e["source"] == "gatehouse":
            assert e["link"] == "/approvals/%d" % e["payload"]["id"], e
            by_type.setdefault(e["type"], []).append(e["summary"])
    assert "alice requested db.migrate on orders-db (tier 2)" in by_type["approval.requested"]
    assert by_type["approval.denied"] == ["carol denied db.migrate on orders-db"]
    assert sorted(by_type["approval.granted"]) == [
        "bob approved cache.flush on search-api", "scale_out on payments-api approved on arrival (tier 1)"]
    assert by_type["approval.voted"] == ["bob approved rollback.deploy on checkout-web; it needs more votes"]
    # The client's event keeps its own words, and links nowhere.
    first = tl[0]
    assert (first["type"], first["source"]) == ("error.detected", "demo")
    assert (first["summary"], first["link"]) == ("heap grows 40 MB/h on payments-api since 2.31", None)

    mine = timeline(fl, "m-first-look")
    assert "alice cancelled restart_service on cache-a" in words(mine, "approval.cancelled", "/approvals/")
    assert words(mine, "approval.expired") == ["restart_service on cache-b expired with nobody deciding"]
    assert "bob and carol approved restart_service on checkout-web" in words(mine, "approval.granted")
    assert words(mine, "approval.executed", "/approvals/")[0] == "restart_service on checkout-web executed: succeeded"


def test_verified_action_events_tell_the_arc(fl, story):
    mine = timeline(fl, "m-first-look")
    assert words(mine, "action.snapshot_taken", "/approvals/") == [
        "alice named the safe-hold snapshot snap-kept before restart_service on payments-kept",
        "alice named the safe-hold snapshot snap-broken before restart_service on payments-broken"]
    assert words(mine, "action.verified") == ["restart_service on payments-kept kept its contract: 1 of 1 criteria met"]
    assert words(mine, "action.violated") == ["restart_service on payments-broken broke its contract: errors failed"]
    assert words(mine, "action.rollback_requested") == [
        "rollback of restart_service on payments-broken to snapshot snap-broken requested"]
    assert words(mine, "action.rollback_reported") == [
        "alice reported the rollback of restart_service on payments-broken: restored, restored snap-broken"]
    links = {e["link"] for e in mine if e["type"].startswith("action.")}
    assert links == {"/approvals/%d" % story["kept"], "/approvals/%d" % story["broken"]}


def test_deployment_gate_and_rollback_events_link_to_the_deployment(fl, story):
    demo = timeline(fl, "safety-tags-v1-demo")
    assert words(demo, "deployment.created", "/deployments/safety-tags-v1-demo") == [
        "deployment Guardian Safety Tags v1 created on plan t4-72h"]
    gates = words(demo, "gate.evaluated", "/deployments/safety-tags-v1-demo")
    assert "gate of phase t8h blocked by tag_detection: 2 of 3 criteria met" in gates
    assert "gate of phase t8h proceeded: 3 of 3 criteria met" in gates
    assert words(demo, "deployment.signed_off") == ["erin signed off deployment safety-tags-v1-demo: HOLD"]
    # The demo's flag steps are approvals on the deployment's mission, linking to themselves.
    assert any(s.startswith("bob approved feature_flag.set on safety-tags") for s in words(demo, "approval.granted"))

    mine = timeline(fl, "fl-dep")
    assert words(mine, "rollback.triggered", "/deployments/fl-dep") == [
        "rollback trigger error_rate_spike fired on fl-dep: immediate_rollback"]
    assert words(mine, "deployment.status_reported", "/deployments/fl-dep") == [
        "deployment fl-dep reported rolled_back (was rolling_back)"]
    assert words(mine, "gate.evaluated", "/deployments/fl-dep")[0].startswith("gate of phase t0h ")


def test_freeze_and_mission_events_link_to_their_pages(fl, story):
    assert [(e["summary"], e["link"]) for e in events_of(fl, type="freeze.violated")
            if e["payload"]["freeze"] == "fl-freeze"] == [
        ("freeze fl-freeze violated: CHANGELOG.md was modified", "/freezes/fl-freeze")]
    assert [(e["summary"], e["link"]) for e in events_of(fl, type="freeze.restored")] == [
        ("freeze fl-freeze restored: CHANGELOG.md is as frozen again", "/freezes/fl-freeze")]
    created = {e["payload"]["name"]: (e["summary"], e["link"]) for e in events_of(fl, type="freeze.created")}
    assert created["v0.02-final"] == ("freeze v0.02-final created over 10 artifacts", "/freezes/v0.02-final")
    closed = timeline(fl, "m-closed")
    assert [(e["summary"], e["link"]) for e in closed if e["type"] == "mission.closed"] == [
        ("mission closed as resolved: disk grown", "/missions/m-closed")]
    assert closed[0]["summary"] == "disk full" and closed[0]["link"] is None


def test_the_timeline_page_shows_the_words_and_links_and_every_link_answers(fl, story):
    cookie = login(fl, "vera")
    for mission in ("mission-789", "m-first-look", "safety-tags-v1-demo", "fl-dep", "m-closed"):
        page = check_page(fl, "/missions/" + mission, cookie)
        shown = {(link["href"], link["text"]) for link in page.links}
        for e in timeline(fl, mission)[:50]:
            if e["link"]:
                assert (e["link"], e["summary"]) in shown, e
                assert fl.get(e["link"], headers={"Cookie": cookie}).status == 200, e["link"]
            elif e["summary"]:
                assert e["summary"] in "".join(page.text)


def test_hostile_payloads_stay_inert_text(fl, story):
    e = [e for e in timeline(fl, "m-first-look")
         if e["type"] == "approval.requested" and e["payload"]["id"] == story["hostile"]][0]
    # One line (the newline is a space), the value cut at 60 characters.
    assert e["summary"] == "alice requested restart_service on %s… (tier 2)" % (HOSTILE + " forged line")[:60]
    page = fl.get("/missions/m-first-look", headers={"Cookie": login(fl, "vera")}).text
    assert HOSTILE not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page or "&lt;script&gt;" in page
    # A client may not pose as Gatehouse: its events are not worded or linked as Gatehouse's.
    before = len(events_of(fl, mission_id="m-first-look"))
    r = call(fl, "alice", "POST", "/api/v1/events", {"id": "fl-spoof", "type": "approval.granted",
                                                     "mission_id": "m-first-look", "source": "gatehouse",
                                                     "payload": {"id": 1, "summary": "x"}})
    assert r.status == 400 and [d["field"] for d in r.json()["error"]["details"]] == ["source"], r.text
    r = call(fl, "alice", "POST", "/api/v1/events", {"events": [
        {"id": "fl-spoof-2", "type": "approval.granted", "mission_id": "m-first-look", "source": "gatehouse"}]})
    assert r.status == 200 and r.json()["data"]["rejected"] == 1
    r = call(fl, "alice", "POST", "/api/v1/events", {"id": "fl-client", "type": "approval.granted",
                                                     "mission_id": "m-first-look", "source": "ci",
                                                     "payload": {"id": 1, "summary": "CI says: " + HOSTILE}})
    assert r.status == 202, r.text
    mine = [e for e in events_of(fl, mission_id="m-first-look") if e["id"] == "fl-client"]
    assert [(e["summary"], e["link"]) for e in mine] == [("CI says: " + HOSTILE, None)]
    assert len(events_of(fl, mission_id="m-first-look")) == before + 1
    assert fl.admin("source", "add", "gatehouse").returncode != 0


# --- ledger subjects -----------------------------------------------------------------------------

def test_ledger_subjects_link_to_what_they_name(fl, story):
    cookie = login(fl, "vera")
    expected = {"approval": "/approvals/", "freeze": "/freezes/", "deployment": "/deployments/",
                "mission": "/missions/", "plan": "/api/v1/plans/", "user": "/ledger?subject=user%3A",
                "token": "/ledger?subject=token%3A"}
    seen = set()
    before = None
    for _ in range(6):  # the newest 300 entries cover every kind of subject here
        page = check_page(fl, "/ledger" + ("?before=%d" % before if before else ""), cookie)
        for link in page.links:
            kind, _, name = link["text"].partition(":")
            if kind in expected and name:
                href = link["href"]
                want = expected[kind] + name
                assert href == want, (link, want)
                seen.add(kind)
        more = [l for l in page.links if l["href"] and l["href"].startswith("/ledger?before=")]
        if not more:
            break
        before = int(re.search(r"before=(\d+)", more[0]["href"]).group(1))
    assert seen == set(expected), seen
    for path in ("/approvals/1", "/freezes/v0.02-final", "/deployments/safety-tags-v1-demo",
                 "/missions/m-closed", "/api/v1/plans/t4-72h", "/ledger?subject=user%3Aalice"):
        assert fl.get(path, headers={"Cookie": cookie}).status == 200, path
    # The history of a user, where its subject leads: that user's entries only.
    page = check_page(fl, "/ledger?subject=user%3Aalice", cookie)
    assert {l["text"] for l in page.links if l["text"].startswith("user:")} == {"user:alice"}
