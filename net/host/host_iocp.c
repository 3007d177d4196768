/*
 * The IOCP backend (Windows): the course's design, as one more backend of
 * the host core. One completion port for the whole host; every worker
 * thread waits on it in GetQueuedCompletionStatusEx and takes a batch of
 * completions at a time, whichever connections they belong to.
 *
 *   accept   several AcceptEx always outstanding on the listening socket
 *            (topped up after every batch); a new socket gets
 *            SO_UPDATE_ACCEPT_CONTEXT, joins the port, and goes to the core
 *   receive  one overlapped WSARecv always posted per connection, straight
 *            into the core's reassembly space (core_recv_space)
 *   send     one WSASend per send the core asks for, over the core's own
 *            buffer (a WSABUF, no copy); a short completion goes back to
 *            the core, which submits the rest
 *   wake     PostQueuedCompletionStatus with KEY_WAKE and no OVERLAPPED:
 *            host_stop, and the timers (the wait's timeout is what
 *            core_after_batch returns)
 *
 * Who owns what. Every operation has its own extended OVERLAPPED (struct
 * iocp_op: the OVERLAPPED first, then what the operation is about) taken
 * from a pool when it is submitted. From submit until its completion is
 * dequeued the op and the memory its WSABUF points at belong to the
 * kernel; the core's receive buffer and send buffer stay put because the
 * operation holds a reference on the connection (host_internal.h). The
 * worker that dequeues the completion puts the op back in the pool before
 * it reports to the core. Ops are never freed while the host runs; fini
 * cancels whatever is still outstanding, waits for those completions, and
 * only then frees the pool, so the kernel never writes into freed memory.
 */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601 /* Windows 7: GetQueuedCompletionStatusEx, CancelIoEx */
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "host_internal.h"

#define BATCH 64              /* completions per GetQueuedCompletionStatusEx */
#define ACCEPTS_PER_WORKER 4  /* AcceptEx kept outstanding, per worker thread */
#define ACCEPTS_MIN 8
#define ACCEPTS_MAX 64
#define FINI_DRAIN_MS 5000    /* how long fini waits for cancelled operations */
#define ADDR_ROOM (sizeof(struct sockaddr_in6) + 16) /* what AcceptEx wants per address */

enum { KEY_IO = 0, KEY_WAKE = 1 };
enum op_kind { OP_ACCEPT = 1, OP_RECV, OP_SEND };

struct iocp_op {
    OVERLAPPED ov; /* first: a completion's LPOVERLAPPED is the op */
    enum op_kind kind;
    SOCKET on;       /* the socket the operation was issued on */
    SOCKET accepted; /* OP_ACCEPT: the socket AcceptEx fills */
    uint64_t tag;    /* OP_RECV, OP_SEND: the connection (core_conn_tag) */
    WSABUF buf;
    int busy;        /* pool lock: in the kernel or being handled */
    struct iocp_op *next_free;
    struct iocp_op *next_all; /* every op ever made, for fini */
    uint8_t addrs[2 * ADDR_ROOM]; /* OP_ACCEPT: local and peer address */
};

struct iocp_host {
    HANDLE port;
    SOCKET listen;
    LPFN_ACCEPTEX accept_ex;
    LPFN_GETACCEPTEXSOCKADDRS accept_addrs;
    int accept_target;
    _Atomic int accepts_posted;
    _Atomic long outstanding; /* operations submitted and not yet dequeued */

    SRWLOCK pool_lock;
    struct iocp_op *free_ops;
    struct iocp_op *all_ops;
};

static struct iocp_host *iocp_of(struct host *h)
{
    return host_backend_data(h);
}

/* ======================================================================
 * The op pool
 * ====================================================================== */

static struct iocp_op *op_get(struct iocp_host *ih, enum op_kind kind, SOCKET on)
{
    AcquireSRWLockExclusive(&ih->pool_lock);
    struct iocp_op *op = ih->free_ops;
    if (op)
        ih->free_ops = op->next_free;
    ReleaseSRWLockExclusive(&ih->pool_lock);
    if (!op) {
        op = calloc(1, sizeof *op);
        if (!op)
            return NULL;
        AcquireSRWLockExclusive(&ih->pool_lock);
        op->next_all = ih->all_ops;
        ih->all_ops = op;
        ReleaseSRWLockExclusive(&ih->pool_lock);
    }
    memset(&op->ov, 0, sizeof op->ov);
    op->kind = kind;
    op->on = on;
    op->accepted = INVALID_SOCKET;
    op->tag = 0;
    op->busy = 1;
    return op;
}

