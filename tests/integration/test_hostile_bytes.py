"""Hostile bytes never reach a 5xx (API.md, Conventions): invalid UTF-8, NUL
bytes and overlong sequences in the path, the query, the headers the app
reads, the session cookie, form fields and JSON bodies are refused at the
edge with 400 validation_failed (invalid_json for bodies) in the envelope,
or a readable HTML page, or 404 where the path names nothing. Echoed client
values are escaped and cut. Every channel is tried through nginx; bytes
http.client will not send go over a raw socket."""

import json
import os
import socket
import sqlite3
import urllib.parse

import pytest

from clients import demo_login
from stack import is_generated_request_id

# Invalid UTF-8, overlong "/", a UTF-16 surrogate, a character cut short, a lone continuation byte.
BAD = [b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x9c", b"\x80"]
PCT = [urllib.parse.quote_from_bytes(b, safe="") for b in BAD]


@pytest.fixture(scope="module")
def hb(new_stack_module):
    s = new_stack_module()
    s.tokens = {}
    for user in ("alice", "bob", "vera", "ada"):
        r = s.admin("token", "create", "--user", user, "--name", "hostile")
        assert r.returncode == 0, r.stderr
        s.tokens[user] = r.stdout.strip()
    return s


def auth(s, user="vera", **extra):
    return {"Authorization": "Bearer " + s.tokens[user], **extra}


class Raw:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


def raw(s, head, body=b""):
    """Send exactly these bytes to nginx (one request, then close); parse the answer."""
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as so:
        so.sendall(head + body)
        data = b""
        while True:
            chunk = so.recv(65536)
            if not chunk:
                break
            data += chunk
    head_part, _, rest = data.partition(b"\r\n\r\n")
    lines = head_part.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers[k.decode().strip().lower()] = v.decode("latin-1").strip()
    if headers.get("transfer-encoding") == "chunked":
        body, rest_ = b"", rest
        while rest_:
            size, _, rest_ = rest_.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            body, rest_ = body + rest_[:n], rest_[n + 2:]
        rest = body
    return Raw(status, headers, rest)


def request_bytes(method, target, headers=(), body=b""):
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    for k, v in headers:
        lines.append(k.encode() + b": " + (v if isinstance(v, bytes) else v.encode()))
    if body:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n", body


def send(s, method, target, headers=(), body=b""):
    head, body = request_bytes(method, target, headers, body)
    return raw(s, head, body)


def bearer(s, user="vera"):
    return ("Authorization", "Bearer " + s.tokens[user])


def refused(r, status, code, field=None):
    """A complete error envelope, never a 5xx."""
    assert r.status == status, (r.status, r.body[:300])
    assert r.headers["content-type"].startswith("application/json"), r.headers
    doc = r.json()
    assert set(doc) == {"error", "meta"}, doc
    assert doc["error"]["code"] == code, doc
    assert doc["error"]["message"]
    assert doc["meta"]["request_id"]
    if "x-request-id" in r.headers:
        assert doc["meta"]["request_id"] == r.headers["x-request-id"]
    if field is not None:
        assert field in [d["field"] for d in doc["error"]["details"]], doc
    return doc["error"]


def html_400(r):
    assert r.status == 400, (r.status, r.body[:300])
    assert r.headers["content-type"].startswith("text/html"), r.headers
    assert "400" in r.text and r.headers["x-request-id"] in r.text
    return r.text


def db(s):
    return sqlite3.connect("file:%s?mode=ro" % os.path.join(s.var, "gatehouse.db"), uri=True,
                           timeout=10)


# --- the path ---------------------------------------------------------------------------

def test_the_issue_example_is_a_400_envelope_not_an_empty_500(hb):
    r = hb.get("/api/v1/missions/%FF%FE", headers=auth(hb))
    error = refused(r, 400, "validation_failed", field="path")
    assert error["message"] == "the path is not valid UTF-8"


def test_path_bytes_are_refused_on_every_kind_of_route(hb):
    for p in PCT:
        refused(hb.get("/api/v1/missions/" + p, headers=auth(hb)), 400, "validation_failed", "path")
        refused(hb.get("/api/v1/missions/m%s/timeline" % p, headers=auth(hb)), 400,
                "validation_failed", "path")
        refused(hb.get("/api/v1/approvals/" + p, headers=auth(hb)), 400, "validation_failed", "path")
        html_400(hb.get("/missions/" + p, headers=auth(hb)))
        html_400(hb.get("/approvals/" + p, headers=auth(hb)))
        # Where the path names nothing it is a 404, in the API's words.
        refused(hb.get("/api/v1/nothing/" + p, headers=auth(hb)), 404, "not_found")
    # Raw bytes in the request line, not percent-encoded.
    for b in BAD:
        refused(send(hb, "GET", b"/api/v1/missions/" + b, [bearer(hb)]), 400, "validation_failed",
                "path")
    # A NUL: nginx refuses it itself, in the same envelope (conf/dev/nginx.conf.in).
    for target in (b"/api/v1/missions/a%00b", b"/approvals/%00", b"/a\x00b"):
        refused(send(hb, "GET", target, [bearer(hb)]), 400, "validation_failed")


def test_the_role_check_comes_before_the_bytes(hb):
    # vera is a viewer: filing is refused for the role first, whatever the query holds.
    r = send(hb, "POST", b"/api/v1/approvals?x=%FF", [bearer(hb), ("Content-Type", "application/json")],
             b"{}")
    refused(r, 403, "forbidden")
    # An anonymous browser is sent to sign in, the address kept percent-encoded.
    r = send(hb, "GET", b"/missions/%FF")
    assert r.status == 303 and r.headers["location"] == "/login?next=/missions/%FF"


# --- the query ----------------------------------------------------------------------------

def test_query_bytes_are_refused_by_name(hb):
    for p in PCT + ["%00"]:
        refused(hb.get("/api/v1/approvals?status=" + p, headers=auth(hb)), 400, "validation_failed",
                "status")
        refused(hb.get("/api/v1/events?correlation_id=a" + p, headers=auth(hb)), 400,
                "validation_failed", "correlation_id")
        html_400(hb.get("/approvals?mission_id=" + p, headers=auth(hb)))
    # A name that is not text is named as sent (still percent-encoded).
    refused(hb.get("/api/v1/approvals?x%FF=1", headers=auth(hb)), 400, "validation_failed", "x%FF")
    # Broken percent-encoding is refused, not silently dropped.
    for q in ("status=%4", "status=%zz", "limit=%"):
        refused(hb.get("/api/v1/approvals?" + q, headers=auth(hb)), 400, "validation_failed")
    # Raw bytes in the query.
    for b in BAD:
        refused(send(hb, "GET", b"/api/v1/approvals?status=" + b, [bearer(hb)]), 400,
                "validation_failed", "status")
    # Parameters the route does not read are checked all the same.
    refused(hb.get("/healthz?junk=%FF"), 400, "validation_failed", "junk")


# --- headers ------------------------------------------------------------------------------

def test_bytes_in_the_headers_the_app_reads_are_refused(hb):
    for b in BAD:
        cases = [
            ("POST", b"/api/v1/approvals", "alice", [("Idempotency-Key", b"k" + b)], b"{}"),
            ("GET", b"/approvals/stream", "vera", [("Last-Event-ID", b)], b""),
            ("POST", b"/api/v1/events", "alice", [("Webhook-Id", b"id" + b)], b"{}"),
            ("POST", b"/api/v1/events", "alice", [("Webhook-Timestamp", b)], b"{}"),
            ("POST", b"/api/v1/events", "alice", [("Webhook-Signature", b"v1," + b)], b"{}"),
            ("GET", b"/api/v1/me", "vera", [("X-Csrf-Token", b)], b""),
            ("GET", b"/api/v1/me", "vera", [("Origin", b"http://x" + b)], b""),
            ("GET", b"/api/v1/me", "vera", [("Sec-Fetch-Site", b)], b""),
            ("GET", b"/api/v1/me", "vera", [("X-Forwarded-Proto", b)], b""),
        ]
        for method, target, user, headers, body in cases:
            h = [bearer(hb, user), ("Content-Type", "application/json")] + headers
            refused(send(hb, method, target, h, body), 400, "validation_failed",
                    headers[0][0].lower())
        refused(send(hb, "POST", b"/api/v1/approvals", [bearer(hb, "alice"),
                                                        ("Content-Type", b"application/json" + b)],
                     b"{}"), 400, "validation_failed", "content-type")
        refused(send(hb, "GET", b"/api/v1/me", [("Authorization", b"Bearer " + b)]), 400,
                "validation_failed", "authorization")
        # Host: the raw request line decides nothing, the header is still read (CSRF origin).
        r = raw(hb, b"GET /api/v1/me HTTP/1.1\r\nHost: h" + b + b"\r\nAuthorization: Bearer "
                + hb.tokens["vera"].encode() + b"\r\nConnection: close\r\n\r\n")
        refused(r, 400, "validation_failed", "host")


def test_headers_the_app_never_reads_do_not_matter(hb):
    r = send(hb, "GET", b"/api/v1/me", [bearer(hb), ("User-Agent", b"\xff\xfe"),
                                        ("X-Anything", b"\xc0\xaf"), ("Cookie", b"other=\xff")])
    assert r.status == 200, r.body
    # X-Request-Id that is not a sane id is replaced, as for any other bad id.
    r = send(hb, "GET", b"/api/v1/me", [bearer(hb), ("X-Request-Id", b"\xff\xfe")])
    assert r.status == 200 and is_generated_request_id(r.headers["x-request-id"])


# --- cookies -----------------------------------------------------------------------------

def test_a_session_cookie_that_is_not_text_is_refused_and_cleared(hb):
    for b in BAD:
        r = send(hb, "GET", b"/api/v1/me", [("Cookie", b"gh_session=" + b)])
        refused(r, 400, "validation_failed", "gh_session")
        assert r.headers["set-cookie"].startswith("gh_session=;") and "Max-Age=0" in r.headers["set-cookie"]
        # The sign-in page answers a readable page, and clears it too, so the next try works.
        r = send(hb, "GET", b"/login", [("Cookie", b"a=1; gh_session=x" + b)])
        assert "cookie" in html_400(r)
        assert "Max-Age=0" in r.headers["set-cookie"]
    assert hb.get("/login").status == 200


# --- form fields -------------------------------------------------------------------------

login = demo_login


FORM = ("Content-Type", "application/x-www-form-urlencoded")


def test_form_fields_that_are_not_text_are_refused(hb):
    for p in PCT + ["%00", "%4"]:
        body = ("username=alice" + p + "&password=x").encode()
        text = html_400(send(hb, "POST", b"/login", [FORM], body))
        assert "username" in text
    for b in BAD + [b"\x00"]:
        html_400(send(hb, "POST", b"/login", [FORM], b"username=alice&password=" + b))
    # Signed in: the vote and close forms change nothing.
    cookie, csrf = login(hb, "bob")
    a_cookie, a_csrf = login(hb, "alice")
    aid = hb.request("POST", "/api/v1/approvals", body=json.dumps(
        {"action_type": "cache.flush", "target": "t", "tier": 2}),
        headers=auth(hb, "alice", **{"Content-Type": "application/json"})).json()["data"]["id"]
    before = db(hb).execute("SELECT status, (SELECT count(*) FROM ledger) FROM approvals WHERE id = ?",
                            (aid,)).fetchone()
    for p in PCT:
        body = ("csrf=%s&verdict=approve&comment=ok%s" % (csrf, p)).encode()
        html_400(send(hb, "POST", b"/approvals/%d/vote" % aid, [FORM, ("Cookie", cookie)], body))
        body = ("csrf=%s&status=resolved&summary=%s" % (a_csrf, p)).encode()
        html_400(send(hb, "POST", b"/missions/mission-789/close", [FORM, ("Cookie", a_cookie)], body))
    after = db(hb).execute("SELECT status, (SELECT count(*) FROM ledger) FROM approvals WHERE id = ?",
                           (aid,)).fetchone()
    assert after == before == ("pending", before[1])
    assert db(hb).execute("SELECT status FROM missions WHERE id = 'mission-789'").fetchone() == ("active",)


# --- JSON bodies -------------------------------------------------------------------------

def test_json_bodies_that_are_not_text_are_invalid_json(hb):
    h = [bearer(hb, "alice"), ("Content-Type", "application/json")]
    bodies = [b'{"action_type": "x' + b + b'"}' for b in BAD] + [
        b'{"target": "a\\u0000b"}', b'{"target": "\\ud800"}', b"\xff{}", b'{"\xc0\xaf": 1}']
    for body in bodies:
        error = refused(send(hb, "POST", b"/api/v1/approvals", h, body), 400, "invalid_json")
        json.dumps(error)  # the message is text


# --- echoed values ------------------------------------------------------------------------

def test_echoed_values_are_escaped_and_cut(hb):
    h = auth(hb, "alice", **{"Content-Type": "application/json"})
    key = "k\n\x1b[31m" + "\u202e" + "x" * 500
    r = hb.request("POST", "/api/v1/approvals", headers=h, body=json.dumps(
        {"action_type": "x", "target": "t", "tier": 2, key: 1}))
    error = refused(r, 400, "validation_failed")
    shown = [d["field"] for d in error["details"] if d["problem"] == "unknown field"][0]
    assert shown.startswith("k\\n\\x1b[31m\\u202e") and shown.endswith("\u2026")
    assert len(shown) == len("k\\n\\x1b[31m\\u202e") + 56 + 1  # 64 characters and the ellipsis
    # A value in a message: an unknown event type, cut and escaped.
    r = hb.request("POST", "/api/v1/webhooks", headers=auth(hb, "ada", **{"Content-Type": "application/json"}),
                   body=json.dumps({"url": "https://x.example/h", "events": ["evil\r\n" + "y" * 300]}))
    error = refused(r, 400, "validation_failed", "events")
    assert "evil\\r\\n" in error["message"] and "\u2026" in error["message"]
    assert "y" * 70 not in error["message"] and "\n" not in error["message"]
    # A path value in a message: a long mission id is cut.
    r = hb.request("POST", "/api/v1/missions/%s/close" % ("z" * 300), headers=h,
                   body=json.dumps({"status": "resolved"}))
    error = refused(r, 404, "not_found")
    assert "z" * 64 + "\u2026" in error["message"] and "z" * 65 not in error["message"]


# --- no byte sequence reaches a 5xx -------------------------------------------------------

def test_no_hostile_input_reaches_a_5xx(hb):
    samples = BAD + [b"\x00", b"%00", b"%", b"%C0%80", b"\x7f", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80"]
    targets = [b"/api/v1/missions/", b"/api/v1/approvals?status=", b"/approvals?tier=", b"/healthz?x=",
               b"/api/v1/events?type=", b"/missions/", b"/api/v1/ledger?after="]
    for t in targets:
        for b in samples:
            for h in ([bearer(hb)], [bearer(hb), ("Idempotency-Key", b)], [("Cookie", b"gh_session=" + b)]):
                r = send(hb, "GET", t + b, h)
                assert r.status < 500, (t + b, h, r.status, r.body[:200])
                assert r.body, (t + b, h)
                if r.headers.get("content-type", "").startswith("application/json"):
                    r.json()


def test_an_answer_that_cannot_be_serialised_is_a_complete_500(new_stack):
    """Text that is not UTF-8 written into the database behind Gatehouse's back
    (jansson refuses to serialise it): the client still gets the envelope."""
    s = new_stack()
    tok = s.admin("token", "create", "--user", "alice", "--name", "t").stdout.strip()
    h = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
    aid = s.request("POST", "/api/v1/approvals", headers=h, body=json.dumps(
        {"action_type": "x", "target": "t", "tier": 2, "mission_id": "m-bad"})).json()["data"]["id"]
    w = sqlite3.connect(os.path.join(s.var, "gatehouse.db"), timeout=10)
    w.execute("PRAGMA wal_autocheckpoint = 0")
    w.execute("UPDATE approvals SET reason = CAST(X'FFFE' AS TEXT) WHERE id = ?", (aid,))
    w.execute("UPDATE missions SET title = CAST(X'C0AF' AS TEXT) WHERE id = 'm-bad'")
    w.commit()
    w.close()
    for path in ("/api/v1/approvals/%d" % aid, "/api/v1/missions/m-bad"):
        r = s.get(path, headers=h)
        error = refused(Raw(r.status, r.headers, r.body), 500, "internal")
        assert error["message"] == "internal error"
    assert "does not serialise" in s.app_log()
