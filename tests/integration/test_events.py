"""Event ingestion, missions and timelines through nginx."""

import base64
import hashlib
import hmac
import json
import re
import threading
import time

import pytest

from clients import Stream, demo_login


@pytest.fixture(scope="module")
def ev(new_stack_module):
    s = new_stack_module()
    tok = s.admin("token", "create", "--user", "alice", "--name", "events").stdout.strip()
    s.auth = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
    view = s.admin("token", "create", "--user", "vera", "--name", "read").stdout.strip()
    s.view = {"Authorization": "Bearer " + view}
    s.secret = s.admin("source", "add", "sentinel").stdout.strip()
    return s


def post(s, body, headers=None):
    return s.request("POST", "/api/v1/events", body=json.dumps(body), headers=headers or s.auth)


def signed(s, body, secret=None, msg_id="msg_1", ts=None):
    raw = json.dumps(body)
    ts = str(int(time.time()) if ts is None else ts)
    key = base64.b64decode((secret or s.secret).split("_", 1)[1])
    sig = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.{raw}".encode(), hashlib.sha256).digest()).decode()
    return s.request("POST", "/api/v1/events", body=raw, headers={
        "Content-Type": "application/json", "webhook-id": msg_id, "webhook-timestamp": ts,
        "webhook-signature": "v1," + sig})


def test_single_event_then_its_duplicate(ev):
    body = {"id": "evt-1", "type": "error.detected", "mission_id": "m-1",
            "correlation_id": "req-abc", "payload": {"title": "Payments OOM", "service": "payments-api"}}
    r = post(ev, body)
    assert r.status == 202, r.text
    assert r.json()["data"] == {"id": "evt-1", "status": "accepted", "duplicate": False, "mission_id": "m-1"}
    r = post(ev, body)
    assert r.status == 200 and r.json()["data"]["duplicate"] is True
    m = ev.get("/api/v1/missions/m-1", headers=ev.view).json()["data"]
    assert m["title"] == "Payments OOM" and m["status"] == "active"
    assert m["counts"] == {"error.detected": 1}


def test_batch_answers_each_event_in_order(ev):
    body = {"events": [
        {"id": "b-1", "type": "agentic.action_planned", "mission_id": "m-2"},
        {"id": "b-2", "type": "Not.Valid"},
        {"id": "b-1", "type": "agentic.action_planned", "mission_id": "m-2"},
        {"id": "b-3", "type": "agentic.problem_resolved", "mission_id": "m-2", "colour": "red"},
        {"id": "b-4", "type": "agentic.action_executing", "mission_id": "m-2", "payload": {"x": "y" * 70000}},
    ]}
    r = post(ev, body)
    assert r.status == 200, r.text
    d = r.json()["data"]
    assert (d["accepted"], d["duplicates"], d["rejected"]) == (1, 1, 3)
    assert [x["status"] for x in d["results"]] == ["accepted", "rejected", "duplicate", "rejected", "rejected"]
    assert d["results"][1]["error"]["details"][0]["field"] == "events[1].type"
    assert d["results"][3]["error"]["details"][0]["field"] == "events[3].colour"
    assert d["results"][4]["error"]["details"][0]["field"] == "events[4].payload"


def test_bad_requests(ev):
    assert post(ev, {"id": "x", "type": "a.b", "extra": 1}).json()["error"]["details"][0]["field"] == "extra"
    r = ev.request("POST", "/api/v1/events", body="{}", headers={**ev.auth, "Content-Type": "text/plain"})
    assert r.status == 415
    r = ev.request("POST", "/api/v1/events", body="{nope", headers=ev.auth)
    assert r.status == 400 and r.json()["error"]["code"] == "invalid_json"
    assert post(ev, {"events": [{}] * 501}).status == 400
    r = ev.request("POST", "/api/v1/events", body="{}", headers={**ev.view, "Content-Type": "application/json"})
    assert r.status == 403


