/*
 * Integration cases: the real host process on 127.0.0.1, real sockets.
 *
 *   itest --host "PATH [PREFIX...]" --backend B --case NAME
 *
 * --host may be a prefix list ("wine /path/pawnparty.exe"). Without --case
 * every case runs in turn. Exit 0 all passed, 1 a failure, 77 skipped (the
 * backend is refused on this machine), 2 usage.
 *
 * No case uses a sleep as an assertion: every expectation is a wait for a
 * packet, an EOF, a log line or a process exit, each with a timeout.
 *
 *   ten_players         10 logins: SC_LOGIN_OK fields, puts why 0/1, all see
 *                       all 10 with distinct looks and squares
 *   moves_agree         10 x 200 random moves in bursts: echoes in order,
 *                       every mirror agrees with every player's own view
 *   edge_and_blocked    full 2x2 board: off-board and taken moves keep the
 *                       square and tell nobody; real moves are seen
 *   join_leave_notices  put why 1 on join; remove why 1 on logout, close,
 *                       FIN and RST; the host closes after a logout; log lines
 *   game_full           --max-players 3: FAIL 1 then EOF; a leave frees a place
 *   name_rules          FAIL 4 byte-exact, Korean names, FAIL 3 for bad names,
 *                       FAIL 2 for versions, each then EOF
 *   malformed           20 bad inputs: EOF, remove why 2, one log line each,
 *                       three good clients keep getting echoes
 *   slow_reader         a client that never reads is dropped (why 2, "drop"
 *                       in the log), host RSS bounded, others' echoes flow
 *   view_range          64x64 view 3: every step checked against geometry for
 *                       everyone (put/remove why 0 exactly at 3/4)
 *   churn               300 connect/login/leave rounds beside 3 steady players
 *   shutdown            SIGTERM and SIGINT: every client sees EOF, exit 0 in
 *                       5 s; a second host on a used port exits 1, one line
 *   bots                the bots subcommand's --check summary
 *   login_timeout       --login-timeout 1: a silent connection is closed with
 *                       one log line; players and a logged-out one are not
 *                       reported as "no login"
 *   reset_storm         1,500 rounds of 15 connections that log in (8 get
 *                       in beside the 2 steady players, 7 find it full),
 *                       make the host queue output and reset together; the
 *                       two steady players keep their echoes
 */
#include "harness.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The host options of a case whose players move faster than a person. */
static const char *const no_input_limit[] = {"--no-input-limit", NULL};

/* ==== shared helpers ===================================================== */

#define MAXC 32

static int cheb(int x0, int y0, int x1, int y1)
{
    int dx = abs(x0 - x1), dy = abs(y0 - y1);
    return dx > dy ? dx : dy;
}

struct group {
    struct tc **c;
    int n;
};

/* Client c gets a message of type about player id within 5 s: 1 with *m,
 * or 0 after a failure line (what: what it should have said). */
static int expect_about(struct tc *c, uint8_t type, uint32_t id, const char *what, struct proto_msg *m)
{
    struct tc_about a = {type, id};
    int r = tc_expect_match(c, tc_is_about, &a, it_ms(5000), m);
    if (r != 1)
        CHECK_FAIL("client %s: expected %s for id %u (%s), got %s", c->label, it_type_name(type), id, what,
                   r == 0 ? "nothing (timeout)" : "EOF");
    return r == 1;
}

/* Each of cs gets SC_PUT_PLAYER for id with why and name. */
static void expect_put(struct tc **cs, int n, uint32_t id, uint8_t why, const char *name)
{
    for (int i = 0; i < n; i++) {
        struct proto_msg m;
        if (!expect_about(cs[i], SC_PUT_PLAYER, id, name, &m))
            continue;
        if (m.u.put.why != why)
            CHECK_FAIL("client %s: SC_PUT_PLAYER id %u: expected why %u, got %u", cs[i]->label, id, why, m.u.put.why);
        if (strcmp(m.u.put.name, name) != 0)
            CHECK_FAIL("client %s: SC_PUT_PLAYER id %u: expected name \"%s\", got \"%s\"", cs[i]->label, id, name,
                       m.u.put.name);
    }
}

/* Each of cs gets SC_REMOVE_PLAYER for id with why. */
static void expect_remove(struct tc **cs, int n, uint32_t id, uint8_t why)
{
    for (int i = 0; i < n; i++) {
        struct proto_msg m;
        if (expect_about(cs[i], SC_REMOVE_PLAYER, id, why == REMOVE_LEFT ? "why 1" : "why 2", &m) &&
            m.u.remove.why != why)
            CHECK_FAIL("client %s: SC_REMOVE_PLAYER id %u: expected why %u, got %u", cs[i]->label, id, why,
                       m.u.remove.why);
    }
}

/* After CS_LOGOUT, an SC_LOGIN_FAIL or a bad packet the host closes the
 * connection (an orderly EOF or a reset both count). */
static void expect_eof(struct tc *c, const char *what)
{
    if (tc_wait_eof(c, it_ms(5000)) != 1)
        CHECK_FAIL("client %s: expected the host to close the connection after %s within %d ms; still open",
                c->label, what, it_ms(5000));
}

static void check_clean(struct tc **cs, int n)
{
    for (int i = 0; i < n; i++) {
        if (cs[i]->m.violations != 0)
            CHECK_FAIL("client %s: %u mirror violations (ordering rules broken)", cs[i]->label, cs[i]->m.violations);
        if (cs[i]->echo_order_bad != 0)
            CHECK_FAIL("client %s: %u echoes out of order or unknown", cs[i]->label, cs[i]->echo_order_bad);
        if (cs[i]->bad != 0)
            CHECK_FAIL("client %s: %d undecodable packets from the host", cs[i]->label, cs[i]->bad);
    }
}

/* Every mirror has every player on its own square, no square twice. */
static void check_squares(struct tc *c)
{
    const struct mirror_player *ps = c->m.players;
    size_t n = c->m.count;
    for (size_t i = 0; i < n; i++) {
        if (ps[i].x >= c->m.board_w || ps[i].y >= c->m.board_h)
            CHECK_FAIL("client %s: player %u at (%u,%u) is off the %ux%u board", c->label, ps[i].id, ps[i].x, ps[i].y,
                    c->m.board_w, c->m.board_h);
        for (size_t j = i + 1; j < n; j++)
            if (ps[i].x == ps[j].x && ps[i].y == ps[j].y)
                CHECK_FAIL("client %s: players %u and %u are both on (%u,%u)", c->label, ps[i].id, ps[j].id, ps[i].x,
                        ps[i].y);
    }
}

/* Moves between all clients in cs agree: j's own square is what every
 * other client shows for j. Returns mismatches (printing when report). */
static int mirrors_disagree(struct tc **cs, int n, int report)
{
    int bad = 0;
    for (int j = 0; j < n; j++) {
        const struct mirror_player *self = tc_self(cs[j]);
        if (!self) {
            bad++;
            if (report)
                CHECK_FAIL("client %s has no player of its own", cs[j]->label);
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (i == j)
                continue;
            const struct mirror_player *p = mirror_find(&cs[i]->m, tc_id(cs[j]));
            if (!p || p->x != self->x || p->y != self->y) {
                bad++;
                if (report && bad <= 10)
                    CHECK_FAIL("client %s shows %s (id %u) at %s(%d,%d); %s is at (%u,%u) by its own echoes",
                            cs[i]->label, cs[j]->label, tc_id(cs[j]), p ? "" : "nowhere ", p ? p->x : -1,
                            p ? p->y : -1, cs[j]->label, self->x, self->y);
            }
        }
    }
    return bad;
}

struct agree_ctx {
    struct tc **c;
    int n;
};

static int pred_agree(void *ctx)
{
    struct agree_ctx *a = ctx;
    return mirrors_disagree(a->c, a->n, 0) == 0;
}

static int pred_echoed(void *ctx)
{
    struct group *g = ctx;
    for (int i = 0; i < g->n; i++)
        if (g->c[i]->seq_echoed != g->c[i]->seq_sent && !g->c[i]->closed)
            return 0;
    return 1;
}

static void require_echoed(struct tc **cs, int n, const char *why)
{
    struct group g = {cs, n};
    if (!tc_wait_until(cs, n, pred_echoed, &g, it_ms(15000))) {
        for (int i = 0; i < n; i++)
            if (cs[i]->seq_echoed != cs[i]->seq_sent)
                CHECK_FAIL("%s: client %s has %u of %u echoes", why, cs[i]->label, cs[i]->seq_echoed, cs[i]->seq_sent);
        check_abort();
    }
}

/* n players who log in one after the other, named prefix0, prefix1, ... */
static void join_all(struct tc **cs, int n, uint16_t port, const char *prefix)
{
    char name[16];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s%d", prefix, i);
        cs[i] = tc_join(port, name);
    }
}

/* One more move for each client, whose echo must arrive. */
static void check_echoes_alive(struct tc **cs, int n, const char *when)
{
    for (int i = 0; i < n; i++) {
        uint32_t seq = tc_move(cs[i], (uint8_t)(i % 4));
        if (seq == 0) {
            CHECK_FAIL("%s: client %s: sending CS_MOVE failed", when, cs[i]->label);
            continue;
        }
    }
    for (int i = 0; i < n; i++) {
        struct group g = {&cs[i], 1};
        if (!tc_wait_until(cs, n, pred_echoed, &g, it_ms(5000)))
            CHECK_FAIL("%s: client %s got no echo for its move %u within %d ms", when, cs[i]->label, cs[i]->seq_sent,
                    it_ms(5000));
    }
}

static void free_all(struct tc **cs, int n)
{
    for (int i = 0; i < n; i++) {
        tc_free(cs[i]);
        cs[i] = NULL;
    }
}

