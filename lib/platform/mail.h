/* mail.h: one mail message, built and sent (DESIGN D106-D110).
 *
 * mail_build turns a composed mail (UTF-8 subject and text, an optional
 * attachment) into the exact RFC 5322 bytes that go out: 7-bit only (the
 * subject RFC 2047-encoded, text and attachment base64), CRLF line ends, a
 * Message-ID and Date fixed at build time. Addresses must pass
 * mail_address_ok, which refuses anything that could add a header or a
 * second recipient (CR/LF, commas, quotes, angle brackets, spaces, non-ASCII).
 *
 * mail_smtp_send hands one built message to the configured SMTP server with
 * libcurl (smtp.url; smtps:// is TLS from the start, smtp.starttls = 1
 * requires STARTTLS on smtp://; smtp.user/smtp.password when set). It blocks
 * for at most smtp.timeout_seconds: only the worker calls it.
 *
 * Ownership: everything returned lives in the caller's arena or buf. */
#ifndef SB_MAIL_H
#define SB_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "config.h"

typedef struct mail_msg {
    const char *from;        /* smtp.from (bare address) */
    const char *from_name;   /* display name (UTF-8) or NULL */
    const char *to;          /* one bare address */
    const char *subject;     /* UTF-8, no CR/LF (they are replaced by spaces) */
    const char *message_id;  /* "<...@...>" (mail_message_id) */
    int64_t date;            /* epoch seconds for the Date header */
    const char *text;        /* UTF-8 body, "\n" line ends */
    const char *attach_name; /* NULL: no attachment; ASCII file name */
    const char *attach_type; /* e.g. "text/csv; charset=utf-8" */
    const char *attach;
    size_t attach_len;
} mail_msg;

/* A plain address local@domain: printable ASCII without space, quotes,
 * commas, ';', '<', '>', '(', ')', '\\', at most 254 bytes, one '@' with
 * text on both sides and a dot in the domain. */
bool mail_address_ok(const char *s);
/* The stable Message-ID of a mail: "<sb.<24 hex of SHA-256(key)>@<domain of from>>" (arena). */
const char *mail_message_id(arena *a, const char *key, const char *from);
/* Append the whole message to out. -1 (nothing appended) when from or to is not an address. */
int mail_build(buf *out, const mail_msg *m);

enum mail_send_result { MAIL_SENT = 0, MAIL_TEMPORARY = 1, MAIL_PERMANENT = 2 };
/* Send msg (len bytes, built by mail_build) to `to`. MAIL_SENT when the server
 * answered the end of DATA with 2xx; MAIL_PERMANENT for a 550-553 reply (the
 * address is refused; the same message would be refused again); else MAIL_TEMPORARY. err says why. */
enum mail_send_result mail_smtp_send(const sb_config *cfg, const char *to, const char *msg, size_t len,
                                     char *err, size_t errlen);

#endif
