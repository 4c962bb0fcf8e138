/*
 * survey.h - short customer surveys (V2): definitions of up to ten
 * questions, and the responses customers give by SMS, on the QR web form,
 * by email invitation, or from an import.
 *
 * A survey's questions each have a kind (what an answer may be) and a role
 * (what the scores make of it):
 *   kind  scale5 (1-5), scale10 (0-10), yesno (1 yes, 0 no), text;
 *   role  overall (overall satisfaction: CSAT and the hot alert; scale5),
 *         recommend (likelihood to recommend: NPS; scale10),
 *         driver (a part of the experience the business chose: key drivers
 *         and action plans; scale5, scale10 or yesno),
 *         comment (free text; text).
 * A survey has at most one overall and one recommend question. The default
 * template (es_survey_template) has four: overall, recommend, one driver,
 * a comment.
 *
 * A response belongs to a survey and a location, came through a channel,
 * and holds the answers given so far: a partial response (completed 0) is
 * kept and counted for the questions it answers. Re-delivery is
 * idempotent on (channel, external_id).
 *
 * The SQLite backend keeps these in schema step 12 (sqlite_survey.c):
 * surveys, survey_questions, survey_responses, survey_answers.
 */
#ifndef EARSHOT_SURVEY_H
#define EARSHOT_SURVEY_H

#include <stddef.h>
#include <stdint.h>

#include "earshot.h"
#include "store.h"

#define ES_SURVEY_MAX_QUESTIONS 10
#define ES_SURVEY_NAME_MAX 64     /* bytes of a survey's name */
#define ES_SURVEY_KEY_MAX 32      /* bytes of a question key: [a-z0-9_] */
#define ES_SURVEY_TEXT_MAX 320    /* bytes of a question as asked */
#define ES_SURVEY_LABEL_MAX 64    /* bytes of a question's short label */
#define ES_SURVEY_ANSWER_MAX 2000 /* bytes of a free-text answer */
#define ES_SURVEY_EXTID_MAX 128   /* bytes of a response's external id */

typedef enum es_question_kind {
    ES_Q_SCALE5 = 1, /* 1..5 */
    ES_Q_SCALE10,    /* 0..10 */
    ES_Q_YESNO,      /* 1 yes, 0 no */
    ES_Q_TEXT        /* free text */
} es_question_kind;

typedef enum es_question_role {
    ES_QR_OVERALL = 1, /* overall satisfaction (scale5) */
    ES_QR_RECOMMEND,   /* likelihood to recommend (scale10) */
    ES_QR_DRIVER,      /* a driver of satisfaction */
    ES_QR_COMMENT      /* free text */
} es_question_role;

/* "scale5", "scale10", "yesno", "text"; NULL out of range. */
const char *es_question_kind_name(es_question_kind k);
es_err es_question_kind_parse(const char *name, es_question_kind *out) ES_WUR;
/* "overall", "recommend", "driver", "comment"; NULL out of range. */
const char *es_question_role_name(es_question_role r);
es_err es_question_role_parse(const char *name, es_question_role *out) ES_WUR;

typedef struct es_survey_question {
    int position;          /* 1..10, the order asked */
    const char *key;       /* "overall", "speed": [a-z0-9_]+, unique in the survey */
    es_question_kind kind;
    es_question_role role;
    const char *text;      /* as asked: "How satisfied were you overall? (1-5)" */
    const char *label;     /* for reports and plans: "Speed of service" */
} es_survey_question;

typedef struct es_survey {
    int64_t id;            /* 0 on input to es_survey_add */
    const char *name;
    int is_default;        /* the survey a location's SMS and QR surveys use */
    int hot_threshold;     /* an overall answer at or below it is a hot alert (1..5) */
    size_t n_questions;
    es_survey_question q[ES_SURVEY_MAX_QUESTIONS];
} es_survey;

/* Fills *out with the default template: overall (scale5), recommend
 * (scale10), one driver whose label is driver_label (NULL: "Speed of
 * service") asked as "How would you rate the <label, lower case>? (1-5)",
 * and a comment; hot_threshold 2; named name (NULL: "default"). The strings
 * are static or the caller's. Thread-safe. */
