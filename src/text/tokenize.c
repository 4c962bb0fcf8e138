/*
 * tokenize.c - the social-media tokenizer. It splits a post into words,
 * numbers, @handles, #hashtags, URLs, emoji, emoticons and punctuation, and
 * marks words written in ALL CAPS or with an elongated letter ("sooo"). The
 * analysers call it on every mention: intent and cue rules
 * (src/analyze/classify.c), near-duplicate fingerprints (src/analyze/dedup.c)
 * and the sentiment scorer.
 *
 * It is on the hot path, so it never allocates, looks up Unicode properties
 * (utf8proc) only for non-ASCII characters, and reads each byte a bounded
 * number of times. It must survive anything: a byte that is not valid UTF-8
 * becomes a one-byte punctuation token, and nothing is read at or past n.
 *
 * At each position the first rule that applies wins, in this order: white
 * space (skipped), URL, handle, hashtag, keycap emoji, emoticon, number,
 * bare domain (united.com/x is a URL), word, emoji, punctuation.
 */
#include <string.h>
#include <utf8proc.h>

#include "earshot/text.h"

typedef struct scan {
    const unsigned char *s;
    size_t n;
} scan;

/* The kinds of character the rules below ask about. */
enum cclass { C_SPACE, C_WORD, C_EMOJI, C_PUNCT };

/* Decodes the character at i into *cp and returns its byte length; an
 * invalid byte gives *cp = -1 and length 1. i < sc->n. */
static size_t decode(const scan *sc, size_t i, int32_t *cp)
{
    if (sc->s[i] < 0x80) {
        *cp = sc->s[i];
        return 1;
    }
    utf8proc_int32_t c;
    utf8proc_ssize_t len = utf8proc_iterate(sc->s + i, (utf8proc_ssize_t)(sc->n - i), &c);
    if (len <= 0) {
        *cp = -1;
        return 1;
    }
    *cp = c;
    return (size_t)len;
}

static int is_ascii_alnum(int c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Emoji that stand alone: pictographs, regional indicators (flags) and
 * skin-tone modifiers. ASCII and the symbols below U+2000 that Unicode
 * counts as pictographic but that render as text (©, ®) are left out. */
static int is_emoji_start(int32_t c, const utf8proc_property_t *p)
{
    if (c < 0x2000)
        return 0;
    if (c >= 0x1F3FB && c <= 0x1F3FF)
        return 1;
    switch (p->boundclass) {
    case UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC:
    case UTF8PROC_BOUNDCLASS_E_BASE:
    case UTF8PROC_BOUNDCLASS_E_BASE_GAZ:
    case UTF8PROC_BOUNDCLASS_E_MODIFIER:
    case UTF8PROC_BOUNDCLASS_GLUE_AFTER_ZWJ:
    case UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR: return 1;
    default: return 0;
    }
}

/* Classifies code point c (-1 for an invalid byte). */
static enum cclass classify(int32_t c)
{
    if (c < 0)
        return C_PUNCT;
    if (c < 0x80) {
        if (c <= 0x20 || c == 0x7F)
            return C_SPACE;
        return is_ascii_alnum(c) ? C_WORD : C_PUNCT;
    }
    if ((c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0000 && c <= 0xE01EF))
        return C_SPACE; /* stray variation selectors and tags */
    const utf8proc_property_t *p = utf8proc_get_property(c);
    if (is_emoji_start(c, p))
        return C_EMOJI;
    switch (p->category) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: return C_WORD;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF: return C_SPACE;
    default: return C_PUNCT;
    }
}

/* ------------------------------------------------------------------------
 * Emoji and other grapheme clusters
 * ------------------------------------------------------------------------ */

/* Returns the end of the grapheme cluster that starts with c at i (len
 * bytes): skin tones, variation selectors, ZWJ sequences and flag pairs stay
 * together, as utf8proc's extended grapheme rules say. */
static size_t cluster_end(const scan *sc, size_t i, int32_t c, size_t len)
{
    utf8proc_int32_t state = 0;
    size_t j = i + len;
    int32_t prev = c;
    while (j < sc->n) {
        int32_t next;
        size_t l = decode(sc, j, &next);
        if (next < 0 || utf8proc_grapheme_break_stateful(prev, next, &state))
            break;
        prev = next;
        j += l;
    }
    return j;
}

