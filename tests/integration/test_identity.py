"""Identity and access through nginx: sign-in, cookies, sessions, CSRF,
bearer tokens, roles, throttling, disabling."""

import re
import time
import urllib.parse

import pytest

PASSWORD = "correct horse battery staple"


def add_user(s, name, roles, password=PASSWORD):
    r = s.admin("user", "add", name, "--role", roles, "--display", name.title() + " Example",
                "--password-stdin", stdin=password + "\n")
    assert r.returncode == 0, r.stderr


def token_for(s, name):
    r = s.admin("token", "create", "--user", name, "--name", "test")
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    assert re.fullmatch(r"gh_[A-Za-z0-9_-]{43}", token)
    return token


def login(s, username, password=PASSWORD, next_="/", headers=None):
    body = urllib.parse.urlencode({"username": username, "password": password, "next": next_})
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    return s.request("POST", "/login", body=body, headers=h)


def session_cookie(r):
    return r.headers["set-cookie"].split(";")[0]


def csrf_of(s, cookie):
    page = s.get("/", headers={"Cookie": cookie})
    assert page.status == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


@pytest.fixture(scope="module")
def idstack(new_stack_module):
    s = new_stack_module()
    add_user(s, "ann", "approver")
    add_user(s, "vic", "viewer")
    add_user(s, "adm", "admin,viewer")
    return s


def test_login_sets_a_strict_session_cookie_and_redirects(idstack):
    r = login(idstack, "ann", next_="/api/v1/me")
    assert r.status == 303
    assert r.headers["location"] == "/api/v1/me"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("gh_session=")
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"]:
        assert attr in cookie
    assert "Secure" not in cookie  # plain http on loopback
    me = idstack.get("/api/v1/me", headers={"Cookie": session_cookie(r)})
    assert me.status == 200
    assert me.json()["data"] == {"username": "ann", "display_name": "Ann Example",
                                 "roles": ["approver"]}


def test_over_tls_the_cookie_is_secure_with_the_host_prefix(idstack):
    r = login(idstack, "ann", headers={"X-Forwarded-Proto": "https"})
    assert r.status == 303
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-gh_session=") and "; Secure" in cookie
    name_value = session_cookie(r)
    me = idstack.get("/api/v1/me", headers={"Cookie": name_value, "X-Forwarded-Proto": "https"})
    assert me.status == 200
    assert "strict-transport-security" in me.headers


def test_failed_login_does_not_say_which_field_was_wrong(idstack):
    wrong_pw = login(idstack, "ann", password="not the password at all")
    no_user = login(idstack, "nobody-here", password=PASSWORD)
    for r in (wrong_pw, no_user):
        assert r.status == 401
        assert r.headers["content-type"].startswith("text/html")
        assert "Wrong username or password." in r.text
        assert "set-cookie" not in r.headers
        assert '<form method="post" action="/login"' in r.text
    assert "not the password" not in wrong_pw.text


def test_each_login_gets_a_new_session(idstack):
    a = session_cookie(login(idstack, "ann"))
    b = session_cookie(login(idstack, "ann", headers={"Cookie": a}))
    assert a != b
    assert idstack.get("/api/v1/me", headers={"Cookie": b}).status == 200
    assert idstack.get("/api/v1/me", headers={"Cookie": a}).status == 401


def test_next_must_be_a_local_path(idstack):
    for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example"]:
        r = login(idstack, "ann", next_=hostile)
        assert r.status == 303
        assert r.headers["location"] == "/"


def test_pages_send_anonymous_browsers_to_sign_in_and_back(idstack):
    r = idstack.get("/?tab=1")
    assert r.status == 303
    assert r.headers["location"] == "/login?next=/%3Ftab%3D1"
    form = idstack.get(r.headers["location"])
    assert 'name="next" value="/?tab=1"' in form.text
    api = idstack.get("/api/v1/me")
    assert api.status == 401
    assert api.json()["error"]["code"] == "unauthenticated"
    assert api.headers["www-authenticate"] == "Bearer"


