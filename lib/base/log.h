/* log.h: the request log and operational messages.
 *
 * One file (log.file), opened O_APPEND by each process; every entry is one
 * write(2) of one line, so lines from the pool's children never interleave.
 * Nothing secret goes in: no signatures, no bodies, phone numbers and email
 * addresses only masked (log_mask_phone / log_mask_email). Before
 * log_open() (or when it failed) entries go to stderr. */
#ifndef SB_LOG_H
#define SB_LOG_H

#include <stddef.h>

#include "arena.h"

int log_open(const char *path);
void log_close(void);

/* One line per request. provider/event_id may be NULL. */
void log_request(const char *method, const char *path, int status, long long micros,
                 const char *request_id, const char *provider, const char *event_id);
/* level is "info", "warn" or "error". */
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "+4917612345678" -> "+49176*****678"; copied into a. */
char *log_mask_phone(arena *a, const char *phone);
/* "lena.schmidt@example.com" -> "l***@example.com"; copied into a. */
char *log_mask_email(arena *a, const char *email);

#endif
