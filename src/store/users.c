/*
 * users.c - the public users API (users.h): checks every argument, hashes
 * passwords with argon2id (libsodium crypto_pwhash_str), makes session ids
 * from libsodium's randombytes and keeps only their SHA-256, derives the
 * CSRF token bound to a session, and dispatches to the backend's users
 * table (user_int.h). No SQL here. Called by the HTTP server (auth.c,
 * api_users.c) and the `earshot user` and `earshot token` commands.
 *
 * The password cost is process-wide (es_user_set_pwhash_cost): the OWASP
 * minimum for argon2id, 2 passes over 19 MiB, about 30-60 ms on one core.
 */
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "store/user_int.h"

static unsigned long long pw_ops = 2;            /* argon2id passes */
static size_t pw_mem = (size_t)19 * 1024 * 1024; /* bytes */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ready;
/* A hash of a random password: a login for a name that does not exist is
 * checked against it, so that it costs what a wrong password costs. */
static char dummy_hash[crypto_pwhash_STRBYTES];

static void init_sodium(void)
{
    if (sodium_init() < 0)
        return;
    unsigned char pw[16];
    randombytes_buf(pw, sizeof pw);
    if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof pw, pw_ops, pw_mem) != 0)
        return;
    sodium_ready = 1;
}

static es_err need_sodium(es_store_t *s)
{
    pthread_once(&sodium_once, init_sodium);
    return sodium_ready ? ES_OK
                        : es__store_fail(s, ES_ENOMEM, "libsodium could not be initialised");
}

#define USERS(s) ((s) && (s)->ops ? (s)->ops->users : NULL)

/* ---- roles and scope ------------------------------------------------------- */

static const char *const role_names[] = {NULL, "viewer", "agent", "manager", "admin"};

/* See users.h. */
const char *es_role_name(es_role r)
{
    return (unsigned)r < sizeof role_names / sizeof *role_names ? role_names[r] : NULL;
}

/* See users.h. */
es_err es_role_parse(const char *name, es_role *out)
{
    for (int r = ES_ROLE_VIEWER; name && r <= ES_ROLE_ADMIN; r++)
        if (strcmp(name, role_names[r]) == 0) {
            *out = (es_role)r;
            return ES_OK;
        }
    return ES_EINVAL;
}

/* See users.h. */
int es_user_scope_covers(const char *entry, const char *loc)
{
    if (!entry || !*entry || !loc || !*loc)
        return 0;
    size_t n = strlen(entry);
    if (entry[n - 1] == '/')
        return strncmp(entry, loc, n) == 0;
    return strcmp(entry, loc) == 0;
}

/* ---- checks ------------------------------------------------------------------ */

/* Valid UTF-8 without control characters, at most max bytes. */
static int plain_text(const char *v, size_t max)
{
    const unsigned char *p = (const unsigned char *)v;
    size_t len = strlen(v);
    if (len > max)
        return 0;
    while (*p) {
        unsigned c = *p;
        size_t k = c < 0x80             ? 0
                   : (c & 0xe0) == 0xc0 ? 1
                   : (c & 0xf0) == 0xe0 ? 2
                   : (c & 0xf8) == 0xf0 ? 3
                                        : 9;
        if (k == 9 || c < 0x20 || c == 0x7f || (k == 1 && c < 0xc2) || (c == 0xf4 && p[1] > 0x8f) ||
            c > 0xf4 || (c == 0xe0 && p[1] < 0xa0) || (c == 0xf0 && p[1] < 0x90) ||
            (c == 0xed && p[1] > 0x9f))
            return 0;
        for (size_t i = 1; i <= k; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += k + 1;
    }
    return 1;
}

/* A user name: 1..ES_USER_NAME_MAX printable ASCII bytes, no space, no ':'. */
static int valid_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > ES_USER_NAME_MAX)
        return 0;
    for (const char *p = name; *p; p++)
        if (*p <= ' ' || *p > '~' || *p == ':')
            return 0;
    return 1;
}

