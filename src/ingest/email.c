/*
 * email.c - RFC 5322 email messages, alone (.eml) or cut from an mbox.
 *
 * es_decode (reader.c) calls es__ingest_email with one message (the reader
 * has removed an mbox "From " separator line). GMime parses it: headers are
 * decoded from RFC 2047, bodies from their transfer encoding and charset to
 * UTF-8. The mention: source "email" (or --source), id = Message-ID (or
 * "xxh64:" and a hash of the message when it has none, so that re-reading
 * the same file is idempotent), author = the From address, author_name its
 * display name, created_at = Date, text = Subject, a blank line and the
 * first text/plain part (or the first text/html part stripped of its tags),
 * reply_to = In-Reply-To, conversation = the first id of References.
 * GMime is initialised once, thread-safely; each call parses with its own
 * objects, so decoding runs on any number of threads.
 */
#include <gmime/gmime.h>
#include <pthread.h>
#include <string.h>
#include <xxhash.h>

#include "earshot/text.h"
#include "ingest/ingest.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_start(void)
{
    g_mime_init();
}

/* ------------------------------------------------------------------------ */
/* The body                                                                 */
/* ------------------------------------------------------------------------ */

/* The first inline text/<subtype> part under o, depth first. */
static GMimeTextPart *find_text(GMimeObject *o, const char *subtype, int depth)
{
    if (depth > 32)
        return NULL;
    if (GMIME_IS_MULTIPART(o)) {
        GMimeMultipart *mp = GMIME_MULTIPART(o);
        for (int i = 0; i < g_mime_multipart_get_count(mp); i++) {
            GMimeTextPart *t = find_text(g_mime_multipart_get_part(mp, i), subtype, depth + 1);
            if (t)
                return t;
        }
        return NULL;
    }
    if (!GMIME_IS_TEXT_PART(o) || g_mime_part_is_attachment(GMIME_PART(o)))
        return NULL;
    GMimeContentType *ct = g_mime_object_get_content_type(o);
    return g_mime_content_type_is_type(ct, "text", subtype) ? GMIME_TEXT_PART(o) : NULL;
}

/* Tags after which the text goes on a new line. */
static int breaks_line(const char *tag, size_t n)
{
    static const char *const names[] = {"br", "p",  "/p", "div", "/div",
                                        "tr", "li", "h1", "h2",  "h3"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t k = strlen(names[i]);
        if (n >= k && g_ascii_strncasecmp(tag, names[i], k) == 0 &&
            (n == k || !g_ascii_isalnum(tag[k])))
            return 1;
    }
    return 0;
}

/* Removes the tags, comments, scripts and styles of an HTML body. The
 * result (no longer than s) is written into out. Entities stay for
 * es_html_unescape. */
static size_t strip_html(const char *s, size_t n, char *out)
{
    size_t o = 0, i = 0;
    while (i < n) {
        if (s[i] != '<') {
            out[o++] = s[i++];
            continue;
        }
        const char *end = memchr(s + i, '>', n - i);
        size_t tn = end ? (size_t)(end - s) - i - 1 : n - i - 1;
        const char *tag = s + i + 1;
        const char *close = NULL;
        if (tn >= 3 && memcmp(tag, "!--", 3) == 0)
            close = "-->";
        else if (tn >= 6 && g_ascii_strncasecmp(tag, "script", 6) == 0)
            close = "</script";
        else if (tn >= 5 && g_ascii_strncasecmp(tag, "style", 5) == 0)
            close = "</style";
        if (breaks_line(tag, tn) && o && out[o - 1] != '\n')
            out[o++] = '\n';
        i += tn + 2;
        if (close) {
            const char *c = g_strstr_len(s + i - tn - 1, (gssize)(n - (i - tn - 1)), close);
            if (!c)
                return o;
            const char *gt = memchr(c, '>', n - (size_t)(c - s));
            i = gt ? (size_t)(gt - s) + 1 : n;
        }
    }
    return o;
}

