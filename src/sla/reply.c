/*
 * reply.c - recording a reply on its case (C4): the case's channel decides
 * the length limit (limits.c); the reply's fingerprint, compared with the
 * newest replies, decides the generic flag (generic.c); then the store
 * writes the reply, its outbox row, the case's response times and status
 * and the audit entry in one transaction (es_reply_insert). Called by the
 * CLI (`earshot reply`) and the API (POST /api/v1/cases/{id}/replies); the
 * caller then wakes the deliverer (deliver.c).
 */
#include <string.h>

#include "earshot/analyze.h"
#include "earshot/reply.h"
#include "store/store_int.h"

#define MAX_REPLY_BYTES (ES_EMAIL_MAX + 1)

/* See reply.h. */
es_err es_reply_add(es_store_t *s, int64_t case_id, const es_sla_scope *scope, int64_t user_id,
                    int64_t token_id, const char *text, int direct, int64_t now, es_reply *out,
                    es_reply_measure *m)
{
    es_reply_measure mm;
    char channel[64];
    uint64_t *recent = NULL;
    size_t n = 0;
    if (!m)
        m = &mm;
    memset(m, 0, sizeof *m);
    if (out)
        memset(out, 0, sizeof *out);
    if (!s)
        return ES_EINVAL;
    if (!text || !*text)
        return es__store_fail(s, ES_EINVAL, "a reply needs a text");
    size_t len = strlen(text);
    if (len > MAX_REPLY_BYTES)
        return es__store_fail(s, ES_ELIMIT, "the reply is %zu bytes; at most %d are kept", len,
                              MAX_REPLY_BYTES - 1);
    es_err rc = es_reply_case_channel(s, case_id, scope, channel, sizeof channel);
    if (rc)
        return rc;
    rc = es_reply_measure_text(channel, direct, text, len, m);
    if (rc == ES_EUTF8)
        return es__store_fail(s, rc, "the reply is not valid UTF-8");
    if (rc == ES_ELIMIT)
        return es__store_fail(s, rc, "the reply is %ld %s; %s allows %ld", m->used, m->unit,
                              channel, m->max);
    if (rc)
        return es__store_fail(s, rc, "measuring the reply: %s", es_strerror(rc));
    recent = es_malloc(ES_GENERIC_WINDOW * sizeof *recent);
    if (!recent)
        return es__store_fail(s, ES_ENOMEM, "recording a reply: out of memory");
    rc = es_reply_recent_fingerprints(s, recent, ES_GENERIC_WINDOW, &n);
    if (rc)
        goto out;
    uint64_t fp = es_dedup_fingerprint(text, len);
    es_reply r = {.case_id = case_id,
                  .user_id = user_id,
                  .token_id = token_id,
                  .channel = channel,
                  .text = text,
                  .direct = direct != 0,
                  .created = now};
    if (es_reply_is_generic(fp, recent, n, ES_GENERIC_MIN))
        r.flags |= ES_REPLY_GENERIC;
    rc = es_reply_insert(s, &r, fp);
    if (!rc && out) {
        out->id = r.id;
        out->case_id = case_id;
        out->flags = r.flags;
        out->direct = r.direct;
        out->created = now;
        out->user_id = user_id;
        out->token_id = token_id;
    }
out:
    es_free(recent);
    return rc;
}
