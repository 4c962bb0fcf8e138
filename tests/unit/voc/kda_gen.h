/*
 * kda_gen.h - a seeded generator of survey responses whose key drivers have
 * known true weights, and of a few planted weak locations, for the tests of
 * key-driver analysis and action plans (test_drivers_eval.c) and for the
 * end-to-end helper (tests/e2e/helper_kda.c). Header-only: static
 * functions, one copy per test program.
 *
 * The model. Location l has an effect e[l][j] on driver j (normal, sd
 * KDA_LOC_SD), and a planted weak pair gets KDA_PLANT more (negative). A
 * response's driver answer is round(3.6 + e[l][j] + N(0, 1)) clamped to
 * 1..5; its latent satisfaction z = sum_j w[j] (d_j - 3.6) + N(0, 0.8);
 * overall = round(3.5 + z) clamped to 1..5, recommend = round(7 + 1.8 z)
 * clamped to 0..10. A share KDA_MISSING of responses leave one driver
 * unanswered.
 */
#ifndef ES_TESTS_KDA_GEN_H
#define ES_TESTS_KDA_GEN_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "earshot/location.h"
#include "earshot/store.h"
#include "earshot/survey.h"

#define KDA_DRIVERS 5
#define KDA_LOCS 60
#define KDA_LOC_SD 0.15
#define KDA_PLANT (-1.8)
#define KDA_MISSING 0.05

/* The true weights, clearly apart; the last driver does not matter. */
static const double kda_w[KDA_DRIVERS] = {0.8, 0.55, 0.4, 0.2, 0.0};
static const char *const kda_keys[KDA_DRIVERS] = {"speed", "friendly", "clean", "value", "parking"};
static const char *const kda_labels[KDA_DRIVERS] = {"Speed of service", "Friendliness",
                                                    "Cleanliness", "Value for money", "Parking"};
/* Planted weak (location index, driver index) pairs. */
#define KDA_N_PLANTED 3
static const int kda_planted[KDA_N_PLANTED][2] = {{5, 0}, {17, 1}, {41, 2}};

typedef struct kda_rng {
    uint64_t s;
} kda_rng;

/* A uniform number in (0, 1) (a 64-bit LCG's top 53 bits). */
static inline double kda_unif(kda_rng *r)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return ((double)(r->s >> 11) + 0.5) / 9007199254740992.0;
}

