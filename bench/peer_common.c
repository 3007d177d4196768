/*
 * The part of the benchmark peers that is not I/O: command line, the
 * world's emit glue with the per-connection send bound, packet dispatch
 * with the host's session rules, closing and dropping. See peer_common.h
 * for who owns what.
 */
#include "peer_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUT_MIN_CAP 512u
#define FD_RESERVE 64 /* listen, stdio, the model's own descriptors */
#define BACKLOG 4096

/* ======================================================================
 * Command line
 * ====================================================================== */

static int usage(const char *prog, FILE *f)
{
    fprintf(f,
            "usage: %s [--port N] [--board WxH] [--view R] [--max-players N]\n"
            "       [--send-bound BYTES] [--log]\n"
            "A Pawn Party protocol v1 host on 127.0.0.1 for benchmarks (same rules as\n"
            "pawnparty host). --port 0 takes any free port; --log logs joins and leaves.\n",
            prog);
    return PEER_EXIT_USAGE;
}

static int usage_error(const char *prog, const char *what, const char *val)
{
    fprintf(stderr, "%s: %s, not '%s' (see %s --help)\n", prog, what, val ? val : "", prog);
    return PEER_EXIT_USAGE;
}



int peer_parse_args(const char *prog, int argc, char **argv, struct peer_opts *o)
{
    *o = (struct peer_opts){.port = PROTO_DEFAULT_PORT, .board_w = 8, .board_h = 8, .max_players = 10,
                            .send_bound = PEER_DEFAULT_SEND_BOUND};
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
            usage(prog, stdout);
            return -1;
        }
        if (!strcmp(opt, "--log")) {
            o->log = 1;
            continue;
        }
        const char *val = i + 1 < argc ? argv[++i] : NULL;
        long v;
        if (!val)
            return usage_error(prog, "a value is missing", opt);
        if (!strcmp(opt, "--port")) {
            if ((v = sys_parse_num(val, 0, 65535)) < 0)
                return usage_error(prog, "--port needs a number 0..65535", val);
            o->port = (uint16_t)v;
        } else if (!strcmp(opt, "--board")) {
            if (sys_parse_size(val, &o->board_w, &o->board_h) < 0)
                return usage_error(prog, "--board needs WxH with each 1..65535", val);
        } else if (!strcmp(opt, "--view")) {
            if ((v = sys_parse_num(val, 1, 65535)) < 0)
                return usage_error(prog, "--view needs a number 1..65535", val);
            o->view = (uint16_t)v;
        } else if (!strcmp(opt, "--max-players")) {
            if ((v = sys_parse_num(val, 1, 65535)) < 0) /* SC_LOGIN_OK has 16 bits */
                return usage_error(prog, "--max-players needs a number 1..65535", val);
            o->max_players = (uint32_t)v;
        } else if (!strcmp(opt, "--send-bound")) {
            if ((v = sys_parse_num(val, 1024, 64L * 1024 * 1024)) < 0)
                return usage_error(prog, "--send-bound needs a number of bytes 1024..67108864", val);
            o->send_bound = (uint32_t)v;
        } else {
            return usage_error(prog, "unknown option", opt);
        }
    }
    if ((uint64_t)o->board_w * o->board_h < o->max_players) {
        fprintf(stderr, "%s: a %ux%u board cannot hold %u players (see %s --help)\n", prog, o->board_w,
                o->board_h, o->max_players, prog);
        return PEER_EXIT_USAGE;
    }
    return 0;
}

/* ======================================================================
 * Logging
 * ====================================================================== */

void peer_log(struct peer *p, const char *fmt, ...)
{
    char line[512];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%02d:%02d:%02d.%03ld %s: ", tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, p->prog);
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}

/* The session's lines: joins and leaves only with --log. */
static void peer_session_log(void *ctx, enum session_log_kind kind, const char *line)
{
    struct peer *p = ctx;
    if (p->o.log || kind == SESSION_LOG_NOTABLE)
        peer_log(p, "%s", line);
}

/* ======================================================================
 * Output: the world's emit callback and the send bound
 * ====================================================================== */

