/*
 * posts.c - the store's public functions for the brand's own posts
 * (include/earshot/social.h): es_post_check, es_post_put and es_post_list,
 * which `earshot posts` and POST /api/v1/posts call. Checks the arguments,
 * then dispatches to the backend's post operations (post_int.h); no SQL
 * here.
 */
#include <stdio.h>
#include <string.h>

#include "earshot/text.h"
#include "store/post_int.h"

const char *const es_post_metric_names[ES_POST_N_METRICS] = {"impressions", "replies", "reposts",
                                                             "likes",       "clicks",  "followers"};

/* Checks that s (named field) is set, valid UTF-8 and at most max bytes. */
static es_err check_str(const char *v, const char *field, size_t max, int required, char *err,
                        size_t errlen)
{
    size_t bad;
    if (!v || !*v) {
        if (!required)
            return ES_OK;
        snprintf(err, errlen, "%s is missing or empty", field);
        return ES_EINVAL;
    }
    size_t len = strlen(v);
    if (len > max) {
        snprintf(err, errlen, "%s is longer than %zu bytes", field, max);
        return ES_ELIMIT;
    }
    if (es_utf8_check(v, len, &bad) != ES_OK) {
        snprintf(err, errlen, "%s is not valid UTF-8 (byte %zu)", field, bad);
        return ES_EINVAL;
    }
    return ES_OK;
}

/* See social.h. A channel is a short lower-case name, so that "Twitter"
 * and "twitter" cannot become two channels. */
es_err es_post_check(const es_post *p, char *err, size_t errlen)
{
    es_err rc;
    if (!p) {
        snprintf(err, errlen, "no post");
        return ES_EINVAL;
    }
    if ((rc = check_str(p->post_id, "post_id", ES_POST_ID_MAX, 1, err, errlen)) ||
        (rc = check_str(p->brand, "brand", ES_POST_BRAND_MAX, 1, err, errlen)) ||
        (rc = check_str(p->channel, "channel", ES_POST_CHANNEL_MAX, 1, err, errlen)) ||
        (rc = check_str(p->text, "text", ES_POST_TEXT_MAX, 0, err, errlen)))
        return rc;
    for (const char *c = p->channel; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ||
              *c == '.')) {
            snprintf(err, errlen, "channel '%s' is not lower-case letters, digits, '_', '-', '.'",
                     p->channel);
            return ES_EINVAL;
        }
    if (p->posted_at <= 0) {
        snprintf(err, errlen, "posted_at is missing or before 1970");
        return ES_EINVAL;
    }
    for (int i = 0; i < ES_POST_N_METRICS; i++)
        if (p->metric[i] < -1 || p->metric[i] > ES_POST_METRIC_MAX) {
            snprintf(err, errlen, "%s must be a whole number from 0 to %lld",
                     es_post_metric_names[i], (long long)ES_POST_METRIC_MAX);
            return ES_EINVAL;
        }
    return ES_OK;
}

/* See social.h. Every post is checked before anything is written, so that
 * a bad one leaves the store as it was. */
es_err es_post_put(es_store_t *s, const es_post *ps, size_t n, int64_t actor_user,
                   int64_t actor_token, size_t *added, size_t *updated)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->posts : NULL, "storing posts");
    if (rc)
        return rc;
    if (n && !ps)
        return es__store_fail(s, ES_EINVAL, "storing posts: no posts");
    if (n > ES_POST_BATCH_MAX)
        return es__store_fail(s, ES_ELIMIT, "storing posts: more than %d in one import",
                              ES_POST_BATCH_MAX);
    for (size_t i = 0; i < n; i++) {
        char err[256];
        rc = es_post_check(&ps[i], err, sizeof err);
        if (rc)
            return es__store_fail(s, rc, "post %zu: %s", i + 1, err);
    }
    size_t a = 0, u = 0;
    rc = s->ops->posts->put(s, ps, n, actor_user, actor_token, &a, &u);
    if (rc == ES_OK) {
        if (added)
            *added = a;
        if (updated)
            *updated = u;
    }
    return rc;
}

/* See social.h. */
es_err es_post_list(es_store_t *s, const char *brand, int64_t since, int64_t until,
                    void (*cb)(const es_post *p, void *ud), void *ud)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->posts : NULL, "listing posts");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing posts: no callback");
    return s->ops->posts->list(s, brand, since, until, cb, ud);
}
