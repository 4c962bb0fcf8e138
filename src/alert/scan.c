/*
 * scan.c - the alert scanner: es_alert_scan evaluates every mention
 * committed since the durable watermark against the rules, and writes the
 * alerts, their outbox rows, the volume counters and the new watermark in
 * ONE transaction per batch, so that a crash at any moment raises each
 * alert exactly once (the batch is redone whole or not at all). Called by
 * the server's follow-up thread after each group commit and at every tick,
 * and by `earshot alert scan`.
 *
 * Rules per mention: negative (a mention of our brand, or of the rule's
 * brand, with compound <= threshold), words (the rule's listening query
 * matches: all such queries are compiled into one matcher), spike and
 * incident (the mention counts into its rule's volume per brand and topic,
 * in 5-minute buckets; after the batch each key touched is compared with
 * its baseline). Scope: a rule's location, brand and topic (the mention's
 * department, else its case's) must match. De-duplication: the same rule
 * and case (else location, else mention) within the rule's period folds
 * into one alert.
 *
 * The first scan of a database starts at its newest mention: history is
 * not alerted on, only what arrives once alerts run.
 */
#include <stdio.h>
#include <string.h>

#include "alert/engine.h"
#include "earshot/listen.h"

#define BATCH 1000      /* mentions per transaction */
#define MAX_BATCHES 20  /* per call; the next call goes on */
#define MAX_KEYS 4096   /* (rule, key, bucket) counters per batch */
#define MAX_IDS 256
#define TIMED_EVERY 5   /* seconds between two runs of the timed work */

typedef struct brand_ent {
    uint32_t id;
    int ours;
    const char *name;
} brand_ent;

struct es_alert_engine_s {
    uint64_t sig;  /* of the rules and brands loaded */
    int loaded;
    es_arena_t *arena; /* the rules' and brands' strings */
    es__alert_crule *rules;
    size_t n_rules;
    brand_ent *brands;
    size_t n_brands;
    es_matcher_t *m;
    es_match_scratch_t *sc;
    int64_t next_timed; /* when the timed work runs next */
    const es_store_t *prompt; /* the handle whose lock waits were tuned */
};

/* See alert.h. */
es_err es_alert_engine_new(es_alert_engine_t **out)
{
    *out = es_calloc(1, sizeof **out);
    return *out ? ES_OK : ES_ENOMEM;
}

static void unload(es_alert_engine_t *e)
{
    es_match_scratch_free(e->sc);
    es_matcher_free(e->m);
    es_arena_free(e->arena);
    e->sc = NULL;
    e->m = NULL;
    e->arena = NULL;
    e->rules = NULL;
    e->brands = NULL;
    e->n_rules = e->n_brands = 0;
    e->loaded = 0;
}

/* See alert.h. */
void es_alert_engine_free(es_alert_engine_t *e)
{
    if (!e)
        return;
    unload(e);
    es_free(e);
}

/* ---- loading the rules -------------------------------------------------------- */

typedef struct loader {
    es__buf sig;       /* every field, to see whether anything changed */
    es_arena_t *a;
    es__alert_crule *rules;
    size_t n, cap;
    brand_ent *brands;
    size_t nb, capb;
    int oom;
} loader;

static const char *adup(loader *l, const char *s)
{
    const char *d = s ? es_arena_strdup(l->a, s) : NULL;
    if (s && !d)
        l->oom = 1;
    return d;
}

static void *grow(loader *l, void *v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return v;
    size_t nc = *cap ? 2 * *cap : 16;
    void *nv = es_arena_alloc(l->a, nc * size);
    if (!nv) {
        l->oom = 1;
        return NULL;
    }
    if (n)
        memcpy(nv, v, n * size);
    *cap = nc;
    return nv;
}

