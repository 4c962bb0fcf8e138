/*
 * twitter.c - Twitter/X API payloads as the API delivers them.
 *
 * es_decode (reader.c) calls these for a JSON line recognised as a v2
 * response (it has "data": one tweet, or an array of them in the paged
 * search and timeline form) or a v1.1 status (it has "id_str" and "user").
 * v2 keeps authors apart, in includes.users, joined by author_id; retweets
 * and long tweets need includes.tweets and note_tweet for their full text.
 * v1.1 statuses carry their user inline and their full text in full_text or
 * extended_tweet.full_text. Both escape &, < and > as HTML entities in
 * texts, which are decoded here. Every mention's source is "twitter".
 */
#include <string.h>

#include "ingest/ingest.h"

#define TWITTER_URL "https://twitter.com/"

/* A string member of an object, or NULL. */
static const char *sget(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The element of a v2 includes array whose "id" is id, or NULL. */
static json_t *find_by_id(json_t *root, const char *kind, const char *id)
{
    json_t *arr = json_object_get(json_object_get(root, "includes"), kind);
    size_t i;
    json_t *el;
    if (!id || !json_is_array(arr))
        return NULL;
    json_array_foreach(arr, i, el)
    {
        const char *eid = sget(el, "id");
        if (eid && strcmp(eid, id) == 0)
            return el;
    }
    return NULL;
}

/* Sets the text, prefixed "RT @who: " for a retweet, decoding entities. */
static es_err set_text(es__dctx *c, es_mention_t *m, const json_t *text, const char *rt_of)
{
    if (text && !json_is_string(text))
        return es__ingest_reject(c, "%s", "field 'text' must be a string");
    if (!text)
        return ES_OK;
    const char *s = json_string_value(text);
    size_t n = json_string_length(text);
    if (rt_of) {
        s = es_arena_printf(c->a, "RT @%s: %s", rt_of, s);
        if (!s)
            return ES_ENOMEM;
        n = strlen(s);
    }
    return es__ingest_text_html(c, s, n, &m->text);
}

/* The follower count of a user object (v2 public_metrics or v1.1 inline). */
static int64_t followers(const json_t *user)
{
    const json_t *f = json_object_get(user, "followers_count");
    if (!f)
        f = json_object_get(json_object_get(user, "public_metrics"), "followers_count");
    return json_is_integer(f) && json_integer_value(f) >= 0 ? (int64_t)json_integer_value(f) : -1;
}

/* The tweet's address; handle is the author's, NULL when unknown. */
static es_err set_url(es__dctx *c, es_mention_t *m, const char *handle)
{
    if (handle)
        m->url = es_arena_printf(c->a, TWITTER_URL "%s/status/%s", handle, m->external_id);
    else
        m->url = es_arena_printf(c->a, TWITTER_URL "i/web/status/%s", m->external_id);
    return m->url ? ES_OK : ES_ENOMEM;
}

/* ------------------------------------------------------------------------ */
/* API v2                                                                   */
/* ------------------------------------------------------------------------ */

/* The full text of a v2 tweet: note_tweet.text for long tweets. */
static const json_t *v2_text(const json_t *t)
{
    const json_t *note = json_object_get(json_object_get(t, "note_tweet"), "text");
    return json_is_string(note) ? note : json_object_get(t, "text");
}

/* Fills reply_to and, for a retweet whose original is in includes.tweets,
 * the original's full text and author. */
static es_err v2_refs(es__dctx *c, json_t *root, const json_t *t, es_mention_t *m,
                      const json_t **text, const char **rt_of)
{
    const json_t *refs = json_object_get(t, "referenced_tweets");
    size_t i;
    const json_t *r;
    es_err rc;
    if (refs && !json_is_array(refs))
        return es__ingest_reject(c, "%s", "'referenced_tweets' must be an array");
    json_array_foreach(refs, i, r)
    {
        const char *type = sget(r, "type");
        if (!type)
            continue;
        if (strcmp(type, "replied_to") == 0) {
            if ((rc = es__ingest_json_str(c, "reply_to", json_object_get(r, "id"), ES_MAX_FIELD,
                                          &m->reply_to)))
                return rc;
        } else if (strcmp(type, "retweeted") == 0) {
            json_t *orig = find_by_id(root, "tweets", sget(r, "id"));
            json_t *ou = orig ? find_by_id(root, "users", sget(orig, "author_id")) : NULL;
            if (orig && sget(ou, "username")) {
                *text = v2_text(orig);
                *rt_of = sget(ou, "username");
            }
        }
    }
    return ES_OK;
}

static es_err v2_tweet(es__dctx *c, json_t *root, const json_t *t, es_mention_t *m)
{
    es_err rc;
    const json_t *text = v2_text(t);
    const char *rt_of = NULL;
    if (!json_is_object(t))
        return es__ingest_reject(c, "%s", "'data' must hold tweet objects");
    if ((rc = es__ingest_json_str(c, "id", json_object_get(t, "id"), ES_MAX_FIELD,
                                  &m->external_id)) ||
        (rc = v2_refs(c, root, t, m, &text, &rt_of)) || (rc = set_text(c, m, text, rt_of)) ||
        (rc = es__ingest_json_str(c, "lang", json_object_get(t, "lang"), ES_MAX_FIELD, &m->lang)) ||
        (rc = es__ingest_json_str(c, "conversation", json_object_get(t, "conversation_id"),
                                  ES_MAX_FIELD, &m->conversation)) ||
        (rc = es__ingest_json_time(c, "created_at", json_object_get(t, "created_at"),
                                   &m->created_at)))
        return rc;
    const json_t *author_id = json_object_get(t, "author_id");
    json_t *user = find_by_id(root, "users", json_string_value(author_id));
    if (user) {
        if ((rc = es__ingest_json_str(c, "author", json_object_get(user, "username"), ES_MAX_FIELD,
                                      &m->author)) ||
            (rc = es__ingest_json_str(c, "author_name", json_object_get(user, "name"), ES_MAX_FIELD,
                                      &m->author_name)))
            return rc;
        m->followers = followers(user);
    } else if ((rc = es__ingest_json_str(c, "author", author_id, ES_MAX_FIELD, &m->author))) {
        return rc;
    }
    json_t *place = find_by_id(root, "places", sget(json_object_get(t, "geo"), "place_id"));
    if ((rc = es__ingest_json_str(c, "location", json_object_get(place, "full_name"), ES_MAX_FIELD,
                                  &m->location)))
        return rc;
    if ((rc = es__ingest_require(c, m)))
        return rc;
    return set_url(c, m, user ? m->author : NULL);
}

es_err es__ingest_twitter_v2(es__dctx *c, json_t *root, es_mention_t **ms, size_t *n)
{
    json_t *data = json_object_get(root, "data");
    size_t count = json_is_array(data) ? json_array_size(data) : 1;
    es_err rc;
    if (!json_is_array(data) && !json_is_object(data))
        return es__ingest_reject(c, "%s", "'data' must be a tweet object or an array of them");
    es_mention_t *m = es__ingest_mentions(c, count, "twitter");
    if (!m)
        return ES_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        const json_t *t = json_is_array(data) ? json_array_get(data, i) : data;
        if ((rc = v2_tweet(c, root, t, &m[i]))) {
            if (rc == ES_REJECTED && json_is_array(data))
                *c->reason = es_arena_printf(c->a, "%s (data[%zu])", *c->reason, i);
            return *c->reason || rc != ES_REJECTED ? rc : ES_ENOMEM;
        }
    }
    *ms = m;
    *n = count;
    return ES_OK;
}

