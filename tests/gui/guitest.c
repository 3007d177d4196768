/*
 * GUI cases: the real game window under a private Xvfb, driven with
 * xdotool, seen through screenshots and the game's test hooks, checked
 * against real test clients (tests/integration/harness.h).
 *
 *   guitest --game PATH --case NAME [--artifacts DIR] [--docs DIR]
 *           [--lsan-suppressions FILE]
 *
 * CTest runs each case as gui_CASE (ctest -L gui); artifacts land in
 * BUILD/gui-artifacts/CASE/: every process's stdout and stderr, xvfb.log,
 * and each screenshot twice, NAME.root.png (the X screen) and NAME.png
 * (the game window). PAWN_ITEST_VERBOSE=1 echoes the game's stdout.
 *
 * Exit 0 passed, 1 failed, 77 skipped (no Xvfb, xdotool or import), 2 usage.
 * --artifacts keeps every case's logs and screenshots (DIR/CASE/);
 * --docs DIR also writes the README screenshots there when a case passes;
 * --lsan-suppressions gives the game (only) LeakSanitizer suppressions.
 *
 * The game runs with PAWNPARTY_TEST_EVENTS=1 and prints, one per line:
 *   pawnparty: screen start|join|game|confirm
 *   pawnparty: error MESSAGE
 *   pawnparty: layout board_x= board_y= cell= cols= rows= origin_x= origin_y=
 *   pawnparty: joined id= x= y=
 *   pawnparty: frame N            (after a frame that shows a changed world)
 *
 *   host_three_bots  GUI host + 3 clients: board checkered, a piece on each
 *                    of the 4 squares, a name tag above each (screenshot)
 *   arrow_keys       two arrow keys on different axes (towards free
 *                    squares) on the window: a client sees SC_POSITION for
 *                    the host player on exactly that square
 *   click_walk       a click 3+ squares away: the piece walks there, one
 *                    square per SC_POSITION
 *   join_korean      the window joins a headless host as 김철수: the name's
 *                    bytes on the wire, its tag on screen (screenshot)
 *   errors           join a closed port; host on a port in use; the host
 *                    quits mid-game: an error line, the window lives on
 *
 * No sleep is an assertion: every expectation is a wait (with a timeout,
 * scaled for sanitizer builds) for a hook line, a packet or an exit.
 */
#include "gui.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== configuration ====================================================== */

static const char *game_path;
static const char *artifacts_root = "/tmp";
static const char *docs_dir;
static const char *lsan_supp; /* LeakSanitizer suppressions for the game */

/* A step in each protocol direction: DIR_UP, DIR_DOWN, DIR_LEFT, DIR_RIGHT. */
static const int step_dx[4] = {0, 0, -1, 1}, step_dy[4] = {-1, 1, 0, 0};

#define HOOK GUI_HOOK

/* snprintf("%s") without the truncation warnings: cuts at cap - 1. */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* ==== the game process =================================================== */

struct layout {
    int valid;
    int bx, by, cell, cols, rows, ox, oy;
};

struct game {
    struct proc p;
    struct xwin w;
    size_t cur; /* hook lines before this were looked at */
    int started;
};

/* The GUI environment (gui_env), with LeakSanitizer suppressions for
 * the game in sanitizer builds and extra_env (may be NULL). */
static int game_start_env(struct game *g, const char *label, const char *const *args, const char *extra_env)
{
    static char lsan[1024], extra[128];
    /* Leaks that system libraries keep for the whole process
     * (tests/gui/lsan.supp) are not the game's. */
    const char *prev = getenv("LSAN_OPTIONS");
    if (lsan_supp)
        snprintf(lsan, sizeof lsan, "LSAN_OPTIONS=%s%ssuppressions=%s", prev ? prev : "", prev && *prev ? ":" : "",
                 lsan_supp);
    else
        snprintf(lsan, sizeof lsan, "LSAN_OPTIONS=%s", prev ? prev : "");
    snprintf(extra, sizeof extra, "%s", extra_env ? extra_env : "");
    char *more[] = {lsan, extra_env ? extra : NULL, NULL};
    struct gui_env env;
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)game_path;
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    memset(g, 0, sizeof *g);
    if (proc_spawn(&g->p, label, gui_art, argv, gui_env(&env, 0, more), 0) != 0)
        return -1;
    g->started = 1;
    char cmd[512] = "";
    size_t used = 0;
    for (int i = 0; args[i] && used < sizeof cmd - 1; i++)
        used += (size_t)snprintf(cmd + used, sizeof cmd - used, " %s", args[i]);
    check_note("%s: pid %d: pawnparty%s", label, (int)g->p.pid, cmd);
    return 0;
}

static int game_start(struct game *g, const char *label, const char *const *args)
{
    return game_start_env(g, label, args, NULL);
}

/* `pawnparty join 127.0.0.1:PORT --name NAME`; the case cannot go on
 * without it. */
static void game_join(struct game *g, const char *label, uint16_t port, const char *name)
{
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)port);
    const char *args[] = {"join", addr, "--name", name, NULL};
    if (game_start(g, label, args) != 0)
        check_abort();
}

