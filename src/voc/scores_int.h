/*
 * scores_int.h - what scores.c shares with trend.c and score_gaps.c inside the
 * voc module: building the groups of several levels in one read, and the
 * figures of a group from its sums.
 */
#ifndef ES_VOC_SCORES_INT_H
#define ES_VOC_SCORES_INT_H

#include <stdio.h>

#include "earshot/scores.h"

/* Builds the groups of every level whose bit (1 << es_scores_by) is in
 * levels, for q's range, period and scope (q->by is ignored). The caller
 * frees *out with es_scores_free. */
es_err es__scores_build(es_store_t *s, const es_scores_query *q, unsigned levels,
                        es_scores **out) ES_WUR;

/* Sets g's CSAT, NPS and means from its questions' sums. */
void es__scores_finish(es_scores_group *g);

#endif