/* ------------------------------------------------------------------------ */
/* API v1.1                                                                 */
/* ------------------------------------------------------------------------ */

/* The full text of a v1.1 status, whichever mode it was fetched in. */
static const json_t *v1_text(const json_t *s)
{
    const json_t *t = json_object_get(json_object_get(s, "extended_tweet"), "full_text");
    if (!json_is_string(t))
        t = json_object_get(s, "full_text");
    if (!json_is_string(t))
        t = json_object_get(s, "text");
    return t;
}

es_err es__ingest_twitter_v1(es__dctx *c, json_t *root, es_mention_t **ms, size_t *n)
{
    es_err rc;
    es_mention_t *m = es__ingest_mentions(c, 1, "twitter");
    const json_t *user = json_object_get(root, "user");
    const json_t *rt = json_object_get(root, "retweeted_status");
    const json_t *text = v1_text(root);
    const char *rt_of = NULL;
    if (!m)
        return ES_ENOMEM;
    if (!json_is_object(user))
        return es__ingest_reject(c, "%s", "'user' must be an object");
    if (json_is_object(rt) && sget(json_object_get(rt, "user"), "screen_name")) {
        text = v1_text(rt);
        rt_of = sget(json_object_get(rt, "user"), "screen_name");
    }
    const json_t *id = json_object_get(root, "id_str");
    if ((rc = es__ingest_json_str(c, "id", id ? id : json_object_get(root, "id"), ES_MAX_FIELD,
                                  &m->external_id)) ||
        (rc = set_text(c, m, text, rt_of)) ||
        (rc = es__ingest_json_str(c, "author", json_object_get(user, "screen_name"), ES_MAX_FIELD,
                                  &m->author)) ||
        (rc = es__ingest_json_str(c, "author_name", json_object_get(user, "name"), ES_MAX_FIELD,
                                  &m->author_name)) ||
        (rc = es__ingest_json_str(c, "reply_to", json_object_get(root, "in_reply_to_status_id_str"),
                                  ES_MAX_FIELD, &m->reply_to)) ||
        (rc = es__ingest_json_str(c, "lang", json_object_get(root, "lang"), ES_MAX_FIELD,
                                  &m->lang)) ||
        (rc = es__ingest_json_str(c, "location",
                                  json_object_get(json_object_get(root, "place"), "full_name"),
                                  ES_MAX_FIELD, &m->location)) ||
        (rc = es__ingest_json_time(c, "created_at", json_object_get(root, "created_at"),
                                   &m->created_at)) ||
        (rc = es__ingest_require(c, m)) || (rc = set_url(c, m, m->author)))
        return rc;
    m->followers = followers(user);
    *ms = m;
    *n = 1;
    return ES_OK;
}
