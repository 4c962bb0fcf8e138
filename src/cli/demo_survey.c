/*
 * demo_survey.c - the survey part of `earshot demo`: Aerolark's 40 airport
 * cafés in four regions (locations with codes and time zones), the default
 * survey of the demo (overall, recommend, five drivers, a comment), and 12
 * weeks of seeded responses whose answers come from a model with KNOWN
 * truth, written to DIR/survey_truth.json so that tests can check what the
 * scores, key drivers and action plans find (docs/scores.md, "Demo data").
 *
 * The model, per response at location L:
 *   driver j (1-5 scale): round(mu[L][j] + N(0, 0.9)) clamped to 1..5,
 *     mu[L][j] = BASE[j] + N(0, 0.12) per location, minus PLANT_DROP on the
 *     planted weak locations' driver (and the trend plants, see below);
 *   accuracy (yes/no): yes with probability 0.92;
 *   overall = round(3.0 + sum_j W_OVERALL[j] (d_j - 3) + W_OVERALL[acc] (acc - 1)
 *                   + N(0, 0.5)) clamped to 1..5;
 *   recommend = round(6.2 + sum_j W_RECOMMEND[j] (d_j - 3) + W_RECOMMEND[acc] (acc - 1)
 *                   + N(0, 1.1)) clamped to 0..10.
 * The weights are in points of the outcome per point of the driver (per
 * "yes" for accuracy). About 8% of responses skip recommend and 4% skip one
 * driver (partial answers are kept), a fifth leave a comment.
 *
 * Responses go in through es_survey_response_add (channel "import",
 * external ids "demo-N", so a second run adds nothing) in one transaction.
 * Everything comes from demo.h's splitmix64 seeded by --seed and a fixed
 * calendar, so the same seed gives the same data.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "cli/demo_survey.h"
#include "earshot/location.h"
#include "earshot/store.h"
#include "earshot/survey.h"

/* The driver questions, in survey order after overall and recommend. */
enum { D_SPEED, D_FRIENDLY, D_CLEAN, D_FOOD, D_ACCURACY, N_DRIVERS };

static const struct {
    const char *key, *label, *text;
    double base;      /* the mean of mu over locations (scale drivers) */
    double w_overall; /* the true weights */
    double w_recommend;
} DRIVERS[N_DRIVERS] = {
    {"speed", "Speed of service", "How would you rate the speed of service? (1-5)", 3.9, 0.35,
     0.45},
    {"friendliness", "Friendliness of staff", "How friendly were our staff? (1-5)", 4.0, 0.20,
     0.90},
    {"cleanliness", "Cleanliness", "How clean was the café? (1-5)", 4.0, 0.05, 0.15},
    {"food", "Food quality", "How would you rate the food and drinks? (1-5)", 3.8, 0.45, 0.70},
    {"accuracy", "Order accuracy", "Was your order right? (yes/no)", 0.92, 0.40, 0.80},
};

#define OVERALL_BASE 3.0
#define OVERALL_NOISE 0.5
#define RECOMMEND_BASE 6.2
#define RECOMMEND_NOISE 1.1
#define DRIVER_NOISE 0.9
#define LOCATION_SD 0.12
#define PLANT_DROP 1.3  /* how much lower a planted weak driver is */
#define TREND_SHIFT 1.0 /* the trend plants' change in the last 4 weeks */
#define N_WEEKS 12
#define SURVEY_END (START_TIME + 21 * 86400) /* 2026-11-23, a Monday */
#define SURVEY_START (SURVEY_END - N_WEEKS * 7 * 86400)