/* A keycap emoji: [0-9#*], an optional U+FE0F, then U+20E3. Returns its end
 * or 0. */
static size_t keycap_end(const scan *sc, size_t i)
{
    size_t j = i + 1;
    if (j + 3 <= sc->n && memcmp(sc->s + j, "\xEF\xB8\x8F", 3) == 0)
        j += 3;
    if (j + 3 <= sc->n && memcmp(sc->s + j, "\xE2\x83\xA3", 3) == 0)
        return j + 3;
    return 0;
}

/* ------------------------------------------------------------------------
 * URLs, handles, hashtags
 * ------------------------------------------------------------------------ */

static int ascii_prefix_ci(const scan *sc, size_t i, const char *lit)
{
    size_t k = strlen(lit);
    if (sc->n - i < k)
        return 0;
    for (size_t j = 0; j < k; j++) {
        int c = sc->s[i + j];
        if (c >= 'A' && c <= 'Z')
            c |= 0x20;
        if (c != lit[j])
            return 0;
    }
    return 1;
}

/* A byte that may appear inside a URL: printable ASCII except quotes and
 * angle brackets. Non-ASCII ends a URL ("t.co/x…" keeps its ellipsis out). */
static int is_url_byte(int c)
{
    return c > 0x20 && c < 0x7F && c != '"' && c != '<' && c != '>' && c != '`';
}

/* Extends a URL from j to its end, then gives back trailing punctuation that
 * belongs to the sentence, and a closing parenthesis without an opening one
 * inside the URL. */
static size_t url_tail(const scan *sc, size_t start, size_t j)
{
    int open = 0;
    while (j < sc->n && is_url_byte(sc->s[j])) {
        open += sc->s[j] == '(';
        open -= sc->s[j] == ')';
        j++;
    }
    while (j > start) {
        int c = sc->s[j - 1];
        if (c == ')' && open < 0) {
            open++;
            j--;
        } else if (c && strchr(".,;:!?'*", c)) {
            j--;
        } else {
            break;
        }
    }
    return j;
}

/* A URL starting at i ("http://", "https://" or "www." followed by more).
 * Returns its end or 0. */
static size_t url_end(const scan *sc, size_t i)
{
    size_t j;
    if (ascii_prefix_ci(sc, i, "https://"))
        j = i + 8;
    else if (ascii_prefix_ci(sc, i, "http://"))
        j = i + 7;
    else if (ascii_prefix_ci(sc, i, "www."))
        j = i + 4;
    else
        return 0;
    if (j >= sc->n || !is_ascii_alnum(sc->s[j]))
        return 0;
    return url_tail(sc, i, j);
}

/* A bare domain such as "united.com" or "bit.ly/abc": ASCII labels joined by
 * dots, the last one a common top-level domain, not followed by a letter.
 * Returns its end (with any path) or 0. */
static size_t domain_end(const scan *sc, size_t i)
{
    static const char *const tlds[] = {"com", "org", "net", "co",   "io",  "ly",  "gl",
                                       "me",  "us",  "uk",  "info", "biz", "gov", "edu"};
    size_t j = i, label = i, dots = 0;
    for (;;) {
        while (j < sc->n && (is_ascii_alnum(sc->s[j]) || sc->s[j] == '-'))
            j++;
        if (j == label)
            return 0;
        if (j + 1 < sc->n && sc->s[j] == '.' && is_ascii_alnum(sc->s[j + 1])) {
            label = ++j;
            dots++;
            continue;
        }
        break;
    }
    if (!dots || (j < sc->n && sc->s[j] >= 0x80))
        return 0;
    size_t tl = j - label;
    int known = 0;
    for (size_t t = 0; t < sizeof tlds / sizeof tlds[0] && !known; t++) {
        if (strlen(tlds[t]) != tl)
            continue;
        known = 1;
        for (size_t k = 0; k < tl; k++)
            if ((sc->s[label + k] | 0x20) != tlds[t][k])
                known = 0;
    }
    if (!known)
        return 0;
    if (j < sc->n && sc->s[j] == '/')
        return url_tail(sc, i, j);
    return j;
}

