/*
 * The Windows game window under Wine + Xvfb, checked against the native
 * Linux window (issue 4): the same scene drawn by both, compared pixel by
 * pixel. Built on the GUI tests' plumbing (tests/gui/gui.h) and the
 * integration harness (tests/integration/harness.h).
 *
 *   winegui --game PATH --wine WINE --exe PAWNPARTY.EXE [--artifacts DIR] [--text-shift PX]
 *
 * Why not guitest itself: guitest stops every window with SIGTERM and
 * expects exit 0. Wine does not turn SIGTERM into anything a Windows
 * program sees (the process just dies, status 143); SIGINT is its Ctrl+C
 * (CTRL_C_EVENT, which SDL's C-runtime SIGINT handler turns into SDL_QUIT).
 * And guitest's --game is one path, not a command.
 *
 * The window must be the first program in its WINEPREFIX that opens a
 * window: that one starts the prefix's desktop process with its DISPLAY.
 * tests/wine/tests.cmake gives this test a prefix of its own for that.
 *
 * The case, "golden":
 *   1. a native headless host (--board 3x3 --max-players 9) and eight
 *      observers: eight squares taken, so a window that joins can only get
 *      the ninth, and always gets the ninth look (the least used one);
 *   2. the native window joins as 윈도우: the observers see its name bytes,
 *      it reaches the game screen, its frames settle; screenshot; it quits
 *      on SIGTERM with 0 and the observers see it leave;
 *   3. the Windows window (`wine pawnparty.exe join ...`) does the same on
 *      the same host: same square, same look, same name bytes on the wire
 *      (Windows client -> Linux host), the same layout line; screenshot; it
 *      quits on SIGINT (Ctrl+C) with 0 and the observers see it leave;
 *   4. the two window pictures, cropped to the windows, must be the same
 *      size and the same pixels. Both use SDL's software renderer
 *      (SDL_RENDER_DRIVER=software, SDL_FRAMEBUFFER_ACCELERATION=0) and the
 *      same font files (tests/wine/prefix.sh puts the NanumGothic files
 *      that fontconfig gives the native game into the prefix as Malgun
 *      Gothic, the font the Windows game asks for).
 *
 * The one known difference, and the tolerance for it: Debian's SDL2_ttf
 * shapes text with HarfBuzz, which applies the font's GPOS kerning; the
 * win64 SDL2_ttf (tools/build-win64-deps.sh) is built without HarfBuzz and
 * does not. Text after a kerned pair ("WA" in "WASD", "Yo" in "You") then
 * sits 1 px to the side: about a thousand pixels in a 1024x720 window,
 * everything else (board, pieces, Hangul tags, lists) identical.
 * --text-shift N (tests/wine/tests.cmake passes 1) accepts a differing
 * pixel only when it equals a horizontal neighbour, up to N px away, in
 * the other picture, which a moved glyph does and a missing or miscoloured
 * one does not (but at its edges). The exact count is always printed; with
 * HarfBuzz in the win64 SDL2_ttf it should be 0 and the option can go.
 *
 * Artifacts in DIR/golden/: native.png, wine.png (the windows), diff.png
 * (differing pixels on a dimmed native picture: yellow where a text shift
 * explains them, red where nothing does), every process's
 * stdout/stderr, xvfb.log. Exit 0 passed, 1 failed, 77 skipped (no Xvfb,
 * xdotool or import), 2 usage.
 */
#include "gui.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <SDL.h>
#include <SDL_image.h>

#define HOOK GUI_HOOK
#define OBSERVERS 8

static const char *game_path, *wine_path, *exe_path;
static const char *artifacts_root = "/tmp";
static int text_shift; /* --text-shift: see the top of the file */

/* 윈도우 ("window") in UTF-8: a Windows client must send these bytes. */
static const char win_name[] = "\xEC\x9C\x88\xEB\x8F\x84\xEC\x9A\xB0";
static const char *const obs_names[OBSERVERS] = {"Ann", "김철수", "Bob", "이영희", "Cleo", "박민수", "Dev", "Eun"};

struct shown {
    char layout[256]; /* the last layout line */
    unsigned id, x, y;
    int w, h;         /* the window */
    struct shot s;
};

/* ==== the window ========================================================= */

/* The GUI environment (gui_env), Wine's when wine is set. */
static int window_start(struct proc *g, const char *label, int wine, uint16_t port)
{
    static char addr[32];
    struct gui_env env;
    snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)port);
    char *argv[12];
    int n = 0;
    if (wine) {
        argv[n++] = (char *)wine_path; /* the wine script execs the loader: same pid */
        argv[n++] = (char *)exe_path;
    } else {
        argv[n++] = (char *)game_path;
    }
    argv[n++] = "join";
    argv[n++] = addr;
    argv[n++] = "--name";
    argv[n++] = (char *)win_name;
    argv[n] = NULL;
    if (proc_spawn(g, label, gui_art, argv, gui_env(&env, wine, NULL), 0) != 0)
        return -1;
    check_note("%s: pid %d: %s%s%s join %s --name %s", label, (int)g->pid, argv[0], wine ? " " : "",
            wine ? exe_path : "", addr, win_name);
    return 0;
}

