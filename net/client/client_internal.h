/*
 * What a client loop file implements (client_poll.c on Linux,
 * client_wsa.c on Windows) and client.c calls. Not a public header: game/
 * never includes it.
 *
 * In the manner of redis's ae_epoll.c: the platform file only waits and
 * reports neutral "fired" events for one socket plus one wake signal; every
 * decision (what to send, what a packet means, when to stop) stays in the
 * shared code. Threads and locks come from the sys layer.
 *
 *   POSIX (client_poll.c)             Windows (client_wsa.c)
 *   wake: an eventfd                  wake: a WSAEVENT set by WSASetEvent
 *   wait: poll() on socket + eventfd  wait: WSAEventSelect on the socket,
 *                                     WSAWaitForMultipleEvents on both,
 *                                     WSAEnumNetworkEvents for what fired
 */
#ifndef PAWN_NET_CLIENT_INTERNAL_H
#define PAWN_NET_CLIENT_INTERNAL_H

#include "sys.h"

/* ---- the loop: wait on one socket and a wake signal ---------------------- */

/* Fired events, a bit mask. READ means a receive will not block (data, an
 * orderly close or an error waits there: the receive reports which); WRITE
 * means a send will make progress (or report the error); WAKE means
 * client_loop_wake was called since the last wait that reported WAKE
 * (several wakes may be reported as one). */
enum client_loop_event {
    CLIENT_EV_READ = 1,
    CLIENT_EV_WRITE = 2,
    CLIENT_EV_WAKE = 4,
};

struct client_loop;

/* Creates the wake signal. 0 and *out, or a SYS_E_*. Free with
 * client_loop_close. */
int client_loop_open(struct client_loop **out);
void client_loop_close(struct client_loop *l);

/* Any thread, any number of times: makes the current or next
 * client_loop_wait return with CLIENT_EV_WAKE. Never blocks. */
void client_loop_wake(struct client_loop *l);

/* Waits until one of `events` (READ and/or WRITE) is ready on s, or a
 * wake, or timeout_ms (-1: no limit). s may be SYS_BAD_SOCKET to wait for
 * a wake alone. Returns the fired mask (0 on timeout or a signal), or a
 * SYS_E_* when waiting itself failed. One thread only: the loop's owner. */
int client_loop_wait(struct client_loop *l, sys_socket s, int events, int timeout_ms);

#endif
