/* The versioned schema (see migrations.h). */
#include "migrations.h"

#include "deploy_store.h"

/*
 * A trigger that marks an hour of a family of sources for the aggregate job
 * (migration 10), in the writer's own transaction: one small insert a row,
 * nothing when the hour is marked already. when guards the times that may
 * be NULL, so a mark never refuses the writer's change.
 */
#define MARK(name, event, when, family, hour)                                                      \
    "CREATE TRIGGER " name " " event " " when " BEGIN INSERT OR IGNORE INTO stat_dirty"            \
    " (hour, family) VALUES (" hour ", '" family "'); END;"
#define HOUR_OF_TEXT(t) "substr(" t ", 1, 13)"
#define HOUR_OF_MS(ms)  "strftime('%Y-%m-%dT%H', " ms " / 1000, 'unixepoch')"

/* clang-format off */
const struct migration migrations[] = {
    {1, "schema_migrations",
     "CREATE TABLE schema_migrations ("
     "  version INTEGER PRIMARY KEY,"
     "  name TEXT NOT NULL,"
     "  applied_at TEXT NOT NULL"
     ") STRICT;", NULL},
    {2, "identity: users, sessions, tokens, login failures, webhook sources",
     /* roles is a bit set: 1 viewer, 2 requester, 4 approver, 8 executive, 16 admin. */
     "CREATE TABLE users ("
     "  id INTEGER PRIMARY KEY,"
     "  username TEXT NOT NULL UNIQUE,"
     "  display_name TEXT NOT NULL,"
     "  password_hash TEXT,"
     "  roles INTEGER NOT NULL CHECK (roles BETWEEN 0 AND 31),"
     "  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL"
     ") STRICT;"
     "CREATE TABLE sessions ("
     "  id_hash BLOB PRIMARY KEY,"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  csrf TEXT NOT NULL,"
     "  created_ms INTEGER NOT NULL,"
     "  last_seen_ms INTEGER NOT NULL"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX sessions_by_user ON sessions(user_id);"
     "CREATE TABLE tokens ("
     "  id INTEGER PRIMARY KEY,"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  hash BLOB NOT NULL UNIQUE,"
     "  created_at TEXT NOT NULL,"
     "  last_used_ms INTEGER,"
     "  revoked_at TEXT"
     ") STRICT;"
     "CREATE TABLE login_failures ("
     "  scope TEXT NOT NULL,"
     "  at_ms INTEGER NOT NULL"
     ") STRICT;"
     "CREATE INDEX login_failures_by_scope ON login_failures(scope, at_ms);"
     "CREATE TABLE webhook_sources ("
     "  id INTEGER PRIMARY KEY,"
     "  name TEXT NOT NULL UNIQUE,"
     "  secret TEXT NOT NULL,"
     "  created_at TEXT NOT NULL"
     ") STRICT;", NULL},
    {3, "ledger, checkpoints, worker leases and runs",
     "CREATE TABLE ledger ("
     "  seq INTEGER PRIMARY KEY,"
     "  at TEXT NOT NULL,"
     "  actor TEXT NOT NULL,"
     "  kind TEXT NOT NULL,"
     "  subject TEXT NOT NULL,"
     "  payload_json TEXT NOT NULL,"
     "  prev_hash TEXT NOT NULL,"
     "  hash TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX ledger_by_kind ON ledger(kind, seq);"
     "CREATE INDEX ledger_by_subject ON ledger(subject, seq);"
     "CREATE TABLE ledger_checkpoints ("
     "  seq INTEGER PRIMARY KEY,"
     "  hash TEXT NOT NULL,"
     "  at TEXT NOT NULL,"
     "  origin TEXT NOT NULL,"
     "  note TEXT NOT NULL,"
     "  signature TEXT NOT NULL,"
     "  public_key TEXT NOT NULL"
     ") STRICT;"
     "CREATE TABLE worker_leases ("
     "  job TEXT PRIMARY KEY,"
     "  holder TEXT NOT NULL,"
     "  expires_ms INTEGER NOT NULL"
     ") STRICT;"
     "CREATE TABLE worker_runs ("
     "  id INTEGER PRIMARY KEY,"
     "  job TEXT NOT NULL,"
     "  started_at TEXT NOT NULL,"
     "  started_ms INTEGER NOT NULL,"
     "  ended_at TEXT,"
     "  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),"
     "  summary TEXT,"
     "  error TEXT"
     ") STRICT;"
     "CREATE INDEX worker_runs_by_job ON worker_runs(job, id);", NULL},
    {4, "outbound webhooks: subscriptions and the delivery outbox",
     "CREATE TABLE webhook_subscriptions ("
     "  id INTEGER PRIMARY KEY,"
     "  url TEXT NOT NULL,"
     "  events TEXT NOT NULL,"
     "  description TEXT NOT NULL,"
     "  secret TEXT NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('active', 'disabled', 'deleted')),"
     "  state_reason TEXT,"
     "  created_at TEXT NOT NULL"
     ") STRICT;"
     "CREATE TABLE webhook_deliveries ("
     "  id INTEGER PRIMARY KEY,"
     "  subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions(id),"
     "  msg_id TEXT NOT NULL UNIQUE,"
     "  event_type TEXT NOT NULL,"
     "  body TEXT NOT NULL,"
     "  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),"
     "  attempts INTEGER NOT NULL DEFAULT 0,"
     "  last_status_code INTEGER,"
     "  last_error TEXT,"
     "  next_attempt_ms INTEGER NOT NULL,"
     "  lease_until_ms INTEGER NOT NULL DEFAULT 0,"
     "  delivered_at TEXT,"
     "  created_at TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_ms);"
     "CREATE INDEX webhook_deliveries_by_sub ON webhook_deliveries(subscription_id, id);", NULL},
    {5, "events and missions",
     "CREATE TABLE missions ("
     "  id TEXT PRIMARY KEY,"
     "  title TEXT NOT NULL,"
     "  status TEXT NOT NULL CHECK (status IN ('active', 'resolved', 'failed', 'rolled_back')),"
     "  opened_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL,"
     "  updated_ms INTEGER NOT NULL,"
     "  closed_at TEXT,"
     "  summary TEXT"
     ") STRICT;"
     "CREATE INDEX missions_by_activity ON missions(updated_ms, id);"
     "CREATE TABLE events ("
     "  seq INTEGER PRIMARY KEY,"
     "  id TEXT NOT NULL,"
     "  source TEXT NOT NULL,"
     "  type TEXT NOT NULL,"
     "  mission_id TEXT REFERENCES missions(id),"
     "  correlation_id TEXT,"
     "  occurred_at TEXT NOT NULL,"
     "  occurred_ms INTEGER NOT NULL,"
     "  received_at TEXT NOT NULL,"
     "  payload_json TEXT NOT NULL,"
     "  webhook_id TEXT,"
     "  UNIQUE (source, id)"
     ") STRICT;"
     "CREATE UNIQUE INDEX events_by_webhook_id ON events(webhook_id) WHERE webhook_id IS NOT NULL;"
     "CREATE INDEX events_timeline ON events(mission_id, occurred_ms, seq);"
     "CREATE INDEX events_by_correlation ON events(correlation_id, seq);"
     "CREATE INDEX events_by_type ON events(type, seq);", NULL},
    {6, "approvals, their votes and idempotency keys",
     /* The mission row is opened by the approval's first event, later in the same transaction. */
     "CREATE TABLE approvals ("
     "  id INTEGER PRIMARY KEY,"
     "  action_type TEXT NOT NULL,"
     "  target TEXT NOT NULL,"
     "  tier INTEGER NOT NULL CHECK (tier IN (1, 2, 3)),"
     "  reason TEXT NOT NULL,"
     "  mission_id TEXT REFERENCES missions(id) DEFERRABLE INITIALLY DEFERRED,"
     "  params_json TEXT NOT NULL,"
     "  status TEXT NOT NULL"
     "    CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'cancelled')),"
     "  requested_by TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  expires_at TEXT NOT NULL,"
     "  expires_ms INTEGER NOT NULL,"
     "  required_approvals INTEGER NOT NULL CHECK (required_approvals BETWEEN 0 AND 2),"
     "  break_glass_required INTEGER NOT NULL DEFAULT 0 CHECK (break_glass_required IN (0, 1)),"
     "  decided_at TEXT,"
     "  decided_ms INTEGER,"
     "  decided_by TEXT,"
     "  execution_json TEXT"
     ") STRICT;"
     "CREATE INDEX approvals_by_status ON approvals(status, id);"
     "CREATE INDEX approvals_by_mission ON approvals(mission_id, id);"
     "CREATE INDEX approvals_decided ON approvals(decided_ms, id) WHERE decided_ms IS NOT NULL;"
     "CREATE INDEX approvals_expiring ON approvals(expires_ms) WHERE status = 'pending';"
     /* roles: the voter's role bits when the vote was cast (break-glass needs an executive). */
     "CREATE TABLE approval_votes ("
     "  approval_id INTEGER NOT NULL REFERENCES approvals(id),"
     "  voter TEXT NOT NULL,"
     "  roles INTEGER NOT NULL,"
     "  verdict TEXT NOT NULL CHECK (verdict IN ('approve', 'deny')),"
     "  comment TEXT NOT NULL,"
     "  at TEXT NOT NULL,"
     "  at_ms INTEGER NOT NULL,"
     "  PRIMARY KEY (approval_id, voter)"
     ") STRICT, WITHOUT ROWID;"
     /* A client's Idempotency-Key: the body it came with and the answer it got. */
     "CREATE TABLE idempotency_keys ("
     "  username TEXT NOT NULL,"
     "  key TEXT NOT NULL,"
     "  body_hash BLOB NOT NULL,"
     "  response_json TEXT NOT NULL,"
     "  created_ms INTEGER NOT NULL,"
     "  PRIMARY KEY (username, key)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_ms);", NULL},
    {7, "plans, deployments, metric samples, gate decisions, triggers fired, sign-offs",
     /* A plan's revision moves when its content changes; deployments keep their own. */
     "CREATE TABLE plans ("
     "  name TEXT PRIMARY KEY,"
     "  revision INTEGER NOT NULL,"
     "  document_json TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL"
     ") STRICT;"
     /* num is the compact key the sample tables use; id is the client's. */
     "CREATE TABLE deployments ("
     "  num INTEGER PRIMARY KEY,"
     "  id TEXT NOT NULL UNIQUE,"
     "  name TEXT NOT NULL,"
     "  plan_name TEXT NOT NULL,"
     "  plan_revision INTEGER NOT NULL,"
     "  plan_json TEXT NOT NULL,"
     "  mission_id TEXT NOT NULL REFERENCES missions(id) DEFERRABLE INITIALLY DEFERRED,"
     "  started_at TEXT NOT NULL,"
     "  started_ms INTEGER NOT NULL,"
     "  status TEXT NOT NULL CHECK (status IN"
     "    ('in_progress', 'held', 'rolling_back', 'rolled_back', 'approved', 'rejected')),"
     "  status_at TEXT NOT NULL,"
     "  status_by TEXT NOT NULL,"
     "  status_comment TEXT NOT NULL DEFAULT '',"
     "  created_by TEXT NOT NULL,"
     "  created_at TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX deployments_by_status ON deployments(status, num);"
     /* phase: the index of the plan phase the sample's time falls in (-1: before the first). */
     "CREATE TABLE deployment_samples ("
     "  id INTEGER PRIMARY KEY,"
     "  deployment INTEGER NOT NULL REFERENCES deployments(num),"
     "  metric TEXT NOT NULL,"
     "  phase INTEGER NOT NULL,"
     "  at_ms INTEGER NOT NULL,"
     "  value REAL NOT NULL"
     ") STRICT;"
     /* Triggers and windows read by time; p95 reads a phase's values from the top. */
     "CREATE INDEX deployment_samples_by_time ON deployment_samples(deployment, metric, at_ms,"
     " value);"
     "CREATE INDEX deployment_samples_by_value ON deployment_samples(deployment, metric, phase,"
     " value);"
     /* The criterion engine's running aggregates of each (metric, phase), kept as samples
      * arrive.
      */
     "CREATE TABLE deployment_aggregates ("
     "  deployment INTEGER NOT NULL,"
     "  metric TEXT NOT NULL,"
     "  phase INTEGER NOT NULL,"
     "  count INTEGER NOT NULL,"
     "  sum REAL NOT NULL,"
     "  min REAL NOT NULL,"
     "  max REAL NOT NULL,"
     "  last_at INTEGER NOT NULL,"
     "  last_value REAL NOT NULL,"
     "  PRIMARY KEY (deployment, metric, phase)"
     ") STRICT, WITHOUT ROWID;"
     /* Per-minute rollups for the report's charts. */
     "CREATE TABLE deployment_minutes ("
     "  deployment INTEGER NOT NULL,"
     "  metric TEXT NOT NULL,"
     "  minute INTEGER NOT NULL,"
     "  count INTEGER NOT NULL,"
     "  sum REAL NOT NULL,"
     "  min REAL NOT NULL,"
     "  max REAL NOT NULL,"
     "  PRIMARY KEY (deployment, metric, minute)"
     ") STRICT, WITHOUT ROWID;"
     /* scheduled: the worker's one evaluation of the phase when its time arrived. */
     "CREATE TABLE gate_decisions ("
     "  id INTEGER PRIMARY KEY,"
     "  deployment INTEGER NOT NULL REFERENCES deployments(num),"
     "  phase TEXT NOT NULL,"
     "  proceed INTEGER NOT NULL CHECK (proceed IN (0, 1)),"
     "  evaluated_at TEXT NOT NULL,"
     "  evaluated_ms INTEGER NOT NULL,"
     "  evaluated_by TEXT NOT NULL,"
     "  scheduled INTEGER NOT NULL CHECK (scheduled IN (0, 1)),"
     "  decision_json TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX gate_decisions_by_phase ON gate_decisions(deployment, phase, id);"
     "CREATE INDEX gate_decisions_by_deployment ON gate_decisions(deployment, id);"
     "CREATE UNIQUE INDEX gate_decisions_scheduled ON gate_decisions(deployment, phase)"
     " WHERE scheduled = 1;"
     "CREATE TABLE deployment_triggers_fired ("
     "  id INTEGER PRIMARY KEY,"
     "  deployment INTEGER NOT NULL REFERENCES deployments(num),"
     "  trigger TEXT NOT NULL,"
     "  action TEXT NOT NULL,"
     "  fired_at TEXT NOT NULL,"
     "  fired_ms INTEGER NOT NULL,"
     "  evidence_json TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX deployment_triggers_fired_by_deployment ON "
     "deployment_triggers_fired(deployment,"
     " id);"
     "CREATE TABLE deployment_signoffs ("
     "  id INTEGER PRIMARY KEY,"
     "  deployment INTEGER NOT NULL REFERENCES deployments(num),"
     "  decision TEXT NOT NULL CHECK (decision IN ('APPROVED', 'REJECTED', 'HOLD')),"
     "  by TEXT NOT NULL,"
     "  display_name TEXT NOT NULL,"
     "  at TEXT NOT NULL,"
     "  comment TEXT NOT NULL,"
     "  override INTEGER NOT NULL CHECK (override IN (0, 1)),"
     "  recommendation TEXT NOT NULL"
     ") STRICT;"
     "CREATE INDEX deployment_signoffs_by_deployment ON deployment_signoffs(deployment, id);", NULL},
    {8, "freezes: manifests, checks and violations",
     /*
      * root names a freeze_root.NAME of the configuration (NULL: verified by
      * reports only); closed: files the walk finds beyond the manifest are
      * unexpected; include_json: the walk's globs. The window is both NULL
      * or both set; lifted_ms ends it early. manifest_sha256 identifies the
      * manifest for idempotent creation.
      */
     "CREATE TABLE freezes ("
     "  id INTEGER PRIMARY KEY,"
     "  name TEXT NOT NULL UNIQUE,"
     "  description TEXT NOT NULL,"
     "  root TEXT,"
     "  closed INTEGER NOT NULL CHECK (closed IN (0, 1)),"
     "  include_json TEXT NOT NULL,"
     "  window_starts_at TEXT,"
     "  window_starts_ms INTEGER,"
     "  window_ends_at TEXT,"
     "  window_ends_ms INTEGER,"
     "  lifted_at TEXT,"
     "  lifted_ms INTEGER,"
     "  lifted_by TEXT,"
     "  manifest_sha256 BLOB NOT NULL,"
     "  artifact_count INTEGER NOT NULL,"
     "  total_bytes INTEGER NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('unverified', 'intact', 'violated')),"
     "  last_check_id INTEGER,"
     "  last_checked_ms INTEGER,"
     "  created_at TEXT NOT NULL,"
     "  created_ms INTEGER NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  CHECK ((window_starts_ms IS NULL) = (window_ends_ms IS NULL)),"
     "  CHECK (window_starts_ms IS NULL OR window_starts_ms < window_ends_ms)"
     ") STRICT;"
     /* The windows that may still matter: asked on every approval filed and every vote. */
     "CREATE INDEX freezes_open_windows ON freezes(window_ends_ms)"
     "  WHERE window_ends_ms IS NOT NULL AND lifted_ms IS NULL;"
     /* seq: the artifact's place in the manifest sorted by path (keyset paging). */
     "CREATE TABLE freeze_artifacts ("
     "  freeze_id INTEGER NOT NULL REFERENCES freezes(id),"
     "  seq INTEGER NOT NULL,"
     "  path TEXT NOT NULL,"
     "  sha256 BLOB NOT NULL CHECK (length(sha256) = 32),"
     "  size INTEGER NOT NULL CHECK (size >= 0),"
     "  PRIMARY KEY (freeze_id, seq),"
     "  UNIQUE (freeze_id, path)"
     ") STRICT, WITHOUT ROWID;"
     /* source: worker (the verify-freezes job), cli (`gatehouse freeze verify`), report. */
     "CREATE TABLE freeze_checks ("
     "  id INTEGER PRIMARY KEY,"
     "  freeze_id INTEGER NOT NULL REFERENCES freezes(id),"
     "  source TEXT NOT NULL CHECK (source IN ('worker', 'cli', 'report')),"
     "  checked_by TEXT NOT NULL,"
     "  checked_at TEXT NOT NULL,"
     "  checked_ms INTEGER NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('intact', 'violated')),"
     "  artifacts_checked INTEGER NOT NULL,"
     "  bytes_hashed INTEGER NOT NULL,"
     "  modified INTEGER NOT NULL,"
     "  missing INTEGER NOT NULL,"
     "  unexpected INTEGER NOT NULL,"
     "  opened INTEGER NOT NULL,"
     "  restored INTEGER NOT NULL"
     ") STRICT;"
     "CREATE INDEX freeze_checks_by_freeze ON freeze_checks(freeze_id, id);"
     /*
      * A violation stands until a check finds its path right again
      * (resolution 'restored') or wrong in another way ('superseded' by a
      * new one); one standing violation per path. Acknowledging adds the
      * admin's comment and changes nothing else.
      */
     "CREATE TABLE freeze_violations ("
     "  id INTEGER PRIMARY KEY,"
     "  freeze_id INTEGER NOT NULL REFERENCES freezes(id),"
     "  path TEXT NOT NULL,"
     "  kind TEXT NOT NULL CHECK (kind IN ('modified', 'missing', 'unexpected')),"
     "  expected_sha256 BLOB,"
     "  expected_size INTEGER,"
     "  actual_sha256 BLOB,"
     "  actual_size INTEGER,"
     "  detected_at TEXT NOT NULL,"
     "  detected_ms INTEGER NOT NULL,"
     "  detected_check_id INTEGER NOT NULL REFERENCES freeze_checks(id),"
     "  resolved_at TEXT,"
     "  resolved_ms INTEGER,"
     "  resolution TEXT CHECK (resolution IN ('restored', 'superseded')),"
     "  resolved_check_id INTEGER REFERENCES freeze_checks(id),"
     "  acked_at TEXT,"
     "  acked_by TEXT,"
     "  ack_comment TEXT,"
     "  CHECK ((resolved_ms IS NULL) = (resolution IS NULL))"
     ") STRICT;"
     "CREATE UNIQUE INDEX freeze_violations_standing ON freeze_violations(freeze_id, path)"
     "  WHERE resolved_ms IS NULL;"
     "CREATE INDEX freeze_violations_by_freeze ON freeze_violations(freeze_id, id);", NULL},
    {9, "verified actions: contracts, snapshots, verification, rollback, contract samples",
     /* verification_state mirrors verification_json for filtering and the deadline job. */
     "ALTER TABLE approvals ADD COLUMN contract_json TEXT;"
     "ALTER TABLE approvals ADD COLUMN snapshot_json TEXT;"
     "ALTER TABLE approvals ADD COLUMN verification_state TEXT"
     "  CHECK (verification_state IN ('pending', 'verified', 'violated', 'unverifiable'));"
     "ALTER TABLE approvals ADD COLUMN verification_json TEXT;"
     "ALTER TABLE approvals ADD COLUMN verify_deadline_ms INTEGER;"
     "ALTER TABLE approvals ADD COLUMN rollback_json TEXT;"
     "CREATE INDEX approvals_by_verification ON approvals(verification_state, id)"
     " WHERE verification_state IS NOT NULL;"
     "CREATE INDEX approvals_verifying ON approvals(verify_deadline_ms)"
     " WHERE verification_state = 'pending';"
     "CREATE TABLE approval_samples ("
     "  approval_id INTEGER NOT NULL REFERENCES approvals(id),"
     "  metric TEXT NOT NULL,"
     "  at_ms INTEGER NOT NULL,"
     "  value REAL NOT NULL"
     ") STRICT;"
     /* p95 reads a metric's values from the top; the other aggregates are kept running. */
     "CREATE INDEX approval_samples_by_value ON approval_samples(approval_id, metric, value);"
     "CREATE TABLE approval_aggregates ("
     "  approval_id INTEGER NOT NULL,"
     "  metric TEXT NOT NULL,"
     "  count INTEGER NOT NULL,"
     "  sum REAL NOT NULL,"
     "  min REAL NOT NULL,"
     "  max REAL NOT NULL,"
     "  last_at INTEGER NOT NULL,"
     "  last_value REAL NOT NULL,"
     "  PRIMARY KEY (approval_id, metric)"
     ") STRICT, WITHOUT ROWID;", NULL},
    {10, "rollups of the aggregate job: hourly and daily buckets, totals, dirty hours",
     /* When a delivery ended, delivered or given up: its hour in the rollups. */
     "ALTER TABLE webhook_deliveries ADD COLUMN finished_ms INTEGER;"
     "UPDATE webhook_deliveries SET finished_ms = CASE status"
     "  WHEN 'delivered' THEN CAST(round((julianday(delivered_at) - 2440587.5) * 86400000)"
     "    AS INTEGER)"
     "  WHEN 'failed' THEN next_attempt_ms END;"
     /* Each source read by the hour: a range of one of these per hour recomputed. */
     "CREATE INDEX webhook_deliveries_finished ON webhook_deliveries(finished_ms)"
     " WHERE finished_ms IS NOT NULL;"
     "CREATE INDEX events_by_time ON events(occurred_ms, type);"
     "CREATE INDEX approvals_by_created ON approvals(created_at);"
     "CREATE INDEX missions_by_opening ON missions(opened_at);"
     "CREATE INDEX missions_by_closing ON missions(closed_at) WHERE closed_at IS NOT NULL;"
     "CREATE INDEX gate_decisions_by_time ON gate_decisions(evaluated_ms);"
     "CREATE INDEX deployment_triggers_fired_by_time ON deployment_triggers_fired(fired_ms);"
     "CREATE INDEX freeze_violations_by_detection ON freeze_violations(detected_ms);"
     "CREATE INDEX freeze_violations_by_resolution ON freeze_violations(resolved_ms)"
     " WHERE resolved_ms IS NOT NULL;"
     /* When a contract was judged and a rollback asked for, as columns an index can hold. */
     "ALTER TABLE approvals ADD COLUMN verified_ms INTEGER;"
     "ALTER TABLE approvals ADD COLUMN rollback_ms INTEGER;"
     "UPDATE approvals SET verified_ms = CAST(round((julianday(json_extract(verification_json,"
     "  '$.decided_at')) - 2440587.5) * 86400000) AS INTEGER)"
     "  WHERE verification_state IN ('verified', 'violated', 'unverifiable');"
     "UPDATE approvals SET rollback_ms = CAST(round((julianday(json_extract(rollback_json,"
     "  '$.requested_at')) - 2440587.5) * 86400000) AS INTEGER)"
     "  WHERE rollback_json IS NOT NULL;"
     "CREATE INDEX approvals_by_verdict_time ON approvals(verified_ms)"
     " WHERE verified_ms IS NOT NULL;"
     "CREATE INDEX approvals_by_rollback_time ON approvals(rollback_ms)"
     " WHERE rollback_ms IS NOT NULL;"
     /* bucket_start: RFC 3339 at the hour or the day; labels: a JSON object, keys sorted. */
     "CREATE TABLE stat_rollups ("
     "  bucket TEXT NOT NULL CHECK (bucket IN ('hour', 'day')),"
     "  metric TEXT NOT NULL,"
     "  bucket_start TEXT NOT NULL,"
     "  labels TEXT NOT NULL,"
     "  value REAL NOT NULL,"
     "  PRIMARY KEY (bucket, metric, bucket_start, labels)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE INDEX stat_rollups_by_time ON stat_rollups(bucket, bucket_start, metric, labels);"
     /* Counters since the first record (the sum of the hours), for /metrics. */
     "CREATE TABLE stat_totals ("
     "  metric TEXT NOT NULL,"
     "  labels TEXT NOT NULL,"
     "  value REAL NOT NULL,"
     "  PRIMARY KEY (metric, labels)"
     ") STRICT, WITHOUT ROWID;"
     /*
      * Hours whose records changed since the aggregate job last computed them, by the family
      * of sources; marked by the triggers below in the writer's own transaction, so no writer
      * (page, API, worker, CLI) can forget. The job clears a mark in the write transaction
      * that recomputes its hour.
      */
     "CREATE TABLE stat_dirty ("
     "  hour TEXT NOT NULL,"
     "  family TEXT NOT NULL,"
     "  PRIMARY KEY (hour, family)"
     ") STRICT, WITHOUT ROWID;"
     "CREATE TABLE stat_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
     MARK("stat_approval_filed", "AFTER INSERT ON approvals", "",
          "approvals", HOUR_OF_TEXT("NEW.created_at"))
     MARK("stat_approval_decided", "AFTER UPDATE OF status ON approvals",
          "WHEN NEW.decided_at IS NOT NULL", "approvals", HOUR_OF_TEXT("NEW.decided_at"))
     MARK("stat_approval_verified", "AFTER UPDATE OF verified_ms ON approvals",
          "WHEN NEW.verified_ms IS NOT NULL", "contracts", HOUR_OF_MS("NEW.verified_ms"))
     MARK("stat_rollback_requested", "AFTER UPDATE OF rollback_ms ON approvals",
          "WHEN NEW.rollback_ms IS NOT NULL", "contracts", HOUR_OF_MS("NEW.rollback_ms"))
     /* Events, appended only, are marked by the aggregate job from the seq it last read. */
     MARK("stat_mission_opened", "AFTER INSERT ON missions", "",
          "missions", HOUR_OF_TEXT("NEW.opened_at"))
     MARK("stat_mission_closed", "AFTER UPDATE OF closed_at ON missions",
          "WHEN NEW.closed_at IS NOT NULL", "missions", HOUR_OF_TEXT("NEW.closed_at"))
     MARK("stat_violation_opened", "AFTER INSERT ON freeze_violations", "",
          "freezes", HOUR_OF_MS("NEW.detected_ms"))
     MARK("stat_violation_closed", "AFTER UPDATE OF resolved_ms ON freeze_violations",
          "WHEN NEW.resolved_ms IS NOT NULL", "freezes", HOUR_OF_MS("NEW.resolved_ms"))
     MARK("stat_gate_decided", "AFTER INSERT ON gate_decisions", "",
          "gates", HOUR_OF_MS("NEW.evaluated_ms"))
     MARK("stat_trigger_fired", "AFTER INSERT ON deployment_triggers_fired", "",
          "triggers", HOUR_OF_MS("NEW.fired_ms"))
     /* A retried delivery leaves the hour it had finished in: both hours change. */
     MARK("stat_delivery_finished", "AFTER UPDATE OF finished_ms ON webhook_deliveries",
          "WHEN NEW.finished_ms IS NOT NULL", "deliveries", HOUR_OF_MS("NEW.finished_ms"))
     MARK("stat_delivery_reopened", "AFTER UPDATE OF finished_ms ON webhook_deliveries",
          "WHEN OLD.finished_ms IS NOT NULL", "deliveries", HOUR_OF_MS("OLD.finished_ms")), NULL},
    {11, "silent sources and ledger alarms",
     /* One row per watched source: an inbound one (its events' source) or a worker job
      * ("worker/NAME"): its cadence, its latest arrival (or success) as the watch last read
      * it, and whether it is silent. The watch reads new events by seq from where it left
      * off (source_watch_progress), so ingestion pays for no index of its own. */
     "CREATE TABLE source_watch ("
     "  source TEXT PRIMARY KEY,"
     "  kind TEXT NOT NULL CHECK (kind IN ('source', 'job')),"
     "  expected_ms INTEGER,"
     "  cadence TEXT CHECK (cadence IN ('configured', 'learned', 'period')),"
     "  learned_ms INTEGER,"
     "  watched_since_ms INTEGER NOT NULL,"
     "  silent INTEGER NOT NULL DEFAULT 0 CHECK (silent IN (0, 1)),"
     "  silent_since_ms INTEGER,"
     "  silent_last_seen_ms INTEGER,"
     "  last_seen_ms INTEGER"
     ") STRICT, WITHOUT ROWID;"
     "CREATE TABLE source_watch_progress ("
     "  id INTEGER PRIMARY KEY CHECK (id = 1),"
     "  events_seq INTEGER NOT NULL,"
     "  learned_ms INTEGER"
     ") STRICT;"
     /* Each alarm about the ledger itself once: a gap, a time going backwards, a head left
      * unsigned. */
     "CREATE TABLE ledger_alarms ("
     "  kind TEXT NOT NULL CHECK (kind IN ('gap', 'time_reversal', 'stale_head')),"
     "  seq INTEGER NOT NULL,"
     "  detected_at TEXT NOT NULL,"
     "  detail_json TEXT NOT NULL,"
     "  PRIMARY KEY (kind, seq)"
     ") STRICT, WITHOUT ROWID;"
     /* The watch reads every entry's seq and time each minute: from this, not the table. */
     "CREATE INDEX ledger_times ON ledger(seq, at);"
     /* /metrics: how long the oldest pending request of each tier has waited, one seek. */
     "CREATE INDEX approvals_pending_age ON approvals(tier, created_at) WHERE status = 'pending';", NULL},
    {12, "sorted runs of deployment sample values, made of the samples stored so far",
     /* Each batch's values of a (metric, phase), sorted largest first as 8-byte keys
      * (sorted_runs.h): a p95 reads the top of each run instead of an index that takes an
      * insert per sample. tier: the run's size class, floor(log8(count)). */
     "CREATE TABLE deployment_value_runs ("
     "  id INTEGER PRIMARY KEY,"
     "  deployment INTEGER NOT NULL REFERENCES deployments(num),"
     "  metric TEXT NOT NULL,"
     "  phase INTEGER NOT NULL,"
     "  tier INTEGER NOT NULL,"
     "  count INTEGER NOT NULL,"
     "  keys BLOB NOT NULL"
     ") STRICT;"
     "CREATE INDEX deployment_value_runs_by_tier ON deployment_value_runs(deployment, metric,"
     " phase, tier);",
     deploy_runs_fill},
    /* The runs answer what the value index answered; keeping it up costs ingestion most of
     * its time. */
    {13, "drop the value index of deployment samples",
     "DROP INDEX deployment_samples_by_value;", NULL},
    /* The report says how many decisions a deployment has had; counting them took longer than
     * the rest of the report once automation had evaluated some thousands of times. */
    {14, "a count of each deployment's gate decisions",
     "ALTER TABLE deployments ADD COLUMN decisions INTEGER NOT NULL DEFAULT 0;"
     "UPDATE deployments SET decisions ="
     " (SELECT count(*) FROM gate_decisions WHERE gate_decisions.deployment = deployments.num);"
     "CREATE TRIGGER deployment_decision_counted AFTER INSERT ON gate_decisions BEGIN"
     " UPDATE deployments SET decisions = decisions + 1 WHERE num = NEW.deployment; END;", NULL},
    /* How many events a mission holds, kept by event_store as they arrive: counting them per
     * view walked the timeline index, half of a timeline page's time at 10,000 events. */
    {15, "a count of each mission's events",
     "ALTER TABLE missions ADD COLUMN event_count INTEGER NOT NULL DEFAULT 0;"
     "UPDATE missions SET event_count ="
     " (SELECT count(*) FROM events WHERE events.mission_id = missions.id);", NULL},
};
/* clang-format on */

const size_t nmigrations = sizeof(migrations) / sizeof(migrations[0]);
