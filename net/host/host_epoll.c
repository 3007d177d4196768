/*
 * The epoll backend: the fallback where io_uring is refused (containers
 * often refuse it). It turns readiness into the completions the core
 * expects: a readable socket is read into the core's receive space and
 * reported as a finished receive; a send is tried at once, and only when
 * the socket is full is EPOLLOUT armed, the rest sent when it fires and
 * then reported as a finished send.
 *
 * Each worker has its own epoll set and eventfd; all of them wait on the
 * listening socket with EPOLLEXCLUSIVE, so a new connection wakes one
 * worker, whose epoll set then owns it. Any worker may send on any
 * connection; arming EPOLLOUT goes to the owner's set under the
 * connection's lock here (struct ep_conn: this backend's own state per
 * connection, indexed by slot, which the core never sees).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_internal.h"

#define TAG_LISTEN UINT64_MAX
#define TAG_WAKE (UINT64_MAX - 1)
#define EVENTS_PER_WAIT 256
#define ACCEPTS_PER_WAKE 64

struct ep_worker {
    int epfd;
    int evfd;
    int listening; /* the listening socket is in epfd (not while accepts pause) */
};

/* Per connection; lock guards the rest, which a sending worker and the
 * owner both touch. Reset when the slot's connection is accepted: the slot
 * was freed only after its last send and receive completed. */
struct ep_conn {
    sys_mutex lock;
    const uint8_t *send_buf; /* a send waiting for EPOLLOUT */
    size_t send_len;
    int recv_done;           /* out of the owner's set */
    int owner;               /* the worker whose set holds the socket */
};

struct ep_host {
    struct ep_conn *conns; /* host_max_slots() */
    uint32_t nconns;
};

static struct ep_worker *ep_of(struct worker *w)
{
    return w->be;
}

static struct ep_conn *ep_conn(struct host *h, struct conn *c)
{
    struct ep_host *eh = host_backend_data(h);
    return &eh->conns[core_conn_slot(c)];
}

static int ep_probe(void)
{
    return 0;
}

static int ep_add(int epfd, int fd, uint32_t events, uint64_t tag)
{
    struct epoll_event ev = {.events = events, .data.u64 = tag};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : sys_error_from_os(errno);
}

static int ep_init(struct host *h)
{
    struct ep_host *eh = calloc(1, sizeof *eh);
    if (!eh)
        return SYS_E_NOMEM;
    host_set_backend_data(h, eh);
    eh->conns = calloc(host_max_slots(h), sizeof *eh->conns);
    if (!eh->conns)
        return SYS_E_NOMEM;
    eh->nconns = host_max_slots(h);
    for (uint32_t i = 0; i < eh->nconns; i++)
        sys_mutex_init(&eh->conns[i].lock);
    for (int i = 0; i < host_worker_count(h); i++) {
        struct worker *w = host_worker(h, i);
        struct ep_worker *ew = calloc(1, sizeof *ew);
        if (!ew)
            return SYS_E_NOMEM;
        w->be = ew;
        ew->epfd = ew->evfd = -1;
        ew->epfd = epoll_create1(EPOLL_CLOEXEC);
        ew->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (ew->epfd < 0 || ew->evfd < 0)
            return sys_error_from_os(errno);
        int err = ep_add(ew->epfd, ew->evfd, EPOLLIN, TAG_WAKE);
        if (!err)
            err = ep_add(ew->epfd, host_listen_socket(h), EPOLLIN | EPOLLEXCLUSIVE, TAG_LISTEN);
        if (err)
            return err;
        ew->listening = 1;
    }
    return 0;
}

static void ep_fini(struct host *h)
{
    for (int i = 0; i < host_worker_count(h); i++) {
        struct ep_worker *ew = host_worker(h, i)->be;
        if (!ew)
            continue;
        if (ew->epfd >= 0)
            close(ew->epfd);
        if (ew->evfd >= 0)
            close(ew->evfd);
        free(ew);
        host_worker(h, i)->be = NULL;
    }
    struct ep_host *eh = host_backend_data(h);
    if (!eh)
        return;
    for (uint32_t i = 0; i < eh->nconns; i++)
        sys_mutex_destroy(&eh->conns[i].lock);
    free(eh->conns);
    free(eh);
    host_set_backend_data(h, NULL);
}

static void ep_wake(struct worker *w)
{
    uint64_t one = 1;
    ssize_t r = write(ep_of(w)->evfd, &one, sizeof one);
    (void)r;
}

/* Readable always, writable only while a send waits. Caller holds io->lock
 * and the receive side is not done (the socket is in the set). */
static void ep_update_interest(struct host *h, struct conn *c, struct ep_conn *io)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = core_conn_tag(c)};
    if (io->send_len)
        ev.events |= EPOLLOUT;
    struct ep_worker *owner = host_worker(h, io->owner)->be;
    epoll_ctl(owner->epfd, EPOLL_CTL_MOD, (int)core_conn_socket(c), &ev);
}

static long ep_send(struct worker *w, struct conn *c, const uint8_t *buf, size_t len)
{
    ssize_t n = send((int)core_conn_socket(c), buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0)
        return (long)n;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
        return sys_error_from_os(errno);
    struct ep_conn *io = ep_conn(w->h, c);
    sys_mutex_lock(&io->lock);
    long r = HOST_IO_PENDING;
    if (io->recv_done) {
        r = SYS_E_CLOSED; /* out of the set: EPOLLOUT would never come */
    } else {
        io->send_buf = buf;
        io->send_len = len;
        ep_update_interest(w->h, c, io);
    }
    sys_mutex_unlock(&io->lock);
    return r;
}

