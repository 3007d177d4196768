/*
 * The menus: the start screen (name, Host, Join, Quit), the join screen
 * (games found on the LAN plus a typed address), the "connecting" card on
 * top of either, and the leave confirmation on top of the game.
 *
 * Each screen lays its widgets out while it draws, from the window size,
 * so resizing needs nothing else; events go to last frame's widgets.
 */
#include "app_internal.h"

#include <stdio.h>
#include <string.h>

#include "sys.h"

enum {
    ID_NAME = 1, ID_PORT, ID_HOST, ID_JOIN, ID_QUIT,
    ID_ADDR = 10, ID_CONNECT, ID_BACK,
    ID_CANCEL = 20,
    ID_YES = 30, ID_NO,
    ID_ROW = 100, /* + the index of a found game */
};

#define QUERY_EVERY_MS 1000
#define GAME_FORGET_MS 3000 /* a game that stopped answering leaves the list */

/* ======================================================================
 * Entering and leaving screens
 * ====================================================================== */

static void open_discovery(struct app *a)
{
    a->ngames = 0;
    a->dq_status[0] = '\0';
    int err = discovery_query_open(&a->dq);
    if (err) {
        a->dq = NULL;
        snprintf(a->dq_status, sizeof a->dq_status, "Searching the network is not possible here: %s",
                 sys_strerror(err));
        return;
    }
    a->dq_next_send = 0; /* ask at once */
}

void screens_enter(struct app *a, enum screen s)
{
    switch (s) {
    case SCREEN_START:
        ui_form_reset(&a->form, ID_HOST);
        break;
    case SCREEN_JOIN:
        ui_form_reset(&a->form, ID_ADDR);
        open_discovery(a);
        break;
    case SCREEN_CONFIRM:
        ui_form_reset(&a->form, ID_YES);
        break;
    case SCREEN_GAME:
        ui_form_reset(&a->form, UI_NONE);
        break;
    }
}

void screens_leave_join(struct app *a)
{
    discovery_query_close(a->dq);
    a->dq = NULL;
}

/* ======================================================================
 * LAN discovery, polled every frame while the join screen is open
 * ====================================================================== */

static void found(struct app *a, const struct discovery_game *g)
{
    int i;
    for (i = 0; i < a->ngames; i++)
        if (strcmp(a->games[i].g.host, g->host) == 0 && a->games[i].g.a.tcp_port == g->a.tcp_port)
            break;
    if (i == a->ngames) {
        if (a->ngames == MAX_FOUND_GAMES)
            return;
        a->ngames++;
    }
    a->games[i].g = *g;
    a->games[i].seen_ms = a->now;
}

static void forget_silent(struct app *a)
{
    int keep = 0;
    for (int i = 0; i < a->ngames; i++)
        if (a->now - a->games[i].seen_ms < GAME_FORGET_MS)
            a->games[keep++] = a->games[i];
    a->ngames = keep;
}

void screens_tick(struct app *a)
{
    if (a->screen != SCREEN_JOIN || !a->dq)
        return;
    if (a->now >= a->dq_next_send) {
        discovery_query_send(a->dq); /* a lost query is retried next second */
        a->dq_next_send = a->now + QUERY_EVERY_MS;
    }
    struct discovery_game g;
    while (discovery_query_poll(a->dq, &g) == 1)
        found(a, &g);
    forget_silent(a);
}

int screens_busy(const struct app *a)
{
    return a->connecting && a->screen != SCREEN_GAME;
}

/* ======================================================================
 * Actions
 * ====================================================================== */

static void join_typed(struct app *a)
{
    char host[256];
    uint16_t port;
    if (a->addr.len == 0) {
        app_show_error(a, "Type the address of a game first (for example 192.168.0.12:9090).");
        return;
    }
    if (sys_parse_hostport(a->addr.text, host, sizeof host, &port, PROTO_DEFAULT_PORT) != 0 || !host[0]) {
        char msg[320];
        snprintf(msg, sizeof msg, "'%s' is not an address: use HOST or HOST:PORT.", a->addr.text);
        app_show_error(a, msg);
        return;
    }
    session_join(a, host, port);
}

