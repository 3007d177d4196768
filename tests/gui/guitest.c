/*
 * GUI cases: the real game window under a private Xvfb, driven with
 * xdotool, seen through screenshots and the game's test hooks, checked
 * against real test clients (tests/integration/harness.h).
 *
 *   guitest --game PATH --case NAME [--artifacts DIR] [--docs DIR]
 *           [--lsan-suppressions FILE] [--preload LIBNORESOLVE]
 *
 * CTest runs each case as gui_CASE (ctest -L gui); artifacts land in
 * BUILD/gui-artifacts/CASE/: every process's stdout and stderr, xvfb.log,
 * and each screenshot twice, NAME.root.png (the X screen) and NAME.png
 * (the game window). PAWN_ITEST_VERBOSE=1 echoes the game's stdout.
 *
 * Exit 0 passed, 1 failed, 77 skipped (no Xvfb, xdotool or import), 2 usage.
 * --artifacts keeps every case's logs and screenshots (DIR/CASE/);
 * --docs DIR also writes the README screenshots there when a case passes;
 * --lsan-suppressions gives the game (only) LeakSanitizer suppressions;
 * --preload the resolver guard every game window runs with (gui/noresolve.c).
 *
 * The game runs with PAWNPARTY_TEST_EVENTS=1 and prints hook lines (the
 * list is at the top of game/hooks.h): the screen, errors, the layout, the
 * join, settled frames, the focused field, notices, the chat's scroll...
 *
 * The cases of this file (lobby.c and play.c have the rest, cases.h):
 *   host_three_bots  GUI host + 3 clients: board checkered, a piece on each
 *                    of the 4 squares, a name tag on each (screenshot)
 *   arrow_keys       two arrow keys on different axes (towards free
 *                    squares) on the window: a client sees SC_POSITION for
 *                    the host player on exactly that square
 *   click_walk       a click 3+ squares away: the piece walks there, one
 *                    square per SC_POSITION
 *   join_korean      the window joins a headless host as 김철수: the name's
 *                    bytes on the wire, its tag on screen (screenshot); both
 *                    tags still there with the other player right above,
 *                    then right beside (the spawn that once failed it)
 *   errors           join a closed port; host on a port in use; the host
 *                    quits mid-game: an error line, the window lives on
 *
 * The kit they share: gui.h (xvfb.c, shot.c, window.c; game.c: the game
 * process and test clients; look.c: the board in a screenshot).
 *
 * No sleep is an assertion: every expectation is a wait (with a timeout,
 * scaled for sanitizer builds) for a hook line, a packet or an exit.
 */
#include "gui.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"

/* ==== configuration ====================================================== */

static const char *artifacts_root = "/tmp";

/* ==== host_three_bots ==================================================== */

/*
 * Squares for the three clients, apart from the host player and from each
 * other, free now and shown; in a fixed shuffled order, so the picture is
 * varied but the same for the same host square. Four pieces leave at
 * least four rows of an 8x8 board free, so check_tags always has its
 * control (a square with no piece in its row nearby).
 */
