/*
 * demo_formats.c - `earshot demo` writes each mention in the native shape of
 * its channel: Meta webhook deliveries (page comments, Messenger, Instagram,
 * reactions with nothing to keep), review-site CSV rows, mbox email, and
 * earshot's canonical JSON for SMS, phone notes and web forms (Twitter is in
 * demo_twitter.c). Also the output buffers and the date shapes both use.
 * JSON is written by hand with careful escaping: the benchmark stream needs
 * hundreds of thousands of objects a second. Called by demo_gen.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/demo.h"
#include "earshot/earshot.h"

static const char *const MAIL_DOMAINS[] = {
    "inbox.example", "mailbox.example", "postbox.example", "example.net", "example.org",
};


/* ---- channel framing ------------------------------------------------------- */

static const char *const PHONE_PREFIX[] = {
    "Call note: ", "Voicemail: ", "Caller reports: ", "Call summary - customer says: ",
};

static const char *const SUBJ_COMPLAINT[T_COUNT][2] = {
    {"Flight {F} delay", "Missed connection in {C}"},
    {"Lost bag - reference {T}", "Damaged luggage on flight {F}"},
    {"Refund still not received", "Billing problem with booking {T}"},
    {"Complaint about your staff at {A}", "Formal complaint, booking {T}"},
    {"Complaint about flight {F}", "Very disappointed"},
    {"Cleanliness on flight {F}", "Terrible experience on {F}"},
};
static const char *const SUBJ_QUESTION[] = {
    "Question about booking {T}", "Quick question", "Baggage question", "Help with my trip to {W}",
};
static const char *const SUBJ_REQUEST[] = {
    "Request: booking {T}", "Help needed with booking {T}", "Assistance request", "Request",
};
static const char *const SUBJ_PRAISE[] = {"Thank you to your crew on {F}", "A big thank you",
                                          "Compliment for your staff in {C}"};

static const char *const GREETING[] = {"Hello,", "Hi,", "Dear {N} team,", "To whom it may concern,",
                                       "Hi there,", "Good morning,"};
static const char *const SIGNOFF[] = {"Regards,", "Thanks,", "Best,", "Sincerely,",
                                      "Thank you,", "Cheers,"};

static const char *const REVIEW_NEG_EXTRA[] = {
    "Would not recommend.", "Two stars because the pilot was nice.", "Avoid if you can.",
    "Customer service was useless when I complained.", "Never again.",
};
static const char *const REVIEW_POS_EXTRA[] = {
    "Will fly again.", "Five stars, no notes.", "Best airline experience in years.",
    "Worth every penny.", "Staff made all the difference.",
};
static const char *const REVIEW_TITLE_NEG[] = {"Avoid", "Worst trip ever", "Not again",
                                               "Disappointing", "Terrible service"};
static const char *const REVIEW_TITLE_POS[] = {"Great flight", "Lovely crew", "Pleasantly surprised",
                                               "Smooth and on time", "Above expectations"};
static const char *const REVIEW_SITES[] = {"skyreviews.example", "tripvoice.example",
                                           "flyerboard.example"};

static const char *const WEB_PAGES[] = {"/contact", "/help/baggage", "/help/refunds",
                                        "/feedback", "/manage-booking"};

/* ------------------------------------------------------------------------ */
/* Output buffers                                                           */
/* ------------------------------------------------------------------------ */


/* See demo.h. A file buffer holds cap bytes before it writes them out in
 * one fwrite: the stream mode writes hundreds of MB/s through it. */
int demo_ob_init(obuf *o, FILE *fp, size_t cap)
{
    memset(o, 0, sizeof *o);
    o->p = es_malloc(cap);
    o->cap = cap;
    o->fp = fp;
    return o->p ? 0 : -1;
}

/* See demo.h. */
void demo_ob_flush(obuf *o)
{
    if (o->fp && o->len && fwrite(o->p, 1, o->len, o->fp) != o->len)
        o->err = 1;
    if (o->fp)
        o->len = 0;
}

/* Frees the buffer's memory (it does not close the file). */
void demo_ob_cleanup(obuf *o)
{
    es_free(o->p);
    o->p = NULL;
}

