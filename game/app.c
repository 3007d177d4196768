/*
 * The game window: SDL set-up, the main loop, frame pacing, and the one
 * place that changes what the window is doing.
 *
 * The window is made of parts, each with its own state that only its own
 * file writes:
 *
 *   menus.c   struct menus       the start and join screens, the cards
 *   board.c   struct board_view  the game screen
 *   view.c    struct view        the world as the host told it
 *   walk.c    struct walk        click-to-walk
 *   conn.c    struct conn        our client, and our host when we host
 *   sound.c   struct sound       the mixer on SDL's audio thread
 *   prefs.c   struct prefs       what is remembered between runs
 *   hooks.c   struct test_hooks  the lines the GUI tests read
 *
 * The screens turn input into commands (screen.h) and apply() below
 * carries them out; on_net_event() does the same for what the network
 * thread reports, tick() for what falls due (a login that never came, the
 * next step of a walk). Only these switch screens, start and stop games
 * and send moves, so every call goes from this file down, never back up.
 *
 * Where a failure lands: an attempt that fails, and a game that ends,
 * go back to the screen it was started from (the Join screen for a join,
 * with its list; the start screen for hosting), with the reason and the
 * focus on what to fix (menus_failed).
 *
 * Frame pacing: the renderer presents with vsync where the driver has it,
 * and the loop never draws more than ~60 frames a second whatever the
 * driver does. When nothing moves, fades or blinks, the loop sleeps in
 * SDL_WaitEventTimeout until the next event (network packets are events
 * too) or the next thing due on screen, so an idle window costs nothing.
 */
#include "app.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "assets.h"
#include "board.h"
#include "conn.h"
#include "gfx.h"
#include "hooks.h"
#include "menus.h"
#include "net_events.h"
#include "prefs.h"
#include "screen.h"
#include "sound.h"
#include "view.h"
#include "walk.h"

#define FRAME_MS 16           /* ~60 frames a second at most */
#define IDLE_WAIT_MS 1000     /* wake at least this often anyway */
#define EVENTS_PER_FRAME 4096 /* a flood of packets still lets frames out */

/* Only the main (render) thread touches it; the network reaches it through
 * SDL user events (net_events.h). */
struct app {
    struct app_opts opts;
    SDL_Window *win;
    SDL_Renderer *ren;
    struct gfx gfx;
    SDL_Cursor *arrow, *hand;
    int w, h;
    int quit;
    uint64_t now;   /* ms, SDL_GetTicks64 at the top of the frame */
    enum screen screen;
    enum screen lobby; /* where the game (or the attempt) goes back to */
    int text_input_on;
    int had_error;     /* the menus showed an error last loop (for "error cleared") */

    struct prefs prefs;
    struct sound *sound;
    int muted;

    struct menus menus;
    struct board_view board;
    struct view view;
    struct walk walk;
    struct conn conn;
    struct test_hooks hooks;
};

/* ======================================================================
 * Screens, errors and the world on screen
 * ====================================================================== */

static int board_shown(const struct app *a)
{
    return a->screen == SCREEN_GAME || a->screen == SCREEN_CONFIRM;
}

static void show_screen(struct app *a, enum screen s)
{
    static const char *names[] = { "start", "join", "game", "confirm" };
    a->screen = s;
    menus_enter(&a->menus, s);
    hooks_line(&a->hooks, "screen %s", names[s]);
    a->hooks.games_printed = 0; /* the list and the focused field are said again on this screen */
    a->hooks.field[0] = '\0';
}

static void set_screen(struct app *a, enum screen s)
{
    if (a->screen != s)
        show_screen(a, s);
}

/* The error is said on stderr, in the hooks and with a sound; what is on
 * screen is the menus' (menus_show_error or menus_failed). */
static void say_error(struct app *a, const char *msg)
{
    fprintf(stderr, "pawnparty: %s\n", msg);
    hooks_line(&a->hooks, "error %s", msg);
    sound_play(a->sound, SOUND_ERROR);
}

static void show_error(struct app *a, const char *msg)
{
    menus_show_error(&a->menus, msg);
    say_error(a, msg);
}

/* ======================================================================
 * What is remembered
 * ====================================================================== */

