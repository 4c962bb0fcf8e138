/*
 * invite_list.c - reading the contact lists of survey invitations (V2):
 * CSV with a header row, or JSON (an array of objects, or an object with a
 * "contacts" array), into an es_invite_list whose strings live in one
 * arena. Every row is checked here (contact form, channel, location, name,
 * visit time) so that es_invite_send only meets well-formed rows; errors
 * name the line (CSV) or the element (JSON). The input is untrusted (the
 * API's POST /api/v1/survey-invitations): sizes and counts are bounded and
 * fuzz/fuzz_invite_list.c exercises this file. Thread-safe.
 */
#include <csv.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "earshot/arena.h"
#include "earshot/ingest.h"
#include "earshot/invitation.h"
#include "earshot/location.h"

#define MAX_COLS 32

/* ---- checks of one row ------------------------------------------------------- */

/* 1 for an E.164 phone: '+' then 6 to 15 digits. */
static int is_phone(const char *c)
{
    size_t n = 0;
    if (*c++ != '+')
        return 0;
    for (; *c; c++, n++)
        if (*c < '0' || *c > '9')
            return 0;
    return n >= 6 && n <= 15;
}

/* 1 for an email address: one '@' with text either side, a dot after it,
 * no spaces, control characters, quotes or angle brackets. */
static int is_email(const char *c)
{
    const char *at = strchr(c, '@');
    if (!at || at == c || strchr(at + 1, '@') || !strchr(at + 1, '.') || !at[1])
        return 0;
    for (const unsigned char *p = (const unsigned char *)c; *p; p++)
        if (*p <= ' ' || *p == 0x7f || strchr("<>,;\"()[]\\", *p))
            return 0;
    return 1;
}

/* 1 when s is valid UTF-8 without control characters. */
static int text_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80             ? 0
                : (*p & 0xe0) == 0xc0 ? 1
                : (*p & 0xf0) == 0xe0 ? 2
                : (*p & 0xf8) == 0xf0 ? 3
                                      : -1;
        if (n < 0 || (n == 0 && (*p < 0x20 || *p == 0x7f)) || (n == 1 && *p < 0xc2))
            return 0;
        for (int i = 1; i <= n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += n + 1;
    }
    return 1;
}

/* Checks row c (its strings already in the arena); err names where. */
static es_err check_row(es_invite_contact *c, const char *where, char *err, size_t size)
{
    if (!c->contact || !*c->contact) {
        snprintf(err, size, "%s: no contact (a phone or an email)", where);
        return ES_EPARSE;
    }
    if (strlen(c->contact) > ES_INVITE_CONTACT_MAX) {
        snprintf(err, size, "%s: the contact is over %d bytes", where, ES_INVITE_CONTACT_MAX);
        return ES_EPARSE;
    }
    int phone = is_phone(c->contact), email = !phone && is_email(c->contact);
    if (!phone && !email) {
        snprintf(err, size, "%s: '%.64s' is neither a phone (+15550001) nor an email", where,
                 text_ok(c->contact) ? c->contact : "?");
        return ES_EPARSE;
    }
    if (c->channel && !*c->channel)
        c->channel = NULL;
    if (c->channel && strcmp(c->channel, "sms") && strcmp(c->channel, "email")) {
        snprintf(err, size, "%s: the channel is sms or email", where);
        return ES_EPARSE;
    }
    if (c->channel &&
        ((phone && strcmp(c->channel, "sms")) || (email && strcmp(c->channel, "email")))) {
        snprintf(err, size, "%s: a %s cannot be reached by %s", where, phone ? "phone" : "email",
                 c->channel);
        return ES_EPARSE;
    }
    if (!c->channel)
        c->channel = phone ? "sms" : "email";
    if (!c->location || !*c->location || strlen(c->location) > ES_LOCATION_KEY_MAX ||
        !text_ok(c->location)) {
        snprintf(err, size, "%s: no location (its code), or one too long", where);
        return ES_EPARSE;
    }
    if (c->name && !*c->name)
        c->name = NULL;
    if (c->name && (strlen(c->name) > ES_INVITE_NAME_MAX || !text_ok(c->name))) {
        snprintf(err, size, "%s: the name is over %d bytes or not text", where, ES_INVITE_NAME_MAX);
        return ES_EPARSE;
    }
    return ES_OK;
}

/* A visit time: Unix seconds or an ISO 8601 date; "" is unknown. */
static es_err parse_visit(const char *v, int64_t *out, const char *where, char *err, size_t size)
{
    *out = 0;
    if (!v || !*v)
        return ES_OK;
    if (es_time_parse(v, out) != ES_OK || *out < 0) {
        snprintf(err, size, "%s: the visit time is not a date (2026-11-20T18:30:00Z)", where);
        return ES_EPARSE;
    }
    return ES_OK;
}

