/*
 * learn.h - learned models (issue 5): linear classifiers for sentiment,
 * intent and department that a user trains on their own labelled data.
 *
 * Features (src/learn/features.c) are hashed word unigrams and bigrams and
 * character 4-grams of the case-folded text, into 2^hash_bits buckets,
 * plus the rule and lexicon scores already on the mention (compound, pos,
 * neu, neg, intent, cue and flag bits). Training (src/learn/model.c) is
 * L2-regularised logistic regression through liblinear; prediction is a
 * sparse dot product over the model's weights, done here. A model is saved
 * in a versioned file with a checksum and refused on load when corrupt.
 *
 * A model is immutable once trained or loaded and may be shared by threads.
 * A feature buffer is the scratch of one thread. See docs/learning.md.
 */
#ifndef EARSHOT_LEARN_H
#define EARSHOT_LEARN_H

#include <stdint.h>

#include "arena.h"
#include "earshot.h"
#include "mention.h"
#include "store.h"

typedef enum es_learn_task {
    ES_TASK_SENTIMENT = 0,
    ES_TASK_INTENT,
    ES_TASK_DEPARTMENT,
    ES_TASK_COUNT
} es_learn_task;

/* "sentiment", "intent", "department". ES_EINVAL for another name. */
es_err es_learn_task_parse(const char *name, es_learn_task *out) ES_WUR;
const char *es_learn_task_name(es_learn_task t);

#define ES_LEARN_MIN_BITS 16
#define ES_LEARN_MAX_BITS 22
#define ES_LEARN_DEFAULT_BITS 18
/* Dense features after the hashed buckets: compound, pos, neu, neg, six
 * intents, five cues, four flags. */
#define ES_LEARN_N_DENSE 19

/* The features of one mention. Hashed indices may repeat (their values add
 * up); es_learn_data_add merges them. Indices are 1-based (liblinear's). */
typedef struct es_learn_feat_s es_learn_feat_t;

/* A feature buffer for tables of 2^hash_bits buckets (ES_LEARN_MIN_BITS to
 * ES_LEARN_MAX_BITS). NULL when out of memory or bits out of range. */
es_learn_feat_t *es_learn_feat_new(unsigned hash_bits);
void es_learn_feat_free(es_learn_feat_t *f);
unsigned es_learn_feat_bits(const es_learn_feat_t *f);

/* Computes the features of m (text, and the sentiment, intent, cues and
 * flags the rules set: score and classify it first) into f. a is scratch
 * for the NFKC fold of non-ASCII text (ASCII needs none). Allocates only
 * when f must grow for a longer text than before. About 1 us for a tweet.
 * Errors: ES_ENOMEM, ES_EUTF8, ES_ELIMIT. Reentrant per f. */
es_err es_learn_features(es_learn_feat_t *f, const es_mention_t *m, es_arena_t *a) ES_WUR;

/* A labelled data set: features with a label name each. */
typedef struct es_learn_data_s es_learn_data_t;

es_learn_data_t *es_learn_data_new(unsigned hash_bits);
void es_learn_data_free(es_learn_data_t *d);
/* Adds a copy of f (merged and sorted) with the label. ES_EINVAL when f's
 * bits differ from d's; ES_ELIMIT over 64 labels; ES_ENOMEM. */
es_err es_learn_data_add(es_learn_data_t *d, const es_learn_feat_t *f, const char *label) ES_WUR;
size_t es_learn_data_size(const es_learn_data_t *d);

/* A trained linear model. */
typedef struct es_learn_model_s es_learn_model_t;

/* Trains on every example of d (at least 2 labels) with cost c (<= 0: 4.0).
 * err receives the reason on failure. Errors: ES_EINVAL, ES_ENOMEM. Not
 * thread-safe (liblinear's print hook is global): one training at a time.
 * liblinear's own allocations do not go through es_malloc. */
es_err es_learn_train(const es_learn_data_t *d, es_learn_task task, double c,
                      es_learn_model_t **out, char *err, size_t errlen) ES_WUR;
void es_learn_model_free(es_learn_model_t *m);

es_learn_task es_learn_model_task(const es_learn_model_t *m);
unsigned es_learn_model_bits(const es_learn_model_t *m);
size_t es_learn_model_n_labels(const es_learn_model_t *m);
const char *es_learn_model_label(const es_learn_model_t *m, size_t i);

/* Predicts the label of f: returns its index (es_learn_model_label names
 * it). Features do not depend on a table size (a model takes the top bits
 * of each hash), so one es_learn_features serves every model of a mention,
 * whatever their bits. *confidence (when not NULL) receives the
 * probability. Never allocates, takes no lock; thread-safe. About 0.2 us
 * for 3 labels, 0.4 us for 9 (bench/bench_learn.c). */
