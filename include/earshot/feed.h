/*
 * feed.h - RSS and Atom feeds polled on a schedule (issue 3, L1): review
 * sites, news and blog alerts become mentions, each item stored once.
 *
 * Three layers, usable apart:
 *  - parsing (src/feed/parse.c): an RSS 2.0, RSS 1.0 or Atom document into
 *    items, with libxml2 and no network, no DTD, no entity expansion and a
 *    bounded size; es_feed_item_mention turns an item into a mention;
 *  - fetching (src/feed/fetch.c): one conditional GET with libcurl
 *    (If-None-Match / If-Modified-Since, 304, timeouts, size and redirect
 *    limits);
 *  - the feeds table (src/store/feeds.c, schema step 7) and the poller
 *    (src/feed/poll.c) that fetches every feed that is due and hands its
 *    items to a sink: `earshot feed poll` analyses and stores them, the
 *    server queues them to its group-commit pipeline.
 * An item's mention is identified by (source, external_id), so polling a
 * feed again never stores an item twice. docs/api.md ("Feeds") explains.
 */
#ifndef EARSHOT_FEED_H
#define EARSHOT_FEED_H

#include <stdint.h>

#include "arena.h"
#include "earshot.h"
#include "mention.h"
#include "store.h"

#define ES_FEED_MAX_BYTES (8 * 1024 * 1024) /* the largest document read */
#define ES_FEED_MAX_ITEMS 2000              /* items kept from one document */
#define ES_FEED_MIN_EVERY 60                /* seconds: the shortest schedule */

/* ---- parsing --------------------------------------------------------------- */

/* One item (RSS) or entry (Atom). Strings are NUL-terminated UTF-8 in the
 * arena given to es_feed_parse, NULL when absent. text is the description
 * (or Atom summary/content) as plain text: tags removed, entities decoded,
 * white space collapsed. */
typedef struct es_feed_item {
    const char *id; /* guid (RSS) or id (Atom) */
    const char *title;
    const char *link;
    const char *text;
    const char *author;
    int64_t published; /* pubDate / dc:date / published / updated; 0 unknown */
} es_feed_item;

typedef struct es_feed_doc {
    const char *kind;  /* "rss", "rdf" or "atom" */
    const char *title; /* the feed's own title, or NULL */
    es_feed_item *items;
    size_t n;       /* items kept (at most ES_FEED_MAX_ITEMS) */
    size_t skipped; /* items beyond the limit, not kept */
} es_feed_doc;

/* Parses an RSS 2.0, RSS 1.0 (RDF) or Atom 1.0 document of len bytes
 * (at most ES_FEED_MAX_BYTES). The network is never used, no DTD is loaded
 * and a document that declares entities is refused, so nothing expands.
 * Errors: ES_EPARSE with *reason such as "line 3: Opening and ending tag
 * mismatch: item line 2 and channel" or "not an RSS or Atom document (root
 * element <html>)"; ES_ELIMIT over the size; ES_ENOMEM. *reason lives in
 * a. Thread-safe (one arena per thread). */
es_err es_feed_parse(es_arena_t *a, const char *xml, size_t len, es_feed_doc *out,
                     const char **reason) ES_WUR;

/* Makes the mention of item it into *m (strings in a): source as given
 * (e.g. "review" or "feed:acme-news"), external_id the item's id, else its
 * link, else a hash of its title and text ("h:" and 16 hex digits); text
 * the title and the text on two lines (cut at ES_MAX_TEXT on a character
 * boundary); url the link; created_at the publication time; brand_hint
 * and location from the feed (NULL: none). ES_REJECTED with *reason for an
 * item with no words at all; ES_ENOMEM. */
es_err es_feed_item_mention(es_arena_t *a, const es_feed_item *it, const char *source,
                            const char *brand, const char *location, es_mention_t *m,
                            const char **reason) ES_WUR;

/* Removes tags, comments, scripts and styles from an HTML fragment,
 * decodes its character references and collapses white space; the result
 * goes into the arena (*out, NUL-terminated). ES_ENOMEM. Reentrant. */
es_err es_feed_html_text(es_arena_t *a, const char *html, size_t len, char **out) ES_WUR;

/* ---- fetching ------------------------------------------------------------- */

typedef struct es_feed_fetch_opts {
    const char *url;           /* http:// or https:// only */
    const char *etag;          /* sent as If-None-Match, or NULL */
    const char *last_modified; /* sent as If-Modified-Since, or NULL */
    long timeout_ms;           /* whole transfer; 0: 20,000 */
    size_t max_bytes;          /* 0: ES_FEED_MAX_BYTES */
    long max_redirects;        /* 0: 5; -1: none followed */
} es_feed_fetch_opts;

/* What a fetch gave. body (es_free'd by es_feed_response_cleanup) holds
 * the document when status is 200; etag and last_modified are the
 * validators of the final response (NULL when it sent none). */