def test_timeline_is_in_occurred_order_and_searchable(ev):
    for i, t in [(1, "2026-11-22T10:00:05Z"), (2, "2026-11-22T10:00:01Z"), (3, "2026-11-22T10:00:03Z")]:
        assert post(ev, {"id": f"t-{i}", "type": "agentic.step", "mission_id": "m-3",
                         "correlation_id": "corr-3", "occurred_at": t}).status == 202
    tl = ev.get("/api/v1/missions/m-3/timeline?limit=2", headers=ev.view).json()
    assert [e["id"] for e in tl["data"]] == ["t-2", "t-3"]
    nxt = ev.get("/api/v1/missions/m-3/timeline?limit=2&cursor=" + tl["meta"]["next_cursor"], headers=ev.view).json()
    assert [e["id"] for e in nxt["data"]] == ["t-1"] and nxt["meta"]["next_cursor"] is None
    found = ev.get("/api/v1/events?correlation_id=corr-3", headers=ev.view).json()["data"]
    assert [e["id"] for e in found] == ["t-1", "t-2", "t-3"]
    assert ev.get("/api/v1/events?since=yesterday", headers=ev.view).status == 400
    assert ev.get("/api/v1/missions/nope/timeline", headers=ev.view).status == 404


def test_close_records_the_event_and_the_ledger_entry(ev):
    assert post(ev, {"id": "c-1", "type": "error.detected", "mission_id": "m-4"}).status == 202
    r = ev.request("POST", "/api/v1/missions/m-4/close", headers=ev.auth,
                   body=json.dumps({"status": "resolved", "summary": "restarted"}))
    assert r.status == 200, r.text
    assert r.json()["data"]["status"] == "resolved" and r.json()["data"]["closed_at"]
    again = ev.request("POST", "/api/v1/missions/m-4/close", headers=ev.auth, body=json.dumps({"status": "failed"}))
    assert again.status == 409
    types = [e["type"] for e in ev.get("/api/v1/missions/m-4/timeline", headers=ev.view).json()["data"]]
    assert types == ["error.detected", "mission.closed"]
    kinds = [(e["kind"], e["subject"]) for e in ev.get("/api/v1/ledger?limit=200", headers=ev.view).json()["data"]]
    assert ("mission.closed", "mission:m-4") in kinds
    listed = ev.get("/api/v1/missions?status=resolved", headers=ev.view).json()["data"]
    assert [m["id"] for m in listed] == ["m-4"]


def test_signed_deliveries(ev):
    body = {"id": "s-1", "type": "error.detected", "mission_id": "m-5", "source": "spoofed"}
    r = signed(ev, body, msg_id="msg_s1")
    assert r.status == 202, r.text
    e = ev.get("/api/v1/events?mission_id=m-5", headers=ev.view).json()["data"][0]
    assert e["source"] == "sentinel"  # the source's name, not what the body claims
    assert signed(ev, body, msg_id="msg_s1").json()["data"]["duplicate"] is True  # replayed
    other = "whsec_" + base64.b64encode(b"k" * 32).decode()
    assert signed(ev, {**body, "id": "s-2"}, secret=other, msg_id="msg_s2").status == 401
    stale = signed(ev, {**body, "id": "s-3"}, msg_id="msg_s3", ts=int(time.time()) - 400)
    assert stale.status == 401 and "5 minutes" in stale.text


def test_concurrent_duplicates_are_stored_once(ev):
    results = []
    body = {"id": "race-1", "type": "error.detected", "mission_id": "m-6"}

    def go():
        results.append(post(ev, body).status)

    threads = [threading.Thread(target=go) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] * 11 + [202]
    assert ev.get("/api/v1/missions/m-6", headers=ev.view).json()["data"]["event_count"] == 1


def test_lists_and_pages_count_each_event_once(ev):
    """The count a list and the mission page show is kept as events arrive: duplicates, in a
    batch or alone, and rejected events do not count."""
    body = {"events": [{"id": "cnt-%d" % i, "type": "agentic.step", "mission_id": "m-count"} for i in range(5)]
            + [{"id": "cnt-0", "type": "agentic.step", "mission_id": "m-count"},
               {"id": "cnt-bad", "type": "Not.Valid", "mission_id": "m-count"}]}
    d = post(ev, body).json()["data"]
    assert (d["accepted"], d["duplicates"], d["rejected"]) == (5, 1, 1)
    assert post(ev, {"id": "cnt-3", "type": "agentic.step", "mission_id": "m-count"}).status == 200
    assert post(ev, {"id": "cnt-5", "type": "agentic.step", "mission_id": "m-count"}).status == 202
    listed = {m["id"]: m for m in ev.get("/api/v1/missions?limit=200", headers=ev.view).json()["data"]}
    assert listed["m-count"]["event_count"] == 6
    assert ev.get("/api/v1/missions/m-count", headers=ev.view).json()["data"]["event_count"] == 6
    page = ev.get("/missions/m-count", headers=ev.view)
    assert page.status == 200 and re.search(r"\b6 events\b", page.text), page.text[:2000]


session = demo_login


