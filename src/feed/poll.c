/*
 * poll.c - the feed poller (feed.h): for each feed that is due, a
 * conditional fetch (fetch.c), parsing (parse.c), one mention per item
 * (item.c) handed to the caller's sink, and the outcome recorded in the
 * feeds table (es_feed_record). Called by the server's scheduler and by
 * `earshot feed poll`.
 *
 * Nothing is lost and nothing is stored twice: the validators (ETag,
 * Last-Modified) of an answer are recorded only once its items are durably
 * stored by the sink, so after a failure the next poll fetches them again;
 * and an item's mention has the same (source, external_id) every time, so
 * the store keeps it once. A feed that fails is recorded with its error and
 * polled again later (with a growing wait, see sqlite_feed.c); it never
 * stops the others. One thread per store handle, as the store requires.
 */
#include <stdio.h>
#include <string.h>

#include "earshot/feed.h"

#define MAX_DUE 64                    /* feeds polled by one call */
#define ARENA_MAX (96u * 1024 * 1024) /* one feed's items and strings */

/* The due feeds, copied out of the listing's callback. */
typedef struct due {
    es_arena_t *a;
    es_feed_row rows[MAX_DUE];
    size_t n;
    int oom;
} due;

static const char *dup(es_arena_t *a, const char *s, int *oom)
{
    if (!s)
        return NULL;
    const char *d = es_arena_strdup(a, s);
    if (!d)
        *oom = 1;
    return d;
}

static void collect(const es_feed_row *f, void *ud)
{
    due *d = ud;
    if (d->n >= MAX_DUE)
        return;
    es_feed_row *r = &d->rows[d->n++];
    *r = *f;
    r->url = dup(d->a, f->url, &d->oom);
    r->name = dup(d->a, f->name, &d->oom);
    r->source = dup(d->a, f->source, &d->oom);
    r->brand = dup(d->a, f->brand, &d->oom);
    r->location = dup(d->a, f->location, &d->oom);
    r->etag = dup(d->a, f->etag, &d->oom);
    r->last_modified = dup(d->a, f->last_modified, &d->oom);
    r->last_error = NULL;
}

/* The mentions of a parsed document; items without words are skipped. */
static es_err to_mentions(es_arena_t *a, const es_feed_row *f, const es_feed_doc *doc, int64_t now,
                          es_mention_t **ms, size_t *n)
{
    const char *source = f->source ? f->source : es_arena_printf(a, "feed:%s", f->name);
    *n = 0;
    *ms = doc->n ? es_arena_alloc(a, doc->n * sizeof **ms) : NULL;
    if (!source || (doc->n && !*ms))
        return ES_ENOMEM;
    for (size_t i = 0; i < doc->n; i++) {
        es_mention_t *m = &(*ms)[*n];
        es_err rc = es_feed_item_mention(a, &doc->items[i], source, f->brand, f->location, m, NULL);
        if (rc == ES_REJECTED)
            continue;
        if (rc)
            return rc;
        m->received_at = now;
        if (m->created_at == 0)
            m->created_at = now;
        (*n)++;
    }
    return ES_OK;
}

/* Parses a 200 answer and hands its items to the sink. Fills r's error,
 * validators and count; returns the feed's own outcome. */
static es_err deliver(es_arena_t *a, const es_feed_row *f, es_feed_response *resp, int64_t now,
                      es_feed_sink cb, void *ud, es_feed_row *r)
{
    es_feed_doc doc;
    const char *reason = NULL;
    es_mention_t *ms = NULL;
    size_t n = 0, inserted = 0;
    es_err rc = es_feed_parse(a, resp->body, resp->len, &doc, &reason);
    if (rc) {
        r->last_error = reason ? reason : es_strerror(rc);
        return rc;
    }
    if ((rc = to_mentions(a, f, &doc, now, &ms, &n))) {
        r->last_error = es_strerror(rc);
        return rc;
    }
    if (n > 0 && (rc = cb(ud, f, ms, n, a, &inserted))) {
        r->last_error = es_arena_printf(a, "storing its items: %s", es_strerror(rc));
        if (!r->last_error)
            r->last_error = "storing its items failed";
        return rc;
    }
    r->etag = resp->etag;
    r->last_modified = resp->last_modified;
    r->items = (int64_t)inserted;
    return ES_OK;
}

/* Polls one feed and records the outcome. Returns the store's error (the
 * record failed) and puts the feed's own outcome in *feed_rc. */
static es_err poll(es_store_t *s, const es_feed_row *f, int64_t now, es_feed_sink cb, void *ud,
                   size_t *items, es_err *feed_rc)
{
    es_feed_fetch_opts fo = {f->url, f->etag, f->last_modified, 0, 0, 0};
    es_feed_response resp;
    es_feed_row r;
    char err[256];
    es_arena_t *a = es_arena_new(256 * 1024, ARENA_MAX);
    memset(&r, 0, sizeof r);
    memset(&resp, 0, sizeof resp);
    r.last_poll = now;
    r.next_poll = now + (f->every > 0 ? f->every : ES_FEED_MIN_EVERY);
    if (!a) {
        *feed_rc = ES_ENOMEM;
        return ES_ENOMEM;
    }
    *feed_rc = es_feed_fetch(&fo, &resp, err, sizeof err);
    r.last_status = (int)resp.status;
    if (*feed_rc) {
        r.last_error = es_arena_strdup(a, err[0] ? err : es_strerror(*feed_rc));
    } else if (resp.status == 304) {
        r.etag = resp.etag; /* a 304 may renew them; NULL keeps the old ones */
        r.last_modified = resp.last_modified;
    } else if (resp.status != 200) {
        *feed_rc = ES_EIO;
        r.last_error = es_arena_printf(a, "HTTP status %ld", resp.status);
    } else {
        *feed_rc = deliver(a, f, &resp, now, cb, ud, &r);
    }
    if (*feed_rc && !r.last_error)
        r.last_error = "the poll failed";
    es_err rc = es_feed_record(s, f->id, &r);
    if (rc == ES_OK && items)
        *items += (size_t)r.items;
    es_feed_response_cleanup(&resp);
    es_arena_free(a);
    return rc;
}

/* See feed.h. */
es_err es_feed_poll_one(es_store_t *s, const es_feed_row *f, int64_t now, es_feed_sink cb, void *ud,
                        size_t *items)
{
    es_err feed_rc = ES_OK;
    if (items)
        *items = 0;
    if (!s || !f || !cb)
        return ES_EINVAL;
    es_err rc = poll(s, f, now, cb, ud, items, &feed_rc);
    return rc ? rc : feed_rc;
}

/* See feed.h. */
es_err es_feed_poll_due(es_store_t *s, int64_t now, es_feed_sink cb, void *ud, size_t *items)
{
    due *d = NULL;
    es_err rc = ES_EINVAL;
    if (items)
        *items = 0;
    if (!s || !cb)
        return rc;
    rc = ES_ENOMEM;
    if (!(d = es_calloc(1, sizeof *d)) || !(d->a = es_arena_new(16 * 1024, 0)))
        goto out;
    if ((rc = es_feed_list(s, 1, now, MAX_DUE, collect, d)))
        goto out;
    rc = d->oom ? ES_ENOMEM : ES_OK;
    for (size_t i = 0; rc == ES_OK && i < d->n; i++) {
        es_err feed_rc;
        rc = poll(s, &d->rows[i], now, cb, ud, items, &feed_rc);
    }
out:
    if (d)
        es_arena_free(d->a);
    es_free(d);
    return rc;
}