/* The cafés: code, key (region path + name), name, time zone. */
static const struct {
    const char *code, *key, *name, *tz;
} CAFES[] = {
    {"JFK", "americas/us/jfk", "Aerolark Café New York JFK", "America/New_York"},
    {"LGA", "americas/us/lga", "Aerolark Café New York LaGuardia", "America/New_York"},
    {"BOS", "americas/us/bos", "Aerolark Café Boston", "America/New_York"},
    {"ORD", "americas/us/ord", "Aerolark Café Chicago", "America/Chicago"},
    {"DEN", "americas/us/den", "Aerolark Café Denver", "America/Denver"},
    {"SFO", "americas/us/sfo", "Aerolark Café San Francisco", "America/Los_Angeles"},
    {"LAX", "americas/us/lax", "Aerolark Café Los Angeles", "America/Los_Angeles"},
    {"SEA", "americas/us/sea", "Aerolark Café Seattle", "America/Los_Angeles"},
    {"YYZ", "americas/ca/yyz", "Aerolark Café Toronto", "America/Toronto"},
    {"YVR", "americas/ca/yvr", "Aerolark Café Vancouver", "America/Vancouver"},
    {"MEX", "americas/mx/mex", "Aerolark Café Mexico City", "America/Mexico_City"},
    {"GRU", "americas/br/gru", "Aerolark Café São Paulo", "America/Sao_Paulo"},
    {"LHR", "europe/uk/lhr", "Aerolark Café London Heathrow", "Europe/London"},
    {"LGW", "europe/uk/lgw", "Aerolark Café London Gatwick", "Europe/London"},
    {"MAN", "europe/uk/man", "Aerolark Café Manchester", "Europe/London"},
    {"CDG", "europe/fr/cdg", "Aerolark Café Paris CDG", "Europe/Paris"},
    {"ORY", "europe/fr/ory", "Aerolark Café Paris Orly", "Europe/Paris"},
    {"NCE", "europe/fr/nce", "Aerolark Café Nice", "Europe/Paris"},
    {"FRA", "europe/de/fra", "Aerolark Café Frankfurt", "Europe/Berlin"},
    {"MUC", "europe/de/muc", "Aerolark Café Munich", "Europe/Berlin"},
    {"AMS", "europe/nl/ams", "Aerolark Café Amsterdam", "Europe/Amsterdam"},
    {"MAD", "europe/es/mad", "Aerolark Café Madrid", "Europe/Madrid"},
    {"BCN", "europe/es/bcn", "Aerolark Café Barcelona", "Europe/Madrid"},
    {"FCO", "europe/it/fco", "Aerolark Café Rome", "Europe/Rome"},
    {"DXB", "mideast/ae/dxb", "Aerolark Café Dubai", "Asia/Dubai"},
    {"AUH", "mideast/ae/auh", "Aerolark Café Abu Dhabi", "Asia/Dubai"},
    {"DOH", "mideast/qa/doh", "Aerolark Café Doha", "Asia/Qatar"},
    {"TLV", "mideast/il/tlv", "Aerolark Café Tel Aviv", "Asia/Jerusalem"},
    {"IST", "mideast/tr/ist", "Aerolark Café Istanbul", "Europe/Istanbul"},
    {"CAI", "mideast/eg/cai", "Aerolark Café Cairo", "Africa/Cairo"},
    {"SIN", "asia/sg/sin", "Aerolark Café Singapore", "Asia/Singapore"},
    {"HKG", "asia/hk/hkg", "Aerolark Café Hong Kong", "Asia/Hong_Kong"},
    {"NRT", "asia/jp/nrt", "Aerolark Café Tokyo Narita", "Asia/Tokyo"},
    {"HND", "asia/jp/hnd", "Aerolark Café Tokyo Haneda", "Asia/Tokyo"},
    {"ICN", "asia/kr/icn", "Aerolark Café Seoul", "Asia/Seoul"},
    {"BKK", "asia/th/bkk", "Aerolark Café Bangkok", "Asia/Bangkok"},
    {"SYD", "asia/au/syd", "Aerolark Café Sydney", "Australia/Sydney"},
    {"MEL", "asia/au/mel", "Aerolark Café Melbourne", "Australia/Melbourne"},
    {"DEL", "asia/in/del", "Aerolark Café Delhi", "Asia/Kolkata"},
    {"BOM", "asia/in/bom", "Aerolark Café Mumbai", "Asia/Kolkata"},
};
#define N_CAFES NELEM(CAFES)

/* The planted weak locations: cafe index, driver. Plants go on drivers that
 * matter: an action plan ranks a driver by importance x gap, and the least
 * important drivers (cleanliness, accuracy: under 4% of R^2 for
 * recommending) cannot come first however weak a location is on them, so a
 * plant there could never be found by the plans (docs/drivers.md). */
static const struct {
    int cafe, driver;
} WEAK[] = {{2, D_SPEED}, {15, D_FRIENDLY}, {27, D_FOOD}, {33, D_FOOD}};
/* The trend plants: in the last 4 weeks one café's speed falls and one's
 * food rises (from a weak start) by TREND_SHIFT. */
#define DECLINING_CAFE 6  /* LAX: speed falls */
#define IMPROVING_CAFE 21 /* MAD: food rises */

static const char *const COMMENTS[] = {
    "Great coffee, quick service.",
    "The queue was far too long.",
    "Lovely staff, thank you!",
    "Tables were dirty.",
    "Sandwich was stale.",
    "They got my order wrong.",
    "Perfect before an early flight.",
    "Too expensive for what it is.",
};

