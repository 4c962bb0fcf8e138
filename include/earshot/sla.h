/*
 * sla.h - service levels (C5, C6, S4): business-hours calendars, SLA
 * policies by priority (first response, next response, resolution), the SLA
 * clock of each case (pending pauses it), breach prediction and alerts, and
 * the response-time reports (by channel, team, location and follower-count
 * decile: the fairness report).
 *
 * Three layers, as everywhere in earshot:
 *  - pure logic (src/sla/calendar.c, clock.c): no store, reentrant;
 *  - the store part (src/store/sla.c -> sqlite_sla*.c): policies, calendars,
 *    the raw inputs of every case's clock, the status log, report rows;
 *  - the service (src/sla/check.c, report.c): due times, the SLA checker the
 *    server runs every few seconds, and the reports.
 * Replies, channel limits and their outbox are in reply.h.
 *
 * Times are Unix seconds (UTC). Durations are seconds.
 */
#ifndef EARSHOT_SLA_H
#define EARSHOT_SLA_H

#include "earshot.h"
#include "store.h"

/* ---- business-hours calendars (pure) ------------------------------------- */

#define ES_CAL_MAX_HOLIDAYS 128
#define ES_CAL_MAX_SPEC 2048

/* Weekly opening hours, holidays and a fixed offset from UTC. Day 0 is
 * Sunday. A day is open over [open[d], close[d]) seconds after local
 * midnight; open == close means closed all day. A holiday (local day number:
 * days since 1970-01-01 in local time) is closed all day. */
typedef struct es_calendar {
    int32_t utc_offset; /* seconds east of UTC, -14 h .. +14 h */
    int32_t open[7], close[7];
    int64_t holidays[ES_CAL_MAX_HOLIDAYS]; /* sorted, distinct */
    size_t n_holidays;
} es_calendar;

/* Sets c to a calendar open around the clock, every day, in UTC. */
void es_calendar_always(es_calendar *c);

/* Parses a calendar written as words separated by blanks (docs/sla.md):
 *   "mon-fri 09:00-17:00 sat 10:00-14:00 utc+01:00 holidays=2026-12-25,2026-12-26"
 * A day word (mon..sun, or a range such as mon-fri) is followed by its hours
 * HH:MM-HH:MM (24:00 allowed as a close); "24x7" opens every day all day;
 * days not named are closed. On error returns ES_EPARSE and writes the reason
 * (with the word) to err (when errlen > 0). Reentrant; allocates nothing. */
es_err es_calendar_parse(const char *spec, es_calendar *c, char *err, size_t errlen) ES_WUR;

/* Business seconds in [t0, t1) (0 when t1 <= t0). Reentrant. */
int64_t es_calendar_between(const es_calendar *c, int64_t t0, int64_t t1);

/* The moment at which `seconds` business seconds have passed since start
 * (start itself when seconds <= 0). ES_EINVAL when the calendar is never
 * open (no day has hours, or ten years of holidays). Reentrant. */
es_err es_calendar_due(const es_calendar *c, int64_t start, int64_t seconds, int64_t *due) ES_WUR;

/* ---- the SLA clock (pure) ------------------------------------------------ */

/* A span during which the case was pending (its clock stopped). until is 0
 * while the case is still pending. */
typedef struct es_sla_pause {
    int64_t from, until;
} es_sla_pause;

/* When a target of `seconds` business seconds, counted from start and
 * stopped during the pauses (sorted by from), falls due. *due is 0 when the
 * clock is stopped at the end (a pause with until 0 begins before the target
 * is reached): no due time while pending. Errors as es_calendar_due. */
es_err es_sla_clock_due(const es_calendar *c, int64_t start, int64_t seconds,
                        const es_sla_pause *pauses, size_t n_pauses, int64_t *due) ES_WUR;

/* The p-quantile (0 <= p <= 1) of the sorted values v[0..n), interpolating
 * linearly between the closest ranks (the median of 10 and 20 is 15); 0 for
 * n == 0. Reentrant. */
double es_sla_quantile(const int64_t *v, size_t n, double p);