static void activate(struct app *a, int id)
{
    if (id >= ID_ROW && id < ID_ROW + a->ngames) {
        const struct found_game *f = &a->games[id - ID_ROW];
        a->error[0] = '\0';
        session_join(a, f->g.host, f->g.a.tcp_port);
        return;
    }
    switch (id) {
    case ID_NAME:
        ui_form_focus(&a->form, ID_HOST);
        break;
    case ID_PORT:
    case ID_HOST:
        a->error[0] = '\0';
        session_host(a);
        break;
    case ID_JOIN:
        a->error[0] = '\0';
        app_set_screen(a, SCREEN_JOIN);
        break;
    case ID_QUIT:
        a->quit = 1;
        break;
    case ID_ADDR:
    case ID_CONNECT:
        a->error[0] = '\0';
        join_typed(a);
        break;
    case ID_BACK:
        a->error[0] = '\0';
        app_set_screen(a, SCREEN_START);
        break;
    case ID_CANCEL:
        session_cancel(a);
        ui_form_reset(&a->form, a->screen == SCREEN_JOIN ? ID_ADDR : ID_HOST);
        break;
    case ID_YES:
        session_leave(a, NULL);
        break;
    case ID_NO:
        app_set_screen(a, SCREEN_GAME);
        break;
    default:
        break;
    }
}

static int is_escape(const SDL_Event *e)
{
    return e->type == SDL_KEYDOWN && e->key.keysym.sym == SDLK_ESCAPE;
}

void screens_event(struct app *a, SDL_Event *e)
{
    struct ui_field *fl = ui_form_focused_field(&a->form);
    int composing = fl && ui_field_composing(fl, SDL_GetTicks());
    if (is_escape(e) && !composing) {
        if (a->connecting)
            activate(a, ID_CANCEL);
        else if (a->screen == SCREEN_JOIN)
            activate(a, ID_BACK);
        else if (a->screen == SCREEN_CONFIRM)
            activate(a, ID_NO);
        else
            a->error[0] = '\0';
        return;
    }
    if (a->screen == SCREEN_CONFIRM && e->type == SDL_KEYDOWN) {
        if (e->key.keysym.sym == SDLK_y) {
            activate(a, ID_YES);
            return;
        }
        if (e->key.keysym.sym == SDLK_n) {
            activate(a, ID_NO);
            return;
        }
    }
    int id = ui_form_event(&a->form, e);
    if (id != UI_NONE)
        activate(a, id);
}

/* ======================================================================
 * Drawing helpers
 * ====================================================================== */

static int sc(const struct app *a, float v)
{
    return (int)(v * app_scale(a) + 0.5f);
}

/* The error card: red, wrapped, above the screen's content. Returns its
 * height (0 when there is no error). */
static int draw_error(struct app *a, int x, int y, int w)
{
    if (!a->error[0])
        return 0;
    int px = sc(a, 16), pad = sc(a, 14);
    const struct gfx_text *t = gfx_text(&a->gfx, FONT_REGULAR, px, UI_TEXT, a->error, w - 2 * pad - sc(a, 28));
    if (!t)
        return 0;
    int h = t->h + 2 * pad;
    gfx_round_rect(&a->gfx, (SDL_Rect){ x, y, w, h }, sc(a, 10), (SDL_Color){ 92, 36, 44, 255 });
    gfx_fill(&a->gfx, (SDL_Rect){ x, y + sc(a, 8), sc(a, 4), h - sc(a, 16) }, UI_BAD);
    float cx = x + pad + sc(a, 9), cy = y + pad + px * 0.6f;
    gfx_disc(&a->gfx, cx, cy, sc(a, 10), UI_BAD);
    gfx_draw_text(&a->gfx, FONT_BOLD, sc(a, 14), UI_TEXT, "!", (int)cx, (int)(cy - sc(a, 9)), GFX_CENTER);
    SDL_RenderCopy(a->ren, t->tex, NULL, &(SDL_Rect){ x + pad + sc(a, 28), y + pad, t->w, t->h });
    return h;
}

static void draw_pawn_row(struct app *a, int cx, int y, int size)
{
    int gap = size / 6, total = PROTO_LOOKS * size + (PROTO_LOOKS - 1) * gap;
    for (int i = 0; i < PROTO_LOOKS; i++)
        gfx_piece(&a->gfx, (uint8_t)i, (float)(cx - total / 2 + i * (size + gap)), (float)y, (float)size, 255);
}

static void label(struct app *a, const char *s, int x, int y)
{
    gfx_draw_text(&a->gfx, FONT_BOLD, sc(a, 14), UI_DIM, s, x, y, GFX_LEFT);
}

