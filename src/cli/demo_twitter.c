/*
 * demo_twitter.c - `earshot demo` writes Twitter/X mentions as the APIs
 * deliver them: v2 tweet objects with includes.users (one per line, or paged
 * with meta, and retweets with includes.tweets), and v1.1 statuses with their
 * user, entities, retweeted_status and, past 140 characters, extended_tweet.
 * Entities carry code-point offsets, as the APIs count. Called by
 * demo_gen.c; the hot path of the benchmark stream.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/demo.h"
#include "earshot/earshot.h"

/* ------------------------------------------------------------------------ */
/* Twitter entities and ids                                                 */
/* ------------------------------------------------------------------------ */

enum { E_MENTION, E_HASHTAG, E_URL };
typedef struct ent {
    int kind;
    size_t start, end; /* code points, as the APIs count */
    size_t off, len;   /* bytes */
} ent;

/* Finds @handles, #hashtags and links in a tweet's text. */
static int scan_entities(const char *t, size_t n, ent *e, int max)
{
    int k = 0;
    size_t cp = 0;
    for (size_t i = 0; i < n && k < max;) {
        unsigned char c = (unsigned char)t[i];
        int boundary = i == 0 || t[i - 1] == ' ' || t[i - 1] == '(' || t[i - 1] == '.';
        size_t j = i;
        int kind = -1;
        if (boundary && (c == '@' || c == '#') && i + 1 < n && is_word((unsigned char)t[i + 1])) {
            kind = c == '@' ? E_MENTION : E_HASHTAG;
            for (j = i + 1; j < n && is_word((unsigned char)t[j]); j++)
                ;
        } else if (boundary && c == 'h' && n - i > 8 && strncmp(t + i, "https://", 8) == 0) {
            kind = E_URL;
            for (j = i; j < n && t[j] != ' '; j++)
                ;
        }
        if (kind >= 0) {
            e[k++] = (ent){kind, cp, cp + (j - i), i, j - i}; /* all ASCII */
            cp += j - i;
            i = j;
            continue;
        }
        cp += (c & 0xC0) != 0x80;
        i++;
    }
    return k;
}

/* The account id of a handle: a brand's own, or one derived from the name. */
static uint64_t handle_id(const char *h, size_t n)
{
    for (size_t b = 0; b < NELEM(demo_brands); b++)
        if (strlen(demo_brands[b].handle) == n && strncasecmp(demo_brands[b].handle, h, n) == 0)
            return demo_brands[b].uid;
    uint64_t x = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < n; i++)
        x = (x ^ (unsigned char)(h[i] | 0x20)) * UINT64_C(1099511628211);
    return 100000000 + x % UINT64_C(1500000000000000000);
}

/* A snowflake id: milliseconds since Twitter's epoch, then a sequence. */
static uint64_t snowflake(gen *g, int64_t t, int *ms)
{
    *ms = (int)rbelow(&g->r, 1000);
    uint64_t when = (uint64_t)(t * 1000 + *ms - TWEPOCH_MS);
    return (when << 22) | (g->seq++ & 0x3fffff);
}

/* ------------------------------------------------------------------------ */
/* Twitter API v2                                                           */
/* ------------------------------------------------------------------------ */

/* A v2 user object, as includes.users carries it with user.fields
 * created_at, description, location, verified, protected,
 * profile_image_url and public_metrics. */