static int pick_targets(const struct tc *c, const struct layout *l, int hx, int hy, int tx[3], int ty[3])
{
    int w = c->m.board_w, h = c->m.board_h, n = 0;
    int *order = malloc(sizeof(int) * (size_t)(w * h));
    REQUIRE(order != NULL);
    for (int i = 0; i < w * h; i++)
        order[i] = i;
    struct rng rng;
    rng_seed(&rng, 20240611);
    for (int i = w * h - 1; i > 0; i--) {
        int j = (int)rng_below(&rng, (uint32_t)i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    uint8_t *taken = calloc((size_t)(w * h), 1);
    REQUIRE(taken != NULL);
    struct blocked_ctx k = {taken, w, 0};
    mirror_each(&c->m, mark_blocked, &k);
    for (int i = 0; i < w * h && n < 3; i++) {
        int x = order[i] % w, y = order[i] / w;
        if (taken[order[i]] || !sq_visible(l, x, y) || !apart(x, y, hx, hy))
            continue;
        int ok = 1;
        for (int j = 0; j < n; j++)
            ok &= apart(x, y, tx[j], ty[j]);
        if (ok) {
            tx[n] = x;
            ty[n] = y;
            n++;
        }
    }
    free(order);
    free(taken);
    return n == 3 ? 0 : -1;
}


static void case_host_three_bots(void)
{
    start_x();
    struct hosted h;
    hosted_start(&h, NULL);
    static const char *const names[3] = {"Alice", "Bob", "지수"};
    struct tc *c[3];
    for (int i = 0; i < 3; i++)
        c[i] = tc_join(h.port, names[i]);
    uint64_t last_join = sys_now_ms();
    tc_require_count(c, 3, 4, "three clients in");

    /* The clients walk to squares apart from each other and the host
     * player, so that every square, piece and tag can be checked alone. */
    struct layout l;
    if (game_layout(&h.g, &l) != 0)
        check_abort();
    int tx[3], ty[3];
    if (pick_targets(c[0], &l, (int)h.me.x, (int)h.me.y, tx, ty) != 0) {
        CHECK_FAIL("no three squares apart from each other and from (%u,%u) on a %ux%u board", h.me.x, h.me.y,
                c[0]->m.board_w, c[0]->m.board_h);
        check_abort();
    }
    size_t before_last = proc_cursor(&h.g.p);
    for (int i = 0; i < 3; i++) {
        before_last = proc_cursor(&h.g.p);
        if (walk_client(c[i], tx[i], ty[i]) != 0)
            check_abort();
    }
    /* Each says something; its own SC_CHAT back means everything the host
     * decided before (the walks) has reached it. */
    static const char *const lines[3] = {"hi everyone!", "gg", "안녕하세요!"};
    for (int i = 0; i < 3; i++)
        say_and_hear(c[i], lines[i]);
    if (game_wait_frame_after(&h.g, before_last, "the last move") != 0)
        check_abort();
    wait_notices_gone(last_join);

    /* Where everyone is, as the clients see it; the window agrees about the
     * host player (it has not moved). */
    struct piece p[4];
    memset(p, 0, sizeof p);
    const char *all[4] = {"HostPlayer", names[0], names[1], names[2]};
    for (int i = 0; i < 4; i++) {
        const struct mirror_player *mp = tc_find_name(c[0], all[i]);
        REQUIRE(mp != NULL);
        p[i].x = mp->x;
        p[i].y = mp->y;
        snprintf(p[i].name, sizeof p[i].name, "%s", all[i]);
        check_note("\"%s\" id %u look %u at (%u,%u)", mp->name, mp->id, mp->look, mp->x, mp->y);
    }
    if ((unsigned)p[0].x != h.me.x || (unsigned)p[0].y != h.me.y)
        CHECK_FAIL("the window says the host player is at (%u,%u), the clients see (%d,%d)", h.me.x, h.me.y, p[0].x,
                p[0].y);
    for (int i = 0; i < 3; i++)
        if (p[i + 1].x != tx[i] || p[i + 1].y != ty[i])
            CHECK_FAIL("client %s walked to (%d,%d), client %s sees it at (%d,%d)", names[i], tx[i], ty[i],
                    c[0]->label, p[i + 1].x, p[i + 1].y);
    if (shoot_and_check(&h.g, "host-three-bots", p, 4, 1, 1) == 0)
        to_docs("host-three-bots");

    /* Closing the window closes the game for everyone. */
    game_finish(&h.g);
    for (int i = 0; i < 3; i++) {
        if (tc_wait_eof(c[i], it_ms(5000)) != 1)
            CHECK_FAIL("client %s: no EOF within %d ms after the GUI host closed", c[i]->label, it_ms(5000));
        tc_free(c[i]);
    }
    xvfb_stop(&gui_x);
}

/* ==== arrow_keys ========================================================= */

/* After a move: the window draws the host player's piece on (x,y), the
 * observer's on its square, and the board around them. */
static void window_shows(struct hosted *h, int x, int y, size_t from, const char *after, const char *shot)
{
    if (game_wait_frame_after(&h->g, from, after) != 0)
        return;
    wait_notices_gone(h->obs_joined_ms);
    const struct mirror_player *o = tc_self(h->obs);
    REQUIRE(o != NULL);
    struct piece p[2];
    memset(p, 0, sizeof p);
    p[0].x = x;
    p[0].y = y;
    snprintf(p[0].name, sizeof p[0].name, "HostPlayer");
    p[1].x = o->x;
    p[1].y = o->y;
    snprintf(p[1].name, sizeof p[1].name, "%s", o->name);
    shoot_and_check(&h->g, shot, p, 2, 1, 0);
}

struct pos_pred {
    uint32_t id;
};

static int pred_pos(const struct proto_msg *m, void *ctx)
{
    return m->type == SC_POSITION && m->u.pos.id == ((struct pos_pred *)ctx)->id;
}

static const char *const key_name[4] = {"Up", "Down", "Left", "Right"}; /* X keysyms */

/* A direction from (x,y) onto a free square of the board that the window
 * shows, among dirs (tried in order); -1 when none. */
static int free_dir(const struct tc *obs, const struct layout *l, int x, int y, const int *dirs, int n)
{
    for (int i = 0; i < n; i++) {
        int d = dirs[i], nx = x + step_dx[d], ny = y + step_dy[d];
        if (nx < 0 || ny < 0 || nx >= obs->m.board_w || ny >= obs->m.board_h || !sq_visible(l, nx, ny))
            continue;
        const struct mirror_player *o = tc_self(obs);
        if (o && o->x == nx && o->y == ny)
            continue;
        return d;
    }
    return -1;
}

/* One key press moves the host player exactly one square: the observer's
 * next SC_POSITION for it is that square. */
static int press_and_see(struct hosted *h, int dir, int *x, int *y)
{
    int tx = *x + step_dx[dir], ty = *y + step_dy[dir];
    tc_drain(h->obs);
    tc_clear(h->obs);
    if (x_key(&gui_x, &h->g.w, key_name[dir]) != 0)
        return -1;
    struct pos_pred pp = {h->me.id};
    struct proto_msg m;
    int r = tc_expect_match(h->obs, pred_pos, &pp, it_ms(5000), &m);
    if (r != 1) {
        CHECK_FAIL("key %s: the observer saw no SC_POSITION for the host player (id %u) within %d ms", key_name[dir],
                h->me.id, it_ms(5000));
        proc_dump(&h->g.p, 20);
        return -1;
    }
    if (m.u.pos.x != tx || m.u.pos.y != ty) {
        CHECK_FAIL("key %s from (%d,%d): expected SC_POSITION at (%d,%d), got (%u,%u)", key_name[dir], *x, *y, tx, ty,
                m.u.pos.x, m.u.pos.y);
        return -1;
    }
    check_note("key %s: the host player moved (%d,%d) -> (%d,%d)", key_name[dir], *x, *y, tx, ty);
    *x = tx;
    *y = ty;
    return 0;
}

static void case_arrow_keys(void)
{
    struct hosted h;
    struct layout l;
    hosted_open(&h, "Watcher", &l);
    int x = (int)h.me.x, y = (int)h.me.y;
    /* Two presses on different axes. The first goes wherever is free (at
     * an edge with the watcher beside it, one axis may have no free
     * square); the second across it, or anywhere free if that is blocked. */
    static const int any[4] = {DIR_RIGHT, DIR_LEFT, DIR_DOWN, DIR_UP};
    static const int horiz[2] = {DIR_RIGHT, DIR_LEFT}, vert[2] = {DIR_DOWN, DIR_UP};
    int d1 = free_dir(h.obs, &l, x, y, any, 4);
    REQUIRE(d1 >= 0);
    size_t before_last = proc_cursor(&h.g.p);
    if (press_and_see(&h, d1, &x, &y) == 0) {
        int d2 = free_dir(h.obs, &l, x, y, d1 == DIR_RIGHT || d1 == DIR_LEFT ? vert : horiz, 2);
        if (d2 < 0)
            d2 = free_dir(h.obs, &l, x, y, any, 4);
        REQUIRE(d2 >= 0);
        before_last = proc_cursor(&h.g.p);
        if (press_and_see(&h, d2, &x, &y) == 0)
            window_shows(&h, x, y, before_last, "the last key", "arrow-keys");
    }
    hosted_close(&h);
}

/* ==== click_walk ========================================================= */

static void case_click_walk(void)
{
    struct hosted h;
    struct layout l;
    hosted_open(&h, "Watcher", &l);
    int x = (int)h.me.x, y = (int)h.me.y;
    const struct mirror_player *o = tc_self(h.obs);
    REQUIRE(o != NULL);

    /* A free square 3 or 4 steps away (in squares walked), shown. */
    int tx = -1, ty = -1;
    for (int want = 3; want <= 4 && tx < 0; want++)
        for (int ny = 0; ny < h.obs->m.board_h && tx < 0; ny++)
            for (int nx = 0; nx < h.obs->m.board_w && tx < 0; nx++)
                if (abs(nx - x) + abs(ny - y) == want && abs(nx - x) >= 1 && sq_visible(&l, nx, ny) &&
                    !(nx == o->x && ny == o->y)) {
                    tx = nx;
                    ty = ny;
                }
    REQUIRE(tx >= 0);
    int dist = abs(tx - x) + abs(ty - y);
    int cx, cy;
    sq_centre(&l, tx, ty, &cx, &cy);
    check_note("click on (%d,%d) at window %d,%d: %d squares from (%d,%d)", tx, ty, cx, cy, dist, x, y);
    tc_drain(h.obs);
    tc_clear(h.obs);
    size_t before_click = proc_cursor(&h.g.p);
    if (x_click(&gui_x, &h.g.w, cx, cy) != 0)
        check_abort();

    /* Each SC_POSITION one square on from the last, until the target. */
    struct pos_pred pp = {h.me.id};
    int steps = 0, px = x, py = y;
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(5000 + 1000 * dist);
    while (!(px == tx && py == ty)) {
        uint64_t now = sys_now_ms();
        struct proto_msg m;
        int r = tc_expect_match(h.obs, pred_pos, &pp, now >= end ? 0 : (int)(end - now), &m);
        if (r != 1) {
            CHECK_FAIL("click walk: after %d steps the host player is at (%d,%d), not at (%d,%d), within %d ms", steps,
                    px, py, tx, ty, it_ms(5000 + 1000 * dist));
            proc_dump(&h.g.p, 20);
            break;
        }
        if (abs(m.u.pos.x - px) + abs(m.u.pos.y - py) != 1)
            CHECK_FAIL("click walk: a step from (%d,%d) to (%u,%u) is not one square", px, py, m.u.pos.x, m.u.pos.y);
        px = m.u.pos.x;
        py = m.u.pos.y;
        steps++;
    }
    if (px == tx && py == ty) {
        check_note("click walk: arrived at (%d,%d) in %d steps", tx, ty, steps);
        if (steps < dist)
            CHECK_FAIL("click walk: %d steps for %d squares", steps, dist);
        /* No step beyond the target. */
        struct proto_msg m;
        if (tc_expect_match(h.obs, pred_pos, &pp, it_ms(500), &m) == 1)
            CHECK_FAIL("click walk: the piece went on to (%u,%u) after reaching the target (%d,%d)", m.u.pos.x,
                    m.u.pos.y, tx, ty);
        window_shows(&h, tx, ty, before_click, "the click", "click-walk");
    }
    hosted_close(&h);
}

/* ==== join_korean ======================================================== */

static const uint8_t kim[] = {0xEA, 0xB9, 0x80, 0xEC, 0xB2, 0xA0, 0xEC, 0x88, 0x98}; /* 김철수 */

static void case_join_korean(void)
{
    start_x();
    struct hp host;
    start_headless(&host);
    struct tc *obs = tc_join(host.port, "Watcher");
    tc_clear(obs);

    struct game g;
    game_join(&g, "gui-join", host.port, "김철수");
    struct joined me;
    if (game_wait_joined(&g, &me) != 0 || game_window(&g) != 0)
        check_abort();

    struct proto_msg m;
    if (tc_expect_match(obs, tc_is_join, NULL, it_ms(10000), &m) != 1) {
        CHECK_FAIL("the observer got no SC_PUT_PLAYER why 1 for the window's player within %d ms", it_ms(10000));
    } else {
        size_t n = strlen(m.u.put.name);
        char hex[3 * PROTO_NAME_LEN + 1] = "";
        for (size_t i = 0; i < n; i++)
            snprintf(hex + 3 * i, 4, "%02X ", (unsigned char)m.u.put.name[i]);
        check_note("SC_PUT_PLAYER id %u at (%u,%u), name bytes %s", m.u.put.id, m.u.put.x, m.u.put.y, hex);
        if (n != sizeof kim || memcmp(m.u.put.name, kim, sizeof kim) != 0)
            CHECK_FAIL("name bytes: expected EA B9 80 EC B2 A0 EC 88 98, got %s(%zu bytes)", hex, n);
        if (m.u.put.id != me.id || m.u.put.x != me.x || m.u.put.y != me.y)
            CHECK_FAIL("the window says id %u at (%u,%u), the observer was told id %u at (%u,%u)", me.id, me.x, me.y,
                    m.u.put.id, m.u.put.x, m.u.put.y);
    }
    game_wait_screen(&g, "game", it_ms(10000));
    if (game_wait_frame_after(&g, 0, "joining") == 0) {
        struct piece p[2];
        memset(p, 0, sizeof p);
        p[0].x = (int)me.x;
        p[0].y = (int)me.y;
        snprintf(p[0].name, sizeof p[0].name, "김철수");
        const struct mirror_player *w = tc_self(obs);
        REQUIRE(w != NULL);
        p[1].x = w->x;
        p[1].y = w->y;
        snprintf(p[1].name, sizeof p[1].name, "Watcher");
        if (shoot_and_check(&g, "join-korean", p, 2, 1, 1) == 0)
            to_docs("join-korean");
        /* The spawn that once made this case fail: the other player on the
         * square right above (below on the top row), then right beside.
         * The tags must both be there wherever the spawns were. */
        const int spots[2][2] = {{0, me.y > 0 ? -1 : 1}, {me.x > 0 ? -1 : 1, 0}};
        static const char *const shots[2] = {"join-korean-above", "join-korean-beside"};
        for (int i = 0; i < 2; i++) {
            int tx = (int)me.x + spots[i][0], ty = (int)me.y + spots[i][1];
            size_t from = proc_cursor(&g.p);
            if (walk_client(obs, tx, ty) != 0 || game_wait_frame_after(&g, from, "the watcher's walk") != 0)
                break;
            p[1].x = tx;
            p[1].y = ty;
            check_note("the watcher stands at (%d,%d), next to (%u,%u)", tx, ty, me.x, me.y);
            shoot_and_check(&g, shots[i], p, 2, 1, 1);
        }
    }

    /* Closing the window is a leave: the observer is told. */
    game_finish(&g);
    struct proto_msg rm;
    int r;
    do {
        r = tc_expect(obs, SC_REMOVE_PLAYER, it_ms(5000), &rm);
    } while (r == 1 && rm.u.remove.id != me.id);
    if (r != 1)
        CHECK_FAIL("the observer got no SC_REMOVE_PLAYER for the window's player after it closed");
    tc_free(obs);
    hp_finish(&host); /* SIGTERM: exit status 0, no sanitizer report */
    xvfb_stop(&gui_x);
}


/* ==== errors ============================================================= */

static void errors_join_refused(void)
{
    uint16_t port = it_closed_port();
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)port);
    struct game g;
    game_join(&g, "gui-refused", port, "Tester");
    char line[512];
    if (expect_error_alive(&g, line, sizeof line, "join a closed port") == 0) {
        if (!it_has_ci(line, "refused") || !strstr(line, addr))
            CHECK_FAIL("join a closed port: expected an error line saying \"refused\" and naming %s, got: %s", addr,
                       line);
        /* the window stays on the Join screen, where the address is fixed */
        game_wait_screen(&g, "join", it_ms(5000));
        struct shot s;
        if (window_picture(&g, "errors-refused", &s) == 0)
            shot_free(&s);
    }
    game_finish(&g);
}

