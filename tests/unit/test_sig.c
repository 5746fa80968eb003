/* test_sig.c: Cal.com and Retell signature schemes against the fixture
 * vectors (tests/fixtures/{calcom,retell}/signatures.json), RFC 4231 and the
 * Retell SDK vector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"
#include "unit_util.h"

#define TOL 300000

/* signatures.json of both providers, loaded once by the group setup */
static json_object *calcom_sigs, *retell_sigs;

static int load_vectors(void **state)
{
    (void)state;
    calcom_sigs = json_object_from_file(CALCOM_FIXTURES "/signatures.json");
    retell_sigs = json_object_from_file(RETELL_FIXTURES "/signatures.json");
    return calcom_sigs && retell_sigs ? 0 : -1;
}

static int free_vectors(void **state)
{
    (void)state;
    json_object_put(calcom_sigs);
    json_object_put(retell_sigs);
    return 0;
}

static const char *vec_str(json_object *sigs, const char *key)
{
    json_object *v = NULL;
    assert_true(json_object_object_get_ex(sigs, key, &v));
    assert_true(json_object_is_type(v, json_type_string));
    return json_object_get_string(v);
}

static json_object *vec_files(json_object *sigs)
{
    json_object *files = NULL;
    assert_true(json_object_object_get_ex(sigs, "files", &files));
    assert_true(json_object_is_type(files, json_type_object));
    assert_true(json_object_object_length(files) > 0);
    return files;
}

static int64_t retell_ts(void)
{
    json_object *v = NULL;
    assert_true(json_object_object_get_ex(retell_sigs, "timestamp_ms", &v));
    return json_object_get_int64(v);
}

/* One fixture body with its expected Cal.com hex / Retell header. */
typedef struct {
    char *body;
    size_t len;
    const char *expect;
} vector;

static vector load_vector(json_object *sigs, const char *dir, const char *file)
{
    json_object *e = NULL;
    assert_true(json_object_object_get_ex(vec_files(sigs), file, &e));
    vector v = {NULL, 0, json_object_get_string(e)};
    v.body = ut_read_fixture(dir, file, &v.len);
    assert_non_null(v.body);
    return v;
}

/* ---- Cal.com ---------------------------------------------------------- */

static void test_calcom_every_fixture_verifies(void **state)
{
    (void)state;
    const char *secret = vec_str(calcom_sigs, "secret");
    int n = 0;
    json_object_object_foreach(vec_files(calcom_sigs), file, hexobj)
    {
        size_t len = 0;
        char *body = ut_read_fixture(CALCOM_FIXTURES, file, &len);
        assert_non_null(body);
        const char *hex = json_object_get_string(hexobj);
        if (sig_calcom_verify(secret, body, len, hex) != SIG_OK) fail_msg("%s does not verify", file);
        char out[65];
        sig_calcom_sign(secret, body, len, out);
        assert_string_equal(out, hex);
        free(body);
        n++;
    }
    assert_int_equal(n, json_object_object_length(vec_files(calcom_sigs)));
}

static void test_calcom_prefix_and_uppercase_accepted(void **state)
{
    (void)state;
    const char *secret = vec_str(calcom_sigs, "secret");
    vector v = load_vector(calcom_sigs, CALCOM_FIXTURES, "webhook_booking_created.json");
    char hdr[80], upper[65];
    snprintf(hdr, sizeof hdr, "sha256=%s", v.expect);
    assert_int_equal(sig_calcom_verify(secret, v.body, v.len, hdr), SIG_OK);
    ut_upper(v.expect, upper, sizeof upper);
    assert_string_not_equal(upper, v.expect); /* the vector does contain letters */
    assert_int_equal(sig_calcom_verify(secret, v.body, v.len, upper), SIG_OK);
    free(v.body);
}

static void test_calcom_tampered_body_mismatch(void **state)
{
    (void)state;
    const char *secret = vec_str(calcom_sigs, "secret");
    vector v = load_vector(calcom_sigs, CALCOM_FIXTURES, "webhook_booking_created.json");
    char *longer = malloc(v.len + 1);
    assert_non_null(longer);
    memcpy(longer, v.body, v.len);
    longer[v.len] = '\n';
    assert_int_equal(sig_calcom_verify(secret, longer, v.len + 1, v.expect), SIG_MISMATCH);
    /* one flipped bit in the middle */
    v.body[v.len / 2] ^= 1;
    assert_int_equal(sig_calcom_verify(secret, v.body, v.len, v.expect), SIG_MISMATCH);
    /* dropping the trailing newline also changes the MAC */
    v.body[v.len / 2] ^= 1;
    assert_int_equal(sig_calcom_verify(secret, v.body, v.len - 1, v.expect), SIG_MISMATCH);
    free(longer);
    free(v.body);
}

static void test_calcom_wrong_secret_mismatch(void **state)
{
    (void)state;
    vector v = load_vector(calcom_sigs, CALCOM_FIXTURES, "webhook_ping.json");
    assert_int_equal(sig_calcom_verify("whsec_fixture_salon_haarmonie_0002", v.body, v.len, v.expect),
                     SIG_MISMATCH);
    free(v.body);
}

