/*
 * The client network thread (net/client/client.h) and LAN discovery
 * (net/discovery/discovery.h) against real sockets on 127.0.0.1.
 *
 *   client_test --host "PATH [PREFIX...]" --backend B --case NAME
 *
 * Cases with the real host (`pawnparty host --headless`, per backend):
 *
 *   join              SC_LOGIN_OK then its own PUT (why 1), on the network
 *                     thread; a move is echoed; a Korean chat comes back;
 *                     bad arguments are refused; client_stop -> on_closed(0)
 *   two_clients       each sees the other; a move and a chat are seen
 *   host_quits        SIGTERM to the host -> on_closed(SYS_E_CLOSED or RESET)
 *   game_full         --max-players 1: SC_LOGIN_FAIL 1, then SYS_E_CLOSED
 *   stop_logout       client_stop sends CS_LOGOUT: the other player sees
 *                     SC_REMOVE_PLAYER why 1, the host logs why=logout
 *   move_threads      client_move/chat from two threads while packets flow
 *                     (the TSan build checks the locking)
 *   quick_stop        client_stop right after client_start, many times
 *
 * Cases without the host (the backend does not matter):
 *
 *   refused           a closed port -> on_closed(SYS_E_CONNREFUSED) quickly
 *   fake_stream       a scripted host: the exact CS_LOGIN bytes; packets cut
 *                     into single bytes and many in one send arrive in order;
 *                     a move and a chat queued before client_stop go out
 *                     before CS_LOGOUT
 *   fake_bad_stream   bytes that break the protocol -> on_closed(PROTO_E_*)
 *   fake_stop_early   client_stop before SC_LOGIN_OK sends no CS_LOGOUT
 *   fake_rules        well-formed packets a host must never send (a 0x0
 *                     board, a second SC_LOGIN_OK, a piece off the board or
 *                     on another's square, ids never put, more players than
 *                     max_players...): each ends the connection with
 *                     PROTO_E_RULES and names the rule
 *   fake_flood        150,000 SC_PUT_PLAYER with descending ids: the client
 *                     keeps up (O(1) a packet) and stops at max_players; a
 *                     host that floods and then closes is seen closing
 *   fake_bots         `pawnparty bots` against a host that breaks a rule:
 *                     it says so and exits 1
 *   discovery_find    an in-process responder is found with its fields
 *   discovery_garbage garbage datagrams get no answer; it keeps answering
 *   discovery_two     two responders on one port (SO_REUSEPORT)
 *   discovery_bad_addr a bad PAWNPARTY_DISCOVERY_ADDR fails, never broadcasts
 *
 * Every wait is for an event (a callback, a packet, an exit) with a timeout;
 * no sleep is an assertion. Discovery only ever talks to 127.0.0.1 (it_init
 * sets PAWNPARTY_DISCOVERY_ADDR for this program and every child) on a port
 * the case picked (PAWNPARTY_DISCOVERY_PORT).
 */
#include "harness.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "discovery.h"

#define KOREAN_HELLO "\xEC\x95\x88\xEB\x85\x95\xED\x95\x98\xEC\x84\xB8\xEC\x9A\x94" /* 안녕하세요 */

static pthread_t main_thread;

/* ==== a recorder for one client's callbacks ============================== */

/* What the network thread reported, for the test thread to wait on. */
struct rec {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct proto_msg *q;
    size_t head, len, cap;
    int closed_calls;  /* on_closed calls: must end up 1 */
    int closed_err;
    char closed_detail[128]; /* on_closed's detail, "" when NULL */
    int after_close;   /* callbacks after on_closed: must stay 0 */
    int on_main;       /* callbacks on the test's main thread: must stay 0 */
    int thread_moved;  /* callbacks on more than one thread: must stay 0 */
    int have_thread;
    pthread_t net;
    uint32_t own_pos, own_chat; /* counted for move_threads */
    uint32_t my_id;
};

static void rec_init(struct rec *r)
{
    pthread_condattr_t ca;
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
}

static void rec_free(struct rec *r)
{
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r->q);
}

/* Caller holds mu. */
static void rec_note_thread(struct rec *r)
{
    pthread_t self = pthread_self();
    if (pthread_equal(self, main_thread))
        r->on_main++;
    if (!r->have_thread) {
        r->net = self;
        r->have_thread = 1;
    } else if (!pthread_equal(self, r->net)) {
        r->thread_moved++;
    }
    if (r->closed_calls)
        r->after_close++;
}