/* How a case ends: every mirror clean (and, with squares, every player
 * on a square of its own), the clients gone, the host stopped cleanly. */
static void finish_case(struct hp *h, struct tc **cs, int n, int squares)
{
    for (int i = 0; squares && i < n; i++)
        check_squares(cs[i]);
    check_clean(cs, n);
    free_all(cs, n);
    hp_finish(h);
}

/* Log predicates. */
struct line_words {
    const char *a, *b;
};

static int line_has_both(const char *line, void *ctx)
{
    struct line_words *w = ctx;
    return it_has_ci(line, w->a) && strstr(line, w->b) != NULL;
}

static void expect_log(const struct hp *h, size_t from, const char *word, const char *name)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", name);
    struct line_words w = {word, quoted};
    if (hp_log_wait(h, from, line_has_both, &w, 1, it_ms(5000)) < 1) {
        CHECK_FAIL("the host log has no line with \"%s\" for player %s", word, quoted);
        hp_log_dump(h, from, "host log");
    }
}

/* ==== ten_players ======================================================== */

static void case_ten_players(void)
{
    struct hp h;
    struct tc *c[10];
    hp_start_or_abort(&h, NULL);
    join_all(c, 10, h.port, "player");
    for (int i = 0; i < 10; i++) {
        const struct proto_msg *ok = &c[i]->ok;
        CHECK_INT(ok->u.login_ok.board_w, 8);
        CHECK_INT(ok->u.login_ok.board_h, 8);
        CHECK_INT(ok->u.login_ok.max_players, 10);
        /* The default view covers the whole 8x8 board. */
        if (ok->u.login_ok.view < 7)
            CHECK_FAIL("client %s: SC_LOGIN_OK view %u does not cover the 8x8 board", c[i]->label,
                    ok->u.login_ok.view);
    }
    tc_require_count(c, 10, 10, "ten players");

    /* What each was told at and after its login: a put (why 0) for each
     * earlier player, a put (why 1) for each later one. */
    for (int i = 0; i < 10; i++) {
        int why0 = 0, why1 = 0;
        for (size_t k = 0; k < tc_queued(c[i]); k++) {
            const struct proto_msg *m = tc_queued_at(c[i], k);
            if (m->type != SC_PUT_PLAYER) {
                CHECK_FAIL("client %s: unexpected %s while players joined", c[i]->label, it_type_name(m->type));
                continue;
            }
            int j;
            for (j = 0; j < 10; j++)
                if (tc_id(c[j]) == m->u.put.id)
                    break;
            if (j == 10 || j == i) {
                CHECK_FAIL("client %s: SC_PUT_PLAYER for unknown id %u", c[i]->label, m->u.put.id);
                continue;
            }
            int want = j < i ? PUT_VIEW : PUT_JOINED;
            if (m->u.put.why != want)
                CHECK_FAIL("client %s: SC_PUT_PLAYER for %s: expected why %d (%s), got %u", c[i]->label, c[j]->label,
                        want, want ? "joined after" : "already there", m->u.put.why);
            if (m->u.put.why == PUT_VIEW)
                why0++;
            else
                why1++;
        }
        CHECK_INT(why0, i);
        CHECK_INT(why1, 9 - i);
    }

    /* Everyone sees the same ten, with their own names, looks and squares. */
    for (int i = 0; i < 10; i++) {
        for (int j = 0; j < 10; j++) {
            const struct mirror_player *p = mirror_find(&c[i]->m, tc_id(c[j]));
            const struct mirror_player *self = tc_self(c[j]);
            if (!p || !self) {
                CHECK_FAIL("client %s does not see %s (id %u)", c[i]->label, c[j]->label, tc_id(c[j]));
                continue;
            }
            if (strcmp(p->name, c[j]->label) != 0)
                CHECK_FAIL("client %s names id %u \"%s\", expected \"%s\"", c[i]->label, p->id, p->name, c[j]->label);
            if (p->look != self->look || p->x != self->x || p->y != self->y)
                CHECK_FAIL("client %s shows %s with look %u at (%u,%u); it shows itself with look %u at (%u,%u)",
                        c[i]->label, c[j]->label, p->look, p->x, p->y, self->look, self->x, self->y);
        }
        check_squares(c[i]);
    }
    int looks[PROTO_LOOKS] = {0};
    for (int j = 0; j < 10; j++) {
        const struct mirror_player *self = tc_self(c[j]);
        if (!self)
            continue;
        if (self->look >= PROTO_LOOKS)
            CHECK_FAIL("client %s: look %u out of 0..9", c[j]->label, self->look);
        else if (looks[self->look]++)
            CHECK_FAIL("look %u is used by two players (second: %s)", self->look, c[j]->label);
    }
    finish_case(&h, c, 10, 0);
}

/* ==== moves_agree ======================================================== */

static void case_moves_agree(void)
{
    enum { N = 10, MOVES = 200, INFLIGHT = 48 };
    struct hp h;
    struct tc *c[N];
    struct rng rng;
    /* Its players move as fast as the host echoes: the per-player input
     * budget (tested by flood_moves and flood_chat) is lifted. */
    hp_start_or_abort(&h, no_input_limit);
    join_all(c, N, h.port, "mover");
    tc_require_count(c, N, N, "before moving");
    for (int i = 0; i < N; i++) {
        c[i]->record = 0;
        tc_clear(c[i]);
    }
    rng_seed(&rng, 0x5eed0001);
    uint64_t t0 = sys_now_ms(), end = t0 + (uint64_t)it_ms(30000);
    int done = 0;
    while (!done && sys_now_ms() < end) {
        done = 1;
        for (int i = 0; i < N; i++) {
            uint32_t left = MOVES - c[i]->seq_sent;
            if (left == 0)
                continue;
            done = 0;
            uint32_t room = INFLIGHT - (c[i]->seq_sent - c[i]->seq_echoed);
            if (room == 0)
                continue;
            /* Mostly single moves, now and then a fast burst. */
            uint32_t k = rng_below(&rng, 4) == 0 ? 5 + rng_below(&rng, 16) : 1;
            if (k > left)
                k = left;
            if (k > room)
                k = room;
            for (uint32_t m = 0; m < k; m++)
                if (tc_move(c[i], (uint8_t)rng_below(&rng, 4)) == 0) {
                    CHECK_FAIL("client %s: sending CS_MOVE failed (host closed?)", c[i]->label);
                    check_abort();
                }
        }
        tc_pump_many(c, N, 1);
    }
    for (int i = 0; i < N; i++)
        CHECK_INT(c[i]->seq_sent, MOVES);
    require_echoed(c, N, "after the moves");
    struct agree_ctx a = {c, N};
    if (!tc_wait_until(c, N, pred_agree, &a, it_ms(10000)))
        mirrors_disagree(c, N, 1);
    uint64_t sum = 0, max = 0, n = 0;
    for (int i = 0; i < N; i++) {
        CHECK_INT(c[i]->m.count, N);
        check_squares(c[i]);
        sum += c[i]->delay_sum_us;
        n += c[i]->echoes;
        if (c[i]->delay_max_us > max)
            max = c[i]->delay_max_us;
    }
    check_note("%d clients x %d moves in %llu ms; echo delay mean %.2f ms, max %.2f ms", N, MOVES,
            (unsigned long long)(sys_now_ms() - t0), n ? (double)sum / (double)n / 1000.0 : 0.0,
            (double)max / 1000.0);
    finish_case(&h, c, N, 0);
}

/* ==== edge_and_blocked =================================================== */

static const int dx_of[4] = {0, 0, -1, 1}, dy_of[4] = {-1, 1, 0, 0};

/* The queue, from the client's point of view, may hold only its own echoes
 * and chats (barriers): anything else is a packet it should not have got. */
static void expect_nothing_but_own(struct tc *c, const char *when)
{
    for (size_t k = 0; k < tc_queued(c); k++) {
        const struct proto_msg *m = tc_queued_at(c, k);
        if (m->type == SC_CHAT)
            continue;
        if (m->type == SC_POSITION && m->u.pos.id == tc_id(c))
            continue;
        CHECK_FAIL("client %s: %s: got %s for id %u, expected nothing", c->label, when, it_type_name(m->type),
                   tc_msg_id(m));
    }
    tc_clear(c);
}

/* Moves c in dir and waits for its echo; returns 1 and the square echoed. */
static int move_and_echo(struct tc *c, uint8_t dir, uint16_t *x, uint16_t *y)
{
    uint32_t seq = tc_move(c, dir);
    if (seq == 0 || tc_wait_echo(c, seq, it_ms(5000)) != 1) {
        CHECK_FAIL("client %s: no echo for its move (dir %u)", c->label, dir);
        return 0;
    }
    const struct mirror_player *self = tc_self(c);
    *x = self->x;
    *y = self->y;
    return 1;
}

