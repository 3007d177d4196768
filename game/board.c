/*
 * The game screen (board.h): layout, drawing and input.
 *
 * Everything is laid out from the window size each frame (board_layout),
 * so a resize or a scroll of a big board needs no other bookkeeping.
 */
#include "board.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Squares: the light and dark green the sprites were made to read on. */
#define SQ_LIGHT ((SDL_Color){ 238, 238, 210, 255 })
#define SQ_DARK ((SDL_Color){ 118, 150, 86, 255 })
#define FRAME ((SDL_Color){ 46, 54, 44, 255 })
#define NOPATH_MS 500 /* how long a square with no way to it flashes red */

/* What one frame of the game screen is drawn from. */
struct scene {
    struct board_view *b;   /* drawing keeps where its chips and marker went */
    const struct layout *L; /* &b->lay */
    const struct view *v;
    struct gfx *g;
    int w;                  /* the window's width */
    uint64_t now;
    int muted;
};

static int sc(const struct scene *sn, float v)
{
    return (int)(v * sn->L->s + 0.5f);
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* ======================================================================
 * State
 * ====================================================================== */

void board_init(struct board_view *b)
{
    memset(b, 0, sizeof *b);
    ui_field_init(&b->chat, PROTO_TEXT_MAX, 0, "Press Enter to chat");
    b->hover_chip = b->copied = -1;
}

void board_reset(struct board_view *b)
{
    b->chat_open = 0;
    ui_field_clear(&b->chat);
    b->hover_valid = 0;
    b->nopath_ms = 0;
    b->chat_scroll = b->chat_shown = b->chat_unseen = 0;
    b->chat_serial = 0;
    b->chat_marker = (SDL_Rect){ 0, 0, 0, 0 };
    b->nchips = 0;
    memset(b->chips, 0, sizeof b->chips);
    b->hover_chip = b->copied = -1;
}

void board_logged_in(struct board_view *b, uint16_t x, uint16_t y)
{
    b->spawn_x = x;
    b->spawn_y = y;
}

void board_no_way(struct board_view *b, struct path_point sq, uint64_t now_ms)
{
    b->nopath = sq;
    b->nopath_ms = now_ms ? now_ms : 1;
}

void board_pointer_left(struct board_view *b)
{
    b->hover_valid = 0;
    b->hover_chip = -1;
}

/* ======================================================================
 * Layout
 * ====================================================================== */

/* The square the board window centres on: mine, or where the host said I
 * spawn until my own put arrives. */
static void focus_square(const struct board_view *b, const struct view *v, int *x, int *y)
{
    const struct view_piece *me = view_me(v);
    *x = me ? me->x : b->spawn_x;
    *y = me ? me->y : b->spawn_y;
}

static void layout_board(const struct board_view *b, const struct view *v, struct layout *L, SDL_Rect area)
{
    int bw = SDL_max(v->mirror.board_w, 1), bh = SDL_max(v->mirror.board_h, 1);
    L->cols = SDL_min(bw, BOARD_WINDOW);
    L->rows = SDL_min(bh, BOARD_WINDOW);
    int pad = (int)(12 * L->s + 0.5f);
    L->cell = SDL_max(4, SDL_min((area.w - 2 * pad) / L->cols, (area.h - 2 * pad) / L->rows));
    L->board_x = area.x + (area.w - L->cols * L->cell) / 2;
    L->board_y = area.y + (area.h - L->rows * L->cell) / 2;
    L->frame = (SDL_Rect){ L->board_x - pad, L->board_y - pad, L->cols * L->cell + 2 * pad,
                           L->rows * L->cell + 2 * pad };
    int fx, fy;
    focus_square(b, v, &fx, &fy);
    L->origin_x = clampi(fx - L->cols / 2, 0, bw - L->cols);
    L->origin_y = clampi(fy - L->rows / 2, 0, bh - L->rows);
}

static void layout_panel(const struct view *v, struct layout *L)
{
    int m = (int)(16 * L->s + 0.5f), head = (int)(44 * L->s + 0.5f);
    int n = (int)SDL_max(v->npieces, 1);
    L->row = (int)((n > 6 ? 30 : 34) * L->s + 0.5f);
    int want = head + n * L->row + m / 2;
    /* The list may take most of the panel; the chat keeps the rest. */
    int players_h = SDL_min(want, L->panel.h * 62 / 100);
    L->players = (SDL_Rect){ L->panel.x, L->panel.y, L->panel.w, players_h };
    L->chat = (SDL_Rect){ L->panel.x, L->panel.y + players_h + m, L->panel.w, L->panel.h - players_h - m };
    int eh = (int)(40 * L->s + 0.5f), ep = (int)(12 * L->s + 0.5f);
    L->chat_entry = (SDL_Rect){ L->chat.x + ep, L->chat.y + L->chat.h - eh - ep, L->chat.w - 2 * ep, eh };
}

/* The name tag's size for a square of cell pixels: a fifth of the square,
 * within 9 px and 17 px at scale 1. */
static void layout_tags(struct layout *L, struct gfx *g)
{
    L->tag_px = clampi(L->cell / 5, 9, (int)(17 * L->s + 0.5f));
    L->tag_h = gfx_line_height(g, FONT_BOLD, L->tag_px) + 2;
    if (L->tag_h > L->cell / 2)
        L->tag_h = L->cell / 2;
}

/* Chat lines that came since the last frame: while scrolled up, the view
 * stays on the lines it shows and the newcomers are counted. */
static void take_chat(struct board_view *b, const struct view *v)
{
    uint32_t fresh = v->chat_serial - b->chat_serial;
    b->chat_serial = v->chat_serial;
    if (b->chat_scroll > 0) {
        b->chat_scroll += fresh;
        b->chat_unseen += fresh;
    }
    size_t max = v->nchat > 0 ? v->nchat - 1 : 0;
    if (b->chat_scroll > max)
        b->chat_scroll = max;
    if (b->chat_scroll == 0)
        b->chat_unseen = 0;
}

const struct layout *board_layout(struct board_view *b, const struct frame *f, const struct view *v)
{
    struct layout L;
    memset(&L, 0, sizeof L);
    L.s = f->s;
    int m = (int)(16 * L.s + 0.5f), top = (int)(52 * L.s + 0.5f);
    L.top = (SDL_Rect){ 0, 0, f->w, top };
    int pw = clampi(f->w * 30 / 100, (int)(220 * L.s), (int)(400 * L.s));
    L.panel = (SDL_Rect){ f->w - pw - m, top + m, pw, f->h - top - 2 * m };
    /* A strip of its own above the board for notices: they never cover a
     * piece. */
    int strip = (int)(30 * L.s + 0.5f);
    L.notice = (SDL_Rect){ m, top + m / 2, L.panel.x - 2 * m, strip };
    SDL_Rect area = { m, top + m / 2 + strip, L.panel.x - 2 * m, f->h - top - m / 2 - strip - m };
    layout_board(b, v, &L, area);
    layout_tags(&L, f->gfx);
    layout_panel(v, &L);
    b->lay = L;
    take_chat(b, v);
    return &b->lay;
}

/* The board square under a window pixel, if it is a drawn one. */
static int square_at(const struct layout *L, int px, int py, uint16_t *x, uint16_t *y)
{
    if (L->cell <= 0 || px < L->board_x || py < L->board_y)
        return 0;
    int c = (px - L->board_x) / L->cell, r = (py - L->board_y) / L->cell;
    if (c >= L->cols || r >= L->rows)
        return 0;
    *x = (uint16_t)(L->origin_x + c);
    *y = (uint16_t)(L->origin_y + r);
    return 1;
}

/* ======================================================================
 * The top bar
 * ====================================================================== */

#define COPIED_MS 1500 /* how long a chip says "Copied" */
#define SOUND_CHIP CONN_LAN_MAX

/* Two overlapping sheets: "copy". */
static void copy_glyph(const struct scene *sn, int x, int y, int sz, SDL_Color c, SDL_Color bg)
{
    int d = sz / 3, t = SDL_max(1, sz / 8), r = SDL_max(1, sz / 6);
    gfx_round_rect(sn->g, (SDL_Rect){ x + d, y, sz - d, sz - d }, r, c);
    gfx_round_rect(sn->g, (SDL_Rect){ x + d + t, y + t, sz - d - 2 * t, sz - d - 2 * t }, r, bg);
    gfx_round_rect(sn->g, (SDL_Rect){ x, y + d, sz - d, sz - d }, r, c);
    gfx_round_rect(sn->g, (SDL_Rect){ x + t, y + d + t, sz - d - 2 * t, sz - d - 2 * t }, r, bg);
}

/* A pill with text (and a copy glyph for an address) at x, centred on the
 * bar; returns its rectangle. */
static SDL_Rect chip(const struct scene *sn, int x, const char *text, int glyph, int hover, SDL_Color fg)
{
    const struct layout *L = sn->L;
    int px = sc(sn, 15), pad = sc(sn, 10), g = glyph ? sc(sn, 14) : 0;
    int w = gfx_text_width(sn->g, FONT_BOLD, px, text) + 2 * pad + (g ? g + sc(sn, 8) : 0);
    int h = sc(sn, 30);
    SDL_Rect r = { x, (L->top.h - h) / 2, w, h };
    SDL_Color bg = hover ? UI_BUTTON_HI : UI_BUTTON;
    gfx_round_rect(sn->g, r, h / 2, bg);
    int lh = gfx_line_height(sn->g, FONT_BOLD, px);
    gfx_draw_text(sn->g, FONT_BOLD, px, fg, text, r.x + pad, r.y + (h - lh) / 2, GFX_LEFT);
    if (g)
        copy_glyph(sn, r.x + r.w - pad - g, r.y + (h - g) / 2, g, UI_DIM, bg);
    return r;
}

/* Where others join a game this window hosts: every LAN address with the
 * port, each a chip that copies it when clicked. Returns the x after. */
static int draw_addresses(const struct scene *sn, const struct conn *c, int x)
{
    struct board_view *b = sn->b;
    int sp = sc(sn, 15), slh = gfx_line_height(sn->g, FONT_REGULAR, sp), mid = (sn->L->top.h - slh) / 2;
    b->nchips = 0;
    if (c->nlan == 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "hosting on port %s (no network found: only this computer can join)",
                 strrchr(c->target, ':') + 1);
        return x + gfx_draw_text(sn->g, FONT_REGULAR, sp, UI_DIM, msg, x, mid, GFX_LEFT);
    }
    x += gfx_draw_text(sn->g, FONT_REGULAR, sp, UI_DIM, "Players join at", x, mid,
                       GFX_LEFT) + sc(sn, 10);
    for (int i = 0; i < c->nlan && i < CONN_LAN_MAX; i++) {
        int copied = b->copied == i && sn->now - b->copied_ms < COPIED_MS;
        snprintf(b->chip_text[i], sizeof b->chip_text[i], "%s", c->lan[i]);
        b->chips[i] = chip(sn, x, copied ? "Copied!" : c->lan[i], !copied, b->hover_chip == i,
                           copied ? UI_GOOD : UI_TEXT);
        b->nchips = i + 1;
        x += b->chips[i].w + sc(sn, 8);
    }
    return x;
}

