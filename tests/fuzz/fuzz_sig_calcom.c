/* fuzz_sig_calcom.c: feeds lib/sig.c's Cal.com scheme.
 *
 * Input: an X-Cal-Signature-256 header value, '\n', the body bytes.
 * sig_calcom_verify() with the fixture secret must return one of its results
 * and only SIG_OK for the real MAC; then the MAC of the body made by
 * sig_calcom_sign() must verify as sent, upper-cased and with "sha256=", and
 * one flipped hex digit must not. */
#include <ctype.h>

#include "sig.h"
#include "fuzz.h"

#define SECRET "whsec_fixture_salon_haarmonie_0001" /* tests/fixtures/calcom/signatures.json */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *header;
    const uint8_t *body;
    size_t blen;
    fuzz_split(data, size, '\n', &header, &body, &blen);
    sig_result r = sig_calcom_verify(SECRET, body, blen, header);
    FUZZ_CHECK(r == SIG_OK || r == SIG_MISSING || r == SIG_MALFORMED || r == SIG_MISMATCH);
    FUZZ_CHECK(sig_calcom_verify("", body, blen, header) == SIG_NO_SECRET);
    FUZZ_CHECK(sig_calcom_verify(NULL, body, blen, header) == SIG_NO_SECRET);

    char mac[65], alt[72];
    sig_calcom_sign(SECRET, body, blen, mac);
    FUZZ_CHECK(strlen(mac) == 64);
    if (r == SIG_OK) { /* only the real MAC, in some spelling */
        const char *h = strncmp(header, "sha256=", 7) ? header : header + 7;
        FUZZ_CHECK(strcasecmp(h, mac) == 0);
    }
    FUZZ_CHECK(sig_calcom_verify(SECRET, body, blen, mac) == SIG_OK);
    snprintf(alt, sizeof alt, "sha256=%s", mac);
    FUZZ_CHECK(sig_calcom_verify(SECRET, body, blen, alt) == SIG_OK);
    for (char *c = mac; *c; c++) *c = (char)toupper((unsigned char)*c);
    FUZZ_CHECK(sig_calcom_verify(SECRET, body, blen, mac) == SIG_OK);
    mac[blen % 64] = mac[blen % 64] == '0' ? '1' : '0';
    FUZZ_CHECK(sig_calcom_verify(SECRET, body, blen, mac) == SIG_MISMATCH);
    free(header);
    return 0;
}
