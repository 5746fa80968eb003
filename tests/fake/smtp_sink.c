/* smtp_sink.c: the loopback SMTP server of the embedded stack (`make run`, `make test`):
 * the stand-in for the mail relay, the way fake_providers stands in for the providers.
 *
 *   smtp_sink --port N --dir DIR [--log FILE]
 *
 * Speaks enough ESMTP for libcurl (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no
 * STARTTLS, no AUTH), one connection at a time, on 127.0.0.1. Each accepted message is
 * stored as DIR/NNNNNN.eml (written to a temporary name, then renamed), the envelope in
 * two X-Sink-* lines before the message as received (dot-unstuffed).
 *
 * Like a real server it takes responsibility for a message only when it answers the end
 * of DATA with 250 (RFC 5321 4.1.1.4): a client that disconnects before that answer has
 * sent nothing. Knobs for the tests, read at each end of DATA (files in DIR):
 *   .delay  seconds to hold the answer (DIR/.held exists meanwhile); a client that
 *           disconnects while held leaves nothing stored (the crash test of DESIGN D112)
 *   .drop   store the message, then close without answering (the reply lost after the
 *           server accepted: the duplicate of RFC 1047 the sender must expect)
 * A recipient whose local part starts with "bounce" is refused with 550 (a permanent failure). */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096
#define MSG_MAX (50u << 20)

static const char *dir = ".";
static FILE *log_fp;
static long seq;

static void say_log(const char *fmt, ...)
{
    if (!log_fp) return;
    va_list ap;
    va_start(ap, fmt);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(log_fp, "%s ", ts);
    vfprintf(log_fp, fmt, ap);
    fputc('\n', log_fp);
    fflush(log_fp);
    va_end(ap);
}

typedef struct conn {
    int fd;
    char in[8192];
    size_t have, pos;
} conn;

