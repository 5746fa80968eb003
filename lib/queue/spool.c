/* spool.c: durable local spool for events acknowledged while the DB is down (see spool.h). */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define SPOOL_MAGIC "switchboard-spool 1\n"

int spool_init(const char *dir)
{
    char sub[4096];
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
    snprintf(sub, sizeof sub, "%s/rejected", dir);
    if (mkdir(sub, 0700) != 0 && errno != EEXIST) return -1;
    return 0;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int spool_write(const char *dir, const webhook_event *ev)
{
    static unsigned seq;
    char name[128], tmp[4200], final[4200];
    snprintf(name, sizeof name, "%016lld-%d-%06u.ev", (long long)ev->received_us, (int)getpid(), seq++ % 1000000);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s", dir, name);
    snprintf(final, sizeof final, "%s/%s", dir, name);
    buf h = BUF_INIT;
    buf_printf(&h, SPOOL_MAGIC "provider: %s\nevent_type: %s\nevent_id: %s\nidempotency_key: %s\n"
                               "correlation_id: %s\nreceived_us: %lld\nheaders: %s\npayload_length: %zu\n\n",
               ev->provider, ev->event_type, ev->event_id, ev->idempotency_key,
               ev->correlation_id ? ev->correlation_id : "", (long long)ev->received_us,
               ev->headers_json ? ev->headers_json : "{}", ev->payload_len);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); /* names, phones, transcripts: the service user only */
    int rc = -1;
    if (fd >= 0) {
        if (write_all(fd, h.data, h.len) == 0 && write_all(fd, ev->payload, ev->payload_len) == 0 &&
            fsync(fd) == 0) {
            rc = 0;
        }
        if (close(fd) != 0) rc = -1;
        if (rc == 0 && (rename(tmp, final) != 0 || fsync_dir(dir) != 0)) rc = -1;
        if (rc != 0) unlink(tmp);
    }
    buf_free(&h);
    return rc;
}

static int is_event_file(const char *n)
{
    size_t l = strlen(n);
    return n[0] != '.' && l > 3 && strcmp(n + l - 3, ".ev") == 0;
}

bool spool_pending(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return false;
    struct dirent *e;
    bool found = false;
    while (!found && (e = readdir(d))) found = is_event_file(e->d_name);
    closedir(d);
    return found;
}

size_t spool_count(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d))) n += is_event_file(e->d_name) != 0;
    closedir(d);
    return n;
}

int spool_read(const char *path, arena *a, webhook_event *ev)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return -1;
    }
    char *data = arena_alloc(a, (size_t)st.st_size + 1);
    size_t n = fread(data, 1, (size_t)st.st_size, f);
    fclose(f);
    data[n] = '\0';
    if (n < sizeof SPOOL_MAGIC - 1 || memcmp(data, SPOOL_MAGIC, sizeof SPOOL_MAGIC - 1) != 0) return -1;
    memset(ev, 0, sizeof *ev);
    char *p = data + sizeof SPOOL_MAGIC - 1, *end = data + n;
    size_t payload_len = (size_t)-1;
    while (p < end && *p != '\n') {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return -1;
        *nl = '\0';
        char *colon = strstr(p, ": ");
        if (!colon) return -1;
        *colon = '\0';
        char *v = colon + 2;
        if (!strcmp(p, "provider")) ev->provider = v;
        else if (!strcmp(p, "event_type")) ev->event_type = v;
        else if (!strcmp(p, "event_id")) ev->event_id = v;
        else if (!strcmp(p, "idempotency_key")) ev->idempotency_key = v;
        else if (!strcmp(p, "correlation_id")) ev->correlation_id = *v ? v : NULL;
        else if (!strcmp(p, "received_us")) ev->received_us = strtoll(v, NULL, 10);
        else if (!strcmp(p, "headers")) ev->headers_json = v;
        else if (!strcmp(p, "payload_length")) payload_len = strtoull(v, NULL, 10);
        p = nl + 1;
    }
    if (p >= end || *p != '\n') return -1;
    p++;
    if (payload_len != (size_t)(end - p) || !ev->provider || !ev->event_type || !ev->event_id ||
        !ev->idempotency_key)
        return -1; /* torn or foreign file */
    ev->payload = p;
    ev->payload_len = payload_len;
    return 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_events(const struct dirent *e) { return is_event_file(e->d_name); }

static void reject(const char *dir, const char *name, const char *why)
{
    char from[4200], to[4300];
    snprintf(from, sizeof from, "%s/%s", dir, name);
    snprintf(to, sizeof to, "%s/rejected/%s", dir, name);
    if (rename(from, to) != 0) unlink(from);
    log_msg("error", "spool: %s moved to rejected/: %s", name, why);
}

int spool_drain(const char *dir, sb_db *db, size_t max, enum spool_drain_mode mode, size_t *moved)
{
    *moved = 0;
    char lockpath[4200];
    snprintf(lockpath, sizeof lockpath, "%s/.lock", dir);
    int lfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0) return -1;
    if (flock(lfd, LOCK_EX | (mode == SPOOL_TRY_LOCK ? LOCK_NB : 0)) != 0) {
        close(lfd);
        return errno == EWOULDBLOCK ? 1 : -1;
    }
    struct dirent **names = NULL;
    int n = scandir(dir, &names, only_events, name_cmp);
    int rc = 0;
    if (n < 0) rc = -1;
    arena *a = arena_new(64 * 1024);
    for (int i = 0; i < n; i++) {
        if (rc != 0 || *moved >= max) {
            if (rc == 0) rc = 1;
            free(names[i]);
            continue;
        }
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        webhook_event ev;
        arena_reset(a);
        if (spool_read(path, a, &ev) != 0) {
            reject(dir, names[i]->d_name, "unreadable spool file");
        } else {
            uint64_t id = 0;
            enum webhook_store_result r = webhook_store(db, a, &ev, &id);
            if (r == WEBHOOK_STORE_FAILED) {
                if (db_error_is_connection(db)) {
                    rc = 1; /* DB still away: keep this and every later file, in order */
                } else {
                    reject(dir, names[i]->d_name, db_error(db));
                }
            } else {
                if (unlink(path) != 0) rc = -1;
                else (*moved)++;
                log_msg("info", "spool: %s -> webhook_events id=%llu (%s)", names[i]->d_name,
                        (unsigned long long)id, r == WEBHOOK_STORED ? "stored" : "duplicate");
            }
        }
        free(names[i]);
    }
    free(names);
    arena_free(a);
    if (*moved) fsync_dir(dir);
    flock(lfd, LOCK_UN);
    close(lfd);
    return rc;
}
