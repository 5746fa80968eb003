/* fuzz_form.c: feeds lib/form.c (login and replay form bodies, query strings,
 * the Cookie header).
 *
 * Input: a field name, '\n', the encoded text. form_value() and
 * cookie_value() run with that name and with the names the dashboard reads
 * (csrf, email, sb_session, sb_lang, ...); a value found is never longer
 * than the text it came from, and a form value found for a name that
 * appears nowhere in the text is impossible. The dashboard's links are built
 * with html_url(): the text encoded that way and read back as "q=<encoded>"
 * must give the text unchanged (the two halves agree on percent-encoding).
 * The text is also an Accept-Language header and an sb_lang cookie value:
 * the language chosen is always de or en. */
#include "form.h"
#include "html.h"
#include "i18n.h"
#include "fuzz.h"

static void one(const char *text, const char *name, arena *a)
{
    size_t tl = strlen(text);
    const char *v = form_value(text, name, a);
    if (v) FUZZ_CHECK(strlen(v) <= tl && strstr(text, name));
    const char *c = cookie_value(text, name, a);
    if (c) FUZZ_CHECK(strlen(c) <= tl && strstr(text, name));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const NAMES[] = {"csrf", "email", "password", "id", "to", "branch", "status", "after",
                                        "sb_session", "sb_company", "sb_lang", "a", ""};
    char *name;
    const uint8_t *rest;
    size_t tlen;
    fuzz_split(data, size, '\n', &name, &rest, &tlen);
    char *text = fuzz_cstr(rest, tlen);
    arena *a = arena_new(1024);
    one(text, name, a);
    for (size_t i = 0; i < sizeof NAMES / sizeof *NAMES; i++) one(text, NAMES[i], a);
    FUZZ_CHECK(form_value(NULL, name, a) == NULL && cookie_value(NULL, name, a) == NULL);
    sb_lang lang = i18n_from_accept_language(text);
    FUZZ_CHECK(lang == LANG_DE || lang == LANG_EN);
    if (i18n_parse_code(text, &lang)) FUZZ_CHECK(!strcmp(text, i18n_code(lang)));
    buf b = BUF_INIT;
    buf_puts(&b, "x=1&q=");
    html_url(&b, text);
    buf_puts(&b, "&q=2");
    const char *back = form_value(buf_cstr(&b), "q", a);
    FUZZ_CHECK(back && !strcmp(back, text));
    buf_free(&b);
    arena_free(a);
    free(text);
    free(name);
    return 0;
}