/* Why a wait failed, with what the game said. */
static void game_explain(struct game *g, const char *what, int r, int timeout_ms)
{
    int code = proc_wait_exit(&g->p, 0);
    if (code >= 0)
        CHECK_FAIL("%s: %s; the game has exited with status %d", g->p.label, what, code);
    else if (r < 0)
        CHECK_FAIL("%s: %s; its stdout has ended", g->p.label, what);
    else
        CHECK_FAIL("%s: %s within %d ms", g->p.label, what, timeout_ms);
    proc_dump(&g->p, 40);
}

/* Waits for the next hook line starting with HOOK+prefix after g->cur. An
 * error hook on the way is shown (the likely reason for a timeout). */
static int game_wait(struct game *g, const char *prefix, char *line, size_t cap, int timeout_ms)
{
    char want[128], tmp[1024];
    snprintf(want, sizeof want, HOOK "%s", prefix);
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        uint64_t now = sys_now_ms();
        int left = now >= end ? 0 : (int)(end - now);
        int r = proc_wait_line(&g->p, &g->cur, NULL, tmp, sizeof tmp, left);
        if (r <= 0) {
            char what[200];
            snprintf(what, sizeof what, "no \"%s\" line", want);
            game_explain(g, what, r, timeout_ms);
            return -1;
        }
        if (strncmp(tmp, want, strlen(want)) == 0) {
            if (line)
                copy_str(line, cap, tmp);
            return 0;
        }
        if (strncmp(tmp, HOOK "error", strlen(HOOK "error")) == 0 && strcmp(prefix, "error") != 0)
            check_note("%s said: %s (while waiting for \"%s\")", g->p.label, tmp, want);
    }
}

static int parse_layout(const char *line, struct layout *l)
{
    memset(l, 0, sizeof *l);
    const char *p = strstr(line, "layout ");
    if (!p)
        return -1;
    if (sscanf(p, "layout board_x=%d board_y=%d cell=%d cols=%d rows=%d origin_x=%d origin_y=%d", &l->bx, &l->by,
               &l->cell, &l->cols, &l->rows, &l->ox, &l->oy) != 7)
        return -1;
    l->valid = l->cell > 0 && l->cols > 0 && l->rows > 0;
    return l->valid ? 0 : -1;
}

/* The layout in force: the last one printed. */
static int game_layout(struct game *g, struct layout *l)
{
    char line[512];
    if (!proc_last_line(&g->p, HOOK "layout ", line, sizeof line)) {
        CHECK_FAIL("%s: no \"" HOOK "layout\" line so far", g->p.label);
        return -1;
    }
    if (parse_layout(line, l) != 0) {
        CHECK_FAIL("%s: cannot read the layout line \"%s\"", g->p.label, line);
        return -1;
    }
    return 0;
}

struct joined {
    unsigned id, x, y;
};

static int game_wait_joined(struct game *g, struct joined *j)
{
    char line[512];
    if (game_wait(g, "joined ", line, sizeof line, it_ms(20000)) != 0)
        return -1;
    if (sscanf(line, HOOK "joined id=%u x=%u y=%u", &j->id, &j->x, &j->y) != 3) {
        CHECK_FAIL("%s: cannot read \"%s\"", g->p.label, line);
        return -1;
    }
    return 0;
}

/* `listening on ADDR:PORT` from a GUI host (not a hook: the same line as
 * the headless host prints). */
