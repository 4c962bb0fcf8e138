/*
 * handle.c - how the author of a mention becomes the key its customer is
 * recognised by (C1): phone numbers and email addresses are the same person
 * on every channel, a social handle only on its own network. Called by the
 * threader (src/store/sqlite_case_thread.c) and by tests. Pure.
 */
#include <string.h>

#include "inbox/inbox.h"

static const char *const kind_names[] = {"handle", "phone", "email"};

/* See inbox.h. */
const char *es__inbox_kind_name(es__handle_kind k)
{
    return (unsigned)k < 3 ? kind_names[k] : "handle";
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Sources where the author is a telephone number. */
static int phone_source(const char *source)
{
    static const char *const names[] = {"sms", "phone", "whatsapp", "voice", NULL};
    for (size_t i = 0; source && names[i]; i++)
        if (strcmp(source, names[i]) == 0)
            return 1;
    return 0;
}

/* Writes "+digits" into buf when a is a telephone number (digits with
 * spaces, dots, dashes, parentheses and one leading '+'; 7 to 15 digits). */
static int as_phone(const char *a, char *buf, size_t size)
{
    size_t digits = 0, o = 0;
    if (size < 17)
        return -1;
    buf[o++] = '+';
    for (const char *p = a; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (++digits > 15)
                return -1;
            buf[o++] = *p;
        } else if (*p == '+' && p == a) {
            continue;
        } else if (!strchr(" .-()", *p)) {
            return -1;
        }
    }
    buf[o] = '\0';
    return digits >= 7 ? 0 : -1;
}

/* Writes a lower-cased address into buf when a looks like name@host.tld. */
static int as_email(const char *a, char *buf, size_t size)
{
    const char *at = strchr(a, '@');
    size_t n = strlen(a);
    if (!at || at == a || strchr(at + 1, '@') || !strchr(at + 1, '.') || n >= size)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (a[i] == ' ' || a[i] == '\t' || a[i] == '<' || a[i] == '>')
            return -1;
        buf[i] = (char)lower((unsigned char)a[i]);
    }
    buf[n] = '\0';
    return buf[n - 1] == '.' ? -1 : 0;
}

/* See inbox.h. */
int es__inbox_handle(const char *source, const char *author, es__handle_kind *kind,
                     const char **src, char *buf, size_t size)
{
    if (!author || size < 2)
        return -1;
    while (*author == ' ' || *author == '\t')
        author++;
    if (!*author)
        return -1;
    if ((phone_source(source) || *author == '+') &&
        as_phone(author, buf, size) == 0) {
        *kind = ES__PHONE;
        *src = "";
        return 0;
    }
    if (*author != '@' && as_email(author, buf, size) == 0) {
        *kind = ES__EMAIL;
        *src = "";
        return 0;
    }
    const char *h = *author == '@' ? author + 1 : author;
    size_t n = strlen(h);
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= size)
        return -1;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)lower((unsigned char)h[i]);
    buf[n] = '\0';
    *kind = ES__HANDLE;
    *src = source ? source : "";
    return 0;
}
