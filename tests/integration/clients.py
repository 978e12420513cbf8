"""Clients the integration tests share: a Server-Sent Events reader and a
webhook receiver that checks signatures with the npm standardwebhooks
package (receiver.mjs)."""

import http.client
import json
import os
import socket
import subprocess
import time

from stack import REPO


class Stream:
    """A text/event-stream read line by line, as a browser would."""

    def __init__(self, s, path, headers):
        self.conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=8)
        self.conn.request("GET", path, headers=headers)
        self.resp = self.conn.getresponse()

    def events(self, count, timeout=8):
        got, current = [], {}
        deadline = time.time() + timeout
        while len(got) < count and time.time() < deadline:
            try:
                line = self.resp.fp.readline().decode()
            except (socket.timeout, TimeoutError):
                break
            if line == "":
                break  # the stream ended
            line = line.rstrip("\n")
            if line == "":
                if "data" in current:
                    got.append(current)
                current = {}
            elif not line.startswith(":"):
                k, _, v = line.partition(": ")
                current[k] = v
        return got

    def close(self):
        self.conn.close()


class Receiver:
    """receiver.mjs on a loopback port: logs each delivery and whether its signature verified."""

    def __init__(self, port, secret, plan, var):
        self.log = os.path.join(var, "receiver-%d.log" % port)
        open(self.log, "w").close()
        self.proc = subprocess.Popen(
            ["node", os.path.join(REPO, "tests/integration/receiver.mjs"), str(port), secret,
             self.log, plan], cwd=os.path.join(REPO, "tests"))
        deadline = time.time() + 5
        while time.time() < deadline:
            with socket.socket() as so:
                if so.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)

    def requests(self):
        with open(self.log) as f:
            return [json.loads(l) for l in f if l.strip()]

    def stop(self):
        self.proc.kill()
        self.proc.wait()



def sign_in(s, user, password=None):
    """Sign in to stack s as user (a demo user, unless password is given): the session's
    "name=value" cookie."""
    import os
    import re
    import urllib.parse

    if password is None:
        with open(os.path.join(s.var, "demo-logins.txt")) as f:
            password = re.search(r"login: %s\s+password: (\S+)" % user, f.read()).group(1)
    r = s.request("POST", "/login", body=urllib.parse.urlencode({"username": user, "password": password}),
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 303, r.text
    return r.headers["set-cookie"].split(";")[0]


def demo_login(s, user, password=None):
    """sign_in, and the CSRF token its pages carry: (cookie, csrf)."""
    import re

    cookie = sign_in(s, user, password)
    page = s.get("/", headers={"Cookie": cookie})
    return cookie, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
