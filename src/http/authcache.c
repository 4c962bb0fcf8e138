/*
 * authcache.c - remembers, for a moment, who an API token is (http_int.h):
 * a machine posting webhooks sends the same token thousands of times a
 * second, and checking it in the store each time (a read of every token,
 * compared in constant time) costs more than the rest of the request. A
 * hit answers from memory for at most ES__HTTP_AUTH_TTL_MS; a token revoked
 * or a user disabled meanwhile (by another process: `earshot token`,
 * `earshot user disable`) is refused at the latest that much later. Keys
 * are the tokens' SHA-256, never the tokens. Called by auth.c from any
 * worker thread; one mutex guards the table.
 *
 * The table is small and direct-mapped (a few machines post webhooks; a
 * collision only costs a store check). Locations are copied into the
 * entry, and out into the request's arena on a hit.
 */
#include <string.h>

#include "http/http_int.h"

#define SLOTS 64
#define MAX_LOCS 16 /* a principal with more is not cached */

typedef struct entry {
    uint8_t hash[32];
    int64_t expires_ms; /* 0: empty */
    es__http_who who;   /* strings below */
    char *strings;      /* name, then the locations, NUL-separated */
} entry;

struct es__http_auth_cache {
    pthread_mutex_t mu;
    entry slot[SLOTS];
};

/* See http_int.h. */
es__http_auth_cache *es__http_auth_cache_new(void)
{
    es__http_auth_cache *c = es_calloc(1, sizeof *c);
    if (c)
        pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void drop(entry *e)
{
    es_free(e->strings);
    memset(e, 0, sizeof *e);
}

/* See http_int.h. */
void es__http_auth_cache_free(es__http_auth_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < SLOTS; i++)
        drop(&c->slot[i]);
    pthread_mutex_destroy(&c->mu);
    es_free(c);
}

/* See http_int.h. */
void es__http_auth_cache_clear(es__http_auth_cache *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < SLOTS; i++)
        drop(&c->slot[i]);
    pthread_mutex_unlock(&c->mu);
}

static entry *slot_of(es__http_auth_cache *c, const uint8_t hash[32])
{
    return &c->slot[hash[0] % SLOTS];
}

/* Copies the entry's principal into who, its strings into a. */
static int copy_out(const entry *e, es__http_who *who, es_arena_t *a)
{
    *who = e->who;
    const char *p = e->strings;
    if (!(who->name = es_arena_strdup(a, p)))
        return 0;
    if (who->n_locations == 0)
        return 1;
    const char **v = es_arena_alloc(a, who->n_locations * sizeof *v);
    if (!v)
        return 0;
    for (size_t i = 0; i < who->n_locations; i++) {
        p += strlen(p) + 1;
        if (!(v[i] = es_arena_strdup(a, p)))
            return 0;
    }
    who->locations = v;
    return 1;
}

/* See http_int.h. */
int es__http_auth_cache_get(es__http_auth_cache *c, const uint8_t hash[32], int64_t now_ms,
                            es__http_who *who, es_arena_t *a)
{
    if (!c)
        return 0;
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    entry *e = slot_of(c, hash);
    if (e->expires_ms > now_ms && memcmp(e->hash, hash, 32) == 0)
        hit = copy_out(e, who, a);
    pthread_mutex_unlock(&c->mu);
    return hit;
}

/* See http_int.h. */
void es__http_auth_cache_put(es__http_auth_cache *c, const uint8_t hash[32], int64_t now_ms,
                             const es__http_who *who)
{
    if (!c || who->n_locations > MAX_LOCS)
        return;
    size_t len = strlen(who->name ? who->name : "") + 1;
    for (size_t i = 0; i < who->n_locations; i++)
        len += strlen(who->locations[i]) + 1;
    char *s = es_malloc(len), *p = s;
    if (!s)
        return; /* not cached: the next request checks the store */
    size_t n = strlen(who->name ? who->name : "") + 1;
    memcpy(p, who->name ? who->name : "", n);
    p += n;
    for (size_t i = 0; i < who->n_locations; i++) {
        n = strlen(who->locations[i]) + 1;
        memcpy(p, who->locations[i], n);
        p += n;
    }
    pthread_mutex_lock(&c->mu);
    entry *e = slot_of(c, hash);
    drop(e);
    memcpy(e->hash, hash, 32);
    e->who = *who;
    e->who.name = NULL;
    e->who.locations = NULL;
    e->strings = s;
    e->expires_ms = now_ms + ES__HTTP_AUTH_TTL_MS;
    pthread_mutex_unlock(&c->mu);
}
