/*
 * form.c - the application/x-www-form-urlencoded decoder of the webhooks.
 *
 * Twilio posts its SMS webhooks form-encoded and Meta's subscription
 * handshake arrives as a query string; the HTTP server decodes both here
 * before verifying signatures (sig.c) and before reading any field. The
 * input is untrusted: its size and its number of fields are bounded, a
 * malformed percent escape, an encoded NUL and invalid UTF-8 are refused
 * with a sentence saying which, and all memory comes from the caller's
 * arena (one per request), so nothing needs freeing here.
 */
#include <string.h>

#include "base/hex.h"
#include "earshot/text.h"
#include "earshot/webhook.h"

/* Decodes s[0..n) ('+' is a space, %XX a byte) into a new NUL-terminated
 * string of the arena. Decoding never lengthens a string, so n + 1 bytes
 * always suffice. The UTF-8 check runs on the decoded bytes: an escape
 * like %C3%A9 is one valid character, while %E9 (Latin-1) is refused. */
static es_err decode_part(es_arena_t *a, const char *s, size_t n, const char **out, size_t *out_len,
                          const char **reason)
{
    char *d = es_arena_alloc(a, n + 1);
    size_t j = 0;
    if (!d) {
        *reason = "out of memory decoding the form";
        return ES_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            d[j++] = ' ';
        } else if (c == '%') {
            int h1, h2;
            if (n - i < 3) {
                *reason = "a percent escape is cut short (needs two hex digits)";
                return ES_EPARSE;
            }
            h1 = es__hexval((unsigned char)s[i + 1]);
            h2 = es__hexval((unsigned char)s[i + 2]);
            if (h1 < 0 || h2 < 0) {
                *reason = "a percent escape is not followed by two hex digits";
                return ES_EPARSE;
            }
            if (h1 == 0 && h2 == 0) {
                *reason = "an encoded NUL byte (%00) is not allowed";
                return ES_EPARSE;
            }
            d[j++] = (char)(h1 * 16 + h2);
            i += 2;
        } else if (c == 0) {
            *reason = "a NUL byte is not allowed";
            return ES_EPARSE;
        } else {
            d[j++] = (char)c;
        }
    }
    d[j] = '\0';
    if (es_utf8_check(d, j, NULL) != ES_OK) {
        *reason = "a name or value is not valid UTF-8 once decoded";
        return ES_EUTF8;
    }
    *out = d;
    *out_len = j;
    return ES_OK;
}

/* Counts the non-empty '&'-separated pairs of s[0..n). Counting first lets
 * the field limit be enforced before any memory is taken, and the field
 * array be allocated once, at its exact size. */
static size_t count_pairs(const char *s, size_t n)
{
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '&') {
            if (i > start)
                count++;
            start = i + 1;
        }
    }
    return count;
}

/* Decodes one pair s[0..n) (not empty) into f. The first '=' splits the
 * name from the value, so a value may itself hold '=' ("a=b=c" is a,
 * "b=c"); without '=' the value is the empty string, never NULL, so that
 * callers can treat every field alike. */
static es_err decode_pair(es_arena_t *a, const char *s, size_t n, es_http_field *f,
                          const char **reason)
{
    const char *eq = memchr(s, '=', n);
    size_t name_n = eq ? (size_t)(eq - s) : n;
    es_err rc = decode_part(a, s, name_n, &f->name, &f->name_len, reason);
    if (rc)
        return rc;
    if (eq)
        return decode_part(a, eq + 1, n - name_n - 1, &f->value, &f->value_len, reason);
    return decode_part(a, s + n, 0, &f->value, &f->value_len, reason);
}

es_err es_http_form_decode(es_arena_t *arena, const char *s, size_t len,
                           const es_http_form_limits *lim, es_http_form *out, const char **reason)
{
    const char *why = NULL;
    size_t max_fields = lim && lim->max_fields ? lim->max_fields : ES_HTTP_FORM_MAX_FIELDS;
    size_t max_bytes = lim && lim->max_bytes ? lim->max_bytes : ES_HTTP_FORM_MAX_BYTES;
    size_t count, k = 0, start = 0;
    es_err rc = ES_OK;

    if (!out || !arena || (!s && len)) {
        why = "no form to decode";
        rc = ES_EINVAL;
        goto out;
    }
    out->fields = NULL;
    out->n = 0;
    if (len > max_bytes) {
        why = "the form is larger than its size limit";
        rc = ES_ELIMIT;
        goto out;
    }
    count = count_pairs(s, len);
    if (count > max_fields) {
        why = "the form has more fields than its limit";
        rc = ES_ELIMIT;
        goto out;
    }
    if (count == 0)
        goto out;
    out->fields = es_arena_alloc(arena, count * sizeof *out->fields);
    if (!out->fields) {
        why = "out of memory decoding the form";
        rc = ES_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '&')
            continue;
        if (i > start) {
            rc = decode_pair(arena, s + start, i - start, &out->fields[k], &why);
            if (rc)
                goto out;
            k++;
        }
        start = i + 1;
    }
    out->n = k;
out:
    if (rc && out) {
        out->fields = NULL;
        out->n = 0;
    }
    if (reason)
        *reason = rc ? why : NULL;
    return rc;
}

const char *es_http_form_get(const es_http_form *form, const char *name)
{
    if (!form || !name)
        return NULL;
    for (size_t i = 0; i < form->n; i++)
        if (strcmp(form->fields[i].name, name) == 0)
            return form->fields[i].value;
    return NULL;
}
