/* dashboard_login.c: GET/POST /login and POST /logout: the login form in the
 * request's language, its double-submitted CSRF token (D134), the session
 * cookie. */
#include "dashboard.h"

#include <string.h>

#include "form.h"
#include "html.h"
#include "i18n.h"
#include "session.h"

#define DASH_LOGIN_COOKIE "sb_login" /* the login form's CSRF token, double-submitted (D134) */

/* The login form, in the request's language; message: an error shown above it, or M_COUNT for none.
 * Login CSRF (D134): every form carries a fresh random token, also set as a
 * cookie only /login receives (SameSite=Strict); the POST must bring both, equal. */
static void login_page(sb_app *app, const sb_request *req, sb_response *resp, int status, i18n_msg message)
{
    sb_lang lang = dash_lang(req);
    char token[65];
    session_random_hex(token);
    resp->status = status;
    dash_page_start(NULL, req, resp, i18n_text(lang, M_LOGIN), NULL);
    http_add_header(resp, "Set-Cookie", arena_printf(req->pool, DASH_LOGIN_COOKIE "=%s; Path=/login; HttpOnly; SameSite=Strict%s", token,
                                                     app->cfg.dashboard_cookie_secure ? "; Secure" : ""));
    buf *b = &resp->body;
    if (message != M_COUNT) {
        buf_puts(b, "<p class=\"error\" role=\"alert\">");
        html_text(b, i18n_text(lang, message));
        buf_puts(b, "</p>");
    }
    buf_puts(b, "<form method=\"post\" action=\"/login\" class=\"login\"><input type=\"hidden\" name=\"csrf\" value=\"");
    html_attr(b, token);
    buf_puts(b, "\"><label>");
    html_text(b, i18n_text(lang, M_EMAIL));
    buf_puts(b, " <input type=\"email\" name=\"email\" autocomplete=\"username\" required></label><label>");
    html_text(b, i18n_text(lang, M_PASSWORD));
    buf_puts(b, " <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label><button>");
    html_text(b, i18n_text(lang, M_LOGIN));
    buf_puts(b, "</button></form>");
    dash_page_end(resp);
}

void dash_login_form(sb_app *app, const sb_request *req, sb_response *resp) { login_page(app, req, resp, 200, M_COUNT); }

void dash_login(sb_app *app, const sb_request *req, sb_response *resp)
{
    char token[65];
    const char *email = form_value(req->body, "email", req->pool), *pw = form_value(req->body, "password", req->pool);
    if (!session_token_equal(form_value(req->body, "csrf", req->pool),
                             cookie_value(http_header(req, "cookie"), DASH_LOGIN_COOKIE, req->pool))) {
        login_page(app, req, resp, 403, M_LOGIN_EXPIRED);
        return;
    }
    switch (session_login(app->db, req->pool, &app->cfg, email, pw, req->remote_addr, token)) {
    case LOGIN_OK:
        dash_redirect(resp, "/");
        http_add_header(resp, "Set-Cookie",
                        arena_printf(req->pool, DASH_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s", token,
                                     (long long)app->cfg.dashboard_max_hours * 3600,
                                     app->cfg.dashboard_cookie_secure ? "; Secure" : ""));
        http_add_header(resp, "Set-Cookie", DASH_LOGIN_COOKIE "=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0");
        return;
    case LOGIN_LOCKED:
        login_page(app, req, resp, 429, M_LOGIN_LOCKED);
        return;
    case LOGIN_WRONG:
        login_page(app, req, resp, 401, M_LOGIN_WRONG);
        return;
    case LOGIN_REFUSED:
        login_page(app, req, resp, 403, M_LOGIN_REFUSED);
        return;
    case LOGIN_ERROR:
        login_page(app, req, resp, 503, M_LOGIN_UNAVAILABLE);
        return;
    }
}

void dash_logout(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_post_session(app, req, resp, &s)) return;
    session_end(app->db, cookie_value(http_header(req, "cookie"), DASH_SESSION_COOKIE, req->pool));
    dash_redirect(resp, "/login");
    http_add_header(resp, "Set-Cookie", DASH_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
}

/* Where a preference change goes back to: the path of the referring page
 * when it is one of ours (a local path, never "//host" or a header break), else "/". */