static void save_prefs(struct app *a)
{
    struct prefs *p = &a->prefs;
    uint8_t raw[PROTO_NAME_LEN];
    if (proto_name_pack(a->menus.name.text, raw) == 0)
        snprintf(p->name, sizeof p->name, "%.*s", PROTO_NAME_MAX, a->menus.name.text);
    long port = a->menus.port.len ? strtol(a->menus.port.text, NULL, 10) : 0;
    if (port > 0 && port <= 65535)
        p->port = (uint16_t)port;
    snprintf(p->addr, sizeof p->addr, "%.*s", (int)sizeof p->addr - 1, a->menus.addr.text);
    p->muted = a->muted;
    prefs_save(p);
}

/* The name the name field starts with: the command line's, the one
 * remembered, the account's (cut to what a name may hold), or "player". */
static void default_name(struct app *a, char *out, size_t len)
{
    uint8_t raw[PROTO_NAME_LEN];
    char account[256];
    if (a->opts.name[0]) {
        snprintf(out, len, "%s", a->opts.name);
        return;
    }
    if (a->prefs.name[0] && proto_name_pack(a->prefs.name, raw) == 0) {
        snprintf(out, len, "%s", a->prefs.name);
        return;
    }
    if (account_name(account, sizeof account) == 0) {
        size_t n = ui_utf8_fit(account, strlen(account), PROTO_NAME_MAX);
        snprintf(out, len, "%.*s", (int)n, account);
        if (proto_name_pack(out, raw) == 0)
            return;
    }
    snprintf(out, len, "player");
}

static void world_changed(struct app *a)
{
    if (board_shown(a)) /* else there is no board for a frame line to report */
        hooks_world_changed(&a->hooks, a->now);
}

/* ======================================================================
 * Games starting and ending
 * ====================================================================== */

/* Hands the connection to a helper thread to stop and forgets the game,
 * so that the next one starts from a clean board. */
static void stop_game(struct app *a)
{
    conn_stop(&a->conn);
    view_free(&a->view);
    view_init(&a->view);
    walk_reset(&a->walk);
    board_reset(&a->board);
    hooks_new_game(&a->hooks);
    SDL_SetWindowTitle(a->win, "Pawn Party");
}

/* Ends the game (or the attempt) and goes back to where it was started
 * from (a->lobby), with error (when not NULL) there and the focus on what
 * fix names. */
static void end_game(struct app *a, const char *error, enum menus_fix fix)
{
    stop_game(a);
    set_screen(a, a->lobby);
    if (error) {
        menus_failed(&a->menus, a->lobby, fix, error);
        say_error(a, error);
    }
}

static void host(struct app *a, const struct app_cmd *c)
{
    char err[400];
    struct host_cfg cfg = a->opts.host;
    cfg.port = c->port;
    stop_game(a);
    a->lobby = SCREEN_START;
    save_prefs(a);
    int rc = conn_host(&a->conn, &cfg, c->name, a->now, err, sizeof err);
    if (rc != 0)
        end_game(a, err, rc == -1 ? MENUS_FIX_NONE : MENUS_FIX_PORT);
}

static void join(struct app *a, const struct app_cmd *c)
{
    char err[400];
    stop_game(a);
    a->lobby = SCREEN_JOIN;
    save_prefs(a);
    /* Only a checked address comes here (addr.h): this is the first time
     * anything may look the name up. */
    hooks_line(&a->hooks, "connect %s:%u", c->addr, c->port);
    if (conn_join(&a->conn, c->name, c->addr, c->port, c->text, a->now, err, sizeof err) != 0)
        end_game(a, err, MENUS_FIX_ADDR);
}

static void toggle_mute(struct app *a)
{
    a->muted = !a->muted;
    sound_set_muted(a->sound, a->muted);
    hooks_line(&a->hooks, "sound %s", a->muted ? "muted" : "unmuted");
    save_prefs(a);
}

/* The next step of a walk, planned from where everyone is now. */
static void walk_step(struct app *a)
{
    int dir = a->conn.client ? walk_plan(&a->walk, &a->view) : PATH_HERE;
    if (dir == PATH_NONE)
        board_no_way(&a->board, a->walk.goal, a->now);
    if (dir < 0 || conn_move(&a->conn, dir) != 0)
        walk_stop(&a->walk); /* arrived, or no way there now */
    else
        walk_sent(&a->walk, a->now);
}

