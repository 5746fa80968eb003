/* wakeup.c: the pipeline's wake-up datagrams (see wakeup.h). */
#include "wakeup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int wakeup_path(const sb_config *cfg, char *out, size_t n)
{
    const char *set = cfg->pipeline_wakeup_socket;
    int len = set && *set ? snprintf(out, n, "%s", set) : snprintf(out, n, "%s.wakeup", cfg->metrics_file);
    return len > 0 && (size_t)len < n && (size_t)len < sizeof ((struct sockaddr_un *)0)->sun_path ? 0 : -1;
}

static int address(const char *path, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa->sun_path) return -1;
    memcpy(sa->sun_path, path, strlen(path) + 1);
    return 0;
}

int wakeup_bind(const char *path)
{
    struct sockaddr_un sa;
    if (address(path, &sa) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    unlink(path); /* a stale socket of a worker that died; binding would fail on it */
    mode_t old = umask(0); /* the serve children run as another user on some installs (www-data) */
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* the sending socket, one per process for its whole life */
static int send_fd = -1;

int wakeup_notify(const char *path)
{
    struct sockaddr_un sa;
    if (address(path, &sa) != 0) return 0;
    if (send_fd < 0) send_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (send_fd < 0) return 0;
    if (sendto(send_fd, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof sa) == 0) return 1;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS; /* full: wakes are pending already */
}

int wakeup_wait(int fd, int timeout_ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, timeout_ms);
    if (r == 0) return 0;
    if (r < 0) return -1;
    int took = 0;
    char b[1];
    while (recv(fd, b, sizeof b, MSG_DONTWAIT) >= 0) took = 1;
    return took ? 1 : -1;
}