static void errors_port_in_use(void)
{
    struct hp host;
    start_headless(&host);
    char port[16];
    snprintf(port, sizeof port, "%u", (unsigned)host.port);

    /* The start screen as it is without an error, for comparison. */
    struct game base;
    const char *none[] = {NULL};
    struct shot s0;
    int have_base = 0;
    if (game_start(&base, "gui-start", none) != 0) /* the name field: the account's, as below */
        check_abort();
    if (game_wait_screen(&base, "start", it_ms(20000)) == 0)
        have_base = window_picture(&base, "errors-start", &s0) == 0;
    game_finish(&base);

    const char *args[] = {"host", "--port", port, NULL};
    struct game g;
    if (game_start(&g, "gui-inuse", args) != 0)
        check_abort();
    char line[512];
    struct shot s;
    if (expect_error_alive(&g, line, sizeof line, "host on a port in use") == 0) {
        if (!it_has_ci(line, port) && !it_has_ci(line, "in use"))
            CHECK_FAIL("host on a port in use: the error line names neither the port %s nor \"in use\": %s", port,
                       line);
        /* It is in the window too: the picture differs from the plain
         * start screen by at least a line of text. */
        if (window_picture(&g, "errors-in-use", &s) == 0) {
            if (have_base) {
                int x0, y0, x1, y1;
                int n = picture_diff(&s, &s0, &x0, &y0, &x1, &y1);
                if (n < 0)
                    CHECK_FAIL("host on a port in use: the window is %dx%d, the start screen was %dx%d", s.ww, s.wh,
                               s0.ww, s0.wh);
                else if (n < 1000 || x1 - x0 < 200)
                    CHECK_FAIL("host on a port in use: the window differs from the plain start screen in %d "
                               "pixels, in %d,%d..%d,%d: expected a line of text (>= 1000 pixels, >= 200 wide); "
                               "the error is not shown (%s/errors-in-use.png)",
                               n, x0, y0, x1, y1, gui_art);
                else
                    check_note("host on a port in use: %d pixels differ from the plain start screen, in "
                               "%d,%d..%d,%d",
                               n, x0, y0, x1, y1);
            }
            shot_free(&s);
        }
    }
    if (have_base)
        shot_free(&s0);
    game_finish(&g);
    /* The headless host did not notice. */
    struct tc *c = tc_join(host.port, "still-there");
    tc_free(c);
    hp_finish(&host); /* SIGTERM: exit status 0, no sanitizer report */
}