/* ======================================================================
 * Commands: what the player asked for
 * ====================================================================== */

static void apply(struct app *a, const struct app_cmd *c)
{
    switch (c->kind) {
    case CMD_NONE:
        break;
    case CMD_GOTO:
        set_screen(a, c->screen);
        break;
    case CMD_ERROR:
        show_error(a, c->text);
        set_screen(a, c->screen);
        break;
    case CMD_HOST:
        host(a, c);
        break;
    case CMD_JOIN:
        join(a, c);
        break;
    case CMD_CANCEL:
        stop_game(a);
        break;
    case CMD_LEAVE:
        end_game(a, NULL, MENUS_FIX_NONE);
        break;
    case CMD_MOVE:
        walk_stop(&a->walk); /* the keys take over from a walk */
        conn_move(&a->conn, c->dir);
        break;
    case CMD_WALK:
        walk_to(&a->walk, c->x, c->y);
        if (!a->walk.wait)
            walk_step(a);
        break;
    case CMD_CHAT:
        conn_chat(&a->conn, c->text);
        break;
    case CMD_COPY:
        SDL_SetClipboardText(c->text);
        hooks_line(&a->hooks, "copied %s", c->text);
        break;
    case CMD_MUTE:
        toggle_mute(a);
        break;
    case CMD_QUIT:
        a->quit = 1;
        break;
    }
}

/* ======================================================================
 * What the network thread reports
 * ====================================================================== */

static void logged_in(struct app *a, const struct proto_msg *m)
{
    conn_logged_in(&a->conn);
    board_logged_in(&a->board, m->u.login_ok.x, m->u.login_ok.y);
    hooks_line(&a->hooks, "joined id=%u x=%u y=%u", m->u.login_ok.id, m->u.login_ok.x, m->u.login_ok.y);
    if (a->conn.host) {
        char line[CONN_LAN_MAX * (SYS_ADDR_LEN + 9) + 1] = "";
        for (int i = 0; i < a->conn.nlan; i++)
            snprintf(line + strlen(line), sizeof line - strlen(line), " %s", a->conn.lan[i]);
        hooks_line(&a->hooks, "host addresses%s", a->conn.nlan ? line : " none");
    }
    char title[400];
    snprintf(title, sizeof title, "Pawn Party - %s @ %s%s", a->conn.name, a->conn.target,
             a->conn.host ? " (hosting)" : "");
    SDL_SetWindowTitle(a->win, title);
    menus_clear_error(&a->menus);
    set_screen(a, SCREEN_GAME);
    world_changed(a);
}

/* What a refusal asks the player to change. */
static enum menus_fix refusal_fix(uint8_t reason)
{
    switch (reason) {
    case FAIL_TAKEN:
        return MENUS_FIX_NAME_TAKEN;
    case FAIL_NAME:
        return MENUS_FIX_NAME;
    default:
        return MENUS_FIX_NONE; /* full (the list greys it), another version */
    }
}

/* A sound for what a packet changed: our move, a join, a leave, a line. */
static void play_for(struct app *a, const struct proto_msg *m, int ch)
{
    if ((ch & VIEW_CH_ME) && (ch & VIEW_CH_PIECES))
        sound_play(a->sound, SOUND_MOVE);
    if ((ch & VIEW_CH_NOTICE) && a->view.nnotices > 0)
        sound_play(a->sound, a->view.notices[a->view.nnotices - 1].kind == VIEW_NOTICE_JOIN ? SOUND_JOIN
                                                                                             : SOUND_LEAVE);
    if (m->type == SC_CHAT && (ch & VIEW_CH_CHAT))
        sound_play(a->sound, SOUND_CHAT);
}