static int game_wait_port(struct game *g, uint16_t *port)
{
    char tmp[512];
    size_t cur = 0;
    int r = proc_wait_line(&g->p, &cur, "listening on ", tmp, sizeof tmp, it_ms(20000));
    if (r != 1) {
        game_explain(g, "no \"listening on ADDR:PORT\" line", r, it_ms(20000));
        return -1;
    }
    const char *colon = strrchr(tmp, ':');
    long v = colon ? strtol(colon + 1, NULL, 10) : 0;
    if (v <= 0 || v > 65535) {
        CHECK_FAIL("%s: a listening line without a port: \"%s\"", g->p.label, tmp);
        return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

static int game_window(struct game *g)
{
    return x_find_window(&gui_x, g->p.pid, &g->w, it_ms(20000));
}

/* SIGTERM must close the window cleanly: exit 0, no sanitizer report. */
static void game_finish(struct game *g)
{
    if (!g->started)
        return;
    if (!proc_alive(&g->p)) {
        CHECK_FAIL("%s: the game quit on its own (status %d) before the case closed it", g->p.label,
                proc_wait_exit(&g->p, 0));
        proc_dump(&g->p, 30);
    } else {
        int code = proc_stop(&g->p, SIGTERM, it_ms(10000));
        if (code != 0) {
            CHECK_FAIL("%s: SIGTERM: expected exit status 0 within %d ms, got %s %d", g->p.label, it_ms(10000),
                    code < 0 ? "timeout (killed)" : "status", code);
            proc_dump(&g->p, 30);
        }
    }
    if (proc_sanitizer_report(&g->p))
        CHECK_FAIL("%s: its stderr has a sanitizer report", g->p.label);
    proc_cleanup(&g->p);
    g->started = 0;
}

/* Waits for a frame line after `from`, then for the frames to settle. */
static int game_wait_frame_after(struct game *g, size_t from, const char *why)
{
    size_t cur = from;
    char line[256];
    int r = proc_wait_line(&g->p, &cur, HOOK "frame", line, sizeof line, it_ms(10000));
    if (r != 1) {
        char what[200];
        snprintf(what, sizeof what, "no \"" HOOK "frame\" line after %s", why);
        game_explain(g, what, r, it_ms(10000));
        return -1;
    }
    proc_wait_quiet(&g->p, HOOK "frame", it_ms(300), it_ms(3000));
    return 0;
}

/* The last screen the window reported. */
static int last_screen(struct game *g, char *out, size_t cap)
{
    char line[256];
    if (!proc_last_line(&g->p, HOOK "screen ", line, sizeof line))
        return -1;
    copy_str(out, cap, line + strlen(HOOK "screen "));
    return 0;
}

/* Waits until the last screen the window reported is `name`. */
static int game_wait_screen(struct game *g, const char *name, int timeout_ms)
{
    char scr[64] = "";
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        if (last_screen(g, scr, sizeof scr) == 0 && strcmp(scr, name) == 0)
            return 0;
        if (sys_now_ms() >= end || !proc_alive(&g->p))
            break;
        sys_sleep_ms(20);
    }
    CHECK_FAIL("%s: the last screen it reported is \"%s\", expected \"%s\" within %d ms%s", g->p.label, scr, name,
            timeout_ms, proc_alive(&g->p) ? "" : " (it has exited)");
    proc_dump(&g->p, 20);
    return -1;
}

/* ==== starting things ==================================================== */

static void start_x(void)
{
    if (xvfb_start(&gui_x, gui_art, GUI_SCREEN_W, GUI_SCREEN_H) != 0)
        check_abort();
}

/* A headless host from the harness, with a discovery port of its own. */
static void start_headless(struct hp *h)
{
    char port[16];
    snprintf(port, sizeof port, "%u", discovery_port_next());
    setenv("PAWNPARTY_DISCOVERY_PORT", port, 1);
    hp_start_or_abort(h, NULL);
}

/* ==== reading the board from a screenshot ================================ */

struct piece {
    int x, y;        /* board square */
    char name[PROTO_NAME_LEN];
};

static int sq_visible(const struct layout *l, int x, int y)
{
    return x >= l->ox && y >= l->oy && x < l->ox + l->cols && y < l->oy + l->rows;
}

/* The square's rectangle in window coordinates. */
static void sq_rect(const struct layout *l, int x, int y, int *x0, int *y0)
{
    *x0 = l->bx + (x - l->ox) * l->cell;
    *y0 = l->by + (y - l->oy) * l->cell;
}

static void sq_centre(const struct layout *l, int x, int y, int *cx, int *cy)
{
    int x0, y0;
    sq_rect(l, x, y, &x0, &y0);
    *cx = x0 + l->cell / 2;
    *cy = y0 + l->cell / 2;
}

/* The board's two colours, measured on free squares. */
struct board_look {
    struct rgb col[2]; /* [(x + y) & 1] */
    int measured;      /* col is known (the other checks can run) */
};

static int occupied(const struct piece *p, int n, int x, int y)
{
    for (int i = 0; i < n; i++)
        if (p[i].x == x && p[i].y == y)
            return 1;
    return 0;
}

/* A square a name tag may reach into: in the row above a piece, beside it
 * or above it. Those are left out of the board colour check. */
static int near_tag(const struct piece *p, int n, int x, int y)
{
    for (int i = 0; i < n; i++)
        if (y == p[i].y - 1 && abs(x - p[i].x) <= 1)
            return 1;
    return 0;
}

static struct rgb sq_sample(const struct shot *s, const struct layout *l, int x, int y)
{
    int cx, cy, r = l->cell / 8 > 1 ? l->cell / 8 : 1;
    sq_centre(l, x, y, &cx, &cy);
    return shot_median(s, cx - r, cy - r, cx + r + 1, cy + r + 1);
}

/*
 * The board is drawn: the centre of every free square (away from tags) has
 * the colour of its parity, the two parities differ clearly, and they are
 * the same all over the visible board. Returns the number of problems;
 * failures are reported when report is set.
 */
static int check_board(const struct shot *s, const struct layout *l, const struct piece *p, int n,
                       struct board_look *bl, int report)
{
    /* The centre of every free square away from tags, by parity: all of
     * them to check, those inside the window for the colours. */
    static struct {
        int x, y;
        struct rgb c;
    } sq[2][4096];
    static int vr[2][4096], vg[2][4096], vb[2][4096];
    int all[2] = {0, 0}, k[2] = {0, 0}, problems = 0;
    memset(bl, 0, sizeof *bl);
    for (int y = l->oy; y < l->oy + l->rows; y++)
        for (int x = l->ox; x < l->ox + l->cols; x++) {
            if (occupied(p, n, x, y) || near_tag(p, n, x, y))
                continue;
            struct rgb c = sq_sample(s, l, x, y);
            int par = (x + y) & 1;
            if (all[par] < 4096) {
                sq[par][all[par]].x = x;
                sq[par][all[par]].y = y;
                sq[par][all[par]++].c = c;
            }
            if (c.r < 0 || k[par] >= 4096)
                continue;
            vr[par][k[par]] = c.r;
            vg[par][k[par]] = c.g;
            vb[par][k[par]] = c.b;
            k[par]++;
        }
    for (int par = 0; par < 2; par++) {
        if (k[par] < 2) {
            if (report)
                CHECK_FAIL("board: only %d free squares of parity %d are inside the window", k[par], par);
            return 1;
        }
        bl->col[par].r = shot_median_of(vr[par], k[par]);
        bl->col[par].g = shot_median_of(vg[par], k[par]);
        bl->col[par].b = shot_median_of(vb[par], k[par]);
    }
    bl->measured = 1;
    int contrast = rgb_dist(bl->col[0], bl->col[1]);
    if (contrast < 24) {
        problems++;
        if (report)
            CHECK_FAIL("board: light and dark squares look alike: (%d,%d,%d) vs (%d,%d,%d), distance %d, expected >= 24",
                    bl->col[0].r, bl->col[0].g, bl->col[0].b, bl->col[1].r, bl->col[1].g, bl->col[1].b, contrast);
    }
    /* every free square has its parity's colour (and not the other one) */
    for (int par = 0; par < 2; par++)
        for (int i = 0; i < all[par]; i++) {
            struct rgb c = sq[par][i].c;
            int d = rgb_dist(c, bl->col[par]), o = rgb_dist(c, bl->col[par ^ 1]);
            if (d > 20 || d >= o) {
                problems++;
                if (report)
                    CHECK_FAIL("board: square (%d,%d) centre is (%d,%d,%d), expected its parity's (%d,%d,%d) "
                            "(distance %d, to the other parity %d)",
                            sq[par][i].x, sq[par][i].y, c.r, c.g, c.b, bl->col[par].r, bl->col[par].g,
                            bl->col[par].b, d, o);
            }
        }
    if (report && problems == 0)
        check_note("board: %d + %d free squares checked; colours (%d,%d,%d) and (%d,%d,%d), distance %d", k[0], k[1],
                bl->col[0].r, bl->col[0].g, bl->col[0].b, bl->col[1].r, bl->col[1].g, bl->col[1].b, contrast);
    return problems;
}

#define FAR 60 /* "clearly different" from a board colour */

/* The square's own background: the median of its four corners (inset a
 * little). That is the board colour, or the highlight under our piece. */
static struct rgb sq_background(const struct shot *s, const struct layout *l, int x, int y)
{
    int x0, y0, c = l->cell, in = c / 20 + 2, k = 6;
    sq_rect(l, x, y, &x0, &y0);
    const int left = x0 + in, right = x0 + c - in - k, top = y0 + in, bottom = y0 + c - in - k;
    const int corners[4][4] = {{left, top, left + k, top + k},
                               {right, top, right + k, top + k},
                               {left, bottom, left + k, bottom + k},
                               {right, bottom, right + k, bottom + k}};
    return shot_median_rects(s, corners, 4);
}

/* The share (per mille) of a square's middle that differs clearly from the
 * square's own background: a piece's body. */
static int piece_permille(const struct shot *s, const struct layout *l, int x, int y, struct rgb *bg)
{
    int x0, y0, c = l->cell, total = 0;
    sq_rect(l, x, y, &x0, &y0);
    *bg = sq_background(s, l, x, y);
    int far = shot_count_far(s, x0 + c * 3 / 10, y0 + c / 4, x0 + c - c * 3 / 10, y0 + c - c / 7, *bg, FAR, &total);
    return total ? far * 1000 / total : 0;
}

/* A piece on each of p's squares: at least 20% of each square's middle is
 * far from the square's background, where free squares have (almost)
 * none. A piece's square is either board colour or our highlight. */
static int check_pieces(const struct shot *s, const struct layout *l, const struct board_look *bl,
                        const struct piece *p, int n, int report)
{
    int problems = 0;
    int free_max = 0;
    struct rgb bg;
    for (int y = l->oy; y < l->oy + l->rows; y++)
        for (int x = l->ox; x < l->ox + l->cols; x++)
            if (!occupied(p, n, x, y) && !near_tag(p, n, x, y)) {
                int pm = piece_permille(s, l, x, y, &bg);
                if (pm > free_max)
                    free_max = pm;
            }
    for (int i = 0; i < n; i++) {
        if (!sq_visible(l, p[i].x, p[i].y)) {
            problems++;
            if (report)
                CHECK_FAIL("piece \"%s\" at (%d,%d) is outside the drawn board (origin %d,%d, %dx%d squares)", p[i].name,
                        p[i].x, p[i].y, l->ox, l->oy, l->cols, l->rows);
            continue;
        }
        int pm = piece_permille(s, l, p[i].x, p[i].y, &bg);
        int board = rgb_dist(bg, bl->col[(p[i].x + p[i].y) & 1]);
        if (report)
            check_note("piece \"%s\" at (%d,%d): %d.%d%% of the square's middle differs from its background "
                    "(%d,%d,%d)%s",
                    p[i].name, p[i].x, p[i].y, pm / 10, pm % 10, bg.r, bg.g, bg.b,
                    board > 20 ? " (highlighted square)" : "");
        if (pm < 200) {
            problems++;
            if (report)
                CHECK_FAIL("no piece drawn for \"%s\" at (%d,%d): only %d.%d%% of the square's middle differs from "
                        "its background, expected >= 20%%",
                        p[i].name, p[i].x, p[i].y, pm / 10, pm % 10);
        }
    }
    if (report)
        check_note("free squares: at most %d.%d%% of a middle differs from the background", free_max / 10,
                free_max % 10);
    if (free_max >= 50) {
        problems++;
        if (report)
            CHECK_FAIL("a free square has %d.%d%% non-background pixels in its middle (expected < 5%%)", free_max / 10,
                    free_max % 10);
    }
    return problems;
}

/* The expected board colour under a window pixel; -1 outside the board. */
static int board_colour_at(const struct layout *l, const struct board_look *bl, int wx, int wy, struct rgb *out)
{
    if (wx < l->bx || wy < l->by)
        return -1;
    int sx = (wx - l->bx) / l->cell, sy = (wy - l->by) / l->cell;
    if (sx >= l->cols || sy >= l->rows)
        return -1;
    *out = bl->col[(sx + l->ox + sy + l->oy) & 1];
    return 0;
}

/*
 * Name-tag pixels for a piece: in the strip above its square (half a
 * square high, two squares wide, centred on the piece),
 * the pixels far from the board colour beneath them. Pixels over another
 * piece's square are not counted; off the board the window background
 * (measured) is the reference.
 */
static int tag_pixels(const struct shot *s, const struct layout *l, const struct board_look *bl,
                      const struct piece *p, int n, int i, struct rgb bg, int *looked)
{
    int x0, y0, c = l->cell;
    sq_rect(l, p[i].x, p[i].y, &x0, &y0);
    int far = 0, total = 0;
    for (int y = y0 - c / 2; y < y0; y++)
        for (int x = x0 - c / 2; x < x0 + c + c / 2; x++) {
            struct rgb want, got = shot_at(s, x, y);
            if (got.r < 0)
                continue;
            int other = 0;
            for (int j = 0; j < n; j++) {
                int ox, oy;
                if (j == i)
                    continue;
                sq_rect(l, p[j].x, p[j].y, &ox, &oy);
                if (x >= ox && x < ox + c && y >= oy && y < oy + c)
                    other = 1;
            }
            if (other)
                continue;
            if (board_colour_at(l, bl, x, y, &want) != 0)
                want = bg;
            total++;
            if (rgb_dist(got, want) > FAR)
                far++;
        }
    if (looked)
        *looked = total;
    return far;
}

static struct rgb window_background(const struct shot *s, const struct layout *l)
{
    /* the middle of the margin left of the board, else above it */
    if (l->bx >= 8)
        return shot_median(s, 0, l->by, l->bx - 2, l->by + l->rows * l->cell);
    return shot_median(s, l->bx, 0, l->bx + l->cols * l->cell, l->by > 2 ? l->by - 2 : 1);
}

#define TAG_MIN 30 /* text pixels a name tag has at least */

/* A piece at (px,py) reaches into the tag strip of a square at (x,y), or
 * its tag does. */
static int near_strip(int px, int py, int x, int y)
{
    return abs(px - x) <= 2 && abs(py - y) <= 1;
}

/* A square whose tag strip can serve as the control: on the board, not in
 * the top shown row nor at the sides, its strip clear of every piece. */
static int control_square(const struct layout *l, int x, int y)
{
    return y >= l->oy + 1 && y < l->oy + l->rows && x >= l->ox + 1 && x < l->ox + l->cols - 1;
}

static int check_tags(const struct shot *s, const struct layout *l, const struct board_look *bl,
                      const struct piece *p, int n, int report)
{
    int problems = 0;
    struct rgb bg = window_background(s, l);
    /* control: the same strip over a free square with nothing near. The
     * cases place their pieces so that there is one (pick_targets). */
    int control = -1;
    for (int y = l->oy + 1; y < l->oy + l->rows && control < 0; y++)
        for (int x = l->ox + 1; x < l->ox + l->cols - 1 && control < 0; x++) {
            int clear = control_square(l, x, y);
            for (int i = 0; i < n; i++)
                if (near_strip(p[i].x, p[i].y, x, y))
                    clear = 0;
            if (clear) {
                struct piece fake[1] = {{x, y, "(none)"}};
                control = tag_pixels(s, l, bl, fake, 1, 0, bg, NULL);
            }
        }
    for (int i = 0; i < n; i++) {
        int looked = 0;
        int far = tag_pixels(s, l, bl, p, n, i, bg, &looked);
        if (report)
            check_note("tag of \"%s\": %d text pixels in the strip above (%d,%d) (%d looked at; a bare strip: %d)",
                    p[i].name, far, p[i].x, p[i].y, looked, control);
        if (far < TAG_MIN) {
            problems++;
            if (report)
                CHECK_FAIL("no name tag above \"%s\" at (%d,%d): %d pixels in the strip differ from the board, "
                        "expected >= %d",
                        p[i].name, p[i].x, p[i].y, far, TAG_MIN);
        }
    }
    if (control < 0) {
        problems++;
        if (report)
            CHECK_FAIL("no tag strip on the board is clear of the %d pieces: the tag check has no control", n);
    } else if (control >= TAG_MIN) {
        problems++;
        if (report)
            CHECK_FAIL("a strip with no piece below has %d non-board pixels: the tag check cannot tell", control);
    }
    return problems;
}

/*
 * Screenshot and check until the picture is right or the time is up (the
 * world may be one frame behind the last hook line). The last attempt
 * reports every problem. The root screenshot is kept as NAME.root.png and
 * the window as NAME.png in the artifacts.
 */
static int shoot_and_check(struct game *g, const char *name, const struct piece *p, int n, int want_board,
                           int want_tags)
{
    char root[600], win[600];
    snprintf(root, sizeof root, "%s/%s.root.png", gui_art, name);
    snprintf(win, sizeof win, "%s/%s.png", gui_art, name);
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(6000);
    for (int attempt = 1;; attempt++) {
        int last = sys_now_ms() >= end;
        struct layout l;
        struct shot s;
        if (x_geometry(&gui_x, &g->w) != 0 || game_layout(g, &l) != 0)
            return -1;
        x_park_pointer(&gui_x, &g->w);
        if (shot_take(&gui_x, &g->w, root, &s) != 0)
            return -1;
        struct board_look bl;
        int problems = check_board(&s, &l, p, n, &bl, last);
        if (!want_board)
            problems = 0;
        if (bl.measured) {
            problems += check_pieces(&s, &l, &bl, p, n, last);
            if (want_tags)
                problems += check_tags(&s, &l, &bl, p, n, last);
        }
        if (problems == 0 && !last) {
            /* right: run the checks once more for their notes */
            check_board(&s, &l, p, n, &bl, 1);
            check_pieces(&s, &l, &bl, p, n, 1);
            if (want_tags)
                check_tags(&s, &l, &bl, p, n, 1);
        }
        shot_save_window(&s, win);
        shot_free(&s);
        if (problems == 0) {
            if (attempt > 1)
                check_note("%s: the picture was right at attempt %d", name, attempt);
            check_note("screenshot %s (window %dx%d at %d,%d; board at %d,%d, %d px squares, %dx%d shown)", win,
                    g->w.w, g->w.h, g->w.x, g->w.y, l.bx, l.by, l.cell, l.cols, l.rows);
            return 0;
        }
        if (last) {
            CHECK_FAIL("%s: the screenshot is not right (kept: %s)", name, root);
            return -1;
        }
        sys_sleep_ms((unsigned)it_ms(500));
    }
}

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = a ? fopen(to, "wb") : NULL;
    char buf[65536];
    size_t n;
    if (a && b)
        while ((n = fread(buf, 1, sizeof buf, a)) > 0)
            fwrite(buf, 1, n, b);
    if (a)
        fclose(a);
    if (b) {
        fclose(b);
        check_note("copied %s to %s", from, to);
    } else {
        CHECK_FAIL("cannot copy %s to %s", from, to);
    }
}