/* See demo.h. A write larger than the whole buffer bypasses it. */
void demo_ob_put(obuf *o, const char *s, size_t n)
{
    if (n > o->cap - o->len) {
        if (!o->fp) {
            o->err = 1;
            return;
        }
        demo_ob_flush(o);
        if (n > o->cap) {
            if (fwrite(s, 1, n, o->fp) != n)
                o->err = 1;
            return;
        }
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

/* Appends a NUL-terminated string as it is (no escaping). */
void demo_ob_puts(obuf *o, const char *s)
{
    demo_ob_put(o, s, strlen(s));
}

/* Appends v in decimal, without printf: numbers are most of a tweet. */
void demo_ob_u64(obuf *o, uint64_t v)
{
    char t[24];
    int i = 24;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    demo_ob_put(o, t + i, (size_t)(24 - i));
}

/* A quoted u64: ids are strings in the v2 and Meta APIs. */
void demo_ob_qu64(obuf *o, uint64_t v)
{
    OB_LIT(o, "\"");
    demo_ob_u64(o, v);
    OB_LIT(o, "\"");
}

/* A JSON string. Our texts are valid UTF-8, so only quotes, backslashes and
 * control characters need escaping. */
void demo_ob_json(obuf *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    OB_LIT(o, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        demo_ob_put(o, s + run, i - run);
        run = i + 1;
        if (c == '"')
            OB_LIT(o, "\\\"");
        else if (c == '\\')
            OB_LIT(o, "\\\\");
        else if (c == '\n')
            OB_LIT(o, "\\n");
        else if (c == '\t')
            OB_LIT(o, "\\t");
        else {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            demo_ob_put(o, u, 6);
        }
    }
    demo_ob_put(o, s + run, n - run);
    OB_LIT(o, "\"");
}

/* demo_ob_json for a NUL-terminated string. */
void demo_ob_jstr(obuf *o, const char *s)
{
    demo_ob_json(o, s, strlen(s));
}

/* ------------------------------------------------------------------------ */
/* Dates                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct civil {
    int y, mon, d, h, mi, s, wday;
} civil;

static const char *const WDAY[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const MONTH[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Unix seconds to a proleptic Gregorian date (days-from-civil inverted). */
static void to_civil(int64_t t, civil *c)
{
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    c->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c->d = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->y = (int)(yoe + era * 400 + (c->mon <= 2));
    c->h = (int)(secs / 3600);
    c->mi = (int)(secs / 60 % 60);
    c->s = (int)(secs % 60);
}

/* Two decimal digits of v at p. */
static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

/* "2026-11-02T13:22:05.000Z" (24 bytes), fast: the stream mode's hot path. */
void demo_ob_iso(obuf *o, int64_t t, int ms)
{
    civil c;
    char b[24];
    to_civil(t, &c);
    put2(b, c.y / 100);
    put2(b + 2, c.y % 100);
    b[4] = '-';
    put2(b + 5, c.mon);
    b[7] = '-';
    put2(b + 8, c.d);
    b[10] = 'T';
    put2(b + 11, c.h);
    b[13] = ':';
    put2(b + 14, c.mi);
    b[16] = ':';
    put2(b + 17, c.s);
    b[19] = '.';
    b[20] = (char)('0' + ms / 100 % 10);
    put2(b + 21, ms % 100);
    b[23] = 'Z';
    demo_ob_put(o, b, 24);
}

/* Formats t shifted to a UTC offset of tz hours in one of the shapes the
 * formats use. */
void demo_fmt_time(char *b, size_t n, int64_t t, int tz, int shape)
{
    civil c;
    to_civil(t + tz * 3600, &c);
    int a = tz < 0 ? -tz : tz;
    char off[6] = {tz < 0 ? '-' : '+', (char)('0' + a / 10 % 10), (char)('0' + a % 10), '0', '0',
                   '\0'};
    switch (shape) {
    case DT_V1:
        snprintf(b, n, "%s %s %02d %02d:%02d:%02d %s %04d", WDAY[c.wday], MONTH[c.mon - 1], c.d,
                 c.h, c.mi, c.s, off, c.y);
        break;
    case DT_RFC5322:
        snprintf(b, n, "%s, %02d %s %04d %02d:%02d:%02d %s", WDAY[c.wday], c.d, MONTH[c.mon - 1],
                 c.y, c.h, c.mi, c.s, off);
        break;
    case DT_CSV:
        snprintf(b, n, "%04d-%02d-%02d %02d:%02d:%02d %s", c.y, c.mon, c.d, c.h, c.mi, c.s, off);
        break;
    case DT_MBOX:
        snprintf(b, n, "%s %s %2d %02d:%02d:%02d %04d", WDAY[c.wday], MONTH[c.mon - 1], c.d, c.h,
                 c.mi, c.s, c.y);
        break;
    default:
        snprintf(b, n, "%04d-%02d-%02dT%02d:%02d:%02d%s", c.y, c.mon, c.d, c.h, c.mi, c.s, off);
    }
}


/* See demo.h. */
void demo_day_string(int day, char *b, size_t n)
{
    civil c;
    to_civil(START_TIME + (int64_t)day * 86400, &c);
    snprintf(b, n, "%04d-%02d-%02d", c.y, c.mon, c.d);
}

/* ------------------------------------------------------------------------ */
/* Meta webhooks: page feed comments, Messenger, Instagram comments         */
/* ------------------------------------------------------------------------ */

#define PAGE_ID UINT64_C(104857600321987)
#define IG_ID UINT64_C(17841400008460056)

/* A Messenger message to the page: sender is a page-scoped id, no name. */
static void meta_messenger(gen *g, obuf *o, const spec *s, const user *u)
{
    uint64_t ms = (uint64_t)s->t * 1000 + rbelow(&g->r, 1000);
    demo_ob_u64(o, ms + 150);
    OB_LIT(o, ",\"messaging\":[{\"sender\":{\"id\":");
    demo_ob_qu64(o, 7000000000000000 + u->h % 999999999999);
    OB_LIT(o, "},\"recipient\":{\"id\":");
    demo_ob_qu64(o, PAGE_ID);
    OB_LIT(o, "},\"timestamp\":");
    demo_ob_u64(o, ms);
    OB_LIT(o, ",\"message\":{\"mid\":\"m_");
    for (int i = 0; i < 4; i++) {
        char h[20];
        snprintf(h, sizeof h, "%016" PRIx64, mix64(s->id + (uint64_t)i));
        demo_ob_puts(o, h);
    }
    OB_LIT(o, "\",\"text\":");
    demo_ob_json(o, s->text.s, s->text.n);
    OB_LIT(o, "}}]}]}\n");
}

/* A comment on one of our Instagram posts. */
static void meta_instagram(obuf *o, const spec *s, const user *u, uint64_t post)
{
    demo_ob_u64(o, (uint64_t)s->t);
    OB_LIT(o, ",\"changes\":[{\"field\":\"comments\",\"value\":{\"from\":{\"id\":");
    demo_ob_qu64(o, 17841400000000000 + u->h % 99999999999);
    OB_LIT(o, ",\"username\":");
    demo_ob_jstr(o, u->handle);
    OB_LIT(o, "},\"media\":{\"id\":");
    demo_ob_qu64(o, 17900000000000000 + post % 99999999);
    OB_LIT(o, ",\"media_product_type\":\"FEED\"},\"id\":");
    demo_ob_qu64(o, 17990000000000000 + s->id % 9999999999999);
    OB_LIT(o, ",\"text\":");
    demo_ob_json(o, s->text.s, s->text.n);
    OB_LIT(o, "}}]}]}\n");
}

/* A comment on one of our Facebook page's posts (a "feed" change). */
static void meta_comment(obuf *o, const spec *s, const user *u, uint64_t post, uint64_t fbid)
{
    char when[40];
    demo_fmt_time(when, sizeof when, s->t, 0, DT_FB);
    demo_ob_u64(o, (uint64_t)s->t + 2);
    OB_LIT(o, ",\"changes\":[{\"field\":\"feed\",\"value\":{\"from\":{\"id\":");
    demo_ob_qu64(o, fbid);
    OB_LIT(o, ",\"name\":");
    demo_ob_jstr(o, u->name);
    OB_LIT(o, "},\"post\":{\"status_type\":\"added_photos\",\"is_published\":true,"
              "\"updated_time\":\"");
    demo_ob_puts(o, when);
    OB_LIT(o, "\",\"permalink_url\":\"https://www.facebook.com/aerolark/posts/");
    demo_ob_u64(o, post);
    OB_LIT(o, "\",\"promotion_status\":\"inactive\",\"id\":\"");
    demo_ob_u64(o, PAGE_ID);
    OB_LIT(o, "_");
    demo_ob_u64(o, post);
    OB_LIT(o, "\"},\"message\":");
    demo_ob_json(o, s->text.s, s->text.n);
    OB_LIT(o, ",\"post_id\":\"");
    demo_ob_u64(o, PAGE_ID);
    OB_LIT(o, "_");
    demo_ob_u64(o, post);
    OB_LIT(o, "\",\"comment_id\":\"");
    demo_ob_u64(o, post);
    OB_LIT(o, "_");
    demo_ob_u64(o, s->id);
    OB_LIT(o, "\",\"created_time\":");
    demo_ob_u64(o, (uint64_t)s->t);
    OB_LIT(o, ",\"item\":\"comment\",\"parent_id\":\"");
    demo_ob_u64(o, PAGE_ID);
    OB_LIT(o, "_");
    demo_ob_u64(o, post);
    OB_LIT(o, "\",\"verb\":\"add\"}}]}]}\n");
}

/* Someone likes the post: a delivery with nothing to keep, which ingest
 * must accept and skip. */
static void meta_reaction(gen *g, obuf *o, const spec *s, uint64_t post, uint64_t fbid)
{
    OB_LIT(o, "{\"object\":\"page\",\"entry\":[{\"id\":");
    demo_ob_qu64(o, PAGE_ID);
    OB_LIT(o, ",\"time\":");
    demo_ob_u64(o, (uint64_t)s->t + 40);
    OB_LIT(o, ",\"changes\":[{\"field\":\"feed\",\"value\":{\"from\":{\"id\":");
    demo_ob_qu64(o, fbid + 31);
    user fan;
    demo_make_user(g->seed, PERSISTENT + rbelow(&g->r, (uint32_t)g->pool), &fan);
    OB_LIT(o, ",\"name\":");
    demo_ob_jstr(o, fan.name);
    OB_LIT(o, "},\"post_id\":\"");
    demo_ob_u64(o, PAGE_ID);
    OB_LIT(o, "_");
    demo_ob_u64(o, post);
    OB_LIT(o, "\",\"created_time\":");
    demo_ob_u64(o, (uint64_t)s->t + 38);
    OB_LIT(o, ",\"item\":\"reaction\",\"parent_id\":\"");
    demo_ob_u64(o, PAGE_ID);
    OB_LIT(o, "_");
    demo_ob_u64(o, post);
    OB_LIT(o, "\",\"reaction_type\":\"like\",\"verb\":\"add\"}}]}]}\n");
}

/* Writes a mention on our Meta channels as one webhook delivery: a page
 * comment, a Messenger message or an Instagram comment (by s->sub), and now
 * and then a reaction delivery after a comment. */
void demo_write_meta(gen *g, obuf *o, spec *s)
{
    user u;
    demo_make_user(g->seed, s->user, &u);
    /* Our page posts twice a day; comments attach to the latest post. */
    uint64_t post = 1000000000000000 + (uint64_t)(s->t - START_TIME) / 43200 * 7919;
    uint64_t fbid = 100000000000000 + u.h % 900000000000000;
    s->id = 1000000000000000 + g->seq++ * 1000 + u.h % 997;
    OB_LIT(o, "{\"object\":\"");
    demo_ob_puts(o, s->sub == SUB_IG ? "instagram" : "page");
    OB_LIT(o, "\",\"entry\":[{\"id\":");
    demo_ob_qu64(o, s->sub == SUB_IG ? IG_ID : PAGE_ID);
    OB_LIT(o, ",\"time\":");
    if (s->sub == SUB_MSGR)
        meta_messenger(g, o, s, &u);
    else if (s->sub == SUB_IG)
        meta_instagram(o, s, &u, post);
    else
        meta_comment(o, s, &u, post, fbid);
    g->records[CH_META]++;
    if (s->sub == SUB_FB && rchance(&g->r, 0.08)) {
        meta_reaction(g, o, s, post, fbid);
        g->records[CH_META]++;
    }
}

/* ------------------------------------------------------------------------ */
/* Review sites: CSV                                                        */
/* ------------------------------------------------------------------------ */

/* A CSV field, always quoted, quotes doubled (RFC 4180); line breaks stay
 * inside the quotes, as review exports have them. */
static void ob_csv(obuf *o, const char *s, size_t n)
{
    OB_LIT(o, "\"");
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            OB_LIT(o, "\"");
        demo_ob_put(o, s + i, 1);
    }
    OB_LIT(o, "\"");
}

/* A review-site row: the mention's text plus a closing sentence that fits
 * its polarity, a 1-5 rating that agrees with it, and a local time with
 * its UTC offset ("2026-11-02 06:22:05 -0700"). Any brand may be reviewed. */
void demo_write_review(gen *g, obuf *o, spec *s)
{
    rng *r = &g->r;
    user u;
    demo_make_user(g->seed, s->user, &u);
    tbuf body;
    tb_clear(&body);
    tb_add(&body, s->text.s, s->text.n);
    if (body.n && body.s[body.n - 1] != '.' && body.s[body.n - 1] != '!' && body.s[body.n - 1] != '?')
        tb_add(&body, ".", 1);
    if (s->pol != 0)
        tb_adds(&body, rchance(r, 0.25) ? "\n\n" : " ");
    if (s->pol < 0)
        tb_adds(&body, PICK(r, REVIEW_NEG_EXTRA));
    else if (s->pol > 0)
        tb_adds(&body, PICK(r, REVIEW_POS_EXTRA));
    int rating = s->pol < 0 ? rrange(r, 1, 2) : s->pol > 0 ? rrange(r, 4, 5) : 3;
    const char *title = s->pol < 0 ? PICK(r, REVIEW_TITLE_NEG)
                        : s->pol > 0 ? PICK(r, REVIEW_TITLE_POS) : "Okay";
    char when[40], line[256];
    demo_fmt_time(when, sizeof when, s->t, demo_places[s->loc].tz, DT_CSV);
    s->id = 40000000 + g->seq++ * 13 % 9000000;
    snprintf(line, sizeof line, "RV-%08" PRIu64 ",%s,%s,%s,%d,", s->id, PICK(r, REVIEW_SITES),
             demo_brands[s->brand].name, demo_places[s->loc].code, rating);
    demo_ob_puts(o, line);
    ob_csv(o, title, strlen(title));
    OB_LIT(o, ",");
    ob_csv(o, body.s, body.n);
    OB_LIT(o, ",");
    snprintf(line, sizeof line, "%s %c.", u.first, u.name[strlen(u.first) + 1]);
    ob_csv(o, line, strlen(line));
    snprintf(line, sizeof line, ",%s,%u\n", when, rbelow(r, 30));
    demo_ob_puts(o, line);
    g->records[CH_REVIEW]++;
}

/* ------------------------------------------------------------------------ */
/* Email: an mbox of messages to customer care                              */
/* ------------------------------------------------------------------------ */

/* A user's address at one of the example mail domains. */
static void email_address(const user *u, char *b, size_t n)
{
    char local[32];
    size_t k = 0;
    for (const char *p = u->handle; *p && k + 1 < sizeof local; p++)
        local[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    local[k] = '\0';
    snprintf(b, n, "%s@%s", local, MAIL_DOMAINS[u->h % NELEM(MAIL_DOMAINS)]);
}

/* Writes body lines, escaping any that an mbox reader would take for a new
 * message ("From " becomes ">From "). */
static void ob_mbox_body(obuf *o, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) : n;
        if (end - i >= 5 && strncmp(s + i, "From ", 5) == 0)
            OB_LIT(o, ">");
        demo_ob_put(o, s + i, end - i);
        OB_LIT(o, "\n");
        i = end + 1;
    }
}

