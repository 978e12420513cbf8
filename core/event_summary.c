/* Gatehouse's records in words, and the pages they are about (see event_summary.h). */
#include "event_summary.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "echo.h"
#include "http.h"
#include "users.h"
#include "validate.h"

/* ---- plain text ---- */

/* Whether the character of len bytes at s must not show: a control or a format character. */
static int invisible(const unsigned char *s, int len)
{
    if (len == 1)
        return s[0] < 0x20 || s[0] == 0x7f;
    if (len == 2) /* C1 controls U+0080..U+009F */
        return s[0] == 0xc2 && s[1] < 0xa0;
    if (len == 3 && s[0] == 0xe2 && s[1] == 0x80) /* U+200B..U+200F, U+2028..U+202E */
        return (s[2] >= 0x8b && s[2] <= 0x8f) || (s[2] >= 0xa8 && s[2] <= 0xae);
    if (len == 3 && s[0] == 0xe2 && s[1] == 0x81) /* U+2060..U+206F */
        return s[2] >= 0xa0 && s[2] <= 0xaf;
    if (len == 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) /* U+FEFF */
        return 1;
    return 0;
}

/*
 * Append s as one line of plain text: a run of invisible characters shows
 * as one space (none at either end), bytes that are not UTF-8 are dropped,
 * and after EVENT_VALUE_CHARS characters the rest is cut and "…" says so.
 * NULL or nothing visible shows as "?", so a sentence never has a hole.
 */
static void value(struct buf *b, const char *s)
{
    size_t start = b->len;
    int chars = 0, space = 0;

    while (s && *s) {
        int len = utf8_char_len(s);
        if (len == 0) { /* not UTF-8: jansson never gives such a string, but be sure */
            s++;
            continue;
        }
        if (invisible((const unsigned char *)s, len)) {
            space = b->len > start;
        } else if (chars + space >= EVENT_VALUE_CHARS) {
            buf_puts(b, "…");
            return;
        } else {
            if (space)
                buf_putc(b, ' ');
            buf_append(b, s, (size_t)len);
            chars += 1 + space;
            space = 0;
        }
        s += len;
    }
    if (b->len == start)
        buf_putc(b, '?');
}

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* "restart_service on payments-api": an approval's action and target. */
static void action(struct buf *b, json_t *a)
{
    value(b, str(a, "action_type"));
    buf_puts(b, " on ");
    value(b, str(a, "target"));
}

/* names as people list them: "bob", "bob and carol", "bob, carol and erin". */
static void name_list(struct buf *b, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_puts(b, i + 1 == n ? " and " : ", ");
        value(b, names[i]);
    }
}

/* The names in a JSON array of strings, or of objects' key, as a list; how many. */
static size_t list_of(struct buf *b, json_t *array, const char *key)
{
    const char *names[8];
    size_t n = 0, i, more;
    json_t *v;

    json_array_foreach(array, i, v)
    {
        const char *s = key ? str(v, key) : json_string_value(v);
        if (s && n < sizeof(names) / sizeof(names[0]))
            names[n++] = s;
    }
    more = json_array_size(array) > n ? json_array_size(array) - n : 0;
    if (more == 0) {
        name_list(b, names, n);
    } else {
        for (i = 0; i < n; i++) {
            value(b, names[i]);
            buf_puts(b, ", ");
        }
        buf_printf(b, "and %zu more", more);
    }
    return n + more;
}

/* The criteria of a judged contract or a decision that passed (want 1) or failed (0). */
static json_t *criteria_where(json_t *criteria, int passed, int need_observed)
{
    json_t *out = json_array(), *c;
    size_t i;

    json_array_foreach(criteria, i, c)
    {
        if (json_is_true(json_object_get(c, "passed")) != passed)
            continue;
        if (need_observed >= 0 && json_is_null(json_object_get(c, "observed")) == need_observed)
            json_array_append(out, c);
        else if (need_observed < 0)
            json_array_append(out, c);
    }
    return out;
}

/* ---- links ---- */

/* "/<page>/<id>" when id is a client-chosen identifier, else "". */
static void link_id(char out[PAGE_LINK_LEN], const char *page, const char *id)
{
    out[0] = '\0';
    if (id && valid_client_id(id))
        snprintf(out, PAGE_LINK_LEN, "/%s/%s", page, id);
}

static void link_approval(char out[PAGE_LINK_LEN], json_t *id)
{
    out[0] = '\0';
    if (json_is_integer(id) && json_integer_value(id) > 0)
        snprintf(out, PAGE_LINK_LEN, "/approvals/%lld", (long long)json_integer_value(id));
}

