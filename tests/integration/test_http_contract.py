"""The HTTP conventions of API.md, through the real nginx."""

import os
import subprocess

from stack import REPO, is_generated_request_id

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def assert_security_headers(r):
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, name
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_healthz_answers_the_envelope(stack):
    r = stack.get("/healthz")
    assert r.status == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["data"] == {"status": "ok"}
    assert body["meta"]["request_id"] == r.headers["x-request-id"]
    assert is_generated_request_id(r.headers["x-request-id"])
    assert_security_headers(r)


def test_request_id_is_echoed_when_well_formed(stack):
    r = stack.get("/healthz", headers={"X-Request-Id": "deploy-42.a:b_c"})
    assert r.headers["x-request-id"] == "deploy-42.a:b_c"
    assert r.json()["meta"]["request_id"] == "deploy-42.a:b_c"
    for bad in ["<script>", "x" * 129, "a b"]:
        r = stack.get("/healthz", headers={"X-Request-Id": bad})
        assert is_generated_request_id(r.headers["x-request-id"]), bad
        assert r.json()["meta"]["request_id"] == r.headers["x-request-id"]


def test_request_ids_differ(stack):
    ids = {stack.get("/healthz").headers["x-request-id"] for _ in range(50)}
    assert len(ids) == 50


def test_readyz_reports_each_check(stack):
    r = stack.get("/readyz")
    assert r.status == 200, r.text
    assert r.json()["data"] == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "signing_key": "ok"},
    }


def test_unknown_api_route_is_json_404(stack):
    r = stack.get("/api/v1/no-such-thing")
    assert r.status == 404
    body = r.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["details"] == []
    assert body["meta"]["request_id"] == r.headers["x-request-id"]


def test_unknown_page_is_html_404_that_does_not_echo_input(stack):
    r = stack.get("/%3Cscript%3Ealert(1)%3C/script%3E")
    assert r.status == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "404" in r.text
    assert "<script>" not in r.text and "alert(1)" not in r.text
    assert r.headers["x-request-id"] in r.text
    assert_security_headers(r)


def test_wrong_method_is_405_with_allow(stack):
    r = stack.request("POST", "/healthz", body=b"{}", headers={"Content-Type": "application/json"})
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD"
    assert r.json()["error"]["code"] == "method_not_allowed"
    r = stack.request("DELETE", "/api/v1/openapi.json")
    assert r.status == 405 and r.json()["error"]["code"] == "method_not_allowed"
    r = stack.request("POST", "/", body=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD"
    assert r.headers["content-type"].startswith("text/html")


def test_head_has_headers_and_no_body(stack):
    r = stack.request("HEAD", "/healthz")
    assert r.status == 200
    assert int(r.headers["content-length"]) > 0
    assert r.body == b""


def test_body_over_the_limit_is_413_from_the_app(stack):
    body = b"x" * (1024 * 1024 + 1)
    r = stack.request("GET", "/healthz", body=body, headers={"Content-Type": "application/json"})
    assert r.status == 413
    err = r.json()["error"]
    assert err["code"] == "payload_too_large"
    assert "1048576" in err["message"]
    # The connection that carried the unread body is not reused: the next
    # requests are answered normally.
    for _ in range(20):
        assert stack.get("/healthz").status == 200


def test_body_over_nginx_limit_is_413_in_the_envelope(stack):
    r = stack.request("POST", "/api/v1/anything", body=b"x" * (3 * 1024 * 1024),
                      headers={"Content-Type": "application/json"})
    assert r.status == 413
    assert r.json()["error"]["code"] == "payload_too_large"


def test_json_endpoint_refuses_other_media_types(stack):
    r = stack.request("GET", "/healthz", body=b"a=1", headers={"Content-Type": "text/plain"})
    assert r.status == 415
    assert r.json()["error"]["code"] == "unsupported_media_type"
    r = stack.request("GET", "/healthz", body=b"{}", headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status == 200


def test_openapi_is_served_and_valid(stack):
    r = stack.get("/api/v1/openapi.json")
    assert r.status == 200
    assert r.headers["content-type"] == "application/json"
    with open(os.path.join(REPO, "docs/openapi.json"), "rb") as f:
        assert r.body == f.read()
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    for path in ["/healthz", "/readyz", "/api/v1/openapi.json"]:
        assert path in doc["paths"]
    # A real validator, not our reading of the spec.
    url = "http://127.0.0.1:%d/api/v1/openapi.json" % stack.port
    v = subprocess.run(["node", os.path.join(REPO, "tests/openapi/validate.mjs"), url],
                       capture_output=True, text=True, timeout=60)
    assert v.returncode == 0, v.stdout + v.stderr
    assert "valid" in v.stdout


def test_pages_use_the_layout_and_static_files_come_from_nginx(stack):
    r = stack.get("/login")
    assert r.status == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert '<meta name="viewport"' in r.text
    assert '<link rel="stylesheet" href="/static/gatehouse.css">' in r.text
    assert_security_headers(r)
    css = stack.get("/static/gatehouse.css")
    assert css.status == 200
    assert css.headers["content-type"] == "text/css"
    assert "x-request-id" not in css.headers  # served by nginx, not the app
    assert css.headers["x-content-type-options"] == "nosniff"


def test_api_answers_are_never_cached(stack):
    assert stack.get("/healthz").headers["cache-control"] == "no-store"
    assert stack.get("/login").headers["cache-control"] == "no-store"


def test_every_api_route_is_in_the_openapi_document(stack):
    """docs/openapi.json stays true: each JSON route of the route table is described."""
    import re
    with open(os.path.join(REPO, "cgi-bin/routes.c")) as f:
        table = f.read()
    doc = stack.get("/api/v1/openapi.json").json()
    routes = re.findall(r'\{"(GET|POST|PUT|DELETE|PATCH)", "(/[^"]*)", \w+, ([^}]*)\}', table)
    json_routes = [(m, p) for m, p, flags in routes if "R_JSON" in flags]
    assert len(json_routes) >= 5
    for method, path in json_routes:
        assert path in doc["paths"], path
        assert method.lower() in doc["paths"][path], (method, path)
