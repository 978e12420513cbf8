"""What gatehouse-rehearse needs besides its scenarios: an HTTP client that
counts its requests, the worker and admin programs, a story clock, metric
samples, the webhook receiver, the printed table and the printed report.
Python 3 standard library only; it never opens the database."""

import hashlib
import http.client
import json
import math
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Surprise(Exception):
    """An outcome other than the one the scenario expects."""


def expect(condition, what, *details):
    if not condition:
        raise Surprise(what + "".join("\n    " + str(d) for d in details))


def iso(t):
    """RFC 3339 UTC with milliseconds, as Gatehouse writes times."""
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def utcnow():
    return datetime.now(timezone.utc)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gatehouse:
    """A running Gatehouse: JSON over HTTP through nginx, plus the worker and
    the admin CLI of this checkout pointed at the instance's configuration."""

    def __init__(self, url, config):
        parsed = urllib.parse.urlsplit(url)
        expect(parsed.scheme == "http" and parsed.hostname, "--url must be http://HOST:PORT, got %r" % url)
        self.url = url.rstrip("/")
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.config = config
        self.requests = 0

    # --- HTTP ---------------------------------------------------------------
    def raw(self, method, path, body=None, token=None, headers=None):
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = "Bearer " + token
        if body is not None:
            body = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            self.requests += 1
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def call(self, method, path, body=None, token=None, status=200):
        """The JSON answer's data; any other status than the one expected is a surprise."""
        got, _, raw = self.raw(method, path, body, token)
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        expect(got == status and doc is not None, "%s %s answered %d, expected %d" % (method, path, got, status),
               raw[:600].decode("utf-8", "replace"))
        return doc["data"] if status < 400 else doc["error"]

    def get(self, path, token):
        return self.call("GET", path, token=token)

    def pages(self, path, token, cursor=None):
        """Every item of a paged list (after cursor, when given)."""
        items = []
        while True:
            sep = "&" if "?" in path else "?"
            url = path + sep + "limit=200" + ("&cursor=" + urllib.parse.quote(str(cursor)) if cursor else "")
            got, _, raw = self.raw("GET", url, token=token)
            expect(got == 200, "GET %s answered %d" % (url, got), raw[:300])
            doc = json.loads(raw)
            items += doc["data"]
            cursor = doc["meta"].get("next_cursor")
            if not cursor:
                return items

    # --- the programs beside it ----------------------------------------------
    def admin(self, *args):
        r = subprocess.run([os.path.join(REPO, "bin/gatehouse"), "--config", self.config, *args],
                           capture_output=True, text=True, timeout=120)
        return r.returncode, r.stdout, r.stderr

    def worker(self, *args, now=None):
        """gatehouse-worker run ARGS [--now T]; its stdout. A failed job is a surprise."""
        cmd = [os.path.join(REPO, "bin/gatehouse-worker"), "--config", self.config, "run", *args]
        if now is not None:
            cmd += ["--now", iso(now)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        expect(r.returncode == 0, "%s exited %d" % (" ".join(cmd[3:]), r.returncode), r.stdout, r.stderr)
        return r.stdout


class Clock:
    """A scenario's story: T is the deployment's start, placed in the past so
    that "now" falls where the scenario's live part (votes, reports, the
    executor) belongs. The worker is run at story times with --now."""

    def __init__(self, now_offset):
        self.real_start = utcnow()
        self.T = self.real_start - now_offset

    def at(self, hours=0, minutes=0, seconds=0):
        return self.T + timedelta(hours=hours, minutes=minutes, seconds=seconds)

    def now(self):
        """The scenario's "now", where its live steps belong (they take seconds)."""
        return self.label(self.real_start)

    def label(self, t):
        s = int((t - self.T).total_seconds())
        sign = "-" if s < 0 else "+"
        s = abs(s)
        h, m, sec = s // 3600, s % 3600 // 60, s % 60
        text = "T%s%dh" % (sign, h)
        if m or sec:
            text += "%02dm" % m
        if sec:
            text += "%02ds" % sec
        return text


# --- metric samples ----------------------------------------------------------

# Steady values near the sample plan's reference numbers: (base, swing).
STEADY = {
    "error_rate": (0.0004, 0.00012),
    "response_time_p95_ms": (38.0, 6.0),
    "drift_ema": (0.08, 0.03),
    "cpu_overhead": (0.023, 0.004),
    "tag_accuracy": (0.97, 0.003),
    "memory_mb": (160.0, 14.0),
    "user_complaints": (0.0, 0.0),
    "false_positive_rate": (0.012, 0.003),
    "uptime": (0.9995, 0.0003),
    "critical_incidents": (0.0, 0.0),
}
# The rollback triggers' metrics are measured throughout, every phase.
WATCHED = ("error_rate", "response_time_p95_ms", "drift_ema")


def wiggle(k, m):
    """A smooth, repeatable wiggle in [-1, 1] for sample k of metric number m."""
    return 0.7 * math.sin(k * 0.37 + m) + 0.3 * math.sin(k * 1.9 + 2 * m)


def series(metric, t_from, t_to, step_s=600, base=None, swing=None):
    """Samples of metric every step_s seconds in [t_from, t_to)."""
    b, w = STEADY[metric]
    b = b if base is None else base
    w = w if swing is None else swing
    m = sorted(STEADY).index(metric) if metric in STEADY else 0
    out, t, k = [], t_from, 0
    while t < t_to:
        out.append({"name": metric, "value": round(b + w * wiggle(k, m), 6), "at": iso(t)})
        t += timedelta(seconds=step_s)
        k += 1
    return out


def phase_metrics(plan, phase_id):
    for ph in plan["phases"]:
        if ph["id"] == phase_id:
            return [c["metric"] for c in ph["criteria"]]
    raise Surprise("the plan has no phase %s" % phase_id)


def window_samples(plan, phase_id, t_from, t_to, overrides=None):
    """A phase's measurements over [t_from, t_to): its criteria's metrics and
    the watched ones, steady unless overridden (metric -> (base, swing))."""
    overrides = overrides or {}
    metrics = list(WATCHED) + [m for m in phase_metrics(plan, phase_id) if m not in WATCHED]
    out = []
    for metric in metrics:
        base, swing = overrides.get(metric, (None, None))
        out += series(metric, t_from, t_to, base=base, swing=swing)
    return out


# --- the webhook receiver ------------------------------------------------------

class Receiver:
    """tests/integration/receiver.mjs on a loopback port: every delivery is
    logged with whether its Standard Webhooks signature verified, checked by
    the npm standardwebhooks package (not Gatehouse's own code)."""

    def __init__(self, port, secret, log):
        self.log = log
        open(log, "w").close()
        modules = os.path.join(REPO, "tests/node_modules/standardwebhooks")
        expect(os.path.isdir(modules), "the receiver needs tests/node_modules (run: cd tests && npm ci)")
        self.proc = subprocess.Popen(
            ["node", os.path.join(REPO, "tests/integration/receiver.mjs"), str(port), secret, log, "200"],
            cwd=os.path.join(REPO, "tests"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            with socket.socket() as so:
                if so.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise Surprise("the webhook receiver did not start on port %d" % port)

    def deliveries(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


def webhook_key(body):
    """What identifies an event for the exactly-once check."""
    t, d = body["type"], body["data"]
    if t.startswith("approval.") or t.startswith("action."):
        return (t, d["id"])
    if t == "gate.evaluated":
        return (t, d["deployment"]["id"], d["decision"]["phase"], d["decision"]["proceed"])
    if t == "rollback.triggered":
        return (t, d["deployment"]["id"], d["rollback"]["trigger"]["name"], d["rollback"]["trigger"]["action"])
    if t == "deployment.signed_off":
        return (t, d["deployment"]["id"], d["signoff"]["decision"])
    if t.startswith("freeze."):
        return (t, d["freeze"], d["path"], d["kind"])
    return (t, json.dumps(d, sort_keys=True))


# --- the printed table ---------------------------------------------------------

COLUMNS = ("phase", "time", "decision", "blockers", "approvals", "events")


class Table:
    def __init__(self, title):
        self.title = title
        self.rows = []
        self.note = ""  # when the live steps happened, printed under the table

    def add(self, **row):
        self.rows.append(tuple(str(row.get(c, "") or "—") for c in COLUMNS))

    def render(self):
        widths = [max(len(c), *(len(r[i]) for r in self.rows)) if self.rows else len(c)
                  for i, c in enumerate(COLUMNS)]
        line = lambda cells: "| " + " | ".join(v.ljust(w) for v, w in zip(cells, widths)) + " |"
        out = [self.title, line(COLUMNS), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line(r) for r in self.rows]
        if self.note:
            out.append(self.note)
        return "\n".join(out)


def summarize_types(types):
    """["a", "b", "a"] -> "a ×2, b" in first-seen order."""
    counts = {}
    for t in types:
        counts[t] = counts.get(t, 0) + 1
    return ", ".join(t if n == 1 else "%s ×%d" % (t, n) for t, n in counts.items())


# --- the report, saved and printed ----------------------------------------------

def standalone_html(html, css, base_url):
    """The report as served, made to stand alone: the stylesheet inlined, the
    icon dropped, links resolved against the server."""
    link = '<link rel="stylesheet" href="/static/gatehouse.css">'
    expect(link in html, "the report page no longer links /static/gatehouse.css as expected")
    html = html.replace(link, "<style>\n" + css + "\n</style>")
    html = re.sub(r'<link rel="icon"[^>]*>\n?', "", html)
    return html.replace("<head>", '<head>\n<base href="%s/">' % base_url, 1)


def pdf_pages(pdf):
    """Pages in a PDF as Chromium writes it: one /Type /Page object each."""
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def pdf_media_boxes(pdf):
    return [tuple(float(x) for x in m.split()) for m in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)]


def print_pdf(html_path, pdf_path):
    """Chromium prints the saved page (its @page rule asks for A4)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    expect(chromium is not None, "chromium is not installed (Debian package chromium)")
    profile = tempfile.mkdtemp(prefix="gh-rehearse-chromium-")
    try:
        cmd = [chromium, "--headless", "--disable-gpu", "--no-pdf-header-footer", "--user-data-dir=" + profile,
               "--print-to-pdf=" + pdf_path, "file://" + os.path.abspath(html_path)]
        if os.geteuid() == 0:
            cmd.insert(2, "--no-sandbox")  # Chromium refuses to run its sandbox as root
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        expect(r.returncode == 0 and os.path.exists(pdf_path), "chromium --print-to-pdf failed", r.stderr[-800:])
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    with open(pdf_path, "rb") as f:
        return f.read()


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def verify_ledger_export(ndjson):
    """docs/ledger.md's independent check of an export: every link, every
    hash, and times that never go back. Returns (entries, head)."""
    prev, last_at, n = "0" * 64, "", 0
    for n, line in enumerate(ndjson.decode().splitlines(), start=1):
        e = json.loads(line)
        text = "\n".join([e["prev_hash"], str(e["seq"]), e["at"], e["actor"], e["kind"], e["subject"],
                          e["payload_json"]])
        expect(e["seq"] == n and e["prev_hash"] == prev, "the exported ledger's chain breaks at entry %d" % n)
        expect(hashlib.sha256(text.encode()).hexdigest() == e["hash"], "ledger entry %d does not hash" % n)
        expect(e["at"] >= last_at, "ledger entry %d is stamped %s, before %s" % (n, e["at"], last_at))
        prev, last_at = e["hash"], e["at"]
    return n, prev