/* ---- the rules, one family at a time ---- */

/* approval.* and action.*: the payload is the approval. */
static void approval_words(const char *name, json_t *a, struct buf *b)
{
    const char *by = str(a, "decided_by");
    json_t *votes = json_object_get(a, "votes");
    json_t *last = json_array_get(votes, json_array_size(votes) - 1);

    if (strcmp(name, "requested") == 0) {
        value(b, str(a, "requested_by"));
        buf_puts(b, " requested ");
        action(b, a);
        buf_printf(b, " (tier %lld)", (long long)json_integer_value(json_object_get(a, "tier")));
    } else if (strcmp(name, "voted") == 0) {
        value(b, str(last, "by"));
        buf_puts(b, strcmp(str(last, "verdict") ? str(last, "verdict") : "", "deny") == 0
                        ? " voted to deny "
                        : " approved ");
        action(b, a);
        buf_puts(b, "; it needs more votes");
    } else if (strcmp(name, "granted") == 0 && by && strcmp(by, "system") == 0) {
        action(b, a);
        buf_puts(b, json_integer_value(json_object_get(a, "tier")) == 1
                        ? " approved on arrival (tier 1)"
                        : " approved: the freeze window that held it ended");
    } else if (strcmp(name, "granted") == 0) {
        json_t *approvers = json_array(), *v;
        size_t i;
        json_array_foreach(votes, i, v)
        {
            if (strcmp(str(v, "verdict") ? str(v, "verdict") : "", "approve") == 0)
                json_array_append(approvers, v);
        }
        if (json_array_size(approvers) == 0)
            value(b, by);
        else
            list_of(b, approvers, "by");
        json_decref(approvers);
        buf_puts(b, " approved ");
        action(b, a);
    } else if (strcmp(name, "denied") == 0) {
        value(b, by);
        buf_puts(b, " denied ");
        action(b, a);
    } else if (strcmp(name, "cancelled") == 0) {
        value(b, by);
        buf_puts(b, " cancelled ");
        action(b, a);
    } else if (strcmp(name, "expired") == 0) {
        action(b, a);
        buf_puts(b, " expired with nobody deciding");
    } else if (strcmp(name, "executed") == 0) {
        json_t *x = json_object_get(a, "execution");
        action(b, a);
        buf_puts(b, " executed: ");
        value(b, str(x, "status"));
        if (json_is_false(json_object_get(x, "ok")))
            buf_puts(b, " (not ok)");
    } else if (strcmp(name, "break_glass_required") == 0) {
        action(b, a);
        buf_puts(b, " needs an executive's break-glass vote: a freeze window is in effect");
    } else if (strcmp(name, "break_glass_released") == 0) {
        action(b, a);
        buf_puts(b, " no longer needs break-glass: the freeze window ended");
    } else {
        action(b, a);
        buf_puts(b, ": ");
        value(b, name);
    }
}

static void action_words(const char *name, json_t *a, struct buf *b)
{
    json_t *v = json_object_get(a, "verification"), *rb = json_object_get(a, "rollback");
    json_t *criteria = json_object_get(v, "criteria"), *some;
    json_t *snap = json_object_get(a, "snapshot");

    if (strcmp(name, "snapshot_taken") == 0) {
        value(b, str(snap, "reported_by"));
        buf_puts(b, " named the safe-hold snapshot ");
        value(b, str(snap, "snapshot_id"));
        buf_puts(b, " before ");
        action(b, a);
    } else if (strcmp(name, "verified") == 0) {
        some = criteria_where(criteria, 1, -1);
        action(b, a);
        buf_printf(b, " kept its contract: %zu of %zu criteria met", json_array_size(some),
                   json_array_size(criteria));
        json_decref(some);
    } else if (strcmp(name, "violated") == 0) {
        some = criteria_where(criteria, 0, 0);
        action(b, a);
        buf_puts(b, " broke its contract: ");
        if (list_of(b, some, "name") == 0)
            buf_puts(b, "a criterion");
        buf_puts(b, " failed");
        json_decref(some);
    } else if (strcmp(name, "unverifiable") == 0) {
        some = criteria_where(criteria, 0, 1);
        action(b, a);
        buf_puts(b, " could not be verified: no samples for ");
        if (list_of(b, some, "metric") == 0)
            buf_puts(b, "a criterion");
        json_decref(some);
    } else if (strcmp(name, "rollback_requested") == 0) {
        buf_puts(b, "rollback of ");
        action(b, a);
        buf_puts(b, " to snapshot ");
        value(b, str(rb, "snapshot_id") ? str(rb, "snapshot_id") : str(snap, "snapshot_id"));
        buf_puts(b, " requested");
    } else if (strcmp(name, "rollback_reported") == 0) {
        json_t *result = json_object_get(rb, "result");
        value(b, str(result, "reported_by"));
        buf_puts(b, " reported the rollback of ");
        action(b, a);
        buf_puts(b, ": ");
        value(b, str(result, "status"));
        if (str(result, "restored_snapshot_id")) {
            buf_puts(b, ", restored ");
            value(b, str(result, "restored_snapshot_id"));
        }
    } else {
        action(b, a);
        buf_puts(b, ": ");
        value(b, name);
    }
}

