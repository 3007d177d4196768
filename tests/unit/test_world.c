/*
 * The game rules, driven directly without sockets. Every packet the world
 * emits is decoded (as a client would) into one global log of (slot, msg)
 * in emission order, and applied to a per-slot mirror. The mirrors give
 * each player's view "as told by the packets", which the tests compare
 * with the truth computed by brute force; the mirrors also count any
 * ordering violation, which must stay zero in every test.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "mirror.h"
#include "rng.h"
#include "world.h"

#define MAXS 128 /* slots in every test world */

struct entry {
    uint32_t slot;
    struct proto_msg m;
};

static struct harness {
    struct world *w;
    int keep_log;          /* the big random tests only use the mirrors */
    struct entry *log;
    size_t n, cap;
    int open[MAXS];        /* a connection the host would still write to */
    struct mirror mirrors[MAXS];
} H;

/* ------------------------------------------------------------------ */
/* Harness                                                            */
/* ------------------------------------------------------------------ */

static void log_append(uint32_t slot, const struct proto_msg *m)
{
    if (H.n == H.cap) {
        size_t cap = H.cap ? H.cap * 2 : 256;
        struct entry *log = realloc(H.log, cap * sizeof *log);
        REQUIRE(log != NULL);
        H.log = log;
        H.cap = cap;
    }
    H.log[H.n].slot = slot;
    H.log[H.n].m = *m;
    H.n++;
}

static void on_emit(void *ctx, uint32_t slot, const uint8_t *pkt, size_t len)
{
    struct harness *h = ctx;
    struct proto_msg m;
    int rc = proto_decode(PROTO_TO_CLIENT, pkt, len, &m);
    if (rc != 0 || len != pkt[0]) {
        CHECK_FAIL("slot %u: undecodable packet (%s)", slot, proto_strerror(rc));
        return;
    }
    if (slot >= MAXS || !h->open[slot]) {
        CHECK_FAIL("%s sent to slot %u, which is not connected", proto_type_name(m.type), slot);
        return;
    }
    if (h->keep_log)
        log_append(slot, &m);
    mirror_apply(&h->mirrors[slot], &m);
}

static void h_start(uint16_t bw, uint16_t bh, uint16_t view, uint32_t max_players, uint64_t seed)
{
    struct world_cfg cfg = { .board_w = bw, .board_h = bh, .view = view,
                             .max_players = max_players, .max_slots = MAXS, .seed = seed };
    memset(&H, 0, sizeof H);
    H.keep_log = 1;
    H.w = world_create(&cfg, on_emit, &H);
    REQUIRE(H.w != NULL); /* every later step would crash instead of failing */
    for (int i = 0; i < MAXS; i++)
        mirror_init(&H.mirrors[i]);
}

static void h_stop(void)
{
    for (int i = 0; i < MAXS; i++) {
        if (H.mirrors[i].violations)
            CHECK_FAIL("slot %d saw %u ordering violations", i, H.mirrors[i].violations);
        mirror_free(&H.mirrors[i]);
    }
    world_destroy(H.w);
    free(H.log);
    memset(&H, 0, sizeof H);
}

static void log_clear(void)
{
    H.n = 0;
}

/* Packets slot received since the last log_clear. */
static size_t count_for(uint32_t slot)
{
    size_t c = 0;
    for (size_t i = 0; i < H.n; i++)
        c += H.log[i].slot == slot;
    return c;
}

/* The k-th packet slot received since the last log_clear, or NULL. */
static const struct proto_msg *kth(uint32_t slot, size_t k)
{
    for (size_t i = 0; i < H.n; i++)
        if (H.log[i].slot == slot && k-- == 0)
            return &H.log[i].m;
    return NULL;
}

/* A new connection on slot sends CS_LOGIN with these raw name bytes. */
static int login_raw(uint32_t slot, uint16_t version, const uint8_t raw[PROTO_NAME_LEN])
{
    mirror_free(&H.mirrors[slot]);
    mirror_init(&H.mirrors[slot]);
    H.open[slot] = 1;
    int rc = world_login(H.w, slot, version, raw);
    if (rc != 0)
        H.open[slot] = 0; /* the host closes after SC_LOGIN_FAIL */
    return rc;
}

