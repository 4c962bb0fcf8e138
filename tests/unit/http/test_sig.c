/*
 * test_sig.c - webhook signature checks (src/http/sig.c) against the
 * providers' published examples, and the refusal of every altered byte.
 *
 * The expected signatures are copied from the providers, never computed
 * here:
 * - X-Hub-Signature-256: the test values of GitHub's "Validating webhook
 *   deliveries" documentation (secret "It's a Secret to Everybody", payload
 *   "Hello, World!"). Meta signs with the very same scheme (HMAC-SHA256 of
 *   the raw body, "sha256=" + lowercase hex) and publishes no test vector.
 * - X-Twilio-Signature: the vectors of Twilio's request-validation test
 *   suite (twilio-python tests/unit/test_request_validator.py: auth token
 *   "12345", https://mycompany.com/myapp.php?foo=1&bar=2, a voice call's
 *   parameters; repeated parameters; default ports), and the example of
 *   Twilio's request-validation documentation (twilio-samples/api-snippets
 *   security/signature_validation, signature GvWf1cFY...).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "earshot/arena.h"
#include "earshot/webhook.h"

/* ---- Meta / X-Hub-Signature-256 ---------------------------------------- */

static const char META_SECRET[] = "It's a Secret to Everybody";
static const char META_BODY[] = "Hello, World!";
static const char META_SIG[] =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

static void meta_published_example_verifies(void **state)
{
    (void)state;
    const char *why = "unset";
    assert_int_equal(es_http_meta_verify(META_SECRET, META_BODY, strlen(META_BODY), META_SIG, &why),
                     ES_OK);
    assert_null(why);
    /* Upper-case hex names the same bytes. */
    char upper[sizeof META_SIG];
    memcpy(upper, META_SIG, sizeof META_SIG);
    for (size_t i = 7; upper[i]; i++)
        if (upper[i] >= 'a' && upper[i] <= 'f')
            upper[i] = (char)(upper[i] - 'a' + 'A');
    assert_int_equal(es_http_meta_verify(META_SECRET, META_BODY, strlen(META_BODY), upper, NULL),
                     ES_OK);
}

static void meta_any_altered_byte_is_rejected(void **state)
{
    (void)state;
    char body[sizeof META_BODY], secret[sizeof META_SECRET], sig[sizeof META_SIG];
    const char *why = NULL;
    size_t blen = strlen(META_BODY);
    for (size_t i = 0; i < blen; i++) {
        memcpy(body, META_BODY, sizeof body);
        body[i] ^= 0x01;
        assert_int_equal(es_http_meta_verify(META_SECRET, body, blen, META_SIG, &why), ES_REJECTED);
        assert_non_null(strstr(why, "does not match"));
    }
    /* A byte more or a byte less. */
    assert_int_equal(es_http_meta_verify(META_SECRET, META_BODY, blen - 1, META_SIG, NULL),
                     ES_REJECTED);
    assert_int_equal(es_http_meta_verify(META_SECRET, "Hello, World!\n", blen + 1, META_SIG, NULL),
                     ES_REJECTED);
    for (size_t i = 0; i < strlen(META_SECRET); i++) {
        memcpy(secret, META_SECRET, sizeof secret);
        secret[i] ^= 0x01;
        assert_int_equal(es_http_meta_verify(secret, META_BODY, blen, META_SIG, NULL), ES_REJECTED);
    }
    /* Every hex digit changed to another hex digit. */
    for (size_t i = 7; i < strlen(META_SIG); i++) {
        memcpy(sig, META_SIG, sizeof sig);
        sig[i] = sig[i] == '0' ? '1' : '0';
        assert_int_equal(es_http_meta_verify(META_SECRET, META_BODY, blen, sig, NULL), ES_REJECTED);
    }
}

