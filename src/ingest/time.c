/*
 * time.c - es_time_parse: the date forms of every ingest format, to Unix
 * seconds UTC.
 *
 * The decoders (canonical.c, twitter.c, meta.c, csv.c, email.c) and the CLI
 * (--since, --until) call it. Accepted forms:
 *   1700000000                         Unix seconds
 *   2018-10-10T20:19:24Z               RFC 3339 / ISO 8601, with fractions,
 *   2018-10-10T20:19:24.123+02:00      offsets "+hh:mm", "+hhmm", "+hh", "Z",
 *   2016-11-11T20:05:08+0000           or none (UTC); "T" or a space;
 *   2018-10-10                         a date alone (midnight UTC)
 *   2015-02-24 11:35:52 -0800          the airline export (space, offset)
 *   Wed Oct 10 20:19:24 +0000 2018     Twitter v1.1
 *   Wed, 10 Oct 2018 20:19:24 +0000    RFC 5322 (weekday optional, seconds
 *   10 Oct 2018 20:19 GMT              optional, zone names, "(comment)")
 * Pure and reentrant.
 */
#include <string.h>
#include <strings.h>

#include "earshot/ingest.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

static int month_of(const char *s)
{
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    for (int i = 0; i < 12; i++)
        if (strncasecmp(s, names + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

/* A zone: Z, UT, GMT, the US names of RFC 5322, or +hh[:]mm / +hh. Sets
 * *off in seconds east of UTC. An empty zone is UTC. */
static int zone(const char **p, int *off)
{
    static const struct {
        const char *name;
        int hours;
    } names[] = {{"UTC", 0},  {"UT", 0},   {"GMT", 0},  {"Z", 0},    {"EST", -5}, {"EDT", -4},
                 {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    int h, m = 0;
    skip_ws(p);
    *off = 0;
    if (**p == '+' || **p == '-') {
        int sign = **p == '-' ? -1 : 1;
        (*p)++;
        if (digits(p, 2, &h))
            return -1;
        if (**p == ':')
            (*p)++;
        if (**p >= '0' && **p <= '9' && digits(p, 2, &m))
            return -1;
        if (h > 23 || m > 59)
            return -1;
        *off = sign * (h * 3600 + m * 60);
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t n = strlen(names[i].name);
        if (strncasecmp(*p, names[i].name, n) == 0) {
            *p += n;
            *off = names[i].hours * 3600;
            return 0;
        }
    }
    return 0;
}

/* hh:mm[:ss[.fraction]] */
static int clock(const char **p, int *h, int *mi, int *s)
{
    *s = 0;
    if (digits(p, 2, h) || **p != ':')
        return -1;
    (*p)++;
    if (digits(p, 2, mi))
        return -1;
    if (**p == ':') {
        (*p)++;
        if (digits(p, 2, s))
            return -1;
        if (**p == '.' || **p == ',') {
            (*p)++;
            while (**p >= '0' && **p <= '9')
                (*p)++;
        }
    }
    return *h > 23 || *mi > 59 || *s > 60 ? -1 : 0;
}

/* Combines checked fields into Unix seconds. */
static es_err combine(int64_t y, int mo, int d, int h, int mi, int s, int off, int64_t *out)
{
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || y < 1 || y > 9999)
        return ES_EPARSE;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off;
    return ES_OK;
}

/* The rest must be empty, or an RFC 5322 comment such as "(PST)". */
static int at_end(const char *p)
{
    skip_ws(&p);
    if (*p == '(' && strchr(p, ')'))
        p = strchr(p, ')') + 1;
    skip_ws(&p);
    return *p == '\0';
}

static es_err parse_iso(const char *p, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, s = 0, off = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
        return ES_EPARSE;
    if (*p == 'T' || *p == 't' || (*p == ' ' && p[1] >= '0' && p[1] <= '9')) {
        p++;
        if (clock(&p, &h, &mi, &s) || zone(&p, &off))
            return ES_EPARSE;
    }
    if (!at_end(p))
        return ES_EPARSE;
    return combine(y, mo, d, h, mi, s, off, out);
}

/* "Wed Oct 10 20:19:24 +0000 2018" */
static es_err parse_twitter(const char *p, int64_t *out)
{
    int mo, d, h, mi, s, off, y;
    if (strlen(p) < 8 || p[3] != ' ')
        return ES_EPARSE;
    p += 4;
    if (!(mo = month_of(p)) || p[3] != ' ')
        return ES_EPARSE;
    p += 4;
    skip_ws(&p);
    if (digits(&p, p[0] && p[1] == ' ' ? 1 : 2, &d) || *p++ != ' ' || clock(&p, &h, &mi, &s) ||
        zone(&p, &off))
        return ES_EPARSE;
    skip_ws(&p);
    if (digits(&p, 4, &y) || !at_end(p))
        return ES_EPARSE;
    return combine(y, mo, d, h, mi, s, off, out);
}

/* "[Wed, ]10 Oct 2018 20:19[:24] +0000" */
static es_err parse_rfc5322(const char *p, int64_t *out)
{
    int mo, d, h, mi, s, off, y;
    const char *comma = strchr(p, ',');
    if (comma && comma - p <= 9)
        p = comma + 1;
    skip_ws(&p);
    if (digits(&p, p[0] && p[1] == ' ' ? 1 : 2, &d) || *p++ != ' ')
        return ES_EPARSE;
    skip_ws(&p);
    if (!(mo = month_of(p)))
        return ES_EPARSE;
    p += 3;
    skip_ws(&p);
    if (digits(&p, 4, &y) || *p++ != ' ')
        return ES_EPARSE;
    skip_ws(&p);
    if (clock(&p, &h, &mi, &s) || zone(&p, &off) || !at_end(p))
        return ES_EPARSE;
    return combine(y, mo, d, h, mi, s, off, out);
}

/* Digits only (with an optional sign): Unix seconds. */
static es_err parse_unix(const char *p, int64_t *out)
{
    int neg = *p == '-';
    int64_t v = 0;
    p += neg;
    if (!*p)
        return ES_EPARSE;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000000000000LL)
            return ES_EPARSE;
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return ES_OK;
}

es_err es_time_parse(const char *s, int64_t *out)
{
    if (!s)
        return ES_EPARSE;
    skip_ws(&s);
    if (!*s)
        return ES_EPARSE;
    if (parse_unix(s, out) == ES_OK)
        return ES_OK;
    if (strlen(s) > 4 && s[0] >= '0' && s[0] <= '9' && s[4] == '-')
        return parse_iso(s, out);
    if (parse_twitter(s, out) == ES_OK)
        return ES_OK;
    return parse_rfc5322(s, out);
}