static void draw_top(const struct scene *sn, const struct conn *c)
{
    const struct layout *L = sn->L;
    struct board_view *b = sn->b;
    gfx_fill(sn->g, L->top, UI_PANEL);
    gfx_fill(sn->g, (SDL_Rect){ 0, L->top.h - 1, sn->w, 1 }, UI_LINE);
    const struct view_piece *me = view_me(sn->v);
    int m = sc(sn, 16), icon = sc(sn, 34), x = m;
    gfx_piece(sn->g, me ? me->look : 0, (float)x, (float)((L->top.h - icon) / 2), (float)icon, 255);
    x += icon + sc(sn, 8);
    int tp = sc(sn, 20), lh = gfx_line_height(sn->g, FONT_BOLD, tp);
    x += gfx_draw_text(sn->g, FONT_BOLD, tp, UI_TEXT, "Pawn Party", x, (L->top.h - lh) / 2, GFX_LEFT);
    x += sc(sn, 14);
    gfx_disc(sn->g, (float)x, L->top.h / 2.0f, sc(sn, 4), c->host ? UI_GOLD : UI_GOOD);
    x += sc(sn, 12);
    if (c->host) {
        x = draw_addresses(sn, c, x);
    } else {
        char where[400];
        int sp = sc(sn, 15), slh = gfx_line_height(sn->g, FONT_REGULAR, sp);
        if (c->game[0])
            snprintf(where, sizeof where, "%s's game at %s", c->game, c->target);
        else
            snprintf(where, sizeof where, "%s", c->target);
        b->nchips = 0;
        x += gfx_draw_text(sn->g, FONT_REGULAR, sp, UI_DIM, where, x, (L->top.h - slh) / 2, GFX_LEFT);
    }

    /* The sound switch at the right end, the key hints before it if they fit. */
    const char *snd = sn->muted ? "Sound off (M)" : "Sound on (M)";
    int sw = gfx_text_width(sn->g, FONT_BOLD, sc(sn, 15), snd) + 2 * sc(sn, 10);
    b->chips[SOUND_CHIP] = chip(sn, sn->w - m - sw, snd, 0, b->hover_chip == SOUND_CHIP, sn->muted ? UI_DIM : UI_TEXT);
    char hint[200];
    if (me && (sn->v->mirror.board_w > BOARD_WINDOW || sn->v->mirror.board_h > BOARD_WINDOW))
        snprintf(hint, sizeof hint, "square %u, %u of %ux%u   ·   Enter chat   ·   Esc leave", me->x, me->y,
                 sn->v->mirror.board_w, sn->v->mirror.board_h);
    else
        snprintf(hint, sizeof hint, "Arrows move · click walks · Enter chat · Esc leave");
    int hw = gfx_text_width(sn->g, FONT_REGULAR, sc(sn, 14), hint), right = sn->w - m - sw - sc(sn, 14);
    if (right - hw > x + sc(sn, 16))
        gfx_draw_text(sn->g, FONT_REGULAR, sc(sn, 14), UI_DIM, hint, right,
                      (L->top.h - gfx_line_height(sn->g, FONT_REGULAR, sc(sn, 14))) / 2, GFX_RIGHT);
}

