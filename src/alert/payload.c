/*
 * payload.c - what an alert says to its recipients: the JSON document an
 * outgoing webhook posts, the one-line subject (email subject, SMS text) and
 * the text body of an email, for an alert, its escalation, or a digest.
 * Built once, when the outbox row is written, so that every retry sends the
 * same bytes under the same signature. Called by the scanner (scan.c), the
 * timed work (timed.c) and es_alert_raise (raise.c). docs/alerts.md shows
 * the payloads.
 *
 * Titles quote what customers wrote, so every string is escaped for JSON
 * and flattened to one line for headers: a mention cannot inject a header
 * into an email.
 */
#include <jansson.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "alert/engine.h"

#define MAX_MSG (256 * 1024)

/* See engine.h. */
es_err es__alert_json_str(es__buf *b, const char *s)
{
    if (!s)
        return es__buf_adds(b, "null");
    es_err rc = es__buf_addc(b, '"');
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    while (!rc && *p) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, end - p, &cp);
        if (n <= 0) {
            rc = es__buf_adds(b, "\xef\xbf\xbd");
            p++;
        } else if (*p == '"' || *p == '\\') {
            rc = es__buf_printf(b, "\\%c", *p);
            p++;
        } else if (*p == '\n') {
            rc = es__buf_adds(b, "\\n");
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            rc = es__buf_printf(b, "\\u%04x", *p);
            p++;
        } else {
            rc = es__buf_add(b, p, (size_t)n);
            p += n;
        }
    }
    return rc ? rc : es__buf_addc(b, '"');
}

/* See engine.h. */
es_err es__alert_line(es__buf *b, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0, keep = n > max ? max : n;
    if (keep < n) /* do not cut a UTF-8 sequence */
        while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
            keep--;
    es_err rc = ES_OK;
    for (size_t i = 0; !rc && i < keep; i++) {
        unsigned char c = (unsigned char)s[i];
        rc = es__buf_addc(b, c < 0x20 || c == 0x7f ? ' ' : (char)c);
    }
    if (!rc && keep < n)
        rc = es__buf_adds(b, "...");
    return rc;
}

static void iso_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "%s", "-");
}

/* The detail is embedded as it is when it is a JSON object, else as a
 * string, so that the document is always valid JSON. */
static es_err json_detail(es__buf *b, const char *detail)
{
    if (!detail)
        return es__buf_adds(b, "null");
    json_t *j = json_loads(detail, JSON_REJECT_DUPLICATES, NULL);
    int object = j && json_is_object(j);
    json_decref(j);
    return object ? es__buf_adds(b, detail) : es__alert_json_str(b, detail);
}

static es_err alert_json(es__buf *b, const es_alert *a)
{
    char created[32];
    iso_time(a->created, created, sizeof created);
    es_err rc = es__buf_printf(b, "{\"id\":%lld,\"kind\":", (long long)a->id);
    if (!rc)
        rc = es__alert_json_str(b, es_alert_kind_name(a->kind));
    if (!rc)
        rc = es__buf_adds(b, ",\"rule\":");
    if (!rc)
        rc = es__alert_json_str(b, a->rule);
    if (!rc)
        rc = es__buf_adds(b, ",\"status\":");
    if (!rc)
        rc = es__alert_json_str(b, a->status);
    if (!rc)
        rc = es__buf_adds(b, ",\"title\":");
    if (!rc)
        rc = es__alert_json_str(b, a->title);
    if (!rc)
        rc = es__buf_adds(b, ",\"location\":");
    if (!rc)
        rc = es__alert_json_str(b, a->location);
    if (!rc)
        rc = es__buf_adds(b, ",\"brand\":");
    if (!rc)
        rc = es__alert_json_str(b, a->brand);
    if (!rc)
        rc = es__buf_printf(b, ",\"case_id\":%lld,\"mention_id\":%lld,\"count\":%lld,"
                               "\"created\":\"%s\",\"detail\":",
                            (long long)a->case_id, (long long)a->mention_id, (long long)a->count,
                            created);
    if (!rc)
        rc = json_detail(b, a->detail);
    return rc ? rc : es__buf_addc(b, '}');
}

/* Moves the three buffers into out. */
static es_err take(es__buf *j, es__buf *sub, es__buf *txt, es__alert_msg *out)
{
    out->json = es_strdup(j->data ? j->data : "");
    out->subject = es_strdup(sub->data ? sub->data : "");
    out->text = es_strdup(txt->data ? txt->data : "");
    es__buf_cleanup(j);
    es__buf_cleanup(sub);
    es__buf_cleanup(txt);
    if (!out->json || !out->subject || !out->text) {
        es__alert_msg_cleanup(out);
        return ES_ENOMEM;
    }
    return ES_OK;
}

