/*
 * sqlite_invitation_report.c - the reading side of the invitations part
 * (invitation_int.h) in SQLite: bringing survey invitations' states up to
 * date from the responses, the completion report per location and
 * channel, the advocacy candidates (promoters and very positive
 * mentions), recording a share, and the advocacy figures. A scope is a
 * JSON array of location keys (NULL: every location), read with json_each
 * so that every statement stays parameterised.
 */
#include <string.h>

#include "store/invitation_int.h"
#include "store/sqlite_int.h"

/* The scope condition on a locations row aliased l, the JSON in ?1. */
#define IN_SCOPE "(?1 IS NULL OR l.key IN (SELECT value FROM json_each(?1)))"

/* A response r that answers invitation i: by its id, or by SMS from the
 * same phone to the same location within ?1 seconds of the invitation. */
#define ANSWERS                                                                                    \
    "(r.invitation_id = invitations.id OR (r.invitation_id IS NULL AND r.channel = 'sms'"          \
    " AND invitations.channel = 'sms' AND r.contact = invitations.contact"                         \
    " AND r.location_id = invitations.location_id AND r.started >= invitations.created"            \
    " AND r.started < invitations.created + ?1))"

/* See invitation_int.h. */
es_err es__sqlite_invite_refresh(es_store_t *s, int64_t window, size_t *changed)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_prep(
        s,
        "UPDATE invitations SET"
        " started_at = coalesce(started_at, (SELECT min(r.started) FROM survey_responses r"
        "  WHERE " ANSWERS ")),"
        " completed_at = coalesce(completed_at, (SELECT min(r.completed) FROM survey_responses r"
        "  WHERE r.completed IS NOT NULL AND " ANSWERS ")),"
        " state = CASE WHEN EXISTS (SELECT 1 FROM survey_responses r WHERE r.completed IS NOT"
        "  NULL AND " ANSWERS ") THEN 'completed' ELSE 'started' END"
        " WHERE kind = 'survey' AND ((state IN ('invited', 'delivered')"
        "  AND EXISTS (SELECT 1 FROM survey_responses r WHERE " ANSWERS "))"
        " OR (state = 'started' AND EXISTS (SELECT 1 FROM survey_responses r"
        "  WHERE r.completed IS NOT NULL AND " ANSWERS ")))",
        &st, "bringing invitations up to date");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, window);
    rc = es__sqlite_finish(s, st, sqlite3_step(st), "bringing invitations up to date");
    if (!rc && changed)
        *changed = (size_t)sqlite3_changes(q->db);
    return rc;
}

/* See invitation_int.h. */
es_err es__sqlite_invite_report(es_store_t *s, const char *scope_json, int64_t since, int64_t until,
                                void (*cb)(const es_invite_report_row *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_prep(
        s,
        "SELECT l.code, i.channel,"
        " sum(i.state != 'skipped'),"
        " sum(i.delivered_at IS NOT NULL),"
        " sum(i.started_at IS NOT NULL),"
        " sum(i.completed_at IS NOT NULL),"
        " sum(i.out_status = 'failed'),"
        " sum(i.state = 'skipped')"
        " FROM invitations i JOIN locations l ON l.id = i.location_id"
        " WHERE i.kind = 'survey' AND i.created >= ?2 AND i.created < ?3 AND " IN_SCOPE
        " GROUP BY l.code, i.channel ORDER BY l.code, i.channel",
        &st, "reporting invitations");
    if (rc)
        return rc;
    es__sqlite_bind_str(st, 1, scope_json);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int64(st, 3, until);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es_invite_report_row r = {
            .location = (const char *)sqlite3_column_text(st, 0),
            .channel = (const char *)sqlite3_column_text(st, 1),
            .invited = sqlite3_column_int64(st, 2),
            .delivered = sqlite3_column_int64(st, 3),
            .started = sqlite3_column_int64(st, 4),
            .completed = sqlite3_column_int64(st, 5),
            .failed = sqlite3_column_int64(st, 6),
            .skipped = sqlite3_column_int64(st, 7),
        };
        cb(&r, ud);
    }
    return es__sqlite_finish(s, st, src, "reporting invitations");
}

/* Promoters by survey (recommend >= ?2, completed since ?1, with a
 * contact), then very positive mentions of our brands (compound >= ?3)
 * with a location, whose contact is the author (SMS, email) or the phone
 * or email the customer of their case gave; each not invited yet, at a
 * location with a review link. */
