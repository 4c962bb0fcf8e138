/*
 * feeds.c - the store's public feed functions (feed.h): argument checks,
 * then dispatch to the backend's feed operations (feed_int.h). Called by
 * the feed poller (src/feed/poll.c), `earshot feed` and the server. No SQL
 * here.
 */
#include <string.h>
#include <strings.h>

#include "store/feed_int.h"

#define DEFAULT_EVERY 900

static int http_url(const char *u)
{
    return u && (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0) &&
           strlen(u) <= ES_MAX_FIELD;
}

/* See feed.h. */
es_err es_feed_add(es_store_t *s, const es_feed_row *f, int64_t who, int64_t *id)
{
    es_err rc = es__store_part(s, s ? s->ops ? s->ops->feeds : NULL : NULL, "adding a feed");
    if (rc)
        return rc;
    if (!f || !http_url(f->url))
        return es__store_fail(s, ES_EINVAL,
                              "adding a feed: the URL must start with http:// "
                              "or https:// (at most %d bytes)",
                              ES_MAX_FIELD);
    if (!f->name || !*f->name || strlen(f->name) > 200)
        return es__store_fail(s, ES_EINVAL, "adding a feed: a name of 1 to 200 bytes is needed");
    es_feed_row c = *f;
    if (c.every == 0)
        c.every = DEFAULT_EVERY;
    if (c.every < ES_FEED_MIN_EVERY || c.every > 30 * 86400)
        return es__store_fail(s, ES_EINVAL, "adding a feed: every must be %d seconds to 30 days",
                              ES_FEED_MIN_EVERY);
    return s->ops->feeds->add(s, &c, who, id);
}

/* See feed.h. */
es_err es_feed_remove(es_store_t *s, int64_t id, int64_t who)
{
    es_err rc = es__store_part(s, s ? s->ops ? s->ops->feeds : NULL : NULL, "removing a feed");
    return rc ? rc : s->ops->feeds->remove(s, id, who);
}

/* See feed.h. */
es_err es_feed_list(es_store_t *s, int due, int64_t now, size_t limit,
                    void (*cb)(const es_feed_row *f, void *ud), void *ud)
{
    es_err rc = es__store_part(s, s ? s->ops ? s->ops->feeds : NULL : NULL, "listing feeds");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing feeds: no callback");
    return s->ops->feeds->list(s, due, now, limit, cb, ud);
}

/* See feed.h. */
es_err es_feed_record(es_store_t *s, int64_t id, const es_feed_row *r)
{
    es_err rc =
        es__store_part(s, s ? s->ops ? s->ops->feeds : NULL : NULL, "recording a feed's poll");
    if (rc)
        return rc;
    if (!r)
        return es__store_fail(s, ES_EINVAL, "recording a feed's poll: no outcome");
    return s->ops->feeds->record(s, id, r);
}
