"""Freezes (issue 11) through nginx, the worker and the admin command line:
one byte changed is one violation with both hashes, a deleted file is
missing, a new file in a closed set is unexpected, a restored file closes
its violation with freeze.restored, links out of the root and ../ paths are
refused or flagged, a 1 GiB sparse file hashes like sha256sum, guardians'
reports, idempotent creation, acknowledgement and lifting by API and by
form, the banner and /api/v1/freeze-status, break-glass with and without a
window, and one freeze.violated webhook per violation checked by the npm
standardwebhooks package.

Every refusal is also checked against the database itself: the freezes,
their checks and violations, the approvals, the ledger, the events and the
webhook deliveries are exactly as they were before it."""

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import tempfile
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest

from clients import Receiver, demo_login
from stack import REPO, free_port

ROOTS = ["r%02d" % i for i in range(1, 13)]
CONF = ("webhook_allow_http = 1\nwebhook_timeout_seconds = 2\n"
        "freeze_root.release = release\n"
        + "".join("freeze_root.%s = roots/%s\n" % (r, r) for r in ROOTS))
USERS = ["alice", "bob", "carol", "erin", "vera", "ada"]


# --- the stack, its users and its roots -----------------------------------------------------

def token(s, name):
    r = s.admin("token", "create", "--user", name, "--name", "freezes-test")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.fixture(scope="module")
def fz(new_stack_module):
    s = new_stack_module(CONF)
    s.tokens = {u: token(s, u) for u in USERS}
    return s


def root(s, name):
    path = os.path.join(s.var, "roots", name)
    os.makedirs(path, exist_ok=True)
    return path


def put(path, rel, content):
    full = os.path.join(path, rel)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(content if isinstance(content, bytes) else content.encode())
    return full


def sha(content):
    return hashlib.sha256(content if isinstance(content, bytes) else content.encode()).hexdigest()


RELEASE = {
    "docs/_generated/META_REGISTRY.json": '{"registry": "payments", "version": "0.02"}\n',
    "schemas/event.schema.json": '{"$id": "event", "type": "object"}\n',
    "contracts/payments-api.contract.json": '{"error_rate": {"op": "<", "threshold": 0.01}}\n',
    "CHANGELOG.md": "# Changelog\n\n## 0.02 (final)\n",
}


def release_root(s, name, files=RELEASE):
    path = root(s, name)
    for rel, content in files.items():
        put(path, rel, content)
    return path


def hdr(s, user, **extra):
    return {"Authorization": "Bearer " + s.tokens[user], "Content-Type": "application/json", **extra}


def api(s, user, method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    return s.request(method, path, body=data, headers=hdr(s, user))


def ok(r, status=200):
    assert r.status == status, (r.status, r.text)
    return r.json()["data"]


def refused(r, status, code):
    """The error envelope of API.md, with the status and code expected."""
    assert r.status == status, (r.status, r.text)
    assert r.headers["content-type"].startswith("application/json"), r.headers
    doc = r.json()
    assert set(doc) == {"error", "meta"}, doc
    assert doc["error"]["code"] == code, doc
    assert isinstance(doc["error"]["message"], str) and doc["error"]["message"]
    return doc["error"]


def fields_of(error):
    return {d["field"] for d in error["details"]}


def freeze(s, name, user="vera"):
    return ok(s.get("/api/v1/freezes/" + name, headers=hdr(s, user)))


def cli(s, *args):
    return s.admin(*args)


def cli_create(s, name, root_name, *extra):
    r = cli(s, "freeze", "create", name, "--root", root_name, "--json", *extra)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)


def worker(s, *args, now=None):
    cmd = [os.path.join(REPO, "bin/gatehouse-worker"), "--config", s.conf, "run", *args]
    if now is not None:
        cmd += ["--now", now.strftime("%Y-%m-%dT%H:%M:%S.000Z")]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def verify_all(s, now=None):
    return worker(s, "--job", "verify-freezes", now=now)


def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def utcnow():
    return datetime.now(timezone.utc)


def db(s):
    return sqlite3.connect("file:%s?mode=ro" % os.path.join(s.var, "gatehouse.db"), uri=True,
                           timeout=10)


def rows(s, sql, *args):
    c = db(s)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def ledger_kinds(s, subject):
    return [k for (k,) in rows(s, "SELECT kind FROM ledger WHERE subject = ? ORDER BY seq", subject)]


def snapshot(s):
    """What a refused request must not change."""
    return {
        "freezes": rows(s, "SELECT * FROM freezes ORDER BY id"),
        "artifacts": rows(s, "SELECT count(*), coalesce(sum(size), 0) FROM freeze_artifacts"),
        "checks": rows(s, "SELECT * FROM freeze_checks ORDER BY id"),
        "violations": rows(s, "SELECT * FROM freeze_violations ORDER BY id"),
        "approvals": rows(s, "SELECT * FROM approvals ORDER BY id"),
        "ledger": rows(s, "SELECT count(*), coalesce(max(seq), 0) FROM ledger"),
        "events": rows(s, "SELECT count(*), coalesce(max(seq), 0) FROM events"),
        "outbox": rows(s, "SELECT count(*) FROM webhook_deliveries"),
    }


@contextlib.contextmanager
def unchanged(s):
    before = snapshot(s)
    yield
    after = snapshot(s)
    for k in before:
        assert after[k] == before[k], "a refused request changed %s" % k


login = demo_login


def form_post(s, cookie, path, fields):
    return s.request("POST", path, body=urllib.parse.urlencode(fields),
                     headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})


def manifest(**files):
    return [{"path": p.replace("__", "/"), "sha256": sha(c), "size": len(c)} for p, c in files.items()]


def window(before_h=1, after_h=1):
    now = utcnow()
    return {"starts_at": rfc3339(now - timedelta(hours=before_h)),
            "ends_at": rfc3339(now + timedelta(hours=after_h))}


