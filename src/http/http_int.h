/*
 * http_int.h - what the files of the server share (internal to src/http/):
 * server.c (libmicrohttpd, routes, responses) hands each ingest request's
 * analysed mentions to inbox.c (the bounded queue and the one pipeline
 * thread that group-commits), and both count into metrics.c (the figures
 * that GET /metrics prints); hooks.c hands each SMS survey message to
 * surveys.c (the survey committer: one transaction for a batch of them).
 */
#ifndef ES_HTTP_HTTP_INT_H
#define ES_HTTP_HTTP_INT_H

#include <pthread.h>
#include <stdint.h>

#include "base/buf.h"
#include "earshot/analyze.h"
#include "earshot/arena.h"
#include "earshot/ingest.h"
#include "earshot/mention.h"
#include "earshot/server.h"
#include "earshot/store.h"
#include "earshot/survey_flow.h"

/* ---- metrics (metrics.c) -------------------------------------------------- */

#define ES__HTTP_LAT_BUCKETS 12 /* commit latency histogram bounds, see metrics.c */

/* Counters, updated with atomic adds from any thread. */
typedef struct es__http_metrics {
    uint64_t accepted;  /* mentions acknowledged (committed) */
    uint64_t stored;    /* of them, new in the store */
    uint64_t rejected;  /* records rejected as malformed */
    uint64_t requests_refused; /* ingest requests answered 503 (queue full) */
    uint64_t commits;   /* transactions */
    uint64_t lat_bucket[ES__HTTP_LAT_BUCKETS + 1]; /* last one is +Inf */
    uint64_t lat_count;
    uint64_t lat_sum_us;
    uint64_t status[6][100]; /* responses by status: [code / 100][code % 100] */
} es__http_metrics;

/* Counts one response with HTTP status code (100..599). Thread-safe. */
void es__http_metrics_status(es__http_metrics *m, unsigned code);

/* Records one commit that took seconds. Thread-safe. */
void es__http_metrics_commit(es__http_metrics *m, double seconds);

/* Writes the Prometheus text exposition of m plus the queue depth into b.
 * Errors: ES_ENOMEM, ES_ELIMIT (b's limit). */
es_err es__http_metrics_render(const es__http_metrics *m, size_t queue_depth, es__buf *b) ES_WUR;

/* ---- the inbox (inbox.c) ---------------------------------------------------- */

/* One request's mentions, waiting for the commit. The submitter owns the job
 * and its arena; the pipeline thread writes the results, then either sets
 * done (a waiting submitter) or calls on_done (a queued one). */
typedef struct es__http_job {
    struct es__http_job *next;
    es_arena_t *arena; /* where ms and its strings live */
    es_mention_t *ms;
    size_t n;
    size_t inserted; /* result: how many were new */
    es_err rc;       /* result: ES_OK once committed */
    int done;
    pthread_cond_t cv; /* signalled when done (inbox.c's) */
    /* es__http_inbox_queue only: called on the pipeline thread once the
     * results are written; the job may be freed as soon as it is called. */
    void (*on_done)(struct es__http_job *job, void *ud);
    void *on_done_ud;
} es__http_job;

typedef struct es__http_inbox es__http_inbox;

/* Starts the pipeline thread over store (which it then owns until close;
 * not freed by it). cap bounds the jobs waiting. on_commit (may be NULL) is
 * called on the pipeline thread after each commit that stored new
 * mentions, before the submitters are answered; it must be quick (it wakes
 * the follow-up thread). Errors: ES_ENOMEM, ES_EDB (warming the
 * near-duplicate detector), ES_EIO (no thread). */
es_err es__http_inbox_start(es_store_t *store, size_t cap, es__http_metrics *m,
                            void (*on_commit)(void *ud), void *ud, es__http_inbox **out) ES_WUR;

/* Queues job and waits until it is committed; returns job->rc. ES_EBUSY at
 * once (nothing queued) when cap jobs are waiting or the inbox is closing.
 * Thread-safe. */
es_err es__http_inbox_submit(es__http_inbox *in, es__http_job *job) ES_WUR;

/* Queues job and returns at once: ES_OK, and job->on_done (required) is
 * called on the pipeline thread after the commit that holds it, with
 * job->rc and job->inserted set; ES_EBUSY (nothing queued, on_done never
 * called) when cap jobs are waiting or the inbox refuses. The job and its
 * arena must live until on_done. Thread-safe. */