static const char candidates_sql[] =
    "SELECT r.location_id, r.id, 0, r.contact, NULL, -1, l.code FROM survey_responses r"
    " JOIN locations l ON l.id = r.location_id"
    " WHERE r.completed IS NOT NULL AND r.completed >= ?1 AND r.recommend >= ?2"
    " AND r.contact IS NOT NULL AND r.contact != '' AND l.disabled = 0"
    " AND coalesce(l.review_url, '') != ''"
    " AND NOT EXISTS (SELECT 1 FROM invitations i WHERE i.kind = 'advocacy'"
    "  AND i.response_id = r.id)"
    " UNION ALL "
    "SELECT l.id, 0, m.id,"
    " CASE WHEN m.source IN ('sms', 'email') THEN m.author ELSE"
    "  (SELECT h.value FROM cases c JOIN customer_handles h ON h.customer_id = c.customer_id"
    "   WHERE c.id = m.case_id AND h.kind IN ('phone', 'email') ORDER BY h.kind LIMIT 1) END,"
    " CASE WHEN m.source IN ('sms', 'email') THEN NULL ELSE m.author END,"
    " coalesce(m.followers, -1), l.code"
    " FROM mentions m JOIN locations l ON (l.key = m.location OR l.code = m.location)"
    " WHERE m.location IS NOT NULL AND m.compound >= ?3 AND m.created_at >= ?1"
    " AND l.disabled = 0 AND coalesce(l.review_url, '') != ''"
    " AND EXISTS (SELECT 1 FROM mention_brands mb JOIN brands b ON b.id = mb.brand_id"
    "  WHERE mb.mention_id = m.id AND b.ours = 1)"
    " AND NOT EXISTS (SELECT 1 FROM invitations i WHERE i.kind = 'advocacy'"
    "  AND i.mention_id = m.id)"
    " LIMIT ?4";

/* See invitation_int.h. */
es_err es__sqlite_invite_candidates(es_store_t *s, int64_t since, int min_recommend,
                                    double min_compound, size_t max,
                                    void (*cb)(const es__invite_candidate *, void *), void *ud)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_prep(s, candidates_sql, &st, "finding promoters");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int(st, 2, min_recommend);
    sqlite3_bind_double(st, 3, min_compound);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)max);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        es__invite_candidate c = {
            .location_id = sqlite3_column_int64(st, 0),
            .response_id = sqlite3_column_int64(st, 1),
            .mention_id = sqlite3_column_int64(st, 2),
            .contact = (const char *)sqlite3_column_text(st, 3),
            .handle = (const char *)sqlite3_column_text(st, 4),
            .followers = sqlite3_column_int64(st, 5),
            .code = (const char *)sqlite3_column_text(st, 6),
        };
        if (c.contact && *c.contact && c.code)
            cb(&c, ud);
    }
    return es__sqlite_finish(s, st, src, "finding promoters");
}

/* See invitation_int.h. */
es_err es__sqlite_invite_shared(es_store_t *s, int64_t id, const char *scope_json,
                                const char *handle, int64_t followers, int64_t now, int *found)
{
    es__sqlite *q = s->impl;
    sqlite3_stmt *st = NULL;
    es_err rc =
        es__sqlite_prep(s,
                        "UPDATE invitations SET state = 'shared',"
                        " shared_at = coalesce(shared_at, ?4),"
                        " handle = coalesce(?2, handle),"
                        " followers = CASE WHEN ?3 >= 0 THEN ?3 ELSE followers END"
                        " WHERE id = ?5 AND kind = 'advocacy' AND state != 'skipped'"
                        " AND location_id IN (SELECT l.id FROM locations l WHERE " IN_SCOPE ")",
                        &st, "recording a share");
    if (rc)
        return rc;
    es__sqlite_bind_str(st, 1, scope_json);
    es__sqlite_bind_str(st, 2, handle);
    sqlite3_bind_int64(st, 3, followers);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, id);
    rc = es__sqlite_finish(s, st, sqlite3_step(st), "recording a share");
    *found = !rc && sqlite3_changes(q->db) > 0;
    return rc;
}

/* See invitation_int.h. */
es_err es__sqlite_invite_adv_report(es_store_t *s, const char *scope_json, int64_t since,
                                    int64_t until, es_advocacy_report *out)
{
    sqlite3_stmt *st = NULL;
    es_err rc = es__sqlite_prep(
        s,
        "SELECT"
        " (SELECT count(*) FROM (SELECT r.contact FROM survey_responses r"
        "   JOIN locations l ON l.id = r.location_id WHERE r.contact IS NOT NULL"
        "   AND r.completed >= ?2 AND r.completed < ?3 AND " IN_SCOPE
        "  UNION SELECT i.contact FROM invitations i JOIN locations l ON l.id = i.location_id"
        "   WHERE i.kind = 'advocacy' AND i.state != 'skipped' AND i.created >= ?2"
        "   AND i.created < ?3 AND " IN_SCOPE ")),"
        " count(*),"
        " coalesce(sum(i.clicked_at IS NOT NULL OR i.state = 'shared'), 0),"
        " coalesce(sum(i.state = 'shared'), 0),"
        " coalesce(sum(CASE WHEN i.state = 'shared' AND i.followers >= 0 THEN i.followers END), 0),"
        " coalesce(sum(i.state = 'shared' AND i.followers IS NULL), 0)"
        " FROM invitations i JOIN locations l ON l.id = i.location_id"
        " WHERE i.kind = 'advocacy' AND i.state != 'skipped' AND i.created >= ?2"
        " AND i.created < ?3 AND " IN_SCOPE,
        &st, "reporting advocacy");
    if (rc)
        return rc;
    es__sqlite_bind_str(st, 1, scope_json);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int64(st, 3, until);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        out->engaged = sqlite3_column_int64(st, 0);
        out->invited = sqlite3_column_int64(st, 1);
        out->clicked = sqlite3_column_int64(st, 2);
        out->advocates = sqlite3_column_int64(st, 3);
        out->reach_known = sqlite3_column_int64(st, 4);
        out->shares_unknown = sqlite3_column_int64(st, 5);
    }
    return es__sqlite_finish(s, st, src, "reporting advocacy");
}
