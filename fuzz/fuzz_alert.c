/*
 * fuzz_alert.c - libFuzzer target for what alerts build from untrusted
 * text (src/alert/payload.c, net.c): the webhook JSON and the one-line
 * subject of an alert whose title, location and detail come from a
 * customer's words, and the operator's allow-list parser. The input is
 * split at its first NUL bytes into title, location, detail and allow-list.
 * The JSON must always parse (jansson), the subject must hold no CR or LF,
 * and a parsed allow-list must stay within its bounds.
 * Corpus: fuzz/corpus/fuzz_alert/.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert/engine.h"

/* The next NUL-terminated piece of data (the rest when there is no NUL). */
static char *piece(const uint8_t **p, size_t *left)
{
    const uint8_t *z = memchr(*p, 0, *left);
    size_t n = z ? (size_t)(z - *p) : *left;
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, *p, n);
    s[n] = '\0';
    *p += z ? n + 1 : n;
    *left -= z ? n + 1 : n;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data;
    size_t left = size;
    char *title = piece(&p, &left), *loc = piece(&p, &left), *detail = piece(&p, &left);
    char *allow = piece(&p, &left);
    es_alert a = {.id = 1, .rule = "r", .kind = ES_ALERT_WORDS, .status = "open",
                  .location = *loc ? loc : NULL, .title = title,
                  .detail = *detail ? detail : NULL, .count = 1, .created = 1700000000};
    es__alert_msg m;
    if (es__alert_msg_alert(&a, "alert", &m) == ES_OK) {
        json_t *j = json_loads(m.json, JSON_ALLOW_NUL, NULL);
        if (!j || strpbrk(m.subject, "\r\n"))
            abort();
        json_decref(j);
        es__alert_msg_cleanup(&m);
    }
    es__alert_allow al;
    es_err rc = es__alert_allow_parse(allow, &al);
    if (rc == ES_OK && al.n > ES__ALERT_MAX_ALLOW)
        abort();
    if (rc == ES_OK)
        for (size_t i = 0; i < al.n; i++)
            if (al.net[i].bits > (al.net[i].family == AF_INET ? 32u : 128u))
                abort();
    free(title);
    free(loc);
    free(detail);
    free(allow);
    return 0;
}