@contextlib.contextmanager
def window_in_effect(s, name):
    """A freeze whose window covers now, lifted again afterwards whatever happens."""
    r = api(s, "ada", "POST", "/api/v1/freezes",
            {"name": name, "window": window(), "artifacts": manifest(a="a")})
    assert r.status == 201, r.text
    try:
        yield r.json()["data"]
    finally:
        api(s, "ada", "POST", "/api/v1/freezes/%s/lift" % name)


def file_request(s, tier, user="alice"):
    r = api(s, user, "POST", "/api/v1/approvals",
            {"action_type": "deploy", "target": "checkout-web", "tier": tier, "reason": "freeze test"})
    assert r.status == 201, r.text
    return r.json()["data"]


def vote(s, user, aid, verdict="approve"):
    return api(s, user, "POST", "/api/v1/approvals/%d/votes" % aid, {"verdict": verdict})


# --- the demo ----------------------------------------------------------------------------

def test_the_demo_release_is_frozen_and_intact_with_no_window_in_effect(fz):
    f = freeze(fz, "v0.02-final")
    assert f["state"] == "intact" and f["artifact_count"] == 10 and f["closed"] is True
    assert f["root"] == "release" and f["violations"] == [] and f["in_effect"] is False
    assert f["window"]["phase"] == "ended"
    assert f["last_check"]["state"] == "intact" and f["last_check"]["artifacts_checked"] == 10
    listed = ok(fz.get("/api/v1/freezes/v0.02-final/artifacts?limit=200", headers=hdr(fz, "vera")))
    assert len(listed) == 10
    assert any(a["path"] == "docs/_generated/META_REGISTRY.json" for a in listed)
    for a in listed:  # the manifest is what is on disk
        with open(os.path.join(fz.var, "release", a["path"]), "rb") as f:
            content = f.read()
        assert a["sha256"] == sha(content) and a["size"] == len(content)
    status = ok(fz.get("/api/v1/freeze-status", headers=hdr(fz, "vera")))
    assert status == {"in_effect": False, "freezes": []}
    r = cli(fz, "freeze", "list")
    assert r.returncode == 0 and re.search(r"v0\.02-final\s+intact\s+10\s+ended", r.stdout), r.stdout


# --- verification by the worker ---------------------------------------------------------------

def test_one_byte_changed_is_one_violation_with_the_path_and_both_hashes(fz):
    path = release_root(fz, "r01")
    f = cli_create(fz, "byte-1", "r01")
    assert f["state"] == "unverified" and f["artifact_count"] == 4
    r = verify_all(fz)
    assert "verify-freezes: ok" in r.stdout
    assert freeze(fz, "byte-1")["state"] == "intact"

    old = RELEASE["CHANGELOG.md"]
    new = old.replace("0.02", "0.03")
    assert len(new) == len(old) and sum(a != b for a, b in zip(old, new)) == 1
    put(path, "CHANGELOG.md", new)
    r = verify_all(fz)  # one worker run
    assert "verify-freezes: ok" in r.stdout
    f = freeze(fz, "byte-1")
    assert f["state"] == "violated" and f["open_violations"] == 1
    (v,) = f["violations"]
    assert v["path"] == "CHANGELOG.md" and v["kind"] == "modified"
    assert v["expected_sha256"] == sha(old) and v["actual_sha256"] == sha(new)
    assert v["expected_size"] == v["actual_size"] == len(old)
    assert v["resolved_at"] is None and v["acknowledged"] is None
    assert f["last_check"]["modified"] == 1 and f["last_check"]["new_violations"] == 1
    # The independent hash agrees with sha256sum's.
    out = subprocess.run(["sha256sum", os.path.join(path, "CHANGELOG.md")], capture_output=True,
                         text=True, check=True).stdout
    assert out.split()[0] == v["actual_sha256"]

    # Checked again and again: the same violation, told once.
    verify_all(fz)
    verify_all(fz)
    again = freeze(fz, "byte-1")
    assert [x["id"] for x in again["violations"]] == [v["id"]]
    assert ledger_kinds(fz, "freeze:byte-1").count("freeze.violated") == 1
    assert ledger_kinds(fz, "freeze:byte-1").count("freeze.checked") == 4
    mine = ok(fz.get("/api/v1/events?type=freeze.violated&correlation_id=freeze:byte-1",
                     headers=hdr(fz, "vera")))
    assert len(mine) == 1 and mine[0]["payload"]["actual_sha256"] == sha(new)
    assert mine[0]["mission_id"] is None and mine[0]["source"] == "gatehouse"
    # The freeze page shows it with both hashes.
    cookie, _ = login(fz, "vera")
    page = fz.get("/freezes/byte-1", headers={"Cookie": cookie})
    assert page.status == 200 and "state-violated" in page.text
    assert sha(old) in page.text and sha(new) in page.text
    put(path, "CHANGELOG.md", old)
    verify_all(fz)


def test_a_deleted_file_is_missing_and_restoring_it_closes_the_violation(fz):
    path = release_root(fz, "r02")
    cli_create(fz, "missing-1", "r02")
    os.unlink(os.path.join(path, "schemas/event.schema.json"))
    verify_all(fz)
    f = freeze(fz, "missing-1")
    (v,) = f["violations"]
    assert (v["path"], v["kind"]) == ("schemas/event.schema.json", "missing")
    assert v["expected_sha256"] == sha(RELEASE["schemas/event.schema.json"])
    assert v["actual_sha256"] is None and v["actual_size"] is None
    assert f["last_check"]["missing"] == 1

    put(path, "schemas/event.schema.json", RELEASE["schemas/event.schema.json"])
    r = verify_all(fz)
    assert re.search(r"\b[1-9]\d* restored", r.stdout), r.stdout
    f = freeze(fz, "missing-1")
    assert f["state"] == "intact" and f["violations"] == [] and f["open_violations"] == 0
    assert f["last_check"]["restored"] == 1
    history = ok(fz.get("/api/v1/freezes/missing-1/violations", headers=hdr(fz, "vera")))
    assert [(h["id"], h["resolution"]) for h in history] == [(v["id"], "restored")]
    assert history[0]["resolved_at"]
    kinds = ledger_kinds(fz, "freeze:missing-1")
    assert kinds.count("freeze.violated") == 1 and kinds.count("freeze.restored") == 1
    assert kinds.index("freeze.violated") < kinds.index("freeze.restored")


