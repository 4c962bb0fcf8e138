/*
 * pipeline.h - the ingest pipeline behind `earshot ingest` and `earshot
 * analyze` (DESIGN.md, "Performance model"):
 *
 *   reader thread --> N worker threads --> store thread (the caller's)
 *   cuts records      decode, score,       near-duplicates in input order,
 *   into batches      classify, match      then one transaction per batch
 *                                          (ingest) or one result per
 *                                          mention on stdout (analyze)
 *
 * Batches come from a fixed pool, so memory stays bounded whatever the input
 * size; each batch owns an arena and a sequence number, and the store thread
 * takes them back in input order. A record counts as ingested only once the
 * transaction of its batch has committed; counts and progress report that.
 */
#ifndef ES_CLI_PIPELINE_H
#define ES_CLI_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "earshot/ingest.h"
#include "earshot/learn.h"
#include "earshot/listen.h"
#include "earshot/analyze.h"
#include "earshot/sentiment.h"
#include "earshot/store.h"

/* The brands and listening queries of a store, with the queries compiled
 * once into one matcher (NULL when there are none). */
typedef struct cli_listen {
    es_brand_ref *brands; /* names es_strdup'd */
    size_t n_brands;
    es_query_def *queries;
    size_t n_queries;
    es_matcher_t *matcher;
    int oom; /* loading ran out of memory */
} cli_listen;

/* Loads the brands and queries of s (NULL: none) and compiles the queries.
 * Returns 0, or -1 with the reason in err. Free with cli_listen_cleanup
 * either way. */
int cli_listen_load(cli_listen *l, es_store_t *s, char *err, size_t errlen);
void cli_listen_cleanup(cli_listen *l);

/* The name of brand id, or NULL. */
const char *cli_listen_brand_name(const cli_listen *l, uint32_t id);

/* Called by the store thread for each analysed mention, in input order, when
 * the pipeline does not store (analyze). Returns 0, or -1 to stop. */
typedef int (*cli_emit_fn)(void *ud, const es_mention_t *m);

typedef struct cli_pipeline_opts {
    const char *input;     /* a path, or "-" for stdin */
    es_reader_opts reader; /* format, source, map */
    es_sent_mode mode;
    int threads;             /* worker threads, >= 1 */
    size_t batch;            /* records per batch and transaction; 0: batches
                                of 2048, up to 8 per transaction (ingest) */
    const char *reject_path; /* NULL: <input>.rejects.jsonl */
    const char *commit_log;  /* NULL, or a file to append "committed ..." to */
    es_store_t *store;       /* ingest: where mentions go; NULL for analyze */
    cli_emit_fn emit;        /* analyze: where results go */
    void *emit_ud;
    int quiet;
    /* --model: the learned model of each task, or NULL. A sentiment or
     * intent model's label replaces the rules' (the compound stays the
     * rules'); the department model sets the mention's department. */
    const es_learn_model_t *models[ES_TASK_COUNT];
} cli_pipeline_opts;

typedef struct cli_pipeline_stats {
    uint64_t records;    /* records read */
    uint64_t mentions;   /* mentions committed (ingest) or written (analyze) */
    uint64_t inserted;   /* of them, new in the store */
    uint64_t rejected;   /* records rejected */
    uint64_t duplicates; /* mentions marked as near-duplicates */
    double seconds;
    char reject_path[4096]; /* where rejects went (when any) */
} cli_pipeline_stats;

/* Runs the pipeline over o->input to its end. Returns CLI_OK, CLI_REJECTS
 * (finished, some records rejected), CLI_USAGE (bad input options) or
 * CLI_FAIL (an I/O or database error, said on stderr). st receives the
 * counts in every case: what was committed before a failure stays stored. */
int cli_pipeline_run(const cli_pipeline_opts *o, const cli_listen *listen, cli_pipeline_stats *st);

/* Loads the model files paths[0..n) into models[task] (src/cli/train.c).
 * Returns 0, or -1 (said on stderr, nothing loaded) for a bad file or two
 * models of one task. Free each with es_learn_model_free. */
int cli_models_load(const char *const *paths, int n, es_learn_model_t **models);

/* The explanation of m under every model of models[ES_TASK_COUNT] (NULL
 * skipped), k features each (src/cli/train.c). flat: a JSON array of
 * {"task", "f", "w"} (analyze's "features"); else an array of {"task",
 * "label", "confidence", "features": [{"f", "w"}]} (score). NULL when out
 * of memory or the text is refused. a is scratch. */
struct json_t;
struct json_t *cli_models_explain(es_learn_model_t *const *models, const es_mention_t *m,
                                  es_arena_t *a, size_t k, int flat);

#endif
