/*
 * test_parse.c - the feed parser and item conversion (src/feed/parse.c,
 * item.c): RSS 2.0, RSS 1.0 and Atom documents, HTML descriptions, the
 * refusal of entity declarations and of malformed XML with the line, the
 * size limit, stable ids for items without one, and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/feed.h"

static const char RSS[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
    "     xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n"
    "<channel><title>Reviews of Caf&#233; Nord</title>\n"
    "<item><title>Cold food &amp; slow service</title>\n"
    " <link>https://reviews.example/r/1</link>\n"
    " <guid isPermaLink=\"false\">review-1</guid>\n"
    " <description><![CDATA[<p>Waited <b>45 minutes</b>.</p><p>Never again &amp; no "
    "refund.</p><script>alert(1)</script>]]></description>\n"
    " <dc:creator>Ann</dc:creator>\n"
    " <pubDate>Tue, 10 Nov 2026 09:30:00 GMT</pubDate></item>\n"
    "<item><title>Lovely staff</title><link>https://reviews.example/r/2</link>\n"
    " <description>Great &lt;i&gt;coffee&lt;/i&gt; &amp;amp; cake</description>\n"
    " <content:encoded>&lt;p&gt;Great coffee, lovely staff.&lt;/p&gt;</content:encoded>\n"
    "</item>\n"
    "<item><description>a &lt; b, no title</description></item>\n"
    "</channel></rss>\n";

static es_arena_t *arena(void)
{
    es_arena_t *a = es_arena_new(0, 0);
    assert_non_null(a);
    return a;
}

static void rss_items_are_read(void **state)
{
    (void)state;
    es_arena_t *a = arena();
    es_feed_doc d;
    const char *why = NULL;
    assert_int_equal(es_feed_parse(a, RSS, strlen(RSS), &d, &why), ES_OK);
    assert_string_equal(d.kind, "rss");
    assert_string_equal(d.title, "Reviews of Caf\xc3\xa9 Nord");
    assert_int_equal(d.n, 3);
    assert_string_equal(d.items[0].id, "review-1");
    assert_string_equal(d.items[0].title, "Cold food & slow service");
    assert_string_equal(d.items[0].link, "https://reviews.example/r/1");
    assert_string_equal(d.items[0].text, "Waited 45 minutes .\nNever again & no refund.");
    assert_string_equal(d.items[0].author, "Ann");
    assert_int_equal(d.items[0].published, 1794303000); /* 2026-11-10T09:30:00Z */
    /* content:encoded (the full text) wins over the description. */
    assert_null(d.items[1].id);
    assert_string_equal(d.items[1].text, "Great coffee, lovely staff.");
    assert_int_equal(d.items[1].published, 0);
    /* A '<' that opens no tag is text. */
    assert_null(d.items[2].title);
    assert_string_equal(d.items[2].text, "a < b, no title");
    es_arena_free(a);
}

