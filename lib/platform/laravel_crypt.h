/* laravel_crypt.h: reading values the Laravel app encrypted (Crypt::encrypt /
 * encryptString, the "encrypted" casts), such as companies.calcom_api_key.
 *
 * Payload: base64 of {"iv": b64, "value": b64 ciphertext, "mac": hex
 * HMAC-SHA256(key, iv + value), "tag": ""}, AES-256-CBC, key = APP_KEY
 * ("base64:..." or raw 32 bytes). The MAC is checked in constant time before
 * anything is decrypted. A PHP-serialised string (s:N:"...";) is unwrapped. */
#ifndef SB_LARAVEL_CRYPT_H
#define SB_LARAVEL_CRYPT_H

#include <stddef.h>

/* 0 with the plaintext in out (NUL-terminated), or -1 with the reason in err
 * (never the key or the plaintext). */
int laravel_decrypt(const char *app_key, const char *payload, char *out, size_t outlen, char *err, size_t errlen);
/* The inverse, for tests and tools: 0 or -1. */
int laravel_encrypt(const char *app_key, const char *plain, char *out, size_t outlen);

#endif