/* Grows l by one row; NULL when full (ES_ELIMIT) or out of memory. */
static es_invite_contact *grow(es_invite_list *l, size_t *cap, es_err *rc)
{
    if (l->n == ES_INVITE_MAX_ROWS) {
        *rc = ES_ELIMIT;
        return NULL;
    }
    if (l->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        es_invite_contact *v = es_arena_alloc(l->arena, ncap * sizeof *v);
        if (!v) {
            *rc = ES_ENOMEM;
            return NULL;
        }
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        *cap = ncap;
    }
    es_invite_contact *c = &l->v[l->n++];
    memset(c, 0, sizeof *c);
    return c;
}

/* ---- CSV --------------------------------------------------------------------- */

enum { F_CONTACT = 1, F_LOCATION, F_NAME, F_CHANNEL, F_VISIT, F_IGNORE };

typedef struct csv_state {
    es_invite_list *l;
    size_t cap;
    int header_done;
    int col[MAX_COLS]; /* F_* per column */
    int ncols;
    int field; /* the current column */
    long line; /* the record's number (1: the header) */
    char *vals[F_IGNORE];
    es_err rc;
    char *err;
    size_t size;
} csv_state;

/* The field a header name maps to. */
static int field_of(const char *name)
{
    static const struct {
        const char *n;
        int f;
    } map[] = {{"contact", F_CONTACT},   {"phone", F_CONTACT},          {"email", F_CONTACT},
               {"location", F_LOCATION}, {"location_code", F_LOCATION}, {"code", F_LOCATION},
               {"name", F_NAME},         {"channel", F_CHANNEL},        {"visit", F_VISIT},
               {"visit_at", F_VISIT},    {"visited", F_VISIT}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcasecmp(map[i].n, name) == 0)
            return map[i].f;
    return F_IGNORE;
}

static void on_field(void *data, size_t len, void *ud)
{
    csv_state *c = ud;
    if (c->rc)
        return;
    int i = c->field++;
    if (i >= MAX_COLS) {
        c->rc = ES_ELIMIT;
        snprintf(c->err, c->size, "line %ld: more than %d columns", c->line, MAX_COLS);
        return;
    }
    char *v = es_arena_strndup(c->l->arena, data ? data : "", data ? len : 0);
    if (!v) {
        c->rc = ES_ENOMEM;
        return;
    }
    if (!c->header_done) {
        int f = field_of(v);
        for (int j = 0; j < i && f != F_IGNORE; j++)
            if (c->col[j] == f) {
                c->rc = ES_EPARSE;
                snprintf(c->err, c->size, "line 1: two columns give the %s", v);
            }
        c->col[i] = f;
        c->ncols = i + 1;
    } else if (i < c->ncols && c->col[i] != F_IGNORE) {
        c->vals[c->col[i]] = v;
    }
}

static void on_row(int ch, void *ud)
{
    csv_state *c = ud;
    (void)ch;
    char where[32];
    snprintf(where, sizeof where, "line %ld", c->line);
    if (!c->rc && !c->header_done) {
        int have_c = 0, have_l = 0;
        for (int i = 0; i < c->ncols; i++)
            have_c |= c->col[i] == F_CONTACT, have_l |= c->col[i] == F_LOCATION;
        if (!have_c || !have_l) {
            c->rc = ES_EPARSE;
            snprintf(c->err, c->size,
                     "line 1: the header needs a contact (or phone, email) and "
                     "a location column");
        }
        c->header_done = 1;
    } else if (!c->rc) {
        es_invite_contact *r = grow(c->l, &c->cap, &c->rc);
        if (!r) {
            snprintf(c->err, c->size, "%s: %s", where,
                     c->rc == ES_ELIMIT ? "more than 10000 contacts" : "out of memory");
        } else {
            r->contact = c->vals[F_CONTACT];
            r->location = c->vals[F_LOCATION];
            r->name = c->vals[F_NAME];
            r->channel = c->vals[F_CHANNEL];
            c->rc = check_row(r, where, c->err, c->size);
            if (!c->rc)
                c->rc = parse_visit(c->vals[F_VISIT], &r->visit_at, where, c->err, c->size);
        }
    }
    memset(c->vals, 0, sizeof c->vals);
    c->field = 0;
    c->line++;
}

static es_err parse_csv(const char *data, size_t len, es_invite_list *l, char *err, size_t size)
{
    struct csv_parser p;
    csv_state c = {.l = l, .line = 1, .err = err, .size = size};
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return ES_ENOMEM;
    csv_set_realloc_func(&p, es_realloc);
    csv_set_free_func(&p, es_free);
    size_t used = csv_parse(&p, data, len, on_field, on_row, &c);
    if (!c.rc && used != len) {
        c.rc = ES_EPARSE;
        snprintf(err, size, "line %ld: %s", c.line, csv_strerror(csv_error(&p)));
    }
    if (!c.rc && csv_fini(&p, on_field, on_row, &c) != 0) {
        c.rc = ES_EPARSE;
        snprintf(err, size, "line %ld: %s", c.line, csv_strerror(csv_error(&p)));
    }
    csv_free(&p);
    if (!c.rc && !c.header_done) {
        c.rc = ES_EPARSE;
        snprintf(err, size, "the list is empty: it needs a header row");
    }
    return c.rc;
}