static int login(uint32_t slot, const char *name)
{
    uint8_t raw[PROTO_NAME_LEN];
    REQUIRE_INT(proto_name_pack(name, raw), 0); /* tests only pack good names */
    return login_raw(slot, PROTO_VERSION, raw);
}

static void leave(uint32_t slot, uint8_t why)
{
    world_leave(H.w, slot, why);
    H.open[slot] = 0;
}

static struct world_player who(uint32_t slot)
{
    struct world_player p;
    memset(&p, 0, sizeof p);
    if (!world_player_get(H.w, slot, &p))
        CHECK_FAIL("slot %u is not logged in", slot);
    return p;
}

static int cheb(int ax, int ay, int bx, int by)
{
    int dx = abs(ax - bx), dy = abs(ay - by);
    return dx > dy ? dx : dy;
}

/* The moves of the random tests and walk_to's side-steps: the project's
 * generator, seeded by each test, so every run plays the same game. */
static struct rng R = {1};

static uint32_t rnd(uint32_t n)
{
    return rng_below(&R, n);
}

/* One step; returns 1 when the piece moved. */
static int step(uint32_t slot, uint8_t dir)
{
    struct world_player p = who(slot);
    world_move(H.w, slot, dir, 0);
    struct world_player q = who(slot);
    return q.x != p.x || q.y != p.y;
}

/* Steers slot to (x,y) one step at a time, side-stepping other pieces. */
static void walk_to(uint32_t slot, int x, int y)
{
    for (int guard = 0; guard < 4000; guard++) {
        struct world_player p = who(slot);
        if (p.x == x && p.y == y)
            return;
        if (p.x != x && step(slot, p.x < x ? DIR_RIGHT : DIR_LEFT))
            continue;
        if (p.y != y && step(slot, p.y < y ? DIR_DOWN : DIR_UP))
            continue;
        step(slot, (uint8_t)rnd(4)); /* blocked both ways */
    }
    CHECK_FAIL("slot %u could not reach %d,%d", slot, x, y);
}

/* ------------------------------------------------------------------ */
/* Login                                                              */
/* ------------------------------------------------------------------ */

static void t_ten_players_see_each_other(void)
{
    h_start(8, 8, 0, 10, 1);
    char name[8];
    for (uint32_t s = 0; s < 10; s++) {
        snprintf(name, sizeof name, "p%u", s);
        CHECK_INT(login(s, name), 0);
    }
    CHECK_INT(world_count(H.w), 10);
    int looks = 0;
    for (uint32_t s = 0; s < 10; s++) {
        struct world_player p = who(s);
        looks |= 1 << p.look;
        CHECK_INT(H.mirrors[s].count, 10);
        CHECK_INT(H.mirrors[s].view, 8); /* view 0 in cfg reports max(w,h) */
        for (uint32_t t = 0; t < 10; t++) {
            struct world_player q = who(t);
            const struct mirror_player *seen = mirror_find(&H.mirrors[s], q.id);
            CHECK(seen && seen->x == q.x && seen->y == q.y && seen->look == q.look);
        }
    }
    CHECK_INT(looks, (1 << 10) - 1);
    CHECK_INT(login(10, "eleventh"), FAIL_FULL);
    h_stop();
}

static void check_put(const struct proto_msg *m, uint32_t slot, uint8_t why)
{
    struct world_player p = who(slot);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_INT(m->type, SC_PUT_PLAYER);
    CHECK_INT(m->u.put.id, p.id);
    CHECK_INT(m->u.put.x, p.x);
    CHECK_INT(m->u.put.y, p.y);
    CHECK_INT(m->u.put.look, p.look);
    CHECK_INT(m->u.put.why, why);
    CHECK_STR(m->u.put.name, p.name);
}

