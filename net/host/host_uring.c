/*
 * The io_uring backend: the IOCP design on Linux. Each worker owns one
 * ring (io_uring wants a single submitter and a single reaper), and every
 * operation completes on the ring of the worker that submitted it: one
 * accept always posted per worker, one receive always posted per
 * connection (straight into the core's reassembly buffer), and sends whose
 * buffers belong to the kernel until their completion. A short send is
 * reported as such; the core submits the rest.
 *
 * user_data packs what a completion is about: the connection's tag
 * (slot | generation << 32) with the operation in bits 24..31 of the slot
 * half (slots stay below 2^24).
 */
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host_internal.h"

#define RING_ENTRIES 1024
#define DRAIN_ROUNDS 4 /* ur_run */
#define OP_SHIFT 24
#define OP_MASK (0xffull << OP_SHIFT)

enum { OP_ACCEPT = 1, OP_WAKE, OP_RECV, OP_SEND };

struct ur_worker {
    struct io_uring ring;
    int ring_ok;
    int deferred;  /* single issuer, deferred task work: made disabled, enabled by its worker */
    int accepting; /* an accept is posted (none while accepts pause) */
    int evfd;
    uint64_t evbuf;
    struct sockaddr_in acc_addr;
    socklen_t acc_len;
};

static struct ur_worker *ur_of(struct worker *w)
{
    return w->be;
}

static uint64_t ud_make(int op, uint64_t tag)
{
    return (tag & ~OP_MASK) | ((uint64_t)op << OP_SHIFT);
}

/* The kernel must let us set up a ring and know the operations we use. */
static int ur_probe(void)
{
    struct io_uring ring;
    int r = io_uring_queue_init(4, &ring, 0);
    if (r < 0)
        return sys_error_from_os(-r);
    struct io_uring_probe *p = io_uring_get_probe_ring(&ring);
    int ok = p && io_uring_opcode_supported(p, IORING_OP_ACCEPT) &&
             io_uring_opcode_supported(p, IORING_OP_RECV) && io_uring_opcode_supported(p, IORING_OP_SEND) &&
             io_uring_opcode_supported(p, IORING_OP_READ);
    if (p)
        io_uring_free_probe(p);
    io_uring_queue_exit(&ring);
    return ok ? 0 : SYS_E_NOSYS;
}

/* A submission slot; when the queue is full, what is in it goes first. */
static struct io_uring_sqe *ur_sqe(struct ur_worker *u)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    while (!sqe) {
        io_uring_submit(&u->ring);
        sqe = io_uring_get_sqe(&u->ring);
    }
    return sqe;
}

static void ur_post_accept(struct worker *w)
{
    struct ur_worker *u = ur_of(w);
    struct io_uring_sqe *sqe = ur_sqe(u);
    u->acc_len = sizeof u->acc_addr;
    io_uring_prep_accept(sqe, host_listen_socket(w->h), (struct sockaddr *)&u->acc_addr, &u->acc_len,
                         SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, ud_make(OP_ACCEPT, 0));
    u->accepting = 1;
}

static void ur_post_wake(struct worker *w)
{
    struct ur_worker *u = ur_of(w);
    struct io_uring_sqe *sqe = ur_sqe(u);
    io_uring_prep_read(sqe, u->evfd, &u->evbuf, sizeof u->evbuf, 0);
    io_uring_sqe_set_data64(sqe, ud_make(OP_WAKE, 0));
}

static void ur_post_recv(struct worker *w, struct conn *c)
{
    size_t room;
    uint8_t *space = core_recv_space(c, &room);
    struct io_uring_sqe *sqe = ur_sqe(ur_of(w));
    io_uring_prep_recv(sqe, (int)core_conn_socket(c), space, room, 0);
    io_uring_sqe_set_data64(sqe, ud_make(OP_RECV, core_conn_tag(c)));
}

static long ur_send(struct worker *w, struct conn *c, const uint8_t *buf, size_t len)
{
    struct io_uring_sqe *sqe = ur_sqe(ur_of(w));
    io_uring_prep_send(sqe, (int)core_conn_socket(c), buf, len, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, ud_make(OP_SEND, core_conn_tag(c)));
    return HOST_IO_PENDING;
}

/*
 * Each ring is used by its worker thread alone (other threads wake it
 * through its eventfd), so it can be single-issuer with deferred task
 * work (Linux 6.1): completions are then run when the worker asks for
 * them, in io_uring_submit_and_wait, instead of interrupting it as they
 * arrive. The ring is made here, on the starting thread, disabled, and
 * enabled by its worker (ur_run), which makes the worker its issuer.
 * Older kernels refuse the flags: then a plain ring.
 */
static int ur_ring_init(struct ur_worker *u)
{
    struct io_uring_params p = {.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER |
                                         IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED,
                                .cq_entries = RING_ENTRIES * 8};
    int r = io_uring_queue_init_params(RING_ENTRIES, &u->ring, &p);
    if (r == 0) {
        u->deferred = 1;
        return 0;
    }
    if (r != -EINVAL)
        return r;
    struct io_uring_params plain = {.flags = IORING_SETUP_CQSIZE, .cq_entries = RING_ENTRIES * 8};
    return io_uring_queue_init_params(RING_ENTRIES, &u->ring, &plain);
}