def test_a_new_file_is_unexpected_in_a_closed_set_only(fz):
    closed = release_root(fz, "r03")
    opened = release_root(fz, "r04")
    cli_create(fz, "closed-1", "r03")
    f = cli_create(fz, "open-1", "r04", "--open")
    assert f["closed"] is False
    put(closed, "schemas/new.schema.json", "{}")
    put(opened, "schemas/new.schema.json", "{}")
    verify_all(fz)
    f = freeze(fz, "closed-1")
    (v,) = f["violations"]
    assert (v["path"], v["kind"]) == ("schemas/new.schema.json", "unexpected")
    assert v["expected_sha256"] is None and v["actual_sha256"] == sha("{}")
    assert freeze(fz, "open-1")["state"] == "intact"
    # Gone again: restored.
    os.unlink(os.path.join(closed, "schemas/new.schema.json"))
    verify_all(fz)
    assert freeze(fz, "closed-1")["state"] == "intact"


def test_include_globs_choose_the_files_and_the_closed_set(fz):
    path = release_root(fz, "r07")
    put(path, "notes/todo.txt", "later")
    f = cli_create(fz, "globbed", "r07", "--include", "*.json", "CHANGELOG.md")
    assert f["include"] == ["*.json", "CHANGELOG.md"] and f["artifact_count"] == 4
    put(path, "notes/other.txt", "not taken by the globs")
    put(path, "schemas/more.json", "{}")
    verify_all(fz)
    (v,) = freeze(fz, "globbed")["violations"]
    assert (v["path"], v["kind"]) == ("schemas/more.json", "unexpected")


def test_links_out_of_the_root_are_refused_at_creation_and_flagged_later(fz):
    path = release_root(fz, "r05")
    secret = tempfile.NamedTemporaryFile(dir=fz.var, delete=False)
    secret.write(b"outside the root")
    secret.close()
    os.symlink(secret.name, os.path.join(path, "docs/outside.json"))
    with unchanged(fz):
        r = cli(fz, "freeze", "create", "links-1", "--root", "r05")
        assert r.returncode == 1, r.stdout + r.stderr
        assert "docs/outside.json" in r.stderr and "leads out of the root" in r.stderr
    # Left out by the globs, the freeze can be made; the link is not part of it.
    f = cli_create(fz, "links-1", "r05", "--include", "schemas", "contracts", "CHANGELOG.md")
    assert f["artifact_count"] == 3
    # Then a frozen file becomes a link out, one through a directory link, and a new one appears.
    os.unlink(os.path.join(path, "CHANGELOG.md"))
    os.symlink("../../" + os.path.basename(secret.name), os.path.join(path, "CHANGELOG.md"))
    os.rename(os.path.join(path, "contracts"), os.path.join(path, "contracts.real"))
    os.symlink(fz.var, os.path.join(path, "contracts"))
    os.symlink("/etc/hostname", os.path.join(path, "schemas/host.json"))
    os.symlink("event.schema.json", os.path.join(path, "schemas/alias.json"))  # stays inside
    verify_all(fz)
    f = freeze(fz, "links-1")
    got = sorted((v["path"], v["kind"], v["actual_sha256"]) for v in f["violations"])
    # The directory link is flagged itself (the closed set's walk meets it) and so is the
    # frozen file reached through it.
    assert got == [("CHANGELOG.md", "unexpected", None),
                   ("contracts", "unexpected", None),
                   ("contracts/payments-api.contract.json", "unexpected", None),
                   ("schemas/host.json", "unexpected", None)], got
    # Nothing outside was read: no digest of it anywhere.
    assert sha("outside the root") not in json.dumps(f)


def test_a_1_gib_sparse_file_hashes_like_sha256sum(fz):
    path = root(fz, "r06")
    big = os.path.join(path, "images/release.img")
    os.makedirs(os.path.dirname(big), exist_ok=True)
    with open(big, "wb") as f:
        f.truncate(1 << 30)
        f.seek((1 << 29) + 12345)
        f.write(b"gatehouse was here")  # not all zeros
    put(path, "small.txt", "small")
    f = cli_create(fz, "big-1", "r06")
    assert f["total_bytes"] == (1 << 30) + 5
    listed = ok(fz.get("/api/v1/freezes/big-1/artifacts", headers=hdr(fz, "vera")))
    mine = {a["path"]: a for a in listed}
    out = subprocess.run(["sha256sum", big], capture_output=True, text=True, check=True,
                         timeout=300).stdout
    assert mine["images/release.img"]["sha256"] == out.split()[0]
    assert mine["images/release.img"]["size"] == 1 << 30
    r = cli(fz, "freeze", "verify", "big-1")
    assert r.returncode == 0 and "big-1: intact" in r.stdout, r.stdout + r.stderr
    c = freeze(fz, "big-1")["last_check"]
    assert c["source"] == "cli" and c["bytes_hashed"] == (1 << 30) + 5
    os.unlink(big)  # 1 GiB of page cache and disk back for the other tests
    r = cli(fz, "freeze", "verify", "big-1")
    assert r.returncode == 1 and "missing" in r.stdout


def test_a_violation_found_at_a_given_time_happens_at_that_time(fz):
    path = release_root(fz, "r09")
    cli_create(fz, "timed", "r09")
    put(path, "CHANGELOG.md", "changed")
    at = utcnow() - timedelta(days=1)
    verify_all(fz, now=at)
    (v,) = freeze(fz, "timed")["violations"]
    assert v["detected_at"] == rfc3339(at)
    assert freeze(fz, "timed")["last_check"]["checked_at"] == rfc3339(at)


# --- creation over the API --------------------------------------------------------------------