static void tw2_user(obuf *o, const user *u)
{
    OB_LIT(o, "{\"id\":");
    demo_ob_qu64(o, u->id);
    OB_LIT(o, ",\"name\":");
    demo_ob_jstr(o, u->name);
    OB_LIT(o, ",\"username\":");
    demo_ob_jstr(o, u->handle);
    OB_LIT(o, ",\"created_at\":\"");
    demo_ob_iso(o, u->created, (int)(u->h % 1000));
    OB_LIT(o, "\",\"description\":");
    demo_ob_jstr(o, u->bio);
    if (u->home[0]) {
        OB_LIT(o, ",\"location\":");
        demo_ob_jstr(o, u->home);
    }
    OB_LIT(o, ",\"verified\":false,\"protected\":false,\"profile_image_url\":"
              "\"https://pbs.twimg.com/profile_images/");
    demo_ob_u64(o, u->id / 7 + 1000);
    OB_LIT(o, "/avatar_normal.jpg\",\"public_metrics\":{\"followers_count\":");
    demo_ob_u64(o, u->followers);
    OB_LIT(o, ",\"following_count\":");
    demo_ob_u64(o, u->following);
    OB_LIT(o, ",\"tweet_count\":");
    demo_ob_u64(o, u->tweets);
    OB_LIT(o, ",\"listed_count\":");
    demo_ob_u64(o, u->listed);
    OB_LIT(o, "}}");
}

/* The v2 entities of a text: mentions (with the account id), hashtags and
 * links, with start/end in code points. Empty groups are left out, as the
 * API does. */
static void tw2_entities(obuf *o, const char *text, size_t n, const char *author, uint64_t id)
{
    ent e[24];
    int k = scan_entities(text, n, e, 24);
    static const char *const names[] = {"mentions", "hashtags", "urls"};
    int first_group = 1;
    OB_LIT(o, ",\"entities\":{");
    for (int kind = 0; kind < 3; kind++) {
        int first = 1;
        for (int i = 0; i < k; i++) {
            if (e[i].kind != kind)
                continue;
            if (first) {
                if (!first_group)
                    OB_LIT(o, ",");
                OB_LIT(o, "\"");
                demo_ob_puts(o, names[kind]);
                OB_LIT(o, "\":[");
                first_group = 0;
            } else
                OB_LIT(o, ",");
            first = 0;
            OB_LIT(o, "{\"start\":");
            demo_ob_u64(o, e[i].start);
            OB_LIT(o, ",\"end\":");
            demo_ob_u64(o, e[i].end);
            const char *v = text + e[i].off;
            if (kind == E_MENTION) {
                OB_LIT(o, ",\"username\":");
                demo_ob_json(o, v + 1, e[i].len - 1);
                OB_LIT(o, ",\"id\":");
                demo_ob_qu64(o, handle_id(v + 1, e[i].len - 1));
            } else if (kind == E_HASHTAG) {
                OB_LIT(o, ",\"tag\":");
                demo_ob_json(o, v + 1, e[i].len - 1);
            } else {
                OB_LIT(o, ",\"url\":");
                demo_ob_json(o, v, e[i].len);
                OB_LIT(o, ",\"expanded_url\":\"https://twitter.com/");
                demo_ob_puts(o, author);
                OB_LIT(o, "/status/");
                demo_ob_u64(o, id);
                OB_LIT(o, "/photo/1\",\"display_url\":\"pic.twitter.com/");
                demo_ob_put(o, v + 13, e[i].len > 13 ? e[i].len - 13 : 0);
                OB_LIT(o, "\"");
            }
            OB_LIT(o, "}");
        }
        if (!first)
            OB_LIT(o, "]");
    }
    OB_LIT(o, "}");
}

