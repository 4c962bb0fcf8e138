/*
 * invitation_int.h - the store's "invitations" part (internal): survey
 * invitations and advocacy invitations with their outbox columns
 * (include/earshot/invitation.h). invitations.c checks arguments and
 * dispatches through struct es__invite_ops; the SQLite backend implements
 * it in sqlite_invitation.c (rows, states, the outbox) and
 * sqlite_invitation_report.c (refresh, reports, advocacy candidates), and
 * holds schema step 15. src/voc/ builds the messages and calls these.
 */
#ifndef ES_STORE_INVITATION_INT_H
#define ES_STORE_INVITATION_INT_H

#include "earshot/invitation.h"
#include "store/store_int.h"

/* A new invitation row (es__invite_insert). */
typedef struct es__invite_new {
    const char *kind; /* "survey", "advocacy" */
    const char *token;
    int64_t location_id;
    const char *channel; /* "sms", "email" */
    const char *contact;
    const char *name;
    int64_t visit_at;
    const char *state;               /* "invited" (queued) or "skipped" */
    const char *reason;              /* skipped: why */
    const char *subject;             /* email's subject; NULL for SMS */
    const char *body;                /* NULL when skipped */
    int64_t response_id, mention_id; /* advocacy */
    const char *handle;
    int64_t followers; /* -1 unknown */
    int64_t created;   /* Unix seconds */
} es__invite_new;

/* An outbox row claimed for delivery. */
typedef struct es__invite_job {
    int64_t id;
    const char *channel, *contact, *subject, *body, *idem_key;
    int64_t attempts; /* before this one */
} es__invite_job;

/* An advocacy candidate (es__invite_candidates). */
typedef struct es__invite_candidate {
    int64_t location_id;
    const char *code;                /* the location's code */
    int64_t response_id, mention_id; /* one of them */
    const char *contact;
    const char *handle; /* social handle (mentions), or NULL */
    int64_t followers;  /* -1 unknown */
} es__invite_candidate;

/* Delivery outcomes for done. */
enum { ES__INVITE_SENT = 0, ES__INVITE_RETRY, ES__INVITE_FAILED };

struct es__invite_ops {
    /* Whether contact had an invitation of kind (not skipped) to location
     * created at or after since. */
    es_err (*recent)(es_store_t *s, const char *kind, int64_t location_id, const char *contact,
                     int64_t since, int *found);
    /* Inserts n (in the caller's transaction); due at once when queued. */
    es_err (*insert)(es_store_t *s, const es__invite_new *n, int64_t *id);
    /* By token (token non-NULL) or by id. */
    es_err (*lookup)(es_store_t *s, const char *token, int64_t id,
                     void (*cb)(const es_invitation *, void *), void *ud);
    es_err (*mark)(es_store_t *s, int64_t id, const char *state, int64_t now);
    es_err (*claim)(es_store_t *s, int64_t now_ms, int64_t lease_until_ms, size_t max,
                    void (*cb)(const es__invite_job *, void *), void *ud);
    es_err (*done)(es_store_t *s, int64_t id, int outcome, const char *error, int64_t next_at_ms,
                   int64_t now);
    es_err (*next_due)(es_store_t *s, int64_t *ms);
    es_err (*refresh)(es_store_t *s, int64_t window, size_t *changed);
    es_err (*report)(es_store_t *s, const char *scope_json, int64_t since, int64_t until,
                     void (*cb)(const es_invite_report_row *, void *), void *ud);
    es_err (*candidates)(es_store_t *s, int64_t since, int min_recommend, double min_compound,
                         size_t max, void (*cb)(const es__invite_candidate *, void *), void *ud);
    /* Sets shared; *found 0 when no advocacy row id is in scope. */
    es_err (*shared)(es_store_t *s, int64_t id, const char *scope_json, const char *handle,
                     int64_t followers, int64_t now, int *found);
    es_err (*adv_report)(es_store_t *s, const char *scope_json, int64_t since, int64_t until,
                         es_advocacy_report *out);
};

/* The SQLite implementation (sqlite_invitation.c). */
extern const struct es__invite_ops es__sqlite_invite_ops;

/* Schema step 15 (sqlite_invitation.c): invitations. */
extern const char es__sqlite_step_invitations[];

/* Dispatchers for src/voc/ (invitations.c): each checks the part. */
es_err es__invite_recent(es_store_t *s, const char *kind, int64_t location_id, const char *contact,
                         int64_t since, int *found) ES_WUR;
es_err es__invite_insert(es_store_t *s, const es__invite_new *n, int64_t *id) ES_WUR;
es_err es__invite_claim(es_store_t *s, int64_t now_ms, int64_t lease_until_ms, size_t max,
                        void (*cb)(const es__invite_job *, void *), void *ud) ES_WUR;
es_err es__invite_done(es_store_t *s, int64_t id, int outcome, const char *error,
                       int64_t next_at_ms, int64_t now) ES_WUR;
es_err es__invite_next_due(es_store_t *s, int64_t *ms) ES_WUR;
es_err es__invite_candidates(es_store_t *s, int64_t since, int min_recommend, double min_compound,
                             size_t max, void (*cb)(const es__invite_candidate *, void *),
                             void *ud) ES_WUR;
/* The scope as a JSON array of location keys into buf (heap, es_free), or
 * NULL for every location. ES_ENOMEM. */
es_err es__invite_scope_json(const es_invite_scope *sc, char **out) ES_WUR;

#endif
