/*
 * GUI cases of the lobby: what a player meets before the board (issue 9).
 *
 *   join_errors   a failed join keeps the player on the Join screen with
 *                 its list: name taken (the name field holds a free
 *                 suggestion, Enter joins with it), a full game (greyed,
 *                 a click does nothing; typed, "full"), a host that never
 *                 answers (timed out), refused (the
 *                 address field, selected; an edit clears the error), the
 *                 host closing the game (the message names it), a port in
 *                 use (the port field); screenshot join-name-taken
 *   text_fields   Home, End, Ctrl+A, Ctrl+C and Ctrl+V through the real X
 *                 clipboard; malformed addresses get a sentence and no
 *                 name lookup (the resolver guard's log stays empty)
 *   prefs_quit    name, port and address remembered between runs in the
 *                 case's own XDG_DATA_HOME; the default name is the
 *                 account's; Quit closes the window at once (measured)
 *   lan_address   the host shows its LAN addresses with the port, from a
 *                 network namespace of the case's own (a veth pair with
 *                 documentation-range addresses; no packet leaves it), and
 *                 a click copies one (read back from the X clipboard);
 *                 screenshot host-address
 *   font_missing  a damaged font and no system font: a message box says
 *                 what to do, and the game exits 1 when it is closed
 */
#include "gui.h"

#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cases.h"

/* ==== small helpers for every case ====================================== */

int expect_hook(struct game *g, size_t *cur, const char *prefix, char *line, size_t cap, int timeout_ms,
                const char *what)
{
    char tmp[1024];
    int r = game_next(g, cur, prefix, tmp, sizeof tmp, timeout_ms);
    if (r == 1) {
        if (line)
            copy_str(line, cap, tmp);
        return 0;
    }
    char why[1024];
    snprintf(why, sizeof why, "%.400s: no \"" HOOK "%.400s\" line", what, prefix);
    game_explain(g, why, r, timeout_ms);
    return -1;
}

void keys(struct game *g, const char *k)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", k);
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        x_key(&gui_x, &g->w, t);
}

int click_rect_in(struct game *g, const char *line)
{
    int x, y, w, h;
    const char *p = strstr(line, "x=");
    if (!p || sscanf(p, "x=%d y=%d w=%d h=%d", &x, &y, &w, &h) != 4) {
        CHECK_FAIL("no rectangle in \"%s\"", line);
        return -1;
    }
    return x_click(&gui_x, &g->w, x + w / 2, y + h / 2);
}

/* The settings file a window with XDG_DATA_HOME=dir uses (SDL_GetPrefPath). */
static void prefs_path(const char *dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/PawnParty/pawnparty/settings.txt", dir);
}

static void write_prefs(const char *dir, const char *text)
{
    char path[700], sub[700];
    snprintf(sub, sizeof sub, "%s/PawnParty/pawnparty", dir);
    proc_mkdir_p(sub);
    prefs_path(dir, path, sizeof path);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* `pawnparty ARGS` with its own preferences directory dir and discovery
 * port dport (0: the default of gui_env). */
static void start_window(struct game *g, const char *label, const char *const *args, const char *dir, unsigned dport)
{
    static char xdg[700], home[700], port[64];
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)gui_game;
    for (int i = 0; args && args[i] && n < 15; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    snprintf(xdg, sizeof xdg, "XDG_DATA_HOME=%s", dir);
    snprintf(home, sizeof home, "HOME=%s", dir);
    snprintf(port, sizeof port, "PAWNPARTY_DISCOVERY_PORT=%u", dport);
    char *extra[] = {xdg, home, dport ? port : NULL, NULL};
    proc_mkdir_p(dir);
    if (game_start_argv(g, label, argv, extra) != 0 || game_window(g) != 0)
        check_abort();
}

/* A headless host answering discovery on dport. */
static void headless_on(struct hp *h, unsigned dport, const char *const *extra)
{
    char port[16];
    snprintf(port, sizeof port, "%u", dport);
    setenv("PAWNPARTY_DISCOVERY_PORT", port, 1);
    hp_start_or_abort(h, extra);
}

/* The error line after *cur, which must contain want (case-insensitive). */
static void expect_error(struct game *g, size_t *cur, const char *want, const char *when)
{
    char line[1024];
    do
        if (expect_hook(g, cur, "error ", line, sizeof line, it_ms(15000), when) != 0)
            return;
    while (strcmp(line, HOOK "error cleared") == 0);
    check_note("%s: %s", when, line);
    if (!it_has_ci(line, want))
        CHECK_FAIL("%s: expected an error saying \"%s\", got: %s", when, want, line);
}

/* The last screen is still `name` (nothing sent the window elsewhere). */
static void still_on(struct game *g, const char *name, const char *when)
{
    char scr[64] = "";
    last_screen(g, scr, sizeof scr);
    if (strcmp(scr, name) != 0)
        CHECK_FAIL("%s: the window is on its \"%s\" screen, expected \"%s\"", when, scr, name);
}

/* The brightest pixel (max of r, g, b) in a window rectangle. */
static int brightest(const struct shot *s, int x0, int y0, int x1, int y1)
{
    int best = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            struct rgb c = shot_at(s, x, y);
            int m = c.r > c.g ? c.r : c.g;
            m = m > c.b ? m : c.b;
            best = m > best ? m : best;
        }
    return best;
}

