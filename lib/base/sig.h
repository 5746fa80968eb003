/* sig.h: webhook signature schemes of Cal.com and Retell, on raw body bytes.
 *
 * Both are HMAC-SHA256 (OpenSSL) compared in constant time (CRYPTO_memcmp).
 * A missing secret is its own result so callers fail closed with 503 rather
 * than treating "not configured" as "unsigned is fine".
 *   Cal.com: X-Cal-Signature-256 = hex(HMAC(secret, body)); an optional
 *            "sha256=" prefix is tolerated; "no-secret-provided" is rejected.
 *   Retell:  X-Retell-Signature = "v=<unix ms>,d=<hex HMAC(api key, body || ms)>",
 *            |now - v| <= tolerance (inclusive), hex in either case. */
#ifndef SB_SIG_H
#define SB_SIG_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SIG_OK = 0,
    SIG_NO_SECRET,   /* the receiver has no secret configured */
    SIG_MISSING,     /* no header, or an empty one */
    SIG_MALFORMED,   /* header not in the provider's format */
    SIG_STALE,       /* Retell timestamp outside the tolerance window */
    SIG_MISMATCH,    /* well-formed but the MAC does not match */
} sig_result;

/* Human-readable reason, for the 401 body and the log. Static string. */
const char *sig_result_message(sig_result r);

sig_result sig_calcom_verify(const char *secret, const void *body, size_t len, const char *header);
sig_result sig_retell_verify(const char *api_key, const void *body, size_t len, const char *header,
                             int64_t now_ms, int64_t tolerance_ms);

/* Produce the header value a provider would send. out must hold 65 / 100 bytes. */
void sig_calcom_sign(const char *secret, const void *body, size_t len, char out[65]);
void sig_retell_sign(const char *api_key, const void *body, size_t len, int64_t ts_ms, char out[100]);

/* Lowercase hex SHA-256 of data (65 bytes with NUL). */
void sig_sha256_hex(const void *data, size_t len, char out[65]);

#endif
