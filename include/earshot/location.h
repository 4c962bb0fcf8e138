/*
 * location.h - the organisation's places (V1): an organisation, its regions
 * and its locations (stores, restaurants, hotels), each with a short code,
 * a time zone and managers.
 *
 * Naming. A location's key is the string that mentions, cases, alerts and
 * users' scopes already use for it (users.h): a region path, then the
 * location's own name, e.g. "eu/fr/lyon-14". A region is a path ending in
 * '/' ("eu/", "eu/fr/"); a location's region is its key up to and with the
 * last '/', or "" for a location in no region. The code is short, letters
 * and digits only, unique without regard to case ("1234", "LYON14"): the
 * keyword of SMS surveys ("FEEDBACK 1234") and the path of the QR survey
 * (/s/1234). A location's managers are the users whose scope covers it
 * (users.h, table user_locations); nothing more is stored for them.
 *
 * The SQLite backend keeps these in schema step 11 (sqlite_location.c):
 * organisation, regions, locations. Changes are audited.
 */
#ifndef EARSHOT_LOCATION_H
#define EARSHOT_LOCATION_H

#include <stdint.h>

#include "earshot.h"
#include "store.h"

/* Limits (longer input is refused with ES_ELIMIT). */
#define ES_LOCATION_KEY_MAX 128  /* bytes of a location key or region path */
#define ES_LOCATION_CODE_MAX 16  /* characters of a code */
#define ES_LOCATION_NAME_MAX 128 /* bytes of a display name */
#define ES_LOCATION_TZ_MAX 64    /* bytes of a time zone name ("Europe/Paris") */
#define ES_LOCATION_URL_MAX 1024 /* bytes of a review link */

/* A location. Strings belong to the caller (on input) or to the store until
 * the callback returns (on output). */
typedef struct es_location {
    int64_t id;             /* 0 on input to add */
    const char *key;        /* "eu/fr/lyon-14" */
    const char *code;       /* "1234" */
    const char *name;       /* "Lyon Part-Dieu" */
    const char *region;     /* output only: "eu/fr/" or "" */
    const char *tz;         /* IANA name; NULL or "" means "UTC" on input */
    const char *review_url; /* where advocates are sent to review it; NULL for none */
    int disabled;           /* 1: kept for history, no new surveys */
    int64_t created;        /* Unix seconds; output only */
} es_location;

/* Checks a location's fields (key syntax, code syntax, lengths) without a
 * store; ES_EINVAL or ES_ELIMIT with a message in err (size bytes).
 * Thread-safe. */
es_err es_location_check(const es_location *l, char *err, size_t size) ES_WUR;

/* Adds a location (and its region rows, if missing). *id gets its id.
 * ES_EEXIST when the key or the code is taken. actor_user: the user who
 * acts, for the audit trail (0: the command line). */
es_err es_location_add(es_store_t *s, const es_location *l, int64_t actor_user,
                       int64_t *id) ES_WUR;

/* Finds a location by code (without regard to case) or, failing that, by
 * key, and calls cb once with it. ES_ENOTFOUND when there is none. */
es_err es_location_find(es_store_t *s, const char *code_or_key,
                        void (*cb)(const es_location *l, void *ud), void *ud) ES_WUR;

#endif
