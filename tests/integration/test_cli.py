"""The command-line contract: exit codes and messages of the three programs."""

import json
import os
import re
import subprocess
import tempfile

from stack import REPO

ADMIN = os.path.join(REPO, "bin/gatehouse")
WORKER = os.path.join(REPO, "bin/gatehouse-worker")
APP = os.path.join(REPO, "cgi-bin/gatehouse.fcgi")


def run(*args, env=None):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **(env or {})), stdin=subprocess.DEVNULL)


def write_conf(text):
    d = tempfile.mkdtemp(prefix="gh-cli-", dir="/tmp")
    path = os.path.join(d, "gatehouse.conf")
    with open(path, "w") as f:
        f.write(text)
    return d, path


def test_config_check_names_file_line_and_key():
    d, path = write_conf("database = gh.db\nworkers = none\nbogus = 1\n")
    r = run(ADMIN, "--config", path, "config", "check")
    assert r.returncode == 2
    assert f"{path}:2: key 'workers': expected an integer from 1 to 64" in r.stderr
    assert f"{path}:3: unknown key 'bogus'" in r.stderr
    # Every program refuses the same configuration the same way.
    assert run(WORKER, "--config", path, "run", "--once").returncode == 2
    r = run(APP, "--config", path)
    assert r.returncode == 2 and "unknown key 'bogus'" in r.stderr


def test_config_check_accepts_the_sample_and_the_environment_overrides():
    sample = os.path.join(REPO, "conf/gatehouse.conf")
    r = run(ADMIN, "--config", sample, "config", "check")
    assert r.returncode == 0, r.stderr
    assert "is valid" in r.stdout
    r = run(ADMIN, "config", "check", env={"GATEHOUSE_CONFIG": sample, "GATEHOUSE_WORKERS": "7"})
    assert r.returncode == 0 and "workers = 7" in r.stdout
    r = run(ADMIN, "--config", sample, "config", "check", env={"GATEHOUSE_WORKERS": "x"})
    assert r.returncode == 2 and "environment GATEHOUSE_WORKERS" in r.stderr


def test_init_creates_then_keeps():
    d, path = write_conf("database = gh.db\nsigning_key = signing.key\n")
    r = run(ADMIN, "--config", path, "init")
    assert r.returncode == 0, r.stderr
    assert re.search(r"schema version (\d+) \(\1 migrations? applied now\)", r.stdout), r.stdout
    assert "created" in r.stdout
    assert oct(os.stat(os.path.join(d, "signing.key")).st_mode & 0o777) == "0o600"
    r = run(ADMIN, "--config", path, "init")
    assert r.returncode == 0 and "0 migrations applied now" in r.stdout
    assert "already present, kept" in r.stdout


def test_usage_errors_exit_2():
    assert run(ADMIN).returncode == 2
    assert run(ADMIN, "frobnicate").returncode == 2
    assert run(ADMIN, "help").returncode == 0
    assert run(WORKER).returncode == 2
    assert run(WORKER, "run").returncode == 2
    assert run(WORKER, "run", "--once", "--job", "checkpoint-wal").returncode == 2


def test_worker_runs_its_jobs_once():
    d, path = write_conf("database = gh.db\nsigning_key = signing.key\n")
    assert run(ADMIN, "--config", path, "init").returncode == 0
    r = run(WORKER, "--config", path, "run", "--once")
    assert r.returncode == 0, r.stderr
    assert "checkpoint-wal: ok" in r.stdout
    r = run(WORKER, "--config", path, "run", "--once", "--now", "2026-11-22T10:00:00Z")
    assert r.returncode == 0
    r = run(WORKER, "--config", path, "run", "--once", "--now", "yesterday")
    assert r.returncode == 2 and "RFC 3339" in r.stderr
    r = run(WORKER, "--config", path, "run", "--job", "no-such-job")
    assert r.returncode == 2 and "no job named" in r.stderr
    r = run(WORKER, "--config", path, "run", "--job", "checkpoint-wal")
    assert r.returncode == 0 and "checkpoint-wal: ok" in r.stdout
    assert "prune" not in r.stdout


