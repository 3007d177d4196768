/*
 * One stress process: thousands of dummies in one epoll loop (level
 * triggered), one thread, no locks.
 *
 * A dummy's life:
 *
 *   FREE -> CONNECTING -> LOGIN -> PLAYING -> FREE
 *              \____________\________\_________^  (refused, dropped, shed)
 *
 * The dummy table is allocated once for this process's share of --max; a
 * FREE dummy is on a stack and the ramp takes the next one from it. Every
 * connection gets a new name s<proc>-<serial>, so a reconnect never meets
 * its own previous login still leaving the host ("name taken").
 *
 * Moves: the move interval is cut into 1 ms slots, one list of dummies per
 * slot. When a dummy logs in it joins the slot a golden-ratio step after
 * the previous login's, so any number of dummies is spread evenly over the
 * interval. Each turn of the loop walks the slots whose millisecond has
 * come and queues one CS_MOVE per dummy, with sys_now_ms() in move_time.
 *
 * Output is coalesced: packets are queued in the dummy's small buffer and
 * every dummy with something queued is flushed once per turn (one send).
 * A partial send keeps the rest and waits for EPOLLOUT. A dummy with 8
 * moves unanswered, or a full buffer, skips its move instead of queueing.
 *
 * Input: each packet is counted; only SC_LOGIN_OK, SC_LOGIN_FAIL and
 * SC_POSITION are looked at. The own echo's move_time gives the delay (now
 * - move_time), which goes into the second's histogram and into the ramp's
 * one-second sliding mean; another dummy's SC_POSITION gives the delay
 * with which others see a move, summed for the second's mean.
 *
 * The ramp (the course's tester): every ramp interval add a dummy while
 * the mean delay is under add_below; above stop_above note the count as
 * the maximum and shed one dummy per shed interval; once the delay is back
 * under add_below, adding resumes when the count is below 95% of the noted
 * maximum. In between it holds.
 */
#include "stress.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"
#include "reasm.h"
#include "rng.h"
#include "sys.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* ========================================================================
 * Settings and types
 * ====================================================================== */

#define OUT_CAP 128
#define QMAX 8                  /* moves in flight per dummy */
#define MAX_PENDING 256         /* connects + logins in flight at once */
#define CONNECT_TIMEOUT_US 5000000u
#define LOGIN_TIMEOUT_US 10000000u
#define HOUSE_US 100000u        /* timeouts, the ramp's window step */
#define WIN_STEPS 10            /* the ramp's mean: 10 x 100 ms */
#define EVENTS 1024
#define READS_PER_EVENT 4
#define ADDS_PER_TURN 64        /* catch-up bound after a slow turn */
#define DRAW_US 100000u
#define NIL (-1)

enum dstate { D_FREE, D_CONNECTING, D_LOGIN, D_PLAYING };
enum mode { MODE_ADDING, MODE_SHEDDING };

struct dummy {
    int fd;
    uint8_t state, out_len, q_head, q_n;
    uint8_t dirty, want_out;
    uint16_t x, y;
    uint32_t id, slot;
    struct rng rng;
    int32_t prev, next;  /* the move slot's list */
    uint64_t deadline_us;
    uint32_t q[QMAX];    /* move_times sent and not yet echoed */
    uint8_t out[OUT_CAP];
    struct reasm rx;
};

struct swarm {
    const struct stress_swarm_cfg *c;
    const struct stress_opts *o;
    struct dummy *d;
    uint32_t n;
    int ep;
    struct sockaddr_in dst, src;
    int32_t *slot_head;
    uint32_t nslots;
    uint64_t last_ms;               /* the last millisecond whose slot ran */
    uint32_t *dirty, ndirty;
    uint32_t *free_stack, nfree;
    uint32_t playing, pending;
    uint64_t serial, logins;
    /* the ramp */
    enum mode mode;
    uint64_t next_add_us, next_shed_us;
    uint32_t noted_max, shed_cursor;
    uint64_t win_sum[WIN_STEPS], win_cnt[WIN_STEPS];
    uint32_t win_pos;
    double ctrl_delay;
    uint64_t next_house_us, next_sec_us;
    /* statistics */
    struct stress_sec sec, tot;
    uint32_t peak;
    /* --window */
    uint16_t board_w, board_h;
    struct stress_window *win;
    uint16_t *xy;
    uint64_t next_draw_us;
};

