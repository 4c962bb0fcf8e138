/*
 * server.c - the HTTP side of `earshot serve` (server.h): libmicrohttpd with
 * a small pool of worker threads, the pools of store handles and analysers
 * the workers borrow, the follow-up thread, and starting and stopping in
 * the right order. Called by src/cli/serve.c. router.c routes each request
 * once its body is in; ingest.c, hooks.c and api_*.c answer.
 *
 * Threading: libmicrohttpd runs WORKERS threads, each polling (epoll) its
 * share of the connections (at most ES_SERVER_MAX_CONN in all). A handler
 * runs on its worker and may use the store, but never waits for the
 * pipeline: a webhook suspends its connection and queues its mentions
 * (es__http_ingest_then); the pipeline thread (inbox.c), which owns
 * opts.store and group-commits them, resumes every connection of the group
 * after the commit, and the worker then answers. So a commit costs one
 * wake-up per worker, not one thread switch per request, which is what
 * thread-per-connection cost under load. After a commit that stored
 * something new the pipeline wakes the follow-up thread here, which runs
 * opts.follow_up (threading into cases, alerts, SLAs) on a handle of its
 * own, so the next group commit never waits for it. Both share a write
 * gate (store.h): the follow-up starts a transaction only while the
 * pipeline does not wait for one, so under a burst its short transactions
 * make way for the group commits and it catches up after. (A lower CPU
 * priority for it was tried as well: on a machine busy with other work it
 * made the alerts' latency tail several times longer.)
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http/http_int.h"

/* libmicrohttpd's threads: more than the cores, so that a slow API request
 * (a big export, a store busy with a commit) holds up few connections. */
#define WORKERS 4
#define CONN_TIMEOUT 30 /* seconds a connection may stay idle */
#define DRAIN_MS 5000   /* at most this for answers to finish at the stop */
#define FOLLOW_GAP_MS 5 /* at least this between two follow-up passes, so
                         * that a pass takes the work of several commits */

/* The state of one request, kept by libmicrohttpd between calls. */
typedef struct request {
    es__buf body;
    int too_large;
    es__http_exchange *held; /* suspended until its commit (router.c) */
} request;

/* ---- pools ------------------------------------------------------------------ */

/* See http_int.h. */
es__http_pooled *es__http_store_borrow(es_server_t *s)
{
    pthread_mutex_lock(&s->mu);
    es__http_pooled *p = s->stores;
    if (p) {
        s->stores = p->next;
        s->n_stores--;
    }
    pthread_mutex_unlock(&s->mu);
    if (p)
        return p;
    if (!s->o.db_path || !(p = es_calloc(1, sizeof *p)))
        return NULL;
    if (es_store_open(s->o.db_path, &p->store)) {
        es_store_close(p->store);
        es_free(p);
        return NULL;
    }
    return p;
}

/* See http_int.h: kept for the next request, or closed when enough are. */
void es__http_store_return(es_server_t *s, es__http_pooled *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&s->mu);
    int keep = s->n_stores < ES__HTTP_STORE_POOL;
    if (keep) {
        p->next = s->stores;
        s->stores = p;
        s->n_stores++;
    }
    pthread_mutex_unlock(&s->mu);
    if (!keep) {
        es_store_close(p->store);
        es_free(p);
    }
}

/* See http_int.h. */
es__http_analyser *es__http_analyser_borrow(es_server_t *s)
{
    pthread_mutex_lock(&s->mu);
    es__http_analyser *a = s->analysers;
    if (a)
        s->analysers = a->next;
    pthread_mutex_unlock(&s->mu);
    if (a)
        return a;
    if (!(a = es_calloc(1, sizeof *a)))
        return NULL;
    a->an = es_analyzer_new(s->lex, s->o.mode, s->o.matcher, s->o.brands, s->o.n_brands);
    int models = 0;
    for (int t = 0; t < ES_TASK_COUNT; t++)
        models |= s->o.models[t] != NULL;
    if (a->an && models)
        a->feat = es_learn_feat_new(ES_LEARN_DEFAULT_BITS); /* serves any model size */
    if (!a->an || (models && !a->feat)) {
        es_analyzer_free(a->an);
        es_free(a);
        return NULL;
    }
    return a;
}

