/*
 * invitation.h - survey invitations (V2) and advocacy (S1): messages sent
 * by SMS or email through a durable outbox, each with a token of its own.
 *
 * A survey invitation asks a recent customer or loyalty member of a
 * location to answer its survey: the message carries the link
 * <public_url>/s/<code>?i=<token> (the web form attaches the response to
 * the invitation: es_survey_response.invitation_id) and, by SMS, tells the
 * customer they may also reply "FEEDBACK <code>". States, furthest first:
 *   completed > started > delivered > invited; and skipped (never sent: the
 *   contact opted out, or was invited to that location within the window).
 * An advocacy invitation asks a promoter to review the location on its
 * review link (locations.review_url) through <public_url>/r/<token>, which
 * counts a click and redirects to the stored link only. States:
 *   shared > clicked > delivered > invited; and skipped.
 * Either message offers a way out: by SMS "Reply STOP to opt out", by email
 * the link <public_url>/u/<token>, which puts the contact on the opt-out
 * list (survey.h) without a login.
 *
 * The outbox is the invitations table itself: a row not yet delivered is
 * due at its next_at; the deliverer (src/voc/invite_deliver.c) sends it with
 * the alert module's SMS provider and SMTP client (alert.h's es_alert_config)
 * and retries with back-off. Rows survive restarts. The SQLite backend keeps
 * them in schema step 13 (sqlite_invitation.c). docs/surveys.md
 * ("Invitations") and docs/advocacy.md describe the rules and reports.
 *
 * Strings handed to callbacks are valid during the call only. Store
 * functions follow store.h: one thread per handle.
 */
#ifndef EARSHOT_INVITATION_H
#define EARSHOT_INVITATION_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "earshot.h"
#include "store.h"

#define ES_INVITE_TOKEN_LEN 32        /* hex characters of a token */
#define ES_INVITE_CONTACT_MAX 254     /* bytes of a phone or email */
#define ES_INVITE_NAME_MAX 128        /* bytes of a customer's name */
#define ES_INVITE_MAX_ROWS 10000      /* contacts in one list */
#define ES_INVITE_MAX_INPUT (8 << 20) /* bytes of one list */
#define ES_INVITE_WINDOW (30 * 86400) /* default de-duplication window, seconds */

/* One invitation (or advocacy invitation) as stored. */
typedef struct es_invitation {
    int64_t id;
    const char *kind;  /* "survey" or "advocacy" */
    const char *token; /* ES_INVITE_TOKEN_LEN hex characters */
    int64_t location_id;
    const char *location;   /* the location's code */
    const char *review_url; /* the location's review link, or NULL */
    const char *channel;    /* "sms" or "email" */
    const char *contact;    /* E.164 phone or email address */
    const char *name;       /* the customer's name, or NULL */
    const char *state;      /* see above */
    const char *reason;     /* skipped: "opted-out" or "recent"; else NULL */
    int64_t visit_at;       /* Unix seconds; 0 unknown */
    int64_t response_id;    /* advocacy: the promoting response; 0 none */
    int64_t mention_id;     /* advocacy: the promoting mention; 0 none */
    const char *handle;     /* advocacy: the social handle shared from, or NULL */
    int64_t followers;      /* advocacy: that handle's followers; -1 unknown */
    int64_t clicks;         /* advocacy: redirects followed */
    int64_t created, delivered_at, started_at, completed_at, clicked_at, shared_at; /* 0: not */
} es_invitation;

/* ---- for the web form and the SMS conversation ------------------------------ */

/* Finds the invitation whose token is token and calls cb once with it.
 * The web form should check that inv->kind is "survey" and inv->location
 * is the code of its URL (/s/<code>?i=<token>) before it attaches the
 * response (es_survey_response.invitation_id = inv->id). ES_ENOTFOUND for
 * an unknown or malformed token. Errors also: ES_EDB. Works inside the
 * caller's transaction (es_store_begin) or without one. */
es_err es_invitation_lookup(es_store_t *s, const char *token,
                            void (*cb)(const es_invitation *inv, void *ud), void *ud) ES_WUR;

/* Moves invitation id on to state at time now (Unix seconds): "delivered",
 * "started", "completed" (survey) or "clicked", "shared" (advocacy). A
 * state never moves back: marking "started" a completed invitation changes
 * nothing (ES_OK); "completed" also sets started when it was not. Each
 * "clicked" counts one click. Works inside the caller's transaction or
 * without one (then it is its own statement). Errors: ES_ENOTFOUND,
 * ES_EINVAL (a state of the other kind, or a skipped invitation), ES_EDB. */