static int ur_init(struct host *h)
{
    /* Accepts wait in the kernel; the socket must not make them fail fast. */
    int err = sys_set_nonblock(host_listen_socket(h), 0);
    if (err)
        return err;
    for (int i = 0; i < host_worker_count(h); i++) {
        struct worker *w = host_worker(h, i);
        struct ur_worker *u = calloc(1, sizeof *u);
        if (!u)
            return SYS_E_NOMEM;
        w->be = u;
        u->evfd = -1;
        u->evfd = eventfd(0, EFD_CLOEXEC);
        if (u->evfd < 0)
            return sys_error_from_os(errno);
        int r = ur_ring_init(u);
        if (r < 0)
            return sys_error_from_os(-r);
        u->ring_ok = 1;
    }
    return 0;
}

static void ur_fini(struct host *h)
{
    for (int i = 0; i < host_worker_count(h); i++) {
        struct worker *w = host_worker(h, i);
        struct ur_worker *u = w->be;
        if (!u)
            continue;
        if (u->ring_ok)
            io_uring_queue_exit(&u->ring);
        if (u->evfd >= 0)
            close(u->evfd);
        free(u);
        w->be = NULL;
    }
}

static void ur_wake(struct worker *w)
{
    uint64_t one = 1;
    ssize_t r = write(ur_of(w)->evfd, &one, sizeof one);
    (void)r;
}

static void ur_accepted(struct worker *w, int res)
{
    struct ur_worker *u = ur_of(w);
    u->accepting = 0;
    if (res < 0) {
        if (res != -EINTR && res != -ECONNABORTED && res != -ECANCELED)
            core_on_accept_error(w, sys_error_from_os(-res));
    } else {
        char peer[SYS_ADDR_LEN];
        sys_format_addr(&u->acc_addr, peer, sizeof peer);
        struct conn *c = core_on_accept(w, res, peer);
        if (c)
            ur_post_recv(w, c);
    }
    /* Out of descriptors, the next accept would fail at once: it waits
     * until the core resumes accepting (ur_run). */
    if (!host_stopping(w->h) && !core_accept_paused(w))
        ur_post_accept(w);
}

static void ur_complete(struct worker *w, uint64_t ud, int res)
{
    int op = (int)((ud & OP_MASK) >> OP_SHIFT);
    if (op == OP_WAKE) {
        if (!host_stopping(w->h))
            ur_post_wake(w);
        return;
    }
    if (op == OP_ACCEPT) {
        ur_accepted(w, res);
        return;
    }
    /* A connection holds a reference for each outstanding operation, so
     * the tag always names a live connection here. */
    struct conn *c = core_conn_from_tag(w->h, ud & ~OP_MASK);
    if (!c)
        return;
    long n = res >= 0 ? res : sys_error_from_os(-res);
    if (op == OP_RECV) {
        if (core_on_recv(w, c, n))
            ur_post_recv(w, c);
    } else {
        core_on_send(w, c, n);
    }
}

static void ur_run(struct worker *w)
{
    struct ur_worker *u = ur_of(w);
    if (u->deferred) {
        /* io_uring_enable_rings, which Debian 12's liburing 2.3 declares
         * but does not export. */
        if (syscall(__NR_io_uring_register, u->ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0) != 0) {
            host_log("io_uring: cannot enable the ring: %s", sys_strerror(sys_error_from_os(errno)));
            return;
        }
    }
    ur_post_wake(w);
    ur_post_accept(w);
    int timeout = HOST_TICK_MS;
    while (!host_stopping(w->h)) {
        struct __kernel_timespec tick = {.tv_sec = timeout / 1000, .tv_nsec = (long)(timeout % 1000) * 1000000};
        struct io_uring_cqe *first;
        int r = io_uring_submit_and_wait_timeout(&u->ring, &first, 1, &tick, NULL);
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY && r != -ETIME) {
            host_log("io_uring_submit_and_wait failed: %s", sys_strerror(sys_error_from_os(-r)));
            return;
        }
        /* With deferred task work the wait returns once one completion
         * is posted: ask for the rest that is ready (a few rounds at most)
         * so that a batch is as large as it would be on a plain ring. */
        for (int round = 0; round < DRAIN_ROUNDS; round++) {
            unsigned head, seen = 0;
            struct io_uring_cqe *cqe;
            io_uring_for_each_cqe(&u->ring, head, cqe)
            {
                ur_complete(w, cqe->user_data, cqe->res);
                seen++;
            }
            io_uring_cq_advance(&u->ring, seen);
            if (!seen || !u->deferred || io_uring_get_events(&u->ring) < 0)
                break;
        }
        timeout = core_after_batch(w);
        if (!u->accepting && !core_accept_paused(w))
            ur_post_accept(w);
    }
}

const struct host_backend host_backend_uring = {
    .name = "io_uring",
    .probe = ur_probe,
    .init = ur_init,
    .run = ur_run,
    .wake = ur_wake,
    .fini = ur_fini,
    .send = ur_send,
};