static void on_packet(struct app *a, const struct proto_msg *m)
{
    char msg[400];
    if (m->type == SC_LOGIN_FAIL) {
        conn_refused_text(&a->conn, m->u.login_fail.reason, msg, sizeof msg);
        end_game(a, msg, refusal_fix(m->u.login_fail.reason));
        return;
    }
    int ch = view_apply(&a->view, m, a->now);
    if (m->type == SC_LOGIN_OK) {
        logged_in(a, m);
        return;
    }
    if (ch & VIEW_CH_DROPPED) {
        end_game(a, "Connection lost: the host dropped you from the game.", MENUS_FIX_NONE);
        return;
    }
    if (ch) {
        world_changed(a);
        play_for(a, m, ch);
    }
    /* The host echoed one of our moves: the walk goes on from where we
     * are now, around wherever the others are now. */
    if ((ch & VIEW_CH_ME) && walk_echo(&a->walk, (ch & VIEW_CH_PIECES) != 0) && walk_due(&a->walk, a->now))
        walk_step(a);
}

static void on_net_event(struct app *a, const SDL_Event *e)
{
    if (!conn_owns(&a->conn, e))
        return; /* a late event from a connection already given up */
    if (e->type == net_event_packet) {
        on_packet(a, e->user.data1);
        return;
    }
    char msg[400];
    int in_game = a->view.mirror.logged_in;
    conn_closed_text(&a->conn, (int)(intptr_t)e->user.data2, e->user.data1, in_game, msg, sizeof msg);
    end_game(a, msg, in_game ? MENUS_FIX_NONE : MENUS_FIX_ADDR);
}

/* Every frame: a login that never came, the next step of a walk. */
static void tick(struct app *a)
{
    char msg[400];
    menus_tick(&a->menus, a->now);
    if (conn_timed_out(&a->conn, a->now, msg, sizeof msg)) {
        end_game(a, msg, MENUS_FIX_ADDR);
        return;
    }
    if (walk_due(&a->walk, a->now))
        walk_step(a);
}

/* ======================================================================
 * Set-up and tear-down
 * ====================================================================== */

static void set_icon(struct app *a)
{
    char path[1024];
    if (assets_path("pieces/look3.png", path, sizeof path) != 0)
        return;
    SDL_Surface *s = IMG_Load(path);
    if (s) {
        SDL_SetWindowIcon(a->win, s);
        SDL_FreeSurface(s);
    }
}

static SDL_Renderer *make_renderer(SDL_Window *w)
{
    /* SDL_RENDER_DRIVER in the environment picks the driver (the GUI
     * tests use "software"); vsync is a wish the driver may ignore. */
    SDL_Renderer *r = SDL_CreateRenderer(w, -1, SDL_RENDERER_PRESENTVSYNC);
    if (!r)
        r = SDL_CreateRenderer(w, -1, 0);
    return r;
}

/* app_init's failures: the first two have no window to speak in. */
enum init_fail { INIT_OK, INIT_NO_DISPLAY, INIT_FAILED };

/* The settings the window starts with: remembered ones (prefs.h) unless
 * the command line said otherwise. */
static void load_settings(struct app *a)
{
    prefs_load(&a->prefs);
    char name[PROTO_NAME_LEN];
    default_name(a, name, sizeof name);
    uint16_t port = a->opts.start == APP_START_MENU && a->prefs.port ? a->prefs.port : a->opts.host.port;
    menus_init(&a->menus, name, port, a->prefs.addr);
    a->muted = a->prefs.muted;
    hooks_line(&a->hooks, "prefs name=%s port=%u addr=%s muted=%d file=%s", a->prefs.name, a->prefs.port,
               a->prefs.addr, a->prefs.muted, a->prefs.path[0] ? a->prefs.path : "(none)");
    hooks_line(&a->hooks, "name %s", name);
}

static void open_sound(struct app *a)
{
    char info[200];
    a->sound = sound_open(a->muted, info, sizeof info);
    if (a->sound) {
        hooks_line(&a->hooks, "sound on %s", info);
    } else {
        fprintf(stderr, "pawnparty: sound off: %s\n", info);
        hooks_line(&a->hooks, "sound off: %s", info);
    }
}

