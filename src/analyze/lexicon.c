/*
 * lexicon.c - the sentiment lexicon: parsing, checking and the hash table the
 * scorer looks every token up in.
 *
 * Two sources: the lexicon built into the library (the VADER lexicon of the
 * npm package vader-sentiment, converted at build time by gen/lexgen.c into a
 * string with a header line "#earshot-lexicon v1 entries=N xxh64=H"), and a
 * file given by the user, in that converted format or in VADER's plain
 * "word<TAB>mean<TAB>sd<TAB>ratings" format. Both go through one parser that
 * refuses a malformed line with "name:line: reason" and checks the entry
 * count and the checksum when the header gives them.
 *
 * Lines are read as NLTK reads them: the line is stripped, the first two
 * tab-separated fields are the word and its mean valence, and a later line
 * for the same word replaces an earlier one. Words are kept as written (NLTK
 * looks up the lower-cased token, so an upper-case entry never matches).
 *
 * Besides the lexicon's words, the table holds the other words the scorer
 * needs (boosters, negations, the care rules' words), so scoring a token is a
 * single lookup. A lexicon is immutable once built: any number of scorers on
 * any number of threads may read it. Called by vader.c and by the CLI.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>
#define XXH_INLINE_ALL /* keys are short: inline XXH3 */
#include <xxhash.h>

#include "analyze/vader.h"

/* The converted lexicon, generated at build time (es_lexicon_data.c). */
extern const char es__lexicon_builtin_text[];
extern const size_t es__lexicon_builtin_size;

#define LEX_MAGIC "#earshot-lexicon v1 "
#define LEX_MAX_FILE (16u * 1024 * 1024)

/* ----- the hash table ------------------------------------------------------ */

uint64_t es__lexicon_hash_long(const char *key, size_t n)
{
    return XXH3_64bits(key, n);
}

const es__lexent *es__lexicon_find_long(const es_lexicon_t *lex, const char *key, size_t n,
                                        uint64_t h)
{
    ES__LEX_PROBE(lex, h, e->hash == h && e->klen == n && memcmp(e->key, key, n) == 0);
}

const es__lexent *es__lexicon_find(const es_lexicon_t *lex, const char *key, size_t n)
{
    es__lexkey k;
    es__lexicon_key(lex, key, n, &k);
    return es__lexicon_get(lex, &k);
}

/* Returns the entry of key, adding an empty one when it is new. The table
 * was sized for every entry up front, so this never allocates. */
static es__lexent *upsert(es_lexicon_t *lex, const char *key, size_t n)
{
    uint64_t h, k0 = 0, k1 = 0;
    es__lexent *found;
    if (n <= 16) {
        char pad[16] = {0}; /* the key may end its buffer */
        memcpy(pad, key, n);
        es__key_words(pad, n, &k0, &k1);
        h = es__short_hash(k0, k1, n);
        found = (es__lexent *)es__find_short(lex, k0, k1, n, h);
    } else {
        h = es__lexicon_hash_long(key, n);
        found = (es__lexent *)es__lexicon_find_long(lex, key, n, h);
    }
    if (found)
        return found;
    size_t i = (size_t)h & lex->mask;
    while (lex->slots[i])
        i = (i + 1) & lex->mask;
    es__lexent *e = &lex->ents[lex->nents];
    memset(e, 0, sizeof *e);
    e->key = key;
    e->klen = (uint32_t)n;
    e->hash = h;
    e->k0 = k0;
    e->k1 = k1;
    lex->slots[i] = (uint32_t)(h >> (32 + lex->idx_bits)) << lex->idx_bits | (uint32_t)++lex->nents;
    if (n > lex->maxlen)
        lex->maxlen = n;
    return e;
}

/* Adds the algorithm's own words (vader.c and care.c) to the table. */
static void add_words(es_lexicon_t *lex, const es__lexword *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        es__lexent *e = upsert(lex, w[i].word, strlen(w[i].word));
        e->flags |= w[i].flags;
        if (w[i].flags & ES__W_BOOST)
            e->booster = w[i].value;
        if (w[i].flags & ES__W_CARE) {
            e->care = w[i].value;
            e->cclass |= w[i].cclass;
        }
    }
}

/* ----- parsing -------------------------------------------------------------- */