static void meta_malformed_headers_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *header, *reason;
    } bad[] = {
        {NULL, "missing"},
        {"", "missing"},
        {"sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "sha256="},
        {"SHA256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "sha256="},
        {"757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "sha256="},
        {" sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "sha256="},
        {"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1", "64 hex"},
        {"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e177", "64 hex"},
        {"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17 ", "64 hex"},
        {"sha256=", "64 hex"},
        {"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043eg7", "not hex"},
        {"sha256=x57107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "not hex"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        assert_int_equal(
            es_http_meta_verify(META_SECRET, META_BODY, strlen(META_BODY), bad[i].header, &why),
            ES_EPARSE);
        assert_non_null(why);
        assert_non_null(strstr(why, bad[i].reason));
    }
    const char *why = NULL;
    assert_int_equal(es_http_meta_verify("", META_BODY, 13, META_SIG, &why), ES_EINVAL);
    assert_non_null(why);
    assert_int_equal(es_http_meta_verify(NULL, META_BODY, 13, META_SIG, NULL), ES_EINVAL);
}

static void meta_handshake(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    es_http_form q;
    const char *challenge = NULL, *why = NULL;
    const char *ok = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock";
    assert_int_equal(es_http_form_decode(a, ok, strlen(ok), NULL, &q, NULL), ES_OK);
    assert_int_equal(es_http_meta_handshake(&q, "meatyhamhock", &challenge, &why), ES_OK);
    assert_string_equal(challenge, "1158201444");
    assert_null(why);

    static const struct {
        const char *query;
        es_err rc;
    } bad[] = {
        {"hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhocK", ES_REJECTED},
        {"hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhoc", ES_REJECTED},
        {"hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhockx", ES_REJECTED},
        {"hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=", ES_REJECTED},
        {"hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock",
         ES_REJECTED},
        {"hub.challenge=1158201444&hub.verify_token=meatyhamhock", ES_EPARSE},
        {"hub.mode=subscribe&hub.challenge=1158201444", ES_EPARSE},
        {"hub.mode=subscribe&hub.verify_token=meatyhamhock", ES_EPARSE},
        {"hub.mode=subscribe&hub.challenge=&hub.verify_token=meatyhamhock", ES_EPARSE},
        {"hub.mode=subscribe&hub.challenge=%3Cscript%3E&hub.verify_token=meatyhamhock", ES_EPARSE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(es_http_form_decode(a, bad[i].query, strlen(bad[i].query), NULL, &q, NULL),
                         ES_OK);
        challenge = "stale";
        why = NULL;
        assert_int_equal(es_http_meta_handshake(&q, "meatyhamhock", &challenge, &why), bad[i].rc);
        assert_null(challenge);
        assert_non_null(why);
    }
    assert_int_equal(es_http_form_decode(a, ok, strlen(ok), NULL, &q, NULL), ES_OK);
    assert_int_equal(es_http_meta_handshake(&q, "", &challenge, &why), ES_EINVAL);
    assert_int_equal(es_http_meta_handshake(&q, NULL, &challenge, &why), ES_EINVAL);
    es_arena_free(a);
}

/* ---- Twilio / X-Twilio-Signature ---------------------------------------- */

static const char TW_TOKEN[] = "12345";
static const char TW_URL[] = "https://mycompany.com/myapp.php?foo=1&bar=2";
/* The parameters of the published example, in a different order from the
 * sorted one, '+' escaped as a real form body has it. */
static const char TW_BODY[] = "To=%2B18005551212&From=%2B14158675309&Digits=1234"
                              "&CallSid=CA1234567890ABCDE&Caller=%2B14158675309";
static const char TW_SIG[] = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

static void tw_form(es_arena_t *a, const char *body, es_http_form *f)
{
    assert_int_equal(es_http_form_decode(a, body, strlen(body), NULL, f, NULL), ES_OK);
}

static void twilio_published_examples_verify(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    es_http_form f;
    const char *why = "unset";
    tw_form(a, TW_BODY, &f);
    assert_int_equal(es_http_twilio_verify(TW_TOKEN, TW_URL, &f, TW_SIG, &why), ES_OK);
    assert_null(why);

    /* The example of Twilio's request-validation documentation (its
     * api-snippets repository): the same call from another number. */
    tw_form(a,
            "CallSid=CA1234567890ABCDE&Caller=%2B14158675310&Digits=1234"
            "&From=%2B14158675310&To=%2B18005551212",
            &f);
    assert_int_equal(
        es_http_twilio_verify(TW_TOKEN, TW_URL, &f, "GvWf1cFY/Q7PnoempGyD5oXAezc=", NULL), ES_OK);
    assert_int_equal(es_http_twilio_verify(TW_TOKEN, TW_URL, &f, TW_SIG, NULL), ES_REJECTED);

    /* Repeated parameters: sorted by name, then by value. */
    tw_form(a, "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234", &f);
    assert_int_equal(
        es_http_twilio_verify(TW_TOKEN, TW_URL, &f, "IK+Dwps556ElfBT0I3Rgjkr1wJU=", NULL), ES_OK);

    /* Ports: a URL with a port also matches a signature made without it,
     * and one without also matches the signature made with the default. */
    tw_form(a, TW_BODY, &f);
    assert_int_equal(es_http_twilio_verify(TW_TOKEN,
                                           "https://mycompany.com:1234/myapp.php?foo=1&bar=2", &f,
                                           TW_SIG, NULL),
                     ES_OK);
    assert_int_equal(es_http_twilio_verify(TW_TOKEN,
                                           "http://mycompany.com:1234/myapp.php?foo=1&bar=2", &f,
                                           "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", NULL),
                     ES_OK);
    assert_int_equal(
        es_http_twilio_verify(TW_TOKEN, TW_URL, &f, "kvajT1Ptam85bY51eRf/AJRuM3w=", NULL), ES_OK);
    assert_int_equal(es_http_twilio_verify(TW_TOKEN, "http://mycompany.com/myapp.php?foo=1&bar=2",
                                           &f, "0ZXoZLH/DfblKGATFgpif+LLRf4=", NULL),
                     ES_OK);
    /* The port signature does not stand for another scheme. */
    assert_int_equal(es_http_twilio_verify(TW_TOKEN, "http://mycompany.com/myapp.php?foo=1&bar=2",
                                           &f, "kvajT1Ptam85bY51eRf/AJRuM3w=", NULL),
                     ES_REJECTED);
    es_arena_free(a);
}

static void twilio_any_alteration_is_rejected(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    es_http_form f;
    char buf[128];
    const char *why = NULL;
    tw_form(a, TW_BODY, &f);

    /* Every byte of the URL. */
    for (size_t i = 0; i < strlen(TW_URL); i++) {
        memcpy(buf, TW_URL, sizeof TW_URL);
        buf[i] ^= 0x01;
        assert_int_equal(es_http_twilio_verify(TW_TOKEN, buf, &f, TW_SIG, &why), ES_REJECTED);
        assert_non_null(strstr(why, "does not match"));
    }
    /* Every byte of the token. */
    for (size_t i = 0; i < strlen(TW_TOKEN); i++) {
        memcpy(buf, TW_TOKEN, sizeof TW_TOKEN);
        buf[i] ^= 0x01;
        assert_int_equal(es_http_twilio_verify(buf, TW_URL, &f, TW_SIG, NULL), ES_REJECTED);
    }
    /* Every byte of every parameter name and value. */
    for (size_t k = 0; k < f.n; k++) {
        for (int part = 0; part < 2; part++) {
            char *s = (char *)(part ? f.fields[k].value : f.fields[k].name);
            for (size_t i = 0; s[i]; i++) {
                s[i] ^= 0x01;
                assert_int_equal(es_http_twilio_verify(TW_TOKEN, TW_URL, &f, TW_SIG, NULL),
                                 ES_REJECTED);
                s[i] ^= 0x01;
            }
        }
    }
    assert_int_equal(es_http_twilio_verify(TW_TOKEN, TW_URL, &f, TW_SIG, NULL), ES_OK);
    /* A parameter missing, or one more. */
    f.n--;
    assert_int_equal(es_http_twilio_verify(TW_TOKEN, TW_URL, &f, TW_SIG, NULL), ES_REJECTED);
    tw_form(a,
            "To=%2B18005551212&From=%2B14158675309&Digits=1234&CallSid=CA1234567890ABCDE"
            "&Caller=%2B14158675309&Extra=1",
            &f);
    assert_int_equal(es_http_twilio_verify(TW_TOKEN, TW_URL, &f, TW_SIG, NULL), ES_REJECTED);
    assert_int_equal(es_http_twilio_verify(TW_TOKEN, TW_URL, NULL, TW_SIG, NULL), ES_REJECTED);
    /* Unusual URLs are only ever rejected for this signature. */
    static const char *urls[] = {"https://[::1]:8443/myapp.php",
                                 "https://[::1]/myapp.php",
                                 "https://[::1/myapp.php",
                                 "https://u:p@mycompany.com/myapp.php",
                                 "http://mycompany.com:",
                                 "ftp://mycompany.com/myapp.php",
                                 "https://",
                                 "mycompany.com/myapp.php?foo=1&bar=2"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
        assert_int_equal(es_http_twilio_verify(TW_TOKEN, urls[i], &f, TW_SIG, NULL), ES_REJECTED);
    /* Every base64 symbol of the signature changed. */
    for (size_t i = 0; i + 2 < strlen(TW_SIG); i++) {
        memcpy(buf, TW_SIG, sizeof TW_SIG);
        buf[i] = buf[i] == 'A' ? 'B' : 'A';
        assert_int_equal(es_http_twilio_verify(TW_TOKEN, TW_URL, &f, buf, NULL), ES_REJECTED);
    }
    es_arena_free(a);
}

static void twilio_malformed_headers_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *header, *reason;
    } bad[] = {
        {NULL, "missing"},
        {"", "missing"},
        {"RSOYDt4T1cUTdK1PDd93/VVr8B8", "20-byte"},   /* no padding */
        {"RSOYDt4T1cUTdK1PDd93/VVr8B8==", "20-byte"}, /* too long */
        {"RSOYDt4T1cUTdK1PDd93/VVr8B=", "20-byte"},   /* too short */
        {" RSOYDt4T1cUTdK1PDd93/VVr8B8=", "20-byte"},
        {"RSOYDt4T1cUTdK1PDd93-VVr8B8=", "not base64"}, /* base64url symbol */
        {"RSOYDt4T1cUTdK1PDd93/VVr8B*=", "not base64"},
        {"RSOYDt4T1cUTdK1PDd93/VVr8B==", "not base64"},
        {"RSOYDt4T1cUTdK1PDd93/VVr8B9=", "canonical"}, /* non-zero spare bits */
        {"sha1=RSOYDt4T1cUTdK1PDd93/V=", "not base64"},
    };
    es_arena_t *a = es_arena_new(0, 0);
    es_http_form f;
    tw_form(a, TW_BODY, &f);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        assert_int_equal(es_http_twilio_verify(TW_TOKEN, TW_URL, &f, bad[i].header, &why),
                         ES_EPARSE);
        assert_non_null(why);
        assert_non_null(strstr(why, bad[i].reason));
    }
    const char *why = NULL;
    assert_int_equal(es_http_twilio_verify("", TW_URL, &f, TW_SIG, &why), ES_EINVAL);
    assert_non_null(why);
    assert_int_equal(es_http_twilio_verify(TW_TOKEN, "", &f, TW_SIG, NULL), ES_EINVAL);
    assert_int_equal(es_http_twilio_verify(TW_TOKEN, NULL, &f, TW_SIG, NULL), ES_EINVAL);
    es_arena_free(a);
}

static void twilio_allocation_failures(void **state)
{
    (void)state;
    es_arena_t *a = es_arena_new(0, 0);
    es_http_form f;
    const char *why = NULL;
    tw_form(a, TW_BODY, &f);
    es_fail_alloc_after(0);
    es_err rc = es_http_twilio_verify(TW_TOKEN, TW_URL, &f, TW_SIG, &why);
    es_fail_alloc_after(-1);
    assert_int_equal(rc, ES_ENOMEM);
    assert_non_null(strstr(why, "memory"));
    /* The port variant's buffer is the second allocation. */
    es_fail_alloc_after(1);
    rc = es_http_twilio_verify(TW_TOKEN, TW_URL, &f, "kvajT1Ptam85bY51eRf/AJRuM3w=", &why);
    es_fail_alloc_after(-1);
    assert_int_equal(rc, ES_ENOMEM);
    es_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(meta_published_example_verifies),
        cmocka_unit_test(meta_any_altered_byte_is_rejected),
        cmocka_unit_test(meta_malformed_headers_are_refused),
        cmocka_unit_test(meta_handshake),
        cmocka_unit_test(twilio_published_examples_verify),
        cmocka_unit_test(twilio_any_alteration_is_rejected),
        cmocka_unit_test(twilio_malformed_headers_are_refused),
        cmocka_unit_test(twilio_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
