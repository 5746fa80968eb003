/* html.c: output escaping per context (see html.h). */
#include "html.h"

#include <string.h>

static void esc(buf *b, const char *s, int attr)
{
    if (!s) return;
    const char *start = s;
    for (; *s; s++) {
        const char *rep = NULL;
        char num[8];
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default:
            if (attr && (*s == '`' || *s == '=' || ((unsigned char)*s < 0x20))) {
                num[0] = '&';
                num[1] = '#';
                int v = (unsigned char)*s, k = 2;
                if (v >= 100) num[k++] = (char)('0' + v / 100);
                if (v >= 10) num[k++] = (char)('0' + v / 10 % 10);
                num[k++] = (char)('0' + v % 10);
                num[k++] = ';';
                num[k] = '\0';
                rep = num;
            } else if (!attr && (unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') {
                rep = "\xef\xbf\xbd"; /* control characters have no place in text */
            }
        }
        if (rep) {
            buf_append(b, start, (size_t)(s - start));
            buf_puts(b, rep);
            start = s + 1;
        }
    }
    buf_append(b, start, (size_t)(s - start));
}

void html_text(buf *b, const char *s) { esc(b, s, 0); }

void html_attr(buf *b, const char *s) { esc(b, s, 1); }

void html_url(buf *b, const char *s)
{
    static const char HEX[] = "0123456789ABCDEF";
    if (!s) return;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
            buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', HEX[c >> 4], HEX[c & 15]};
            buf_append(b, e, 3);
        }
    }
}

/* What starts a formula in Excel, LibreOffice or Google Sheets (OWASP's CSV
 * injection list: = + - @ TAB CR) and the full-width forms some of them read
 * the same way (U+FF1D, U+FF0B, U+FF0D, U+FF20). */
static int csv_formula_start(const char *s)
{
    static const char *const LEAD[] = {"=", "+", "-", "@", "\t", "\r", "\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D",
                                       "\xEF\xBC\xA0"};
    for (size_t i = 0; i < sizeof LEAD / sizeof *LEAD; i++)
        if (strncmp(s, LEAD[i], strlen(LEAD[i])) == 0) return 1;
    return 0;
}

void csv_field(buf *b, const char *s)
{
    buf_putc(b, '"');
    if (s && csv_formula_start(s)) buf_putc(b, '\'');
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '"') buf_putc(b, '"');
        buf_putc(b, *p);
    }
    buf_putc(b, '"');
}