/* See engine.h. */
es_err es__alert_msg_alert(const es_alert *a, const char *purpose, es__alert_msg *out)
{
    es__buf j, sub, txt;
    es__buf_init(&j, MAX_MSG);
    es__buf_init(&sub, 1024);
    es__buf_init(&txt, MAX_MSG);
    memset(out, 0, sizeof *out);
    int esc = strcmp(purpose, "escalation") == 0;
    char created[32];
    iso_time(a->created, created, sizeof created);
    es_err rc = es__buf_adds(&j, "{\"event\":");
    if (!rc)
        rc = es__alert_json_str(&j, purpose);
    if (!rc)
        rc = es__buf_adds(&j, ",\"alert\":");
    if (!rc)
        rc = alert_json(&j, a);
    if (!rc)
        rc = es__buf_addc(&j, '}');
    if (!rc)
        rc = es__buf_printf(&sub, "[earshot]%s %s alert%s", esc ? " ESCALATED" : "",
                            es_alert_kind_name(a->kind), a->location ? " at " : "");
    if (!rc && a->location)
        rc = es__alert_line(&sub, a->location, 80);
    if (!rc)
        rc = es__buf_adds(&sub, ": ");
    if (!rc)
        rc = es__alert_line(&sub, a->title, 300);
    if (!rc)
        rc = es__buf_printf(&txt, "%s\n\nAlert %lld (%s), raised %s%s.\n", sub.data,
                            (long long)a->id, es_alert_kind_name(a->kind), created,
                            esc ? ", not acknowledged in time" : "");
    if (!rc && a->case_id)
        rc = es__buf_printf(&txt, "Case %lld.\n", (long long)a->case_id);
    if (!rc)
        rc = es__buf_adds(&txt, "Acknowledge it in earshot (POST /api/v1/alerts/{id}/ack).\n");
    if (rc) {
        es__buf_cleanup(&j);
        es__buf_cleanup(&sub);
        es__buf_cleanup(&txt);
        return rc == ES_ELIMIT ? ES_ENOMEM : rc;
    }
    return take(&j, &sub, &txt, out);
}

/* See engine.h. */
es_err es__alert_msg_digest(const char *rule, int64_t from, int64_t to, const es_alert *as,
                            size_t n, es__alert_msg *out)
{
    es__buf j, sub, txt;
    es__buf_init(&j, MAX_MSG);
    es__buf_init(&sub, 1024);
    es__buf_init(&txt, MAX_MSG);
    memset(out, 0, sizeof *out);
    char f[32], t[32];
    iso_time(from, f, sizeof f);
    iso_time(to, t, sizeof t);
    es_err rc = es__buf_adds(&j, "{\"event\":\"digest\",\"rule\":");
    if (!rc)
        rc = es__alert_json_str(&j, rule);
    if (!rc)
        rc = es__buf_printf(&j, ",\"from\":\"%s\",\"to\":\"%s\",\"count\":%zu,\"alerts\":[", f, t,
                            n);
    for (size_t i = 0; !rc && i < n; i++) {
        if (i)
            rc = es__buf_addc(&j, ',');
        if (!rc)
            rc = alert_json(&j, &as[i]);
    }
    if (!rc)
        rc = es__buf_adds(&j, "]}");
    if (!rc)
        rc = es__buf_printf(&sub, "[earshot] digest: %zu alert%s from %s to %s", n,
                            n == 1 ? "" : "s", f, t);
    if (!rc)
        rc = es__buf_printf(&txt, "%s\n\n", sub.data);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = es__buf_printf(&txt, "- #%lld %s%s", (long long)as[i].id,
                            es_alert_kind_name(as[i].kind), as[i].location ? " at " : "");
        if (!rc && as[i].location)
            rc = es__alert_line(&txt, as[i].location, 80);
        if (!rc)
            rc = es__buf_adds(&txt, ": ");
        if (!rc)
            rc = es__alert_line(&txt, as[i].title, 200);
        if (!rc)
            rc = es__buf_addc(&txt, '\n');
    }
    if (rc) {
        es__buf_cleanup(&j);
        es__buf_cleanup(&sub);
        es__buf_cleanup(&txt);
        return rc == ES_ELIMIT ? ES_ENOMEM : rc;
    }
    return take(&j, &sub, &txt, out);
}

/* See engine.h. */
void es__alert_msg_cleanup(es__alert_msg *m)
{
    es_free(m->json);
    es_free(m->subject);
    es_free(m->text);
    m->json = m->subject = m->text = NULL;
}
