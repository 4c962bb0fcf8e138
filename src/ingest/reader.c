/*
 * reader.c - cutting an input into records, and the entry point of decoding.
 *
 * The CLI (earshot ingest / analyze) opens a reader over a file or stdin,
 * calls es_reader_next in one thread to cut records, and hands each record
 * to es_decode, possibly on other threads. Cutting never trusts content: a
 * record is bounded by ES_MAX_RECORD (a longer one is skipped and reported
 * as rejected), lines are counted for messages, CRLF is accepted, and a last
 * line without a newline is a record like any other. Records are:
 *  - JSON Lines: one line (blank lines are skipped);
 *  - CSV: one row, whose quoted fields may hold line breaks;
 *  - email: the whole input; mbox: one message, cut at "From " lines.
 * es_decode checks the bytes of the record (no NUL, valid UTF-8 except for
 * email, which GMime decodes from its charsets), parses JSON once, and
 * dispatches to the decoder of the format (twitter.c, meta.c, ...). While
 * it holds a parsed tree, jansson allocates from a per-thread scratch block
 * (jsonmem.c).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "earshot/text.h"
#include "ingest/ingest.h"

#define CHUNK (64 * 1024)

struct es_reader_s {
    FILE *fp;
    es_decoder_t dec;
    char *source;    /* owned copy of opts->source */
    es__buf rec;     /* the record being cut */
    char *chunk;     /* read-ahead buffer */
    size_t pos, len; /* unread bytes are chunk[pos..len) */
    int eof, ioerr;
    int pipe_fd; /* a pipe or terminal read with read(2), else -1 */
    long line;   /* lines consumed so far */
    uint64_t offset, total;
    int overflow;     /* the current record went over ES_MAX_RECORD */
    int qstate;       /* CSV: the quote state, tracked on every byte read */
    char head[5];     /* mbox: the first bytes of the last line read, */
    size_t head_len;  /* kept or not, and */
    int blank;        /* whether it was blank */
    int mbox_pending; /* a "From " line that starts the next message was read */
    long mbox_line;   /* its line number */
    int done;         /* email: the one record was returned */
    char errmsg[256];
};

/* ------------------------------------------------------------------------ */
/* Format names                                                             */
/* ------------------------------------------------------------------------ */

static const char *const format_names[] = {"auto", "jsonl", "twitter-v2", "twitter-v1",
                                           "meta", "csv",   "email",      "mbox"};

es_err es_format_parse(const char *name, es_format *out)
{
    for (size_t i = 0; name && i < sizeof format_names / sizeof *format_names; i++) {
        if (strcmp(name, format_names[i]) == 0) {
            *out = (es_format)i;
            return ES_OK;
        }
    }
    if (name && strcmp(name, "canonical") == 0) {
        *out = ES_FORMAT_CANONICAL;
        return ES_OK;
    }
    return ES_EINVAL;
}

const char *es_format_name(es_format f)
{
    if ((unsigned)f < sizeof format_names / sizeof *format_names)
        return format_names[f];
    return "unknown";
}

/* ------------------------------------------------------------------------ */
/* Reading lines                                                            */
/* ------------------------------------------------------------------------ */

/* Refills the chunk. Sets eof or ioerr. A pipe is read with read(2), which
 * returns what has arrived (fread would wait for a whole chunk), so that a
 * slow stream's records are cut as they come. */
static void fill(es_reader_t *r)
{
    r->pos = 0;
    if (r->pipe_fd >= 0) {
        ssize_t k;
        do
            k = read(r->pipe_fd, r->chunk, CHUNK);
        while (k < 0 && errno == EINTR);
        r->len = k > 0 ? (size_t)k : 0;
        r->ioerr = k < 0;
        r->eof = k <= 0;
        return;
    }
    r->len = fread(r->chunk, 1, CHUNK, r->fp);
    if (r->len == 0) {
        if (ferror(r->fp))
            r->ioerr = 1;
        r->eof = 1;
    }
}