static void on_rule(const es_alert_rule *r, void *ud)
{
    loader *l = ud;
    if (es__buf_printf(&l->sig, "%lld|%d|%s|%s|%s|%s|%s|%g|%lld|%lld|%lld|%lld|%lld|%lld|%s|%s|%d\n",
                       (long long)r->id, (int)r->kind, r->name, r->brand ? r->brand : "",
                       r->location ? r->location : "", r->query ? r->query : "",
                       r->topic ? r->topic : "", r->threshold, (long long)r->min_count,
                       (long long)r->period, (long long)r->baseline, (long long)r->cooldown,
                       (long long)r->max_per_hour, (long long)r->escalate_after,
                       r->dests ? r->dests : "", r->escalate_to ? r->escalate_to : "", r->enabled))
        l->oom = 1;
    if (!l->a || l->oom)
        return;
    es__alert_crule *v = grow(l, l->rules, l->n, &l->cap, sizeof *v);
    if (!v)
        return;
    l->rules = v;
    es_alert_rule *d = &v[l->n].r;
    *d = *r;
    d->name = adup(l, r->name);
    d->brand = adup(l, r->brand);
    d->location = adup(l, r->location);
    d->query = adup(l, r->query);
    d->topic = adup(l, r->topic);
    d->dests = adup(l, r->dests);
    d->escalate_to = adup(l, r->escalate_to);
    v[l->n].brand_id = 0;
    v[l->n].qi = -1;
    if (!l->oom)
        l->n++;
}

static void on_brand(const es_brand *b, void *ud)
{
    loader *l = ud;
    if (es__buf_printf(&l->sig, "b%u|%d|%s\n", b->id, b->ours, b->name))
        l->oom = 1;
    if (!l->a || l->oom)
        return;
    brand_ent *v = grow(l, l->brands, l->nb, &l->capb, sizeof *v);
    if (!v)
        return;
    l->brands = v;
    v[l->nb] = (brand_ent){b->id, b->ours, adup(l, b->name)};
    if (!l->oom)
        l->nb++;
}

