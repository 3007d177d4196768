/*
 * The menus (menus.h): the start and join screens, the connecting card
 * and the leave confirmation.
 */
#include "menus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "sys.h"

enum {
    ID_NAME = 1, ID_PORT, ID_HOST, ID_JOIN, ID_QUIT,
    ID_ADDR = 10, ID_CONNECT, ID_BACK, ID_JNAME,
    ID_CANCEL = 20,
    ID_YES = 30, ID_NO,
    ID_ROW = 100, /* + the index of a found game */
};

#define QUERY_EVERY_MS 1000
#define GAME_FORGET_MS 3000 /* a game that stopped answering leaves the list */

/* ======================================================================
 * State
 * ====================================================================== */

void menus_init(struct menus *m, const char *name, uint16_t port, const char *addr)
{
    ui_field_init(&m->name, PROTO_NAME_MAX, 0, "your name");
    ui_field_init(&m->port, 5, 1, "9090");
    ui_field_init(&m->addr, 63, 0, "address, e.g. 192.168.0.12:9090");
    ui_field_set(&m->name, name);
    char text[8];
    snprintf(text, sizeof text, "%u", port);
    ui_field_set(&m->port, text);
    ui_field_set(&m->addr, addr);
}

static void open_discovery(struct menus *m)
{
    m->ngames = 0;
    m->dq_status[0] = '\0';
    int err = discovery_query_open(&m->dq);
    if (err) {
        m->dq = NULL;
        snprintf(m->dq_status, sizeof m->dq_status, "Searching the network is not possible here: %s",
                 sys_strerror(err));
        return;
    }
    m->dq_next_send = 0; /* ask at once */
}

/* The search runs only while the join screen is shown (dq is NULL else). */
static void close_discovery(struct menus *m)
{
    if (!m->dq)
        return;
    discovery_query_close(m->dq);
    m->dq = NULL;
}

void menus_free(struct menus *m)
{
    close_discovery(m);
}

void menus_enter(struct menus *m, enum screen s)
{
    close_discovery(m);
    switch (s) {
    case SCREEN_START:
        ui_form_reset(&m->form, ID_HOST);
        break;
    case SCREEN_JOIN:
        ui_form_reset(&m->form, ID_ADDR);
        open_discovery(m);
        break;
    case SCREEN_CONFIRM:
        ui_form_reset(&m->form, ID_YES);
        break;
    case SCREEN_GAME:
        ui_form_reset(&m->form, UI_NONE);
        break;
    }
}

void menus_show_error(struct menus *m, const char *msg)
{
    snprintf(m->error, sizeof m->error, "%s", msg);
}

/* A name that may be free: "김철수" -> "김철수2", "bob7" -> "bob8", cut
 * (on a code point) to leave room for the number. */
static void suggest_name(const char *name, char *out, size_t cap)
{
    size_t n = strlen(name), digits = 0;
    while (digits < n && digits < 6 && name[n - 1 - digits] >= '0' && name[n - 1 - digits] <= '9')
        digits++;
    long num = digits ? strtol(name + n - digits, NULL, 10) + 1 : 2;
    char suffix[24];
    snprintf(suffix, sizeof suffix, "%ld", num);
    size_t base = ui_utf8_fit(name, n - digits, PROTO_NAME_MAX - strlen(suffix));
    snprintf(out, cap, "%.*s%s", (int)base, name, suffix);
}

/* The row of the game last joined, if it is still listed. */
static int last_row(const struct menus *m)
{
    for (int i = 0; i < m->ngames; i++)
        if (strcmp(m->games[i].g.host, m->last.host) == 0 && m->games[i].g.a.tcp_port == m->last.port)
            return ID_ROW + i;
    return UI_NONE;
}