/* A spinner: a ring of dots, one bright, turning with the clock. */
static void spinner(struct app *a, int cx, int cy, int r)
{
    int lit = (int)(a->now / 90 % 8);
    for (int i = 0; i < 8; i++) {
        float ang = (float)i * 3.14159265f / 4.0f;
        int d = (lit - i + 8) % 8;
        SDL_Color c = UI_ACCENT;
        c.a = (Uint8)(255 - d * 28);
        gfx_disc(&a->gfx, cx + SDL_cosf(ang) * r, cy + SDL_sinf(ang) * r, r * 0.22f, c);
    }
}

/* ======================================================================
 * The start screen
 * ====================================================================== */

static void draw_start(struct app *a)
{
    int cw = SDL_min(sc(a, 460), a->w - 40), cx = a->w / 2, x = cx - cw / 2;
    int title = sc(a, 48), pawn = sc(a, 40);
    int field_h = sc(a, 44), gap = sc(a, 14), lab = sc(a, 22);
    int card_h = 2 * (lab + field_h) + gap * 5 + field_h + sc(a, 40) + sc(a, 10);
    int err_h = a->error[0] ? sc(a, 90) : 0;
    int total = pawn + sc(a, 12) + title + sc(a, 34) + err_h + card_h;
    int y = SDL_max(sc(a, 16), (a->h - total) / 2);

    draw_pawn_row(a, cx, y, pawn);
    y += pawn + sc(a, 12);
    gfx_draw_text(&a->gfx, FONT_BOLD, title, UI_TEXT, "Pawn Party", cx, y, GFX_CENTER);
    y += gfx_line_height(&a->gfx, FONT_BOLD, title);
    gfx_draw_text(&a->gfx, FONT_REGULAR, sc(a, 17), UI_DIM, "One chessboard. Everyone on the LAN.", cx, y,
                  GFX_CENTER);
    y += sc(a, 34);
    int eh = draw_error(a, x, y, cw);
    y += eh ? eh + sc(a, 14) : 0;

    gfx_round_rect(&a->gfx, (SDL_Rect){ x, y, cw, card_h }, sc(a, 14), UI_PANEL);
    int ix = x + sc(a, 24), iw = cw - sc(a, 48);
    y += sc(a, 20);
    ui_form_begin(&a->form);
    label(a, "Your name", ix, y);
    ui_form_add(&a->form, UI_KIND_FIELD, ID_NAME, (SDL_Rect){ ix, y + lab, iw, field_h }, NULL)->field = &a->name;
    y += lab + field_h + gap;
    label(a, "Port to host on", ix, y);
    ui_form_add(&a->form, UI_KIND_FIELD, ID_PORT, (SDL_Rect){ ix, y + lab, sc(a, 120), field_h }, NULL)->field =
        &a->port;
    gfx_draw_text(&a->gfx, FONT_REGULAR, sc(a, 14), UI_DIM, "others join you on this port",
                  ix + sc(a, 134), y + lab + (field_h - sc(a, 18)) / 2, GFX_LEFT);
    y += lab + field_h + gap * 2;
    int bw = (iw - gap) / 2;
    ui_form_add(&a->form, UI_KIND_BUTTON, ID_HOST, (SDL_Rect){ ix, y, bw, field_h }, "Host a game")->style =
        UI_STYLE_PRIMARY;
    ui_form_add(&a->form, UI_KIND_BUTTON, ID_JOIN, (SDL_Rect){ ix + bw + gap, y, bw, field_h }, "Join a game");
    y += field_h + gap;
    ui_form_add(&a->form, UI_KIND_BUTTON, ID_QUIT, (SDL_Rect){ cx - sc(a, 60), y, sc(a, 120), sc(a, 36) }, "Quit")
        ->style = UI_STYLE_QUIET;
    ui_form_draw(&a->form, &a->gfx, sc(a, 17), (uint32_t)a->now);
}

/* ======================================================================
 * The join screen
 * ====================================================================== */

