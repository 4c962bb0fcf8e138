/*
 * survey_web.h - the HTML of the QR web survey (internal to src/http/):
 * survey_html.c writes the pages that survey_web.c answers with. Every
 * value is escaped; the pages need no script and carry their own
 * Content-Security-Policy (es__http_survey_csp), which the router sends
 * instead of its default.
 */
#ifndef ES_HTTP_SURVEY_WEB_H
#define ES_HTTP_SURVEY_WEB_H

#include "earshot/survey.h"
#include "earshot/webhook.h"
#include "http/http_int.h"

/* A posted survey form, read: the answers that are valid, and for the
 * form re-shown on errors each question's posted value and message. */
typedef struct es__survey_post {
    es_survey_answer a[ES_SURVEY_MAX_QUESTIONS];
    size_t n;
    const char *value[ES_SURVEY_MAX_QUESTIONS]; /* as posted, or NULL */
    const char *error[ES_SURVEY_MAX_QUESTIONS]; /* the message, or NULL */
    const char *contact, *contact_error;
} es__survey_post;

/* Reads the fields q<position> of form f against survey sv, and the
 * optional contact (a phone in E.164 or an email), into out (strings in f
 * or arena). A question other than free text must be answered. Returns
 * the number of errors (0: out->a[0..n) may be stored). For survey_web.c
 * and its fuzz target. Thread-safe. */
int es__http_survey_read(es_arena_t *arena, const es_http_form *f, const es_survey *sv,
                         es__survey_post *out);

/* The pages' Content-Security-Policy: inline styles only, no script. */
const char *es__http_survey_csp(void);

/* Sets rs to the survey form of location code / name for sv, carrying
 * token; value[i] and error[i] (NULL: none) are question i's posted value
 * and message, contact / contact_error the optional contact field's, and
 * banner (NULL: none) a message above the form. Keeps rs->status. */
void es__http_survey_form(es__http_resp *rs, const char *code, const char *name,
                          const es_survey *sv, const char *token, const char *const *value,
                          const char *const *error, const char *contact, const char *contact_error,
                          const char *banner);

/* Sets rs to a short page with status, title and text. */
void es__http_survey_message(es__http_resp *rs, unsigned status, const char *title,
                             const char *text);

#endif
