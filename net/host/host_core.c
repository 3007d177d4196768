/*
 * The host core: sessions, packet dispatch, the world lock and the
 * per-connection send queues. Backends (host_uring.c, host_epoll.c,
 * host_iocp.c) do the I/O and report completions here.
 *
 * Who owns what
 * -------------
 * - The connection table, the world and the free list are allocated once in
 *   host_start for max_slots connections and freed in host_destroy.
 * - A connection's socket, receive buffer (rx) and `linger` belong to the
 *   thread running its receive completion. Only one receive is outstanding
 *   at a time, so that is one thread at a time.
 * - The world (board, squares, view, names, who is logged in) and each
 *   connection's protocol session (net/rules/session.h) belong to whoever
 *   holds world_lock. Every game decision is taken under it, so the
 *   packets the world emits are appended to the send queues in one global
 *   order: that is what makes "each client receives packets in the order
 *   the host decided them" true with any number of workers. The work under
 *   it is small (a few sector lookups and appends); the syscalls are not
 *   under it.
 * - A connection's send queue (out), the buffer in the kernel (inflight)
 *   and `sending` are guarded by the connection's own lock. Exactly one
 *   send is outstanding per connection; its buffer belongs to the kernel
 *   from submit until core_on_send. Appends go to `out`; a flush swaps the
 *   two buffers when no send is outstanding.
 * - flush_queued, drop_queued, state and refs are atomics: a connection is
 *   on at most one worker's dirty list and one drop list at a time, and the
 *   last reference released closes the socket. The outstanding receive, the
 *   outstanding send and each list that names the connection hold one, so
 *   a slot is never reused while a list still names it.
 * - A worker's dirty list is the worker's alone. A flush pass takes the
 *   whole list and walks it while new marks go to a fresh one: a send that
 *   fails in the pass makes its player leave, and the leave notices mark
 *   other connections dirty again (onto the fresh list, for the next pass),
 *   never the list being walked.
 *
 * - The login-timeout scan runs on worker 0 only, under world_lock; the
 *   discovery responder has its own thread and reads the player count under
 *   world_lock.
 *
 * Output is coalesced: a worker collects the connections it appended to
 * during a batch of completions and sends each once at the end of the
 * batch (core_after_batch), instead of one send per packet; with
 * --send-tick-ms it holds them until the next tick.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discovery.h"
#include "host_internal.h"
#include "proto.h"
#include "session.h"
#include "world.h"

#define DEFAULT_SEND_BOUND (64u * 1024u)
#define DEFAULT_LOGIN_TIMEOUT 10
#define OUT_MIN_CAP 512u
#define FD_RESERVE 64 /* files kept for listen, rings, eventfds, stdio, logs */

enum conn_state { CONN_FREE = 0, CONN_OPEN, CONN_CLOSING };

struct conn {
    uint32_t slot;
    _Atomic uint32_t gen;
    _Atomic int state;
    _Atomic int refs;
    _Atomic int flush_queued;
    _Atomic int drop_queued;
    sys_socket sock;
    uint64_t accepted_ms; /* for the login timeout */

    /* receive side: the receiving thread's */
    struct reasm rx;
    int linger; /* closing after the queued output is sent */

    /* world lock (set up at accept, before the slot opens) */
    struct session ses;

    /* send side: lock */
    sys_mutex lock;
    uint8_t *out, *inflight;
    uint32_t out_len, out_cap;
    uint32_t inflight_len, inflight_off, inflight_cap;
    int sending;
    int close_when_sent;
    const char *drop_why;             /* world lock: set with drop_queued */

    struct conn *next_free;
};

struct host {
    struct host_cfg cfg;
    const struct host_backend *be;
    void *be_data;
    sys_socket listen_sock;
    uint16_t port;
    uint32_t max_slots;
    _Atomic int stopping;

    sys_mutex world_lock;
    struct world *world;
    struct session_game game; /* world lock */

