/*
 * fuzz_case_patch.c - libFuzzer target for the body of PATCH
 * /api/v1/cases/{id} (src/inbox/patch.c), parsed by the very function the
 * handler calls. An acceptance must give NUL-free strings within their
 * limits, a priority of 0 (keep) or 1-4, ids that are kept, 0 or positive,
 * and at most 32 tags each way; a refusal must say why and leave nothing
 * behind (ASan). Corpus: fuzz/corpus/fuzz_case_patch/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inbox/inbox.h"

static void check_str(const char *s, size_t max)
{
    if (s && strlen(s) > max)
        abort();
}

static void check_id(int64_t v)
{
    if (v != ES_CASE_KEEP && v < 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es__case_patch p;
    const char *why = NULL;
    if (es__inbox_patch_parse((const char *)data, size, &p, &why)) {
        if (!why)
            abort();
        return 0;
    }
    check_str(p.c.status, 16);
    check_str(p.c.sentiment, 16);
    check_str(p.c.intent, 16);
    check_str(p.c.department, 64);
    check_id(p.c.assignee_id);
    check_id(p.c.team_id);
    if (p.c.priority < 0 || p.c.priority > 4)
        abort();
    if (p.c.n_tags_add > ES__PATCH_MAX_TAGS || p.c.n_tags_remove > ES__PATCH_MAX_TAGS)
        abort();
    for (size_t i = 0; i < p.c.n_tags_add; i++)
        if (!p.c.tags_add[i])
            abort();
    for (size_t i = 0; i < p.c.n_tags_remove; i++)
        if (!p.c.tags_remove[i])
            abort();
    es__inbox_patch_free(&p);
    return 0;
}