/* "@name": ASCII letters, digits and underscores, not glued to a word
 * before it (joe@example.com is not a handle). Returns its end or 0. */
static size_t handle_end(const scan *sc, size_t i)
{
    if (i > 0 && (is_ascii_alnum(sc->s[i - 1]) || sc->s[i - 1] == '_'))
        return 0;
    size_t j = i + 1;
    while (j < sc->n && (is_ascii_alnum(sc->s[j]) || sc->s[j] == '_'))
        j++;
    return j > i + 1 ? j : 0;
}

/* "#tag": word characters and underscores, at least one of them not a
 * digit (#1 is a number, as on Twitter). Returns its end or 0. */
static size_t hashtag_end(const scan *sc, size_t i)
{
    if (i > 0 && (is_ascii_alnum(sc->s[i - 1]) || sc->s[i - 1] == '&'))
        return 0;
    size_t j = i + 1;
    int letter = 0;
    while (j < sc->n) {
        int32_t c;
        size_t l = decode(sc, j, &c);
        if (c == '_' || (c >= 0 && !is_digit(c) && classify(c) == C_WORD))
            letter = 1;
        else if (!is_digit(c))
            break;
        j += l;
    }
    return letter ? j : 0;
}

/* ------------------------------------------------------------------------
 * Emoticons
 * ------------------------------------------------------------------------ */

/* Longest first within a shared prefix does not matter: every entry is
 * tried and the longest match wins. */
static const char *const emoticons[] = {
    ":)",  ":-)", ":(",  ":-(", ":D",  ":-D",  ":P",  ":-P", ":p",  ":-p",  ":o",   ":O",
    ":-O", ":-o", ":/",  ":-/", ":\\", ":-\\", ":|",  ":-|", ":'(", ":'-(", ":')",  ":*",
    ":-*", ":]",  ":[",  ":}",  ":{",  ":3",   ":>",  ":<",  ":@",  ":$",   ":S",   ":s",
    ";)",  ";-)", ";D",  ";P",  ";p",  ";(",   "=)",  "=(",  "=D",  "=]",   "=[",   "=/",
    "=P",  "<3",  "</3", "(:",  "^_^", "^^",   "^.^", "-_-", "-.-", ">:(",  ">:-(", ">.<",
    "T_T", "T.T", "o_O", "O_o", "o.O", "O.o",  "XD",  "xD",  "XP",  "8-)",  "B-)"};

/* The bytes an emoticon may begin with. */
#define EMOTICON_FIRST ":;=<>(^-TOoXxB8"

/* An emoticon at i, repeated mouths included (":)))", "<333"), followed by
 * something that is not a letter or digit. Emoticons that begin with a
 * letter or digit ("XD", "8)") must not be glued to a word before them.
 * Returns its end or 0. */
static size_t emoticon_end(const scan *sc, size_t i)
{
    size_t best = 0;
    /* Most words start with a letter that can lead an emoticon ("often",
     * "Bob"): only those followed by an emoticon's second byte go on. */
    if (is_ascii_alnum(sc->s[i]) && (i + 1 >= sc->n || !memchr("_.-)DPp", sc->s[i + 1], 7)))
        return 0;
    for (size_t e = 0; e < sizeof emoticons / sizeof emoticons[0]; e++) {
        size_t k = strlen(emoticons[e]);
        if (k > best && sc->n - i >= k && memcmp(sc->s + i, emoticons[e], k) == 0)
            best = k;
    }
    if (!best)
        return 0;
    if (is_ascii_alnum(sc->s[i]) && i > 0 && is_ascii_alnum(sc->s[i - 1]))
        return 0;
    size_t j = i + best;
    unsigned char mouth = sc->s[j - 1];
    if (strchr(")(DPp][3", mouth))
        while (j < sc->n && sc->s[j] == mouth)
            j++;
    if (j < sc->n && (is_ascii_alnum(sc->s[j]) || sc->s[j] == '/'))
        return 0;
    return j;
}

