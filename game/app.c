/*
 * The game window: SDL set-up, the main loop, frame pacing and the test
 * hooks. Screens, the session and the board live in their own files
 * (app_internal.h says which).
 *
 * Frame pacing: the renderer presents with vsync where the driver has it,
 * and the loop never draws more than ~60 frames a second whatever the
 * driver does. When nothing moves, fades or blinks, the loop sleeps in
 * SDL_WaitEventTimeout until the next event (network packets are events
 * too) or the next thing due on screen, so an idle window costs nothing.
 */
#include "app_internal.h"

#include <SDL_image.h>
#include <SDL_ttf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "net_events.h"

#define FRAME_MS 16           /* ~60 frames a second at most */
#define IDLE_WAIT_MS 1000     /* wake at least this often anyway */
#define FRAME_LINE_GAP_MS 100 /* test hook: at most ~10 frame lines a second */
#define EVENTS_PER_FRAME 4096 /* a flood of packets still lets frames out */

/* ======================================================================
 * Test hooks and shared helpers
 * ====================================================================== */

void app_test_line(struct app *a, const char *fmt, ...)
{
    if (!a->test_events)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("pawnparty: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    va_end(ap);
}

static const char *screen_name(enum screen s)
{
    static const char *names[] = { "start", "join", "game", "confirm" };
    return names[s];
}

void app_set_screen(struct app *a, enum screen s)
{
    if (a->screen == s)
        return;
    if (a->screen == SCREEN_JOIN)
        screens_leave_join(a);
    a->screen = s;
    screens_enter(a, s);
    app_test_line(a, "screen %s", screen_name(s));
}

void app_show_error(struct app *a, const char *msg)
{
    snprintf(a->error, sizeof a->error, "%s", msg);
    fprintf(stderr, "pawnparty: %s\n", msg);
    app_test_line(a, "error %s", msg);
}

void app_world_changed(struct app *a)
{
    if (a->screen != SCREEN_GAME && a->screen != SCREEN_CONFIRM)
        return; /* no board on screen: nothing for a frame line to report */
    if (!a->world_dirty) {
        a->world_dirty = 1;
        /* The line should come after a frame that shows the change
         * settled: a glide takes VIEW_GLIDE_MS. */
        a->frame_due = a->now + VIEW_GLIDE_MS;
    }
}

float app_scale(const struct app *a)
{
    float s = SDL_min(a->w / 1024.0f, a->h / 720.0f);
    return SDL_clamp(s, 0.6f, 3.0f);
}

/* ======================================================================
 * Set-up and tear-down
 * ====================================================================== */

static void default_name(struct app *a)
{
    const char *user = a->opts.name[0] ? a->opts.name : getenv("USER");
    if (!user || !*user)
        user = getenv("USERNAME"); /* Windows */
    ui_field_set(&a->name, user && *user ? user : "player");
    uint8_t raw[PROTO_NAME_LEN];
    if (proto_name_pack(a->name.text, raw) != 0)
        ui_field_set(&a->name, "player");
}

static void init_fields(struct app *a)
{
    ui_field_init(&a->name, PROTO_NAME_MAX, 0, "your name");
    ui_field_init(&a->port, 5, 1, "9090");
    ui_field_init(&a->addr, 63, 0, "address, e.g. 192.168.0.12:9090");
    ui_field_init(&a->chat, PROTO_TEXT_MAX, 0, "Press Enter to chat");
    default_name(a);
    char port[8];
    snprintf(port, sizeof port, "%u", a->opts.host.port);
    ui_field_set(&a->port, port);
}

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

static int app_init(struct app *a, char *err, size_t errlen)
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
        return -1;
    }
    /* With no display SDL falls back to an invisible "offscreen" window:
     * a player would see nothing happen. Only an explicit request (tests
     * use SDL_VIDEODRIVER=dummy) gets an invisible window. */
    const char *drv = SDL_GetCurrentVideoDriver();
    if (drv && (strcmp(drv, "offscreen") == 0 || strcmp(drv, "dummy") == 0) && !getenv("SDL_VIDEODRIVER")) {
        snprintf(err, errlen, "no display to open the game window on (is DISPLAY set?); "
                              "'pawnparty host --headless' runs a game without a window");
        return -1;
    }
    IMG_Init(IMG_INIT_PNG);
    if (net_events_init() != 0) {
        snprintf(err, errlen, "cannot register SDL events: %s", SDL_GetError());
        return -1;
    }
    a->w = 1024;
    a->h = 720;
    a->win = SDL_CreateWindow("Pawn Party", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, a->w, a->h,
                              SDL_WINDOW_RESIZABLE);
    if (!a->win || !(a->ren = make_renderer(a->win))) {
        snprintf(err, errlen, "cannot open the game window: %s", SDL_GetError());
        return -1;
    }
    SDL_SetWindowMinimumSize(a->win, 640, 440);
    SDL_GetWindowSize(a->win, &a->w, &a->h);
    set_icon(a);
    if (gfx_init(&a->gfx, a->ren, err, errlen) != 0)
        return -1;
    /* Text input is on by default in SDL2; it is turned on only while a
     * text field has the focus, so that WASD never opens an IME. */
    SDL_StopTextInput();
    init_fields(a);
    view_init(&a->view);
    return 0;
}

