/* i18n.h: the dashboard's two languages (German, English) and its one message table.
 *
 * Every user-visible label of the HTML dashboard is a message id here, with a
 * German and an English text in lib/i18n.c. Texts are static strings: nothing
 * to free. A few texts are printf formats (marked "fmt"); their conversions
 * are the same in both languages (tests/unit/test_i18n.c checks it).
 * Data never goes into a text: pages still pass data through lib/html.h.
 * The language of a request is chosen in app/dashboard.c (cookie sb_lang,
 * then Accept-Language, then German). */
#ifndef SB_I18N_H
#define SB_I18N_H

typedef enum sb_lang { LANG_DE = 0, LANG_EN = 1 } sb_lang;
#define LANG_COUNT 2

typedef enum i18n_msg {
    /* header, navigation, login */
    M_NAV_OVERVIEW,
    M_NAV_CHANNELS,
    M_NAV_AGENTS,
    M_NAV_CALLS,
    M_NAV_APPOINTMENTS,
    M_NAV_WEBHOOKS,
    M_OPERATOR_SUFFIX,  /* after the user's name */
    M_LOGOUT,
    M_COMPANY,
    M_BRANCH,
    M_ALL,
    M_SHOW,
    M_LOGIN,
    M_EMAIL,
    M_PASSWORD,
    M_LOGIN_LOCKED,
    M_LOGIN_WRONG,
    M_LOGIN_UNAVAILABLE,
    M_LOGIN_REFUSED,         /* password right, but no company and not an operator (D131) */
    M_LOGIN_EXPIRED,         /* the login form's CSRF token is missing or wrong (D134) */
    /* periods */
    M_PERIOD,
    M_PERIOD_TODAY,
    M_PERIOD_7,
    M_PERIOD_30,
    M_PERIOD_90,
    /* overview */
    M_FUNNEL,
    M_CALLS,
    M_CALLS_ALL_NOTE,
    M_ANSWERED,
    M_ANSWERED_NOTE,
    M_PHONE_BOOKED,
    M_PHONE_BOOKED_NOTE,
    M_BOOKED_ONLINE_AFTER,
    M_BOOKED_ONLINE_AFTER_NOTE,
    M_PHONE_BOOKING_RATE,
    M_PREV_PERIOD_DELTA_FMT, /* fmt: %.2f %+.2f */
    M_WEB_BOOKING_SUCCESS,
    M_WEB_EVENTS_FMT,        /* fmt: %lld %lld */
    M_OVERALL_CONVERSION,
    M_PREV_PERIOD_FMT,       /* fmt: %.2f */
    M_CUSTOMERS_MATCHED,
    M_CUSTOMERS_MATCHED_NOTE,
    M_APPTS_PER_DAY_BY_CHANNEL,
    M_APPTS_PER_DAY,
    M_CHART_BAR_FMT,         /* fmt: %s %lld %lld %lld %lld */
    M_BY_PHONE,
    M_AFTER_CALL,
    M_AFTER_CALL_ONLINE,
    M_ONLINE,
    M_OTHER,
    M_DAY,
    /* the dashboard at a glance (issue 17) */
    M_TIMES_IN_FMT,          /* fmt: %s */
    M_TESTS_HIDDEN,
    M_TESTS_SHOWN,
    M_TESTS_SHOW,
    M_TESTS_HIDE,
    M_COST_EUR,
    M_RATE_FMT,              /* fmt: %s %s %lld */
    M_WEB_COST_NOTE,
    M_TARGET_FMT,            /* fmt: %lld */
    M_TARGET_MET_FMT,        /* fmt: %lld */
    M_TARGET_MISSED_FMT,     /* fmt: %lld */
    M_TARGET_MS_MET_FMT,     /* fmt: %.1f */
    M_TARGET_MS_MISSED_FMT,  /* fmt: %.1f */
    M_TREND_UP,
    M_TREND_DOWN,
    M_TREND_FLAT,
    M_SYNC_P99,
    M_SYNC_NOTE,
    M_WANTED,
    M_ATTENDED,
    M_NO_SHOW,
    M_CANCELLED,
    M_FUNNEL_PHONE,
    M_FUNNEL_WEB,
    M_WEB_BOOKINGS,
    M_STEP,
    M_NUMBER_COL,
    M_SHARE,
    M_CALLS_PER_DAY,
    M_APPTS_BY_CHANNEL_CHART,
    M_CALLS_PER_AGENT,
    M_FRESHNESS,
    M_COMMAND,
    M_LAST_RUN,
    M_LAST_OK,
    M_OUTCOME,
    M_NEVER,
    M_TEST_NUMBERS,
    M_TEST_NUMBERS_NOTE,
    M_NUMBER,
    M_LABEL,
    M_ADD,
    M_REMOVE,
    M_EVENT,
    M_PAYLOAD,
    M_HEADERS,
    M_ATTEMPTS,
    M_ERROR,
    M_REPLAYS,
    M_ROWS_WRITTEN,
    M_SEARCH_EVENTS,
    M_PROCESSED_AT,
    M_ANSWERED_NOT_BOOKED,
    M_NOT_ANSWERED,
    /* webhooks */
    M_STATUS,
    M_BACKLOG,
    M_BACKLOG_NOTE,
    M_DEAD,
    M_DEAD_NOTE,
    M_LAG_P99,
    M_LAG_NOTE,
    M_PROVIDER,
    M_FILTER,
    M_REPLAY_ALL_FMT,        /* fmt: %s %d */
    M_TYPE,
    M_ID,
    M_RECEIVED_UTC,
    M_NOTE,
    M_REPLAY,
    /* lists and details */
    M_SEARCH,
    M_OLDER,
    M_STARTED_UTC,
    M_CALLER,
    M_DURATION_S,
    M_CUSTOMER,
    M_APPOINTMENT,
    M_WEBHOOK_EVENTS,
    M_RECEIVED,
    M_CALL,
    M_RETELL_ID,
    M_FROM,
    M_TO,
    M_CUSTOMER_MATCHED_BY,
    M_APPOINTMENT_LINKED_BY,
    M_SUMMARY,
    M_CREATED,
    M_STARTS,
    M_SOURCE,
    M_SERVICE,
    M_CALCOM_UID,
    M_CANCELLATION_REASON,
    M_HISTORY,
    M_TIME,
    M_ACTION,
    M_CAUSE,
    M_CHANGES,
    /* channels, agents */
    M_DURING_CALL,
    M_CALL_INFLUENCED,
    M_CALCOM_WITHOUT_CALL,
    M_CALL_TO_BOOKING,
    M_REVENUE_BY_CHANNEL,
    M_CHANNEL,
    M_VALUE_EUR,
    M_COST,
    M_PHONE,
    M_WEB,
    M_REPORT_CSV,
    M_AGENT,
    M_BOOKED,
    M_RATE_PCT,
    M_MEAN_DURATION_S,
    M_COST_PER_BOOKING,
    M_TREND,
    M_SPARK_FMT,             /* fmt: %lld */
    /* the call page and Rückrufe (app/dashboard_call.c, app/dashboard_callbacks.c) */
    M_NAV_CALLBACKS,
    M_CB_OPEN_COUNT_LABEL,
    M_REASON,
    M_WISH,
    M_WHY_OPEN,
    M_CLOSED,
    M_CB_OPEN,
    M_CB_DONE,
    M_CB_DISMISSED,
    M_MARK_DONE,
    M_DISMISS,
    M_CB_AUTOMATIC,
    M_R_PROMISED,
    M_R_BOOKING_FAILED,
    M_R_NO_BOOKING,
    M_R_ANALYSIS,
    M_WITHHELD,
    M_NO_CALLBACKS,
    M_CONVERSATION,
    M_EV_CALL_STARTED,
    M_EV_FUNCTION,
    M_ARGUMENTS,
    M_ANSWER_SPOKEN,
    M_EV_BOOKED,
    M_EV_CANCELLED,
    M_EV_CALL_ENDED,
    M_DISCONNECTION,
    M_EV_ANALYSIS,
    M_SENTIMENT,
    M_CUSTOM_ANALYSIS,
    M_TRANSCRIPT,
    M_RECORDING,
    M_EV_CONVERSION,
    M_RULE,
    M_CONFIDENCE,
    M_RULE_A,
    M_RULE_B,
    M_RULE_C,
    M_NOT_CONVERTED,
    M_NO_FUNCTIONS,
    M_NOT_YET,
    M_PROVIDER_TIME,
    M_COUNT
} i18n_msg;

/* The text of id in lang (static; "" for an id out of range). */
const char *i18n_text(sb_lang lang, i18n_msg id);
/* "de" / "en" (the <html lang> and cookie value). */
const char *i18n_code(sb_lang lang);
/* "Deutsch" / "English": a language's name in itself, for the switch link. */
const char *i18n_native_name(sb_lang lang);
/* Exactly "de" or "en" into *out: 1; anything else (NULL too): 0. */
int i18n_parse_code(const char *s, sb_lang *out);
/* The best of de/en for an Accept-Language header (RFC 9110 §12.5.4):
 * q-values respected (q=0 excludes), a region ignored (de-CH is de), `*`
 * stands for a language the header does not name, equal q goes to the earlier
 * entry, malformed entries are skipped. NULL, empty, garbage or nothing
 * acceptable: German. No allocation. */
sb_lang i18n_from_accept_language(const char *header);

#endif
