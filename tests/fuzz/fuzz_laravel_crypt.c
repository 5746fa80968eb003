/* fuzz_laravel_crypt.c: feeds lib/laravel_crypt.c's laravel_decrypt() past its MAC.
 *
 * A fuzzer cannot forge HMAC-SHA256, so the target holds the key (a fixed
 * APP_KEY) and builds what the database would hold. Input: one mode byte,
 * then the rest.
 *   even: the rest is a plaintext (up to its first NUL); it is encrypted with
 *         laravel_encrypt() and decrypted again, so every byte reaches the
 *         PHP-serialised string unwrap (issue 15 #1: "s:-1:" copied SIZE_MAX
 *         bytes). Properties: decryption succeeds, the result is the text or
 *         a part of it, and "s:N:\"x\";" unwraps to exactly x.
 *   odd:  the rest is the wrapper JSON ({"iv","value","mac"} of any types);
 *         when iv and value are strings the right MAC replaces "mac", so bad
 *         iv lengths, bad base64 and wrong padding reach the AES step.
 *         Property: 0 or -1, a reason on -1, a NUL-terminated result on 0.
 * A small output buffer (the mode byte's upper bits) checks the length guard. */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "json.h"
#include "laravel_crypt.h"
#include "fuzz.h"

#define APP_KEY "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
static const unsigned char KEY[32] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                      16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

static char *b64(const unsigned char *in, size_t n)
{
    char *out = malloc((n + 2) / 3 * 4 + 1);
    if (!out) abort();
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    return out;
}

/* the wrapper with the MAC Laravel would have written, base64'd; NULL when the JSON does not parse */
static char *signed_wrapper(const char *json_text)
{
    json_object *o = json_tokener_parse(json_text);
    if (!o) return NULL;
    const char *iv = json_get_str(o, "iv"), *val = json_get_str(o, "value");
    if (iv && val && json_object_is_type(o, json_type_object)) {
        size_t a = strlen(iv), b = strlen(val);
        char *msg = malloc(a + b + 1);
        if (!msg) abort();
        memcpy(msg, iv, a);
        memcpy(msg + a, val, b + 1);
        unsigned char mac[32];
        unsigned int ml = 32;
        HMAC(EVP_sha256(), KEY, 32, (unsigned char *)msg, a + b, mac, &ml);
        free(msg);
        char hexmac[65];
        for (int i = 0; i < 32; i++) snprintf(hexmac + 2 * i, 3, "%02x", mac[i]);
        json_object_object_add(o, "mac", json_object_new_string(hexmac));
    }
    const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    char *out = b64((const unsigned char *)t, strlen(t));
    json_object_put(o);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096) return 0;
    unsigned mode = data[0];
    char *rest = fuzz_cstr(data + 1, size - 1);
    size_t outlen = (mode >> 1) % 8 == 0 ? 4 : 1024;
    char *out = malloc(outlen), err[160] = "";
    if (!out) abort();
    if (mode % 2 == 0) {
        size_t plen = strlen(rest);
        size_t enclen = (plen + 200) * 2 + 400;
        char *enc = malloc(enclen);
        if (!enc) abort();
        FUZZ_CHECK(laravel_encrypt(APP_KEY, rest, enc, enclen) == 0);
        int rc = laravel_decrypt(APP_KEY, enc, out, outlen, err, sizeof err);
        if (plen < outlen) FUZZ_CHECK(rc == 0); /* the unwrapped text is never longer */
        if (rc == 0) {
            FUZZ_CHECK(strlen(out) < outlen && strlen(out) <= plen);
            FUZZ_CHECK(strstr(rest, out) != NULL);
            /* a well-formed s:N:"x"; is always unwrapped */
            size_t declared = 0, k = 2;
            if (plen > 5 && rest[0] == 's' && rest[1] == ':') {
                while (k < plen && k < 11 && rest[k] >= '0' && rest[k] <= '9') declared = declared * 10 + (size_t)(rest[k++] - '0');
                if (k > 2 && k + 2 + declared + 2 == plen && rest[k] == ':' && rest[k + 1] == '"' && rest[plen - 2] == '"' &&
                    rest[plen - 1] == ';')
                    FUZZ_CHECK(strlen(out) == declared && memcmp(out, rest + k + 2, declared) == 0);
            }
        } else {
            FUZZ_CHECK(*err);
        }
        free(enc);
    } else {
        char *payload = signed_wrapper(rest);
        int rc = laravel_decrypt(APP_KEY, payload ? payload : rest, out, outlen, err, sizeof err);
        FUZZ_CHECK(rc == 0 || rc == -1);
        if (rc == 0) FUZZ_CHECK(strlen(out) < outlen);
        else FUZZ_CHECK(*err);
        free(payload);
    }
    free(out);
    free(rest);
    return 0;
}