/* A standard normal draw (Box-Muller). */
static double gauss(rng *r)
{
    double u1 = ((double)(rnext(r) >> 11) + 0.5) * 0x1.0p-53;
    double u2 = (double)(rnext(r) >> 11) * 0x1.0p-53;
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static int clampi(double v, int lo, int hi)
{
    long x = lrint(v);
    return x < lo ? lo : x > hi ? hi : (int)x;
}

/* The demo survey: overall, recommend, the drivers, a comment. */
static void demo_survey_def(es_survey *sv)
{
    memset(sv, 0, sizeof *sv);
    sv->name = "Aerolark Café";
    sv->is_default = 1;
    sv->hot_threshold = 2;
    sv->q[0] = (es_survey_question){1,
                                    "overall",
                                    ES_Q_SCALE5,
                                    ES_QR_OVERALL,
                                    "How satisfied were you with your visit overall? (1-5)",
                                    "Overall satisfaction"};
    sv->q[1] = (es_survey_question){2,
                                    "recommend",
                                    ES_Q_SCALE10,
                                    ES_QR_RECOMMEND,
                                    "How likely are you to recommend Aerolark Café to a friend?"
                                    " (0-10)",
                                    "Likelihood to recommend"};
    for (int j = 0; j < N_DRIVERS; j++)
        sv->q[2 + j] = (es_survey_question){
            3 + j,        DRIVERS[j].key,  j == D_ACCURACY ? ES_Q_YESNO : ES_Q_SCALE5,
            ES_QR_DRIVER, DRIVERS[j].text, DRIVERS[j].label};
    sv->q[7] = (es_survey_question){
        8,        "comment", ES_Q_TEXT, ES_QR_COMMENT, "Anything else you would like to tell us?",
        "Comment"};
    sv->n_questions = 8;
}

typedef struct world {
    int64_t survey_id;
    int64_t loc_id[N_CAFES];
    double mu[N_CAFES][N_DRIVERS];
    double sum[N_DRIVERS], sumsq[N_DRIVERS]; /* of the answers, for the truth file */
    long n[N_DRIVERS];
    long responses;
} world;

static void take_survey_id(const es_survey *sv, void *ud)
{
    *(int64_t *)ud = sv->id;
}

static void take_loc_id(const es_location *l, void *ud)
{
    *(int64_t *)ud = l->id;
}

/* Adds the survey and the cafés unless they are there; fills w's ids. */
static es_err setup(es_store_t *st, world *w)
{
    es_survey sv;
    demo_survey_def(&sv);
    es_err rc = es_survey_add(st, &sv, 0, &w->survey_id);
    if (rc == ES_EEXIST)
        rc = es_survey_get(st, 0, take_survey_id, &w->survey_id);
    for (size_t i = 0; !rc && i < N_CAFES; i++) {
        es_location l = {0, CAFES[i].key, CAFES[i].code, CAFES[i].name, NULL, CAFES[i].tz, NULL, 0,
                         0};
        rc = es_location_add(st, &l, 0, &w->loc_id[i]);
        if (rc == ES_EEXIST)
            rc = es_location_find(st, CAFES[i].code, take_loc_id, &w->loc_id[i]);
    }
    return rc;
}

/* The location means of every driver, plants included (before the trend
 * plants, which depend on the day). */
static void draw_means(rng *r, world *w)
{
    for (size_t i = 0; i < N_CAFES; i++)
        for (int j = 0; j < D_ACCURACY; j++)
            w->mu[i][j] = DRIVERS[j].base + LOCATION_SD * gauss(r);
    for (size_t k = 0; k < NELEM(WEAK); k++)
        w->mu[WEAK[k].cafe][WEAK[k].driver] -= PLANT_DROP;
    w->mu[IMPROVING_CAFE][D_FOOD] -= TREND_SHIFT / 2;
}

/* Draws and stores one response of cafe c on day d (0-based). */
static es_err one_response(es_store_t *st, rng *r, world *w, size_t c, int d, long seq)
{
    int late = d >= (N_WEEKS - 4) * 7; /* the last 4 weeks */
    int v[N_DRIVERS];
    double so = OVERALL_BASE, sr = RECOMMEND_BASE;
    for (int j = 0; j < D_ACCURACY; j++) {
        double mu = w->mu[c][j];
        if (late && c == DECLINING_CAFE && j == D_SPEED)
            mu -= TREND_SHIFT;
        if (late && c == IMPROVING_CAFE && j == D_FOOD)
            mu += TREND_SHIFT;
        v[j] = clampi(mu + DRIVER_NOISE * gauss(r), 1, 5);
        so += DRIVERS[j].w_overall * (v[j] - 3);
        sr += DRIVERS[j].w_recommend * (v[j] - 3);
    }
    v[D_ACCURACY] = rchance(r, DRIVERS[D_ACCURACY].base);
    so += DRIVERS[D_ACCURACY].w_overall * (v[D_ACCURACY] - 1);
    sr += DRIVERS[D_ACCURACY].w_recommend * (v[D_ACCURACY] - 1);
    int overall = clampi(so + OVERALL_NOISE * gauss(r), 1, 5);
    int recommend = clampi(sr + RECOMMEND_NOISE * gauss(r), 0, 10);
    int skip_rec = rchance(r, 0.08), skip_driver = rchance(r, 0.04) ? rrange(r, 0, 4) : -1;
    es_survey_answer a[8];
    size_t n = 0;
    a[n++] = (es_survey_answer){1, 1, overall, NULL};
    if (!skip_rec)
        a[n++] = (es_survey_answer){2, 1, recommend, NULL};
    for (int j = 0; j < N_DRIVERS; j++) {
        if (j == skip_driver)
            continue;
        a[n++] = (es_survey_answer){3 + j, 1, v[j], NULL};
        w->sum[j] += v[j], w->sumsq[j] += v[j] * v[j], w->n[j]++;
    }
    if (rchance(r, 0.2))
        a[n++] = (es_survey_answer){8, 0, 0, COMMENTS[rbelow(r, NELEM(COMMENTS))]};
    char ext[32];
    snprintf(ext, sizeof ext, "demo-%ld", seq);
    int64_t started = SURVEY_START + (int64_t)d * 86400 + rrange(r, 6 * 3600, 21 * 3600);
    es_survey_response resp = {0,
                               w->survey_id,
                               w->loc_id[c],
                               "import",
                               ext,
                               NULL,
                               0,
                               0,
                               started,
                               started + rrange(r, 20, 240),
                               n,
                               a};
    return es_survey_response_add(st, &resp, NULL, NULL);
}

/* Generates every response in one transaction. */
static es_err generate(es_store_t *st, rng *r, world *w)
{
    es_err rc = es_store_begin(st);
    long seq = 0;
    double rate[N_CAFES];
    for (size_t c = 0; c < N_CAFES; c++)
        rate[c] = 2.5 + 3.0 * (double)rbelow(r, 1000) / 1000.0; /* responses a day */
    for (int d = 0; !rc && d < N_WEEKS * 7; d++)
        for (size_t c = 0; !rc && c < N_CAFES; c++) {
            int k = clampi(rate[c] + sqrt(rate[c]) * gauss(r), 0, 20);
            for (int i = 0; !rc && i < k; i++)
                rc = one_response(st, r, w, c, d, seq++);
        }
    if (rc) {
        es_store_rollback(st);
        return rc;
    }
    w->responses = seq;
    return es_store_commit(st);
}

/* ---- the truth file ------------------------------------------------------------ */

/* The drivers' keys ordered by standardised weight (w * sd), largest first. */
static json_t *order(const world *w, int recommend)
{
    int idx[N_DRIVERS];
    double sw[N_DRIVERS];
    for (int j = 0; j < N_DRIVERS; j++) {
        double nn = (double)w->n[j], m = w->sum[j] / nn;
        double sd = sqrt(w->sumsq[j] / nn - m * m);
        sw[j] = (recommend ? DRIVERS[j].w_recommend : DRIVERS[j].w_overall) * sd;
        idx[j] = j;
    }
    for (int i = 1; i < N_DRIVERS; i++) /* insertion sort of five */
        for (int k = i; k > 0 && sw[idx[k]] > sw[idx[k - 1]]; k--) {
            int t = idx[k];
            idx[k] = idx[k - 1], idx[k - 1] = t;
        }
    json_t *a = json_array();
    for (int i = 0; i < N_DRIVERS; i++)
        json_array_append_new(a, json_string(DRIVERS[idx[i]].key));
    return a;
}

/* The drivers with their true weights and the answers' standard deviation. */
static json_t *drivers_json(const world *w)
{
    json_t *a = json_array();
    for (int j = 0; j < N_DRIVERS; j++) {
        double nn = (double)w->n[j], m = w->sum[j] / nn;
        double sd = sqrt(w->sumsq[j] / nn - m * m);
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:f}", "key", DRIVERS[j].key, "label",
                         DRIVERS[j].label, "kind", j == D_ACCURACY ? "yesno" : "scale5",
                         "w_overall", DRIVERS[j].w_overall, "w_recommend", DRIVERS[j].w_recommend,
                         "sd", sd, "std_overall", DRIVERS[j].w_overall * sd, "std_recommend",
                         DRIVERS[j].w_recommend * sd));
    }
    return a;
}

