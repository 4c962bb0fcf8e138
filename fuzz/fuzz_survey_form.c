/*
 * fuzz_survey_form.c - libFuzzer target for the QR web survey's POST
 * (src/http/survey_web.c): any bytes are decoded as the form (form.c),
 * read against the default survey template (es__http_survey_read), and
 * its "token" field checked (src/voc/webtoken.c). An accepted answer must
 * be in its question's range or a text of at most 2,000 bytes, an error
 * must carry a message, and a token must never pass without the secret's
 * signature.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/survey_flow.h"
#include "http/survey_web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_arena_t *a = es_arena_new(4096, 1 << 20);
    es_http_form_limits lim = {64, 16384};
    es_http_form f;
    const char *why = NULL;
    es_survey sv;
    es__survey_post post;
    char nonce[33];
    if (!a)
        return 0;
    es_survey_template(&sv, NULL, NULL);
    if (es_http_form_decode(a, (const char *)data, size, &lim, &f, &why) == ES_OK) {
        int errors = es__http_survey_read(a, &f, &sv, &post);
        if (errors == 0 && post.contact_error)
            abort();
        for (size_t i = 0; i < post.n; i++) {
            const es_survey_answer *x = &post.a[i];
            const es_survey_question *q = &sv.q[x->position - 1];
            if (q->kind == ES_Q_TEXT ? (x->has_value || !x->text || strlen(x->text) > 2000)
                                     : (!x->has_value || x->value < 0 || x->value > 10))
                abort();
        }
        for (size_t i = 0; i < sv.n_questions; i++)
            if (post.error[i] && !*post.error[i])
                abort();
        const char *tok = es_http_form_get(&f, "token");
        /* The fuzzer cannot know the secret: no token may pass. */
        if (tok && es_survey_webtoken_check("fuzz-secret", "1234", tok, 1700000000, 0, 1L << 40,
                                            nonce) == ES_OK)
            abort();
    }
    es_arena_free(a);
    return 0;
}
