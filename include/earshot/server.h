/*
 * server.h - `earshot serve`: the HTTP server that receives mentions as they
 * happen (issue 3, L1), built on libmicrohttpd.
 *
 * Shape (DESIGN.md): a small pool of worker threads serves the HTTP
 * connections; a worker reads a request, decodes and analyses its mentions
 * (sentiment, intent, cues, listening queries), then suspends the
 * connection and hands them to ONE pipeline thread through a bounded queue.
 * The pipeline thread takes every request waiting, marks near-duplicates,
 * and commits them all in one transaction (group commit); only then are
 * the connections resumed and each request answered 202. So an
 * acknowledged mention is always stored, and a full queue is answered 503
 * with Retry-After instead of being dropped.
 * docs/api.md lists the endpoints, status codes and limits.
 *
 * The server owns the store handle it is given for its lifetime: only the
 * pipeline thread uses it.
 */
#ifndef EARSHOT_SERVER_H
#define EARSHOT_SERVER_H

#include <stdint.h>

#include "analyze.h"
#include "earshot.h"
#include "learn.h"
#include "listen.h"
#include "sentiment.h"
#include "store.h"

#define ES_SERVER_MAX_BODY (1024 * 1024) /* bytes of one request body */
#define ES_SERVER_QUEUE 1024             /* requests waiting for a commit */
#define ES_SERVER_MAX_CONN 512           /* connections, over all workers */

typedef struct es_server_opts {
    const char *host;  /* an IPv4 address to bind, "127.0.0.1" when NULL */
    uint16_t port;     /* 0: the system picks one (see es_server_port) */
    es_store_t *store; /* required; used by the pipeline thread only */
    es_sent_mode mode;
    const es_matcher_t *matcher; /* the listening queries, or NULL */
    const es_brand_ref *brands; /* brands for brand hints (may be NULL) */
    size_t n_brands;
    size_t max_body;  /* 0: ES_SERVER_MAX_BODY */
    size_t queue;     /* 0: ES_SERVER_QUEUE */
    /* The database file again: the HTTP threads open handles of their own
     * on it (authentication, the API), never touching `store`. */
    const char *db_path;
    /* Accept every request as an admin without credentials: for tests and
     * demos on loopback only (earshot serve --no-auth). */
    int no_auth;
    /* Work after the commits, on a thread of its own with a store handle
     * of its own: called after each group commit that stored something
     * new, once at start, and at least every tick_ms (0: 1000) when idle.
     * The inbox threader, the alert scanner and the SLA checker run here
     * (src/cli/serve.c). NULL: none. */
    void (*follow_up)(es_store_t *s, int64_t now_ms, void *ud);
    void *follow_up_ud;
    unsigned tick_ms;
    /* Learned models (issue 5), by task (NULL: none for that task): each
     * webhook's mentions go through them after the rules (es_learn_apply).
     * The slots and their files stay the caller's; es_server_reload_models
     * (SIGHUP, POST /api/v1/models/reload) loads the files again. */
    es_model_slot_t *models[ES_TASK_COUNT];
    const char *model_paths[ES_TASK_COUNT];
    /* Wakes a delivery thread after a handler queued work for it: what is
     * "replies" (a reply was added), "alerts" or "invitations". NULL: they
     * poll. */
    void (*wake)(const char *what, void *ud);
    void *wake_ud;
    /* Webhook secrets and settings (src/http/hooks.c, docs/config.md);
     * NULL or "" turns the endpoint off (it answers 404). */
    const char *meta_app_secret;   /* POST /hooks/meta: X-Hub-Signature-256 */
    const char *meta_verify_token; /* GET /hooks/meta: the handshake */
    const char *twilio_auth_token; /* POST /hooks/twilio: X-Twilio-Signature */
    const char *public_url;        /* how providers reach us: "https://host" */
    const char *twilio_url;        /* the exact URL Twilio posts to, when not
                                    * public_url + "/hooks/twilio" */
    const char *twilio_reply;      /* an automatic SMS answer, or NULL */
    const char *twilio_locations;  /* "+15551230001=store-1,+1555...=store-2":
                                    * the location of SMS sent to each number */
    /* Surveys (src/voc, docs/surveys.md): the SMS keyword (NULL:
     * "FEEDBACK"), the seconds of silence that end an SMS session (0:
     * 1800), and the key that signs the QR form's one-time tokens (NULL: a
     * random key per process, so forms served before a restart are
     * refused). */
    const char *survey_keyword;
    int64_t survey_expiry;
    const char *survey_secret;
} es_server_opts;

typedef struct es_server_s es_server_t;

/* Starts the pipeline thread and the HTTP daemon. The matcher, the brands
 * and the store must outlive the server. On failure err receives the reason
 * (a port in use ...). Errors: ES_EINVAL, ES_EIO (cannot listen), ES_EDB,
 * ES_ENOMEM. */
es_err es_server_start(const es_server_opts *o, es_server_t **out, char *err, size_t errlen) ES_WUR;

/* The TCP port the server listens on (the chosen one when opts->port was 0). */
uint16_t es_server_port(const es_server_t *s);

/* Stops gracefully: stops accepting connections, lets the requests in
 * progress finish, commits everything queued, then stops the pipeline
 * thread and frees the server. Returns ES_OK when every commit succeeded,
 * else the first error. Call from one thread, once. NULL is allowed. */
es_err es_server_stop(es_server_t *s);

/* Polls the RSS and Atom feeds of store that are due at now (Unix
 * seconds; es_feed_poll_due, feed.h) and hands their items to the server's
 * pipeline: analysed and group-committed like a webhook's mentions. store
 * is the caller's own handle (not the server's). Blocks for the fetches
 * (up to 20 s a feed): call it from a thread that may wait, every few
 * seconds (feeds.poll in docs/config.md). *items (may be NULL) receives
 * the new items stored. Errors: those of es_feed_poll_due. Thread-safe
 * with respect to the server; one caller per store handle. */
es_err es_server_poll_feeds(es_server_t *s, es_store_t *store, int64_t now,
                            size_t *items) ES_WUR;

/* Loads every model file of opts.model_paths again into its slot, each
 * checked fully before it is swapped in; requests in progress finish with
 * the model they started with. On a bad file that model stays and err
 * names the file and the reason (the others are still reloaded). Returns
 * ES_OK or the first error. Thread-safe. */
es_err es_server_reload_models(es_server_t *s, char *err, size_t errlen) ES_WUR;

/* API tokens: 32 random bytes written base64url without padding. */
#define ES_SERVER_TOKEN_LEN 43

/* Makes a new token into token (NUL-terminated) and its SHA-256 into hash,
 * which is what the store keeps (es_store_token_add). ES_EIO when the
 * system has no randomness to give. Thread-safe. */
es_err es_server_token_new(char token[ES_SERVER_TOKEN_LEN + 1], uint8_t hash[32]) ES_WUR;

/* The SHA-256 of token[0..len), as the store keeps it. Thread-safe. */
void es_server_token_hash(const char *token, size_t len, uint8_t hash[32]);

#endif
