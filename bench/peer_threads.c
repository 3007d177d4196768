/*
 * peer_threads: the course's thread-per-client server, written
 * competently, as a baseline for the host (issue 5).
 *
 * Threads and who owns what
 * -------------------------
 * - main: blocks SIGINT/SIGTERM (every thread inherits the mask) and waits
 *   for them in sigwait; then stops everything.
 * - acceptor: a blocking accept() loop; takes a slot under the world lock
 *   and starts the connection's reader thread (64 KiB stack, detached).
 * - reader, one per client: a blocking recv() loop into the connection's
 *   reassembly buffer. It dispatches every whole packet under the one
 *   world lock, so the output the world emits is appended to the targets'
 *   buffers in one global order. It owns the socket: it closes it last,
 *   after joining its writer.
 * - writer, one per client (32 KiB stack): the slow path for a full
 *   socket, see below.
 *
 * Writing, coalesced: emits only append to the target's buffer and note
 * the target in a thread-local list. After releasing the world lock the
 * reader sends each noted connection's whole buffer itself, with one
 * nonblocking send (so output leaves from the thread that produced it,
 * like the host's per-batch flush, with no thread hop). One send per
 * connection is in progress at a time (`sending`); a thread that finds
 * one in progress leaves its bytes to it, and the sender takes them before
 * it lets go. When the kernel will not take everything (a client that
 * reads slowly), the rest is handed to that client's own writer thread,
 * which blocks in send() for it: a reader never blocks on somebody else's
 * socket, and one slow client stalls only its own writer. Its queue is
 * bounded by the send bound; past it the client is dropped and shutdown()
 * wakes its blocked writer and reader.
 *
 * The world (and every peer_conn field but rx and the output) is under
 * world_lock; out/out_len/inflight/dirty and the send state (sending,
 * handover, wbuf...) are under the connection's `lock`, which is taken
 * inside world_lock, never the other way round.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer_common.h"

#define READER_STACK (64u * 1024u)
#define WRITER_STACK (32u * 1024u)

struct tconn {
    struct peer_conn *c;
    sys_socket fd;          /* world_lock to change; the reader closes it */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int wstop;              /* lock: the writer must exit now */
    int close_when_sent;    /* lock: the writer exits once everything is out */
    int sending;            /* lock: a thread is sending wbuf */
    int handover;           /* lock: the rest of wbuf is the writer's to send */
    uint8_t *wbuf;          /* the sending thread's: the buffer being sent */
    uint32_t wcap, wlen, woff;
    pthread_t writer;
};

struct tpeer {
    struct peer p;
    pthread_mutex_t world_lock;
    struct tconn *tc;       /* by slot */
    sys_socket listener;
    _Atomic int stopping;
    pthread_mutex_t live_lock;
    pthread_cond_t live_cond;
    uint32_t live;          /* live_lock: reader threads running */
    pthread_attr_t reader_attr, writer_attr;
};

/* The slots this reader's last dispatch appended to: their writers are
 * signalled once the world lock is released. */
struct touched {
    uint32_t *v;
    uint32_t n, cap;
};
static _Thread_local struct touched tl_touched;

/* ======================================================================
 * Hooks from peer_common (world lock held)
 * ====================================================================== */

static void flush_try(struct tconn *tc);

static void t_dirty(struct peer *p, struct peer_conn *c)
{
    struct touched *t = &tl_touched;
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 64;
        uint32_t *v = realloc(t->v, cap * sizeof *v);
        if (!v) { /* send it now rather than strand it */
            flush_try(&((struct tpeer *)p->model)->tc[c->slot]);
            return;
        }
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = c->slot;
}

/* Wakes everything blocked on the socket; the reader does the rest. */
static void t_close(struct peer *p, struct peer_conn *c)
{
    struct tconn *tc = &((struct tpeer *)p->model)->tc[c->slot];
    sys_shutdown(tc->fd);
    pthread_mutex_lock(&tc->lock);
    tc->wstop = 1;
    pthread_cond_signal(&tc->cond);
    pthread_mutex_unlock(&tc->lock);
}