def test_logout_ends_the_session_on_the_server(idstack):
    cookie = session_cookie(login(idstack, "ann"))
    csrf = csrf_of(idstack, cookie)
    r = idstack.request("POST", "/logout", body="csrf=" + csrf,
                        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 303 and r.headers["location"] == "/login"
    assert "Max-Age=0" in r.headers["set-cookie"]
    # Replaying the old cookie does not work.
    assert idstack.get("/api/v1/me", headers={"Cookie": cookie}).status == 401


def test_csrf_missing_wrong_or_cross_site_is_refused(idstack):
    cookie = session_cookie(login(idstack, "ann"))
    csrf = csrf_of(idstack, cookie)
    form = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    cases = [
        ("", {}),
        ("csrf=" + csrf[:-1] + ("A" if csrf[-1] != "A" else "B"), {}),
        ("csrf=" + csrf, {"Sec-Fetch-Site": "cross-site"}),
        ("csrf=" + csrf, {"Origin": "http://evil.example"}),
        ("csrf=" + csrf, {"Origin": "null"}),
    ]
    for body, extra in cases:
        r = idstack.request("POST", "/logout", body=body, headers=dict(form, **extra))
        assert r.status == 403, (body, extra)
        assert "reload the page" in r.text
        assert idstack.get("/api/v1/me", headers={"Cookie": cookie}).status == 200
    # The header works as well as the form field, and same-origin passes.
    origin = "http://127.0.0.1:%d" % idstack.port
    r = idstack.request("POST", "/logout", headers={"Cookie": cookie, "X-CSRF-Token": csrf,
                                                    "Origin": origin, "Sec-Fetch-Site": "same-origin"})
    assert r.status == 303


def test_cross_site_login_is_refused(idstack):
    r = login(idstack, "ann", headers={"Origin": "http://evil.example"})
    assert r.status == 403
    assert "set-cookie" not in r.headers


def test_bearer_tokens_ok_revoked_unknown(idstack):
    token = token_for(idstack, "ann")
    auth = {"Authorization": "Bearer " + token}
    r = idstack.get("/api/v1/me", headers=auth)
    assert r.status == 200 and r.json()["data"]["username"] == "ann"
    listed = idstack.admin("token", "list", "--json")
    assert token not in listed.stdout
    tid = [t["id"] for t in __import__("json").loads(listed.stdout) if t["username"] == "ann"][-1]
    assert idstack.admin("token", "revoke", str(tid)).returncode == 0
    for h in (auth, {"Authorization": "Bearer gh_" + "A" * 43}, {"Authorization": "Basic YTpi"}):
        r = idstack.get("/api/v1/me", headers=h)
        assert r.status == 401
        assert r.json()["error"]["code"] == "unauthenticated"
        assert r.headers["www-authenticate"] == "Bearer"


def test_bearer_calls_need_no_csrf_but_a_role(idstack):
    viewer = {"Authorization": "Bearer " + token_for(idstack, "vic")}
    admin = {"Authorization": "Bearer " + token_for(idstack, "adm")}
    r = idstack.get("/api/v1/users", headers=viewer)
    assert r.status == 403 and r.json()["error"]["code"] == "forbidden"
    r = idstack.get("/api/v1/users", headers=admin)
    assert r.status == 200
    names = [u["username"] for u in r.json()["data"]]
    assert {"ann", "vic", "adm"} <= set(names)
    assert "argon2" not in r.text
    # The role check comes before anything else about the request.
    r = idstack.request("GET", "/api/v1/users", body=b"x" * 2_000_000, headers=dict(viewer, **{"Content-Type": "text/plain"}))
    assert r.status == 403


def test_disabling_a_user_locks_them_out_at_once(idstack):
    add_user(idstack, "dora", "requester")
    cookie = session_cookie(login(idstack, "dora"))
    token = token_for(idstack, "dora")
    assert idstack.get("/api/v1/me", headers={"Cookie": cookie}).status == 200
    assert idstack.admin("user", "disable", "dora").returncode == 0
    assert idstack.get("/api/v1/me", headers={"Cookie": cookie}).status == 401
    assert idstack.get("/api/v1/me", headers={"Authorization": "Bearer " + token}).status == 401
    assert login(idstack, "dora").status == 401


def test_sessions_expire_idle_and_absolute(new_stack):
    s = new_stack("session_idle_seconds = 2\nsession_max_seconds = 5\n")
    add_user(s, "ann", "viewer")
    cookie = session_cookie(login(s, "ann"))
    time.sleep(2.6)
    assert s.get("/api/v1/me", headers={"Cookie": cookie}).status == 401  # idle
    signed_in = time.time()
    cookie = session_cookie(login(s, "ann"))
    while time.time() < signed_in + 4.3:  # used every second: never idle for 2 s
        assert s.get("/api/v1/me", headers={"Cookie": cookie}).status == 200
        time.sleep(1)
    time.sleep(max(0.0, signed_in + 5.4 - time.time()))
    assert s.get("/api/v1/me", headers={"Cookie": cookie}).status == 401  # absolute


def test_login_throttling_and_reset(new_stack):
    s = new_stack("login_window_seconds = 3\n")
    add_user(s, "ann", "viewer")
    for _ in range(4):
        assert login(s, "ann", password="wrong password!").status == 401
    assert login(s, "ann").status == 303  # success resets the username's count
    for _ in range(5):
        assert login(s, "ann", password="wrong password!").status == 401
    r = login(s, "ann")  # even the right password waits out the window
    assert r.status == 429
    assert 1 <= int(r.headers["retry-after"]) <= 3
    assert "Too many failed sign-ins" in r.text
    time.sleep(3.2)
    assert login(s, "ann").status == 303
    log = s.app_log()
    assert "login refused: throttled" in log and "login failed" in log
    assert "wrong password" not in log and "correct horse" not in log


def test_login_throttling_per_address(new_stack):
    s = new_stack("login_window_seconds = 30\n")
    add_user(s, "ann", "viewer")
    for i in range(20):
        assert login(s, "user%d" % i, password="wrong password!").status == 401
    assert login(s, "ann").status == 429


def test_public_endpoints_ignore_stale_credentials(idstack):
    stale = {"Authorization": "Bearer gh_" + "B" * 43, "Cookie": "gh_session=" + "C" * 43}
    assert idstack.get("/healthz", headers=stale).status == 200
    assert idstack.get("/api/v1/openapi.json", headers=stale).status == 200
    r = idstack.get("/login", headers=stale)
    assert r.status == 200 and "Sign in" in r.text