int es_learn_predict(const es_learn_model_t *m, const es_learn_feat_t *f, double *confidence);

/* Saves m to path (format in docs/learning.md). Errors: ES_EIO, ES_ENOMEM. */
es_err es_learn_save(const es_learn_model_t *m, const char *path, char *err, size_t errlen) ES_WUR;
/* Loads a model, checking magic, format version, task, label set,
 * dimensions, size and checksum. A bad file gives ES_ECORRUPT (or
 * ES_EUNSUPPORTED for another format version) with the reason in err;
 * ES_EIO, ES_ENOMEM. */
es_err es_learn_load(const char *path, es_learn_model_t **out, char *err, size_t errlen) ES_WUR;

/* Evaluation figures. confusion[t * n_labels + p] counts examples of true
 * label t predicted p. Labels are the model's (or, for cross-validation,
 * the data set's); an example whose label the model does not know counts
 * as wrong, in `unknown`. */
typedef struct es_learn_eval {
    size_t n_labels;
    char **labels;
    size_t *confusion;
    double *precision, *recall, *f1;
    size_t n, correct, unknown;
    double accuracy, macro_f1;
} es_learn_eval;

/* Evaluates m on d. Errors: ES_ENOMEM. Free with es_learn_eval_free. */
es_err es_learn_evaluate(const es_learn_model_t *m, const es_learn_data_t *d,
                         es_learn_eval *out) ES_WUR;
/* k-fold cross-validation (2 <= folds <= 20) of training on d with cost c;
 * examples go to folds by a shuffle with seed; figures over the data set's
 * labels. Errors: ES_EINVAL, ES_ENOMEM. Not thread-safe, as es_learn_train. */
es_err es_learn_cv(const es_learn_data_t *d, es_learn_task task, double c, int folds, unsigned seed,
                   es_learn_eval *out, char *err, size_t errlen) ES_WUR;
void es_learn_eval_free(es_learn_eval *e);

/* Applies the models of models[] (indexed by task; NULL entries are
 * skipped) to m, which the rules have analysed (es_analyzer_run): features
 * once into f, then the sentiment and intent models' labels replace the
 * rules' (the compound stays the rules', for the explanation) and are
 * recorded in m->rules ("model:sentiment:negative:0.93"); a label that is
 * not a polarity or intent name leaves the rules' one. The department
 * model sets m->department (copied into a) and m->department_conf.
 * Errors: ES_ENOMEM, ES_EUTF8, ES_ELIMIT. Reentrant per f. */
es_err es_learn_apply(const es_learn_model_t *const models[ES_TASK_COUNT], es_learn_feat_t *f,
                      es_mention_t *m, es_arena_t *a) ES_WUR;

/* ---- explanations, confidence ------------------------------------------------ */

/* One feature's share in a prediction: its human-readable name (a word
 * "w:late", a bigram "w:my bag", a character n-gram "c:lat", or a rule
 * feature "rule:compound", "rule:intent:complaint", "rule:cue:waiting") and
 * its contribution weight * value to the predicted class's score. */
typedef struct es_learn_contrib {
    const char *f; /* in the arena given to es_model_explain */
    double w;
} es_learn_contrib;

#define ES_LEARN_MAX_EXPLAIN 32

/* What a model predicts for a mention and why. */
typedef struct es_learn_explanation {
    int label;          /* index of the predicted label (es_learn_model_label) */
    double confidence;  /* its probability */
    size_t n;           /* contributions in f, strongest first (<= k asked) */
    es_learn_contrib f[ES_LEARN_MAX_EXPLAIN];
} es_learn_explanation;

/* Predicts m's label with model and lists the k (1..ES_LEARN_MAX_EXPLAIN)
 * features that contribute most to the predicted class (largest weight *
 * value first; several occurrences of a feature add up). m must have been
 * analysed by the rules first, as for es_learn_features. The names live in
 * a. Costs a feature pass with names: only when an explanation is asked
 * for, never on the hot path. Errors: ES_EINVAL (k out of range), ES_ENOMEM,
 * ES_EUTF8. Thread-safe (the model is read only). */
es_err es_model_explain(const es_learn_model_t *model, const es_mention_t *m, size_t k,
                        es_arena_t *a, es_learn_explanation *out) ES_WUR;

/* The confidence a department prediction needs before routing trusts it
 * (else the rules, else a triage team): `--threshold` / config, default. */
