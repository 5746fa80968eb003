/* sig.c: Cal.com and Retell signature verification (see sig.h). */
#include "sig.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HEX[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX[in[i] >> 4];
        out[2 * i + 1] = HEX[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Decode exactly 64 hex chars into 32 bytes; -1 if s is anything else. */
static int hex32_decode(const char *s, size_t n, unsigned char out[32])
{
    if (n != 64) return -1;
    for (size_t i = 0; i < 32; i++) {
        int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

/* HMAC-SHA256(key, part1 || part2) */
static void hmac256(const char *key, const void *p1, size_t n1, const void *p2, size_t n2,
                    unsigned char mac[32])
{
    /* fetched once per process: the lookup costs more than the MAC itself */
    static EVP_MAC *m;
    if (!m) m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    size_t outl = 0;
    if (!ctx || !EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key), params) ||
        !EVP_MAC_update(ctx, p1, n1) || (n2 && !EVP_MAC_update(ctx, p2, n2)) ||
        !EVP_MAC_final(ctx, mac, &outl, 32))
        abort(); /* libcrypto broken: nothing sane to do */
    EVP_MAC_CTX_free(ctx);
}

const char *sig_result_message(sig_result r)
{
    switch (r) {
    case SIG_OK: return "signature valid";
    case SIG_NO_SECRET: return "webhook secret is not configured on this server";
    case SIG_MISSING: return "signature header is missing";
    case SIG_MALFORMED: return "signature header is malformed";
    case SIG_STALE: return "signature timestamp is outside the allowed window";
    case SIG_MISMATCH: return "signature does not match the body";
    }
    return "signature invalid";
}

sig_result sig_calcom_verify(const char *secret, const void *body, size_t len, const char *header)
{
    if (!secret || !*secret) return SIG_NO_SECRET;
    if (!header || !*header) return SIG_MISSING;
    if (strncmp(header, "sha256=", 7) == 0) header += 7;
    unsigned char got[32], want[32];
    if (hex32_decode(header, strlen(header), got) != 0) return SIG_MALFORMED;
    hmac256(secret, body, len, NULL, 0, want);
    return CRYPTO_memcmp(got, want, 32) == 0 ? SIG_OK : SIG_MISMATCH;
}

sig_result sig_retell_verify(const char *api_key, const void *body, size_t len, const char *header,
                             int64_t now_ms, int64_t tolerance_ms)
{
    if (!api_key || !*api_key) return SIG_NO_SECRET;
    if (!header || !*header) return SIG_MISSING;
    /* exactly ^v=(\d+),d=([0-9a-f]{64})$ (case-insensitive), as retell-sdk 5.66 */
    if (strncmp(header, "v=", 2) != 0) return SIG_MALFORMED;
    const char *ts = header + 2, *p = ts;
    while (isdigit((unsigned char)*p)) p++;
    size_t tslen = (size_t)(p - ts);
    if (tslen == 0 || tslen > 16 || strncmp(p, ",d=", 3) != 0) return SIG_MALFORMED;
    unsigned char got[32], want[32];
    if (hex32_decode(p + 3, strlen(p + 3), got) != 0) return SIG_MALFORMED;
    int64_t v = strtoll(ts, NULL, 10);
    int64_t age = now_ms - v;
    if (age > tolerance_ms || age < -tolerance_ms) return SIG_STALE;
    hmac256(api_key, body, len, ts, tslen, want);
    return CRYPTO_memcmp(got, want, 32) == 0 ? SIG_OK : SIG_MISMATCH;
}

void sig_calcom_sign(const char *secret, const void *body, size_t len, char out[65])
{
    unsigned char mac[32];
    hmac256(secret, body, len, NULL, 0, mac);
    to_hex(mac, 32, out);
}

void sig_retell_sign(const char *api_key, const void *body, size_t len, int64_t ts_ms, char out[100])
{
    char ts[24], hex[65];
    unsigned char mac[32];
    int n = snprintf(ts, sizeof ts, "%lld", (long long)ts_ms);
    hmac256(api_key, body, len, ts, (size_t)n, mac);
    to_hex(mac, 32, hex);
    snprintf(out, 100, "v=%s,d=%s", ts, hex);
}

void sig_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL)) abort();
    to_hex(md, 32, out);
}
