/*
 * config.h - the configuration of `earshot serve` (docs/config.md): an INI
 * file (--config FILE, read with libinih), then the environment
 * (EARSHOT_LISTEN, EARSHOT_META_APP_SECRET, ...), then the command line's
 * flags, each overriding the one before. serve.c fills a cli_config this
 * way and copies its fields into es_server_opts and the other parts'
 * options.
 *
 * Every key has one name in the file ("server.listen" is `listen` in
 * section [server]), one environment variable and one kind. Secrets (the
 * Meta app secret and verify token, the Twilio auth token, the SMTP
 * password) are never printed: an error about one names the key, never
 * the value, and cli_config_print shows them as "(set)". Used from the main
 * thread only.
 */
#ifndef ES_CLI_CONFIG_H
#define ES_CLI_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef struct cli_config {
    /* [server] */
    char *listen;     /* HOST:PORT, default "127.0.0.1:8080" */
    char *db;         /* the store; NULL: the --db global option */
    char *mode;       /* sentiment mode, "care" or "vader" */
    size_t max_body;  /* bytes; 0: the server's default */
    size_t queue;     /* requests; 0: the server's default */
    int no_auth;      /* 1: accept requests without credentials */
    char *public_url; /* "https://earshot.example.com" */
    /* [meta] */
    char *meta_app_secret;   /* secret */
    char *meta_verify_token; /* secret */
    /* [twilio] */
    char *twilio_auth_token; /* secret */
    char *twilio_url;
    char *twilio_reply;
    char *twilio_locations; /* "+15551230001=store-1,..." */
    /* [alerts] */
    char *alert_allow; /* private targets allowed: "127.0.0.1,10.0.0.0/8" */
    char *smtp_url;    /* "smtp://mail.example.com:587" */
    char *smtp_from;
    char *smtp_user;
    char *smtp_password; /* secret */
    char *sms_url;       /* the SMS provider's HTTP endpoint */
    /* [surveys] */
    char *survey_keyword; /* "FEEDBACK" */
    long survey_expiry;   /* seconds; default 1800 */
    char *survey_secret;  /* secret: signs the QR form's tokens */
    /* [feeds] */
    long feed_poll; /* seconds between looks for due feeds; 0: off */

    /* Where the file was read, for messages. */
    char file[256];
    /* A warning about the file (a secret in a file others may read), or
     * "" when none; serve.c prints it. */
    char warning[256];
} cli_config;

/* Sets the defaults. Free with cli_config_free. */
void cli_config_init(cli_config *c);
void cli_config_free(cli_config *c);

/* Reads the INI file at path into c. Returns 0, or -1 with err set to
 * "FILE:LINE: what is wrong" (an unknown section or key, a malformed line,
 * an invalid value, a key given twice, a line over 1,000 bytes) or
 * "FILE: cannot open: reason". Nothing of a file with an error is kept
 * beyond what was read before it; the caller stops anyway. */
int cli_config_file(cli_config *c, const char *path, char *err, size_t errlen);

/* Applies every EARSHOT_* variable that is set (and not empty). Returns 0,
 * or -1 with err naming the variable whose value is invalid. */
int cli_config_env(cli_config *c, char *err, size_t errlen);

/* The whole start of serve's configuration: cli_config_init, then the
 * file when path is not NULL, then the environment. Returns 0, or -1 with
 * err (free c with cli_config_free either way). The flags come after,
 * through cli_config_set. */
int cli_config_load(cli_config *c, const char *path, char *err, size_t errlen);

/* Sets key ("server.listen", "meta.app_secret" ...) to value, checking it
 * as the file and the environment do: for the command line's flags.
 * Returns 0, or -1 with err. */
int cli_config_set(cli_config *c, const char *key, const char *value, char *err, size_t errlen);

/* Prints the effective configuration as an INI file, secrets as "(set)",
 * unset keys commented out. */
void cli_config_print(const cli_config *c, FILE *fp);

/* Splits c->listen into host (at most size bytes) and port. Returns 0 or
 * -1 (cli_config_set has already checked it). */
int cli_config_listen(const cli_config *c, char *host, size_t size, unsigned *port);

#endif
