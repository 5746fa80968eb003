/* wakeup.h: "an event is waiting" from the serve children to the pipeline workers.
 *
 * One unix datagram socket (pipeline.wakeup_socket, default metrics.file +
 * ".wakeup"): the worker binds it before it forks its pipeline processes,
 * which all poll the same descriptor; a serve child sends one empty datagram
 * after its event is committed and acknowledged, never blocking (MSG_DONTWAIT).
 * A datagram wakes a worker at once; the worker still claims with SKIP
 * LOCKED, so a wake is only a hint: lost or spurious wakes cost latency
 * (the worker also polls every worker.poll_ms), never an event (D183). */
#ifndef SB_WAKEUP_H
#define SB_WAKEUP_H

#include <stddef.h>

#include "config.h"

/* The socket's path into out (n bytes). 0, or -1 when it does not fit a sun_path. */
int wakeup_path(const sb_config *cfg, char *out, size_t n);
/* Bind the socket at path (a stale one is replaced), non-blocking, close-on-exec.
 * The descriptor, or -1 (errno). */
int wakeup_bind(const char *path);
/* Tell whoever listens at path. 1: a worker listens (the datagram was queued, or the
 * queue is full, so wakes are pending anyway); 0: nobody listens (no worker bound it). */
int wakeup_notify(const char *path);
/* Wait up to timeout_ms for a datagram on fd and take every one queued. 1: this
 * process took at least one; 0: timeout; -1: another process took it first (the
 * descriptor is shared) or a signal interrupted the wait. */
int wakeup_wait(int fd, int timeout_ms);

#endif