static void errors_host_quits(void)
{
    struct hp host;
    start_headless(&host);
    struct game g;
    game_join(&g, "gui-hostquits", host.port, "Tester");
    struct joined me;
    if (game_wait_joined(&g, &me) != 0 || game_wait_screen(&g, "game", it_ms(10000)) != 0) {
        game_finish(&g);
        hp_cleanup(&host);
        return;
    }
    hp_finish(&host); /* SIGTERM: exit status 0, no sanitizer report */
    char line[512];
    if (expect_error_alive(&g, line, sizeof line, "the host quits mid-game") == 0) {
        if (!it_has_ci(line, "closed"))
            CHECK_FAIL("the host quits mid-game: expected an error line containing \"closed\", got: %s", line);
        char scr[64] = "?";
        last_screen(&g, scr, sizeof scr);
        check_note("the host quits mid-game: the window is on its \"%s\" screen", scr);
        struct shot s;
        if (window_picture(&g, "errors-host-quits", &s) == 0)
            shot_free(&s);
    }
    game_finish(&g);
}

static void case_errors(void)
{
    start_x();
    errors_join_refused();
    errors_port_in_use();
    errors_host_quits();
    xvfb_stop(&gui_x);
}

/* ==== main =============================================================== */

static const struct check_case cases[] = {
    {"host_three_bots", case_host_three_bots},
    {"arrow_keys", case_arrow_keys},
    {"click_walk", case_click_walk},
    {"join_korean", case_join_korean},
    {"errors", case_errors},
    {"join_errors", case_join_errors},
    {"text_fields", case_text_fields},
    {"prefs_quit", case_prefs_quit},
    {"lan_address", case_lan_address},
    {"font_missing", case_font_missing},
    {"chat_scroll", case_chat_scroll},
    {"nothing_covered", case_nothing_covered},
    {"sound", case_sound},
    {"flood", case_flood},
    {NULL, NULL},
};

static int usage(void)
{
    fprintf(stderr, "usage: guitest --game PATH --case NAME [--artifacts DIR] [--docs DIR]\n"
                    "               [--lsan-suppressions FILE] [--preload LIBNORESOLVE] [--list]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    const struct check_option opts[] = {{"--game", &gui_game},
                                        {"--case", &only},
                                        {"--artifacts", &artifacts_root},
                                        {"--docs", &gui_docs},
                                        {"--lsan-suppressions", &gui_lsan},
                                        {"--preload", &gui_preload},
                                        {NULL, NULL}};
    int parsed = check_options(argc, argv, opts, cases);
    if (parsed != 0)
        return parsed > 0 ? 0 : usage();
    /* The headless hosts are the same program: it_host_argv. */
    if (!gui_game || it_set_host(gui_game) != 0)
        return usage();
    it_backend = "epoll";
    int rc = gui_init("guitest");
    return rc ? rc : gui_run(cases, only, artifacts_root);
}

