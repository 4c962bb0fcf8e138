/*
 * demo_text.c - the world of `earshot demo` and how its people write: users
 * derived from a hash of their number, a mention's details (flight, city,
 * amounts, booking reference), and its text, composed from a template and an
 * urgency cue, then decorated and varied (openers, closers, hashtags, links,
 * emoji, typos, elongations, ALL CAPS, lower case). Called by demo_gen.c and
 * the format writers; the data is in demo_data.inc.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/demo.h"

#include "demo_data.inc"

/* ------------------------------------------------------------------------ */
/* People                                                                   */
/* ------------------------------------------------------------------------ */
/* The user number idx of the world seeded by seed: everything about them is
 * derived from a hash, so a user costs no memory and looks the same in every
 * file. Users from CAMPAIGN_BASE on are the campaign's fresh accounts. */
void demo_make_user(uint64_t seed, uint64_t idx, user *u)
{
    uint64_t h = mix64(seed * UINT64_C(0x9E3779B97F4A7C15) ^ (idx + 1) * UINT64_C(0xD1B54A32D192ED03));
    uint64_t h2 = mix64(h + 1), h3 = mix64(h + 2);
    const char *first = FIRST[h % NELEM(FIRST)], *last = LAST[(h >> 8) % NELEM(LAST)];
    int campaign = idx >= CAMPAIGN_BASE;
    u->idx = idx;
    u->h = h;
    snprintf(u->first, sizeof u->first, "%s", first);
    snprintf(u->name, sizeof u->name, "%s %s", first, last);
    switch (campaign ? 6 : (int)((h >> 16) % 6)) {
    case 0: snprintf(u->handle, sizeof u->handle, "%s%s", first, last); break;
    case 1: snprintf(u->handle, sizeof u->handle, "%s_%s", first, last); break;
    case 2: snprintf(u->handle, sizeof u->handle, "%s%u", first, (unsigned)(h2 % 9000 + 10)); break;
    case 3: snprintf(u->handle, sizeof u->handle, "%c%s%u", first[0], last, (unsigned)(h2 % 90 + 10)); break;
    case 4: snprintf(u->handle, sizeof u->handle, "%s%s", NICK[(h >> 24) % NELEM(NICK)], first); break;
    case 5: snprintf(u->handle, sizeof u->handle, "the_%s", last); break;
    default: snprintf(u->handle, sizeof u->handle, "%s%08u", first, (unsigned)(h2 % 100000000)); break;
    }
    u->handle[15] = '\0'; /* Twitter's limit */
    if (!campaign && (h >> 40) % 7 == 0)
        snprintf(u->name, sizeof u->name, "%s %c.", first, last[0]);
    double x = (double)(h3 >> 11) * 0x1.0p-53;
    /* Followers fall off roughly exponentially: most people have a few
     * dozen. Integer powers of two, not exp(), so every libm gives the same
     * bytes. */
    unsigned e = (unsigned)(x * x * 14.0);
    u->followers = campaign ? (uint32_t)(h3 % 12) : (1u << e) + (uint32_t)(h2 % (1u << e));
    if (!campaign && (h3 & 0xff) == 7)
        u->followers = (uint32_t)(50000 + h2 % 1500000); /* a rare influencer */
    u->following = (uint32_t)(h2 % 900 + (campaign ? 0 : 20));
    u->tweets = campaign ? (uint32_t)(h2 % 30 + 1) : (uint32_t)(h3 % 40000 + 50);
    u->listed = u->followers / 400;
    u->bio = campaign ? "" : BIO[(h >> 32) % NELEM(BIO)];
    u->home = HOME[(h >> 48) % NELEM(HOME)];
    u->created = campaign ? START_TIME - (int64_t)(h2 % (14 * 86400))
                          : INT64_C(1230768000) + (int64_t)(h2 % (16 * INT64_C(31536000)));
    u->id = ((uint64_t)(u->created * 1000 - TWEPOCH_MS) << 22) | (h & 0x3fffff);
    if (u->created * 1000 < TWEPOCH_MS + 1000)
        u->id = 10000000 + h % 250000000;
}