es_err es_invitation_mark(es_store_t *s, int64_t id, const char *state, int64_t now) ES_WUR;

/* ---- contact lists ---------------------------------------------------------- */

/* One contact to invite. */
typedef struct es_invite_contact {
    const char *contact;  /* "+15550001" (E.164) or "ann@example.com" */
    const char *location; /* a location's code (or key) */
    const char *name;     /* NULL: none */
    const char *channel;  /* "sms", "email"; NULL: by the contact's form */
    int64_t visit_at;     /* 0: unknown */
} es_invite_contact;

typedef struct es_invite_list {
    es_invite_contact *v;
    size_t n;
    struct es_arena_s *arena; /* owns v and the strings */
} es_invite_list;

/* Parses a list: CSV with a header row naming the columns contact (or
 * phone, email), location, and optionally name, channel, visit (Unix
 * seconds or ISO 8601 "2026-11-20T18:30:00Z"), or a JSON array of objects
 * with the same members (or an object {"contacts": [...]}). The form is
 * told by the first character that is not a space ('[' or '{': JSON).
 * Every row is checked: a phone is '+' and 6 to 15 digits, an email has
 * one '@' and no spaces, a channel fits its contact. On error err (size
 * bytes) says where: "line 4: 'abc' is neither a phone (+15550001) nor an
 * email". Free the list with es_invite_list_free. Errors: ES_EPARSE,
 * ES_ELIMIT (more than ES_INVITE_MAX_ROWS rows or ES_INVITE_MAX_INPUT
 * bytes), ES_ENOMEM. Thread-safe. */
es_err es_invite_list_parse(const char *data, size_t len, es_invite_list *out, char *err,
                            size_t size) ES_WUR;
void es_invite_list_free(es_invite_list *l);

/* ---- sending ---------------------------------------------------------------- */

typedef struct es_invite_opts {
    const char *public_url; /* "https://earshot.example.com" (required) */
    const char *channel;    /* forces every row's channel; NULL: each row's */
    int64_t window;         /* seconds; 0: ES_INVITE_WINDOW */
} es_invite_opts;

typedef struct es_invite_result {
    size_t invited;            /* rows queued for delivery */
    size_t skipped_optout;     /* contacts on the opt-out list */
    size_t skipped_recent;     /* invited to that location within the window */
    int64_t first_id, last_id; /* the ids made (0: none) */
} es_invite_result;

/* Invites every contact of l to its location's survey at time now, in one
 * transaction: each row gets an invitation with a fresh token, either
 * queued (state invited) or recorded as skipped. Unknown or disabled
 * locations, or a channel that does not fit a contact, refuse the whole
 * list (ES_EINVAL, the row named on s). Audited under actor_user (0: the
 * command line). Wake the deliverer afterwards. Errors also: ES_EDB,
 * ES_ENOMEM, ES_EBUSY. */
es_err es_invite_send(es_store_t *s, const es_invite_list *l, const es_invite_opts *o,
                      int64_t actor_user, int64_t now, es_invite_result *res) ES_WUR;

/* Puts the contact of the invitation whose token is token on the opt-out
 * list (how "email:unsubscribe") at time now, in one transaction with its
 * audit entry. Errors: ES_ENOTFOUND (unknown token), ES_EDB, ES_EBUSY. */
es_err es_invite_unsubscribe(es_store_t *s, const char *token, int64_t now) ES_WUR;

/* Brings the survey invitations' states up to date from the responses:
 * a response with an invitation's id, or an SMS response from the same
 * phone to the same location at or after the invitation (within the
 * window), makes it started, and completed when the response is. Called by
 * the reports and by the deliverer. *changed (may be NULL) counts rows. */
es_err es_invite_refresh(es_store_t *s, int64_t window, size_t *changed) ES_WUR;

/* ---- delivery ---------------------------------------------------------------- */

/* Sends, once, the invitations due at now_ms (Unix ms) through c's SMS
 * provider or SMTP server, claiming them first (a lease, so two processes
 * never send one row at once); a failure is retried with exponential
 * back-off and jitter (c's backoff_ms, backoff_max_ms) until c's
 * max_attempts, then the row is failed. *sent (may be NULL) counts the rows
 * delivered. Errors: ES_EDB, ES_ENOMEM. */
