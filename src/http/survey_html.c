/*
 * survey_html.c - the pages of the QR web survey (survey_web.h): the form,
 * mobile-first (one column, large touch targets, the native radio buttons
 * and text area, no script), and the short message pages (thank you,
 * refused, not found). Every value is HTML-escaped. Called by
 * survey_web.c on the request's thread.
 */
#include <stdio.h>
#include <string.h>

#include "http/survey_web.h"

static const char style[] =
    "body{margin:0;font:18px/1.4 system-ui,sans-serif;background:#f6f6f4;color:#222}"
    "main{max-width:34rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.4rem}fieldset{border:0;margin:0 0 1.2rem;padding:0}"
    "legend{font-weight:600;margin-bottom:.4rem}"
    ".opts{display:flex;flex-wrap:wrap;gap:.4rem}"
    ".opts label{display:inline-flex;align-items:center;justify-content:center;min-width:2.6rem;"
    "min-height:2.6rem;border:1px solid #999;border-radius:.4rem;background:#fff}"
    ".opts input{margin:0 .2rem}"
    "textarea,input[type=text]{width:100%;box-sizing:border-box;font:inherit;padding:.5rem}"
    "textarea{min-height:5rem}button{font:inherit;padding:.7rem 1.6rem;border:0;"
    "border-radius:.4rem;background:#1f5fbf;color:#fff}"
    ".err{color:#b00020;font-weight:600}.hp{position:absolute;left:-10000px;top:auto;"
    "width:1px;height:1px;overflow:hidden}";

/* Appends s to b with the HTML special characters escaped. */
static es_err esc(es__buf *b, const char *s)
{
    es_err rc = ES_OK;
    for (; s && *s && rc == ES_OK; s++) {
        switch (*s) {
        case '&': rc = es__buf_adds(b, "&amp;"); break;
        case '<': rc = es__buf_adds(b, "&lt;"); break;
        case '>': rc = es__buf_adds(b, "&gt;"); break;
        case '"': rc = es__buf_adds(b, "&quot;"); break;
        case '\'': rc = es__buf_adds(b, "&#39;"); break;
        default: rc = es__buf_addc(b, *s);
        }
    }
    return rc;
}

/* The page's head and the start of its body, titled title. */
static es_err head(es__buf *b, const char *title)
{
    es_err rc = es__buf_adds(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                                "<meta name=\"viewport\" content=\"width=device-width, "
                                "initial-scale=1\"><title>");
    if (rc == ES_OK)
        rc = esc(b, title);
    if (rc == ES_OK)
        rc = es__buf_printf(b, "</title><style>%s</style></head><body><main>\n", style);
    return rc;
}

/* The radio buttons lo..hi of question position pos, value checked. */
static es_err radios(es__buf *b, int pos, int lo, int hi, const char *checked, int yesno)
{
    es_err rc = es__buf_adds(b, "<div class=\"opts\">");
    for (int v = yesno ? 1 : lo; rc == ES_OK && (yesno ? v >= 0 : v <= hi); v += yesno ? -1 : 1) {
        char val[16];
        snprintf(val, sizeof val, "%d", v);
        int on = checked && strcmp(checked, val) == 0;
        rc =
            es__buf_printf(b, "<label><input type=\"radio\" name=\"q%d\" value=\"%d\"%s>%s</label>",
                           pos, v, on ? " checked" : "", yesno ? (v ? "Yes" : "No") : val);
    }
    return rc == ES_OK ? es__buf_adds(b, "</div>") : rc;
}

/* One question: its legend, its message (if any) and its input. */
static es_err question(es__buf *b, const es_survey_question *q, const char *value,
                       const char *error)
{
    es_err rc = es__buf_printf(b, "<fieldset id=\"f%d\"><legend>", q->position);
    if (rc == ES_OK)
        rc = esc(b, q->text);
    if (rc == ES_OK)
        rc = es__buf_adds(b, "</legend>");
    if (rc == ES_OK && error) {
        rc = es__buf_adds(b, "<p class=\"err\">");
        if (rc == ES_OK)
            rc = esc(b, error);
        if (rc == ES_OK)
            rc = es__buf_adds(b, "</p>");
    }
    if (rc)
        return rc;
    switch (q->kind) {
    case ES_Q_SCALE5: rc = radios(b, q->position, 1, 5, value, 0); break;
    case ES_Q_SCALE10: rc = radios(b, q->position, 0, 10, value, 0); break;
    case ES_Q_YESNO: rc = radios(b, q->position, 0, 1, value, 1); break;
    default:
        rc = es__buf_printf(b, "<textarea name=\"q%d\" maxlength=\"2000\">", q->position);
        if (rc == ES_OK)
            rc = esc(b, value);
        if (rc == ES_OK)
            rc = es__buf_adds(b, "</textarea>");
    }
    return rc == ES_OK ? es__buf_adds(b, "</fieldset>\n") : rc;
}