static enum init_fail app_init(struct app *a, char *err, size_t errlen)
{
    SDL_SetHint(SDL_HINT_IME_SHOW_UI, "1");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    /* The software renderer (SDL_RENDER_DRIVER=software, or our fallback)
     * presents straight to the window system. Left alone, SDL would back
     * its window surface with an OpenGL texture, loading a GL driver (Mesa
     * llvmpipe/swrast under Xvfb) just to copy pixels. The environment
     * can still override this default. */
    SDL_SetHintWithPriority(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0", SDL_HINT_DEFAULT);
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0 || TTF_Init() != 0) {
        snprintf(err, errlen, "cannot open the game window: %s", SDL_GetError());
        return INIT_FAILED;
    }
    /* With no display SDL falls back to an invisible "offscreen" window:
     * a player would see nothing happen. Only an explicit request (tests
     * use SDL_VIDEODRIVER=dummy) gets an invisible window. */
    const char *drv = SDL_GetCurrentVideoDriver();
    if (drv && (strcmp(drv, "offscreen") == 0 || strcmp(drv, "dummy") == 0) && !getenv("SDL_VIDEODRIVER")) {
        snprintf(err, errlen, "no display to open the game window on (is DISPLAY set?); "
                              "'pawnparty host --headless' runs a game without a window");
        return INIT_NO_DISPLAY;
    }
    IMG_Init(IMG_INIT_PNG);
    if (net_events_init() != 0) {
        snprintf(err, errlen, "cannot register SDL events: %s", SDL_GetError());
        return INIT_FAILED;
    }
    a->w = 1024;
    a->h = 720;
    a->win = SDL_CreateWindow("Pawn Party", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, a->w, a->h,
                              SDL_WINDOW_RESIZABLE);
    if (!a->win || !(a->ren = make_renderer(a->win))) {
        snprintf(err, errlen, "cannot open the game window: %s", SDL_GetError());
        return INIT_FAILED;
    }
    SDL_SetWindowMinimumSize(a->win, 640, 440);
    SDL_GetWindowSize(a->win, &a->w, &a->h);
    set_icon(a);
    if (gfx_init(&a->gfx, a->ren, err, errlen) != 0)
        return INIT_FAILED;
    hooks_line(&a->hooks, "font regular=%s bold=%s", fonts_file(a->gfx.fonts, FONT_REGULAR),
               fonts_file(a->gfx.fonts, FONT_BOLD));
    /* Text input is on by default in SDL2; it is turned on only while a
     * text field has the focus, so that WASD never opens an IME. */
    SDL_StopTextInput();
    load_settings(a);
    open_sound(a);
    board_init(&a->board);
    view_init(&a->view);
    return INIT_OK;
}

/* The window cannot run: said on stderr (there may be no console: the
 * Windows game is a GUI program) and in a message box, which waits for
 * the player. */
static void fatal(struct app *a, const char *msg)
{
    fprintf(stderr, "pawnparty: %s\n", msg);
    char line[1400];
    snprintf(line, sizeof line, "%s", msg);
    for (char *p = line; *p; p++)
        if (*p == '\n')
            *p = ' ';
    hooks_line(&a->hooks, "fatal %s", line);
    if (a->win)
        SDL_HideWindow(a->win); /* an empty window behind the box helps nobody */
    if (SDL_ShowSimpleMessageBox(SDL_MESSAGEBOX_ERROR, "Pawn Party", msg, NULL) != 0)
        fprintf(stderr, "pawnparty: cannot show a message box either: %s\n", SDL_GetError());
}

static void app_free(struct app *a)
{
    conn_stop(&a->conn);
    menus_free(&a->menus);
    net_wait_stopped(5000);
    net_events_flush();
    sound_close(a->sound);
    view_free(&a->view);
    gfx_free(&a->gfx);
    if (a->hand)
        SDL_FreeCursor(a->hand);
    if (a->arrow)
        SDL_FreeCursor(a->arrow);
    if (a->ren)
        SDL_DestroyRenderer(a->ren);
    if (a->win)
        SDL_DestroyWindow(a->win);
    IMG_Quit();
    TTF_Quit();
    SDL_Quit();
}

/* ======================================================================
 * The loop
 * ====================================================================== */