void menus_failed(struct menus *m, enum screen s, enum menus_fix fix, const char *msg)
{
    char text[sizeof m->error];
    snprintf(text, sizeof text, "%s", msg);
    int focus = UI_NONE;
    switch (fix) {
    case MENUS_FIX_NAME_TAKEN: {
        char name[PROTO_NAME_LEN + 16];
        suggest_name(m->name.text, name, sizeof name);
        ui_field_set(&m->name, name);
        snprintf(text, sizeof text, "%s Press Enter to join as \"%s\", or type another name.", msg, name);
        focus = s == SCREEN_JOIN ? ID_JNAME : ID_NAME;
        break;
    }
    case MENUS_FIX_NAME:
        focus = s == SCREEN_JOIN ? ID_JNAME : ID_NAME;
        break;
    case MENUS_FIX_PORT:
        focus = ID_PORT;
        break;
    case MENUS_FIX_ADDR:
        if (s != SCREEN_JOIN)
            break;
        if (m->last.set && m->last.typed == MENUS_FROM_ARGS) {
            /* The command line's address, in the field to be fixed. */
            char addr[300];
            snprintf(addr, sizeof addr, "%s:%u", m->last.host, m->last.port);
            ui_field_set(&m->addr, addr);
        }
        focus = m->last.set && m->last.typed == MENUS_FROM_ROW ? last_row(m) : UI_NONE;
        if (focus == UI_NONE)
            focus = ID_ADDR;
        break;
    case MENUS_FIX_NONE:
        focus = s == SCREEN_JOIN ? ID_ADDR : ID_HOST;
        break;
    }
    if (focus != UI_NONE) {
        ui_form_focus(&m->form, UI_NONE);
        ui_form_focus(&m->form, focus); /* selects a field whole */
    }
    menus_show_error(m, text);
}

void menus_clear_error(struct menus *m)
{
    m->error[0] = '\0';
}

void menus_pointer_left(struct menus *m)
{
    m->form.hover_id = UI_NONE;
}

int menus_wants_text(const struct menus *m)
{
    return ui_form_focused_field(&m->form) != NULL;
}

int menus_row(const struct menus *m, int i, SDL_Rect *r, const struct found_game **g)
{
    const struct ui_widget *w = ui_form_find(&m->form, ID_ROW + i);
    if (!w || i >= m->ngames)
        return 0;
    *r = w->r;
    *g = &m->games[i];
    return 1;
}

const struct ui_field *menus_focused_field(const struct menus *m, const char **name)
{
    const struct ui_field *f = ui_form_focused_field(&m->form);
    *name = f == &m->name ? "name" : f == &m->port ? "port" : f == &m->addr ? "addr" : "";
    return f;
}

int menus_wants_hand(const struct menus *m)
{
    const struct ui_widget *w = ui_form_find(&m->form, m->form.hover_id);
    return w && w->kind != UI_KIND_FIELD;
}

/* ======================================================================
 * LAN discovery, polled every frame while the join screen is open
 * ====================================================================== */

static void found(struct menus *m, const struct discovery_game *g, uint64_t now_ms)
{
    int i;
    for (i = 0; i < m->ngames; i++)
        if (strcmp(m->games[i].g.host, g->host) == 0 && m->games[i].g.a.tcp_port == g->a.tcp_port)
            break;
    if (i == m->ngames) {
        if (m->ngames == MENUS_MAX_FOUND)
            return;
        m->ngames++;
    }
    m->games[i].g = *g;
    m->games[i].seen_ms = now_ms;
}

static void forget_silent(struct menus *m, uint64_t now_ms)
{
    int keep = 0;
    for (int i = 0; i < m->ngames; i++)
        if (now_ms - m->games[i].seen_ms < GAME_FORGET_MS)
            m->games[keep++] = m->games[i];
    m->ngames = keep;
}

void menus_tick(struct menus *m, uint64_t now_ms)
{
    if (!m->dq)
        return;
    if (now_ms >= m->dq_next_send) {
        discovery_query_send(m->dq); /* a lost query is retried next second */
        m->dq_next_send = now_ms + QUERY_EVERY_MS;
    }
    struct discovery_game g;
    while (discovery_query_poll(m->dq, &g) == 1)
        found(m, &g, now_ms);
    forget_silent(m, now_ms);
}

/* ======================================================================
 * Commands
 * ====================================================================== */

static const struct app_cmd no_cmd = { .kind = CMD_NONE };

static struct app_cmd cmd_goto(enum screen s)
{
    return (struct app_cmd){ .kind = CMD_GOTO, .screen = s };
}

/* What was typed cannot be used: say so on screen s, where it is fixed. */
static struct app_cmd refuse(enum screen s, const char *msg)
{
    struct app_cmd c = { .kind = CMD_ERROR, .screen = s };
    snprintf(c.text, sizeof c.text, "%s", msg);
    return c;
}

/* The name in the name field, checked as the host will; a name that
 * cannot be used is refused on screen s (start or join). */