/* ---- policies and calendars in the store ---------------------------------- */

/* The targets of one priority (1 urgent .. 4 low). A target of 0 is none.
 * calendar names a stored calendar; NULL or "" is around the clock, UTC. */
typedef struct es_sla_policy {
    int64_t id; /* set by the store (list) */
    int priority;
    int64_t first_response, next_response, resolution;
    const char *calendar;
} es_sla_policy;

/* Adds or replaces the policy of p->priority, writing an audit entry with
 * user_id (0: the system) in the same transaction. Errors: ES_EINVAL (a
 * priority outside 1..4, a negative target), ES_ENOTFOUND (no such
 * calendar), ES_EDB. Not thread-safe per handle (as every store call). */
es_err es_sla_policy_set(es_store_t *s, const es_sla_policy *p, int64_t user_id,
                         int64_t *id) ES_WUR;

/* Calls cb for each policy by priority; strings live during the call. */
es_err es_sla_policy_list(es_store_t *s, void (*cb)(const es_sla_policy *p, void *ud),
                          void *ud) ES_WUR;

/* Adds or replaces the calendar `name` with its spec (checked with
 * es_calendar_parse: ES_EPARSE with the reason in es_store_errmsg), with an
 * audit entry. ES_EINVAL for an empty name. */
es_err es_sla_calendar_put(es_store_t *s, const char *name, const char *spec, int64_t user_id,
                           int64_t *id) ES_WUR;

typedef struct es_sla_calendar_row {
    int64_t id;
    const char *name;
    const char *spec;
} es_sla_calendar_row;
es_err es_sla_calendar_list(es_store_t *s, void (*cb)(const es_sla_calendar_row *c, void *ud),
                            void *ud) ES_WUR;

/* ---- each case's clock ---------------------------------------------------- */

/* A location scope, as a manager has: all set, or the locations listed
 * (a case without a location is then outside). NULL scope: everything. */
typedef struct es_sla_scope {
    int all;
    const char *const *locations;
    size_t n_locations;
} es_sla_scope;

/* The raw inputs of one case's clock, from the store. Timestamps are 0 when
 * unset. The policy fields are 0 (and calendar NULL) when the priority has no
 * policy. pauses are the case's pending spans, oldest first. */
typedef struct es_sla_case {
    int64_t case_id;
    const char *status; /* new, open, pending, resolved */
    const char *location;
    int priority;
    int64_t created, last_customer_at, first_response_at, last_response_at, resolved_at;
    int64_t first_response, next_response, resolution; /* the policy's targets */
    const char *calendar_spec;
    const es_sla_pause *pauses;
    size_t n_pauses;
} es_sla_case;

/* Calls cb with the clock inputs of case_id (0: of every case that is not
 * resolved and not merged, by id) within scope. Everything lives during the
 * call. ES_ENOTFOUND when case_id is given and not found (or out of scope). */
es_err es_sla_clocks(es_store_t *s, int64_t case_id, const es_sla_scope *scope,
                     void (*cb)(const es_sla_case *c, void *ud), void *ud) ES_WUR;

/* The due times of one case (0: no such target, met, or stopped while
 * pending). next is the earliest of those still outstanding, 0 for none:
 * the SLA due time that triage ranks by. */
typedef struct es_sla_dues {
    int64_t first_response, next_response, resolution;
    int64_t next;
} es_sla_dues;

/* Computes the dues of a case from its clock inputs. Reentrant. Errors:
 * ES_EPARSE (a stored calendar no longer parses), ES_EINVAL. */
es_err es_sla_case_dues(const es_sla_case *c, es_sla_dues *out) ES_WUR;

/* The due times of case case_id, read from the store (for the triage rank
 * and the API). ES_ENOTFOUND, ES_EDB. Same thread rules as the store. */
es_err es_sla_due(es_store_t *s, int64_t case_id, es_sla_dues *out) ES_WUR;

/* ---- the SLA checker -------------------------------------------------------- */

/* One SLA alert: a target of case_id ("first_response", "next_response",
 * "resolution") that is due within the warning window (level "warning") or
 * is past due (level "breach"). */
