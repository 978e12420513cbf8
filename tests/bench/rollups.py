#!/usr/bin/env python3
"""The aggregate job's figures (issue 14), on a database of its own:

  rollups.py CONF EVENTS APPROVALS

fills the database of CONF (created by `gatehouse init`) with EVENTS events
and APPROVALS approval requests spread over the last 30 days (with missions
and webhook deliveries), then times the first run of the aggregate job (the
backfill) with its peak memory, then adds one hour's worth of new records
and times the incremental run. Prints one line per figure."""

import os
import random
import sqlite3
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
conf, n_events, n_approvals = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
db_path = [line.split("=", 1)[1].strip() for line in open(conf) if line.startswith("database")][0]
random.seed(14)
now = int(time.time() * 1000)
span = 30 * 86400 * 1000
FAMILIES = ["deploy", "agentic", "error", "build", "test", "scan", "alert", "release", "infra", "cost"]


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def fill(db, first_event, events, first_approval, approvals, lo, hi):
    """events and approvals with times in [lo, hi)."""
    # Missions last active at different times, as real ones are.
    missions = [("bench-m-%d" % i, iso(lo), iso(lo + (hi - lo) * i // 1000), lo + (hi - lo) * i // 1000)
                for i in range(1000)]
    db.executemany("INSERT OR IGNORE INTO missions (id, title, status, opened_at, updated_at, updated_ms)"
                   " VALUES (?1, ?1, 'active', ?2, ?3, ?4)", missions)
    # In time order, as events arrive: indexes grow at their ends.
    times = sorted(random.randrange(lo, hi) for _ in range(events))
    rows = [("e%d" % (first_event + i), "bench", "%s.step" % random.choice(FAMILIES),
             "bench-m-%d" % random.randrange(1000), iso(at), at, iso(at)) for i, at in enumerate(times)]
    db.executemany("INSERT INTO events (id, source, type, mission_id, occurred_at, occurred_ms,"
                   " received_at, payload_json) VALUES (?, ?, ?, ?, ?, ?, ?, '{}')", rows)
    rows = []
    for i, filed in enumerate(sorted(random.randrange(lo, hi) for _ in range(approvals))):
        tier = random.choice([1, 2, 2, 2, 3])
        roll = random.random()
        status = ("pending" if roll < 0.1 else "approved" if roll < 0.7 else "denied" if roll < 0.85
                  else "expired" if roll < 0.95 else "cancelled")
        if tier == 1:
            status = "approved"
        elif status == "pending" and filed < now - 86_400_000:
            status = "expired"  # what the worker's expire-approvals job makes of it
        decided = None if status == "pending" else min(filed + (0 if tier == 1 else random.randrange(60_000, 7_200_000)), now)
        rows.append((first_approval + i, tier, status, iso(filed), iso(filed + 86_400_000), filed + 86_400_000,
                     iso(decided) if decided else None, decided))
    db.executemany("INSERT INTO approvals (id, action_type, target, tier, reason, params_json, status,"
                   " requested_by, created_at, expires_at, expires_ms, required_approvals, decided_at,"
                   " decided_ms) VALUES (?, 'restart_service', 'api', ?, '', '{}', ?, 'bench', ?, ?, ?, 1, ?, ?)",
                   rows)
    db.execute("INSERT OR IGNORE INTO webhook_subscriptions (id, url, events, description, secret, state,"
               " created_at) VALUES (1, 'http://127.0.0.1:9/', '*', 'bench', 's', 'active', '')")
    rows = []
    for i in range(events // 20):
        end = random.randrange(lo, hi)
        rows.append(("d-%d-%d" % (first_event, i), "delivered" if random.random() < 0.97 else "failed", end, end))
    db.executemany("INSERT INTO webhook_deliveries (subscription_id, msg_id, event_type, body, status,"
                   " next_attempt_ms, created_at, finished_ms) VALUES (1, ?, 'bench', '{}', ?, ?, '', ?)", rows)


def aggregate():
    """Run the job once: (seconds, peak RSS in MiB, its last log line)."""
    # GNU time reports the worker's own peak; a forked Python child would count this process.
    r = subprocess.run(["/usr/bin/time", "-f", "bench-time %e %M", os.path.join(REPO, "bin/gatehouse-worker"),
                        "--config", conf, "run", "--job", "aggregate"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("aggregate failed: " + r.stderr)
    lines = r.stderr.strip().splitlines()
    took, peak = [float(v) for v in lines[-1].split()[1:]]
    return took, peak / 1024, lines[-2] if len(lines) > 1 else ""


db = sqlite3.connect(db_path, isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("BEGIN")
started = time.monotonic()
fill(db, 0, n_events, 1, n_approvals, now - span, now - 3_600_000)
db.execute("COMMIT")
print("fixture: %d events, %d approvals, %d deliveries over 30 days (%.1f s to load)"
      % (n_events, n_approvals, n_events // 20, time.monotonic() - started))

took, peak, line = aggregate()
print("backfill: %.2f s, peak RSS %.1f MiB (target < 10 s) -- %s" % (took, peak, line))
took, _, line = aggregate()
print("rerun with nothing new: %.0f ms -- %s" % (took * 1000, line))

# An hour's worth of new records at the 30-day average rate, and one late event five hours back.
per_hour_events, per_hour_approvals = n_events // 720, n_approvals // 720
db.execute("BEGIN")
fill(db, n_events, per_hour_events, n_approvals + 1, per_hour_approvals, now - 3_600_000, now)
late = now - 5 * 3_600_000
db.execute("INSERT INTO events (id, source, type, occurred_at, occurred_ms, received_at, payload_json)"
           " VALUES ('late', 'bench', 'late.step', ?, ?, ?, '{}')", (iso(late), late, iso(now)))
db.execute("COMMIT")
took, _, line = aggregate()
print("incremental run after an hour of %d events and %d approvals (and one late event): %.0f ms"
      " (target < 200 ms) -- %s" % (per_hour_events, per_hour_approvals, took * 1000, line))