/* One v2 tweet object. rt, when not NULL, is the retweeted original. */
static void tw2_tweet(gen *g, obuf *o, const spec *s, const user *u, const orig *rt, int ms)
{
    const brand *br = &demo_brands[s->brand];
    OB_LIT(o, "{\"id\":");
    demo_ob_qu64(o, s->id);
    OB_LIT(o, ",\"text\":");
    demo_ob_json(o, s->text.s, s->text.n);
    OB_LIT(o, ",\"author_id\":");
    demo_ob_qu64(o, u->id);
    OB_LIT(o, ",\"created_at\":\"");
    demo_ob_iso(o, s->t, ms);
    OB_LIT(o, "\",\"conversation_id\":");
    demo_ob_qu64(o, s->id);
    OB_LIT(o, ",\"lang\":\"");
    demo_ob_puts(o, s->lang == 1 ? "es" : s->lang == 2 ? "fr" : "en");
    OB_LIT(o, "\",\"possibly_sensitive\":false,\"reply_settings\":\"everyone\","
              "\"edit_history_tweet_ids\":[");
    demo_ob_qu64(o, s->id);
    OB_LIT(o, "],\"public_metrics\":{\"retweet_count\":");
    uint32_t reach = u->followers / 50 + 1;
    demo_ob_u64(o, rt ? 0 : rbelow(&g->r, reach < 8 ? 3 : reach / 2));
    OB_LIT(o, ",\"reply_count\":");
    demo_ob_u64(o, rt ? 0 : rbelow(&g->r, 4));
    OB_LIT(o, ",\"like_count\":");
    demo_ob_u64(o, rt ? 0 : rbelow(&g->r, reach < 8 ? 12 : reach));
    OB_LIT(o, ",\"quote_count\":0,\"bookmark_count\":");
    demo_ob_u64(o, rbelow(&g->r, 3));
    OB_LIT(o, ",\"impression_count\":");
    demo_ob_u64(o, 20 + rbelow(&g->r, u->followers / 3 + 100));
    OB_LIT(o, "}");
    tw2_entities(o, s->text.s, s->text.n, u->handle, s->id);
    OB_LIT(o, ",\"context_annotations\":[{\"domain\":{\"id\":\"45\",\"name\":\"Brand Vertical\","
              "\"description\":\"The industry a brand belongs to\"},\"entity\":{\"id\":"
              "\"781974596165640193\",\"name\":\"Airlines\"}},{\"domain\":{\"id\":\"47\","
              "\"name\":\"Brand\",\"description\":\"A company or a product line\"},"
              "\"entity\":{\"id\":");
    demo_ob_qu64(o, br->uid / 1000);
    OB_LIT(o, ",\"name\":");
    demo_ob_jstr(o, br->name);
    OB_LIT(o, "}}]");
    if (rt) {
        OB_LIT(o, ",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":");
        demo_ob_qu64(o, rt->id);
        OB_LIT(o, "}]");
    }
    OB_LIT(o, "}");
}

/* Keeps an original tweet so that a later one can retweet it. */
static void remember(orig *ring, int *n, uint64_t *pos, const spec *s)
{
    orig *o = &ring[*pos % RING];
    (*pos)++;
    if (*n < RING)
        (*n)++;
    if (s->text.n >= sizeof o->text)
        return;
    o->id = s->id;
    o->user = s->user;
    o->t = s->t;
    o->brand = s->brand;
    o->len = s->text.n;
    memcpy(o->text, s->text.s, s->text.n + 1);
}

/* Turns s into a retweet of a remembered tweet: "RT @who: text". */
static const orig *make_retweet(gen *g, spec *s, const orig *ring, int n)
{
    if (!n)
        return NULL;
    const orig *o = &ring[rbelow(&g->r, (uint32_t)n)];
    if (!o->len || o->t > s->t)
        return NULL;
    user ou;
    demo_make_user(g->seed, o->user, &ou);
    tb_clear(&s->text);
    tb_adds(&s->text, "RT @");
    tb_adds(&s->text, ou.handle);
    tb_adds(&s->text, ": ");
    tb_add(&s->text, o->text, o->len);
    s->brand = o->brand;
    return o;
}

/* Writes the pending page: {"data":[...],"includes":{...},"meta":{...}}. */
void demo_tw2_flush_page(gen *g)
{
    obuf *o = &g->out[CH_TW2];
    if (!g->page_n)
        return;
    OB_LIT(o, "{\"data\":[");
    demo_ob_put(o, g->page.p, g->page.len);
    OB_LIT(o, "],\"includes\":{\"users\":[");
    demo_ob_put(o, g->page_users.p, g->page_users.len);
    OB_LIT(o, "]},\"meta\":{\"newest_id\":");
    demo_ob_qu64(o, g->page_last);
    OB_LIT(o, ",\"oldest_id\":");
    demo_ob_qu64(o, g->page_first);
    OB_LIT(o, ",\"result_count\":");
    demo_ob_u64(o, (uint64_t)g->page_n);
    OB_LIT(o, ",\"next_token\":\"b26v89c19zqg8o3f");
    demo_ob_u64(o, g->page_last % 100000);
    OB_LIT(o, "\"}}\n");
    g->records[CH_TW2]++;
    g->page.len = g->page_users.len = 0;
    g->page_n = g->page_left = 0;
    if (g->page.err || g->page_users.err)
        o->err = 1;
}

/* A mention on Twitter v2: one object per line, or part of a paged response,
 * or (in stream mode) always a line of its own. */
void demo_write_tw2(gen *g, obuf *o, spec *s)
{
    int ms;
    const orig *rt = NULL;
    s->id = snowflake(g, s->t, &ms);
    if (s->kind == K_NORMAL && s->intent != IN_SPAM && rchance(&g->r, 0.07))
        rt = make_retweet(g, s, g->ring2, g->ring2_n);
    else if (s->kind != K_CAMPAIGN && (s->pol < 0 ? rchance(&g->r, 0.5) : rchance(&g->r, 0.15)))
        remember(g->ring2, &g->ring2_n, &g->ring2_pos, s);
    user u;
    demo_make_user(g->seed, s->user, &u);
    if (g->stream || rt || (!g->page_left && rchance(&g->r, 0.75))) {
        OB_LIT(o, "{\"data\":");
        tw2_tweet(g, o, s, &u, rt, ms);
        OB_LIT(o, ",\"includes\":{\"users\":[");
        tw2_user(o, &u);
        if (rt) {
            user ou;
            demo_make_user(g->seed, rt->user, &ou);
            OB_LIT(o, ",");
            tw2_user(o, &ou);
            OB_LIT(o, "],\"tweets\":[{\"id\":");
            demo_ob_qu64(o, rt->id);
            OB_LIT(o, ",\"text\":");
            demo_ob_json(o, rt->text, rt->len);
            OB_LIT(o, ",\"author_id\":");
            demo_ob_qu64(o, ou.id);
            OB_LIT(o, ",\"created_at\":\"");
            demo_ob_iso(o, rt->t, 0);
            OB_LIT(o, "\"}");
        }
        OB_LIT(o, "]}}\n");
        g->records[CH_TW2]++;
        return;
    }
    if (!g->page_left)
        g->page_left = rrange(&g->r, 2, PAGE_MAX);
    if (g->page_n)
        OB_LIT(&g->page, ",");
    else
        g->page_first = s->id;
    g->page_last = s->id;
    tw2_tweet(g, &g->page, s, &u, NULL, ms);
    int seen = 0;
    for (int i = 0; i < g->page_n; i++)
        seen |= g->page_uids[i] == u.id;
    if (!seen) {
        if (g->page_users.len)
            OB_LIT(&g->page_users, ",");
        tw2_user(&g->page_users, &u);
    }
    g->page_uids[g->page_n++] = u.id;
    if (--g->page_left == 0)
        demo_tw2_flush_page(g);
}

/* ------------------------------------------------------------------------ */
/* Twitter API v1.1                                                         */
/* ------------------------------------------------------------------------ */

/* A v1.1 user object (the fields a streaming client typically reads). */
static void tw1_user(obuf *o, const user *u)
{
    char when[40];
    demo_fmt_time(when, sizeof when, u->created, 0, DT_V1);
    OB_LIT(o, "{\"id\":");
    demo_ob_u64(o, u->id);
    OB_LIT(o, ",\"id_str\":");
    demo_ob_qu64(o, u->id);
    OB_LIT(o, ",\"name\":");
    demo_ob_jstr(o, u->name);
    OB_LIT(o, ",\"screen_name\":");
    demo_ob_jstr(o, u->handle);
    OB_LIT(o, ",\"location\":");
    demo_ob_jstr(o, u->home);
    OB_LIT(o, ",\"description\":");
    demo_ob_jstr(o, u->bio);
    OB_LIT(o, ",\"protected\":false,\"verified\":false,\"followers_count\":");
    demo_ob_u64(o, u->followers);
    OB_LIT(o, ",\"friends_count\":");
    demo_ob_u64(o, u->following);
    OB_LIT(o, ",\"listed_count\":");
    demo_ob_u64(o, u->listed);
    OB_LIT(o, ",\"statuses_count\":");
    demo_ob_u64(o, u->tweets);
    OB_LIT(o, ",\"created_at\":");
    demo_ob_jstr(o, when);
    OB_LIT(o, ",\"default_profile_image\":false}");
}

/* v1.1 entities: every group present, empty or not, with indices in code
 * points. */
static void tw1_entities(obuf *o, const char *text, size_t n)
{
    ent e[24];
    int k = scan_entities(text, n, e, 24);
    static const char *const names[] = {"user_mentions", "hashtags", "urls"};
    OB_LIT(o, "{");
    for (int kind = 0; kind < 3; kind++) {
        int first = 1;
        OB_LIT(o, "\"");
        demo_ob_puts(o, names[kind]);
        OB_LIT(o, "\":[");
        for (int i = 0; i < k; i++) {
            if (e[i].kind != kind)
                continue;
            if (!first)
                OB_LIT(o, ",");
            first = 0;
            const char *v = text + e[i].off;
            OB_LIT(o, "{");
            if (kind == E_MENTION) {
                uint64_t id = handle_id(v + 1, e[i].len - 1);
                OB_LIT(o, "\"screen_name\":");
                demo_ob_json(o, v + 1, e[i].len - 1);
                OB_LIT(o, ",\"id\":");
                demo_ob_u64(o, id);
                OB_LIT(o, ",\"id_str\":");
                demo_ob_qu64(o, id);
            } else if (kind == E_HASHTAG) {
                OB_LIT(o, "\"text\":");
                demo_ob_json(o, v + 1, e[i].len - 1);
            } else {
                OB_LIT(o, "\"url\":");
                demo_ob_json(o, v, e[i].len);
                OB_LIT(o, ",\"expanded_url\":\"https://flyer-photos.example/p/");
                demo_ob_put(o, v + 13, e[i].len > 13 ? e[i].len - 13 : 0);
                OB_LIT(o, "\",\"display_url\":\"flyer-photos.example/p/\\u2026\"");
            }
            OB_LIT(o, ",\"indices\":[");
            demo_ob_u64(o, e[i].start);
            OB_LIT(o, ",");
            demo_ob_u64(o, e[i].end);
            OB_LIT(o, "]}");
        }
        OB_LIT(o, "]");
        if (kind < 2)
            OB_LIT(o, ",");
    }
    OB_LIT(o, ",\"symbols\":[]}");
}

/* The first `limit` code points of t, cut at a space, plus "…": what v1.1
 * puts in "text" when the full text is longer than 140 characters. */
static size_t v1_cut(const char *t, size_t n, size_t limit)
{
    size_t k = 0, last_space = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)t[i] & 0xC0) != 0x80 && ++k > limit)
            break;
        if (t[i] == ' ')
            last_space = i;
    }
    return last_space;
}