volatile int stress_stop_flag;

/* ========================================================================
 * Small helpers
 * ====================================================================== */

uint32_t stress_hist_bucket(uint32_t ms)
{
    if (ms < 1000)
        return ms;
    if (ms < 10000)
        return 1000 + (ms - 1000) / 10;
    if (ms < 60000)
        return 1900 + (ms - 10000) / 100;
    return STRESS_HIST - 1;
}

uint32_t stress_hist_floor(uint32_t b)
{
    if (b < 1000)
        return b;
    if (b < 1900)
        return 1000 + (b - 1000) * 10;
    if (b < STRESS_HIST - 1)
        return 10000 + (b - 1900) * 100;
    return 60000;
}

static uint32_t now_ms32(uint64_t now_us)
{
    return (uint32_t)(now_us / 1000);
}

static void playing_add(struct swarm *sw, int delta)
{
    sw->playing = (uint32_t)((int)sw->playing + delta);
    if (sw->playing < sw->sec.dmin)
        sw->sec.dmin = sw->playing;
    if (sw->playing > sw->sec.dmax)
        sw->sec.dmax = sw->playing;
    if (sw->playing > sw->peak)
        sw->peak = sw->playing;
}

static void mark_dirty(struct swarm *sw, uint32_t i)
{
    if (!sw->d[i].dirty) {
        sw->d[i].dirty = 1;
        sw->dirty[sw->ndirty++] = i;
    }
}

static void ep_set(struct swarm *sw, uint32_t i, uint32_t events, int op)
{
    struct epoll_event ev = { .events = events, .data.u32 = i };
    (void)epoll_ctl(sw->ep, op, sw->d[i].fd, &ev);
}

/* ========================================================================
 * Move slots
 * ====================================================================== */

static void slot_insert(struct swarm *sw, uint32_t i, uint32_t s)
{
    struct dummy *d = &sw->d[i];
    d->slot = s;
    d->prev = NIL;
    d->next = sw->slot_head[s];
    if (d->next != NIL)
        sw->d[d->next].prev = (int32_t)i;
    sw->slot_head[s] = (int32_t)i;
}

static void slot_remove(struct swarm *sw, uint32_t i)
{
    struct dummy *d = &sw->d[i];
    if (d->prev != NIL)
        sw->d[d->prev].next = d->next;
    else
        sw->slot_head[d->slot] = d->next;
    if (d->next != NIL)
        sw->d[d->next].prev = d->prev;
    d->prev = d->next = NIL;
}

/* ========================================================================
 * Lifecycle
 * ====================================================================== */

/* Back to FREE. `fail` says why it ended: 0 asked for (shed, end of run),
 * 1 refused before it played, 2 dropped while playing. */
static void dummy_close(struct swarm *sw, uint32_t i, int fail)
{
    struct dummy *d = &sw->d[i];
    if (d->state == D_FREE)
        return;
    if (d->state == D_PLAYING) {
        slot_remove(sw, i);
        playing_add(sw, -1);
        if (fail)
            sw->sec.dropped++;
    } else {
        sw->pending--;
        if (fail)
            sw->sec.fails++;
    }
    if (d->fd >= 0)
        close(d->fd); /* also leaves the epoll set */
    d->fd = -1;
    d->state = D_FREE;
    d->out_len = 0;
    d->q_n = 0;
    d->want_out = 0; /* d->dirty stays: the dirty list may still name it */
    sw->free_stack[sw->nfree++] = i;
}

