/* laravel_crypt.c: Laravel's Encrypter, AES-256-CBC + HMAC-SHA256 (see laravel_crypt.h). */
#include "laravel_crypt.h"

#include "json.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int b64dec(const char *in, unsigned char *out, size_t outcap, size_t *outlen)
{
    size_t n = strlen(in);
    if (n % 4 || (n / 4) * 3 > outcap) return -1;
    int len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
    if (len < 0) return -1;
    if (n >= 1 && in[n - 1] == '=') len--;
    if (n >= 2 && in[n - 2] == '=') len--;
    *outlen = (size_t)len;
    return 0;
}

static int app_key_bytes(const char *app_key, unsigned char key[32])
{
    if (!app_key) return -1;
    if (!strncmp(app_key, "base64:", 7)) {
        unsigned char tmp[64];
        size_t n;
        if (b64dec(app_key + 7, tmp, sizeof tmp, &n) != 0 || n != 32) return -1;
        memcpy(key, tmp, 32);
        return 0;
    }
    if (strlen(app_key) != 32) return -1;
    memcpy(key, app_key, 32);
    return 0;
}

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char H[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = H[in[i] >> 4];
        out[2 * i + 1] = H[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static void mac_hex(const unsigned char key[32], const char *iv_b64, const char *value_b64, char out[65])
{
    size_t a = strlen(iv_b64), b = strlen(value_b64);
    char *msg = malloc(a + b + 1);
    if (!msg) abort();
    memcpy(msg, iv_b64, a);
    memcpy(msg + a, value_b64, b + 1);
    unsigned char mac[32];
    unsigned int ml = 32;
    HMAC(EVP_sha256(), key, 32, (unsigned char *)msg, a + b, mac, &ml);
    free(msg);
    hex(mac, 32, out);
}

/* s:N:"...N bytes...";  N is decimal digits only, at most 9 of them (a key is
 * far shorter), and the quoted bytes must lie inside the plaintext with the
 * closing quote and ';' after them. Anything else is not a serialised string
 * and stays as it is. The old strtoul() took "s:-1:" as SIZE_MAX, whose
 * bounds check wrapped and copied SIZE_MAX bytes (issue 15 #1). */
static void unwrap_serialised(const char **s, size_t *n)
{
    const char *p = *s;
    if (*n < 6 || p[0] != 's' || p[1] != ':') return;
    size_t i = 2, declared = 0;
    while (i < *n && i < 11 && p[i] >= '0' && p[i] <= '9') declared = declared * 10 + (size_t)(p[i++] - '0');
    if (i == 2 || i >= *n || p[i] != ':') return;
    size_t start = i + 2; /* after ':"' */
    if (start > *n || p[i + 1] != '"' || declared > *n - start || *n - start - declared < 2) return;
    if (p[start + declared] != '"' || p[start + declared + 1] != ';') return;
    *s = p + start;
    *n = declared;
}

int laravel_decrypt(const char *app_key, const char *payload, char *out, size_t outlen, char *err, size_t errlen)
{
    unsigned char key[32];
    if (app_key_bytes(app_key, key) != 0) {
        snprintf(err, errlen, "laravel.app_key is not a 32-byte key (\"base64:...\" as in Laravel's .env)");
        return -1;
    }
    size_t plen = strlen(payload);
    unsigned char *json = malloc(plen + 4);
    size_t jl;
    if (!json) abort();
    if (b64dec(payload, json, plen + 4, &jl) != 0) {
        free(json);
        snprintf(err, errlen, "encrypted value is not base64");
        return -1;
    }
    json[jl] = '\0';
    json_object *o = json_tokener_parse((char *)json);
    free(json);
    /* iv, value and mac must be strings: a null or a number reached strlen(NULL) (issue 15 #1) */
    const char *iv_b64 = json_get_str(o, "iv"), *val_b64 = json_get_str(o, "value"), *mac = json_get_str(o, "mac");
    if (!o || !json_object_is_type(o, json_type_object) || !iv_b64 || !val_b64 || !mac) {
        json_object_put(o);
        snprintf(err, errlen, "encrypted value is not a Laravel payload (iv, value, mac strings)");
        return -1;
    }
    char want[65];
    mac_hex(key, iv_b64, val_b64, want);
    if (strlen(mac) != 64 || CRYPTO_memcmp(want, mac, 64) != 0) {
        json_object_put(o);
        snprintf(err, errlen, "MAC does not match: wrong laravel.app_key or a tampered value");
        return -1;
    }
    unsigned char iv[32], *ct = malloc(strlen(val_b64) + 4), *pt = NULL;
    size_t ivl, ctl;
    int rc = -1, l1 = 0, l2 = 0;
    if (!ct) abort();
    if (b64dec(iv_b64, iv, sizeof iv, &ivl) != 0 || ivl != 16 || b64dec(val_b64, ct, strlen(val_b64) + 4, &ctl) != 0) {
        snprintf(err, errlen, "encrypted value has a malformed iv or value");
        goto done;
    }
    pt = malloc(ctl + 32);
    if (!pt) abort();
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || !EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), NULL, key, iv) || !EVP_DecryptUpdate(c, pt, &l1, ct, (int)ctl) ||
        !EVP_DecryptFinal_ex(c, pt + l1, &l2)) {
        EVP_CIPHER_CTX_free(c);
        snprintf(err, errlen, "decryption failed");
        goto done;
    }
    EVP_CIPHER_CTX_free(c);
    size_t n = (size_t)(l1 + l2);
    pt[n] = '\0';
    /* encrypt() serialises: s:12:"cal_live_...";  encryptString() does not */
    const char *s = (const char *)pt;
    size_t slen = n;
    unwrap_serialised(&s, &slen);
    if (slen + 1 > outlen) {
        snprintf(err, errlen, "decrypted value too long");
        goto done;
    }
    memcpy(out, s, slen);
    out[slen] = '\0';
    rc = 0;
