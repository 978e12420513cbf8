"""The ledger through nginx and the CLI, checked by independent code: the
hash chain with Python's hashlib, checkpoint signatures with Node's crypto,
and tampering done with the sqlite3 shell on the real database file."""

import hashlib
import json
import os
import subprocess

import pytest

from stack import REPO

ZERO = "0" * 64


def token(s, user="vera"):
    r = s.admin("token", "create", "--user", user, "--name", "ledger-test")
    assert r.returncode == 0, r.stderr
    return {"Authorization": "Bearer " + r.stdout.strip()}


def worker(s, *args):
    return subprocess.run([os.path.join(REPO, "bin/gatehouse-worker"), "--config", s.conf, "run", *args],
                          capture_output=True, text=True, timeout=60)


def independent_check(lines):
    """API.md's definition, written again in Python."""
    prev = ZERO
    for expected_seq, line in enumerate(lines, start=1):
        e = json.loads(line)
        assert e["seq"] == expected_seq
        assert e["prev_hash"] == prev
        text = "\n".join([e["prev_hash"], str(e["seq"]), e["at"], e["actor"], e["kind"],
                          e["subject"], e["payload_json"]])
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == e["hash"], e["seq"]
        assert json.loads(e["payload_json"]) == e["payload"]
        prev = e["hash"]
    return prev


@pytest.fixture(scope="module")
def lstack(new_stack_module):
    s = new_stack_module()
    for name in ["tina", "ugo"]:
        assert s.admin("user", "add", name, "--role", "requester").returncode == 0
    assert s.admin("user", "roles", "ugo", "approver").returncode == 0
    assert s.admin("source", "add", "sentinel").returncode == 0
    return s


def test_every_identity_change_is_in_the_ledger(lstack):
    r = lstack.get("/api/v1/ledger?limit=200", headers=token(lstack))
    assert r.status == 200
    kinds = [(e["kind"], e["subject"]) for e in r.json()["data"]]
    assert ("user.added", "user:alice") in kinds          # the demo users
    assert ("user.added", "user:tina") in kinds
    assert ("user.roles_changed", "user:ugo") in kinds
    assert ("source.added", "source:sentinel") in kinds
    assert ("token.created", "token:1") in kinds
    text = r.text
    assert "whsec_" not in text and "gh_" not in text and "argon2" not in text


def test_export_is_verified_by_independent_code(lstack):
    r = lstack.get("/api/v1/ledger/export", headers=token(lstack))
    assert r.status == 200
    assert r.headers["content-type"] == "application/x-ndjson"
    assert "content-length" not in r.headers  # streamed
    lines = r.text.splitlines()
    head = independent_check(lines)
    cli = lstack.admin("ledger", "export")
    assert cli.returncode == 0
    # The CLI's export is the same chain (it may have one more entry: the token above).
    assert cli.stdout.splitlines()[: len(lines)] == lines
    assert independent_check(cli.stdout.splitlines())
    assert head


def test_paging_with_after_and_limit(lstack):
    auth = token(lstack)
    first = lstack.get("/api/v1/ledger?limit=2", headers=auth).json()
    assert [e["seq"] for e in first["data"]] == [1, 2]
    assert first["meta"]["next_cursor"] == "2"
    second = lstack.get("/api/v1/ledger?limit=2&after=2", headers=auth).json()
    assert [e["seq"] for e in second["data"]] == [3, 4]
    everything = lstack.get("/api/v1/ledger?limit=200", headers=auth).json()
    assert everything["meta"]["next_cursor"] is None
    for bad in ["limit=0", "limit=201", "after=-1", "limit=x"]:
        r = lstack.get("/api/v1/ledger?" + bad, headers=auth)
        assert r.status == 400, bad
        assert r.json()["error"]["code"] == "validation_failed"
    assert lstack.get("/api/v1/ledger").status == 401


def test_checkpoint_is_signed_and_verified_by_node(lstack):
    auth = token(lstack)
    assert lstack.get("/api/v1/ledger/checkpoints/latest", headers=auth).status in (200, 404)
    r = worker(lstack, "--job", "sign-checkpoint")
    assert r.returncode == 0 and "signed" in r.stdout, r.stdout + r.stderr
    cp = lstack.get("/api/v1/ledger/checkpoints/latest", headers=auth).json()["data"]
    assert cp["note"].startswith("127.0.0.1:%d/ledger\n%d\n" % (lstack.port, cp["seq"]))
    entry = lstack.get("/api/v1/ledger?after=%d&limit=1" % (cp["seq"] - 1), headers=auth).json()["data"][0]
    assert entry["hash"] == cp["hash"]
    script = """
const crypto = require('crypto');
const cp = JSON.parse(process.argv[1]);
const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(cp.public_key, 'base64')]);
const key = crypto.createPublicKey({key: der, format: 'der', type: 'spki'});
const ok = crypto.verify(null, Buffer.from(cp.note), key, Buffer.from(cp.signature, 'base64'));
const lines = cp.note.split('\\n');
const hashOk = Buffer.from(lines[2], 'base64').toString('hex') === cp.hash;
process.stdout.write(ok && hashOk ? 'valid' : 'INVALID');
"""
    v = subprocess.run(["node", "-e", script, json.dumps(cp)], capture_output=True, text=True)
    assert v.stdout == "valid", v.stderr
    ok = lstack.get("/api/v1/ledger/verify", headers=auth).json()["data"]
    assert ok["ok"] is True and ok["first_bad_seq"] is None and ok["entries"] >= cp["seq"]


