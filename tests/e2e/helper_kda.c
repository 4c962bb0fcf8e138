/*
 * helper_kda.c - prepares a store for tests/e2e/test_drivers_plans.py
 * through the library: the kda survey (five drivers with known weights),
 * 60 locations in three regions and PER_LOC responses at each, from the
 * seeded generator of the unit tests (tests/unit/voc/kda_gen.h), with its
 * planted weak locations. Prints the planted pairs as JSON on stdout:
 *   {"planted":[{"code":"S05","key":"speed"}, ...],"responses":3000}
 * usage: helper_kda DB SEED PER_LOC
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit/voc/kda_gen.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: helper_kda DB SEED PER_LOC\n");
        return 1;
    }
    es_store_t *s = NULL;
    if (es_store_open(argv[1], &s)) {
        fprintf(stderr, "helper_kda: %s\n", s ? es_store_errmsg(s) : "cannot open");
        es_store_close(s);
        return 2;
    }
    int64_t survey, locs[KDA_LOCS];
    kda_world w;
    kda_world_init(&w, strtoull(argv[2], NULL, 10));
    long per = strtol(argv[3], NULL, 10), n = -1;
    if (kda_setup(s, &survey, locs) == 0)
        n = kda_fill(s, &w, survey, locs, per > 0 && per < 100000 ? (int)per : 1, 1700000000);
    if (n < 0) {
        fprintf(stderr, "helper_kda: %s\n", es_store_errmsg(s));
        es_store_close(s);
        return 2;
    }
    printf("{\"planted\":[");
    for (int k = 0; k < KDA_N_PLANTED; k++)
        printf("%s{\"code\":\"S%02d\",\"key\":\"%s\"}", k ? "," : "", kda_planted[k][0],
               kda_keys[kda_planted[k][1]]);
    printf("],\"responses\":%ld}\n", n);
    es_store_close(s);
    return 0;
}