static void to_docs(const char *name)
{
    if (!docs_dir || check_failures)
        return;
    char from[600], to[600];
    snprintf(from, sizeof from, "%s/%s.png", gui_art, name);
    snprintf(to, sizeof to, "%s/%s.png", docs_dir, name);
    proc_mkdir_p(docs_dir);
    copy_file(from, to);
}

/* ==== a GUI host with an observer ======================================= */

struct hosted {
    struct game g;
    uint16_t port;
    struct joined me;
    struct tc *obs;
    uint64_t obs_joined_ms; /* its join notice goes 4 s later */
    const struct mirror_player *me_seen;
};

/* Join notices cover the foot of the board for GUI_NOTICE_MS (game/view.h
 * VIEW_GUI_NOTICE_MS): a picture meant to show the board waits them out. Not
 * an assertion: shoot_and_check waits for the right picture anyway. */
static void wait_notices_gone(uint64_t last_join_ms)
{
    uint64_t gone = last_join_ms + GUI_NOTICE_MS + 300;
    uint64_t now = sys_now_ms();
    if (now < gone)
        sys_sleep_ms((unsigned)(gone - now));
}

/* Starts `pawnparty host --name HostPlayer --port 0` and logs in a client
 * that watches; both must agree on where the host player stands. */
static void hosted_start(struct hosted *h, const char *obs_name)
{
    const char *args[] = {"host", "--name", "HostPlayer", "--port", "0", NULL};
    memset(h, 0, sizeof *h);
    if (game_start(&h->g, "gui-host", args) != 0)
        check_abort();
    if (game_wait_port(&h->g, &h->port) != 0 || game_wait_joined(&h->g, &h->me) != 0 || game_window(&h->g) != 0)
        check_abort();
    check_note("GUI host on port %u; host player id %u at (%u,%u); window %dx%d at %d,%d", (unsigned)h->port, h->me.id,
            h->me.x, h->me.y, h->g.w.w, h->g.w.h, h->g.w.x, h->g.w.y);
    if (obs_name) {
        h->obs = tc_join(h->port, obs_name);
        h->obs_joined_ms = sys_now_ms();
        tc_require_count(&h->obs, 1, 2, "the observer");
        h->me_seen = tc_find_name(h->obs, "HostPlayer");
        if (!h->me_seen) {
            CHECK_FAIL("client %s does not see \"HostPlayer\"", obs_name);
            check_abort();
        }
        if (h->me_seen->id != h->me.id || h->me_seen->x != h->me.x || h->me_seen->y != h->me.y)
            CHECK_FAIL("the window says the host player is id %u at (%u,%u), client %s sees id %u at (%u,%u)", h->me.id,
                    h->me.x, h->me.y, obs_name, h->me_seen->id, h->me_seen->x, h->me_seen->y);
    }
}

