/*
 * The Windows game window under Wine + Xvfb, checked against the native
 * Linux window (issue 4): the same scene drawn by both, compared pixel by
 * pixel. Built on the GUI tests' plumbing (tests/gui/gui.h) and the
 * integration harness (tests/integration/harness.h).
 *
 *   winegui --game PATH --wine WINE --exe PAWNPARTY.EXE --console-exe PAWNPARTY-CONSOLE.EXE
 *           --zip PAWNPARTY-WIN64.ZIP [--case NAME] [--artifacts DIR] [--text-shift PX]
 *
 * The Windows programs run from the zip a player downloads, unpacked into
 * the case's artifacts, in a prefix with no Korean font (tests/wine/
 * prefix.sh): the window draws Hangul with the font the zip carries.
 * pawnparty.exe is a GUI program: SIGINT (Wine's Ctrl+C) means nothing to
 * it, as Ctrl+C means nothing to a Windows window; it is closed the way a
 * player closes it, Alt+F4 (Wine's DefWindowProc: WM_CLOSE, SDL_QUIT).
 *
 * Why not guitest itself: guitest stops every window with SIGTERM and
 * expects exit 0. Wine does not turn SIGTERM into anything a Windows
 * program sees (the process just dies, status 143). And guitest's --game
 * is one path, not a command.
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
 *      (Windows client -> Linux host), the same layout line, the zip's
 *      font; screenshot; it quits on Alt+F4 with 0 and the observers see it
 *      leave;
 *   4. the two window pictures, cropped to the windows, must be the same
 *      size and the same pixels. Both use SDL's software renderer
 *      (SDL_RENDER_DRIVER=software, SDL_FRAMEBUFFER_ACCELERATION=0) and the
 *      same font files (assets/fonts/NanumGothic*.ttf, which both take
 *      first: the Windows one from the zip, in a prefix with no Korean
 *      font at all).
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
 * stdout/stderr, xvfb.log.
 *
 * The other cases (issue 9):
 *   nofont        the zip without its fonts, in the fontless prefix: a
 *                 message box says what to do (the Windows program has no
 *                 console to say it on), Enter, exit 1
 *   double_click  `wine start` of pawnparty.exe, as Explorer starts it:
 *                 the game window and no other; the same for
 *                 pawnparty-console.exe opens a console too (which shows
 *                 that the check can see one); both close with Alt+F4
 *   default_name  with nothing remembered, the Windows window's name field
 *                 starts with the same name as the Linux window's (the
 *                 account's)
 *
 * Exit 0 passed, 1 failed, 77 skipped (no Xvfb, xdotool or import), 2 usage.
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

static const char *game_path, *wine_path, *exe_path, *console_path, *zip_path;
static const char *artifacts_root = "/tmp";
static int text_shift; /* --text-shift: see the top of the file */

/* The zip unpacked into the case's artifacts (DIR/unzipped): the programs
 * a player runs. Returns the path of prog in it (static). */
static const char *unzipped(const char *prog)
{
    static char dir[700], path[800];
    snprintf(dir, sizeof dir, "%s/unzipped", gui_art);
    snprintf(path, sizeof path, "%s/%s", dir, prog);
    struct stat st;
    if (stat(path, &st) == 0)
        return path;
    proc_mkdir_p(dir);
    char zip[700];
    snprintf(zip, sizeof zip, "%s", zip_path);
    char *argv[] = {"sh", "-c", "cd \"$0\" && cmake -E tar xf \"$1\"", dir, zip, NULL};
    char out[512];
    if (proc_run(argv, NULL, it_ms(60000), out, sizeof out) != 0 || stat(path, &st) != 0) {
        CHECK_FAIL("cannot unpack %s into %s: %s", zip_path, dir, out);
        check_abort();
    }
    return path;
}

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
    const char *exe = wine ? unzipped("pawnparty.exe") : NULL;
    if (wine) {
        argv[n++] = (char *)wine_path; /* the wine script execs the loader: same pid */
        argv[n++] = (char *)exe;
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
            wine ? exe : "", addr, win_name);
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

/* Stops the Linux window with SIGTERM, the Windows one with Alt+F4 (a GUI
 * program has no Ctrl+C); it must exit 0. */