static void t_login_packet_order(void)
{
    h_start(8, 8, 0, 10, 2);
    CHECK_INT(login(0, "ann"), 0);
    CHECK_INT(count_for(0), 2);
    const struct proto_msg *ok = kth(0, 0);
    CHECK(ok && ok->type == SC_LOGIN_OK);
    if (ok) {
        struct world_player a = who(0);
        CHECK_INT(ok->u.login_ok.id, 1);
        CHECK_INT(ok->u.login_ok.id, a.id);
        CHECK_INT(ok->u.login_ok.x, a.x);
        CHECK_INT(ok->u.login_ok.y, a.y);
        CHECK_INT(ok->u.login_ok.board_w, 8);
        CHECK_INT(ok->u.login_ok.board_h, 8);
        CHECK_INT(ok->u.login_ok.view, 8);
        CHECK_INT(ok->u.login_ok.max_players, 10);
    }
    check_put(kth(0, 1), 0, PUT_JOINED);
    CHECK_INT(login(1, "bob"), 0);

    log_clear();
    CHECK_INT(login(2, "cat"), 0);
    /* Globally: LOGIN_OK and the self-put to the newcomer, then for each
     * other player a put of it to the newcomer followed by a put of the
     * newcomer to it. */
    CHECK_INT(H.n, 6);
    if (H.n != 6)
        goto out;
    CHECK_INT(H.log[0].slot, 2);
    CHECK_INT(H.log[0].m.type, SC_LOGIN_OK);
    CHECK_INT(H.log[1].slot, 2);
    check_put(&H.log[1].m, 2, PUT_JOINED);
    uint32_t others = 0;
    for (size_t i = 2; i < 6; i += 2) {
        uint32_t other = H.log[i + 1].slot;
        CHECK(other == 0 || other == 1);
        others |= 1u << other;
        CHECK_INT(H.log[i].slot, 2);
        check_put(&H.log[i].m, other, PUT_VIEW);
        check_put(&H.log[i + 1].m, 2, PUT_JOINED);
    }
    CHECK_INT(others, 3);
out:
    h_stop();
}

static void check_fail_packet(uint32_t slot, int reason)
{
    CHECK_INT(count_for(slot), 1);
    const struct proto_msg *m = kth(slot, 0);
    CHECK(m && m->type == SC_LOGIN_FAIL && m->u.login_fail.reason == reason);
}

static void login_expect_fail(uint32_t slot, uint16_t version, const uint8_t raw[PROTO_NAME_LEN], int reason)
{
    log_clear();
    uint32_t before = world_count(H.w);
    int rc = login_raw(slot, version, raw);
    CHECK_INT(rc, reason);
    check_fail_packet(slot, reason);
    CHECK_INT(H.n, 1); /* nobody else heard of it */
    CHECK_INT(world_count(H.w), before);
    CHECK(!world_player_get(H.w, slot, &(struct world_player){ 0 }));
}

static void t_login_failures(void)
{
    h_start(8, 8, 0, 2, 3);
    uint8_t raw[PROTO_NAME_LEN];
    proto_name_pack("ann", raw);
    login_expect_fail(0, 0, raw, FAIL_VERSION);
    login_expect_fail(0, 2, raw, FAIL_VERSION);

    static const char *const bad[] = {
        "",                 /* empty */
        "\xff" "abc",       /* not UTF-8 */
        "\xc0\xaf",         /* overlong '/' */
        "\xed\xa0\x80",     /* a surrogate */
        "a\x01" "b",        /* control character */
        "tab\t",
        "del\x7f",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(raw, 0, sizeof raw);
        memcpy(raw, bad[i], strlen(bad[i]));
        login_expect_fail(0, PROTO_VERSION, raw, FAIL_NAME);
    }
    memset(raw, 'a', sizeof raw); /* no NUL within 32 bytes */
    login_expect_fail(0, PROTO_VERSION, raw, FAIL_NAME);
    memset(raw, 0, sizeof raw);
    memcpy(raw, "ab\0cd", 5); /* junk after the NUL */
    login_expect_fail(0, PROTO_VERSION, raw, FAIL_NAME);
    /* Version is checked before the name. */
    memset(raw, 0, sizeof raw);
    login_expect_fail(0, 9, raw, FAIL_VERSION);

    CHECK_INT(login(0, "ann"), 0);
    proto_name_pack("ann", raw);
    login_expect_fail(1, PROTO_VERSION, raw, FAIL_TAKEN);
    CHECK_INT(login(1, "bob"), 0);

    /* Full: before "taken", after "name" and "version". */
    proto_name_pack("cat", raw);
    login_expect_fail(2, PROTO_VERSION, raw, FAIL_FULL);
    proto_name_pack("ann", raw);
    login_expect_fail(2, PROTO_VERSION, raw, FAIL_FULL);
    login_expect_fail(2, 7, raw, FAIL_VERSION);
    memset(raw, 0, sizeof raw);
    login_expect_fail(2, PROTO_VERSION, raw, FAIL_NAME);

    /* A slot whose login failed can be used again, and a leave frees room. */
    leave(0, REMOVE_LEFT);
    CHECK_INT(login(2, "cat"), 0);
    CHECK_INT(world_count(H.w), 2);
    h_stop();
}

