/*
 * volume.c - spikes and incidents (U6): after each scan batch has written
 * its volume counters, every (rule, brand, topic) key the batch touched is
 * checked. A spike rule compares the volume of the last period with the
 * `baseline` periods before it (mean + k standard deviations, at least
 * min_count) and stays quiet for its cooldown once it has alerted. An
 * incident rule groups similar complaints (same brand and topic, compound
 * at or below its threshold): min_count of them within the period open an
 * incident, one alert, which absorbs the complaints that follow for as long
 * as they keep arriving within the cooldown. Called by scan.c inside its
 * transaction.
 */
#include <stdio.h>
#include <string.h>

#include "alert/engine.h"

static es_err raise_volume(es_store_t *s, const es__alert_crule *c, const char *key,
                           uint32_t brand_id, const char *brand, const char *topic, int64_t now,
                           const char *title, const char *detail, size_t *raised)
{
    char dkey[160];
    snprintf(dkey, sizeof dkey, "%s:%.140s", es_alert_kind_name(c->r.kind), key);
    es__alert_new a = {.rule_id = c->r.id,
                       .kind = c->r.kind,
                       .key = dkey,
                       .since = now - c->r.cooldown,
                       .sliding = c->r.kind == ES_ALERT_INCIDENT,
                       .max_per_hour = c->r.max_per_hour,
                       .location = c->r.location,
                       .brand_id = brand_id,
                       .title = title,
                       .detail = detail,
                       .escalate_after = c->r.escalate_after};
    int what = 0;
    (void)topic;
    es_err rc = es__alert_emit(s, &c->r, &a, brand, now, &what);
    *raised += !rc && what == ES__ALERT_NEW;
    return rc;
}

/* "about <brand>" and " / <topic>", flattened to one line. */
static es_err about(es__buf *b, const char *brand, const char *topic)
{
    es_err rc = es__buf_adds(b, brand ? brand : "all brands");
    if (!rc && topic && *topic) {
        rc = es__buf_adds(b, " / ");
        if (!rc)
            rc = es__alert_line(b, topic, 80);
    }
    return rc;
}

/* See engine.h. */
es_err es__alert_volume(es_store_t *s, const es__alert_crule *c, const char *key,
                        uint32_t brand_id, const char *brand, const char *topic, int64_t now,
                        size_t *raised)
{
    const es_alert_rule *r = &c->r;
    int64_t per = r->period / ES__ALERT_BUCKET > 0 ? r->period / ES__ALERT_BUCKET : 1;
    int64_t periods = r->kind == ES_ALERT_SPIKE ? r->baseline + 1 : 1;
    int64_t end = now / ES__ALERT_BUCKET + 1, from = end - periods * per;
    int64_t *counts = es_malloc((size_t)(periods * per) * sizeof *counts);
    es__buf title, detail;
    es__buf_init(&title, 4096);
    es__buf_init(&detail, 4096);
    if (!counts)
        return ES_ENOMEM;
    es_err rc = es__alert_count_range(s, r->id, key, from, end, counts);
    int64_t volume = 0;
    double mean = 0, sd = 0;
    int fire = 0;
    if (!rc && r->kind == ES_ALERT_SPIKE) {
        fire = es__alert_spike(counts, per, r->baseline, r->threshold, r->min_count, &volume,
                               &mean, &sd);
        if (fire)
            rc = es__buf_printf(&title, "Volume spike: %lld mentions in %lld min about ",
                                (long long)volume, (long long)(r->period / 60));
        if (fire && !rc)
            rc = about(&title, brand, topic);
        if (fire && !rc)
            rc = es__buf_printf(&title, " (baseline %.1f, sd %.1f)", mean, sd);
    } else if (!rc) {
        for (int64_t i = 0; i < per; i++)
            volume += counts[i];
        fire = volume >= r->min_count;
        if (fire)
            rc = es__buf_printf(&title, "Incident: %lld similar complaints in %lld min about ",
                                (long long)volume, (long long)(r->period / 60));
        if (fire && !rc)
            rc = about(&title, brand, topic);
    }
    if (fire && !rc)
        rc = es__buf_printf(&detail, "{\"volume\":%lld,\"baseline_mean\":%.3f,"
                                     "\"baseline_sd\":%.3f,\"period\":%lld,\"brand_id\":%u}",
                            (long long)volume, mean, sd, (long long)r->period, brand_id);
    if (fire && !rc)
        rc = raise_volume(s, c, key, brand_id, brand, topic, now, title.data, detail.data,
                          raised);
    es_free(counts);
    es__buf_cleanup(&title);
    es__buf_cleanup(&detail);
    return rc == ES_ELIMIT ? ES_ENOMEM : rc;
}