/* Swaps the queued bytes into wbuf. Caller holds tc->lock, no send is in
 * progress and out_len > 0. */
static void take_output(struct tconn *tc)
{
    struct peer_conn *c = tc->c;
    uint8_t *b = tc->wbuf;
    uint32_t cap = tc->wcap;
    tc->wbuf = c->out;
    tc->wcap = c->out_cap;
    tc->wlen = c->out_len;
    tc->woff = 0;
    c->out = b;
    c->out_cap = cap;
    c->out_len = 0;
    c->inflight = tc->wlen;
    c->dirty = 0;
    tc->sending = 1;
}

/* Rounds of "take what is queued, send it" one flush may do before it
 * leaves the rest to the writer (others may keep appending). */
#define FLUSH_ROUNDS 4

/*
 * The fast path, from any reader: sends tc's queued bytes without
 * blocking, unless a send is already in progress (that sender takes them).
 * What the socket will not take goes to tc's writer thread.
 */
static void flush_try(struct tconn *tc)
{
    struct peer_conn *c = tc->c;
    pthread_mutex_lock(&tc->lock);
    for (int round = 0; !tc->sending && !tc->wstop && c->out_len > 0; round++) {
        if (round == FLUSH_ROUNDS) {
            take_output(tc);
            tc->handover = 1;
            pthread_cond_signal(&tc->cond);
            break;
        }
        take_output(tc);
        pthread_mutex_unlock(&tc->lock);
        long n = 0;
        while (tc->woff < tc->wlen) {
            n = send((int)tc->fd, tc->wbuf + tc->woff, tc->wlen - tc->woff, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            tc->woff += (uint32_t)n;
        }
        pthread_mutex_lock(&tc->lock);
        c->inflight = tc->wlen - tc->woff;
        if (tc->woff < tc->wlen) {
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                /* The peer is gone: its reader finds out from recv. */
                sys_shutdown(tc->fd);
                c->inflight = 0;
                tc->sending = 0;
                pthread_cond_broadcast(&tc->cond);
            } else {
                tc->handover = 1; /* full: the writer blocks for it */
                pthread_cond_signal(&tc->cond);
            }
            break;
        }
        tc->sending = 0;
        if (tc->close_when_sent || tc->wstop)
            pthread_cond_broadcast(&tc->cond); /* the writer, or reader_finish */
    }
    pthread_mutex_unlock(&tc->lock);
}

static void wake_touched(struct tpeer *t)
{
    struct touched *tt = &tl_touched;
    for (uint32_t i = 0; i < tt->n; i++)
        flush_try(&t->tc[tt->v[i]]);
    tt->n = 0;
}

/* ======================================================================
 * Writer
 * ====================================================================== */

/* Sends all of buf, blocking; 0 or a SYS_E_*. */
static long send_all(sys_socket fd, const uint8_t *buf, uint32_t len)
{
    uint32_t off = 0;
    while (off < len) {
        long n = sys_send(fd, buf + off, len - off);
        if (n < 0)
            return n;
        off += (uint32_t)n;
    }
    return 0;
}

/*
 * The slow path: wakes for a handover (the socket was full) or, when the
 * connection lingers, once no send is in progress; then sends, blocking,
 * until nothing is queued. Exits on wstop (closing) or after a linger.
 */
static void *writer_main(void *arg)
{
    struct tconn *tc = arg;
    struct peer_conn *c = tc->c;
    pthread_mutex_lock(&tc->lock);
    for (;;) {
        while (!tc->wstop && !tc->handover && !(tc->close_when_sent && !tc->sending))
            pthread_cond_wait(&tc->cond, &tc->lock);
        if (tc->wstop)
            break;
        if (!tc->handover) { /* lingering, nobody sending: finish and go */
            if (c->out_len == 0)
                break;
            take_output(tc);
        }
        tc->handover = 0;
        long err = 0;
        for (;;) { /* tc->sending is ours */
            pthread_mutex_unlock(&tc->lock);
            err = send_all(tc->fd, tc->wbuf + tc->woff, tc->wlen - tc->woff);
            pthread_mutex_lock(&tc->lock);
            c->inflight = 0;
            if (err || tc->wstop || c->out_len == 0)
                break;
            take_output(tc);
        }
        tc->sending = 0;
        pthread_cond_broadcast(&tc->cond); /* reader_finish may wait for it */
        if (err) {
            sys_shutdown(tc->fd); /* the reader finds out from its recv */
            break;
        }
    }
    pthread_mutex_unlock(&tc->lock);
    return NULL;
}

