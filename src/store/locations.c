/*
 * locations.c - the store's public functions for the organisation's places
 * (include/earshot/location.h): the checks of a location's fields, then a
 * dispatch to the backend's location operations (location_int.h). No SQL
 * here.
 */
#include <stdio.h>
#include <string.h>

#include "store/location_int.h"

/* Is c allowed in a location key or region path? Printable ASCII but space
 * and the characters that would confuse a URL or a CSV cell. */
static int key_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("\"',;?#%\\", c);
}

/* Is key a location key: no empty segment, not ending with '/'? */
static int key_ok(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || key[0] == '/' || key[n - 1] == '/')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!key_char((unsigned char)key[i]) || (key[i] == '/' && key[i + 1] == '/'))
            return 0;
    return 1;
}

static int code_ok(const char *code)
{
    size_t n = strlen(code);
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return 0;
    }
    return 1;
}

/* See location.h. */
es_err es_location_check(const es_location *l, char *err, size_t size)
{
    const char *why = NULL;
    es_err rc = ES_EINVAL;
    if (!l || !l->key || !l->code || !l->name)
        why = "a location needs a key, a code and a name";
    else if (strlen(l->key) > ES_LOCATION_KEY_MAX || strlen(l->code) > ES_LOCATION_CODE_MAX ||
             strlen(l->name) > ES_LOCATION_NAME_MAX || (l->tz && strlen(l->tz) > ES_LOCATION_TZ_MAX) ||
             (l->review_url && strlen(l->review_url) > ES_LOCATION_URL_MAX)) {
        why = "a field is too long (key 128, code 16, name 128, tz 64, review link 1024 bytes)";
        rc = ES_ELIMIT;
    } else if (!key_ok(l->key))
        why = "the key must be a path such as \"eu/fr/lyon-14\": printable ASCII without spaces"
              " or quotes, no empty part, not ending in '/'";
    else if (!code_ok(l->code))
        why = "the code must be letters and digits only, such as \"1234\"";
    else if (!*l->name)
        why = "the name is empty";
    else if (l->review_url && *l->review_url && strncmp(l->review_url, "https://", 8) != 0 &&
             strncmp(l->review_url, "http://", 7) != 0)
        why = "the review link must be an http or https URL";
    if (!why)
        return ES_OK;
    if (err && size)
        snprintf(err, size, "%s", why);
    return rc;
}

/* See location.h. */
es_err es_location_add(es_store_t *s, const es_location *l, int64_t actor_user, int64_t *id)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->locations : NULL, "adding a location");
    if (rc)
        return rc;
    char err[200];
    rc = es_location_check(l, err, sizeof err);
    if (rc)
        return es__store_fail(s, rc, "adding a location: %s", err);
    return s->ops->locations->add(s, l, actor_user, id);
}

/* See location.h. */
es_err es_location_find(es_store_t *s, const char *code_or_key,
                        void (*cb)(const es_location *l, void *ud), void *ud)
{
    es_err rc = es__store_part(s, s && s->ops ? s->ops->locations : NULL, "finding a location");
    if (rc)
        return rc;
    if (!code_or_key || !*code_or_key || !cb)
        return es__store_fail(s, ES_EINVAL, "finding a location: no code or key");
    if (strlen(code_or_key) > ES_LOCATION_KEY_MAX)
        return es__store_fail(s, ES_ENOTFOUND, "no location has that code or key");
    return s->ops->locations->find(s, code_or_key, cb, ud);
}