/* One v1.1 status. A text over 140 characters is cut in "text" (with a
 * link) and given whole in extended_tweet.full_text; a retweet carries its
 * original in retweeted_status and only "RT @who: ..." cut to 140. */
static void tw1_status(gen *g, obuf *o, uint64_t id, int64_t t, const char *text, size_t n,
                       const user *u, int lang, const orig *rt)
{
    char when[40];
    demo_fmt_time(when, sizeof when, t, 0, DT_V1);
    size_t len = cps(text, n);
    int truncated = len > 140 && !rt;
    OB_LIT(o, "{\"created_at\":");
    demo_ob_jstr(o, when);
    OB_LIT(o, ",\"id\":");
    demo_ob_u64(o, id);
    OB_LIT(o, ",\"id_str\":");
    demo_ob_qu64(o, id);
    OB_LIT(o, ",\"text\":");
    if (len > 140) {
        char cut[1400];
        size_t c = v1_cut(text, n, rt ? 139 : 114);
        memcpy(cut, text, c);
        memcpy(cut + c, rt ? "\xE2\x80\xA6" : "\xE2\x80\xA6 https://t.co/Xk2Lm9Qp4z", rt ? 3 : 27);
        demo_ob_json(o, cut, c + (rt ? 3 : 27));
    } else
        demo_ob_json(o, text, n);
    OB_LIT(o, ",\"source\":\"\\u003ca href=\\\"http://twitter.com/download/iphone\\\" "
              "rel=\\\"nofollow\\\"\\u003eTwitter for iPhone\\u003c/a\\u003e\",\"truncated\":");
    demo_ob_puts(o, truncated ? "true" : "false");
    OB_LIT(o, ",\"in_reply_to_status_id\":null,\"in_reply_to_user_id\":null,\"user\":");
    tw1_user(o, u);
    OB_LIT(o, ",\"geo\":null,\"coordinates\":null,\"place\":null,\"is_quote_status\":false");
    if (rt) {
        user ou;
        demo_make_user(g->seed, rt->user, &ou);
        OB_LIT(o, ",\"retweeted_status\":");
        tw1_status(g, o, rt->id, rt->t, rt->text, rt->len, &ou, 0, NULL);
    }
    if (truncated) {
        OB_LIT(o, ",\"extended_tweet\":{\"full_text\":");
        demo_ob_json(o, text, n);
        OB_LIT(o, ",\"display_text_range\":[0,");
        demo_ob_u64(o, len);
        OB_LIT(o, "],\"entities\":");
        tw1_entities(o, text, n);
        OB_LIT(o, "}");
    }
    OB_LIT(o, ",\"retweet_count\":");
    demo_ob_u64(o, rbelow(&g->r, u->followers / 80 + 2));
    OB_LIT(o, ",\"favorite_count\":");
    demo_ob_u64(o, rbelow(&g->r, u->followers / 30 + 3));
    OB_LIT(o, ",\"entities\":");
    tw1_entities(o, text, truncated ? 0 : n);
    OB_LIT(o, ",\"favorited\":false,\"retweeted\":false,\"filter_level\":\"low\",\"lang\":\"");
    demo_ob_puts(o, lang == 1 ? "es" : lang == 2 ? "fr" : "en");
    OB_LIT(o, "\",\"timestamp_ms\":\"");
    demo_ob_u64(o, (uint64_t)t * 1000 + id % 1000);
    OB_LIT(o, "\"}");
}

/* A mention on the v1.1 stream, sometimes a retweet of a recent original
 * (negative ones are remembered more often: anger travels further). */
void demo_write_tw1(gen *g, obuf *o, spec *s)
{
    int ms;
    const orig *rt = NULL;
    s->id = snowflake(g, s->t, &ms);
    if (s->kind == K_NORMAL && s->intent != IN_SPAM && rchance(&g->r, 0.09))
        rt = make_retweet(g, s, g->ring1, g->ring1_n);
    else if (s->kind != K_CAMPAIGN && (s->pol < 0 ? rchance(&g->r, 0.5) : rchance(&g->r, 0.15)))
        remember(g->ring1, &g->ring1_n, &g->ring1_pos, s);
    user u;
    demo_make_user(g->seed, s->user, &u);
    tw1_status(g, o, s->id, s->t, s->text.s, s->text.n, &u, s->lang, rt);
    OB_LIT(o, "\n");
    g->records[CH_TW1]++;
}