static void queue_drop(struct peer *p, struct peer_conn *c, const char *why)
{
    if (c->drop_queued)
        return;
    c->drop_queued = 1;
    c->drop_why = why;
    p->drops[p->ndrops++] = c->slot;
}

/*
 * Appends one packet to slot's output (world held). A connection whose
 * unsent bytes would pass the bound is queued for a drop instead: the world
 * cannot be called from here, so peer_dispatch / peer_close carry it out.
 */
static void peer_emit(void *ctx, uint32_t slot, const uint8_t *pkt, size_t len)
{
    struct peer *p = ctx;
    struct peer_conn *c = &p->conns[slot];
    if (!c->open || c->closing || c->drop_queued)
        return;
    if (c->out_lock)
        pthread_mutex_lock(c->out_lock);
    int over = (uint64_t)c->out_len + c->inflight + len > p->o.send_bound;
    int ok = !over && sys_buf_reserve(&c->out, &c->out_cap, c->out_len + (uint32_t)len, OUT_MIN_CAP) == 0;
    if (ok) {
        memcpy(c->out + c->out_len, pkt, len);
        c->out_len += (uint32_t)len;
    }
    int wake = ok && !c->dirty;
    if (wake)
        c->dirty = 1;
    if (c->out_lock)
        pthread_mutex_unlock(c->out_lock);
    if (wake)
        p->hooks.dirty(p, c);
    else if (!ok)
        queue_drop(p, c, over ? "send backlog over bound (slow reader)" : "out of memory");
}

/* ======================================================================
 * Closing and dropping
 * ====================================================================== */

static void close_one(struct peer *p, struct peer_conn *c, uint8_t why, const char *reason)
{
    if (!c->open || c->closing)
        return;
    c->closing = 1;
    session_close(&p->game, &c->ses, why, reason);
    p->hooks.close(p, c);
}

/* Dropping a player tells others in view, which may push another slow
 * reader over its bound: the list can grow while it is walked. */
static void run_drops(struct peer *p)
{
    for (uint32_t i = 0; i < p->ndrops; i++) {
        struct peer_conn *c = &p->conns[p->drops[i]];
        close_one(p, c, REMOVE_DROPPED, c->drop_why);
    }
    for (uint32_t i = 0; i < p->ndrops; i++)
        p->conns[p->drops[i]].drop_queued = 0;
    p->ndrops = 0;
}

void peer_close(struct peer *p, struct peer_conn *c, uint8_t why, const char *reason)
{
    close_one(p, c, why, reason);
    run_drops(p);
}

/* ======================================================================
 * Dispatch: the host's protocol session
 * ====================================================================== */

int peer_dispatch(struct peer *p, struct peer_conn *c)
{
    if (!c->open || c->closing)
        return PEER_CLOSED;
    if (c->linger) {
        /* After a logout or a refused login only the output is finished:
         * what the client still sends is read and ignored, like the host. */
        reasm_init(&c->rx);
        return PEER_LINGER;
    }
    enum session_result r = session_feed(&p->game, &c->ses, &c->rx, sys_now_ms());
    if (r == SESSION_BAD)
        close_one(p, c, REMOVE_DROPPED, c->ses.why);
    if (r == SESSION_LINGER && !c->closing) {
        /* The model closes c once its output is out: make sure it looks at
         * c even when nothing was queued (a logout tells only others). */
        c->linger = 1;
        if (c->out_lock)
            pthread_mutex_lock(c->out_lock);
        int wake = !c->dirty;
        c->dirty = 1;
        if (c->out_lock)
            pthread_mutex_unlock(c->out_lock);
        if (wake)
            p->hooks.dirty(p, c);
    }
    run_drops(p);
    if (c->closing)
        return PEER_CLOSED; /* bad input, or dropped by its own echo */
    return r == SESSION_LINGER ? PEER_LINGER : PEER_GO_ON;
}

/* ======================================================================
 * Slots
 * ====================================================================== */

struct peer_conn *peer_conn_take(struct peer *p, const char *peer)
{
    if (p->nfree == 0)
        return NULL;
    struct peer_conn *c = &p->conns[p->free_slots[--p->nfree]];
    c->open = 1;
    c->closing = c->linger = 0;
    session_start(&c->ses, c->slot, peer);
    reasm_init(&c->rx);
    if (c->out_lock)
        pthread_mutex_lock(c->out_lock);
    c->out_len = 0;
    c->inflight = 0;
    c->dirty = 0;
    if (c->out_lock)
        pthread_mutex_unlock(c->out_lock);
    return c;
}

