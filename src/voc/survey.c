/*
 * survey.c - what a survey asks and how an answer is read
 * (include/earshot/survey.h): the default four-question template and the
 * reading of a customer's typed answer ("4", " yes ", "Y") into a value,
 * with a hint fit to send back when it cannot be read.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "earshot/survey.h"
#include "earshot/text.h"

/* The driver question's text, per label: kept here so that the template's
 * strings outlive the call (one buffer per thread). */
static _Thread_local char driver_text[ES_SURVEY_TEXT_MAX + 1];

/* See survey.h. */
void es_survey_template(es_survey *out, const char *name, const char *driver_label)
{
    const char *label = driver_label && *driver_label ? driver_label : "Speed of service";
    size_t n = (size_t)snprintf(driver_text, sizeof driver_text, "How would you rate the %s? (1-5)",
                                label);
    /* "the Speed of service" reads as "the speed of service". */
    const char *p = strstr(driver_text, "the ");
    if (p && n < sizeof driver_text)
        driver_text[p - driver_text + 4] = (char)tolower((unsigned char)p[4]);
    *out = (es_survey){
        .name = name && *name ? name : "default",
        .is_default = 1,
        .hot_threshold = 2,
        .n_questions = 4,
        .q = {{1, "overall", ES_Q_SCALE5, ES_QR_OVERALL,
               "How satisfied were you with your visit today? (1-5, 5 is best)",
               "Overall satisfaction"},
              {2, "recommend", ES_Q_SCALE10, ES_QR_RECOMMEND,
               "How likely are you to recommend us to a friend? (0-10)",
               "Likelihood to recommend"},
              {3, "driver", ES_Q_SCALE5, ES_QR_DRIVER, driver_text, label},
              {4, "comment", ES_Q_TEXT, ES_QR_COMMENT,
               "Anything you would like to tell us? (or reply SKIP)", "Comment"}},
    };
}

/* Copies text without leading and trailing white space into buf. */
static size_t trimmed(const char *text, char *buf, size_t size)
{
    while (*text && isspace((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1]))
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    return n;
}

static es_err hint(char *err, size_t size, const char *msg)
{
    if (err && size)
        snprintf(err, size, "%s", msg);
    return ES_EINVAL;
}

/* Reads a whole number lo..hi from buf ("4", "04"; not "4.5", "four"). */
static int read_number(const char *buf, int lo, int hi, int *value)
{
    if (!*buf || strlen(buf) > 3)
        return 0;
    for (const char *p = buf; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    int v = (int)strtol(buf, NULL, 10);
    if (v < lo || v > hi)
        return 0;
    *value = v;
    return 1;
}

static int word_is(const char *buf, const char *const *words)
{
    for (; *words; words++)
        if (strcasecmp(buf, *words) == 0)
            return 1;
    return 0;
}

/* See survey.h. */
es_err es_survey_answer_parse(const es_survey_question *q, const char *text, int *value,
                              int *has_value, char *err, size_t size)
{
    if (!q || !text || !value || !has_value)
        return hint(err, size, "no answer");
    char buf[ES_SURVEY_ANSWER_MAX + 1];
    size_t n = trimmed(text, buf, sizeof buf);
    *has_value = 0;
    switch (q->kind) {
    case ES_Q_SCALE5:
        if (!read_number(buf, 1, 5, value))
            return hint(err, size, "Please reply with a number from 1 to 5.");
        break;
    case ES_Q_SCALE10:
        if (!read_number(buf, 0, 10, value))
            return hint(err, size, "Please reply with a number from 0 to 10.");
        break;
    case ES_Q_YESNO: {
        static const char *const yes[] = {"yes", "y", "1", NULL};
        static const char *const no[] = {"no", "n", "0", NULL};
        if (word_is(buf, yes))
            *value = 1;
        else if (word_is(buf, no))
            *value = 0;
        else
            return hint(err, size, "Please reply YES or NO.");
        break;
    }
    case ES_Q_TEXT:
        if (strlen(text) > ES_SURVEY_ANSWER_MAX)
            return hint(err, size, "Please keep your answer under 2000 characters.");
        if (n == 0)
            return hint(err, size, "Please reply with a few words.");
        if (es_utf8_check(buf, n, NULL) != ES_OK)
            return hint(err, size, "Please reply with plain text.");
        return ES_OK;
    default:
        return hint(err, size, "unknown question kind");
    }
    *has_value = 1;
    return ES_OK;
}