static int checked_name(const struct menus *m, enum screen s, struct app_cmd *c)
{
    uint8_t raw[PROTO_NAME_LEN];
    if (m->name.len == 0) {
        *c = refuse(s, "Type your name first: it is shown above your pawn.");
        return -1;
    }
    if (proto_name_pack(m->name.text, raw) != 0) {
        *c = refuse(s, "That name cannot be used: 1 to 31 bytes, no control characters.");
        return -1;
    }
    snprintf(c->name, sizeof c->name, "%.*s", PROTO_NAME_MAX, m->name.text);
    return 0;
}

struct app_cmd menus_host(const struct menus *m)
{
    struct app_cmd c = { .kind = CMD_HOST };
    if (checked_name(m, SCREEN_START, &c) != 0)
        return c;
    long v = m->port.len ? strtol(m->port.text, NULL, 10) : -1;
    if (v < 0 || v > 65535)
        return refuse(SCREEN_START, "The port must be a number from 0 to 65535 (9090 if unsure).");
    c.port = (uint16_t)v;
    return c;
}

struct app_cmd menus_join(struct menus *m, const char *host, uint16_t port, const char *game, enum menus_from typed)
{
    struct app_cmd c = { .kind = CMD_JOIN };
    m->last.set = 1;
    m->last.typed = typed;
    snprintf(m->last.host, sizeof m->last.host, "%s", host);
    m->last.port = port;
    snprintf(m->last.game, sizeof m->last.game, "%s", game ? game : "");
    for (int i = 0; i < m->ngames && !m->last.game[0]; i++) /* a typed address of a listed game */
        if (strcmp(m->games[i].g.host, host) == 0 && m->games[i].g.a.tcp_port == port)
            snprintf(m->last.game, sizeof m->last.game, "%s", m->games[i].g.a.name);
    if (checked_name(m, SCREEN_JOIN, &c) != 0)
        return c;
    snprintf(c.addr, sizeof c.addr, "%s", host);
    snprintf(c.text, sizeof c.text, "%s", m->last.game);
    c.port = port;
    return c;
}

/* The address field, checked before anything looks it up (addr.h). */
static struct app_cmd join_typed(struct menus *m)
{
    char host[256], why[320];
    uint16_t port;
    if (addr_parse(m->addr.text, PROTO_DEFAULT_PORT, host, sizeof host, &port, why, sizeof why) != 0) {
        ui_form_focus(&m->form, ID_ADDR);
        return refuse(SCREEN_JOIN, why);
    }
    return menus_join(m, host, port, "", MENUS_FROM_FIELD);
}

/* Enter in the join screen's name field: the last join again (after "name
 * taken", with the name just fixed), else on to the address. */
static struct app_cmd retry(struct menus *m)
{
    if (!m->last.set) {
        ui_form_focus(&m->form, ID_ADDR);
        return no_cmd;
    }
    struct menus_target t = m->last;
    return menus_join(m, t.host, t.port, t.game, t.typed);
}

static struct app_cmd activate(struct menus *m, enum screen s, int id)
{
    if (id >= ID_ROW && id < ID_ROW + m->ngames) {
        const struct found_game *g = &m->games[id - ID_ROW];
        if (g->g.a.players >= g->g.a.max_players)
            return no_cmd; /* full: greyed, nothing to join */
        m->error[0] = '\0';
        return menus_join(m, g->g.host, g->g.a.tcp_port, g->g.a.name, MENUS_FROM_ROW);
    }
    switch (id) {
    case ID_NAME:
        ui_form_focus(&m->form, ID_HOST);
        return no_cmd;
    case ID_PORT:
    case ID_HOST:
        m->error[0] = '\0';
        return menus_host(m);
    case ID_JOIN:
        m->error[0] = '\0';
        return cmd_goto(SCREEN_JOIN);
    case ID_QUIT:
        return (struct app_cmd){ .kind = CMD_QUIT };
    case ID_ADDR:
    case ID_CONNECT:
        m->error[0] = '\0';
        return join_typed(m);
    case ID_JNAME:
        m->error[0] = '\0';
        return retry(m);
    case ID_BACK:
        m->error[0] = '\0';
        return cmd_goto(SCREEN_START);
    case ID_CANCEL:
        ui_form_reset(&m->form, s == SCREEN_JOIN ? ID_ADDR : ID_HOST);
        return (struct app_cmd){ .kind = CMD_CANCEL };
    case ID_YES:
        return (struct app_cmd){ .kind = CMD_LEAVE };
    case ID_NO:
        return cmd_goto(SCREEN_GAME);
    default:
        return no_cmd;
    }
}

