/*
 * feed_int.h - the feeds part of the store (internal to src/store/): the
 * operation table that src/store/feeds.c dispatches es_feed_add/remove/
 * list/record to, and the SQLite schema step that creates the feeds table
 * (step 7, applied by migrations.c). sqlite_feed.c implements both.
 */
#ifndef ES_STORE_FEED_INT_H
#define ES_STORE_FEED_INT_H

#include "earshot/feed.h"
#include "store/store_int.h"

/* What a backend does for feeds; store.c's checks are already made. */
struct es__feed_ops {
    es_err (*add)(es_store_t *s, const es_feed_row *f, int64_t who, int64_t *id);
    es_err (*remove)(es_store_t *s, int64_t id, int64_t who);
    es_err (*list)(es_store_t *s, int due, int64_t now, size_t limit,
                   void (*cb)(const es_feed_row *, void *), void *ud);
    es_err (*record)(es_store_t *s, int64_t id, const es_feed_row *r);
};

/* The SQLite implementation (sqlite_feed.c). */
extern const struct es__feed_ops es__sqlite_feed_ops;

/* Schema step 7: the feeds table (sqlite_feed.c). */
extern const char es__sqlite_step7[];

#endif
