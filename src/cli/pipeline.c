/*
 * pipeline.c - the threads of `earshot ingest` and `earshot analyze` (see
 * pipeline.h for the shape). Called by ingest.c only.
 *
 * Hand-over between threads: one mutex guards three lists of batches (free,
 * to analyse, analysed) and three condition variables; a thread touches a
 * batch only while it holds it, so arenas are never shared. The lock is taken
 * once per batch (thousands of mentions), never per mention.
 *
 * Workers also compute each mention's near-duplicate fingerprint, leaving
 * the store thread only the index lookup. The store thread commits several
 * analysed batches in one transaction (up to MERGE_BATCHES by default: a
 * bigger transaction costs SQLite and FTS5 much less per row), but never
 * holds uncommitted batches longer than HOLD_SECONDS waiting for the next
 * one, and the reader cuts a partial batch when a piped input has been
 * silent for IDLE_CUT_MS, so a slow stream is still committed within about
 * a second. An explicit --batch N means N records per transaction, one
 * batch each.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "earshot/analyze.h"

#define BATCH_RECORDS 2048             /* records per batch ... */
#define BATCH_BYTES (2u * 1024 * 1024) /* ... or raw bytes, whichever first */
#define ARENA_BLOCK (6u * 1024 * 1024) /* a batch of tweets uses ~3.9 MiB: one block */
#define ARENA_MAX (256u * 1024 * 1024) /* a batch of huge records still fits */
#define DEDUP_WINDOW 50000             /* mentions remembered for near-dups */
#define MERGE_BATCHES 8                /* batches per transaction, at most */
#define HOLD_SECONDS 0.5               /* longest wait with batches uncommitted */
#define IDLE_CUT_MS 200                /* a silent stream's partial batch is cut */

typedef struct rec {
    es_record r;        /* raw is a copy in the batch's arena */
    const char *reason; /* non-NULL: rejected, and why */
    es_mention_t *ms;   /* decoded mentions (before the batch is flattened) */
    size_t n;
} rec_t;

typedef struct batch {
    struct batch *next;
    uint64_t seq;
    es_arena_t *arena;
    rec_t recs[BATCH_RECORDS];
    size_t n_recs;
    size_t raw_bytes;
    uint64_t offset;  /* input bytes consumed once this batch was cut */
    es_mention_t *ms; /* every accepted mention, in input order */
    size_t n_ms;
    es_err err; /* a worker failed (out of memory) */
} batch_t;

typedef struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv_free, cv_work, cv_done;
    batch_t *free_list, *work_head, *work_tail, *done;
    int reading_done; /* the reader has queued its last batch */
    uint64_t n_batches;
    int abort;
    es_err read_err;
    char read_msg[256];
    es_reader_t *reader;
    pthread_t reader_tid;
    const cli_pipeline_opts *o;
    const cli_listen *listen;
    const es_lexicon_t *lex;
} pipe_t;

/* ---- the reader thread --------------------------------------------------- */

static batch_t *take_free(pipe_t *p)
{
    batch_t *b = NULL;
    pthread_mutex_lock(&p->mu);
    while (!p->free_list && !p->abort)
        pthread_cond_wait(&p->cv_free, &p->mu);
    if (!p->abort) {
        b = p->free_list;
        p->free_list = b->next;
    }
    pthread_mutex_unlock(&p->mu);
    return b;
}

/* Cuts records into b until it is full, the input ends (returns 1) or a
 * slow stream has been silent for IDLE_CUT_MS with records in b. */