/* The list's first row, once it says what (full=1, full=0). 0 or -1. */
static int wait_row(struct game *g, size_t *cur, const char *what, char *line, size_t cap, const char *when)
{
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(15000);
    while (sys_now_ms() < end) {
        if (game_next(g, cur, "game 0 ", line, cap, 100) == 1 && strstr(line, what))
            return 0;
    }
    CHECK_FAIL("%s: the list's first game never said %s (last: %s)", when, what, line);
    return -1;
}

static int rect_of(const char *line, int *x, int *y, int *w, int *h)
{
    const char *p = strstr(line, "x=");
    return p && sscanf(p, "x=%d y=%d w=%d h=%d", x, y, w, h) == 4 ? 0 : -1;
}

/* ==== join_errors ======================================================== */

static const char kim[] = "\xEA\xB9\x80\xEC\xB2\xA0\xEC\x88\x98";    /* 김철수 */
static const char jisu[] = "\xEC\xA7\x80\xEC\x88\x98";                /* 지수 */

void case_join_errors(void)
{
    start_x();
    unsigned dport = discovery_port_next();
    struct hp a;
    const char *aopts[] = {"--name", jisu, "--max-players", "3", NULL};
    headless_on(&a, dport, aopts);
    struct tc *holder = tc_join(a.port, kim);

    char dir[600], line[1024], want[200];
    snprintf(dir, sizeof dir, "%s/prefs-join", gui_art);
    write_prefs(dir, "name=\xEA\xB9\x80\xEC\xB2\xA0\xEC\x88\x98\n");
    struct game g;
    const char *none[] = {NULL};
    start_window(&g, "gui-lobby", none, dir, dport);
    size_t cur = 0;
    if (expect_hook(&g, &cur, "screen start", NULL, 0, it_ms(10000), "start") != 0)
        check_abort();
    keys(&g, "Down Return"); /* Host has the focus: the Join button is next */
    snprintf(want, sizeof want, "game 0 ");
    if (expect_hook(&g, &cur, "screen join", NULL, 0, it_ms(5000), "the Join button") != 0 ||
        expect_hook(&g, &cur, want, line, sizeof line, it_ms(10000), "the game on the LAN") != 0)
        check_abort();
    check_note("listed: %s", line);
    snprintf(want, sizeof want, "addr=127.0.0.1:%u", a.port);
    if (!strstr(line, want) || !strstr(line, "full=0"))
        CHECK_FAIL("the list's first game is not %s with room: %s", want, line);

    /* Name taken: the error on the Join screen, the name field focused
     * with a suggestion, the list kept; Enter joins with the suggestion. */
    size_t before = cur;
    click_rect_in(&g, line);
    snprintf(want, sizeof want, "connect 127.0.0.1:%u", a.port);
    expect_hook(&g, &cur, want, NULL, 0, it_ms(5000), "a click on the game");
    expect_error(&g, &cur, "taken", "join as a name already there");
    char fixed[200];
    snprintf(fixed, sizeof fixed, "field name text=%s2 sel=0..%zu", kim, strlen(kim) + 1);
    expect_hook(&g, &cur, fixed, NULL, 0, it_ms(5000), "name taken: the name field, with a suggestion");
    proc_wait_quiet(&g.p, HOOK, it_ms(700), it_ms(3000));
    game_none_since(&g, before, "screen ", "name taken: the window should stay on the Join screen");
    game_none_since(&g, before, "games 0", "name taken: the list should stay");
    still_on(&g, "join", "name taken");
    struct shot s;
    if (window_picture(&g, "join-name-taken", &s) == 0) {
        shot_free(&s);
        to_docs("join-name-taken");
    }
    tc_clear(holder);
    keys(&g, "Return");
    struct joined me;
    if (game_wait_joined(&g, &me) == 0) {
        struct proto_msg m;
        char suggested[64];
        snprintf(suggested, sizeof suggested, "%s2", kim);
        if (tc_expect_match(holder, tc_is_join, NULL, it_ms(5000), &m) != 1)
            CHECK_FAIL("the holder of the name saw nobody join after Enter");
        else if (strcmp(m.u.put.name, suggested) != 0)
            CHECK_FAIL("Enter joined as \"%s\", expected the suggestion \"%s\"", m.u.put.name, suggested);
        else
            check_note("Enter on the suggestion joined as %s", m.u.put.name);
    }
    /* Leaving a joined game goes back to the lobby. */
    keys(&g, "Escape y");
    expect_hook(&g, &cur, "screen join", NULL, 0, it_ms(5000), "leaving the game");

    /* A full game: greyed in the list, a click does nothing; typed, it is
     * refused as full, on the Join screen. */
    struct tc *more[2] = {tc_join(a.port, "c2"), tc_join(a.port, "c3")};
    wait_row(&g, &cur, "full=1", line, sizeof line, "the game filled up");
    before = cur;
    click_rect_in(&g, line);
    proc_wait_quiet(&g.p, HOOK, it_ms(1000), it_ms(3000));
    game_none_since(&g, before, "connect", "a click on a full game");
    if (window_picture(&g, "join-full", &s) == 0) {
        int x, y, w, h;
        if (rect_of(line, &x, &y, &w, &h) == 0) {
            /* The name is drawn in UI_DIM (about 178 at most) on a full row,
             * UI_TEXT (243) on an open one. */
            int b = brightest(&s, x + w / 10, y + 4, x + w / 2, y + h / 2);
            check_note("the full game's row: brightest pixel of its name %d", b);
            if (b > 200)
                CHECK_FAIL("the full game's row is not greyed: its name has pixels of brightness %d (> 200)", b);
        }
        shot_free(&s);
    }
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", a.port);
    x_type(&gui_x, &g.w, addr); /* the address field has the focus, selected */
    keys(&g, "Return");
    expect_error(&g, &cur, "full", "a full game's typed address");
    still_on(&g, "join", "game full");
    tc_free(more[1]);

    /* The host closes the game: the message names it, back in the lobby. */
    wait_row(&g, &cur, "full=0", line, sizeof line, "a place free again");
    click_rect_in(&g, line);
    if (game_wait_joined(&g, &me) == 0) {
        size_t at = cur;
        hp_finish(&a);
        snprintf(want, sizeof want, "The host %s at 127.0.0.1:", jisu);
        expect_error(&g, &cur, want, "the host closes the game");
        expect_hook(&g, &at, "screen join", NULL, 0, it_ms(5000), "after the host closed");
    } else {
        hp_cleanup(&a);
    }

    /* Timed out: a host that takes the connection and never answers the
     * login (a listening socket of this test, on 127.0.0.1). */
    sys_socket mute;
    uint16_t mute_port;
    REQUIRE_INT(sys_listen("127.0.0.1", 0, 4, &mute, &mute_port), 0);
    expect_hook(&g, &cur, "field addr ", NULL, 0, it_ms(5000), "the address field, back in the lobby");
    snprintf(addr, sizeof addr, "127.0.0.1:%u", mute_port);
    x_type(&gui_x, &g.w, addr);
    keys(&g, "Return");
    expect_error(&g, &cur, "timed out", "a host that never answers");
    still_on(&g, "join", "timed out");
    sys_close(mute);

    /* Refused: the address field, selected; an edit clears the error.
     * (Typing waits for the field's line: text input follows the focus,
     * and is on once the Join screen has been drawn.) */
    expect_hook(&g, &cur, "field addr ", NULL, 0, it_ms(5000), "the address field, back in the lobby");
    uint16_t closed = it_closed_port();
    snprintf(addr, sizeof addr, "127.0.0.1:%u", closed);
    x_type(&gui_x, &g.w, addr);
    keys(&g, "Return");
    expect_error(&g, &cur, "refused", "join a closed port");
    snprintf(want, sizeof want, "field addr text=%s sel=0..%zu", addr, strlen(addr));
    expect_hook(&g, &cur, want, NULL, 0, it_ms(5000), "refused: the address field, selected");
    still_on(&g, "join", "refused");
    x_type(&gui_x, &g.w, "9");
    expect_hook(&g, &cur, "error cleared", NULL, 0, it_ms(5000), "typing in the field");

    /* Hosting on a port in use: the port field, on the start screen. */
    struct hp b;
    headless_on(&b, dport, NULL);
    keys(&g, "Escape");
    expect_hook(&g, &cur, "screen start", NULL, 0, it_ms(5000), "Back");
    char port[16];
    snprintf(port, sizeof port, "%u", b.port);
    keys(&g, "Up"); /* from Host to the port field, selected */
    x_type(&gui_x, &g.w, port);
    keys(&g, "Return");
    expect_error(&g, &cur, "in use", "host on a port in use");
    snprintf(want, sizeof want, "field port text=%s sel=0..%zu", port, strlen(port));
    expect_hook(&g, &cur, want, NULL, 0, it_ms(5000), "port in use: the port field, selected");
    still_on(&g, "start", "port in use");

    game_finish(&g);
    tc_free(more[0]);
    tc_free(holder);
    hp_finish(&b);
    xvfb_stop(&gui_x);
}