/* ======================================================================
 * The board and its pieces
 * ====================================================================== */

struct drawn {
    const struct view_piece *p;
    float x, y; /* square coordinates, fractional while gliding */
};

static int by_row(const void *l, const void *r)
{
    const struct drawn *a = l, *b = r;
    return a->y < b->y ? -1 : a->y > b->y ? 1 : (a->p->id < b->p->id ? -1 : 1);
}

/* Window pixel of a (fractional) square's top-left corner. */
static void square_px(const struct scene *sn, float sx, float sy, float *px, float *py)
{
    *px = sn->L->board_x + (sx - sn->L->origin_x) * sn->L->cell;
    *py = sn->L->board_y + (sy - sn->L->origin_y) * sn->L->cell;
}

/* On a board bigger than the view, squares I cannot see are shaded, so
 * an empty-looking corner reads as "out of sight", not "nobody there". */
static void draw_fog(const struct scene *sn)
{
    const struct layout *L = sn->L;
    const struct view_piece *me = view_me(sn->v);
    int r = sn->v->mirror.view;
    if (!me || r == 0 || (r >= sn->v->mirror.board_w && r >= sn->v->mirror.board_h))
        return;
    for (int row = 0; row < L->rows; row++)
        for (int c = 0; c < L->cols; c++) {
            int dx = L->origin_x + c - me->x, dy = L->origin_y + row - me->y;
            if (SDL_abs(dx) <= r && SDL_abs(dy) <= r)
                continue;
            gfx_fill(sn->g, (SDL_Rect){ L->board_x + c * L->cell, L->board_y + row * L->cell, L->cell, L->cell },
                     (SDL_Color){ 10, 14, 24, 120 });
        }
}

