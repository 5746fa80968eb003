/* fuzz_sig_retell.c: feeds lib/sig.c's Retell scheme ("v=<ms>,d=<hex>").
 *
 * Input: an X-Retell-Signature header value, '\n', the body bytes.
 * sig_retell_verify() with the fixture key and clock (timestamp_ms of
 * tests/fixtures/retell/signatures.json, tolerance 5 min) must return one of
 * its results, SIG_OK only for the real MAC of body || v; then the header
 * sig_retell_sign() makes must verify, also upper-cased, and must be stale
 * one millisecond outside the window on either side. */
#include <ctype.h>

#include "sig.h"
#include "fuzz.h"

#define KEY "key_fixture_retell_webhook_badge_0001"
#define NOW_MS 1773132233000LL
#define TOL_MS 300000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *header;
    const uint8_t *body;
    size_t blen;
    fuzz_split(data, size, '\n', &header, &body, &blen);
    sig_result r = sig_retell_verify(KEY, body, blen, header, NOW_MS, TOL_MS);
    FUZZ_CHECK(r == SIG_OK || r == SIG_MISSING || r == SIG_MALFORMED || r == SIG_STALE || r == SIG_MISMATCH);
    FUZZ_CHECK(sig_retell_verify("", body, blen, header, NOW_MS, TOL_MS) == SIG_NO_SECRET);
    if (r == SIG_OK) { /* the real MAC for the header's own timestamp */
        long long v = strtoll(header + 2, NULL, 10);
        char want[100];
        sig_retell_sign(KEY, body, blen, v, want);
        FUZZ_CHECK(strcasecmp(strchr(header, ','), strchr(want, ',')) == 0);
    }

    /* a clock taken from the input, inside the window */
    int64_t ts = NOW_MS - TOL_MS + (int64_t)(blen * 7919 % (2 * TOL_MS + 1));
    char h[100];
    sig_retell_sign(KEY, body, blen, ts, h);
    FUZZ_CHECK(sig_retell_verify(KEY, body, blen, h, NOW_MS, TOL_MS) == SIG_OK);
    FUZZ_CHECK(sig_retell_verify(KEY, body, blen, h, ts + TOL_MS, TOL_MS) == SIG_OK);
    FUZZ_CHECK(sig_retell_verify(KEY, body, blen, h, ts - TOL_MS, TOL_MS) == SIG_OK);
    FUZZ_CHECK(sig_retell_verify(KEY, body, blen, h, ts + TOL_MS + 1, TOL_MS) == SIG_STALE);
    FUZZ_CHECK(sig_retell_verify(KEY, body, blen, h, ts - TOL_MS - 1, TOL_MS) == SIG_STALE);
    for (char *c = strchr(h, ','); *c; c++) *c = (char)toupper((unsigned char)*c);
    h[2 + strcspn(h + 2, ",") + 1] = 'd'; /* "D=" is not the format: keep the label */
    FUZZ_CHECK(sig_retell_verify(KEY, body, blen, h, NOW_MS, TOL_MS) == SIG_OK);
    free(header);
    return 0;
}