static void case_edge_and_blocked(void)
{
    static const char *const extra[] = {"--board", "2x2", "--max-players", "4", NULL};
    struct hp h;
    struct tc *c[4];
    static const char *const names[4] = {"ann", "ben", "cat", "dan"};
    hp_start_or_abort(&h, extra);
    for (int i = 0; i < 4; i++) {
        c[i] = tc_join(h.port, names[i]);
        CHECK_INT(c[i]->ok.u.login_ok.board_w, 2);
        CHECK_INT(c[i]->ok.u.login_ok.board_h, 2);
        CHECK_INT(c[i]->ok.u.login_ok.max_players, 4);
    }
    tc_require_count(c, 4, 4, "full 2x2 board");
    for (int i = 0; i < 4; i++) {
        check_squares(c[i]);
        tc_clear(c[i]);
    }

    /* The board is full: each direction is off the board or taken. */
    for (int i = 0; i < 4; i++) {
        const struct mirror_player *self = tc_self(c[i]);
        uint16_t x0 = self->x, y0 = self->y;
        for (uint8_t d = 0; d < 4; d++) {
            uint16_t x, y;
            if (!move_and_echo(c[i], d, &x, &y))
                continue;
            int nx = x0 + dx_of[d], ny = y0 + dy_of[d];
            int off = nx < 0 || ny < 0 || nx > 1 || ny > 1;
            if (x != x0 || y != y0)
                CHECK_FAIL("client %s at (%u,%u) moved %s (%s): expected the echo to keep (%u,%u), got (%u,%u)",
                        c[i]->label, x0, y0, d == 0 ? "up" : d == 1 ? "down" : d == 2 ? "left" : "right",
                        off ? "off the board" : "into a taken square", x0, y0, x, y);
        }
    }
    /* Every non-move has been decided; barriers show what reached whom. */
    for (int i = 0; i < 4; i++) {
        REQUIRE(tc_barrier(c[i], it_ms(5000)) == 1);
        expect_nothing_but_own(c[i], "after non-moves of others");
    }

    /* dan logs out: his square is the only free one. */
    const struct mirror_player *ds = tc_self(c[3]);
    int fx = ds->x, fy = ds->y;
    uint32_t dan = tc_id(c[3]);
    REQUIRE(tc_logout(c[3]) == 0);
    expect_remove(c, 3, dan, REMOVE_LEFT);
    expect_eof(c[3], "CS_LOGOUT");

    /* Someone next to the free square steps into it. */
    int p = -1;
    uint8_t pd = 0;
    for (int i = 0; i < 3 && p < 0; i++) {
        const struct mirror_player *s = tc_self(c[i]);
        for (uint8_t d = 0; d < 4; d++)
            if (s->x + dx_of[d] == fx && s->y + dy_of[d] == fy) {
                p = i;
                pd = d;
                break;
            }
    }
    REQUIRE(p >= 0);
    int ox = tc_self(c[p])->x, oy = tc_self(c[p])->y;
    uint16_t x, y;
    if (move_and_echo(c[p], pd, &x, &y) && (x != fx || y != fy))
        CHECK_FAIL("client %s moved from (%d,%d) into the free (%d,%d): echo says (%u,%u)", c[p]->label, ox, oy, fx,
                fy, x, y);
    for (int i = 0; i < 3; i++) {
        struct proto_msg m;
        if (i == p || !expect_about(c[i], SC_POSITION, tc_id(c[p]), "its real move", &m))
            continue;
        if (m.u.pos.x != fx || m.u.pos.y != fy)
            CHECK_FAIL("client %s: the first SC_POSITION for %s is (%u,%u), expected (%d,%d) (its real move)",
                    c[i]->label, c[p]->label, m.u.pos.x, m.u.pos.y, fx, fy);
    }
    /* The square it left is free now: its other neighbour moves in. */
    int q = -1;
    uint8_t qd = 0;
    for (int i = 0; i < 3 && q < 0; i++) {
        if (i == p)
            continue;
        const struct mirror_player *s = tc_self(c[i]);
        for (uint8_t d = 0; d < 4; d++)
            if (s->x + dx_of[d] == ox && s->y + dy_of[d] == oy) {
                q = i;
                qd = d;
                break;
            }
    }
    REQUIRE(q >= 0);
    if (move_and_echo(c[q], qd, &x, &y) && (x != ox || y != oy))
        CHECK_FAIL("client %s moved into the freed (%d,%d): echo says (%u,%u)", c[q]->label, ox, oy, x, y);
    /* And the one who moved first is now blocked going back. */
    int qx = x, qy = y;
    if (move_and_echo(c[p], pd ^ 1, &x, &y) && (x != fx || y != fy))
        CHECK_FAIL("client %s moved back into (%d,%d), which %s holds: echo says (%u,%u)", c[p]->label, qx, qy,
                c[q]->label, x, y);
    struct agree_ctx a = {c, 3};
    if (!tc_wait_until(c, 3, pred_agree, &a, it_ms(5000)))
        mirrors_disagree(c, 3, 1);
    tc_free(c[3]); /* dan, who left */
    finish_case(&h, c, 3, 1);
}

/* ==== join_leave_notices ================================================= */

static void case_join_leave_notices(void)
{
    struct hp h;
    hp_start_or_abort(&h, NULL);
    struct tc *ab[2];
    ab[0] = tc_join(h.port, "alice");
    ab[1] = tc_join(h.port, "bob");
    tc_require_count(ab, 2, 2, "alice and bob");
    for (int i = 0; i < 2; i++)
        tc_clear(ab[i]);

    /* carol joins, then logs out. */
    struct tc *c = tc_join(h.port, "carol");
    expect_put(ab, 2, tc_id(c), PUT_JOINED, "carol");
    expect_log(&h, 0, "join", "carol");
    REQUIRE(tc_logout(c) == 0);
    expect_remove(ab, 2, tc_id(c), REMOVE_LEFT);
    expect_eof(c, "CS_LOGOUT");
    expect_log(&h, 0, "leave", "carol");
    tc_free(c);

    /* dave closes without a word (the kernel sends FIN, or RST when
     * something was left unread). */
    struct tc *d = tc_join(h.port, "dave");
    expect_put(ab, 2, tc_id(d), PUT_JOINED, "dave");
    uint32_t did = tc_id(d);
    tc_close(d);
    expect_remove(ab, 2, did, REMOVE_LEFT);
    tc_free(d);

    /* dora half-closes after reading everything: a clean FIN; the host
     * must close its side too. */
    struct tc *e = tc_join(h.port, "dora");
    expect_put(ab, 2, tc_id(e), PUT_JOINED, "dora");
    tc_drain(e);
    shutdown((int)e->s, SHUT_WR);
    expect_remove(ab, 2, tc_id(e), REMOVE_LEFT);
    expect_eof(e, "a FIN");
    tc_free(e);

    /* erin resets the connection (SO_LINGER 0). */
    struct tc *f = tc_join(h.port, "erin");
    expect_put(ab, 2, tc_id(f), PUT_JOINED, "erin");
    uint32_t fid = tc_id(f);
    tc_close_rst(f);
    expect_remove(ab, 2, fid, REMOVE_LEFT);
    tc_free(f);

    static const char *const left[] = {"dave", "dora", "erin"};
    for (int i = 0; i < 3; i++) {
        expect_log(&h, 0, "join", left[i]);
        expect_log(&h, 0, "leave", left[i]);
    }

    /* carol's name is free again. */
    struct tc *g = tc_join(h.port, "carol");
    expect_put(ab, 2, tc_id(g), PUT_JOINED, "carol");
    tc_require_count(ab, 2, 3, "after carol's return");
    tc_free(g);
    finish_case(&h, ab, 2, 0);
}

/* ==== game_full ========================================================== */

static void expect_refused(struct tc *c, int reason, const char *what)
{
    expect_eof(c, what);
    if (c->rx_packets != 1)
        CHECK_FAIL("client %s: after %s expected exactly 1 packet (SC_LOGIN_FAIL %d) then EOF, got %llu packets",
                c->label, what, reason, (unsigned long long)c->rx_packets);
}

static void login_expect_fail(uint16_t port, const char *label, const char *name, int reason)
{
    struct tc *c = tc_connect_or_abort(port, label);
    int r = tc_login(c, name);
    if (r != reason)
        CHECK_FAIL("login \"%s\" (%s): expected %s, got %s", label, name, it_login_result(reason), it_login_result(r));
    else
        expect_refused(c, reason, it_login_result(reason));
    tc_free(c);
}

static void case_game_full(void)
{
    static const char *const extra[] = {"--max-players", "3", NULL};
    struct hp h;
    struct tc *c[3];
    hp_start_or_abort(&h, extra);
    c[0] = tc_join(h.port, "one");
    c[1] = tc_join(h.port, "two");
    c[2] = tc_join(h.port, "three");
    CHECK_INT(c[0]->ok.u.login_ok.max_players, 3);
    tc_require_count(c, 3, 3, "three in");

    login_expect_fail(h.port, "four", "four", FAIL_FULL);

    uint32_t one = tc_id(c[0]);
    REQUIRE(tc_logout(c[0]) == 0);
    expect_remove(&c[1], 2, one, REMOVE_LEFT);
    expect_eof(c[0], "CS_LOGOUT");
    tc_free(c[0]);

    c[0] = tc_join(h.port, "five");
    expect_put(&c[1], 2, tc_id(c[0]), PUT_JOINED, "five");
    login_expect_fail(h.port, "six", "six", FAIL_FULL);

    /* An abrupt leave frees the place too. */
    uint32_t two = tc_id(c[1]);
    tc_close(c[1]);
    struct tc *rest[2] = {c[0], c[2]};
    expect_remove(rest, 2, two, REMOVE_LEFT);
    tc_free(c[1]);
    c[1] = tc_join(h.port, "seven");
    tc_require_count(c, 3, 3, "three in again");
    finish_case(&h, c, 3, 0);
}

/* ==== login_timeout ====================================================== */

static int line_no_login(const char *line, void *ctx)
{
    return it_has_ci(line, "no login within");
}