typedef struct es_sla_event {
    int64_t case_id;
    const char *clock;
    const char *level;
    int64_t due;
    const char *location; /* the case's, or NULL */
    int priority;
    int64_t now; /* when the check found it */
} es_sla_event;

/* Raises one SLA event (an alert). Returning non-zero keeps it unmarked, so
 * that the next check raises it again. */
typedef es_err (*es_sla_raise_fn)(es_store_t *s, const es_sla_event *ev, void *ud);

/* Finds every open case whose target falls due within warn seconds of now
 * ("warning") or has passed ("breach") and calls raise for each event not
 * raised before; each (case, target, level) is raised once (kept in the
 * store). raise NULL: es_sla_raise_alert (the alert engine). *raised (may be
 * NULL) receives how many. Meant for the server's scheduler every few
 * seconds, on its own store handle; the marks make it idempotent. Errors:
 * ES_EDB, ES_ENOMEM, or the first error of raise (the rest still run). */
es_err es_sla_check(es_store_t *s, int64_t now, int64_t warn, es_sla_raise_fn raise, void *ud,
                    size_t *raised) ES_WUR;

/* The default raise: an alert of kind "sla" through es_alert_raise (alert.h)
 * for the case's location. */
es_err es_sla_raise_alert(es_store_t *s, const es_sla_event *ev, void *ud);

/* Store side of the checker: records that ev (case, clock, level, due) was
 * raised; *fresh (may be NULL) is 1 when it was not recorded before.
 * es_sla_marked tells whether it was. A new due time (the customer wrote
 * again, the case came back from pending) is a new event. */
es_err es_sla_mark(es_store_t *s, const es_sla_event *ev, int64_t now, int *fresh) ES_WUR;
es_err es_sla_marked(es_store_t *s, const es_sla_event *ev, int *marked) ES_WUR;

/* ---- reports (C5, S4) ---------------------------------------------------------- */

typedef enum es_sla_by {
    ES_SLA_BY_CHANNEL = 0, /* cases.source */
    ES_SLA_BY_TEAM,
    ES_SLA_BY_LOCATION,
    ES_SLA_BY_FOLLOWERS /* follower-count decile at open, 1..10 */
} es_sla_by;

/* Parses "channel", "team", "location", "followers"; ES_EINVAL otherwise. */
es_err es_sla_by_parse(const char *name, es_sla_by *by) ES_WUR;
const char *es_sla_by_name(es_sla_by by);

/* One raw report row from the store: a case's group and its times (-1 when
 * not responded / not resolved). Rows arrive ordered by group. For
 * followers, group is the decile ("1".."10") and followers the count. */
typedef struct es_sla_sample {
    const char *group; /* "" for none (no team, no location) */
    int64_t followers;
    int64_t first_response; /* seconds from created to first response, or -1 */
    int64_t resolution;     /* seconds from created to resolved, or -1 */
} es_sla_sample;

/* Streams the samples of cases created in [since, until) (0: open), not
 * merged, within scope, ordered by group. */
es_err es_sla_samples(es_store_t *s, es_sla_by by, const es_sla_scope *scope, int64_t since,
                      int64_t until, void (*cb)(const es_sla_sample *r, void *ud), void *ud) ES_WUR;

/* One line of the report: the cases of a group, how many were answered and
 * resolved, and the median and 90th percentile of their first-response and
 * resolution times in seconds (wall-clock; 0 when none). For followers,
 * followers_min/max bound the decile. */
typedef struct es_sla_report_row {
    const char *group;
    long cases, responded, resolved;
    double first_median, first_p90, resolution_median, resolution_p90;
    int64_t followers_min, followers_max;
} es_sla_report_row;

/* Computes the report (one row per group, in group order; deciles in
 * numeric order) and calls cb per row. Errors: ES_EINVAL, ES_ENOMEM, ES_EDB. */
es_err es_sla_report(es_store_t *s, es_sla_by by, const es_sla_scope *scope, int64_t since,
                     int64_t until, void (*cb)(const es_sla_report_row *r, void *ud),
                     void *ud) ES_WUR;

#endif