static void t_names_byte_exact(void)
{
    h_start(8, 8, 0, 10, 4);
    uint8_t raw[PROTO_NAME_LEN];
    CHECK_INT(login(0, "김철수"), 0);
    CHECK_INT(login(1, "김철수2"), 0);
    CHECK_INT(login(2, "Bob"), 0);
    CHECK_INT(login(3, "bob"), 0); /* byte-exact: case matters */
    proto_name_pack("김철수", raw);
    login_expect_fail(4, PROTO_VERSION, raw, FAIL_TAKEN);
    proto_name_pack("김철수2", raw);
    login_expect_fail(4, PROTO_VERSION, raw, FAIL_TAKEN);
    CHECK_STR(who(0).name, "김철수");
    const struct mirror_player *seen = mirror_find(&H.mirrors[1], who(0).id);
    CHECK(seen && strcmp(seen->name, "김철수") == 0);
    /* The name is free again once its owner leaves. */
    leave(0, REMOVE_DROPPED);
    CHECK_INT(login(4, "김철수"), 0);
    CHECK_INT(login(5, "김철"), 0);
    CHECK_INT(world_count(H.w), 5);
    h_stop();
}

static void t_spawn_nearly_full_board(void)
{
    for (uint64_t seed = 1; seed <= 50; seed++) {
        h_start(3, 3, 0, 9, seed);
        char name[8];
        int taken = 0;
        for (uint32_t s = 0; s < 9; s++) {
            snprintf(name, sizeof name, "n%u", s);
            CHECK_INT(login(s, name), 0);
            struct world_player p = who(s);
            CHECK(!(taken & 1 << (p.y * 3 + p.x)));
            taken |= 1 << (p.y * 3 + p.x);
        }
        CHECK_INT(taken, 0x1ff);
        CHECK_INT(login(9, "tenth"), FAIL_FULL);
        /* The one free square after a leave is where the next one lands. */
        uint32_t s = (uint32_t)(seed % 9);
        struct world_player gone = who(s);
        leave(s, REMOVE_LEFT);
        CHECK_INT(login(s, "again"), 0);
        struct world_player back = who(s);
        CHECK(back.x == gone.x && back.y == gone.y);
        h_stop();
    }
}

static void t_ids_never_reused(void)
{
    h_start(4, 4, 0, 2, 5);
    CHECK_INT(login(0, "stay"), 0);
    uint32_t last = who(0).id;
    CHECK_INT(last, 1);
    for (int i = 0; i < 2000; i++) {
        CHECK_INT(login(1, "churn"), 0);
        uint32_t id = who(1).id;
        if (id != last + 1) {
            CHECK_FAIL("login %d got id %u after %u", i, id, last);
            break;
        }
        last = id;
        leave(1, i % 2 ? REMOVE_LEFT : REMOVE_DROPPED);
    }
    h_stop();
}