/* How a hosted case opens: the X server, the GUI host (and its observer,
 * unless obs_name is NULL), the layout the window drew. */
static void hosted_open(struct hosted *h, const char *obs_name, struct layout *l)
{
    start_x();
    hosted_start(h, obs_name);
    if (game_layout(&h->g, l) != 0)
        check_abort();
}

/* And how it closes: the window quits cleanly, the observer goes. */
static void hosted_close(struct hosted *h)
{
    game_finish(&h->g);
    tc_free(h->obs);
    xvfb_stop(&gui_x);
}

/* ==== host_three_bots ==================================================== */

/* The first step of a shortest path from (sx,sy) to (tx,ty) around the
 * squares in blocked (w*h), or -1 when there is none. */
static int path_dir(int w, int h, const uint8_t *blocked, int sx, int sy, int tx, int ty)
{
    int *dist = malloc(sizeof(int) * (size_t)(w * h)), *queue = malloc(sizeof(int) * (size_t)(w * h));
    int dir = -1;
    if (!dist || !queue)
        goto out;
    for (int i = 0; i < w * h; i++)
        dist[i] = -1;
    int head = 0, tail = 0;
    dist[ty * w + tx] = 0;
    queue[tail++] = ty * w + tx;
    while (head < tail) {
        int q = queue[head++], qx = q % w, qy = q / w;
        for (int d = 0; d < 4; d++) {
            int nx = qx + step_dx[d], ny = qy + step_dy[d];
            if (nx < 0 || ny < 0 || nx >= w || ny >= h || dist[ny * w + nx] >= 0)
                continue;
            if (blocked[ny * w + nx] && !(nx == sx && ny == sy))
                continue;
            dist[ny * w + nx] = dist[q] + 1;
            queue[tail++] = ny * w + nx;
        }
    }
    if (dist[sy * w + sx] > 0)
        for (int d = 0; d < 4 && dir < 0; d++) {
            int nx = sx + step_dx[d], ny = sy + step_dy[d];
            if (nx >= 0 && ny >= 0 && nx < w && ny < h && dist[ny * w + nx] == dist[sy * w + sx] - 1 &&
                !blocked[ny * w + nx])
                dir = d;
        }
out:
    free(dist);
    free(queue);
    return dir;
}

