/* mail.c: building one RFC 5322 message and sending it over SMTP with libcurl (see mail.h). */
#include "mail.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sig.h"

bool mail_address_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 254) return false;
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !at[1]) return false;
    const char *dot = strchr(at + 1, '.');
    if (!dot || dot == at + 1 || !dot[1]) return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7f) return false; /* controls, space, CR/LF, non-ASCII */
        if (strchr("\"',;:<>()[]\\", *p)) return false;
    }
    return true;
}

const char *mail_message_id(arena *a, const char *key, const char *from)
{
    char hex[65];
    sig_sha256_hex(key, strlen(key), hex);
    const char *at = from ? strchr(from, '@') : NULL;
    return arena_printf(a, "<sb.%.24s@%s>", hex, at && at[1] ? at + 1 : "switchboard.invalid");
}

/* base64 in lines of 76 characters (57 input bytes), CRLF after each */
static void put_base64(buf *b, const void *data, size_t len)
{
    const unsigned char *p = data;
    unsigned char line[80];
    for (size_t off = 0; off < len; off += 57) {
        size_t n = len - off < 57 ? len - off : 57;
        int w = EVP_EncodeBlock(line, p + off, (int)n);
        buf_append(b, line, (size_t)w);
        buf_puts(b, "\r\n");
    }
}

/* RFC 2047 encoded-words (UTF-8, base64), each at most 75 characters, never
 * splitting a UTF-8 sequence; pure printable ASCII goes as it is. CR/LF and
 * other controls become spaces: no text can start a header of its own. */
static void put_header_text(buf *b, const char *s)
{
    size_t n = strlen(s);
    bool plain = true;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) plain = false;
    if (plain && n <= 900) {
        buf_puts(b, s);
        return;
    }
    char clean[1024];
    size_t m = 0;
    for (size_t i = 0; i < n && m + 1 < sizeof clean; i++) clean[m++] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
    while (m && ((unsigned char)clean[m - 1] & 0xC0) == 0x80) m--; /* a sequence cut by the clip */
    if (m && (unsigned char)clean[m - 1] >= 0xC0) m--;
    unsigned char out[64];
    for (size_t off = 0; off < m;) {
        size_t take = m - off < 45 ? m - off : 45; /* 45 bytes -> 60 base64 + 12 framing */
        while (off + take < m && ((unsigned char)clean[off + take] & 0xC0) == 0x80) take--;
        int w = EVP_EncodeBlock(out, (const unsigned char *)clean + off, (int)take);
        if (off) buf_puts(b, "\r\n ");
        buf_puts(b, "=?UTF-8?B?");
        buf_append(b, out, (size_t)w);
        buf_puts(b, "?=");
        off += take;
    }
}

int mail_build(buf *out, const mail_msg *m)
{
    if (!mail_address_ok(m->from) || !mail_address_ok(m->to)) return -1;
    char date[64];
    struct tm tm;
    time_t t = (time_t)m->date;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    char boundary[64];
    snprintf(boundary, sizeof boundary, "=_sb_%.40s", m->message_id + (m->message_id[0] == '<'));
    for (char *p = boundary; *p; p++)
        if (*p == '@' || *p == '>') *p = '_';

    buf_puts(out, "From: ");
    if (m->from_name && *m->from_name) {
        put_header_text(out, m->from_name);
        buf_puts(out, " ");
    }
    buf_printf(out, "<%s>\r\nTo: <%s>\r\nSubject: ", m->from, m->to);
    put_header_text(out, m->subject ? m->subject : "");
    buf_printf(out, "\r\nDate: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n", date,
               m->message_id);
    /* the body: text lines with CRLF, base64 so any UTF-8 and any line length is 7-bit safe */
    buf text = BUF_INIT;
    for (const char *p = m->text ? m->text : ""; *p; p++) {
        if (*p == '\r') continue;
        if (*p == '\n') buf_putc(&text, '\r');
        buf_putc(&text, *p);
    }
    const char *text_head = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    if (!m->attach_name) {
        buf_puts(out, text_head);
        put_base64(out, text.data ? text.data : "", text.len);
    } else {
        buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n%s", boundary, boundary, text_head);
        put_base64(out, text.data ? text.data : "", text.len);
        buf_printf(out, "--%s\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n",
                   boundary, m->attach_type ? m->attach_type : "application/octet-stream", m->attach_name, m->attach_name);
        put_base64(out, m->attach ? m->attach : "", m->attach_len);
        buf_printf(out, "--%s--\r\n", boundary);
    }
    buf_free(&text);
    return 0;
}

typedef struct upload {
    const char *p;
    size_t left;
} upload;

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
    upload *u = ud;
    size_t n = size * nmemb < u->left ? size * nmemb : u->left;
    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

enum mail_send_result mail_smtp_send(const sb_config *cfg, const char *to, const char *msg, size_t len,
                                     char *err, size_t errlen)
{
    if (!cfg->smtp_url || !*cfg->smtp_url) {
        snprintf(err, errlen, "smtp.url is not set");
        return MAIL_TEMPORARY;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "curl_easy_init failed");
        return MAIL_TEMPORARY;
    }
    char from[300], rcpt_s[300], cerr[CURL_ERROR_SIZE] = "";
    snprintf(from, sizeof from, "<%s>", cfg->smtp_from);
    snprintf(rcpt_s, sizeof rcpt_s, "<%s>", to);
    struct curl_slist *rcpt = curl_slist_append(NULL, rcpt_s);
    upload u = {msg, len};
    curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->smtp_timeout_seconds);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)(cfg->smtp_timeout_seconds < 10 ? cfg->smtp_timeout_seconds : 10));
    if (cfg->smtp_starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (cfg->smtp_user && *cfg->smtp_user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password ? cfg->smtp_password : "");
    }
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK) {
        snprintf(err, errlen, "%ld", code);
        return MAIL_SENT;
    }
    snprintf(err, errlen, "SMTP %ld: %s", code, *cerr ? cerr : curl_easy_strerror(rc));
    /* 550-553: this mailbox or address is refused, again next time; any other failure
     * (auth, TLS, 4xx, 554, no answer) may be the server's or our configuration's, retried */
    return code >= 550 && code <= 553 ? MAIL_PERMANENT : MAIL_TEMPORARY;
}
