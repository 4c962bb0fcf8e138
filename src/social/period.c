/*
 * period.c - the calendar of the social reports (social.h): UTC days,
 * ISO-8601 weeks (Monday to Sunday) and calendar months, their starts,
 * the period before, and their names. Pure arithmetic on Unix seconds,
 * with the civil-date algorithm on days since 1970-01-01. Used by the
 * posts report (report.c) and share of voice (sov.c).
 */
#include <stdio.h>
#include <strings.h>

#include "earshot/social.h"

#define DAY 86400

/* Days since 1970-01-01 of y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The civil date of days since 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Floor division of t by DAY: the day number, also before 1970. */
static int64_t day_of(int64_t t)
{
    return t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
}

/* See social.h. */
es_err es_period_parse(const char *name, es_period *out)
{
    if (name && strcasecmp(name, "day") == 0)
        *out = ES_PERIOD_DAY;
    else if (name && strcasecmp(name, "week") == 0)
        *out = ES_PERIOD_WEEK;
    else if (name && strcasecmp(name, "month") == 0)
        *out = ES_PERIOD_MONTH;
    else
        return ES_EINVAL;
    return ES_OK;
}

/* See social.h. 1970-01-01 was a Thursday: day z is a Monday when
 * (z + 3) mod 7 == 0. */
int64_t es_period_start(es_period by, int64_t t)
{
    int64_t z = day_of(t), y;
    int m, d;
    switch (by) {
    case ES_PERIOD_WEEK: {
        int64_t wd = ((z + 3) % 7 + 7) % 7; /* 0 Monday .. 6 Sunday */
        return (z - wd) * DAY;
    }
    case ES_PERIOD_MONTH: civil_from_days(z, &y, &m, &d); return days_from_civil(y, m, 1) * DAY;
    default: return z * DAY;
    }
}

/* See social.h. */
int64_t es_period_prev(es_period by, int64_t start)
{
    switch (by) {
    case ES_PERIOD_WEEK: return es_period_start(by, start) - 7 * DAY;
    case ES_PERIOD_MONTH: return es_period_start(by, es_period_start(by, start) - 1);
    default: return es_period_start(by, start) - DAY;
    }
}

/* See social.h. The ISO week-numbering year is that of the week's
 * Thursday; week 1 is the week that holds 4 January. */
const char *es_period_label(es_period by, int64_t start, char *buf, size_t size)
{
    int64_t y, z = day_of(es_period_start(by, start));
    int m, d;
    if (by == ES_PERIOD_WEEK) {
        int64_t thu = z + 3;
        civil_from_days(thu, &y, &m, &d);
        int64_t jan4 = days_from_civil(y, 1, 4);
        int64_t wd4 = ((jan4 + 3) % 7 + 7) % 7;
        int64_t week1 = jan4 - wd4;
        snprintf(buf, size, "%04lld-W%02lld", (long long)y, (long long)((z - week1) / 7 + 1));
    } else if (by == ES_PERIOD_MONTH) {
        civil_from_days(z, &y, &m, &d);
        snprintf(buf, size, "%04lld-%02d", (long long)y, m);
    } else {
        civil_from_days(z, &y, &m, &d);
        snprintf(buf, size, "%04lld-%02d-%02d", (long long)y, m, d);
    }
    return buf;
}
