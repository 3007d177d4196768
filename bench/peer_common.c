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

/* ======================================================================
 * Output: the world's emit callback and the send bound
 * ====================================================================== */

static int buf_reserve(uint8_t **buf, uint32_t *cap, uint32_t need)
{
    if (need <= *cap)
        return 0;
    uint32_t n = *cap ? *cap : OUT_MIN_CAP;
    while (n < need)
        n *= 2;
    uint8_t *b = realloc(*buf, n);
    if (!b)
        return -1;
    *buf = b;
    *cap = n;
    return 0;
}

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
    int ok = !over && buf_reserve(&c->out, &c->out_cap, c->out_len + (uint32_t)len) == 0;
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
    if (c->logged_in) {
        world_leave(p->world, c->slot, why);
        c->logged_in = 0;
        if (p->o.log || why == REMOVE_DROPPED)
            peer_log(p, "%s id=%u name=\"%s\" from %s why=%s (players %u/%u)",
                     why == REMOVE_DROPPED ? "drop" : "leave", c->id, c->name, c->peer, reason,
                     world_count(p->world), p->o.max_players);
        if (world_count(p->world) < p->o.max_players)
            p->full_logged = 0;
    } else if (why == REMOVE_DROPPED) {
        peer_log(p, "drop connection from %s why=%s", c->peer, reason);
    }
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
 * Dispatch: the host's session rules
 * ====================================================================== */

/* Returns 0 to go on, 1 to linger after a refused login. */
static int on_login(struct peer *p, struct peer_conn *c, const struct proto_msg *m)
{
    int fail = world_login(p->world, c->slot, m->u.login.version, m->u.login.name);
    if (fail == 0) {
        struct world_player wp;
        world_player_get(p->world, c->slot, &wp);
        c->logged_in = 1;
        c->id = wp.id;
        memcpy(c->name, wp.name, sizeof c->name);
        if (p->o.log)
            peer_log(p, "join id=%u name=\"%s\" from %s at %u,%u (players %u/%u)", wp.id, wp.name, c->peer,
                     wp.x, wp.y, world_count(p->world), p->o.max_players);
        return 0;
    }
    if (fail == FAIL_FULL) {
        if (!p->full_logged)
            peer_log(p, "game full (%u players): refusing logins with SC_LOGIN_FAIL 1", p->o.max_players);
        p->full_logged = 1;
    } else {
        peer_log(p, "login refused from %s: %s", c->peer,
                 fail == FAIL_VERSION ? "bad version" : fail == FAIL_NAME ? "bad name" : "name taken");
    }
    return 1;
}

/* One whole packet: 0 go on, 1 linger, -1 bad input (*bad says what). */
static int dispatch_one(struct peer *p, struct peer_conn *c, const uint8_t *pkt, size_t size, const char **bad)
{
    struct proto_msg m;
    int err = proto_decode(PROTO_TO_HOST, pkt, size, &m);
    if (err) {
        *bad = proto_strerror(err);
        return -1;
    }
    if (!c->logged_in && m.type != CS_LOGIN) {
        *bad = "a packet before CS_LOGIN";
        return -1;
    }
    switch (m.type) {
    case CS_LOGIN:
        if (c->logged_in) {
            *bad = "a second CS_LOGIN";
            return -1;
        }
        return on_login(p, c, &m);
    case CS_MOVE:
        world_move(p->world, c->slot, m.u.move.dir, m.u.move.move_time);
        return 0;
    case CS_CHAT:
        world_chat(p->world, c->slot, m.u.chat.text, m.u.chat.len);
        return 0;
    case CS_LOGOUT:
        world_leave(p->world, c->slot, REMOVE_LEFT);
        c->logged_in = 0;
        if (p->o.log)
            peer_log(p, "leave id=%u name=\"%s\" from %s why=logout (players %u/%u)", c->id, c->name, c->peer,
                     world_count(p->world), p->o.max_players);
        if (world_count(p->world) < p->o.max_players)
            p->full_logged = 0;
        return 1;
    }
    *bad = "an unexpected type";
    return -1;
}

int peer_dispatch(struct peer *p, struct peer_conn *c)
{
    const uint8_t *pkt;
    size_t size;
    const char *bad = NULL;
    int r = 0, got;
    if (!c->open || c->closing)
        return PEER_CLOSED;
    if (c->linger) {
        /* After a logout or a refused login only the output is finished:
         * what the client still sends is read and ignored, like the host. */
        reasm_init(&c->rx);
        return PEER_LINGER;
    }
    while (r == 0 && (got = reasm_next(&c->rx, PROTO_TO_HOST, &pkt, &size)) != 0) {
        if (got < 0) {
            bad = proto_strerror(got);
            r = -1;
        } else {
            r = dispatch_one(p, c, pkt, size, &bad);
        }
    }
    if (r < 0) {
        char why[96];
        snprintf(why, sizeof why, "bad input: %s", bad);
        close_one(p, c, REMOVE_DROPPED, why);
    }
    if (r > 0 && !c->closing) {
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
    return r > 0 ? PEER_LINGER : PEER_GO_ON;
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
    c->closing = c->linger = c->logged_in = 0;
    c->id = 0;
    snprintf(c->peer, sizeof c->peer, "%s", peer ? peer : "?");
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
    uint8_t pkt[3] = {3, SC_LOGIN_FAIL, FAIL_FULL};
    (void)sys_send(s, pkt, sizeof pkt);
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
