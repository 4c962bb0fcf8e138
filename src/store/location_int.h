/*
 * location_int.h - the store's "locations" part (internal): the
 * organisation, its regions and its locations (include/earshot/location.h).
 * locations.c checks arguments and dispatches through struct
 * es__location_ops; the SQLite backend implements it in sqlite_location.c,
 * which also holds schema step 11.
 */
#ifndef ES_STORE_LOCATION_INT_H
#define ES_STORE_LOCATION_INT_H

#include "earshot/location.h"
#include "store/store_int.h"

/* What a backend does for locations; arguments are checked already. */
struct es__location_ops {
    es_err (*add)(es_store_t *s, const es_location *l, int64_t actor_user, int64_t *id);
    es_err (*find)(es_store_t *s, const char *code_or_key,
                   void (*cb)(const es_location *l, void *ud), void *ud);
    es_err (*get)(es_store_t *s, int64_t id, void (*cb)(const es_location *l, void *ud),
                  void *ud);
    es_err (*list)(es_store_t *s, const es_location_filter *f,
                   void (*cb)(const es_location *l, void *ud), void *ud);
    es_err (*update)(es_store_t *s, int64_t id, const es_location_change *c,
                     int64_t actor_user);
    es_err (*org_name)(es_store_t *s, char *buf, size_t size);
    es_err (*org_set_name)(es_store_t *s, const char *name, int64_t actor_user);
    es_err (*region_list)(es_store_t *s, void (*cb)(const es_region *r, void *ud), void *ud);
    es_err (*region_rename)(es_store_t *s, const char *path, const char *name,
                            int64_t actor_user);
    es_err (*managers)(es_store_t *s, const char *key,
                       void (*cb)(const es_location_manager *m, void *ud), void *ud);
};

/* The SQLite implementation (sqlite_location.c). */
extern const struct es__location_ops es__sqlite_location_ops;

/* Appends to sql (size bytes, NUL-terminated) the SQL condition "column is
 * in the scope of entries ?first..?first+n-1" (users.h): each entry binds
 * one parameter. "0" for n == 0. Returns 0, or -1 when sql is too small.
 * sqlite_location_edit.c; the audits part uses it too. */
int es__sqlite_scope_sql(char *sql, size_t size, const char *column, int first, size_t n);

/* The SQLite operations beyond add and find (sqlite_location_edit.c),
 * which es__sqlite_location_ops lists. */
es_err es__sqlite_location_get(es_store_t *s, int64_t id,
                               void (*cb)(const es_location *l, void *ud), void *ud);
es_err es__sqlite_location_list(es_store_t *s, const es_location_filter *f,
                                void (*cb)(const es_location *l, void *ud), void *ud);
es_err es__sqlite_location_update(es_store_t *s, int64_t id, const es_location_change *c,
                                  int64_t actor_user);
es_err es__sqlite_org_name(es_store_t *s, char *buf, size_t size);
es_err es__sqlite_org_set_name(es_store_t *s, const char *name, int64_t actor_user);
es_err es__sqlite_region_list(es_store_t *s, void (*cb)(const es_region *r, void *ud),
                              void *ud);
es_err es__sqlite_region_rename(es_store_t *s, const char *path, const char *name,
                                int64_t actor_user);
es_err es__sqlite_location_managers(es_store_t *s, const char *key,
                                    void (*cb)(const es_location_manager *m, void *ud),
                                    void *ud);

/* Schema step 11 (sqlite_location.c): organisation, regions, locations. */
extern const char es__sqlite_step11[];

#endif
