"""A real Gatehouse for the integration tests: conf/dev/run (the very script
behind `make run`) starts gatehouse.fcgi behind nginx on a free loopback port
in a temporary folder, and this class speaks HTTP to it."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


class Stack:
    """One running instance: nginx + gatehouse.fcgi, state under self.var."""

    def __init__(self, conf_extra="", var=None):
        self.var = var or tempfile.mkdtemp(prefix="gh-it-", dir="/tmp")
        self.port = free_port()
        self.conf = os.path.join(self.var, "gatehouse.conf")
        self.socket = os.path.join(self.var, "gatehouse.sock")
        self.log = os.path.join(self.var, "logs", "gatehouse.log")
        self.proc = None
        if conf_extra and not os.path.exists(self.conf):
            # The run script keeps an existing configuration: write ours first.
            with open(self.conf, "w") as f:
                f.write(
                    f"database = {self.var}/gatehouse.db\n"
                    f"signing_key = {self.var}/signing.key\n"
                    f"socket = {self.socket}\n"
                    f"templates = {REPO}/templates\n"
                    f"public_url = http://127.0.0.1:{self.port}\n"
                    + conf_extra
                )

    def start(self):
        env = dict(os.environ, VAR=self.var, PORT=str(self.port), WORKER="0")
        self.out = open(os.path.join(self.var, "run.out"), "ab")
        self.proc = subprocess.Popen(
            [os.path.join(REPO, "conf/dev/run")], env=env, stdout=self.out, stderr=subprocess.STDOUT
        )
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("conf/dev/run exited:\n" + self.run_output())
            try:
                if self.get("/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the stack did not answer /healthz:\n" + self.run_output())

    def run_output(self):
        with open(os.path.join(self.var, "run.out"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def app_log(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def sanitizer_reports(self):
        """Sanitizer reports in the application log, except one known fault of
        Debian's libfcgi 2.4.2 that a test provokes on purpose: a hostile
        PARAMS record makes its ReadParams ask malloc for nameLen+valueLen+2
        overflowed to ~2^64 bytes (CVE-2025-23016 class). The worker dies and
        the master replaces it; the report is libfcgi's, not ours."""
        lines = self.app_log().splitlines()
        reports = []
        for i, line in enumerate(lines):
            if not any(m in line for m in SANITIZER_MARKS):
                continue
            pid = line.split("==")[1] if line.startswith("==") else None
            frames = [l for l in lines[i + 1:i + 12] if l.strip().startswith("#")]
            libfcgi_overflow = (
                "requested allocation size 0xffffffff" in line
                and len(frames) > 1 and "libfcgi.so" in frames[1]
            )
            if not libfcgi_overflow:
                reports.append(line if pid is None else "[pid %s] %s" % (pid, line))
        return reports

    # --- HTTP through nginx -------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    # --- processes ------------------------------------------------------------
    def master_pid(self):
        with open(os.path.join(self.var, "app.pid")) as f:
            return int(f.read())

    def worker_pids(self):
        master = self.master_pid()
        pids = []
        for task in os.listdir(f"/proc/{master}/task"):
            with open(f"/proc/{master}/task/{task}/children") as f:
                pids += [int(p) for p in f.read().split()]
        return sorted(pids)

    def admin(self, *args, stdin=None):
        return subprocess.run(
            [os.path.join(REPO, "bin/gatehouse"), "--config", self.conf, *args],
            input=stdin, capture_output=True, text=True, timeout=60,
        )


def is_generated_request_id(value):
    return re.fullmatch(r"[0-9a-f]{24}", value) is not None