/* One message of the mbox: a subject that fits the topic ("Re: ..." and
 * In-Reply-To for a repeated contact), a greeting, the text, the booking
 * reference and a sign-off; UTF-8 body, 8bit. */
void demo_write_email(gen *g, obuf *o, spec *s)
{
    rng *r = &g->r;
    user u;
    demo_make_user(g->seed, s->user, &u);
    char addr[96], line[512], date[64];
    tbuf subj, body;
    email_address(&u, addr, sizeof addr);
    tb_clear(&subj);
    tb_clear(&body);
    if (s->cue == CUE_REPEAT)
        tb_adds(&subj, "Re: ");
    demo_render(g, s, &subj, s->intent == IN_QUESTION ? PICK(r, SUBJ_QUESTION)
                        : s->intent == IN_REQUEST ? PICK(r, SUBJ_REQUEST)
                        : s->intent == IN_PRAISE  ? PICK(r, SUBJ_PRAISE)
                                                  : SUBJ_COMPLAINT[s->topic][rbelow(r, 2)]);
    demo_render(g, s, &body, PICK(r, GREETING));
    tb_adds(&body, "\n\n");
    tb_add(&body, s->text.s, s->text.n);
    if (body.s[body.n - 1] != '.' && body.s[body.n - 1] != '?' && body.s[body.n - 1] != '!')
        tb_add(&body, ".", 1);
    if (!strstr(body.s, s->ref)) {
        tb_adds(&body, "\n\nBooking reference: ");
        tb_adds(&body, s->ref);
    }
    tb_adds(&body, "\n\n");
    tb_adds(&body, PICK(r, SIGNOFF));
    tb_adds(&body, "\n");
    tb_adds(&body, u.name);
    s->id = mix64(g->seed ^ g->seq++);
    demo_fmt_time(date, sizeof date, s->t, 0, DT_MBOX);
    snprintf(line, sizeof line, "From %s %s\n", addr, date);
    demo_ob_puts(o, line);
    demo_fmt_time(date, sizeof date, s->t, demo_places[s->loc].tz, DT_RFC5322);
    int hl = snprintf(line, sizeof line,
                      "From: %s <%s>\nTo: Aerolark Customer Care <care@aerolark.example>\n"
                      "Subject: %s\nDate: %s\nMessage-ID: <%016" PRIx64 ".%" PRIu64 "@%s>\n",
                      u.name, addr, subj.s, date, s->id, g->seq,
                      MAIL_DOMAINS[u.h % NELEM(MAIL_DOMAINS)]);
    if (hl < 0 || (size_t)hl >= sizeof line)
        return; /* a header this long cannot come from the templates */
    demo_ob_puts(o, line);
    if (s->cue == CUE_REPEAT) {
        snprintf(line, sizeof line, "In-Reply-To: <case-%s@care.aerolark.example>\n", s->ref);
        demo_ob_puts(o, line);
    }
    OB_LIT(o, "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
              "Content-Transfer-Encoding: 8bit\n\n");
    ob_mbox_body(o, body.s, body.n);
    OB_LIT(o, "\n");
    g->records[CH_EMAIL]++;
}