es_err es__http_inbox_queue(es__http_inbox *in, es__http_job *job) ES_WUR;

/* Refuses new jobs (ES_EBUSY) from now on; the jobs already queued are
 * still committed and answered. For the server's stop. Thread-safe. */
void es__http_inbox_refuse(es__http_inbox *in);

/* Jobs waiting now, and whether the last commit succeeded. Thread-safe. */
size_t es__http_inbox_depth(es__http_inbox *in);
int es__http_inbox_ok(es__http_inbox *in);

/* Refuses new jobs, commits every job already queued, joins the thread and
 * frees the inbox. Returns the first commit error seen, or ES_OK. */
es_err es__http_inbox_close(es__http_inbox *in);

/* ---- the survey committer (surveys.c) ---------------------------------------- */

/* One SMS survey message waiting for its step and the commit. The handler
 * owns the job and what in, opts and out point to; they must stay valid
 * until es__http_surveys_submit returns. */
typedef struct es__http_survey_job {
    struct es__http_survey_job *next;
    es_sms_in in;
    es_sms_survey_opts opts;
    int64_t now;
    es_sms_out *out; /* set by the committer: valid once rc is ES_OK */
    es_err rc;       /* ES_OK once the step is durably committed */
    char why[256];   /* rc's message from the committer's handle */
    int done;
    pthread_cond_t cv; /* signalled when done (surveys.c's) */
} es__http_survey_job;

typedef struct es__http_surveys es__http_surveys;

/* Opens the committer's own handle on db_path (given gate, first) and
 * starts its thread. cap bounds the jobs waiting. Errors: the store's
 * opening, ES_ENOMEM, ES_EIO (no thread). Freed by es__http_surveys_close. */
es_err es__http_surveys_start(const char *db_path, es_store_gate_t *gate, size_t cap,
                              es__http_surveys **out) ES_WUR;

/* Queues job and sleeps until its step is committed (or failed): ES_OK,
 * and the result is job->rc and job->out. ES_EBUSY at once (nothing
 * queued) when cap jobs wait or the committer refuses. Thread-safe. */
es_err es__http_surveys_submit(es__http_surveys *sv, es__http_survey_job *job) ES_WUR;

/* Refuses new jobs from now on; those queued are still run and answered. */
void es__http_surveys_refuse(es__http_surveys *sv);

/* Refuses, answers every job queued, joins the thread, closes the handle
 * and frees sv (NULL: nothing). Call once no handler can submit. */
void es__http_surveys_close(es__http_surveys *sv);

/* ---- routes and handlers (router.c) ------------------------------------------
 *
 * Every endpoint is a row of a route table: a method, a path pattern and a
 * handler. A part of the service keeps its rows in its own file (hooks.c,
 * api_cases.c, api_alerts.c, api_users.c ...) as a table ending with a row
 * whose method is NULL, and router.c lists the tables. The router buffers the
 * whole body (up to the server's max_body: else 413), authenticates
 * (auth.c) as the row asks, and calls the handler on one of libmicrohttpd's
 * worker threads, which serves many connections: a handler may use the
 * store, but must not wait for the pipeline. The handler fills the response;
 * the router adds the security headers and counts the status. A handler
 * that hands mentions to the pipeline (es__http_ingest_then) returns at
 * once with the connection suspended; the router calls its continuation
 * once they are committed, and only then answers. */

struct MHD_Connection;

/* Roles, weakest first: a route's min_role admits that role and stronger. */
typedef enum es__role {
    ES__ROLE_NONE = 0,
    ES__ROLE_VIEWER,
    ES__ROLE_AGENT,
    ES__ROLE_MANAGER,
    ES__ROLE_ADMIN
} es__role;

/* Who is asking (filled by es__http_authenticate). A machine token acts
 * with the role the token was given. all_locations is set for admins and
 * for users without location rows; otherwise locations[0..n_locations)
 * (in the request's arena) is the scope a manager, agent or viewer sees. */
typedef struct es__http_who {
    int64_t user_id;  /* 0: not a user (a token, or no authentication) */
    int64_t token_id; /* 0: not a token */
    es__role role;
    int all_locations;
    const char **locations;
    size_t n_locations;
    int by_session;          /* cookie login: state changes need X-CSRF-Token */
    const char *name;        /* the user's or token's name, for the audit */
} es__http_who;

