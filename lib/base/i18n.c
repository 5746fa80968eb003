/* i18n.c: see i18n.h. The message table and the Accept-Language parser. */
#include "i18n.h"

#include <stddef.h>
#include <string.h>

/* [id] = {German, English}; a gap stays {NULL, NULL} and fails tests/unit/test_i18n.c */
static const char *const TEXTS[M_COUNT][LANG_COUNT] = {
    [M_NAV_OVERVIEW] = {"Übersicht", "Overview"},
    [M_NAV_CHANNELS] = {"Kanäle", "Channels"},
    [M_NAV_AGENTS] = {"Agenten", "Agents"},
    [M_NAV_CALLS] = {"Anrufe", "Calls"},
    [M_NAV_APPOINTMENTS] = {"Termine", "Appointments"},
    [M_NAV_WEBHOOKS] = {"Webhooks", "Webhooks"},
    [M_OPERATOR_SUFFIX] = {" (Betrieb)", " (operator)"},
    [M_LOGOUT] = {"Abmelden", "Sign out"},
    [M_COMPANY] = {"Firma", "Company"},
    [M_BRANCH] = {"Filiale", "Branch"},
    [M_ALL] = {"alle", "all"},
    [M_SHOW] = {"Anzeigen", "Show"},
    [M_LOGIN] = {"Anmelden", "Sign in"},
    [M_EMAIL] = {"E-Mail", "Email"},
    [M_PASSWORD] = {"Passwort", "Password"},
    [M_LOGIN_LOCKED] = {"Zu viele Fehlversuche. Bitte versuchen Sie es in 15 Minuten erneut.",
                        "Too many failed attempts. Please try again in 15 minutes."},
    [M_LOGIN_WRONG] = {"E-Mail-Adresse oder Passwort ist falsch.", "Email address or password is wrong."},
    [M_LOGIN_UNAVAILABLE] = {"Die Anmeldung ist gerade nicht möglich. Bitte später erneut versuchen.",
                             "Signing in is not possible right now. Please try again later."},
    [M_LOGIN_REFUSED] = {"Dieses Konto ist keinem Unternehmen zugeordnet und hat keinen Betreiberzugang.",
                         "This account belongs to no company and has no operator access."},
    [M_LOGIN_EXPIRED] = {"Das Formular ist abgelaufen. Bitte melden Sie sich erneut an.",
                         "The form has expired. Please sign in again."},
    [M_PERIOD] = {"Zeitraum", "Period"},
    [M_PERIOD_TODAY] = {"heute", "today"},
    [M_PERIOD_7] = {"7 Tage", "7 days"},
    [M_PERIOD_30] = {"30 Tage", "30 days"},
    [M_PERIOD_90] = {"90 Tage", "90 days"},
    [M_FUNNEL] = {"Trichter", "Funnel"},
    [M_CALLS] = {"Anrufe", "Calls"},
    [M_CALLS_ALL_NOTE] = {"alle Anrufe", "all calls"},
    [M_ANSWERED] = {"angenommen", "answered"},
    [M_ANSWERED_NOTE] = {"Dauer > 0, keine Mailbox, kein Spam", "duration > 0, no voicemail, no spam"},
    [M_PHONE_BOOKED] = {"telefonisch gebucht", "booked by phone"},
    [M_PHONE_BOOKED_NOTE] = {"Regel a oder b", "rule a or b"},
    [M_BOOKED_ONLINE_AFTER] = {"danach online gebucht", "booked online afterwards"},
    [M_BOOKED_ONLINE_AFTER_NOTE] = {"Regeln b/c", "rules b/c"},
    [M_PHONE_BOOKING_RATE] = {"Telefon-Buchungsquote", "Phone booking rate"},
    [M_PREV_PERIOD_DELTA_FMT] = {"Vorperiode %.2f %% (%+.2f Punkte)", "previous period %.2f %% (%+.2f points)"},
    [M_WEB_BOOKING_SUCCESS] = {"Web-Buchungserfolg", "Web booking success"},
    [M_WEB_EVENTS_FMT] = {"%lld von %lld Cal.com-Ereignissen", "%lld of %lld Cal.com events"},
    [M_OVERALL_CONVERSION] = {"Gesamtkonversion", "Overall conversion"},
    [M_PREV_PERIOD_FMT] = {"Vorperiode %.2f %%", "previous period %.2f %%"},
    [M_CUSTOMERS_MATCHED] = {"Kunden erkannt", "Customers recognised"},
    [M_CUSTOMERS_MATCHED_NOTE] = {"ohne Platzhalter-Kunden", "without placeholder customers"},
    [M_APPTS_PER_DAY_BY_CHANNEL] = {"Termine pro Tag nach Kanal", "Appointments per day by channel"},
    [M_APPTS_PER_DAY] = {"Termine pro Tag", "Appointments per day"},
    [M_CHART_BAR_FMT] = {"%s: telefonisch %lld, nach Anruf %lld, online %lld, sonstige %lld",
                         "%s: by phone %lld, after a call %lld, online %lld, other %lld"},
    [M_BY_PHONE] = {"telefonisch", "by phone"},
    [M_AFTER_CALL] = {"nach Anruf", "after a call"},
    [M_AFTER_CALL_ONLINE] = {"nach Anruf online", "online after a call"},
    [M_ONLINE] = {"online", "online"},
    [M_OTHER] = {"sonstige", "other"},
    [M_DAY] = {"Tag", "Day"},
    /* the dashboard at a glance (issue 17) */
    [M_TIMES_IN_FMT] = {"Zeiten in %s", "Times in %s"},
    [M_TESTS_HIDDEN] = {"Testanrufe ausgeblendet", "Test calls left out"},
    [M_TESTS_SHOWN] = {"Testanrufe eingerechnet", "Test calls included"},
    [M_TESTS_SHOW] = {"einblenden", "include them"},
    [M_TESTS_HIDE] = {"ausblenden", "leave them out"},
    [M_COST_EUR] = {"Kosten (EUR)", "Cost (EUR)"},
    [M_RATE_FMT] = {"1 USD = %s EUR (%s); %lld Anrufe ohne EUR-Betrag von Laravel umgerechnet", "1 USD = %s EUR (%s); %lld calls without a EUR amount from Laravel converted"},
    [M_WEB_COST_NOTE] = {"Kosten des Online-Kanals dieser Firma, anteilig", "this company's web channel cost, prorated"},
    [M_TARGET_FMT] = {"Ziel %lld %%", "target %lld %%"},
    [M_TARGET_MET_FMT] = {"Ziel %lld %%: erreicht", "target %lld %%: met"},
    [M_TARGET_MISSED_FMT] = {"Ziel %lld %%: verfehlt", "target %lld %%: missed"},
    [M_TARGET_MS_MET_FMT] = {"Ziel %.1f s: erreicht", "target %.1f s: met"},
    [M_TARGET_MS_MISSED_FMT] = {"Ziel %.1f s: verfehlt", "target %.1f s: missed"},
    [M_TREND_UP] = {"steigend", "rising"},
    [M_TREND_DOWN] = {"fallend", "falling"},
    [M_TREND_FLAT] = {"gleich", "unchanged"},
    [M_SYNC_P99] = {"Sync (p99)", "Sync (p99)"},
    [M_SYNC_NOTE] = {"Webhook bis Zeile: 99 von 100 Ereignissen der letzten Stunde", "webhook to row: 99 in 100 of the last hour's events"},
    [M_WANTED] = {"wollten einen Termin", "wanted an appointment"},
    [M_ATTENDED] = {"erschienen", "attended"},
    [M_NO_SHOW] = {"nicht erschienen", "no-show"},
    [M_CANCELLED] = {"storniert", "cancelled"},
    [M_FUNNEL_PHONE] = {"Telefon: vom Anruf bis zum Stuhl", "Phone: from the call to the chair"},
    [M_FUNNEL_WEB] = {"Online: von der Buchung bis zum Stuhl", "Web: from the booking to the chair"},
    [M_WEB_BOOKINGS] = {"Cal.com-Buchungen", "Cal.com bookings"},
    [M_STEP] = {"Schritt", "Step"},
    [M_NUMBER_COL] = {"Anzahl", "Count"},
    [M_SHARE] = {"Anteil", "Share"},
    [M_CALLS_PER_DAY] = {"Anrufe pro Tag", "Calls per day"},
    [M_APPTS_BY_CHANNEL_CHART] = {"Termine nach Kanal", "Appointments by channel"},
    [M_CALLS_PER_AGENT] = {"Anrufe und Buchungen pro Agent", "Calls and bookings per agent"},
    [M_FRESHNESS] = {"Letzte Läufe", "Last runs"},
    [M_COMMAND] = {"Befehl", "Command"},
    [M_LAST_RUN] = {"Letzter Lauf", "Last run"},
    [M_LAST_OK] = {"Letzter Erfolg", "Last success"},
    [M_OUTCOME] = {"Ergebnis", "Outcome"},
    [M_NEVER] = {"nie", "never"},
    [M_TEST_NUMBERS] = {"Testnummern", "Test numbers"},
    [M_TEST_NUMBERS_NOTE] = {"Anrufe von diesen Nummern zählen in keiner Kennzahl.", "Calls from these numbers count in no figure."},
    [M_NUMBER] = {"Nummer", "Number"},
    [M_LABEL] = {"Bezeichnung", "Label"},
    [M_ADD] = {"Hinzufügen", "Add"},
    [M_REMOVE] = {"Entfernen", "Remove"},
    [M_EVENT] = {"Ereignis", "Event"},
    [M_PAYLOAD] = {"Payload", "Payload"},
    [M_HEADERS] = {"Header", "Headers"},
    [M_ATTEMPTS] = {"Versuche", "Attempts"},
    [M_ERROR] = {"Fehler", "Error"},
    [M_REPLAYS] = {"Replays", "Replays"},
    [M_ROWS_WRITTEN] = {"Geschriebene Zeilen", "Rows written"},
    [M_SEARCH_EVENTS] = {"Anruf-ID, Buchungs-UID, E-Mail oder Telefon", "call id, booking uid, email or phone"},
    [M_PROCESSED_AT] = {"Verarbeitet", "Processed"},
    [M_ANSWERED_NOT_BOOKED] = {"angenommen, ohne Buchung", "answered, not booked"},
    [M_NOT_ANSWERED] = {"nicht angenommen", "not answered"},
    [M_STATUS] = {"Status", "Status"},
    [M_BACKLOG] = {"Rückstand", "Backlog"},
    [M_BACKLOG_NOTE] = {"wartend + fällige Wiederholungen", "pending + retries due"},
    [M_DEAD] = {"dead", "dead"},
    [M_DEAD_NOTE] = {"brauchen einen Menschen", "need a human"},
    [M_LAG_P99] = {"Verzögerung p99", "Lag p99"},
    [M_LAG_NOTE] = {"letzte Stunde, Eingang bis verarbeitet", "last hour, received to processed"},
    [M_PROVIDER] = {"Anbieter", "Provider"},
    [M_FILTER] = {"Filtern", "Filter"},
    [M_REPLAY_ALL_FMT] = {"Alle %s-Ereignisse dieses Filters erneut verarbeiten (höchstens %d)",
                          "Process all %s events of this filter again (at most %d)"},
    [M_TYPE] = {"Typ", "Type"},
    [M_ID] = {"ID", "ID"},
    [M_RECEIVED_UTC] = {"Eingang", "Received"},
    [M_NOTE] = {"Hinweis", "Note"},
    [M_REPLAY] = {"Erneut verarbeiten", "Process again"},
    [M_SEARCH] = {"Suche", "Search"},
    [M_OLDER] = {"Ältere →", "Older →"},
    [M_STARTED_UTC] = {"Beginn", "Start"},
    [M_CALLER] = {"Anrufer", "Caller"},
    [M_DURATION_S] = {"Dauer s", "Duration s"},
    [M_CUSTOMER] = {"Kunde", "Customer"},
    [M_APPOINTMENT] = {"Termin", "Appointment"},
    [M_WEBHOOK_EVENTS] = {"Webhook-Ereignisse", "Webhook events"},
    [M_RECEIVED] = {"Eingang", "Received"},
    [M_CALL] = {"Anruf", "Call"},
    [M_RETELL_ID] = {"Retell-ID", "Retell ID"},
    [M_FROM] = {"von", "from"},
    [M_TO] = {"an", "to"},
    [M_CUSTOMER_MATCHED_BY] = {"Kunde erkannt über", "Customer matched by"},
    [M_APPOINTMENT_LINKED_BY] = {"Termin verknüpft über", "Appointment linked by"},
    [M_SUMMARY] = {"Zusammenfassung", "Summary"},
    [M_CREATED] = {"angelegt", "created"},
    [M_STARTS] = {"Beginn", "Start"},
    [M_SOURCE] = {"Quelle", "Source"},
    [M_SERVICE] = {"Leistung", "Service"},
    [M_CALCOM_UID] = {"Cal.com-UID", "Cal.com UID"},
    [M_CANCELLATION_REASON] = {"Absagegrund", "Cancellation reason"},
    [M_HISTORY] = {"Änderungsverlauf", "Change history"},
    [M_TIME] = {"Zeit", "Time"},
    [M_ACTION] = {"Aktion", "Action"},
    [M_CAUSE] = {"Auslöser", "Cause"},
    [M_CHANGES] = {"Änderungen", "Changes"},
    [M_DURING_CALL] = {"während des Anrufs", "during the call"},
    [M_CALL_INFLUENCED] = {"Anruf hat beeinflusst", "the call influenced it"},
    [M_CALCOM_WITHOUT_CALL] = {"Cal.com ohne Anruf", "Cal.com without a call"},
    [M_CALL_TO_BOOKING] = {"Anruf bis Buchung", "Call to booking"},
    [M_REVENUE_BY_CHANNEL] = {"Ertrag je Kanal", "Revenue by channel"},
    [M_CHANNEL] = {"Kanal", "Channel"},
    [M_VALUE_EUR] = {"Wert (EUR)", "Value (EUR)"},
    [M_COST] = {"Kosten", "Cost"},
    [M_PHONE] = {"Telefon", "Phone"},
    [M_WEB] = {"Web", "Web"},
    [M_REPORT_CSV] = {"Bericht als CSV", "Report as CSV"},
    [M_AGENT] = {"Agent", "Agent"},
    [M_BOOKED] = {"gebucht", "booked"},
    [M_RATE_PCT] = {"Quote %", "Rate %"},
    [M_MEAN_DURATION_S] = {"Ø Dauer s", "Ø duration s"},
    [M_COST_PER_BOOKING] = {"Kosten je Buchung (EUR)", "Cost per booking (EUR)"},
    [M_TREND] = {"Verlauf", "Trend"},
    [M_SPARK_FMT] = {"Anrufe pro Tag, letzte 14 Tage (heute %lld)", "Calls per day, last 14 days (today %lld)"},
    [M_NAV_CALLBACKS] = {"Rückrufe", "Callbacks"},
    [M_CB_OPEN_COUNT_LABEL] = {"offene Rückrufe", "open callbacks"},
    [M_REASON] = {"Grund", "Reason"},
    [M_WISH] = {"Wunsch", "Wanted"},
    [M_WHY_OPEN] = {"Warum offen", "Why"},
    [M_CLOSED] = {"Abgeschlossen", "Closed"},
    [M_CB_OPEN] = {"offen", "open"},
    [M_CB_DONE] = {"erledigt", "done"},
    [M_CB_DISMISSED] = {"verworfen", "dismissed"},
    [M_MARK_DONE] = {"Erledigt", "Done"},
    [M_DISMISS] = {"Verwerfen", "Dismiss"},
    [M_CB_AUTOMATIC] = {"automatisch: Termin gebucht", "automatic: appointment booked"},
    [M_R_PROMISED] = {"Rückruf versprochen", "callback promised"},
    [M_R_BOOKING_FAILED] = {"Buchung fehlgeschlagen", "booking failed"},
    [M_R_NO_BOOKING] = {"nach Termin gefragt, nicht gebucht", "asked for a slot, did not book"},
    [M_R_ANALYSIS] = {"laut Auswertung Terminwunsch", "analysis: wanted an appointment"},
    [M_WITHHELD] = {"unterdrückt", "withheld"},
    [M_NO_CALLBACKS] = {"Keine Rückrufe in dieser Auswahl.", "No callbacks in this selection."},
    [M_CONVERSATION] = {"Gesprächsverlauf", "Conversation"},
    [M_EV_CALL_STARTED] = {"Anruf begonnen", "Call started"},
    [M_EV_FUNCTION] = {"Funktionsaufruf", "Function call"},
    [M_ARGUMENTS] = {"Angaben", "Arguments"},
    [M_ANSWER_SPOKEN] = {"Gesprochene Antwort", "Answer spoken"},
    [M_EV_BOOKED] = {"Termin gebucht", "Appointment booked"},
    [M_EV_CANCELLED] = {"Termin storniert", "Appointment cancelled"},
    [M_EV_CALL_ENDED] = {"Anruf beendet", "Call ended"},
    [M_DISCONNECTION] = {"Grund des Endes", "Disconnection reason"},
    [M_EV_ANALYSIS] = {"Auswertung", "Analysis"},
    [M_SENTIMENT] = {"Stimmung", "Sentiment"},
    [M_CUSTOM_ANALYSIS] = {"Eigene Auswertungsfelder", "Custom analysis fields"},
    [M_TRANSCRIPT] = {"Gesprächsprotokoll", "Transcript"},
    [M_RECORDING] = {"Aufnahme anhören", "Listen to the recording"},
    [M_EV_CONVERSION] = {"Konversion", "Conversion"},
    [M_RULE] = {"Regel", "Rule"},
    [M_CONFIDENCE] = {"Sicherheit", "Confidence"},
    [M_RULE_A] = {"a: während des Anrufs gebucht", "a: booked during the call"},
    [M_RULE_B] = {"b: gleiche Nummer, danach online gebucht", "b: same number, booked online afterwards"},
    [M_RULE_C] = {"c: gleicher Kunde, danach online gebucht", "c: same customer, booked online afterwards"},
    [M_NOT_CONVERTED] = {"kein Termin verknüpft", "no appointment linked"},
    [M_NO_FUNCTIONS] = {"Keine Funktionsaufrufe aufgezeichnet.", "No function calls recorded."},
    [M_NOT_YET] = {"noch nicht", "not yet"},
    [M_PROVIDER_TIME] = {"Zeit laut Retell", "time at Retell"},
};

