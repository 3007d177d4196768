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
 * and sends each of them once when it is due (core_after_batch), instead
 * of one send per packet. What answers a connection's own request is due
 * at the end of the batch; the rest is held longer as the host gets busy
 * ("Send queues": the pacing), or for --send-tick-ms when that is given.
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
/* Output that waits is sent at the end of the batch once it reaches this
 * many bytes (or a quarter of the send bound, if less): a send that size
 * already carries a thousand packets, and held output must never bring a
 * client near the bound by itself, which is for readers that are slow. */
#define FULL_OUT_MAX (16u * 1024u)
#define FD_RESERVE 64 /* files kept for listen, rings, eventfds, stdio, logs */

enum conn_state { CONN_FREE = 0, CONN_OPEN, CONN_CLOSING };

struct conn {
    uint32_t slot;
    _Atomic uint32_t gen;
    _Atomic int state;
    _Atomic int refs;
    _Atomic int flush_queued;  /* on its worker's waiting ring */
    _Atomic int answer_queued; /* on its worker's answered list */
    _Atomic int drop_queued;
    sys_socket sock;
    uint64_t accepted_ms; /* for the login timeout */

    /* receive side: the receiving thread's */
    struct reasm rx;
    int linger; /* closing after the queued output is sent */

    /* world lock (set up at accept, before the slot opens) */
    struct session ses;

    /* pend_lock: on the pending list (oldest first) from accept until its
     * CS_LOGIN is answered or it closes */
    struct conn *pend_prev, *pend_next;
    int pending;
    uint32_t src; /* the peer's IPv4 address, for the per-source limit */

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
    uint32_t full_out; /* bytes of output that go without waiting */
    _Atomic int stopping;

    sys_mutex world_lock;
    struct world *world;
    struct session_game game; /* world lock */

    struct conn *conns;
    sys_mutex free_lock;
    struct conn *free_list;
    uint32_t nfree;        /* free_lock */
    int table_full_logged; /* free_lock */

    /* Connections that have not logged in yet (see "Accepting"). */
    sys_mutex pend_lock;
    struct conn *pend_head, *pend_tail;
    uint32_t npending;
    uint32_t pend_low_water; /* fixed at start */