static void case_login_timeout(void)
{
    static const char *const extra[] = {"--login-timeout", "1", NULL};
    struct hp h;
    hp_start_or_abort(&h, extra);
    struct tc *silent = tc_connect(h.port, "silent", 0);
    REQUIRE(silent != NULL);
    struct tc *player = tc_join(h.port, "player");
    struct tc *leaver = tc_join(h.port, "leaver");
    REQUIRE(tc_logout(leaver) == 0);
    expect_eof(leaver, "CS_LOGOUT");

    /* The silent one goes after about a second; the tick is 1 s, so allow
     * a few, and scale for sanitizer builds. */
    if (tc_wait_eof(silent, it_ms(5000)) != 1)
        CHECK_FAIL("a connection that never logged in was still open after 5 s with --login-timeout 1");
    CHECK_INT(hp_log_wait(&h, 0, line_no_login, NULL, 1, it_ms(2000)), 1);

    /* A player who stays is not touched, however long it plays. */
    sys_sleep_ms(1500);
    struct tc *one[1] = {player};
    tc_require_count(one, 1, 1, "the player after the timeout");
    CHECK_INT(hp_log_count(&h, 0, line_no_login, NULL), 1);
    tc_free(silent);
    tc_free(leaver);
    finish_case(&h, one, 1, 0);
}

/* ==== name_rules ========================================================= */

/* 김철수 in UTF-8. */
#define KOREAN "\xea\xb9\x80\xec\xb2\xa0\xec\x88\x98"

static void raw_login_expect_fail(uint16_t port, const char *label, uint16_t version, const uint8_t raw[32],
                                  int reason)
{
    struct tc *c = tc_connect_or_abort(port, label);
    REQUIRE(tc_send_login(c, version, raw) == 0);
    struct proto_msg m;
    int r = tc_next(c, &m, it_ms(5000));
    if (r != 1)
        CHECK_FAIL("login %s: expected SC_LOGIN_FAIL %d, got %s", label, reason, r == 0 ? "nothing" : "EOF");
    else if (m.type != SC_LOGIN_FAIL)
        CHECK_FAIL("login %s: expected SC_LOGIN_FAIL %d, got %s", label, reason, it_type_name(m.type));
    else if (m.u.login_fail.reason != reason)
        CHECK_FAIL("login %s: expected SC_LOGIN_FAIL %d, got SC_LOGIN_FAIL %u", label, reason, m.u.login_fail.reason);
    else
        expect_refused(c, reason, label);
    tc_free(c);
}

static void raw_name(uint8_t raw[32], const char *bytes, size_t n)
{
    memset(raw, 0, 32);
    memcpy(raw, bytes, n);
}

static void case_name_rules(void)
{
    struct hp h;
    hp_start_or_abort(&h, NULL);
    struct tc *c[4];
    c[0] = tc_join(h.port, "abc");
    c[1] = tc_join(h.port, "abd"); /* one byte apart: a different name */
    login_expect_fail(h.port, "abc-again", "abc", FAIL_TAKEN);

    c[2] = tc_join(h.port, KOREAN);
    /* abc receives the Korean name byte for byte. */
    struct proto_msg m;
    if (expect_about(c[0], SC_PUT_PLAYER, tc_id(c[2]), "the Korean player", &m)) {
        CHECK_INT(m.u.put.why, PUT_JOINED);
        if (memcmp(m.u.put.name, KOREAN, sizeof KOREAN) != 0) {
            char hex[200] = "";
            for (size_t i = 0; i < sizeof KOREAN; i++)
                snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x ", (uint8_t)m.u.put.name[i]);
            CHECK_FAIL("abc: the Korean name arrived as bytes %s, expected ea b9 80 ec b2 a0 ec 88 98 00", hex);
        }
    }
    login_expect_fail(h.port, "korean-again", KOREAN, FAIL_TAKEN);

    /* 31 bytes is the longest name. */
    c[3] = tc_join(h.port, "abcdefghijklmnopqrstuvwxyz01234");

    uint8_t raw[32];
    raw_name(raw, "", 0);
    raw_login_expect_fail(h.port, "empty", 1, raw, FAIL_NAME);
    raw_name(raw, "\xff\xfe" "ab", 4);
    raw_login_expect_fail(h.port, "bytes-ff-fe", 1, raw, FAIL_NAME);
    raw_name(raw, "\xc0\xaf" "x", 3);
    raw_login_expect_fail(h.port, "overlong", 1, raw, FAIL_NAME);
    raw_name(raw, "a\xed\xa0\x80" "b", 5);
    raw_login_expect_fail(h.port, "surrogate", 1, raw, FAIL_NAME);
    raw_name(raw, "ab\xea\xb9", 4);
    raw_login_expect_fail(h.port, "truncated-hangul", 1, raw, FAIL_NAME);
    raw_name(raw, "a\x01" "b", 3);
    raw_login_expect_fail(h.port, "control-01", 1, raw, FAIL_NAME);
    raw_name(raw, "tab\there", 8);
    raw_login_expect_fail(h.port, "control-tab", 1, raw, FAIL_NAME);
    raw_name(raw, "del\x7f", 4);
    raw_login_expect_fail(h.port, "control-7f", 1, raw, FAIL_NAME);
    memset(raw, 'x', 32);
    raw_login_expect_fail(h.port, "no-nul", 1, raw, FAIL_NAME);
    raw_name(raw, "ver", 3);
    raw_login_expect_fail(h.port, "version-2", 2, raw, FAIL_VERSION);
    raw_login_expect_fail(h.port, "version-0", 0, raw, FAIL_VERSION);

    /* The failures left no trace with the players. */
    tc_require_count(c, 4, 4, "after the refused logins");
    for (int i = 0; i < 4; i++)
        CHECK(tc_find_name(c[i], KOREAN) != NULL);
    finish_case(&h, c, 4, 0);
}

/* ==== malformed ========================================================== */

struct bad_case {
    const char *name;
    int login; /* 1: the bad client logs in first */
    uint8_t bytes[40];
    size_t len; /* 0: special (below) */
};

struct peer_ctx {
    char peer[32];
};

/* A line about this connection (its peer address). Join lines carry the
 * peer too, so they do not count. */
static int line_from_peer(const char *line, void *ctx)
{
    struct peer_ctx *p = ctx;
    size_t n = strlen(p->peer);
    const char *at = strstr(line, p->peer);
    while (at && at[n] >= '0' && at[n] <= '9')
        at = strstr(at + 1, p->peer);
    return at && !it_has_ci(line, "join ");
}

/* One that says why: the host's drop line carries "bad input: <what>". */
static int line_why_from_peer(const char *line, void *ctx)
{
    return line_from_peer(line, ctx) && it_has_ci(line, "why=bad input: ");
}

/* Keeps the good clients moving: each has a few moves in flight. */
static void keep_playing(struct tc **g, int n, struct rng *rng, int ms)
{
    for (int i = 0; i < n; i++)
        while (g[i]->seq_sent - g[i]->seq_echoed < 4)
            if (tc_move(g[i], (uint8_t)rng_below(rng, 4)) == 0) {
                CHECK_FAIL("good client %s: CS_MOVE send failed", g[i]->label);
                check_abort();
            }
    tc_pump_many(g, n, ms);
}

static int all_see(struct tc **g, int n, uint32_t id, int want)
{
    for (int i = 0; i < n; i++)
        if ((mirror_find(&g[i]->m, id) != NULL) != want)
            return 0;
    return 1;
}

/* Pumps the good ones (moving) until each does (want 1) or does not
 * (want 0) have id in its mirror. */
static int play_until_seen(struct tc **g, int n, struct rng *rng, uint32_t id, int want)
{
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(5000);
    while (!all_see(g, n, id, want) && sys_now_ms() < end)
        keep_playing(g, n, rng, 5);
    return all_see(g, n, id, want);
}