/* ==== text_fields ======================================================== */

/* Waits for the address field to say exactly text with the selection
 * from..to, pumping the test's clipboard meanwhile (the game may be asking
 * it for a paste). */
static void expect_field(struct game *g, size_t *cur, const char *text, size_t from, size_t to, const char *after)
{
    char want[400], line[1024];
    snprintf(want, sizeof want, "field addr text=%s sel=%zu..%zu", text, from, to);
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(5000);
    while (sys_now_ms() < end) {
        x_clip_pump();
        size_t c = *cur;
        if (game_next(g, &c, "field addr ", line, sizeof line, 20) == 1) {
            *cur = c;
            if (strcmp(line, HOOK) > 0 && strcmp(line + strlen(HOOK), want) == 0)
                return;
        }
    }
    char last[1024] = "(none)";
    proc_last_line(&g->p, HOOK "field addr ", last, sizeof last);
    CHECK_FAIL("%s: expected \"%s\", the field's last line is \"%s\"", after, want, last);
}

struct malformed {
    const char *typed, *says;
};

void case_text_fields(void)
{
    start_x();
    char dir[600], clip[256];
    snprintf(dir, sizeof dir, "%s/prefs-text", gui_art);
    struct game g;
    const char *none[] = {NULL};
    start_window(&g, "gui-fields", none, dir, 0);
    size_t cur = 0;
    expect_hook(&g, &cur, "screen start", NULL, 0, it_ms(10000), "start");
    keys(&g, "Down Return");
    expect_hook(&g, &cur, "screen join", NULL, 0, it_ms(5000), "the Join button");
    expect_field(&g, &cur, "", 0, 0, "the Join screen");

    x_type(&gui_x, &g.w, "abc");
    expect_field(&g, &cur, "abc", 3, 3, "typing");
    keys(&g, "Home");
    expect_field(&g, &cur, "abc", 0, 0, "Home");
    x_type(&gui_x, &g.w, "x");
    expect_field(&g, &cur, "xabc", 1, 1, "typing after Home");
    keys(&g, "End");
    x_type(&gui_x, &g.w, "y");
    expect_field(&g, &cur, "xabcy", 5, 5, "End, then typing");
    keys(&g, "shift+Home");
    expect_field(&g, &cur, "xabcy", 0, 5, "Shift+Home");
    keys(&g, "Right");
    expect_field(&g, &cur, "xabcy", 5, 5, "Right after a selection");
    keys(&g, "ctrl+a");
    expect_field(&g, &cur, "xabcy", 0, 5, "Ctrl+A");
    x_type(&gui_x, &g.w, "z");
    expect_field(&g, &cur, "z", 1, 1, "typing over a selection");

    /* The X clipboard both ways: the test owns it, the game pastes; the
     * game copies, the test reads it. */
    const char *pasted = "127.0.0.1:4242";
    if (x_clip_set(&gui_x, pasted) == 0) {
        keys(&g, "ctrl+a ctrl+v");
        expect_field(&g, &cur, pasted, strlen(pasted), strlen(pasted), "Ctrl+A, Ctrl+V");
    }
    keys(&g, "ctrl+a ctrl+c");
    if (x_clip_get(&gui_x, clip, sizeof clip) == 0 && strcmp(clip, pasted) != 0)
        CHECK_FAIL("Ctrl+C: the clipboard holds \"%s\", expected \"%s\"", clip, pasted);
    else
        check_note("Ctrl+C: the X clipboard holds \"%s\"", clip);

    /* Malformed addresses: a sentence, and nothing looked up. */
    static const struct malformed bad[] = {
        {"1.2.3.4:90:90", "more than one"},   {"my pc", "space"},
        {"127.0.0.1:70000", "out of range"},  {"127.0.0.1:", "no port"},
        {"1.2.3", "not an IPv4 address"},      {"[::1]:9090", "IPv6"},
        {"bad_name!:9090", "not an address"}, {"12345", "not an IPv4 address"},
    };
    size_t from = proc_cursor(&g.p);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        keys(&g, "ctrl+a");
        x_type(&gui_x, &g.w, bad[i].typed);
        keys(&g, "Return");
        char when[128];
        snprintf(when, sizeof when, "the address \"%s\"", bad[i].typed);
        expect_error(&g, &cur, bad[i].says, when);
    }
    struct shot s;
    if (window_picture(&g, "address-check", &s) == 0)
        shot_free(&s);
    game_none_since(&g, from, "connect", "only malformed addresses were typed");
    char *asked = gui_resolved();
    if (asked) {
        CHECK_FAIL("malformed addresses reached the resolver: %s", asked);
        free(asked);
    }
    game_finish(&g);
    xvfb_stop(&gui_x);
}