static void t_view_radius_reported(void)
{
    static const struct { uint16_t w, h, view, want; } cases[] = {
        { 8, 8, 0, 8 }, { 8, 8, 3, 3 }, { 8, 8, 100, 100 }, { 64, 16, 0, 64 }, { 64, 64, 7, 7 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_start(cases[i].w, cases[i].h, cases[i].view, 4, 6);
        CHECK_INT(login(0, "v"), 0);
        CHECK_INT(H.mirrors[0].view, cases[i].want);
        h_stop();
    }
}

static void t_create_rejects_bad_config(void)
{
    static const struct world_cfg bad[] = {
        { .board_w = 0, .board_h = 8, .max_players = 1, .max_slots = 1 },
        { .board_w = 8, .board_h = 0, .max_players = 1, .max_slots = 1 },
        { .board_w = 8, .board_h = 8, .max_players = 0, .max_slots = 1 },
        { .board_w = 3, .board_h = 3, .max_players = 10, .max_slots = 10 }, /* > squares */
        { .board_w = 8, .board_h = 8, .max_players = 10, .max_slots = 9 },
        { .board_w = 1000, .board_h = 1000, .max_players = 70000, .max_slots = 70000 }, /* > u16 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct world *w = world_create(&bad[i], on_emit, &H);
        if (w)
            CHECK_FAIL("bad config %zu accepted", i);
        world_destroy(w);
    }
    struct world_cfg good = { .board_w = 3, .board_h = 3, .max_players = 9, .max_slots = 9 };
    struct world *w = world_create(&good, on_emit, &H);
    CHECK(w != NULL);
    CHECK(w && world_config(w)->board_w == 3 && world_count(w) == 0);
    world_destroy(w);
}

/* ------------------------------------------------------------------ */
/* Moves                                                              */
/* ------------------------------------------------------------------ */

/* Moves slot in dir and checks the echo; returns 1 when it moved. */
static int move_echo(uint32_t slot, uint8_t dir, uint32_t time)
{
    struct world_player before = who(slot);
    log_clear();
    world_move(H.w, slot, dir, time);
    struct world_player after = who(slot);
    const struct proto_msg *m = kth(slot, 0);
    CHECK(m && m->type == SC_POSITION);
    if (m && m->type == SC_POSITION) {
        CHECK_INT(m->u.pos.id, after.id);
        CHECK_INT(m->u.pos.x, after.x);
        CHECK_INT(m->u.pos.y, after.y);
        CHECK_INT(m->u.pos.move_time, time);
    }
    return before.x != after.x || before.y != after.y;
}

/* A move that must not happen: only the echo, to the mover alone. */
static void check_stays(uint32_t slot, uint8_t dir)
{
    struct world_player before = who(slot);
    CHECK_INT(move_echo(slot, dir, 0xC0FFEE00u + dir), 0);
    CHECK_INT(H.n, 1);
    struct world_player after = who(slot);
    CHECK(after.x == before.x && after.y == before.y);
}

static void t_edge_moves_stay_and_echo(void)
{
    h_start(5, 5, 0, 2, 7);
    CHECK_INT(login(0, "mover"), 0);
    CHECK_INT(login(1, "watch"), 0);
    walk_to(1, 2, 2);
    walk_to(0, 0, 0);
    check_stays(0, DIR_LEFT);
    check_stays(0, DIR_UP);
    walk_to(0, 4, 4);
    check_stays(0, DIR_RIGHT);
    check_stays(0, DIR_DOWN);
    /* A real step: the watcher gets the same position and move_time. */
    CHECK_INT(move_echo(0, DIR_UP, 4242), 1);
    CHECK_INT(H.n, 2);
    const struct proto_msg *m = kth(1, 0);
    CHECK(m && m->type == SC_POSITION && m->u.pos.id == who(0).id && m->u.pos.x == 4 &&
          m->u.pos.y == 3 && m->u.pos.move_time == 4242);
    h_stop();
}

static void t_blocked_moves_stay_and_echo(void)
{
    h_start(2, 1, 0, 2, 8);
    CHECK_INT(login(0, "a"), 0);
    CHECK_INT(login(1, "b"), 0);
    uint32_t left = who(0).x == 0 ? 0 : 1, right = 1 - left;
    check_stays(left, DIR_RIGHT); /* into the other piece */
    check_stays(right, DIR_LEFT);
    check_stays(left, DIR_LEFT);  /* and off the board */
    check_stays(right, DIR_RIGHT);
    for (uint8_t d = DIR_UP; d <= DIR_DOWN; d++) {
        check_stays(left, d);
        check_stays(right, d);
    }
    h_stop();
}

/*
 * Thousands of random moves on a crowded board, each predicted against a
 * shadow occupancy grid: a wrong block or a wrong step means the board's
 * squares and the players' positions disagree somewhere.
 */
static void t_random_moves_keep_squares_exclusive(void)
{
    enum { W = 12, HT = 12, N = 100, MOVES = 20000 };
    static const int dx[4] = { 0, 0, -1, 1 }, dy[4] = { -1, 1, 0, 0 };
    h_start(W, HT, 2, N, 9);
    H.keep_log = 0;
    static uint32_t grid[HT][W]; /* slot+1 or 0 */
    memset(grid, 0, sizeof grid);
    char name[8];
    for (uint32_t s = 0; s < N; s++) {
        snprintf(name, sizeof name, "x%u", s);
        CHECK_INT(login(s, name), 0);
        struct world_player p = who(s);
        CHECK_INT(grid[p.y][p.x], 0);
        grid[p.y][p.x] = s + 1;
    }
    rng_seed(&R, 99);
    for (int i = 0; i < MOVES; i++) {
        uint32_t s = rnd(N);
        uint8_t d = (uint8_t)rnd(4);
        struct world_player p = who(s);
        int nx = p.x + dx[d], ny = p.y + dy[d];
        int free = nx >= 0 && ny >= 0 && nx < W && ny < HT && grid[ny][nx] == 0;
        world_move(H.w, s, d, (uint32_t)i);
        struct world_player q = who(s);
        if (free ? q.x != nx || q.y != ny : q.x != p.x || q.y != p.y) {
            CHECK_FAIL("move %d: slot %u %d,%d dir %d went to %d,%d", i, s, p.x, p.y, d, q.x, q.y);
            break;
        }
        grid[p.y][p.x] = 0;
        grid[q.y][q.x] = s + 1;
    }
    for (uint32_t s = 0; s < N; s++) {
        struct world_player p = who(s);
        CHECK_INT(grid[p.y][p.x], s + 1);
        const struct mirror_player *self = mirror_find(&H.mirrors[s], p.id);
        CHECK(self && self->x == p.x && self->y == p.y);
    }
    h_stop();
}

/* ------------------------------------------------------------------ */
/* View                                                               */
/* ------------------------------------------------------------------ */

static int saw(uint32_t slot, size_t k, uint8_t type, uint32_t id, uint8_t why)
{
    const struct proto_msg *m = kth(slot, k);
    if (!m || m->type != type)
        return 0;
    if (type == SC_PUT_PLAYER)
        return m->u.put.id == id && m->u.put.why == why;
    if (type == SC_REMOVE_PLAYER)
        return m->u.remove.id == id && m->u.remove.why == why;
    return m->u.pos.id == id;
}

/* B walks left along row 22 past A at (20,20) with view 3: it comes into
 * view at x = 23 and leaves it at x = 16; C far away hears nothing. */
static void t_view_walk_in_and_out(void)
{
    h_start(64, 64, 3, 10, 10);
    CHECK_INT(login(0, "A"), 0);
    CHECK_INT(login(1, "B"), 0);
    CHECK_INT(login(2, "C"), 0);
    walk_to(2, 60, 60);
    walk_to(0, 20, 20);
    walk_to(1, 30, 22);
    uint32_t a = who(0).id, b = who(1).id;
    CHECK(mirror_find(&H.mirrors[0], b) == NULL);
    for (int x = 29; x >= 10; x--) {
        CHECK_INT(move_echo(1, DIR_LEFT, (uint32_t)x), 1);
        CHECK_INT(count_for(2), 0);
        if (x == 23) {
            CHECK_INT(count_for(0), 1);
            CHECK(saw(0, 0, SC_PUT_PLAYER, b, PUT_VIEW));
            CHECK_INT(count_for(1), 2);
            CHECK(saw(1, 1, SC_PUT_PLAYER, a, PUT_VIEW));
        } else if (x == 16) {
            CHECK_INT(count_for(0), 1);
            CHECK(saw(0, 0, SC_REMOVE_PLAYER, b, REMOVE_VIEW));
            CHECK_INT(count_for(1), 2);
            CHECK(saw(1, 1, SC_REMOVE_PLAYER, a, REMOVE_VIEW));
        } else if (x < 23 && x > 16) {
            CHECK_INT(count_for(0), 1);
            CHECK(saw(0, 0, SC_POSITION, b, 0));
            CHECK_INT(count_for(1), 1);
        } else {
            CHECK_INT(count_for(0), 0);
            CHECK_INT(count_for(1), 1);
        }
        int near = x <= 23 && x >= 17;
        CHECK_INT(mirror_find(&H.mirrors[0], b) != NULL, near);
        CHECK_INT(mirror_find(&H.mirrors[1], a) != NULL, near);
    }
    /* The corner of the view square counts: (23,23) sees (20,20). */
    walk_to(1, 24, 23);
    CHECK(mirror_find(&H.mirrors[0], b) == NULL);
    CHECK_INT(move_echo(1, DIR_LEFT, 1), 1);
    CHECK(saw(0, 0, SC_PUT_PLAYER, b, PUT_VIEW));
    h_stop();
}

static void t_chat_reaches_view(void)
{
    h_start(64, 64, 3, 10, 11);
    CHECK_INT(login(0, "talker"), 0);
    CHECK_INT(login(1, "near"), 0);
    CHECK_INT(login(2, "far"), 0);
    walk_to(2, 60, 60);
    walk_to(0, 20, 20);
    walk_to(1, 22, 23);
    log_clear();
    world_chat(H.w, 0, "안녕 hi", strlen("안녕 hi"));
    CHECK_INT(H.n, 2);
    for (uint32_t s = 0; s < 2; s++) {
        const struct proto_msg *m = kth(s, 0);
        CHECK(m && m->type == SC_CHAT && m->u.chat.id == who(0).id &&
              strcmp(m->u.chat.text, "안녕 hi") == 0);
    }
    CHECK_INT(count_for(2), 0);
    h_stop();
}

static void t_leave_notifies_view(void)
{
    h_start(64, 64, 3, 10, 12);
    CHECK_INT(login(0, "leaver"), 0);
    CHECK_INT(login(1, "near"), 0);
    CHECK_INT(login(2, "far"), 0);
    CHECK_INT(login(3, "near2"), 0);
    walk_to(2, 60, 60);
    walk_to(0, 20, 20);
    walk_to(1, 23, 17);
    walk_to(3, 19, 21);
    uint32_t id = who(0).id;
    log_clear();
    leave(0, REMOVE_LEFT);
    CHECK_INT(H.n, 2);
    CHECK(saw(1, 0, SC_REMOVE_PLAYER, id, REMOVE_LEFT));
    CHECK(saw(3, 0, SC_REMOVE_PLAYER, id, REMOVE_LEFT));
    CHECK_INT(world_count(H.w), 3);
    CHECK(!world_player_get(H.w, 0, &(struct world_player){ 0 }));
    /* Its square is free: a neighbour can step onto it. */
    CHECK_INT(move_echo(3, DIR_UP, 0), 1);
    CHECK_INT(move_echo(3, DIR_RIGHT, 0), 1);
    CHECK(who(3).x == 20 && who(3).y == 20);
    /* Leaving twice, or a slot never logged in, does nothing. */
    log_clear();
    world_leave(H.w, 0, REMOVE_LEFT);
    world_leave(H.w, 9, REMOVE_DROPPED);
    CHECK_INT(H.n, 0);
    /* A drop says why 2. */
    id = who(3).id;
    leave(3, REMOVE_DROPPED);
    CHECK_INT(H.n, 1);
    CHECK(saw(1, 0, SC_REMOVE_PLAYER, id, REMOVE_DROPPED));
    h_stop();
}

/*
 * Every player's mirror (what the packets told it) against the truth: it
 * holds exactly the players within view, at their current squares.
 */
static int mirrors_match_truth(uint32_t slots)
{
    for (uint32_t s = 0; s < slots; s++) {
        struct world_player p;
        if (!world_player_get(H.w, s, &p))
            continue;
        const int r = H.mirrors[s].view; /* the radius LOGIN_OK reported */
        size_t want = 0;
        for (uint32_t t = 0; t < slots; t++) {
            struct world_player q;
            if (!world_player_get(H.w, t, &q))
                continue;
            int in = cheb(p.x, p.y, q.x, q.y) <= r;
            const struct mirror_player *m = mirror_find(&H.mirrors[s], q.id);
            want += in;
            if ((m != NULL) != in || (m && (m->x != q.x || m->y != q.y))) {
                CHECK_FAIL("slot %u at %d,%d: id %u at %d,%d in view %d, mirror has %s", s, p.x,
                              p.y, q.id, q.x, q.y, in, m ? "it" : "nothing");
                return 0;
            }
        }
        if (H.mirrors[s].count != want) {
            CHECK_FAIL("slot %u: mirror holds %zu players, %zu in view", s, H.mirrors[s].count, want);
            return 0;
        }
    }
    return 1;
}

/* Random moves, with some leaves and rejoins, checked against brute force
 * after every step. */
static void brute_force(uint16_t bw, uint16_t bh, uint16_t view, uint32_t n, int steps, uint64_t seed)
{
    h_start(bw, bh, view, n, seed);
    H.keep_log = 0;
    char name[16];
    for (uint32_t s = 0; s < n; s++) {
        snprintf(name, sizeof name, "b%u", s);
        CHECK_INT(login(s, name), 0);
    }
    rng_seed(&R, seed * 7919 + 1);
    for (int i = 0; i < steps; i++) {
        uint32_t s = rnd(n);
        uint32_t op = rnd(100);
        if (op < 2) {
            leave(s, REMOVE_LEFT);
        } else if (op < 4 || !world_player_get(H.w, s, &(struct world_player){ 0 })) {
            if (world_player_get(H.w, s, &(struct world_player){ 0 }))
                leave(s, REMOVE_DROPPED);
            snprintf(name, sizeof name, "b%u.%d", s, i);
            CHECK_INT(login(s, name), 0);
        } else if (op < 6) {
            world_chat(H.w, s, "hi", 2);
        } else {
            world_move(H.w, s, (uint8_t)rnd(4), (uint32_t)i);
        }
        if (!mirrors_match_truth(n)) {
            CHECK_FAIL("step %d (op %u, slot %u)", i, op, s);
            break;
        }
    }
    h_stop();
}

static void t_brute_force_view_40x40(void)
{
    brute_force(40, 40, 3, 60, 4000, 13);
}

static void t_brute_force_other_shapes(void)
{
    brute_force(40, 40, 1, 60, 2000, 14);  /* cells wider than the view */
    brute_force(37, 23, 5, 60, 2000, 15);  /* ragged last cells */
    brute_force(16, 16, 0, 40, 1000, 16);  /* whole board: one cell */
    brute_force(9, 9, 8, 40, 1000, 17);    /* view = max(w,h) - 1 */
}

static const struct check_case tests[] = {
    CHECK_CASE(t_ten_players_see_each_other),
    CHECK_CASE(t_login_packet_order),
    CHECK_CASE(t_login_failures),
    CHECK_CASE(t_names_byte_exact),
    CHECK_CASE(t_spawn_nearly_full_board),
    CHECK_CASE(t_ids_never_reused),
    CHECK_CASE(t_view_radius_reported),
    CHECK_CASE(t_create_rejects_bad_config),
    CHECK_CASE(t_edge_moves_stay_and_echo),
    CHECK_CASE(t_blocked_moves_stay_and_echo),
    CHECK_CASE(t_random_moves_keep_squares_exclusive),
    CHECK_CASE(t_view_walk_in_and_out),
    CHECK_CASE(t_chat_reaches_view),
    CHECK_CASE(t_leave_notifies_view),
    CHECK_CASE(t_brute_force_view_40x40),
    CHECK_CASE(t_brute_force_other_shapes),
    { 0 },
};

CHECK_MAIN(tests)
