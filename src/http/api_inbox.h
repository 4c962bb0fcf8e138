/*
 * api_inbox.h - what the inbox's two API files share (internal to
 * src/http/): api_cases.c (cases, customers; it defines these) and
 * api_teams.c (teams, routing rules). Request bodies are JSON objects read
 * with jansson; lists are written as {"items":[...],"next":...}.
 */
#ifndef ES_HTTP_API_INBOX_H
#define ES_HTTP_API_INBOX_H

#include <jansson.h>

#include "earshot/cases.h"
#include "http/http_int.h"

#define ES__API_PAGE_DEFAULT 50
#define ES__API_PAGE_MAX 500

/* A list being written into b. */
typedef struct es__api_page {
    es__buf *b;
    size_t written;
    es_err rc;
    size_t max; /* items to write (0: all); one more sets more */
    int more;
} es__api_page;

/* Answers a store error ("not found" for ES_ENOTFOUND: ids do not leak). */
void es__api_store_error(es__http_resp *rs, es_store_t *s, es_err rc);

/* Who acts, for the audit trail. */
es_case_actor es__api_actor_of(const es__http_req *rq);

/* The body as a JSON object (sent as application/json), or NULL with the
 * error answered (415, 400). Free with json_decref. */
json_t *es__api_body_object(es__http_req *rq, es__http_resp *rs);

/* 1 when every key of j is one of names (NULL-terminated); else 0 with
 * *bad the first other key. */
int es__api_only_keys(json_t *j, const char *const *names, const char **bad);

/* ,"name":id (or null for 0) and ,"name":"v" (or null), appended to b. */
es_err es__api_id_or_null(es__buf *b, const char *name, int64_t v) ES_WUR;
es_err es__api_str_field(es__buf *b, const char *name, const char *v) ES_WUR;

/* Closes the list of p with its next cursor (null when !more); answers
 * 500 when the answer could not be written. */
void es__api_page_end(es__http_resp *rs, es__api_page *p, int more, size_t next);

#endif