/* See http_int.h. */
void es__http_analyser_return(es_server_t *s, es__http_analyser *a)
{
    pthread_mutex_lock(&s->mu);
    a->next = s->analysers;
    s->analysers = a;
    pthread_mutex_unlock(&s->mu);
}

/* ---- the follow-up thread ------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Called by the pipeline thread after a commit with new mentions. */
static void wake_follow_up(void *ud)
{
    es_server_t *s = ud;
    pthread_mutex_lock(&s->follow_mu);
    s->follow_pending = 1;
    pthread_cond_signal(&s->follow_cv);
    pthread_mutex_unlock(&s->follow_mu);
}

/* Runs opts.follow_up when woken and at least every tick, until stopped;
 * one last time after the stop, so the final commits are followed up. */
static void *follow_up_main(void *arg)
{
    es_server_t *s = arg;
    es_store_t *st = NULL;
    if (es_store_open(s->o.db_path, &st)) {
        fprintf(stderr, "earshot serve: the follow-up thread cannot open the store: %s\n",
                st ? es_store_errmsg(st) : "out of memory");
        es_store_close(st);
        return NULL;
    }
    /* Most of what the follow-up writes (cases threaded from committed
     * mentions) is redone from them after a power loss: its commits need
     * not wait for the disk, and so hold the write lock that the webhooks'
     * group commits wait for much shorter. A step whose writes must
     * survive a power loss (alerts raised) sets full durability for itself
     * (es_store_set_durable). */
    if (es_store_set_durable(st, 0))
        fprintf(stderr, "earshot serve: the follow-up's store: %s\n", es_store_errmsg(st));
    es_store_set_gate(st, s->gate, 0); /* after the pipeline's commits */
    unsigned tick = s->o.tick_ms ? s->o.tick_ms : 1000;
    pthread_mutex_lock(&s->follow_mu);
    for (int last = 0; !last;) {
        last = s->follow_stop;
        s->follow_pending = 0;
        pthread_mutex_unlock(&s->follow_mu);
        int64_t t0 = now_ms();
        s->o.follow_up(st, t0, s->o.follow_up_ud);
        int64_t spent = now_ms() - t0;
        if (!last && spent < FOLLOW_GAP_MS) {
            struct timespec gap = {0, (long)(FOLLOW_GAP_MS - spent) * 1000000L};
            nanosleep(&gap, NULL);
        }
        pthread_mutex_lock(&s->follow_mu);
        if (!s->follow_pending && !s->follow_stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += tick / 1000;
            until.tv_nsec += (long)(tick % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->follow_cv, &s->follow_mu, &until);
        }
    }
    pthread_mutex_unlock(&s->follow_mu);
    es_store_close(st);
    return NULL;
}

static void stop_follow_up(es_server_t *s)
{
    if (!s->follow_started)
        return;
    pthread_mutex_lock(&s->follow_mu);
    s->follow_stop = 1;
    pthread_cond_signal(&s->follow_cv);
    pthread_mutex_unlock(&s->follow_mu);
    pthread_join(s->follow_tid, NULL);
    s->follow_started = 0;
}

/* ---- libmicrohttpd callbacks ------------------------------------------------------ */

/* Refuses a body over the limit before it arrives, when its length is
 * announced. Returns 1 when the request is already too large. */