def test_creation_is_idempotent_and_another_manifest_is_a_conflict(fz):
    body = {"name": "api-1", "description": "by the API",
            "artifacts": manifest(a__b__c="c", readme_md="hello")}
    first = ok(api(fz, "ada", "POST", "/api/v1/freezes", body), 201)
    assert first["state"] == "unverified" and first["root"] is None and first["closed"] is False
    assert first["artifact_count"] == 2 and first["total_bytes"] == 6 and first["window"] is None
    assert first["created_by"] == "ada"
    with unchanged(fz):
        # The same manifest, listed in another order and with other details: 200, nothing new.
        again = dict(body, description="changed", artifacts=list(reversed(body["artifacts"])))
        assert ok(api(fz, "ada", "POST", "/api/v1/freezes", again), 200) == first
        upper = dict(body, artifacts=[dict(a, sha256=a["sha256"].upper()) for a in body["artifacts"]])
        assert ok(api(fz, "ada", "POST", "/api/v1/freezes", upper), 200) == first
        other = dict(body, artifacts=manifest(a__b__c="C", readme_md="hello"))
        e = refused(api(fz, "ada", "POST", "/api/v1/freezes", other), 409, "conflict")
        assert "another manifest" in e["message"]
    assert ledger_kinds(fz, "freeze:api-1") == ["freeze.created"]
    assert ok(fz.get("/api/v1/freezes/api-1/artifacts", headers=hdr(fz, "vera"))) == \
        sorted(body["artifacts"], key=lambda a: a["path"])


@pytest.mark.parametrize("artifacts,field", [
    ([{"path": "../etc/passwd", "sha256": "0" * 64, "size": 1}], "artifacts[0].path"),
    ([{"path": "a/../../b", "sha256": "0" * 64, "size": 1}], "artifacts[0].path"),
    ([{"path": "/etc/passwd", "sha256": "0" * 64, "size": 1}], "artifacts[0].path"),
    ([{"path": "./a", "sha256": "0" * 64, "size": 1}], "artifacts[0].path"),
    ([{"path": "a//b", "sha256": "0" * 64, "size": 1}], "artifacts[0].path"),
    ([{"path": "a/", "sha256": "0" * 64, "size": 1}], "artifacts[0].path"),
    ([{"path": "a\nb", "sha256": "0" * 64, "size": 1}], "artifacts[0].path"),
    ([{"path": "ok", "sha256": "0" * 63, "size": 1}], "artifacts[0].sha256"),
    ([{"path": "ok", "sha256": "0" * 64, "size": -1}], "artifacts[0].size"),
    ([{"path": "ok", "sha256": "0" * 64}], "artifacts[0].size"),
    ([{"path": "ok", "sha256": "0" * 64, "size": 1, "mode": 644}], "artifacts[0]"),
    ([{"path": "a", "sha256": "0" * 64, "size": 1}, {"path": "a", "sha256": "1" * 64, "size": 2}],
     "artifacts"),
    ([], "artifacts"),
    ("not a list", "artifacts"),
])
def test_bad_manifests_are_refused_naming_the_field_and_change_nothing(fz, artifacts, field):
    with unchanged(fz):
        e = refused(api(fz, "ada", "POST", "/api/v1/freezes", {"name": "bad-1", "artifacts": artifacts}),
                    400, "validation_failed")
    assert field in fields_of(e), e


@pytest.mark.parametrize("change,field", [
    ({"name": "bad name"}, "name"),
    ({"name": "x" * 65}, "name"),
    ({"root": "no-such-root"}, "root"),
    ({"closed": True}, "closed"),
    ({"window": {"starts_at": "2026-11-22T10:00:00Z", "ends_at": "2026-11-22T09:00:00Z"}},
     "window.ends_at"),
    ({"window": {"starts_at": "tomorrow", "ends_at": "2026-11-22T09:00:00Z"}}, "window.starts_at"),
    ({"window": {"starts_at": "2026-11-22T10:00:00Z"}}, "window.ends_at"),
    ({"include": ["../*"]}, "include"),
    ({"description": "d" * 2001}, "description"),
    ({"owner": "me"}, "owner"),
])
def test_bad_freezes_are_refused_naming_the_field_and_change_nothing(fz, change, field):
    body = dict({"name": "bad-2", "artifacts": manifest(a="a")}, **change)
    with unchanged(fz):
        e = refused(api(fz, "ada", "POST", "/api/v1/freezes", body), 400, "validation_failed")
    assert field in fields_of(e), e


def test_only_admins_create_lift_and_acknowledge(fz):
    ok(api(fz, "ada", "POST", "/api/v1/freezes", {"name": "roles-1", "artifacts": manifest(a="a")}), 201)
    with unchanged(fz):
        for user in ["alice", "bob", "erin", "vera"]:
            refused(api(fz, user, "POST", "/api/v1/freezes",
                        {"name": "roles-2", "artifacts": manifest(a="a")}), 403, "forbidden")
            refused(api(fz, user, "POST", "/api/v1/freezes/roles-1/lift"), 403, "forbidden")
            refused(api(fz, user, "POST", "/api/v1/freezes/roles-1/violations/1/ack",
                        {"comment": "x"}), 403, "forbidden")
        # Reports are the requesters' (guardians'); a viewer or an admin alone may not post one.
        for user in ["vera", "ada", "bob"]:
            refused(api(fz, user, "POST", "/api/v1/freezes/roles-1/checks", {"artifacts": []}),
                    403, "forbidden")
        r = fz.request("POST", "/api/v1/freezes", body="{}", headers={"Content-Type": "application/json"})
        refused(r, 401, "unauthenticated")
        refused(api(fz, "vera", "GET", "/api/v1/freezes/no-such-freeze"), 404, "not_found")
        refused(api(fz, "vera", "GET", "/api/v1/freezes/bad%20name"), 404, "not_found")
        refused(api(fz, "ada", "POST", "/api/v1/freezes/no-such-freeze/lift"), 404, "not_found")


# --- reports from guardians --------------------------------------------------------------------

