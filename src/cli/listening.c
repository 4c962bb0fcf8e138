/*
 * listening.c - the brands and listening queries the pipeline applies, read
 * from the store once at start and compiled into one matcher (see
 * pipeline.h). Called by ingest.c before the pipeline starts; the result is
 * read-only afterwards, so every worker thread shares it.
 */
#include <stdio.h>
#include <string.h>

#include "cli/pipeline.h"

static void brand_cb(const es_brand *b, void *ud)
{
    cli_listen *l = ud;
    es_brand_ref *n = es_realloc(l->brands, (l->n_brands + 1) * sizeof *n);
    if (!n) {
        l->oom = 1;
        return;
    }
    l->brands = n;
    n[l->n_brands].id = b->id;
    n[l->n_brands].name = es_strdup(b->name);
    if (n[l->n_brands].name)
        l->n_brands++;
    else
        l->oom = 1;
}

static void query_cb(const es_query_row *q, void *ud)
{
    cli_listen *l = ud;
    es_query_def *n = es_realloc(l->queries, (l->n_queries + 1) * sizeof *n);
    if (!n) {
        l->oom = 1;
        return;
    }
    l->queries = n;
    n[l->n_queries].id = q->id;
    n[l->n_queries].brand_id = q->brand_id;
    n[l->n_queries].text = es_strdup(q->text);
    if (n[l->n_queries].text)
        l->n_queries++;
    else
        l->oom = 1;
}

int cli_listen_load(cli_listen *l, es_store_t *s, char *err, size_t errlen)
{
    memset(l, 0, sizeof *l);
    if (!s)
        return 0;
    if (es_store_brand_list(s, brand_cb, l) || es_store_query_list(s, query_cb, l)) {
        snprintf(err, errlen, "%s", es_store_errmsg(s));
        return -1;
    }
    if (l->oom) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (l->n_queries == 0)
        return 0;
    size_t bad = 0;
    es_query_error qe = {0, ""};
    es_err rc = es_matcher_build(l->queries, l->n_queries, &l->matcher, &bad, &qe);
    if (rc) {
        if (rc == ES_EPARSE)
            snprintf(err, errlen, "stored query %u: column %d: %s", l->queries[bad].id, qe.column,
                     qe.reason);
        else
            snprintf(err, errlen, "compiling the queries: %s", es_strerror(rc));
        return -1;
    }
    return 0;
}

void cli_listen_cleanup(cli_listen *l)
{
    for (size_t i = 0; i < l->n_brands; i++)
        es_free((char *)l->brands[i].name);
    for (size_t i = 0; i < l->n_queries; i++)
        es_free((char *)l->queries[i].text);
    es_free(l->brands);
    es_free(l->queries);
    es_matcher_free(l->matcher);
    memset(l, 0, sizeof *l);
}

const char *cli_listen_brand_name(const cli_listen *l, uint32_t id)
{
    for (size_t i = 0; i < l->n_brands; i++)
        if (l->brands[i].id == id)
            return l->brands[i].name;
    return NULL;
}
