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
#include "users.h"

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

/* Is tz a time zone a location may have: "UTC", or an IANA name ("Europe/
 * Paris") that exists as a file under /usr/share/zoneinfo? NULL and "" are
 * not (callers map them to "UTC" first). Refuses "..", absolute paths and
 * characters outside [A-Za-z0-9_+-/]. Thread-safe. */
int es_location_tz_ok(const char *tz);

/* Finds the location with this id and calls cb once with it. ES_ENOTFOUND
 * when there is none. */
es_err es_location_get(es_store_t *s, int64_t id,
                       void (*cb)(const es_location *l, void *ud), void *ud) ES_WUR;

/* Which locations es_location_list gives, by id, a page at a time. */
typedef struct es_location_filter {
    const char *region;       /* "eu/": the locations under it; NULL or "": all */
    const char *key;          /* this key only; NULL: any */
    int all_locations;        /* 1: no scope (admins, unscoped users) */
    const char *const *locations; /* else the scope entries (users.h) */
    size_t n_locations;
    int include_disabled;     /* 0: enabled locations only */
    int64_t after_id;         /* the page starts after this id (0: first page) */
    size_t limit;             /* at most this many (0: no limit) */
} es_location_filter;

/* Calls cb for each location f selects, by id. A scoped filter with no
 * entries selects nothing. Strings are valid during the call. Errors:
 * ES_EINVAL (a bad filter), ES_ELIMIT (more than ES_USER_MAX_LOCATIONS
 * scope entries), ES_EDB. */
es_err es_location_list(es_store_t *s, const es_location_filter *f,
                        void (*cb)(const es_location *l, void *ud), void *ud) ES_WUR;

/* What es_location_update changes; NULL fields stay as they are. The key
 * (and so the region) never changes: mentions, cases and scopes use it. */
typedef struct es_location_change {
    const char *code;
    const char *name;
    const char *tz;         /* "" means "UTC" */
    const char *review_url; /* "" removes it */
    int set_disabled;
    int disabled;
} es_location_change;

/* Changes location id, audited as "location.update" with the fields
 * changed. Errors: ES_ENOTFOUND, ES_EINVAL/ES_ELIMIT (bad fields, with the
 * store's message), ES_EEXIST (the code is another location's), ES_EDB.
 * Joins the caller's transaction when one is open (es_store_begin). */
es_err es_location_update(es_store_t *s, int64_t id, const es_location_change *c,
                          int64_t actor_user) ES_WUR;

/* The organisation's name into buf (size bytes); "" when never set. */
es_err es_org_name(es_store_t *s, char *buf, size_t size) ES_WUR;
/* Sets the organisation's name (1..ES_LOCATION_NAME_MAX bytes), audited as
 * "organisation.name". ES_EINVAL for an empty name, ES_ELIMIT. */
es_err es_org_set_name(es_store_t *s, const char *name, int64_t actor_user) ES_WUR;

/* A region as listed: its path, display name and how many locations (of
 * any depth under it, disabled ones included) it has. */
typedef struct es_region {
    const char *path; /* "eu/fr/" */
    const char *name; /* "France"; the path until renamed */
    int64_t n_locations;
} es_region;

/* Calls cb for every region, by path. Strings valid during the call. */
es_err es_region_list(es_store_t *s, void (*cb)(const es_region *r, void *ud), void *ud) ES_WUR;
/* Gives region path its display name (1..ES_LOCATION_NAME_MAX bytes),
 * audited as "region.rename". ES_ENOTFOUND for an unknown path. Joins the
 * caller's transaction when one is open. */
es_err es_region_rename(es_store_t *s, const char *path, const char *name,
                        int64_t actor_user) ES_WUR;

/* A location's manager: an enabled user with role manager whose scope
 * covers the location (a user without location rows covers every one). */
typedef struct es_location_manager {
    int64_t user_id;
    const char *name;
    const char *email; /* NULL: none */
    const char *phone; /* NULL: none */
} es_location_manager;

/* Calls cb for each manager of the location with key `key`, by name. */
es_err es_location_managers(es_store_t *s, const char *key,
                            void (*cb)(const es_location_manager *m, void *ud),
                            void *ud) ES_WUR;

/* ---- CSV import and export (src/voc/location_csv.c) ----------------------
 *
 * The file has a header row naming its columns, in any order:
 *   key,code,name,region_name,tz,review_url,disabled
 * key, code and name are required; the others may be absent or empty.
 * region_name gives the location's region (its key up to the last '/') a
 * display name; tz defaults to "UTC"; disabled is 0/1 (or false/true).
 * On an update a column the file does not have leaves its field as it is;
 * an empty cell sets the default ("UTC", no review link, enabled).
 * Import is all or nothing: every row is checked, then every row is added
 * (a new key) or updated (a known key) in one transaction, so importing
 * the same file twice changes nothing the second time. */

#define ES_LOCATION_CSV_MAX_ROWS 100000 /* rows of one import */

/* What an import did. */
typedef struct es_location_import_result {
    size_t added, updated, unchanged;
} es_location_import_result;

/* Imports the CSV text csv[0..len). On error nothing is changed and err
 * (size bytes) says where: "row 4, column tz: unknown time zone
 * 'Europe/Pariss'" (the header is row 1). Errors: ES_EPARSE (not CSV, a
 * bad header), ES_EINVAL (a bad value), ES_EEXIST (a code taken by another
 * key), ES_ELIMIT, ES_ENOMEM, ES_EDB, ES_EBUSY. */
es_err es_location_import_csv(es_store_t *s, const char *csv, size_t len, int64_t actor_user,
                              es_location_import_result *res, char *err, size_t size) ES_WUR;

/* Writes the locations f selects (every page: f->limit and after_id are
 * ignored) as CSV with the header above, calling out(ud, bytes, n) for
 * each piece. Re-importing the output changes nothing. Errors as
 * es_location_list, and ES_EIO when out returns non-zero. */
es_err es_location_export_csv(es_store_t *s, const es_location_filter *f,
                              int (*out)(void *ud, const char *bytes, size_t n),
                              void *ud) ES_WUR;

#endif