static int is_py_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Parses a valence field: a finite decimal number in [-4, 4], nothing else. */
static int parse_valence(const char *s, double *out)
{
    if (!*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v) || v < -4.0 || v > 4.0)
        return -1;
    *out = v;
    return 0;
}

static int valid_utf8(const char *s, size_t n)
{
    utf8proc_ssize_t off = 0;
    while ((size_t)off < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + off, (utf8proc_ssize_t)n - off, &cp);
        if (k <= 0)
            return 0;
        off += k;
    }
    return 1;
}

/* Parses one line (NUL-terminated, modified in place) into the table. */
static const char *parse_line(es_lexicon_t *lex, char *line)
{
    size_t n = strlen(line);
    while (n && is_py_space((unsigned char)line[n - 1]))
        line[--n] = '\0';
    while (*line && is_py_space((unsigned char)*line))
        line++;
    if (!*line)
        return "empty line";
    char *tab = strchr(line, '\t');
    if (!tab)
        return "expected word<TAB>valence";
    *tab = '\0';
    char *measure = tab + 1;
    char *tab2 = strchr(measure, '\t');
    if (tab2)
        *tab2 = '\0';
    size_t wlen = (size_t)(tab - line);
    if (!wlen)
        return "empty word";
    if (!valid_utf8(line, wlen))
        return "invalid UTF-8 in the word";
    double v;
    if (parse_valence(measure, &v))
        return "the valence is not a number in [-4, 4]";
    es__lexent *e = upsert(lex, line, wlen);
    if (!(e->flags & ES__W_LEX))
        lex->nwords++;
    e->flags |= ES__W_LEX;
    e->valence = v;
    return NULL;
}

/* Reads the header line of the converted format: its entry count and
 * checksum. Returns a reason on failure. */
static const char *parse_header(const char *text, size_t len, size_t *body, size_t *entries)
{
    const char *nl = memchr(text, '\n', len);
    if (!nl)
        return "header line without a body";
    unsigned long long count = 0, sum = 0;
    char tail;
    char head[128];
    size_t hl = (size_t)(nl - text);
    if (hl >= sizeof head)
        return "malformed header line";
    memcpy(head, text, hl);
    head[hl] = '\0';
    if (sscanf(head, LEX_MAGIC "entries=%llu xxh64=%16llx%c", &count, &sum, &tail) != 2)
        return "malformed header line";
    *body = hl + 1;
    *entries = (size_t)count;
    if (XXH64(text + *body, len - *body, 0) != (XXH64_hash_t)sum)
        return "checksum mismatch (the lexicon is corrupt)";
    return NULL;
}

/* Parses text[0..len) (a private, modifiable copy that the lexicon takes) of
 * the named source into a new lexicon. */
static es_err parse(const char *name, char *text, size_t len, es_lexicon_t **out, char *err,
                    size_t errlen)
{
    es_err rc = ES_OK;
    size_t body = 0, want = 0, line = 1, nlines = 0;
    int converted = len >= strlen(LEX_MAGIC) && memcmp(text, LEX_MAGIC, strlen(LEX_MAGIC)) == 0;
    const char *why = NULL;
    es_lexicon_t *lex = es_calloc(1, sizeof *lex);
    if (!lex) {
        es_free(text);
        return ES_ENOMEM;
    }
    lex->store = text;
    if (converted && (why = parse_header(text, len, &body, &want)) != NULL) {
        rc = ES_ECORRUPT;
        goto out;
    }
    if (memchr(text + body, '\0', len - body)) {
        why = "NUL byte in the lexicon";
        rc = ES_EPARSE;
        goto out;
    }
    for (size_t i = body; i < len; i++)
        nlines += text[i] == '\n';
    nlines++;
    lex->cap = nlines + es__vader_nwords + es__care_nwords;
    size_t nslots = 16;
    while (nslots < 8 * lex->cap) /* a load under 1/8: most misses probe one slot */
        nslots *= 2;
    lex->mask = nslots - 1;
    lex->idx_bits = 1;
    while (((size_t)1 << lex->idx_bits) <= lex->cap + 1)
        lex->idx_bits++;
    if (lex->idx_bits > 28) {
        why = "too many entries";
        rc = ES_ELIMIT;
        goto out;
    }
    lex->ents = es_calloc(lex->cap, sizeof *lex->ents);
    lex->slots = es_calloc(nslots, sizeof *lex->slots);
    if (!lex->ents || !lex->slots) {
        rc = ES_ENOMEM;
        goto out;
    }
    size_t parsed = 0;
    char *p = text + body, *end = text + len;
    line = converted ? 2 : 1;
    while (p < end) { /* a final newline ends the last line */
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        *stop = '\0';
        if ((why = parse_line(lex, p)) != NULL) {
            rc = ES_EPARSE;
            goto out;
        }
        parsed++;
        p = stop + 1;
        line++;
    }
    if (!parsed) {
        why = "no entries";
        rc = ES_EPARSE;
        goto out;
    }
    if (converted && parsed != want) {
        why = "entry count differs from the header (the lexicon is corrupt)";
        line = 1;
        rc = ES_ECORRUPT;
        goto out;
    }
    add_words(lex, es__vader_words, es__vader_nwords);
    add_words(lex, es__care_words, es__care_nwords);
    *out = lex;
    lex = NULL;
out:
    if (why && err && errlen)
        snprintf(err, errlen, "%s:%zu: %s", name, line, why);
    else if (rc == ES_ENOMEM && err && errlen)
        snprintf(err, errlen, "%s: out of memory", name);
    es_lexicon_free(lex);
    return rc;
}

