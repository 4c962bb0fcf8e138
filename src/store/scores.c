/*
 * scores.c - the store's public read of survey sums (es_scores_read in
 * include/earshot/scores.h), which src/voc/scores.c turns into CSAT, NPS
 * and means. Checks the arguments, then dispatches to the backend's score
 * operations (score_int.h); no SQL here.
 */
#include "store/score_int.h"

/* See scores.h. */
es_err es_scores_read(es_store_t *s, int64_t since_day, int64_t until_day, int period,
                      int64_t location_id, void (*cb)(const es_scores_row *r, void *ud), void *ud)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->scores : NULL, "reading scores");
    if (rc)
        return rc;
    if (!cb || period < ES_SCORES_WHOLE || period > ES_SCORES_MONTH || location_id < 0)
        return es__store_fail(s, ES_EINVAL, "reading scores: bad arguments");
    if (until_day && until_day < since_day)
        return es__store_fail(s, ES_EINVAL, "reading scores: the range ends before it starts");
    return s->ops->scores->read(s, since_day, until_day, period, location_id, cb, ud);
}

/* See scores.h. */
es_err es_scores_location_get(es_store_t *s, int64_t id, void (*cb)(const es_location *l, void *ud),
                              void *ud)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->scores : NULL, "reading a location");
    if (rc)
        return rc;
    if (!cb || id <= 0)
        return es__store_fail(s, ES_ENOTFOUND, "no location %lld", (long long)id);
    return s->ops->scores->location(s, id, cb, ud);
}