static int fill_batch(pipe_t *p, batch_t *b)
{
    size_t max = p->o->batch > 0 && p->o->batch < BATCH_RECORDS ? p->o->batch : BATCH_RECORDS;
    while (b->n_recs < max && b->raw_bytes < BATCH_BYTES) {
        if (b->n_recs > 0 && es_reader_idle(p->reader, IDLE_CUT_MS))
            return 0;
        es_record rec;
        es_err rc = es_reader_next(p->reader, &rec);
        if (rc == ES_END)
            return 1;
        if (rc < 0) {
            p->read_err = rc;
            snprintf(p->read_msg, sizeof p->read_msg, "%s", es_reader_errmsg(p->reader));
            return 1;
        }
        rec_t *r = &b->recs[b->n_recs];
        memset(r, 0, sizeof *r);
        r->r = rec;
        char *raw = es_arena_strndup(b->arena, rec.raw ? rec.raw : "", rec.raw ? rec.len : 0);
        if (rc == ES_REJECTED)
            r->reason = es_arena_strdup(b->arena, es_reader_errmsg(p->reader));
        if (!raw || (rc == ES_REJECTED && !r->reason)) {
            p->read_err = ES_ENOMEM;
            snprintf(p->read_msg, sizeof p->read_msg, "out of memory");
            return 1;
        }
        r->r.raw = raw;
        b->raw_bytes += rec.len;
        b->n_recs++;
    }
    return 0;
}