static int is_escape(const SDL_Event *e)
{
    return e->type == SDL_KEYDOWN && e->key.keysym.sym == SDLK_ESCAPE;
}

struct app_cmd menus_event(struct menus *m, enum screen s, const struct conn *c, const SDL_Event *e)
{
    struct ui_field *fl = ui_form_focused_field(&m->form);
    int composing = fl && ui_field_composing(fl, SDL_GetTicks());
    if (is_escape(e) && !composing) {
        if (c->connecting)
            return activate(m, s, ID_CANCEL);
        if (s == SCREEN_JOIN)
            return activate(m, s, ID_BACK);
        if (s == SCREEN_CONFIRM)
            return activate(m, s, ID_NO);
        m->error[0] = '\0';
        return no_cmd;
    }
    if (s == SCREEN_CONFIRM && e->type == SDL_KEYDOWN) {
        if (e->key.keysym.sym == SDLK_y)
            return activate(m, s, ID_YES);
        if (e->key.keysym.sym == SDLK_n)
            return activate(m, s, ID_NO);
    }
    unsigned edits = m->name.edits + m->port.edits + m->addr.edits;
    int id = ui_form_event(&m->form, e);
    if (edits != m->name.edits + m->port.edits + m->addr.edits)
        m->error[0] = '\0'; /* the player is fixing it */
    return id != UI_NONE ? activate(m, s, id) : no_cmd;
}

/* ======================================================================
 * Drawing helpers
 * ====================================================================== */

static int sc(const struct frame *f, float v)
{
    return (int)(v * f->s + 0.5f);
}

/* The error card: red, wrapped, above the screen's content. Returns its
 * height (0 when there is no error). */
static int draw_error(const struct menus *m, const struct frame *f, int x, int y, int w)
{
    if (!m->error[0])
        return 0;
    int px = sc(f, 16), pad = sc(f, 14);
    const struct gfx_text *t = gfx_text(f->gfx, FONT_REGULAR, px, UI_TEXT, m->error, w - 2 * pad - sc(f, 28));
    if (!t)
        return 0;
    int h = t->h + 2 * pad;
    gfx_round_rect(f->gfx, (SDL_Rect){ x, y, w, h }, sc(f, 10), (SDL_Color){ 92, 36, 44, 255 });
    gfx_fill(f->gfx, (SDL_Rect){ x, y + sc(f, 8), sc(f, 4), h - sc(f, 16) }, UI_BAD);
    float cx = x + pad + sc(f, 9), cy = y + pad + px * 0.6f;
    gfx_disc(f->gfx, cx, cy, sc(f, 10), UI_BAD);
    gfx_draw_text(f->gfx, FONT_BOLD, sc(f, 14), UI_TEXT, "!", (int)cx, (int)(cy - sc(f, 9)), GFX_CENTER);
    SDL_RenderCopy(f->gfx->ren, t->tex, NULL, &(SDL_Rect){ x + pad + sc(f, 28), y + pad, t->w, t->h });
    return h;
}

static void draw_pawn_row(const struct frame *f, int cx, int y, int size)
{
    int gap = size / 6, total = PROTO_LOOKS * size + (PROTO_LOOKS - 1) * gap;
    for (int i = 0; i < PROTO_LOOKS; i++)
        gfx_piece(f->gfx, (uint8_t)i, (float)(cx - total / 2 + i * (size + gap)), (float)y, (float)size, 255);
}

static void label(const struct frame *f, const char *s, int x, int y)
{
    gfx_draw_text(f->gfx, FONT_BOLD, sc(f, 14), UI_DIM, s, x, y, GFX_LEFT);
}

/* A spinner: a ring of dots, one bright, turning with the clock. */
static void spinner(const struct frame *f, int cx, int cy, int r)
{
    int lit = (int)(f->now / 90 % 8);
    for (int i = 0; i < 8; i++) {
        float ang = (float)i * 3.14159265f / 4.0f;
        int d = (lit - i + 8) % 8;
        SDL_Color c = UI_ACCENT;
        c.a = (Uint8)(255 - d * 28);
        gfx_disc(f->gfx, cx + SDL_cosf(ang) * r, cy + SDL_sinf(ang) * r, r * 0.22f, c);
    }
}