/* gate.*, rollback.* and deployment.*: {"deployment_id", <key>: what}. */
static void deployment_words(const char *type, json_t *p, struct buf *b)
{
    const char *id = str(p, "deployment_id");

    if (strcmp(type, "gate.evaluated") == 0) {
        json_t *d = json_object_get(p, "decision");
        long long met = json_integer_value(json_object_get(d, "criteria_met"));
        long long total = json_integer_value(json_object_get(d, "total_criteria"));
        buf_puts(b, "gate of phase ");
        value(b, str(d, "phase"));
        if (json_is_true(json_object_get(d, "proceed"))) {
            buf_puts(b, " proceeded");
        } else {
            buf_puts(b, " blocked");
            if (json_array_size(json_object_get(d, "blockers"))) {
                buf_puts(b, " by ");
                list_of(b, json_object_get(d, "blockers"), NULL);
            }
        }
        buf_printf(b, ": %lld of %lld criteria met", met, total);
    } else if (strcmp(type, "rollback.triggered") == 0) {
        json_t *t = json_object_get(json_object_get(p, "rollback"), "trigger");
        buf_puts(b, "rollback trigger ");
        value(b, str(t, "name"));
        buf_puts(b, " fired on ");
        value(b, id);
        buf_puts(b, ": ");
        value(b, str(t, "action"));
    } else if (strcmp(type, "deployment.created") == 0) {
        json_t *d = json_object_get(p, "deployment");
        buf_puts(b, "deployment ");
        value(b, str(d, "name"));
        buf_puts(b, " created on plan ");
        value(b, str(d, "plan"));
    } else if (strcmp(type, "deployment.status_reported") == 0) {
        json_t *s = json_object_get(p, "status");
        buf_puts(b, "deployment ");
        value(b, id);
        buf_puts(b, " reported ");
        value(b, str(s, "to"));
        buf_puts(b, " (was ");
        value(b, str(s, "from"));
        buf_puts(b, ")");
    } else if (strcmp(type, "deployment.signed_off") == 0) {
        json_t *s = json_object_get(p, "signoff");
        value(b, str(s, "by"));
        buf_puts(b, " signed off deployment ");
        value(b, id);
        buf_puts(b, ": ");
        value(b, str(s, "decision"));
        if (json_is_true(json_object_get(s, "override"))) {
            buf_puts(b, ", overriding a ");
            value(b, str(s, "recommendation"));
            buf_puts(b, " recommendation");
        }
    } else {
        buf_puts(b, "deployment ");
        value(b, id);
        buf_puts(b, ": ");
        value(b, strchr(type, '.') + 1);
    }
}

/* freeze.*: the freeze itself (created, lifted) or a violation with its freeze's name. */
static void freeze_words(const char *name, json_t *p, struct buf *b)
{
    const char *freeze = str(p, "freeze") ? str(p, "freeze") : str(p, "name");
    const char *kind = str(p, "kind") ? str(p, "kind") : "";

    buf_puts(b, "freeze ");
    value(b, freeze);
    if (strcmp(name, "created") == 0) {
        long long n = json_integer_value(json_object_get(p, "artifact_count"));
        buf_printf(b, " created over %lld artifact%s", n, n == 1 ? "" : "s");
    } else if (strcmp(name, "lifted") == 0) {
        buf_puts(b, ": its window was lifted by ");
        value(b, str(p, "lifted_by"));
    } else if (strcmp(name, "violated") == 0) {
        buf_puts(b, " violated: ");
        value(b, str(p, "path"));
        buf_puts(b, strcmp(kind, "missing") == 0      ? " is missing"
                    : strcmp(kind, "unexpected") == 0 ? " appeared, not in the manifest"
                                                      : " was modified");
    } else if (strcmp(name, "restored") == 0) {
        buf_puts(b, " restored: ");
        value(b, str(p, "path"));
        buf_puts(b, " is as frozen again");
    } else {
        buf_puts(b, ": ");
        value(b, name);
    }
}

