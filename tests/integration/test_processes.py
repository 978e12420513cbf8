"""The process model: pre-forked workers that are replaced when they die,
hostile FastCGI records, graceful stop, readiness, restarts keeping data."""

import http.client
import os
import signal
import subprocess
import threading
import time

from fcgi_client import (FcgiConnection, cgi_params, malicious_huge_params_record,
                         malicious_overflow_params_record)
from stack import REPO


def wait_for(predicate, timeout=10, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def test_killed_worker_is_replaced_while_requests_keep_being_answered(new_stack):
    s = new_stack()
    before = wait_for(lambda: len(s.worker_pids()) == 3 and s.worker_pids())
    assert before and len(before) == 3
    statuses = []
    stop = threading.Event()

    def load():
        while not stop.is_set():
            try:
                statuses.append(s.get("/healthz").status)
            except OSError:
                statuses.append(0)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    os.kill(before[0], signal.SIGKILL)
    replaced = wait_for(lambda: len(s.worker_pids()) == 3 and before[0] not in s.worker_pids())
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    assert replaced, "the killed worker was not replaced"
    after = s.worker_pids()
    assert before[1] in after and before[0] not in after
    # Only requests caught inside the killed process may fail; everything
    # after its replacement is answered.
    assert len(statuses) > 100
    failures = [x for x in statuses if x != 200]
    assert len(failures) <= 16, "too many failed requests: %d of %d" % (len(failures), len(statuses))
    for _ in range(50):
        assert s.get("/healthz").status == 200
    assert "was killed by signal 9; starting a new one" in s.app_log()


def test_hostile_fastcgi_records_do_not_take_the_service_down(stack):
    workers = stack.worker_pids()
    for payload in (malicious_huge_params_record(), malicious_overflow_params_record()):
        for _ in range(3):
            with FcgiConnection(stack.socket, timeout=5) as c:
                c.send_raw(payload)
                c.shutdown_write()
                c.wait_closed(timeout=5)
            r = stack.get("/healthz")
            assert r.status == 200
    # The socket still speaks FastCGI correctly afterwards, straight and via nginx.
    with FcgiConnection(stack.socket) as c:
        assert c.request(cgi_params("GET", "/healthz")).status == 200
    assert wait_for(lambda: len(stack.worker_pids()) == 3)
    assert stack.get("/readyz").status == 200
    # Whether libfcgi survived the records or a worker was replaced, the service stood.
    print("workers before", workers, "after", stack.worker_pids())


def test_sigterm_lets_the_request_in_flight_finish(new_stack):
    s = new_stack()
    body = b'{"a": 1}'
    c = FcgiConnection(s.socket, timeout=15)
    c.send_begin()
    c.send_params(cgi_params("GET", "/healthz", body=body, content_type="application/json"))
    c.send_stdin(body[:3], terminate=False)
    time.sleep(0.3)  # the request is now being read by a worker thread
    os.kill(s.master_pid(), signal.SIGTERM)
    time.sleep(0.5)
    c.send_stdin(body[3:])
    r = c.read_response()
    c.close()
    assert r.status == 200
    assert b'"status":"ok"' in r.body
    # And then everything stops.
    s.proc.wait(timeout=20)
    assert not os.path.exists(s.socket)
    assert "stopping on signal 15" in s.app_log()


def test_readyz_names_what_is_missing(new_stack):
    s = new_stack()
    db = os.path.join(s.var, "gatehouse.db")
    key = os.path.join(s.var, "signing.key")

    os.rename(key, key + ".away")
    r = s.get("/readyz")
    assert r.status == 503
    err = r.json()["error"]
    assert err["code"] == "unavailable"
    assert [d["field"] for d in err["details"]] == ["signing_key"]
    assert s.var not in r.text  # no paths in answers
    os.rename(key + ".away", key)

    os.rename(db, db + ".away")
    r = s.get("/readyz")
    assert r.status == 503
    assert [d["field"] for d in r.json()["error"]["details"]] == ["database", "migrations"]
    assert s.get("/healthz").status == 200  # alive, just not ready
    os.rename(db + ".away", db)
    assert s.get("/readyz").status == 200

    # A schema this build does not know (a newer release's): not ready, and
    # init refuses to touch it rather than guess.
    current = subprocess.run(["sqlite3", db, "PRAGMA user_version"], check=True,
                             capture_output=True, text=True).stdout.strip()
    subprocess.run(["sqlite3", db, "PRAGMA user_version=99"], check=True)
    r = s.get("/readyz")
    assert r.status == 503
    details = r.json()["error"]["details"]
    assert details[0]["field"] == "migrations"
    assert "schema version 99" in details[0]["problem"]
    init = s.admin("init")
    assert init.returncode == 1 and "newer than this build" in init.stderr
    subprocess.run(["sqlite3", db, "PRAGMA user_version=" + current], check=True)
    assert s.get("/readyz").status == 200


def test_data_and_key_survive_a_restart(new_stack):
    s = new_stack()
    with open(os.path.join(s.var, "signing.key"), "rb") as f:
        key = f.read()
    s.stop()
    before = len(s.run_output())
    s.start()
    assert s.get("/readyz").status == 200
    with open(os.path.join(s.var, "signing.key"), "rb") as f:
        assert f.read() == key
    # The script says so after its own check, which may come after ours.
    running = "Gatehouse is running: http://127.0.0.1:%d/" % s.port
    assert wait_for(lambda: running in s.run_output()[before:]), s.run_output()
    out = s.run_output()[before:]
    assert "0 migrations applied now" in out
    assert "already present, kept" in out


def test_socket_is_private(stack):
    mode = os.stat(stack.socket).st_mode & 0o777
    assert mode == 0o660


def test_a_second_instance_refuses_the_live_socket(stack):
    r = subprocess.run([os.path.join(REPO, "cgi-bin/gatehouse.fcgi"), "--config", stack.conf],
                       capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert r.returncode == 2
    assert "already listening" in r.stderr
    assert stack.get("/healthz").status == 200


def test_sigterm_ends_open_streams_instead_of_waiting_out_the_grace(new_stack):
    # A live page holds its stream for minutes; stopping must not wait for it
    # (the browser reconnects to the next process).
    s = new_stack("shutdown_grace_seconds = 60\n")
    token = s.admin("token", "create", "--user", "vera", "--name", "stream").stdout.strip()
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    conn.request("GET", "/approvals/stream", headers={"Authorization": "Bearer " + token})
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.readline().startswith(b"retry:")
    time.sleep(0.3)
    os.kill(s.master_pid(), signal.SIGTERM)
    while resp.readline():  # the stream ends: nginx sees the end of the response
        pass
    s.proc.wait(timeout=30)  # well before the 60 s grace
    conn.close()
    assert "still running after" not in s.app_log()