    /* Out of descriptors (see "Accepting"). */
    sys_mutex accept_lock;
    _Atomic uint64_t accept_resume_ms; /* 0: accepting; else paused until then */
    uint32_t accept_backoff_ms;        /* accept_lock */
    uint64_t accept_failed_ms;         /* accept_lock: the last failure */
    _Atomic sys_socket fd_reserve;     /* a spare descriptor for running out of them */
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

static void pending_remove(struct host *h, struct conn *c);
static void accept_descriptor_freed(struct host *h);

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
    h->nfree++;
    sys_mutex_unlock(&h->free_lock);
    accept_descriptor_freed(h);
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
    pending_remove(h, c);
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

/* Callers hold a reference on c (the receive's, or the world lock with c
 * open), so the list's own reference never revives a freed slot. Each
 * connection is on each list at most once (its flag), so max_slots
 * entries are always enough. */
static void worker_mark_dirty(struct worker *w, struct conn *c)
{
    if (!atomic_exchange(&c->flush_queued, 1)) {
        atomic_fetch_add(&c->refs, 1);
        size_t at = (w->wait_head + w->nwaiting++) % w->h->max_slots;
        w->waiting[at] = (struct waiting){c, sys_now_us()};
    }
}

/* c's output goes at the end of this batch of work, whatever it waits for
 * on the waiting ring. */
static void worker_mark_now(struct worker *w, struct conn *c)
{
    if (!atomic_exchange(&c->answer_queued, 1)) {
        atomic_fetch_add(&c->refs, 1);
        w->answered[w->nanswered++] = c;
    }
}

/* c's own request was answered in this batch: its output goes at the end
 * of the batch, whatever the pacing holds back (a fixed tick holds it too). */
static void worker_mark_answered(struct worker *w, struct conn *c)
{
    if (w->h->cfg.send_tick_fixed)
        worker_mark_dirty(w, c);
    else
        worker_mark_now(w, c);
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
    int ok = !over && sys_buf_reserve(&c->out, &c->out_cap, c->out_len + (uint32_t)len, OUT_MIN_CAP) == 0;
    if (ok) {
        memcpy(c->out + c->out_len, pkt, len);
        c->out_len += (uint32_t)len;
    }
    uint32_t held = c->out_len;
    sys_mutex_unlock(&c->lock);
    w->packets++;
    if (ok && held >= h->full_out)
        worker_mark_now(w, c); /* full enough: waiting longer saves nothing */
    else if (ok)
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
        w->sends++;
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

/* Sends what c has queued. flag is the list's mark (flush_queued or
 * answer_queued), cleared before the output is taken so that a packet
 * queued after that marks c again. */
static void conn_flush(struct worker *w, struct conn *c, _Atomic int *flag)
{
    sys_mutex_lock(&c->lock);
    atomic_store(flag, 0);
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

/* The answered list, which the pass takes for itself: marks made while it
 * walks (leave notices after a failed send) go to the other list. */
static void worker_answer_pass(struct worker *w)
{
    struct conn **list = w->answered;
    size_t n = w->nanswered;
    w->answered = w->answering;
    w->nanswered = 0;
    w->answering = list;
    for (size_t i = 0; i < n; i++) {
        conn_flush(w, list[i], &list[i]->answer_queued);
        conn_unref(w->h, list[i]);
    }
}

/* 1 when the oldest waiting output is due at now_us. */
static int worker_wait_due(const struct worker *w, uint64_t now_us)
{
    return w->nwaiting && w->waiting[w->wait_head].since_us + w->hold_us <= now_us;
}

/* Sends the waiting output that is due, oldest first. Each entry leaves
 * the ring before its connection is flushed, so what the flush marks
 * (leave notices after a failed send) joins at the tail, and the ring
 * never holds a connection twice. */
static void worker_wait_pass(struct worker *w, uint64_t now_us)
{
    while (worker_wait_due(w, now_us)) {
        struct conn *c = w->waiting[w->wait_head].c;
        w->wait_head = (w->wait_head + 1) % w->h->max_slots;
        w->nwaiting--;
        conn_flush(w, c, &c->flush_queued);
        conn_unref(w->h, c);
    }
}

/*
 * Pacing. Each TCP segment costs the kernel about 5 us here, and with
 * thousands of players a host sends about one segment per packet if it
 * sends at the end of every batch (docs/performance.md). So output that a
 * client's own request did not cause (other players' moves, joins, chat)
 * is held a while as the host gets busy, and goes out in fewer, fuller
 * segments; what answers a client's own request goes at the end of the
 * batch whatever the load.
 *
 * How long: the hold is a fixed function of the rate at which this worker
 * queues packets (smoothed over PACE_WINDOW_US windows): none below
 * PACE_QUIET packets a second, HOST_HOLD_MAX_MS at PACE_BUSY and above,
 * linear in between. The rate is the players' doing (how many move, how
 * many see each move) and the hold does not change it, so this is a
 * schedule, not a feedback loop: nothing can swing between sending too
 * eagerly and too late. A waiting packet waits at most the hold, half of
 * it on average.
 */
#define PACE_WINDOW_US 100000u
#define PACE_QUIET 20000.0 /* packets a second, per worker */
#define PACE_BUSY 200000.0

static void worker_pace(struct worker *w, uint64_t now_us)
{
    const struct host_cfg *cfg = &w->h->cfg;
    if (cfg->send_tick_fixed) {
        w->hold_us = cfg->send_tick_ms * 1000u;
        return;
    }
    if (now_us < w->pace_from_us + PACE_WINDOW_US)
        return;
    double rate = (double)(w->packets - w->pace_packets) * 1e6 / (double)(now_us - w->pace_from_us);
    w->pace_rate = w->pace_from_us ? 0.7 * w->pace_rate + 0.3 * rate : rate;
    w->pace_from_us = now_us;
    w->pace_packets = w->packets;
    double busy = (w->pace_rate - PACE_QUIET) / (PACE_BUSY - PACE_QUIET);
    busy = busy < 0 ? 0 : busy > 1 ? 1 : busy;
    w->hold_us = (uint32_t)(busy * HOST_HOLD_MAX_MS * 1000);
}

static void core_tick(struct worker *w, uint64_t now);

int core_after_batch(struct worker *w)
{
    struct host *h = w->h;
    tl_worker = w;
    uint64_t now_us = sys_now_us(), now = now_us / 1000;
    worker_pace(w, now_us);
    /* Drops and sends feed each other (a failed send is a leave, a leave
     * is output for others, output may pass a bound): go on until nothing
     * is due. Each round needs a connection to close, so this ends. */
    for (;;) {
        worker_run_drops(w);
        if (w->nanswered)
            worker_answer_pass(w);
        else if (worker_wait_due(w, now_us))
            worker_wait_pass(w, now_us);
        else
            break;
    }
    core_tick(w, now);
    uint64_t wake = w->next_tick_ms;
    if (w->nwaiting) {
        uint64_t due = (w->waiting[w->wait_head].since_us + w->hold_us + 999) / 1000;
        if (due < wake)
            wake = due;
    }
    uint64_t resume = atomic_load(&h->accept_resume_ms);
    if (resume > now && resume < wake)
        wake = resume;
    return wake > now ? (int)(wake - now) : 0;
}

/*
 * A connection that never logs in would hold a slot for ever: after the
 * login timeout it is closed. One worker looks once per tick, under the
 * world lock (which every removal from the pending list holds too, so the
 * list's oldest end stays put while it is read): the pending list is in
 * accept order, so only the expired ones are visited.
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
    for (;;) {
        sys_mutex_lock(&h->pend_lock);
        struct conn *c = h->pend_head;
        /* Not now - accepted_ms: now was read before this batch's flush,
         * and a connection another worker accepted since is younger. */
        int expired = c && now >= c->accepted_ms + limit;
        sys_mutex_unlock(&h->pend_lock);
        if (!expired)
            break;
        host_log("drop connection from %s why=no login within %u s", c->ses.peer, h->cfg.login_timeout);
        conn_close_locked(h, c, REMOVE_LEFT, "login timeout");
    }
    sys_mutex_unlock(&h->world_lock);
}

/* ======================================================================
 * Accepting
 * ====================================================================== */

/*
 * Three rules keep the connection table for players:
 *
 * - Connections that have not logged in yet ("pending", oldest first on
 *   the pending list) must not lock players out. The table has room for
 *   every player plus a margin. While fewer than pend_low_water slots are
 *   free, the address that holds the most pending connections gets no new
 *   one (it is refused at accept, before it takes a slot), and every
 *   connection taken closes the oldest pending one of that address: a
 *   script that opens connections as fast as it can keeps losing its own,
 *   and a player who connects meanwhile finds a slot and gets in at once.
 * - The login timeout closes what is still pending after login_timeout
 *   seconds (core_tick walks the pending list from its oldest end).
 * - Out of descriptors, accepting pauses: the pending connection would
 *   make accept fail again at once, and the backends would spin. The
 *   reserve descriptor is spent to take up to SHED_MAX waiting connections
 *   and refuse them properly (SC_LOGIN_FAIL 1), then taken again; accepts
 *   resume when a connection closes (a descriptor is free again) or after
 *   a back-off that doubles from ACCEPT_BACKOFF_MIN_MS to _MAX_MS while
 *   accepts keep failing. Backends ask core_accept_paused before they post
 *   or wait for an accept.
 */
#define SHED_MAX 64
#define ACCEPT_BACKOFF_MIN_MS 50
#define ACCEPT_BACKOFF_MAX_MS 1000
#define EMFILE_QUIET_MS 5000 /* a shortage this long over is logged as over */

/* Best effort: a fresh socket takes three bytes without blocking. */
static void refuse_connection(sys_socket s)
{
    uint8_t pkt[PROTO_MAX_PACKET];
    (void)sys_send(s, pkt, session_encode_no_room(pkt));
    sys_close(s);
}

/* "a.b.c.d:port" to the address as a number; 0 when it is not IPv4. */
static uint32_t peer_ipv4(const char *peer)
{
    uint32_t ip = 0;
    for (int part = 0; part < 4; part++) {
        uint32_t v = 0;
        int digits = 0;
        for (; *peer >= '0' && *peer <= '9' && digits < 3; peer++, digits++)
            v = v * 10 + (uint32_t)(*peer - '0');
        if (!digits || v > 255 || *peer != (part < 3 ? '.' : ':'))
            return 0;
        ip = ip << 8 | v;
        peer++;
    }
    return ip;
}

/* pend_lock held. */
static void pending_unlink(struct host *h, struct conn *c)
{
    if (c->pend_prev)
        c->pend_prev->pend_next = c->pend_next;
    else
        h->pend_head = c->pend_next;
    if (c->pend_next)
        c->pend_next->pend_prev = c->pend_prev;
    else
        h->pend_tail = c->pend_prev;
    c->pend_prev = c->pend_next = NULL;
    c->pending = 0;
    h->npending--;
}

static void pending_remove(struct host *h, struct conn *c)
{
    sys_mutex_lock(&h->pend_lock);
    if (c->pending)
        pending_unlink(h, c);
    sys_mutex_unlock(&h->pend_lock);
}

/* pend_lock held: who holds the pending connections. *top_count is how
 * many the address holding the most has, *src_count how many src has; the
 * return is the oldest of the top address (NULL: none pending). The first
 * PEND_SOURCES addresses are counted; the rest only ever lose their
 * oldest as the list's oldest. */
#define PEND_SOURCES 32
static struct conn *pending_scan(struct host *h, uint32_t src, uint32_t *top_count, uint32_t *src_count)
{
    struct pend_source {
        uint32_t src, count;
        struct conn *oldest;
    } seen[PEND_SOURCES];
    int nseen = 0, top = -1;
    *src_count = 0;
    for (struct conn *p = h->pend_head; p; p = p->pend_next) {
        *src_count += p->src == src;
        int k = 0;
        while (k < nseen && seen[k].src != p->src)
            k++;
        if (k == nseen) {
            if (nseen == PEND_SOURCES)
                continue;
            seen[nseen++] = (struct pend_source){p->src, 0, p};
        }
        if (++seen[k].count > (top < 0 ? 0 : seen[top].count))
            top = k;
    }
    *top_count = top < 0 ? 0 : seen[top].count;
    return top < 0 ? NULL : seen[top].oldest;
}

/* Closes v if it is still the connection of generation gen. */
static void conn_close_gen(struct host *h, struct conn *v, uint32_t gen, const char *reason)
{
    sys_mutex_lock(&h->world_lock);
    if (atomic_load(&v->gen) == gen)
        conn_close_locked(h, v, REMOVE_DROPPED, reason);
    sys_mutex_unlock(&h->world_lock);
}

/* With free slots running low, a new connection from the address that
 * holds the most pending connections is not taken at all (1): it would
 * only push out one of its own. */
static int pending_refuse(struct host *h, uint32_t src)
{
    sys_mutex_lock(&h->free_lock);
    int low = h->nfree < h->pend_low_water;
    sys_mutex_unlock(&h->free_lock);
    if (!low)
        return 0;
    uint32_t top, mine;
    sys_mutex_lock(&h->pend_lock);
    pending_scan(h, src, &top, &mine);
    sys_mutex_unlock(&h->pend_lock);
    return mine > 0 && mine >= top;
}

/* The new connection c joins the pending list; when free slots run low, it
 * makes room by closing the oldest pending connection of the address that
 * holds the most. */
static void pending_admit(struct host *h, struct conn *c, uint32_t free_slots)
{
    uint32_t top, mine;
    sys_mutex_lock(&h->pend_lock);
    struct conn *v = free_slots < h->pend_low_water ? pending_scan(h, c->src, &top, &mine) : NULL;
    uint32_t vgen = v ? atomic_load(&v->gen) : 0;
    c->pending = 1;
    c->pend_next = NULL;
    c->pend_prev = h->pend_tail;
    if (h->pend_tail)
        h->pend_tail->pend_next = c;
    else
        h->pend_head = c;
    h->pend_tail = c;
    h->npending++;
    sys_mutex_unlock(&h->pend_lock);
    if (v)
        conn_close_gen(h, v, vgen, "no login yet, and the table is full: its place went to a newer connection");
}

struct conn *core_on_accept(struct worker *w, sys_socket s, const char *peer)
{
    struct host *h = w->h;
    tl_worker = w;
    uint32_t src = peer_ipv4(peer);
    if (pending_refuse(h, src)) {
        host_log("refusing a connection from %s: its address holds the most connections that have not logged in",
                 peer);
        refuse_connection(s);
        return NULL;
    }
    sys_mutex_lock(&h->free_lock);
    struct conn *c = h->free_list;
    if (c) {
        h->free_list = c->next_free;
        h->nfree--;
        h->table_full_logged = 0;
    } else if (!h->table_full_logged) {
        h->table_full_logged = 1;
        host_log("connection table full (%u): refusing new connections with SC_LOGIN_FAIL 1",
                 h->max_slots);
    }
    uint32_t free_slots = h->nfree;
    sys_mutex_unlock(&h->free_lock);
    if (!c) {
        refuse_connection(s);
        return NULL;
    }
    /* Output is already coalesced per batch: Nagle would only add delay. */
    sys_set_nodelay(s);
    c->sock = s;
    c->src = src;
    session_start(&c->ses, c->slot, peer);
    reasm_init(&c->rx);
    c->linger = 0;
    c->accepted_ms = sys_now_ms();
    /* flush_queued and drop_queued are clear: a list holds a reference, so
     * the slot was freed only after every list had let it go. */
    atomic_store(&c->refs, 1);
    atomic_store(&c->state, CONN_OPEN);
    pending_admit(h, c, free_slots);
    if (atomic_load(&h->emfile_logged)) {
        /* Accepting works again: the next shortage pauses briefly first;
         * the log says so once the shortage has been over for a while. */
        sys_mutex_lock(&h->accept_lock);
        h->accept_backoff_ms = 0;
        if (c->accepted_ms > h->accept_failed_ms + EMFILE_QUIET_MS) {
            atomic_store(&h->emfile_logged, 0);
            host_log("accepting connections again");
        }
        sys_mutex_unlock(&h->accept_lock);
    }
    return c;
}

int core_accept_paused(struct worker *w)
{
    uint64_t until = atomic_load(&w->h->accept_resume_ms);
    return until != 0 && sys_now_ms() < until;
}

/* accept_lock held: takes and refuses up to SHED_MAX waiting connections
 * with the reserve descriptor, and takes the reserve again. */
static void accept_shed(struct host *h)
{
    sys_socket spare = atomic_exchange(&h->fd_reserve, SYS_BAD_SOCKET);
    if (spare != SYS_BAD_SOCKET) {
        sys_fd_spare_release(spare);
        sys_socket s;
        for (int i = 0; i < SHED_MAX && sys_accept_now(h->listen_sock, &s) == 0; i++)
            refuse_connection(s); /* closing it frees the descriptor for the next */
    }
    /* Another thread may have taken the freed descriptor: then there is
     * no reserve until one frees, and the next pause tries again. */
    atomic_store(&h->fd_reserve, sys_fd_spare_take());
}

void core_on_accept_error(struct worker *w, int err)
{
    struct host *h = w->h;
    if (err != SYS_E_MFILE && err != SYS_E_NOMEM)
        return; /* a connection that went away before it was taken */
    sys_mutex_lock(&h->accept_lock);
    uint64_t now = sys_now_ms();
    h->accept_failed_ms = now;
    if (atomic_load(&h->accept_resume_ms) <= now) { /* not paused by another worker already */
        if (!atomic_exchange(&h->emfile_logged, 1))
            host_log("out of %s: refusing new connections, accepting again when one closes",
                     err == SYS_E_MFILE ? "file descriptors" : "memory for sockets");
        accept_shed(h);
        h->accept_backoff_ms = h->accept_backoff_ms ? h->accept_backoff_ms * 2 : ACCEPT_BACKOFF_MIN_MS;
        if (h->accept_backoff_ms > ACCEPT_BACKOFF_MAX_MS)
            h->accept_backoff_ms = ACCEPT_BACKOFF_MAX_MS;
        atomic_store(&h->accept_resume_ms, now + h->accept_backoff_ms);
    }
    sys_mutex_unlock(&h->accept_lock);
}

/* A connection closed: its descriptor is free, so paused accepts resume
 * now rather than at the end of the back-off. */
static void accept_descriptor_freed(struct host *h)
{
    uint64_t until = atomic_load(&h->accept_resume_ms);
    if (until == 0 || !atomic_compare_exchange_strong(&h->accept_resume_ms, &until, 0))
        return;
    for (int i = 0; i < h->nworkers; i++)
        h->be->wake(&h->workers[i]);
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
    enum session_result r = session_feed(&h->game, &c->ses, &c->rx, sys_now_ms());
    if (c->ses.answered)
        pending_remove(h, c);
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
    worker_mark_answered(w, c);
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
    if (r == 0)
        worker_mark_answered(w, c); /* what its packets got back goes now */
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
    h->full_out = cfg->send_bound / 4 < FULL_OUT_MAX ? cfg->send_bound / 4 : FULL_OUT_MAX;
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
    h->nfree = h->max_slots;
    /* The margin above max_players is for connections logging in. */
    uint32_t margin = h->max_slots > h->cfg.max_players ? h->max_slots - h->cfg.max_players : 1;
    h->pend_low_water = margin / 4 > 2 ? margin / 4 : 2;
    for (int i = 0; i < h->nworkers; i++) {
        struct worker *w = &h->workers[i];
        w->h = h;
        w->index = i;
        w->waiting = calloc(h->max_slots, sizeof *w->waiting);
        w->answered = calloc(h->max_slots, sizeof *w->answered);
        w->answering = calloc(h->max_slots, sizeof *w->answering);
        w->drops = calloc(h->max_slots, sizeof *w->drops);
        if (!w->waiting || !w->answered || !w->answering || !w->drops)
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
    h->game = (struct session_game){.world = h->world,
                                    .max_players = h->cfg.max_players,
                                    .limits = h->cfg.no_input_limit ? (struct session_limits){0}
                                                                    : SESSION_LIMITS_DEFAULT,
                                    .log = host_session_log};
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
        free(h->workers[i].waiting);
        free(h->workers[i].answered);
        free(h->workers[i].answering);
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
    sys_mutex_destroy(&h->pend_lock);
    sys_mutex_destroy(&h->accept_lock);
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

/* Where players type to join: what an operator reads first when LAN
 * discovery cannot work (a firewall, Wi-Fi that keeps clients apart). */
static void host_log_reach(struct host *h)
{
    char addrs[8][SYS_ADDR_LEN], line[8 * (SYS_ADDR_LEN + 8)];
    int n = 0;
    if (h->cfg.bind_addr && h->cfg.bind_addr[0] && strcmp(h->cfg.bind_addr, "0.0.0.0") != 0)
        snprintf(addrs[n++], SYS_ADDR_LEN, "%s", h->cfg.bind_addr);
    else
        n = sys_lan_addresses(addrs, 8);
    size_t len = 0;
    line[0] = '\0';
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%s:%u", i ? ", " : "", addrs[i], h->port);
    if (n)
        host_log("players join at %s", line);
    else
        host_log("no LAN address found: players on this machine join at 127.0.0.1:%u", h->port);
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
    sys_mutex_init(&h->pend_lock);
    sys_mutex_init(&h->accept_lock);
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
    host_log_reach(h);
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
    uint64_t packets = 0, sends = 0;
    for (int i = 0; i < h->nworkers; i++) {
        packets += h->workers[i].packets;
        sends += h->workers[i].sends;
    }
    host_log("stopped: closed %u connections; sent %llu packets in %llu sends (%.2f a send)", open_conns,
             (unsigned long long)packets, (unsigned long long)sends, sends ? (double)packets / (double)sends : 0.0);
    host_free(h);
}