es_err es_invite_deliver_due(es_store_t *s, const es_alert_config *c, int64_t now_ms,
                             size_t *sent) ES_WUR;

/* The deliverer thread of `earshot serve`: runs es_invite_deliver_due on a
 * store handle of its own (db_path), sleeping until woken, the next retry,
 * or 1 s. c must outlive it. Errors: ES_ENOMEM, ES_EDB, ES_EIO. */
typedef struct es_invite_deliverer_s es_invite_deliverer_t;
es_err es_invite_deliverer_start(const char *db_path, const es_alert_config *c,
                                 es_invite_deliverer_t **out) ES_WUR;
void es_invite_deliverer_wake(es_invite_deliverer_t *d); /* thread-safe; NULL ok */
void es_invite_deliverer_stop(es_invite_deliverer_t *d); /* NULL ok */

/* ---- reports -------------------------------------------------------------------- */

/* A scope: every location, or those whose keys are listed. */
typedef struct es_invite_scope {
    int all_locations;
    const char *const *locations; /* keys */
    size_t n_locations;
} es_invite_scope;

/* One (location, channel) row of the survey invitations report. */
typedef struct es_invite_report_row {
    const char *location; /* code */
    const char *channel;
    int64_t invited; /* sent or being sent (not skipped) */
    int64_t delivered, started, completed, failed, skipped;
} es_invite_report_row;

/* Calls cb for each (location, channel) with survey invitations created in
 * [since, until) in scope, by location code then channel, after
 * es_invite_refresh. Completion rate = completed / invited. */
es_err es_invite_report(es_store_t *s, const es_invite_scope *sc, int64_t since, int64_t until,
                        void (*cb)(const es_invite_report_row *r, void *ud), void *ud) ES_WUR;

/* ---- advocacy ------------------------------------------------------------------ */

typedef struct es_advocacy_opts {
    const char *public_url; /* required */
    int min_recommend;      /* a promoter's least recommend answer; 0: 9 */
    double min_compound;    /* a very positive mention; 0: 0.8 */
    int64_t since;          /* responses and mentions from then on (Unix s) */
    int64_t window;         /* no second advocacy invitation to a contact and
                             * location within it; 0: ES_INVITE_WINDOW */
    const char *channel;    /* NULL: by each contact's form */
} es_advocacy_opts;

/* The advocacy rule: invites, at time now, each promoter since o->since not
 * invited yet: a completed response whose recommend answer is at least
 * min_recommend and that has a contact, or a mention by SMS or email (its
 * author is the contact) with a location and compound >= min_compound; the
 * location must have a review link. Opted-out and recent contacts are
 * recorded as skipped. *res counts. Wake the deliverer afterwards. */
es_err es_advocacy_run(es_store_t *s, const es_advocacy_opts *o, int64_t now,
                       es_invite_result *res) ES_WUR;

/* Records that advocacy invitation id was shared (confirmed by a person or
 * the customer), from handle with followers (-1: unknown; handle NULL:
 * none). Only in scope (NULL: any): else ES_ENOTFOUND. Audited. */
es_err es_advocacy_shared(es_store_t *s, int64_t id, const es_invite_scope *sc, const char *handle,
                          int64_t followers, int64_t actor_user, int64_t now) ES_WUR;

/* The advocacy figures over [since, until) in scope. */
typedef struct es_advocacy_report {
    int64_t engaged;        /* distinct contacts that completed a survey or were
                             * invited to advocate */
    int64_t invited;        /* advocacy invitations sent (not skipped) */
    int64_t clicked;        /* of them, clicked (or shared) */
    int64_t advocates;      /* shared */
    int64_t reach_known;    /* followers of the advocates whose count is known */
    int64_t shares_unknown; /* advocates whose followers are unknown */
    int64_t per_share;      /* the estimate used for each of those */
    int64_t reach;          /* reach_known + shares_unknown * per_share */
} es_advocacy_report;

#define ES_ADVOCACY_PER_SHARE 100 /* default estimated people reached per share */

/* Computes the report; per_share <= 0 takes ES_ADVOCACY_PER_SHARE. */
es_err es_advocacy_report_get(es_store_t *s, const es_invite_scope *sc, int64_t since,
                              int64_t until, int64_t per_share, es_advocacy_report *out) ES_WUR;

/* The arithmetic of reach (pure): known + unknown * per_share, saturating
 * at INT64_MAX. */
int64_t es_advocacy_reach(int64_t known, int64_t unknown, int64_t per_share);

#endif