static es_err check_fields(es_store_t *s, const char *email, const char *phone,
                           const char *const *locs, size_t n_locs, const char *password)
{
    if (email && !plain_text(email, ES_USER_FIELD_MAX))
        return es__store_fail(s, ES_EINVAL, "the email is too long or not plain text");
    if (phone && !plain_text(phone, ES_USER_FIELD_MAX))
        return es__store_fail(s, ES_EINVAL, "the phone is too long or not plain text");
    if (n_locs > ES_USER_MAX_LOCATIONS)
        return es__store_fail(s, ES_ELIMIT, "more than %d locations", ES_USER_MAX_LOCATIONS);
    if (n_locs && !locs)
        return es__store_fail(s, ES_EINVAL, "no locations given");
    for (size_t i = 0; i < n_locs; i++)
        if (!locs[i] || !*locs[i] || !plain_text(locs[i], ES_USER_FIELD_MAX))
            return es__store_fail(s, ES_EINVAL,
                                  "location %zu is empty, too long or not plain "
                                  "text",
                                  i + 1);
    if (password && strlen(password) < ES_USER_PASSWORD_MIN)
        return es__store_fail(s, ES_EINVAL, "a password needs at least %d characters",
                              ES_USER_PASSWORD_MIN);
    if (password && strlen(password) > ES_USER_PASSWORD_MAX)
        return es__store_fail(s, ES_ELIMIT, "a password may have at most %d bytes",
                              ES_USER_PASSWORD_MAX);
    return ES_OK;
}

/* Hashes password into out with the current cost. */
static es_err hash_password(es_store_t *s, const char *password, char out[crypto_pwhash_STRBYTES])
{
    es_err rc = need_sodium(s);
    if (rc)
        return rc;
    if (crypto_pwhash_str(out, password, strlen(password), pw_ops, pw_mem) != 0)
        return es__store_fail(s, ES_ENOMEM, "hashing a password: out of memory");
    return ES_OK;
}

/* ---- users ------------------------------------------------------------------ */

/* See users.h. */
es_err es_user_add(es_store_t *s, const es_user_spec *u, const es_user_actor *by, int64_t *id)
{
    es_err rc = es__store_part(s, USERS(s), "adding a user");
    if (rc)
        return rc;
    if (!u || !valid_name(u->name))
        return es__store_fail(s, ES_EINVAL,
                              "a user name is 1 to %d printable characters "
                              "without spaces or ':'",
                              ES_USER_NAME_MAX);
    if (!es_role_name(u->role))
        return es__store_fail(s, ES_EINVAL, "a user needs a role: admin, manager, agent, viewer");
    rc = check_fields(s, u->email, u->phone, u->locations, u->n_locations, u->password);
    if (rc)
        return rc;
    char pwhash[crypto_pwhash_STRBYTES];
    if (u->password && (rc = hash_password(s, u->password, pwhash)) != ES_OK)
        return rc;
    return s->ops->users->add(s, u, u->password ? pwhash : NULL, by, id);
}

/* See users.h. */
es_err es_user_list(es_store_t *s, void (*cb)(const es_user_row *u, void *ud), void *ud)
{
    es_err rc = es__store_part(s, USERS(s), "listing users");
    if (rc)
        return rc;
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "listing users: no callback");
    return s->ops->users->get(s, 0, NULL, cb, ud);
}

/* See users.h. */
es_err es_user_get(es_store_t *s, int64_t id, const char *name,
                   void (*cb)(const es_user_row *u, void *ud), void *ud)
{
    es_err rc = es__store_part(s, USERS(s), "reading a user");
    if (rc)
        return rc;
    if (!cb || id < 0 || (id == 0 && !name))
        return es__store_fail(s, ES_EINVAL, "reading a user: an id or a name is needed");
    return s->ops->users->get(s, id, name, cb, ud);
}

/* See users.h. */
es_err es_user_update(es_store_t *s, int64_t id, const es_user_change *c, const es_user_actor *by)
{
    es_err rc = es__store_part(s, USERS(s), "changing a user");
    if (rc)
        return rc;
    if (!c || id <= 0)
        return es__store_fail(s, ES_EINVAL, "changing a user: an id and a change are needed");
    if (c->set_role && !es_role_name(c->role))
        return es__store_fail(s, ES_EINVAL, "a user needs a role: admin, manager, agent, viewer");
    rc = check_fields(s, c->email, c->phone, c->set_locations ? c->locations : NULL,
                      c->set_locations ? c->n_locations : 0, c->password);
    if (rc)
        return rc;
    char pwhash[crypto_pwhash_STRBYTES];
    if (c->password && (rc = hash_password(s, c->password, pwhash)) != ES_OK)
        return rc;
    return s->ops->users->update(s, id, c, c->password ? pwhash : NULL, by);
}

