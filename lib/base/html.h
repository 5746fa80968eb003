/* html.h: the one escaper per HTML output context. Every byte of data that
 * reaches a page goes through one of these; literal markup is appended with
 * buf_puts and never mixed with data in a format string.
 *   html_text  element content: & < > " ' escaped
 *   html_attr  a quoted attribute value: the same, plus ` = and control characters
 *   html_url   a query-string component: everything but unreserved characters percent-encoded
 * and the one CSV field writer (dashboard exports, mail attachments):
 *   csv_field  a quoted field, quotes doubled; a value a spreadsheet would run
 *              as a formula (leading = + - @, TAB or CR, or their full-width
 *              forms) gets a leading ' so it stays text (D135) */
#ifndef SB_HTML_H
#define SB_HTML_H

#include "buf.h"

void html_text(buf *b, const char *s);
void html_attr(buf *b, const char *s);
void html_url(buf *b, const char *s);
void csv_field(buf *b, const char *s); /* NULL: an empty field */

#endif