/* ------------------------------------------------------------------------ */
/* Slots                                                                    */
/* ------------------------------------------------------------------------ */
static void put_brand(gen *g, spec *s, tbuf *b, int which, int competitor)
{
    const brand *br = &demo_brands[which];
    s->named = s->named || !competitor;
    if (is_twitter(s->chan)) {
        uint32_t x = rbelow(&g->r, 100);
        if (x < (competitor ? 50u : 62u)) {
            tb_add(b, "@", 1);
            tb_adds(b, br->handle);
            return;
        }
        if (x >= 85 && !competitor) {
            tb_add(b, "#", 1);
            tb_adds(b, br->tag);
            return;
        }
    }
    tb_adds(b, br->short_name);
}

/* Fills one {X} slot. */
static void slot(gen *g, spec *s, tbuf *b, char c)
{
    char t[64];
    const place *pl = &demo_places[s->loc];
    t[0] = '\0';
    switch (c) {
    case 'B': put_brand(g, s, b, s->brand, 0); return;
    case 'X': put_brand(g, s, b, (s->brand + 1 + (int)rbelow(&g->r, 2)) % 3, 1); return;
    case 'N': s->named = 1; tb_adds(b, demo_brands[s->brand].short_name); return;
    case 'F': snprintf(t, sizeof t, "%s %d", demo_brands[s->brand].code, s->flight); break;
    case 'C': tb_adds(b, pl->city); return;
    case 'A': tb_adds(b, pl->code); return;
    case 'W': tb_adds(b, demo_places[s->dest].city); return;
    case 'H': snprintf(t, sizeof t, "%d", s->hours); break;
    case 'M': snprintf(t, sizeof t, "%d", s->minutes); break;
    case 'K': snprintf(t, sizeof t, "%d", s->count); break;
    case 'O': tb_adds(b, ORDINAL[s->ordinal]); return;
    case 'D': tb_adds(b, WHEN[s->when]); return;
    case 'S': tb_adds(b, STAFF[s->staff]); return;
    case 'I': tb_adds(b, ITEMS[s->item]); return;
    case 'Y': tb_adds(b, MEALS[s->meal]); return;
    case 'R': snprintf(t, sizeof t, "$%d", s->money); break;
    case 'T': tb_adds(b, s->ref); return;
    case 'G': snprintf(t, sizeof t, "%c%d", 'A' + s->gate % 5, s->gate / 5 + 1); break;
    case 'P': snprintf(t, sizeof t, "%d%c", s->seat / 6 + 3, 'A' + s->seat % 6); break;
    case 'U': {
        static const char al[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        memcpy(t, "https://t.co/", 13);
        for (int i = 0; i < 10; i++)
            t[13 + i] = al[rbelow(&g->r, sizeof al - 1)];
        t[23] = '\0';
        break;
    }
    default: t[0] = '{'; t[1] = c; t[2] = '}'; t[3] = '\0';
    }
    tb_adds(b, t);
}

/* Renders a template into b. On private channels a leading "{B} " is
 * dropped and the sentence capitalised. */
void demo_render(gen *g, spec *s, tbuf *b, const char *tpl)
{
    const char *p = tpl;
    size_t start = b->n;
    int drop = is_private(s) && strncmp(p, "{B} ", 4) == 0;
    if (drop)
        p += 4;
    while (*p) {
        const char *q = strchr(p, '{');
        if (!q) {
            tb_adds(b, p);
            break;
        }
        tb_add(b, p, (size_t)(q - p));
        if (q[1] && q[2] == '}') {
            slot(g, s, b, q[1]);
            p = q + 3;
        } else {
            tb_add(b, q, 1);
            p = q + 1;
        }
    }
    if (drop && b->s[start] >= 'a' && b->s[start] <= 'z')
        b->s[start] = (char)(b->s[start] - 'a' + 'A');
}

/* ------------------------------------------------------------------------ */
/* Composing a text                                                         */
/* ------------------------------------------------------------------------ */

static const char *pick_template(gen *g, spec *s)
{
    rng *r = &g->r;
    switch (s->kind) {
    case K_TARMAC: return PICK(r, TARMAC);
    case K_FOOD: return PICK(r, FOOD);
    case K_CAMPAIGN: return CAMPAIGN;
    case K_OUTAGE: return PICK(r, OUTAGE);
    default: break;
    }
    if (s->lang == 1)
        return PICK(r, FOREIGN_ES);
    if (s->lang == 2)
        return PICK(r, FOREIGN_FR);
    switch (s->intent) {
    case IN_COMPLAINT: return COMPLAINTS[s->topic][rbelow(r, (uint32_t)COMPLAINTS_N[s->topic])];
    case IN_QUESTION: return PICK(r, QUESTIONS);
    case IN_REQUEST: return PICK(r, REQUESTS);
    case IN_PRAISE: return PICK(r, PRAISE);
    case IN_SPAM: return PICK(r, SPAM);
    case IN_FREEBIE: return PICK(r, FREEBIE);
    case IN_MIXED: return PICK(r, REVIEW_MIXED);
    default: return PICK(r, CHATTER);
    }
}

static const char *pick_cue(gen *g, int cue)
{
    rng *r = &g->r;
    switch (cue) {
    case CUE_REPEAT: return PICK(r, CUE_REPEAT_T);
    case CUE_WAITING: return PICK(r, CUE_WAITING_T);
    case CUE_LEGAL: return PICK(r, CUE_LEGAL_T);
    case CUE_CHURN: return PICK(r, CUE_CHURN_T);
    default: return PICK(r, CUE_SAFETY_T);
    }
}

/* Appends " piece" when the tweet stays within 280 characters. */
static void add_fitting(tbuf *b, const char *piece, int twitter)
{
    size_t n = strlen(piece);
    if (!n || (twitter && cps(b->s, b->n) + cps(piece, n) > 278))
        return;
    int ends_word = b->n && is_word((unsigned char)b->s[b->n - 1]);
    if (ends_word && piece[0] == ' ' && piece[1] >= 'A' && piece[1] <= 'Z')
        tb_add(b, ".", 1); /* "... calling. Unacceptable." */
    if (piece[0] != ' ' && piece[0] != '!' && piece[0] != '?')
        tb_add(b, " ", 1);
    tb_add(b, piece, n);
}

/* Closers, hashtags, links and emoji, the way people end their posts. */
static void decorate(gen *g, spec *s, tbuf *b)
{
    rng *r = &g->r;
    int tw = is_twitter(s->chan);
    if (s->lang || s->kind == K_CAMPAIGN || s->intent == IN_SPAM)
        return;
    if (s->chan == CH_META || tw) {
        if (rchance(r, 0.35))
            add_fitting(b, s->pol < 0 ? PICK(r, CLOSE_NEG)
                           : s->pol > 0 ? PICK(r, CLOSE_POS) : PICK(r, CLOSE_NEU), tw);
        if (tw && s->intent == IN_COMPLAINT && rchance(r, 0.2))
            add_fitting(b, TAGS[s->topic][rbelow(r, 3)], tw);
    }
    if (tw && rchance(r, 0.07)) {
        tbuf u;
        tb_clear(&u);
        slot(g, s, &u, 'U');
        add_fitting(b, u.s, tw); /* a photo */
    }
}

/* Finds word tokens of at least min letters outside handles, hashtags and
 * links; returns how many start offsets were stored in at. */
static int word_starts(const tbuf *b, size_t min, size_t *at, int max)
{
    int n = 0;
    size_t i = 0;
    while (i < b->n && n < max) {
        while (i < b->n && b->s[i] == ' ')
            i++;
        size_t tok = i;
        while (i < b->n && b->s[i] != ' ')
            i++;
        if (tok == i || b->s[tok] == '@' || b->s[tok] == '#' || strncmp(b->s + tok, "http", 4) == 0)
            continue;
        size_t w = tok;
        while (w < i && is_alpha((unsigned char)b->s[w]))
            w++;
        if (w - tok >= min)
            at[n++] = tok;
    }
    return n;
}

/* One typo: two letters swapped, one dropped or one doubled. */
static void typo(gen *g, tbuf *b)
{
    size_t at[64];
    int n = word_starts(b, 5, at, 64);
    if (!n)
        return;
    size_t w = at[rbelow(&g->r, (uint32_t)n)], len = 0;
    while (is_alpha((unsigned char)b->s[w + len]))
        len++;
    size_t j = w + 1 + rbelow(&g->r, (uint32_t)(len - 2));
    switch (rbelow(&g->r, 3)) {
    case 0: {
        char c = b->s[j];
        b->s[j] = b->s[j + 1];
        b->s[j + 1] = c;
        break;
    }
    case 1:
        memmove(b->s + j, b->s + j + 1, b->n - j);
        b->n--;
        break;
    default:
        if (b->n + 1 < TEXT_CAP) {
            memmove(b->s + j + 1, b->s + j, b->n - j + 1);
            b->n++;
        }
    }
}

/* "so" -> "sooooo": repeats the last letter of a word people stretch. */
static void elongate(gen *g, tbuf *b)
{
    size_t at[64];
    int n = word_starts(b, 2, at, 64);
    for (int k = 0; k < n; k++) {
        size_t w = at[k], len = 0;
        while (is_alpha((unsigned char)b->s[w + len]))
            len++;
        for (size_t e = 0; e < NELEM(ELONGATE); e++) {
            if (strlen(ELONGATE[e]) != len || strncasecmp(b->s + w, ELONGATE[e], len) != 0)
                continue;
            size_t extra = 2 + rbelow(&g->r, 4), end = w + len;
            if (b->n + extra >= TEXT_CAP)
                return;
            memmove(b->s + end + extra, b->s + end, b->n - end + 1);
            memset(b->s + end, b->s[end - 1], extra);
            b->n += extra;
            return;
        }
    }
}

/* ALL CAPS (upper != 0) or all lower case, sparing links. */
static void recase(tbuf *b, int upper)
{
    int skip = 0;
    for (size_t i = 0; i < b->n; i++) {
        char c = b->s[i];
        if (i == 0 || b->s[i - 1] == ' ')
            skip = (c == 'h' && strncmp(b->s + i, "http", 4) == 0) ||
                   (upper && (c == '@' || c == '#'));
        if (skip)
            continue;
        if (upper && c >= 'a' && c <= 'z')
            b->s[i] = (char)(c - 32);
        else if (!upper && c >= 'A' && c <= 'Z')
            b->s[i] = (char)(c + 32);
    }
}

/* The way people really type: now and then a typo, an elongation, ALL
 * CAPS when angry or all lower case, and extra exclamation marks. Campaign
 * texts stay identical on purpose, apart from their tails. */
static void mutate(gen *g, spec *s, tbuf *b)
{
    rng *r = &g->r;
    if (s->lang || s->kind == K_CAMPAIGN)
        return;
    if (rchance(r, 0.14))
        typo(g, b);
    if (rchance(r, 0.12))
        elongate(g, b);
    if (s->pol < 0 && rchance(r, 0.07))
        recase(b, 1);
    else if (rchance(r, 0.08))
        recase(b, 0);
    if (s->pol < 0 && rchance(r, 0.08) && b->n > 0 && b->s[b->n - 1] != '?') {
        if (b->s[b->n - 1] == '.')
            b->s[--b->n] = '\0';
        tb_adds(b, rchance(r, 0.5) ? "!!!" : "!!");
    }
}

/* Cuts a tweet that is still over 280 characters at a space, with "…". */
static void fit_tweet(tbuf *b)
{
    if (cps(b->s, b->n) <= 280)
        return;
    size_t i = 0, k = 0, last_space = 0;
    for (; i < b->n && k < 278; i++) {
        k += ((unsigned char)b->s[i] & 0xC0) != 0x80;
        if (b->s[i] == ' ')
            last_space = i;
    }
    b->n = last_space ? last_space : 0;
    b->s[b->n] = '\0';
    tb_adds(b, "\xE2\x80\xA6");
}

/* The text of a mention, from its template, cue and decorations. */
void demo_compose(gen *g, spec *s)
{
    tbuf *b = &s->text;
    int tw = is_twitter(s->chan), social = tw || s->chan == CH_META;
    tb_clear(b);
    s->named = 0;
    if (social && s->pol < 0 && !s->lang && s->kind == K_NORMAL && rchance(&g->r, 0.12))
        tb_adds(b, PICK(&g->r, OPEN_NEG));
    size_t start = b->n;
    demo_render(g, s, b, pick_template(g, s));
    /* "Ugh. The ..." but "So the ...": lower-case after an opener without a full stop. */
    if (start && b->s[start - 2] != '.' && b->s[start - 2] != '?' && b->s[start] >= 'A' &&
        b->s[start] <= 'Z' && b->s[start + 1] >= 'a' && b->s[start + 1] <= 'z')
        b->s[start] = (char)(b->s[start] + 32);
    if (s->kind == K_CAMPAIGN)
        tb_adds(b, PICK(&g->r, CAMPAIGN_TAIL));
    if (s->cue >= 0) {
        if (b->n && b->s[b->n - 1] != '.' && b->s[b->n - 1] != '?' && b->s[b->n - 1] != '!')
            tb_add(b, ".", 1);
        tb_add(b, " ", 1);
        demo_render(g, s, b, pick_cue(g, s->cue));
    }
    decorate(g, s, b);
    if (tw && !s->named && !s->lang) {
        char pre[32];
        int n = snprintf(pre, sizeof pre, "@%s ", demo_brands[s->brand].handle);
        if (n > 0 && b->n + (size_t)n < TEXT_CAP) {
            memmove(b->s + n, b->s, b->n + 1);
            memcpy(b->s, pre, (size_t)n);
            b->n += (size_t)n;
        }
    }
    if (social || (s->chan == CH_CANON && s->sub == SUB_SMS))
        mutate(g, s, b);
    if (tw)
        fit_tweet(b);
}

/* ------------------------------------------------------------------------ */
/* A mention: who says what, where, when                                    */
/* ------------------------------------------------------------------------ */

/* An airport, the busier the likelier. */
static int place_weighted(rng *r)
{
    int w[NELEM(demo_places)];
    for (size_t i = 0; i < NELEM(demo_places); i++)
        w[i] = demo_places[i].weight;
    return rweighted(r, w, (int)NELEM(demo_places));
}

/* Picks the intent of an ordinary mention on a channel. */
static int pick_intent(rng *r, const spec *s)
{
    /* complaint question request praise chatter spam freebie mixed */
    static const int social[] = {36, 17, 9, 18, 9, 7, 4, 0};
    static const int review[] = {50, 0, 0, 38, 0, 0, 0, 12};
    static const int email[] = {55, 18, 20, 7, 0, 0, 0, 0};
    static const int sms[] = {45, 20, 20, 15, 0, 0, 0, 0};
    const int *w = s->chan == CH_REVIEW ? review
                   : s->chan == CH_EMAIL || s->sub == SUB_PHONE || s->sub == SUB_WEB ? email
                   : s->chan == CH_CANON ? sms : social;
    return rweighted(r, w, 8);
}

/* Sets the slots' values once, so that a text stays consistent. */
static void fill_details(rng *r, spec *s)
{
    static const char al[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    s->hours = rrange(r, 2, 7);
    s->minutes = 5 * rrange(r, 5, 38);
    s->count = rrange(r, 2, 6);
    s->ordinal = (int)rbelow(r, NELEM(ORDINAL));
    s->when = (int)rbelow(r, NELEM(WHEN));
    s->staff = (int)rbelow(r, NELEM(STAFF));
    s->item = (int)rbelow(r, NELEM(ITEMS));
    s->meal = (int)rbelow(r, NELEM(MEALS));
    s->money = 5 * rrange(r, 6, 180);
    s->gate = (int)rbelow(r, 200);
    s->seat = (int)rbelow(r, 180);
    s->flight = rrange(r, 100, 2999);
    for (int i = 0; i < 6; i++)
        s->ref[i] = al[rbelow(r, sizeof al - 1)];
    s->ref[6] = '\0';
    do
        s->dest = place_weighted(r);
    while (s->dest == s->loc);
}

/* A new mention of the given kind at time t; channel -1 lets it choose. */
void demo_new_spec(gen *g, spec *s, int kind, int64_t t, int chan)
{
    static const int chan_w[CH_COUNT] = {38, 14, 16, 10, 8, 14};
    rng *r = &g->r;
    memset(s, 0, offsetof(spec, text));
    s->kind = kind;
    s->t = t;
    s->cue = -1;
    s->loc = place_weighted(r);
    s->chan = chan >= 0 ? chan : rweighted(r, chan_w, CH_COUNT);
    if (s->chan == CH_META)
        s->sub = rweighted(r, (const int[]){55, 35, 10}, 3) + SUB_FB;
    else if (s->chan == CH_CANON)
        s->sub = rweighted(r, (const int[]){50, 25, 25}, 3) + SUB_SMS;
    int ours_only = s->chan == CH_META || s->chan == CH_EMAIL || s->chan == CH_CANON;
    s->brand = ours_only ? 0 : rweighted(r, (const int[]){demo_brands[0].weight, demo_brands[1].weight,
                                                          demo_brands[2].weight}, 3);
    fill_details(r, s);
    s->intent = pick_intent(r, s);
    s->topic = rweighted(r, TOPIC_WEIGHT, T_COUNT);
    s->pol = s->intent == IN_COMPLAINT ? -1 : s->intent == IN_PRAISE ? 1 : 0;
    if (is_twitter(s->chan) && s->intent != IN_SPAM && rchance(r, 0.03))
        s->lang = rchance(r, 0.7) ? 1 : 2;
    if (s->intent == IN_COMPLAINT && !s->lang && rchance(r, 0.4))
        s->cue = rweighted(r, CUE_WEIGHT, CUE_COUNT);
    /* Persistent customers come back, and say so. */
    s->user = s->cue == CUE_REPEAT ? rbelow(r, PERSISTENT) : PERSISTENT + rbelow(r, (uint32_t)g->pool);
}

/* Shapes a mention into one of the planted incidents. */
void demo_plant(gen *g, spec *s, int kind)
{
    rng *r = &g->r;
    s->intent = IN_COMPLAINT;
    s->pol = -1;
    s->lang = 0;
    s->cue = -1;
    if (kind == K_TARMAC) {
        s->brand = 0;
        s->loc = 0;   /* DEN */
        s->dest = 7;  /* SEA */
        s->flight = 1427;
        s->hours = rrange(r, 3, 5);
        if (rchance(r, 0.2))
            s->cue = rchance(r, 0.5) ? CUE_LEGAL : CUE_CHURN;
    } else if (kind == K_FOOD) {
        s->brand = 0;
        s->loc = 2;   /* JFK */
        s->flight = 903;
        s->meal = 0;  /* chicken wrap */
        s->cue = rchance(r, 0.3) ? CUE_LEGAL : -1;
    } else if (kind == K_CAMPAIGN) {
        s->brand = 0;
        s->user = CAMPAIGN_BASE + g->by_kind[K_CAMPAIGN];
    } else if (kind == K_OUTAGE) {
        s->brand = 1;
        s->topic = T_PRODUCT;
    }
}
