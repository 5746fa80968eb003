/* json.h: the one accessor layer over json-c.
 *
 * Parsing is strict (RFC 8259, UTF-8 validated, nothing after the value but
 * white space) because MariaDB's JSON CHECK constraint would reject what a
 * lenient parser lets through, and an event we cannot store is an event we
 * would lose. Paths are dotted ("call.call_id", "payload.attendees.0.email");
 * a numeric segment indexes an array.
 *
 * Ownership: json_parse_strict() returns a new reference the caller releases
 * with json_object_put(). Accessors return borrowed pointers valid as long as
 * the root object lives; *_dup variants copy into the given arena. */
#ifndef SB_JSON_H
#define SB_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

/* Parse len bytes. On failure returns NULL and writes a short reason
 * ("unexpected end of data at byte 17") into err. */
json_object *json_parse_strict(const char *s, size_t len, char *err, size_t errlen);

/* The value at path, or NULL when any segment is missing or of the wrong kind. */
json_object *json_get(json_object *root, const char *path);
/* String at path, or NULL when missing or not a string. Borrowed. */
const char *json_get_str(json_object *root, const char *path);
/* A string or an integer at path as text (numbers are formatted), copied into a. */
char *json_get_scalar_dup(json_object *root, const char *path, arena *a);
/* Integer at path (an integer number, or a string of digits); false if absent. */
bool json_get_int(json_object *root, const char *path, int64_t *out);
bool json_get_bool(json_object *root, const char *path, bool *out);

/* Length (2..4) of the valid UTF-8 sequence at s[i] of n bytes, or 0 (overlong
 * forms, surrogates, > U+10FFFF and truncated sequences are invalid). */
size_t json_utf8_seq(const char *s, size_t n, size_t i);

/* Append s as a JSON string literal (with quotes) to b: the only JSON escaper. */
void json_buf_str(buf *b, const char *s);
void json_buf_strn(buf *b, const char *s, size_t n);
/* Append `"key":` for the next member of the object being written into b, with
 * the comma before it unless it is the first ('{' or '[' just written, or b empty). */
void json_buf_key(buf *b, const char *key);

#endif
