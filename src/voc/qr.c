/*
 * qr.c - a printable QR code of a location's survey URL (V2), drawn as
 * SVG from libqrencode's matrix: one path of unit squares on a white
 * background with the standard four-module quiet zone, scaled by the
 * viewer (crisp at any print size). Used by GET /s/<code>/qr.svg and
 * `earshot location qr`.
 */
#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "earshot/survey_flow.h"

#define QUIET 4 /* modules of white around the code */
#define MAX_TEXT 2048

/* Appends the path of the dark modules of qr, a row's runs joined. */
static es_err draw(es__buf *b, const QRcode *qr)
{
    es_err rc = ES_OK;
    int w = qr->width;
    for (int y = 0; rc == ES_OK && y < w; y++) {
        for (int x = 0; rc == ES_OK && x < w;) {
            if (!(qr->data[y * w + x] & 1)) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < w && (qr->data[y * w + x + run] & 1))
                run++;
            rc = es__buf_printf(b, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
            x += run;
        }
    }
    return rc;
}

/* See survey_flow.h. */
es_err es_survey_qr_svg(const char *text, char **svg, size_t *len)
{
    if (!text || !*text || !svg || !len)
        return ES_EINVAL;
    if (strlen(text) > MAX_TEXT)
        return ES_ELIMIT;
    *svg = NULL;
    *len = 0;
    QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (!qr)
        return ES_ELIMIT; /* too long for any version, or out of memory */
    es__buf b;
    es__buf_init(&b, 4u << 20);
    int size = qr->width + 2 * QUIET;
    es_err rc = es__buf_printf(&b,
                               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                               "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
                               " width=\"%dmm\" height=\"%dmm\" shape-rendering=\"crispEdges\">\n"
                               "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<path d=\"",
                               size, size, size, size, size, size);
    if (rc == ES_OK)
        rc = draw(&b, qr);
    if (rc == ES_OK)
        rc = es__buf_adds(&b, "\" fill=\"#000\"/>\n</svg>\n");
    QRcode_free(qr);
    if (rc) {
        es__buf_cleanup(&b);
        return rc;
    }
    *svg = b.data;
    *len = b.len;
    return ES_OK;
}