/* Any other type, worded from its name: "ledger.stale_head" → "ledger stale head". */
static void name_words(const char *type, json_t *p, struct buf *b)
{
    const char *who = str(p, "source") ? str(p, "source") : str(p, "name");
    size_t start = b->len;

    value(b, type);
    for (size_t i = start; i < b->len; i++)
        if (b->data[i] == '.' || b->data[i] == '_')
            b->data[i] = ' ';
    if (strncmp(type, "source.", 7) == 0 && who) {
        buf_puts(b, ": ");
        value(b, who);
    }
}

void event_summary(const char *type, json_t *payload, struct event_words *out)
{
    const char *name = type ? strchr(type, '.') : NULL;
    struct buf b = BUF_INIT;

    out->summary[0] = out->link[0] = '\0';
    if (name == NULL)
        return;
    name++;
    if (strncmp(type, "approval.", 9) == 0) {
        approval_words(name, payload, &b);
        link_approval(out->link, json_object_get(payload, "id"));
    } else if (strncmp(type, "action.", 7) == 0) {
        action_words(name, payload, &b);
        link_approval(out->link, json_object_get(payload, "id"));
    } else if (strncmp(type, "gate.", 5) == 0 || strncmp(type, "rollback.", 9) == 0 ||
               strncmp(type, "deployment.", 11) == 0) {
        deployment_words(type, payload, &b);
        link_id(out->link, "deployments", str(payload, "deployment_id"));
    } else if (strncmp(type, "freeze.", 7) == 0) {
        freeze_words(name, payload, &b);
        link_id(out->link, "freezes",
                str(payload, "freeze") ? str(payload, "freeze") : str(payload, "name"));
    } else if (strcmp(type, "mission.closed") == 0) {
        buf_puts(&b, "mission closed as ");
        value(&b, str(payload, "status"));
        if (str(payload, "summary") && *str(payload, "summary")) {
            buf_puts(&b, ": ");
            value(&b, str(payload, "summary"));
        }
        link_id(out->link, "missions", str(payload, "mission_id"));
    } else {
        name_words(type, payload, &b);
        if (strncmp(type, "ledger.", 7) == 0)
            snprintf(out->link, PAGE_LINK_LEN, "/ledger");
    }
    text_repair(buf_str(&b), out->summary, sizeof(out->summary));
    buf_free(&b);
}

void event_describe(const char *source, const char *type, json_t *payload, struct event_words *out)
{
    static const char *const keys[] = {"summary", "error", "title", "message", NULL};

    if (source && strcmp(source, EVENT_SOURCE_GATEHOUSE) == 0) {
        event_summary(type, payload, out);
        return;
    }
    out->summary[0] = out->link[0] = '\0';
    for (int i = 0; keys[i]; i++) {
        const char *s = str(payload, keys[i]);
        if (s) {
            text_repair(s, out->summary, sizeof(out->summary));
            return;
        }
    }
}

int subject_link(const char *subject, char out[PAGE_LINK_LEN])
{
    static const struct {
        const char *prefix; /* the subject's kind, with its colon */
        const char *page;   /* its page, or NULL: its history in the ledger */
    } kinds[] = {
        {"freeze:", "freezes"},   {"deployment:", "deployments"},
        {"mission:", "missions"}, {"plan:", "api/v1/plans"},
        {"user:", NULL},          {"source:", NULL},
        {"token:", NULL},         {"webhook:", NULL},
    };
    const char *rest;

    out[0] = '\0';
    if (subject == NULL)
        return 0;
    if (strncmp(subject, "approval:", 9) == 0) {
        char *end;
        long long id;
        rest = subject + 9;
        /* At most 18 digits: an approval id, never an overflow. */
        id = isdigit((unsigned char)*rest) && strlen(rest) <= 18 ? strtoll(rest, &end, 10) : 0;
        if (id > 0 && *end == '\0')
            snprintf(out, PAGE_LINK_LEN, "/approvals/%lld", id);
        return out[0] != '\0';
    }
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        size_t n = strlen(kinds[i].prefix);
        if (strncmp(subject, kinds[i].prefix, n) != 0)
            continue;
        rest = subject + n;
        if (kinds[i].page) {
            link_id(out, kinds[i].page, rest);
        } else if (valid_client_id(rest) || valid_username(rest)) {
            struct buf q = BUF_INIT;
            http_url_encode(&q, subject);
            snprintf(out, PAGE_LINK_LEN, "/ledger?subject=%s", buf_str(&q));
            buf_free(&q);
        }
        return out[0] != '\0';
    }
    return 0;
}
