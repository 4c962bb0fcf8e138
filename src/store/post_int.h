/*
 * post_int.h - the store's "posts" part (internal): the brand's own social
 * posts and their metrics (issue 4, S2). posts.c checks the arguments and
 * dispatches through struct es__post_ops; the SQLite backend implements it
 * in sqlite_post.c and adds schema step 13 there. The public functions are
 * in include/earshot/social.h.
 */
#ifndef ES_STORE_POST_INT_H
#define ES_STORE_POST_INT_H

#include "earshot/social.h"
#include "store/store_int.h"

/* What a backend does for the posts part; posts.c has checked every post. */
struct es__post_ops {
    es_err (*put)(es_store_t *s, const es_post *ps, size_t n, int64_t actor_user,
                  int64_t actor_token, size_t *added, size_t *updated);
    es_err (*list)(es_store_t *s, const char *brand, int64_t since, int64_t until,
                   void (*cb)(const es_post *p, void *ud), void *ud);
};

/* The SQLite implementation (sqlite_post.c). */
extern const struct es__post_ops es__sqlite_post_ops;

/* Schema step 13 (sqlite_post.c): the posts table. */
extern const char es__sqlite_step_posts[];

#endif