static void draw_squares(const struct scene *sn, const struct walk *w)
{
    const struct layout *L = sn->L;
    const struct board_view *b = sn->b;
    gfx_round_rect(sn->g, L->frame, sc(sn, 12), FRAME);
    for (int r = 0; r < L->rows; r++)
        for (int c = 0; c < L->cols; c++) {
            /* Colour by board coordinates, so scrolling keeps the pattern. */
            int dark = (L->origin_x + c + L->origin_y + r) & 1;
            SDL_Rect sq = { L->board_x + c * L->cell, L->board_y + r * L->cell, L->cell, L->cell };
            gfx_fill(sn->g, sq, dark ? SQ_DARK : SQ_LIGHT);
        }
    draw_fog(sn);
    if (b->hover_valid) { /* a light wash and a white edge, on either colour */
        float x, y;
        square_px(sn, b->hover_x, b->hover_y, &x, &y);
        SDL_Rect sq = { (int)x, (int)y, L->cell, L->cell };
        int t = SDL_max(2, L->cell / 24);
        SDL_Color edge = { 255, 255, 255, 200 };
        gfx_fill(sn->g, sq, (SDL_Color){ 255, 255, 255, 60 });
        gfx_fill(sn->g, (SDL_Rect){ sq.x, sq.y, sq.w, t }, edge);
        gfx_fill(sn->g, (SDL_Rect){ sq.x, sq.y + sq.h - t, sq.w, t }, edge);
        gfx_fill(sn->g, (SDL_Rect){ sq.x, sq.y + t, t, sq.h - 2 * t }, edge);
        gfx_fill(sn->g, (SDL_Rect){ sq.x + sq.w - t, sq.y + t, t, sq.h - 2 * t }, edge);
    }
    if (b->nopath_ms && sn->now - b->nopath_ms < NOPATH_MS) {
        float x, y;
        square_px(sn, b->nopath.x, b->nopath.y, &x, &y);
        Uint8 al = (Uint8)(150 * (NOPATH_MS - (sn->now - b->nopath_ms)) / NOPATH_MS);
        gfx_fill(sn->g, (SDL_Rect){ (int)x, (int)y, L->cell, L->cell }, (SDL_Color){ 235, 70, 70, al });
    }
    if (w->on) {
        float x, y, c = L->cell / 2.0f;
        square_px(sn, w->goal.x, w->goal.y, &x, &y);
        gfx_ring(sn->g, x + c, y + c, c * 0.42f, UI_GOLD);
        gfx_disc(sn->g, x + c, y + c, c * 0.12f, UI_GOLD);
    }
}

/* My piece stands on a glowing gold square. */
static void draw_my_mark(const struct scene *sn, float x, float y)
{
    float cell = (float)sn->L->cell, c = cell / 2.0f;
    SDL_Color glow = UI_GOLD;
    glow.a = 110;
    gfx_fill(sn->g, (SDL_Rect){ (int)x, (int)y, sn->L->cell, sn->L->cell }, glow);
    gfx_ring(sn->g, x + c, y + c, c * 0.96f, UI_GOLD);
}

static size_t collect(const struct scene *sn, struct drawn *out)
{
    const struct layout *L = sn->L;
    size_t n = 0;
    for (size_t i = 0; i < sn->v->nslots; i++) {
        const struct view_piece *p = view_piece_at(sn->v, i);
        float x, y;
        if (!p)
            continue;
        view_piece_pos(p, sn->now, &x, &y);
        if (x < L->origin_x - 1 || y < L->origin_y - 1 || x > L->origin_x + L->cols || y > L->origin_y + L->rows)
            continue;
        out[n++] = (struct drawn){ p, x, y };
    }
    qsort(out, n, sizeof *out, by_row);
    return n;
}

/* 1 when another piece stands (or glides) right beside d in its row:
 * then both tags get one square's width, so neither hides the other. */
static int crowded(const struct drawn *d, size_t n, size_t i)
{
    for (size_t j = 0; j < n; j++) {
        if (j == i)
            continue;
        float dx = d[j].x - d[i].x, dy = d[j].y - d[i].y;
        if (dx < 1.6f && dx > -1.6f && dy < 0.6f && dy > -0.6f)
            return 1;
    }
    return 0;
}

/* The sprite's pawn fills rows 15..122 of its 128 (the rest is a clear
 * margin and a soft shadow): these fractions place the pawn, not the
 * picture. */
#define SPRITE_TOP 0.117f
#define SPRITE_BOTTOM 0.953f

/* Where a piece's sprite goes in its square (offsets from the square's
 * top-left corner, and its side): the pawn stands below the tag band and
 * on the square's foot, so no tag ever covers it. */
static void piece_box(const struct layout *L, float *dx, float *dy, float *size)
{
    float top = (float)L->tag_h + 1, bottom = L->cell * 0.985f;
    float sz = (bottom - top) / (SPRITE_BOTTOM - SPRITE_TOP);
    if (sz > L->cell * 0.92f)
        sz = L->cell * 0.92f;
    *size = sz;
    *dx = (L->cell - sz) / 2;
    *dy = bottom - SPRITE_BOTTOM * sz;
}

