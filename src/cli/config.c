/*
 * config.c - the configuration of `earshot serve` (config.h,
 * docs/config.md): one table of keys, each with its section and name in
 * the INI file, its environment variable and its kind; the file is read
 * with libinih, the environment with getenv, the flags through
 * cli_config_set, and every value is checked the same way whichever of
 * the three gave it. Called by serve.c; tested by
 * tests/unit/cli/test_config.c.
 *
 * libinih gives no line numbers to the handler, so the file is fed to it
 * through a reader of our own that counts lines (and refuses a line too
 * long to be read whole, which libinih would otherwise cut silently).
 */
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/config.h"
#include "earshot/earshot.h"

#define MAX_LINE 1000 /* bytes of one line of the file */

enum { K_STR, K_SECRET, K_SIZE, K_BOOL, K_SECONDS, K_LISTEN, K_MODE, K_URL, K_SMTP };

typedef struct key {
    const char *section, *name, *env;
    int kind;
    size_t off;
    unsigned long max; /* K_SIZE, K_SECONDS: the largest value */
} key;

#define F(x) offsetof(cli_config, x)
static const key keys[] = {
    {"server", "listen", "EARSHOT_LISTEN", K_LISTEN, F(listen), 0},
    {"server", "db", "EARSHOT_DB", K_STR, F(db), 0},
    {"server", "mode", "EARSHOT_MODE", K_MODE, F(mode), 0},
    {"server", "max_body", "EARSHOT_MAX_BODY", K_SIZE, F(max_body), 64ul << 20},
    {"server", "queue", "EARSHOT_QUEUE", K_SIZE, F(queue), 1000000},
    {"server", "no_auth", "EARSHOT_NO_AUTH", K_BOOL, F(no_auth), 0},
    {"server", "public_url", "EARSHOT_PUBLIC_URL", K_URL, F(public_url), 0},
    {"meta", "app_secret", "EARSHOT_META_APP_SECRET", K_SECRET, F(meta_app_secret), 0},
    {"meta", "verify_token", "EARSHOT_META_VERIFY_TOKEN", K_SECRET, F(meta_verify_token), 0},
    {"twilio", "auth_token", "EARSHOT_TWILIO_AUTH_TOKEN", K_SECRET, F(twilio_auth_token), 0},
    {"twilio", "url", "EARSHOT_TWILIO_URL", K_URL, F(twilio_url), 0},
    {"twilio", "reply", "EARSHOT_TWILIO_REPLY", K_STR, F(twilio_reply), 0},
    {"twilio", "locations", "EARSHOT_TWILIO_LOCATIONS", K_STR, F(twilio_locations), 0},
    {"alerts", "allow", "EARSHOT_ALERT_ALLOW", K_STR, F(alert_allow), 0},
    {"alerts", "smtp_url", "EARSHOT_SMTP_URL", K_SMTP, F(smtp_url), 0},
    {"alerts", "smtp_from", "EARSHOT_SMTP_FROM", K_STR, F(smtp_from), 0},
    {"alerts", "smtp_user", "EARSHOT_SMTP_USER", K_STR, F(smtp_user), 0},
    {"alerts", "smtp_password", "EARSHOT_SMTP_PASSWORD", K_SECRET, F(smtp_password), 0},
    {"alerts", "sms_url", "EARSHOT_SMS_URL", K_URL, F(sms_url), 0},
    {"feeds", "poll", "EARSHOT_FEED_POLL", K_SECONDS, F(feed_poll), 86400},
    {"surveys", "keyword", "EARSHOT_SURVEY_KEYWORD", K_STR, F(survey_keyword), 0},
    {"surveys", "expiry", "EARSHOT_SURVEY_EXPIRY", K_SECONDS, F(survey_expiry), 86400},
    {"surveys", "secret", "EARSHOT_SURVEY_SECRET", K_SECRET, F(survey_secret), 0},
};
#undef F
#define N_KEYS (sizeof keys / sizeof *keys)

/* See config.h. */
void cli_config_init(cli_config *c)
{
    memset(c, 0, sizeof *c);
    c->feed_poll = 30;
    c->survey_expiry = 1800;
}

/* See config.h. */
void cli_config_free(cli_config *c)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        int k = keys[i].kind;
        if (k != K_SIZE && k != K_BOOL && k != K_SECONDS) {
            char **p = (char **)((char *)c + keys[i].off);
            if (*p && keys[i].kind == K_SECRET)
                memset(*p, 0, strlen(*p)); /* no secret left in freed memory */
            es_free(*p);
            *p = NULL;
        }
    }
}