/* A standard normal number (Box-Muller). */
static inline double kda_norm(kda_rng *r)
{
    double u = kda_unif(r), v = kda_unif(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static inline int kda_clamp(double v, int lo, int hi)
{
    long k = lround(v);
    return (int)(k < lo ? lo : k > hi ? hi : k);
}

/* One generated response: driver answers (0: missing), overall, recommend. */
typedef struct kda_resp {
    int loc;
    int d[KDA_DRIVERS];
    int overall, recommend;
} kda_resp;

/* The location effects of seed. */
typedef struct kda_world {
    kda_rng rng;
    double eff[KDA_LOCS][KDA_DRIVERS];
} kda_world;

static inline void kda_world_init(kda_world *w, uint64_t seed)
{
    w->rng.s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int l = 0; l < KDA_LOCS; l++)
        for (int j = 0; j < KDA_DRIVERS; j++)
            w->eff[l][j] = KDA_LOC_SD * kda_norm(&w->rng);
    for (int k = 0; k < KDA_N_PLANTED; k++)
        w->eff[kda_planted[k][0]][kda_planted[k][1]] += KDA_PLANT;
}

/* Draws one response at location loc. */
static inline void kda_draw(kda_world *w, int loc, kda_resp *out)
{
    double z = 0;
    out->loc = loc;
    for (int j = 0; j < KDA_DRIVERS; j++) {
        out->d[j] = kda_clamp(3.6 + w->eff[loc][j] + kda_norm(&w->rng), 1, 5);
        z += kda_w[j] * (out->d[j] - 3.6);
    }
    z += 0.8 * kda_norm(&w->rng);
    out->overall = kda_clamp(3.5 + z, 1, 5);
    out->recommend = kda_clamp(7 + 1.8 * z, 0, 10);
    if (kda_unif(&w->rng) < KDA_MISSING)
        out->d[(int)(kda_unif(&w->rng) * KDA_DRIVERS) % KDA_DRIVERS] = 0;
}

/* The survey: overall (1), recommend (2), the drivers (3..7), a comment (8). */
static inline void kda_survey(es_survey *sv)
{
    memset(sv, 0, sizeof *sv);
    sv->name = "kda";
    sv->is_default = 1;
    sv->hot_threshold = 2;
    sv->q[0] = (es_survey_question){
        1,        "overall", ES_Q_SCALE5, ES_QR_OVERALL, "How satisfied were you overall? (1-5)",
        "Overall"};
    sv->q[1] = (es_survey_question){2,
                                    "recommend",
                                    ES_Q_SCALE10,
                                    ES_QR_RECOMMEND,
                                    "How likely are you to recommend us? (0-10)",
                                    "Recommend"};
    for (int j = 0; j < KDA_DRIVERS; j++)
        sv->q[2 + j] = (es_survey_question){3 + j,        kda_keys[j],         ES_Q_SCALE5,
                                            ES_QR_DRIVER, "How was it? (1-5)", kda_labels[j]};
    sv->q[7] =
        (es_survey_question){8, "comment", ES_Q_TEXT, ES_QR_COMMENT, "Anything else?", "Comment"};
    sv->n_questions = 8;
}

/* The region of location index l: three regions of two levels. */
static const char *kda_region(int l)
{
    static const char *const regions[] = {"eu/fr/", "eu/de/", "us/ny/"};
    return regions[l % 3];
}

/* Adds the survey and the locations to s; ids into loc_ids. 0 or -1. */
static inline int kda_setup(es_store_t *s, int64_t *survey_id, int64_t loc_ids[KDA_LOCS])
{
    es_survey sv;
    kda_survey(&sv);
    if (es_survey_add(s, &sv, 0, survey_id))
        return -1;
    for (int l = 0; l < KDA_LOCS; l++) {
        char key[64], code[16], name[32];
        snprintf(key, sizeof key, "%sstore-%02d", kda_region(l), l);
        snprintf(code, sizeof code, "S%02d", l);
        snprintf(name, sizeof name, "Store %d", l);
        es_location loc = {.key = key, .code = code, .name = name};
        if (es_location_add(s, &loc, 0, &loc_ids[l]))
            return -1;
    }
    return 0;
}

/* Stores one response r at time t. 0 or -1. */
static inline int kda_store(es_store_t *s, int64_t survey_id, int64_t loc_id, const kda_resp *r,
                            int64_t t)
{
    es_survey_answer a[2 + KDA_DRIVERS];
    size_t n = 0;
    a[n++] = (es_survey_answer){1, 1, r->overall, NULL};
    a[n++] = (es_survey_answer){2, 1, r->recommend, NULL};
    for (int j = 0; j < KDA_DRIVERS; j++)
        if (r->d[j])
            a[n++] = (es_survey_answer){3 + j, 1, r->d[j], NULL};
    es_survey_response resp = {.survey_id = survey_id,
                               .location_id = loc_id,
                               .channel = "import",
                               .started = t,
                               .completed = t,
                               .n_answers = n,
                               .answers = a};
    return es_survey_response_add(s, &resp, NULL, NULL) ? -1 : 0;
}

/* Generates per_loc responses at each location of seed's world into s in
 * one transaction, started at t0 + i. Returns the count stored, or -1. */
static inline long kda_fill(es_store_t *s, kda_world *w, int64_t survey_id,
                            const int64_t loc_ids[KDA_LOCS], int per_loc, int64_t t0)
{
    long n = 0;
    if (es_store_begin(s))
        return -1;
    for (int i = 0; i < per_loc; i++)
        for (int l = 0; l < KDA_LOCS; l++) {
            kda_resp r;
            kda_draw(w, l, &r);
            if (kda_store(s, survey_id, loc_ids[l], &r, t0 + n)) {
                es_store_rollback(s);
                return -1;
            }
            n++;
        }
    return es_store_commit(s) ? -1 : n;
}

#endif