struct blocked_ctx {
    uint8_t *b;
    int w;
    uint32_t self;
};

static void mark_blocked(void *ctx, const struct mirror_player *p)
{
    struct blocked_ctx *k = ctx;
    if (p->id != k->self)
        k->b[p->y * k->w + p->x] = 1;
}

/* Walks client c to (tx,ty) one CS_MOVE at a time, each echoed on the
 * square the path says. Its mirror may lag a little behind another
 * client's last steps (their positions can still be on the wire), so a
 * refused step is re-planned after reading what has come in, a few times
 * before it counts as a failure. */
static int walk_client(struct tc *c, int tx, int ty)
{
    int w = c->m.board_w, h = c->m.board_h;
    uint8_t *blocked = calloc((size_t)(w * h), 1);
    REQUIRE(blocked != NULL);
    int r = -1, refused = 0;
    for (int steps = 0; steps <= w * h; steps++) {
        const struct mirror_player *me = tc_self(c);
        if (!me)
            break;
        int x = me->x, y = me->y;
        if (x == tx && y == ty) {
            r = 0;
            break;
        }
        memset(blocked, 0, (size_t)(w * h));
        struct blocked_ctx k = {blocked, w, c->m.my_id};
        mirror_each(&c->m, mark_blocked, &k);
        int d = path_dir(w, h, blocked, x, y, tx, ty);
        if (d < 0) {
            CHECK_FAIL("client %s: no free path from (%d,%d) to (%d,%d)", c->label, x, y, tx, ty);
            break;
        }
        uint32_t seq = tc_move(c, (uint8_t)d);
        if (seq == 0 || tc_wait_echo(c, seq, it_ms(5000)) != 1) {
            CHECK_FAIL("client %s: no echo for a move from (%d,%d)", c->label, x, y);
            break;
        }
        me = tc_self(c);
        if (me && (me->x != x + step_dx[d] || me->y != y + step_dy[d]) && ++refused <= 5) {
            sys_sleep_ms(50);
            tc_drain(c);
            continue;
        }
        if (!me || me->x != x + step_dx[d] || me->y != y + step_dy[d]) {
            CHECK_FAIL("client %s: a move from (%d,%d) to (%d,%d) was refused %d times", c->label, x, y,
                    x + step_dx[d], y + step_dy[d], refused);
            break;
        }
    }
    free(blocked);
    return r;
}