/* Appends bytes to the record unless it is already over the limit. */
static es_err keep(es_reader_t *r, const char *p, size_t n)
{
    if (r->overflow)
        return ES_OK;
    es_err rc = es__buf_add(&r->rec, p, n);
    if (rc == ES_ELIMIT) {
        r->overflow = 1;
        return ES_OK;
    }
    return rc;
}

/* The CSV quote state across the lines of one row (RFC 4180). */
enum { Q_START, Q_PLAIN, Q_QUOTED, Q_QUOTE_SEEN };

static int csv_scan(int st, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        switch (st) {
        case Q_START: st = ch == '"' ? Q_QUOTED : ch == ',' ? Q_START : Q_PLAIN; break;
        case Q_PLAIN: st = ch == ',' ? Q_START : Q_PLAIN; break;
        case Q_QUOTED: st = ch == '"' ? Q_QUOTE_SEEN : Q_QUOTED; break;
        default: st = ch == '"' ? Q_QUOTED : ch == ',' ? Q_START : Q_PLAIN; break;
        }
        if (ch == '\n' && st != Q_QUOTED)
            st = Q_START;
    }
    return st;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

/* Reads one line (with its newline, when there is one) and appends it to the
 * record. *got is 0 at the end of input. *start receives the offset in the
 * record where the line begins (meaningless once overflowed). */
static es_err read_line(es_reader_t *r, int *got, size_t *start)
{
    *got = 0;
    *start = r->rec.len;
    r->head_len = 0;
    r->blank = 1;
    for (;;) {
        if (r->pos == r->len) {
            if (r->eof)
                break;
            fill(r);
            if (r->eof)
                break;
        }
        const char *p = r->chunk + r->pos;
        const char *nl = memchr(p, '\n', r->len - r->pos);
        size_t n = nl ? (size_t)(nl - p) + 1 : r->len - r->pos;
        es_err rc = keep(r, p, n);
        if (rc)
            return rc;
        /* Quotes are followed even in bytes that are not kept, so that a
         * row over the limit still ends where it ends. */
        if (r->dec.format == ES_FORMAT_CSV)
            r->qstate = csv_scan(r->qstate, p, n);
        if (r->dec.format == ES_FORMAT_MBOX) {
            size_t h = n < sizeof r->head - r->head_len ? n : sizeof r->head - r->head_len;
            memcpy(r->head + r->head_len, p, h);
            r->head_len += h;
            r->blank = r->blank && is_blank(p, n);
        }
        r->pos += n;
        r->offset += n;
        *got = 1;
        if (nl)
            break;
    }
    if (*got)
        r->line++;
    return r->ioerr ? ES_EIO : ES_OK;
}

/* Drops a trailing "\n" or "\r\n" from the record. */
static void chomp(es_reader_t *r)
{
    if (r->rec.len && r->rec.data[r->rec.len - 1] == '\n')
        r->rec.len--;
    if (r->rec.len && r->rec.data[r->rec.len - 1] == '\r')
        r->rec.len--;
    if (r->rec.data)
        r->rec.data[r->rec.len] = '\0';
}

/* ------------------------------------------------------------------------ */
/* Cutting records, per format                                              */
/* ------------------------------------------------------------------------ */

static es_err next_jsonl(es_reader_t *r, es_record *rec)
{
    int got;
    size_t start;
    do {
        es__buf_reset(&r->rec);
        r->overflow = 0;
        es_err rc = read_line(r, &got, &start);
        if (rc)
            return rc;
        if (!got)
            return ES_END;
    } while (!r->overflow && is_blank(r->rec.data, r->rec.len));
    rec->line = r->line;
    return ES_OK;
}

static es_err next_csv(es_reader_t *r, es_record *rec)
{
    int got;
    size_t start;
    do {
        es__buf_reset(&r->rec);
        r->overflow = 0;
        r->qstate = Q_START;
        es_err rc = read_line(r, &got, &start);
        if (rc)
            return rc;
        if (!got)
            return ES_END;
    } while (!r->overflow && is_blank(r->rec.data, r->rec.len));
    rec->line = r->line;
    while (r->qstate == Q_QUOTED) {
        es_err rc = read_line(r, &got, &start);
        if (rc)
            return rc;
        if (!got) {
            snprintf(r->errmsg, sizeof r->errmsg,
                     "line %ld: quoted field not closed at end of input", rec->line);
            return ES_REJECTED;
        }
    }
    return ES_OK;
}

