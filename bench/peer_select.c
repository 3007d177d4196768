/*
 * peer_select: the course's select() server, written competently, as a
 * baseline for the host (bench/README.md).
 *
 * One thread and one pselect() per loop iteration over every open
 * connection. Each iteration: accept what is pending, read once from each
 * readable socket into its reassembly buffer and dispatch every whole
 * packet (net/rules decides, peer_common.c appends the output), then
 * write each connection that got output with one send of everything it
 * got (coalescing). What the kernel does not take stays in the buffer and
 * the socket goes into the write set until it drains; past the send bound
 * the client is dropped.
 *
 * The model's limit: an fd_set holds descriptors below FD_SETSIZE (1024 on
 * Linux, fixed in glibc), so this server holds at most SELECT_MAX_CONNS
 * connections (descriptors 0..5 are stdio, the listener, a signalfd and a
 * spare). A connection beyond it is answered SC_LOGIN_FAIL 1 and closed,
 * never FD_SET (which would write past the set). Each iteration also costs
 * O(connections) to build the sets and scan them, whatever is ready.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer_common.h"

#define SELECT_MAX_CONNS (FD_SETSIZE - 8) /* 1016: 1000 players + 16 logging in */
#define ACCEPTS_PER_ROUND 64

struct sel {
    struct peer p;
    sys_socket listener;
    sys_socket spare;     /* held back for EMFILE */
    sys_socket *fds;      /* by slot */
    uint32_t *open_list;  /* open slots, for the scan */
    uint32_t *open_pos;   /* slot -> index in open_list */
    uint32_t nopen;
    uint32_t *dirty;      /* slots with output to flush this round */
    uint32_t ndirty;
    uint32_t *closing;    /* slots to close at the end of the round */
    uint32_t nclosing;
};

static int stop_signal; /* read from stop_fd */
static int stop_fd = -1; /* signalfd for SIGINT/SIGTERM, in the read set */

/* ======================================================================
 * Hooks from peer_common
 * ====================================================================== */

static void sel_dirty(struct peer *p, struct peer_conn *c)
{
    struct sel *s = p->model;
    s->dirty[s->ndirty++] = c->slot;
}

/* Closed at the end of the round, so that no descriptor number is reused
 * while this round's fd_sets still talk about it. */
static void sel_close(struct peer *p, struct peer_conn *c)
{
    struct sel *s = p->model;
    s->closing[s->nclosing++] = c->slot;
}

/* ======================================================================
 * Connections
 * ====================================================================== */

static void sel_accept(struct sel *s)
{
    for (int i = 0; i < ACCEPTS_PER_ROUND; i++) {
        struct sockaddr_storage sa;
        socklen_t len = sizeof sa;
        int fd = accept4((int)s->listener, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                /* Take the pending one with the spare descriptor and refuse
                 * it, or accept would fail in a loop. */
                if (s->spare != SYS_BAD_SOCKET) {
                    sys_fd_spare_release(s->spare);
                    fd = accept4((int)s->listener, NULL, NULL, SOCK_CLOEXEC);
                    if (fd >= 0)
                        peer_refuse(fd);
                    s->spare = sys_fd_spare_take();
                }
            }
            return;
        }
        char peer[SYS_ADDR_LEN];
        sys_format_addr(&sa, peer, sizeof peer);
        struct peer_conn *c = fd < FD_SETSIZE ? peer_conn_take(&s->p, peer) : NULL;
        if (!c) {
            peer_refuse(fd); /* FD_SETSIZE or the table: the model's cap */
            continue;
        }
        sys_set_nodelay(fd); /* output is coalesced already */
        s->fds[c->slot] = fd;
        s->open_pos[c->slot] = s->nopen;
        s->open_list[s->nopen++] = c->slot;
    }
}

/* One send of everything queued; the rest waits for the write set. */
static void sel_flush(struct sel *s, struct peer_conn *c)
{
    if (!c->open || c->closing)
        return;
    c->dirty = 0;
    if (c->out_len > 0) {
        long n = sys_send(s->fds[c->slot], c->out, c->out_len);
        if (n < 0 && n != SYS_E_AGAIN) {
            if (n != SYS_E_RESET)
                peer_log(&s->p, "send to %s failed: %s", c->ses.peer, sys_strerror((int)n));
            peer_close(&s->p, c, REMOVE_LEFT, "connection lost");
            return;
        }
        if (n > 0) {
            memmove(c->out, c->out + n, c->out_len - (uint32_t)n);
            c->out_len -= (uint32_t)n;
        }
    }
    if (c->linger && c->out_len == 0)
        peer_close(&s->p, c, REMOVE_LEFT, "logout");
}

static void sel_read(struct sel *s, struct peer_conn *c)
{
    size_t room;
    uint8_t *space = reasm_space(&c->rx, &room);
    long n = sys_recv(s->fds[c->slot], space, room);
    if (n == SYS_E_AGAIN)
        return;
    if (n < 0) {
        if (n != SYS_E_CLOSED && n != SYS_E_RESET)
            peer_log(&s->p, "receive from %s failed: %s", c->ses.peer, sys_strerror((int)n));
        peer_close(&s->p, c, REMOVE_LEFT, n == SYS_E_CLOSED ? "closed" : "connection lost");
        return;
    }
    reasm_commit(&c->rx, (size_t)n);
    peer_dispatch(&s->p, c);
}

static void sel_finish_closes(struct sel *s)
{
    for (uint32_t i = 0; i < s->nclosing; i++) {
        uint32_t slot = s->closing[i];
        struct peer_conn *c = &s->p.conns[slot];
        sys_close(s->fds[slot]);
        s->fds[slot] = SYS_BAD_SOCKET;
        uint32_t pos = s->open_pos[slot], last = s->open_list[--s->nopen];
        s->open_list[pos] = last;
        s->open_pos[last] = pos;
        peer_conn_release(&s->p, c);
    }
    s->nclosing = 0;
}

