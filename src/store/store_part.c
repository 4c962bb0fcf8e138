/*
 * store_part.c - the store's public functions shared by every part of the
 * service: the audit trail and explicit transactions (store.h), and the
 * check each part's public functions make before dispatching to its own
 * operation table (es__store_part, store_int.h). Dispatches to the backend;
 * no SQL here.
 */
#include "store/store_int.h"

static es_err check_open(es_store_t *s, const char *what)
{
    if (!s)
        return ES_EINVAL;
    if (!s->ops)
        return es__store_fail(s, ES_EINVAL, "%s: the store is not open", what);
    return ES_OK;
}

/* See store_int.h. */
es_err es__store_part(es_store_t *s, const void *ops, const char *what)
{
    es_err rc = check_open(s, what);
    if (rc)
        return rc;
    if (!ops)
        return es__store_fail(s, ES_EUNSUPPORTED, "%s: not available with the %s backend", what,
                              s->ops->name);
    return ES_OK;
}

/* See store.h. */
es_err es_store_audit_add(es_store_t *s, const es_audit_entry *e)
{
    es_err rc = check_open(s, "writing the audit trail");
    if (rc)
        return rc;
    if (!e || !e->action || !*e->action || !e->object || !*e->object)
        return es__store_fail(s, ES_EINVAL, "writing the audit trail: an action and an object "
                                            "are needed");
    return s->ops->audit_add(s, e);
}

/* See store.h. */
es_err es_store_audit_list(es_store_t *s, const char *object, size_t limit,
                           void (*cb)(const es_audit_entry *e, void *ud), void *ud)
{
    es_err rc = check_open(s, "reading the audit trail");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "reading the audit trail: no callback");
    return s->ops->audit_list(s, object, limit ? limit : 100, cb, ud);
}

/* See store.h. */
es_err es_store_begin(es_store_t *s)
{
    es_err rc = check_open(s, "starting a transaction");
    return rc ? rc : s->ops->tx(s, ES__TX_BEGIN);
}

/* See store.h. */
es_err es_store_commit(es_store_t *s)
{
    es_err rc = check_open(s, "committing");
    return rc ? rc : s->ops->tx(s, ES__TX_COMMIT);
}

/* See store.h. */
void es_store_rollback(es_store_t *s)
{
    if (check_open(s, "rolling back") == ES_OK)
        (void)s->ops->tx(s, ES__TX_ROLLBACK);
}

/* See store.h. */
es_err es_store_savepoint(es_store_t *s)
{
    es_err rc = check_open(s, "starting a savepoint");
    return rc ? rc : s->ops->tx(s, ES__TX_SAVEPOINT);
}

/* See store.h. */
es_err es_store_savepoint_end(es_store_t *s, int keep)
{
    es_err rc = check_open(s, "ending a savepoint");
    return rc ? rc : s->ops->tx(s, keep ? ES__TX_RELEASE : ES__TX_ROLLBACK_TO);
}

/* See store.h. */
es_err es_store_set_durable(es_store_t *s, int full)
{
    return es__store_set_durability(s, full);
}
