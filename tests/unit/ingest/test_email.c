/*
 * test_email.c - RFC 5322 messages and mbox files through GMime: encoded
 * headers, quoted-printable and base64 bodies in ISO-8859-1, UTF-8 and
 * windows-1252, multipart/alternative, HTML-only bodies, a message without
 * Message-ID, mbox separators and escaped "From" lines, rejections and
 * allocation failures; a second thread decoding at the same time.
 */
#include <pthread.h>

#include "ingest_test.h"

static void test_eml(void **state)
{
    run *r = run_file("message.eml", ES_FORMAT_AUTO, NULL);
    assert_int_equal(r->n, 1);
    const es_mention_t *m = &r->m[0];
    assert_string_equal(m->source, "email");
    assert_string_equal(m->external_id, "20240514071240.GA4411@example.fr");
    assert_string_equal(m->author, "j.moreau@example.fr");
    assert_string_equal(m->author_name, "J\xc3\xa9r\xc3\xb4me Moreau");
    assert_int_equal(m->created_at, 1715670760);
    assert_string_equal(m->reply_to, "care-8812@acme.example");
    assert_string_equal(m->conversation, "first-5521@example.fr");
    assert_string_equal(m->text,
                        "Re: Remboursement non re\xc3\xa7u\n\nBonjour,\n\nToujours pas de "
                        "remboursement apr\xc3\xa8s trois semaines. C'est la troisi\xc3\xa8me fois "
                        "que j'\xc3\xa9"
                        "cris.\n\nJ\xc3\xa9r\xc3\xb4me");
    run_free(r);
}

static void test_mbox(void **state)
{
    run *r = run_file("messages.mbox", ES_FORMAT_AUTO, NULL);
    assert_int_equal(r->n, 4);
    const es_mention_t *m = run_find(r, "a1@example.de");
    assert_string_equal(m->text,
                        "Koffer verloren \xe2\x80\x93 Flug LH 2040\n\nHallo, mein Koffer ist "
                        "seit Montag verschwunden. Flug LH 2040 \xe2\x86\x92 M\xc3\xbcnchen. "
                        "Bitte um R\xc3\xbc"
                        "ckruf! \xf0\x9f\x98\x9e");
    assert_int_equal(m->created_at, 1715587200);
    assert_int_equal(r->m_line[0], 1);

    m = run_find(r, "b2@example.es"); /* windows-1252 8bit; From lines in the body */
    assert_string_equal(m->author_name, "Luis G.");
    assert_int_equal(m->created_at, 1715583900);
    assert_string_equal(m->text,
                        "Pedido 7781\n\nEl pedido lleg\xc3\xb3 da\xc3\xb1"
                        "ado. \xe2\x80\x9c"
                        "Muy mal\xe2\x80\x9d servicio.\n>From the shop's answer I expected "
                        "more.\nFrom what I read online this is common.");
    assert_int_equal(r->m_line[1], 14);

    m = run_find(r, "c3@example.com"); /* HTML only */
    assert_string_equal(m->text, "Your receipt\n\nThanks for your order & welcome!\nTotal: "
                                 "12\xc2\xa0\xe2\x82\xac");

    /* No Message-ID: a hash of the message, the same on every read. */
    assert_non_null(strstr(r->m[3].external_id, "xxh64:"));
    assert_int_equal(strlen(r->m[3].external_id), 22);
    assert_null(r->m[3].author_name);
    run *again = run_file("messages.mbox", ES_FORMAT_MBOX, NULL);
    assert_string_equal(again->m[3].external_id, r->m[3].external_id);
    run_free(again);

    assert_int_equal(r->n_rej, 2);
    assert_string_equal(r->reason[0], "line 48: missing text");
    assert_string_equal(r->reason[1], "line 53: field 'created_at': unrecognised date "
                                      "\"sometime next week\"");
    run_free(r);
}

static void test_not_a_message(void **state)
{
    static const char in[] = "From x Mon May 13 08:00:00 2024\n\n\n";
    run *r = run_str(in, sizeof in - 1, ES_FORMAT_MBOX, NULL);
    assert_int_equal(r->n, 0);
    run_free(r);
    /* Blank lines before the first separator are not part of a message. */
    static const char lead[] = "\n\nFrom a@b Mon May 13 08:00:00 2024\nSubject: hi\n"
                               "Message-ID: <q@x>\n\nbody\n";
    r = run_str(lead, sizeof lead - 1, ES_FORMAT_MBOX, NULL);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->m[0].external_id, "q@x");
    assert_string_equal(r->m[0].text, "hi\n\nbody");
    assert_int_equal(r->m_line[0], 3);
    run_free(r);
    static const char nul[] = "Subject: a\n\nbody with a \0 byte\n";
    r = run_str(nul, sizeof nul - 1, ES_FORMAT_EMAIL, NULL);
    assert_int_equal(r->n_rej, 1);
    assert_string_equal(r->reason[0], "line 3: NUL byte at byte 12");
    run_free(r);
}

/* A message over ES_MAX_RECORD is rejected; the next one is read. */
static void test_message_limit(void **state)
{
    size_t big = ES_MAX_RECORD + 100;
    char *in = malloc(big + 400);
    assert_non_null(in);
    int k = snprintf(in, 200, "From a@x Mon May 13 08:00:00 2024\nSubject: big\n\n");
    for (size_t i = 0; i < big; i++)
        in[k + i] = i % 80 == 79 ? '\n' : 'q';
    snprintf(in + k + big, 200,
             "\n\nFrom b@x Mon May 13 08:00:00 2024\nMessage-ID: <small@x>\n"
             "Subject: small\n\nhello\n");
    run *r = run_str(in, strlen(in), ES_FORMAT_MBOX, NULL);
    assert_int_equal(r->n_rej, 1);
    assert_string_equal(r->reason[0], "line 1: record over 1048576 bytes");
    assert_int_equal(r->n, 1);
    assert_string_equal(r->m[0].text, "small\n\nhello");
    run_free(r);
    free(in);
}

static void *decode_thread(void *arg)
{
    run *r = run_file("messages.mbox", ES_FORMAT_MBOX, NULL);
    size_t n = r->n;
    run_free(r);
    return (void *)n;
}

/* Two threads parse with GMime at once (its initialisation is shared). */
static void test_threads(void **state)
{
    pthread_t t[2];
    void *n[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, decode_thread, NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(t[i], &n[i]), 0);
        assert_int_equal((size_t)n[i], 4);
    }
}

static void test_alloc_failures(void **state)
{
    alloc_failures(ES_FORMAT_EMAIL, "From: A <a@example.org>\nSubject: Hi\nMessage-ID: <m@x>\n"
                                    "In-Reply-To: <p@x>\nReferences: <r@x> <p@x>\n"
                                    "Content-Type: text/html\n\n<p>broken &amp; late</p>\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eml),           cmocka_unit_test(test_mbox),
        cmocka_unit_test(test_not_a_message), cmocka_unit_test(test_threads),
        cmocka_unit_test(test_message_limit), cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