/* ------------------------------------------------------------------------ */
/* SMS, phone and web form: earshot's canonical JSON Lines                  */
/* ------------------------------------------------------------------------ */

/* An SMS (Twilio-like id, phone number), a phone note (the agent's
 * summary) or a web form (email address, page URL) in earshot's canonical
 * schema, with the location code and brand_hint. */
void demo_write_canon(gen *g, obuf *o, spec *s)
{
    user u;
    demo_make_user(g->seed, s->user, &u);
    char phone[24], id[48], when[40];
    snprintf(phone, sizeof phone, "+1%03u555%04u", (unsigned)(201 + u.h % 700),
             (unsigned)(u.h >> 20) % 10000);
    demo_fmt_time(when, sizeof when, s->t, 0, DT_FB);
    s->id = mix64(g->seed + g->seq++);
    static const char *const src[] = {"sms", "phone", "web"};
    const char *source = src[s->sub - SUB_SMS];
    if (s->sub == SUB_SMS)
        snprintf(id, sizeof id, "SM%016" PRIx64 "%016" PRIx64, s->id, mix64(s->id));
    else if (s->sub == SUB_PHONE)
        snprintf(id, sizeof id, "CALL-%08" PRIu64, s->id % 100000000);
    else
        snprintf(id, sizeof id, "WEB-%010" PRIu64, s->id % 10000000000);
    tbuf t;
    tb_clear(&t);
    if (s->sub == SUB_PHONE)
        tb_adds(&t, PICK(&g->r, PHONE_PREFIX));
    tb_add(&t, s->text.s, s->text.n);
    OB_LIT(o, "{\"source\":\"");
    demo_ob_puts(o, source);
    OB_LIT(o, "\",\"id\":");
    demo_ob_jstr(o, id);
    OB_LIT(o, ",\"author\":");
    if (s->sub == SUB_WEB) {
        char addr[96];
        email_address(&u, addr, sizeof addr);
        demo_ob_jstr(o, addr);
        OB_LIT(o, ",\"author_name\":");
        demo_ob_jstr(o, u.name);
    } else
        demo_ob_jstr(o, phone);
    OB_LIT(o, ",\"text\":");
    demo_ob_json(o, t.s, t.n);
    OB_LIT(o, ",\"created_at\":\"");
    demo_ob_puts(o, when);
    OB_LIT(o, "\",\"lang\":\"en\",\"location\":\"");
    demo_ob_puts(o, demo_places[s->loc].code);
    OB_LIT(o, "\",\"brand_hint\":\"Aerolark\"");
    if (s->sub == SUB_WEB) {
        OB_LIT(o, ",\"url\":\"https://www.aerolark.example");
        demo_ob_puts(o, PICK(&g->r, WEB_PAGES));
        OB_LIT(o, "\"");
    }
    OB_LIT(o, "}\n");
    g->records[CH_CANON]++;
}

