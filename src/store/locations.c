/*
 * locations.c - the store's public functions for the organisation's places
 * (include/earshot/location.h): the checks of a location's fields, then a
 * dispatch to the backend's location operations (location_int.h). No SQL
 * here.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
int es_location_tz_ok(const char *tz)
{
    if (!tz || !*tz || strlen(tz) > ES_LOCATION_TZ_MAX)
        return 0;
    if (strcmp(tz, "UTC") == 0)
        return 1;
    if (tz[0] == '/' || strstr(tz, "..") || strstr(tz, "//"))
        return 0;
    for (const char *p = tz; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("_+-/", *p)))
            return 0;
    char path[32 + ES_LOCATION_TZ_MAX];
    struct stat st;
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
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
    else if (l->tz && *l->tz && !es_location_tz_ok(l->tz))
        why = "the time zone must be \"UTC\" or an IANA name such as \"Europe/Paris\"";
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

/* Opens the part for `what`: ES_OK or the store's error. */
static es_err part(es_store_t *s, const char *what)
{
    return es__store_part(s, s && s->ops ? s->ops->locations : NULL, what);
}

/* See location.h. */
es_err es_location_get(es_store_t *s, int64_t id,
                       void (*cb)(const es_location *l, void *ud), void *ud)
{
    es_err rc = part(s, "reading a location");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "reading a location: no callback");
    if (id <= 0)
        return es__store_fail(s, ES_ENOTFOUND, "no such location");
    return s->ops->locations->get(s, id, cb, ud);
}

/* See location.h. */
es_err es_location_list(es_store_t *s, const es_location_filter *f,
                        void (*cb)(const es_location *l, void *ud), void *ud)
{
    es_err rc = part(s, "listing locations");
    if (rc)
        return rc;
    if (!f || !cb || (!f->all_locations && f->n_locations && !f->locations) || f->after_id < 0)
        return es__store_fail(s, ES_EINVAL, "listing locations: a bad filter");
    if (!f->all_locations && f->n_locations > ES_USER_MAX_LOCATIONS)
        return es__store_fail(s, ES_ELIMIT, "listing locations: more than %d scope entries",
                              ES_USER_MAX_LOCATIONS);
    if (f->region && strlen(f->region) > ES_LOCATION_KEY_MAX)
        return es__store_fail(s, ES_ELIMIT, "listing locations: the region is too long");
    if (f->region && *f->region && f->region[strlen(f->region) - 1] != '/')
        return es__store_fail(s, ES_EINVAL, "listing locations: a region ends with '/', such"
                                            " as \"eu/fr/\"");
    return s->ops->locations->list(s, f, cb, ud);
}

/* See location.h. */
es_err es_location_update(es_store_t *s, int64_t id, const es_location_change *c,
                          int64_t actor_user)
{
    es_err rc = part(s, "changing a location");
    if (rc)
        return rc;
    if (!c)
        return es__store_fail(s, ES_EINVAL, "changing a location: nothing to change");
    /* The checks of es_location_check, on the fields given (a stand-in for
     * the others). */
    es_location l = {.key = "k", .code = c->code ? c->code : "C", .name = c->name ? c->name : "n",
                     .tz = c->tz, .review_url = c->review_url};
    char err[200];
    rc = es_location_check(&l, err, sizeof err);
    if (rc)
        return es__store_fail(s, rc, "changing a location: %s", err);
    if (id <= 0)
        return es__store_fail(s, ES_ENOTFOUND, "no such location");
    return s->ops->locations->update(s, id, c, actor_user);
}

/* See location.h. */
es_err es_org_name(es_store_t *s, char *buf, size_t size)
{
    es_err rc = part(s, "reading the organisation");
    if (rc)
        return rc;
    if (!buf || !size)
        return es__store_fail(s, ES_EINVAL, "reading the organisation: no buffer");
    return s->ops->locations->org_name(s, buf, size);
}

/* A display name: 1..ES_LOCATION_NAME_MAX bytes. */
static es_err name_ok(es_store_t *s, const char *name, const char *what)
{
    if (!name || !*name)
        return es__store_fail(s, ES_EINVAL, "%s: the name is empty", what);
    if (strlen(name) > ES_LOCATION_NAME_MAX)
        return es__store_fail(s, ES_ELIMIT, "%s: the name is longer than %d bytes", what,
                              ES_LOCATION_NAME_MAX);
    return ES_OK;
}

/* See location.h. */
es_err es_org_set_name(es_store_t *s, const char *name, int64_t actor_user)
{
    es_err rc = part(s, "naming the organisation");
    if (!rc)
        rc = name_ok(s, name, "naming the organisation");
    return rc ? rc : s->ops->locations->org_set_name(s, name, actor_user);
}

/* See location.h. */
es_err es_region_list(es_store_t *s, void (*cb)(const es_region *r, void *ud), void *ud)
{
    es_err rc = part(s, "listing regions");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing regions: no callback");
    return s->ops->locations->region_list(s, cb, ud);
}

/* See location.h. */
es_err es_region_rename(es_store_t *s, const char *path, const char *name, int64_t actor_user)
{
    es_err rc = part(s, "renaming a region");
    if (!rc)
        rc = name_ok(s, name, "renaming a region");
    if (rc)
        return rc;
    if (!path || !*path || strlen(path) > ES_LOCATION_KEY_MAX)
        return es__store_fail(s, ES_ENOTFOUND, "no such region");
    return s->ops->locations->region_rename(s, path, name, actor_user);
}

/* See location.h. */
es_err es_location_managers(es_store_t *s, const char *key,
                            void (*cb)(const es_location_manager *m, void *ud), void *ud)
{
    es_err rc = part(s, "listing a location's managers");
    if (rc)
        return rc;
    if (!key || !*key || !cb)
        return es__store_fail(s, ES_EINVAL, "listing a location's managers: no key");
    return s->ops->locations->managers(s, key, cb, ud);
}