void es_survey_template(es_survey *out, const char *name, const char *driver_label);

/* Checks a definition (counts, kinds against roles, keys, lengths) without
 * a store; ES_EINVAL or ES_ELIMIT with a message in err. Thread-safe. */
es_err es_survey_check(const es_survey *sv, char *err, size_t size) ES_WUR;

/* Adds a survey (checked with es_survey_check). When is_default is set it
 * becomes the default, and the previous default is one no more. ES_EEXIST
 * when the name is taken. Audited under actor_user (0: the command line). */
es_err es_survey_add(es_store_t *s, const es_survey *sv, int64_t actor_user, int64_t *id) ES_WUR;

/* Calls cb once with survey id (0: the default survey). ES_ENOTFOUND when
 * there is none. */
es_err es_survey_get(es_store_t *s, int64_t id, void (*cb)(const es_survey *sv, void *ud),
                     void *ud) ES_WUR;

#define ES_SURVEY_LIST_MAX 1000 /* surveys es_survey_list reads */

/* Calls cb for each survey (at most ES_SURVEY_LIST_MAX), by id; the
 * survey's strings last until cb returns. None is not an error. */
es_err es_survey_list(es_store_t *s, void (*cb)(const es_survey *sv, void *ud), void *ud) ES_WUR;

/* ---- definitions as JSON (src/voc/survey_def.c) ----------------------------- */

#define ES_SURVEY_DEF_MAX_BYTES (64u << 10) /* the largest definition */

/* A definition read from JSON (docs/surveys.md, "Survey definitions"):
 *   {"name": "...", "hot_threshold": 2, "default": true,
 *    "questions": [{"key": "overall", "kind": "scale5", "role": "overall",
 *                   "text": "How satisfied ...? (1-5)", "label": "Overall"}, ...]}
 * hot_threshold (1-5) is 2 and default false when left out; a question's
 * label is its key when left out. sv's strings point into the struct. */
typedef struct es_survey_parsed {
    es_survey sv;
    char name[ES_SURVEY_NAME_MAX + 1];
    char key[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_KEY_MAX + 1];
    char text[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_TEXT_MAX + 1];
    char label[ES_SURVEY_MAX_QUESTIONS][ES_SURVEY_LABEL_MAX + 1];
} es_survey_parsed;

/* Parses json (len bytes, at most ES_SURVEY_DEF_MAX_BYTES) into *out and
 * checks it as es_survey_check does. ES_EINVAL or ES_ELIMIT with a message
 * in err (size bytes) that names the JSON path ("questions[2].kind: unknown
 * kind 'stars' (scale5, scale10, yesno, text)"). Nothing to free.
 * Thread-safe. */
es_err es_survey_parse_json(const char *json, size_t len, es_survey_parsed *out, char *err,
                            size_t size) ES_WUR;

/* The JSON form of a survey (the same members, plus id and each question's
 * position): a new reference, NULL when out of memory. */
struct json_t;
struct json_t *es_survey_json(const es_survey *sv);

/* Checks answer text for question q and turns it into a value: "4" to a
 * scale5 question is 4; "yes"/"y"/"1" and "no"/"n"/"0" to yesno (without
 * regard to case); a text answer must be valid UTF-8, not blank, at most
 * ES_SURVEY_ANSWER_MAX bytes, and the caller keeps it. Returns ES_OK and
 * sets *value and *has_value 1 (for text, *has_value 0), or ES_EINVAL with a hint in err (size bytes) fit to send
 * back to the customer ("Please reply with a number from 1 to 5."). Leading
 * and trailing spaces are ignored. Thread-safe. */
es_err es_survey_answer_parse(const es_survey_question *q, const char *text, int *value,
                              int *has_value, char *err, size_t size) ES_WUR;

/* One answer: a number (has_value) or a text. */
typedef struct es_survey_answer {
    int position;     /* the question's position */
    int has_value;
    int value;
    const char *text; /* NULL for none */
} es_survey_answer;