static int wait_hook(struct proc *g, size_t *cur, const char *prefix, char *line, size_t cap, int ms)
{
    char want[128];
    snprintf(want, sizeof want, HOOK "%s", prefix);
    int r = proc_wait_line(g, cur, want, line, cap, ms);
    if (r != 1) {
        int code = proc_wait_exit(g, 0);
        CHECK_FAIL("%s: no \"%s\" line within %d ms (%s)", g->label, want, ms,
                code >= 0 ? "it has exited" : r < 0 ? "its stdout ended" : "still running");
        proc_dump(g, 30);
        return -1;
    }
    return 0;
}

/* Joined, on the game screen, frames settled past the join notices, the
 * pointer parked: then the screenshot. */
static int window_show(struct proc *g, const char *name, struct shown *sh)
{
    char line[512];
    size_t cur = 0;
    memset(sh, 0, sizeof *sh);
    if (wait_hook(g, &cur, "joined ", line, sizeof line, it_ms(30000)) != 0)
        return -1;
    if (sscanf(line, HOOK "joined id=%u x=%u y=%u", &sh->id, &sh->x, &sh->y) != 3) {
        CHECK_FAIL("%s: cannot read \"%s\"", g->label, line);
        return -1;
    }
    uint64_t joined_ms = sys_now_ms();
    struct xwin w;
    if (x_find_window(&gui_x, g->pid, &w, it_ms(30000)) != 0)
        return -1;
    size_t fcur = 0;
    if (wait_hook(g, &fcur, "frame", line, sizeof line, it_ms(15000)) != 0)
        return -1;
    /* A notice may be on screen for a while after the join; the picture
     * is taken once nothing can be fading. */
    uint64_t calm = joined_ms + GUI_NOTICE_MS + 300, now = sys_now_ms();
    if (now < calm)
        sys_sleep_ms((unsigned)(calm - now));
    x_park_pointer(&gui_x, &w);
    proc_wait_quiet(g, HOOK "frame", it_ms(500), it_ms(5000));
    sys_sleep_ms(200); /* a frame or two after the last change */
    if (x_geometry(&gui_x, &w) != 0)
        return -1;
    if (!proc_last_line(g, HOOK "layout ", sh->layout, sizeof sh->layout)) {
        CHECK_FAIL("%s: no \"" HOOK "layout\" line", g->label);
        return -1;
    }
    sh->layout[strcspn(sh->layout, "\r")] = 0; /* the Windows C runtime ends lines with CR LF */
    char root[600], win[600];
    snprintf(root, sizeof root, "%s/%s.root.png", gui_art, name);
    snprintf(win, sizeof win, "%s/%s.png", gui_art, name);
    if (shot_take(&gui_x, &w, root, &sh->s) != 0)
        return -1;
    shot_save_window(&sh->s, win);
    sh->w = w.w;
    sh->h = w.h;
    check_note("%s: joined as id %u at (%u,%u); window %dx%d at %d,%d; %s; screenshot %s", g->label, sh->id, sh->x,
            sh->y, w.w, w.h, w.x, w.y, sh->layout + strlen(HOOK), win);
    return 0;
}

/* Stops the window with sig; it must exit 0. */
static void window_stop(struct proc *g, int sig)
{
    int code = proc_stop(g, sig, it_ms(15000));
    if (code != 0) {
        CHECK_FAIL("%s: %s: expected exit status 0 within %d ms, got %s %d", g->label, sig == SIGINT ? "SIGINT" : "SIGTERM",
                it_ms(15000), code < 0 ? "timeout (killed)" : "status", code);
        proc_dump(g, 30);
    }
    proc_cleanup(g);
}

/* ==== the observers ====================================================== */

/* Every observer is told of the window's player: name bytes and square. */
static void observers_see_join(struct tc **obs, const struct shown *sh, const char *who)
{
    for (int i = 0; i < OBSERVERS; i++) {
        struct proto_msg m;
        if (tc_expect_match(obs[i], tc_is_join, NULL, it_ms(10000), &m) != 1) {
            CHECK_FAIL("%s: observer %s got no SC_PUT_PLAYER why 1", who, obs[i]->label);
            continue;
        }
        if (strlen(m.u.put.name) != strlen(win_name) || strcmp(m.u.put.name, win_name) != 0)
            CHECK_FAIL("%s: observer %s: name bytes differ from EC 9C 88 EB 8F 84 EC 9A B0 (\"%s\")", who,
                    obs[i]->label, m.u.put.name);
        if (m.u.put.id != sh->id || m.u.put.x != sh->x || m.u.put.y != sh->y)
            CHECK_FAIL("%s: the window says id %u at (%u,%u), observer %s was told id %u at (%u,%u)", who, sh->id,
                    sh->x, sh->y, obs[i]->label, m.u.put.id, m.u.put.x, m.u.put.y);
    }
}

