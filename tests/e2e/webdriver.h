/* webdriver.h: a real browser for the e2e tests: Debian's headless Chromium
 * driven through chromedriver's WebDriver API (test_95, test_89). Everything
 * returned lives in the test's arena (e2e_arena()). */
#ifndef SB_WEBDRIVER_H
#define SB_WEBDRIVER_H

#include "e2e.h"

/* cmocka group setup/teardown: e2e_setup, then Chromium (window width x height) and chromedriver, one session. */
int wd_start(void **state, int width, int height);
int wd_stop(void **state);
/* a WebDriver command; the parsed answer (caller puts it) / one that must not fail */
json_object *wd(const char *method, const char *path, const char *body);
void wd_ok(const char *method, const char *path, const char *body);
/* "/session/<id>" + fmt with one %s argument a */
const char *wd_path(const char *fmt, const char *a);
/* open SB_TEST_URL + path */
void wd_go(const char *path);
/* the element matching css, waiting up to 20 s */
const char *wd_element(const char *css);
void wd_type(const char *css, const char *text);
void wd_click(const char *css);
/* the current page's source */
const char *wd_source(void);
/* wait (up to 20 s) until the page contains text; fails the test otherwise */
void wd_wait_for(const char *text);
/* save a screenshot NAME.png (VAR/screenshots, tests/out, and $SB_SCREENSHOTS when set); fails on a blank page */
void wd_shot(const char *name);
/* fail on a SEVERE browser console entry (a CSP violation is one) */
void wd_no_console_errors(const char *where);
/* run a script in the page; its result as JSON text */
const char *wd_script(const char *js);
/* resize the browser window */
void wd_window(int width, int height);

#endif