static int reply(conn *c, const char *s)
{
    size_t n = strlen(s);
    return send(c->fd, s, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* one line without its CRLF into out; -1 on EOF/timeout/overlong */
static int read_line(conn *c, char *out, size_t max, size_t *len)
{
    size_t n = 0;
    for (;;) {
        if (c->pos == c->have) {
            ssize_t r = recv(c->fd, c->in, sizeof c->in, 0);
            if (r <= 0) return -1;
            c->have = (size_t)r;
            c->pos = 0;
        }
        char ch = c->in[c->pos++];
        if (ch == '\n') {
            if (n && out[n - 1] == '\r') n--;
            out[n] = 0;
            *len = n;
            return 0;
        }
        if (n + 1 >= max) return -1;
        out[n++] = ch;
    }
}

static long knob(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long v = 0;
    if (fscanf(f, "%ld", &v) != 1) v = 0;
    fclose(f);
    return v;
}

/* 1 when the peer has closed (or reset) the connection */
static int peer_gone(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN | POLLRDHUP, 0};
    if (poll(&p, 1, ms) <= 0) return 0;
    if (p.revents & (POLLHUP | POLLRDHUP | POLLERR)) return 1;
    char b;
    ssize_t r = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static int store(const char *from, const char *rcpt, const char *data, size_t len)
{
    char tmp[4096], path[4096];
    long n = ++seq;
    snprintf(tmp, sizeof tmp, "%s/.tmp-%06ld", dir, n);
    snprintf(path, sizeof path, "%s/%06ld.eml", dir, n);
    FILE *f = fopen(tmp, "wb");
    if (!f) return -1;
    fprintf(f, "X-Sink-Mail-From: %s\r\nX-Sink-Rcpt-To: %s\r\n", from, rcpt);
    fwrite(data, 1, len, f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        return -1;
    }
    fclose(f);
    if (rename(tmp, path) != 0) return -1;
    say_log("stored %s (from %s to %s, %zu bytes)", path, from, rcpt, len);
    return 0;
}

static void session(int fd)
{
    conn c = {.fd = fd};
    char line[LINE_MAX_LEN], from[512] = "", rcpt[2048] = "";
    size_t len;
    struct timeval tv = {60, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (reply(&c, "220 smtp-sink ESMTP\r\n") != 0) return;
    while (read_line(&c, line, sizeof line, &len) == 0) {
        if (!strncasecmp(line, "EHLO", 4)) {
            reply(&c, "250-smtp-sink\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n");
        } else if (!strncasecmp(line, "HELO", 4) || !strncasecmp(line, "NOOP", 4)) {
            reply(&c, "250 ok\r\n");
        } else if (!strncasecmp(line, "RSET", 4)) {
            from[0] = rcpt[0] = 0;
            reply(&c, "250 ok\r\n");
        } else if (!strncasecmp(line, "MAIL FROM:", 10)) {
            snprintf(from, sizeof from, "%.500s", line + 10);
            rcpt[0] = 0;
            reply(&c, "250 2.1.0 ok\r\n");
        } else if (!strncasecmp(line, "RCPT TO:", 8)) {
            const char *a = line + 8;
            while (*a == ' ' || *a == '<') a++;
            if (!*from) reply(&c, "503 5.5.1 MAIL first\r\n");
            else if (!strncasecmp(a, "bounce", 6)) reply(&c, "550 5.1.1 no such user here\r\n");
            else {
                size_t r = strlen(rcpt), add = strlen(line + 8);
                if (r + add + 3 < sizeof rcpt) { /* the envelope line only; more recipients than fit are still accepted */
                    if (r) memcpy(rcpt + r, ", ", 2), r += 2;
                    memcpy(rcpt + r, line + 8, add + 1);
                }
                reply(&c, "250 2.1.5 ok\r\n");
            }
        } else if (!strncasecmp(line, "DATA", 4)) {
            if (!*rcpt) {
                reply(&c, "503 5.5.1 RCPT first\r\n");
                continue;
            }
            reply(&c, "354 end with <CRLF>.<CRLF>\r\n");
            char *data = malloc(MSG_MAX);
            size_t dlen = 0;
            int ok = 0;
            while (data && read_line(&c, line, sizeof line, &len) == 0) {
                if (len == 1 && line[0] == '.') {
                    ok = 1;
                    break;
                }
                const char *l = line[0] == '.' ? line + 1 : line; /* dot-unstuffing */
                size_t ll = line[0] == '.' ? len - 1 : len;
                if (dlen + ll + 2 > MSG_MAX) break;
                memcpy(data + dlen, l, ll);
                dlen += ll;
                memcpy(data + dlen, "\r\n", 2);
                dlen += 2;
            }
            if (!ok) {
                say_log("connection lost inside DATA: nothing stored");
                free(data);
                return;
            }
            long delay = knob(".delay");
            if (delay > 0) {
                char held[4096];
                snprintf(held, sizeof held, "%s/.held", dir);
                FILE *h = fopen(held, "w");
                if (h) fclose(h);
                say_log("holding the DATA answer for %ld s", delay);
                int gone = 0;
                for (long i = 0; i < delay * 10 && !(gone = peer_gone(fd, 100)); i++) {}
                unlink(held);
                if (gone) {
                    say_log("client gone before the DATA answer: message not accepted, nothing stored");
                    free(data);
                    return;
                }
            }
            int st = store(from, rcpt, data, dlen);
            free(data);
            if (knob(".drop") >= 0) {
                say_log("dropping the DATA answer (the message was stored)");
                return;
            }
            char ans[64];
            snprintf(ans, sizeof ans, st == 0 ? "250 2.0.0 ok: queued as %06ld\r\n" : "451 4.3.0 cannot store\r\n", seq);
            reply(&c, ans);
            from[0] = rcpt[0] = 0;
        } else if (!strncasecmp(line, "QUIT", 4)) {
            reply(&c, "221 2.0.0 bye\r\n");
            return;
        } else {
            reply(&c, "502 5.5.2 not implemented\r\n");
        }
    }
}

/* continue numbering after the files already there (a restarted sink keeps every message) */
static void init_seq(void)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        long n = 0;
        if (isdigit((unsigned char)e->d_name[0]) && sscanf(e->d_name, "%ld.eml", &n) == 1 && n > seq) seq = n;
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    int port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--dir")) dir = argv[i + 1];
        else if (!strcmp(argv[i], "--log")) log_fp = fopen(argv[i + 1], "a");
        else {
            fprintf(stderr, "usage: smtp_sink --port N --dir DIR [--log FILE]\n");
            return 2;
        }
    }
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "smtp_sink: --port is required\n");
        return 2;
    }
    mkdir(dir, 0755);
    init_seq();
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s, 16) != 0) {
        fprintf(stderr, "smtp_sink: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
        return 1;
    }
    say_log("listening on 127.0.0.1:%d, messages into %s", port, dir);
    for (;;) {
        int fd = accept(s, NULL, NULL);
        if (fd < 0) continue;
        session(fd);
        close(fd);
    }
}