static void test_calcom_malformed_missing_no_secret(void **state)
{
    (void)state;
    const char *secret = vec_str(calcom_sigs, "secret");
    vector v = load_vector(calcom_sigs, CALCOM_FIXTURES, "webhook_ping.json");
    char h63[64], h65[80], bad[65];
    memcpy(h63, v.expect, 63);
    h63[63] = '\0';
    snprintf(h65, sizeof h65, "%s0", v.expect);
    memcpy(bad, v.expect, 65);
    bad[10] = 'g';

    /* what Cal.com sends when the subscriber has no secret */
    assert_int_equal(sig_calcom_verify(secret, v.body, v.len, "no-secret-provided"), SIG_MALFORMED);
    assert_int_equal(sig_calcom_verify(secret, v.body, v.len, h63), SIG_MALFORMED);
    assert_int_equal(sig_calcom_verify(secret, v.body, v.len, h65), SIG_MALFORMED);
    assert_int_equal(sig_calcom_verify(secret, v.body, v.len, bad), SIG_MALFORMED);
    assert_int_equal(sig_calcom_verify(secret, v.body, v.len, "sha256="), SIG_MALFORMED);
    assert_int_equal(sig_calcom_verify(secret, v.body, v.len, NULL), SIG_MISSING);
    assert_int_equal(sig_calcom_verify(secret, v.body, v.len, ""), SIG_MISSING);
    assert_int_equal(sig_calcom_verify("", v.body, v.len, v.expect), SIG_NO_SECRET);
    assert_int_equal(sig_calcom_verify(NULL, v.body, v.len, v.expect), SIG_NO_SECRET);
    free(v.body);
}

