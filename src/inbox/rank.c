/*
 * rank.c - fair triage (C2): how much a mention needs attention (severity),
 * the priority it earns, and the rank of a case in the one queue, with
 * ageing so that nothing starves. Pure functions; the threader
 * (src/store/sqlite_case_thread.c) and the queue reads call them, and
 * docs/inbox.md states the same formula in words.
 *
 * The inputs are exactly es_case_signals: severity, priority, waiting time
 * and SLA due time. Follower counts, verification, influence and the channel
 * are not inputs, and the struct has no field for them (principle 1).
 *
 * Ageing is linear and the same for every case, so rank(now) is a
 * time-independent key plus a function of now alone. The store keeps the key
 * indexed and orders by it: the queue read at any moment is the queue by
 * rank at that moment, with no periodic re-ranking.
 */
#include <string.h>

#include "earshot/cases.h"
#include "inbox/inbox.h"

/* ---- statuses ----------------------------------------------------------- */

static const char *const status_names[ES_CASE_STATUS_COUNT] = {"new", "open", "pending",
                                                               "resolved"};

/* See cases.h. */
const char *es_case_status_name(es_case_status st)
{
    return (unsigned)st < ES_CASE_STATUS_COUNT ? status_names[st] : "new";
}

/* See cases.h. */
es_err es_case_status_parse(const char *name, es_case_status *out)
{
    for (int i = 0; name && i < ES_CASE_STATUS_COUNT; i++)
        if (strcmp(name, status_names[i]) == 0) {
            *out = (es_case_status)i;
            return ES_OK;
        }
    return ES_EINVAL;
}

/* ---- severity and priority ---------------------------------------------- */

/* What each intent says about the need for an answer. */
static double intent_weight(es_intent i)
{
    switch (i) {
    case ES_INTENT_COMPLAINT: return ES__W_COMPLAINT;
    case ES_INTENT_QUESTION: return ES__W_QUESTION;
    case ES_INTENT_REQUEST: return ES__W_REQUEST;
    case ES_INTENT_OTHER: return ES__W_OTHER;
    case ES_INTENT_PRAISE:
    case ES_INTENT_SPAM:
    default: return 0;
    }
}

/* See cases.h. */
double es_case_severity(double compound, es_intent intent, uint32_t cues, uint32_t flags)
{
    if ((flags & (ES_FLAG_DUPLICATE | ES_FLAG_SPAM)) || intent == ES_INTENT_SPAM)
        return 0;
    double neg = compound < 0 ? -compound : 0;
    if (neg > 1)
        neg = 1;
    double s = ES__W_NEGATIVE * neg + intent_weight(intent);
    if (cues & ES_CUE_SAFETY)
        s += ES__W_SAFETY;
    if (cues & ES_CUE_LEGAL)
        s += ES__W_LEGAL;
    if (cues & ES_CUE_CHURN)
        s += ES__W_CHURN;
    if (cues & ES_CUE_REPEAT)
        s += ES__W_REPEAT;
    if (cues & ES_CUE_WAITING)
        s += ES__W_WAITING;
    return s > 1 ? 1 : s;
}

/* See cases.h. */
int es_case_priority_for(double severity)
{
    if (severity >= 0.75)
        return 1;
    if (severity >= 0.5)
        return 2;
    if (severity >= 0.2)
        return 3;
    return 4;
}

/* ---- rank ---------------------------------------------------------------- */

/* The moment from which a case is considered waiting: the customer's last
 * message, or earlier when an SLA target is near (its due time minus the
 * lead), so that a case about to breach rises as if it had waited longer. */
static int64_t waiting_start(const es_case_signals *sig)
{
    int64_t start = sig->waiting_since;
    if (sig->sla_due > 0 && sig->sla_due - ES__SLA_LEAD < start)
        start = sig->sla_due - ES__SLA_LEAD;
    return start;
}

static double need(const es_case_signals *sig)
{
    double sev = sig->severity < 0 ? 0 : sig->severity > 1 ? 1 : sig->severity;
    int p = sig->priority < 1 ? 1 : sig->priority > 4 ? 4 : sig->priority;
    return ES__RANK_SEVERITY * sev + ES__RANK_PRIORITY * (4 - p);
}

/* See cases.h. */
double es_case_key(const es_case_signals *sig)
{
    return need(sig) - ES__RANK_PER_HOUR * ((double)waiting_start(sig) / 3600.0);
}

/* See cases.h. */
double es_case_rank_at(double key, int64_t now)
{
    return key + ES__RANK_PER_HOUR * ((double)now / 3600.0);
}

/* See cases.h. Computed as need + per-hour * hours waited directly (not
 * through the key) so that the figure is exact for display; the two agree
 * to within rounding. */
double es_case_rank(const es_case_signals *sig, int64_t now)
{
    return need(sig) + ES__RANK_PER_HOUR * ((double)(now - waiting_start(sig)) / 3600.0);
}
