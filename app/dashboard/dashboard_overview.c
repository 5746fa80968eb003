/* dashboard_overview.c: GET /, the overview: the day's events and the
 * conversion figures of the session's scope, refreshed every few seconds. */
#include "dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conversions.h"
#include "html.h"
#include "i18n.h"
#include "phone.h"

#define OVERVIEW_REFRESH_S 4 /* new events show within the 5 s the issue asks for */

void dash_overview(sb_app *app, const sb_request *req, sb_response *resp)
{
    session s;
    if (!dash_need_session(app, req, resp, &s)) return;
    arena *a = req->pool;
    long long days = dash_q_int(req, "days", 30, 1, 3660);
    conversion_report r, prev;
    if (!dash_report(app, req, resp, &s, 0, &r) || !dash_report(app, req, resp, &s, days, &prev)) return;
    resp->status = 200;
    sb_lang L = s.lang;
    dash_page_start(app, req, resp, i18n_text(L, M_NAV_OVERVIEW), &s);
    buf *b = &resp->body;
    dash_period_links(b, L, "/", days, dash_branch(req));
    dash_branch_picker(app, req, b, &s, "/", days);
    dash_glance_bar(b, L, req, "/", dash_zone(app, req, &s));
    /* the part live.js refreshes while the page is open (a static page without JavaScript) */
    buf_printf(b, "<div data-refresh=\"%d\">", OVERVIEW_REFRESH_S);
    buf_puts(b, "<section class=\"funnel\" aria-label=\"");
    html_attr(b, i18n_text(L, M_FUNNEL));
    buf_puts(b, "\">");
    dash_num_cell(b, i18n_text(L, M_CALLS), arena_printf(a, "%lld", r.calls), i18n_text(L, M_CALLS_ALL_NOTE));
    dash_num_cell(b, i18n_text(L, M_ANSWERED), arena_printf(a, "%lld", r.answered), i18n_text(L, M_ANSWERED_NOTE));
    dash_num_cell(b, i18n_text(L, M_PHONE_BOOKED), arena_printf(a, "%lld", r.phone_booked_calls), i18n_text(L, M_PHONE_BOOKED_NOTE));
    dash_num_cell(b, i18n_text(L, M_BOOKED_ONLINE_AFTER), arena_printf(a, "%lld", r.phone_influenced_calls),
                  i18n_text(L, M_BOOKED_ONLINE_AFTER_NOTE));
    buf_puts(b, "</section><section class=\"kpis\">");
    dash_target_set tg; /* each KPI with its target (met/missed) and its trend (17.3) */
    dash_targets(app, req, s.company_id, &tg);
    dash_kpi_target(b, a, L, i18n_text(L, M_PHONE_BOOKING_RATE), r.phone_booking_rate, prev.phone_booking_rate, tg.phone_pct, r.answered,
                    arena_printf(a, "%lld / %lld", r.phone_booked_calls, r.answered));
    dash_kpi_target(b, a, L, i18n_text(L, M_WEB_BOOKING_SUCCESS), r.web_booking_success, prev.web_booking_success, tg.web_pct, r.web_events,
                    arena_printf(a, i18n_text(L, M_WEB_EVENTS_FMT), r.web_events_ok, r.web_events));
    dash_kpi_target(b, a, L, i18n_text(L, M_OVERALL_CONVERSION), r.overall_conversion, prev.overall_conversion, tg.overall_pct, r.visitors,
                    arena_printf(a, "%lld / %lld", r.converted_visitors, r.visitors));
    dash_sync_kpi(app, req, b, L, &tg);
    dash_num_cell(b, i18n_text(L, M_CUSTOMERS_MATCHED), arena_printf(a, "%.2f %%", r.customer_match_rate),
                  i18n_text(L, M_CUSTOMERS_MATCHED_NOTE));
    buf_puts(b, "</section><h2>");
    html_text(b, i18n_text(L, M_APPTS_PER_DAY_BY_CHANNEL));
    buf_puts(b, "</h2>");
    /* one stacked bar per day (17.4: axes, a title per bar); the table below repeats the numbers */
    static const char *const CLS[4] = {"phone", "influenced", "web", "other"};
    static const i18n_msg LEGEND[4] = {M_BY_PHONE, M_AFTER_CALL_ONLINE, M_ONLINE, M_OTHER};
    const char **labels = arena_alloc(a, sizeof *labels * (r.ndays + 1)), **shorts = arena_alloc(a, sizeof *shorts * (r.ndays + 1));
    long long *vals = arena_alloc(a, sizeof *vals * 4 * (r.ndays + 1));
    for (size_t i = 0; i < r.ndays; i++) {
        labels[i] = r.days[i].day;
        shorts[i] = dash_short_day(a, r.days[i].day);
        long long v[4] = {r.days[i].phone_booked, r.days[i].phone_influenced, r.days[i].web, r.days[i].other};
        memcpy(vals + 4 * i, v, sizeof v);
    }
    const char *series[4];
    for (int k = 0; k < 4; k++) series[k] = i18n_text(L, LEGEND[k]);
    dash_chart(b, a, &(dash_chart_spec){i18n_text(L, M_APPTS_PER_DAY), r.ndays, labels, shorts, 4, series, CLS, vals});
    buf_puts(b, "<div class=\"scroll\"><table><thead><tr>");
    dash_th(b, L, (const i18n_msg[]){M_DAY, M_BY_PHONE, M_AFTER_CALL, M_ONLINE, M_OTHER}, 5);
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r.ndays; i++) {
        buf_puts(b, "<tr><td>");
        html_text(b, r.days[i].day);
        buf_printf(b, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>", r.days[i].phone_booked,
                   r.days[i].phone_influenced, r.days[i].web, r.days[i].other);
    }
    buf_puts(b, "</tbody></table></div>");
    dash_funnel(b, a, L, &r);
    buf_puts(b, "</div><script src=\"/static/live.js\" defer></script>");
    dash_page_end(resp);
}