static uint64_t fnv(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

/* Compiles the rules' queries into one matcher. A query the store holds
 * was checked when its rule was added; one that no longer compiles (a
 * newer parser) disables its rule instead of the whole scanner. */
static es_err build_matcher(es_alert_engine_t *e)
{
    es_query_def defs[256];
    size_t n = 0;
    for (size_t i = 0; i < e->n_rules && n < 256; i++)
        if (e->rules[i].r.query && e->rules[i].r.enabled) {
            defs[n] = (es_query_def){(uint32_t)i, 0, e->rules[i].r.query};
            e->rules[i].qi = (int)n++;
        }
    if (n == 0)
        return ES_OK;
    for (;;) {
        size_t bad = 0;
        es_query_error err;
        es_err rc = es_matcher_build(defs, n, &e->m, &bad, &err);
        if (rc != ES_EPARSE || bad >= n)
            return rc ? rc : es_match_scratch_new(e->m, &e->sc);
        e->rules[defs[bad].id].r.enabled = 0;
        memmove(&defs[bad], &defs[bad + 1], (n - bad - 1) * sizeof *defs);
        if (--n == 0)
            return ES_OK;
    }
}

/* Reloads the rules and brands when they changed since the last scan. */
static es_err reload(es_alert_engine_t *e, es_store_t *s)
{
    loader l = {.a = es_arena_new(0, 0)};
    es__buf_init(&l.sig, 4 << 20);
    es_err rc = l.a ? ES_OK : ES_ENOMEM;
    if (!rc)
        rc = es_alert_rule_list(s, on_rule, &l);
    if (!rc)
        rc = es_store_brand_list(s, on_brand, &l);
    if (!rc && l.oom)
        rc = es__store_fail(s, ES_ENOMEM, "loading alert rules: out of memory");
    uint64_t sig = rc ? 0 : fnv(l.sig.data ? l.sig.data : "", l.sig.len);
    es__buf_cleanup(&l.sig);
    if (rc || (e->loaded && sig == e->sig)) {
        es_arena_free(l.a);
        return rc;
    }
    unload(e);
    e->arena = l.a;
    e->rules = l.rules;
    e->n_rules = l.n;
    e->brands = l.brands;
    e->n_brands = l.nb;
    for (size_t i = 0; i < e->n_rules; i++)
        for (size_t j = 0; e->rules[i].r.brand && j < e->n_brands; j++)
            if (strcasecmp(e->brands[j].name, e->rules[i].r.brand) == 0)
                e->rules[i].brand_id = e->brands[j].id;
    rc = build_matcher(e);
    if (rc) {
        unload(e);
        return es__store_fail(s, rc, "compiling the alert rules' queries: %s", es_strerror(rc));
    }
    e->sig = sig;
    e->loaded = 1;
    return ES_OK;
}

static const brand_ent *brand_of(const es_alert_engine_t *e, uint32_t id)
{
    for (size_t i = 0; i < e->n_brands; i++)
        if (e->brands[i].id == id)
            return &e->brands[i];
    return NULL;
}

/* ---- one batch ------------------------------------------------------------------ */

typedef struct counter {
    size_t rule;
    uint32_t brand;
    char key[120];
    const char *topic; /* in the counter's own key */
    int64_t bucket, n;
} counter;

typedef struct batch {
    es_alert_engine_t *e;
    es_store_t *s;
    int64_t now;
    es_err rc;
    size_t raised;
    int64_t last_id;
    size_t seen; /* mentions read */
    counter *cnt;
    size_t n_cnt;
} batch;

/* The de-duplication key of a mention's alert: its case, else its
 * location, else the mention itself. */
static void mention_key(const es__alert_mention *am, char *buf, size_t size)
{
    if (am->case_id)
        snprintf(buf, size, "case:%lld", (long long)am->case_id);
    else if (am->location && *am->location)
        snprintf(buf, size, "loc:%.200s", am->location);
    else
        snprintf(buf, size, "mention:%lld", (long long)am->id);
}

/* Raises rule c's alert about one mention (negative or words). */
static es_err raise_mention(batch *b, const es__alert_crule *c, const es__alert_mention *am,
                            uint32_t brand)
{
    char key[256];
    es__buf title, detail;
    es__buf_init(&title, 4096);
    es__buf_init(&detail, 16384);
    mention_key(am, key, sizeof key);
    const brand_ent *be = brand ? brand_of(b->e, brand) : NULL;
    es_err rc = c->r.kind == ES_ALERT_NEGATIVE
                    ? es__buf_printf(&title, "Negative mention (%.2f) by ", am->m.sentiment.compound)
                    : es__buf_printf(&title, "Watched words (%s) in a mention by ", c->r.name);
    if (!rc)
        rc = es__alert_line(&title, am->m.author ? am->m.author : "someone", 80);
    if (!rc)
        rc = es__buf_printf(&title, " on %s: \"", am->m.source ? am->m.source : "?");
    if (!rc)
        rc = es__alert_line(&title, am->m.text, 160);
    if (!rc)
        rc = es__buf_addc(&title, '"');
    if (!rc)
        rc = es__buf_printf(&detail, "{\"mention_id\":%lld,\"compound\":%.4f,\"topic\":",
                            (long long)am->id, am->m.sentiment.compound);
    if (!rc)
        rc = es__alert_json_str(&detail, am->topic);
    if (!rc)
        rc = es__buf_addc(&detail, '}');
    if (!rc) {
        es__alert_new a = {.rule_id = c->r.id,
                           .kind = c->r.kind,
                           .key = key,
                           .since = b->now - c->r.period,
                           .max_per_hour = c->r.max_per_hour,
                           .location = am->location,
                           .brand_id = brand,
                           .case_id = am->case_id,
                           .mention_id = am->id,
                           .title = title.data,
                           .detail = detail.data,
                           .escalate_after = c->r.escalate_after};
        int what = 0;
        rc = es__alert_emit(b->s, &c->r, &a, be ? be->name : NULL, b->now, &what);
        b->raised += !rc && what == ES__ALERT_NEW;
    } else if (rc == ES_ELIMIT) {
        rc = ES_ENOMEM;
    }
    es__buf_cleanup(&title);
    es__buf_cleanup(&detail);
    return rc;
}

/* Adds one to the counter of (rule i, brand, topic) in the mention's bucket. */
static es_err count(batch *b, size_t i, uint32_t brand, const char *topic, int64_t t)
{
    char key[120];
    snprintf(key, sizeof key, "%u|%.100s", brand, topic ? topic : "");
    int64_t bucket = t / ES__ALERT_BUCKET;
    for (size_t k = 0; k < b->n_cnt; k++)
        if (b->cnt[k].rule == i && b->cnt[k].bucket == bucket && strcmp(b->cnt[k].key, key) == 0) {
            b->cnt[k].n++;
            return ES_OK;
        }
    if (b->n_cnt >= MAX_KEYS)
        return es__store_fail(b->s, ES_ELIMIT, "alert scan: too many volume keys in a batch");
    counter *c = &b->cnt[b->n_cnt++];
    c->rule = i;
    c->brand = brand;
    memcpy(c->key, key, sizeof key);
    c->topic = strchr(c->key, '|') + 1;
    c->bucket = bucket;
    c->n = 1;
    return ES_OK;
}

static int has_brand(const es__alert_mention *am, uint32_t id)
{
    for (size_t i = 0; i < am->n_brands; i++)
        if (am->brands[i] == id)
            return 1;
    return 0;
}

/* The first brand of the mention that is ours, or 0. */
static uint32_t our_brand(const es_alert_engine_t *e, const es__alert_mention *am)
{
    for (size_t i = 0; i < am->n_brands; i++) {
        const brand_ent *be = brand_of(e, am->brands[i]);
        if (be && be->ours)
            return be->id;
    }
    return 0;
}

static int matched(const uint32_t *ids, size_t n, int qi)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == (uint32_t)qi)
            return 1;
    return 0;
}