done:
    if (pt) OPENSSL_cleanse(pt, ctl + 32);
    free(pt);
    free(ct);
    json_object_put(o);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int laravel_encrypt(const char *app_key, const char *plain, char *out, size_t outlen)
{
    unsigned char key[32], iv[16];
    if (app_key_bytes(app_key, key) != 0 || RAND_bytes(iv, 16) != 1) return -1;
    size_t n = strlen(plain);
    unsigned char *ct = malloc(n + 32);
    int l1 = 0, l2 = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!ct || !c || !EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, key, iv) ||
        !EVP_EncryptUpdate(c, ct, &l1, (const unsigned char *)plain, (int)n) || !EVP_EncryptFinal_ex(c, ct + l1, &l2)) {
        EVP_CIPHER_CTX_free(c);
        free(ct);
        return -1;
    }
    EVP_CIPHER_CTX_free(c);
    char iv_b64[32], *val_b64 = malloc(((size_t)(l1 + l2) / 3 + 2) * 4 + 1), mac[65];
    EVP_EncodeBlock((unsigned char *)iv_b64, iv, 16);
    EVP_EncodeBlock((unsigned char *)val_b64, ct, l1 + l2);
    mac_hex(key, iv_b64, val_b64, mac);
    char *json = malloc(strlen(val_b64) + 200);
    int jl = sprintf(json, "{\"iv\":\"%s\",\"value\":\"%s\",\"mac\":\"%s\",\"tag\":\"\"}", iv_b64, val_b64, mac);
    int rc = -1;
    if ((size_t)((jl + 2) / 3 * 4 + 1) <= outlen) {
        EVP_EncodeBlock((unsigned char *)out, (unsigned char *)json, jl);
        rc = 0;
    }
    free(json);
    free(val_b64);
    free(ct);
    return rc;
}