static void handle_event(struct app *a, SDL_Event *e)
{
    if (e->type == net_event_packet || e->type == net_event_closed) {
        on_net_event(a, e);
        net_event_free(e);
        return;
    }
    switch (e->type) {
    case SDL_QUIT:
        a->quit = 1;
        return;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
            a->w = e->window.data1;
            a->h = e->window.data2;
            world_changed(a);
        } else if (e->window.event == SDL_WINDOWEVENT_LEAVE) {
            board_pointer_left(&a->board);
            menus_pointer_left(&a->menus);
        }
        return;
    default:
        break;
    }
    struct app_cmd c = a->screen == SCREEN_GAME ? board_event(&a->board, &a->view, e, a->now)
                                                : menus_event(&a->menus, a->screen, &a->conn, e);
    apply(a, &c);
}

/* Text input (and the IME) follows the focus: on only while a field has it. */
static void sync_text_input(struct app *a)
{
    int want = a->screen == SCREEN_GAME ? a->board.chat_open : menus_wants_text(&a->menus);
    if (a->conn.connecting)
        want = 0;
    if (want && !a->text_input_on)
        SDL_StartTextInput();
    else if (!want && a->text_input_on)
        SDL_StopTextInput();
    a->text_input_on = want;
}

/* A hand over whatever a click acts on: buttons, rows, board squares. */
static void sync_cursor(struct app *a)
{
    if (!a->arrow) {
        a->arrow = SDL_CreateSystemCursor(SDL_SYSTEM_CURSOR_ARROW);
        a->hand = SDL_CreateSystemCursor(SDL_SYSTEM_CURSOR_HAND);
    }
    int want_hand = a->screen == SCREEN_GAME ? board_wants_hand(&a->board) : menus_wants_hand(&a->menus);
    SDL_Cursor *c = want_hand ? a->hand : a->arrow;
    if (c && SDL_GetCursor() != c)
        SDL_SetCursor(c);
}

/* A UI scale for the window size: 1.0 at 1024x720. */
static float ui_scale(const struct app *a)
{
    float s = SDL_min(a->w / 1024.0f, a->h / 720.0f);
    return SDL_clamp(s, 0.6f, 3.0f);
}

/* The change-only hook lines: what the tests read besides the frames. */
static void report(struct app *a)
{
    struct test_hooks *t = &a->hooks;
    if (!t->on)
        return;
    if (a->had_error && !a->menus.error[0])
        hooks_line(t, "error cleared");
    a->had_error = a->menus.error[0] != '\0';
    const char *name;
    const struct ui_field *fl = menus_focused_field(&a->menus, &name);
    if (!board_shown(a) && fl) {
        size_t from, to;
        ui_field_selection(fl, &from, &to);
        hooks_field(t, name, fl->text, from, to);
    }
    if (a->screen == SCREEN_JOIN && !a->conn.connecting) {
        char lines[MENUS_MAX_FOUND][200];
        const char *ptr[MENUS_MAX_FOUND];
        SDL_Rect r;
        const struct found_game *g;
        int n = 0;
        while (n < MENUS_MAX_FOUND && menus_row(&a->menus, n, &r, &g)) {
            snprintf(lines[n], sizeof lines[n], "x=%d y=%d w=%d h=%d full=%d name=%s addr=%s:%u", r.x, r.y, r.w, r.h,
                     g->g.a.players >= g->g.a.max_players, g->g.a.name, g->g.host, g->g.a.tcp_port);
            ptr[n] = lines[n];
            n++;
        }
        hooks_games(t, ptr, n);
    }
    if (!board_shown(a))
        return;
    const struct view *v = &a->view;
    hooks_notice(t, v->nnotices ? v->notices[v->nnotices - 1].text : "");
    const struct board_view *b = &a->board;
    size_t oldest = b->chat_scroll + (b->chat_shown ? b->chat_shown - 1 : 0);
    hooks_chat(t, b->chat_scroll, oldest, v->nchat, b->chat_unseen);
    hooks_chips(t, b->chips, a->board.chip_text, b->nchips);
}