static void draw_tag(const struct scene *sn, const struct drawn *d, int mine, int tight)
{
    float x, y;
    square_px(sn, d->x, d->y, &x, &y);
    int px = sn->L->tag_px;
    SDL_Color fg = mine ? (SDL_Color){ 34, 28, 16, 255 } : UI_TEXT;
    /* Beside a neighbour a tag gets one square: it drops its colour dot,
     * then shrinks its text a little, and only then cuts the name. */
    int dot = mine || tight ? 0 : px / 2 + 2, padx = tight ? px / 3 + 1 : px / 2 + 2;
    int room = (int)(sn->L->cell * (tight ? 1.0f : 1.9f)) - 2 * padx - dot;
    int min_px = SDL_max(8, px * 3 / 4);
    while (px > min_px && gfx_text_width(sn->g, FONT_BOLD, px, d->p->name) > room)
        px--;
    char name[PROTO_NAME_LEN + 4];
    gfx_fit(sn->g, FONT_BOLD, px, d->p->name, room, name, sizeof name);
    const struct gfx_text *t = gfx_text(sn->g, FONT_BOLD, px, fg, name, 0);
    if (!t)
        return;
    /* In the band at the top of its own square: above its own pawn and
     * below the square above, whatever stands there. */
    int h = SDL_min(t->h + 2, sn->L->tag_h), w = t->w + 2 * padx + dot;
    int tx = (int)(x + sn->L->cell / 2.0f) - w / 2, ty = (int)y + 1;
    /* At the board's side a wide tag moves in rather than lose its ends. */
    int left = sn->L->board_x, right = sn->L->board_x + sn->L->cols * sn->L->cell;
    tx = clampi(tx, left, SDL_max(left, right - w));
    gfx_round_rect(sn->g, (SDL_Rect){ tx, ty, w, h }, h / 2, mine ? UI_GOLD : (SDL_Color){ 16, 20, 28, 215 });
    if (dot)
        gfx_disc(sn->g, tx + padx + px * 0.2f, ty + h / 2.0f, px * 0.22f, gfx_look_color(d->p->look));
    SDL_RenderCopy(sn->g->ren, t->tex, NULL, &(SDL_Rect){ tx + padx + dot, ty + (h - t->h) / 2, t->w, t->h });
}

static void draw_pieces(const struct scene *sn)
{
    struct drawn stack[64], *d = sn->v->npieces <= 64 ? stack : malloc(sn->v->npieces * sizeof *d);
    if (!d)
        return;
    size_t n = collect(sn, d);
    uint32_t my_id = sn->v->mirror.my_id;
    const struct layout *L = sn->L;
    SDL_Rect clip = { L->board_x, L->board_y, L->cols * L->cell, L->rows * L->cell };
    SDL_RenderSetClipRect(sn->g->ren, &clip);
    float dx, dy, size;
    piece_box(L, &dx, &dy, &size);
    for (size_t i = 0; i < n; i++) {
        float x, y;
        square_px(sn, d[i].x, d[i].y, &x, &y);
        if (d[i].p->id == my_id)
            draw_my_mark(sn, x, y);
        gfx_piece(sn->g, d[i].p->look, x + dx, y + dy, size, 255);
    }
    /* Tags after every piece (each in its own square's band, so they
     * cover none); mine last. */
    for (size_t i = 0; i < n; i++)
        if (d[i].p->id != my_id)
            draw_tag(sn, &d[i], 0, crowded(d, n, i));
    for (size_t i = 0; i < n; i++)
        if (d[i].p->id == my_id)
            draw_tag(sn, &d[i], 1, crowded(d, n, i));
    SDL_RenderSetClipRect(sn->g->ren, NULL);
    if (d != stack)
        free(d);
}

/* Joined / left / dropped: the newest few, side by side in the strip above
 * the board (where no piece is), fading out. */
#define NOTICES_SHOWN 3

static void draw_notices(const struct scene *sn)
{
    const struct layout *L = sn->L;
    int px = sc(sn, 15), pad = sc(sn, 12), dot = sc(sn, 14), gap = sc(sn, 8);
    const struct gfx_text *t[NOTICES_SHOWN];
    const struct view_notice *nt[NOTICES_SHOWN];
    float alpha[NOTICES_SHOWN];
    int k = 0, total = 0;
    /* Newest first, as many as fit across the strip. */
    for (size_t i = sn->v->nnotices; i-- > 0 && k < NOTICES_SHOWN;) {
        const struct view_notice *n = &sn->v->notices[i];
        float a = view_notice_alpha(n, sn->now);
        if (a <= 0)
            continue;
        const struct gfx_text *tx = gfx_text(sn->g, FONT_BOLD, px, UI_TEXT, n->text, 0);
        if (!tx)
            continue;
        int w = tx->w + 2 * pad + dot;
        if (total + w + (k ? gap : 0) > L->frame.w)
            break;
        total += w + (k ? gap : 0);
        t[k] = tx;
        nt[k] = n;
        alpha[k++] = a;
    }
    int x = L->frame.x + (L->frame.w - total) / 2;
    for (int i = 0; i < k; i++) {
        Uint8 al = (Uint8)(alpha[i] * 255);
        int w = t[i]->w + 2 * pad + dot, h = SDL_min(t[i]->h + sc(sn, 8), L->notice.h - 2);
        SDL_Rect r = { x, L->notice.y + (L->notice.h - h) / 2, w, h };
        gfx_round_rect(sn->g, r, h / 2, (SDL_Color){ 44, 52, 70, (Uint8)(alpha[i] * 255) });
        SDL_Color c = nt[i]->kind == VIEW_NOTICE_JOIN ? UI_GOOD : nt[i]->kind == VIEW_NOTICE_DROP ? UI_BAD : UI_DIM;
        c.a = al;
        gfx_disc(sn->g, r.x + pad + dot * 0.3f, r.y + h / 2.0f, dot * 0.3f, c);
        SDL_SetTextureAlphaMod(t[i]->tex, al);
        SDL_RenderCopy(sn->g->ren, t[i]->tex, NULL,
                       &(SDL_Rect){ r.x + pad + dot, r.y + (h - t[i]->h) / 2, t[i]->w, t[i]->h });
        x += w + gap;
    }
}

/* ======================================================================
 * The side panel: players and chat
 * ====================================================================== */