struct chat_pred {
    uint32_t id;
    const char *text;
};

static int pred_own_chat(const struct proto_msg *m, void *ctx)
{
    const struct chat_pred *k = ctx;
    return m->type == SC_CHAT && m->u.chat.id == k->id && strcmp(m->u.chat.text, k->text) == 0;
}

static void say_and_hear(struct tc *c, const char *text)
{
    struct chat_pred k = {c->m.my_id, text};
    if (tc_chat(c, text) != 0 || tc_expect_match(c, pred_own_chat, &k, it_ms(5000), NULL) != 1)
        CHECK_FAIL("client %s: its chat \"%s\" did not come back within %d ms", c->label, text, it_ms(5000));
}

/* Apart: neither piece is in the other's 3x3 neighbourhood, so no tag
 * strip or tag-side square holds another piece or tag. */
static int apart(int ax, int ay, int bx, int by)
{
    return abs(ax - bx) > 1 || abs(ay - by) > 1;
}

/*
 * Squares for the three clients, apart from the host player and from each
 * other, not in the top row (their tags then fall on the board), free now
 * and shown; in a fixed shuffled order, so the picture is varied but the
 * same for the same host square. A control square for check_tags is kept
 * clear first, wherever the host player stands, so the tag check always
 * has its control (8x8: the host blocks at most 15 of the 42 candidates,
 * and three targets fit in what is left).
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
    int cx = -1, cy = -1;
    for (int i = 0; i < w * h && cx < 0; i++) {
        int x = order[i] % w, y = order[i] / w;
        if (control_square(l, x, y) && !near_strip(hx, hy, x, y)) {
            cx = x;
            cy = y;
        }
    }
    for (int i = 0; i < w * h && n < 3 && cx >= 0; i++) {
        int x = order[i] % w, y = order[i] / w;
        if (y < 1 || taken[order[i]] || !sq_visible(l, x, y) || !apart(x, y, hx, hy) || near_strip(x, y, cx, cy))
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

static int file_has(const char *path, const char *needle)
{
    char *text = proc_read_file(path);
    int has = text && strstr(text, needle) != NULL;
    free(text);
    return has;
}

/* The error line (its message also on stderr), then still running a
 * moment later (a GUI does not quit on a failure). Returns 0 with the
 * line in out. */
