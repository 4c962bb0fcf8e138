/*
 * fuzz_sms_survey.c - libFuzzer target for the SMS survey conversation
 * (src/voc/sms_survey.c) and the reading of typed answers it relies on.
 * The input is split at newlines into message bodies sent, one after the
 * other, from one of three phones (chosen by each body's first byte) to an
 * in-memory store holding one location and the default survey. Every
 * message must be handled without error; a survey message must have a
 * reply within its limit; re-sending the same MessageSid must give the
 * same reply; each body is also read as an answer to every question kind,
 * and a refusal must carry a hint.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/location.h"
#include "earshot/survey_flow.h"

static es_store_t *store;
static unsigned long serial;

static void init(void)
{
    es_location l = {.key = "eu/fr/lyon-14", .code = "1234", .name = "Lyon"};
    es_survey sv;
    int64_t id;
    if (es_store_open(":memory:", &store) || es_location_add(store, &l, 0, &id))
        abort();
    es_survey_template(&sv, NULL, NULL);
    if (es_survey_add(store, &sv, 0, &id))
        abort();
}

/* Reads body as an answer to each kind of question. */
static void parse_all(const char *body)
{
    static const es_question_kind kinds[] = {ES_Q_SCALE5, ES_Q_SCALE10, ES_Q_YESNO, ES_Q_TEXT};
    for (size_t k = 0; k < 4; k++) {
        es_survey_question q = {1, "k", kinds[k], ES_QR_DRIVER, "Q?", "Q"};
        char hint[160] = "";
        int v = -1, has = 0;
        es_err rc = es_survey_answer_parse(&q, body, &v, &has, hint, sizeof hint);
        if (rc == ES_OK && has && (v < 0 || v > 10))
            abort();
        if (rc != ES_OK && !hint[0])
            abort();
    }
}

/* Sends one body; checks the reply and the replay of its sid. */
static void send_one(const char *body, size_t len)
{
    static const char *const phones[] = {"+15550001", "+15550002", "+15550003"};
    char sid[32];
    es_sms_out out, again;
    snprintf(sid, sizeof sid, "SM%lu", ++serial);
    es_sms_in in = {sid, phones[len ? (unsigned char)body[0] % 3 : 0], body};
    int64_t now = 1700000000 + (int64_t)serial * 60;
    if (es_sms_survey_handle(store, NULL, &in, now, &out) != ES_OK)
        abort();
    if (out.handled && (!out.reply[0] || strlen(out.reply) > ES_SMS_REPLY_MAX))
        abort();
    if (!out.handled && out.reply[0])
        abort();
    if (out.handled) {
        if (es_sms_survey_handle(store, NULL, &in, now + 1, &again) != ES_OK || !again.duplicate ||
            strcmp(again.reply, out.reply) != 0)
            abort();
    }
    parse_all(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store)
        init();
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (char *p = buf, *end; p && (size_t)(p - buf) <= size; p = end ? end + 1 : NULL) {
        end = strchr(p, '\n');
        if (end)
            *end = '\0';
        send_one(p, strlen(p));
    }
    free(buf);
    return 0;
}
