/*
 * fuzz_invite_list.c - libFuzzer target for the invitation lists
 * (src/voc/invite_list.c): any bytes are read as CSV or JSON. A refusal
 * must carry a message and leave an empty list; an acceptance must give
 * rows whose contact is a phone or an email matching its channel, with a
 * location, at most ES_INVITE_MAX_ROWS of them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/invitation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_invite_list l;
    char err[256];
    es_err rc = es_invite_list_parse((const char *)data, size, &l, err, sizeof err);
    if (rc != ES_OK) {
        if (!err[0] || l.v || l.n || l.arena)
            abort();
        if (rc != ES_EPARSE && rc != ES_ELIMIT && rc != ES_ENOMEM)
            abort();
        return 0;
    }
    if (l.n > ES_INVITE_MAX_ROWS)
        abort();
    for (size_t i = 0; i < l.n; i++) {
        const es_invite_contact *c = &l.v[i];
        if (!c->contact || !c->location || !*c->location || !c->channel)
            abort();
        int phone = strchr(c->contact, '@') == NULL;
        if (strcmp(c->channel, phone ? "sms" : "email") != 0)
            abort();
        if (phone && c->contact[0] != '+')
            abort();
        if (strlen(c->contact) > ES_INVITE_CONTACT_MAX || c->visit_at < 0)
            abort();
        if (c->name && (!*c->name || strlen(c->name) > ES_INVITE_NAME_MAX))
            abort();
    }
    es_invite_list_free(&l);
    return 0;
}
