/*
 * fuzz_drivers.c - libFuzzer target for what key drivers and plans take
 * from outside: the API's query words (?target=, ?state=) and the labels
 * and names printed in plans, and the regression fed arbitrary numbers
 * (src/voc/drivers.c). The first byte chooses p (1..6 drivers); the text
 * up to the first NUL is a word to parse and a label to word; the rest is
 * read as doubles, row by row (p drivers, then the target). A fit that is
 * accepted must hold its invariants: relative weights not negative and
 * summing to R^2, ranks a permutation, shares in [0, 1].
 * Corpus: fuzz/corpus/fuzz_drivers/.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/drivers.h"
#include "earshot/plans.h"

/* The words: parse them, and word a plan with them as label and name. */
static void words(const char *w)
{
    es_drivers_target t;
    es_plan_state st;
    if (es_drivers_target_parse(w, &t) == ES_OK && !es_drivers_target_name(t))
        abort();
    if (es_plan_state_parse(w, &st) == ES_OK && strcmp(es_plan_state_name(st), w) != 0)
        abort();
    char buf[ES_PLAN_TEXT_MAX + 1];
    es_plan_text(buf, sizeof buf, w, w, 1.25, (int)strlen(w), ES_DRIVERS_PROMOTER, 0);
    if (strlen(buf) > ES_PLAN_TEXT_MAX)
        abort();
}

/* The invariants of an accepted fit. */
static void check(const es_drivers_fit *f)
{
    double sum = 0;
    unsigned seen = 0;
    for (size_t j = 0; j < f->p; j++) {
        if (f->c[j].rank < 1 || f->c[j].rank > (int)f->p || (seen & (1u << f->c[j].rank)))
            abort();
        seen |= 1u << f->c[j].rank;
        if (f->c[j].rw < -1e-9 || f->c[j].share < -1e-9 || f->c[j].share > 1 + 1e-9)
            abort();
        sum += f->c[j].rw;
    }
    if (isfinite(f->r2) && isfinite(sum) && fabs(sum - f->r2) > 1e-6 * (1 + fabs(f->r2)) &&
        !f->rank_deficient)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t p = 1 + data[0] % 6;
    const uint8_t *rest = data + 1;
    size_t left = size - 1;
    const uint8_t *z = memchr(rest, 0, left);
    size_t wn = z ? (size_t)(z - rest) : left;
    char *w = malloc(wn + 1);
    if (!w)
        abort();
    memcpy(w, rest, wn);
    w[wn] = '\0';
    words(w);
    free(w);
    rest += z ? wn + 1 : wn;
    left -= z ? wn + 1 : wn;
    size_t n = left / (sizeof(double) * (p + 1));
    if (n > 2000)
        n = 2000;
    double *x = malloc((n ? n : 1) * p * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y);
    if (!x || !y)
        abort();
    for (size_t i = 0; i < n; i++) {
        memcpy(&x[i * p], rest + i * (p + 1) * sizeof(double), p * sizeof(double));
        memcpy(&y[i], rest + (i * (p + 1) + p) * sizeof(double), sizeof(double));
    }
    es_drivers_fit f;
    char err[128];
    if (es_drivers_regress(x, y, n, p, &f, err, sizeof err) == ES_OK)
        check(&f);
    free(x);
    free(y);
    return 0;
}