/* ======================================================================
 * The start screen
 * ====================================================================== */

static void draw_start(struct menus *m, const struct frame *f)
{
    int cw = SDL_min(sc(f, 460), f->w - 40), cx = f->w / 2, x = cx - cw / 2;
    int title = sc(f, 48), pawn = sc(f, 40);
    int field_h = sc(f, 44), gap = sc(f, 14), lab = sc(f, 22);
    int card_h = 2 * (lab + field_h) + gap * 5 + field_h + sc(f, 40) + sc(f, 10);
    int err_h = m->error[0] ? sc(f, 90) : 0;
    int total = pawn + sc(f, 12) + title + sc(f, 34) + err_h + card_h;
    int y = SDL_max(sc(f, 16), (f->h - total) / 2);

    draw_pawn_row(f, cx, y, pawn);
    y += pawn + sc(f, 12);
    gfx_draw_text(f->gfx, FONT_BOLD, title, UI_TEXT, "Pawn Party", cx, y, GFX_CENTER);
    y += gfx_line_height(f->gfx, FONT_BOLD, title);
    gfx_draw_text(f->gfx, FONT_REGULAR, sc(f, 17), UI_DIM, "One chessboard. Everyone on the LAN.", cx, y,
                  GFX_CENTER);
    y += sc(f, 34);
    int eh = draw_error(m, f, x, y, cw);
    y += eh ? eh + sc(f, 14) : 0;

    gfx_round_rect(f->gfx, (SDL_Rect){ x, y, cw, card_h }, sc(f, 14), UI_PANEL);
    int ix = x + sc(f, 24), iw = cw - sc(f, 48);
    y += sc(f, 20);
    ui_form_begin(&m->form);
    label(f, "Your name", ix, y);
    ui_form_add(&m->form, UI_KIND_FIELD, ID_NAME, (SDL_Rect){ ix, y + lab, iw, field_h }, NULL)->field = &m->name;
    y += lab + field_h + gap;
    label(f, "Port to host on", ix, y);
    ui_form_add(&m->form, UI_KIND_FIELD, ID_PORT, (SDL_Rect){ ix, y + lab, sc(f, 120), field_h }, NULL)->field =
        &m->port;
    gfx_draw_text(f->gfx, FONT_REGULAR, sc(f, 14), UI_DIM, "others join you on this port",
                  ix + sc(f, 134), y + lab + (field_h - sc(f, 18)) / 2, GFX_LEFT);
    y += lab + field_h + gap * 2;
    int bw = (iw - gap) / 2;
    ui_form_add(&m->form, UI_KIND_BUTTON, ID_HOST, (SDL_Rect){ ix, y, bw, field_h }, "Host a game")->style =
        UI_STYLE_PRIMARY;
    ui_form_add(&m->form, UI_KIND_BUTTON, ID_JOIN, (SDL_Rect){ ix + bw + gap, y, bw, field_h }, "Join a game");
    y += field_h + gap;
    ui_form_add(&m->form, UI_KIND_BUTTON, ID_QUIT, (SDL_Rect){ cx - sc(f, 60), y, sc(f, 120), sc(f, 36) }, "Quit")
        ->style = UI_STYLE_QUIET;
    ui_form_draw(&m->form, f->gfx, sc(f, 17), (uint32_t)f->now);
}

/* ======================================================================
 * The join screen
 * ====================================================================== */

/* A game found on the LAN; a full one is greyed (and its row disabled). */
static void draw_game_row(const struct frame *f, const struct found_game *fg, SDL_Rect r)
{
    int pad = sc(f, 14), px = sc(f, 17);
    int full = fg->g.a.players >= fg->g.a.max_players;
    char where[128], count[48];
    snprintf(where, sizeof where, "%s:%u", fg->g.host, fg->g.a.tcp_port);
    snprintf(count, sizeof count, full ? "full (%u/%u)" : "%u/%u players", fg->g.a.players, fg->g.a.max_players);
    SDL_Color name = UI_TEXT, dim = UI_DIM;
    Uint8 pawn = 255;
    if (full) {
        name = dim;
        dim.a = 150;
        pawn = 90;
    }
    gfx_piece(f->gfx, (uint8_t)(fg->g.a.tcp_port % PROTO_LOOKS), (float)(r.x + pad), (float)(r.y + (r.h - sc(f, 30)) / 2),
              (float)sc(f, 30), pawn);
    int tx = r.x + pad + sc(f, 40);
    int lh = gfx_line_height(f->gfx, FONT_BOLD, px);
    gfx_draw_text(f->gfx, FONT_BOLD, px, name, fg->g.a.name, tx, r.y + r.h / 2 - lh + sc(f, 3), GFX_LEFT);
    gfx_draw_text(f->gfx, FONT_REGULAR, sc(f, 14), dim, where, tx, r.y + r.h / 2 + sc(f, 2), GFX_LEFT);
    gfx_draw_text(f->gfx, FONT_BOLD, sc(f, 15), full ? UI_BAD : UI_GOOD, count, r.x + r.w - pad,
                  r.y + (r.h - sc(f, 18)) / 2, GFX_RIGHT);
}