static void dummy_queue_login(struct swarm *sw, uint32_t i, uint64_t now)
{
    struct dummy *d = &sw->d[i];
    struct proto_msg m;
    char name[64];
    int len;

    memset(&m, 0, sizeof m);
    m.type = CS_LOGIN;
    m.u.login.version = PROTO_VERSION;
    snprintf(name, sizeof name, "s%u-%llu", (unsigned)sw->c->proc, (unsigned long long)sw->serial++);
    proto_name_pack(name, m.u.login.name); /* at most "s63-" + 20 digits */
    len = proto_encode(&m, d->out);
    d->out_len = (uint8_t)(len > 0 ? len : 0);
    sw->sec.pkts_out++;
    d->state = D_LOGIN;
    d->deadline_us = now + LOGIN_TIMEOUT_US;
    ep_set(sw, i, EPOLLIN, EPOLL_CTL_MOD);
    mark_dirty(sw, i);
}

/* Starts one connect from the free stack. 0, or -1 when nothing was free. */
static int dummy_connect(struct swarm *sw, uint64_t now)
{
    uint32_t i;
    struct dummy *d;
    int fd, one = 1;

    if (sw->nfree == 0)
        return -1;
    i = sw->free_stack[--sw->nfree];
    d = &sw->d[i];
    sw->sec.attempts++;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sw->sec.fails++;
        sw->free_stack[sw->nfree++] = i;
        return 0;
    }
    sys_set_nodelay(fd);
    d->fd = fd;
    d->state = D_CONNECTING;
    d->deadline_us = now + CONNECT_TIMEOUT_US;
    reasm_init(&d->rx);
    sw->pending++;
    if (sw->c->src_addr) {
        /* The port is chosen at connect time, per destination, so each
         * source address has the whole ephemeral range for this host. */
        (void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (const struct sockaddr *)&sw->src, sizeof sw->src) != 0) {
            dummy_close(sw, i, 1);
            return 0;
        }
    }
    ep_set(sw, i, EPOLLOUT, EPOLL_CTL_ADD);
    if (connect(fd, (const struct sockaddr *)&sw->dst, sizeof sw->dst) == 0)
        dummy_queue_login(sw, i, now);
    else if (errno != EINPROGRESS)
        dummy_close(sw, i, 1);
    return 0;
}