    struct conn *conns;
    sys_mutex free_lock;
    struct conn *free_list;
    int table_full_logged; /* free_lock */
    _Atomic sys_socket fd_reserve; /* a spare descriptor for running out of them */
    _Atomic int emfile_logged;

    int nworkers;
    struct worker *workers;
    struct discovery_responder *discovery; /* NULL when the port was refused */
};

static _Thread_local struct worker *tl_worker;

/* ======================================================================
 * Accessors for the backends
 * ====================================================================== */

int host_listen_socket(const struct host *h) { return (int)h->listen_sock; }
int host_worker_count(const struct host *h) { return h->nworkers; }
struct worker *host_worker(struct host *h, int i) { return &h->workers[i]; }
int host_stopping(const struct host *h) { return atomic_load(&h->stopping); }
void *host_backend_data(struct host *h) { return h->be_data; }
void host_set_backend_data(struct host *h, void *p) { h->be_data = p; }
uint16_t host_port(const struct host *h) { return h->port; }
const char *host_backend_name(const struct host *h) { return h->be->name; }
sys_socket core_conn_socket(const struct conn *c) { return c->sock; }
uint32_t core_conn_slot(const struct conn *c) { return c->slot; }
uint32_t host_max_slots(const struct host *h) { return h->max_slots; }

uint64_t core_conn_tag(const struct conn *c)
{
    return (uint64_t)atomic_load(&c->gen) << 32 | c->slot;
}

struct conn *core_conn_from_tag(struct host *h, uint64_t tag)
{
    uint32_t slot = (uint32_t)(tag & 0xffffffffu);
    if (slot >= h->max_slots)
        return NULL;
    struct conn *c = &h->conns[slot];
    if (atomic_load(&c->gen) != (uint32_t)(tag >> 32) || atomic_load(&c->state) == CONN_FREE)
        return NULL;
    return c;
}

/* ======================================================================
 * Connection lifetime
 * ====================================================================== */