static void op_put(struct iocp_host *ih, struct iocp_op *op)
{
    AcquireSRWLockExclusive(&ih->pool_lock);
    op->busy = 0;
    op->next_free = ih->free_ops;
    ih->free_ops = op;
    ReleaseSRWLockExclusive(&ih->pool_lock);
}

/* What a dequeued operation did: the bytes moved (>= 0) or a SYS_E_*. The
 * OVERLAPPED holds the status; WSAGetOverlappedResult turns a failure into
 * the WSA code that the error map knows. */
static long op_result(struct iocp_op *op)
{
    if (op->ov.Internal == 0)
        return (long)op->ov.InternalHigh;
    DWORD bytes = 0, flags = 0;
    if (WSAGetOverlappedResult(op->on, &op->ov, &bytes, FALSE, &flags))
        return (long)bytes;
    return sys_last_error();
}

/* Submitted: the completion will come through the port (even when the
 * call finished at once, since FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is not
 * set). Returns 0, or the SYS_E_* of a call that failed (nothing queued). */
static int op_submitted(struct iocp_host *ih, struct iocp_op *op, int rc)
{
    if (rc == 0)
        return 0;
    int e = WSAGetLastError();
    if (e == WSA_IO_PENDING)
        return 0;
    atomic_fetch_sub(&ih->outstanding, 1);
    op_put(ih, op);
    return sys_error_from_os(e);
}

/* ======================================================================
 * Operations
 * ====================================================================== */

static SOCKET new_tcp_socket(void)
{
    return WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_OVERLAPPED);
}

static int post_accept(struct iocp_host *ih)
{
    struct iocp_op *op = op_get(ih, OP_ACCEPT, ih->listen);
    if (!op)
        return SYS_E_NOMEM;
    op->accepted = new_tcp_socket();
    if (op->accepted == INVALID_SOCKET) {
        int err = sys_last_error();
        op_put(ih, op);
        return err;
    }
    SetHandleInformation((HANDLE)op->accepted, HANDLE_FLAG_INHERIT, 0);
    DWORD got = 0;
    atomic_fetch_add(&ih->outstanding, 1);
    BOOL ok = ih->accept_ex(ih->listen, op->accepted, op->addrs, 0, ADDR_ROOM, ADDR_ROOM, &got, &op->ov);
    SOCKET s = op->accepted;
    int err = op_submitted(ih, op, ok ? 0 : -1);
    if (err)
        closesocket(s);
    return err;
}

/* Keeps accept_target AcceptEx outstanding. A failure (out of sockets or
 * memory) pauses accepting (the core decides for how long); the gap is
 * filled after the first batch once accepting resumes. */
static void fill_accepts(struct worker *w)
{
    struct iocp_host *ih = iocp_of(w->h);
    while (!host_stopping(w->h) && !core_accept_paused(w)) {
        int n = atomic_load(&ih->accepts_posted);
        if (n >= ih->accept_target)
            return;
        if (!atomic_compare_exchange_weak(&ih->accepts_posted, &n, n + 1))
            continue;
        int err = post_accept(ih);
        if (err) {
            atomic_fetch_sub(&ih->accepts_posted, 1);
            core_on_accept_error(w, err);
            return;
        }
    }
}

/* 0, or the SYS_E_* of a WSARecv that could not be submitted. */
static int post_recv(struct worker *w, struct conn *c)
{
    struct iocp_host *ih = iocp_of(w->h);
    struct iocp_op *op = op_get(ih, OP_RECV, (SOCKET)core_conn_socket(c));
    if (!op)
        return SYS_E_NOMEM;
    size_t room;
    op->tag = core_conn_tag(c);
    op->buf.buf = (char *)core_recv_space(c, &room);
    op->buf.len = room > ULONG_MAX ? ULONG_MAX : (ULONG)room;
    DWORD flags = 0;
    atomic_fetch_add(&ih->outstanding, 1);
    int rc = WSARecv(op->on, &op->buf, 1, NULL, &flags, &op->ov, NULL);
    return op_submitted(ih, op, rc);
}

/* Posts the connection's next receive; a receive that cannot even be
 * submitted is reported to the core as a failed one. */
static void keep_receiving(struct worker *w, struct conn *c)
{
    int err = post_recv(w, c);
    if (err)
        core_on_recv(w, c, err); /* returns 0: the receive side is over */
}