static void observers_see_leave(struct tc **obs, unsigned id, const char *who)
{
    for (int i = 0; i < OBSERVERS; i++) {
        struct proto_msg m;
        int r;
        do
            r = tc_expect(obs[i], SC_REMOVE_PLAYER, it_ms(10000), &m);
        while (r == 1 && m.u.remove.id != id);
        if (r != 1)
            CHECK_FAIL("%s: observer %s got no SC_REMOVE_PLAYER for id %u", who, obs[i]->label, id);
    }
}

/* ==== the comparison ===================================================== */

static int same_px(const struct shot *a, int ax, const struct shot *b, int bx, int y)
{
    struct rgb p = shot_at(a, ax, y), q = shot_at(b, bx, y);
    return p.r >= 0 && q.r >= 0 && p.r == q.r && p.g == q.g && p.b == q.b;
}

/* A pixel that differs only because text moved sideways by up to `shift`
 * pixels: it equals a horizontal neighbour in the other picture. (One way
 * is enough: where a moved glyph meets one that stayed, the pixel matches
 * only the moved one.) */
static int explained_by_shift(const struct shot *a, const struct shot *b, int x, int y, int shift)
{
    for (int d = -shift; d <= shift; d++)
        if (d != 0 && (same_px(a, x, b, x + d, y) || same_px(b, x, a, x + d, y)))
            return 1;
    return 0;
}

/*
 * Counts the pixels that differ at all (*exact) and those a horizontal
 * text shift of up to `shift` pixels does not explain (the return value),
 * with the largest channel difference and the bounding box in a note.
 * diff.png: exact differences in yellow, unexplained ones in red, on the
 * dimmed native picture.
 */
static int compare(const struct shown *a, const struct shown *b, int shift, const char *diff_path, int *exact)
{
    int n = 0, bad = 0, maxd = 0, bx0 = a->w, by0 = a->h, bx1 = -1, by1 = -1;
    SDL_Surface *d = SDL_CreateRGBSurfaceWithFormat(0, a->w, a->h, 32, SDL_PIXELFORMAT_RGBA32);
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++) {
            struct rgb p = shot_at(&a->s, x, y), q = shot_at(&b->s, x, y);
            int dr = abs(p.r - q.r), dg = abs(p.g - q.g), db = abs(p.b - q.b);
            int m = dr > dg ? dr : dg;
            m = m > db ? m : db;
            int differs = m > 0 || p.r < 0 || q.r < 0;
            int unexplained = differs && !explained_by_shift(&a->s, &b->s, x, y, shift);
            if (differs) {
                n++;
                bad += unexplained;
                maxd = m > maxd ? m : maxd;
                bx0 = x < bx0 ? x : bx0;
                by0 = y < by0 ? y : by0;
                bx1 = x > bx1 ? x : bx1;
                by1 = y > by1 ? y : by1;
            }
            if (d) {
                uint8_t *px = (uint8_t *)d->pixels + (size_t)y * (size_t)d->pitch + (size_t)x * 4;
                px[0] = differs ? 255 : (uint8_t)(p.r / 3);
                px[1] = unexplained ? 0 : differs ? 255 : (uint8_t)(p.g / 3);
                px[2] = differs ? 0 : (uint8_t)(p.b / 3);
                px[3] = 255;
            }
        }
    if (d) {
        IMG_SavePNG(d, diff_path);
        SDL_FreeSurface(d);
    }
    if (n)
        check_note("pictures differ in %d of %d pixels (largest channel difference %d, within x %d..%d, y %d..%d); "
                "%d of them not explained by text moved sideways by up to %d px; see %s",
                n, a->w * a->h, maxd, bx0, bx1, by0, by1, bad, shift, diff_path);
    else
        check_note("pictures identical: %dx%d = %d pixels", a->w, a->h, a->w * a->h);
    *exact = n;
    return bad;
}

/* The native picture shows a board: many colours, not one background. */
static void check_not_blank(const struct shown *sh, const char *who)
{
    struct rgb bg = shot_median(&sh->s, 0, 0, sh->w, sh->h);
    int total = 0, far = shot_count_far(&sh->s, 0, 0, sh->w, sh->h, bg, 40, &total);
    if (total == 0 || far < total / 20)
        CHECK_FAIL("%s: the window is nearly one colour (%d of %d pixels away from the median)", who, far, total);
}