/* A "From " line that follows a blank line (or starts the input) starts
 * an mbox message. */
static es_err next_mbox(es_reader_t *r, es_record *rec)
{
    int got, prev_blank = 1, any = 0;
    size_t start;
    es__buf_reset(&r->rec);
    r->overflow = 0;
    rec->line = r->mbox_pending ? r->mbox_line : r->line + 1;
    r->mbox_pending = 0;
    for (;;) {
        es_err rc = read_line(r, &got, &start);
        if (rc)
            return rc;
        if (!got)
            break;
        if (r->head_len == 5 && memcmp(r->head, "From ", 5) == 0 && prev_blank) {
            if (!r->overflow)
                r->rec.len = start; /* the separator is not part of a message */
            if (any) {
                r->mbox_pending = 1;
                r->mbox_line = r->line;
                break;
            }
            es__buf_reset(&r->rec); /* blank lines before the first one */
            rec->line = r->line;
            continue;
        }
        prev_blank = r->blank;
        any |= !prev_blank;
    }
    if (!any)
        return ES_END;
    return ES_OK;
}

static es_err next_email(es_reader_t *r, es_record *rec)
{
    int got;
    size_t start;
    if (r->done)
        return ES_END;
    r->done = 1;
    rec->line = 1;
    do {
        es_err rc = read_line(r, &got, &start);
        if (rc)
            return rc;
    } while (got);
    return r->rec.len || r->overflow ? ES_OK : ES_END;
}

es_err es_reader_next(es_reader_t *r, es_record *rec)
{
    es_err rc;
    memset(rec, 0, sizeof *rec);
    r->errmsg[0] = '\0';
    switch (r->dec.format) {
    case ES_FORMAT_CSV: rc = next_csv(r, rec); break;
    case ES_FORMAT_EMAIL: rc = next_email(r, rec); break;
    case ES_FORMAT_MBOX: rc = next_mbox(r, rec); break;
    default: rc = next_jsonl(r, rec); break;
    }
    rec->format = (int)r->dec.format;
    if (rc == ES_EIO)
        snprintf(r->errmsg, sizeof r->errmsg, "read error after line %ld: %s", r->line,
                 strerror(errno));
    if (rc == ES_ENOMEM)
        snprintf(r->errmsg, sizeof r->errmsg, "out of memory at line %ld", r->line);
    if (rc == ES_OK && r->dec.format != ES_FORMAT_EMAIL && r->dec.format != ES_FORMAT_MBOX)
        chomp(r);
    if (rc == ES_OK && (r->overflow || r->rec.len > ES_MAX_RECORD)) {
        snprintf(r->errmsg, sizeof r->errmsg, "line %ld: record over %d bytes", rec->line,
                 ES_MAX_RECORD);
        rc = ES_REJECTED;
    }
    rec->raw = r->rec.data ? r->rec.data : "";
    rec->len = r->rec.len;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Opening                                                                  */
/* ------------------------------------------------------------------------ */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static es_format guess(const char *name)
{
    if (!name)
        return ES_FORMAT_AUTO;
    if (ends_with(name, ".csv"))
        return ES_FORMAT_CSV;
    if (ends_with(name, ".eml"))
        return ES_FORMAT_EMAIL;
    if (ends_with(name, ".mbox") || ends_with(name, ".mbx"))
        return ES_FORMAT_MBOX;
    return ES_FORMAT_AUTO;
}

/* Reads and checks the CSV header row. */
static es_err open_csv(es_reader_t *r, const char *map, char *err, size_t errlen)
{
    es_record hdr;
    es_err rc = next_csv(r, &hdr);
    if (rc == ES_END) {
        snprintf(err, errlen, "%s", "CSV input is empty: a header row is needed");
        return ES_EPARSE;
    }
    if (rc == ES_OK && r->overflow)
        rc = ES_REJECTED;
    if (rc) {
        snprintf(err, errlen, "CSV header: %s", r->errmsg[0] ? r->errmsg : es_strerror(rc));
        return rc == ES_REJECTED ? ES_EPARSE : rc;
    }
    chomp(r);
    const char *h = r->rec.data;
    size_t n = r->rec.len;
    if (n >= 3 && memcmp(h, "\xEF\xBB\xBF", 3) == 0) { /* a byte order mark */
        h += 3;
        n -= 3;
    }
    return es__ingest_csv_setup(&r->dec, h, n, map, err, errlen);
}

es_err es_reader_open(FILE *fp, const char *name, const es_reader_opts *opts, es_reader_t **out,
                      char *err, size_t errlen)
{
    es_err rc = ES_ENOMEM;
    struct stat st;
    es_reader_t *r = es_calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        goto out;
    r->fp = fp;
    r->dec.format = opts ? opts->format : ES_FORMAT_AUTO;
    if (r->dec.format == ES_FORMAT_AUTO)
        r->dec.format = guess(name);
    if (opts && opts->source) {
        if (!(r->source = es_strdup(opts->source)))
            goto out;
        r->dec.source = r->source;
    }
    for (int i = 0; i < ES__F_COUNT; i++)
        r->dec.csv_col[i] = -1;
    /* The record may hold ES_MAX_RECORD bytes plus its line break. */
    es__buf_init(&r->rec, ES_MAX_RECORD + 2);
    if (!(r->chunk = es_malloc(CHUNK)))
        goto out;
    r->pipe_fd = -1;
    if (fileno(fp) >= 0 && fstat(fileno(fp), &st) == 0) {
        if (S_ISREG(st.st_mode))
            r->total = (uint64_t)st.st_size;
        else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode))
            r->pipe_fd = fileno(fp); /* nothing else reads fp: its buffer is empty */
    }
    es__ingest_jmem_install(); /* before any thread decodes */
    rc = ES_OK;
    if (r->dec.format == ES_FORMAT_CSV)
        rc = open_csv(r, opts ? opts->map : NULL, err, errlen);