#define ES_LEARN_CONFIDENT 0.5
/* 1 when confidence clears threshold (threshold <= 0 or > 1 means the
 * default ES_LEARN_CONFIDENT), else 0. Pure; thread-safe. */
int es_model_confident(double confidence, double threshold);

/* ---- model slots: hot swap --------------------------------------------------- */

/* A slot holds the model of one task that a long-running process uses,
 * and swaps in a new one without a restart (SIGHUP, POST
 * /api/v1/models/reload). Readers take a reference with
 * es_model_slot_acquire (once per batch, not per mention: it takes a
 * mutex for a few instructions) and give it back with
 * es_model_slot_release; a swap never waits for readers and never frees a
 * model in use: the old model is freed by its last release. */
typedef struct es_model_slot_s es_model_slot_t;

/* An empty slot for models of task. NULL when out of memory. */
es_model_slot_t *es_model_slot_new(es_learn_task task);
/* Frees the slot and its model. Every reference must have been released. */
void es_model_slot_free(es_model_slot_t *slot);

/* Loads path with every check of es_learn_load, refuses a model of
 * another task than the slot's, then swaps it in. On any error
 * the model in use stays, and err says why: ES_ECORRUPT / ES_EUNSUPPORTED
 * (bad file), ES_EINVAL (another task), ES_EIO, ES_ENOMEM. Thread-safe;
 * loads run one at a time. */
es_err es_model_slot_load(es_model_slot_t *slot, const char *path, char *err,
                          size_t errlen) ES_WUR;
/* Swaps in m (the slot takes it; freed when unused). ES_EINVAL (m is NULL
 * or of another task: m is freed then). Thread-safe. */
es_err es_model_slot_set(es_model_slot_t *slot, es_learn_model_t *m) ES_WUR;
/* The current model, referenced (NULL when the slot is empty). Valid until
 * es_model_slot_release, whatever swaps happen meanwhile. Thread-safe. */
const es_learn_model_t *es_model_slot_acquire(es_model_slot_t *slot);
/* Gives back a reference from es_model_slot_acquire (NULL: nothing).
 * Thread-safe. */
void es_model_slot_release(es_model_slot_t *slot, const es_learn_model_t *m);
/* How many models this slot has swapped in (loads and sets that
 * succeeded). Thread-safe. */
uint64_t es_model_slot_generation(es_model_slot_t *slot);

/* ---- agents' corrections: the labels table (src/store/labels.c) -------------- */

/* One label: an agent's correction of a mention's (or a case's) sentiment
 * ("negative", "neutral", "positive"), intent (es_intent_name) or
 * department (any name). Table labels, schema step 4. */
typedef struct es_label_row {
    int64_t id;         /* set by the store */
    int64_t mention_id; /* the mention corrected, or 0 */
    int64_t case_id;    /* the case corrected, or 0 (a case label applies to
                           every mention of the case that has no label of
                           its own for the task) */
    const char *task;   /* "sentiment", "intent" or "department" */
    const char *label;
    int64_t user_id;    /* who corrected, or 0 */
    int64_t created;    /* Unix seconds; 0 on add: now */
} es_label_row;

/* Records a correction (mention_id or case_id set, or both) and its audit
 * entry ("label.add" on "mention:ID" or "case:ID", by user_id). Inside the
 * caller's transaction (es_store_begin: the inbox changes the case, adds
 * the label and its own audit entry, then commits) it joins it; otherwise
 * it runs in its own transaction. *id (may be NULL) receives the row id.
 * Errors: ES_EINVAL (no task or an unknown one, empty label, no mention
 * and no case), ES_EDB / ES_EBUSY, ES_EUNSUPPORTED (backend). */
es_err es_store_label_add(es_store_t *s, const es_label_row *l, int64_t *id) ES_WUR;

/* One training example from the corrections: the newest label of task for
 * a mention (its own, else its case's), with the mention's text. */
typedef struct es_label_example {
    int64_t mention_id;
    const char *source, *external_id; /* the mention's key */
    const char *text;
    const char *label;
    int64_t label_id; /* the labels row that won */
} es_label_example;

/* Calls cb for every mention that has a label of task (the newest wins;
 * a mention's own label overrides its case's), in mention id order.
 * Strings are valid during the call. cb returns 0 to go on, nonzero to
 * stop (es_store_labels_each then returns ES_OK). Errors: ES_EINVAL (bad
 * task), ES_EDB. Reads in one statement (a consistent snapshot). */
es_err es_store_labels_each(es_store_t *s, const char *task,
                            int (*cb)(const es_label_example *e, void *ud), void *ud) ES_WUR;

#endif