/* Drops one reference; the last one closes the socket and frees the slot. */
static void conn_unref(struct host *h, struct conn *c)
{
    if (atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    sys_close(c->sock);
    sys_mutex_lock(&c->lock);
    free(c->out);
    free(c->inflight);
    c->out = c->inflight = NULL;
    c->out_len = c->out_cap = c->inflight_len = c->inflight_off = c->inflight_cap = 0;
    c->sending = c->close_when_sent = 0;
    sys_mutex_unlock(&c->lock);
    atomic_fetch_add(&c->gen, 1);
    atomic_store(&c->state, CONN_FREE);
    sys_mutex_lock(&h->free_lock);
    c->next_free = h->free_list;
    h->free_list = c;
    sys_mutex_unlock(&h->free_lock);
}

/*
 * Closes a connection once: the player leaves the world (others in view
 * are told why), then the socket is shut down so that the outstanding
 * receive and send complete and release their references. Caller holds
 * world_lock.
 */
static void conn_close_locked(struct host *h, struct conn *c, uint8_t why, const char *reason)
{
    int open = CONN_OPEN;
    if (!atomic_compare_exchange_strong(&c->state, &open, CONN_CLOSING))
        return;
    session_close(&h->game, &c->ses, why, reason);
    sys_shutdown(c->sock);
}

static void conn_close(struct host *h, struct conn *c, uint8_t why, const char *reason)
{
    sys_mutex_lock(&h->world_lock);
    conn_close_locked(h, c, why, reason);
    sys_mutex_unlock(&h->world_lock);
}

/* ======================================================================
 * Send queues
 * ====================================================================== */

static int buf_reserve(uint8_t **buf, uint32_t *cap, uint32_t need)
{
    if (need <= *cap)
        return 0;
    uint32_t n = *cap ? *cap : OUT_MIN_CAP;
    while (n < need)
        n *= 2;
    uint8_t *p = realloc(*buf, n);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

/* Callers hold a reference on c (the receive's, or the world lock with c
 * open), so the list's own reference never revives a freed slot. Each
 * connection is on a list at most once (flush_queued), so max_slots
 * entries are always enough. */
static void worker_mark_dirty(struct worker *w, struct conn *c)
{
    if (!atomic_exchange(&c->flush_queued, 1)) {
        atomic_fetch_add(&c->refs, 1);
        w->dirty[w->ndirty++] = c;
    }
}

static void worker_mark_drop(struct worker *w, struct conn *c, const char *why)
{
    if (!atomic_exchange(&c->drop_queued, 1)) {
        atomic_fetch_add(&c->refs, 1);
        c->drop_why = why;
        w->drops[w->ndrops++] = c;
    }
}

/*
 * The world's emit callback: append one packet to slot's send queue. Runs
 * under world_lock on a worker thread. A connection whose unsent bytes would
 * pass the bound is queued for a drop instead: its reader is too slow, and
 * memory must stay bounded whatever a client does.
 */
static void host_emit(void *ctx, uint32_t slot, const uint8_t *pkt, size_t len)
{
    struct host *h = ctx;
    struct worker *w = tl_worker;
    struct conn *c = &h->conns[slot];
    if (atomic_load(&c->state) != CONN_OPEN || atomic_load(&c->drop_queued))
        return;
    sys_mutex_lock(&c->lock);
    uint32_t unsent = c->out_len + (c->inflight_len - c->inflight_off);
    int over = unsent + len > h->cfg.send_bound;
    int ok = !over && buf_reserve(&c->out, &c->out_cap, c->out_len + (uint32_t)len) == 0;
    if (ok) {
        memcpy(c->out + c->out_len, pkt, len);
        c->out_len += (uint32_t)len;
    }
    sys_mutex_unlock(&c->lock);
    if (ok)
        worker_mark_dirty(w, c);
    else
        worker_mark_drop(w, c, over ? "send backlog over bound (slow reader)" : "out of memory");
}

/* Swaps out and inflight when no send is outstanding. Caller holds c->lock.
 * Returns 1 when there is now a send to start (and takes its reference). */
static int conn_take_output(struct conn *c)
{
    if (c->sending || c->out_len == 0)
        return 0;
    uint8_t *b = c->inflight;
    uint32_t cap = c->inflight_cap;
    c->inflight = c->out;
    c->inflight_cap = c->out_cap;
    c->inflight_len = c->out_len;
    c->inflight_off = 0;
    c->out = b;
    c->out_cap = cap;
    c->out_len = 0;
    c->sending = 1;
    atomic_fetch_add(&c->refs, 1);
    return 1;
}

/*
 * Records that n bytes of the outstanding send went out (or that it
 * failed). Returns 1 when more of the inflight buffer (or a fresh swap) must
 * be sent now; 0 when the send path is idle again and its reference was
 * dropped, or the connection is closing.
 */
static int conn_send_progress(struct worker *w, struct conn *c, long n)
{
    struct host *h = w->h;
    if (n < 0) {
        sys_mutex_lock(&c->lock);
        c->sending = 0;
        sys_mutex_unlock(&c->lock);
        if (n != SYS_E_CLOSED && n != SYS_E_RESET)
            host_log("send to %s failed: %s", c->ses.peer, sys_strerror((int)n));
        conn_close(h, c, REMOVE_LEFT, "connection lost");
        conn_unref(h, c);
        return 0;
    }
    sys_mutex_lock(&c->lock);
    c->inflight_off += (uint32_t)n;
    if (c->inflight_off < c->inflight_len) {
        sys_mutex_unlock(&c->lock); /* partial: finish it */
        return 1;
    }
    c->sending = 0;
    int more = atomic_load(&c->state) == CONN_OPEN && conn_take_output(c);
    int close_now = !more && c->close_when_sent;
    sys_mutex_unlock(&c->lock);
    if (more) {
        conn_unref(h, c); /* conn_take_output took a new one */
        return 1;
    }
    if (close_now)
        conn_close(h, c, REMOVE_LEFT, "logout");
    conn_unref(h, c);
    return 0;
}

/* Starts or continues the outstanding send until it is pending in the
 * backend or done. */
static void conn_kick_send(struct worker *w, struct conn *c)
{
    for (;;) {
        sys_mutex_lock(&c->lock);
        const uint8_t *buf = c->inflight + c->inflight_off;
        size_t len = c->inflight_len - c->inflight_off;
        sys_mutex_unlock(&c->lock);
        long r = w->h->be->send(w, c, buf, len);
        if (r == HOST_IO_PENDING)
            return;
        if (!conn_send_progress(w, c, r))
            return;
    }
}

void core_on_send(struct worker *w, struct conn *c, long n)
{
    tl_worker = w;
    if (conn_send_progress(w, c, n))
        conn_kick_send(w, c);
}

static void conn_flush(struct worker *w, struct conn *c)
{
    sys_mutex_lock(&c->lock);
    atomic_store(&c->flush_queued, 0);
    int go = atomic_load(&c->state) == CONN_OPEN && conn_take_output(c);
    int close_now = !go && !c->sending && c->close_when_sent;
    sys_mutex_unlock(&c->lock);
    if (go)
        conn_kick_send(w, c);
    else if (close_now)
        conn_close(w->h, c, REMOVE_LEFT, "logout");
}

static void worker_run_drops(struct worker *w)
{
    struct host *h = w->h;
    if (w->ndrops == 0)
        return;
    sys_mutex_lock(&h->world_lock);
    /* Dropping a player tells others in view, which may push another slow
     * reader over its bound: the list can grow while we walk it, by at most
     * one entry per connection (drop_queued stays set until the end). The
     * list's reference keeps each slot the same connection meanwhile. */
    for (size_t i = 0; i < w->ndrops; i++)
        conn_close_locked(h, w->drops[i], REMOVE_DROPPED, w->drops[i]->drop_why);
    sys_mutex_unlock(&h->world_lock);
    for (size_t i = 0; i < w->ndrops; i++) {
        struct conn *c = w->drops[i];
        atomic_store(&c->drop_queued, 0);
        conn_unref(h, c);
    }
    w->ndrops = 0;
}

/* One pass over the dirty list, which the pass takes for itself: marks made
 * while it walks (leave notices after a failed send) go to the other list. */
static void worker_flush_pass(struct worker *w)
{
    struct conn **list = w->dirty;
    size_t n = w->ndirty;
    w->dirty = w->flushing;
    w->ndirty = 0;
    w->flushing = list;
    for (size_t i = 0; i < n; i++) {
        conn_flush(w, list[i]);
        conn_unref(w->h, list[i]);
    }
}

static void core_tick(struct worker *w, uint64_t now);

/*
 * With --send-tick-ms 0 (the default) every batch ends with its sends: the
 * lowest delay, one send per connection per batch. With a tick, dirty
 * connections wait for the next tick, so that a connection that receives
 * a few packets a second gets them in fewer TCP segments: on a busy host
 * the segments, not the packets, are what costs (docs/performance.md).
 */
int core_after_batch(struct worker *w)
{
    struct host *h = w->h;
    tl_worker = w;
    uint64_t now = sys_now_ms();
    /* Drops and flushes feed each other (a failed send is a leave, a leave
     * is output for others, output may pass a bound): go on until both
     * lists are empty or the send tick holds the rest. Each pass needs a
     * connection to close, so this ends. */
    for (;;) {
        worker_run_drops(w);
        if (w->ndirty == 0 || (h->cfg.send_tick_ms != 0 && now < w->next_flush_ms))
            break;
        worker_flush_pass(w);
        if (h->cfg.send_tick_ms != 0)
            w->next_flush_ms = now + h->cfg.send_tick_ms;
    }
    core_tick(w, now);
    uint64_t wake = w->next_tick_ms;
    if (w->ndirty && w->next_flush_ms < wake)
        wake = w->next_flush_ms;
    return wake > now ? (int)(wake - now) : 0;
}

/*
 * A connection that never logs in would hold a slot for ever: after the
 * login timeout it is closed. One worker scans the table once per tick,
 * under the world lock because the sessions are the world's; at 20,000 slots
 * that is a few tens of microseconds a second.
 */
static void core_tick(struct worker *w, uint64_t now)
{
    struct host *h = w->h;
    if (now < w->next_tick_ms)
        return;
    w->next_tick_ms = now + HOST_TICK_MS;
    if (w->index != 0)
        return;
    uint64_t limit = (uint64_t)h->cfg.login_timeout * 1000;
    sys_mutex_lock(&h->world_lock);
    for (uint32_t i = 0; i < h->max_slots; i++) {
        struct conn *c = &h->conns[i];
        /* Not now - accepted_ms: now was read before this batch's flush,
         * and a connection another worker accepted since is younger. */
        if (atomic_load(&c->state) == CONN_OPEN && !c->ses.answered && now >= c->accepted_ms + limit) {
            host_log("drop connection from %s why=no login within %u s", c->ses.peer, h->cfg.login_timeout);
            conn_close_locked(h, c, REMOVE_LEFT, "login timeout");
        }
    }
    sys_mutex_unlock(&h->world_lock);
}

/* ======================================================================
 * Accepting
 * ====================================================================== */

/* Best effort: a fresh socket takes three bytes without blocking. */
static void refuse_connection(sys_socket s)
{
    uint8_t pkt[PROTO_MAX_PACKET];
    (void)sys_send(s, pkt, session_encode_no_room(pkt));
    sys_close(s);
}

struct conn *core_on_accept(struct worker *w, sys_socket s, const char *peer)
{
    struct host *h = w->h;
    tl_worker = w;
    sys_mutex_lock(&h->free_lock);
    struct conn *c = h->free_list;
    if (c) {
        h->free_list = c->next_free;
        h->table_full_logged = 0;
    } else if (!h->table_full_logged) {
        h->table_full_logged = 1;
        host_log("connection table full (%u): refusing new connections with SC_LOGIN_FAIL 1",
                 h->max_slots);
    }
    sys_mutex_unlock(&h->free_lock);
    if (!c) {
        refuse_connection(s);
        return NULL;
    }
    /* Output is already coalesced per batch: Nagle would only add delay. */
    sys_set_nodelay(s);
    c->sock = s;
    session_start(&c->ses, c->slot, peer);
    reasm_init(&c->rx);
    c->linger = 0;
    c->accepted_ms = sys_now_ms();
    /* flush_queued and drop_queued are clear: a list holds a reference, so
     * the slot was freed only after every list had let it go. */
    atomic_store(&c->refs, 1);
    atomic_store(&c->state, CONN_OPEN);
    atomic_store(&h->emfile_logged, 0);
    return c;
}

/* Out of descriptors: the pending connection would make accept fail in a
 * loop. Spend the reserve descriptor to take it and refuse it properly. */
void core_on_accept_error(struct worker *w, int err)
{
    struct host *h = w->h;
    if (err != SYS_E_MFILE)
        return;
    if (!atomic_exchange(&h->emfile_logged, 1))
        host_log("out of file descriptors: refusing new connections");
    sys_socket spare = atomic_exchange(&h->fd_reserve, SYS_BAD_SOCKET);
    if (spare == SYS_BAD_SOCKET)
        return;
    sys_fd_spare_release(spare);
    sys_socket s;
    if (sys_accept_now(h->listen_sock, &s) == 0)
        refuse_connection(s);
    atomic_store(&h->fd_reserve, sys_fd_spare_take());
}

/* ======================================================================
 * Receiving and dispatch
 * ====================================================================== */

uint8_t *core_recv_space(struct conn *c, size_t *room)
{
    return reasm_space(&c->rx, room);
}

/* Every whole packet in the receive buffer, under one take of the world
 * lock. Returns 0 to go on reading, 1 to linger, -1 when the connection
 * was closed for bad input. */
static int dispatch_all(struct worker *w, struct conn *c)
{
    struct host *h = w->h;
    sys_mutex_lock(&h->world_lock);
    /* Another thread may have closed it (a drop, the login timeout) since
     * core_on_recv looked: a closed connection must not log in or move, or
     * its player would stay in the world after the slot is freed. */
    if (atomic_load(&c->state) != CONN_OPEN) {
        sys_mutex_unlock(&h->world_lock);
        return 0; /* its socket is shut down: the next receive ends it */
    }
    enum session_result r = session_feed(&h->game, &c->ses, &c->rx);
    if (r == SESSION_BAD)
        conn_close_locked(h, c, REMOVE_DROPPED, c->ses.why);
    sys_mutex_unlock(&h->world_lock);
    return r == SESSION_BAD ? -1 : r == SESSION_LINGER;
}

static void conn_start_linger(struct worker *w, struct conn *c)
{
    c->linger = 1;
    sys_mutex_lock(&c->lock);
    c->close_when_sent = 1;
    sys_mutex_unlock(&c->lock);
    /* Make sure a flush looks at it even if nothing was queued. */
    worker_mark_dirty(w, c);
}

/* The receive side is finished: no receive will be posted again. */
static void conn_recv_release(struct worker *w, struct conn *c)
{
    if (w->h->be->recv_done)
        w->h->be->recv_done(w, c);
    conn_unref(w->h, c);
}

int core_on_recv(struct worker *w, struct conn *c, long n)
{
    struct host *h = w->h;
    tl_worker = w;
    if (n <= 0 || atomic_load(&c->state) != CONN_OPEN) {
        if (n < 0 && n != SYS_E_RESET && atomic_load(&c->state) == CONN_OPEN)
            host_log("receive from %s failed: %s", c->ses.peer, sys_strerror((int)n));
        conn_close(h, c, REMOVE_LEFT, n == 0 ? "closed" : "connection lost");
        conn_recv_release(w, c);
        return 0;
    }
    if (c->linger) {
        /* After a logout or a refused login the host only finishes sending:
         * what the client still sends is read and ignored. */
        reasm_init(&c->rx);
        return 1;
    }
    reasm_commit(&c->rx, (size_t)n);
    int r = dispatch_all(w, c);
    if (r > 0)
        conn_start_linger(w, c);
    if (r < 0) {
        conn_recv_release(w, c);
        return 0;
    }
    return 1;
}

/* ======================================================================
 * Start and stop
 * ====================================================================== */

const char *host_backend_kind_name(enum host_backend_kind kind)
{
    switch (kind) {
    case HOST_BACKEND_AUTO: return "auto";
    case HOST_BACKEND_URING: return "uring";
    case HOST_BACKEND_EPOLL: return "epoll";
    case HOST_BACKEND_IOCP: return "iocp";
    }
    return "?";
}

int host_backend_parse(const char *s, enum host_backend_kind *out)
{
    static const char *names[] = {"auto", "uring", "epoll", "iocp"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum host_backend_kind)i;
            return 0;
        }
    if (strcmp(s, "io_uring") == 0) {
        *out = HOST_BACKEND_URING;
        return 0;
    }
    return SYS_E_INVAL;
}

/* How many connections fit in the open-file limit (raised to its maximum). */
static uint32_t fd_budget(void)
{
    uint32_t limit = sys_raise_fd_limit();
    return limit > FD_RESERVE * 2 ? limit - FD_RESERVE : FD_RESERVE;
}

/* Fills defaults and fits the connection table into the descriptor limit:
 * room for every player plus a few connections that are still logging in
 * or being refused. */
static int host_plan(struct host *h)
{
    struct host_cfg *cfg = &h->cfg;
    if (!cfg->board_w)
        cfg->board_w = 8;
    if (!cfg->board_h)
        cfg->board_h = 8;
    if (!cfg->max_players)
        cfg->max_players = 10;
    if (!cfg->send_bound)
        cfg->send_bound = DEFAULT_SEND_BOUND;
    if (!cfg->login_timeout)
        cfg->login_timeout = DEFAULT_LOGIN_TIMEOUT;
    if (cfg->send_bound < 2 * PROTO_MAX_PACKET)
        cfg->send_bound = 2 * PROTO_MAX_PACKET;
    if (cfg->threads <= 0)
        cfg->threads = sys_cpu_count();
    if ((uint64_t)cfg->board_w * cfg->board_h < cfg->max_players) {
        host_log("a %ux%u board has room for fewer than %u players", cfg->board_w, cfg->board_h,
                 cfg->max_players);
        return SYS_E_INVAL;
    }
    uint32_t budget = fd_budget();
    uint32_t spare = cfg->max_players / 16 + 16;
    if (cfg->max_players + 16 > budget) {
        uint32_t cap = budget - 16;
        host_log("max players %u is more than the open-file limit allows: capping at %u", cfg->max_players,
                 cap);
        cfg->max_players = cap;
    }
    h->max_slots = cfg->max_players + spare;
    if (h->max_slots > budget)
        h->max_slots = budget;
    return 0;
}

/* The session's log lines: all of them, in the host log. */
static void host_session_log(void *ctx, enum session_log_kind kind, const char *line)
{
    (void)ctx;
    (void)kind;
    host_log("%s", line);
}

static void worker_main(void *arg)
{
    struct worker *w = arg;
    tl_worker = w;
    w->h->be->run(w);
}

static int host_alloc(struct host *h)
{
    h->conns = calloc(h->max_slots, sizeof *h->conns);
    h->workers = calloc((size_t)h->nworkers, sizeof *h->workers);
    if (!h->conns || !h->workers)
        return SYS_E_NOMEM;
    for (uint32_t i = h->max_slots; i-- > 0;) {
        struct conn *c = &h->conns[i];
        c->slot = i;
        c->sock = SYS_BAD_SOCKET;
        sys_mutex_init(&c->lock);
        c->next_free = h->free_list;
        h->free_list = c;
    }
    for (int i = 0; i < h->nworkers; i++) {
        struct worker *w = &h->workers[i];
        w->h = h;
        w->index = i;
        w->dirty = calloc(h->max_slots, sizeof *w->dirty);
        w->flushing = calloc(h->max_slots, sizeof *w->flushing);
        w->drops = calloc(h->max_slots, sizeof *w->drops);
        if (!w->dirty || !w->flushing || !w->drops)
            return SYS_E_NOMEM;
    }
    struct world_cfg wc = {
        .board_w = h->cfg.board_w,
        .board_h = h->cfg.board_h,
        .view = h->cfg.view,
        .max_players = h->cfg.max_players,
        .max_slots = h->max_slots,
        .seed = sys_now_us(),
    };
    h->world = world_create(&wc, host_emit, h);
    h->game = (struct session_game){.world = h->world, .max_players = h->cfg.max_players, .log = host_session_log};
    return h->world ? 0 : SYS_E_NOMEM;
}

static void host_free(struct host *h)
{
    if (h->world)
        world_destroy(h->world);
    for (uint32_t i = 0; h->conns && i < h->max_slots; i++) {
        struct conn *c = &h->conns[i];
        if (atomic_load(&c->state) != CONN_FREE)
            sys_close(c->sock);
        free(c->out);
        free(c->inflight);
        sys_mutex_destroy(&c->lock);
    }
    for (int i = 0; h->workers && i < h->nworkers; i++) {
        free(h->workers[i].dirty);
        free(h->workers[i].flushing);
        free(h->workers[i].drops);
    }
    free(h->conns);
    free(h->workers);
    if (h->listen_sock != SYS_BAD_SOCKET)
        sys_close(h->listen_sock);
    sys_socket spare = atomic_load(&h->fd_reserve);
    if (spare != SYS_BAD_SOCKET)
        sys_fd_spare_release(spare);
    sys_mutex_destroy(&h->world_lock);
    sys_mutex_destroy(&h->free_lock);
    free(h);
}

static int host_start_workers(struct host *h)
{
    for (int i = 0; i < h->nworkers; i++)
        if (sys_thread_start(&h->workers[i].thread, worker_main, &h->workers[i]) != 0) {
            atomic_store(&h->stopping, 1);
            for (int j = 0; j < i; j++) {
                h->be->wake(&h->workers[j]);
                sys_thread_join(h->workers[j].thread);
            }
            return SYS_E_NOMEM;
        }
    return 0;
}

/* Discovery's answer, from its own thread: the count is the world's. */
static void host_discovery_status(void *ctx, struct discovery_answer *a)
{
    struct host *h = ctx;
    sys_mutex_lock(&h->world_lock);
    uint32_t players = world_count(h->world);
    sys_mutex_unlock(&h->world_lock);
    a->tcp_port = h->port;
    a->players = discovery_count8(players);
    a->max_players = discovery_count8(h->cfg.max_players);
    if (h->cfg.name)
        snprintf(a->name, sizeof a->name, "%s", h->cfg.name);
}

/* A game others on the LAN can find; without it the game still runs. */
static void host_start_discovery(struct host *h)
{
    int err = discovery_responder_start(h->cfg.bind_addr, host_discovery_status, h, &h->discovery);
    if (err) {
        h->discovery = NULL;
        host_log("LAN discovery is off (udp port %u: %s); players can still join by address", discovery_port(),
                 sys_strerror(err));
    }
}

int host_start(const struct host_cfg *cfg, struct host **out)
{
    struct host *h = calloc(1, sizeof *h);
    if (!h)
        return SYS_E_NOMEM;
    h->cfg = *cfg;
    h->listen_sock = SYS_BAD_SOCKET;
    atomic_store(&h->fd_reserve, SYS_BAD_SOCKET);
    sys_mutex_init(&h->world_lock);
    sys_mutex_init(&h->free_lock);
    int err = host_plan(h);
    if (err)
        goto fail;
    h->be = host_backend_pick(cfg->backend, &err);
    if (!h->be)
        goto fail;
    h->nworkers = h->cfg.threads;
    err = host_alloc(h);
    if (err)
        goto fail;
    err = sys_listen(cfg->bind_addr, cfg->port, 1024, &h->listen_sock, &h->port);
    if (err)
        goto fail;
    atomic_store(&h->fd_reserve, sys_fd_spare_take());
    err = h->be->init(h);
    if (!err)
        err = host_start_workers(h);
    if (err) {
        h->be->fini(h); /* undoes a partial init too */
        goto fail;
    }
    host_start_discovery(h);
    host_log("hosting on port %u: backend %s, %d worker threads, board %ux%u, view %u, max players %u",
             h->port, h->be->name, h->nworkers, h->cfg.board_w, h->cfg.board_h,
             h->cfg.view ? h->cfg.view : (h->cfg.board_w > h->cfg.board_h ? h->cfg.board_w : h->cfg.board_h),
             h->cfg.max_players);
    *out = h;
    return 0;
fail:
    host_free(h);
    return err;
}

void host_stop(struct host *h)
{
    atomic_store(&h->stopping, 1);
    for (int i = 0; i < h->nworkers; i++)
        h->be->wake(&h->workers[i]);
}

void host_destroy(struct host *h)
{
    if (h->discovery)
        discovery_responder_stop(h->discovery);
    for (int i = 0; i < h->nworkers; i++)
        sys_thread_join(h->workers[i].thread);
    h->be->fini(h);
    /* Every connection is closed here, workers gone: the clients see the
     * host close, and a port can be reused at once. */
    uint32_t open_conns = 0;
    for (uint32_t i = 0; i < h->max_slots; i++)
        if (atomic_load(&h->conns[i].state) != CONN_FREE) {
            sys_shutdown(h->conns[i].sock);
            open_conns++;
        }
    host_log("stopped: closed %u connections", open_conns);
    host_free(h);
}
