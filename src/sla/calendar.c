/*
 * calendar.c - business-hours calendars (C5): weekly opening hours, holidays
 * and a fixed UTC offset, parsed from a short text ("mon-fri 09:00-17:00
 * utc+01:00 holidays=2026-12-25"), and the two questions an SLA clock asks:
 * how many business seconds lie between two moments, and when a given
 * number of business seconds after a start falls due. Pure logic; called by
 * clock.c, check.c and the store part (which checks a spec before saving it).
 *
 * Both walk local days (Unix time + offset, cut at multiples of 86,400), so a
 * day costs a few comparisons; a full week is skipped in one step once the
 * remaining amount exceeds a week's hours and no holiday lies ahead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/sla.h"

#define DAY 86400
#define MAX_DAYS (366 * 10) /* es_calendar_due gives up after ten years */

static const char *const day_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* floor(a / b) for b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void es_calendar_always(es_calendar *c)
{
    memset(c, 0, sizeof *c);
    for (int d = 0; d < 7; d++)
        c->close[d] = DAY;
}

static es_err bad(char *err, size_t errlen, const char *why, const char *word, size_t wlen)
{
    if (errlen)
        snprintf(err, errlen, "%s: '%.*s'", why, (int)(wlen > 60 ? 60 : wlen), word);
    return ES_EPARSE;
}

/* A day name of exactly three letters, any case; -1 when not one. */
static int day_of(const char *w, size_t n)
{
    if (n != 3)
        return -1;
    for (int d = 0; d < 7; d++)
        if ((w[0] | 32) == day_names[d][0] && (w[1] | 32) == day_names[d][1] &&
            (w[2] | 32) == day_names[d][2])
            return d;
    return -1;
}

/* Reads n decimal digits at s into *v. */
static int digits(const char *s, size_t n, int *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

/* "HH:MM" into seconds after midnight (24:00 allowed). */
static int clock_time(const char *s, int32_t *out)
{
    int h, m;
    if (!digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &m) || m > 59 || h > 24 ||
        (h == 24 && m != 0))
        return 0;
    *out = (int32_t)(h * 3600 + m * 60);
    return 1;
}

/* A days word: "mon", "mon-fri" (wrapping: "fri-mon"), into a bit set. */
static unsigned days_word(const char *w, size_t n)
{
    int a = day_of(w, n < 3 ? n : 3), b = a;
    if (n == 7 && w[3] == '-')
        b = day_of(w + 4, 3);
    else if (n != 3)
        return 0;
    if (a < 0 || b < 0)
        return 0;
    unsigned set = 0;
    for (int d = a;; d = (d + 1) % 7) {
        set |= 1u << d;
        if (d == b)
            break;
    }
    return set;
}

/* "utc+01:00", "utc-05:30", "utc". */
static int offset_word(const char *w, size_t n, int32_t *off)
{
    if (n < 3 || (w[0] | 32) != 'u' || (w[1] | 32) != 't' || (w[2] | 32) != 'c')
        return 0;
    if (n == 3) {
        *off = 0;
        return 1;
    }
    int h, m;
    if (n != 9 || (w[3] != '+' && w[3] != '-') || !digits(w + 4, 2, &h) || w[6] != ':' ||
        !digits(w + 7, 2, &m) || m > 59 || h * 60 + m > 14 * 60)
        return 0;
    *off = (int32_t)((h * 3600 + m * 60) * (w[3] == '-' ? -1 : 1));
    return 1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* "holidays=YYYY-MM-DD,YYYY-MM-DD..." appended to c. */
static es_err holidays_word(const char *w, size_t n, es_calendar *c, char *err, size_t errlen)
{
    size_t i = 9; /* after "holidays=" */
    while (i < n) {
        int y, mo, d;
        if (n - i < 10 || !digits(w + i, 4, &y) || w[i + 4] != '-' || !digits(w + i + 5, 2, &mo) ||
            w[i + 7] != '-' || !digits(w + i + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31 ||
            (n - i > 10 && w[i + 10] != ','))
            return bad(err, errlen, "a holiday is YYYY-MM-DD", w + i, n - i);
        if (c->n_holidays == ES_CAL_MAX_HOLIDAYS)
            return bad(err, errlen, "too many holidays", w + i, 10);
        c->holidays[c->n_holidays++] = days_from_civil(y, (unsigned)mo, (unsigned)d);
        i += 11;
    }
    return ES_OK;
}

es_err es_calendar_parse(const char *spec, es_calendar *c, char *err, size_t errlen)
{
    if (!spec || !c)
        return ES_EINVAL;
    memset(c, 0, sizeof *c);
    if (errlen)
        err[0] = '\0';
    const char *p = spec;
    unsigned pending = 0; /* days waiting for their hours */
    int any = 0;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';' || *p == '\n')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t' && *p != ';' && *p != '\n')
            p++;
        size_t n = (size_t)(p - w);
        int32_t o, cl;
        unsigned days;
        if (pending) {
            if (n != 11 || w[5] != '-' || !clock_time(w, &o) || !clock_time(w + 6, &cl) || cl <= o)
                return bad(err, errlen, "expected hours HH:MM-HH:MM after the days", w, n);
            for (int d = 0; d < 7; d++)
                if (pending & (1u << d)) {
                    c->open[d] = o;
                    c->close[d] = cl;
                }
            pending = 0;
            any = 1;
        } else if ((days = days_word(w, n)) != 0) {
            pending = days;
        } else if (n == 4 && strncmp(w, "24x7", 4) == 0) {
            for (int d = 0; d < 7; d++)
                c->close[d] = DAY, c->open[d] = 0;
            any = 1;
        } else if (offset_word(w, n, &o)) {
            c->utc_offset = o;
        } else if (n >= 9 && strncmp(w, "holidays=", 9) == 0) {
            es_err rc = holidays_word(w, n, c, err, errlen);
            if (rc)
                return rc;
        } else {
            return bad(err, errlen, "unknown word", w, n);
        }
    }
    if (pending)
        return bad(err, errlen, "days without hours at the end", spec, strlen(spec));
    if (!any)
        return bad(err, errlen, "no opening hours", spec, strlen(spec));
    qsort(c->holidays, c->n_holidays, sizeof *c->holidays, cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < c->n_holidays; i++)
        if (k == 0 || c->holidays[k - 1] != c->holidays[i])
            c->holidays[k++] = c->holidays[i];
    c->n_holidays = k;
    return ES_OK;
}

