/*
 * fuzz_audit_json.c - libFuzzer target for the JSON of audit checklists
 * and audits (src/voc/audit_json.c), the bodies of POST
 * /api/v1/audit-checklists and /api/v1/audits and the files of `earshot
 * audit`. The first byte chooses the parser. An accepted checklist must
 * pass es_checklist_check and score its own all-yes answers at 100; an
 * accepted audit must have 1..ES_CHECKLIST_MAX answers, each N/A or in
 * 0..ES_CHECKLIST_POINTS_MAX; a refusal must say why. Nothing may leak
 * (ASan). Corpus: fuzz/corpus/fuzz_audit_json/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/audits.h"

static void checklist(const char *data, size_t size)
{
    es_checklist_parsed p;
    char err[256] = "";
    if (es_checklist_parse_json(data, size, &p, err, sizeof err)) {
        es_checklist_parsed_cleanup(&p);
        if (!err[0])
            abort();
        return;
    }
    if (es_checklist_check(&p.c, err, sizeof err) || p.c.n_items == 0)
        abort();
    int best[ES_CHECKLIST_MAX];
    double score = 0;
    for (size_t i = 0; i < p.c.n_items; i++)
        best[i] = p.c.items[i].max_points;
    if (!es_audit_score(p.c.items, best, p.c.n_items, &score) || score < 99.999 || score > 100.001)
        abort();
    es_checklist_parsed_cleanup(&p);
}

static void audit(const char *data, size_t size)
{
    es_audit_parsed p;
    char err[256] = "";
    if (es_audit_parse_json(data, size, &p, err, sizeof err)) {
        es_audit_parsed_cleanup(&p);
        if (!err[0])
            abort();
        return;
    }
    if (p.a.n_answers == 0 || p.a.n_answers > ES_CHECKLIST_MAX || !p.location ||
        (!p.checklist && p.checklist_id <= 0))
        abort();
    for (size_t i = 0; i < p.a.n_answers; i++)
        if (p.a.answers[i] != ES_AUDIT_NA &&
            (p.a.answers[i] < 0 || p.a.answers[i] > ES_CHECKLIST_POINTS_MAX))
            abort();
    es_audit_parsed_cleanup(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        checklist((const char *)data + 1, size - 1);
    else
        audit((const char *)data + 1, size - 1);
    return 0;
}