/* ==== prefs_quit ========================================================= */

/* Quits with the start screen's Quit button (focus: Host, then Join, then
 * Quit) and measures how long the window stays, and the process. */
static void quit_and_measure(struct game *g, const char *when)
{
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)g->p.pid);
    keys(g, "Down Down");
    uint64_t t0 = sys_now_ms();
    keys(g, "Return");
    uint64_t gone = 0;
    while (sys_now_ms() - t0 < (uint64_t)it_ms(10000)) {
        if (!x_window_visible(&gui_x, pid)) {
            gone = sys_now_ms() - t0;
            break;
        }
    }
    int code = proc_wait_exit(&g->p, it_ms(10000));
    uint64_t exited = sys_now_ms() - t0;
    check_note("%s: Quit: the window was gone after %llu ms, the process exited (status %d) after %llu ms", when,
               (unsigned long long)gone, code, (unsigned long long)exited);
    if (!gone || gone > (uint64_t)it_ms(500))
        CHECK_FAIL("%s: Quit: the window stayed %llu ms, expected under %d ms", when, (unsigned long long)gone,
                   it_ms(500));
    if (code != 0)
        CHECK_FAIL("%s: Quit: exit status %d, expected 0", when, code);
    if (proc_sanitizer_report(&g->p))
        CHECK_FAIL("%s: its stderr has a sanitizer report", when);
    proc_cleanup(&g->p);
    g->started = 0;
}