static long iocp_send(struct worker *w, struct conn *c, const uint8_t *buf, size_t len)
{
    struct iocp_host *ih = iocp_of(w->h);
    struct iocp_op *op = op_get(ih, OP_SEND, (SOCKET)core_conn_socket(c));
    if (!op)
        return SYS_E_NOMEM;
    op->tag = core_conn_tag(c);
    /* The buffer is the core's and stays the kernel's until the
     * completion: no copy. A longer one goes out in pieces (the core
     * finishes short sends). */
    op->buf.buf = (char *)buf;
    op->buf.len = len > (1u << 30) ? (1u << 30) : (ULONG)len;
    atomic_fetch_add(&ih->outstanding, 1);
    int rc = WSASend(op->on, &op->buf, 1, NULL, 0, &op->ov, NULL);
    int err = op_submitted(ih, op, rc);
    return err ? err : HOST_IO_PENDING;
}

/* ======================================================================
 * Completions
 * ====================================================================== */

/* A new connection: make it a proper socket of the listener, put it on the
 * port, hand it to the core, and post its first receive. */
static void on_accepted(struct worker *w, SOCKET s, uint8_t *addrs)
{
    struct iocp_host *ih = iocp_of(w->h);
    if (setsockopt(s, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, (const char *)&ih->listen, sizeof ih->listen) != 0 ||
        CreateIoCompletionPort((HANDLE)s, ih->port, KEY_IO, 0) == NULL) {
        int err = sys_last_error();
        closesocket(s);
        core_on_accept_error(w, err);
        return;
    }
    struct sockaddr *local = NULL, *peer = NULL;
    int llen = 0, plen = 0;
    ih->accept_addrs(addrs, 0, ADDR_ROOM, ADDR_ROOM, &local, &llen, &peer, &plen);
    char name[SYS_ADDR_LEN] = "?";
    if (peer)
        sys_format_addr(peer, name, sizeof name);
    struct conn *c = core_on_accept(w, (sys_socket)s, name);
    if (c)
        keep_receiving(w, c);
}

/* An AcceptEx came back; the gap it leaves is filled after the batch. */
static void complete_accept(struct worker *w, struct iocp_op *op, long n)
{
    struct iocp_host *ih = iocp_of(w->h);
    atomic_fetch_sub(&ih->accepts_posted, 1);
    if (n >= 0) {
        on_accepted(w, op->accepted, op->addrs);
    } else {
        /* A peer that reset before we took it, or our own cancel. */
        closesocket(op->accepted);
        if (n != SYS_E_RESET)
            core_on_accept_error(w, (int)n);
    }
    op_put(ih, op);
}

static void complete(struct worker *w, const OVERLAPPED_ENTRY *e)
{
    struct iocp_host *ih = iocp_of(w->h);
    if (e->lpCompletionKey == KEY_WAKE || !e->lpOverlapped)
        return; /* a wake: the loop looks at host_stopping */
    struct iocp_op *op = (struct iocp_op *)e->lpOverlapped;
    atomic_fetch_sub(&ih->outstanding, 1);
    long n = op_result(op);
    if (op->kind == OP_ACCEPT) {
        complete_accept(w, op, n);
        return;
    }
    /* The op goes back first: reporting may submit the next one. The
     * operation held a reference, so the tag names a live connection. */
    enum op_kind kind = op->kind;
    struct conn *c = core_conn_from_tag(w->h, op->tag);
    op_put(ih, op);
    if (!c)
        return;
    if (kind == OP_RECV) {
        if (core_on_recv(w, c, n))
            keep_receiving(w, c);
    } else {
        core_on_send(w, c, n);
    }
}

static void iocp_run(struct worker *w)
{
    struct iocp_host *ih = iocp_of(w->h);
    OVERLAPPED_ENTRY ev[BATCH];
    DWORD timeout = HOST_TICK_MS;
    while (!host_stopping(w->h)) {
        ULONG n = 0;
        if (!GetQueuedCompletionStatusEx(ih->port, ev, BATCH, &n, timeout, FALSE)) {
            DWORD e = GetLastError();
            if (e != WAIT_TIMEOUT) {
                host_log("GetQueuedCompletionStatusEx failed: error %lu", (unsigned long)e);
                break;
            }
            n = 0;
        }
        for (ULONG i = 0; i < n; i++)
            complete(w, &ev[i]);
        fill_accepts(w);
        timeout = (DWORD)core_after_batch(w);
    }
    /* One batch may have taken several workers' wakes: pass one on. */
    PostQueuedCompletionStatus(ih->port, 0, KEY_WAKE, NULL);
}

static void iocp_wake(struct worker *w)
{
    PostQueuedCompletionStatus(iocp_of(w->h)->port, 0, KEY_WAKE, NULL);
}

/* ======================================================================
 * Set-up and tear-down
 * ====================================================================== */

static int iocp_probe(void)
{
    return 0; /* every Windows since NT has completion ports */
}