static int announced_too_large(es_server_t *s, struct MHD_Connection *c)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (!cl)
        return 0;
    char *end = NULL;
    unsigned long long n = strtoull(cl, &end, 10);
    return end == cl || *end || n > s->o.max_body;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    es_server_t *s = cls;
    request *rq = *con_cls;
    if (!rq) {
        if (!(rq = es_calloc(1, sizeof *rq)))
            return MHD_NO;
        __atomic_fetch_add(&s->active, 1, __ATOMIC_RELAXED);
        es__buf_init(&rq->body, s->o.max_body);
        rq->too_large = announced_too_large(s, c);
        *con_cls = rq;
        if (rq->too_large) /* answer now: the body is never read */
            return (enum MHD_Result)es__http_dispatch(s, c, url, method, NULL, 0, 1, &rq->held);
        return MHD_YES;
    }
    if (rq->held) { /* resumed: the commit is done */
        es__http_exchange *x = rq->held;
        rq->held = NULL;
        return (enum MHD_Result)es__http_dispatch_resumed(s, x);
    }
    if (*upload_data_size > 0) {
        if (!rq->too_large) {
            es_err rc = es__buf_add(&rq->body, upload_data, *upload_data_size);
            if (rc == ES_ELIMIT)
                rq->too_large = 1;
            else if (rc)
                return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return (enum MHD_Result)es__http_dispatch(s, c, url, method, rq->body.data, rq->body.len,
                                              rq->too_large, &rq->held);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    es_server_t *s = cls;
    request *rq = *con_cls;
    if (!rq)
        return;
    if (rq->held) /* the client left while its commit was made */
        es__http_exchange_drop(s, rq->held);
    __atomic_fetch_sub(&s->active, 1, __ATOMIC_RELEASE);
    es__buf_cleanup(&rq->body);
    es_free(rq);
    *con_cls = NULL;
}

/* ---- start and stop ------------------------------------------------------------ */

static void free_server(es_server_t *s)
{
    for (es__http_analyser *a = s->analysers, *next; a; a = next) {
        next = a->next;
        es_analyzer_free(a->an);
        es_learn_feat_free(a->feat);
        es_free(a);
    }
    for (es__http_pooled *p = s->stores, *next; p; p = next) {
        next = p->next;
        es_store_close(p->store);
        es_free(p);
    }
    es_decoder_free(s->dec_lines);
    es__http_auth_cache_free(s->auth_cache);
    es_store_set_gate(s->o.store, NULL, 0); /* the caller's handle again */
    es_store_gate_free(s->gate);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->follow_mu);
    pthread_cond_destroy(&s->follow_cv);
    es_free(s);
}

/* Fills sa with host:port; ES_EINVAL when host is not an IPv4 address. */
static es_err address(const char *host, uint16_t port, struct sockaddr_in *sa, char *err,
                      size_t errlen)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    if (inet_pton(AF_INET, host, &sa->sin_addr) == 1)
        return ES_OK;
    snprintf(err, errlen, "not an IPv4 address: %.100s", host);
    return ES_EINVAL;
}

static es_err listen_on(es_server_t *s, const struct sockaddr_in *sa, char *err, size_t errlen)
{
    s->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
                            handler, s, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_THREAD_POOL_SIZE,
                            (unsigned)WORKERS, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)ES_SERVER_MAX_CONN, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)CONN_TIMEOUT, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%u (in use, or not allowed)", s->o.host,
                 (unsigned)s->o.port);
        return ES_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : s->o.port;
    return ES_OK;
}

/* Sets s up from o (no thread yet). */
static es_err init(es_server_t *s, const es_server_opts *o, char *err, size_t errlen)
{
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->follow_mu, NULL);
    pthread_cond_init(&s->follow_cv, NULL);
    s->o = *o;
    s->o.host = o->host ? o->host : "127.0.0.1";
    s->o.max_body = o->max_body ? o->max_body : ES_SERVER_MAX_BODY;
    s->o.queue = o->queue ? o->queue : ES_SERVER_QUEUE;
    es_err rc = es_lexicon_builtin(&s->lex);
    if (rc) {
        snprintf(err, errlen, "the sentiment lexicon: %s", es_strerror(rc));
        return rc;
    }
    s->auth_cache = es__http_auth_cache_new(); /* NULL only slows tokens down */
    if ((rc = es_store_gate_new(&s->gate))) {
        snprintf(err, errlen, "%s", "out of memory");
        return rc;
    }
    /* The group commit, which acknowledged requests wait for, goes first. */
    es_store_set_gate(s->o.store, s->gate, 1);
    es_reader_opts ro = {ES_FORMAT_AUTO, NULL, NULL};
    if ((rc = es_decoder_new(&ro, &s->dec_lines)))
        snprintf(err, errlen, "%s", "out of memory");
    return rc;
}