/* ======================================================================
 * Reader
 * ====================================================================== */

/*
 * Ends a connection from its reader. A lingering one (logout, refused
 * login) first lets its writer send what is queued; any other is shut down
 * at once, which also stops its writer. The socket is closed only after the
 * writer is gone, so no thread ever sends to a reused descriptor.
 */
static void reader_finish(struct tpeer *t, struct tconn *tc, const char *reason, int linger)
{
    struct peer_conn *c = tc->c;
    if (linger)
        pthread_join(tc->writer, NULL);
    pthread_mutex_lock(&t->world_lock);
    peer_close(&t->p, c, REMOVE_LEFT, reason); /* no-op if closed already */
    pthread_mutex_unlock(&t->world_lock);
    wake_touched(t);
    if (!linger)
        pthread_join(tc->writer, NULL);
    pthread_mutex_lock(&t->world_lock);
    /* Another reader may be in the middle of a nonblocking send to it:
     * wstop (set by the close) keeps new ones from starting. */
    pthread_mutex_lock(&tc->lock);
    while (tc->sending)
        pthread_cond_wait(&tc->cond, &tc->lock);
    sys_socket fd = tc->fd;
    tc->fd = SYS_BAD_SOCKET;
    pthread_mutex_unlock(&tc->lock);
    sys_close(fd);
    peer_conn_release(&t->p, c);
    pthread_mutex_unlock(&t->world_lock);
}

/* Reads and dispatches until the connection ends; returns why, and sets
 * *linger for a logout or a refused login. */
static const char *reader_loop(struct tpeer *t, struct tconn *tc, int *linger)
{
    struct peer_conn *c = tc->c;
    for (;;) {
        size_t room;
        uint8_t *space = reasm_space(&c->rx, &room);
        long n = sys_recv(tc->fd, space, room);
        if (n < 0) {
            if (n != SYS_E_CLOSED && n != SYS_E_RESET && !atomic_load(&t->stopping))
                peer_log(&t->p, "receive from %s failed: %s", c->ses.peer, sys_strerror((int)n));
            return n == SYS_E_CLOSED ? "closed" : "connection lost";
        }
        reasm_commit(&c->rx, (size_t)n);
        pthread_mutex_lock(&t->world_lock);
        int r = peer_dispatch(&t->p, c);
        pthread_mutex_unlock(&t->world_lock);
        wake_touched(t);
        if (r == PEER_CLOSED)
            return "closed";
        if (r == PEER_LINGER) {
            /* Logout or refused login: the writer sends what is queued and
             * exits; then the connection closes, like the host's linger. */
            pthread_mutex_lock(&tc->lock);
            tc->close_when_sent = 1;
            pthread_cond_signal(&tc->cond);
            pthread_mutex_unlock(&tc->lock);
            *linger = 1;
            return "logout";
        }
    }
}

struct reader_arg {
    struct tpeer *t;
    struct tconn *tc;
};

static void *reader_start(void *arg)
{
    struct tpeer *t = ((struct reader_arg *)arg)->t;
    struct tconn *tc = ((struct reader_arg *)arg)->tc;
    free(arg);
    int linger = 0;
    const char *why = reader_loop(t, tc, &linger);
    reader_finish(t, tc, why, linger);
    free(tl_touched.v); /* this thread's; it ends here */
    tl_touched.v = NULL;
    pthread_mutex_lock(&t->live_lock);
    if (--t->live == 0)
        pthread_cond_broadcast(&t->live_cond);
    pthread_mutex_unlock(&t->live_lock);
    return NULL;
}

/* ======================================================================
 * Accepting
 * ====================================================================== */

