/*
 * fuzz_signature.c - libFuzzer target for the webhook signature headers
 * (src/http/sig.c). The input is a header value, a newline, then a body:
 * the header is checked as an X-Hub-Signature-256 over the body and as an
 * X-Twilio-Signature over a fixed URL and the body decoded as a form; the
 * body is also tried as a Meta handshake query. Each call must answer with
 * one of its documented codes, a reason on every refusal, and a challenge
 * only on success.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/webhook.h"

static void check(es_err rc, const char *why)
{
    if (rc == ES_OK ? why != NULL : (why == NULL || *why == '\0'))
        abort();
    if (rc != ES_OK && rc != ES_EPARSE && rc != ES_REJECTED && rc != ES_ENOMEM)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t hlen = nl ? (size_t)(nl - data) : size;
    const char *body = nl ? (const char *)nl + 1 : "";
    size_t blen = nl ? size - hlen - 1 : 0;
    char *header = malloc(hlen + 1);
    es_arena_t *a = es_arena_new(4096, 1 << 20);
    const char *why = NULL, *challenge = NULL;
    es_http_form f;
    es_err rc;

    if (!header || !a)
        goto out;
    memcpy(header, data, hlen);
    header[hlen] = '\0'; /* an embedded NUL just shortens the header */

    rc = es_http_meta_verify("It's a Secret to Everybody", body, blen, header, &why);
    check(rc, why);
    if (es_http_form_decode(a, body, blen, NULL, &f, NULL) == ES_OK) {
        rc = es_http_twilio_verify("12345", "https://mycompany.com:8443/myapp.php?foo=1", &f,
                                   header, &why);
        check(rc, why);
        rc = es_http_meta_handshake(&f, header[0] ? header : "token", &challenge, &why);
        check(rc, why);
        if ((rc == ES_OK) != (challenge != NULL))
            abort();
    }
out:
    es_arena_free(a);
    free(header);
    return 0;
}