static const char *const CODES[LANG_COUNT] = {"de", "en"};
static const char *const NAMES[LANG_COUNT] = {"Deutsch", "English"};

const char *i18n_text(sb_lang lang, i18n_msg id)
{
    if ((unsigned)lang >= LANG_COUNT || (unsigned)id >= M_COUNT || !TEXTS[id][lang]) return "";
    return TEXTS[id][lang];
}

const char *i18n_code(sb_lang lang) { return CODES[(unsigned)lang < LANG_COUNT ? lang : LANG_DE]; }

const char *i18n_native_name(sb_lang lang) { return NAMES[(unsigned)lang < LANG_COUNT ? lang : LANG_DE]; }

int i18n_parse_code(const char *s, sb_lang *out)
{
    for (int l = 0; s && l < LANG_COUNT; l++)
        if (!strcmp(s, CODES[l])) {
            *out = (sb_lang)l;
            return 1;
        }
    return 0;
}

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_ows(char c) { return c == ' ' || c == '\t'; }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* A weight "0", "0.5", "1.000" (RFC 9110 §12.4.2) between p and end, in
 * thousandths; -1 when malformed. */
static int parse_q(const char *p, const char *end)
{
    if (p >= end || (*p != '0' && *p != '1')) return -1;
    int q = (*p++ - '0') * 1000, scale = 100;
    if (p < end && *p == '.') {
        p++;
        for (int n = 0; p < end && *p >= '0' && *p <= '9'; n++, p++, scale /= 10) {
            if (n == 3) return -1;
            q += (*p - '0') * scale;
        }
    }
    return p == end && q <= 1000 ? q : -1;
}