def test_guardian_reports_are_checks_of_complete_listings(fz):
    files = {"registry.json": "{}", "schema.json": "[]", "CHANGELOG.md": "# 1"}
    arts = [{"path": p, "sha256": sha(c), "size": len(c)} for p, c in files.items()]
    ok(api(fz, "ada", "POST", "/api/v1/freezes", {"name": "ext-1", "artifacts": arts}), 201)
    f = ok(api(fz, "alice", "POST", "/api/v1/freezes/ext-1/checks", {"artifacts": arts}))
    assert f["state"] == "intact" and f["last_check"]["source"] == "report"
    assert f["last_check"]["checked_by"] == "alice" and f["last_check"]["bytes_hashed"] == 0

    seen_at = rfc3339(utcnow() - timedelta(minutes=3))
    listing = [arts[0], dict(arts[1], sha256=sha("changed"), size=7),
               {"path": "extra/new.bin", "sha256": sha("new"), "size": 3}]
    f = ok(api(fz, "alice", "POST", "/api/v1/freezes/ext-1/checks",
               {"checked_at": seen_at, "artifacts": listing}))
    assert f["state"] == "violated" and f["last_check"]["checked_at"] == seen_at
    got = {v["path"]: v for v in f["violations"]}
    assert got["CHANGELOG.md"]["kind"] == "missing"
    assert got["schema.json"]["kind"] == "modified"
    assert got["schema.json"]["expected_sha256"] == sha("[]")
    assert got["schema.json"]["actual_sha256"] == sha("changed")
    assert got["extra/new.bin"]["kind"] == "unexpected"
    assert all(v["detected_at"] == seen_at for v in got.values())
    # The same report again: nothing new is told.
    f = ok(api(fz, "alice", "POST", "/api/v1/freezes/ext-1/checks", {"artifacts": listing}))
    assert f["last_check"]["new_violations"] == 0
    assert ledger_kinds(fz, "freeze:ext-1").count("freeze.violated") == 3
    # The worker leaves a freeze without a root to its guardians.
    r = cli(fz, "freeze", "verify", "ext-1")
    assert r.returncode == 1 and "has no root" in r.stderr
    with unchanged(fz):
        e = refused(api(fz, "alice", "POST", "/api/v1/freezes/ext-1/checks",
                        {"checked_at": rfc3339(utcnow() + timedelta(hours=1)), "artifacts": arts}),
                    400, "validation_failed")
        assert "checked_at" in fields_of(e)
        e = refused(api(fz, "alice", "POST", "/api/v1/freezes/ext-1/checks",
                        {"artifacts": [dict(arts[0], path="../registry.json")]}), 400,
                    "validation_failed")
        assert "artifacts[0].path" in fields_of(e)
        refused(api(fz, "alice", "POST", "/api/v1/freezes/ext-1/checks", raw="{"), 400, "invalid_json")
        refused(api(fz, "alice", "POST", "/api/v1/freezes/no-such/checks", {"artifacts": arts}), 404,
                "not_found")