static es_err eval_rule(batch *b, size_t i, const es__alert_mention *am, const uint32_t *ids,
                        size_t n_ids)
{
    const es__alert_crule *c = &b->e->rules[i];
    const es_alert_rule *r = &c->r;
    if (!r->enabled || r->kind > ES_ALERT_INCIDENT)
        return ES_OK;
    if (r->location && (!am->location || strcmp(r->location, am->location) != 0))
        return ES_OK;
    if (r->topic && (!am->topic || strcasecmp(r->topic, am->topic) != 0))
        return ES_OK;
    if (r->brand && (!c->brand_id || !has_brand(am, c->brand_id)))
        return ES_OK;
    if (c->qi >= 0 && !matched(ids, n_ids, (int)i)) /* matcher ids are rule indexes */
        return ES_OK;
    if (r->query && c->qi < 0) /* its query could not be compiled */
        return ES_OK;
    int64_t t = am->m.received_at > 0 ? am->m.received_at : b->now;
    uint32_t brand = c->brand_id ? c->brand_id : our_brand(b->e, am);
    switch (r->kind) {
    case ES_ALERT_NEGATIVE:
        if (!brand || am->m.sentiment.compound > r->threshold)
            return ES_OK;
        return raise_mention(b, c, am, brand);
    case ES_ALERT_WORDS:
        return raise_mention(b, c, am, brand ? brand : (am->n_brands ? am->brands[0] : 0));
    case ES_ALERT_INCIDENT:
        if (am->m.sentiment.compound > r->threshold)
            return ES_OK;
        /* fall through */
    case ES_ALERT_SPIKE:
        if (c->brand_id || am->n_brands == 0)
            return count(b, i, c->brand_id, am->topic, t);
        for (size_t k = 0; k < am->n_brands; k++) {
            es_err rc = count(b, i, am->brands[k], am->topic, t);
            if (rc)
                return rc;
        }
        return ES_OK;
    default:
        return ES_OK;
    }
}

static void on_mention(const es__alert_mention *am, void *ud)
{
    batch *b = ud;
    uint32_t ids[MAX_IDS];
    size_t n_ids = 0;
    if (b->rc)
        return;
    b->last_id = am->id;
    b->seen++;
    if (b->e->m)
        b->rc = es_matcher_match(b->e->m, b->e->sc, &am->m, ids, MAX_IDS, &n_ids, NULL, 0, NULL);
    for (size_t i = 0; !b->rc && i < b->e->n_rules; i++)
        b->rc = eval_rule(b, i, am, ids, n_ids);
}

/* After the batch: writes the counters, then checks each key touched
 * against its baseline (spike) or threshold (incident). */
