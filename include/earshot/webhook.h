/*
 * webhook.h - the verification layer of the incoming webhooks: decoding of
 * application/x-www-form-urlencoded bodies and query strings, and the checks
 * that a request really comes from the provider that claims to send it.
 *
 * The HTTP server calls these before it stores anything: a request that fails
 * any check is answered 401/403 and never reaches the ingest path.
 * - Meta (Facebook, Instagram, WhatsApp): X-Hub-Signature-256 over the raw
 *   body, and the GET subscription handshake.
 * - Twilio: X-Twilio-Signature over the public URL and the sorted POST
 *   parameters.
 * Every comparison of a secret or of a signature runs in constant time.
 * None of these functions keeps state: they are thread-safe as long as each
 * thread uses its own arena. docs/webhooks.md explains the schemes.
 */
#ifndef EARSHOT_WEBHOOK_H
#define EARSHOT_WEBHOOK_H

#include "arena.h"
#include "earshot.h"

/* Defaults used when a limit is 0. */
#define ES_HTTP_FORM_MAX_FIELDS 256
#define ES_HTTP_FORM_MAX_BYTES (64 * 1024)

/* One decoded name=value pair. Both strings are NUL-terminated, valid UTF-8
 * and contain no NUL byte; the lengths exclude the terminator. */
typedef struct es_http_field {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} es_http_field;

/* A decoded form: the fields in the order they appeared, repeated names
 * kept. Everything lives in the arena given to es_http_form_decode. */
typedef struct es_http_form {
    es_http_field *fields;
    size_t n;
} es_http_form;

/* Limits on untrusted input (0: the default above). */
typedef struct es_http_form_limits {
    size_t max_fields; /* the most name=value pairs */
    size_t max_bytes;  /* the longest encoded input */
} es_http_form_limits;

/* Decodes an application/x-www-form-urlencoded string (a POST body or a URL
 * query without its '?'): pairs separated by '&', '+' is a space, %XX a byte.
 * Empty pairs ("a=1&&b=2") are skipped; a pair without '=' has an empty
 * value. lim may be NULL (defaults).
 * Errors: ES_ELIMIT (too many fields or bytes), ES_EPARSE (a bad percent
 * escape or an encoded NUL), ES_EUTF8 (a name or value that is not valid
 * UTF-8 once decoded), ES_ENOMEM (arena full), ES_EINVAL (NULL arguments).
 * On failure *reason (if reason is not NULL) is a static sentence saying
 * what was wrong, and *out is empty. */
es_err es_http_form_decode(es_arena_t *arena, const char *s, size_t len,
                           const es_http_form_limits *lim, es_http_form *out,
                           const char **reason) ES_WUR;

/* The value of the first field named name, or NULL. */
const char *es_http_form_get(const es_http_form *form, const char *name);

/* Verifies a Meta X-Hub-Signature-256 header ("sha256=" and 64 hex digits)
 * against HMAC-SHA256(secret, body), in constant time. header is the value
 * as received, NULL when the request had none.
 * Returns ES_OK when it matches; ES_EPARSE when the header is missing or
 * malformed; ES_REJECTED when it is well formed but does not match;
 * ES_EINVAL for an empty secret. *reason says why on any failure. */
es_err es_http_meta_verify(const char *secret, const void *body, size_t body_len,
                           const char *header, const char **reason) ES_WUR;

/* Checks Meta's GET subscription handshake: query (the decoded query
 * string) must have hub.mode=subscribe and hub.verify_token equal to
 * verify_token (compared in constant time), and a hub.challenge of 1 to 256
 * characters from [A-Za-z0-9._~-] (so that echoing it is safe).
 * On ES_OK *challenge points at the value to answer with (it lives as long
 * as the form). ES_REJECTED for a wrong token or mode, ES_EPARSE for a
 * missing or unsafe field, ES_EINVAL for an empty configured token. */
es_err es_http_meta_handshake(const es_http_form *query, const char *verify_token,
                              const char **challenge, const char **reason) ES_WUR;

/* Verifies a Twilio X-Twilio-Signature header: base64(HMAC-SHA1(auth_token,
 * url + name1 + value1 + name2 + value2 ...)) with the POST parameters
 * sorted by name (then by value for a repeated name), in constant time.
 * url is the full public URL Twilio requested, query string included.
 * When the URL as given does not match, one variant is tried too, as
 * Twilio's own libraries do: the URL with its port removed, or, when it has
 * none, with the scheme's default port (:443 for https, :80 for http).
 * params may be NULL for no parameters.
 * Returns ES_OK when it matches; ES_EPARSE for a missing header or one that
 * is not the base64 of 20 bytes; ES_REJECTED when it does not match;
 * ES_EINVAL for an empty token or URL; ES_ENOMEM. */
es_err es_http_twilio_verify(const char *auth_token, const char *url, const es_http_form *params,
                             const char *header, const char **reason) ES_WUR;

#endif