/* A day as "YYYY-MM-DD". */
static json_t *day_str(int64_t t)
{
    char buf[16];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return json_string(buf);
}

/* One planted location as JSON. */
static json_t *plant(size_t cafe, int driver, double shift)
{
    return json_pack("{s:s, s:s, s:s, s:f}", "code", CAFES[cafe].code, "key", CAFES[cafe].key,
                     "driver", DRIVERS[driver].key, "shift", shift);
}

/* Writes DIR/survey_truth.json. */
static int write_truth(const char *dir, const world *w)
{
    json_t *weak = json_array();
    for (size_t k = 0; k < NELEM(WEAK); k++)
        json_array_append_new(weak, plant((size_t)WEAK[k].cafe, WEAK[k].driver, -PLANT_DROP));
    json_t *t = json_pack(
        "{s:s, s:s, s:I, s:I, s:{s:o, s:o, s:I, s:I}, s:{s:o, s:o, s:I, s:I}, s:o, s:o, s:o,"
        " s:o, s:[o], s:[o], s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f}}",
        "model",
        "see src/cli/demo_survey.c: drivers d = round(mu[location][driver] + N(0, driver_noise))"
        " in 1..5; overall = round(overall_base + sum w_overall (d - 3) + w_overall[accuracy]"
        " (yes - 1) + N(0, overall_noise)) in 1..5; recommend likewise in 0..10",
        "survey", "Aerolark Café", "locations", (json_int_t)N_CAFES, "responses",
        (json_int_t)w->responses, "window", "since", day_str(SURVEY_START), "until",
        day_str(SURVEY_END), "since_unix", (json_int_t)SURVEY_START, "until_unix",
        (json_int_t)SURVEY_END, "trend_window", "since", day_str(SURVEY_END - 28 * 86400), "until",
        day_str(SURVEY_END), "since_unix", (json_int_t)(SURVEY_END - 28 * 86400), "until_unix",
        (json_int_t)SURVEY_END, "drivers", drivers_json(w), "order_overall", order(w, 0),
        "order_recommend", order(w, 1), "weak_locations", weak, "declining",
        plant(DECLINING_CAFE, D_SPEED, -TREND_SHIFT), "improving",
        plant(IMPROVING_CAFE, D_FOOD, TREND_SHIFT), "noise", "driver", DRIVER_NOISE, "location",
        LOCATION_SD, "overall", OVERALL_NOISE, "recommend", RECOMMEND_NOISE, "overall_base",
        OVERALL_BASE, "recommend_base", RECOMMEND_BASE, "accuracy_yes", DRIVERS[D_ACCURACY].base);
    char path[4096];
    snprintf(path, sizeof path, "%s/survey_truth.json", dir);
    int bad = !t || json_dump_file(t, path, JSON_INDENT(2) | JSON_SORT_KEYS) != 0;
    json_decref(t);
    if (bad)
        fprintf(stderr, "earshot demo: cannot write %s\n", path);
    return bad ? CLI_FAIL : CLI_OK;
}

/* See demo_survey.h. */
int demo_survey_run(const char *db, const char *dir, uint64_t seed, int quiet)
{
    es_store_t *st = NULL;
    world *w = es_calloc(1, sizeof *w);
    rng r = {mix64(seed ^ UINT64_C(0x5EED5C0E5))};
    es_err e = w ? es_store_open(db, &st) : ES_ENOMEM;
    if (!e)
        e = setup(st, w);
    if (!e) {
        draw_means(&r, w);
        e = generate(st, &r, w);
    }
    int rc = CLI_FAIL;
    if (e)
        fprintf(stderr, "earshot demo: surveys: %s\n", st ? es_store_errmsg(st) : es_strerror(e));
    else
        rc = write_truth(dir, w);
    if (!rc && !quiet)
        printf("Surveys: %zu locations, %ld responses over %d weeks; the truth is in "
               "%s/survey_truth.json\n",
               N_CAFES, w->responses, N_WEEKS, dir);
    es_store_close(st);
    es_free(w);
    return rc;
}