static void window_stop(struct proc *g, int wine)
{
    int code;
    uint64_t t0 = sys_now_ms();
    if (wine) {
        struct xwin w;
        if (x_find_window(&gui_x, g->pid, &w, it_ms(10000)) == 0)
            x_key(&gui_x, &w, "alt+F4");
        code = proc_wait_exit(g, it_ms(15000));
        if (code < 0)
            proc_stop(g, SIGKILL, it_ms(5000)); /* code stays -1: a failure */
    } else {
        code = proc_stop(g, SIGTERM, it_ms(15000));
    }
    uint64_t took = sys_now_ms() - t0;
    check_note("%s: %s: exit %d after %llu ms", g->label, wine ? "Alt+F4" : "SIGTERM", code,
               (unsigned long long)took);
    /* Closing is quick on Windows too (it took 2 s while winex11 waited
     * for a window manager: tests/wine/prefix.sh). */
    if (wine && code == 0 && took > (uint64_t)it_ms(1500))
        CHECK_FAIL("%s: Alt+F4 took %llu ms to end the program, expected under %d ms", g->label,
                   (unsigned long long)took, it_ms(1500));
    if (code != 0) {
        CHECK_FAIL("%s: %s: expected exit status 0 within %d ms, got %s %d", g->label, wine ? "Alt+F4" : "SIGTERM",
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
 * observer sees it leave. SIGTERM stops the Linux window; Alt+F4 the
 * Windows one. */
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
    char font[1024];
    if (proc_last_line(&g, HOOK "font regular=", font, sizeof font)) {
        check_note("%s: %s", who, font);
        if (!strstr(font, "assets/fonts/NanumGothic.ttf") && !strstr(font, "assets\\fonts\\NanumGothic.ttf"))
            CHECK_FAIL("%s does not draw with the font it ships: %s", who, font);
    } else {
        CHECK_FAIL("%s: no \"font regular=\" line", who);
    }
    window_stop(&g, wine);
    observers_see_leave(obs, sh->id, who);
}

/* The prefix has no Korean font: Malgun Gothic, the one the Windows game
 * would take, is not there (tests/wine/prefix.sh). */
static void check_no_korean_font(void)
{
    const char *prefix = getenv("WINEPREFIX");
    static const char *const files[] = {"malgun.ttf", "malgunbd.ttf"};
    for (int i = 0; prefix && i < 2; i++) {
        char path[700];
        struct stat st;
        snprintf(path, sizeof path, "%s/drive_c/windows/Fonts/%s", prefix, files[i]);
        if (stat(path, &st) == 0)
            CHECK_FAIL("the prefix has a Korean font (%s): the test would not show that the zip's font is used", path);
    }
}

static void case_golden(void)
{
    check_no_korean_font();
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
    /* Wine draws an unmanaged window's frame itself (tests/wine/prefix.sh):
     * a border round it and a caption on top. What the game drew is the
     * client area inside. */
    if (win.w > native.w && win.h > native.h) {
        int border = (win.w - native.w) / 2, caption = win.h - native.h - border;
        check_note("the Windows window is %dx%d with Wine's frame: its client area is %dx%d at %d,%d", win.w, win.h,
                   native.w, native.h, border, caption);
        win.s.ox += border;
        win.s.oy += caption;
        win.s.ww = win.w = native.w;
        win.s.wh = win.h = native.h;
        char path[600];
        snprintf(path, sizeof path, "%s/wine.png", gui_art);
        shot_save_window(&win.s, path);
    }
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

/* ==== nofont ============================================================= */

static void case_nofont(void)
{
    check_no_korean_font();
    if (xvfb_start(&gui_x, gui_art, GUI_SCREEN_W, GUI_SCREEN_H) != 0)
        check_abort();
    /* The zip as unpacked, less its fonts; the prefix has none either. */
    const char *exe = unzipped("pawnparty.exe");
    char fonts[800];
    snprintf(fonts, sizeof fonts, "%s/unzipped/assets/fonts", gui_art);
    char *rm[] = {"sh", "-c", "rm -f \"$0\"/*.ttf", fonts, NULL};
    char out[512];
    REQUIRE(proc_run(rm, NULL, it_ms(5000), out, sizeof out) == 0);
    struct proc g;
    struct gui_env env;
    char *argv[] = {(char *)wine_path, (char *)exe, NULL};
    if (proc_spawn(&g, "wine-nofont", gui_art, argv, gui_env(&env, 1, NULL), 0) != 0)
        check_abort();
    size_t cur = 0;
    char line[2048];
    if (wait_hook(&g, &cur, "fatal ", line, sizeof line, it_ms(30000)) == 0) {
        check_note("%s", line);
        if (!strstr(line, "NanumGothic.ttf") || !strstr(line, "unpack the game again"))
            CHECK_FAIL("the message does not say what is missing and what to do: %s", line);
    }
    struct xwin box;
    if (x_find_titled(&gui_x, "Pawn Party", &box, it_ms(20000)) != 0) {
        CHECK_FAIL("no message box (a window titled \"Pawn Party\") within %d ms", it_ms(20000));
    } else {
        shot_check_box(&box, "font-missing-windows");
        if (!proc_alive(&g))
            CHECK_FAIL("the game did not wait for the player to read the box");
        x_key(&gui_x, &box, "Return");
    }
    int code = proc_wait_exit(&g, it_ms(15000));
    if (code != 1) {
        CHECK_FAIL("after the box: exit status %d, expected 1", code);
        proc_dump(&g, 20);
    }
    proc_cleanup(&g);
    xvfb_stop(&gui_x);
}

/* ==== double_click ======================================================= */

struct named {
    char id[32];
    char title[200];
};

/* The viewable top-level windows that have a title (Wine keeps a few
 * untitled or unmapped ones of its own). */
static int titled_windows(struct named *out, int max)
{
    static char tree[65536];
    char *argv[] = {"xwininfo", "-root", "-tree", NULL};
    char *env[] = {gui_x.env_display, NULL};
    if (proc_run(argv, env, it_ms(5000), tree, sizeof tree) != 0)
        return 0;
    int n = 0;
    for (char *line = strtok(tree, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        char id[32];
        const char *q = strchr(line, '"');
        if (!q || sscanf(line, " %31s", id) != 1 || strncmp(id, "0x", 2) != 0 || line[0] != ' ' || line[5] == ' ')
            continue; /* top level only: they are indented by five spaces */
        const char *end = strchr(q + 1, '"');
        if (!end || end == q + 1)
            continue;
        char info[2048];
        char *wi[] = {"xwininfo", "-id", id, NULL};
        if (proc_run(wi, env, it_ms(5000), info, sizeof info) != 0 || !strstr(info, "IsViewable"))
            continue;
        snprintf(out[n].id, sizeof out[n].id, "%s", id);
        snprintf(out[n].title, sizeof out[n].title, "%.*s", (int)(end - q - 1), q + 1);
        n++;
    }
    return n;
}

/* Starts prog as Explorer would on a double-click (`wine start`: the
 * program gets a console only if it is a console program) and waits for
 * its game window; returns how many titled windows are up then, listing
 * them. */
static int double_click(const char *prog, struct named *wins, int max)
{
    const char *exe = unzipped(prog);
    char out[1024];
    char *argv[] = {(char *)wine_path, "start", "/unix", (char *)exe, NULL};
    struct gui_env env;
    int code = proc_run(argv, gui_env(&env, 1, NULL), it_ms(30000), out, sizeof out);
    if (code != 0)
        CHECK_FAIL("wine start %s: exit %d: %s", prog, code, out);
    struct xwin w;
    if (x_find_titled(&gui_x, "Pawn Party", &w, it_ms(30000)) != 0) {
        CHECK_FAIL("%s: no game window within %d ms of the double-click", prog, it_ms(30000));
        return 0;
    }
    sys_sleep_ms((unsigned)it_ms(2000)); /* a console would be up by now */
    int n = titled_windows(wins, max);
    for (int i = 0; i < n; i++)
        check_note("%s: window %s \"%s\"", prog, wins[i].id, wins[i].title);
    return n;
}

/* Closes the game window with Alt+F4 and waits until no titled window is
 * left (a console goes with its program). */
static void close_all(const char *prog)
{
    struct xwin w;
    if (x_find_titled(&gui_x, "Pawn Party", &w, it_ms(5000)) == 0) {
        /* A click first: the game window is then Wine's active window (a
         * console opened after it would have the keyboard). */
        x_click(&gui_x, &w, w.w / 2, w.h - 8);
        x_key(&gui_x, &w, "alt+F4");
    }
    struct named wins[16];
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(20000);
    int n;
    while ((n = titled_windows(wins, 16)) > 0 && sys_now_ms() < end)
        sys_sleep_ms(200);
    if (n > 0)
        CHECK_FAIL("%s: %d window(s) still open %d ms after Alt+F4 (first: \"%s\")", prog, n, it_ms(20000),
                   wins[0].title);
}

static void case_double_click(void)
{
    if (xvfb_start(&gui_x, gui_art, GUI_SCREEN_W, GUI_SCREEN_H) != 0)
        check_abort();
    struct named wins[16];
    int n = double_click("pawnparty.exe", wins, 16);
    int games = 0;
    for (int i = 0; i < n; i++)
        games += strncmp(wins[i].title, "Pawn Party", 10) == 0;
    if (n != 1 || games != 1)
        CHECK_FAIL("a double-click on pawnparty.exe opened %d window(s), %d of them the game: expected the game "
                   "window and nothing else",
                   n, games);
    else
        check_note("pawnparty.exe: the game window and nothing else");
    close_all("pawnparty.exe");

    /* The console program, for contrast: a console comes up with it, and
     * the count above would have seen one. */
    n = double_click("pawnparty-console.exe", wins, 16);
    if (n < 2)
        CHECK_FAIL("pawnparty-console.exe opened %d window(s): expected the game and a console (else the check "
                   "above cannot see a console)",
                   n);
    close_all("pawnparty-console.exe");
    xvfb_stop(&gui_x);
}

/* ==== default_name ======================================================= */

/* The name field's first value ("name NAME") of a window with nothing
 * remembered. */
static int first_name(int wine, char *out, size_t cap)
{
    struct proc g;
    struct gui_env env;
    const char *exe = wine ? unzipped("pawnparty.exe") : game_path;
    char *argv[] = {wine ? (char *)wine_path : (char *)exe, wine ? (char *)exe : NULL, NULL};
    if (proc_spawn(&g, wine ? "wine-name" : "linux-name", gui_art, argv, gui_env(&env, wine, NULL), 0) != 0)
        check_abort();
    size_t cur = 0;
    char line[256];
    int rc = wait_hook(&g, &cur, "name ", line, sizeof line, it_ms(30000));
    if (rc == 0) {
        line[strcspn(line, "\r")] = 0;
        copy_str(out, cap, line + strlen(HOOK "name "));
    }
    window_stop(&g, wine);
    return rc;
}

static void case_default_name(void)
{
    if (xvfb_start(&gui_x, gui_art, GUI_SCREEN_W, GUI_SCREEN_H) != 0)
        check_abort();
    /* Nothing remembered in the prefix (earlier cases saved a name). */
    const char *prefix = getenv("WINEPREFIX");
    if (prefix && *prefix) {
        char *rm[] = {"sh", "-c", "rm -rf \"$0\"/drive_c/users/*/AppData/Roaming/PawnParty", (char *)prefix, NULL};
        char out[256];
        proc_run(rm, NULL, it_ms(5000), out, sizeof out);
    }
    char linux_name[128] = "", windows_name[128] = "";
    if (first_name(0, linux_name, sizeof linux_name) == 0 && first_name(1, windows_name, sizeof windows_name) == 0) {
        check_note("the default name: Linux \"%s\", Windows \"%s\"", linux_name, windows_name);
        if (strcmp(linux_name, windows_name) != 0)
            CHECK_FAIL("the default names differ: Linux \"%s\", Windows \"%s\"", linux_name, windows_name);
        if (!linux_name[0] || strcmp(linux_name, "player") == 0)
            check_note("(the account has no usable name here: both fell back to \"player\")");
    }
    xvfb_stop(&gui_x);
}

/* ==== main =============================================================== */

static const struct check_case cases[] = {
    {"golden", case_golden},
    {"nofont", case_nofont},
    {"double_click", case_double_click},
    {"default_name", case_default_name},
    {NULL, NULL},
};

static int usage(void)
{
    fprintf(stderr, "usage: winegui --game PATH --wine WINE --exe PAWNPARTY.EXE --console-exe PAWNPARTY-CONSOLE.EXE\n"
                    "               --zip PAWNPARTY-WIN64.ZIP [--case NAME] [--artifacts DIR] [--text-shift PX]\n"
                    "               [--preload LIBNORESOLVE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *shift = "0", *only = NULL;
    const struct check_option opts[] = {{"--game", &game_path},
                                        {"--wine", &wine_path},
                                        {"--exe", &exe_path},
                                        {"--console-exe", &console_path},
                                        {"--zip", &zip_path},
                                        {"--case", &only},
                                        {"--artifacts", &artifacts_root},
                                        {"--text-shift", &shift},
                                        {"--preload", &gui_preload},
                                        {NULL, NULL}};
    int parsed = check_options(argc, argv, opts, cases);
    if (parsed != 0)
        return parsed > 0 ? 0 : usage();
    text_shift = atoi(shift);
    /* The headless host is the native game: it_host_argv. */
    if (!game_path || !wine_path || !exe_path || !console_path || !zip_path || it_set_host(game_path) != 0)
        return usage();
    gui_game = game_path;
    const char *need[] = {exe_path, console_path, zip_path};
    for (int i = 0; i < 3; i++) {
        struct stat st;
        if (stat(need[i], &st) != 0) {
            fprintf(stderr, "winegui: %s does not exist (./build.sh windows builds it)\n", need[i]);
            return 1;
        }
    }
    it_backend = "epoll";
    int rc = gui_init("winegui");
    return rc ? rc : gui_run(cases, only, artifacts_root);
}