static void card_head(const struct scene *sn, SDL_Rect card, const char *title, const char *right)
{
    int pad = sc(sn, 14), px = sc(sn, 16);
    gfx_round_rect(sn->g, card, sc(sn, 12), UI_PANEL);
    gfx_draw_text(sn->g, FONT_BOLD, px, UI_TEXT, title, card.x + pad, card.y + sc(sn, 12), GFX_LEFT);
    if (right)
        gfx_draw_text(sn->g, FONT_REGULAR, sc(sn, 14), UI_DIM, right, card.x + card.w - pad, card.y + sc(sn, 14),
                      GFX_RIGHT);
}

static void draw_players(const struct scene *sn)
{
    const struct layout *L = sn->L;
    char count[48];
    int big = sn->v->mirror.board_w > BOARD_WINDOW || sn->v->mirror.board_h > BOARD_WINDOW;
    snprintf(count, sizeof count, big ? "%zu in view" : "%zu / %u", sn->v->npieces, sn->v->mirror.max_players);
    card_head(sn, L->players, "Players", count);
    int pad = sc(sn, 14), row = L->row, icon = row * 5 / 6, px = sc(sn, 16);
    int y = L->players.y + sc(sn, 44), bottom = L->players.y + L->players.h - sc(sn, 6);
    size_t fit = (size_t)SDL_max(0, (bottom - y) / row), n = sn->v->npieces;
    size_t shown = n <= fit ? n : (fit > 0 ? fit - 1 : 0);
    const struct view_piece *me = view_me(sn->v);
    /* Me first, then everyone else in the order they came into view. */
    for (size_t i = 0, k = 0; k < shown && i <= sn->v->nslots; i++) {
        const struct view_piece *p = i == 0 ? me : view_piece_at(sn->v, i - 1);
        if (!p || (i > 0 && p == me))
            continue;
        int ry = y + (int)k * row;
        if (p == me)
            gfx_round_rect(sn->g, (SDL_Rect){ L->players.x + sc(sn, 6), ry, L->players.w - sc(sn, 12), row }, sc(sn, 8),
                           (SDL_Color){ 246, 190, 74, 40 });
        gfx_piece(sn->g, p->look, (float)(L->players.x + pad), (float)(ry + (row - icon) / 2), (float)icon, 255);
        int lh = gfx_line_height(sn->g, FONT_REGULAR, px);
        int tx = L->players.x + pad + icon + sc(sn, 8);
        char name[PROTO_NAME_LEN + 4];
        enum font_style st = p == me ? FONT_BOLD : FONT_REGULAR;
        gfx_fit(sn->g, st, px, p->name, L->players.x + L->players.w - tx - sc(sn, p == me ? 52 : 14), name,
                sizeof name);
        int w = gfx_draw_text(sn->g, st, px, UI_TEXT, name, tx, ry + (row - lh) / 2, GFX_LEFT);
        if (p == me)
            gfx_draw_text(sn->g, FONT_BOLD, sc(sn, 13), UI_GOLD, "you", tx + w + sc(sn, 8), ry + (row - lh) / 2 + sc(sn, 2),
                          GFX_LEFT);
        k++;
    }
    if (shown < n) {
        char more[48];
        snprintf(more, sizeof more, "and %zu more", n - shown);
        gfx_draw_text(sn->g, FONT_REGULAR, sc(sn, 14), UI_DIM, more, L->players.x + pad,
                      y + (int)shown * row + sc(sn, 6), GFX_LEFT);
    }
}

/* One chat line, drawn upwards from *bottom: the speaker's name (only
 * when the line above is someone else's) and the wrapped message. */
static int draw_chat_line(const struct scene *sn, const struct view_chat *c, const struct view_chat *above, int *bottom,
                          int top)
{
    const struct layout *L = sn->L;
    int pad = sc(sn, 14), px = sc(sn, 15), wrap = L->chat.w - 2 * pad;
    const struct gfx_text *t;
    if (c->id == 0) { /* a system line: joins and leaves */
        t = gfx_text(sn->g, FONT_REGULAR, sc(sn, 13), UI_DIM, c->text, wrap);
        if (!t || *bottom - t->h < top)
            return 0;
        *bottom -= t->h + sc(sn, 6);
        SDL_RenderCopy(sn->g->ren, t->tex, NULL, &(SDL_Rect){ L->chat.x + pad, *bottom, t->w, t->h });
        return 1;
    }
    t = gfx_text(sn->g, FONT_REGULAR, px, UI_TEXT, c->text, wrap - sc(sn, 8));
    int show_name = !above || above->id != c->id;
    int nh = show_name ? gfx_line_height(sn->g, FONT_BOLD, sc(sn, 13)) : 0;
    int h = (t ? t->h : 0) + nh + sc(sn, show_name ? 8 : 2);
    if (!t || *bottom - h < top)
        return 0;
    *bottom -= h;
    int y = *bottom + sc(sn, show_name ? 6 : 0);
    if (show_name) {
        SDL_Color nc = c->mine ? UI_GOLD : gfx_look_color(c->look);
        gfx_draw_text(sn->g, FONT_BOLD, sc(sn, 13), nc, c->name, L->chat.x + pad, y, GFX_LEFT);
        y += nh;
    }
    SDL_RenderCopy(sn->g->ren, t->tex, NULL, &(SDL_Rect){ L->chat.x + pad + sc(sn, 8), y, t->w, t->h });
    gfx_fill(sn->g, (SDL_Rect){ L->chat.x + pad, y + sc(sn, 2), sc(sn, 2), t->h - sc(sn, 4) },
             c->mine ? UI_GOLD : gfx_look_color(c->look));
    return 1;
}

/* "3 new messages" (or "Newest"): a pill at the foot of the chat while it
 * is scrolled up; a click on it scrolls back down. */