/* The contact field, the honeypot and the button. */
static es_err tail(es__buf *b, const char *contact, const char *contact_error)
{
    es_err rc = es__buf_adds(b, "<fieldset><legend>Your phone or email, if you would like us "
                                "to get back to you (optional)</legend>");
    if (rc == ES_OK && contact_error) {
        rc = es__buf_adds(b, "<p class=\"err\">");
        if (rc == ES_OK)
            rc = esc(b, contact_error);
        if (rc == ES_OK)
            rc = es__buf_adds(b, "</p>");
    }
    if (rc == ES_OK)
        rc = es__buf_adds(b, "<input type=\"text\" name=\"contact\" maxlength=\"254\" "
                             "autocomplete=\"email\" value=\"");
    if (rc == ES_OK)
        rc = esc(b, contact);
    if (rc == ES_OK)
        rc = es__buf_adds(b, "\"></fieldset>\n<div class=\"hp\" aria-hidden=\"true\"><label>"
                             "Leave this empty <input type=\"text\" name=\"website\" "
                             "tabindex=\"-1\" autocomplete=\"off\"></label></div>\n"
                             "<button type=\"submit\">Send</button></form></main></body>"
                             "</html>\n");
    return rc;
}

/* Sets the page's type and security policy; on failure a 500. */
static void finish(es__http_resp *rs, es_err rc)
{
    if (rc) {
        es__buf_reset(&rs->body);
        es__http_error(rs, 500, "out of memory");
        return;
    }
    rs->type = "text/html; charset=utf-8";
    es__http_header_add(rs, "Content-Security-Policy", es__http_survey_csp());
}

/* See survey_web.h. */
void es__http_survey_form(es__http_resp *rs, const char *code, const char *name,
                          const es_survey *sv, const char *token, const char *const *value,
                          const char *const *error, const char *contact, const char *contact_error,
                          const char *banner)
{
    es__buf *b = &rs->body;
    char title[200];
    snprintf(title, sizeof title, "Feedback: %s", name);
    es_err rc = head(b, title);
    if (rc == ES_OK)
        rc = es__buf_adds(b, "<h1>How was your visit to ");
    if (rc == ES_OK)
        rc = esc(b, name);
    if (rc == ES_OK)
        rc = es__buf_adds(b, "?</h1>\n");
    if (rc == ES_OK && banner) {
        rc = es__buf_adds(b, "<p class=\"err\" id=\"banner\">");
        if (rc == ES_OK)
            rc = esc(b, banner);
        if (rc == ES_OK)
            rc = es__buf_adds(b, "</p>\n");
    }
    if (rc == ES_OK)
        rc = es__buf_adds(b, "<form method=\"post\" action=\"/s/");
    if (rc == ES_OK)
        rc = esc(b, code);
    if (rc == ES_OK)
        rc = es__buf_adds(b, "\"><input type=\"hidden\" name=\"token\" value=\"");
    if (rc == ES_OK)
        rc = esc(b, token);
    if (rc == ES_OK)
        rc = es__buf_adds(b, "\">\n");
    for (size_t i = 0; rc == ES_OK && i < sv->n_questions; i++)
        rc = question(b, &sv->q[i], value[i], error[i]);
    if (rc == ES_OK)
        rc = tail(b, contact, contact_error);
    finish(rs, rc);
}

/* See survey_web.h. */
void es__http_survey_message(es__http_resp *rs, unsigned status, const char *title,
                             const char *text)
{
    es__buf *b = &rs->body;
    es__buf_reset(b);
    rs->status = status;
    es_err rc = head(b, title);
    if (rc == ES_OK)
        rc = es__buf_adds(b, "<h1>");
    if (rc == ES_OK)
        rc = esc(b, title);
    if (rc == ES_OK)
        rc = es__buf_adds(b, "</h1>\n<p id=\"message\">");
    if (rc == ES_OK)
        rc = esc(b, text);
    if (rc == ES_OK)
        rc = es__buf_adds(b, "</p></main></body></html>\n");
    finish(rs, rc);
}
