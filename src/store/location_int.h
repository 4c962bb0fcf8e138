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
};

/* The SQLite implementation (sqlite_location.c). */
extern const struct es__location_ops es__sqlite_location_ops;

/* Schema step 11 (sqlite_location.c): organisation, regions, locations. */
extern const char es__sqlite_step11[];

#endif