static void draw_chat_marker(const struct scene *sn, int bottom)
{
    struct board_view *b = sn->b;
    const struct layout *L = sn->L;
    b->chat_marker = (SDL_Rect){ 0, 0, 0, 0 };
    if (b->chat_scroll == 0)
        return;
    char text[64];
    if (b->chat_unseen == 1)
        snprintf(text, sizeof text, "1 new message  \xE2\x86\x93");
    else if (b->chat_unseen > 1)
        snprintf(text, sizeof text, "%zu new messages  \xE2\x86\x93", b->chat_unseen);
    else
        snprintf(text, sizeof text, "Newest  \xE2\x86\x93");
    int px = sc(sn, 14), pad = sc(sn, 12);
    const struct gfx_text *t = gfx_text(sn->g, FONT_BOLD, px, UI_TEXT, text, 0);
    if (!t)
        return;
    int w = t->w + 2 * pad, h = t->h + sc(sn, 8);
    SDL_Rect r = { L->chat.x + (L->chat.w - w) / 2, bottom - h - sc(sn, 4), w, h };
    gfx_round_rect(sn->g, r, h / 2, b->chat_unseen ? UI_ACCENT : UI_BUTTON_HI);
    SDL_RenderCopy(sn->g->ren, t->tex, NULL, &(SDL_Rect){ r.x + pad, r.y + (h - t->h) / 2, t->w, t->h });
    b->chat_marker = r;
}

static void draw_chat(const struct scene *sn)
{
    const struct layout *L = sn->L;
    struct board_view *b = sn->b;
    card_head(sn, L->chat, "Chat", b->chat_open ? "Enter send · Esc cancel" : NULL);
    int top = L->chat.y + sc(sn, 40), bottom = L->chat_entry.y - sc(sn, 8), y = bottom;
    SDL_RenderSetClipRect(sn->g->ren, &(SDL_Rect){ L->chat.x, top, L->chat.w, bottom - top });
    size_t i = b->chat_scroll, shown = 0;
    for (; i < sn->v->nchat; i++, shown++)
        if (!draw_chat_line(sn, view_chat_line(sn->v, i), view_chat_line(sn->v, i + 1), &y, top))
            break;
    b->chat_shown = shown;
    draw_chat_marker(sn, bottom);
    SDL_RenderSetClipRect(sn->g->ren, NULL);
    SDL_Rect caret;
    ui_draw_field(sn->g, &b->chat, L->chat_entry, b->chat_open, sc(sn, 15), b->caret_ms, (uint32_t)sn->now,
                  &caret);
    if (b->chat_open)
        SDL_SetTextInputRect(&caret);
}

/* ======================================================================
 * The screen
 * ====================================================================== */

void board_draw(struct board_view *b, const struct frame *f, const struct view *v, const struct walk *w,
                const struct conn *c)
{
    struct scene sn = { b, &b->lay, v, f->gfx, f->w, f->now, f->muted };
    draw_top(&sn, c);
    draw_squares(&sn, w);
    draw_pieces(&sn);
    draw_notices(&sn);
    draw_players(&sn);
    draw_chat(&sn);
}

int board_wants_hand(const struct board_view *b)
{
    return b->hover_valid || b->hover_chip >= 0;
}

int board_busy(const struct board_view *b, const struct view *v, uint64_t now_ms)
{
    if (view_animating(v, now_ms))
        return 1;
    if (b->copied >= 0 && now_ms - b->copied_ms < COPIED_MS + 50)
        return 1; /* "Copied!" goes back to the address */
    if (b->nopath_ms && now_ms - b->nopath_ms < NOPATH_MS)
        return 1;
    for (size_t i = 0; i < v->nnotices; i++)
        if (view_notice_alpha(&v->notices[i], now_ms) < 1.0f)
            return 1; /* fading */
    return 0;
}

/* ======================================================================
 * Input
 * ====================================================================== */

static const struct app_cmd no_cmd = { .kind = CMD_NONE };

static int key_dir(SDL_Keycode k)
{
    switch (k) {
    case SDLK_UP: case SDLK_w: return DIR_UP;
    case SDLK_DOWN: case SDLK_s: return DIR_DOWN;
    case SDLK_LEFT: case SDLK_a: return DIR_LEFT;
    case SDLK_RIGHT: case SDLK_d: return DIR_RIGHT;
    default: return -1;
    }
}

/* Scrolls the chat by delta lines (positive: back to older lines). */
static void scroll_chat(struct board_view *b, const struct view *v, long delta)
{
    long max = v->nchat > 0 ? (long)v->nchat - 1 : 0, at = (long)b->chat_scroll + delta;
    b->chat_scroll = (size_t)(at < 0 ? 0 : at > max ? max : at);
    if (b->chat_scroll == 0)
        b->chat_unseen = 0;
}

/* PgUp / PgDn: a page (the lines shown, less one kept for context). */
static int page_key(struct board_view *b, const struct view *v, SDL_Keycode sym)
{
    long page = b->chat_shown > 1 ? (long)b->chat_shown - 1 : 1;
    if (sym == SDLK_PAGEUP)
        scroll_chat(b, v, page);
    else if (sym == SDLK_PAGEDOWN)
        scroll_chat(b, v, -page);
    else
        return 0;
    return 1;
}

static void close_chat(struct board_view *b)
{
    b->chat_open = 0;
    ui_field_clear(&b->chat);
}

static void open_chat(struct board_view *b)
{
    b->chat_open = 1;
    b->caret_ms = SDL_GetTicks();
}