/* See users.h. */
es_err es_user_set_pwhash_cost(unsigned long long opslimit, size_t memlimit)
{
    if (opslimit < crypto_pwhash_OPSLIMIT_MIN || memlimit < crypto_pwhash_MEMLIMIT_MIN)
        return ES_EINVAL;
    pw_ops = opslimit;
    pw_mem = memlimit;
    return ES_OK;
}

/* ---- sessions --------------------------------------------------------------- */

/* base64url without padding of 32 bytes: exactly 43 characters. */
static void encode32(const unsigned char raw[32], char out[44])
{
    sodium_bin2base64(out, 44, raw, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* See users.h. */
void es_session_csrf(const char *id, char csrf[ES_SESSION_CSRF_LEN + 1])
{
    static const char label[] = "earshot csrf v1";
    unsigned char mac[32];
    size_t n = id ? strlen(id) : 0;
    if (n > crypto_generichash_KEYBYTES_MAX)
        n = crypto_generichash_KEYBYTES_MAX;
    crypto_generichash(mac, sizeof mac, (const unsigned char *)label, sizeof label - 1,
                       (const unsigned char *)id, n);
    encode32(mac, csrf);
}

/* See users.h. */
int es_session_csrf_ok(const char *id, const char *csrf)
{
    char want[ES_SESSION_CSRF_LEN + 1];
    if (!id || strlen(id) != ES_SESSION_ID_LEN || !csrf || strlen(csrf) != ES_SESSION_CSRF_LEN)
        return 0;
    es_session_csrf(id, want);
    return sodium_memcmp(want, csrf, ES_SESSION_CSRF_LEN) == 0;
}

typedef struct cred_copy {
    int64_t id;
    int disabled;
    int has_hash;
    char hash[crypto_pwhash_STRBYTES];
} cred_copy;

static void cred_cb(const es__user_cred *c, void *ud)
{
    cred_copy *cc = ud;
    cc->id = c->id;
    cc->disabled = c->disabled;
    cc->has_hash = c->pwhash && strlen(c->pwhash) < sizeof cc->hash;
    if (cc->has_hash)
        memcpy(cc->hash, c->pwhash, strlen(c->pwhash) + 1);
}

/* Makes a new session id into out and its SHA-256 into hash. */
static void new_session(es_session *out, uint8_t hash[32])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    encode32(raw, out->id);
    sodium_memzero(raw, sizeof raw);
    crypto_hash_sha256(hash, (const unsigned char *)out->id, ES_SESSION_ID_LEN);
    es_session_csrf(out->id, out->csrf);
}

/* See users.h. */
es_err es_user_login(es_store_t *s, const char *name, const char *password, const char *addr,
                     int64_t now, es_session *out, int64_t *retry_after)
{
    es_err rc = es__store_part(s, USERS(s), "logging in");
    if (rc)
        return rc;
    if (!name || !*name || strlen(name) > ES_USER_NAME_MAX || !password || !out ||
        strlen(password) > ES_USER_PASSWORD_MAX || (addr && strlen(addr) > ES_USER_FIELD_MAX))
        return es__store_fail(s, ES_EINVAL, "logging in: a name and a password are needed");
    if ((rc = need_sodium(s)) != ES_OK)
        return rc;
    int64_t wait = 0;
    rc = s->ops->users->login_limit(s, name, addr, now, &wait);
    if (rc == ES_ELIMIT && retry_after)
        *retry_after = wait;
    if (rc)
        return rc;
    cred_copy c = {0};
    rc = s->ops->users->cred(s, name, cred_cb, &c);
    if (rc && rc != ES_ENOTFOUND)
        return rc;
    /* The same argon2id work whether or not the user exists. */
    const char *against = c.has_hash ? c.hash : dummy_hash;
    int ok = crypto_pwhash_str_verify(against, password, strlen(password)) == 0 && c.has_hash &&
             !c.disabled;
    memset(out, 0, sizeof *out);
    uint8_t sid_hash[32];
    char fresh[crypto_pwhash_STRBYTES];
    es__login_rec r = {.name = name, .addr = addr, .now = now, .ok = ok, .user_id = c.id};
    if (ok) {
        new_session(out, sid_hash);
        out->user_id = c.id;
        out->expires = now + ES_SESSION_TTL;
        r.sid_hash = sid_hash;
        r.expires = out->expires;
        if (crypto_pwhash_str_needs_rehash(c.hash, pw_ops, pw_mem) != 0 &&
            crypto_pwhash_str(fresh, password, strlen(password), pw_ops, pw_mem) == 0)
            r.new_pwhash = fresh;
    }
    rc = s->ops->users->login_record(s, &r);
    sodium_memzero(&c, sizeof c);
    if (rc == ES_OK && !ok)
        rc = es__store_fail(s, ES_ENOTFOUND, "wrong name or password");
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

/* Hashes a session id as the store keeps it; 0 for a malformed id. */
static int session_hash(const char *id, uint8_t hash[32])
{
    if (!id || strlen(id) != ES_SESSION_ID_LEN)
        return 0;
    crypto_hash_sha256(hash, (const unsigned char *)id, ES_SESSION_ID_LEN);
    return 1;
}

/* See users.h. */
es_err es_session_check(es_store_t *s, const char *id, int64_t now,
                        void (*cb)(const es_principal *p, void *ud), void *ud)
{
    es_err rc = es__store_part(s, USERS(s), "checking a session");
    if (rc)
        return rc;
    uint8_t hash[32];
    if (!cb)
        return es__store_fail(s, ES_EINVAL, "checking a session: no callback");
    if (need_sodium(s) || !session_hash(id, hash))
        return es__store_fail(s, ES_ENOTFOUND, "no such session");
    return s->ops->users->session_check(s, hash, now, cb, ud);
}

/* See users.h. */
es_err es_session_end(es_store_t *s, const char *id)
{
    es_err rc = es__store_part(s, USERS(s), "ending a session");
    if (rc)
        return rc;
    uint8_t hash[32];
    if (need_sodium(s) || !session_hash(id, hash))
        return es__store_fail(s, ES_ENOTFOUND, "no such session");
    return s->ops->users->session_end(s, hash);
}

/* See users.h. */
es_err es_session_sweep(es_store_t *s, int64_t now, int64_t *removed)
{
    es_err rc = es__store_part(s, USERS(s), "sweeping sessions");
    return rc ? rc : s->ops->users->sweep(s, now, removed);
}

/* ---- tokens ---------------------------------------------------------------- */

/* See users.h. */
es_err es_user_token_add(es_store_t *s, const char *name, const uint8_t hash[32], es_role role,
                         int64_t user_id, const es_user_actor *by, int64_t *id)
{
    es_err rc = es__store_part(s, USERS(s), "adding a token");
    if (rc)
        return rc;
    if (!name || !*name || !plain_text(name, ES_USER_FIELD_MAX) || !hash || !es_role_name(role) ||
        user_id < 0)
        return es__store_fail(s, ES_EINVAL,
                              "adding a token: a name, a hash and a role are "
                              "needed");
    return s->ops->users->token_add(s, name, hash, role, user_id, by, id);
}

/* See users.h. */
es_err es_user_token_check(es_store_t *s, const uint8_t hash[32], int64_t now,
                           void (*cb)(const es_principal *p, void *ud), void *ud)
{
    es_err rc = es__store_part(s, USERS(s), "checking a token");
    if (rc)
        return rc;
    if (!hash || !cb)
        return es__store_fail(s, ES_EINVAL, "checking a token: no hash or callback");
    int64_t tid = 0;
    rc = es_store_token_verify(s, hash, now, &tid);
    return rc ? rc : s->ops->users->token_principal(s, tid, cb, ud);
}

/* See users.h. */
es_err es_user_token_role(es_store_t *s, int64_t token_id, es_role *role)
{
    es_err rc = es__store_part(s, USERS(s), "reading a token's role");
    if (rc)
        return rc;
    if (!role)
        return es__store_fail(s, ES_EINVAL, "reading a token's role: nowhere to put it");
    return s->ops->users->token_role(s, token_id, role);
}