out:
    if (rc == ES_ENOMEM)
        snprintf(err, errlen, "%s", "out of memory");
    if (rc) {
        es_reader_free(r);
        return rc;
    }
    *out = r;
    return ES_OK;
}

void es_reader_free(es_reader_t *r)
{
    if (!r)
        return;
    es__buf_cleanup(&r->rec);
    es_free(r->chunk);
    es_free(r->source);
    es_free(r);
}

const char *es_reader_errmsg(const es_reader_t *r)
{
    return r->errmsg;
}

uint64_t es_reader_offset(const es_reader_t *r)
{
    return r->offset;
}

uint64_t es_reader_total(const es_reader_t *r)
{
    return r->total;
}

/* See ingest.h. */
int es_reader_idle(es_reader_t *r, int timeout_ms)
{
    if (r->pipe_fd < 0 || r->pos < r->len || r->eof)
        return 0;
    struct pollfd p = {.fd = r->pipe_fd, .events = POLLIN};
    int n;
    do
        n = poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    return n == 0;
}

const es_decoder_t *es_reader_decoder(const es_reader_t *r)
{
    return &r->dec;
}

/* ------------------------------------------------------------------------ */
/* Decoding                                                                 */
/* ------------------------------------------------------------------------ */

/* Line and column of byte off of the record, for messages. */
static void locate(const es_record *rec, size_t off, long *line, size_t *col)
{
    size_t bol = 0;
    *line = rec->line;
    for (size_t i = 0; i < off; i++) {
        if (rec->raw[i] == '\n') {
            (*line)++;
            bol = i + 1;
        }
    }
    *col = off - bol;
}

/* Rejects NUL bytes anywhere in a record, and invalid UTF-8 when utf8 is
 * set. Positions are given as line and byte offset (from 0) in that line. */
static es_err check_bytes(es__dctx *c, int utf8)
{
    const es_record *rec = c->rec;
    size_t bad;
    long line;
    const char *nul = memchr(rec->raw, '\0', rec->len);
    if (nul) {
        locate(rec, (size_t)(nul - rec->raw), &line, &bad);
        return es__ingest_reject_at(c, line, "NUL byte at byte %zu", bad);
    }
    if (!utf8 || es_utf8_check(rec->raw, rec->len, &bad) == ES_OK)
        return ES_OK;
    locate(rec, bad, &line, &bad);
    return es__ingest_reject_at(c, line, "invalid UTF-8 at byte %zu", bad);
}