void case_prefs_quit(void)
{
    start_x();
    char dir[600], line[1024], want[1200], path[700];
    snprintf(dir, sizeof dir, "%s/prefs-kept", gui_art);
    prefs_path(dir, path, sizeof path);
    struct passwd *pw = getpwuid(getuid());
    const char *account = pw && pw->pw_name[0] ? pw->pw_name : "player";

    /* A first run: nothing remembered; the account's name. */
    struct game g;
    const char *none[] = {NULL};
    start_window(&g, "gui-prefs-1", none, dir, 0);
    size_t cur = 0;
    snprintf(want, sizeof want, "prefs name= port=0 addr= muted=0 file=%s", path);
    expect_hook(&g, &cur, want, NULL, 0, it_ms(10000), "a first run");
    snprintf(want, sizeof want, "name %s", account);
    expect_hook(&g, &cur, want, NULL, 0, it_ms(5000), "the default name: the account's");
    expect_hook(&g, &cur, "screen start", NULL, 0, it_ms(5000), "start");

    /* Name (pasted: Hangul), port, an address. */
    const char *name = "\xEC\x98\x81\xED\x9D\xAC"; /* 영희 */
    keys(&g, "Up Up");
    snprintf(want, sizeof want, "field name text=%s sel=0..%zu", account, strlen(account));
    expect_hook(&g, &cur, want, NULL, 0, it_ms(5000), "the name field, selected");
    if (x_clip_set(&gui_x, name) == 0) {
        keys(&g, "ctrl+v");
        snprintf(want, sizeof want, "field name text=%s ", name);
        uint64_t end = sys_now_ms() + (uint64_t)it_ms(5000);
        int r = 0;
        while (r != 1 && sys_now_ms() < end) {
            x_clip_pump();
            r = game_next(&g, &cur, want, NULL, 0, 20);
        }
        if (r != 1)
            CHECK_FAIL("Ctrl+V of a Hangul name: no \"%s\" line", want);
    }
    keys(&g, "Down");
    x_type(&gui_x, &g.w, "9191");
    expect_hook(&g, &cur, "field port text=9191 ", NULL, 0, it_ms(5000), "the port typed over the selection");
    keys(&g, "Down Down Return"); /* Host, Join, pressed */
    expect_hook(&g, &cur, "screen join", NULL, 0, it_ms(5000), "Join");
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", it_closed_port());
    x_type(&gui_x, &g.w, addr);
    snprintf(want, sizeof want, "field addr text=%s ", addr);
    expect_hook(&g, &cur, want, NULL, 0, it_ms(5000), "the address typed");
    keys(&g, "Escape");
    expect_hook(&g, &cur, "screen start", NULL, 0, it_ms(5000), "Back");
    quit_and_measure(&g, "the start screen");

    char *saved = proc_read_file(path);
    check_note("%s:\n%s", path, saved ? saved : "(missing)");
    free(saved);

    /* A second run: all of it back, the address field selected. */
    start_window(&g, "gui-prefs-2", none, dir, 0);
    cur = 0;
    snprintf(want, sizeof want, "prefs name=%s port=9191 addr=%s muted=0 ", name, addr);
    expect_hook(&g, &cur, want, line, sizeof line, it_ms(10000), "the second run");
    snprintf(want, sizeof want, "name %s", name);
    expect_hook(&g, &cur, want, NULL, 0, it_ms(5000), "the name field remembered");
    keys(&g, "Down Return");
    snprintf(want, sizeof want, "field addr text=%s sel=0..%zu", addr, strlen(addr));
    expect_hook(&g, &cur, want, NULL, 0, it_ms(5000), "the address remembered, selected");
    keys(&g, "Escape");
    expect_hook(&g, &cur, "screen start", NULL, 0, it_ms(5000), "Back");
    quit_and_measure(&g, "the second run");

    /* Quit while hosting, with players in: still at once. */
    const char *host[] = {"host", "--port", "0", NULL};
    start_window(&g, "gui-prefs-host", host, dir, 0);
    uint16_t port;
    if (game_wait_port(&g, &port) == 0 && game_wait_screen(&g, "game", it_ms(10000)) == 0) {
        struct tc *c1 = tc_join(port, "one"), *c2 = tc_join(port, "two");
        char pid[16];
        snprintf(pid, sizeof pid, "%d", (int)g.p.pid);
        uint64_t t0 = sys_now_ms(), gone = 0;
        kill(g.p.pid, SIGTERM); /* what the window's close button does: SDL_QUIT */
        while (sys_now_ms() - t0 < (uint64_t)it_ms(10000) && !gone)
            if (!x_window_visible(&gui_x, pid))
                gone = sys_now_ms() - t0;
        int code = proc_wait_exit(&g.p, it_ms(10000));
        check_note("hosting with 2 players: the window was gone after %llu ms, exit %d after %llu ms",
                   (unsigned long long)gone, code, (unsigned long long)(sys_now_ms() - t0));
        if (!gone || gone > (uint64_t)it_ms(500))
            CHECK_FAIL("hosting: the window stayed %llu ms after the close, expected under %d ms",
                       (unsigned long long)gone, it_ms(500));
        if (code != 0)
            CHECK_FAIL("hosting: exit status %d after the close, expected 0", code);
        tc_free(c1);
        tc_free(c2);
    }
    proc_cleanup(&g.p);
    g.started = 0;
    xvfb_stop(&gui_x);
}

