/*
 * test_config.c - the configuration of `earshot serve` (src/cli/config.c):
 * the example file of docs/ reads cleanly; every kind of bad line is
 * refused with the file, the line and the reason; secrets never appear in
 * a message or in the printed configuration; the environment overrides
 * the file and the flags override both.
 *
 * src/cli is the command, not a library: its file is compiled in here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/config.c"

static char path[64];

static const char *write_file(const char *text, mode_t mode)
{
    snprintf(path, sizeof path, "/tmp/es-test-config-%d.ini", (int)getpid());
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    chmod(path, mode);
    return path;
}

static void clear_env(void)
{
    for (size_t i = 0; i < N_KEYS; i++)
        unsetenv(keys[i].env);
}

static void example_file_reads(void **state)
{
    (void)state;
    cli_config c;
    char err[512] = "";
    cli_config_init(&c);
    int rc = cli_config_file(&c, ES_TEST_DATA "/../../docs/earshot.example.ini", err, sizeof err);
    if (rc)
        fail_msg("%s", err);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_string_equal(c.public_url, "https://earshot.example.com");
    assert_non_null(c.meta_app_secret);
    assert_non_null(c.twilio_auth_token);
    assert_int_equal(c.feed_poll, 30);
    char host[64];
    unsigned port = 0;
    assert_int_equal(cli_config_listen(&c, host, sizeof host, &port), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8080);
    cli_config_free(&c);
}

static void values_of_each_kind(void **state)
{
    (void)state;
    cli_config c;
    char err[512] = "";
    cli_config_init(&c);
    const char *p = write_file("; a comment\n# another\n\n[server]\nlisten = 0.0.0.0:9000\n"
                               "max_body = 2048\nno_auth = yes\nmode = vader\n"
                               "[feeds]\npoll = 2m\n[twilio]\nreply = Thanks! We read every "
                               "message.\nlocations = +15551230001=store-1,+15551230002=store-2\n",
                               0600);
    assert_int_equal(cli_config_file(&c, p, err, sizeof err), 0);
    assert_string_equal(c.listen, "0.0.0.0:9000");
    assert_int_equal(c.max_body, 2048);
    assert_int_equal(c.no_auth, 1);
    assert_string_equal(c.mode, "vader");
    assert_int_equal(c.feed_poll, 120);
    assert_string_equal(c.twilio_reply, "Thanks! We read every message.");
    assert_string_equal(c.warning, "");
    cli_config_free(&c);
    unlink(p);
}

/* The surveys' keys: defaults, the file, a bad duration refused. */
static void survey_keys(void **state)
{
    (void)state;
    cli_config c;
    char err[512] = "";
    cli_config_init(&c);
    assert_int_equal(c.survey_expiry, 1800);
    assert_null(c.survey_keyword);
    const char *p = write_file("[surveys]\nkeyword = Avis\nexpiry = 15m\nsecret = k3y-k3y\n", 0600);
    assert_int_equal(cli_config_file(&c, p, err, sizeof err), 0);
    assert_string_equal(c.survey_keyword, "Avis");
    assert_int_equal(c.survey_expiry, 900);
    assert_string_equal(c.survey_secret, "k3y-k3y");
    assert_int_equal(cli_config_set(&c, "surveys.expiry", "2d", err, sizeof err), -1);
    assert_non_null(strstr(err, "surveys.expiry"));
    cli_config_free(&c);
    unlink(p);
}