static es_err volumes(batch *b)
{
    es_err rc = ES_OK;
    for (size_t k = 0; !rc && k < b->n_cnt; k++)
        rc = es__alert_count_add(b->s, b->e->rules[b->cnt[k].rule].r.id, b->cnt[k].key,
                                 b->cnt[k].bucket, b->cnt[k].n);
    for (size_t k = 0; !rc && k < b->n_cnt; k++) {
        int seen = 0; /* evaluate each (rule, key) once */
        for (size_t j = 0; j < k && !seen; j++)
            seen = b->cnt[j].rule == b->cnt[k].rule && strcmp(b->cnt[j].key, b->cnt[k].key) == 0;
        if (seen)
            continue;
        const brand_ent *be = b->cnt[k].brand ? brand_of(b->e, b->cnt[k].brand) : NULL;
        rc = es__alert_volume(b->s, &b->e->rules[b->cnt[k].rule], b->cnt[k].key, b->cnt[k].brand,
                              be ? be->name : NULL, b->cnt[k].topic, b->now, &b->raised);
    }
    return rc;
}

/* One batch in one transaction: the mentions after the watermark, their
 * alerts and counters, the new watermark. *more is set when the batch was
 * full (there may be more). */
static es_err scan_batch(es_alert_engine_t *e, es_store_t *s, int64_t now, counter *cnt,
                         size_t *raised, int *more)
{
    int64_t wm = 0, started = 0, top = 0;
    batch b = {.e = e, .s = s, .now = now, .cnt = cnt};
    *more = 0;
    es_err rc = es_store_begin(s);
    if (rc)
        return rc;
    rc = es__alert_state_get(s, "started", &started);
    if (!rc)
        rc = es__alert_state_get(s, "watermark", &wm);
    if (!rc && !started) { /* history is not alerted on */
        rc = es__alert_max_mention(s, &top);
        if (!rc)
            rc = es__alert_state_set(s, "started", 1);
        if (!rc)
            rc = es__alert_state_set(s, "watermark", top);
        goto out;
    }
    b.last_id = wm;
    if (!rc)
        rc = es__alert_mentions(s, wm, BATCH, on_mention, &b);
    if (!rc)
        rc = b.rc;
    if (!rc)
        rc = volumes(&b);
    if (!rc && b.last_id != wm) {
        rc = es__alert_state_set(s, "watermark", b.last_id);
        *more = b.seen >= BATCH;
    }
out:
    if (!rc)
        rc = es_store_commit(s);
    if (rc) {
        es_store_rollback(s);
        return rc;
    }
    *raised += b.raised;
    return ES_OK;
}

/* See alert.h. */
es_err es_alert_scan(es_alert_engine_t *e, es_store_t *s, int64_t now, size_t *raised)
{
    size_t n = 0, made = 0;
    int more = 1;
    if (!e || !s)
        return ES_EINVAL;
    es_err rc = e->prompt == s ? ES_OK : es__alert_prompt(s);
    if (!rc)
        e->prompt = s;
    if (!rc)
        rc = reload(e, s);
    if (rc)
        return rc;
    counter *cnt = es_malloc(MAX_KEYS * sizeof *cnt);
    if (!cnt)
        return ES_ENOMEM;
    /* Reads first, so that nothing new and nothing due never takes the
     * write lock the ingest pipeline needs. */
    int64_t started = 0, wm = 0, top = 0;
    rc = es__alert_state_get(s, "started", &started);
    if (!rc)
        rc = es__alert_state_get(s, "watermark", &wm);
    if (!rc)
        rc = es__alert_max_mention(s, &top);
    more = !rc && (!started || top > wm);
    for (int i = 0; !rc && more && i < MAX_BATCHES; i++)
        rc = scan_batch(e, s, now, cnt, &n, &more);
    es_free(cnt);
    if (!rc && now >= e->next_timed) {
        rc = es__alert_timed(s, e->rules, e->n_rules, now, &made);
        if (!rc)
            e->next_timed = now + TIMED_EVERY;
    }
    if (raised)
        *raised = n + made;
    return rc;
}