/* See server.h. */
es_err es_server_start(const es_server_opts *o, es_server_t **out, char *err, size_t errlen)
{
    es_err rc = ES_EINVAL;
    es_server_t *s = NULL;
    struct sockaddr_in sa;
    *out = NULL;
    snprintf(err, errlen, "%s", "invalid options: a store and its path are needed");
    if (!o || !o->store || !o->db_path)
        return ES_EINVAL;
    if ((rc = address(o->host ? o->host : "127.0.0.1", o->port, &sa, err, errlen)))
        return rc;
    if (!(s = es_calloc(1, sizeof *s))) {
        snprintf(err, errlen, "%s", "out of memory");
        return ES_ENOMEM;
    }
    if ((rc = init(s, o, err, errlen)))
        goto out;
    if (s->o.follow_up) {
        rc = ES_EIO;
        snprintf(err, errlen, "%s", "cannot start the follow-up thread");
        if (pthread_create(&s->follow_tid, NULL, follow_up_main, s) != 0)
            goto out;
        s->follow_started = 1;
    }
    if ((rc = es__http_inbox_start(o->store, s->o.queue, &s->metrics,
                                   s->o.follow_up ? wake_follow_up : NULL, s, &s->inbox))) {
        snprintf(err, errlen, "starting the pipeline: %s", es_store_errmsg(o->store));
        goto out;
    }
    if ((rc = es__http_surveys_start(s->o.db_path, s->gate, s->o.queue, &s->surveys))) {
        snprintf(err, errlen, "starting the survey committer: %s", es_strerror(rc));
        goto out;
    }
    rc = listen_on(s, &sa, err, errlen);
out:
    if (rc) {
        es__http_surveys_close(s->surveys);
        es_err crc = es__http_inbox_close(s->inbox);
        (void)crc; /* nothing was queued */
        stop_follow_up(s);
        free_server(s);
        return rc;
    }
    *out = s;
    return rc;
}

/* See server.h. */
es_err es_server_reload_models(es_server_t *s, char *err, size_t errlen)
{
    es_err first = ES_OK;
    size_t used = 0;
    err[0] = '\0';
    for (int t = 0; t < ES_TASK_COUNT; t++) {
        if (!s->o.models[t] || !s->o.model_paths[t])
            continue;
        char why[256];
        es_err rc = es_model_slot_load(s->o.models[t], s->o.model_paths[t], why, sizeof why);
        if (rc && used + 1 < errlen)
            used += (size_t)snprintf(err + used, errlen - used, "%s%s: %s", used ? "; " : "",
                                     s->o.model_paths[t], why);
        if (rc && !first)
            first = rc;
    }
    return first;
}

/* See server.h. */
uint16_t es_server_port(const es_server_t *s)
{
    return s->port;
}

/* Waits until no connection is suspended for a commit (the pipeline is
 * making them: each is answered), then, for at most DRAIN_MS, until every
 * request begun is answered, so that what was committed is acknowledged. */
static void drain(es_server_t *s)
{
    struct timespec ms = {0, 1000000L};
    while (__atomic_load_n(&s->suspended, __ATOMIC_ACQUIRE) > 0)
        nanosleep(&ms, NULL);
    for (int i = 0; i < DRAIN_MS && __atomic_load_n(&s->active, __ATOMIC_ACQUIRE) > 0; i++)
        nanosleep(&ms, NULL);
}

/* The order matters: stop listening and queueing (a request that arrives
 * on an open connection now is answered 503, and every answer from now on
 * closes its connection), let the pipeline commit what
 * is queued and the workers answer it (the survey committer likewise runs
 * what is queued for the handlers waiting on it), stop libmicrohttpd (which
 * must have no connection suspended), stop the committers, then let the follow-up
 * thread see the last commits. */
es_err es_server_stop(es_server_t *s)
{
    if (!s)
        return ES_OK;
    if (s->d) {
        MHD_socket fd = MHD_quiesce_daemon(s->d);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
        __atomic_store_n(&s->draining, 1, __ATOMIC_RELAXED);
        es__http_inbox_refuse(s->inbox);
        es__http_surveys_refuse(s->surveys);
        drain(s);
        MHD_stop_daemon(s->d);
    }
    es__http_surveys_close(s->surveys); /* no handler waits on it any more */
    es_err rc = es__http_inbox_close(s->inbox);
    stop_follow_up(s);
    free_server(s);
    return rc;
}