/* ---- arithmetic ------------------------------------------------------------ */

static int is_holiday(const es_calendar *c, int64_t day)
{
    size_t lo = 0, hi = c->n_holidays;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->holidays[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n_holidays && c->holidays[lo] == day;
}

/* 1 when no holiday falls on day or later. */
static int no_holiday_from(const es_calendar *c, int64_t day)
{
    return c->n_holidays == 0 || c->holidays[c->n_holidays - 1] < day;
}

/* The weekday (0 = Sunday) of a local day number; 1970-01-01 was a Thursday. */
static int weekday(int64_t day)
{
    return (int)(((day % 7) + 11) % 7);
}

static int64_t week_hours(const es_calendar *c)
{
    int64_t w = 0;
    for (int d = 0; d < 7; d++)
        w += c->close[d] - c->open[d];
    return w;
}

/* The open span of local day `day` in local seconds, or 0 when closed. */
static int span(const es_calendar *c, int64_t day, int64_t *a, int64_t *b)
{
    int wd = weekday(day);
    if (c->close[wd] <= c->open[wd] || is_holiday(c, day))
        return 0;
    *a = day * DAY + c->open[wd];
    *b = day * DAY + c->close[wd];
    return 1;
}

int64_t es_calendar_between(const es_calendar *c, int64_t t0, int64_t t1)
{
    if (t1 <= t0)
        return 0;
    int64_t l0 = t0 + c->utc_offset, l1 = t1 + c->utc_offset;
    int64_t d0 = floor_div(l0, DAY), d1 = floor_div(l1 - 1, DAY), total = 0;
    int64_t week = week_hours(c);
    for (int64_t d = d0; d <= d1; d++) {
        /* Whole weeks strictly inside the range, with no holiday ahead. */
        if (d > d0 && d + 7 <= d1 && no_holiday_from(c, d)) {
            int64_t weeks = (d1 - d) / 7;
            total += weeks * week;
            d += weeks * 7 - 1;
            continue;
        }
        int64_t a, b;
        if (!span(c, d, &a, &b))
            continue;
        if (a < l0)
            a = l0;
        if (b > l1)
            b = l1;
        if (b > a)
            total += b - a;
    }
    return total;
}

es_err es_calendar_due(const es_calendar *c, int64_t start, int64_t seconds, int64_t *due)
{
    if (seconds <= 0) {
        *due = start;
        return ES_OK;
    }
    int64_t week = week_hours(c);
    if (week <= 0)
        return ES_EINVAL;
    int64_t l = start + c->utc_offset, left = seconds;
    int64_t d = floor_div(l, DAY);
    for (int64_t i = 0; i < MAX_DAYS; i++, d++) {
        /* Skip whole weeks (from the next local midnight) when possible. */
        if (i > 0 && left > week && no_holiday_from(c, d)) {
            int64_t weeks = (left - 1) / week;
            left -= weeks * week;
            d += weeks * 7;
        }
        int64_t a, b;
        if (!span(c, d, &a, &b))
            continue;
        if (a < l)
            a = l;
        if (b <= a)
            continue;
        if (left <= b - a) {
            *due = a + left - c->utc_offset;
            return ES_OK;
        }
        left -= b - a;
    }
    return ES_EINVAL;
}