void peer_conn_release(struct peer *p, struct peer_conn *c)
{
    if (!c->open)
        return;
    c->open = 0;
    if (c->out_lock)
        pthread_mutex_lock(c->out_lock);
    /* A connection that grew a big backlog gives the memory back. */
    if (c->out_cap > 16u * 1024u) {
        free(c->out);
        c->out = NULL;
        c->out_cap = 0;
    }
    c->out_len = 0;
    c->inflight = 0;
    if (c->out_lock)
        pthread_mutex_unlock(c->out_lock);
    p->free_slots[p->nfree++] = c->slot;
}

/* ======================================================================
 * Start and stop
 * ====================================================================== */

int peer_init(struct peer *p, const char *prog, const struct peer_opts *o, uint32_t slot_cap,
              const struct peer_hooks *hooks)
{
    memset(p, 0, sizeof *p);
    p->o = *o;
    p->prog = prog;
    p->hooks = *hooks;
    uint32_t limit = sys_raise_fd_limit();
    uint32_t budget = limit > 2 * FD_RESERVE ? limit - FD_RESERVE : FD_RESERVE;
    if (slot_cap && slot_cap < budget)
        budget = slot_cap;
    if (p->o.max_players + 16 > budget) {
        peer_log(p, "max players %u is more than this peer can hold (%u connections): capping at %u",
                 p->o.max_players, budget, budget - 16);
        p->o.max_players = budget - 16;
    }
    p->max_slots = p->o.max_players + p->o.max_players / 16 + 16;
    if (p->max_slots > budget)
        p->max_slots = budget;
    p->conns = calloc(p->max_slots, sizeof *p->conns);
    p->free_slots = calloc(p->max_slots, sizeof *p->free_slots);
    p->drops = calloc(p->max_slots, sizeof *p->drops);
    if (!p->conns || !p->free_slots || !p->drops)
        goto fail;
    for (uint32_t i = p->max_slots; i-- > 0;) {
        p->conns[i].slot = i;
        p->free_slots[p->nfree++] = i;
    }
    struct world_cfg wc = {
        .board_w = o->board_w,
        .board_h = o->board_h,
        .view = o->view,
        .max_players = p->o.max_players,
        .max_slots = p->max_slots,
        .seed = sys_now_us(),
    };
    p->world = world_create(&wc, peer_emit, p);
    if (!p->world)
        goto fail;
    p->game = (struct session_game){.world = p->world,
                                    .max_players = p->o.max_players,
                                    .limits = SESSION_LIMITS_DEFAULT,
                                    .log = peer_session_log,
                                    .log_ctx = p};
    return 0;
fail:
    peer_fini(p);
    return SYS_E_NOMEM;
}

void peer_fini(struct peer *p)
{
    if (p->world)
        world_destroy(p->world);
    for (uint32_t i = 0; p->conns && i < p->max_slots; i++)
        free(p->conns[i].out);
    free(p->conns);
    free(p->free_slots);
    free(p->drops);
    memset(p, 0, sizeof *p);
}

void peer_refuse(sys_socket s)
{
    uint8_t pkt[PROTO_MAX_PACKET];
    (void)sys_send(s, pkt, session_encode_no_room(pkt));
    sys_close(s);
}

int peer_listen(struct peer *p, sys_socket *out, uint16_t *port)
{
    int err = sys_listen("127.0.0.1", p->o.port, BACKLOG, out, port);
    if (err == SYS_E_ADDRINUSE)
        fprintf(stderr, "%s: cannot listen on port %u: it is already in use\n", p->prog, p->o.port);
    else if (err)
        fprintf(stderr, "%s: cannot listen on port %u: %s\n", p->prog, p->o.port, sys_strerror(err));
    return err;
}

void peer_print_listening(uint16_t port)
{
    printf("listening on 127.0.0.1:%u\n", port);
    fflush(stdout);
}