/* One entry "en-US;q=0.8" between p and end: its primary subtag (or "*")
 * into tag (lower case) and its weight; 0 when malformed. */
static int parse_entry(const char *p, const char *end, char tag[9], int *q)
{
    while (p < end && is_ows(*p)) p++;
    while (end > p && is_ows(end[-1])) end--;
    size_t n = 0;
    if (p < end && *p == '*') {
        tag[n++] = *p++;
    } else {
        while (p < end && is_alpha(*p) && n < 8) tag[n++] = lower(*p++);
        if (!n || (p < end && is_alpha(*p))) return 0;
        while (p < end && *p == '-') { /* subtags: 1*8 alphanumerics each, read and ignored */
            size_t k = 0;
            for (p++; p < end && (is_alpha(*p) || (*p >= '0' && *p <= '9')); p++) k++;
            if (k < 1 || k > 8) return 0;
        }
    }
    tag[n] = '\0';
    *q = 1000;
    while (p < end) { /* parameters: OWS ";" OWS name "=" value; only q counts */
        while (p < end && is_ows(*p)) p++;
        if (p == end) break;
        if (*p != ';') return 0;
        p++;
        while (p < end && is_ows(*p)) p++;
        const char *pend = p;
        while (pend < end && *pend != ';') pend++;
        const char *vend = pend;
        while (vend > p && is_ows(vend[-1])) vend--;
        if (vend - p >= 2 && lower(p[0]) == 'q' && p[1] == '=') {
            *q = parse_q(p + 2, vend);
            if (*q < 0) return 0;
        }
        p = pend;
    }
    return 1;
}

sb_lang i18n_from_accept_language(const char *header)
{
    int q[LANG_COUNT], pos[LANG_COUNT], star_q = -1, star_pos = 0, i = 0;
    for (int l = 0; l < LANG_COUNT; l++) q[l] = -1, pos[l] = 0;
    for (const char *p = header; p && *p; i++) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        char tag[9];
        int w;
        if (parse_entry(p, end, tag, &w)) {
            if (!strcmp(tag, "*")) {
                if (w > star_q) star_q = w, star_pos = i;
            } else {
                for (int l = 0; l < LANG_COUNT; l++) /* the highest weight a language is named with */
                    if (!strcmp(tag, CODES[l]) && w > q[l]) q[l] = w, pos[l] = i;
            }
        }
        p = comma ? comma + 1 : end;
    }
    int best = LANG_DE, best_q = 0, best_pos = 0;
    for (int l = 0; l < LANG_COUNT; l++) {
        int ql = q[l], pl = pos[l];
        if (ql < 0 && star_q >= 0) ql = star_q, pl = star_pos; /* not named: what "*" says */
        if (ql > best_q || (ql == best_q && ql > 0 && pl < best_pos)) best = l, best_q = ql, best_pos = pl;
    }
    return (sb_lang)best;
}
