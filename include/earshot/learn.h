/*
 * learn.h - learned models (issue 5): linear classifiers for sentiment,
 * intent and department that a user trains on their own labelled data.
 *
 * Features (src/learn/features.c) are hashed word unigrams and bigrams and
 * character 3- to 5-grams of the case-folded text, into 2^hash_bits buckets,
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

#include "arena.h"
#include "earshot.h"
#include "mention.h"

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
 * flags the rules set: score and classify it first) into f. a holds the
 * folded text (scratch). Errors: ES_ENOMEM, ES_EUTF8. Reentrant per f. */
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
 * it), -1 when f's bits differ from the model's. *confidence (when not
 * NULL) receives its probability. Never allocates; thread-safe. */
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

#endif