def sql(s, statement):
    r = subprocess.run(["sqlite3", os.path.join(s.var, "gatehouse.db"), statement], check=True,
                       capture_output=True, text=True)
    return r.stdout.strip()


def broken_at(s, auth):
    api = s.get("/api/v1/ledger/verify", headers=auth).json()["data"]
    cli = s.admin("ledger", "verify")
    assert cli.returncode == 1
    assert ("BROKEN at seq %d" % api["first_bad_seq"]) in cli.stdout
    assert api["ok"] is False
    return api["first_bad_seq"], api["problem"]


# Each case: which entry to spoil (found by its content, not its place in the
# demo's story), and how; {seq} is that entry's number.
@pytest.mark.parametrize("target,tamper,problem", [
    ("SELECT seq FROM ledger WHERE subject = 'user:carol'",
     "UPDATE ledger SET payload_json = replace(payload_json, 'Carol', 'Karol') WHERE seq = {seq}",
     "hash mismatch"),
    ("SELECT seq FROM ledger WHERE subject = 'user:bob'", "DELETE FROM ledger WHERE seq = {seq}", "missing"),
    # Swap the times of two neighbours that differ.
    ("SELECT a.seq FROM ledger a JOIN ledger b ON b.seq = a.seq + 1 WHERE a.at < b.at ORDER BY a.seq LIMIT 1",
     "UPDATE ledger SET at = CASE seq WHEN {seq} THEN (SELECT at FROM ledger WHERE seq = {seq} + 1)"
     " ELSE (SELECT at FROM ledger WHERE seq = {seq}) END WHERE seq IN ({seq}, {seq} + 1)", "hash mismatch"),
])
def test_tampering_is_caught_at_the_right_seq(new_stack, target, tamper, problem):
    s = new_stack()
    auth = token(s, "ada")  # made first: making it later would append to the ledger
    assert s.admin("ledger", "verify").returncode == 0
    seq = int(sql(s, target))
    sql(s, tamper.format(seq=seq))
    bad_seq, what = broken_at(s, auth)
    assert bad_seq == seq
    assert problem in what


def test_truncation_below_the_checkpoint_is_caught(new_stack):
    s = new_stack()
    auth = token(s, "ada")
    assert worker(s, "--job", "sign-checkpoint").returncode == 0
    sql(s, "DELETE FROM ledger WHERE seq = (SELECT max(seq) FROM ledger)")
    seq, problem = broken_at(s, auth)
    assert "shorter than checkpoint" in problem
    r = worker(s, "--job", "sign-checkpoint")
    assert r.returncode == 1 and "not signing" in r.stdout
    r = worker(s, "--job", "verify-ledger")
    assert r.returncode == 1 and "broken at seq %d" % seq in r.stdout


def test_ledger_page_shows_integrity_filters_and_escapes(lstack):
    import re
    import urllib.parse
    hostile = '<script>alert(1)</script>"onmouseover=x'
    assert lstack.admin("user", "add", "mallory", "--role", "viewer", "--display", hostile).returncode == 0
    pw = re.search(r"login: vera\s+password: (\S+)",
                   open(os.path.join(lstack.var, "demo-logins.txt")).read()).group(1)
    body = urllib.parse.urlencode({"username": "vera", "password": pw})
    r = lstack.request("POST", "/login", body=body,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    cookie = {"Cookie": r.headers["set-cookie"].split(";")[0]}
    page = lstack.get("/ledger", headers=cookie)
    assert page.status == 200
    assert "chain intact" in page.text
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    # Newest first; each subject links to its own history in the ledger.
    assert page.text.index('href="/ledger?subject=user%3Amallory">user:mallory</a>') < \
        page.text.index('href="/ledger?subject=user%3Aalice">user:alice</a>')
    only = lstack.get("/ledger?kind=source.added", headers=cookie)
    assert '>source:sentinel</a>' in only.text and '>user:alice</a>' not in only.text
    assert lstack.get("/ledger?before=zero", headers=cookie).status == 400
    # Spoil mallory's entry: the newest, so on the first page.
    seq, actor = sql(lstack, "SELECT seq, actor FROM ledger WHERE subject = 'user:mallory'").split("|")
    sql(lstack, "UPDATE ledger SET actor = 'someone-else' WHERE seq = %s" % seq)
    broken = lstack.get("/ledger", headers=cookie)
    assert "broken at seq %s" % seq in broken.text
    assert 'class="entry bad"' in broken.text
    sql(lstack, "UPDATE ledger SET actor = '%s' WHERE seq = %s" % (actor, seq))
    assert "chain intact" in lstack.get("/ledger", headers=cookie).text