static void rec_on_packet(void *ctx, const struct proto_msg *m)
{
    struct rec *r = ctx;
    pthread_mutex_lock(&r->mu);
    rec_note_thread(r);
    if (m->type == SC_LOGIN_OK)
        r->my_id = m->u.login_ok.id;
    if (m->type == SC_POSITION && m->u.pos.id == r->my_id)
        r->own_pos++;
    if (m->type == SC_CHAT && m->u.chat.id == r->my_id)
        r->own_chat++;
    if (r->len == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        struct proto_msg *q = realloc(r->q, cap * sizeof *q);
        if (q == NULL)
            abort();
        r->q = q;
        r->cap = cap;
    }
    r->q[r->len++] = *m;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void rec_on_closed(void *ctx, int err, const char *detail)
{
    struct rec *r = ctx;
    pthread_mutex_lock(&r->mu);
    rec_note_thread(r);
    r->closed_calls++;
    r->closed_err = err;
    snprintf(r->closed_detail, sizeof r->closed_detail, "%s", detail ? detail : "");
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static struct timespec deadline_in(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* The next packet: 1, 0 on timeout, -1 when closed with nothing left. */
static int rec_next(struct rec *r, struct proto_msg *out, int timeout_ms)
{
    struct timespec until = deadline_in(timeout_ms);
    int got = 0;
    pthread_mutex_lock(&r->mu);
    while (r->head == r->len && !r->closed_calls)
        if (pthread_cond_timedwait(&r->cv, &r->mu, &until) != 0)
            break;
    if (r->head < r->len) {
        if (out)
            *out = r->q[r->head];
        r->head++;
        got = 1;
    } else if (r->closed_calls) {
        got = -1;
    }
    pthread_mutex_unlock(&r->mu);
    return got;
}

/* Skips packets until pred is true: 1, 0 timeout, -1 closed. */
static int rec_expect(struct rec *r, int (*pred)(const struct proto_msg *m, void *ctx), void *ctx,
                      int timeout_ms, struct proto_msg *out)
{
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    struct proto_msg m;
    for (;;) {
        uint64_t now = sys_now_ms();
        int r2 = rec_next(r, &m, now >= end ? 0 : (int)(end - now));
        if (r2 <= 0)
            return r2;
        if (pred(&m, ctx)) {
            if (out)
                *out = m;
            return 1;
        }
    }
}

/* Waits for on_closed: 1 and *err, or 0 on timeout. */
static int rec_wait_closed(struct rec *r, int timeout_ms, int *err)
{
    struct timespec until = deadline_in(timeout_ms);
    int closed;
    pthread_mutex_lock(&r->mu);
    while (!r->closed_calls)
        if (pthread_cond_timedwait(&r->cv, &r->mu, &until) != 0)
            break;
    closed = r->closed_calls > 0;
    if (closed && err)
        *err = r->closed_err;
    pthread_mutex_unlock(&r->mu);
    return closed;
}

static size_t rec_count(struct rec *r)
{
    size_t n;
    pthread_mutex_lock(&r->mu);
    n = r->len;
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* ==== a client and its recorder ========================================== */

struct cl {
    struct client *c;
    struct rec r;
    char name[PROTO_NAME_LEN];
    struct proto_msg ok; /* SC_LOGIN_OK */
    uint16_t x, y;
};

static int cl_start(struct cl *x, uint16_t port, const char *name)
{
    struct client_callbacks cb = {rec_on_packet, rec_on_closed, &x->r};
    rec_init(&x->r);
    snprintf(x->name, sizeof x->name, "%s", name);
    return client_start("127.0.0.1", port, name, it_ms(3000), &cb, &x->c);
}

/* The first two packets must be SC_LOGIN_OK and our own PUT (why 1). */
static void cl_expect_login(struct cl *x)
{
    struct proto_msg put;
    int r = rec_next(&x->r, &x->ok, it_ms(5000));
    if (r != 1 || x->ok.type != SC_LOGIN_OK) {
        CHECK_FAIL("client %s: first packet: expected SC_LOGIN_OK, got %s", x->name,
                r == 1 ? it_type_name(x->ok.type) : r == 0 ? "nothing (timeout)" : "on_closed");
        check_abort();
    }
    r = rec_next(&x->r, &put, it_ms(5000));
    if (r != 1 || put.type != SC_PUT_PLAYER || put.u.put.id != x->ok.u.login_ok.id || put.u.put.why != PUT_JOINED ||
        strcmp(put.u.put.name, x->name) != 0 || put.u.put.x != x->ok.u.login_ok.x ||
        put.u.put.y != x->ok.u.login_ok.y) {
        CHECK_FAIL("client %s: second packet: expected its own SC_PUT_PLAYER id %u why 1, got %s", x->name,
                x->ok.u.login_ok.id, r == 1 ? it_type_name(put.type) : "nothing");
        check_abort();
    }
    x->x = put.u.put.x;
    x->y = put.u.put.y;
}

static void cl_join(struct cl *x, uint16_t port, const char *name)
{
    int err = cl_start(x, port, name);
    if (err != 0) {
        CHECK_FAIL("client_start %s: %s", name, client_strerror(err));
        check_abort();
    }
    cl_expect_login(x);
}

static uint32_t cl_id(const struct cl *x)
{
    return x->ok.u.login_ok.id;
}

/* The callbacks' promises, checked once the client is stopped. */
static void cl_check_callbacks(struct cl *x)
{
    if (x->r.closed_calls != 1)
        CHECK_FAIL("client %s: on_closed called %d times, expected once", x->name, x->r.closed_calls);
    if (x->r.after_close)
        CHECK_FAIL("client %s: %d callbacks after on_closed", x->name, x->r.after_close);
    if (x->r.on_main)
        CHECK_FAIL("client %s: %d callbacks on the caller's thread, expected the network thread", x->name, x->r.on_main);
    if (x->r.thread_moved)
        CHECK_FAIL("client %s: callbacks came from more than one thread", x->name);
}

/* client_stop, then the checks; want_err is on_closed's code (-1000 = any). */
static void cl_stop(struct cl *x, int want_err)
{
    client_stop(x->c);
    x->c = NULL;
    cl_check_callbacks(x);
    if (want_err != -1000 && x->r.closed_err != want_err)
        CHECK_FAIL("client %s: on_closed(%d \"%s\"), expected %d \"%s\"", x->name, x->r.closed_err,
                client_strerror(x->r.closed_err), want_err, sys_strerror(want_err));
    rec_free(&x->r);
}

static int cl_expect(struct cl *x, uint8_t type, uint32_t id, struct proto_msg *out)
{
    struct tc_about w = {type, id};
    int r = rec_expect(&x->r, tc_is_about, &w, it_ms(5000), out);
    if (r != 1)
        CHECK_FAIL("client %s: expected %s for id %u, got %s", x->name, it_type_name(type), id,
                r == 0 ? "nothing (timeout)" : "on_closed");
    return r == 1;
}

/* A direction that stays on an 8x8 board. */
static uint8_t inward(uint16_t x, uint16_t y, uint16_t w, uint16_t h)
{
    if (y > 0)
        return DIR_UP;
    if (y + 1 < h)
        return DIR_DOWN;
    return x > 0 ? DIR_LEFT : (x + 1 < w ? DIR_RIGHT : DIR_UP);
}

/* ==== cases with the real host =========================================== */

static void check_bad_arguments(uint16_t port)
{
    struct client *c = NULL;
    struct rec r;
    struct client_callbacks cb = {rec_on_packet, rec_on_closed, &r};
    struct client_callbacks no_cb = {NULL, rec_on_closed, &r};
    rec_init(&r);
    CHECK_INT(client_start("127.0.0.1", port, "", 1000, &cb, &c), PROTO_E_NAME);
    CHECK_INT(client_start("127.0.0.1", port, "tab\there", 1000, &cb, &c), PROTO_E_NAME);
    CHECK_INT(client_start("127.0.0.1", port, "a-name-that-is-longer-than-31-bytes", 1000, &cb, &c),
                 PROTO_E_NAME);
    CHECK_INT(client_start("127.0.0.1", port, "ok", 1000, &no_cb, &c), SYS_E_INVAL);
    CHECK_INT(client_start(NULL, port, "ok", 1000, &cb, &c), SYS_E_INVAL);
    CHECK(c == NULL);
    CHECK_INT(r.closed_calls, 0); /* nothing was started */
    rec_free(&r);
}

static void case_join(void)
{
    struct hp h;
    struct cl a;
    struct proto_msg m;
    hp_start_or_abort(&h, NULL);
    check_bad_arguments(h.port);
    cl_join(&a, h.port, "alice");
    CHECK_INT(a.ok.u.login_ok.board_w, 8);
    CHECK_INT(a.ok.u.login_ok.board_h, 8);

    /* A move: the echo carries the new square (nobody else is on the board). */
    uint8_t dir = inward(a.x, a.y, a.ok.u.login_ok.board_w, a.ok.u.login_ok.board_h);
    static const int dx[4] = {0, 0, -1, 1}, dy[4] = {-1, 1, 0, 0};
    CHECK_INT(client_move(a.c, dir), 0);
    if (cl_expect(&a, SC_POSITION, cl_id(&a), &m)) {
        CHECK_INT(m.u.pos.x, a.x + dx[dir]);
        CHECK_INT(m.u.pos.y, a.y + dy[dir]);
    }

    /* A Korean chat comes back byte for byte. */
    CHECK_INT(client_chat(a.c, KOREAN_HELLO, strlen(KOREAN_HELLO)), 0);
    if (cl_expect(&a, SC_CHAT, cl_id(&a), &m)) {
        CHECK_INT(m.u.chat.len, strlen(KOREAN_HELLO));
        if (strcmp(m.u.chat.text, KOREAN_HELLO) != 0)
            CHECK_FAIL("chat came back as \"%s\", expected \"%s\"", m.u.chat.text, KOREAN_HELLO);
    }

    /* What client_move/chat refuse, without touching the connection. */
    CHECK_INT(client_move(a.c, 4), PROTO_E_DIR);
    CHECK_INT(client_chat(a.c, "", 0), PROTO_E_TEXT);
    CHECK_INT(client_chat(a.c, "\xC3\x28", 2), PROTO_E_TEXT);
    CHECK_INT(client_chat(a.c, "bell\a", 5), PROTO_E_TEXT);
    char big[PROTO_TEXT_MAX + 2];
    memset(big, 'x', sizeof big);
    CHECK_INT(client_chat(a.c, big, sizeof big), PROTO_E_TEXT);
    CHECK_INT(client_chat(a.c, big, PROTO_TEXT_MAX), 0);
    if (cl_expect(&a, SC_CHAT, cl_id(&a), &m))
        CHECK_INT(m.u.chat.len, PROTO_TEXT_MAX);

    cl_stop(&a, 0);
    hp_finish(&h);
}

static void case_two_clients(void)
{
    struct hp h;
    struct cl a, b;
    struct proto_msg m;
    hp_start_or_abort(&h, NULL);
    cl_join(&a, h.port, "ann");
    cl_join(&b, h.port, "\xEB\xB2\xA0\xED\x8B\xB0"); /* 베티 */

    /* ann hears of the newcomer (why 1); the newcomer is told of ann (why 0). */
    if (cl_expect(&a, SC_PUT_PLAYER, cl_id(&b), &m)) {
        CHECK_INT(m.u.put.why, PUT_JOINED);
        CHECK(strcmp(m.u.put.name, b.name) == 0);
    }
    if (cl_expect(&b, SC_PUT_PLAYER, cl_id(&a), &m)) {
        CHECK_INT(m.u.put.why, PUT_VIEW);
        CHECK(strcmp(m.u.put.name, "ann") == 0);
    }

    /* ann tries each direction until one moves her; b must see that move. */
    int moved = 0;
    for (uint8_t dir = 0; dir < 4 && !moved; dir++) {
        REQUIRE_INT(client_move(a.c, dir), 0);
        if (!cl_expect(&a, SC_POSITION, cl_id(&a), &m))
            break;
        if (m.u.pos.x == a.x && m.u.pos.y == a.y)
            continue; /* off the board or blocked by b */
        moved = 1;
        uint16_t nx = m.u.pos.x, ny = m.u.pos.y;
        if (cl_expect(&b, SC_POSITION, cl_id(&a), &m)) {
            CHECK_INT(m.u.pos.x, nx);
            CHECK_INT(m.u.pos.y, ny);
        }
    }
    CHECK(moved);

    CHECK_INT(client_chat(b.c, KOREAN_HELLO, strlen(KOREAN_HELLO)), 0);
    if (cl_expect(&a, SC_CHAT, cl_id(&b), &m))
        CHECK(strcmp(m.u.chat.text, KOREAN_HELLO) == 0);

    cl_stop(&b, 0);
    cl_stop(&a, 0);
    hp_finish(&h);
}

static void case_host_quits(void)
{
    struct hp h;
    struct cl a;
    int err = 0;
    hp_start_or_abort(&h, NULL);
    cl_join(&a, h.port, "stayer");

    int code = hp_stop(&h, it_stop_signal(), it_ms(5000));
    CHECK_INT(code, 0);
    if (!rec_wait_closed(&a.r, it_ms(5000), &err))
        CHECK_FAIL("the host has quit, but on_closed did not come within %d ms", it_ms(5000));
    else if (err != SYS_E_CLOSED && err != SYS_E_RESET)
        CHECK_FAIL("on_closed(%d \"%s\"), expected SYS_E_CLOSED or SYS_E_RESET", err, client_strerror(err));
    check_note("on_closed(%s) after the host quit", client_strerror(err));
    CHECK_INT(client_move(a.c, DIR_UP), SYS_E_CLOSED);
    CHECK_INT(client_chat(a.c, "hi", 2), SYS_E_CLOSED);
    cl_stop(&a, err); /* no second on_closed */
    hp_check_sanitizer(&h);
    hp_cleanup(&h);
}

static void case_game_full(void)
{
    static const char *const extra[] = {"--max-players", "1", NULL};
    struct hp h;
    struct cl a, b;
    struct proto_msg m;
    int err = 0;
    hp_start_or_abort(&h, extra);
    cl_join(&a, h.port, "first");

    REQUIRE_INT(cl_start(&b, h.port, "second"), 0);
    int r = rec_next(&b.r, &m, it_ms(5000));
    if (r != 1 || m.type != SC_LOGIN_FAIL)
        CHECK_FAIL("a full game: expected SC_LOGIN_FAIL, got %s", r == 1 ? it_type_name(m.type) : "nothing");
    else
        CHECK_INT(m.u.login_fail.reason, FAIL_FULL);
    if (!rec_wait_closed(&b.r, it_ms(5000), &err))
        CHECK_FAIL("no on_closed after SC_LOGIN_FAIL");
    CHECK_INT(err, SYS_E_CLOSED);
    CHECK_INT(rec_count(&b.r), 1);
    cl_stop(&b, SYS_E_CLOSED);

    /* The player inside is not disturbed. */
    CHECK_INT(client_move(a.c, DIR_DOWN), 0);
    cl_expect(&a, SC_POSITION, cl_id(&a), NULL);
    cl_stop(&a, 0);
    hp_finish(&h);
}

struct log_want {
    const char *name_field; /* name="..." */
};

static int line_logout(const char *line, void *ctx)
{
    const struct log_want *w = ctx;
    return strstr(line, "leave ") != NULL && strstr(line, w->name_field) != NULL &&
           strstr(line, "why=logout") != NULL;
}

static void case_stop_logout(void)
{
    struct hp h;
    struct cl a, b;
    struct proto_msg m;
    hp_start_or_abort(&h, NULL);
    cl_join(&a, h.port, "watcher");
    cl_join(&b, h.port, "leaver");
    uint32_t bid = cl_id(&b);
    size_t log_from = hp_log_size(&h);

    cl_stop(&b, 0);
    if (cl_expect(&a, SC_REMOVE_PLAYER, bid, &m))
        CHECK_INT(m.u.remove.why, REMOVE_LEFT);
    /* why 1 is also what a plain close gives; the log says it was CS_LOGOUT. */
    struct log_want w = {"name=\"leaver\""};
    if (hp_log_wait(&h, log_from, line_logout, &w, 1, it_ms(5000)) < 1) {
        CHECK_FAIL("the host did not log a leave with why=logout for \"leaver\"");
        hp_log_dump(&h, log_from, "host log since the stop");
    }
    cl_stop(&a, 0);
    hp_finish(&h);
}

#define MT_MOVES 300
#define MT_CHATS 20

struct mover {
    struct client *c;
    int failures;
};

static void *mover_main(void *arg)
{
    struct mover *mv = arg;
    for (int i = 0; i < MT_MOVES; i++)
        if (client_move(mv->c, (uint8_t)(i & 1)) != 0) /* up, down, up... */
            mv->failures++;
    return NULL;
}

static int own_counts_reached(struct rec *r, uint32_t pos, uint32_t chat)
{
    int done;
    pthread_mutex_lock(&r->mu);
    done = r->own_pos >= pos && r->own_chat >= chat;
    pthread_mutex_unlock(&r->mu);
    return done;
}

static void case_move_threads(void)
{
    struct hp h;
    struct cl a, b;
    pthread_t t;
    /* Threads queue moves as fast as they can: the per-player input budget
     * is lifted. */
    static const char *const extra[] = {"--no-input-limit", NULL};
    hp_start_or_abort(&h, extra);
    cl_join(&a, h.port, "busy");
    cl_join(&b, h.port, "noisy");

    /* A second thread moves while this one moves and chats, and b's moves
     * make packets flow into a's network thread at the same time. */
    struct mover mv = {a.c, 0};
    REQUIRE_INT(pthread_create(&t, NULL, mover_main, &mv), 0);
    int fails = 0;
    for (int i = 0; i < MT_MOVES; i++) {
        fails += client_move(a.c, (uint8_t)(2 + (i & 1))) != 0; /* left, right... */
        fails += client_move(b.c, (uint8_t)(i & 3)) != 0;
        if (i % (MT_MOVES / MT_CHATS) == 0)
            fails += client_chat(a.c, KOREAN_HELLO, strlen(KOREAN_HELLO)) != 0;
    }
    pthread_join(t, NULL);
    CHECK_INT(fails + mv.failures, 0);

    uint64_t end = sys_now_ms() + (uint64_t)it_ms(15000);
    while (!own_counts_reached(&a.r, 2 * MT_MOVES, MT_CHATS) && sys_now_ms() < end)
        rec_next(&a.r, NULL, 50); /* consume, so the wait is on new packets */
    if (!own_counts_reached(&a.r, 2 * MT_MOVES, MT_CHATS)) {
        pthread_mutex_lock(&a.r.mu);
        CHECK_FAIL("expected %d echoes and %d chats for busy, got %u and %u", 2 * MT_MOVES, MT_CHATS, a.r.own_pos,
                a.r.own_chat);
        pthread_mutex_unlock(&a.r.mu);
    }
    if (!own_counts_reached(&b.r, MT_MOVES, 0)) {
        end = sys_now_ms() + (uint64_t)it_ms(5000);
        while (!own_counts_reached(&b.r, MT_MOVES, 0) && sys_now_ms() < end)
            rec_next(&b.r, NULL, 50);
    }
    CHECK(own_counts_reached(&b.r, MT_MOVES, 0));
    check_note("busy: %zu packets received, noisy: %zu", rec_count(&a.r), rec_count(&b.r));
    cl_stop(&a, 0);
    cl_stop(&b, 0);
    hp_finish(&h);
}

static void case_quick_stop(void)
{
    struct hp h;
    hp_start_or_abort(&h, NULL);
    /* Stopped at once: during the connect, before or after the login. */
    for (int i = 0; i < 20; i++) {
        struct cl q;
        char name[16];
        snprintf(name, sizeof name, "quick%d", i);
        REQUIRE_INT(cl_start(&q, h.port, name), 0);
        cl_stop(&q, 0);
    }
    /* Stopped right after the login. */
    for (int i = 0; i < 5; i++) {
        struct cl q;
        char name[16];
        snprintf(name, sizeof name, "joined%d", i);
        cl_join(&q, h.port, name);
        cl_stop(&q, 0);
    }
    /* Every one of them has left: a newcomer is alone. */
    struct cl last;
    cl_join(&last, h.port, "last");
    CHECK_INT(client_chat(last.c, "alone?", 6), 0);
    struct proto_msg m;
    struct tc_about w = {SC_CHAT, cl_id(&last)};
    int r = rec_expect(&last.r, tc_is_about, &w, it_ms(5000), &m);
    CHECK_INT(r, 1);
    uint32_t last_id = cl_id(&last);
    client_stop(last.c); /* joined: the recorder is ours alone from here */
    last.c = NULL;
    for (size_t i = 0; i < last.r.len; i++) /* nothing but our own packets */
        if (last.r.q[i].type == SC_PUT_PLAYER && last.r.q[i].u.put.id != last_id)
            CHECK_FAIL("the newcomer sees \"%s\", who was stopped", last.r.q[i].u.put.name);
    cl_check_callbacks(&last);
    CHECK_INT(last.r.closed_err, 0);
    rec_free(&last.r);
    hp_finish(&h);
}

/* ==== cases without the host: a refused connect and a scripted host ====== */

/* The library reports errors from two layers; one function names both. */
static void case_strerror(void)
{
    CHECK(strcmp(client_strerror(PROTO_E_TYPE), proto_strerror(PROTO_E_TYPE)) == 0);
    CHECK(strcmp(client_strerror(PROTO_E_NAME), proto_strerror(PROTO_E_NAME)) == 0);
    CHECK(strcmp(client_strerror(SYS_E_RESET), sys_strerror(SYS_E_RESET)) == 0);
    CHECK(strcmp(client_strerror(0), "ok") == 0);
}

static void case_refused(void)
{
    struct cl a;
    int err = 0;
    uint64_t t0 = sys_now_ms();
    REQUIRE_INT(cl_start(&a, it_closed_port(), "nobody-home"), 0);
    if (!rec_wait_closed(&a.r, it_ms(2000), &err))
        CHECK_FAIL("a refused connect: no on_closed within %d ms", it_ms(2000));
    CHECK_INT(err, SYS_E_CONNREFUSED);
    check_note("on_closed(%s) after %llu ms", client_strerror(err), (unsigned long long)(sys_now_ms() - t0));
    CHECK_INT(rec_count(&a.r), 0);
    CHECK_INT(client_move(a.c, DIR_UP), SYS_E_CLOSED);
    cl_stop(&a, SYS_E_CONNREFUSED);
}

/* The test plays the host on a socket of its own. */
struct fake {
    sys_socket lis, s;
    uint16_t port;
};

static void fake_listen(struct fake *f)
{
    f->s = SYS_BAD_SOCKET;
    REQUIRE_INT(sys_listen("127.0.0.1", 0, 4, &f->lis, &f->port), 0);
}

static void fake_accept(struct fake *f)
{
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(3000);
    while (sys_accept_now(f->lis, &f->s) != 0) {
        if (sys_now_ms() >= end) {
            CHECK_FAIL("the client did not connect to the scripted host");
            check_abort();
        }
        sys_wait_readable(f->lis, 50);
    }
    REQUIRE_INT(sys_set_nonblock(f->s, 0), 0);
    REQUIRE_INT(sys_set_nodelay(f->s), 0); /* each small send its own segment */
}

/* Exactly n bytes: 0, or SYS_E_CLOSED / SYS_E_TIMEDOUT / another error. */
static int fake_read(struct fake *f, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        int w = sys_wait_readable(f->s, it_ms(3000));
        if (w <= 0)
            return w == 0 ? SYS_E_TIMEDOUT : w;
        long r = sys_recv(f->s, buf + got, n - got);
        if (r < 0)
            return (int)r;
        got += (size_t)r;
    }
    return 0;
}

static void fake_send(struct fake *f, const uint8_t *buf, size_t n)
{
    while (n > 0) {
        long r = sys_send(f->s, buf, n);
        REQUIRE(r > 0);
        buf += r;
        n -= (size_t)r;
    }
}

static size_t put_msg(uint8_t *out, const struct proto_msg *m)
{
    int n = proto_encode(m, out);
    REQUIRE(n >= PROTO_HEADER);
    return (size_t)n;
}

static void fake_close(struct fake *f)
{
    sys_close(f->s);
    sys_close(f->lis);
}

/* Reads the 36 bytes of CS_LOGIN and checks them against name. */
static void fake_expect_login(struct fake *f, const char *name)
{
    uint8_t got[36], want[36];
    struct proto_msg login = {.type = CS_LOGIN, .u.login.version = PROTO_VERSION};
    REQUIRE_INT(proto_name_pack(name, login.u.login.name), 0);
    REQUIRE_INT(put_msg(want, &login), 36);
    REQUIRE_INT(fake_read(f, got, sizeof got), 0);
    if (memcmp(got, want, sizeof want) != 0)
        CHECK_FAIL("CS_LOGIN bytes differ from the protocol's (size %u type %u version %u)", got[0], got[1],
                got[2] | got[3] << 8);
}

struct stopper {
    pthread_t t;
    struct client *c;
};

/* client_stop waits for the host's close, and the host is this thread:
 * stop from another one. */
static void *stopper_main(void *arg)
{
    client_stop(((struct stopper *)arg)->c);
    return NULL;
}

static void stop_async(struct stopper *st, struct cl *x)
{
    st->c = x->c;
    x->c = NULL;
    REQUIRE_INT(pthread_create(&st->t, NULL, stopper_main, st), 0);
}

/* The script: login, then a stream cut into single bytes, then many packets
 * in one send. Returns the packet count in *count. */
static size_t fake_script(uint8_t *out, size_t *count, const char *name)
{
    size_t n = 0;
    struct proto_msg ok = {.type = SC_LOGIN_OK, .u.login_ok = {7, 1, 2, 8, 8, 8, 10}};
    struct proto_msg put = {.type = SC_PUT_PLAYER, .u.put = {7, 1, 2, 3, PUT_JOINED, ""}};
    snprintf(put.u.put.name, sizeof put.u.put.name, "%s", name);
    n += put_msg(out + n, &ok);
    n += put_msg(out + n, &put);
    *count = 2;
    for (uint32_t i = 0; i < 60; i++) {
        struct proto_msg m = {.type = SC_CHAT, .u.chat = {.id = 7, .len = (uint8_t)(1 + i * 3)}};
        memset(m.u.chat.text, 'a' + (int)(i % 26), m.u.chat.len);
        n += put_msg(out + n, &m);
        struct proto_msg pos = {.type = SC_POSITION, .u.pos = {7, (uint16_t)(i % 8), 2, i}};
        n += put_msg(out + n, &pos);
        *count += 2;
    }
    return n;
}

static void case_fake_stream(void)
{
    static const char name[] = "\xEB\xAA\xA8\xED\x97\x98\xEA\xB0\x80"; /* 모험가 */
    static uint8_t script[20000];
    struct fake f;
    struct cl a;
    size_t count, len;
    fake_listen(&f);
    REQUIRE_INT(cl_start(&a, f.port, name), 0);
    fake_accept(&f);
    fake_expect_login(&f, name);

    /* The first 100 bytes one at a time, the rest in one send. */
    len = fake_script(script, &count, name);
    for (size_t i = 0; i < 100; i++) {
        fake_send(&f, script + i, 1);
        if (i % 10 == 0)
            sys_sleep_ms(1); /* let some bytes arrive alone */
    }
    fake_send(&f, script + 100, len - 100);

    cl_expect_login(&a);
    for (uint32_t i = 0; i < 60; i++) {
        struct proto_msg m;
        int r = rec_next(&a.r, &m, it_ms(3000));
        if (r != 1 || m.type != SC_CHAT || m.u.chat.len != 1 + i * 3 || m.u.chat.text[0] != 'a' + (int)(i % 26)) {
            CHECK_FAIL("packet %u: expected SC_CHAT of %u bytes, got %s", 2 + 2 * i, 1 + i * 3,
                    r == 1 ? it_type_name(m.type) : "nothing");
            break;
        }
        r = rec_next(&a.r, &m, it_ms(3000));
        if (r != 1 || m.type != SC_POSITION || m.u.pos.move_time != i) {
            CHECK_FAIL("packet %u: expected SC_POSITION move_time %u, got %s", 3 + 2 * i, i,
                    r == 1 ? it_type_name(m.type) : "nothing");
            break;
        }
    }

    /* Queued before client_stop: sent, in order, and then CS_LOGOUT. */
    CHECK_INT(client_move(a.c, DIR_LEFT), 0);
    CHECK_INT(client_chat(a.c, "bye", 3), 0);
    struct stopper st;
    stop_async(&st, &a);
    uint8_t got[7 + 5 + 2];
    CHECK_INT(fake_read(&f, got, sizeof got), 0);
    CHECK_INT(got[0], 7);
    CHECK_INT(got[1], CS_MOVE);
    CHECK_INT(got[2], DIR_LEFT);
    CHECK(memcmp(got + 7, "\x05\x03" "bye", 5) == 0);
    CHECK(memcmp(got + 12, "\x02\x04", 2) == 0);
    sys_close(f.s); /* the host's close after a logout */
    f.s = SYS_BAD_SOCKET;
    pthread_join(st.t, NULL);
    cl_check_callbacks(&a);
    CHECK_INT(a.r.closed_err, 0);
    rec_free(&a.r);
    fake_close(&f);
}

struct bad_stream {
    const char *what;
    uint8_t bytes[8];
    size_t len;
    int err;
};

static const struct bad_stream bad_streams[] = {
    {"size 1", {1, SC_CHAT}, 2, PROTO_E_SIZE_SMALL},
    {"size 0", {0, SC_CHAT}, 2, PROTO_E_SIZE_SMALL},
    {"an unknown type", {2, 99}, 2, PROTO_E_TYPE},
    {"a client-to-host type", {2, CS_LOGOUT}, 2, PROTO_E_TYPE},
    {"SC_REMOVE_PLAYER of size 6", {6, SC_REMOVE_PLAYER, 1, 0, 0, 0}, 6, PROTO_E_SIZE},
    {"SC_REMOVE_PLAYER why 9", {7, SC_REMOVE_PLAYER, 1, 0, 0, 0, 9}, 7, PROTO_E_FIELD},
    {"SC_LOGIN_FAIL reason 0", {3, SC_LOGIN_FAIL, 0}, 3, PROTO_E_FIELD},
};

static void case_fake_bad_stream(void)
{
    for (size_t i = 0; i < sizeof bad_streams / sizeof bad_streams[0]; i++) {
        const struct bad_stream *b = &bad_streams[i];
        struct fake f;
        struct cl a;
        uint8_t good[64];
        struct proto_msg ok = {.type = SC_LOGIN_OK, .u.login_ok = {3, 0, 0, 8, 8, 8, 10}};
        struct proto_msg put = {.type = SC_PUT_PLAYER, .u.put = {3, 0, 0, 0, PUT_JOINED, "victim"}};
        size_t n = put_msg(good, &ok);
        int err = 0;
        n += put_msg(good + n, &put);

        fake_listen(&f);
        REQUIRE_INT(cl_start(&a, f.port, "victim"), 0);
        fake_accept(&f);
        fake_expect_login(&f, "victim");
        fake_send(&f, good, n);
        fake_send(&f, b->bytes, b->len);
        cl_expect_login(&a); /* what came before the bad bytes is delivered */
        if (!rec_wait_closed(&a.r, it_ms(3000), &err))
            CHECK_FAIL("%s: no on_closed", b->what);
        else if (err != b->err)
            CHECK_FAIL("%s: on_closed(%d \"%s\"), expected %d \"%s\"", b->what, err, client_strerror(err), b->err,
                    client_strerror(b->err));
        CHECK_INT(rec_count(&a.r), 2);
        /* The client has closed its end. */
        uint8_t byte;
        CHECK_INT(fake_read(&f, &byte, 1), SYS_E_CLOSED);
        cl_stop(&a, b->err);
        fake_close(&f);
    }
}

/* ==== a host that breaks the rules ========================================== */

#define RULE_MSGS 6

struct rule_case {
    const char *what;   /* the rule, as the client names it */
    struct proto_msg m[RULE_MSGS];
    int n;
};

#define OK(id, x, y, w, h, maxp) {.type = SC_LOGIN_OK, .u.login_ok = {id, x, y, w, h, 8, maxp}}
#define PUT(id, x, y) {.type = SC_PUT_PLAYER, .u.put = {id, x, y, 0, PUT_VIEW, "p"}}
#define SELF(id, x, y) {.type = SC_PUT_PLAYER, .u.put = {id, x, y, 0, PUT_JOINED, "rules"}}
#define POS(id, x, y) {.type = SC_POSITION, .u.pos = {id, x, y, 0}}

static const struct rule_case rule_cases[] = {
    {"SC_LOGIN_OK with a board of no squares", {OK(1, 0, 0, 0, 0, 10)}, 1},
    {"SC_LOGIN_OK with max_players 0", {OK(1, 0, 0, 8, 8, 0)}, 1},
    {"SC_LOGIN_OK with a square off the board", {OK(1, 9, 0, 8, 8, 10)}, 1},
    {"a packet before the answer to CS_LOGIN", {PUT(2, 1, 1)}, 1},
    {"a second SC_LOGIN_OK", {OK(1, 0, 0, 8, 8, 10), SELF(1, 0, 0), OK(1, 0, 0, 8, 8, 10)}, 3},
    {"SC_PUT_PLAYER off the board", {OK(1, 0, 0, 8, 8, 10), SELF(1, 0, 0), PUT(2, 8, 3)}, 3},
    {"SC_PUT_PLAYER on another player's square", {OK(1, 0, 0, 8, 8, 10), SELF(1, 0, 0), PUT(2, 0, 0)}, 3},
    {"SC_PUT_PLAYER for an id it has put already", {OK(1, 0, 0, 8, 8, 10), SELF(1, 0, 0), PUT(2, 1, 1), PUT(2, 2, 2)}, 4},
    {"more players than max_players", {OK(1, 0, 0, 8, 8, 2), SELF(1, 0, 0), PUT(2, 1, 1), PUT(3, 2, 2)}, 4},
    {"SC_POSITION for an id never put", {OK(1, 0, 0, 8, 8, 10), SELF(1, 0, 0), POS(5, 1, 1)}, 3},
    {"SC_POSITION off the board", {OK(1, 0, 0, 8, 8, 10), SELF(1, 0, 0), POS(1, 0, 8)}, 3},
    {"SC_POSITION onto another player's square", {OK(1, 0, 0, 8, 8, 10), SELF(1, 0, 0), PUT(2, 1, 0), POS(1, 1, 0)}, 4},
    {"SC_CHAT from an id never put", {OK(1, 0, 0, 8, 8, 10), SELF(1, 0, 0), {.type = SC_CHAT, .u.chat = {9, 2, "hi"}}}, 3},
    {"SC_REMOVE_PLAYER for an id it does not have", {OK(1, 0, 0, 8, 8, 10), SELF(1, 0, 0),
                                                     {.type = SC_REMOVE_PLAYER, .u.remove = {4, REMOVE_LEFT}}}, 3},
};

static void case_fake_rules(void)
{
    for (size_t i = 0; i < sizeof rule_cases / sizeof rule_cases[0]; i++) {
        const struct rule_case *rc = &rule_cases[i];
        struct fake f;
        struct cl a;
        uint8_t bytes[RULE_MSGS * PROTO_MAX_PACKET];
        size_t n = 0;
        int err = 0;
        for (int k = 0; k < rc->n; k++)
            n += put_msg(bytes + n, &rc->m[k]);
        fake_listen(&f);
        REQUIRE_INT(cl_start(&a, f.port, "rules"), 0);
        fake_accept(&f);
        fake_expect_login(&f, "rules");
        fake_send(&f, bytes, n);
        if (!rec_wait_closed(&a.r, it_ms(3000), &err)) {
            CHECK_FAIL("%s: the client did not end the connection", rc->what);
        } else {
            if (err != PROTO_E_RULES)
                CHECK_FAIL("%s: on_closed(%d \"%s\"), expected PROTO_E_RULES", rc->what, err, client_strerror(err));
            if (strcmp(a.r.closed_detail, rc->what) != 0)
                CHECK_FAIL("on_closed's detail is \"%s\", expected \"%s\"", a.r.closed_detail, rc->what);
        }
        /* What came before the broken rule was delivered; nothing after. */
        CHECK_INT(rec_count(&a.r), (size_t)(rc->n - 1));
        uint8_t byte;
        CHECK_INT(fake_read(&f, &byte, 1), SYS_E_CLOSED); /* the client closed its end */
        cl_stop(&a, PROTO_E_RULES);
        fake_close(&f);
    }
}

/* The host's side of a flood: SC_LOGIN_OK for a 65535 x 65535 board and
 * 65535 players, the player itself, then count SC_PUT_PLAYER with
 * descending ids on squares of their own, in big sends. */
struct flood_host {
    struct fake f;
    uint32_t count;
    int close_after; /* close the connection when all are sent */
    pthread_t t;
};

static void *flood_host_main(void *arg)
{
    struct flood_host *fh = arg;
    static uint8_t buf[1000 * 44];
    struct proto_msg ok = {.type = SC_LOGIN_OK, .u.login_ok = {1, 0, 0, 65535, 65535, 8, 65535}};
    struct proto_msg self = {.type = SC_PUT_PLAYER, .u.put = {1, 0, 0, 0, PUT_JOINED, "flooded"}};
    size_t n = put_msg(buf, &ok);
    n += put_msg(buf + n, &self);
    for (uint32_t i = 0; i < fh->count; i++) {
        uint32_t id = 2000000 - i;
        struct proto_msg m = {.type = SC_PUT_PLAYER,
                              .u.put = {id, (uint16_t)(1 + i % 65534), (uint16_t)(1 + i / 65534), 0, PUT_VIEW, "x"}};
        n += put_msg(buf + n, &m);
        if (n + 44 > sizeof buf || i + 1 == fh->count) {
            /* The client stops reading once it has ended the connection. */
            for (size_t off = 0; off < n;) {
                long r = sys_send(fh->f.s, buf + off, n - off);
                if (r <= 0)
                    return NULL;
                off += (size_t)r;
            }
            n = 0;
        }
    }
    if (fh->close_after)
        sys_shutdown(fh->f.s);
    return NULL;
}

static void case_fake_flood(void)
{
    /* Past max_players: the client refuses the 65,535th other player. */
    struct flood_host fh = {.count = 150000};
    struct cl a;
    int err = 0;
    fake_listen(&fh.f);
    REQUIRE_INT(cl_start(&a, fh.f.port, "flooded"), 0);
    fake_accept(&fh.f);
    fake_expect_login(&fh.f, "flooded");
    uint64_t t0 = sys_now_ms();
    REQUIRE_INT(pthread_create(&fh.t, NULL, flood_host_main, &fh), 0);
    if (!rec_wait_closed(&a.r, it_ms(10000), &err))
        CHECK_FAIL("150,000 descending puts: the client did not end the connection within %d ms", it_ms(10000));
    check_note("the client refused the flood after %llu ms: %s", (unsigned long long)(sys_now_ms() - t0),
               a.r.closed_detail);
    CHECK_INT(err, PROTO_E_RULES);
    CHECK_STR(a.r.closed_detail, "more players than max_players");
    CHECK_INT(rec_count(&a.r), 65535 + 1); /* SC_LOGIN_OK, itself and 65,534 others */
    sys_shutdown(fh.f.s);
    pthread_join(fh.t, NULL);
    cl_stop(&a, PROTO_E_RULES);
    fake_close(&fh.f);

    /* Within max_players, then the host closes: seen within 10 s. */
    struct flood_host fh2 = {.count = 60000, .close_after = 1};
    struct cl b;
    fake_listen(&fh2.f);
    REQUIRE_INT(cl_start(&b, fh2.f.port, "flooded"), 0);
    fake_accept(&fh2.f);
    fake_expect_login(&fh2.f, "flooded");
    t0 = sys_now_ms();
    REQUIRE_INT(pthread_create(&fh2.t, NULL, flood_host_main, &fh2), 0);
    if (!rec_wait_closed(&b.r, it_ms(10000), &err))
        CHECK_FAIL("60,000 puts then a close: no on_closed within %d ms", it_ms(10000));
    else
        CHECK_INT(err, SYS_E_CLOSED);
    check_note("60,000 puts and the close took %llu ms to come through", (unsigned long long)(sys_now_ms() - t0));
    CHECK_INT(rec_count(&b.r), 60000 + 2);
    pthread_join(fh2.t, NULL);
    cl_stop(&b, SYS_E_CLOSED);
    fake_close(&fh2.f);
}

/* The bots against a host that puts a piece off the board. The host is
 * a thread of this program that accepts one bot, answers its login with
 * the broken rule and waits for the bot to go. */
struct rule_host {
    struct fake f;
    pthread_t t;
    int served;
};

static void *rule_host_main(void *arg)
{
    struct rule_host *rh = arg;
    uint8_t buf[3 * PROTO_MAX_PACKET], login[36];
    if (sys_wait_readable(rh->f.lis, 20000) != 1 || sys_accept_now(rh->f.lis, &rh->f.s) != 0)
        return NULL;
    sys_set_nonblock(rh->f.s, 0);
    if (sys_wait_readable(rh->f.s, 10000) != 1 || sys_recv(rh->f.s, login, sizeof login) <= 0)
        return NULL;
    struct proto_msg ok = {.type = SC_LOGIN_OK, .u.login_ok = {1, 0, 0, 8, 8, 8, 10}};
    struct proto_msg self = {.type = SC_PUT_PLAYER, .u.put = {1, 0, 0, 0, PUT_JOINED, "bot"}};
    struct proto_msg off = {.type = SC_PUT_PLAYER, .u.put = {2, 8, 0, 0, PUT_VIEW, "ghost"}};
    size_t n = proto_encode(&ok, buf);
    n += (size_t)proto_encode(&self, buf + n);
    n += (size_t)proto_encode(&off, buf + n);
    (void)sys_send(rh->f.s, buf, n);
    rh->served = 1;
    sys_wait_readable(rh->f.s, 10000); /* until the bot closes */
    return NULL;
}

static void case_fake_bots(void)
{
    struct rule_host rh = {0};
    fake_listen(&rh.f);
    REQUIRE_INT(pthread_create(&rh.t, NULL, rule_host_main, &rh), 0);
    char addr[32];
    static char out[16384];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)rh.f.port);
    const char *const args[] = {"bots", addr, "--count", "1", "--seconds", "2", NULL};
    int code = it_run_tool(args, it_ms(20000), out, sizeof out);
    pthread_join(rh.t, NULL);
    fake_close(&rh.f);
    CHECK(rh.served);
    CHECK_INT(code, 1);
    if (!strstr(out, "the host sent an invalid packet: SC_PUT_PLAYER off the board")) {
        CHECK_FAIL("the bots did not say what the host broke");
        proc_print_tail("bots output", out, 20);
    }
}

static void case_fake_stop_early(void)
{
    struct fake f;
    struct cl a;
    struct stopper st;
    uint8_t byte;
    fake_listen(&f);
    REQUIRE_INT(cl_start(&a, f.port, "shy"), 0);
    fake_accept(&f);
    fake_expect_login(&f, "shy");
    /* No SC_LOGIN_OK: client_stop closes without CS_LOGOUT. */
    stop_async(&st, &a);
    CHECK_INT(fake_read(&f, &byte, 1), SYS_E_CLOSED);
    pthread_join(st.t, NULL);
    cl_check_callbacks(&a);
    CHECK_INT(a.r.closed_err, 0);
    CHECK_INT(rec_count(&a.r), 0);
    rec_free(&a.r);
    fake_close(&f);
}

/* ==== discovery ========================================================== */

/* A UDP port of our own for this case: both sides follow the variable. */
static uint16_t pick_discovery_port(void)
{
    sys_socket s;
    uint16_t port = 0;
    char text[8];
    REQUIRE_INT(sys_udp_open(NULL, 0, 0, &s, &port), 0);
    sys_close(s);
    snprintf(text, sizeof text, "%u", (unsigned)port);
    setenv("PAWNPARTY_DISCOVERY_PORT", text, 1);
    REQUIRE_INT(discovery_port(), port);
    return port;
}

struct fake_game {
    char name[PROTO_NAME_LEN];
    uint16_t tcp_port;
    uint32_t players, max_players; /* wider than the wire, to test the clamp */
    _Atomic int asked;
    _Atomic int on_main;
};

static void fake_game_status(void *ctx, struct discovery_answer *a)
{
    struct fake_game *g = ctx;
    atomic_fetch_add(&g->asked, 1);
    if (pthread_equal(pthread_self(), main_thread))
        atomic_fetch_add(&g->on_main, 1);
    a->tcp_port = g->tcp_port;
    a->players = discovery_count8(g->players);
    a->max_players = discovery_count8(g->max_players);
    snprintf(a->name, sizeof a->name, "%s", g->name);
}

static void fake_game_init(struct fake_game *g, const char *name, uint16_t tcp_port)
{
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s-%d", name, (int)getpid());
    g->tcp_port = tcp_port;
    g->players = 3;
    g->max_players = 300; /* sent as 255 */
}

static struct discovery_responder *responder_or_die(struct fake_game *g)
{
    struct discovery_responder *r = NULL;
    int err = discovery_responder_start(NULL, fake_game_status, g, &r);
    if (err != 0) {
        CHECK_FAIL("discovery_responder_start: %s", sys_strerror(err));
        check_abort();
    }
    return r;
}

/* Sends a query (again every 200 ms) until an answer named like one of the
 * games comes, or the timeout: the index of the game, or -1. */
static int query_find(struct discovery_query *q, struct fake_game *const *games, int n, int timeout_ms,
                      struct discovery_game *out)
{
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms, next_send = 0;
    struct discovery_game g;
    for (;;) {
        uint64_t now = sys_now_ms();
        if (now >= end)
            return -1;
        if (now >= next_send) {
            CHECK_INT(discovery_query_send(q), 0);
            next_send = now + 200;
        }
        int r = discovery_query_poll(q, &g);
        CHECK(r >= 0);
        if (r == 1) {
            for (int i = 0; i < n; i++) {
                if (strcmp(g.a.name, games[i]->name) == 0) {
                    if (out)
                        *out = g;
                    return i;
                }
            }
            check_note("an answer from another game (\"%s\"): ignored", g.a.name);
            continue;
        }
        sys_sleep_ms(5); /* the query side is nonblocking by design: poll it */
    }
}

static struct discovery_query *query_or_die(void)
{
    struct discovery_query *q = NULL;
    int err = discovery_query_open(&q);
    if (err != 0) {
        CHECK_FAIL("discovery_query_open: %s", sys_strerror(err));
        check_abort();
    }
    return q;
}

static void case_discovery_find(void)
{
    struct fake_game game;
    struct fake_game *games[1] = {&game};
    struct discovery_game found;
    pick_discovery_port();
    fake_game_init(&game, "den", 45678);
    struct discovery_responder *r = responder_or_die(&game);
    struct discovery_query *q = query_or_die();

    if (query_find(q, games, 1, it_ms(3000), &found) != 0) {
        CHECK_FAIL("no answer from the responder on 127.0.0.1:%u", discovery_port());
    } else {
        CHECK(strcmp(found.host, "127.0.0.1") == 0);
        CHECK_INT(found.a.tcp_port, 45678);
        CHECK_INT(found.a.players, 3);
        CHECK_INT(found.a.max_players, 255);
    }
    CHECK(atomic_load(&game.asked) >= 1);
    CHECK_INT(atomic_load(&game.on_main), 0);

    uint64_t t0 = sys_now_ms();
    discovery_responder_stop(r);
    uint64_t took = sys_now_ms() - t0;
    check_note("discovery_responder_stop took %llu ms", (unsigned long long)took);
    CHECK(took < (uint64_t)it_ms(500));
    discovery_query_close(q);
}

/* 1 when a datagram arrives on s within timeout_ms. */
static int udp_answered(sys_socket s, int timeout_ms, uint8_t *buf, size_t cap, long *len)
{
    if (sys_wait_readable(s, timeout_ms) != 1)
        return 0;
    *len = sys_recvfrom(s, buf, cap, NULL, 0, NULL);
    return *len >= 0;
}

static void case_discovery_garbage(void)
{
    static const struct {
        const char *bytes;
        size_t len;
    } junk[] = {
        {"PPQ", 3}, {"PPQ1x", 5}, {"PPQ2", 4}, {"ppq1", 4}, {"PPR1", 4}, {"", 0},
    };
    struct fake_game game;
    uint16_t port = pick_discovery_port();
    fake_game_init(&game, "sturdy", 5000);
    struct discovery_responder *r = responder_or_die(&game);
    sys_socket s;
    uint8_t buf[600];
    long len = 0;
    REQUIRE_INT(sys_udp_open(NULL, 0, 0, &s, NULL), 0);

    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        CHECK_INT(sys_sendto(s, junk[i].bytes, junk[i].len, "127.0.0.1", port), (long)junk[i].len);
    /* An answer sent to a responder is not a query either. */
    struct discovery_answer fake = {1234, 1, 2, "echo"};
    REQUIRE_INT(discovery_encode_answer(&fake, buf), DISCOVERY_ANSWER_LEN);
    CHECK_INT(sys_sendto(s, buf, DISCOVERY_ANSWER_LEN, "127.0.0.1", port), DISCOVERY_ANSWER_LEN);
    /* A big datagram that starts like a query. */
    memset(buf, 'Q', sizeof buf);
    memcpy(buf, "PPQ1", 4);
    CHECK_INT(sys_sendto(s, buf, 512, "127.0.0.1", port), 512);
    if (udp_answered(s, it_ms(300), buf, sizeof buf, &len))
        CHECK_FAIL("the responder answered garbage (%ld bytes back)", len);
    CHECK_INT(atomic_load(&game.asked), 0);

    /* It is still there, and answers a real query with exactly 40 bytes. */
    CHECK_INT(sys_sendto(s, "PPQ1", 4, "127.0.0.1", port), 4);
    if (!udp_answered(s, it_ms(2000), buf, sizeof buf, &len)) {
        CHECK_FAIL("after the garbage, a real query got no answer");
    } else {
        struct discovery_answer a;
        CHECK_INT(len, DISCOVERY_ANSWER_LEN);
        CHECK_INT(discovery_decode_answer(buf, (size_t)len, &a), 0);
        CHECK(strcmp(a.name, game.name) == 0);
    }
    sys_close(s);
    discovery_responder_stop(r);
}

/*
 * Two responders on one port. What Linux does: SO_REUSEPORT lets both bind;
 * a unicast datagram (our 127.0.0.1 query) goes to exactly one socket of
 * the group, chosen by a hash of the sender's address and port, so one
 * query sender always reaches the same responder. (A broadcast query on a
 * real LAN reaches both.) So this case checks what is true everywhere:
 * both start, every query is answered, and when one stops the other takes
 * over. How the answers spread over 32 senders is printed, not asserted.
 */
#define TWO_SENDERS 32

static void case_discovery_two(void)
{
    struct fake_game ga, gb;
    struct fake_game *games[2] = {&ga, &gb};
    int seen[2] = {0, 0}, unanswered = 0;
    pick_discovery_port();
    fake_game_init(&ga, "left", 1111);
    fake_game_init(&gb, "right", 2222);
    struct discovery_responder *ra = responder_or_die(&ga);
    struct discovery_responder *rb = responder_or_die(&gb);

    for (int i = 0; i < TWO_SENDERS; i++) {
        struct discovery_query *q = query_or_die();
        int who = query_find(q, games, 2, it_ms(2000), NULL);
        if (who < 0) {
            unanswered++;
        } else {
            seen[who]++;
            /* A second answer for the same query, if the OS delivered it twice. */
            struct discovery_game g;
            sys_sleep_ms(20);
            while (discovery_query_poll(q, &g) == 1)
                for (int k = 0; k < 2; k++)
                    if (strcmp(g.a.name, games[k]->name) == 0)
                        seen[k]++;
        }
        discovery_query_close(q);
    }
    CHECK_INT(unanswered, 0);
    check_note("%d query senders: \"left\" answered %d times, \"right\" %d times", TWO_SENDERS, seen[0], seen[1]);

    /* One stops: the port is still served by the other. */
    discovery_responder_stop(ra);
    struct discovery_query *q = query_or_die();
    CHECK_INT(query_find(q, games, 2, it_ms(3000), NULL), 1);
    discovery_query_close(q);
    discovery_responder_stop(rb);
}

static void case_discovery_bad_addr(void)
{
    static const char *const bad[] = {"", "localhost", "256.1.1.1", "127.0.0.1:9091", "::1", "1.2.3"};
    struct discovery_query *q;
    pick_discovery_port();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        q = NULL;
        setenv("PAWNPARTY_DISCOVERY_ADDR", bad[i], 1);
        int err = discovery_query_open(&q);
        if (err != SYS_E_INVAL)
            CHECK_FAIL("PAWNPARTY_DISCOVERY_ADDR=\"%s\": expected SYS_E_INVAL, got %d", bad[i], err);
        if (err == 0)
            discovery_query_close(q); /* never sent: no discovery_query_send */
    }
    setenv("PAWNPARTY_DISCOVERY_ADDR", "127.0.0.1", 1);
    q = query_or_die();
    discovery_query_close(q);
}

