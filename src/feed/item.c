/*
 * item.c - from a feed item to a mention (feed.h): es_feed_html_text makes
 * plain text of the HTML that descriptions carry, es_feed_item_mention
 * fills a canonical mention whose (source, external_id) is stable across
 * polls, so that an item is stored once however often its feed is read.
 * Called by the parser (parse.c) and the poller (poll.c). Pure, reentrant.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "earshot/feed.h"
#include "earshot/text.h"

/* Elements after which a reader sees a new line. */
static int breaks_line(const char *tag, size_t n)
{
    static const char *const names[] = {"br", "p",  "/p", "div", "/div", "li",  "tr", "h1",
                                        "h2", "h3", "h4", "/h1", "/h2",  "/h3", "/h4"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t k = strlen(names[i]);
        if (n >= k && strncasecmp(tag, names[i], k) == 0 &&
            (n == k || tag[k] == ' ' || tag[k] == '/' || tag[k] == '>' || tag[k] == '\t'))
            return 1;
    }
    return 0;
}

/* Where a tag that starts at s[i] == '<' ends (the index after it), or 0
 * when this '<' does not open a tag ("a < b"). Comments, scripts and
 * styles end after their closing text. */
static size_t tag_end(const char *s, size_t n, size_t i)
{
    const char *t = s + i + 1;
    size_t rest = n - i - 1;
    const char *close = NULL;
    if (rest == 0 || !((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || *t == '/' ||
                       *t == '!' || *t == '?'))
        return 0;
    if (rest >= 3 && memcmp(t, "!--", 3) == 0)
        close = "-->";
    else if (rest >= 6 && strncasecmp(t, "script", 6) == 0)
        close = "</script";
    else if (rest >= 5 && strncasecmp(t, "style", 5) == 0)
        close = "</style";
    if (close) {
        size_t k = strlen(close);
        for (size_t j = i + 1; j + k <= n; j++)
            if (strncasecmp(s + j, close, k) == 0) {
                const char *gt = memchr(s + j, '>', n - j);
                return gt ? (size_t)(gt - s) + 1 : n;
            }
        return n;
    }
    const char *gt = memchr(t, '>', rest);
    return gt ? (size_t)(gt - s) + 1 : n;
}

/* See feed.h. */
es_err es_feed_html_text(es_arena_t *a, const char *html, size_t len, char **out)
{
    char *b = es_arena_alloc(a, len + 1), *dec = NULL;
    size_t o = 0, dn = 0;
    if (!b)
        return ES_ENOMEM;
    for (size_t i = 0; i < len;) {
        size_t end = html[i] == '<' ? tag_end(html, len, i) : 0;
        if (!end) {
            b[o++] = html[i++];
            continue;
        }
        b[o++] = breaks_line(html + i + 1, end - i - 1) ? '\n' : ' ';
        i = end;
    }
    b[o] = '\0';
    if (es_html_unescape(a, b, o, &dec, &dn) != ES_OK)
        return ES_ENOMEM;
    /* Collapse runs of white space (a no-break space counts) into one
     * space, or one line break when the run held one; trim both ends. */
    size_t w = 0;
    int pending = 0; /* 1 space, 2 newline */
    for (size_t i = 0; i < dn; i++) {
        unsigned char c = (unsigned char)dec[i];
        int nbsp = c == 0xC2 && i + 1 < dn && (unsigned char)dec[i + 1] == 0xA0;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' || nbsp) {
            if (c == '\n' && pending < 2)
                pending = 2;
            else if (!pending)
                pending = 1;
            i += (size_t)nbsp;
            continue;
        }
        if (pending && w)
            dec[w++] = pending == 2 ? '\n' : ' ';
        pending = 0;
        dec[w++] = (char)c;
    }
    dec[w] = '\0';
    *out = dec;
    return ES_OK;
}

/* The length of s cut to at most max bytes without splitting a UTF-8
 * sequence. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* A field that must fit ES_MAX_FIELD, or NULL when it does not. */
static const char *field(const char *s)
{
    return s && *s && strlen(s) <= ES_MAX_FIELD ? s : NULL;
}

/* See feed.h. */
es_err es_feed_item_mention(es_arena_t *a, const es_feed_item *it, const char *source,
                            const char *brand, const char *location, es_mention_t *m,
                            const char **reason)
{
    const char *title = it->title ? it->title : "", *body = it->text ? it->text : "";
    size_t tn = strlen(title), bn = strlen(body);
    es_mention_init(m);
    if (tn == 0 && bn == 0) {
        if (reason)
            *reason = "the item has neither a title nor a text";
        return ES_REJECTED;
    }
    /* A description that repeats the title adds nothing. */
    if (tn && bn && strcmp(title, body) == 0)
        bn = 0;
    size_t total = tn + (tn && bn ? 1 : 0) + bn;
    char *text = es_arena_alloc(a, total + 1);
    if (!text)
        return ES_ENOMEM;
    memcpy(text, title, tn);
    if (tn && bn)
        text[tn] = '\n';
    memcpy(text + tn + (tn && bn ? 1 : 0), body, bn);
    text[utf8_cut(text, total, ES_MAX_TEXT)] = '\0';
    m->text = text;

    m->external_id = field(it->id);
    if (!m->external_id)
        m->external_id = field(it->link);
    if (!m->external_id) {
        XXH64_hash_t h =
            XXH64(title, tn, XXH64(it->text ? it->text : "", it->text ? strlen(it->text) : 0, 0));
        if (!(m->external_id = es_arena_printf(a, "h:%016llx", (unsigned long long)h)))
            return ES_ENOMEM;
    }
    m->source = source;
    m->author = field(it->author);
    m->url = field(it->link);
    m->created_at = it->published > 0 ? it->published : 0;
    m->brand_hint = brand;
    m->location = location;
    return ES_OK;
}