static void draw_game_row(struct app *a, const struct found_game *f, SDL_Rect r)
{
    int pad = sc(a, 14), px = sc(a, 17);
    int full = f->g.a.players >= f->g.a.max_players;
    char where[128], count[48];
    snprintf(where, sizeof where, "%s:%u", f->g.host, f->g.a.tcp_port);
    snprintf(count, sizeof count, full ? "full (%u/%u)" : "%u/%u players", f->g.a.players, f->g.a.max_players);
    gfx_piece(&a->gfx, (uint8_t)(f->g.a.tcp_port % PROTO_LOOKS), (float)(r.x + pad), (float)(r.y + (r.h - sc(a, 30)) / 2),
              (float)sc(a, 30), 255);
    int tx = r.x + pad + sc(a, 40);
    int lh = gfx_line_height(&a->gfx, FONT_BOLD, px);
    gfx_draw_text(&a->gfx, FONT_BOLD, px, UI_TEXT, f->g.a.name, tx, r.y + r.h / 2 - lh + sc(a, 3), GFX_LEFT);
    gfx_draw_text(&a->gfx, FONT_REGULAR, sc(a, 14), UI_DIM, where, tx, r.y + r.h / 2 + sc(a, 2), GFX_LEFT);
    gfx_draw_text(&a->gfx, FONT_BOLD, sc(a, 15), full ? UI_BAD : UI_GOOD, count, r.x + r.w - pad,
                  r.y + (r.h - sc(a, 18)) / 2, GFX_RIGHT);
}

static void draw_join(struct app *a)
{
    int cw = SDL_min(sc(a, 620), a->w - 40), cx = a->w / 2, x = cx - cw / 2;
    int row_h = sc(a, 58), field_h = sc(a, 44), gap = sc(a, 14);
    int rest = sc(a, 60) + sc(a, 40) + field_h + gap * 2 + sc(a, 40) + (a->error[0] ? sc(a, 80) : 0);
    /* As many rows as the window has room for: 3 to 6. */
    int rows = SDL_clamp((a->h - rest - sc(a, 60)) / row_h, 3, 6);
    int list_h = row_h * rows + sc(a, 16);
    int total = rest + list_h;
    int y = SDL_max(sc(a, 16), (a->h - total) / 2);

    gfx_draw_text(&a->gfx, FONT_BOLD, sc(a, 32), UI_TEXT, "Join a game", x, y, GFX_LEFT);
    gfx_draw_text(&a->gfx, FONT_REGULAR, sc(a, 15), UI_DIM, "playing as", x + cw - sc(a, 4) - gfx_text_width(&a->gfx, FONT_BOLD, sc(a, 15), a->name.text) - sc(a, 8), y + sc(a, 14), GFX_RIGHT);
    gfx_draw_text(&a->gfx, FONT_BOLD, sc(a, 15), UI_GOLD, a->name.text, x + cw - sc(a, 4), y + sc(a, 14), GFX_RIGHT);
    y += sc(a, 44);
    int eh = draw_error(a, x, y, cw);
    y += eh ? eh + gap : 0;
    label(a, "Games on your network", x, y);
    y += sc(a, 22);

    SDL_Rect list = { x, y, cw, list_h };
    gfx_round_rect(&a->gfx, list, sc(a, 12), UI_PANEL);
    ui_form_begin(&a->form);
    int shown = SDL_min(a->ngames, rows);
    for (int i = 0; i < shown; i++) {
        SDL_Rect r = { x + sc(a, 8), y + sc(a, 8) + i * row_h, cw - sc(a, 16), row_h };
        ui_form_add(&a->form, UI_KIND_ROW, ID_ROW + i, r, NULL);
    }
    if (a->ngames == 0) {
        const char *msg = a->dq_status[0] ? a->dq_status : "Looking for games on your network...";
        if (!a->dq_status[0])
            spinner(a, cx, y + list_h / 2 - sc(a, 16), sc(a, 12));
        const struct gfx_text *t = gfx_text(&a->gfx, FONT_REGULAR, sc(a, 16), UI_DIM, msg, cw - sc(a, 60));
        if (t)
            SDL_RenderCopy(a->ren, t->tex, NULL,
                           &(SDL_Rect){ cx - t->w / 2, y + list_h / 2 + sc(a, 8), t->w, t->h });
    }
    y += list_h + gap;
    label(a, "Or type an address", x, y);
    y += sc(a, 22);
    int bw = sc(a, 110);
    ui_form_add(&a->form, UI_KIND_FIELD, ID_ADDR, (SDL_Rect){ x, y, cw - bw - gap, field_h }, NULL)->field = &a->addr;
    ui_form_add(&a->form, UI_KIND_BUTTON, ID_CONNECT, (SDL_Rect){ x + cw - bw, y, bw, field_h }, "Join")->style =
        UI_STYLE_PRIMARY;
    y += field_h + gap * 2;
    ui_form_add(&a->form, UI_KIND_BUTTON, ID_BACK, (SDL_Rect){ x, y, sc(a, 120), sc(a, 40) }, "Back");
    ui_form_draw(&a->form, &a->gfx, sc(a, 17), (uint32_t)a->now);
    for (int i = 0; i < shown; i++)
        draw_game_row(a, &a->games[i], ui_form_find(&a->form, ID_ROW + i)->r);
}