static int load_extension(SOCKET s, GUID id, void *fn, size_t size)
{
    DWORD got = 0;
    if (WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id, fn, (DWORD)size, &got, NULL, NULL) != 0)
        return sys_last_error();
    return 0;
}

/* Cancels what is still in the kernel and waits for it: after this no
 * completion can touch an op or a core buffer. Runs after every worker has
 * returned, so nothing is reported to the core any more. Returns the
 * number of operations that never came back. */
static long drain(struct iocp_host *ih)
{
    AcquireSRWLockExclusive(&ih->pool_lock);
    for (struct iocp_op *op = ih->all_ops; op; op = op->next_all)
        if (op->busy)
            CancelIoEx((HANDLE)op->on, &op->ov);
    ReleaseSRWLockExclusive(&ih->pool_lock);
    uint64_t deadline = sys_now_ms() + FINI_DRAIN_MS;
    while (atomic_load(&ih->outstanding) > 0 && sys_now_ms() < deadline) {
        OVERLAPPED_ENTRY ev[BATCH];
        ULONG n = 0;
        if (!GetQueuedCompletionStatusEx(ih->port, ev, BATCH, &n, 100, FALSE))
            continue;
        for (ULONG i = 0; i < n; i++) {
            if (ev[i].lpCompletionKey == KEY_WAKE || !ev[i].lpOverlapped)
                continue;
            struct iocp_op *op = (struct iocp_op *)ev[i].lpOverlapped;
            if (op->kind == OP_ACCEPT)
                closesocket(op->accepted);
            atomic_fetch_sub(&ih->outstanding, 1);
            op_put(ih, op);
        }
    }
    return atomic_load(&ih->outstanding);
}

static void iocp_fini(struct host *h)
{
    struct iocp_host *ih = iocp_of(h);
    if (!ih)
        return;
    long lost = ih->port ? drain(ih) : 0;
    if (lost > 0) {
        /* Freeing them now could let the kernel write into freed memory:
         * leak them instead (the process is usually about to exit). */
        host_log("iocp: %ld operations did not complete after cancel; leaving their memory", lost);
    } else {
        for (struct iocp_op *op = ih->all_ops, *next; op; op = next) {
            next = op->next_all;
            free(op);
        }
    }
    if (ih->port)
        CloseHandle(ih->port);
    for (int i = 0; i < host_worker_count(h); i++)
        host_worker(h, i)->be = NULL;
    free(ih);
    host_set_backend_data(h, NULL);
}

static int iocp_init(struct host *h)
{
    struct iocp_host *ih = calloc(1, sizeof *ih);
    if (!ih)
        return SYS_E_NOMEM;
    InitializeSRWLock(&ih->pool_lock);
    host_set_backend_data(h, ih);
    ih->listen = (SOCKET)(intptr_t)host_listen_socket(h);
    int n = ACCEPTS_PER_WORKER * host_worker_count(h);
    ih->accept_target = n < ACCEPTS_MIN ? ACCEPTS_MIN : n > ACCEPTS_MAX ? ACCEPTS_MAX : n;

    /* AcceptEx waits in the kernel; the listener must not be nonblocking. */
    GUID acc = WSAID_ACCEPTEX, addrs = WSAID_GETACCEPTEXSOCKADDRS;
    int err = sys_set_nonblock((sys_socket)ih->listen, 0);
    if (!err)
        err = load_extension(ih->listen, acc, &ih->accept_ex, sizeof ih->accept_ex);
    if (!err)
        err = load_extension(ih->listen, addrs, &ih->accept_addrs, sizeof ih->accept_addrs);
    if (err)
        goto fail;
    ih->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, (DWORD)host_worker_count(h));
    if (!ih->port || !CreateIoCompletionPort((HANDLE)ih->listen, ih->port, KEY_IO, 0)) {
        err = sys_error_from_os((int)GetLastError());
        goto fail;
    }
    for (int i = 0; i < host_worker_count(h); i++)
        host_worker(h, i)->be = ih;
    /* The first accepts go out now, so that the port takes connections as
     * soon as host_start returns. */
    fill_accepts(host_worker(h, 0));
    if (atomic_load(&ih->accepts_posted) == 0) {
        err = SYS_E_OTHER;
        host_log("iocp: AcceptEx could not be posted");
        goto fail;
    }
    return 0;
fail:
    return err; /* the core calls iocp_fini */
}

const struct host_backend host_backend_iocp = {
    .name = "iocp",
    .probe = iocp_probe,
    .init = iocp_init,
    .run = iocp_run,
    .wake = iocp_wake,
    .fini = iocp_fini,
    .send = iocp_send,
};