/* Starts the writer and the reader of a fresh connection; on failure the
 * slot is given back and the client refused. */
static void conn_start(struct tpeer *t, sys_socket fd, const char *peer)
{
    pthread_mutex_lock(&t->world_lock);
    struct peer_conn *c = peer_conn_take(&t->p, peer);
    if (c) {
        pthread_mutex_lock(&t->tc[c->slot].lock);
        t->tc[c->slot].fd = fd;
        pthread_mutex_unlock(&t->tc[c->slot].lock);
    }
    pthread_mutex_unlock(&t->world_lock);
    if (!c) {
        peer_refuse(fd);
        return;
    }
    struct tconn *tc = &t->tc[c->slot];
    pthread_mutex_lock(&tc->lock);
    tc->wstop = tc->close_when_sent = tc->sending = tc->handover = 0;
    pthread_mutex_unlock(&tc->lock);
    struct reader_arg *ra = malloc(sizeof *ra);
    pthread_t reader;
    if (!ra || pthread_create(&tc->writer, &t->writer_attr, writer_main, tc) != 0)
        goto fail;
    ra->t = t;
    ra->tc = tc;
    pthread_mutex_lock(&t->live_lock);
    t->live++;
    pthread_mutex_unlock(&t->live_lock);
    if (pthread_create(&reader, &t->reader_attr, reader_start, ra) != 0) {
        pthread_mutex_lock(&t->live_lock);
        t->live--;
        pthread_mutex_unlock(&t->live_lock);
        pthread_mutex_lock(&tc->lock);
        tc->wstop = 1;
        pthread_cond_signal(&tc->cond);
        pthread_mutex_unlock(&tc->lock);
        pthread_join(tc->writer, NULL);
        goto fail;
    }
    return;
fail:
    free(ra);
    peer_log(&t->p, "cannot start a thread for %s: refusing it", peer);
    pthread_mutex_lock(&t->world_lock);
    pthread_mutex_lock(&tc->lock);
    tc->fd = SYS_BAD_SOCKET;
    pthread_mutex_unlock(&tc->lock);
    peer_conn_release(&t->p, c);
    pthread_mutex_unlock(&t->world_lock);
    peer_refuse(fd);
}