static int expect_error_alive(struct game *g, char *out, size_t cap, const char *when)
{
    if (game_wait(g, "error", out, cap, it_ms(15000)) != 0) {
        CHECK_FAIL("%s: no \"" HOOK "error ...\" line", when);
        return -1;
    }
    check_note("%s: %s", when, out);
    const char *msg = out + strlen(HOOK "error");
    while (*msg == ' ')
        msg++;
    if (!*msg)
        CHECK_FAIL("%s: the error line has no message", when);
    else if (!file_has(g->p.err_path, msg))
        CHECK_FAIL("%s: stderr (%s) does not have the message \"%s\"", when, g->p.err_path, msg);
    if (proc_wait_exit(&g->p, it_ms(1000)) >= 0) {
        CHECK_FAIL("%s: the window quit (status %d) after the error; it should stay open", when,
                proc_wait_exit(&g->p, 0));
        proc_dump(&g->p, 20);
        return -1;
    }
    return 0;
}

/* A window picture minus a reference picture of the same window size:
 * pixels that differ clearly, and their bounding box. */
static int picture_diff(const struct shot *a, const struct shot *b, int *bx0, int *by0, int *bx1, int *by1)
{
    int n = 0;
    *bx0 = *by0 = 1 << 30;
    *bx1 = *by1 = -1;
    if (a->ww != b->ww || a->wh != b->wh)
        return -1;
    for (int y = 0; y < a->wh; y++)
        for (int x = 0; x < a->ww; x++)
            if (rgb_dist(shot_at(a, x, y), shot_at(b, x, y)) > FAR) {
                n++;
                if (x < *bx0)
                    *bx0 = x;
                if (y < *by0)
                    *by0 = y;
                if (x > *bx1)
                    *bx1 = x;
                if (y > *by1)
                    *by1 = y;
            }
    return n;
}

/* The window once its hook lines have settled, the pointer parked:
 * NAME.root.png (the X screen) and NAME.png (the window) in the
 * artifacts. 0 with *s (the caller frees it), or -1. */
static int window_picture(struct game *g, const char *name, struct shot *s)
{
    char path[600];
    if (game_window(g) != 0)
        return -1;
    proc_wait_quiet(&g->p, HOOK, it_ms(500), it_ms(3000));
    x_park_pointer(&gui_x, &g->w);
    snprintf(path, sizeof path, "%s/%s.root.png", gui_art, name);
    if (shot_take(&gui_x, &g->w, path, s) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s.png", gui_art, name);
    shot_save_window(s, path);
    return 0;
}

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
        /* the window goes back to the start screen */
        game_wait_screen(&g, "start", it_ms(5000));
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
    if (game_start_env(&base, "gui-start", none, "USER=Tester") != 0) /* the name field's default */
        check_abort();
    if (game_wait_screen(&base, "start", it_ms(20000)) == 0)
        have_base = window_picture(&base, "errors-start", &s0) == 0;
    game_finish(&base);

    const char *args[] = {"host", "--name", "Tester", "--port", port, NULL};
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
    {NULL, NULL},
};

static int usage(void)
{
    fprintf(stderr, "usage: guitest --game PATH --case NAME [--artifacts DIR] [--docs DIR]\n"
                    "               [--lsan-suppressions FILE] [--list]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    const struct check_option opts[] = {{"--game", &game_path},
                                        {"--case", &only},
                                        {"--artifacts", &artifacts_root},
                                        {"--docs", &docs_dir},
                                        {"--lsan-suppressions", &lsan_supp},
                                        {NULL, NULL}};
    int parsed = check_options(argc, argv, opts, cases);
    if (parsed != 0)
        return parsed > 0 ? 0 : usage();
    /* The headless hosts are the same program: it_host_argv. */
    if (!game_path || it_set_host(game_path) != 0)
        return usage();
    it_backend = "epoll";
    int rc = gui_init("guitest");
    return rc ? rc : gui_run(cases, only, artifacts_root);
}