static void *reader_main(void *arg)
{
    pipe_t *p = arg;
    uint64_t seq = 0;
    int eof = 0;
    while (!eof) {
        batch_t *b = take_free(p);
        if (!b)
            break;
        eof = fill_batch(p, b);
        b->offset = es_reader_offset(p->reader);
        pthread_mutex_lock(&p->mu);
        if (b->n_recs > 0) {
            b->seq = seq++;
            b->next = NULL;
            if (p->work_tail)
                p->work_tail->next = b;
            else
                p->work_head = b;
            p->work_tail = b;
            pthread_cond_signal(&p->cv_work);
        } else {
            b->next = p->free_list;
            p->free_list = b;
        }
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_lock(&p->mu);
    p->reading_done = 1;
    p->n_batches = seq;
    pthread_cond_broadcast(&p->cv_work);
    pthread_cond_broadcast(&p->cv_done);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- the worker threads ---------------------------------------------------- */

typedef struct worker {
    pipe_t *p;
    pthread_t tid;
    es_analyzer_t *an;
    es_learn_feat_t *feat; /* when a model is given */
} worker_t;

/* Understands one mention (es_analyzer_run), then applies the models.
 * ES_REJECTED with *reason for a text the scorer refuses; ES_ENOMEM. */
static es_err analyse_one(worker_t *w, es_arena_t *a, es_mention_t *m, const char **reason)
{
    es_err rc = es_analyzer_run(w->an, m, a, reason);
    if (rc == ES_OK && w->feat)
        rc = es_learn_apply((const es_learn_model_t *const *)w->p->o->models, w->feat, m, a);
    return rc;
}

/* Decodes and analyses every record of b, then gathers the accepted
 * mentions into one array in input order (what es_store_put takes). */
static es_err process_batch(worker_t *w, batch_t *b)
{
    const es_decoder_t *dec = es_reader_decoder(w->p->reader);
    size_t total = 0;
    for (size_t i = 0; i < b->n_recs; i++) {
        rec_t *r = &b->recs[i];
        if (r->reason)
            continue;
        es_err rc = es_decode(dec, &r->r, b->arena, &r->ms, &r->n, &r->reason);
        if (rc == ES_REJECTED) {
            r->n = 0;
            if (!r->reason)
                r->reason = "malformed record";
            continue;
        }
        if (rc)
            return rc;
        for (size_t k = 0; k < r->n; k++) {
            rc = analyse_one(w, b->arena, &r->ms[k], &r->reason);
            if (rc == ES_REJECTED) {
                r->n = 0;
                break;
            }
            if (rc)
                return rc;
        }
        total += r->n;
    }
    b->ms = es_arena_alloc(b->arena, (total ? total : 1) * sizeof *b->ms);
    if (!b->ms)
        return ES_ENOMEM;
    b->n_ms = 0;
    for (size_t i = 0; i < b->n_recs; i++)
        for (size_t k = 0; !b->recs[i].reason && k < b->recs[i].n; k++)
            b->ms[b->n_ms++] = b->recs[i].ms[k];
    return ES_OK;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    pipe_t *p = w->p;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->work_head && !p->reading_done && !p->abort)
            pthread_cond_wait(&p->cv_work, &p->mu);
        batch_t *b = p->abort ? NULL : p->work_head;
        if (b) {
            p->work_head = b->next;
            if (!p->work_head)
                p->work_tail = NULL;
        }
        pthread_mutex_unlock(&p->mu);
        if (!b)
            break;
        b->err = process_batch(w, b);
        pthread_mutex_lock(&p->mu);
        b->next = p->done;
        p->done = b;
        pthread_cond_broadcast(&p->cv_done);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

/* ---- the store thread ------------------------------------------------------ */

typedef struct sink {
    pipe_t *p;
    const cli_pipeline_opts *o;
    cli_pipeline_stats *st;
    es_dedup_t *dedup;
    FILE *rejects;
    FILE *commit_log;
    cli_progress prog;
    size_t merge;                   /* batches per transaction */
    batch_t *held[MERGE_BATCHES];   /* analysed, checked, not yet committed */
    size_t n_held;
    struct timespec hold_until;     /* commit them by then (CLOCK_REALTIME) */
    es_mention_t *joined;           /* the held batches' mentions, joined */
    size_t joined_cap;
} sink_t;

/* Waits for the batch numbered seq, until *until when it is not NULL. NULL
 * when the wait timed out, and also once every batch is done or the
 * pipeline is aborted: then *end is set. */
static batch_t *next_done(pipe_t *p, uint64_t seq, const struct timespec *until, int *end)
{
    batch_t *found = NULL;
    int timed_out = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        for (batch_t **pp = &p->done; *pp; pp = &(*pp)->next)
            if ((*pp)->seq == seq) {
                found = *pp;
                *pp = found->next;
                break;
            }
        *end = !found && (p->abort || (p->reading_done && seq >= p->n_batches));
        if (found || *end || timed_out)
            break;
        if (until)
            timed_out = pthread_cond_timedwait(&p->cv_done, &p->mu, until) == ETIMEDOUT;
        else
            pthread_cond_wait(&p->cv_done, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return found;
}

static void recycle(pipe_t *p, batch_t *b)
{
    es_arena_reset(b->arena);
    b->n_recs = 0;
    b->raw_bytes = 0;
    b->ms = NULL;
    b->n_ms = 0;
    b->err = ES_OK;
    pthread_mutex_lock(&p->mu);
    b->next = p->free_list;
    p->free_list = b;
    pthread_cond_signal(&p->cv_free);
    pthread_mutex_unlock(&p->mu);
}

/* Appends {"line":N,"reason":"...","record":"..."} to the reject file,
 * opening it at the first reject. */
static int write_reject(sink_t *s, const rec_t *r)
{
    if (!s->rejects) {
        s->rejects = fopen(s->st->reject_path, "w");
        if (!s->rejects) {
            fprintf(stderr, "earshot: cannot write %s: %s\n", s->st->reject_path, strerror(errno));
            return -1;
        }
    }
    fprintf(s->rejects, "{\"line\":%ld,\"reason\":", r->r.line);
    int rc = cli_json_write_lossy(s->rejects, r->reason, strlen(r->reason));
    fputs(",\"record\":", s->rejects);
    if (rc == 0)
        rc = cli_json_write_lossy(s->rejects, r->r.raw, r->r.len);
    fputs("}\n", s->rejects);
    if (rc || ferror(s->rejects)) {
        fprintf(stderr, "earshot: writing %s failed\n", s->st->reject_path);
        return -1;
    }
    return 0;
}

/* Appends "committed M records R line L" to the commit log and makes it
 * durable, so that a test killing the process knows what was committed. */
static int log_commit(sink_t *s, long line)
{
    if (!s->commit_log)
        return 0;
    fprintf(s->commit_log, "committed %llu records %llu line %ld\n",
            (unsigned long long)s->st->mentions, (unsigned long long)s->st->records, line);
    if (fflush(s->commit_log) != 0 || fsync(fileno(s->commit_log)) != 0) {
        fprintf(stderr, "earshot: writing the commit log failed: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* Takes one analysed batch, in input order: counts its records, writes its
 * rejects and marks near-duplicates. Returns 0 or -1 (said on stderr). */
static int check_batch(sink_t *s, batch_t *b)
{
    if (b->err) {
        fprintf(stderr, "earshot: analysing: %s\n", es_strerror(b->err));
        return -1;
    }
    for (size_t i = 0; i < b->n_recs; i++) {
        s->st->records++;
        if (b->recs[i].reason) {
            s->st->rejected++;
            if (write_reject(s, &b->recs[i]))
                return -1;
        }
    }
    for (size_t i = 0; i < b->n_ms; i++) {
        es_err rc = es_dedup_check(s->dedup, &b->ms[i], b->arena);
        if (rc) {
            fprintf(stderr, "earshot: near-duplicates: %s\n", es_strerror(rc));
            return -1;
        }
        s->st->duplicates += (b->ms[i].flags & ES_FLAG_DUPLICATE) != 0;
    }
    return 0;
}

/* The mentions of the held batches as one array: the first batch's own
 * when it is alone, else copies (the strings stay in the batches' arenas).
 * NULL when out of memory. */
static const es_mention_t *join_held(sink_t *s, size_t n)
{
    if (s->n_held == 1)
        return s->held[0]->ms;
    if (n > s->joined_cap) {
        es_mention_t *j = es_realloc(s->joined, n * sizeof *j);
        if (!j)
            return NULL;
        s->joined = j;
        s->joined_cap = n;
    }
    size_t k = 0;
    for (size_t i = 0; i < s->n_held; i++) {
        memcpy(s->joined + k, s->held[i]->ms, s->held[i]->n_ms * sizeof *s->joined);
        k += s->held[i]->n_ms;
    }
    return s->joined;
}

/* Commits the held batches in one transaction (ingest) or writes their
 * results (analyze), then gives them back to the reader. Returns 0 or -1. */
static int commit_held(sink_t *s)
{
    const cli_pipeline_opts *o = s->o;
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i < s->n_held; i++)
        n += s->held[i]->n_ms;
    const es_mention_t *ms = n > 0 ? join_held(s, n) : NULL;
    if (n > 0 && !ms) {
        fprintf(stderr, "earshot: out of memory\n");
        rc = -1;
    } else if (o->store && n > 0) {
        size_t ins = 0;
        if (es_store_put(o->store, ms, n, &ins)) {
            fprintf(stderr, "earshot: storing: %s\n", es_store_errmsg(o->store));
            rc = -1;
        }
        s->st->inserted += ins;
    }
    for (size_t i = 0; rc == 0 && !o->store && o->emit && i < n; i++)
        if (o->emit(o->emit_ud, &ms[i]))
            rc = -1;
    if (rc == 0 && s->n_held > 0) {
        const batch_t *last = s->held[s->n_held - 1];
        s->st->mentions += n;
        if (o->store && log_commit(s, last->recs[last->n_recs - 1].r.line))
            rc = -1;
        cli_progress_update(&s->prog, s->st->mentions, last->offset);
    }
    for (size_t i = 0; i < s->n_held; i++)
        recycle(s->p, s->held[i]);
    s->n_held = 0;
    return rc;
}

static void warm_cb(uint64_t fp, const char *key, void *ud)
{
    es_err rc = es_dedup_remember(ud, fp, key);
    (void)rc; /* a fingerprint not remembered only weakens detection */
}

/* ---- running it ---------------------------------------------------------------- */

/* Opens what the pipeline needs before threads start. Returns a CLI_ code. */
static int setup(pipe_t *p, sink_t *s, FILE *in, batch_t **pool, size_t n_pool)
{
    const cli_pipeline_opts *o = p->o;
    char err[512] = "";
    es_err rc = es_reader_open(in, o->input, &o->reader, &p->reader, err, sizeof err);
    if (rc) {
        fprintf(stderr, "earshot: %s: %s\n", o->input, err[0] ? err : es_strerror(rc));
        return rc == ES_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    rc = es_lexicon_builtin(&p->lex);
    if (rc) {
        fprintf(stderr, "earshot: the sentiment lexicon: %s\n", es_strerror(rc));
        return CLI_FAIL;
    }
    s->dedup = es_dedup_new(DEDUP_WINDOW);
    if (!s->dedup) {
        fprintf(stderr, "earshot: out of memory\n");
        return CLI_FAIL;
    }
    if (o->store && es_store_recent_fingerprints(o->store, DEDUP_WINDOW, warm_cb, s->dedup)) {
        fprintf(stderr, "earshot: %s\n", es_store_errmsg(o->store));
        return CLI_FAIL;
    }
    if (o->commit_log && !(s->commit_log = fopen(o->commit_log, "a"))) {
        fprintf(stderr, "earshot: cannot open %s: %s\n", o->commit_log, strerror(errno));
        return CLI_FAIL;
    }
    for (size_t i = 0; i < n_pool; i++) {
        pool[i] = es_calloc(1, sizeof *pool[i]);
        if (!pool[i] || !(pool[i]->arena = es_arena_new(ARENA_BLOCK, ARENA_MAX))) {
            fprintf(stderr, "earshot: out of memory\n");
            return CLI_FAIL;
        }
        pool[i]->next = p->free_list;
        p->free_list = pool[i];
    }
    return CLI_OK;
}

/* Creates the workers' analysers and model features, then starts them; *started
 * receives how many threads run. Returns 0 or -1. */
static int start_workers(pipe_t *p, worker_t *w, int n, int *started)
{
    for (int i = 0; i < n; i++) {
        w[i].p = p;
        w[i].an = es_analyzer_new(p->lex, p->o->mode, p->listen->matcher, p->listen->brands,
                                  p->listen->n_brands);
        if (!w[i].an)
            return -1;
        const es_learn_model_t *sm = p->o->models[ES_TASK_SENTIMENT];
        const es_learn_model_t *im = p->o->models[ES_TASK_INTENT];
        const es_learn_model_t *dm = p->o->models[ES_TASK_DEPARTMENT];
        /* Features serve models of any size: one buffer for all. */
        if ((sm || im || dm) && !(w[i].feat = es_learn_feat_new(ES_LEARN_DEFAULT_BITS)))
            return -1;
    }
    for (int i = 0; i < n; i++) {
        if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0)
            return -1;
        (*started)++;
    }
    return 0;
}

static void stop(pipe_t *p)
{
    pthread_mutex_lock(&p->mu);
    p->abort = 1;
    pthread_cond_broadcast(&p->cv_free);
    pthread_cond_broadcast(&p->cv_work);
    pthread_cond_broadcast(&p->cv_done);
    pthread_mutex_unlock(&p->mu);
}

/* The store thread's loop: batches in input order until the end, held
 * until s->merge of them are in or the oldest has waited HOLD_SECONDS. */
static int drain(pipe_t *p, sink_t *s)
{
    for (uint64_t seq = 0;;) {
        int end = 0;
        batch_t *b = next_done(p, seq, s->n_held ? &s->hold_until : NULL, &end);
        if (!b) {
            if (s->n_held && commit_held(s))
                return -1;
            if (end)
                return 0;
            continue;
        }
        seq++;
        if (s->n_held == 0) {
            clock_gettime(CLOCK_REALTIME, &s->hold_until);
            long ns = s->hold_until.tv_nsec + (long)(HOLD_SECONDS * 1e9);
            s->hold_until.tv_sec += ns / 1000000000L;
            s->hold_until.tv_nsec = ns % 1000000000L;
        }
        s->held[s->n_held++] = b;
        if (check_batch(s, b))
            return -1;
        if (s->n_held >= s->merge && commit_held(s))
            return -1;
    }
}

static int finish_rejects(sink_t *s)
{
    if (!s->rejects)
        return 0;
    int bad = fflush(s->rejects) != 0 || fsync(fileno(s->rejects)) != 0;
    bad |= fclose(s->rejects) != 0;
    s->rejects = NULL;
    if (bad)
        fprintf(stderr, "earshot: writing %s failed\n", s->st->reject_path);
    return bad ? -1 : 0;
}

/* Frees what setup and start_workers made (all threads have stopped). */
static void teardown(pipe_t *p, sink_t *s, batch_t **pool, size_t n_pool, worker_t *w)
{
    for (int i = 0; w && i < p->o->threads; i++) {
        es_analyzer_free(w[i].an);
        es_learn_feat_free(w[i].feat);
    }
    for (size_t i = 0; pool && i < n_pool; i++)
        if (pool[i]) {
            es_arena_free(pool[i]->arena);
            es_free(pool[i]);
        }
    es_free(pool);
    es_free(w);
    es_free(s->joined);
    es_dedup_free(s->dedup);
    if (s->commit_log)
        fclose(s->commit_log);
    es_reader_free(p->reader);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_free);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
}

int cli_pipeline_run(const cli_pipeline_opts *o, const cli_listen *listen, cli_pipeline_stats *st)
{
    pipe_t p;
    sink_t s;
    /* Ingest commits several batches at once unless --batch said otherwise;
     * analyze writes each batch as it comes. */
    size_t merge = o->store && o->batch == 0 ? MERGE_BATCHES : 1;
    size_t n_pool = (size_t)o->threads * 2 + 1 + merge;
    batch_t **pool = NULL;
    worker_t *w = NULL;
    int status = CLI_FAIL, started = 0, reader_started = 0;
    int is_stdin = strcmp(o->input, "-") == 0;
    FILE *in = is_stdin ? stdin : fopen(o->input, "rb");
    double t0 = cli_now();

    memset(st, 0, sizeof *st);
    memset(&p, 0, sizeof p);
    memset(&s, 0, sizeof s);
    if (!in) {
        fprintf(stderr, "earshot: cannot open %s: %s\n", o->input, strerror(errno));
        return CLI_FAIL;
    }
    if (o->reject_path)
        snprintf(st->reject_path, sizeof st->reject_path, "%s", o->reject_path);
    else
        snprintf(st->reject_path, sizeof st->reject_path, "%s.rejects.jsonl",
                 is_stdin ? "stdin" : o->input);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv_free, NULL);
    pthread_cond_init(&p.cv_work, NULL);
    pthread_cond_init(&p.cv_done, NULL);
    p.o = o;
    p.listen = listen;
    s.p = &p;
    s.o = o;
    s.st = st;
    s.merge = merge;
    pool = es_calloc(n_pool, sizeof *pool);
    w = es_calloc((size_t)o->threads, sizeof *w);
    if (!pool || !w) {
        fprintf(stderr, "earshot: out of memory\n");
        goto out;
    }
    status = setup(&p, &s, in, pool, n_pool);
    if (status != CLI_OK)
        goto out;
    status = CLI_FAIL;
    cli_progress_init(&s.prog, o->quiet, es_reader_total(p.reader),
                      o->store ? "mentions committed" : "mentions analysed");
    if (pthread_create(&p.reader_tid, NULL, reader_main, &p) != 0) {
        fprintf(stderr, "earshot: cannot start a thread\n");
        goto out;
    }
    reader_started = 1;
    if (start_workers(&p, w, o->threads, &started) != 0)
        fprintf(stderr, "earshot: cannot start the analysis threads\n");
    else if (drain(&p, &s) == 0)
        status = CLI_OK;
out:
    if (status != CLI_OK)
        stop(&p);
    if (reader_started)
        pthread_join(p.reader_tid, NULL);
    for (int i = 0; i < started; i++)
        pthread_join(w[i].tid, NULL);
    cli_progress_done(&s.prog);
    if (p.read_err && status == CLI_OK) {
        fprintf(stderr, "earshot: reading %s: %s\n", o->input,
                p.read_msg[0] ? p.read_msg : es_strerror(p.read_err));
        status = CLI_FAIL;
    }
    if (finish_rejects(&s) && status == CLI_OK)
        status = CLI_FAIL;
    if (status == CLI_OK && st->rejected > 0)
        status = CLI_REJECTS;
    st->seconds = cli_now() - t0;
    teardown(&p, &s, pool, n_pool, w);
    if (!is_stdin)
        fclose(in);
    return status;
}