static void test_hmac_rfc4231(void **state)
{
    (void)state;
    char out[65];
    static const char msg2[] = "what do ya want for nothing?";
    sig_calcom_sign("Jefe", msg2, strlen(msg2), out);
    assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* test case 1: key = 20 x 0x0b, "Hi There" */
    char key1[21];
    memset(key1, 0x0b, 20);
    key1[20] = '\0';
    sig_calcom_sign(key1, "Hi There", 8, out);
    assert_string_equal(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void test_sha256_hex(void **state)
{
    (void)state;
    char out[65];
    sig_sha256_hex("abc", 3, out);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sig_sha256_hex("", 0, out);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_result_messages(void **state)
{
    (void)state;
    const sig_result all[] = {SIG_OK, SIG_NO_SECRET, SIG_MISSING, SIG_MALFORMED, SIG_STALE, SIG_MISMATCH};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        const char *m = sig_result_message(all[i]);
        assert_non_null(m);
        assert_true(*m);
        for (size_t j = 0; j < i; j++) assert_string_not_equal(m, sig_result_message(all[j]));
    }
}

/* ---- Retell ----------------------------------------------------------- */

static void test_retell_every_fixture_verifies(void **state)
{
    (void)state;
    const char *key = vec_str(retell_sigs, "api_key");
    int64_t ts = retell_ts();
    int n = 0;
    json_object_object_foreach(vec_files(retell_sigs), file, hdrobj)
    {
        size_t len = 0;
        char *body = ut_read_fixture(RETELL_FIXTURES, file, &len);
        assert_non_null(body);
        const char *hdr = json_object_get_string(hdrobj);
        sig_result r = sig_retell_verify(key, body, len, hdr, ts, TOL);
        if (r != SIG_OK) fail_msg("%s does not verify: %s", file, sig_result_message(r));
        char out[100];
        sig_retell_sign(key, body, len, ts, out);
        assert_string_equal(out, hdr);
        free(body);
        n++;
    }
    assert_int_equal(n, json_object_object_length(vec_files(retell_sigs)));
}

static void test_retell_time_window_inclusive(void **state)
{
    (void)state;
    const char *key = vec_str(retell_sigs, "api_key");
    int64_t ts = retell_ts();
    vector v = load_vector(retell_sigs, RETELL_FIXTURES, "webhook_call_started.json");
    assert_int_equal(sig_retell_verify(key, v.body, v.len, v.expect, ts + TOL, TOL), SIG_OK);
    assert_int_equal(sig_retell_verify(key, v.body, v.len, v.expect, ts - TOL, TOL), SIG_OK);
    assert_int_equal(sig_retell_verify(key, v.body, v.len, v.expect, ts + TOL + 1, TOL), SIG_STALE);
    /* a signature from the future (sender clock ahead) */
    assert_int_equal(sig_retell_verify(key, v.body, v.len, v.expect, ts - TOL - 1, TOL), SIG_STALE);
    /* the tolerance parameter is honoured, not a constant */
    assert_int_equal(sig_retell_verify(key, v.body, v.len, v.expect, ts + 1001, 1000), SIG_STALE);
    assert_int_equal(sig_retell_verify(key, v.body, v.len, v.expect, ts + 1000, 1000), SIG_OK);
    free(v.body);
}

static void test_retell_tampered_and_wrong_key(void **state)
{
    (void)state;
    const char *key = vec_str(retell_sigs, "api_key");
    int64_t ts = retell_ts();
    vector v = load_vector(retell_sigs, RETELL_FIXTURES, "webhook_call_ended.json");
    char *longer = malloc(v.len + 1);
    assert_non_null(longer);
    memcpy(longer, v.body, v.len);
    longer[v.len] = ' ';
    assert_int_equal(sig_retell_verify(key, longer, v.len + 1, v.expect, ts, TOL), SIG_MISMATCH);
    assert_int_equal(sig_retell_verify("key_fixture_retell_webhook_badge_0002", v.body, v.len, v.expect, ts, TOL),
                     SIG_MISMATCH);
    /* the timestamp is covered by the MAC: same digest, other v= */
    const char *d = strstr(v.expect, ",d=");
    assert_non_null(d);
    char moved[120];
    snprintf(moved, sizeof moved, "v=%lld%s", (long long)(ts + 1), d);
    assert_int_equal(sig_retell_verify(key, v.body, v.len, moved, ts, TOL), SIG_MISMATCH);
    free(longer);
    free(v.body);
}

static void test_retell_uppercase_digest_accepted(void **state)
{
    (void)state;
    const char *key = vec_str(retell_sigs, "api_key");
    int64_t ts = retell_ts();
    vector v = load_vector(retell_sigs, RETELL_FIXTURES, "webhook_call_started.json");
    const char *d = strstr(v.expect, ",d=");
    assert_non_null(d);
    char hex[65], upper[65], hdr[120];
    snprintf(hex, sizeof hex, "%s", d + 3);
    ut_upper(hex, upper, sizeof upper);
    assert_string_not_equal(hex, upper);
    snprintf(hdr, sizeof hdr, "v=%lld,d=%s", (long long)ts, upper);
    assert_int_equal(sig_retell_verify(key, v.body, v.len, hdr, ts, TOL), SIG_OK);
    free(v.body);
}

static void test_retell_malformed_missing_no_secret(void **state)
{
    (void)state;
    const char *key = vec_str(retell_sigs, "api_key");
    int64_t ts = retell_ts();
    vector v = load_vector(retell_sigs, RETELL_FIXTURES, "webhook_call_started.json");
    const char *hex = strstr(v.expect, ",d=") + 3;
    char swapped[120], letters[120], spaced[120], short63[120], long65[120];
    snprintf(swapped, sizeof swapped, "d=%s,v=%lld", hex, (long long)ts);
    snprintf(letters, sizeof letters, "v=abc,d=%s", hex);
    snprintf(spaced, sizeof spaced, "v=%lld, d=%s", (long long)ts, hex);
    snprintf(short63, sizeof short63, "v=%lld,d=%.63s", (long long)ts, hex);
    snprintf(long65, sizeof long65, "v=%lld,d=%s0", (long long)ts, hex);

    const char *malformed[] = {"v=123", swapped, letters, spaced, short63, long65, "v=,d=", hex};
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        sig_result r = sig_retell_verify(key, v.body, v.len, malformed[i], ts, TOL);
        if (r != SIG_MALFORMED) fail_msg("\"%s\": got %d, want SIG_MALFORMED", malformed[i], (int)r);
    }
    assert_int_equal(sig_retell_verify(key, v.body, v.len, NULL, ts, TOL), SIG_MISSING);
    assert_int_equal(sig_retell_verify(key, v.body, v.len, "", ts, TOL), SIG_MISSING);
    assert_int_equal(sig_retell_verify("", v.body, v.len, v.expect, ts, TOL), SIG_NO_SECRET);
    assert_int_equal(sig_retell_verify(NULL, v.body, v.len, v.expect, ts, TOL), SIG_NO_SECRET);
    free(v.body);
}

static void test_retell_sdk_vector(void **state)
{
    (void)state;
    static const char body[] = "{\"event\":\"call_ended\"}";
    char out[100];
    sig_retell_sign("test-api-key", body, strlen(body), 1700000000000LL, out);
    assert_true(ut_starts_with(out, "v=1700000000000,d=07024cab"));
    assert_true(ut_ends_with(out, "823e"));
    assert_int_equal(strlen(out), strlen("v=1700000000000,d=") + 64);
    assert_int_equal(sig_retell_verify("test-api-key", body, strlen(body), out, 1700000000000LL, TOL), SIG_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calcom_every_fixture_verifies),
        cmocka_unit_test(test_calcom_prefix_and_uppercase_accepted),
        cmocka_unit_test(test_calcom_tampered_body_mismatch),
        cmocka_unit_test(test_calcom_wrong_secret_mismatch),
        cmocka_unit_test(test_calcom_malformed_missing_no_secret),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_sha256_hex),
        cmocka_unit_test(test_result_messages),
        cmocka_unit_test(test_retell_every_fixture_verifies),
        cmocka_unit_test(test_retell_time_window_inclusive),
        cmocka_unit_test(test_retell_tampered_and_wrong_key),
        cmocka_unit_test(test_retell_uppercase_digest_accepted),
        cmocka_unit_test(test_retell_malformed_missing_no_secret),
        cmocka_unit_test(test_retell_sdk_vector),
    };
    return cmocka_run_group_tests(tests, load_vectors, free_vectors);
}
