/*
 * token.c - API tokens for machines: making a new one (32 random bytes from
 * getrandom(2), written base64url without padding) and hashing one with
 * SHA-256 (OpenSSL) for the store, which keeps only hashes. `earshot token
 * create` makes tokens; the server (server.c) hashes the Bearer token of
 * each ingest request and asks the store whether it is known.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>
#include <sys/random.h>

#include "earshot/server.h"

void es_server_token_hash(const char *token, size_t len, uint8_t hash[32])
{
    SHA256((const unsigned char *)token, len, hash);
}

es_err es_server_token_new(char token[ES_SERVER_TOKEN_LEN + 1], uint8_t hash[32])
{
    unsigned char raw[32];
    unsigned char b64[48];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ES_EIO;
        got += (size_t)n;
    }
    int n = EVP_EncodeBlock(b64, raw, (int)sizeof raw); /* 44 chars, one '=' */
    size_t k = 0;
    for (int i = 0; i < n && b64[i] != '='; i++)
        token[k++] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
    token[k] = '\0';
    memset(raw, 0, sizeof raw);
    if (k != ES_SERVER_TOKEN_LEN)
        return ES_EIO;
    es_server_token_hash(token, k, hash);
    return ES_OK;
}
