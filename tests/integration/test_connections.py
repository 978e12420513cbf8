"""The connection model (cgi-bin/pool.c, fcgi_conn.c): idle kept FastCGI
connections hold no thread, so no number of them keeps a request waiting;
connections nginx closes, or that carry garbage, are closed and freed;
descriptors past 1024 work; and a burst of many more clients than threads
is answered in full through nginx, without a 502."""

import concurrent.futures
import json
import os
import resource
import threading

from fcgi_client import FcgiConnection, FcgiConnectionClosed, cgi_params
from test_processes import wait_for

# A liveness guard, not a timing figure: the old model would block forever.
HANG = 20


def raise_open_files(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def kept_connection(s):
    """A raw FastCGI connection that has served one request and stays open."""
    c = FcgiConnection(s.socket, timeout=HANG)
    r = c.request(cgi_params("GET", "/healthz"), keep_conn=True)
    assert r.status == 200
    return c


def test_idle_kept_connections_hold_no_thread(new_stack):
    # 2 processes x 2 threads: eight idle kept connections would have pinned all of them.
    s = new_stack("workers = 2\nthreads = 2\n")
    idle = [kept_connection(s) for _ in range(8)]
    try:
        # A new connection, straight and through nginx, is served at once.
        with FcgiConnection(s.socket, timeout=HANG) as c:
            assert c.request(cgi_params("GET", "/healthz")).status == 200
        for _ in range(20):
            assert s.get("/healthz", timeout=HANG).status == 200
        # And every idle connection still serves its next request.
        for c in idle:
            assert c.request(cgi_params("GET", "/api/v1/openapi.json"), keep_conn=True).status == 200
    finally:
        for c in idle:
            c.close()


def test_a_connection_nginx_asks_to_close_is_closed(stack):
    with FcgiConnection(stack.socket, timeout=HANG) as c:
        assert c.request(cgi_params("GET", "/healthz"), keep_conn=False).status == 200
        assert c.wait_closed(timeout=HANG)


def test_closed_and_broken_connections_are_freed(new_stack):
    raise_open_files(4096)
    s = new_stack("workers = 1\nthreads = 4\n")
    worker = wait_for(lambda: len(s.worker_pids()) == 2 and s.worker_pids())[0]
    before = fd_count(worker)
    conns = [kept_connection(s) for _ in range(200)]
    assert fd_count(worker) >= before + 200
    # Closed by the peer while idle, after a request.
    for c in conns[:100]:
        c.close()
    # Garbage where the next request should begin: the connection is dropped.
    for c in conns[100:150]:
        c.send_raw(b"\x07garbage that is no FastCGI record" * 4)
        assert c.wait_closed(timeout=HANG)
        c.close()
    # Half a request, then the peer goes away.
    for c in conns[150:]:
        c.send_begin(keep_conn=True)
        c.send_params(cgi_params("GET", "/healthz"), terminate=False)
        c.close()
    assert wait_for(lambda: fd_count(worker) <= before + 2, timeout=HANG), \
        "connections left open: %d descriptors, %d before" % (fd_count(worker), before)
    assert s.get("/healthz").status == 200
    assert worker in s.worker_pids(), "the worker process died"


def test_descriptors_past_1024(new_stack):
    """One process holding 1,100 kept connections: descriptors >= 1024 never
    reach select() (libfcgi's close path would abort on them)."""
    raise_open_files(8192)
    s = new_stack("workers = 1\nthreads = 8\n")
    worker = wait_for(lambda: len(s.worker_pids()) == 2 and s.worker_pids())[0]
    conns = []
    try:
        for _ in range(1100):
            conns.append(kept_connection(s))
        assert fd_count(worker) > 1100
        # A second request on each, the newest (highest descriptors) first.
        for c in reversed(conns):
            assert c.request(cgi_params("GET", "/healthz"), keep_conn=True).status == 200
        # Requests that end the connection, on descriptors past 1024 too.
        for c in conns[-50:]:
            assert c.request(cgi_params("GET", "/healthz"), keep_conn=False).status == 200
            assert c.wait_closed(timeout=HANG)
    finally:
        for c in conns:
            c.close()
    assert wait_for(lambda: fd_count(worker) < 100, timeout=HANG)
    assert worker in s.worker_pids(), "the worker process died"
    assert s.get("/healthz").status == 200


def test_a_burst_of_many_more_clients_than_threads_is_answered_in_full(new_stack):
    """300 clients at once filing requests through nginx, on 2 x 4 threads:
    every one answered 201 (no 502, no timeout), each filed once."""
    raise_open_files(4096)
    s = new_stack("workers = 2\nthreads = 4\n")
    s.admin("user", "add", "bursty", "--role", "requester")
    token = s.admin("token", "create", "--user", "bursty", "--name", "t").stdout.strip()
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    start = threading.Barrier(300)

    def client(k):
        start.wait()
        statuses = []
        for i in range(3):
            body = json.dumps({"action_type": "deploy.canary", "target": "burst-%d-%d" % (k, i),
                               "tier": 2, "mission_id": "burst"})
            try:
                statuses.append(s.request("POST", "/api/v1/approvals", body=body, headers=headers,
                                          timeout=60).status)
            except OSError as e:
                statuses.append(repr(e))
        return statuses

    with concurrent.futures.ThreadPoolExecutor(max_workers=300) as pool:
        results = [x for r in pool.map(client, range(300)) for x in r]
    assert results.count(201) == 900, "answers other than 201: %r" % [x for x in results if x != 201][:20]
    import sqlite3
    db = sqlite3.connect(os.path.join(s.var, "gatehouse.db"))
    assert db.execute("SELECT count(*), count(DISTINCT target) FROM approvals WHERE mission_id = 'burst'"
                      ).fetchone() == (900, 900)
    db.close()


def test_a_connection_closed_mid_request_does_not_take_the_worker(stack):
    workers = stack.worker_pids()
    for _ in range(20):
        c = FcgiConnection(stack.socket, timeout=HANG)
        c.send_begin(keep_conn=True)
        c.send_params(cgi_params("POST", "/api/v1/events", body=b"{}" * 10,
                                 content_type="application/json"))
        c.send_stdin(b"{", terminate=False)
        c.close()
    try:
        with FcgiConnection(stack.socket, timeout=HANG) as c:
            assert c.request(cgi_params("GET", "/healthz")).status == 200
    except FcgiConnectionClosed as e:  # pragma: no cover - a failure message
        raise AssertionError("the socket stopped answering: %s" % e)
    assert stack.worker_pids() == workers
