/* fuzz_form.c: feeds lib/form.c (login and replay form bodies, query strings,
 * the Cookie header).
 *
 * Input: a field name, '\n', the encoded text. form_value() and
 * cookie_value() run with that name and with the names the dashboard reads
 * (csrf, email, sb_session, sb_lang, ...); a value found is never longer
 * than the text it came from, and a form value found for a name that
 * appears nowhere in the text is impossible. */
#include "../../lib/form.h"
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
    arena_free(a);
    free(text);
    free(name);
    return 0;
}