/* ==== lan_address ======================================================== */

static char ns_a[64], ns_b[64];

static int ip(const char *const *args)
{
    char *argv[24], out[512];
    int n = 0;
    argv[n++] = "ip";
    for (int i = 0; args[i] && n < 23; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    int code = proc_run(argv, NULL, it_ms(10000), out, sizeof out);
    if (code != 0)
        check_note("ip %s ...: exit %d: %s", args[0], code, out);
    return code;
}

static void ns_cleanup(void)
{
    if (ns_a[0]) {
        const char *a[] = {"netns", "del", ns_a, NULL};
        ip(a);
    }
    if (ns_b[0]) {
        const char *b[] = {"netns", "del", ns_b, NULL};
        ip(b);
    }
    ns_a[0] = ns_b[0] = 0;
}

/* Two namespaces of our own joined by veth pairs (the kernel here has no
 * dummy links): in A, ppa0 up with two documentation-range addresses and
 * a link-local one, ppa1 down with a third, lo up. Exits 77 (SKIP) when
 * this machine cannot make them. */
static void make_namespaces(void)
{
    if (getuid() != 0 || !proc_have_program("ip")) {
        printf("SKIP: lan_address needs root and ip (iproute2) for a network namespace; nothing was run\n");
        fflush(stdout);
        exit(77);
    }
    snprintf(ns_a, sizeof ns_a, "pawn-gui-%d-a", (int)getpid());
    snprintf(ns_b, sizeof ns_b, "pawn-gui-%d-b", (int)getpid());
    atexit(ns_cleanup);
    const char *add_a[] = {"netns", "add", ns_a, NULL}, *add_b[] = {"netns", "add", ns_b, NULL};
    if (ip(add_a) != 0 || ip(add_b) != 0) {
        ns_cleanup();
        printf("SKIP: cannot make a network namespace here; nothing was run\n");
        fflush(stdout);
        exit(77);
    }
    const char *veth0[] = {"link", "add", "ppa0", "netns", ns_a, "type", "veth", "peer", "name", "ppb0", "netns", ns_b, NULL};
    const char *veth1[] = {"link", "add", "ppa1", "netns", ns_a, "type", "veth", "peer", "name", "ppb1", "netns", ns_b, NULL};
    REQUIRE(ip(veth0) == 0 && ip(veth1) == 0);
    const char *cmds[][10] = {
        {"-n", ns_a, "addr", "add", "198.51.100.7/24", "dev", "ppa0", NULL},
        {"-n", ns_a, "addr", "add", "203.0.113.9/24", "dev", "ppa0", NULL},
        {"-n", ns_a, "addr", "add", "169.254.1.1/16", "dev", "ppa0", NULL},
        {"-n", ns_a, "addr", "add", "192.0.2.5/24", "dev", "ppa1", NULL},
        {"-n", ns_a, "link", "set", "ppa0", "up", NULL},
        {"-n", ns_a, "link", "set", "lo", "up", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        REQUIRE(ip(cmds[i]) == 0);
}

void case_lan_address(void)
{
    make_namespaces();
    start_x();
    char dir[600], line[1024], want[200];
    snprintf(dir, sizeof dir, "%s/prefs-lan", gui_art);
    char xdg[700], home[700];
    snprintf(xdg, sizeof xdg, "XDG_DATA_HOME=%s", dir);
    snprintf(home, sizeof home, "HOME=%s", dir);
    proc_mkdir_p(dir);
    char *argv[] = {"ip", "netns", "exec", ns_a, (char *)gui_game, "host", "--port", "0", "--name", "Hoster", NULL};
    char *extra[] = {xdg, home, NULL};
    struct game g;
    if (game_start_argv(&g, "gui-lan", argv, extra) != 0 || game_window(&g) != 0)
        check_abort();
    uint16_t port;
    size_t cur = 0;
    if (game_wait_port(&g, &port) != 0 ||
        expect_hook(&g, &cur, "host addresses", line, sizeof line, it_ms(20000), "hosting in the namespace") != 0)
        check_abort();
    check_note("%s", line);
    char a1[64], a2[64];
    snprintf(a1, sizeof a1, " 198.51.100.7:%u", port);
    snprintf(a2, sizeof a2, " 203.0.113.9:%u", port);
    if (!strstr(line, a1) || !strstr(line, a2))
        CHECK_FAIL("the host does not show both of its LAN addresses with port %u: %s", port, line);
    static const char *const not_shown[] = {"169.254.", "192.0.2.5", "127.0.0.1"};
    for (int i = 0; i < 3; i++)
        if (strstr(line, not_shown[i]))
            CHECK_FAIL("the host shows %s (link-local, down or loopback): %s", not_shown[i], line);

    /* Both are chips in the top bar; a click copies one. */
    char chip[1024] = "";
    snprintf(want, sizeof want, "chip 0 ");
    if (expect_hook(&g, &cur, want, chip, sizeof chip, it_ms(10000), "the address chips") == 0) {
        const char *text = strstr(chip, "text=");
        check_note("%s", chip);
        struct shot s;
        if (window_picture(&g, "host-address", &s) == 0) {
            shot_free(&s);
            to_docs("host-address");
        }
        click_rect_in(&g, chip);
        snprintf(want, sizeof want, "copied %s", text ? text + 5 : "?");
        expect_hook(&g, &cur, want, NULL, 0, it_ms(5000), "a click on the address");
        char clip[256];
        if (text && x_clip_get(&gui_x, clip, sizeof clip) == 0) {
            check_note("the X clipboard holds \"%s\"", clip);
            if (strcmp(clip, text + 5) != 0)
                CHECK_FAIL("after a click on %s the clipboard holds \"%s\"", text + 5, clip);
        }
    }
    game_finish(&g);
    ns_cleanup();
    xvfb_stop(&gui_x);
}

/* ==== font_missing ======================================================= */

void case_font_missing(void)
{
    start_x();
    /* A copy of the game whose assets/fonts holds a damaged font, and a
     * fontconfig that knows no font at all. */
    char dir[600], path[1400], conf[800];
    snprintf(dir, sizeof dir, "%s/fontless", gui_art);
    snprintf(path, sizeof path, "%s/assets/fonts", dir);
    proc_mkdir_p(path);
    snprintf(path, sizeof path, "%s/nofonts", dir);
    proc_mkdir_p(path);
    snprintf(path, sizeof path, "%s/assets/fonts/NanumGothic.ttf", dir);
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    fputs("this is not a TrueType font\n", f);
    fclose(f);
    snprintf(conf, sizeof conf, "%s/fonts.conf", dir);
    f = fopen(conf, "w");
    REQUIRE(f != NULL);
    fprintf(f, "<?xml version=\"1.0\"?>\n<fontconfig><dir>%s/nofonts</dir><cachedir>%s/cache</cachedir></fontconfig>\n",
            dir, dir);
    fclose(f);
    char exe[800];
    snprintf(exe, sizeof exe, "%s/pawnparty", dir);
    copy_file(gui_game, exe);
    chmod(exe, 0755);

    char fc[900], xdg[1400];
    snprintf(fc, sizeof fc, "FONTCONFIG_FILE=%s", conf);
    snprintf(xdg, sizeof xdg, "XDG_DATA_HOME=%s/home", dir);
    char *argv[] = {exe, NULL};
    char *extra[] = {fc, xdg, NULL};
    struct game g;
    if (game_start_argv(&g, "gui-nofont", argv, extra) != 0)
        check_abort();
    size_t cur = 0;
    char line[2048];
    if (expect_hook(&g, &cur, "fatal ", line, sizeof line, it_ms(20000), "a damaged font") == 0) {
        check_note("%s", line);
        if (!strstr(line, "NanumGothic.ttf is damaged"))
            CHECK_FAIL("the message does not name the damaged font: %s", line);
        if (!strstr(line, "fonts-nanum"))
            CHECK_FAIL("the message does not name the package to install: %s", line);
        if (!strstr(line, "unpack the game again"))
            CHECK_FAIL("the message does not say what to do: %s", line);
    }
    /* SDL's X11 message box draws with a core X font; an X server with
     * none of the kind it asks for (no xfonts-base) cannot show it, and
     * the game must then still say why on stderr and exit 1. */
    char out[512];
    char *xls[] = {"xlsfonts", "-fn", "-*-*-medium-r-normal--*-120-*-*-*-*-*-*", NULL};
    char *xenv[] = {gui_x.env_display, NULL};
    int fonts = proc_run(xls, xenv, it_ms(5000), out, sizeof out) == 0 && strstr(out, "-medium-r-normal-");
    struct xwin box;
    if (!fonts) {
        check_note("this X server has no core font for SDL's message box (xfonts-base): only stderr is checked");
        if (proc_wait_exit(&g.p, it_ms(10000)) >= 0 && !file_has(g.p.err_path, "cannot show a message box"))
            CHECK_FAIL("no message box and no line on stderr that says so");
    } else if (x_find_titled(&gui_x, "Pawn Party", &box, it_ms(15000)) != 0) {
        CHECK_FAIL("no message box (a window titled \"Pawn Party\") within %d ms", it_ms(15000));
    } else {
        check_note("message box %s: %dx%d at %d,%d", box.id, box.w, box.h, box.x, box.y);
        shot_check_box(&box, "font-missing");
        if (proc_alive(&g.p) != 1)
            CHECK_FAIL("the game did not wait for the player to read the box");
        x_key(&gui_x, &box, "Return");
    }
    int code = proc_wait_exit(&g.p, it_ms(10000));
    if (code != 1) {
        CHECK_FAIL("after the box: exit status %d, expected 1", code);
        proc_dump(&g.p, 20);
    }
    if (!file_has(g.p.err_path, "no font that can write Korean"))
        CHECK_FAIL("stderr (%s) does not have the message", g.p.err_path);
    if (proc_sanitizer_report(&g.p))
        CHECK_FAIL("its stderr has a sanitizer report");
    proc_cleanup(&g.p);
    xvfb_stop(&gui_x);
}
