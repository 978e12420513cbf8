/*
 * Configuration: conf/gatehouse.conf and GATEHOUSE_* environment overrides.
 *
 * The file is "key = value" lines; blank lines and lines starting with '#'
 * are ignored. Each key may be overridden by the environment variable
 * GATEHOUSE_<KEY> (upper case). Relative paths are resolved against the
 * directory of the configuration file. An unknown key or a bad value is an
 * error naming where it came from (file and line, or the variable), the key
 * and what is expected: nothing falls back silently.
 *
 * Besides the fixed keys there are named ones, a family per prefix:
 * "freeze_root.NAME = /path" names a directory freezes may be verified
 * under; "source_cadence.NAME = SECONDS" says how often the inbound
 * source NAME is expected to speak (0: never watch it for silence). NAME
 * has the shape of a client identifier; each name once per family. They
 * are read from the file only (an environment variable cannot carry the
 * dot), and config_check_roots() looks at the directories themselves.
 */
#ifndef GH_CONFIG_H
#define GH_CONFIG_H

#include "buf.h"
#include "log.h"

/* A named freeze root: "freeze_root.NAME = /path". */
struct freeze_root {
    char *name;  /* NAME */
    char *path;  /* the directory (relative paths resolved against the file's directory) */
    char *where; /* "file:line" it was set at, for problems found later */
};

/* An inbound source's expected cadence: "source_cadence.NAME = SECONDS". */
struct source_cadence {
    char *name;  /* NAME: the source as events name it */
    int seconds; /* silent beyond this many seconds; 0: never watched for silence */
    char *where; /* "file:line" it was set at */
};

struct config {
    char *path;                 /* the file this was read from */
    char *database;             /* SQLite database file */
    char *signing_key;          /* Ed25519 key file of the ledger, created by init */
    char *socket;               /* unix socket nginx talks FastCGI to */
    char *socket_group;         /* group given the socket (nginx's); "" = ours */
    char *templates;            /* directory of the ctemplate files */
    char *public_url;           /* base URL of the pages, for links in webhooks */
    int workers;                /* pre-forked processes of gatehouse.fcgi */
    int threads;                /* request threads per process */
    long max_body_bytes;        /* larger request bodies are refused with 413 */
    int busy_timeout_ms;        /* how long a writer waits for the write lock */
    int wal_checkpoint_pages;   /* checkpoint once the WAL holds this many pages */
    int shutdown_grace_seconds; /* how long in-flight requests may finish on SIGTERM */
    int worker_max_run_seconds; /* a worker run stops starting jobs after this */
    enum log_level log_level;   /* least severe level written to the log */
    int session_idle_seconds;   /* a browser session ends after this long unused */
    int session_max_seconds;    /* and this long after sign-in in any case */
    char *secure_cookies;       /* "auto": Secure cookies when served over TLS; "always" */
    int login_user_failures;    /* failed logins per username before 429 */
    int login_addr_failures;    /* failed logins per client address before 429 */
    int login_window_seconds;   /* the window those are counted in */
    char *ledger_origin;        /* the origin line of signed checkpoints */
    int webhook_allow_http; /* 1: plain http:// subscriptions are allowed (loopback receivers) */
    int webhook_timeout_seconds; /* a delivery that takes longer has failed */
    int prune_deliveries_days;   /* delivered deliveries are forgotten after this many days */
    char *stream_socket;         /* the socket of the event-stream process ("" = socket.streams) */
    int stream_threads;          /* threads of that process: one per open stream */
    int stream_seconds;          /* a stream ends after this long; the browser reconnects */
    int approval_expiry_seconds; /* a request's expiry when it names none */
    int freeze_verify_seconds;   /* the verify-freezes job re-hashes freezes this often */
    struct freeze_root *freeze_roots; /* freeze_root.NAME keys, in file order */
    int nfreeze_roots;
    struct source_cadence *source_cadences; /* source_cadence.NAME keys, in file order */
    int nsource_cadences;
};

/* The file named by GATEHOUSE_CONFIG, else /etc/gatehouse/gatehouse.conf. */
const char *config_default_path(void);

/*
 * Read path and the environment into cfg (defaults first). Returns the
 * number of problems found; each is one line appended to errors. cfg is
 * filled as far as possible and must be released with config_free() either
 * way.
 */
int config_load(const char *path, struct config *cfg, struct buf *errors);
void config_free(struct config *cfg);

/* One line per key: name, current value, for `gatehouse config check`. */
void config_describe(const struct config *cfg, struct buf *out);

/* The directory of the freeze root called name, or NULL when none is configured. */
const char *config_freeze_root(const struct config *cfg, const char *name);
/* The configured cadence of source name in seconds (0: not watched), or -1 when none is set. */
int config_source_cadence(const struct config *cfg, const char *name);

/*
 * Look at every freeze root's directory: each must exist and be a
 * directory this process can list. Returns the number of problems, each a
 * line appended to errors naming the file, line and key.
 */
int config_check_roots(const struct config *cfg, struct buf *errors);

#endif