static void dummy_connect_done(struct swarm *sw, uint32_t i, uint64_t now)
{
    int soerr = 0;
    socklen_t len = sizeof soerr;
    if (getsockopt(sw->d[i].fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0)
        dummy_close(sw, i, 1);
    else
        dummy_queue_login(sw, i, now);
}

static void dummy_logged_in(struct swarm *sw, uint32_t i, const struct proto_msg *m, uint64_t now)
{
    struct dummy *d = &sw->d[i];
    /* Golden-ratio phases: login k moves at frac(k * 0.618) of the
     * interval, so any count is spread evenly over it. */
    double phase = (double)sw->logins++ * 0.6180339887498949;
    uint32_t off = (uint32_t)((phase - (double)(uint64_t)phase) * sw->nslots);

    d->id = m->u.login_ok.id;
    d->x = m->u.login_ok.x;
    d->y = m->u.login_ok.y;
    sw->board_w = m->u.login_ok.board_w;
    sw->board_h = m->u.login_ok.board_h;
    d->state = D_PLAYING;
    sw->pending--;
    playing_add(sw, +1);
    slot_insert(sw, i, (uint32_t)((now / 1000 + 1 + off) % sw->nslots));
}

/* ========================================================================
 * Output
 * ====================================================================== */

static void dummy_move(struct swarm *sw, uint32_t i, uint64_t now)
{
    struct dummy *d = &sw->d[i];
    uint32_t mt = now_ms32(now);
    struct proto_msg m = {.type = CS_MOVE, .u.move = {.dir = (uint8_t)(rng_next(&d->rng) & 3), .move_time = mt}};
    uint8_t pkt[PROTO_MAX_PACKET];
    int n = proto_encode(&m, pkt);

    if (d->q_n == QMAX || d->out_len + n > OUT_CAP) {
        sw->sec.skipped++;
        return;
    }
    memcpy(d->out + d->out_len, pkt, (size_t)n);
    d->out_len = (uint8_t)(d->out_len + n);
    d->q[(d->q_head + d->q_n++) % QMAX] = mt;
    sw->sec.pkts_out++;
    mark_dirty(sw, i);
}

static void dummy_flush(struct swarm *sw, uint32_t i)
{
    struct dummy *d = &sw->d[i];
    long n;
    int want;

    if (d->state == D_FREE || d->state == D_CONNECTING || d->out_len == 0)
        return;
    n = sys_send(d->fd, d->out, d->out_len);
    if (n < 0 && n != SYS_E_AGAIN) {
        dummy_close(sw, i, d->state == D_PLAYING ? 2 : 1);
        return;
    }
    if (n > 0) {
        memmove(d->out, d->out + n, d->out_len - (size_t)n);
        d->out_len = (uint8_t)(d->out_len - (size_t)n);
    }
    want = d->out_len > 0;
    if (want != d->want_out) {
        d->want_out = (uint8_t)want;
        ep_set(sw, i, EPOLLIN | (want ? EPOLLOUT : 0), EPOLL_CTL_MOD);
    }
}

static void flush_dirty(struct swarm *sw)
{
    for (uint32_t k = 0; k < sw->ndirty; k++) {
        uint32_t i = sw->dirty[k];
        sw->d[i].dirty = 0;
        dummy_flush(sw, i);
    }
    sw->ndirty = 0;
}

/* Every slot whose millisecond has come; at most one whole interval after
 * a stall (a dummy moves once, not once per missed interval). */
static void run_moves(struct swarm *sw, uint64_t now)
{
    uint64_t ms = now / 1000;
    if (sw->last_ms + sw->nslots < ms)
        sw->last_ms = ms - sw->nslots;
    while (sw->last_ms < ms) {
        int32_t i = sw->slot_head[++sw->last_ms % sw->nslots];
        for (; i != NIL; i = sw->d[i].next)
            dummy_move(sw, (uint32_t)i, now);
    }
}

/* ========================================================================
 * Input
 * ====================================================================== */

static void echo(struct swarm *sw, struct dummy *d, uint32_t mt, uint64_t now)
{
    uint32_t delay = now_ms32(now) - mt;
    if (d->q_n == 0)
        return; /* not a move of ours: nothing to measure */
    d->q_head = (uint8_t)((d->q_head + 1) % QMAX);
    d->q_n--;
    if (delay > 0x7fffffffu)
        delay = 0; /* clocks are one monotonic clock; never negative */
    sw->sec.echoes++;
    sw->sec.delay_sum_ms += delay;
    sw->sec.hist[stress_hist_bucket(delay)]++;
    sw->win_sum[sw->win_pos] += delay;
    sw->win_cnt[sw->win_pos]++;
}

/* Another dummy's move, as this one sees it. Its move_time is that
 * dummy's clock, which is this machine's one monotonic clock. */
static void seen(struct swarm *sw, uint32_t mt, uint64_t now)
{
    uint32_t delay = now_ms32(now) - mt;
    if (delay > 0x7fffffffu)
        delay = 0;
    sw->sec.seen++;
    sw->sec.seen_sum_ms += delay;
}

/* One whole packet. -1 when the dummy was closed. */
static int dummy_packet(struct swarm *sw, uint32_t i, const uint8_t *pkt, size_t size, uint64_t now)
{
    struct dummy *d = &sw->d[i];
    struct proto_msg m;

    sw->sec.pkts_in++;
    switch (pkt[1]) {
    case SC_POSITION:
        if (d->state != D_PLAYING || proto_decode(PROTO_TO_CLIENT, pkt, size, &m) != 0)
            return 0;
        if (m.u.pos.id == d->id) {
            d->x = m.u.pos.x;
            d->y = m.u.pos.y;
            echo(sw, d, m.u.pos.move_time, now);
        } else {
            seen(sw, m.u.pos.move_time, now);
        }
        return 0;
    case SC_LOGIN_OK:
        if (d->state != D_LOGIN || proto_decode(PROTO_TO_CLIENT, pkt, size, &m) != 0) {
            dummy_close(sw, i, d->state == D_PLAYING ? 2 : 1);
            return -1;
        }
        dummy_logged_in(sw, i, &m, now);
        return 0;
    case SC_LOGIN_FAIL:
        dummy_close(sw, i, 1);
        return -1;
    default:
        return 0;
    }
}

static void dummy_read(struct swarm *sw, uint32_t i, uint64_t now)
{
    struct dummy *d = &sw->d[i];
    for (int r = 0; r < READS_PER_EVENT; r++) {
        size_t room, size;
        const uint8_t *pkt;
        uint8_t *p = reasm_space(&d->rx, &room);
        long n = sys_recv(d->fd, p, room);
        int rc;

        if (n == SYS_E_AGAIN)
            return;
        if (n < 0) {
            dummy_close(sw, i, d->state == D_PLAYING ? 2 : 1);
            return;
        }
        reasm_commit(&d->rx, (size_t)n);
        while ((rc = reasm_next(&d->rx, PROTO_TO_CLIENT, &pkt, &size)) == 1)
            if (dummy_packet(sw, i, pkt, size, now) < 0)
                return;
        if (rc < 0) {
            dummy_close(sw, i, d->state == D_PLAYING ? 2 : 1); /* malformed: no way on */
            return;
        }
        if ((size_t)n < room)
            return;
    }
}

static void on_event(struct swarm *sw, const struct epoll_event *ev, uint64_t now)
{
    uint32_t i = ev->data.u32;
    struct dummy *d = &sw->d[i];

    if (d->state == D_FREE)
        return;
    if (d->state == D_CONNECTING) {
        dummy_connect_done(sw, i, now);
        return;
    }
    if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        dummy_read(sw, i, now);
    if (d->state != D_FREE && (ev->events & EPOLLOUT))
        mark_dirty(sw, i);
}

/* ========================================================================
 * The ramp and housekeeping
 * ====================================================================== */

/* The delay the ramp steers by: the mean of the last second's echoes. If
 * none came back while moves are out, the oldest unanswered move's age,
 * so that a host that stops answering reads as slow, not as fast. */
static double ramp_delay(struct swarm *sw, uint64_t now)
{
    uint64_t sum = 0, cnt = 0;
    uint32_t oldest = 0, t = now_ms32(now);

    for (int k = 0; k < WIN_STEPS; k++) {
        sum += sw->win_sum[k];
        cnt += sw->win_cnt[k];
    }
    if (cnt)
        return (double)sum / (double)cnt;
    for (uint32_t i = 0; i < sw->n; i++) {
        const struct dummy *d = &sw->d[i];
        if (d->state == D_PLAYING && d->q_n && t - d->q[d->q_head] > oldest)
            oldest = t - d->q[d->q_head];
    }
    return oldest;
}

static void housekeeping(struct swarm *sw, uint64_t now)
{
    if (now < sw->next_house_us)
        return;
    sw->next_house_us = now + HOUSE_US;
    sw->ctrl_delay = ramp_delay(sw, now);
    sw->win_pos = (sw->win_pos + 1) % WIN_STEPS;
    sw->win_sum[sw->win_pos] = sw->win_cnt[sw->win_pos] = 0;
    if (sw->pending == 0)
        return;
    for (uint32_t i = 0; i < sw->n; i++) {
        struct dummy *d = &sw->d[i];
        if ((d->state == D_CONNECTING || d->state == D_LOGIN) && now >= d->deadline_us)
            dummy_close(sw, i, 1);
    }
}

/* Closes one logged-in dummy, round robin over the table (oldest-first
 * like the course's tester would need a queue; any one will do). */
static void shed_one(struct swarm *sw)
{
    for (uint32_t k = 0; k < sw->n; k++) {
        uint32_t i = (sw->shed_cursor + k) % sw->n;
        struct dummy *d = &sw->d[i];
        if (d->state == D_PLAYING) {
            uint8_t bye[2] = { 2, CS_LOGOUT };
            (void)sys_send(d->fd, bye, sizeof bye); /* best effort: close says it too */
            dummy_close(sw, i, 0);
            sw->shed_cursor = (i + 1) % sw->n;
            return;
        }
    }
}

static void ramp(struct swarm *sw, uint64_t now)
{
    double dl = sw->ctrl_delay;
    const struct stress_opts *o = sw->o;
    int adds = 0;

    if (dl > o->stop_above_ms) {
        if (sw->mode == MODE_ADDING) {
            sw->mode = MODE_SHEDDING;
            sw->noted_max = sw->playing;
            sw->next_shed_us = now;
        }
        if (now >= sw->next_shed_us && sw->playing > 0) {
            shed_one(sw);
            sw->next_shed_us = now + sw->c->shed_us;
        }
        sw->next_add_us = now + sw->c->ramp_us;
        return;
    }
    if (dl >= o->add_below_ms) {
        sw->next_add_us = now + sw->c->ramp_us; /* hold */
        return;
    }
    if (sw->mode == MODE_SHEDDING) {
        if ((double)sw->playing >= 0.95 * sw->noted_max)
            return;
        sw->mode = MODE_ADDING;
    }
    while (now >= sw->next_add_us) {
        if (sw->playing + sw->pending >= sw->n || sw->pending >= MAX_PENDING || adds >= ADDS_PER_TURN) {
            sw->next_add_us = now + sw->c->ramp_us;
            break;
        }
        if (dummy_connect(sw, now) < 0)
            break;
        adds++;
        sw->next_add_us += sw->c->ramp_us;
    }
}

/* ========================================================================
 * Seconds, the window, the loop
 * ====================================================================== */

static void sec_reset(struct swarm *sw)
{
    memset(&sw->sec, 0, sizeof sw->sec);
    sw->sec.dmin = sw->sec.dmax = sw->playing;
}

static void tot_add(struct stress_sec *t, const struct stress_sec *s)
{
    t->echoes += s->echoes;
    t->delay_sum_ms += s->delay_sum_ms;
    t->pkts_in += s->pkts_in;
    t->pkts_out += s->pkts_out;
    t->fails += s->fails;
    t->dropped += s->dropped;
    t->skipped += s->skipped;
    t->attempts += s->attempts;
    for (uint32_t b = 0; b < STRESS_HIST; b++)
        t->hist[b] += s->hist[b];
}

static void roll_seconds(struct swarm *sw, uint64_t now)
{
    while (now >= sw->next_sec_us && sw->next_sec_us <= sw->c->end_us) {
        sw->sec.kind = STRESS_REC_SEC;
        sw->sec.proc = sw->c->proc;
        sw->sec.t = (uint32_t)((sw->next_sec_us - sw->c->t0_us + 500000u) / 1000000u);
        sw->sec.dummies = sw->playing;
        sw->sec.noted_max = sw->noted_max;
        sw->c->sink(sw->c->sink_ctx, &sw->sec);
        tot_add(&sw->tot, &sw->sec);
        sec_reset(sw);
        sw->next_sec_us += 1000000u;
    }
}

static void window_tick(struct swarm *sw, uint64_t now)
{
    uint32_t k = 0;
    if (sw->win == NULL || now < sw->next_draw_us)
        return;
    sw->next_draw_us = now + DRAW_US;
    if (stress_window_poll(sw->win)) {
        stress_stop_flag = 1;
        return;
    }
    for (uint32_t i = 0; i < sw->n; i++)
        if (sw->d[i].state == D_PLAYING) {
            sw->xy[2 * k] = sw->d[i].x;
            sw->xy[2 * k + 1] = sw->d[i].y;
            k++;
        }
    stress_window_draw(sw->win, sw->board_w, sw->board_h, sw->xy, k, sw->playing, sw->ctrl_delay);
}

static int loop_timeout_ms(const struct swarm *sw, uint64_t now)
{
    uint64_t w = sw->next_sec_us < sw->next_house_us ? sw->next_sec_us : sw->next_house_us;
    if (sw->playing > 0)
        return 1; /* the next move slot */
    if (sw->mode == MODE_ADDING && sw->next_add_us < w)
        w = sw->next_add_us;
    if (w <= now)
        return 0;
    w = (w - now + 999) / 1000;
    return w > 100 ? 100 : (int)w;
}

static int swarm_init(struct swarm *sw, const struct stress_swarm_cfg *c)
{
    sw->c = c;
    sw->o = c->o;
    sw->n = c->max;
    sw->nslots = c->o->move_ms;
    sw->d = calloc(sw->n, sizeof *sw->d);
    sw->dirty = calloc(sw->n, sizeof *sw->dirty);
    sw->free_stack = calloc(sw->n, sizeof *sw->free_stack);
    sw->slot_head = malloc(sizeof *sw->slot_head * sw->nslots);
    sw->xy = calloc((size_t)sw->n * 2, sizeof *sw->xy);
    sw->ep = epoll_create1(EPOLL_CLOEXEC);
    if (!sw->d || !sw->dirty || !sw->free_stack || !sw->slot_head || !sw->xy || sw->ep < 0)
        return -1;
    for (uint32_t s = 0; s < sw->nslots; s++)
        sw->slot_head[s] = NIL;
    for (uint32_t i = 0; i < sw->n; i++) {
        struct dummy *d = &sw->d[i];
        d->fd = -1;
        d->prev = d->next = NIL;
        rng_seed(&d->rng, ((uint64_t)(c->proc + 1) << 32) ^ ((i + 1) * 0x9E3779B97F4A7C15ull));
        sw->free_stack[sw->nfree++] = sw->n - 1 - i; /* take dummy 0 first */
    }
    sw->dst.sin_family = AF_INET;
    sw->dst.sin_addr.s_addr = c->dst_addr;
    sw->dst.sin_port = htons(c->dst_port);
    sw->src.sin_family = AF_INET;
    sw->src.sin_addr.s_addr = c->src_addr;
    sw->last_ms = c->t0_us / 1000;
    sw->next_add_us = c->t0_us + (uint64_t)c->proc * c->ramp_us / (c->o->procs ? c->o->procs : 1);
    sw->next_house_us = c->t0_us + HOUSE_US;
    sw->next_sec_us = c->t0_us + 1000000u;
    if (c->o->window)
        sw->win = stress_window_open();
    return 0;
}

static void swarm_free(struct swarm *sw)
{
    for (uint32_t i = 0; sw->d && i < sw->n; i++)
        if (sw->d[i].fd >= 0)
            close(sw->d[i].fd);
    if (sw->ep >= 0)
        close(sw->ep);
    if (sw->win)
        stress_window_close(sw->win);
    free(sw->d);
    free(sw->dirty);
    free(sw->free_stack);
    free(sw->slot_head);
    free(sw->xy);
}

/* The end: CS_LOGOUT from every logged-in dummy, every socket closed. */
static void swarm_leave(struct swarm *sw)
{
    static const uint8_t bye[2] = { 2, CS_LOGOUT };
    for (uint32_t i = 0; i < sw->n; i++) {
        if (sw->d[i].state == D_PLAYING)
            (void)sys_send(sw->d[i].fd, bye, sizeof bye);
        dummy_close(sw, i, 0);
    }
}

int stress_swarm_run(const struct stress_swarm_cfg *c)
{
    struct swarm sw;
    struct epoll_event ev[EVENTS];

    memset(&sw, 0, sizeof sw);
    sw.ep = -1;
    if (swarm_init(&sw, c) != 0) {
        fprintf(stderr, "stress: out of memory for %u dummies\n", (unsigned)c->max);
        swarm_free(&sw);
        return -1;
    }
    sec_reset(&sw);
    for (;;) {
        uint64_t now = sys_now_us();
        int n;

        roll_seconds(&sw, now);
        if (now >= c->end_us || stress_stop_flag)
            break;
        housekeeping(&sw, now);
        ramp(&sw, now);
        run_moves(&sw, now);
        flush_dirty(&sw);
        window_tick(&sw, now);
        n = epoll_wait(sw.ep, ev, EVENTS, loop_timeout_ms(&sw, now));
        now = sys_now_us();
        for (int k = 0; k < n; k++)
            on_event(&sw, &ev[k], now);
        flush_dirty(&sw);
    }
    swarm_leave(&sw);
    sw.tot.kind = STRESS_REC_END;
    sw.tot.proc = c->proc;
    sw.tot.dmax = sw.peak;
    sw.tot.noted_max = sw.noted_max;
    sw.tot.fails += sw.sec.fails; /* the unfinished second's refusals */
    c->sink(c->sink_ctx, &sw.tot);
    swarm_free(&sw);
    return 0;
}