static const char ATOM[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
    "  <title type=\"text\">News alerts: Acme</title>\n"
    "  <entry>\n"
    "    <title type=\"html\">Acme &lt;b&gt;recall&lt;/b&gt;</title>\n"
    "    <link rel=\"self\" href=\"https://news.example/self/9\"/>\n"
    "    <link href=\"https://news.example/a/9\"/>\n"
    "    <id>tag:news.example,2026:9</id>\n"
    "    <updated>2026-11-20T08:00:00Z</updated>\n"
    "    <published>2026-11-19T07:00:00+01:00</published>\n"
    "    <author><name>Desk</name></author>\n"
    "    <summary>Acme recalls kettles</summary>\n"
    "    <content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">"
    "<p>Acme recalls <em>kettles</em> after fires.</p></div></content>\n"
    "  </entry>\n"
    "  <entry><title>Second</title><id>urn:2</id><updated>2026-11-21T00:00:00Z</updated>"
    "<summary type=\"html\">&lt;p&gt;x&amp;amp;y&lt;/p&gt;</summary></entry>\n"
    "</feed>\n";

static void atom_entries_are_read(void **state)
{
    (void)state;
    es_arena_t *a = arena();
    es_feed_doc d;
    assert_int_equal(es_feed_parse(a, ATOM, strlen(ATOM), &d, NULL), ES_OK);
    assert_string_equal(d.kind, "atom");
    assert_string_equal(d.title, "News alerts: Acme");
    assert_int_equal(d.n, 2);
    assert_string_equal(d.items[0].id, "tag:news.example,2026:9");
    assert_string_equal(d.items[0].title, "Acme recall");
    assert_string_equal(d.items[0].link, "https://news.example/a/9");
    assert_string_equal(d.items[0].author, "Desk");
    assert_string_equal(d.items[0].text, "Acme recalls kettles after fires.");
    assert_int_equal(d.items[0].published, 1795068000); /* 2026-11-19T06:00:00Z */
    assert_string_equal(d.items[1].text, "x&y");
    assert_int_equal(d.items[1].published, 1795219200);
    es_arena_free(a);
}

static void rdf_items_are_read(void **state)
{
    (void)state;
    static const char rdf[] =
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"\n"
        " xmlns=\"http://purl.org/rss/1.0/\"><channel rdf:about=\"x\"><title>T</title>"
        "</channel>\n<item rdf:about=\"https://blog.example/1\"><title>One</title>"
        "<link>https://blog.example/1</link></item></rdf:RDF>";
    es_arena_t *a = arena();
    es_feed_doc d;
    assert_int_equal(es_feed_parse(a, rdf, strlen(rdf), &d, NULL), ES_OK);
    assert_string_equal(d.kind, "rdf");
    assert_int_equal(d.n, 1);
    assert_string_equal(d.items[0].id, "https://blog.example/1");
    es_arena_free(a);
}

static void bad_documents_say_why(void **state)
{
    (void)state;
    static const struct {
        const char *xml;
        es_err rc;
        const char *reason; /* a part of the reason */
    } cases[] = {
        {"<rss><channel><item><title>x</title></channel></rss>", ES_EPARSE, "line 1: "},
        {"<rss>\n<channel>\n<item>\n<title>x</item>", ES_EPARSE, "line 4: "},
        {"<html><body>hi</body></html>", ES_EPARSE, "root element <html>"},
        {"<rss version=\"2.0\"></rss>", ES_EPARSE, "without a <channel>"},
        {"", ES_EPARSE, "empty"},
        {"not xml at all", ES_EPARSE, "line 1: "},
        {"<rss><channel><title>&nbsp;</title></channel></rss>", ES_EPARSE, "nbsp"},
        /* Entities: the billion laughs, an external entity, a parameter
         * entity: each refused before anything expands or is read. */
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY a \"ha\">\n"
         "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
         "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n"
         "<rss><channel><title>&c;</title></channel></rss>",
         ES_EPARSE, "declares entities"},
        {"<!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
         "<rss><channel><title>&x;</title></channel></rss>",
         ES_EPARSE, "declares entities"},
        {"<!DOCTYPE rss [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/x.dtd\"> %p;]>"
         "<rss><channel/></rss>",
         ES_EPARSE, "declares entities"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        es_arena_t *a = arena();
        es_feed_doc d;
        const char *why = NULL;
        es_err rc = es_feed_parse(a, cases[i].xml, strlen(cases[i].xml), &d, &why);
        if (rc != cases[i].rc || !why || !strstr(why, cases[i].reason))
            fail_msg("case %zu: rc %d, reason %s", i, rc, why ? why : "(none)");
        assert_int_equal(d.n, 0);
        es_arena_free(a);
    }
}

static void size_and_item_limits(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    es_feed_doc d;
    const char *why = NULL;
    assert_int_equal(es_feed_parse(a, "<rss/>", ES_FEED_MAX_BYTES + 1, &d, &why), ES_ELIMIT);
    /* More items than kept: the first ES_FEED_MAX_ITEMS, the rest counted. */
    size_t n = ES_FEED_MAX_ITEMS + 5, cap = n * 40 + 64, len = 0;
    char *xml = malloc(cap);
    assert_non_null(xml);
    len += (size_t)snprintf(xml + len, cap - len, "<rss><channel>");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(xml + len, cap - len, "<item><guid>%zu</guid></item>", i);
    len += (size_t)snprintf(xml + len, cap - len, "</channel></rss>");
    assert_int_equal(es_feed_parse(a, xml, len, &d, &why), ES_OK);
    assert_int_equal(d.n, ES_FEED_MAX_ITEMS);
    assert_int_equal(d.skipped, 5);
    free(xml);
    es_arena_free(a);
}

static void items_become_mentions(void **state)
{
    (void)state;
    es_arena_t *a = arena();
    es_feed_item it = {"review-1", "Cold food", "https://r/1", "Waited.", "Ann", 1700000000};
    es_mention_t m;
    const char *why = NULL;
    assert_int_equal(es_feed_item_mention(a, &it, "review", "Nord", "store-1", &m, &why), ES_OK);
    assert_string_equal(m.source, "review");
    assert_string_equal(m.external_id, "review-1");
    assert_string_equal(m.text, "Cold food\nWaited.");
    assert_string_equal(m.url, "https://r/1");
    assert_string_equal(m.author, "Ann");
    assert_string_equal(m.brand_hint, "Nord");
    assert_string_equal(m.location, "store-1");
    assert_int_equal(m.created_at, 1700000000);

    /* No id: the link; no link either: a hash of the words, stable. */
    es_feed_item noid = {NULL, "T", "https://r/2", "x", NULL, 0};
    assert_int_equal(es_feed_item_mention(a, &noid, "feed:n", NULL, NULL, &m, NULL), ES_OK);
    assert_string_equal(m.external_id, "https://r/2");
    es_feed_item bare = {NULL, "T", NULL, "x", NULL, 0};
    es_mention_t m2;
    assert_int_equal(es_feed_item_mention(a, &bare, "feed:n", NULL, NULL, &m, NULL), ES_OK);
    assert_int_equal(es_feed_item_mention(a, &bare, "feed:n", NULL, NULL, &m2, NULL), ES_OK);
    assert_true(strncmp(m.external_id, "h:", 2) == 0 && strlen(m.external_id) == 18);
    assert_string_equal(m.external_id, m2.external_id);
    es_feed_item other = {NULL, "T", NULL, "y", NULL, 0};
    assert_int_equal(es_feed_item_mention(a, &other, "feed:n", NULL, NULL, &m2, NULL), ES_OK);
    assert_string_not_equal(m.external_id, m2.external_id);

    /* The title repeated as the description counts once. */
    es_feed_item same = {"s", "Same words", NULL, "Same words", NULL, 0};
    assert_int_equal(es_feed_item_mention(a, &same, "x", NULL, NULL, &m, NULL), ES_OK);
    assert_string_equal(m.text, "Same words");

    es_feed_item empty = {"e", NULL, NULL, NULL, NULL, 0};
    assert_int_equal(es_feed_item_mention(a, &empty, "x", NULL, NULL, &m, &why), ES_REJECTED);
    assert_non_null(strstr(why, "neither"));

    /* A text over ES_MAX_TEXT is cut on a character boundary. */
    size_t big = ES_MAX_TEXT + 10;
    char *t = es_arena_alloc(a, big + 1);
    for (size_t i = 0; i < big; i += 2)
        memcpy(t + i, "\xc3\xa9", 2);
    t[big] = '\0';
    es_feed_item long_it = {"l", NULL, NULL, t, NULL, 0};
    assert_int_equal(es_feed_item_mention(a, &long_it, "x", NULL, NULL, &m, NULL), ES_OK);
    assert_int_equal(strlen(m.text), ES_MAX_TEXT);
    es_arena_free(a);
}

static void html_becomes_text(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"<p>a</p><p>b</p>", "a\nb"},
        {"x<br/>y", "x\ny"},
        {"<!-- c --><style>p{}</style>caf&eacute;&nbsp;&amp;  bar", "caf\xc3\xa9 & bar"},
        {"  spaced \t out  ", "spaced out"},
        {"<unterminated", ""},
        {"5 < 6 > 4", "5 < 6 > 4"},
        {"<script>never</script", ""},
    };
    es_arena_t *a = arena();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out = NULL;
        assert_int_equal(es_feed_html_text(a, cases[i].in, strlen(cases[i].in), &out), ES_OK);
        assert_string_equal(out, cases[i].out);
    }
    es_arena_free(a);
}

/* Every allocation of a parse may fail: the parser says so, never crashes
 * or leaks (the arena is the only allocator it uses itself). */
static void allocation_failures(void **state)
{
    (void)state;
    for (long n = 0; n < 60; n++) {
        es_arena_t *a = es_arena_new(1024, 0);
        es_feed_doc d;
        if (!a)
            continue;
        es_fail_alloc_after(n);
        es_err rc = es_feed_parse(a, RSS, strlen(RSS), &d, NULL);
        es_fail_alloc_after(-1);
        assert_true(rc == ES_OK || rc == ES_ENOMEM);
        es_arena_free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rss_items_are_read),   cmocka_unit_test(atom_entries_are_read),
        cmocka_unit_test(rdf_items_are_read),   cmocka_unit_test(bad_documents_say_why),
        cmocka_unit_test(size_and_item_limits), cmocka_unit_test(items_become_mentions),
        cmocka_unit_test(html_becomes_text),    cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