def test_hostile_payloads_render_inert_on_the_timeline(ev):
    hostile = '<script>alert(1)</script> "onmouseover=alert(2) </script><img src=x onerror=alert(3)> \u2028'
    body = {"id": "xss-1", "type": "error.detected", "mission_id": "m-xss",
            "correlation_id": "c-xss", "payload": {"title": hostile, "error": hostile, "nested": {"k": hostile}}}
    assert post(ev, body).status == 202
    cookie, _ = session(ev, "vera")
    for path in ["/missions/m-xss", "/missions"]:
        page = ev.get(path, headers={"Cookie": cookie})
        assert page.status == 200
        assert "<script>alert(1)" not in page.text
        assert "<img src=x" not in page.text
        assert '"onmouseover=' not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<script" not in page.text.replace('<script src="/static/', "")


def test_the_mission_page_closes_with_csrf(ev):
    assert post(ev, {"id": "p-1", "type": "error.detected", "mission_id": "m-page"}).status == 202
    viewer, _ = session(ev, "vera")
    assert "Close this mission" not in ev.get("/missions/m-page", headers={"Cookie": viewer}).text
    cookie, csrf = session(ev, "alice")
    page = ev.get("/missions/m-page", headers={"Cookie": cookie})
    assert "Close this mission" in page.text and "error.detected" in page.text
    form = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    assert ev.request("POST", "/missions/m-page/close", body="status=resolved", headers=form).status == 403
    r = ev.request("POST", "/missions/m-page/close", body="status=resolved&summary=done&csrf=" + csrf, headers=form)
    assert r.status == 303 and r.headers["location"] == "/missions/m-page"
    page = ev.get("/missions/m-page", headers={"Cookie": cookie})
    assert "resolved" in page.text and "done" in page.text and "Close this mission" not in page.text
    r = ev.request("POST", "/missions/m-page/close", body="status=failed&csrf=" + csrf, headers=form)
    assert r.status == 409 and "already closed" in r.text


def test_the_stream_delivers_new_events_and_resumes_without_loss(ev):
    assert post(ev, {"id": "st-0", "type": "error.detected", "mission_id": "m-live"}).status == 202
    st = Stream(ev, "/missions/m-live/stream", ev.view)
    assert st.resp.status == 200
    assert st.resp.getheader("content-type") == "text/event-stream"
    time.sleep(0.3)
    for i in (1, 2):
        assert post(ev, {"id": f"st-{i}", "type": "agentic.step", "mission_id": "m-live"}).status == 202
    got = st.events(2)
    st.close()
    assert [json.loads(e["data"])["id"] for e in got] == ["st-1", "st-2"]  # from now on: st-0 is not replayed
    last = got[0]["id"]  # the browser saw st-1, then the connection broke
    assert post(ev, {"id": "st-3", "type": "agentic.step", "mission_id": "m-live"}).status == 202
    again = Stream(ev, "/missions/m-live/stream", {**ev.view, "Last-Event-ID": last})
    got = again.events(2)
    again.close()
    assert [json.loads(e["data"])["id"] for e in got] == ["st-2", "st-3"]
    assert ev.get("/missions/nope/stream", headers=ev.view).status == 404


def test_open_streams_do_not_take_the_request_threads(ev):
    # More streams than the 2 x 16 request threads: ordinary requests still answer.
    streams = [Stream(ev, "/missions/m-live/stream", ev.view) for _ in range(40)]
    assert all(s.resp.status == 200 for s in streams)
    for _ in range(20):
        assert ev.get("/healthz").status == 200
        assert ev.get("/api/v1/missions/m-live", headers=ev.view).status == 200
    for s in streams:
        s.close()


def test_paging_cursors_are_checked(ev):
    for path, field in [("/api/v1/missions?cursor=zzz", "cursor"),
                        ("/api/v1/missions/m-1/timeline?cursor=1.x", "cursor"),
                        ("/api/v1/missions?status=lost", "status")]:
        r = ev.get(path, headers=ev.view)
        assert r.status == 400, path
        assert r.json()["error"]["code"] == "validation_failed"
        assert [d["field"] for d in r.json()["error"]["details"]] == [field], path
    first = ev.get("/api/v1/missions?limit=1", headers=ev.view).json()
    assert len(first["data"]) == 1 and first["meta"]["next_cursor"]
    second = ev.get("/api/v1/missions?limit=1&cursor=" + first["meta"]["next_cursor"], headers=ev.view).json()
    assert second["data"][0]["id"] != first["data"][0]["id"]