def test_check_history_is_paged_newest_first(fz):
    arts = manifest(a="a")
    ok(api(fz, "ada", "POST", "/api/v1/freezes", {"name": "paged-1", "artifacts": arts}), 201)
    for _ in range(5):
        ok(api(fz, "alice", "POST", "/api/v1/freezes/paged-1/checks", {"artifacts": arts}))
    seen, cursor = [], None
    while True:
        path = "/api/v1/freezes/paged-1/checks?limit=2" + ("&cursor=" + cursor if cursor else "")
        r = fz.get(path, headers=hdr(fz, "vera"))
        page = ok(r)
        assert len(page) <= 2
        seen += [c["id"] for c in page]
        cursor = r.json()["meta"]["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and seen == sorted(seen, reverse=True)
    e = refused(fz.get("/api/v1/freezes/paged-1/checks?cursor=x", headers=hdr(fz, "vera")), 400,
                "validation_failed")
    assert "cursor" in fields_of(e)
    e = refused(fz.get("/api/v1/freezes/paged-1/checks?limit=0", headers=hdr(fz, "vera")), 400,
                "validation_failed")
    assert "limit" in fields_of(e)


# --- acknowledging ------------------------------------------------------------------------------

def violated(s, name):
    arts = manifest(a="a", b="b")
    ok(api(s, "ada", "POST", "/api/v1/freezes", {"name": name, "artifacts": arts}), 201)
    f = ok(api(s, "alice", "POST", "/api/v1/freezes/%s/checks" % name,
               {"artifacts": [arts[0], dict(arts[1], sha256=sha("x"))]}))
    return f["violations"][0]


def test_acknowledging_by_api_once_with_a_comment(fz):
    v = violated(fz, "ack-1")
    url = "/api/v1/freezes/ack-1/violations/%d/ack" % v["id"]
    with unchanged(fz):
        e = refused(api(fz, "ada", "POST", url, {}), 400, "validation_failed")
        assert "comment" in fields_of(e)
        e = refused(api(fz, "ada", "POST", url, {"comment": ""}), 400, "validation_failed")
        e = refused(api(fz, "ada", "POST", url, {"comment": "x", "by": "me"}), 400, "validation_failed")
        assert "by" in fields_of(e)
        refused(api(fz, "ada", "POST", "/api/v1/freezes/ack-1/violations/999999/ack", {"comment": "x"}),
                404, "not_found")
        refused(api(fz, "ada", "POST", "/api/v1/freezes/api-1/violations/%d/ack" % v["id"],
                    {"comment": "x"}), 404, "not_found")  # another freeze's violation
    got = ok(api(fz, "ada", "POST", url, {"comment": "hotfix 4711, approved by Erin"}))
    assert got["id"] == v["id"] and got["acknowledged"]["by"] == "ada"
    assert got["acknowledged"]["comment"] == "hotfix 4711, approved by Erin"
    with unchanged(fz):
        e = refused(api(fz, "ada", "POST", url, {"comment": "again"}), 409, "conflict")
        assert "acknowledged already" in e["message"]
    # Acknowledged, it still stands: the file is still wrong.
    f = freeze(fz, "ack-1")
    assert f["state"] == "violated" and f["violations"][0]["acknowledged"]["by"] == "ada"
    assert "freeze.violation_acknowledged" in ledger_kinds(fz, "freeze:ack-1")


def test_acknowledging_by_form_needs_the_csrf_token_and_the_admin_role(fz):
    v = violated(fz, "ack-2")
    cookie, csrf = login(fz, "ada")
    page = fz.get("/freezes/ack-2", headers={"Cookie": cookie})
    assert page.status == 200
    action = "/freezes/ack-2/violations/%d/ack" % v["id"]
    assert 'action="%s"' % action in page.text and v["actual_sha256"] in page.text
    assert v["expected_sha256"] in page.text
    vera, vcsrf = login(fz, "vera")
    assert 'action="%s"' % action not in fz.get("/freezes/ack-2", headers={"Cookie": vera}).text
    with unchanged(fz):
        r = form_post(fz, cookie, action, {"comment": "seen"})
        assert r.status == 403
        r = form_post(fz, vera, action, {"comment": "seen", "csrf": vcsrf})
        assert r.status == 403
        r = form_post(fz, cookie, action, {"comment": "", "csrf": csrf})
        assert r.status == 400 and "Say why" in r.text
    r = form_post(fz, cookie, action, {"comment": "seen <b>by</b> ada", "csrf": csrf})
    assert r.status == 303, r.text
    assert r.headers["location"] == "/freezes/ack-2?done=acked&vid=%d#violation-%d" % (v["id"], v["id"])
    page = fz.get(r.headers["location"].split("#")[0], headers={"Cookie": cookie})
    assert "Your acknowledgement of violation #%d is recorded." % v["id"] in page.text
    assert "seen &lt;b&gt;by&lt;/b&gt; ada" in page.text and "<b>by</b>" not in page.text
    assert 'action="%s"' % action not in page.text
    # The confirmation is only shown to whom it is true for.
    other = fz.get(r.headers["location"].split("#")[0], headers={"Cookie": vera})
    assert "Your acknowledgement" not in other.text
    with unchanged(fz):
        r = form_post(fz, cookie, action, {"comment": "again", "csrf": csrf})
        assert r.status == 409 and "acknowledged already" in r.text


# --- windows: lifting, the banner, freeze-status ---------------------------------------------

def test_a_window_shows_in_the_banner_and_freeze_status_until_lifted(fz):
    cookie, csrf = login(fz, "vera")
    assert "freeze-banner" not in fz.get("/approvals", headers={"Cookie": cookie}).text
    body = {"name": "window-1", "description": "final week", "window": window(),
            "artifacts": manifest(a="a")}
    f = ok(api(fz, "ada", "POST", "/api/v1/freezes", body), 201)
    try:
        assert f["in_effect"] is True and f["window"]["phase"] == "in_effect"
        status = ok(fz.get("/api/v1/freeze-status", headers=hdr(fz, "vera")))
        assert status["in_effect"] is True and [x["name"] for x in status["freezes"]] == ["window-1"]
        for path in ["/approvals", "/", "/freezes", "/ledger", "/missions"]:
            page = fz.get(path, headers={"Cookie": cookie})
            assert 'class="freeze-banner"' in page.text and 'href="/freezes/window-1"' in page.text, path
        # Not for anonymous visitors.
        assert "freeze-banner" not in fz.get("/login").text
        ada, acsrf = login(fz, "ada")
        assert 'action="/freezes/window-1/lift"' in fz.get("/freezes/window-1", headers={"Cookie": ada}).text
        assert 'action="/freezes/window-1/lift"' not in fz.get("/freezes/window-1",
                                                                headers={"Cookie": cookie}).text
        with unchanged(fz):
            assert form_post(fz, ada, "/freezes/window-1/lift", {}).status == 403  # no CSRF token
        r = form_post(fz, ada, "/freezes/window-1/lift", {"csrf": acsrf})
        assert r.status == 303 and r.headers["location"] == "/freezes/window-1?done=lifted"
        page = fz.get(r.headers["location"], headers={"Cookie": ada})
        assert "You lifted the window" in page.text and "freeze-banner" not in page.text
    finally:
        api(fz, "ada", "POST", "/api/v1/freezes/window-1/lift")
    f = freeze(fz, "window-1")
    assert f["in_effect"] is False and f["window"]["phase"] == "lifted"
    assert f["window"]["lifted_by"] == "ada" and f["window"]["lifted_at"]
    assert ok(fz.get("/api/v1/freeze-status", headers=hdr(fz, "vera")))["in_effect"] is False
    assert "freeze-banner" not in fz.get("/approvals", headers={"Cookie": cookie}).text
    with unchanged(fz):
        e = refused(api(fz, "ada", "POST", "/api/v1/freezes/window-1/lift"), 409, "conflict")
        assert "lifted already" in e["message"]
        e = refused(api(fz, "ada", "POST", "/api/v1/freezes/api-1/lift"), 409, "conflict")
        assert "no window" in e["message"]
    assert ledger_kinds(fz, "freeze:window-1") == ["freeze.created", "freeze.lifted"]


# --- break-glass ------------------------------------------------------------------------------------

def test_break_glass_without_a_window_is_the_ordinary_tier_rules(fz):
    assert ok(fz.get("/api/v1/freeze-status", headers=hdr(fz, "vera")))["in_effect"] is False
    a = file_request(fz, 1)
    assert a["status"] == "approved" and a["break_glass_required"] is False
    b = file_request(fz, 3)
    assert b["break_glass_required"] is False
    assert ok(vote(fz, "bob", b["id"]))["status"] == "pending"
    assert ok(vote(fz, "carol", b["id"]))["status"] == "approved"
    c = file_request(fz, 2)
    with unchanged(fz):
        refused(vote(fz, "erin", c["id"]), 403, "forbidden")  # no break-glass needed: approvers vote


def test_break_glass_during_a_window(fz):
    with window_in_effect(fz, "bg-1"):
        one = file_request(fz, 1)
        assert one["status"] == "pending" and one["tier"] == 2
        assert one["required_approvals"] == 1 and one["break_glass_required"] is True
        assert ok(vote(fz, "bob", one["id"]))["status"] == "pending"
        assert ok(vote(fz, "erin", one["id"]))["status"] == "approved"

        three = file_request(fz, 3)
        assert three["break_glass_required"] is True and three["required_approvals"] == 2
        assert ok(vote(fz, "bob", three["id"]))["status"] == "pending"
        assert ok(vote(fz, "carol", three["id"]))["status"] == "pending"
        cookie, _ = login(fz, "carol")
        page = fz.get("/approvals/%d" % three["id"], headers={"Cookie": cookie})
        assert "Break-glass required:" in page.text and "bg-1" in page.text
        assert "That executive&#39;s vote is still missing." in page.text or \
            "That executive's vote is still missing." in page.text
        assert "a break-glass vote from an executive" in page.text
        got = ok(vote(fz, "erin", three["id"]))
        assert got["status"] == "approved" and got["decided_by"] == "erin"
        assert [v["by"] for v in got["votes"]] == ["bob", "carol", "erin"]
        # The executive alone is not enough, nor is an executive who is one of the two approvers.
        two = file_request(fz, 2)
        assert ok(vote(fz, "erin", two["id"]))["status"] == "pending"
    # After the window, tier 1 is granted on arrival again.
    assert file_request(fz, 1)["status"] == "approved"


def test_break_glass_is_released_at_the_next_worker_run_after_the_window(fz):
    with window_in_effect(fz, "bg-2"):
        three = file_request(fz, 3)
        assert ok(vote(fz, "bob", three["id"]))["status"] == "pending"
        assert ok(vote(fz, "carol", three["id"]))["status"] == "pending"
        # While the window lasts the worker keeps it waiting (and gives break-glass to pending
        # requests filed before the window, if any).
        worker(fz, "--job", "break-glass")
        still = ok(fz.get("/api/v1/approvals/%d" % three["id"], headers=hdr(fz, "vera")))
        assert still["status"] == "pending" and still["break_glass_required"] is True
        # Two hours on, the window is over: the waiting request is granted by the system.
        r = worker(fz, "--job", "break-glass", now=utcnow() + timedelta(hours=2))
        assert re.search(r"[1-9]\d* requests? re-evaluated, [1-9]\d* granted", r.stdout), r.stdout
        got = ok(fz.get("/api/v1/approvals/%d" % three["id"], headers=hdr(fz, "vera")))
        assert got["status"] == "approved" and got["decided_by"] == "system"
        assert got["break_glass_required"] is False
        kinds = ledger_kinds(fz, "approval:%d" % three["id"])
        assert kinds[-2:] == ["approval.break_glass_released", "approval.granted"]


def test_lifting_releases_break_glass_at_the_next_vote(fz):
    with window_in_effect(fz, "bg-3"):
        three = file_request(fz, 3)
        assert ok(vote(fz, "bob", three["id"]))["status"] == "pending"
        ok(api(fz, "ada", "POST", "/api/v1/freezes/bg-3/lift"))
        got = ok(vote(fz, "carol", three["id"]))
        assert got["status"] == "approved" and got["break_glass_required"] is False
        assert "approval.break_glass_released" in ledger_kinds(fz, "approval:%d" % three["id"])


# --- webhooks --------------------------------------------------------------------------------------

def test_one_freeze_violated_webhook_per_violation_signed(fz):
    port = free_port()
    sub = ok(api(fz, "ada", "POST", "/api/v1/webhooks",
                 {"url": "http://127.0.0.1:%d/hook" % port,
                  "events": ["freeze.violated", "freeze.restored"], "description": "freezes test"}), 201)
    rcv = Receiver(port, sub["secret"], "200", fz.var)
    try:
        path = release_root(fz, "r08")
        cli_create(fz, "hooks-1", "r08")
        verify_all(fz)
        put(path, "CHANGELOG.md", "rewritten")
        put(path, "schemas/event.schema.json", "{}")
        os.unlink(os.path.join(path, "contracts/payments-api.contract.json"))
        for _ in range(3):
            verify_all(fz)
        worker(fz, "--job", "deliver-webhooks")
        mine = [q for q in rcv.requests() if json.loads(q["body"])["data"].get("freeze") == "hooks-1"]
        assert len(mine) == 3, mine
        assert all(q["verified"] for q in mine), mine
        bodies = [json.loads(q["body"]) for q in mine]
        assert {b["type"] for b in bodies} == {"freeze.violated"}
        got = {b["data"]["path"]: b["data"] for b in bodies}
        assert got["CHANGELOG.md"]["kind"] == "modified"
        assert got["CHANGELOG.md"]["expected_sha256"] == sha(RELEASE["CHANGELOG.md"])
        assert got["CHANGELOG.md"]["actual_sha256"] == sha("rewritten")
        assert got["contracts/payments-api.contract.json"]["kind"] == "missing"
        assert got["schemas/event.schema.json"]["url"] == "http://127.0.0.1:%d/freezes/hooks-1" % fz.port
        assert len({q["id"] for q in mine}) == 3  # one webhook-id each

        # Restored: one freeze.restored each, and nothing more.
        release_root(fz, "r08")
        verify_all(fz)
        verify_all(fz)
        worker(fz, "--job", "deliver-webhooks")
        mine = [json.loads(q["body"]) for q in rcv.requests()
                if json.loads(q["body"])["data"].get("freeze") == "hooks-1"]
        assert sorted(b["type"] for b in mine) == ["freeze.restored"] * 3 + ["freeze.violated"] * 3
        assert all(b["data"]["resolution"] == "restored" for b in mine if b["type"] == "freeze.restored")
    finally:
        rcv.stop()
        api(fz, "ada", "DELETE", "/api/v1/webhooks/%d" % sub["id"])


# --- pages ----------------------------------------------------------------------------------------

def test_the_pages_show_state_badges_and_hostile_text_inert(fz):
    hostile = '<script>alert("x")</script>'
    body = {"name": "hostile-1", "description": hostile,
            "artifacts": [{"path": "<img src=x onerror=alert(1)>.txt", "sha256": sha("x"), "size": 1}]}
    ok(api(fz, "ada", "POST", "/api/v1/freezes", body), 201)
    cookie, _ = login(fz, "vera")
    page = fz.get("/freezes", headers={"Cookie": cookie})
    assert page.status == 200
    assert 'class="state-badge state-intact"' in page.text        # the demo's
    assert 'class="state-badge state-violated"' in page.text      # byte-1 and others
    assert 'class="state-badge state-unverified"' in page.text    # hostile-1
    assert '<a href="/freezes" aria-current="page">Freezes</a>' in page.text
    detail = fz.get("/freezes/hostile-1", headers={"Cookie": cookie})
    assert detail.status == 200
    assert "<script>alert" not in detail.text and "<img src=x" not in detail.text
    assert "&lt;script&gt;" in detail.text and "&lt;img src=x onerror=alert(1)&gt;.txt" in detail.text
    assert fz.get("/freezes/no-such", headers={"Cookie": cookie}).status == 404
    assert fz.get("/freezes/v0.02-final?checks_cursor=x", headers={"Cookie": cookie}).status == 400
    r = fz.get("/freezes")
    assert r.status == 303 and r.headers["location"].startswith("/login?next=")


def test_a_big_manifest_is_paged_on_the_page(fz):
    arts = [{"path": "f/%04d.json" % i, "sha256": sha(str(i)), "size": len(str(i))} for i in range(250)]
    ok(api(fz, "ada", "POST", "/api/v1/freezes", {"name": "paged-2", "artifacts": arts}), 201)
    cookie, _ = login(fz, "vera")
    page = fz.get("/freezes/paged-2", headers={"Cookie": cookie})
    assert "f/0000.json" in page.text and "f/0099.json" in page.text and "f/0100.json" not in page.text
    more = re.search(r'href="(/freezes/paged-2\?artifacts_cursor=\d+)#manifest"', page.text).group(1)
    page = fz.get(more, headers={"Cookie": cookie})
    assert "f/0100.json" in page.text and "f/0099.json" not in page.text


# --- the command line ------------------------------------------------------------------------------

def test_the_command_line_exit_codes_and_json(fz):
    r = cli(fz, "freeze", "create", "cli-1", "--root", "no-such-root")
    assert r.returncode == 2 and "names no root 'no-such-root'" in r.stderr
    assert cli(fz, "freeze", "create", "cli-1").returncode == 2          # --root is required
    assert cli(fz, "freeze", "create", "bad name", "--root", "r10").returncode == 2
    assert cli(fz, "freeze", "create", "cli-1", "--root", "r10", "--include", "/abs").returncode == 2
    root(fz, "r10")
    r = cli(fz, "freeze", "create", "cli-1", "--root", "r10")
    assert r.returncode == 1 and "no file" in r.stderr                    # an empty root
    release_root(fz, "r10")
    r = cli(fz, "freeze", "create", "cli-1", "--root", "r10", "--description", "from the shell")
    assert r.returncode == 0 and "freeze cli-1 created: 4 artifacts" in r.stdout, r.stdout
    r = cli(fz, "freeze", "create", "cli-1", "--root", "r10")
    assert r.returncode == 0 and "exists already with this manifest" in r.stdout
    put(os.path.join(fz.var, "roots/r10"), "CHANGELOG.md", "other")
    r = cli(fz, "freeze", "create", "cli-1", "--root", "r10")
    assert r.returncode == 1 and "another manifest" in r.stderr
    put(os.path.join(fz.var, "roots/r10"), "CHANGELOG.md", RELEASE["CHANGELOG.md"])
    r = cli(fz, "freeze", "show", "cli-1", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["description"] == "from the shell"
    assert cli(fz, "freeze", "show", "no-such").returncode == 1
    r = cli(fz, "freeze", "verify", "cli-1", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["state"] == "intact"
    put(os.path.join(fz.var, "roots/r10"), "CHANGELOG.md", "other")
    r = cli(fz, "freeze", "verify", "cli-1")
    assert r.returncode == 1 and "modified   CHANGELOG.md" in r.stdout and sha("other") in r.stdout
    r = cli(fz, "freeze", "list", "--json")
    assert r.returncode == 0 and "cli-1" in [f["name"] for f in json.loads(r.stdout)]
    r = cli(fz, "freeze", "lift", "cli-1")
    assert r.returncode == 1 and "no window" in r.stderr
    start, end = window()["starts_at"], window()["ends_at"]
    release_root(fz, "r11")
    f = cli_create(fz, "cli-2", "r11", "--starts-at", start, "--ends-at", end)
    assert f["in_effect"] is True
    r = cli(fz, "freeze", "lift", "cli-2", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["window"]["phase"] == "lifted"
    assert ledger_kinds(fz, "freeze:cli-2")[-1] == "freeze.lifted"
    assert rows(fz, "SELECT actor FROM ledger WHERE subject = 'freeze:cli-2' ORDER BY seq")[0][0] \
        .startswith("cli:")
    assert cli(fz, "freeze", "create", "cli-3", "--root", "r11", "--starts-at", start).returncode == 2


def test_config_check_names_a_root_it_cannot_list(fz):
    d = tempfile.mkdtemp(prefix="gh-fz-", dir="/tmp")
    conf = os.path.join(d, "gatehouse.conf")
    os.makedirs(os.path.join(d, "here"))
    with open(conf, "w") as f:
        f.write("database = gh.db\nfreeze_root.here = here\nfreeze_root.gone = gone\n"
                "freeze_root.bad/name = x\n")
    r = cli_run(conf, "config", "check")
    assert r.returncode == 2 and "%s:4: key 'freeze_root.bad/name': expected a root name" % conf in r.stderr
    with open(conf, "w") as f:
        f.write("database = gh.db\nfreeze_root.here = here\nfreeze_root.gone = gone\n")
    r = cli_run(conf, "config", "check")
    assert r.returncode == 2
    assert "%s:3: key 'freeze_root.gone': cannot list the directory %s/gone" % (conf, d) in r.stderr
    os.makedirs(os.path.join(d, "gone"))
    r = cli_run(conf, "config", "check")
    assert r.returncode == 0 and "freeze_root.gone = %s/gone" % d in r.stdout


def cli_run(conf, *args):
    return subprocess.run([os.path.join(REPO, "bin/gatehouse"), "--config", conf, *args],
                          capture_output=True, text=True, timeout=60)