#define ES__HTTP_MAX_PARAMS 3
#define ES__HTTP_MAX_HEADERS 6

typedef struct es__http_req es__http_req;
typedef struct es__http_resp es__http_resp;
typedef void (*es__http_fn)(es__http_req *rq, es__http_resp *rs);

struct es__http_req {
    es_server_t *srv;
    struct MHD_Connection *conn;
    const char *method; /* as sent; HEAD is routed as GET */
    const char *path;   /* without the query string */
    /* The path segments matched by "{}" in the pattern, in order. */
    const char *param[ES__HTTP_MAX_PARAMS];
    size_t n_params;
    const char *body; /* NUL-terminated copy of the body (may hold NULs) */
    size_t body_len;
    es__http_who who;
    es_arena_t *arena; /* lives until the response is sent */
    void *lent_store;  /* router.c's: the handle es__http_store lent */
    /* Set by es__http_ingest_then: the continuation, what the handler
     * keeps for it (in the arena), and the commit's job and results. */
    es__http_fn then;
    void *then_ud;
    es__http_job job;
};

struct es__http_resp {
    unsigned status;    /* 200 unless set */
    const char *type;   /* "application/json" unless set */
    es__buf body;       /* limit: 64 MiB */
    const char *hname[ES__HTTP_MAX_HEADERS], *hval[ES__HTTP_MAX_HEADERS];
    size_t n_headers;   /* add with es__http_header_add (strings must live
                         * until sent: static or in rq->arena) */
};

/* How a route authenticates. */
enum {
    ES__AUTH_PUBLIC = 0, /* anyone (/healthz, login, hooks that verify their
                          * own signature) */
    ES__AUTH_USER        /* a session cookie or an API token (Bearer) whose
                          * role is at least min_role; else 401 or 403 */
};

typedef struct es__http_route {
    const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE"; NULL ends */
    const char *pattern; /* "/api/v1/cases/{}/notes": {} is one segment */
    int auth;            /* ES__AUTH_* */
    es__role min_role;
    es__http_fn fn;
} es__http_route;

/* The tables router.c walks, in this order (first match wins). */
extern const es__http_route es__http_routes_core[];  /* server.c */
extern const es__http_route es__http_routes_hooks[]; /* hooks.c */
extern const es__http_route es__http_routes_users[]; /* api_users.c */
extern const es__http_route es__http_routes_cases[]; /* api_cases.c */
extern const es__http_route es__http_routes_teams[]; /* api_teams.c */
extern const es__http_route es__http_routes_alerts[];/* api_alerts.c */
extern const es__http_route es__http_routes_sla[];   /* api_sla.c */
extern const es__http_route es__http_routes_social[]; /* api_social.c */
extern const es__http_route es__http_routes_drivers[]; /* api_drivers.c */
extern const es__http_route es__http_routes_invite[]; /* api_invite.c */
extern const es__http_route es__http_routes_locations[]; /* api_locations.c */
extern const es__http_route es__http_routes_audits[];    /* api_audits.c */
extern const es__http_route es__http_routes_survey_web[]; /* survey_web.c */
extern const es__http_route es__http_routes_surveys[];    /* api_surveys.c */
extern const es__http_route es__http_routes_scores[]; /* api_scores.c */
extern const es__http_route es__http_routes_survey_defs[]; /* api_survey_defs.c */

/* Authenticates rq for route r (auth.c): fills rq->who. Returns 0 when the
 * request may proceed, else the status to answer (401, 403, 429, 500) with
 * *why set to a short reason. For a session on a method other than GET/HEAD
 * it also checks the X-CSRF-Token header. */
unsigned es__http_authenticate(es__http_req *rq, const es__http_route *r, const char **why);

/* May who see or change things of location loc? Users with all_locations
 * see every location; a scoped user sees only the locations listed, so a
 * thing with no location (NULL or "") is not theirs. */
int es__http_may_see(const es__http_who *who, const char *loc);

/* A header of the request (case-insensitive name), or NULL. */
const char *es__http_header(const es__http_req *rq, const char *name);
/* A query-string argument (decoded), or NULL. */
const char *es__http_arg(const es__http_req *rq, const char *name);
/* A cookie of the request, or NULL. */
const char *es__http_cookie(const es__http_req *rq, const char *name);

