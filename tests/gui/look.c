/*
 * Reading the board from a screenshot (gui.h): the squares' colours, a
 * piece on each square that should have one, a name tag for each piece,
 * and shoot_and_check, which retries until the picture is right.
 */
#include "gui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== reading the board from a screenshot ================================ */


int sq_visible(const struct layout *l, int x, int y)
{
    return x >= l->ox && y >= l->oy && x < l->ox + l->cols && y < l->oy + l->rows;
}

/* The square's rectangle in window coordinates. */
void sq_rect(const struct layout *l, int x, int y, int *x0, int *y0)
{
    *x0 = l->bx + (x - l->ox) * l->cell;
    *y0 = l->by + (y - l->oy) * l->cell;
}

void sq_centre(const struct layout *l, int x, int y, int *cx, int *cy)
{
    int x0, y0;
    sq_rect(l, x, y, &x0, &y0);
    *cx = x0 + l->cell / 2;
    *cy = y0 + l->cell / 2;
}

int occupied(const struct piece *p, int n, int x, int y)
{
    for (int i = 0; i < n; i++)
        if (p[i].x == x && p[i].y == y)
            return 1;
    return 0;
}

/* A square a name tag may reach into: the squares beside a piece (a tag
 * lies in the top band of its own square and may be wider than it).
 * Those are left out of the board colour check. */
int near_tag(const struct piece *p, int n, int x, int y)
{
    for (int i = 0; i < n; i++)
        if (y == p[i].y && abs(x - p[i].x) <= 1)
            return 1;
    return 0;
}

struct rgb sq_sample(const struct shot *s, const struct layout *l, int x, int y)
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
int check_board(const struct shot *s, const struct layout *l, const struct piece *p, int n,
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


/* The square's own background: the median of its two bottom corners
 * (inset a little; the top ones are where a tag goes). That is the board
 * colour, or the highlight under our piece. */
struct rgb sq_background(const struct shot *s, const struct layout *l, int x, int y)
{
    int x0, y0, c = l->cell, in = c / 20 + 2, k = 7;
    sq_rect(l, x, y, &x0, &y0);
    const int left = x0 + in, right = x0 + c - in - k, bottom = y0 + c - in - k;
    const int corners[2][4] = {{left, bottom, left + k, bottom + k}, {right, bottom, right + k, bottom + k}};
    return shot_median_rects(s, corners, 2);
}

/* The share (per mille) of a square's middle that differs clearly from the
 * square's own background: a piece's body. */
int piece_permille(const struct shot *s, const struct layout *l, int x, int y, struct rgb *bg)
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
int check_pieces(const struct shot *s, const struct layout *l, const struct board_look *bl,
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

/* The tag band of a square: its top tag_h rows (the layout line says how
 * many), the middle 80% of its width, where its tag's text is whatever
 * the name's length. */
static void tag_band(const struct layout *l, int x, int y, int *x0, int *y0, int *x1, int *y1)
{
    int sx, sy, h = l->tag_h > 0 ? l->tag_h : l->cell * 3 / 10;
    sq_rect(l, x, y, &sx, &sy);
    *x0 = sx + l->cell / 10;
    *x1 = sx + l->cell - l->cell / 10;
    *y0 = sy + 1;
    *y1 = sy + h;
}

/*
 * Name-tag pixels for the piece on square (x, y): in the tag band of that
 * square, the pixels far from the square's own background (the board
 * colour, or our piece's highlight). A tag never leaves its square's band
 * for the square above, so nothing else is ever in it.
 */
int tag_pixels(const struct shot *s, const struct layout *l, int x, int y, int *looked)
{
    int x0, y0, x1, y1, total = 0;
    tag_band(l, x, y, &x0, &y0, &x1, &y1);
    int far = shot_count_far(s, x0, y0, x1, y1, sq_background(s, l, x, y), FAR, &total);
    if (looked)
        *looked = total;
    return far;
}

/* A square whose tag band can serve as the control: on the board, with no
 * piece on it or beside it in its row (whose tag could reach in). */
int control_square(const struct layout *l, const struct piece *p, int n, int x, int y)
{
    if (!sq_visible(l, x, y))
        return 0;
    for (int i = 0; i < n; i++)
        if (p[i].y == y && abs(p[i].x - x) <= 1)
            return 0;
    return 1;
}

int check_tags(const struct shot *s, const struct layout *l, const struct board_look *bl, const struct piece *p, int n,
               int report)
{
    (void)bl;
    int problems = 0;
    /* control: the band of a free square with no piece beside it. */
    int control = -1;
    for (int y = l->oy; y < l->oy + l->rows && control < 0; y++)
        for (int x = l->ox; x < l->ox + l->cols && control < 0; x++)
            if (control_square(l, p, n, x, y))
                control = tag_pixels(s, l, x, y, NULL);
    for (int i = 0; i < n; i++) {
        int looked = 0;
        int far = tag_pixels(s, l, p[i].x, p[i].y, &looked);
        if (report)
            check_note("tag of \"%s\": %d text pixels in the band of (%d,%d) (%d looked at; a bare band: %d)",
                       p[i].name, far, p[i].x, p[i].y, looked, control);
        if (far < TAG_MIN) {
            problems++;
            if (report)
                CHECK_FAIL("no name tag on \"%s\" at (%d,%d): %d pixels in its tag band differ from the square, "
                           "expected >= %d",
                           p[i].name, p[i].x, p[i].y, far, TAG_MIN);
        }
    }
    if (control < 0) {
        problems++;
        if (report)
            CHECK_FAIL("no square on the board is clear of the %d pieces' rows: the tag check has no control", n);
    } else if (control >= TAG_MIN) {
        problems++;
        if (report)
            CHECK_FAIL("the tag band of a free square has %d non-board pixels: the tag check cannot tell", control);
    }
    return problems;
}

/*
 * Screenshot and check until the picture is right or the time is up (the
 * world may be one frame behind the last hook line). The last attempt
 * reports every problem. The root screenshot is kept as NAME.root.png and
 * the window as NAME.png in the artifacts.
 */
int shoot_and_check(struct game *g, const char *name, const struct piece *p, int n, int want_board,
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

