/*
 * parse.c - es_feed_parse: RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 documents
 * into items (feed.h), with libxml2. Called by the poller (poll.c), the
 * unit tests and the fuzz target fuzz/fuzz_feed.c.
 *
 * A feed comes from a server we do not control, so the parser is locked
 * down: XML_PARSE_NONET (nothing is fetched), no DTD loading, no entity
 * substitution, no "huge" mode, and a document whose DOCTYPE declares any
 * entity is refused outright (no billion laughs, no external entities).
 * Text is collected from text and CDATA nodes only; character references
 * and the five predefined entities are decoded by the parser itself.
 * libxml2 is initialised once (pthread_once); its errors never reach
 * stderr: the first one becomes the reason, with its line.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <string.h>

#include "earshot/feed.h"
#include "earshot/ingest.h"
#include "earshot/text.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();
}

/* Set by refuse_entity during a parse on this thread. */
static _Thread_local int entity_seen;

/* The SAX hook of an entity declaration: stops the parser at once, before
 * the entity can be referenced, let alone expanded. */
static void refuse_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                          const xmlChar *system_id, xmlChar *content)
{
    entity_seen = 1;
    xmlStopParser(ctx);
}

/* Returns "line N: message" in the arena for the parser's last error. */
static const char *xml_reason(es_arena_t *a, xmlParserCtxtPtr ctx)
{
    const xmlError *e = ctx ? xmlCtxtGetLastError(ctx) : NULL;
    if (!e || !e->message)
        return "the document is not well-formed XML";
    size_t n = strlen(e->message);
    while (n && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
        n--;
    const char *r =
        es_arena_printf(a, "line %d: %.*s", e->line, (int)(n > 300 ? 300 : n), e->message);
    return r ? r : "the document is not well-formed XML";
}

static int named(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

static const xmlNode *child(const xmlNode *parent, const char *name)
{
    for (const xmlNode *c = parent->children; c; c = c->next)
        if (named(c, name))
            return c;
    return NULL;
}

/* Appends the text of n and its descendants (text and CDATA only: entity
 * references are never followed) to b (NULL: only counts), at most max
 * bytes in all. */
static void gather(const xmlNode *n, char *b, size_t *len, size_t max, int depth)
{
    for (const xmlNode *c = n->children; c && depth < 64 && *len < max; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            size_t k = strlen((const char *)c->content);
            if (k > max - *len)
                k = max - *len;
            if (b)
                memcpy(b + *len, c->content, k);
            *len += k;
        } else if (c->type == XML_ELEMENT_NODE) {
            gather(c, b, len, max, depth + 1);
        }
    }
}

/* The text of element n, NUL-terminated in the arena, trimmed; NULL when
 * n is NULL or empty. html set: tags stripped and references decoded. */
static const char *text_of(es_arena_t *a, const xmlNode *n, int html, int *oom)
{
    if (!n)
        return NULL;
    size_t max = ES_MAX_TEXT * 4, len = 0;
    char *out = NULL;
    gather(n, NULL, &len, max, 0);
    char *b = es_arena_alloc(a, len + 1);
    if (!b) {
        *oom = 1;
        return NULL;
    }
    len = 0;
    gather(n, b, &len, max, 0);
    b[len] = '\0';
    if (html) {
        if (es_feed_html_text(a, b, len, &out) != ES_OK) {
            *oom = 1;
            return NULL;
        }
    } else {
        out = b;
        while (*out == ' ' || *out == '\t' || *out == '\r' || *out == '\n')
            out++;
        size_t k = strlen(out);
        while (k && (out[k - 1] == ' ' || out[k - 1] == '\t' || out[k - 1] == '\r' ||
                     out[k - 1] == '\n'))
            out[--k] = '\0';
    }
    return *out ? out : NULL;
}

static int64_t when(es_arena_t *a, const xmlNode *n, int *oom)
{
    const char *s = text_of(a, n, 0, oom);
    int64_t t = 0;
    if (!s || es_time_parse(s, &t) != ES_OK)
        return 0;
    return t;
}

/* ---- RSS -------------------------------------------------------------------- */

static void rss_item(es_arena_t *a, const xmlNode *n, es_feed_item *it, int *oom)
{
    const xmlNode *desc = child(n, "encoded"); /* content:encoded, the full text */
    if (!desc || !desc->children)
        desc = child(n, "description");
    it->id = text_of(a, child(n, "guid"), 0, oom);
    if (!it->id) { /* RSS 1.0: rdf:about="..." */
        xmlChar *about = xmlGetProp(n, BAD_CAST "about");
        if (about) {
            it->id = es_arena_strdup(a, (const char *)about);
            xmlFree(about);
        }
    }
    it->title = text_of(a, child(n, "title"), 1, oom);
    it->link = text_of(a, child(n, "link"), 0, oom);
    it->text = text_of(a, desc, 1, oom);
    it->author = text_of(a, child(n, "creator"), 0, oom);
    if (!it->author)
        it->author = text_of(a, child(n, "author"), 0, oom);
    it->published = when(a, child(n, "pubDate"), oom);
    if (!it->published)
        it->published = when(a, child(n, "date"), oom);
}

/* ---- Atom ------------------------------------------------------------------- */

/* The href of the entry's alternate link (or of its first link). */
static const char *atom_link(es_arena_t *a, const xmlNode *n)
{
    const char *first = NULL;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!named(c, "link"))
            continue;
        xmlChar *href = xmlGetProp(c, BAD_CAST "href");
        xmlChar *rel = xmlGetProp(c, BAD_CAST "rel");
        const char *h = href ? es_arena_strdup(a, (const char *)href) : NULL;
        int alt = !rel || xmlStrcmp(rel, BAD_CAST "alternate") == 0;
        xmlFree(href);
        xmlFree(rel);
        if (h && alt)
            return h;
        if (h && !first)
            first = h;
    }
    return first;
}

