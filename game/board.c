/*
 * The game screen: the top bar, the board with its pieces, name tags and
 * notices, the player list and the chat; and the game's input (keys move,
 * a click walks, Enter chats, Esc asks to leave).
 *
 * Everything is laid out from the window size each frame (board_layout),
 * so a resize or a scroll of a big board needs no other bookkeeping.
 */
#include "app_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Squares: the light and dark green the sprites were made to read on. */
#define SQ_LIGHT ((SDL_Color){ 238, 238, 210, 255 })
#define SQ_DARK ((SDL_Color){ 118, 150, 86, 255 })
#define FRAME ((SDL_Color){ 46, 54, 44, 255 })
#define NOPATH_MS 500 /* how long a square with no way to it flashes red */

static int sc(const struct app *a, float v)
{
    return (int)(v * a->lay.s + 0.5f);
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* ======================================================================
 * Layout
 * ====================================================================== */

/* The square the board window centres on: mine, or where the host said I
 * spawn until my own put arrives. */
static void focus_square(const struct app *a, int *x, int *y)
{
    const struct view_piece *me = view_me(&a->view);
    *x = me ? me->x : a->login_x;
    *y = me ? me->y : a->login_y;
}

static void layout_board(struct app *a, struct layout *L, SDL_Rect area)
{
    int bw = SDL_max(a->view.mirror.board_w, 1), bh = SDL_max(a->view.mirror.board_h, 1);
    L->cols = SDL_min(bw, BOARD_WINDOW);
    L->rows = SDL_min(bh, BOARD_WINDOW);
    int pad = (int)(12 * L->s + 0.5f);
    L->cell = SDL_max(4, SDL_min((area.w - 2 * pad) / L->cols, (area.h - 2 * pad) / L->rows));
    L->board_x = area.x + (area.w - L->cols * L->cell) / 2;
    L->board_y = area.y + (area.h - L->rows * L->cell) / 2;
    L->frame = (SDL_Rect){ L->board_x - pad, L->board_y - pad, L->cols * L->cell + 2 * pad,
                           L->rows * L->cell + 2 * pad };
    int fx, fy;
    focus_square(a, &fx, &fy);
    L->origin_x = clampi(fx - L->cols / 2, 0, bw - L->cols);
    L->origin_y = clampi(fy - L->rows / 2, 0, bh - L->rows);
}

static void layout_panel(struct app *a, struct layout *L)
{
    int m = (int)(16 * L->s + 0.5f), head = (int)(44 * L->s + 0.5f);
    int n = (int)SDL_max(a->view.npieces, 1);
    L->row = (int)((n > 6 ? 30 : 34) * L->s + 0.5f);
    int want = head + n * L->row + m / 2;
    /* The list may take most of the panel; the chat keeps the rest. */
    int players_h = SDL_min(want, L->panel.h * 62 / 100);
    L->players = (SDL_Rect){ L->panel.x, L->panel.y, L->panel.w, players_h };
    L->chat = (SDL_Rect){ L->panel.x, L->panel.y + players_h + m, L->panel.w, L->panel.h - players_h - m };
    int eh = (int)(40 * L->s + 0.5f), ep = (int)(12 * L->s + 0.5f);
    L->chat_entry = (SDL_Rect){ L->chat.x + ep, L->chat.y + L->chat.h - eh - ep, L->chat.w - 2 * ep, eh };
}

static int layout_differs(const struct layout *p, const struct layout *q)
{
    return p->board_x != q->board_x || p->board_y != q->board_y || p->cell != q->cell || p->cols != q->cols
        || p->rows != q->rows || p->origin_x != q->origin_x || p->origin_y != q->origin_y;
}

void board_layout(struct app *a)
{
    struct layout L;
    memset(&L, 0, sizeof L);
    L.s = app_scale(a);
    int m = (int)(16 * L.s + 0.5f), top = (int)(52 * L.s + 0.5f);
    L.top = (SDL_Rect){ 0, 0, a->w, top };
    int pw = clampi(a->w * 30 / 100, (int)(220 * L.s), (int)(400 * L.s));
    L.panel = (SDL_Rect){ a->w - pw - m, top + m, pw, a->h - top - 2 * m };
    /* Room above the board for the top row's name tags. */
    int tag = (int)(10 * L.s + 0.5f);
    SDL_Rect area = { m, top + m + tag, L.panel.x - 2 * m, a->h - top - 2 * m - tag };
    layout_board(a, &L, area);
    layout_panel(a, &L);
    a->lay = L;
    if (!a->layout_printed || layout_differs(&a->printed, &L)) {
        a->printed = L;
        a->layout_printed = 1;
        app_test_line(a, "layout board_x=%d board_y=%d cell=%d cols=%d rows=%d origin_x=%d origin_y=%d", L.board_x,
                      L.board_y, L.cell, L.cols, L.rows, L.origin_x, L.origin_y);
        app_world_changed(a);
    }
}

/* The board square under a window pixel, if it is a drawn one. */
static int square_at(const struct app *a, int px, int py, uint16_t *x, uint16_t *y)
{
    const struct layout *L = &a->lay;
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

static void draw_top(struct app *a)
{
    const struct layout *L = &a->lay;
    gfx_fill(&a->gfx, L->top, UI_PANEL);
    gfx_fill(&a->gfx, (SDL_Rect){ 0, L->top.h - 1, a->w, 1 }, UI_LINE);
    const struct view_piece *me = view_me(&a->view);
    int m = sc(a, 16), icon = sc(a, 34), x = m;
    gfx_piece(&a->gfx, me ? me->look : 0, (float)x, (float)((L->top.h - icon) / 2), (float)icon, 255);
    x += icon + sc(a, 8);
    int tp = sc(a, 20), lh = gfx_line_height(&a->gfx, FONT_BOLD, tp);
    x += gfx_draw_text(&a->gfx, FONT_BOLD, tp, UI_TEXT, "Pawn Party", x, (L->top.h - lh) / 2, GFX_LEFT);
    char where[400];
    if (a->host)
        snprintf(where, sizeof where, "hosting on port %s", strrchr(a->target, ':') + 1);
    else
        snprintf(where, sizeof where, "%s", a->target);
    int sp = sc(a, 15), slh = gfx_line_height(&a->gfx, FONT_REGULAR, sp);
    x += sc(a, 14);
    gfx_disc(&a->gfx, (float)x, L->top.h / 2.0f, sc(a, 4), a->host ? UI_GOLD : UI_GOOD);
    gfx_draw_text(&a->gfx, FONT_REGULAR, sp, UI_DIM, where, x + sc(a, 10), (L->top.h - slh) / 2, GFX_LEFT);

    char hint[200];
    if (me && (a->view.mirror.board_w > BOARD_WINDOW || a->view.mirror.board_h > BOARD_WINDOW))
        snprintf(hint, sizeof hint, "square %u, %u of %ux%u   ·   Enter chat   ·   Esc leave", me->x, me->y,
                 a->view.mirror.board_w, a->view.mirror.board_h);
    else
        snprintf(hint, sizeof hint, "Arrows / WASD move   ·   click to walk   ·   Enter chat   ·   Esc leave");
    int hw = gfx_text_width(&a->gfx, FONT_REGULAR, sc(a, 14), hint);
    if (hw < a->w / 2)
        gfx_draw_text(&a->gfx, FONT_REGULAR, sc(a, 14), UI_DIM, hint, a->w - m,
                      (L->top.h - gfx_line_height(&a->gfx, FONT_REGULAR, sc(a, 14))) / 2, GFX_RIGHT);
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
static void square_px(const struct app *a, float sx, float sy, float *px, float *py)
{
    *px = a->lay.board_x + (sx - a->lay.origin_x) * a->lay.cell;
    *py = a->lay.board_y + (sy - a->lay.origin_y) * a->lay.cell;
}

/* On a board bigger than the view, squares I cannot see are shaded, so
 * an empty-looking corner reads as "out of sight", not "nobody there". */
static void draw_fog(struct app *a)
{
    const struct layout *L = &a->lay;
    const struct view_piece *me = view_me(&a->view);
    int r = a->view.mirror.view;
    if (!me || r == 0 || (r >= a->view.mirror.board_w && r >= a->view.mirror.board_h))
        return;
    for (int row = 0; row < L->rows; row++)
        for (int c = 0; c < L->cols; c++) {
            int dx = L->origin_x + c - me->x, dy = L->origin_y + row - me->y;
            if (SDL_abs(dx) <= r && SDL_abs(dy) <= r)
                continue;
            gfx_fill(&a->gfx, (SDL_Rect){ L->board_x + c * L->cell, L->board_y + row * L->cell, L->cell, L->cell },
                     (SDL_Color){ 10, 14, 24, 120 });
        }
}

static void draw_squares(struct app *a)
{
    const struct layout *L = &a->lay;
    gfx_round_rect(&a->gfx, L->frame, sc(a, 12), FRAME);
    for (int r = 0; r < L->rows; r++)
        for (int c = 0; c < L->cols; c++) {
            /* Colour by board coordinates, so scrolling keeps the pattern. */
            int dark = (L->origin_x + c + L->origin_y + r) & 1;
            SDL_Rect sq = { L->board_x + c * L->cell, L->board_y + r * L->cell, L->cell, L->cell };
            gfx_fill(&a->gfx, sq, dark ? SQ_DARK : SQ_LIGHT);
        }
    draw_fog(a);
    if (a->hover_valid) { /* a light wash and a white edge, on either colour */
        float x, y;
        square_px(a, a->hover_x, a->hover_y, &x, &y);
        SDL_Rect sq = { (int)x, (int)y, L->cell, L->cell };
        int t = SDL_max(2, L->cell / 24);
        SDL_Color edge = { 255, 255, 255, 200 };
        gfx_fill(&a->gfx, sq, (SDL_Color){ 255, 255, 255, 60 });
        gfx_fill(&a->gfx, (SDL_Rect){ sq.x, sq.y, sq.w, t }, edge);
        gfx_fill(&a->gfx, (SDL_Rect){ sq.x, sq.y + sq.h - t, sq.w, t }, edge);
        gfx_fill(&a->gfx, (SDL_Rect){ sq.x, sq.y + t, t, sq.h - 2 * t }, edge);
        gfx_fill(&a->gfx, (SDL_Rect){ sq.x + sq.w - t, sq.y + t, t, sq.h - 2 * t }, edge);
    }
    if (a->nopath_ms && a->now - a->nopath_ms < NOPATH_MS) {
        float x, y;
        square_px(a, a->nopath.x, a->nopath.y, &x, &y);
        Uint8 al = (Uint8)(150 * (NOPATH_MS - (a->now - a->nopath_ms)) / NOPATH_MS);
        gfx_fill(&a->gfx, (SDL_Rect){ (int)x, (int)y, L->cell, L->cell }, (SDL_Color){ 235, 70, 70, al });
    }
    if (a->walking) {
        float x, y, c = L->cell / 2.0f;
        square_px(a, a->goal.x, a->goal.y, &x, &y);
        gfx_ring(&a->gfx, x + c, y + c, c * 0.42f, UI_GOLD);
        gfx_disc(&a->gfx, x + c, y + c, c * 0.12f, UI_GOLD);
    }
}

/* My piece stands on a glowing gold square. */
static void draw_my_mark(struct app *a, float x, float y)
{
    float cell = (float)a->lay.cell, c = cell / 2.0f;
    SDL_Color glow = UI_GOLD;
    glow.a = 110;
    gfx_fill(&a->gfx, (SDL_Rect){ (int)x, (int)y, a->lay.cell, a->lay.cell }, glow);
    gfx_ring(&a->gfx, x + c, y + c, c * 0.96f, UI_GOLD);
}

static size_t collect(struct app *a, struct drawn *out)
{
    const struct layout *L = &a->lay;
    size_t n = 0;
    for (size_t i = 0; i < a->view.npieces; i++) {
        const struct view_piece *p = &a->view.pieces[i];
        float x, y;
        view_piece_pos(p, a->now, &x, &y);
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

static void draw_tag(struct app *a, const struct drawn *d, int mine, int tight)
{
    float x, y;
    square_px(a, d->x, d->y, &x, &y);
    int px = clampi(a->lay.cell / 5, sc(a, 11), sc(a, 17));
    SDL_Color fg = mine ? (SDL_Color){ 34, 28, 16, 255 } : UI_TEXT;
    /* Beside a neighbour a tag gets one square: it drops its colour dot,
     * then shrinks its text a little, and only then cuts the name. */
    int dot = mine || tight ? 0 : px / 2 + 2, padx = tight ? px / 3 + 1 : px / 2 + 2;
    int room = (int)(a->lay.cell * (tight ? 1.0f : 1.9f)) - 2 * padx - dot;
    int min_px = SDL_max(9, px * 3 / 4);
    while (px > min_px && gfx_text_width(&a->gfx, FONT_BOLD, px, d->p->name) > room)
        px--;
    char name[PROTO_NAME_LEN + 4];
    gfx_fit(&a->gfx, FONT_BOLD, px, d->p->name, room, name, sizeof name);
    const struct gfx_text *t = gfx_text(&a->gfx, FONT_BOLD, px, fg, name, 0);
    if (!t)
        return;
    int w = t->w + 2 * padx + dot, h = t->h + 2;
    int tx = (int)(x + a->lay.cell / 2.0f) - w / 2, ty = (int)(y + a->lay.cell * 0.06f) - h;
    gfx_round_rect(&a->gfx, (SDL_Rect){ tx, ty, w, h }, h / 2, mine ? UI_GOLD : (SDL_Color){ 16, 20, 28, 215 });
    if (dot)
        gfx_disc(&a->gfx, tx + padx + px * 0.2f, ty + h / 2.0f, px * 0.22f, gfx_look_color(d->p->look));
    SDL_RenderCopy(a->ren, t->tex, NULL, &(SDL_Rect){ tx + padx + dot, ty + 1, t->w, t->h });
}

static void draw_pieces(struct app *a)
{
    struct drawn stack[64], *d = a->view.npieces <= 64 ? stack : malloc(a->view.npieces * sizeof *d);
    if (!d)
        return;
    size_t n = collect(a, d);
    uint32_t my_id = a->view.mirror.my_id;
    const struct layout *L = &a->lay;
    SDL_Rect clip = { L->board_x, L->board_y, L->cols * L->cell, L->rows * L->cell };
    SDL_RenderSetClipRect(a->ren, &clip);
    float size = L->cell * 0.92f, inset = (L->cell - size) / 2;
    for (size_t i = 0; i < n; i++) {
        float x, y;
        square_px(a, d[i].x, d[i].y, &x, &y);
        if (d[i].p->id == my_id)
            draw_my_mark(a, x, y);
        gfx_piece(&a->gfx, d[i].p->look, x + inset, y + inset - L->cell * 0.02f, size, 255);
    }
    SDL_RenderSetClipRect(a->ren, NULL);
    /* Tags after every piece, so that no pawn covers a name; mine last. */
    for (size_t i = 0; i < n; i++)
        if (d[i].p->id != my_id)
            draw_tag(a, &d[i], 0, crowded(d, n, i));
    for (size_t i = 0; i < n; i++)
        if (d[i].p->id == my_id)
            draw_tag(a, &d[i], 1, crowded(d, n, i));
    if (d != stack)
        free(d);
}

/* Joined / left / dropped: the newest few, fading out at the foot of the
 * board, where they cover the least. */
#define NOTICES_SHOWN 3

static void draw_notices(struct app *a)
{
    int px = sc(a, 15), cx = a->lay.frame.x + a->lay.frame.w / 2;
    int y = a->lay.board_y + a->lay.rows * a->lay.cell - sc(a, 12);
    size_t first = a->view.nnotices > NOTICES_SHOWN ? a->view.nnotices - NOTICES_SHOWN : 0;
    for (size_t i = a->view.nnotices; i-- > first;) {
        const struct view_notice *n = &a->view.notices[i];
        float alpha = view_notice_alpha(n, a->now);
        if (alpha <= 0)
            continue;
        Uint8 al = (Uint8)(alpha * 255);
        SDL_Color fg = UI_TEXT;
        fg.a = al;
        const struct gfx_text *t = gfx_text(&a->gfx, FONT_BOLD, px, fg, n->text, 0);
        if (!t)
            continue;
        int pad = sc(a, 12), dot = sc(a, 14), w = t->w + 2 * pad + dot, h = t->h + sc(a, 10);
        y -= h;
        SDL_Rect r = { cx - w / 2, y, w, h };
        gfx_round_rect(&a->gfx, r, h / 2, (SDL_Color){ 16, 20, 28, (Uint8)(alpha * 225) });
        SDL_Color c = n->kind == VIEW_NOTICE_JOIN ? UI_GOOD : n->kind == VIEW_NOTICE_DROP ? UI_BAD : UI_DIM;
        c.a = al;
        gfx_disc(&a->gfx, r.x + pad + dot * 0.3f, r.y + h / 2.0f, dot * 0.3f, c);
        SDL_RenderCopy(a->ren, t->tex, NULL, &(SDL_Rect){ r.x + pad + dot, r.y + sc(a, 5), t->w, t->h });
        y -= sc(a, 6);
    }
}

/* ======================================================================
 * The side panel: players and chat
 * ====================================================================== */

static void card_head(struct app *a, SDL_Rect card, const char *title, const char *right)
{
    int pad = sc(a, 14), px = sc(a, 16);
    gfx_round_rect(&a->gfx, card, sc(a, 12), UI_PANEL);
    gfx_draw_text(&a->gfx, FONT_BOLD, px, UI_TEXT, title, card.x + pad, card.y + sc(a, 12), GFX_LEFT);
    if (right)
        gfx_draw_text(&a->gfx, FONT_REGULAR, sc(a, 14), UI_DIM, right, card.x + card.w - pad, card.y + sc(a, 14),
                      GFX_RIGHT);
}

static void draw_players(struct app *a)
{
    const struct layout *L = &a->lay;
    char count[48];
    int big = a->view.mirror.board_w > BOARD_WINDOW || a->view.mirror.board_h > BOARD_WINDOW;
    snprintf(count, sizeof count, big ? "%zu in view" : "%zu / %u", a->view.npieces, a->view.mirror.max_players);
    card_head(a, L->players, "Players", count);
    int pad = sc(a, 14), row = L->row, icon = row * 5 / 6, px = sc(a, 16);
    int y = L->players.y + sc(a, 44), bottom = L->players.y + L->players.h - sc(a, 6);
    size_t fit = (size_t)SDL_max(0, (bottom - y) / row), n = a->view.npieces;
    size_t shown = n <= fit ? n : (fit > 0 ? fit - 1 : 0);
    const struct view_piece *me = view_me(&a->view);
    /* Me first, then everyone else in order of arrival (id). */
    for (size_t i = 0, k = 0; k < shown && i <= n; i++) {
        const struct view_piece *p = i == 0 ? me : &a->view.pieces[i - 1];
        if (!p || (i > 0 && p == me))
            continue;
        int ry = y + (int)k * row;
        if (p == me)
            gfx_round_rect(&a->gfx, (SDL_Rect){ L->players.x + sc(a, 6), ry, L->players.w - sc(a, 12), row }, sc(a, 8),
                           (SDL_Color){ 246, 190, 74, 40 });
        gfx_piece(&a->gfx, p->look, (float)(L->players.x + pad), (float)(ry + (row - icon) / 2), (float)icon, 255);
        int lh = gfx_line_height(&a->gfx, FONT_REGULAR, px);
        int tx = L->players.x + pad + icon + sc(a, 8);
        char name[PROTO_NAME_LEN + 4];
        enum font_style st = p == me ? FONT_BOLD : FONT_REGULAR;
        gfx_fit(&a->gfx, st, px, p->name, L->players.x + L->players.w - tx - sc(a, p == me ? 52 : 14), name,
                sizeof name);
        int w = gfx_draw_text(&a->gfx, st, px, UI_TEXT, name, tx, ry + (row - lh) / 2, GFX_LEFT);
        if (p == me)
            gfx_draw_text(&a->gfx, FONT_BOLD, sc(a, 13), UI_GOLD, "you", tx + w + sc(a, 8), ry + (row - lh) / 2 + sc(a, 2),
                          GFX_LEFT);
        k++;
    }
    if (shown < n) {
        char more[48];
        snprintf(more, sizeof more, "and %zu more", n - shown);
        gfx_draw_text(&a->gfx, FONT_REGULAR, sc(a, 14), UI_DIM, more, L->players.x + pad,
                      y + (int)shown * row + sc(a, 6), GFX_LEFT);
    }
}

/* One chat line, drawn upwards from *bottom: the speaker's name (only
 * when the line above is someone else's) and the wrapped message. */
static int draw_chat_line(struct app *a, const struct view_chat *c, const struct view_chat *above, int *bottom,
                          int top)
{
    const struct layout *L = &a->lay;
    int pad = sc(a, 14), px = sc(a, 15), wrap = L->chat.w - 2 * pad;
    const struct gfx_text *t;
    if (c->id == 0) { /* a system line: joins and leaves */
        t = gfx_text(&a->gfx, FONT_REGULAR, sc(a, 13), UI_DIM, c->text, wrap);
        if (!t || *bottom - t->h < top)
            return 0;
        *bottom -= t->h + sc(a, 6);
        SDL_RenderCopy(a->ren, t->tex, NULL, &(SDL_Rect){ L->chat.x + pad, *bottom, t->w, t->h });
        return 1;
    }
    t = gfx_text(&a->gfx, FONT_REGULAR, px, UI_TEXT, c->text, wrap - sc(a, 8));
    int show_name = !above || above->id != c->id;
    int nh = show_name ? gfx_line_height(&a->gfx, FONT_BOLD, sc(a, 13)) : 0;
    int h = (t ? t->h : 0) + nh + sc(a, show_name ? 8 : 2);
    if (!t || *bottom - h < top)
        return 0;
    *bottom -= h;
    int y = *bottom + sc(a, show_name ? 6 : 0);
    if (show_name) {
        SDL_Color nc = c->mine ? UI_GOLD : gfx_look_color(c->look);
        gfx_draw_text(&a->gfx, FONT_BOLD, sc(a, 13), nc, c->name, L->chat.x + pad, y, GFX_LEFT);
        y += nh;
    }
    SDL_RenderCopy(a->ren, t->tex, NULL, &(SDL_Rect){ L->chat.x + pad + sc(a, 8), y, t->w, t->h });
    gfx_fill(&a->gfx, (SDL_Rect){ L->chat.x + pad, y + sc(a, 2), sc(a, 2), t->h - sc(a, 4) },
             c->mine ? UI_GOLD : gfx_look_color(c->look));
    return 1;
}

static void draw_chat(struct app *a)
{
    const struct layout *L = &a->lay;
    card_head(a, L->chat, "Chat", a->chat_open ? "Enter send · Esc cancel" : NULL);
    int top = L->chat.y + sc(a, 40), bottom = L->chat_entry.y - sc(a, 8);
    SDL_RenderSetClipRect(a->ren, &(SDL_Rect){ L->chat.x, top, L->chat.w, bottom - top });
    for (size_t i = 0; i < a->view.nchat; i++)
        if (!draw_chat_line(a, view_chat_line(&a->view, i), view_chat_line(&a->view, i + 1), &bottom, top))
            break;
    SDL_RenderSetClipRect(a->ren, NULL);
    SDL_Rect caret;
    ui_draw_field(&a->gfx, &a->chat, L->chat_entry, a->chat_open, sc(a, 15), a->form.caret_ms, (uint32_t)a->now,
                  &caret);
    if (a->chat_open)
        SDL_SetTextInputRect(&caret);
}

/* ======================================================================
 * The screen
 * ====================================================================== */

void board_draw(struct app *a)
{
    view_expire(&a->view, a->now);
    draw_top(a);
    draw_squares(a);
    draw_pieces(a);
    draw_notices(a);
    draw_players(a);
    draw_chat(a);
}

int board_busy(const struct app *a)
{
    if (a->screen != SCREEN_GAME && a->screen != SCREEN_CONFIRM)
        return 0;
    if (view_animating(&a->view, a->now))
        return 1;
    if (a->nopath_ms && a->now - a->nopath_ms < NOPATH_MS)
        return 1;
    for (size_t i = 0; i < a->view.nnotices; i++)
        if (view_notice_alpha(&a->view.notices[i], a->now) < 1.0f)
            return 1; /* fading */
    return 0;
}

/* ======================================================================
 * Input
 * ====================================================================== */

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

static void close_chat(struct app *a)
{
    a->chat_open = 0;
    ui_field_clear(&a->chat);
}

static void open_chat(struct app *a)
{
    a->chat_open = 1;
    a->form.caret_ms = SDL_GetTicks();
}

static void chat_key(struct app *a, const SDL_KeyboardEvent *k)
{
    uint32_t now = SDL_GetTicks();
    if (ui_field_composing(&a->chat, now))
        return; /* the input method owns this key (or just committed with it) */
    switch (k->keysym.sym) {
    case SDLK_ESCAPE:
        close_chat(a);
        return;
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
        session_chat(a, a->chat.text);
        close_chat(a);
        return;
    default:
        if (ui_field_key(&a->chat, &k->keysym))
            a->form.caret_ms = now;
    }
}

static void game_key(struct app *a, const SDL_KeyboardEvent *k)
{
    SDL_Keycode sym = k->keysym.sym;
    if (sym == SDLK_ESCAPE) {
        app_set_screen(a, SCREEN_CONFIRM);
        return;
    }
    if (sym == SDLK_RETURN || sym == SDLK_KP_ENTER) {
        if (!k->repeat)
            open_chat(a);
        return;
    }
    int dir = key_dir(sym);
    if (dir < 0 || (k->keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)))
        return;
    /* A held key walks one square per glide, not at the keyboard's
     * repeat rate (which would outrun the animation); presses always go. */
    if (k->repeat && a->now - a->key_move_ms < VIEW_GLIDE_MS)
        return;
    a->key_move_ms = a->now;
    session_move(a, dir);
}

static void mouse_down(struct app *a, const SDL_MouseButtonEvent *b)
{
    if (b->button != SDL_BUTTON_LEFT)
        return;
    SDL_Point p = { b->x, b->y };
    if (SDL_PointInRect(&p, &a->lay.chat_entry)) {
        if (!a->chat_open)
            open_chat(a);
        return;
    }
    uint16_t x, y;
    const struct view_piece *me = view_me(&a->view);
    if (me && square_at(a, b->x, b->y, &x, &y) && !(x == me->x && y == me->y))
        session_walk_to(a, x, y);
}

void board_event(struct app *a, SDL_Event *e)
{
    switch (e->type) {
    case SDL_KEYDOWN:
        if (a->chat_open)
            chat_key(a, &e->key);
        else
            game_key(a, &e->key);
        break;
    case SDL_TEXTINPUT:
        if (a->chat_open) {
            if (a->chat.comp[0])
                a->chat.comp_end_ms = SDL_GetTicks();
            a->chat.comp[0] = '\0';
            ui_field_insert(&a->chat, e->text.text);
            a->form.caret_ms = SDL_GetTicks();
        }
        break;
    case SDL_TEXTEDITING:
        if (a->chat_open)
            ui_field_compose(&a->chat, e->edit.text, SDL_GetTicks());
        break;
    case SDL_MOUSEMOTION:
        a->hover_valid = square_at(a, e->motion.x, e->motion.y, &a->hover_x, &a->hover_y);
        break;
    case SDL_MOUSEBUTTONDOWN:
        mouse_down(a, &e->button);
        break;
    default:
        break;
    }
}