/* ==== main =============================================================== */

static const struct check_case cases[] = {
    {"join", case_join},
    {"two_clients", case_two_clients},
    {"host_quits", case_host_quits},
    {"game_full", case_game_full},
    {"stop_logout", case_stop_logout},
    {"move_threads", case_move_threads},
    {"quick_stop", case_quick_stop},
    {"strerror", case_strerror},
    {"refused", case_refused},
    {"fake_stream", case_fake_stream},
    {"fake_bad_stream", case_fake_bad_stream},
    {"fake_stop_early", case_fake_stop_early},
    {"fake_rules", case_fake_rules},
    {"fake_flood", case_fake_flood},
    {"fake_bots", case_fake_bots},
    {"discovery_find", case_discovery_find},
    {"discovery_garbage", case_discovery_garbage},
    {"discovery_two", case_discovery_two},
    {"discovery_bad_addr", case_discovery_bad_addr},
    {NULL, NULL},
};

/* After the options: remember the main thread. (Discovery stays on
 * loopback: it_init sets PAWNPARTY_DISCOVERY_ADDR=127.0.0.1 for this
 * program and every child it starts.) */
static int client_test_ready(void)
{
    main_thread = pthread_self();
    return 0;
}

int main(int argc, char **argv)
{
    return it_main(argc, argv, "client_test", cases, client_test_ready);
}