/* Atom text constructs: type "html" is escaped HTML, "xhtml" a div of
 * elements (its text is gathered), "text" (the default) plain. */
static const char *atom_text(es_arena_t *a, const xmlNode *n, int *oom)
{
    if (!n)
        return NULL;
    xmlChar *type = xmlGetProp(n, BAD_CAST "type");
    int html = type && (xmlStrcmp(type, BAD_CAST "html") == 0 ||
                        xmlStrcmp(type, BAD_CAST "text/html") == 0 ||
                        xmlStrcmp(type, BAD_CAST "xhtml") == 0);
    xmlFree(type);
    return text_of(a, n, html, oom);
}

static void atom_entry(es_arena_t *a, const xmlNode *n, es_feed_item *it, int *oom)
{
    const xmlNode *body = child(n, "content");
    it->id = text_of(a, child(n, "id"), 0, oom);
    it->title = atom_text(a, child(n, "title"), oom);
    it->link = atom_link(a, n);
    it->text = atom_text(a, body, oom);
    if (!it->text)
        it->text = atom_text(a, child(n, "summary"), oom);
    const xmlNode *au = child(n, "author");
    it->author = au ? text_of(a, child(au, "name"), 0, oom) : NULL;
    it->published = when(a, child(n, "published"), oom);
    if (!it->published)
        it->published = when(a, child(n, "updated"), oom);
}

/* ---- the document ----------------------------------------------------------- */

/* Collects the items (elements named item_name) under container. */
static es_err items(es_arena_t *a, const xmlNode *container, const char *item_name, int atom,
                    es_feed_doc *out)
{
    size_t n = 0;
    int oom = 0;
    for (const xmlNode *c = container->children; c; c = c->next)
        n += named(c, item_name);
    size_t keep = n > ES_FEED_MAX_ITEMS ? ES_FEED_MAX_ITEMS : n;
    out->skipped = n - keep;
    out->items = keep ? es_arena_alloc(a, keep * sizeof *out->items) : NULL;
    if (keep && !out->items)
        return ES_ENOMEM;
    for (const xmlNode *c = container->children; c && out->n < keep; c = c->next) {
        if (!named(c, item_name))
            continue;
        es_feed_item *it = &out->items[out->n++];
        memset(it, 0, sizeof *it);
        if (atom)
            atom_entry(a, c, it, &oom);
        else
            rss_item(a, c, it, &oom);
    }
    return oom ? ES_ENOMEM : ES_OK;
}

/* Finds the kind of document and its items. */
static es_err walk(es_arena_t *a, const xmlNode *root, es_feed_doc *out, const char **reason)
{
    int oom = 0;
    es_err rc;
    if (named(root, "rss")) {
        const xmlNode *ch = child(root, "channel");
        if (!ch) {
            *reason = "an RSS document without a <channel>";
            return ES_EPARSE;
        }
        out->kind = "rss";
        out->title = text_of(a, child(ch, "title"), 1, &oom);
        rc = items(a, ch, "item", 0, out);
    } else if (named(root, "RDF")) {
        out->kind = "rdf";
        const xmlNode *ch = child(root, "channel");
        out->title = ch ? text_of(a, child(ch, "title"), 1, &oom) : NULL;
        rc = items(a, root, "item", 0, out);
    } else if (named(root, "feed") &&
               (!root->ns || xmlStrcmp(root->ns->href, BAD_CAST ATOM_NS) == 0)) {
        out->kind = "atom";
        out->title = atom_text(a, child(root, "title"), &oom);
        rc = items(a, root, "entry", 1, out);
    } else {
        const char *r = es_arena_printf(a, "not an RSS or Atom document (root element <%.60s>)",
                                        root ? (const char *)root->name : "");
        *reason = r ? r : "not an RSS or Atom document";
        return ES_EPARSE;
    }
    return oom ? ES_ENOMEM : rc;
}

/* See feed.h. */
es_err es_feed_parse(es_arena_t *a, const char *xml, size_t len, es_feed_doc *out,
                     const char **reason)
{
    const char *dummy;
    xmlParserCtxtPtr ctx = NULL;
    xmlDocPtr doc = NULL;
    es_err rc = ES_EPARSE;
    if (!reason)
        reason = &dummy;
    *reason = NULL;
    if (!a || !out || (!xml && len)) {
        *reason = "invalid arguments";
        return ES_EINVAL;
    }
    memset(out, 0, sizeof *out);
    if (len > ES_FEED_MAX_BYTES) {
        *reason = "the document is over the size limit";
        return ES_ELIMIT;
    }
    if (len == 0) {
        *reason = "the document is empty";
        return ES_EPARSE;
    }
    pthread_once(&once, init_libxml);
    if (!(ctx = xmlNewParserCtxt())) {
        *reason = "out of memory";
        return ES_ENOMEM;
    }
    ctx->sax->entityDecl = refuse_entity;
    entity_seen = 0;
    doc = xmlCtxtReadMemory(ctx, xml, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_NOCDATA);
    if (entity_seen ||
        (doc && doc->intSubset && (doc->intSubset->entities || doc->intSubset->pentities))) {
        *reason = "the document declares entities (refused: they could expand without limit)";
        goto out;
    }
    if (!doc) {
        *reason = xml_reason(a, ctx);
        goto out;
    }
    rc = walk(a, xmlDocGetRootElement(doc), out, reason);
    if (rc == ES_ENOMEM)
        *reason = "out of memory";
out:
    if (rc)
        memset(out, 0, sizeof *out);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctx);
    return rc;
}
