/*
 * The Windows client loop (client_internal.h): WSAEventSelect ties the
 * socket's network events to one event object, a second event is set by
 * other threads to wake the loop (a queued packet, client_stop), and
 * WSAWaitForMultipleEvents waits on both; WSAEnumNetworkEvents says what
 * fired. Nothing here
 * knows the protocol: the same client.c on top feeds the game's SDL event
 * queue exactly as it does over client_poll.c.
 *
 * WSAEventSelect reports edges, not levels: FD_READ comes again only after
 * a recv, FD_WRITE only after a send that would block, FD_CLOSE once. The
 * loop turns them back into the levels client_internal.h promises:
 *   - an event seen while the caller waited for something else is kept in
 *     `pending` until a wait asks for it (it would not come again);
 *   - after FD_CLOSE the socket is reported readable and writable on every
 *     wait, as poll() reports a hang-up, so that the caller's recv or send
 *     says how it ended;
 *   - a freshly selected socket counts as writable: the caller only waits
 *     for WRITE after a send would block, and that send re-arms FD_WRITE.
 */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601
#endif
#include <winsock2.h>
#include <windows.h>

#include <stdlib.h>

#include "client_internal.h"

#define NET_EVENTS (FD_READ | FD_WRITE | FD_CLOSE)

/* ------------------------------------------------------------------------
 * The loop
 * ---------------------------------------------------------------------- */

struct client_loop {
    WSAEVENT wake;  /* manual reset: set by client_loop_wake, reset by the wait */
    WSAEVENT net;   /* the selected socket's network events */
    sys_socket sel; /* the socket selected into `net`, or SYS_BAD_SOCKET */
    int pending;    /* CLIENT_EV_READ / _WRITE seen and not yet reported */
    int closed;     /* FD_CLOSE (or a failed enumeration) seen */
};

int client_loop_open(struct client_loop **out)
{
    struct client_loop *l = calloc(1, sizeof *l);
    if (l == NULL)
        return SYS_E_NOMEM;
    l->sel = SYS_BAD_SOCKET;
    l->wake = WSACreateEvent();
    l->net = WSACreateEvent();
    if (l->wake == WSA_INVALID_EVENT || l->net == WSA_INVALID_EVENT) {
        int err = sys_last_error();
        client_loop_close(l);
        return err;
    }
    *out = l;
    return SYS_OK;
}

void client_loop_close(struct client_loop *l)
{
    if (l == NULL)
        return;
    /* The socket is not deselected: by now its owner has usually closed
     * it (closesocket ends the association), and its handle value may
     * already name another socket whose events are not ours to cancel. */
    if (l->wake != WSA_INVALID_EVENT && l->wake != NULL)
        WSACloseEvent(l->wake);
    if (l->net != WSA_INVALID_EVENT && l->net != NULL)
        WSACloseEvent(l->net);
    free(l);
}

void client_loop_wake(struct client_loop *l)
{
    WSASetEvent(l->wake);
}

/* Ties s to `net` the first time the loop waits on it. The callers wait
 * on one socket per loop (client.c, discovery.c); a previous socket is not
 * deselected, for the reason in client_loop_close. */
static int loop_select(struct client_loop *l, sys_socket s)
{
    if (s == l->sel)
        return SYS_OK;
    l->sel = SYS_BAD_SOCKET;
    l->pending = 0;
    l->closed = 0;
    WSAResetEvent(l->net);
    if (s == SYS_BAD_SOCKET)
        return SYS_OK;
    if (WSAEventSelect((SOCKET)s, l->net, NET_EVENTS) != 0)
        return sys_last_error();
    l->sel = s;
    l->pending = CLIENT_EV_WRITE;
    return SYS_OK;
}

/* What is ready of `events` without waiting. */
static int loop_ready(const struct client_loop *l, int events)
{
    int ready = l->pending & events;
    if (l->closed)
        ready |= events & (CLIENT_EV_READ | CLIENT_EV_WRITE);
    return ready;
}

/* The same, taken out of `pending` (reported now). */
static int loop_take(struct client_loop *l, int events)
{
    int ready = loop_ready(l, events);
    l->pending &= ~ready;
    return ready;
}

/* Moves the socket's recorded network events into `pending` (and resets
 * `net`). */
static void loop_collect(struct client_loop *l)
{
    WSANETWORKEVENTS ne;
    if (l->sel == SYS_BAD_SOCKET)
        return;
    if (WSAEnumNetworkEvents((SOCKET)l->sel, l->net, &ne) != 0) {
        l->closed = 1; /* the socket is gone: let recv/send say so */
        return;
    }
    if (ne.lNetworkEvents & FD_READ)
        l->pending |= CLIENT_EV_READ;
    if (ne.lNetworkEvents & FD_WRITE)
        l->pending |= CLIENT_EV_WRITE;
    if (ne.lNetworkEvents & FD_CLOSE)
        l->closed = 1;
}

static int loop_woken(struct client_loop *l)
{
    if (WSAWaitForMultipleEvents(1, &l->wake, FALSE, 0, FALSE) != WSA_WAIT_EVENT_0)
        return 0;
    /* Reset before the caller looks at what the wakers queued, so that a
     * wake after this point is never lost. */
    WSAResetEvent(l->wake);
    return CLIENT_EV_WAKE;
}

int client_loop_wait(struct client_loop *l, sys_socket s, int events, int timeout_ms)
{
    int err = loop_select(l, s);
    if (err != SYS_OK)
        return err;
    events &= CLIENT_EV_READ | CLIENT_EV_WRITE;
    if (loop_ready(l, events) == 0) {
        /* Nothing known yet: block until a wake, a network event or the
         * timeout. A wake or an event set before this call returns at once. */
        WSAEVENT ev[2] = {l->wake, l->net};
        DWORD n = l->sel != SYS_BAD_SOCKET ? 2 : 1;
        DWORD rc = WSAWaitForMultipleEvents(n, ev, FALSE, timeout_ms < 0 ? WSA_INFINITE : (DWORD)timeout_ms,
                                            FALSE);
        if (rc == WSA_WAIT_FAILED)
            return sys_last_error();
    }
    int fired = loop_woken(l);
    loop_collect(l);
    return fired | loop_take(l, events);
}