/* Recognises a JSON object's format by its keys. */
static es_format detect(const json_t *root)
{
    if (json_object_get(root, "data"))
        return ES_FORMAT_TWITTER_V2;
    if (json_object_get(root, "id_str") && json_object_get(root, "user"))
        return ES_FORMAT_TWITTER_V1;
    if (json_object_get(root, "object") && json_object_get(root, "entry"))
        return ES_FORMAT_META;
    return ES_FORMAT_CANONICAL;
}

static es_err decode_json(es__dctx *c, es_format f, es_mention_t **ms, size_t *n)
{
    json_error_t jerr;
    es_err rc;
    void *mem = es__ingest_jmem_begin();
    json_t *root = json_loadb(c->rec->raw, c->rec->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        es__ingest_jmem_end(mem);
        return es__ingest_reject(c, "JSON error at column %d: %s", jerr.column, jerr.text);
    }
    if (!json_is_object(root)) {
        rc = es__ingest_reject(c, "%s", "a record must be a JSON object");
        goto out;
    }
    if (f == ES_FORMAT_AUTO)
        f = detect(root);
    switch (f) {
    case ES_FORMAT_TWITTER_V2: rc = es__ingest_twitter_v2(c, root, ms, n); break;
    case ES_FORMAT_TWITTER_V1: rc = es__ingest_twitter_v1(c, root, ms, n); break;
    case ES_FORMAT_META: rc = es__ingest_meta(c, root, ms, n); break;
    default: rc = es__ingest_canonical(c, root, ms, n); break;
    }
out:
    json_decref(root);
    es__ingest_jmem_end(mem);
    return rc;
}

es_err es_decode(const es_decoder_t *d, const es_record *rec, es_arena_t *a, es_mention_t **ms,
                 size_t *n, const char **reason)
{
    es__dctx c = {d, rec, a, reason, (int64_t)time(NULL)};
    es_format f = rec->format ? (es_format)rec->format : d->format;
    es_err rc;
    *ms = NULL;
    *n = 0;
    *reason = NULL;
    int email = f == ES_FORMAT_EMAIL || f == ES_FORMAT_MBOX;
    rc = check_bytes(&c, !email);
    if (rc)
        return rc;
    if (email)
        return es__ingest_email(&c, ms, n);
    if (f == ES_FORMAT_CSV)
        return es__ingest_csv(&c, ms, n);
    return decode_json(&c, f, ms, n);
}

/* ------------------------------------------------------------------------ */
/* A decoder without a reader                                               */
/* ------------------------------------------------------------------------ */

/* A decoder and the copy of its source it points at, freed together. */
typedef struct owned_decoder {
    es_decoder_t dec; /* first: the public handle points here */
    char *source;
} owned_decoder;

es_err es_decoder_new(const es_reader_opts *opts, es_decoder_t **out)
{
    es_format f = opts ? opts->format : ES_FORMAT_AUTO;
    *out = NULL;
    if (f == ES_FORMAT_CSV)
        return ES_EUNSUPPORTED; /* a CSV decoder needs the header row */
    if ((unsigned)f > ES_FORMAT_MBOX)
        return ES_EINVAL;
    owned_decoder *od = es_calloc(1, sizeof *od);
    if (!od)
        return ES_ENOMEM;
    od->dec.format = f;
    for (int i = 0; i < ES__F_COUNT; i++)
        od->dec.csv_col[i] = -1;
    if (opts && opts->source) {
        if (!(od->source = es_strdup(opts->source))) {
            es_free(od);
            return ES_ENOMEM;
        }
        od->dec.source = od->source;
    }
    es__ingest_jmem_install(); /* before any thread decodes */
    *out = &od->dec;
    return ES_OK;
}

void es_decoder_free(es_decoder_t *d)
{
    owned_decoder *od = (owned_decoder *)d;
    if (!od)
        return;
    es_free(od->source);
    es_free(od);
}