static void app_free(struct app *a)
{
    net_stop_async(a->client, a->host);
    a->client = NULL;
    a->host = NULL;
    if (a->screen == SCREEN_JOIN)
        screens_leave_join(a);
    net_wait_stopped(5000);
    net_events_flush();
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
        session_event(a, e);
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
            app_world_changed(a);
        } else if (e->window.event == SDL_WINDOWEVENT_LEAVE) {
            a->hover_valid = 0;
            a->form.hover_id = UI_NONE;
        }
        return;
    default:
        break;
    }
    if (a->screen == SCREEN_GAME)
        board_event(a, e);
    else
        screens_event(a, e);
}

/* Text input (and the IME) follows the focus: on only while a field has it. */
static void sync_text_input(struct app *a)
{
    int want = a->screen == SCREEN_GAME ? a->chat_open : ui_form_focused_field(&a->form) != NULL;
    if (a->connecting)
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
    int want_hand;
    if (a->screen == SCREEN_GAME)
        want_hand = a->hover_valid;
    else {
        const struct ui_widget *w = ui_form_find(&a->form, a->form.hover_id);
        want_hand = w && w->kind != UI_KIND_FIELD;
    }
    SDL_Cursor *c = want_hand ? a->hand : a->arrow;
    if (c && SDL_GetCursor() != c)
        SDL_SetCursor(c);
}

static void draw_frame(struct app *a)
{
    gfx_fill(&a->gfx, (SDL_Rect){ 0, 0, a->w, a->h }, UI_BG);
    if (a->screen == SCREEN_GAME || a->screen == SCREEN_CONFIRM) {
        board_layout(a);
        board_draw(a);
        if (a->screen == SCREEN_CONFIRM)
            confirm_draw(a);
    } else {
        screens_draw(a);
    }
    SDL_RenderPresent(a->ren);
    a->frames++;
}

/* The frame line tells a test that what is on screen is current. */
static void frame_line(struct app *a)
{
    if (a->screen != SCREEN_GAME && a->screen != SCREEN_CONFIRM)
        return;
    if (!view_me(&a->view))
        return;
    a->board_frames++;
    int first = a->board_frames == 1;
    if (!first && (!a->world_dirty || a->now < a->frame_due || a->now - a->frame_printed_ms < FRAME_LINE_GAP_MS))
        return;
    a->world_dirty = 0;
    a->frame_printed_ms = a->now;
    app_test_line(a, "frame %u", a->frames);
}

/* How long the loop may sleep before the next frame is needed. */
static uint32_t wait_budget(struct app *a)
{
    if (board_busy(a) || screens_busy(a))
        return 0;
    uint64_t next = a->now + IDLE_WAIT_MS;
    if (a->world_dirty && a->test_events)
        next = SDL_max(a->frame_due, a->frame_printed_ms + FRAME_LINE_GAP_MS);
    if (a->text_input_on)
        next = SDL_min(next, a->now + 265); /* the caret blinks */
    if (a->screen == SCREEN_JOIN)
        next = SDL_min(next, a->now + 100); /* discovery answers, the spinner */
    if (a->walking && !a->walk_wait)
        next = SDL_min(next, a->walk_next_ms);
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
        screens_tick(a);
        session_tick(a);
        sync_text_input(a);
        sync_cursor(a);
        uint64_t since = SDL_GetTicks64() - last_frame;
        if (since < FRAME_MS)
            SDL_Delay((uint32_t)(FRAME_MS - since));
        a->now = SDL_GetTicks64();
        last_frame = a->now;
        draw_frame(a);
        frame_line(a);
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
    const char *te = getenv("PAWNPARTY_TEST_EVENTS");
    a->test_events = te && strcmp(te, "1") == 0;
    a->screen = SCREEN_START;
    ui_form_reset(&a->form, UI_NONE);
    char err[512];
    int status = 0;
    if (app_init(a, err, sizeof err) != 0) {
        fprintf(stderr, "pawnparty: %s\n", err);
        status = 1;
    } else {
        a->now = SDL_GetTicks64();
        screens_enter(a, SCREEN_START);
        app_test_line(a, "screen start");
        if (o->start == APP_START_HOST)
            session_host(a);
        else if (o->start == APP_START_JOIN)
            session_join(a, o->join_host, o->join_port);
        run_loop(a);
    }
    app_free(a);
    free(a);
    return status;
}