/* ------------------------------------------------------------------------
 * Numbers and words
 * ------------------------------------------------------------------------ */

/* A currency sign that may lead a number: $ £ € ¥. Returns its length. */
static size_t currency_len(const scan *sc, size_t i)
{
    if (sc->s[i] == '$')
        return 1;
    if (sc->n - i >= 2 &&
        (memcmp(sc->s + i, "\xC2\xA3", 2) == 0 || memcmp(sc->s + i, "\xC2\xA5", 2) == 0))
        return 2;
    if (sc->n - i >= 3 && memcmp(sc->s + i, "\xE2\x82\xAC", 3) == 0)
        return 3;
    return 0;
}

/* A number at i: an optional currency sign, digits, groups joined by . , or
 * : ("2.5", "1,000", "10:30") and an optional "%". *plain is set when it is
 * digits only, so that letters after it make a word ("3rd", "2hrs").
 * Returns its end or 0. */
static size_t number_end(const scan *sc, size_t i, int *plain)
{
    size_t j = i + currency_len(sc, i);
    if (j >= sc->n || !is_digit(sc->s[j]))
        return 0;
    *plain = j == i;
    while (j < sc->n && is_digit(sc->s[j]))
        j++;
    while (j + 1 < sc->n && sc->s[j] && strchr(".,:", sc->s[j]) && is_digit(sc->s[j + 1])) {
        *plain = 0;
        j++;
        while (j < sc->n && is_digit(sc->s[j]))
            j++;
    }
    if (j < sc->n && sc->s[j] == '%') {
        *plain = 0;
        j++;
    }
    return j;
}

/* An apostrophe inside a word: ' or U+2019. Returns its length or 0. */
static size_t apostrophe_len(const scan *sc, size_t j)
{
    if (sc->s[j] == '\'')
        return 1;
    if (sc->n - j >= 3 && memcmp(sc->s + j, "\xE2\x80\x99", 3) == 0)
        return 3;
    return 0;
}

/* Scans a word from i and sets its flags: letters, marks and digits, with
 * apostrophes between letters ("don't"). */
static size_t word_end(const scan *sc, size_t i, uint8_t *flags)
{
    size_t j = i, letters = 0, upper = 0, lower = 0, run = 0;
    int32_t last = -1;
    *flags = 0;
    while (j < sc->n) {
        int32_t c;
        size_t l = 1;
        int in_word;
        if (sc->s[j] < 0x80) { /* the common case, without a property lookup */
            c = sc->s[j];
            in_word = is_ascii_alnum(c);
        } else {
            l = decode(sc, j, &c);
            in_word = c >= 0 && classify(c) == C_WORD;
        }
        if (!in_word) {
            size_t al = apostrophe_len(sc, j);
            int32_t after;
            if (!al || j == i || j + al >= sc->n)
                break;
            decode(sc, j + al, &after);
            if (after < 0 || classify(after) != C_WORD || is_digit(after))
                break;
            j += al;
            last = -1;
            continue;
        }
        int32_t lc = c;
        if (c < 0x80) {
            if (c >= 'A' && c <= 'Z') {
                upper++;
                lc = c | 0x20;
            } else if (c >= 'a' && c <= 'z') {
                lower++;
            }
        } else {
            const utf8proc_property_t *p = utf8proc_get_property(c);
            if (p->category == UTF8PROC_CATEGORY_LU)
                upper++;
            else if (p->category == UTF8PROC_CATEGORY_LL)
                lower++;
            lc = utf8proc_tolower(c);
        }
        int letter = !is_digit(c);
        letters += letter;
        run = (letter && lc == last) ? run + 1 : 1;
        if (run >= 3)
            *flags |= ES_TOKF_ELONGATED;
        last = letter ? lc : -1;
        j += l;
    }
    if (letters >= 2 && upper >= 2 && lower == 0)
        *flags |= ES_TOKF_ALLCAPS;
    return j;
}

/* A run of punctuation: "!", "?" and "." mix ("?!?", "..."); any other
 * ASCII sign repeats only itself ("--"). */