/* Puts subject, a blank line and the body into m->text. */
static es_err set_text(es__dctx *c, GMimeMessage *msg, es_mention_t *m)
{
    GMimeObject *body = g_mime_message_get_mime_part(msg);
    const char *subject = g_mime_message_get_subject(msg);
    GMimeTextPart *part = body ? find_text(body, "plain", 0) : NULL;
    int html = 0;
    es_err rc;
    if (!part && body && (part = find_text(body, "html", 0)))
        html = 1;
    char *t = part ? g_mime_text_part_get_text(part) : NULL;
    size_t tn = t ? strlen(t) : 0;
    if (t && !g_utf8_validate(t, (gssize)tn, NULL)) {
        /* An undeclared 8-bit charset: GMime's own fallback guesses it. */
        char *u = g_mime_utils_decode_8bit(NULL, t, tn);
        g_free(t);
        t = u;
        tn = t ? strlen(t) : 0;
    }
    if (t && html)
        tn = strip_html(t, tn, t);
    while (tn && g_ascii_isspace(t[tn - 1]))
        tn--;
    size_t start = 0;
    while (start < tn && (t[start] == '\n' || t[start] == '\r'))
        start++;
    size_t sn = subject ? strlen(subject) : 0;
    char *all = es_arena_alloc(c->a, sn + 2 + tn - start + 1);
    if (!all) {
        rc = ES_ENOMEM;
        goto out;
    }
    size_t k = 0;
    memcpy(all, subject ? subject : "", sn);
    k = sn;
    if (sn && tn > start) {
        memcpy(all + k, "\n\n", 2);
        k += 2;
    }
    if (tn > start)
        memcpy(all + k, t + start, tn - start);
    k += tn > start ? tn - start : 0;
    /* Texts end lines with "\n" whatever the message's line ends. */
    size_t w = 0;
    for (size_t i = 0; i < k; i++)
        if (!(all[i] == '\r' && i + 1 < k && all[i + 1] == '\n'))
            all[w++] = all[i];
    k = w;
    if (html)
        rc = es__ingest_text_html(c, all, k, &m->text);
    else
        rc = es__ingest_str(c, "text", all, k, ES_MAX_TEXT, &m->text);
out:
    g_free(t);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Headers                                                                  */
/* ------------------------------------------------------------------------ */

static es_err set_author(es__dctx *c, GMimeMessage *msg, es_mention_t *m)
{
    InternetAddressList *from = g_mime_message_get_from(msg);
    es_err rc;
    for (int i = 0; from && i < internet_address_list_length(from); i++) {
        InternetAddress *ia = internet_address_list_get_address(from, i);
        if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
            continue;
        const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
        const char *name = internet_address_get_name(ia);
        if ((rc = es__ingest_str(c, "author", addr, addr ? strlen(addr) : 0, ES_MAX_FIELD,
                                 &m->author)) ||
            (rc = es__ingest_str(c, "author_name", name, name ? strlen(name) : 0, ES_MAX_FIELD,
                                 &m->author_name)))
            return rc;
        break;
    }
    return ES_OK;
}

static es_err set_ids(es__dctx *c, GMimeMessage *msg, es_mention_t *m)
{
    const char *id = g_mime_message_get_message_id(msg);
    const char *irt = g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To");
    const char *refs = g_mime_object_get_header(GMIME_OBJECT(msg), "References");
    es_err rc;
    if (id && *id) {
        if ((rc = es__ingest_str(c, "id", id, strlen(id), ES_MAX_FIELD, &m->external_id)))
            return rc;
    } else {
        unsigned long long h = XXH64(c->rec->raw, c->rec->len, 0);
        if (!(m->external_id = es_arena_printf(c->a, "xxh64:%016llx", h)))
            return ES_ENOMEM;
    }
    if (irt) {
        char *v = g_mime_utils_decode_message_id(irt);
        rc = es__ingest_str(c, "reply_to", v, v ? strlen(v) : 0, ES_MAX_FIELD, &m->reply_to);
        g_free(v);
        if (rc)
            return rc;
    }
    if (refs) {
        GMimeReferences *r = g_mime_references_parse(NULL, refs);
        const char *first =
            r && g_mime_references_length(r) > 0 ? g_mime_references_get_message_id(r, 0) : NULL;
        rc = es__ingest_str(c, "conversation", first, first ? strlen(first) : 0, ES_MAX_FIELD,
                            &m->conversation);
        if (r)
            g_mime_references_free(r);
        if (rc)
            return rc;
    }
    return ES_OK;
}

static es_err set_date(es__dctx *c, GMimeMessage *msg, es_mention_t *m)
{
    const char *raw = g_mime_object_get_header(GMIME_OBJECT(msg), "Date");
    GDateTime *dt = g_mime_message_get_date(msg);
    if (dt) {
        m->created_at = (int64_t)g_date_time_to_unix(dt);
        return ES_OK;
    }
    if (!raw)
        return ES_OK;
    if (es_time_parse(raw, &m->created_at) != ES_OK)
        return es__ingest_reject(c, "field 'created_at': unrecognised date \"%.64s\"", raw);
    return ES_OK;
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                              */
/* ------------------------------------------------------------------------ */

es_err es__ingest_email(es__dctx *c, es_mention_t **ms, size_t *n)
{
    GMimeStream *stream = NULL;
    GMimeParser *parser = NULL;
    GMimeMessage *msg = NULL;
    const char *src = es__ingest_source(c, "email");
    es_mention_t *m = es__ingest_mentions(c, 1, src);
    es_err rc = ES_ENOMEM;
    if (!m || !src)
        goto out;
    pthread_once(&gmime_once, gmime_start);
    stream = g_mime_stream_mem_new_with_buffer(c->rec->raw, c->rec->len);
    parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    msg = g_mime_parser_construct_message(parser, NULL);
    if (!msg) {
        rc = es__ingest_reject(c, "%s", "not an email message");
        goto out;
    }
    if ((rc = set_ids(c, msg, m)) || (rc = set_author(c, msg, m)) || (rc = set_date(c, msg, m)) ||
        (rc = set_text(c, msg, m)) || (rc = es__ingest_require(c, m)))
        goto out;
    *ms = m;
    *n = 1;
out:
    if (msg)
        g_object_unref(msg);
    if (parser)
        g_object_unref(parser);
    if (stream)
        g_object_unref(stream);
    return rc;
}
