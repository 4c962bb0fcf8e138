/*
 * fuzz_form.c - libFuzzer target for the application/x-www-form-urlencoded
 * decoder of the webhooks (src/http/form.c). Any bytes are decoded with
 * small limits; a refusal must carry a reason and leave an empty form, an
 * acceptance must give NUL-free, correctly measured strings no longer than
 * their encoded form, and never more fields than the limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_arena_t *a = es_arena_new(4096, 1 << 20);
    es_http_form_limits lim = {64, 8192};
    es_http_form f;
    const char *why = NULL;
    if (!a)
        return 0;
    es_err rc = es_http_form_decode(a, (const char *)data, size, &lim, &f, &why);
    if (rc == ES_OK) {
        if (why || f.n > lim.max_fields)
            abort();
        for (size_t i = 0; i < f.n; i++) {
            const es_http_field *fl = &f.fields[i];
            if (strlen(fl->name) != fl->name_len || strlen(fl->value) != fl->value_len)
                abort();
            if (fl->name_len + fl->value_len > size)
                abort();
            if (es_http_form_get(&f, fl->name) == NULL)
                abort();
        }
    } else {
        if (!why || !*why || f.n != 0 || f.fields != NULL)
            abort();
        if (rc != ES_EPARSE && rc != ES_EUTF8 && rc != ES_ELIMIT && rc != ES_ENOMEM)
            abort();
    }
    es_arena_free(a);
    return 0;
}