static size_t punct_end(const scan *sc, size_t i)
{
    unsigned char c = sc->s[i];
    size_t j = i + 1;
    if (strchr("!?.", c))
        while (j < sc->n && sc->s[j] && strchr("!?.", sc->s[j]))
            j++;
    else
        while (j < sc->n && sc->s[j] == c)
            j++;
    return j;
}

/* ------------------------------------------------------------------------
 * The tokenizer
 * ------------------------------------------------------------------------ */

/* Finds the token that starts at i (not white space). Sets its kind and
 * flags and returns its end (> i). */
static size_t next_token(const scan *sc, size_t i, int32_t c, size_t len, uint8_t *kind,
                         uint8_t *flags)
{
    size_t e;
    int plain = 0;
    *flags = 0;
    if (c < 0x80) {
        unsigned char b = (unsigned char)c;
        if ((b == 'h' || b == 'H' || b == 'w' || b == 'W') && (e = url_end(sc, i)))
            return *kind = ES_TOK_URL, e;
        if (b == '@' && (e = handle_end(sc, i)))
            return *kind = ES_TOK_HANDLE, e;
        if ((is_digit(b) || b == '#' || b == '*') && (e = keycap_end(sc, i)))
            return *kind = ES_TOK_EMOJI, e;
        if (b == '#' && (e = hashtag_end(sc, i)))
            return *kind = ES_TOK_HASHTAG, e;
        if (strchr(EMOTICON_FIRST, b) && (e = emoticon_end(sc, i)))
            return *kind = ES_TOK_EMOTICON, e;
        if ((is_digit(b) || b == '$') && (e = number_end(sc, i, &plain))) {
            if (!plain || e >= sc->n || !is_ascii_alnum(sc->s[e]))
                return *kind = ES_TOK_NUMBER, e;
        }
        if (is_ascii_alnum(b)) {
            e = word_end(sc, i, flags);
            /* Only a word followed by ".x" can be a bare domain. */
            if (e + 1 < sc->n && sc->s[e] == '.' && is_ascii_alnum(sc->s[e + 1])) {
                size_t d = domain_end(sc, i);
                if (d) {
                    *flags = 0;
                    return *kind = ES_TOK_URL, d;
                }
            }
            return *kind = ES_TOK_WORD, e;
        }
        return *kind = ES_TOK_PUNCT, punct_end(sc, i);
    }
    enum cclass cl = classify(c);
    if (cl == C_WORD)
        return *kind = ES_TOK_WORD, word_end(sc, i, flags);
    if (cl == C_EMOJI)
        return *kind = ES_TOK_EMOJI, cluster_end(sc, i, c, len);
    if (c >= 0 && (e = number_end(sc, i, &plain)))
        return *kind = ES_TOK_NUMBER, e;
    *kind = ES_TOK_PUNCT;
    return c < 0 ? i + 1 : cluster_end(sc, i, c, len);
}

/* Splits s[0..n) into tokens; see text.h. Texts longer than 4 GiB are cut
 * there (offsets are 32-bit). Reentrant; never allocates; any bytes are
 * safe. */
size_t es_tokenize(const char *s, size_t n, es_token *toks, size_t max)
{
    scan sc = {(const unsigned char *)s, n > UINT32_MAX ? UINT32_MAX : n};
    size_t count = 0, i = 0;
    while (i < sc.n) {
        int32_t c;
        size_t len = decode(&sc, i, &c);
        if (classify(c) == C_SPACE) {
            i += len;
            continue;
        }
        uint8_t kind, flags;
        size_t end = next_token(&sc, i, c, len, &kind, &flags);
        if (count < max) {
            toks[count].off = (uint32_t)i;
            toks[count].len = (uint32_t)(end - i);
            toks[count].kind = kind;
            toks[count].flags = flags;
        }
        count++;
        i = end;
    }
    return count;
}

/* Static names, never NULL. */
const char *es_token_kind_name(es_token_kind k)
{
    static const char *const names[] = {"word", "number", "handle",   "hashtag",
                                        "url",  "emoji",  "emoticon", "punct"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}