/* Adds a response header (at most ES__HTTP_MAX_HEADERS; more are dropped
 * and logged). */
void es__http_header_add(es__http_resp *rs, const char *name, const char *value);

/* Sets rs to status with the JSON body {"error": msg}. */
void es__http_error(es__http_resp *rs, unsigned status, const char *msg);

/* Appends s as a JSON string (quoted, escaped; NULL as null) to b. */
es_err es__http_json_str(es__buf *b, const char *s) ES_WUR;

/* A store handle for this request's thread, borrowed from the server's
 * pool (each handle is used by one thread at a time; the pipeline's own
 * handle is never lent). Given back automatically when the request ends.
 * NULL when the database cannot be opened (answer 500). */
es_store_t *es__http_store(es__http_req *rq);

/* The id in path segment i ("{}" number i): a positive decimal of at most
 * 18 digits, else 0 (answer 404). */
int64_t es__http_param_id(const es__http_req *rq, size_t i);

/* The query argument name as a size: *out = def when absent; 1 when
 * absent or a decimal of at most max, 0 when malformed or too large
 * (answer 400). For ?limit= and ?offset=. */
int es__http_arg_size(const es__http_req *rq, const char *name, size_t def, size_t max,
                      size_t *out);

/* Answers a store error rc of s: 404 (with not_found, or the store's
 * message when NULL), 409 for a duplicate, 400 with the store's message for
 * what describes the request (ES_EINVAL, ES_ELIMIT, ES_EUTF8, ES_EPARSE),
 * 503 with Retry-After for a busy database, else 500 without details. */
void es__http_store_error(es__http_resp *rs, es_store_t *s, es_err rc, const char *not_found);

/* es__http_store, answering 500 when there is no handle (then NULL). */
es_store_t *es__http_store_or_500(es__http_req *rq, es__http_resp *rs);

/* Wakes the delivery thread `what` ("replies", "alerts") through the
 * server's wake hook, if any. Thread-safe. */
void es__http_wake(es__http_req *rq, const char *what);

/* The options the server was started with (secrets, public URL ...). */
const struct es_server_opts *es__http_opts(const es__http_req *rq);

/* ---- the token cache (authcache.c) ---------------------------------------------- */

#define ES__HTTP_AUTH_TTL_MS 2000 /* how long a checked token is believed */

typedef struct es__http_auth_cache es__http_auth_cache;

/* Makes and frees the cache (NULL: out of memory; the server then checks
 * every token in the store). */
es__http_auth_cache *es__http_auth_cache_new(void);
void es__http_auth_cache_free(es__http_auth_cache *c);

/* A hit: who the token with this SHA-256 was found to be less than
 * ES__HTTP_AUTH_TTL_MS ago; fills *who (strings in a) and returns 1. 0 for
 * a miss (or c NULL, or a full arena). Thread-safe. */
int es__http_auth_cache_get(es__http_auth_cache *c, const uint8_t hash[32], int64_t now_ms,
                            es__http_who *who, es_arena_t *a);

/* Remembers who for the token hash (copies the strings). Thread-safe. */
void es__http_auth_cache_put(es__http_auth_cache *c, const uint8_t hash[32], int64_t now_ms,
                             const es__http_who *who);

/* Forgets every token: after a token or a user was changed through the
 * API. Thread-safe. */
void es__http_auth_cache_clear(es__http_auth_cache *c);

/* ---- the server (server.c) ------------------------------------------------------ */

#define ES__HTTP_STORE_POOL 64 /* idle store handles kept for the HTTP threads */

/* One analysing thread's es_analyzer_t, borrowed from the pool (ingest.c). */
typedef struct es__http_analyser {
    struct es__http_analyser *next;
    es_analyzer_t *an;
    es_learn_feat_t *feat; /* for the learned models, when there are some */
} es__http_analyser;

/* A store handle lent to a request (router.c gives it back). */
typedef struct es__http_pooled {
    struct es__http_pooled *next;
    es_store_t *store;
} es__http_pooled;

