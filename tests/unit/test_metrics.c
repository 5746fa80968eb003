/* test_metrics.c: the Prometheus text of lib/metrics.c stays well-formed
 * whatever event type a payload brought (issue 15 #13). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"

static const char *label(const char *s)
{
    static buf b = BUF_INIT;
    buf_reset(&b);
    metrics_label(&b, s);
    return buf_cstr(&b);
}

static void label_values_are_escaped(void **state)
{
    (void)state;
    assert_string_equal(label("BOOKING_CREATED"), "BOOKING_CREATED");
    assert_string_equal(label("a\"b"), "a\\\"b");
    assert_string_equal(label("a\\b"), "a\\\\b");
    assert_string_equal(label("a\nb"), "a\\nb");
    assert_string_equal(label("a\rb\tc"), "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
    assert_string_equal(label("Grüße"), "Grüße");
    assert_string_equal(label("x\xc3"), "x\xef\xbf\xbd");       /* cut sequence */
    assert_string_equal(label("\xc0\xafx"), "\xef\xbf\xbd\xef\xbf\xbdx"); /* overlong '/' */
    assert_string_equal(label(""), "");
}

static const char *one_route(size_t i) { return i == 0 ? "POST /api/calcom/webhook" : NULL; }

/* every line is a comment or name{label="value",...} number, with the values as the text format allows */
static void exposition_stays_well_formed(void **state)
{
    (void)state;
    char path[] = "/tmp/sb-metrics-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    assert_int_equal(metrics_open(path), 0);
    static const char *const TYPES[] = {"BOOKING_CREATED", "x\"} 1\nswitchboard_fake{a=\"b", "back\\slash\\", "\xff\xfe",
                                        "ÄÖÜ\r\n# HELP injected"};
    for (size_t i = 0; i < sizeof TYPES / sizeof *TYPES; i++) metrics_processed("calcom", TYPES[i], "processed", 12);
    buf out = BUF_INIT;
    metrics_request(0, 200);
    metrics_render(&out, one_route);
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^[a-z_]+\\{[a-z_]+=\"([^\"\\\\\n]|\\\\[\"\\\\n])*\"(,[a-z_]+=\"([^\"\\\\\n]|\\\\[\"\\\\n])*\")*\\} "
                             "[0-9.+eInf]+$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    char *text = strdup(buf_cstr(&out)), *save = NULL;
    int samples = 0, helps = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') {
            assert_true(!strncmp(line, "# HELP switchboard_", 19) || !strncmp(line, "# TYPE switchboard_", 19));
            helps += !strncmp(line, "# HELP", 6);
            continue;
        }
        if (regexec(&re, line, 0, NULL, 0) != 0) fail_msg("malformed line: %s", line);
        assert_true(strncmp(line, "switchboard_fake", 16) != 0);
        samples++;
    }
    assert_int_equal(helps, 6); /* the 4 families of requests and events, and the 2 of the function log (D91) */
    assert_true(samples > 5 * 4);
    assert_non_null(strstr(buf_cstr(&out), "event_type=\"x\\\"} 1\\nswitchboard_fake{a=\\\"b\""));
    regfree(&re);
    free(text);
    buf_free(&out);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(label_values_are_escaped),
        cmocka_unit_test(exposition_stays_well_formed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