static const struct bad_case malformed_cases[] = {
    {"size 0", 0, {0x00, 0x01}, 2},
    {"size 1", 0, {0x01, 0x01}, 2},
    {"unknown type 99", 0, {2, 99}, 2},
    {"unknown type 99 (logged in)", 1, {2, 99}, 2},
    {"CS_MOVE size 6", 1, {6, CS_MOVE, 0, 1, 0, 0}, 6},
    {"CS_MOVE size 8", 1, {8, CS_MOVE, 0, 1, 0, 0, 0, 0}, 8},
    {"CS_MOVE direction 7", 1, {7, CS_MOVE, 7, 1, 0, 0, 0}, 7},
    {"CS_MOVE before CS_LOGIN", 0, {7, CS_MOVE, 0, 1, 0, 0, 0}, 7},
    {"CS_CHAT before CS_LOGIN", 0, {4, CS_CHAT, 'h', 'i'}, 4},
    {"CS_LOGOUT before CS_LOGIN", 0, {2, CS_LOGOUT}, 2},
    {"second CS_LOGIN", 1, {0}, 0},
    {"CS_LOGIN size 35", 0, {35, CS_LOGIN, 1, 0, 'x'}, 35},
    {"CS_CHAT invalid UTF-8", 1, {4, CS_CHAT, 0xff, 0xfe}, 4},
    {"CS_CHAT with a control char", 1, {5, CS_CHAT, 'a', 0x01, 'b'}, 5},
    {"CS_CHAT size 2 (empty)", 1, {2, CS_CHAT}, 2},
    {"CS_LOGOUT size 3", 1, {3, CS_LOGOUT, 0}, 3},
    {"SC_LOGIN_FAIL to the host", 0, {3, SC_LOGIN_FAIL, 1}, 3},
    {"SC_POSITION to the host (logged in)", 1, {14, SC_POSITION, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, 14},
    {"1000 garbage bytes", 0, {0}, 0},
    {"1000 garbage bytes (logged in)", 1, {0}, 0},
};

/* Sends the bad thing. Send errors are fine: the host may close first. */
static void send_bad(struct tc *b, const struct bad_case *bc, struct rng *rng)
{
    if (bc->len) {
        tc_send_raw(b, bc->bytes, bc->len);
    } else if (strcmp(bc->name, "second CS_LOGIN") == 0) {
        uint8_t raw[32];
        raw_name(raw, "again", 5);
        tc_send_login(b, 1, raw);
    } else {
        uint8_t junk[1000];
        for (size_t i = 0; i < sizeof junk; i++)
            junk[i] = (uint8_t)rng_next(rng);
        /* Size 238 fits no type, so the first header is bad whatever the
         * type byte is: no chance of a valid packet by luck. */
        junk[0] = 238;
        tc_send_raw(b, junk, sizeof junk);
    }
}

/* Each good client got SC_REMOVE_PLAYER why 2 for id (in its queue). */
static void check_dropped(struct tc **g, int n, uint32_t id, const char *what)
{
    for (int i = 0; i < n; i++) {
        int found = 0;
        for (size_t q = 0; q < tc_queued(g[i]); q++) {
            const struct proto_msg *m = tc_queued_at(g[i], q);
            if (m->type != SC_REMOVE_PLAYER || m->u.remove.id != id)
                continue;
            found = 1;
            if (m->u.remove.why != REMOVE_DROPPED)
                CHECK_FAIL("[%s] %s: SC_REMOVE_PLAYER for the bad client: expected why 2, got %u", what, g[i]->label,
                        m->u.remove.why);
        }
        if (!found)
            CHECK_FAIL("[%s] %s: no SC_REMOVE_PLAYER for the bad client (id %u)", what, g[i]->label, id);
    }
}

/* Waits for the reason line, and requires it to be the only line about
 * this connection (besides its join), so that a host that logs per byte
 * or per packet, or says nothing of why, shows up. */
static void check_bad_logged(const struct hp *h, size_t log_from, uint16_t port, const char *what)
{
    struct peer_ctx pc;
    snprintf(pc.peer, sizeof pc.peer, "127.0.0.1:%u", (unsigned)port);
    int why_lines = hp_log_wait(h, log_from, line_why_from_peer, &pc, 1, it_ms(5000));
    int lines = hp_log_count(h, log_from, line_from_peer, &pc);
    if (why_lines != 1 || lines != 1) {
        CHECK_FAIL("[%s] expected exactly 1 host log line about %s saying why it was closed, got %d saying why, "
                "%d in all", what, pc.peer, why_lines, lines);
        hp_log_dump(h, log_from, "host log for this case");
    } else if (check_verbose) {
        hp_log_dump(h, log_from, what);
    }
}

/* One fresh connection sends one bad thing while the good ones play. */
static void run_bad_case(const struct hp *h, struct tc **g, int n, int k, struct rng *rng)
{
    const struct bad_case *bc = &malformed_cases[k];
    char label[40];
    snprintf(label, sizeof label, "bad%d", k);
    size_t log_from = hp_log_size(h);
    struct tc *b = tc_connect_or_abort(h->port, label);
    uint32_t bid = 0;
    if (bc->login) {
        int r = tc_login(b, label);
        if (r != 0) {
            CHECK_FAIL("[%s] login of the bad client: %s", bc->name, it_login_result(r));
            check_abort();
        }
        bid = tc_id(b);
        /* The good ones must see it first, so that its removal means something. */
        REQUIRE(play_until_seen(g, n, rng, bid, 1));
    }
    for (int i = 0; i < n; i++)
        tc_clear(g[i]);

    send_bad(b, bc, rng);
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(5000);
    b->record = 0;
    while (!b->closed && sys_now_ms() < end) {
        keep_playing(g, n, rng, 2);
        tc_pump(b, 2);
    }
    if (!b->closed)
        CHECK_FAIL("[%s] the host did not close the connection within %d ms", bc->name, it_ms(5000));
    if (bc->login) {
        play_until_seen(g, n, rng, bid, 0);
        check_dropped(g, n, bid, bc->name);
    }
    check_bad_logged(h, log_from, tc_local_port(b), bc->name);
    tc_free(b);

    char when[96];
    snprintf(when, sizeof when, "after \"%s\"", bc->name);
    for (int i = 0; i < n; i++)
        tc_clear(g[i]);
    check_echoes_alive(g, n, when);
    for (int i = 0; i < n; i++)
        tc_clear(g[i]);
}

static void case_malformed(void)
{
    struct hp h;
    struct tc *g[3];
    struct rng rng;
    /* Its players move as fast as the host echoes: the per-player input
     * budget (tested by flood_moves and flood_chat) is lifted. */
    hp_start_or_abort(&h, no_input_limit);
    g[0] = tc_join(h.port, "good0");
    g[1] = tc_join(h.port, "good1");
    g[2] = tc_join(h.port, "good2");
    tc_require_count(g, 3, 3, "good clients");
    rng_seed(&rng, 0xbad0);
    for (int k = 0; k < (int)(sizeof malformed_cases / sizeof malformed_cases[0]); k++)
        run_bad_case(&h, g, 3, k, &rng);
    require_echoed(g, 3, "at the end");
    tc_require_count(g, 3, 3, "at the end");
    finish_case(&h, g, 3, 1);
}

/* ==== held_output ======================================================= */

/* Output the host holds back to pace its sends is not a slow reader's
 * backlog: with a send bound of 1 KiB and a fixed half-second hold, every
 * player gets about 1.4 KB of the others' moves within a hold, more than
 * the bound. The host must send it early instead of dropping players who
 * read everything at once. */
static void case_held_output(void)
{
    enum { N = 9, MOVERS = 8, EVERY_MS = 40, RUN_MS = 3000 };
    static const char *const extra[] = {"--send-bound", "1024", "--send-tick-ms", "500", NULL};
    struct hp h;
    struct tc *c[N];
    hp_start_or_abort(&h, extra);
    join_all(c, N, h.port, "held");
    tc_require_count(c, N, N, "before the moves");
    for (int i = 0; i < N; i++) {
        tc_clear(c[i]);
        c[i]->record = 1;
    }
    size_t log_from = hp_log_size(&h);
    uint64_t t0 = sys_now_ms(), end = t0 + (uint64_t)RUN_MS, next = t0;
    uint32_t moves = 0;
    size_t seen = 0;
    while (sys_now_ms() < end) {
        if (sys_now_ms() >= next) {
            for (int i = 0; i < MOVERS; i++) {
                if (tc_move(c[i], (uint8_t)((moves + (uint32_t)i) % 4)) == 0) {
                    CHECK_FAIL("mover %s: sending CS_MOVE failed (dropped?)", c[i]->label);
                    check_abort();
                }
            }
            moves++;
            next += EVERY_MS;
        }
        tc_pump_many(c, N, 5);
        for (size_t q = 0; q < tc_queued(c[N - 1]); q++)
            seen += tc_queued_at(c[N - 1], q)->type == SC_POSITION;
        for (int i = 0; i < N; i++) {
            for (size_t q = 0; q < tc_queued(c[i]); q++) {
                const struct proto_msg *m = tc_queued_at(c[i], q);
                if (m->type == SC_REMOVE_PLAYER)
                    CHECK_FAIL("client %s: SC_REMOVE_PLAYER (why %u) for id %u while everyone reads", c[i]->label,
                            m->u.remove.why, m->u.remove.id);
            }
            tc_clear(c[i]);
            if (c[i]->closed) {
                CHECK_FAIL("client %s was disconnected by the host", c[i]->label);
                hp_log_dump(&h, log_from, "host log");
                check_abort();
            }
        }
    }
    require_echoed(c, MOVERS, "after the moves");
    check_note("%u rounds of %d moves; the watcher saw %zu moves of others", moves, MOVERS, seen);
    /* The watcher sees the moves that were not into a taken square: most. */
    if (seen < (size_t)moves * MOVERS / 4)
        CHECK_FAIL("the watcher saw %zu SC_POSITION for %u moves", seen, moves * MOVERS);
    struct line_words w = {"drop", "slow"};
    if (hp_log_count(&h, log_from, line_has_both, &w) > 0) {
        CHECK_FAIL("the host dropped a player as a slow reader");
        hp_log_dump(&h, log_from, "host log");
    }
    finish_case(&h, c, N, 1);
}

/* ==== slow_reader ======================================================== */

static void case_slow_reader(void)
{
    enum { N = 4, INFLIGHT = 16, MAX_MOVES = 1500000 };
    /* The flooders move as fast as the host echoes: the per-player input
     * budget is lifted, so that the slow reader is what the host drops. */
    static const char *const extra[] = {"--send-bound", "16384", "--no-input-limit", NULL};
    struct hp h;
    struct tc *f[N];
    struct rng rng;
    hp_start_or_abort(&h, extra);
    join_all(f, N, h.port, "flood");
    struct tc *s = tc_connect(h.port, "slow", 2048);
    REQUIRE(s != NULL);
    REQUIRE(tc_send_login_name(s, "slow") == 0);
    /* Never read s from here on: find its id through the others. */
    uint32_t sid = 0;
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(5000);
    while (sys_now_ms() < end) {
        tc_pump_many(f, N, 10);
        int all = 1;
        for (int i = 0; i < N; i++) {
            const struct mirror_player *p = tc_find_name(f[i], "slow");
            if (!p)
                all = 0;
            else
                sid = p->id;
        }
        if (all)
            break;
    }
    REQUIRE(sid != 0);
    for (int i = 0; i < N; i++) {
        tc_clear(f[i]);
        f[i]->record = 0;
    }
    size_t log_from = hp_log_size(&h);
    long rss0 = hp_rss_kb(&h), rss_max = rss0;
    rng_seed(&rng, 0x510e);

    /* Flood until every flooder has seen the slow one go, bounded in moves
     * and in time. */
    uint64_t t0 = sys_now_ms(), deadline = t0 + (uint64_t)it_ms(15000), next_rss = t0;
    int dropped_at[N];
    uint8_t why[N];
    for (int i = 0; i < N; i++) {
        dropped_at[i] = 0;
        why[i] = 255;
        f[i]->record = 1;
    }
    uint32_t total = 0;
    int all_seen = 0;
    while (!all_seen && sys_now_ms() < deadline && total < MAX_MOVES) {
        for (int i = 0; i < N; i++)
            while (f[i]->seq_sent - f[i]->seq_echoed < INFLIGHT) {
                if (tc_move(f[i], (uint8_t)rng_below(&rng, 4)) == 0) {
                    CHECK_FAIL("flooder %s: CS_MOVE send failed (dropped itself?)", f[i]->label);
                    check_abort();
                }
                total++;
            }
        tc_pump_many(f, N, 2);
        all_seen = 1;
        for (int i = 0; i < N; i++) {
            for (size_t q = 0; q < tc_queued(f[i]); q++) {
                const struct proto_msg *m = tc_queued_at(f[i], q);
                if (m->type == SC_REMOVE_PLAYER && m->u.remove.id == sid) {
                    dropped_at[i] = 1;
                    why[i] = m->u.remove.why;
                }
            }
            tc_clear(f[i]);
            if (!dropped_at[i])
                all_seen = 0;
            if (f[i]->closed) {
                CHECK_FAIL("flooder %s was disconnected by the host", f[i]->label);
                check_abort();
            }
        }
        if (sys_now_ms() >= next_rss) {
            long r = hp_rss_kb(&h);
            if (r > rss_max)
                rss_max = r;
            next_rss = sys_now_ms() + 100;
        }
    }
    long r = hp_rss_kb(&h);
    if (r > rss_max)
        rss_max = r;
    uint64_t took = sys_now_ms() - t0;
    check_note("flooded %u moves in %llu ms; the slow reader %s; host RSS %ld -> max %ld KiB", total,
            (unsigned long long)took, all_seen ? "was dropped" : "was NOT dropped", rss0, rss_max);
    for (int i = 0; i < N; i++) {
        if (!dropped_at[i])
            CHECK_FAIL("flooder %s: no SC_REMOVE_PLAYER for the slow reader (id %u) after %u moves in %llu ms",
                    f[i]->label, sid, total, (unsigned long long)took);
        else if (why[i] != REMOVE_DROPPED)
            CHECK_FAIL("flooder %s: SC_REMOVE_PLAYER for the slow reader: expected why 2, got %u", f[i]->label, why[i]);
    }
    struct line_words w = {"drop", "\"slow\""};
    if (hp_log_wait(&h, log_from, line_has_both, &w, 1, it_ms(5000)) < 1) {
        CHECK_FAIL("the host log has no line with \"drop\" for \"slow\"");
        hp_log_dump(&h, log_from, "host log");
    }
    long limit_kb = 64 * 1024 * (it_slow_factor() > 1 ? 5 : 1);
    if (rss0 > 0 && rss_max - rss0 > limit_kb)
        CHECK_FAIL("host RSS grew by %ld KiB (from %ld to %ld), limit %ld KiB", rss_max - rss0, rss0, rss_max, limit_kb);
    uint64_t gap_limit = 2000000ull * (uint64_t)it_slow_factor(), sum = 0, n = 0, dmax = 0;
    for (int i = 0; i < N; i++) {
        if (f[i]->max_gap_us > gap_limit)
            CHECK_FAIL("flooder %s: echoes stalled for %.1f ms (limit %.0f ms)", f[i]->label,
                    (double)f[i]->max_gap_us / 1000.0, (double)gap_limit / 1000.0);
        sum += f[i]->delay_sum_us;
        n += f[i]->echoes;
        if (f[i]->delay_max_us > dmax)
            dmax = f[i]->delay_max_us;
    }
    check_note("echo delay mean %.2f ms, max %.2f ms", n ? (double)sum / (double)n / 1000.0 : 0.0, (double)dmax / 1000.0);
    require_echoed(f, N, "after the flood");
    check_echoes_alive(f, N, "after the drop");
    /* The slow one's connection is closed: reading it all ends in EOF. */
    s->record = 0;
    s->quiet_violations = 1;
    {
        /* What the kernels hold for it can be megabytes: read it faster. */
        int big = 1 << 20;
        setsockopt((int)s->s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    }
    uint64_t t1 = sys_now_ms();
    if (tc_wait_eof(s, it_ms(20000)) != 1)
        CHECK_FAIL("the slow reader's connection is still open %d ms after its drop", it_ms(20000));
    check_note("the slow reader read to EOF in %llu ms", (unsigned long long)(sys_now_ms() - t1));
    tc_free(s);
    tc_require_count(f, N, N, "after the drop");
    finish_case(&h, f, N, 0);
}

/* ==== view_range ========================================================= */

#define VIEW 3

struct vr {
    struct tc **c;
    int n;
    int x[MAXC], y[MAXC]; /* where each really is (from its own echoes) */
    int pair_in, pair_out; /* A-B crossings seen */
    int far_quiet;         /* observer steps with nothing to see */
};

static int vr_free(const struct vr *v, int x, int y, int w, int hgt)
{
    if (x < 0 || y < 0 || x >= w || y >= hgt)
        return 0;
    for (int i = 0; i < v->n; i++)
        if (v->x[i] == x && v->y[i] == y)
            return 0;
    return 1;
}

/* What `o` must have been told about `who`'s step from (x0,y0) to (x1,y1). */
static void vr_check_told(struct tc *o, struct tc *who, int moved, int in0, int in1, int wx, int wy, const char *what)
{
    int want = !moved ? 0 : in0 && in1 ? SC_POSITION : !in0 && in1 ? SC_PUT_PLAYER : in0 && !in1 ? SC_REMOVE_PLAYER : 0;
    int got = 0;
    for (size_t k = 0; k < tc_queued(o); k++) {
        const struct proto_msg *m = tc_queued_at(o, k);
        if (m->type == SC_CHAT || tc_msg_id(m) != tc_id(who))
            continue;
        got++;
        if (got > 1 || m->type != want) {
            CHECK_FAIL("%s: %s got %s about %s; expected %s", what, o->label, it_type_name(m->type), who->label,
                    want ? it_type_name((uint8_t)want) : "nothing");
            continue;
        }
        if (m->type == SC_POSITION && (m->u.pos.x != wx || m->u.pos.y != wy))
            CHECK_FAIL("%s: %s got SC_POSITION (%u,%u) for %s, expected (%d,%d)", what, o->label, m->u.pos.x, m->u.pos.y,
                    who->label, wx, wy);
        if (m->type == SC_PUT_PLAYER && (m->u.put.why != PUT_VIEW || m->u.put.x != wx || m->u.put.y != wy))
            CHECK_FAIL("%s: %s got SC_PUT_PLAYER why %u at (%u,%u) for %s, expected why 0 at (%d,%d)", what, o->label,
                    m->u.put.why, m->u.put.x, m->u.put.y, who->label, wx, wy);
        if (m->type == SC_REMOVE_PLAYER && m->u.remove.why != REMOVE_VIEW)
            CHECK_FAIL("%s: %s got SC_REMOVE_PLAYER why %u for %s, expected why 0", what, o->label, m->u.remove.why,
                    who->label);
    }
    if (want && got == 0)
        CHECK_FAIL("%s: %s got nothing about %s; expected %s", what, o->label, who->label, it_type_name((uint8_t)want));
}

/* Moves client a in dir, then checks what everybody was told. */
static void vr_step(struct vr *v, int a, uint8_t dir)
{
    struct tc *A = v->c[a];
    int w = A->m.board_w, hgt = A->m.board_h;
    int x0 = v->x[a], y0 = v->y[a];
    int x1 = x0 + dx_of[dir], y1 = y0 + dy_of[dir];
    int moved = vr_free(v, x1, y1, w, hgt);
    if (!moved) {
        x1 = x0;
        y1 = y0;
    }
    uint16_t ex, ey;
    char what[96];
    snprintf(what, sizeof what, "%s (%d,%d)->(%d,%d)", A->label, x0, y0, x1, y1);
    if (!move_and_echo(A, dir, &ex, &ey))
        check_abort();
    if (ex != x1 || ey != y1) {
        CHECK_FAIL("%s: the echo says (%u,%u)", what, ex, ey);
        check_abort();
    }
    for (int i = 0; i < v->n; i++)
        if (tc_barrier(v->c[i], it_ms(5000)) != 1) {
            CHECK_FAIL("%s: barrier chat for %s did not come back", what, v->c[i]->label);
            check_abort();
        }
    for (int o = 0; o < v->n; o++) {
        if (o == a)
            continue;
        int d0 = cheb(x0, y0, v->x[o], v->y[o]), d1 = cheb(x1, y1, v->x[o], v->y[o]);
        int in0 = d0 <= VIEW, in1 = d1 <= VIEW;
        vr_check_told(v->c[o], A, moved, in0, in1, x1, y1, what);
        vr_check_told(A, v->c[o], moved && in0 != in1, in0, in1, v->x[o], v->y[o], what);
        /* The pair crosses the edge whichever of the two stepped. */
        if (moved && a + o == 1) {
            v->pair_in += !in0 && in1;
            v->pair_out += in0 && !in1;
        }
        if (moved && !in0 && !in1)
            v->far_quiet++;
    }
    for (int i = 0; i < v->n; i++)
        tc_clear(v->c[i]);
    v->x[a] = x1;
    v->y[a] = y1;
}

/* A step of a (or of b, when a cannot) that changes their distance by
 * sign; when no single step can (|dx| == |dy|: an orthogonal step never
 * changes the Chebyshev distance then), one that changes the Manhattan
 * distance by sign and keeps the Chebyshev one, so the next step can. */
static int vr_walk(struct vr *v, int a, int b, int sign)
{
    int w = v->c[a]->m.board_w, hgt = v->c[a]->m.board_h;
    for (int kind = 0; kind < 2; kind++) {
        for (int pass = 0; pass < 2; pass++) {
            int m = pass ? b : a, t = pass ? a : b;
            int d = cheb(v->x[m], v->y[m], v->x[t], v->y[t]);
            int man = abs(v->x[m] - v->x[t]) + abs(v->y[m] - v->y[t]);
            for (uint8_t dir = 0; dir < 4; dir++) {
                int nx = v->x[m] + dx_of[dir], ny = v->y[m] + dy_of[dir];
                if (!vr_free(v, nx, ny, w, hgt))
                    continue;
                int nd = cheb(nx, ny, v->x[t], v->y[t]);
                int nman = abs(nx - v->x[t]) + abs(ny - v->y[t]);
                if ((kind == 0 && nd == d + sign) || (kind == 1 && nd == d && nman == man + sign)) {
                    vr_step(v, m, dir);
                    return 1;
                }
            }
        }
    }
    /* Boxed in: any step at all. */
    for (uint8_t dir = 0; dir < 4; dir++) {
        int nx = v->x[a] + dx_of[dir], ny = v->y[a] + dy_of[dir];
        if (vr_free(v, nx, ny, w, hgt)) {
            vr_step(v, a, dir);
            return 0;
        }
    }
    return 0;
}

static void vr_check_mirrors(struct vr *v, const char *when)
{
    for (int i = 0; i < v->n; i++)
        for (int j = 0; j < v->n; j++) {
            if (i == j)
                continue;
            int d = cheb(v->x[i], v->y[i], v->x[j], v->y[j]);
            const struct mirror_player *p = mirror_find(&v->c[i]->m, tc_id(v->c[j]));
            if (d <= VIEW && (!p || p->x != v->x[j] || p->y != v->y[j]))
                CHECK_FAIL("%s: %s should see %s at (%d,%d) (distance %d); it has %s", when, v->c[i]->label,
                        v->c[j]->label, v->x[j], v->y[j], d, p ? "another square" : "nothing");
            if (d > VIEW && p)
                CHECK_FAIL("%s: %s should not see %s (distance %d) but does", when, v->c[i]->label, v->c[j]->label, d);
        }
}

static void case_view_range(void)
{
    enum { N = 8 };
    /* The walker steps as fast as the host echoes: the per-player input
     * budget is lifted. */
    static const char *const extra[] = {"--board", "64x64", "--view", "3", "--max-players", "20",
                                        "--no-input-limit", NULL};
    struct hp h;
    struct tc *c[N];
    char name[16];
    struct vr v;
    memset(&v, 0, sizeof v);
    hp_start_or_abort(&h, extra);
    for (int i = 0; i < N; i++) {
        if (i < 2)
            snprintf(name, sizeof name, "%s", i == 0 ? "walker" : "target");
        else
            snprintf(name, sizeof name, "watch%d", i);
        c[i] = tc_join(h.port, name);
        CHECK_INT(c[i]->ok.u.login_ok.view, VIEW);
        CHECK_INT(c[i]->ok.u.login_ok.board_w, 64);
        CHECK_INT(c[i]->ok.u.login_ok.board_h, 64);
        v.x[i] = c[i]->ok.u.login_ok.x;
        v.y[i] = c[i]->ok.u.login_ok.y;
    }
    v.c = c;
    v.n = N;
    for (int i = 0; i < N; i++)
        REQUIRE(tc_barrier(c[i], it_ms(5000)) == 1);
    vr_check_mirrors(&v, "after the logins");
    for (int i = 0; i < N; i++)
        tc_clear(c[i]);

    /* Apart to at least 6, together to 1, apart to 5: crossing 3/4 both ways. */
    int steps = 0;
    while (cheb(v.x[0], v.y[0], v.x[1], v.y[1]) < 6 && steps++ < 40)
        vr_walk(&v, 0, 1, +1);
    while (cheb(v.x[0], v.y[0], v.x[1], v.y[1]) > 1 && steps++ < 300)
        vr_walk(&v, 0, 1, -1);
    while (cheb(v.x[0], v.y[0], v.x[1], v.y[1]) < 5 && steps++ < 340)
        vr_walk(&v, 0, 1, +1);
    check_note("%d steps; walker/target came into view %d times, left it %d times; %d quiet far-away observations",
            steps, v.pair_in, v.pair_out, v.far_quiet);
    if (v.pair_in < 1 || v.pair_out < 1)
        CHECK_FAIL("the walk did not cross the view edge both ways (in %d, out %d): the case proves nothing", v.pair_in,
                v.pair_out);
    CHECK(v.far_quiet > 0);
    for (int i = 0; i < N; i++)
        REQUIRE(tc_barrier(c[i], it_ms(5000)) == 1);
    vr_check_mirrors(&v, "after the walk");
    finish_case(&h, c, N, 0);
}

/* ==== churn ============================================================== */

static void case_churn(void)
{
    enum { ROUNDS = 300, RING = 4 };
    /* The steady players move as fast as the host echoes: the per-player
     * input budget is lifted. */
    static const char *const extra[] = {"--max-players", "20", "--no-input-limit", NULL};
    struct hp h;
    struct tc *s[3];
    struct tc *ring[RING] = {0};
    int ring_mode[RING] = {0};
    struct rng rng;
    hp_start_or_abort(&h, extra);
    s[0] = tc_join(h.port, "steady0");
    s[1] = tc_join(h.port, "steady1");
    s[2] = tc_join(h.port, "steady2");
    tc_require_count(s, 3, 3, "steady clients");
    for (int i = 0; i < 3; i++) {
        s[i]->record = 0;
        tc_clear(s[i]);
    }
    rng_seed(&rng, 0xc4a7);
    int logins = 0, never = 0;
    uint64_t t0 = sys_now_ms(), end = t0 + (uint64_t)it_ms(60000);
    int round;
    for (round = 0; round < ROUNDS && sys_now_ms() < end; round++) {
        int slot = round % RING;
        struct tc *old = ring[slot];
        if (old) {
            /* Leave: half with CS_LOGOUT, half abruptly (some with RST). */
            if (ring_mode[slot] == 1)
                tc_logout(old);
            if (ring_mode[slot] == 2 && (round & 4))
                tc_close_rst(old);
            tc_free(old);
            ring[slot] = NULL;
        }
        char name[24];
        snprintf(name, sizeof name, "churn%d", round);
        struct tc *c = tc_connect_or_abort(h.port, name);
        c->record = 0;
        c->quiet_violations = 1;
        int mode = (int)rng_below(&rng, 6);
        if (mode == 0) {
            never++; /* never logs in: close at once */
            tc_free(c);
        } else if (mode == 5) {
            never++; /* half a CS_LOGIN, then gone */
            uint8_t half[10] = {36, CS_LOGIN, 1, 0, 'h', 'a', 'l', 'f'};
            tc_send_raw(c, half, sizeof half);
            tc_free(c);
        } else {
            c->record = 1;
            int r = tc_login(c, name);
            c->record = 0;
            tc_clear(c);
            if (r != 0) {
                CHECK_FAIL("churn round %d: login \"%s\": expected SC_LOGIN_OK, got %s", round, name, it_login_result(r));
                check_abort();
            }
            logins++;
            if (mode >= 3) {
                uint32_t k = 1 + rng_below(&rng, 5);
                for (uint32_t m = 0; m < k; m++)
                    tc_move(c, (uint8_t)rng_below(&rng, 4));
            }
            ring[slot] = c;
            ring_mode[slot] = (mode & 1) ? 1 : 2;
        }
        /* The steady ones keep playing. */
        for (int i = 0; i < 3; i++)
            while (s[i]->seq_sent - s[i]->seq_echoed < 4)
                if (tc_move(s[i], (uint8_t)rng_below(&rng, 4)) == 0) {
                    CHECK_FAIL("steady client %s: CS_MOVE send failed", s[i]->label);
                    check_abort();
                }
        tc_pump_many(s, 3, 0);
        for (int i = 0; i < RING; i++)
            if (ring[i])
                tc_drain(ring[i]);
    }
    CHECK_INT(round, ROUNDS);
    for (int i = 0; i < RING; i++)
        tc_free(ring[i]);
    check_note("%d rounds in %llu ms: %d logins, %d never logged in", round, (unsigned long long)(sys_now_ms() - t0),
            logins, never);
    require_echoed(s, 3, "after the churn");
    tc_require_count(s, 3, 3, "after the churn");
    check_echoes_alive(s, 3, "after the churn");
    for (int i = 0; i < 3; i++)
        check_squares(s[i]);
    check_clean(s, 3);

    /* Still answering, with nobody left over. */
    struct tc *n = tc_join(h.port, "newcomer");
    struct tc *all[4] = {s[0], s[1], s[2], n};
    tc_require_count(all, 4, 4, "a newcomer after the churn");
    struct line_words wj = {"join", "name=\"churn"}, wl = {"leave", "name=\"churn"};
    /* The host writes its log on a thread of its own: the last leaves may
     * still be on their way. */
    int joins = hp_log_wait(&h, 0, line_has_both, &wj, logins, it_ms(5000));
    int leaves = hp_log_wait(&h, 0, line_has_both, &wl, logins, it_ms(5000));
    if (joins != logins || leaves != logins)
        CHECK_FAIL("the host log has %d join and %d leave lines for the %d churn logins", joins, leaves, logins);
    finish_case(&h, all, 4, 0);
}

/* ==== reset storm ======================================================== */

/*
 * Issue 10, point 0: clients that log in, make the host queue output for
 * everyone, and reset together (SO_LINGER 0). A send that fails inside the
 * host's flush pass makes that player leave, and the leave notices mark
 * other connections for sending while the pass walks its list. With the
 * default host (10 players, 26 slots) and 17 connections a round (8 of them
 * players, 7 refused as full) that once overflowed the worker's list; the
 * Release build then aborted at shutdown in 2 of 3 runs of 300 rounds, and
 * the ASan build reported the write past the list in 6 of 6 runs of 1,500
 * rounds (1 of 6 at 300). The case runs 1,500 rounds, or at least 300 in
 * 20 s on a slow host (Wine). Two steady players read throughout and must
 * keep their echoes and see every attacker come and go.
 */
static void case_reset_storm(void)
{
    enum { ROUNDS = 1500, MIN_ROUNDS = 300, ATTACKERS = 15, STEADY = 2 };
    struct hp h;
    struct tc *s[STEADY];
    struct rng rng;
    /* Its players move as fast as the host echoes: the per-player input
     * budget (tested by flood_moves and flood_chat) is lifted. */
    hp_start_or_abort(&h, no_input_limit);
    s[0] = tc_join(h.port, "steady0");
    s[1] = tc_join(h.port, "steady1");
    tc_require_count(s, STEADY, STEADY, "steady clients");
    for (int i = 0; i < STEADY; i++) {
        s[i]->record = 0;
        s[i]->quiet_violations = 1;
        tc_clear(s[i]);
    }
    rng_seed(&rng, 0x5e7);
    static const char chat[] = "a chat line long enough that every player gets a few hundred bytes of it: "
                               "0123456789abcdefghijklmnopqrstuvwxyz 0123456789abcdefghijklmnopqrstuvwxyz";
    uint64_t t0 = sys_now_ms(), end = t0 + (uint64_t)it_ms(20000);
    int round, players = 0;
    for (round = 0; round < ROUNDS && sys_now_ms() < end; round++) {
        struct tc *a[ATTACKERS];
        int in = 0;
        for (int i = 0; i < ATTACKERS; i++) {
            char name[24];
            snprintf(name, sizeof name, "rst%d_%d", round, i);
            a[i] = tc_connect_or_abort(h.port, name);
            a[i]->record = 0;
            a[i]->quiet_violations = 1;
            tc_send_login_name(a[i], name);
        }
        /* Whoever got in talks (every player gets output queued); nobody
         * of them reads, then all reset at once. */
        for (int i = 0; i < ATTACKERS; i++) {
            /* The steady ones read all the time, as a player's client does. */
            for (int k = 0; k < STEADY; k++)
                tc_drain(s[k]);
            if (tc_pump(a[i], it_ms(2000)) < 0 || !tc_self(a[i]))
                continue;
            in++;
            for (uint32_t k = 0, n = 1 + rng_below(&rng, 4); k < n; k++) {
                tc_chat(a[i], chat);
                tc_move(a[i], (uint8_t)rng_below(&rng, 4));
            }
        }
        players += in;
        for (int i = 0; i < ATTACKERS; i++)
            tc_close_rst(a[i]);
        for (int i = 0; i < ATTACKERS; i++)
            tc_free(a[i]);
        for (int i = 0; i < STEADY; i++) {
            tc_move(s[i], (uint8_t)rng_below(&rng, 4));
            tc_drain(s[i]);
        }
        if (!hp_alive(&h))
            break;
    }
    CHECK(round >= MIN_ROUNDS);
    check_note("%d rounds in %llu ms, %d attacker logins", round, (unsigned long long)(sys_now_ms() - t0), players);
    CHECK(players >= round); /* at least one attacker got in each round */
    require_echoed(s, STEADY, "after the storm");
    tc_require_count(s, STEADY, STEADY, "after the storm");
    check_echoes_alive(s, STEADY, "after the storm");
    finish_case(&h, s, STEADY, 0);
}

/* ==== shutdown =========================================================== */

static int nonempty_line(const char *line, void *ctx)
{
    (void)ctx;
    return line[0] != 0;
}

static void shutdown_run(int sig, int port_in_use)
{
    struct hp h;
    struct tc *c[5];
    hp_start_or_abort(&h, NULL);
    c[0] = tc_join(h.port, "stay0");
    c[1] = tc_join(h.port, "stay1");
    c[2] = tc_join(h.port, "stay2");
    c[3] = tc_connect_or_abort(h.port, "no-login");
    c[4] = tc_connect_or_abort(h.port, "half-packet");
    uint8_t half[5] = {36, CS_LOGIN, 1, 0, 'x'};
    REQUIRE(tc_send_raw(c[4], half, sizeof half) == 0);
    tc_require_count(c, 3, 3, "before the shutdown");

    if (port_in_use) {
        struct hp h2;
        char portbuf[16];
        snprintf(portbuf, sizeof portbuf, "%u", (unsigned)h.port);
        if (hp_start(&h2, h.port, NULL) == 0) {
            CHECK_FAIL("a second host on port %u (in use) printed a listening line", (unsigned)h.port);
            hp_stop(&h2, SIGKILL, 5000);
        } else {
            int code = hp_wait_exit(&h2, 0);
            if (code != 1)
                CHECK_FAIL("a second host on port %u (in use): expected exit status 1, got %d", (unsigned)h.port, code);
            struct line_words wp = {"", portbuf}, wu = {"in use", ""};
            int lines = hp_log_count(&h2, 0, nonempty_line, NULL);
            int says = hp_log_count(&h2, 0, line_has_both, &wp) + hp_log_count(&h2, 0, line_has_both, &wu);
            if (lines != 1 || says < 1) {
                CHECK_FAIL("a second host on port %u (in use): expected one stderr line naming the port or \"in use\", "
                        "got %d lines", (unsigned)h.port, lines);
                hp_log_dump(&h2, 0, "second host stderr");
            }
        }
        hp_cleanup(&h2);
        /* The first one did not notice. */
        check_echoes_alive(c, 3, "after the second host tried its port");
    }

    uint64_t t0 = sys_now_ms();
    int limit = it_ms(5000);
    REQUIRE(kill(h.p.pid, sig) == 0);
    for (int i = 0; i < 5; i++) {
        int left = limit - (int)(sys_now_ms() - t0);
        if (tc_wait_eof(c[i], left > 0 ? left : 0) != 1)
            CHECK_FAIL("after %s, client %s saw no EOF within %d ms", sig == SIGTERM ? "SIGTERM" : "SIGINT", c[i]->label,
                    limit);
    }
    int left = limit - (int)(sys_now_ms() - t0);
    int code = hp_wait_exit(&h, left > 0 ? left : 0);
    if (code != 0) {
        CHECK_FAIL("after %s: expected exit status 0 within %d ms, got %s %d", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                limit, code < 0 ? "timeout" : "status", code);
        hp_log_dump(&h, 0, "host stderr");
    }
    check_note("%s: clients closed and host exited in %llu ms", sig == SIGTERM ? "SIGTERM" : "SIGINT",
            (unsigned long long)(sys_now_ms() - t0));
    hp_check_sanitizer(&h);
    free_all(c, 5);
    hp_cleanup(&h);
}

static void case_shutdown(void)
{
    /* SIGTERM is a Linux rule; a Windows host (under wine) stops on SIGINT
     * (CTRL_C_EVENT) only. */
    shutdown_run(it_stop_signal(), 1);
    shutdown_run(SIGINT, 0);
}

/* ==== bots =============================================================== */

static double field(const char *line, const char *key, int *ok)
{
    const char *p = strstr(line, key);
    if (!p) {
        *ok = 0;
        return -1;
    }
    return strtod(p + strlen(key), NULL);
}

static void case_bots(void)
{
    struct hp h;
    hp_start_or_abort(&h, NULL);
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)h.port);
    const char *const args[] = {"bots", addr, "--count", "5", "--seconds", "3", "--rate", "10", "--check", NULL};
    static char out[65536];
    int code = it_run_tool(args, it_ms(3000) + it_ms(30000), out, sizeof out);
    const char *line = strstr(out, "bots: connected=");
    if (code != 0)
        CHECK_FAIL("bots: expected exit status 0, got %s %d", code < 0 ? "timeout" : "status", code);
    if (!line) {
        CHECK_FAIL("bots printed no summary line; output:\n%s", out);
    } else {
        int ok = 1;
        double connected = field(line, "connected=", &ok), logged = field(line, "logged_in=", &ok),
               echoes = field(line, "echoes=", &ok), viol = field(line, "violations=", &ok),
               fails = field(line, "fails=", &ok);
        field(line, "moves=", &ok);
        field(line, "delay_mean_ms=", &ok);
        field(line, "delay_p99_ms=", &ok);
        field(line, "lost=", &ok);
        const char *nl = strchr(line, '\n');
        check_note("%.*s", nl ? (int)(nl - line) : (int)strlen(line), line);
        if (!ok)
            CHECK_FAIL("bots summary line lacks a field");
        CHECK_INT(connected, 5);
        CHECK_INT(logged, 5);
        CHECK(echoes > 0);
        CHECK_INT(viol, 0);
        CHECK_INT(fails, 0);
    }
    if (check_failures)
        fprintf(stderr, "  bots output:\n%s\n", out);
    /* The bots are gone; the host still answers. */
    struct tc *c = tc_join(h.port, "after-bots");
    tc_require_count(&c, 1, 1, "after the bots");
    finish_case(&h, &c, 1, 0);
}

/* ==== main =============================================================== */

static const struct check_case cases[] = {
    {"ten_players", case_ten_players},
    {"moves_agree", case_moves_agree},
    {"edge_and_blocked", case_edge_and_blocked},
    {"join_leave_notices", case_join_leave_notices},
    {"game_full", case_game_full},
    {"name_rules", case_name_rules},
    {"malformed", case_malformed},
    {"slow_reader", case_slow_reader},
    {"held_output", case_held_output},
    {"view_range", case_view_range},
    {"churn", case_churn},
    {"shutdown", case_shutdown},
    {"bots", case_bots},
    {"login_timeout", case_login_timeout},
    {"reset_storm", case_reset_storm},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return it_main(argc, argv, "itest", cases, NULL);
}