static struct app_cmd chat_key(struct board_view *b, const struct view *v, const SDL_KeyboardEvent *k)
{
    uint32_t now = SDL_GetTicks();
    if (ui_field_composing(&b->chat, now))
        return no_cmd; /* the input method owns this key (or just committed with it) */
    if (page_key(b, v, k->keysym.sym))
        return no_cmd;
    switch (k->keysym.sym) {
    case SDLK_ESCAPE:
        close_chat(b);
        return no_cmd;
    case SDLK_RETURN:
    case SDLK_KP_ENTER: {
        struct app_cmd c = { .kind = CMD_CHAT };
        snprintf(c.text, sizeof c.text, "%s", b->chat.text);
        close_chat(b);
        return c;
    }
    default:
        if (ui_field_key(&b->chat, &k->keysym))
            b->caret_ms = now;
        return no_cmd;
    }
}

static struct app_cmd game_key(struct board_view *b, const struct view *v, const SDL_KeyboardEvent *k,
                               uint64_t now_ms)
{
    SDL_Keycode sym = k->keysym.sym;
    int mods = (k->keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)) != 0;
    if (sym == SDLK_ESCAPE)
        return (struct app_cmd){ .kind = CMD_GOTO, .screen = SCREEN_CONFIRM };
    if (page_key(b, v, sym))
        return no_cmd;
    if (sym == SDLK_END && !mods) {
        scroll_chat(b, v, -(long)b->chat_scroll);
        return no_cmd;
    }
    if (sym == SDLK_m && !mods)
        return k->repeat ? no_cmd : (struct app_cmd){ .kind = CMD_MUTE };
    if (sym == SDLK_RETURN || sym == SDLK_KP_ENTER) {
        if (!k->repeat)
            open_chat(b);
        return no_cmd;
    }
    int dir = key_dir(sym);
    if (dir < 0 || mods)
        return no_cmd;
    /* A held key walks one square per glide, not at the keyboard's
     * repeat rate (which would outrun the animation); presses always go. */
    if (k->repeat && now_ms - b->key_move_ms < VIEW_GLIDE_MS)
        return no_cmd;
    b->key_move_ms = now_ms;
    return (struct app_cmd){ .kind = CMD_MOVE, .dir = dir };
}

/* The chip under a point: an address (0..nchips-1), the sound switch
 * (SOUND_CHIP), or -1. */
static int chip_at(const struct board_view *b, int x, int y)
{
    SDL_Point p = { x, y };
    for (int i = 0; i < b->nchips; i++)
        if (SDL_PointInRect(&p, &b->chips[i]))
            return i;
    return SDL_PointInRect(&p, &b->chips[SOUND_CHIP]) ? SOUND_CHIP : -1;
}

static struct app_cmd mouse_down(struct board_view *b, const struct view *v, const SDL_MouseButtonEvent *m,
                                 uint64_t now_ms)
{
    if (m->button != SDL_BUTTON_LEFT)
        return no_cmd;
    SDL_Point p = { m->x, m->y };
    int chip = chip_at(b, m->x, m->y);
    if (chip == SOUND_CHIP)
        return (struct app_cmd){ .kind = CMD_MUTE };
    if (chip >= 0) {
        struct app_cmd c = { .kind = CMD_COPY };
        snprintf(c.text, sizeof c.text, "%s", b->chip_text[chip]);
        b->copied = chip;
        b->copied_ms = now_ms;
        return c;
    }
    if (b->chat_marker.w > 0 && SDL_PointInRect(&p, &b->chat_marker)) {
        scroll_chat(b, v, -(long)b->chat_scroll);
        return no_cmd;
    }
    if (SDL_PointInRect(&p, &b->lay.chat_entry)) {
        if (!b->chat_open)
            open_chat(b);
        return no_cmd;
    }
    uint16_t x, y;
    const struct view_piece *me = view_me(v);
    if (me && square_at(&b->lay, m->x, m->y, &x, &y) && !(x == me->x && y == me->y))
        return (struct app_cmd){ .kind = CMD_WALK, .x = x, .y = y };
    return no_cmd;
}

static void chat_text(struct board_view *b, const char *text)
{
    if (b->chat.comp[0])
        b->chat.comp_end_ms = SDL_GetTicks();
    b->chat.comp[0] = '\0';
    ui_field_insert(&b->chat, text);
    b->caret_ms = SDL_GetTicks();
}

struct app_cmd board_event(struct board_view *b, const struct view *v, const SDL_Event *e, uint64_t now_ms)
{
    switch (e->type) {
    case SDL_KEYDOWN:
        return b->chat_open ? chat_key(b, v, &e->key) : game_key(b, v, &e->key, now_ms);
    case SDL_TEXTINPUT:
        if (b->chat_open)
            chat_text(b, e->text.text);
        break;
    case SDL_TEXTEDITING:
        if (b->chat_open)
            ui_field_compose(&b->chat, e->edit.text, SDL_GetTicks());
        break;
    case SDL_MOUSEMOTION:
        b->mouse_x = e->motion.x;
        b->mouse_y = e->motion.y;
        b->hover_valid = square_at(&b->lay, e->motion.x, e->motion.y, &b->hover_x, &b->hover_y);
        b->hover_chip = chip_at(b, e->motion.x, e->motion.y);
        break;
    case SDL_MOUSEWHEEL: {
        SDL_Point p = { b->mouse_x, b->mouse_y };
        int dy = e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -e->wheel.y : e->wheel.y;
        if (SDL_PointInRect(&p, &b->lay.chat))
            scroll_chat(b, v, 3L * dy); /* up: older lines */
        break;
    }
    case SDL_MOUSEBUTTONDOWN:
        return mouse_down(b, v, &e->button, now_ms);
    default:
        break;
    }
    return no_cmd;
}