static void bad_lines_say_where(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"[server]\nlisten = 127.0.0.1:80\nlisen = x\n", ":3: unknown key 'lisen' in [server]"},
        {"[serveur]\nlisten = x\n", ":2: unknown section [serveur]"},
        {"listen = 127.0.0.1:1\n", ":1: unknown section []"},
        {"[server]\n\njust some words\n", ":3: expected 'name = value'"},
        {"[server\nlisten = 1\n", ":1: expected 'name = value'"},
        {"[server]\nlisten = localhost\n", ":2: invalid server.listen 'localhost': not HOST:PORT"},
        {"[server]\nmax_body = -5\n", ":2: invalid server.max_body '-5'"},
        {"[server]\nmax_body = 999999999999\n", ":2: invalid server.max_body"},
        {"[server]\nno_auth = maybe\n", ":2: invalid server.no_auth 'maybe': not true or false"},
        {"[server]\nmode = angry\n", "not care or vader"},
        {"[server]\npublic_url = ftp://x\n", "not an http:// or https:// URL"},
        {"[alerts]\nsmtp_url = http://mail\n", "not an smtp:// or smtps:// URL"},
        {"[feeds]\npoll = 3 weeks\n", ":2: invalid feeds.poll '3 weeks'"},
        {"[server]\nqueue = 10\nqueue = 20\n", ":3: server.queue is given twice"},
        {"[meta]\napp_secret =\n", ":2: invalid meta.app_secret: an empty value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cli_config c;
        char err[512] = "";
        cli_config_init(&c);
        const char *p = write_file(cases[i].text, 0600);
        if (cli_config_file(&c, p, err, sizeof err) != -1 || strncmp(err, p, strlen(p)) != 0 ||
            !strstr(err, cases[i].want))
            fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
        cli_config_free(&c);
    }
    /* A line longer than the limit is refused, not cut. */
    char big[1200 + 40];
    memset(big, 'a', sizeof big);
    memcpy(big, "[server]\ndb = ", 14);
    memcpy(big + sizeof big - 2, "\n", 2);
    cli_config c;
    char err[512] = "";
    cli_config_init(&c);
    assert_int_equal(cli_config_file(&c, write_file(big, 0600), err, sizeof err), -1);
    assert_non_null(strstr(err, ":2: the line is too long"));
    cli_config_free(&c);
    cli_config_init(&c);
    unlink(path);
    assert_int_equal(cli_config_file(&c, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
    cli_config_free(&c);
}

static void secrets_are_never_shown(void **state)
{
    (void)state;
    cli_config c;
    char err[512] = "";
    cli_config_init(&c);
    /* An invalid secret: the message names the key, not the value. */
    const char *p = write_file("[twilio]\nauth_token = s3cr3t\x01tail\n", 0600);
    assert_int_equal(cli_config_file(&c, p, err, sizeof err), -1);
    assert_non_null(strstr(err, "twilio.auth_token"));
    assert_null(strstr(err, "s3cr3t"));
    cli_config_free(&c);

    /* The printed configuration shows "(set)"; a readable file warns. */
    cli_config_init(&c);
    p = write_file("[meta]\napp_secret = hunter2-app\nverify_token = hunter2-verify\n"
                   "[alerts]\nsmtp_password = hunter2-smtp\nsmtp_user = ops\n",
                   0644);
    assert_int_equal(cli_config_file(&c, p, err, sizeof err), 0);
    assert_non_null(strstr(c.warning, "chmod 600"));
    assert_null(strstr(c.warning, "hunter2"));
    char out[4096] = "";
    FILE *fp = fmemopen(out, sizeof out - 1, "w");
    assert_non_null(fp);
    cli_config_print(&c, fp);
    fclose(fp);
    assert_null(strstr(out, "hunter2"));
    assert_non_null(strstr(out, "app_secret = (set)"));
    assert_non_null(strstr(out, "smtp_user = ops"));
    assert_non_null(strstr(out, "[twilio]"));
    cli_config_free(&c);
    unlink(p);
}

static void env_overrides_file_and_flags_override_env(void **state)
{
    (void)state;
    cli_config c;
    char err[512] = "";
    clear_env();
    cli_config_init(&c);
    const char *p = write_file("[server]\nlisten = 127.0.0.1:1000\ndb = file.db\n"
                               "[meta]\napp_secret = from-file\n",
                               0600);
    assert_int_equal(cli_config_file(&c, p, err, sizeof err), 0);
    setenv("EARSHOT_LISTEN", "127.0.0.1:2000", 1);
    setenv("EARSHOT_META_APP_SECRET", "from-env", 1);
    setenv("EARSHOT_DB", "", 1); /* empty: not set */
    setenv("EARSHOT_FEED_POLL", "1h", 1);
    assert_int_equal(cli_config_env(&c, err, sizeof err), 0);
    assert_string_equal(c.listen, "127.0.0.1:2000");
    assert_string_equal(c.meta_app_secret, "from-env");
    assert_string_equal(c.db, "file.db");
    assert_int_equal(c.feed_poll, 3600);
    assert_int_equal(cli_config_set(&c, "server.listen", "127.0.0.1:3000", err, sizeof err), 0);
    assert_string_equal(c.listen, "127.0.0.1:3000");
    assert_int_equal(cli_config_set(&c, "server.nope", "x", err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown key 'server.nope'"));
    assert_int_equal(cli_config_set(&c, "nodot", "x", err, sizeof err), -1);

    /* An invalid variable is named; a secret's value is not shown. */
    setenv("EARSHOT_QUEUE", "lots", 1);
    assert_int_equal(cli_config_env(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "EARSHOT_QUEUE: invalid server.queue 'lots'"));
    unsetenv("EARSHOT_QUEUE");
    setenv("EARSHOT_TWILIO_AUTH_TOKEN", "zq9secret\tzq9", 1);
    assert_int_equal(cli_config_env(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "EARSHOT_TWILIO_AUTH_TOKEN"));
    assert_null(strstr(err, "zq9"));
    clear_env();
    cli_config_free(&c);
    unlink(p);
}

/* Out of memory while storing a value: an error, never a crash or leak. */
static void allocation_failure(void **state)
{
    (void)state;
    cli_config c;
    char err[512] = "";
    cli_config_init(&c);
    const char *p = write_file("[server]\ndb = a.db\npublic_url = https://x.example\n", 0600);
    es_fail_alloc_after(1);
    int rc = cli_config_file(&c, p, err, sizeof err);
    es_fail_alloc_after(-1);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, ":3: invalid server.public_url"));
    assert_non_null(strstr(err, "out of memory"));
    cli_config_free(&c);
    unlink(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_file_reads),
        cmocka_unit_test(values_of_each_kind),
        cmocka_unit_test(survey_keys),
        cmocka_unit_test(bad_lines_say_where),
        cmocka_unit_test(secrets_are_never_shown),
        cmocka_unit_test(env_overrides_file_and_flags_override_env),
        cmocka_unit_test(allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