/* The listening socket is level-triggered: while accepts pause it leaves
 * the set, or every epoll_wait would return at once for it. */
static void ep_listen_follow(struct worker *w)
{
    struct ep_worker *ew = ep_of(w);
    int paused = core_accept_paused(w);
    if (paused && ew->listening) {
        epoll_ctl(ew->epfd, EPOLL_CTL_DEL, host_listen_socket(w->h), NULL);
        ew->listening = 0;
    } else if (!paused && !ew->listening) {
        ew->listening = ep_add(ew->epfd, host_listen_socket(w->h), EPOLLIN | EPOLLEXCLUSIVE, TAG_LISTEN) == 0;
    }
}

static void ep_accept(struct worker *w)
{
    struct host *h = w->h;
    for (int i = 0; i < ACCEPTS_PER_WAKE && !core_accept_paused(w); i++) {
        struct sockaddr_in sa;
        socklen_t salen = sizeof sa;
        int s = accept4(host_listen_socket(h), (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (s < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                core_on_accept_error(w, sys_error_from_os(errno));
            return;
        }
        char peer[SYS_ADDR_LEN];
        sys_format_addr(&sa, peer, sizeof peer);
        struct conn *c = core_on_accept(w, s, peer);
        if (!c)
            continue;
        struct ep_conn *io = ep_conn(h, c);
        sys_mutex_lock(&io->lock);
        io->send_buf = NULL;
        io->send_len = 0;
        io->recv_done = 0;
        io->owner = w->index;
        sys_mutex_unlock(&io->lock);
        int err = ep_add(ep_of(w)->epfd, s, EPOLLIN | EPOLLRDHUP, core_conn_tag(c));
        if (err)
            core_on_recv(w, c, err);
    }
}

/* Only the owner reads, and it holds the receive's reference while the
 * socket is in its set, so c is alive and its own here. */
static void ep_readable(struct worker *w, struct conn *c)
{
    size_t room;
    uint8_t *space = core_recv_space(c, &room);
    ssize_t n = recv((int)core_conn_socket(c), space, room, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    core_on_recv(w, c, n > 0 ? (long)n : n == 0 ? 0 : sys_error_from_os(errno));
}

/*
 * The core is about to drop the receive's reference (on the owner). The
 * socket leaves the set now, so that no event (EPOLLHUP is reported
 * whatever the interest) can name this slot once another connection has
 * it. A send still waiting for EPOLLOUT is completed as failed: the
 * connection is closing and its socket is shut down anyway.
 */
static void ep_recv_done(struct worker *w, struct conn *c)
{
    struct ep_conn *io = ep_conn(w->h, c);
    sys_mutex_lock(&io->lock);
    io->recv_done = 1;
    epoll_ctl(ep_of(w)->epfd, EPOLL_CTL_DEL, (int)core_conn_socket(c), NULL);
    int waiting = io->send_len != 0;
    io->send_len = 0;
    sys_mutex_unlock(&io->lock);
    if (waiting)
        core_on_send(w, c, SYS_E_CLOSED);
}

static void ep_writable(struct worker *w, struct conn *c)
{
    struct ep_conn *io = ep_conn(w->h, c);
    sys_mutex_lock(&io->lock);
    if (!io->send_len || io->recv_done) {
        sys_mutex_unlock(&io->lock);
        return;
    }
    ssize_t n = send((int)core_conn_socket(c), io->send_buf, io->send_len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        sys_mutex_unlock(&io->lock);
        return;
    }
    long r = n >= 0 ? (long)n : sys_error_from_os(errno);
    io->send_len = 0;
    ep_update_interest(w->h, c, io);
    sys_mutex_unlock(&io->lock);
    core_on_send(w, c, r);
}

static void ep_event(struct worker *w, const struct epoll_event *ev)
{
    struct host *h = w->h;
    if (ev->data.u64 == TAG_WAKE) {
        uint64_t v;
        ssize_t r = read(ep_of(w)->evfd, &v, sizeof v);
        (void)r;
        return;
    }
    if (ev->data.u64 == TAG_LISTEN) {
        ep_accept(w);
        return;
    }
    /* The send may finish the connection: look it up again after. */
    struct conn *c = core_conn_from_tag(h, ev->data.u64);
    if (c && (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
        ep_writable(w, c);
    c = core_conn_from_tag(h, ev->data.u64);
    if (c && (ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
        ep_readable(w, c);
}

static void ep_run(struct worker *w)
{
    struct epoll_event ev[EVENTS_PER_WAIT];
    int timeout = HOST_TICK_MS;
    while (!host_stopping(w->h)) {
        int n = epoll_wait(ep_of(w)->epfd, ev, EVENTS_PER_WAIT, timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            host_log("epoll_wait failed: %s", sys_strerror(sys_error_from_os(errno)));
            return;
        }
        for (int i = 0; i < n; i++)
            ep_event(w, &ev[i]);
        timeout = core_after_batch(w);
        ep_listen_follow(w);
    }
}

const struct host_backend host_backend_epoll = {
    .name = "epoll",
    .probe = ep_probe,
    .init = ep_init,
    .run = ep_run,
    .wake = ep_wake,
    .fini = ep_fini,
    .send = ep_send,
    .recv_done = ep_recv_done,
};
