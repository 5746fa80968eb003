/* phone.c: E.164 normalisation and legacy variants (see phone.h). */
#include "phone.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *iso, *cc;
} COUNTRIES[] = {
    {"DE", "49"}, {"AT", "43"}, {"CH", "41"}, {"FR", "33"}, {"NL", "31"}, {"BE", "32"}, {"LU", "352"},
    {"IT", "39"}, {"ES", "34"}, {"PL", "48"}, {"DK", "45"}, {"CZ", "420"}, {"GB", "44"}, {"US", "1"},
};

const char *phone_country_code(const char *iso2)
{
    for (size_t i = 0; i < sizeof COUNTRIES / sizeof *COUNTRIES; i++)
        if (iso2 && strcasecmp(COUNTRIES[i].iso, iso2) == 0) return COUNTRIES[i].cc;
    return NULL;
}

int phone_is_withheld(const char *raw)
{
    static const char *const WORDS[] = {"anonymous", "unknown", "private", "withheld", "blocked",
                                        "restricted", "unavailable", "anonym", "unbekannt", "null"};
    if (!raw) return 1;
    while (isspace((unsigned char)*raw)) raw++;
    if (!*raw) return 1;
    size_t n = strlen(raw);
    while (n && isspace((unsigned char)raw[n - 1])) n--;
    for (size_t i = 0; i < sizeof WORDS / sizeof *WORDS; i++)
        if (strlen(WORDS[i]) == n && strncasecmp(raw, WORDS[i], n) == 0) return 1;
    return 0;
}

int phone_normalize(const char *raw, const char *default_cc, char out[PHONE_MAX])
{
    out[0] = '\0';
    if (phone_is_withheld(raw)) return -1;
    while (isspace((unsigned char)*raw)) raw++;
    if (strncasecmp(raw, "tel:", 4) == 0) raw += 4;
    char d[64];
    size_t n = 0;
    int plus = 0;
    for (const char *p = raw; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isdigit(c)) {
            if (n + 1 >= sizeof d) return -1;
            d[n++] = (char)c;
        } else if (c == '+') {
            if (n || plus) return -1; /* '+' only in front */
            plus = 1;
        } else if (c == '(' && p[1] == '0' && p[2] == ')' && (plus || n)) {
            p += 2; /* "+49 (0)221": the trunk 0 written for national callers */
        } else if (c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' || c == '\t' ||
                   c == 0xc2 || c == 0xa0) {
            continue; /* separators (0xc2 0xa0: no-break space) */
        } else {
            return -1; /* letters, extensions, other text: not a number we can dial */
        }
    }
    d[n] = '\0';
    char e[64];
    size_t cclen = strlen(default_cc);
    if (plus) {
        snprintf(e, sizeof e, "%s", d);
    } else if (n > 2 && d[0] == '0' && d[1] == '0') {
        snprintf(e, sizeof e, "%s", d + 2);
    } else if (n > 1 && d[0] == '0') {
        snprintf(e, sizeof e, "%s%s", default_cc, d + 1);
    } else if (n >= 10 + cclen - 2 && strncmp(d, default_cc, cclen) == 0) {
        snprintf(e, sizeof e, "%s", d); /* "4917612345678": already with the country code */
    } else if (n >= 10) {
        snprintf(e, sizeof e, "%s%s", default_cc, d); /* legacy rule: long bare national digits */
    } else {
        return -1;
    }
    size_t el = strlen(e);
    if (el < 7 || el > 15 || e[0] == '0') return -1;
    out[0] = '+';
    memcpy(out + 1, e, el + 1);
    return 0;
}

size_t phone_variants(const char *e164, const char *default_cc, arena *a, const char *out[PHONE_MAX_VARIANTS])
{
    size_t k = 0;
    if (!e164 || e164[0] != '+') return 0;
    out[k++] = arena_strdup(a, e164);
    out[k++] = arena_strdup(a, e164 + 1);
    out[k++] = arena_printf(a, "00%s", e164 + 1);
    size_t cclen = strlen(default_cc);
    if (strncmp(e164 + 1, default_cc, cclen) == 0) out[k++] = arena_printf(a, "0%s", e164 + 1 + cclen);
    return k;
}