static void draw_frame(struct app *a)
{
    struct frame f = { &a->gfx, a->w, a->h, ui_scale(a), a->now, a->muted };
    gfx_fill(&a->gfx, (SDL_Rect){ 0, 0, a->w, a->h }, UI_BG);
    if (board_shown(a)) {
        if (hooks_layout(&a->hooks, board_layout(&a->board, &f, &a->view)))
            world_changed(a);
        view_expire(&a->view, a->now);
        board_draw(&a->board, &f, &a->view, &a->walk, &a->conn);
        if (a->screen == SCREEN_CONFIRM)
            menus_draw_confirm(&a->menus, &f, &a->conn);
    } else {
        menus_draw(&a->menus, &f, a->screen, &a->conn);
    }
    SDL_RenderPresent(a->ren);
    /* The frame laid out the focused field: text input follows it now,
     * before the next key is read (a key typed right after a screen
     * change must not be lost). */
    sync_text_input(a);
    report(a);
    hooks_frame(&a->hooks, board_shown(a) && view_me(&a->view), a->now);
}

/* How long the loop may sleep before the next frame is needed. */
static uint32_t wait_budget(struct app *a)
{
    if (board_shown(a) && board_busy(&a->board, &a->view, a->now))
        return 0;
    if (a->conn.connecting && a->screen != SCREEN_GAME)
        return 0; /* the connecting card's spinner */
    uint64_t next = hooks_wake(&a->hooks, a->now + IDLE_WAIT_MS);
    if (a->text_input_on)
        next = SDL_min(next, a->now + 265); /* the caret blinks */
    if (a->screen == SCREEN_JOIN)
        next = SDL_min(next, a->now + 100); /* discovery answers, the spinner */
    if (a->walk.on && !a->walk.wait)
        next = SDL_min(next, a->walk.next_ms);
    uint64_t notice = view_next_notice_event(&a->view, a->now);
    if (notice && notice < next)
        next = notice;
    return next > a->now ? (uint32_t)(next - a->now) : 0;
}

static void run_loop(struct app *a)
{
    uint64_t last_frame = 0;
    while (!a->quit) {
        a->now = SDL_GetTicks64();
        uint32_t budget = wait_budget(a);
        SDL_Event e;
        int got = budget ? SDL_WaitEventTimeout(&e, (int)budget) : SDL_PollEvent(&e);
        a->now = SDL_GetTicks64();
        for (int n = 0; got && n < EVENTS_PER_FRAME && !a->quit; n++) {
            handle_event(a, &e);
            got = SDL_PollEvent(&e);
        }
        if (got) /* the event taken last was not handled yet */
            handle_event(a, &e);
        if (a->quit)
            break;
        tick(a);
        sync_text_input(a);
        sync_cursor(a);
        uint64_t since = SDL_GetTicks64() - last_frame;
        if (since < FRAME_MS)
            SDL_Delay((uint32_t)(FRAME_MS - since));
        a->now = SDL_GetTicks64();
        last_frame = a->now;
        draw_frame(a);
    }
}

int app_run(const struct app_opts *o)
{
    struct app *a = calloc(1, sizeof *a);
    if (!a) {
        fputs("pawnparty: out of memory\n", stderr);
        return 1;
    }
    a->opts = *o;
    hooks_init(&a->hooks);
    char err[1400];
    int status = 0;
    enum init_fail fail = app_init(a, err, sizeof err);
    if (fail == INIT_NO_DISPLAY) {
        fprintf(stderr, "pawnparty: %s\n", err);
        status = 1;
    } else if (fail != INIT_OK) {
        fatal(a, err);
        status = 1;
    } else {
        a->now = SDL_GetTicks64();
        /* Starting as `pawnparty host` or `join` is pressing Host on the
         * start screen, or Join on the join screen. */
        struct app_cmd c = { .kind = CMD_NONE };
        a->lobby = o->start == APP_START_JOIN ? SCREEN_JOIN : SCREEN_START;
        show_screen(a, a->lobby);
        if (o->start == APP_START_HOST)
            c = menus_host(&a->menus);
        else if (o->start == APP_START_JOIN)
            c = menus_join(&a->menus, o->join_host, o->join_port, "", MENUS_FROM_ARGS);
        apply(a, &c);
        run_loop(a);
        /* The window goes at once; the network may take a moment more to
         * say goodbye (app_free). */
        hooks_line(&a->hooks, "quit");
        SDL_HideWindow(a->win);
        save_prefs(a);
    }
    app_free(a);
    free(a);
    return status;
}