/* ---- values ------------------------------------------------------------------- */

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "30", "30s", "15m", "2h", "1d" -> seconds. */
static int parse_seconds(const char *s, unsigned long max, unsigned long *out)
{
    char num[32];
    size_t n = strlen(s);
    unsigned long unit = 1, v;
    if (n == 0 || n >= sizeof num)
        return -1;
    memcpy(num, s, n + 1);
    switch (num[n - 1]) {
    case 's':
        unit = 1;
        num[--n] = '\0';
        break;
    case 'm':
        unit = 60;
        num[--n] = '\0';
        break;
    case 'h':
        unit = 3600;
        num[--n] = '\0';
        break;
    case 'd':
        unit = 86400;
        num[--n] = '\0';
        break;
    default: break;
    }
    if (parse_num(num, max, &v) || v * unit > max)
        return -1;
    *out = v * unit;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"}, *const no[] = {"0", "false", "no",
                                                                                "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

/* See config.h. */
int cli_config_listen(const cli_config *c, char *host, size_t size, unsigned *port)
{
    const char *s = c->listen ? c->listen : "127.0.0.1:8080";
    const char *colon = strrchr(s, ':');
    unsigned long p;
    if (!colon || colon == s || (size_t)(colon - s) >= size || parse_num(colon + 1, 65535, &p))
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    *port = (unsigned)p;
    return 0;
}

/* Checks value for k; returns NULL or what is wrong with it. */
static const char *check(const key *k, const char *value)
{
    for (const char *p = value; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "a control character";
    if (!*value)
        return "an empty value (leave the key out instead)";
    if (strlen(value) > MAX_LINE)
        return "a value over 1000 bytes";
    switch (k->kind) {
    case K_LISTEN: {
        char host[64];
        unsigned port;
        cli_config tmp = {.listen = (char *)value};
        return cli_config_listen(&tmp, host, sizeof host, &port) ? "not HOST:PORT" : NULL;
    }
    case K_MODE:
        return strcmp(value, "care") && strcmp(value, "vader") ? "not care or vader" : NULL;
    case K_URL:
        return strncmp(value, "http://", 7) && strncmp(value, "https://", 8)
                   ? "not an http:// or https:// URL"
               : strchr(value, ' ') ? "a URL with a space"
                                    : NULL;
    case K_SMTP:
        return strncmp(value, "smtp://", 7) && strncmp(value, "smtps://", 8)
                   ? "not an smtp:// or smtps:// URL"
                   : NULL;
    default: return NULL;
    }
}

/* Stores an already checked value. Returns 0, or -1 with why. */
static int store(cli_config *c, const key *k, const char *value, const char **why)
{
    void *field = (char *)c + k->off;
    unsigned long v;
    int b;
    switch (k->kind) {
    case K_SIZE:
        if (parse_num(value, k->max, &v) || v == 0)
            return *why = "not a positive whole number in range", -1;
        *(size_t *)field = (size_t)v;
        return 0;
    case K_SECONDS:
        if (parse_seconds(value, k->max, &v))
            return *why = "not a duration such as 30s, 15m or 2h (up to 1d)", -1;
        *(long *)field = (long)v;
        return 0;
    case K_BOOL:
        if (parse_bool(value, &b))
            return *why = "not true or false", -1;
        *(int *)field = b;
        return 0;
    default: {
        char **p = field, *d = es_strdup(value);
        if (!d)
            return *why = "out of memory", -1;
        if (*p && k->kind == K_SECRET)
            memset(*p, 0, strlen(*p));
        es_free(*p);
        *p = d;
        return 0;
    }
    }
}

/* Checks and stores; the message names the key, and shows the value only
 * when it is not a secret. */
static int apply(cli_config *c, const key *k, const char *value, const char *where, char *err,
                 size_t errlen)
{
    const char *why = check(k, value);
    if (!why && store(c, k, value, &why) == 0)
        return 0;
    if (k->kind == K_SECRET)
        snprintf(err, errlen, "%s: invalid %s.%s: %s", where, k->section, k->name, why);
    else
        snprintf(err, errlen, "%s: invalid %s.%s '%.80s': %s", where, k->section, k->name, value,
                 why);
    return -1;
}

static const key *find(const char *section, const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* See config.h. */
int cli_config_set(cli_config *c, const char *key_name, const char *value, char *err, size_t errlen)
{
    const char *dot = strchr(key_name, '.');
    char section[32];
    if (!dot || (size_t)(dot - key_name) >= sizeof section) {
        snprintf(err, errlen, "unknown key '%.80s'", key_name);
        return -1;
    }
    memcpy(section, key_name, (size_t)(dot - key_name));
    section[dot - key_name] = '\0';
    const key *k = find(section, dot + 1);
    if (!k) {
        snprintf(err, errlen, "unknown key '%.80s'", key_name);
        return -1;
    }
    return apply(c, k, value, "command line", err, errlen);
}

/* See config.h. */
int cli_config_env(cli_config *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        const char *v = getenv(keys[i].env);
        if (v && *v && apply(c, &keys[i], v, keys[i].env, err, errlen))
            return -1;
    }
    return 0;
}

/* ---- the file ------------------------------------------------------------------ */

/* The state of one file read: libinih calls reader() once per line, then
 * handler() for a name=value line, so line is the current line. */
typedef struct file_read {
    cli_config *c;
    FILE *fp;
    const char *path;
    long line;
    unsigned char seen[N_KEYS];
    int failed;     /* a message is in err */
    int secret_set; /* a secret came from this file */
    char *err;
    size_t errlen;
} file_read;

static char *reader(char *str, int num, void *stream)
{
    file_read *r = stream;
    if (!fgets(str, num, r->fp))
        return NULL;
    r->line++;
    size_t n = strlen(str);
    if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(r->fp)) {
        int ch;
        while ((ch = fgetc(r->fp)) != EOF && ch != '\n')
            ;
        if (!r->failed)
            snprintf(r->err, r->errlen, "%s:%ld: the line is too long (over %d bytes)", r->path,
                     r->line, num - 3);
        r->failed = 1;
        str[0] = '\0'; /* seen by libinih as a blank line */
    }
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    file_read *r = user;
    char where[300];
    if (r->failed)
        return 0;
    const key *k = find(section, name);
    if (!k) {
        int known = 0;
        for (size_t i = 0; i < N_KEYS; i++)
            known |= strcmp(keys[i].section, section) == 0;
        if (known)
            snprintf(r->err, r->errlen, "%s:%ld: unknown key '%.60s' in [%s]", r->path, r->line,
                     name, section);
        else
            snprintf(r->err, r->errlen, "%s:%ld: unknown section [%.60s]", r->path, r->line,
                     section);
        r->failed = 1;
        return 0;
    }
    size_t i = (size_t)(k - keys);
    if (r->seen[i]) {
        snprintf(r->err, r->errlen, "%s:%ld: %s.%s is given twice", r->path, r->line, k->section,
                 k->name);
        r->failed = 1;
        return 0;
    }
    r->seen[i] = 1;
    snprintf(where, sizeof where, "%s:%ld", r->path, r->line);
    if (apply(r->c, k, value, where, r->err, r->errlen)) {
        r->failed = 1;
        return 0;
    }
    r->secret_set |= k->kind == K_SECRET;
    return 1;
}

/* See config.h. */
int cli_config_file(cli_config *c, const char *path, char *err, size_t errlen)
{
    file_read r;
    struct stat st;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.path = path;
    r.err = err;
    r.errlen = errlen;
    snprintf(c->file, sizeof c->file, "%s", path);
    if (!(r.fp = fopen(path, "r"))) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    /* Debian's libinih is tuned at run time: lines up to our limit (on
     * the heap: its stack buffer has a fixed size), no continuation lines
     * (an indented line is a line of its own), stop at the first error. */
    ini_use_stack = false;
    ini_allow_realloc = false;
    ini_max_line = MAX_LINE + 3;
    ini_allow_multiline = false;
    ini_stop_on_first_error = true;
    int rc = ini_parse_stream(reader, &r, handler, &r);
    if (rc != 0 && !r.failed) {
        if (rc > 0)
            snprintf(err, errlen, "%s:%d: expected 'name = value', '[section]' or a comment", path,
                     rc);
        else
            snprintf(err, errlen, "%s: cannot read it", path);
    }
    if (rc == 0 && !r.failed && r.secret_set && fstat(fileno(r.fp), &st) == 0 &&
        (st.st_mode & S_IROTH))
        snprintf(c->warning, sizeof c->warning,
                 "%s holds secrets and every user may read it (chmod 600 it)", path);
    fclose(r.fp);
    return rc != 0 || r.failed ? -1 : 0;
}

/* See config.h. */
void cli_config_print(const cli_config *c, FILE *fp)
{
    const char *section = "";
    for (size_t i = 0; i < N_KEYS; i++) {
        const key *k = &keys[i];
        const void *field = (const char *)c + k->off;
        if (strcmp(section, k->section) != 0)
            fprintf(fp, "%s[%s]\n", i ? "\n" : "", section = k->section);
        if (k->kind == K_SIZE) {
            size_t v = *(const size_t *)field;
            fprintf(fp, v ? "%s = %zu\n" : "; %s =\n", k->name, v);
        } else if (k->kind == K_SECONDS) {
            fprintf(fp, "%s = %lds\n", k->name, *(const long *)field);
        } else if (k->kind == K_BOOL) {
            fprintf(fp, "%s = %s\n", k->name, *(const int *)field ? "true" : "false");
        } else {
            const char *v = *(char *const *)field;
            if (!v)
                fprintf(fp, "; %s =\n", k->name);
            else
                fprintf(fp, "%s = %s\n", k->name, k->kind == K_SECRET ? "(set)" : v);
        }
    }
}

/* See config.h. */
int cli_config_load(cli_config *c, const char *path, char *err, size_t errlen)
{
    cli_config_init(c);
    if (path && cli_config_file(c, path, err, errlen))
        return -1;
    return cli_config_env(c, err, errlen);
}