/* ======================================================================
 * The loop
 * ====================================================================== */

static int sel_round(struct sel *s)
{
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    int maxfd = (int)s->listener > stop_fd ? (int)s->listener : stop_fd;
    FD_SET((int)s->listener, &rd);
    FD_SET(stop_fd, &rd);
    for (uint32_t i = 0; i < s->nopen; i++) {
        struct peer_conn *c = &s->p.conns[s->open_list[i]];
        int fd = (int)s->fds[c->slot];
        FD_SET(fd, &rd);
        if (c->out_len > 0)
            FD_SET(fd, &wr);
        if (fd > maxfd)
            maxfd = fd;
    }
    int n = select(maxfd + 1, &rd, &wr, NULL, NULL);
    if (n < 0) {
        if (errno == EINTR)
            return 0;
        peer_log(&s->p, "select: %s", strerror(errno));
        return -1;
    }
    if (FD_ISSET(stop_fd, &rd)) {
        struct signalfd_siginfo si;
        if (read(stop_fd, &si, sizeof si) == (ssize_t)sizeof si)
            stop_signal = (int)si.ssi_signo;
        return 0;
    }
    /* The scan covers the connections open when the sets were built;
     * accepting last keeps new ones out of it. */
    uint32_t nscan = s->nopen;
    for (uint32_t i = 0; i < nscan; i++) {
        struct peer_conn *c = &s->p.conns[s->open_list[i]];
        int fd = (int)s->fds[c->slot];
        if (c->closing)
            continue;
        if (FD_ISSET(fd, &rd))
            sel_read(s, c);
        if (!c->closing && FD_ISSET(fd, &wr) && !c->dirty)
            sel_flush(s, c);
    }
    for (uint32_t i = 0; i < s->ndirty; i++)
        sel_flush(s, &s->p.conns[s->dirty[i]]);
    s->ndirty = 0;
    sel_finish_closes(s);
    if (FD_ISSET((int)s->listener, &rd))
        sel_accept(s);
    return 0;
}

static int sel_alloc(struct sel *s)
{
    uint32_t n = s->p.max_slots;
    s->fds = calloc(n, sizeof *s->fds);
    s->open_list = calloc(n, sizeof *s->open_list);
    s->open_pos = calloc(n, sizeof *s->open_pos);
    s->dirty = calloc(n, sizeof *s->dirty);
    s->closing = calloc(n, sizeof *s->closing);
    return s->fds && s->open_list && s->open_pos && s->dirty && s->closing ? 0 : SYS_E_NOMEM;
}

static void sel_free(struct sel *s)
{
    free(s->fds);
    free(s->open_list);
    free(s->open_pos);
    free(s->dirty);
    free(s->closing);
}

int main(int argc, char **argv)
{
    static struct sel s;
    struct peer_opts o;
    setvbuf(stderr, NULL, _IOLBF, 0);
    int rc = peer_parse_args("peer_select", argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    sys_init();

    /* SIGINT/SIGTERM arrive as a readable descriptor in the same select,
     * so a stop request can never slip in between a check and the wait.
     * (A handler with a self-pipe or pselect's mask does the same, but
     * TSan defers handlers and this one then never ran under it.) */
    sigset_t stopset;
    sigemptyset(&stopset);
    sigaddset(&stopset, SIGINT);
    sigaddset(&stopset, SIGTERM);
    sigprocmask(SIG_BLOCK, &stopset, NULL);
    stop_fd = signalfd(-1, &stopset, SFD_NONBLOCK | SFD_CLOEXEC);
    if (stop_fd < 0) {
        fprintf(stderr, "peer_select: signalfd: %s\n", strerror(errno));
        return PEER_EXIT_RUNTIME;
    }

    struct peer_hooks hooks = {.dirty = sel_dirty, .close = sel_close};
    s.listener = s.spare = SYS_BAD_SOCKET;
    s.p.prog = "peer_select";
    if (peer_init(&s.p, "peer_select", &o, SELECT_MAX_CONNS, &hooks) != 0 || sel_alloc(&s) != 0) {
        fprintf(stderr, "peer_select: out of memory\n");
        return PEER_EXIT_RUNTIME;
    }
    s.p.model = &s;
    uint16_t port;
    if (peer_listen(&s.p, &s.listener, &port) != 0)
        return PEER_EXIT_RUNTIME;
    s.spare = sys_fd_spare_take();
    peer_log(&s.p,
             "select() on port %u: board %ux%u, view %u, max players %u; FD_SETSIZE is %d, so at most %u "
             "connections: more are refused with SC_LOGIN_FAIL 1",
             port, o.board_w, o.board_h, o.view, s.p.o.max_players, FD_SETSIZE, s.p.max_slots);
    peer_print_listening(port);

    while (!stop_signal)
        if (sel_round(&s) != 0)
            break;

    peer_log(&s.p, "%s: stopping: closing %u connections", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
             s.nopen);
    for (uint32_t i = 0; i < s.nopen; i++) {
        sys_shutdown(s.fds[s.open_list[i]]);
        sys_close(s.fds[s.open_list[i]]);
    }
    sys_close(s.listener);
    close(stop_fd);
    if (s.spare != SYS_BAD_SOCKET)
        sys_fd_spare_release(s.spare);
    sel_free(&s);
    peer_fini(&s.p);
    return stop_signal ? 0 : PEER_EXIT_RUNTIME;
}
