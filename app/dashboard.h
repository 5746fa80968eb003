/* dashboard.h: what the dashboard pages share (dashboard.c, dashboard_lists.c). */
#ifndef SB_DASHBOARD_H
#define SB_DASHBOARD_H

#include "app.h"

#include "../lib/conversions.h"
#include "../lib/session.h"

/* The page head, header (navigation, language switch, an operator's company
 * picker) and <h1>title. Language: s->lang, or without a session dash_lang(req). */
void dash_page_start(sb_app *app, const sb_request *req, sb_response *resp, const char *title, const session *s);
/* The language of this request: cookie sb_lang (de|en), else Accept-Language, else German. */
sb_lang dash_lang(const sb_request *req);
/* <th> cells with the texts of ids, escaped */
void dash_th(buf *b, sb_lang lang, const i18n_msg *ids, size_t n);
/* A number from the query string, clamped to [lo, hi]; def when absent. */
long long dash_q_int(const sb_request *req, const char *name, long long def, long long lo, long long hi);
/* links to the same page for today, 7, 30 and 90 days */
void dash_period_links(buf *b, sb_lang lang, const char *path, long long days, const char *branch);
/* the same presets as a <select name="days"> */
void dash_period_select(buf *b, sb_lang lang, long long days);
void dash_page_end(sb_response *resp);
/* The session of this request (with its language), or 0 after answering (redirect to /login or 503). */
int dash_need_session(sb_app *app, const sb_request *req, sb_response *resp, session *s);
/* ?branch= of a report page (a UUID), or NULL */
const char *dash_branch(const sb_request *req);
/* the branch filter form of a report page (only when one company is shown) */
void dash_branch_picker(sb_app *app, const sb_request *req, buf *b, const session *s, const char *path, long long days);
/* the report of the page's period from the daily aggregates; 0 after answering */
int dash_report(sb_app *app, const sb_request *req, sb_response *resp, const session *s, long long ago, conversion_report *r);
void dash_num_cell(buf *b, const char *label, const char *value, const char *note);

/* A POST's session with its CSRF token checked, or 0 after answering 403 (or the login redirect). */
int dash_need_post_session(sb_app *app, const sb_request *req, sb_response *resp, session *s);
/* 303 to a local path */
void dash_redirect(sb_response *resp, const char *to);
/* an entity's webhook events as a table; event_id_sql selects id, type, status, received, note by one key (dashboard_lists.c) */
void dash_events_table(sb_app *app, const sb_request *req, sb_lang lang, buf *b, const char *event_id_sql, db_param key);
/* the navigation's Rückrufe link with the open count of the session's scope (dashboard_callbacks.c) */
void dash_callbacks_nav(sb_app *app, const sb_request *req, buf *b, const session *s);

#endif