/* ----- public ---------------------------------------------------------------- */

es_err es_lexicon_load(const char *path, es_lexicon_t **out, char *err, size_t errlen)
{
    es_err rc = ES_OK;
    char *text = NULL;
    size_t len = 0, cap = 0;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return ES_EIO;
    }
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? 2 * cap : 65536;
            char *t = es_realloc(text, cap);
            if (!t) {
                rc = ES_ENOMEM;
                goto out;
            }
            text = t;
        }
        size_t k = fread(text + len, 1, cap - len, f);
        len += k;
        if (len > LEX_MAX_FILE) {
            rc = ES_ELIMIT;
            if (err && errlen)
                snprintf(err, errlen, "%s: larger than %u bytes", path, LEX_MAX_FILE);
            goto out;
        }
        if (k == 0)
            break;
    }
    if (ferror(f)) {
        rc = ES_EIO;
        if (err && errlen)
            snprintf(err, errlen, "%s: read error", path);
        goto out;
    }
    fclose(f);
    f = NULL;
    rc = parse(path, text, len, out, err, errlen);
    text = NULL; /* parse took it */
out:
    if (f)
        fclose(f);
    if (rc == ES_ENOMEM && err && errlen && text)
        snprintf(err, errlen, "%s: out of memory", path);
    es_free(text);
    return rc;
}

void es_lexicon_free(es_lexicon_t *lex)
{
    if (!lex)
        return;
    es_free(lex->ents);
    es_free(lex->slots);
    es_free(lex->store);
    es_free(lex);
}

size_t es_lexicon_size(const es_lexicon_t *lex)
{
    return lex ? lex->nwords : 0;
}

/* The built-in lexicon is built on first use. Only a success is kept, so that
 * a failed attempt (out of memory) can be retried. */
static _Atomic(es_lexicon_t *) builtin;
static pthread_mutex_t builtin_lock = PTHREAD_MUTEX_INITIALIZER;

es_err es_lexicon_builtin(const es_lexicon_t **out)
{
    es_lexicon_t *lex = atomic_load_explicit(&builtin, memory_order_acquire);
    if (lex) {
        *out = lex;
        return ES_OK;
    }
    es_err rc = ES_OK;
    pthread_mutex_lock(&builtin_lock);
    lex = atomic_load_explicit(&builtin, memory_order_relaxed);
    if (!lex) {
        char *copy = es_strndup(es__lexicon_builtin_text, es__lexicon_builtin_size);
        rc = copy ? parse("builtin", copy, es__lexicon_builtin_size, &lex, NULL, 0) : ES_ENOMEM;
        if (rc == ES_EPARSE)
            rc = ES_ECORRUPT; /* a built-in lexicon that does not parse is corrupt */
        if (!rc)
            atomic_store_explicit(&builtin, lex, memory_order_release);
    }
    pthread_mutex_unlock(&builtin_lock);
    *out = rc ? NULL : lex;
    return rc;
}