struct es_server_s {
    es_server_opts o;
    struct MHD_Daemon *d;
    uint16_t port;
    es__http_inbox *inbox;
    es__http_surveys *surveys; /* the SMS survey committer */
    es__http_metrics metrics;
    es_decoder_t *dec_lines; /* JSON Lines, each record's format recognised */
    const es_lexicon_t *lex;
    pthread_mutex_t mu;      /* guards analysers and stores */
    es__http_analyser *analysers;
    es__http_pooled *stores; /* idle handles on o.db_path */
    size_t n_stores;
    es__http_auth_cache *auth_cache; /* may be NULL */
    es_store_gate_t *gate;           /* the pipeline's commits first, the follow-up after */
    /* The follow-up thread (server.c). */
    pthread_t follow_tid;
    int follow_started;
    pthread_mutex_t follow_mu;
    pthread_cond_t follow_cv;
    int follow_pending, follow_stop;
    /* Requests begun and not yet completed, and of them those suspended
     * until their commit (atomic): the stop waits for both to drain. */
    unsigned active, suspended;
    int draining; /* stopping (atomic): answers close their connection */
};

/* Borrows a store handle on o.db_path (opening one when none is idle) and
 * gives it back. NULL when it cannot be opened. Thread-safe. */
es__http_pooled *es__http_store_borrow(es_server_t *s);
void es__http_store_return(es_server_t *s, es__http_pooled *p);

/* Borrows an analyser (NULL: out of memory) and gives it back. Thread-safe. */
es__http_analyser *es__http_analyser_borrow(es_server_t *s);
void es__http_analyser_return(es_server_t *s, es__http_analyser *a);

/* Analyses ms[0..n) (sentiment, intent, cues, listening queries; their
 * strings in rq->arena), hands them to the pipeline and waits for their
 * commit: ES_OK once durably stored (*inserted: how many were new),
 * ES_EBUSY when the queue is full (answer 503 with Retry-After),
 * ES_REJECTED when analysis refused one (*why), else the store's error.
 * For callers off the worker threads, which may block: the feed poller
 * (hooks.c). A handler uses es__http_ingest_then instead. */
es_err es__http_ingest(es__http_req *rq, es_mention_t *ms, size_t n, size_t *inserted,
                       const char **why) ES_WUR;

/* es__http_ingest for a handler on a connection: analyses ms[0..n) (which
 * must live in rq->arena), suspends the connection and queues them, and
 * returns ES_OK at once; the handler then returns without answering.
 * Once the commit is done the router calls then(rq, rs) on a worker
 * thread, with rq->job.rc (ES_OK once durably stored, ES_EBUSY when the
 * queue was full, else the store's error) and rq->job.inserted set, and
 * sends what it answers. then_ud is kept in rq->then_ud for it. Errors,
 * with nothing queued and the connection not suspended: ES_REJECTED when
 * analysis refused one (*why), ES_ENOMEM. */
es_err es__http_ingest_then(es__http_req *rq, es_mention_t *ms, size_t n, es__http_fn then,
                            void *then_ud, const char **why) ES_WUR;

/* The handlers of es__http_routes_core (server.c, ingest.c). */
void es__http_do_health(es__http_req *rq, es__http_resp *rs);
void es__http_do_metrics(es__http_req *rq, es__http_resp *rs);
void es__http_do_ingest(es__http_req *rq, es__http_resp *rs);
void es__http_do_models_reload(es__http_req *rq, es__http_resp *rs);

/* One request between its routing and its answer (router.c's). */
typedef struct es__http_exchange es__http_exchange;

/* Routes one complete request and sends its answer (router.c): called by
 * server.c once the body is in. body may be NULL for none. When the
 * handler suspended the connection for a commit (es__http_ingest_then),
 * nothing is sent yet and *held is set: server.c then calls
 * es__http_dispatch_resumed once libmicrohttpd resumes the connection, or
 * es__http_exchange_drop when it ends instead. Returns an MHD_Result. */
int es__http_dispatch(es_server_t *s, struct MHD_Connection *c, const char *url, const char *method,
                      const char *body, size_t len, int too_large, es__http_exchange **held);

/* Runs the continuation of a held exchange, sends its answer and frees it. */
int es__http_dispatch_resumed(es_server_t *s, es__http_exchange *x);

/* Frees a held exchange whose connection ended before it was answered
 * (its commit is done: the connection is resumed only then). */
void es__http_exchange_drop(es_server_t *s, es__http_exchange *x);

#endif
