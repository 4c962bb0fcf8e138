/*
 * meta.c - Meta (Facebook and Instagram) webhook payloads.
 *
 * es_decode (reader.c) calls es__ingest_meta for a JSON object with "object"
 * and "entry": one webhook delivery, as Meta POSTs it and as the HTTP
 * webhook stores it. A delivery batches entries, each with
 *  - changes[]: page feed events (field "feed": a comment or post added,
 *    value.comment_id / post_id / message / from / created_time) and
 *    Instagram comments and mentions (field "comments" / "mentions": value.id,
 *    text, from.username, media.id);
 *  - messaging[]: Messenger and Instagram direct messages (sender.id,
 *    message.mid, message.text, timestamp in milliseconds); a Messenger
 *    thread is one customer and the page, so its id is the sender's.
 * Events that carry no customer words (a removal, an edit, a reaction, a
 * read receipt, our own echoed message) are skipped: a delivery of only
 * those yields no mention, and is not an error. The source is "facebook"
 * for object "page" and "instagram" for object "instagram".
 */
#include <string.h>

#include "ingest/ingest.h"

static const char *sget(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int is(const char *s, const char *want)
{
    return s && strcmp(s, want) == 0;
}

/* Counts the events of a delivery that may hold a mention (an upper
 * bound: the array of mentions is sized by it). */
static size_t count_events(const json_t *entries)
{
    size_t i, total = 0;
    const json_t *e;
    json_array_foreach(entries, i, e)
    {
        total += json_array_size(json_object_get(e, "changes"));
        total += json_array_size(json_object_get(e, "messaging"));
    }
    return total;
}

/* created_time is Unix seconds, or a date string on older API versions. */
static es_err set_time(es__dctx *c, const json_t *v, int64_t *out)
{
    return es__ingest_json_time(c, "created_at", v, out);
}

/* One entry of changes[]. *keep says whether m was filled. */
static es_err change(es__dctx *c, const json_t *e, const json_t *ch, es_mention_t *m, int *keep)
{
    const char *field = sget(ch, "field");
    const json_t *v = json_object_get(ch, "value");
    const json_t *from = json_object_get(v, "from");
    es_err rc;
    *keep = 0;
    if (!json_is_object(v))
        return ES_OK;
    if (is(field, "feed")) {
        const char *item = sget(v, "item");
        int comment = is(item, "comment");
        if (!is(sget(v, "verb"), "add") || (!comment && !is(item, "post") && !is(item, "status") &&
                                            !is(item, "photo") && !is(item, "video")))
            return ES_OK;
        if (!json_object_get(v, "message"))
            return ES_OK; /* a sticker or a photo without words */
        *keep = 1;
        if ((rc = es__ingest_json_str(c, "id",
                                      json_object_get(v, comment ? "comment_id" : "post_id"),
                                      ES_MAX_FIELD, &m->external_id)) ||
            (rc = es__ingest_json_str(c, "text", json_object_get(v, "message"), ES_MAX_TEXT,
                                      &m->text)) ||
            (rc = es__ingest_json_str(c, "author", json_object_get(from, "id"), ES_MAX_FIELD,
                                      &m->author)) ||
            (rc = es__ingest_json_str(c, "author_name", json_object_get(from, "name"), ES_MAX_FIELD,
                                      &m->author_name)) ||
            (rc = es__ingest_json_str(c, "conversation", json_object_get(v, "post_id"),
                                      ES_MAX_FIELD, &m->conversation)) ||
            (rc = es__ingest_json_str(c, "url", json_object_get(v, "permalink_url"), ES_MAX_FIELD,
                                      &m->url)))
            return rc;
        if (comment && (rc = es__ingest_json_str(c, "reply_to", json_object_get(v, "parent_id"),
                                                 ES_MAX_FIELD, &m->reply_to)))
            return rc;
        if ((rc = set_time(c, json_object_get(e, "time"), &m->created_at)))
            return rc;
        return set_time(c, json_object_get(v, "created_time"), &m->created_at);
    }
    if (is(field, "comments") || is(field, "mentions")) {
        if (!json_object_get(v, "text"))
            return ES_OK;
        *keep = 1;
        if ((rc = es__ingest_json_str(c, "id", json_object_get(v, "id"), ES_MAX_FIELD,
                                      &m->external_id)) ||
            (rc = es__ingest_json_str(c, "text", json_object_get(v, "text"), ES_MAX_TEXT,
                                      &m->text)) ||
            (rc = es__ingest_json_str(c, "author", json_object_get(from, "username"), ES_MAX_FIELD,
                                      &m->author)) ||
            (rc = es__ingest_json_str(c, "reply_to", json_object_get(v, "parent_id"), ES_MAX_FIELD,
                                      &m->reply_to)) ||
            (rc = es__ingest_json_str(c, "conversation",
                                      json_object_get(json_object_get(v, "media"), "id"),
                                      ES_MAX_FIELD, &m->conversation)))
            return rc;
        return set_time(c, json_object_get(e, "time"), &m->created_at);
    }
    return ES_OK;
}

/* One entry of messaging[]: only a customer's message with text is kept. */
static es_err message(es__dctx *c, const json_t *ev, es_mention_t *m, int *keep)
{
    const json_t *msg = json_object_get(ev, "message");
    const json_t *ts = json_object_get(ev, "timestamp");
    es_err rc;
    *keep = 0;
    if (!json_is_object(msg) || json_is_true(json_object_get(msg, "is_echo")) ||
        !json_object_get(msg, "text"))
        return ES_OK;
    *keep = 1;
    if ((rc = es__ingest_json_str(c, "id", json_object_get(msg, "mid"), ES_MAX_FIELD,
                                  &m->external_id)) ||
        (rc =
             es__ingest_json_str(c, "text", json_object_get(msg, "text"), ES_MAX_TEXT, &m->text)) ||
        (rc = es__ingest_json_str(c, "author", json_object_get(json_object_get(ev, "sender"), "id"),
                                  ES_MAX_FIELD, &m->author)) ||
        (rc = es__ingest_json_str(c, "conversation",
                                  json_object_get(json_object_get(ev, "sender"), "id"),
                                  ES_MAX_FIELD, &m->conversation)) ||
        (rc = es__ingest_json_str(c, "reply_to",
                                  json_object_get(json_object_get(msg, "reply_to"), "mid"),
                                  ES_MAX_FIELD, &m->reply_to)))
        return rc;
    if (ts && !json_is_integer(ts))
        return es__ingest_reject(c, "%s", "'timestamp' must be milliseconds since 1970");
    if (ts)
        m->created_at = (int64_t)(json_integer_value(ts) / 1000);
    return ES_OK;
}

es_err es__ingest_meta(es__dctx *c, json_t *root, es_mention_t **ms, size_t *n)
{
    const char *object = sget(root, "object");
    const json_t *entries = json_object_get(root, "entry");
    const char *source;
    size_t i, j, k = 0;
    const json_t *e, *ev;
    es_err rc;
    if (is(object, "page"))
        source = "facebook";
    else if (is(object, "instagram"))
        source = "instagram";
    else
        return es__ingest_reject(c, "%s", "'object' must be \"page\" or \"instagram\"");
    if (!json_is_array(entries))
        return es__ingest_reject(c, "%s", "'entry' must be an array");
    es_mention_t *m = es__ingest_mentions(c, count_events(entries), source);
    if (!m)
        return ES_ENOMEM;
    json_array_foreach(entries, i, e)
    {
        const json_t *changes = json_object_get(e, "changes");
        const json_t *msgs = json_object_get(e, "messaging");
        if (!json_is_object(e) || (changes && !json_is_array(changes)) ||
            (msgs && !json_is_array(msgs)))
            return es__ingest_reject(c, "entry[%zu] is not a webhook entry", i);
        json_array_foreach(changes, j, ev)
        {
            int keep;
            if ((rc = change(c, e, ev, &m[k], &keep)))
                return rc;
            if (keep && (rc = es__ingest_require(c, &m[k])))
                return rc;
            k += (size_t)keep;
        }
        json_array_foreach(msgs, j, ev)
        {
            int keep;
            if ((rc = message(c, ev, &m[k], &keep)))
                return rc;
            if (keep && (rc = es__ingest_require(c, &m[k])))
                return rc;
            k += (size_t)keep;
        }
    }
    *ms = m;
    *n = k;
    return ES_OK;
}