static void *acceptor_main(void *arg)
{
    struct tpeer *t = arg;
    sys_socket spare = sys_fd_spare_take();
    while (!atomic_load(&t->stopping)) {
        struct sockaddr_storage sa;
        socklen_t len = sizeof sa;
        int fd = accept4((int)t->listener, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
        if (fd < 0) {
            if (atomic_load(&t->stopping))
                break;
            if ((errno == EMFILE || errno == ENFILE) && spare != SYS_BAD_SOCKET) {
                /* Refuse the pending one with the spare descriptor rather
                 * than fail in a loop. */
                sys_fd_spare_release(spare);
                fd = accept4((int)t->listener, NULL, NULL, SOCK_CLOEXEC);
                if (fd >= 0)
                    peer_refuse(fd);
                spare = sys_fd_spare_take();
                sys_sleep_ms(1);
            } else if (errno != EINTR && errno != ECONNABORTED) {
                sys_sleep_ms(1);
            }
            continue;
        }
        char peer[SYS_ADDR_LEN];
        sys_format_addr(&sa, peer, sizeof peer);
        sys_set_nodelay(fd); /* output is coalesced already */
        conn_start(t, fd, peer);
    }
    if (spare != SYS_BAD_SOCKET)
        sys_fd_spare_release(spare);
    return NULL;
}

/* ======================================================================
 * Start and stop
 * ====================================================================== */

static int t_alloc(struct tpeer *t)
{
    t->tc = calloc(t->p.max_slots, sizeof *t->tc);
    if (!t->tc)
        return SYS_E_NOMEM;
    for (uint32_t i = 0; i < t->p.max_slots; i++) {
        struct tconn *tc = &t->tc[i];
        tc->c = &t->p.conns[i];
        tc->fd = SYS_BAD_SOCKET;
        pthread_mutex_init(&tc->lock, NULL);
        pthread_cond_init(&tc->cond, NULL);
        t->p.conns[i].out_lock = &tc->lock;
        t->p.conns[i].model = tc;
    }
    pthread_attr_init(&t->reader_attr);
    pthread_attr_setstacksize(&t->reader_attr, READER_STACK);
    pthread_attr_setdetachstate(&t->reader_attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_init(&t->writer_attr);
    pthread_attr_setstacksize(&t->writer_attr, WRITER_STACK);
    return 0;
}

/* Every connection is shut down; waits for the readers to finish. */
static uint32_t t_stop_all(struct tpeer *t)
{
    uint32_t n = 0;
    pthread_mutex_lock(&t->world_lock);
    for (uint32_t i = 0; i < t->p.max_slots; i++) {
        struct tconn *tc = &t->tc[i];
        if (t->p.conns[i].open && tc->fd != SYS_BAD_SOCKET) {
            sys_shutdown(tc->fd);
            pthread_mutex_lock(&tc->lock);
            tc->wstop = 1;
            pthread_cond_signal(&tc->cond);
            pthread_mutex_unlock(&tc->lock);
            n++;
        }
    }
    pthread_mutex_unlock(&t->world_lock);
    pthread_mutex_lock(&t->live_lock);
    while (t->live > 0)
        pthread_cond_wait(&t->live_cond, &t->live_lock);
    pthread_mutex_unlock(&t->live_lock);
    return n;
}

static void t_free(struct tpeer *t)
{
    for (uint32_t i = 0; t->tc && i < t->p.max_slots; i++) {
        free(t->tc[i].wbuf);
        pthread_mutex_destroy(&t->tc[i].lock);
        pthread_cond_destroy(&t->tc[i].cond);
    }
    free(t->tc);
    pthread_attr_destroy(&t->reader_attr);
    pthread_attr_destroy(&t->writer_attr);
}

int main(int argc, char **argv)
{
    static struct tpeer t;
    struct peer_opts o;
    setvbuf(stderr, NULL, _IOLBF, 0);
    int rc = peer_parse_args("peer_threads", argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    sys_init();

    /* Blocked before any thread starts, so only sigwait below sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    struct peer_hooks hooks = {.dirty = t_dirty, .close = t_close};
    pthread_mutex_init(&t.world_lock, NULL);
    pthread_mutex_init(&t.live_lock, NULL);
    pthread_cond_init(&t.live_cond, NULL);
    t.listener = SYS_BAD_SOCKET;
    if (peer_init(&t.p, "peer_threads", &o, 0, &hooks) != 0 || t_alloc(&t) != 0) {
        fprintf(stderr, "peer_threads: out of memory\n");
        return PEER_EXIT_RUNTIME;
    }
    t.p.model = &t;
    uint16_t port;
    if (peer_listen(&t.p, &t.listener, &port) != 0)
        return PEER_EXIT_RUNTIME;
    sys_set_nonblock(t.listener, 0); /* the acceptor blocks in accept */
    pthread_t acceptor;
    if (pthread_create(&acceptor, NULL, acceptor_main, &t) != 0) {
        fprintf(stderr, "peer_threads: cannot start the accept thread\n");
        return PEER_EXIT_RUNTIME;
    }
    peer_log(&t.p,
             "thread per client on port %u: board %ux%u, view %u, max players %u; reader stack %u KiB, "
             "writer stack %u KiB",
             port, o.board_w, o.board_h, o.view, t.p.o.max_players, READER_STACK / 1024, WRITER_STACK / 1024);
    peer_print_listening(port);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    atomic_store(&t.stopping, 1);
    /* shutdown() on a listening socket makes a blocked accept() return. */
    shutdown((int)t.listener, SHUT_RDWR);
    pthread_join(acceptor, NULL);
    uint32_t n = t_stop_all(&t);
    peer_log(&t.p, "%s: stopped: closed %u connections", sig == SIGINT ? "SIGINT" : "SIGTERM", n);
    sys_close(t.listener);
    t_free(&t);
    peer_fini(&t.p);
    return 0;
}