static void draw_join(struct menus *m, const struct frame *f)
{
    int cw = SDL_min(sc(f, 620), f->w - 40), cx = f->w / 2, x = cx - cw / 2;
    int row_h = sc(f, 58), field_h = sc(f, 44), gap = sc(f, 14);
    int rest = sc(f, 60) + sc(f, 40) + field_h + gap * 2 + sc(f, 40) + (m->error[0] ? sc(f, 80) : 0);
    /* As many rows as the window has room for: 3 to 6. */
    int rows = SDL_clamp((f->h - rest - sc(f, 60)) / row_h, 3, 6);
    int list_h = row_h * rows + sc(f, 16);
    int total = rest + list_h;
    int y = SDL_max(sc(f, 16), (f->h - total) / 2);

    ui_form_begin(&m->form);
    gfx_draw_text(f->gfx, FONT_BOLD, sc(f, 32), UI_TEXT, "Join a game", x, y, GFX_LEFT);
    /* The name is on this screen too: "name taken" is fixed here. */
    int nw = SDL_min(sc(f, 210), cw / 2 - sc(f, 40)), nh = sc(f, 38);
    SDL_Rect nr = { x + cw - nw, y + sc(f, 2), nw, nh };
    gfx_draw_text(f->gfx, FONT_REGULAR, sc(f, 15), UI_DIM, "playing as", nr.x - sc(f, 10),
                  nr.y + (nh - gfx_line_height(f->gfx, FONT_REGULAR, sc(f, 15))) / 2, GFX_RIGHT);
    ui_form_add(&m->form, UI_KIND_FIELD, ID_JNAME, nr, NULL)->field = &m->name;
    y += sc(f, 50);
    int eh = draw_error(m, f, x, y, cw);
    y += eh ? eh + gap : 0;
    label(f, "Games on your network", x, y);
    y += sc(f, 22);

    SDL_Rect list = { x, y, cw, list_h };
    gfx_round_rect(f->gfx, list, sc(f, 12), UI_PANEL);
    int shown = SDL_min(m->ngames, rows);
    for (int i = 0; i < shown; i++) {
        SDL_Rect r = { x + sc(f, 8), y + sc(f, 8) + i * row_h, cw - sc(f, 16), row_h };
        const struct discovery_answer *a = &m->games[i].g.a;
        ui_form_add(&m->form, UI_KIND_ROW, ID_ROW + i, r, NULL)->disabled = a->players >= a->max_players;
    }
    if (m->ngames == 0) {
        const char *msg = m->dq_status[0] ? m->dq_status : "Looking for games on your network...";
        if (!m->dq_status[0])
            spinner(f, cx, y + list_h / 2 - sc(f, 16), sc(f, 12));
        const struct gfx_text *t = gfx_text(f->gfx, FONT_REGULAR, sc(f, 16), UI_DIM, msg, cw - sc(f, 60));
        if (t)
            SDL_RenderCopy(f->gfx->ren, t->tex, NULL,
                           &(SDL_Rect){ cx - t->w / 2, y + list_h / 2 + sc(f, 8), t->w, t->h });
    }
    y += list_h + gap;
    label(f, "Or type an address", x, y);
    y += sc(f, 22);
    int bw = sc(f, 110);
    ui_form_add(&m->form, UI_KIND_FIELD, ID_ADDR, (SDL_Rect){ x, y, cw - bw - gap, field_h }, NULL)->field = &m->addr;
    ui_form_add(&m->form, UI_KIND_BUTTON, ID_CONNECT, (SDL_Rect){ x + cw - bw, y, bw, field_h }, "Join")->style =
        UI_STYLE_PRIMARY;
    y += field_h + gap * 2;
    ui_form_add(&m->form, UI_KIND_BUTTON, ID_BACK, (SDL_Rect){ x, y, sc(f, 120), sc(f, 40) }, "Back");
    ui_form_draw(&m->form, f->gfx, sc(f, 17), (uint32_t)f->now);
    for (int i = 0; i < shown; i++)
        draw_game_row(f, &m->games[i], ui_form_find(&m->form, ID_ROW + i)->r);
}

