/*
 * location_qr.c - `earshot location qr CODE --url BASE`: prints the SVG of
 * a printable QR code of location CODE's web survey (BASE/s/CODE, the page
 * `earshot serve` answers at /s/<code>) to standard output, for the poster
 * at the point of sale. The location must exist and not be disabled. On
 * the public API only (location.h, survey_flow.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/util.h"
#include "earshot/location.h"
#include "earshot/survey_flow.h"

typedef struct found {
    int ok;
    int disabled;
    char code[ES_LOCATION_CODE_MAX + 1];
} found;

static void take(const es_location *l, void *ud)
{
    found *f = ud;
    f->ok = 1;
    f->disabled = l->disabled;
    snprintf(f->code, sizeof f->code, "%s", l->code ? l->code : "");
}

/* See cli.h. */
int cli_location_qr(cli_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *base = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
            base = argv[++i];
        else if (argv[i][0] != '-' && !code)
            code = argv[i];
        else
            return cli_usage("location qr", "unexpected argument '%s'", argv[i]);
    }
    if (!code || !base || (strncmp(base, "http://", 7) && strncmp(base, "https://", 8)))
        return cli_usage("location qr", "usage: earshot location qr CODE --url https://HOST");
    es_store_t *s = cli_store_open(ctx);
    if (!s)
        return CLI_FAIL;
    found f = {0};
    es_err rc = es_location_find(s, code, take, &f);
    if (rc || f.disabled || strcasecmp(f.code, code) != 0) {
        fprintf(stderr, "earshot location qr: no location with code '%s'%s\n", code,
                f.disabled ? " (it is disabled)" : "");
        es_store_close(s);
        return CLI_FAIL;
    }
    es_store_close(s);
    char url[2100];
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    snprintf(url, sizeof url, "%.*s/s/%s", (int)(n < 2000 ? n : 2000), base, f.code);
    char *svg = NULL;
    size_t len = 0;
    if ((rc = es_survey_qr_svg(url, &svg, &len))) {
        fprintf(stderr, "earshot location qr: %s\n", es_strerror(rc));
        return CLI_FAIL;
    }
    int ok = fwrite(svg, 1, len, stdout) == len && fflush(stdout) == 0;
    es_free(svg);
    return ok ? CLI_OK : CLI_FAIL;
}