/* ---- JSON -------------------------------------------------------------------- */

/* The string member key of o copied into the arena; "" when absent. */
static es_err member(json_t *o, const char *key, es_arena_t *a, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return ES_OK;
    if (!json_is_string(v))
        return ES_EPARSE;
    *out = es_arena_strndup(a, json_string_value(v), json_string_length(v));
    return *out ? ES_OK : ES_ENOMEM;
}

/* Reads element i of the array into a row. */
static es_err json_row(json_t *o, size_t i, es_invite_list *l, size_t *cap, char *err, size_t size)
{
    char where[32];
    es_err rc = ES_OK;
    snprintf(where, sizeof where, "contact %zu", i + 1);
    if (!json_is_object(o)) {
        snprintf(err, size, "%s: not an object", where);
        return ES_EPARSE;
    }
    es_invite_contact *r = grow(l, cap, &rc);
    if (!r) {
        snprintf(err, size, "%s: %s", where,
                 rc == ES_ELIMIT ? "more than 10000 contacts" : "out of memory");
        return rc;
    }
    const char *visit = NULL, *phone = NULL, *email = NULL;
    if ((rc = member(o, "contact", l->arena, &r->contact)) ||
        (rc = member(o, "phone", l->arena, &phone)) ||
        (rc = member(o, "email", l->arena, &email)) ||
        (rc = member(o, "location", l->arena, &r->location)) ||
        (rc = member(o, "name", l->arena, &r->name)) ||
        (rc = member(o, "channel", l->arena, &r->channel))) {
        snprintf(err, size, "%s: %s", where,
                 rc == ES_ENOMEM ? "out of memory"
                                 : "contact, phone, email, location, name "
                                   "and channel are strings");
        return rc;
    }
    if (!r->contact)
        r->contact = phone ? phone : email;
    json_t *v = json_object_get(o, "visit");
    if (v && json_is_integer(v) && json_integer_value(v) >= 0)
        r->visit_at = (int64_t)json_integer_value(v);
    else if (v && json_is_string(v))
        visit = json_string_value(v);
    else if (v && !json_is_null(v)) {
        snprintf(err, size, "%s: the visit is Unix seconds or a date", where);
        return ES_EPARSE;
    }
    if ((rc = check_row(r, where, err, size)))
        return rc;
    return visit ? parse_visit(visit, &r->visit_at, where, err, size) : ES_OK;
}

static es_err parse_json(const char *data, size_t len, es_invite_list *l, char *err, size_t size)
{
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, size, "line %d: %s", je.line, je.text);
        return ES_EPARSE;
    }
    json_t *arr = json_is_object(root) ? json_object_get(root, "contacts") : root;
    es_err rc = ES_OK;
    if (!json_is_array(arr)) {
        snprintf(err, size, "the list is a JSON array of contacts, or {\"contacts\": [...]}");
        rc = ES_EPARSE;
    }
    size_t cap = 0;
    for (size_t i = 0; !rc && i < json_array_size(arr); i++)
        rc = json_row(json_array_get(arr, i), i, l, &cap, err, size);
    json_decref(root);
    return rc;
}

/* ---- the entry points ----------------------------------------------------------- */

/* See invitation.h. */
es_err es_invite_list_parse(const char *data, size_t len, es_invite_list *out, char *err,
                            size_t size)
{
    memset(out, 0, sizeof *out);
    if (err && size)
        err[0] = '\0';
    char dummy[8];
    if (!err || !size)
        err = dummy, size = sizeof dummy;
    if (!data && len)
        return ES_EINVAL;
    if (len > ES_INVITE_MAX_INPUT) {
        snprintf(err, size, "the list is over %d bytes", ES_INVITE_MAX_INPUT);
        return ES_ELIMIT;
    }
    out->arena = es_arena_new(64 * 1024, (size_t)ES_INVITE_MAX_INPUT * 4);
    if (!out->arena)
        return ES_ENOMEM;
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i + 3 <= len && memcmp(data + i, "\xef\xbb\xbf", 3) == 0)
        i += 3; /* a byte-order mark some spreadsheets write */
    es_err rc = i < len && (data[i] == '[' || data[i] == '{')
                    ? parse_json(data + i, len - i, out, err, size)
                    : parse_csv(data + i, len - i, out, err, size);
    if (rc)
        es_invite_list_free(out);
    return rc;
}

/* See invitation.h. */
void es_invite_list_free(es_invite_list *l)
{
    if (!l)
        return;
    es_arena_free(l->arena);
    memset(l, 0, sizeof *l);
}