/* ======================================================================
 * Cards on top: connecting, and the leave confirmation
 * ====================================================================== */

static void dim(const struct frame *f)
{
    gfx_fill(f->gfx, (SDL_Rect){ 0, 0, f->w, f->h }, (SDL_Color){ 8, 10, 16, 190 });
}

static SDL_Rect card(const struct frame *f, int w, int h)
{
    SDL_Rect r = { (f->w - w) / 2, (f->h - h) / 2, w, h };
    gfx_round_rect(f->gfx, (SDL_Rect){ r.x - 1, r.y - 1, r.w + 2, r.h + 2 }, sc(f, 17), UI_LINE);
    gfx_round_rect(f->gfx, r, sc(f, 16), UI_PANEL);
    return r;
}

static void draw_connecting(struct menus *m, const struct frame *f, const struct conn *c)
{
    dim(f);
    SDL_Rect r = card(f, sc(f, 420), sc(f, 200));
    spinner(f, r.x + r.w / 2, r.y + sc(f, 46), sc(f, 16));
    char msg[360];
    snprintf(msg, sizeof msg, c->host ? "Starting your game..." : "Joining %s...", c->target);
    gfx_draw_text(f->gfx, FONT_BOLD, sc(f, 19), UI_TEXT, msg, r.x + r.w / 2, r.y + sc(f, 84), GFX_CENTER);
    ui_form_begin(&m->form);
    if (m->form.focus_id != ID_CANCEL)
        ui_form_focus(&m->form, ID_CANCEL);
    ui_form_add(&m->form, UI_KIND_BUTTON, ID_CANCEL,
                (SDL_Rect){ r.x + r.w / 2 - sc(f, 70), r.y + r.h - sc(f, 62), sc(f, 140), sc(f, 40) }, "Cancel");
    ui_form_draw(&m->form, f->gfx, sc(f, 17), (uint32_t)f->now);
}

void menus_draw_confirm(struct menus *m, const struct frame *f, const struct conn *c)
{
    dim(f);
    SDL_Rect r = card(f, sc(f, 440), sc(f, 210));
    int cx = r.x + r.w / 2;
    gfx_draw_text(f->gfx, FONT_BOLD, sc(f, 24), UI_TEXT, "Leave the game?", cx, r.y + sc(f, 30), GFX_CENTER);
    const char *why = c->host ? "You are hosting: leaving ends the game for everyone."
                              : "You can join again from the start screen.";
    gfx_draw_text(f->gfx, FONT_REGULAR, sc(f, 15), UI_DIM, why, cx, r.y + sc(f, 76), GFX_CENTER);
    int bw = sc(f, 150), bh = sc(f, 44), by = r.y + r.h - bh - sc(f, 28);
    ui_form_begin(&m->form);
    ui_form_add(&m->form, UI_KIND_BUTTON, ID_YES, (SDL_Rect){ cx - bw - sc(f, 8), by, bw, bh }, "Leave")->style =
        UI_STYLE_PRIMARY;
    ui_form_add(&m->form, UI_KIND_BUTTON, ID_NO, (SDL_Rect){ cx + sc(f, 8), by, bw, bh }, "Stay");
    ui_form_draw(&m->form, f->gfx, sc(f, 17), (uint32_t)f->now);
}

void menus_draw(struct menus *m, const struct frame *f, enum screen s, const struct conn *c)
{
    if (s == SCREEN_JOIN)
        draw_join(m, f);
    else
        draw_start(m, f);
    if (c->connecting)
        draw_connecting(m, f, c);
    /* The IME's candidate window goes under the focused field. */
    const struct ui_widget *w = ui_form_find(&m->form, m->form.focus_id);
    if (w && w->kind == UI_KIND_FIELD)
        SDL_SetTextInputRect(&(SDL_Rect){ w->r.x, w->r.y, w->r.w, w->r.h });
}