/* ==== the case =========================================================== */

/* One window's turn on the host: it joins, every observer is told (name
 * bytes, square), its picture is taken, it quits with status 0 and every
 * observer sees it leave. SIGTERM stops the Linux window; Ctrl+C (SIGINT)
 * is how Wine stops a Windows program cleanly. */
static void window_turn(struct tc **obs, uint16_t port, int wine, struct shown *sh)
{
    const char *who = wine ? "the Windows window" : "the Linux window";
    struct proc g;
    memset(sh, 0, sizeof *sh);
    if (window_start(&g, wine ? "wine-window" : "linux-window", wine, port) != 0)
        check_abort();
    if (window_show(&g, wine ? "wine" : "native", sh) != 0)
        check_abort();
    observers_see_join(obs, sh, who);
    if (!wine)
        check_not_blank(sh, who);
    window_stop(&g, wine ? SIGINT : SIGTERM);
    observers_see_leave(obs, sh->id, who);
}

static void case_golden(void)
{
    if (xvfb_start(&gui_x, gui_art, GUI_SCREEN_W, GUI_SCREEN_H) != 0)
        check_abort();
    struct hp host;
    char dport[16];
    snprintf(dport, sizeof dport, "%u", discovery_port_next());
    setenv("PAWNPARTY_DISCOVERY_PORT", dport, 1);
    const char *const extra[] = {"--board", "3x3", "--max-players", "9", NULL};
    hp_start_or_abort(&host, extra);
    struct tc *obs[OBSERVERS];
    for (int i = 0; i < OBSERVERS; i++)
        obs[i] = tc_join(host.port, obs_names[i]);
    for (int i = 0; i < OBSERVERS; i++) /* everyone's joins are in everyone's queue */
        REQUIRE_INT(tc_barrier(obs[i], it_ms(5000)), 1);
    for (int i = 0; i < OBSERVERS; i++)
        tc_clear(obs[i]);

    struct shown native, win;
    window_turn(obs, host.port, 0, &native);
    window_turn(obs, host.port, 1, &win);

    if (win.x != native.x || win.y != native.y)
        CHECK_FAIL("the windows stood on different squares: Linux (%u,%u), Windows (%u,%u)", native.x, native.y,
                win.x, win.y);
    if (strcmp(win.layout, native.layout) != 0)
        CHECK_FAIL("layout lines differ:\n  Linux:   %s\n  Windows: %s", native.layout, win.layout);
    if (win.w != native.w || win.h != native.h) {
        CHECK_FAIL("window sizes differ: Linux %dx%d, Windows %dx%d", native.w, native.h, win.w, win.h);
    } else {
        char diff[600];
        snprintf(diff, sizeof diff, "%s/diff.png", gui_art);
        int exact = 0, bad = compare(&native, &win, text_shift, diff, &exact);
        if (bad > 0)
            CHECK_FAIL("the Windows window's picture differs from the Linux one in %d pixels (%d not explained by "
                    "kerning, --text-shift %d)", exact, bad, text_shift);
    }
    shot_free(&native.s);
    shot_free(&win.s);
    for (int i = 0; i < OBSERVERS; i++)
        tc_free(obs[i]);
    int code = hp_stop(&host, SIGTERM, it_ms(5000));
    if (code != 0)
        CHECK_FAIL("the native host: SIGTERM: expected exit status 0, got %d", code);
    hp_cleanup(&host);
    xvfb_stop(&gui_x);
}

/* ==== main =============================================================== */

static const struct check_case cases[] = {
    {"golden", case_golden},
    {NULL, NULL},
};

static int usage(void)
{
    fprintf(stderr, "usage: winegui --game PATH --wine WINE --exe PAWNPARTY.EXE [--artifacts DIR] [--text-shift PX]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *shift = "0";
    const struct check_option opts[] = {{"--game", &game_path},
                                        {"--wine", &wine_path},
                                        {"--exe", &exe_path},
                                        {"--artifacts", &artifacts_root},
                                        {"--text-shift", &shift},
                                        {NULL, NULL}};
    if (check_options(argc, argv, opts, NULL) != 0)
        return usage();
    text_shift = atoi(shift);
    /* The headless host is the native game: it_host_argv. */
    if (!game_path || !wine_path || !exe_path || it_set_host(game_path) != 0)
        return usage();
    struct stat st;
    if (stat(exe_path, &st) != 0) {
        fprintf(stderr, "winegui: %s does not exist (./build.sh windows builds it)\n", exe_path);
        return 1;
    }
    it_backend = "epoll";
    int rc = gui_init("winegui");
    return rc ? rc : gui_run(cases, NULL, artifacts_root);
}