/* ======================================================================
 * Cards on top: connecting, and the leave confirmation
 * ====================================================================== */

static void dim(struct app *a)
{
    gfx_fill(&a->gfx, (SDL_Rect){ 0, 0, a->w, a->h }, (SDL_Color){ 8, 10, 16, 190 });
}

static SDL_Rect card(struct app *a, int w, int h)
{
    SDL_Rect r = { (a->w - w) / 2, (a->h - h) / 2, w, h };
    gfx_round_rect(&a->gfx, (SDL_Rect){ r.x - 1, r.y - 1, r.w + 2, r.h + 2 }, sc(a, 17), UI_LINE);
    gfx_round_rect(&a->gfx, r, sc(a, 16), UI_PANEL);
    return r;
}

static void draw_connecting(struct app *a)
{
    dim(a);
    SDL_Rect r = card(a, sc(a, 420), sc(a, 200));
    spinner(a, r.x + r.w / 2, r.y + sc(a, 46), sc(a, 16));
    char msg[360];
    snprintf(msg, sizeof msg, a->host ? "Starting your game..." : "Joining %s...", a->target);
    gfx_draw_text(&a->gfx, FONT_BOLD, sc(a, 19), UI_TEXT, msg, r.x + r.w / 2, r.y + sc(a, 84), GFX_CENTER);
    ui_form_begin(&a->form);
    if (a->form.focus_id != ID_CANCEL)
        ui_form_focus(&a->form, ID_CANCEL);
    ui_form_add(&a->form, UI_KIND_BUTTON, ID_CANCEL,
                (SDL_Rect){ r.x + r.w / 2 - sc(a, 70), r.y + r.h - sc(a, 62), sc(a, 140), sc(a, 40) }, "Cancel");
    ui_form_draw(&a->form, &a->gfx, sc(a, 17), (uint32_t)a->now);
}

void confirm_draw(struct app *a)
{
    dim(a);
    SDL_Rect r = card(a, sc(a, 440), sc(a, 210));
    int cx = r.x + r.w / 2;
    gfx_draw_text(&a->gfx, FONT_BOLD, sc(a, 24), UI_TEXT, "Leave the game?", cx, r.y + sc(a, 30), GFX_CENTER);
    const char *why = a->host ? "You are hosting: leaving ends the game for everyone."
                              : "You can join again from the start screen.";
    gfx_draw_text(&a->gfx, FONT_REGULAR, sc(a, 15), UI_DIM, why, cx, r.y + sc(a, 76), GFX_CENTER);
    int bw = sc(a, 150), bh = sc(a, 44), by = r.y + r.h - bh - sc(a, 28);
    ui_form_begin(&a->form);
    ui_form_add(&a->form, UI_KIND_BUTTON, ID_YES, (SDL_Rect){ cx - bw - sc(a, 8), by, bw, bh }, "Leave")->style =
        UI_STYLE_PRIMARY;
    ui_form_add(&a->form, UI_KIND_BUTTON, ID_NO, (SDL_Rect){ cx + sc(a, 8), by, bw, bh }, "Stay");
    ui_form_draw(&a->form, &a->gfx, sc(a, 17), (uint32_t)a->now);
}

void screens_draw(struct app *a)
{
    if (a->screen == SCREEN_JOIN)
        draw_join(a);
    else
        draw_start(a);
    if (a->connecting)
        draw_connecting(a);
    /* The IME's candidate window goes under the focused field. */
    const struct ui_widget *w = ui_form_find(&a->form, a->form.focus_id);
    if (w && w->kind == UI_KIND_FIELD)
        SDL_SetTextInputRect(&(SDL_Rect){ w->r.x, w->r.y, w->r.w, w->r.h });
}
