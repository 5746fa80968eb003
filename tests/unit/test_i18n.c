/* test_i18n.c: the Accept-Language choice and the completeness of the message table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "i18n.h"

static void accept_language_picks_by_q(void **state)
{
    (void)state;
    static const struct {
        const char *header;
        sb_lang want;
    } CASES[] = {
        {"en-US,en;q=0.9,de;q=0.8", LANG_EN},
        {"de-CH", LANG_DE},
        {"fr, en;q=0.5", LANG_EN},
        {"en", LANG_EN},
        {"EN-gb", LANG_EN},
        {"de;q=0.5, en;q=0.6", LANG_EN},
        {"en;q=0.6, de;q=0.7", LANG_DE},
        {"en, de", LANG_EN},            /* equal weight: the earlier one */
        {"de, en", LANG_DE},
        {"en;q=0, de;q=0", LANG_DE},    /* nothing acceptable: the default */
        {"en;q=0", LANG_DE},
        {"de;q=0, en;q=0.1", LANG_EN},  /* q=0 excludes */
        {"de;q=0, *", LANG_EN},         /* "*": any language not named */
        {"fr, *;q=0.5", LANG_DE},
        {"en;q=0.4, *;q=0.8", LANG_DE}, /* de is not named, so it gets the 0.8 of "*" */
        {"*", LANG_DE},
        {"", LANG_DE},
        {NULL, LANG_DE},
        {"fr-FR, it", LANG_DE},
        {";;;,,,", LANG_DE},
        {"en;q=2", LANG_DE},            /* malformed weight: the entry is skipped */
        {"en;q=0.1234", LANG_DE},
        {"en;q=abc, de;q=0.1", LANG_DE},
        {"english", LANG_DE},           /* a primary subtag is at most 8 letters, and not "en" */
        {"en-", LANG_DE},
        {" en-US ; q=0.9 , de ; q=0.8 ", LANG_EN},
        {"en;level=1;q=0.7, de;q=0.6", LANG_EN},
        {"de-DE-1996, en;q=1.0", LANG_DE},
        {"x\r\nSet-Cookie: a=b, en", LANG_EN},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++)
        if (i18n_from_accept_language(CASES[i].header) != CASES[i].want)
            fail_msg("\"%s\": want %s", CASES[i].header ? CASES[i].header : "(null)", i18n_code(CASES[i].want));
}

static void codes_parse_exactly(void **state)
{
    (void)state;
    sb_lang l = LANG_DE;
    assert_true(i18n_parse_code("en", &l) && l == LANG_EN);
    assert_true(i18n_parse_code("de", &l) && l == LANG_DE);
    assert_false(i18n_parse_code("EN", &l));
    assert_false(i18n_parse_code("en-US", &l));
    assert_false(i18n_parse_code("", &l));
    assert_false(i18n_parse_code(NULL, &l));
    assert_string_equal(i18n_code(LANG_EN), "en");
    assert_string_equal(i18n_native_name(LANG_DE), "Deutsch");
}

/* the conversions of a printf format, in order ("%.2f %% %lld" -> "f%lld") */
static void conversions(const char *fmt, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') continue;
        p++;
        while (*p && strchr("+-.# 0123456789", *p)) p++;
        while (*p && strchr("hlzjt", *p) && n + 1 < cap) out[n++] = *p++;
        if (*p && n + 1 < cap) out[n++] = *p;
        if (!*p) break;
    }
    out[n] = '\0';
}

static void every_message_has_both_texts(void **state)
{
    (void)state;
    for (int id = 0; id < M_COUNT; id++) {
        const char *de = i18n_text(LANG_DE, (i18n_msg)id), *en = i18n_text(LANG_EN, (i18n_msg)id);
        if (!*de || !*en) fail_msg("message %d lacks a %s text", id, *de ? "English" : "German");
        char cde[32], cen[32];
        conversions(de, cde, sizeof cde);
        conversions(en, cen, sizeof cen);
        if (strcmp(cde, cen)) fail_msg("message %d: the formats differ (\"%s\" / \"%s\")", id, de, en);
    }
    assert_string_equal(i18n_text(LANG_EN, M_COUNT), "");
    assert_string_equal(i18n_text(LANG_DE, M_NAV_OVERVIEW), "Übersicht");
    assert_string_equal(i18n_text(LANG_EN, M_NAV_OVERVIEW), "Overview");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accept_language_picks_by_q),
        cmocka_unit_test(codes_parse_exactly),
        cmocka_unit_test(every_message_has_both_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
