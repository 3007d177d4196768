/*
 * The Linux client loop (client_internal.h): poll() on the socket and an
 * eventfd that other threads write to wake the loop. Nothing here knows
 * the protocol.
 */
#include "client_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * The loop
 * ---------------------------------------------------------------------- */

struct client_loop {
    int wake_fd; /* an eventfd: a counter that reads as readable while > 0 */
};

int client_loop_open(struct client_loop **out)
{
    struct client_loop *l = malloc(sizeof *l);
    if (l == NULL)
        return SYS_E_NOMEM;
    /* Nonblocking so that neither a wake (counter full) nor the drain
     * (counter zero) can ever block. */
    l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (l->wake_fd < 0) {
        int err = sys_last_error();
        free(l);
        return err;
    }
    *out = l;
    return SYS_OK;
}

void client_loop_close(struct client_loop *l)
{
    if (l == NULL)
        return;
    close(l->wake_fd);
    free(l);
}

void client_loop_wake(struct client_loop *l)
{
    uint64_t one = 1;
    /* EAGAIN means the counter is already non-zero: the loop will wake. */
    (void)!write(l->wake_fd, &one, sizeof one);
}

/* Resets the counter so that the next wait blocks again. */
static void loop_drain_wake(struct client_loop *l)
{
    uint64_t n;
    (void)!read(l->wake_fd, &n, sizeof n);
}

/* poll's revents in neutral terms. An error or hang-up is reported as
 * whatever the caller waits for, so that its recv or send reports it. */
static int loop_fired(short revents, int events)
{
    int fired = 0;
    int broken = (revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
    if ((events & CLIENT_EV_READ) && ((revents & POLLIN) || broken))
        fired |= CLIENT_EV_READ;
    if ((events & CLIENT_EV_WRITE) && ((revents & POLLOUT) || broken))
        fired |= CLIENT_EV_WRITE;
    return fired;
}

int client_loop_wait(struct client_loop *l, sys_socket s, int events, int timeout_ms)
{
    struct pollfd p[2];
    nfds_t n = 0;
    int fired = 0, rc;

    p[n].fd = l->wake_fd;
    p[n].events = POLLIN;
    p[n++].revents = 0;
    if (s != SYS_BAD_SOCKET) {
        p[n].fd = (int)s;
        p[n].events = (short)(((events & CLIENT_EV_READ) ? POLLIN : 0) | ((events & CLIENT_EV_WRITE) ? POLLOUT : 0));
        p[n++].revents = 0;
    }
    rc = poll(p, n, timeout_ms);
    if (rc < 0)
        return errno == EINTR ? 0 : sys_last_error();
    if (p[0].revents & POLLIN) {
        loop_drain_wake(l);
        fired |= CLIENT_EV_WAKE;
    }
    if (n > 1)
        fired |= loop_fired(p[1].revents, events);
    return fired;
}