def test_worker_prunes_expired_sessions():
    d, path = write_conf("database = gh.db\nsigning_key = signing.key\nsession_idle_seconds = 60\n")
    assert run(ADMIN, "--config", path, "init").returncode == 0
    r = run(ADMIN, "--config", path, "user", "add", "ann", "--role", "viewer")
    assert r.returncode == 0
    db = os.path.join(d, "gh.db")
    subprocess.run(["sqlite3", db, "INSERT INTO sessions VALUES (x'01', 1, 'c', 0, 0);"
                    "INSERT INTO sessions VALUES (x'02', 1, 'c', 1795341590000, 1795341590000);"],
                   check=True)
    r = run(WORKER, "--config", path, "run", "--job", "prune", "--now", "2026-11-22T10:00:00Z")
    assert r.returncode == 0, r.stderr
    assert "prune: ok" in r.stdout and "1 expired session, 0 old deliveries and 0 idempotency keys removed" in r.stdout
    left = subprocess.run(["sqlite3", db, "SELECT count(*) FROM sessions"], capture_output=True,
                          text=True).stdout.strip()
    assert left == "1"


def test_worker_without_database_fails_and_says_so():
    d, path = write_conf("database = missing.db\n")
    r = run(WORKER, "--config", path, "run", "--once")
    assert r.returncode == 1
    assert "gatehouse init" in r.stderr


def test_the_app_answers_one_request_as_cgi():
    d, path = write_conf(f"database = gh.db\nsigning_key = signing.key\ntemplates = {REPO}/templates\n")
    assert run(ADMIN, "--config", path, "init").returncode == 0
    r = run(APP, "--config", path, env={"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
                                        "PATH_INFO": "/readyz", "SCRIPT_NAME": "/gatehouse.fcgi"})
    assert r.returncode == 0
    assert r.stdout.splitlines()[0] == "Status: 200 OK"
    assert '"status":"ready"' in r.stdout


def test_identity_commands_exit_codes_and_json():
    d, path = write_conf("database = gh.db\nsigning_key = signing.key\n")
    assert run(ADMIN, "--config", path, "init").returncode == 0

    def admin(*args, stdin=None):
        return subprocess.run([ADMIN, "--config", path, *args], input=stdin, capture_output=True,
                              text=True, timeout=60)

    r = admin("user", "add", "ann", "--role", "approver,viewer", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"id": 1, "username": "ann", "roles": ["viewer", "approver"],
                                    "has_password": False}
    assert admin("user", "add", "ann", "--role", "viewer").returncode == 1  # exists
    r = admin("user", "add", "ben", "--role", "boss")
    assert r.returncode == 2 and "unknown role 'boss'" in r.stderr
    r = admin("user", "add", "ben", "--role", "viewer", "--password-stdin", stdin="short\n")
    assert r.returncode == 1 and "12 to 128 characters" in r.stderr
    assert admin("user", "list").stdout.count("\n") >= 2
    assert admin("user", "add", "bad name", "--role", "viewer").returncode == 1
    r = admin("user", "add", "ben", "--role", "viewer", "--password-stdin",
              stdin="a long enough password\n")
    assert r.returncode == 0
    users = json.loads(admin("user", "list", "--json").stdout)
    assert [(u["username"], u["has_password"]) for u in users] == [("ann", False), ("ben", True)]
    assert "argon2" not in admin("user", "list", "--json").stdout
    assert admin("user", "roles", "nobody", "viewer").returncode == 1
    assert admin("user", "roles", "ann", "executive").returncode == 0

    r = admin("token", "create", "--user", "ann", "--name", "ci", "--json")
    assert r.returncode == 0
    created = json.loads(r.stdout)
    assert created["id"] == 1 and created["token"].startswith("gh_")
    r = admin("token", "create", "--user", "ann", "--name", "ci2")
    assert r.returncode == 0 and r.stdout.strip().startswith("gh_") and r.stdout.count("\n") == 1
    assert admin("token", "create", "--user", "ghost", "--name", "x").returncode == 1
    listed = admin("token", "list", "--json")
    assert created["token"] not in listed.stdout
    assert [t["name"] for t in json.loads(listed.stdout)] == ["ci", "ci2"]
    assert admin("token", "revoke", "1").returncode == 0
    assert admin("token", "revoke", "1").returncode == 1
    assert admin("token", "revoke", "x").returncode == 2

    r = admin("source", "add", "sentinel", "--json")
    assert r.returncode == 0
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", json.loads(r.stdout)["secret"])
    assert admin("source", "add", "sentinel").returncode == 1
    r = admin("demo")
    assert r.returncode == 0 and r.stdout.count("demo login:") == 6
    assert admin("demo").stdout.strip() == "demo data is already loaded"