typedef struct es_feed_response {
    long status; /* HTTP status; 0 when no response came */
    char *body;
    size_t len;
    char *etag;
    char *last_modified;
} es_feed_response;

/* GETs o->url once (following at most max_redirects redirects, to http or
 * https only), conditionally when a validator is given. Returns ES_OK for
 * any HTTP answer (check r->status: 200, 304, 404 ...); ES_EIO when no
 * answer came (DNS, connection, timeout, TLS) with the reason in err;
 * ES_ELIMIT for a body over max_bytes; ES_EINVAL for another scheme;
 * ES_ENOMEM. Thread-safe. Free *r with es_feed_response_cleanup. */
es_err es_feed_fetch(const es_feed_fetch_opts *o, es_feed_response *r, char *err,
                     size_t errlen) ES_WUR;
void es_feed_response_cleanup(es_feed_response *r);

/* ---- the feeds table (store) ----------------------------------------------- */

/* A feed as stored. Strings are valid during a callback only. */
typedef struct es_feed_row {
    int64_t id;
    const char *url;
    const char *name;                 /* unique */
    const char *source;               /* the mentions' source, or NULL: "feed:<name>" */
    const char *brand;                /* brand hint for its mentions, or NULL */
    const char *location;             /* location of its mentions, or NULL */
    int64_t every;                    /* seconds between polls (>= ES_FEED_MIN_EVERY) */
    const char *etag, *last_modified; /* validators of the last 200 */
    int64_t next_poll;                /* Unix seconds; 0: at once */
    int64_t last_poll;                /* 0: never */
    int last_status;                  /* HTTP status of the last poll, 0 none */
    const char *last_error;           /* NULL after a good poll */
    int64_t items;                    /* new items stored over its life */
} es_feed_row;

/* Adds a feed from f's url, name, source, brand, location and every (0:
 * 900 seconds), due at once, and its audit entry ("feed.add",
 * "feed:<id>"), in one transaction. who is the acting user's id (0: the
 * command line). ES_EEXIST for a url or name already there; ES_EINVAL for
 * a url that is not http(s), an empty name or an every below
 * ES_FEED_MIN_EVERY; ES_EDB. *id (may be NULL) receives the id. */
es_err es_feed_add(es_store_t *s, const es_feed_row *f, int64_t who, int64_t *id) ES_WUR;

/* Removes feed id and writes "feed.remove" (one transaction); the mentions
 * it brought stay. ES_ENOTFOUND, ES_EDB. */
es_err es_feed_remove(es_store_t *s, int64_t id, int64_t who) ES_WUR;

/* Calls cb for every feed, by id (due set: only those with next_poll <= now,
 * oldest due first, at most limit (0: no limit)). ES_EDB. */
es_err es_feed_list(es_store_t *s, int due, int64_t now, size_t limit,
                    void (*cb)(const es_feed_row *f, void *ud), void *ud) ES_WUR;

/* Records the outcome of a poll of feed id: r's etag, last_modified (kept
 * as they were when both are NULL and status is not 200), last_status,
 * last_error, last_poll and next_poll; adds r->items to the feed's count.
 * ES_ENOTFOUND, ES_EDB. */
es_err es_feed_record(es_store_t *s, int64_t id, const es_feed_row *r) ES_WUR;

/* ---- polling ---------------------------------------------------------------- */

/* Receives the mentions of one poll of feed f (n >= 1, strings in a, which
 * the poller frees after the call). Returns ES_OK only once they are
 * durably stored (then *inserted says how many were new); any other code
 * leaves the feed's validators unchanged, so the next poll fetches the
 * items again. */
typedef es_err (*es_feed_sink)(void *ud, const es_feed_row *f, es_mention_t *ms, size_t n,
                               es_arena_t *a, size_t *inserted);

/* Polls every feed of s that is due at now (at most 64 per call): fetches
 * it conditionally, parses it, hands its items to cb and records the
 * outcome (es_feed_record): next_poll = now + every, a longer wait after
 * repeated failures. A feed that fails (network, HTTP error, bad XML, the
 * sink) is recorded with its error and does not stop the others.
 * *items (may be NULL) receives the number of new items stored. Returns
 * ES_OK, or ES_EDB / ES_ENOMEM when the feeds table itself fails. Uses s
 * from the calling thread only; the sink may use s too. */
es_err es_feed_poll_due(es_store_t *s, int64_t now, es_feed_sink cb, void *ud,
                        size_t *items) ES_WUR;

/* Polls feed f now, whatever its schedule, as es_feed_poll_due does for
 * each due feed. *items receives the new items; the feed's own error (also
 * recorded) is returned as ES_EIO, ES_EPARSE or the sink's code. */
es_err es_feed_poll_one(es_store_t *s, const es_feed_row *f, int64_t now, es_feed_sink cb, void *ud,
                        size_t *items) ES_WUR;

#endif