typedef struct es_survey_response {
    int64_t id;              /* output */
    int64_t survey_id;
    int64_t location_id;
    const char *channel;     /* "sms", "web", "email", "import" */
    const char *external_id; /* idempotency key within the channel; NULL: none */
    const char *contact;     /* the customer's phone or email; NULL: anonymous */
    int64_t customer_id;     /* 0: none (yet) */
    int64_t invitation_id;   /* 0: not invited */
    int64_t started;         /* Unix seconds */
    int64_t completed;       /* Unix seconds; 0 for a partial response */
    size_t n_answers;
    const es_survey_answer *answers;
} es_survey_response;

/* Stores a response and its answers in one transaction (or the caller's).
 * Each answer is checked against its question (a value in range for the
 * kind; a position the survey has). *id gets its id; *fresh 1 when it is
 * new, 0 when (channel, external_id) was stored before (nothing changes
 * then, and *id is the earlier one). Either pointer may be NULL. */
es_err es_survey_response_add(es_store_t *s, const es_survey_response *r, int64_t *id,
                              int *fresh) ES_WUR;

/* The opt-out list (STOP / UNSTOP over SMS; an unsubscribe link by
 * email): a contact (a phone in E.164 such as "+15550001", or an email,
 * compared without regard to case) that opted out gets no invitation.
 * es_survey_optout_set records out = 1 (opted out) or 0 (opted back in) at
 * time now, with how (for example "sms:STOP"; at most 64 bytes). */
es_err es_survey_optout_set(es_store_t *s, const char *contact, int out, const char *how,
                            int64_t now) ES_WUR;
/* *out = 1 when contact has opted out, else 0. */
es_err es_survey_optout_get(es_store_t *s, const char *contact, int *out) ES_WUR;

/* ---- import from CSV (src/voc/survey_import.c) ---------------------------- */

/* A CSV import of responses to survey sv (docs/scores.md, "Importing
 * responses"). The header names the columns: id (required; the idempotency
 * key, stored as the external id of channel "import"), location (required;
 * a code or a key), started (required; ISO 8601 or Unix seconds),
 * completed and contact (optional), and any of the survey's question keys;
 * an empty cell is no answer. An import is all-or-nothing: the caller adds
 * the rows only when es_survey_import_errors is 0 (the rows are there
 * either way, so that the caller can check more, such as the locations);
 * errors name the row (the header is row 1) and the column. A row with an
 * error may lack fields (location NULL). The strings of the rows belong to
 * the import. */
typedef struct es_survey_import es_survey_import;

#define ES_SURVEY_IMPORT_MAX_BYTES (64u << 20) /* the largest file */
#define ES_SURVEY_IMPORT_MAX_ERRORS 20        /* errors kept (then a count) */

typedef struct es_survey_import_row {
    size_t row; /* its row in the file (the header is row 1) */
    const char *id, *location, *contact;
    int64_t started, completed;
    size_t n_answers;
    es_survey_answer answers[ES_SURVEY_MAX_QUESTIONS];
} es_survey_import_row;

/* Parses data (len bytes) against sv into *out (free with
 * es_survey_import_free, also on error when *out is set). Returns ES_OK
 * whether or not rows had errors (see es_survey_import_errors), ES_ELIMIT
 * for a file over ES_SURVEY_IMPORT_MAX_BYTES, ES_ENOMEM. Thread-safe. */
es_err es_survey_import_parse(const char *data, size_t len, const es_survey *sv,
                              es_survey_import **out) ES_WUR;
/* The number of rows read and row i. */
size_t es_survey_import_rows(const es_survey_import *im);
const es_survey_import_row *es_survey_import_row_at(const es_survey_import *im, size_t i);
/* The number of errors found, and error i (i < ES_SURVEY_IMPORT_MAX_ERRORS):
 * "row 3, column overall: Please reply with a number from 1 to 5.". */
size_t es_survey_import_errors(const es_survey_import *im);
const char *es_survey_import_error_at(const es_survey_import *im, size_t i);
/* Adds an error found later (by the caller: an unknown location). */
void es_survey_import_error_add(es_survey_import *im, size_t row, const char *column,
                                const char *msg);
void es_survey_import_free(es_survey_import *im);

#endif
