/*
 * The stress run as a PNG: dummies over time on top, delay over time below
 * (own-echo mean in red, p99 in orange, the mean delay with which others
 * see a move in purple, the limit and the ramp's two thresholds as
 * dashed lines). Drawn on an SDL2 surface with SDL_FillRect and a built-in
 * 5x7 font (no TTF), saved with IMG_SavePNG. No video subsystem is needed.
 */
#include "stress.h"

#include <SDL.h>
#include <SDL_image.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ========================================================================
 * A 5x7 font: digits, capitals and a little punctuation (lower case is
 * drawn as capitals). One byte per row, bit 4 is the leftmost pixel.
 * ====================================================================== */

struct glyph {
    char c;
    uint8_t rows[7];
};

static const struct glyph font[] = {
    { '0', { 0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E } }, { '1', { 0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E } },
    { '2', { 0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F } }, { '3', { 0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E } },
    { '4', { 0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02 } }, { '5', { 0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E } },
    { '6', { 0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E } }, { '7', { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
    { '8', { 0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E } }, { '9', { 0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C } },
    { 'A', { 0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11 } }, { 'B', { 0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E } },
    { 'C', { 0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E } }, { 'D', { 0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C } },
    { 'E', { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F } }, { 'F', { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10 } },
    { 'G', { 0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F } }, { 'H', { 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11 } },
    { 'I', { 0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E } }, { 'J', { 0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C } },
    { 'K', { 0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11 } }, { 'L', { 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F } },
    { 'M', { 0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11 } }, { 'N', { 0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11 } },
    { 'O', { 0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E } }, { 'P', { 0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10 } },
    { 'Q', { 0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D } }, { 'R', { 0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11 } },
    { 'S', { 0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E } }, { 'T', { 0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04 } },
    { 'U', { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E } }, { 'V', { 0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04 } },
    { 'W', { 0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A } }, { 'X', { 0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11 } },
    { 'Y', { 0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04 } }, { 'Z', { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F } },
    { '.', { 0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C } }, { ',', { 0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08 } },
    { ':', { 0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00 } }, { '=', { 0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00 } },
    { '-', { 0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00 } }, { '+', { 0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00 } },
    { '<', { 0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02 } }, { '>', { 0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08 } },
    { '(', { 0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02 } }, { ')', { 0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08 } },
    { '/', { 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00 } }, { '%', { 0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03 } },
};

static const uint8_t *glyph_rows(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    for (size_t k = 0; k < sizeof font / sizeof font[0]; k++)
        if (font[k].c == c)
            return font[k].rows;
    return NULL; /* a space, or a character the font does not have */
}

/* ========================================================================
 * Drawing
 * ====================================================================== */

#define W 1000
#define H 720
#define LEFT 100
#define RIGHT 40
#define SCALE 2     /* font pixels */
#define CHAR_W (6 * SCALE)

struct canvas {
    SDL_Surface *s;
};

static uint32_t rgb(struct canvas *c, uint8_t r, uint8_t g, uint8_t b)
{
    return SDL_MapRGB(c->s->format, r, g, b);
}

static void rect(struct canvas *c, int x, int y, int w, int h, uint32_t col)
{
    SDL_Rect r = { x, y, w, h };
    SDL_FillRect(c->s, &r, col);
}

static void text(struct canvas *c, int x, int y, const char *s, uint32_t col)
{
    for (; *s; s++, x += CHAR_W) {
        const uint8_t *rows = glyph_rows(*s);
        if (rows == NULL)
            continue;
        for (int r = 0; r < 7; r++)
            for (int b = 0; b < 5; b++)
                if (rows[r] & (0x10 >> b))
                    rect(c, x + b * SCALE, y + r * SCALE, SCALE, SCALE, col);
    }
}

static int text_width(const char *s)
{
    return (int)strlen(s) * CHAR_W;
}

/* A line th pixels thick (Bresenham, one square per step). */
static void line(struct canvas *c, int x0, int y0, int x1, int y1, int th, uint32_t col)
{
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        rect(c, x0 - th / 2, y0 - th / 2, th, th, col);
        if (x0 == x1 && y0 == y1)
            return;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

static void hdash(struct canvas *c, int x0, int x1, int y, uint32_t col)
{
    for (int x = x0; x < x1; x += 12)
        rect(c, x, y, x + 7 < x1 ? 7 : x1 - x, 2, col);
}

/* A round step (1, 2 or 5 times a power of ten) for about `ticks` ticks. */
static double nice_step(double range, int ticks)
{
    double raw = range / ticks, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

struct panel {
    int x, y, w, h;   /* the plot area */
    double tmax, ymax;
};

static int px(const struct panel *p, double t)
{
    return p->x + (int)lround(t / p->tmax * p->w);
}

static int py(const struct panel *p, double v)
{
    if (v > p->ymax)
        v = p->ymax;
    return p->y + p->h - (int)lround(v / p->ymax * p->h);
}

/* Frame, grid, tick labels, the title in the top left corner. */
static void panel_axes(struct canvas *c, const struct panel *p, const char *title, const char *unit)
{
    uint32_t grid = rgb(c, 225, 225, 225), ink = rgb(c, 40, 40, 40);
    double ys = nice_step(p->ymax, 5), ts = nice_step(p->tmax, 10);
    char buf[32];

    for (double v = 0; v <= p->ymax + 1e-9; v += ys) {
        int y = py(p, v);
        rect(c, p->x, y, p->w, 1, grid);
        snprintf(buf, sizeof buf, "%g", v);
        text(c, p->x - 8 - text_width(buf), y - 7, buf, ink);
    }
    for (double t = 0; t <= p->tmax + 1e-9; t += ts) {
        int x = px(p, t);
        rect(c, x, p->y, 1, p->h, grid);
        snprintf(buf, sizeof buf, "%g", t);
        text(c, x - text_width(buf) / 2, p->y + p->h + 8, buf, ink);
    }
    rect(c, p->x, p->y, p->w, 2, ink);
    rect(c, p->x, p->y + p->h - 1, p->w, 2, ink);
    rect(c, p->x, p->y, 2, p->h, ink);
    rect(c, p->x + p->w - 1, p->y, 2, p->h, ink);
    text(c, p->x, p->y - 22, title, ink);
    text(c, p->x + p->w - text_width(unit), p->y - 22, unit, ink);
}

/* One series; a point with a negative value breaks the line. */
static void series(struct canvas *c, const struct panel *p, const struct stress_point *pts, uint32_t n, int which,
                   int th, uint32_t col)
{
    int have = 0, lx = 0, ly = 0;
    for (uint32_t k = 0; k < n; k++) {
        double v = which == 0   ? pts[k].dummies
                   : which == 1 ? pts[k].mean_ms
                   : which == 2 ? pts[k].p99_ms
                                : pts[k].seen_ms;
        int x, y;
        if (v < 0) {
            have = 0;
            continue;
        }
        x = px(p, pts[k].t);
        y = py(p, v);
        if (have)
            line(c, lx, ly, x, y, th, col);
        else
            rect(c, x - th, y - th, 2 * th, 2 * th, col);
        lx = x;
        ly = y;
        have = 1;
    }
}

static void threshold(struct canvas *c, const struct panel *p, double v, const char *label, uint32_t col)
{
    if (v > p->ymax)
        return;
    int x = p->x + p->w - text_width(label) - 8, y = py(p, v) - 18;
    hdash(c, p->x, p->x + p->w, py(p, v), col);
    rect(c, x - 3, y - 2, text_width(label) + 4, 18, rgb(c, 255, 255, 255)); /* readable over the series */
    text(c, x, y, label, col);
}

static void draw(struct canvas *c, const struct stress_opts *o, const struct stress_point *pts, uint32_t n,
                 uint32_t held, uint32_t at_limit)
{
    uint32_t ink = rgb(c, 20, 20, 20), blue = rgb(c, 30, 90, 200), red = rgb(c, 210, 40, 40);
    uint32_t orange = rgb(c, 245, 160, 50), green = rgb(c, 20, 150, 60), gray = rgb(c, 120, 120, 120);
    uint32_t purple = rgb(c, 130, 60, 180);
    struct panel top = { LEFT, 95, W - LEFT - RIGHT, 230, o->seconds, 1 };
    struct panel bot = { LEFT, 400, W - LEFT - RIGHT, 250, o->seconds, 1 };
    double dmax = 0, mmax = 0, pmax = 0;
    char buf[160];

    for (uint32_t k = 0; k < n; k++) {
        dmax = fmax(dmax, pts[k].dummies);
        mmax = fmax(mmax, fmax(pts[k].mean_ms, pts[k].seen_ms));
        pmax = fmax(pmax, pts[k].p99_ms);
    }
    top.ymax = dmax < 10 ? 10 : dmax * 1.1;
    top.ymax = ceil(top.ymax / nice_step(top.ymax, 5)) * nice_step(top.ymax, 5);
    /* The delay axis shows the thresholds and the mean; a p99 far above
     * them is clipped at the top rather than flattening everything. */
    bot.ymax = fmax(o->stop_above_ms * 1.3, mmax * 1.1);
    bot.ymax = fmax(bot.ymax, fmin(pmax, o->stop_above_ms * 2.0));
    if (bot.ymax < 10)
        bot.ymax = 10;
    bot.ymax = ceil(bot.ymax / nice_step(bot.ymax, 5)) * nice_step(bot.ymax, 5);

    SDL_FillRect(c->s, NULL, rgb(c, 255, 255, 255));
    snprintf(buf, sizeof buf, "PAWN PARTY STRESS  %.40s:%u   MOVE EVERY %u MS, RAMP %g MS", o->host,
             (unsigned)o->port, (unsigned)o->move_ms, o->ramp_ms);
    text(c, LEFT, 10, buf, ink);
    snprintf(buf, sizeof buf, "MAX HELD %u DUMMIES    AT MEAN DELAY <= %u MS, SEEN <= %u MS: %u", (unsigned)held,
             (unsigned)o->limit_ms, (unsigned)o->seen_limit_ms, (unsigned)at_limit);
    text(c, LEFT, 34, buf, ink);

    panel_axes(c, &top, "DUMMIES LOGGED IN", "");
    if (held > 0) {
        snprintf(buf, sizeof buf, "HELD %u", (unsigned)held);
        threshold(c, &top, held, buf, gray);
    }
    series(c, &top, pts, n, 0, 3, blue);

    panel_axes(c, &bot, "DELAY (MS)", "");
    series(c, &bot, pts, n, 2, 1, orange);
    series(c, &bot, pts, n, 3, 2, purple);
    series(c, &bot, pts, n, 1, 3, red);
    snprintf(buf, sizeof buf, "STOP > %u", (unsigned)o->stop_above_ms);
    threshold(c, &bot, o->stop_above_ms, buf, gray);
    if (o->add_below_ms != o->stop_above_ms) {
        snprintf(buf, sizeof buf, "ADD < %u", (unsigned)o->add_below_ms);
        threshold(c, &bot, o->add_below_ms, buf, gray);
    }
    snprintf(buf, sizeof buf, "LIMIT %u", (unsigned)o->limit_ms);
    threshold(c, &bot, o->limit_ms, buf, green);
    text(c, LEFT + 220, bot.y - 22, "MEAN", red);
    text(c, LEFT + 290, bot.y - 22, "P99", orange);
    text(c, LEFT + 350, bot.y - 22, "SEEN BY OTHERS (MEAN)", purple);
    text(c, W / 2 - text_width("TIME (S)") / 2, H - 30, "TIME (S)", ink);
}

int stress_plot_png(const char *path, const struct stress_opts *o, const struct stress_point *pts, uint32_t n,
                    uint32_t max_held, uint32_t held_at_limit)
{
    struct canvas c;
    int rc;

    c.s = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_RGB888);
    if (c.s == NULL) {
        fprintf(stderr, "stress: cannot make the plot: %s\n", SDL_GetError());
        return -1;
    }
    draw(&c, o, pts, n, max_held, held_at_limit);
    rc = IMG_SavePNG(c.s, path);
    if (rc != 0)
        fprintf(stderr, "stress: cannot write %s: %s\n", path, SDL_GetError());
    SDL_FreeSurface(c.s);
    return rc == 0 ? 0 : -1;
}

int stress_png_verify(const char *path)
{
    SDL_Surface *s = IMG_Load(path);
    if (s == NULL) {
        fprintf(stderr, "stress: %s does not load as an image: %s\n", path, IMG_GetError());
        return -1;
    }
    printf("stress: %s is a %dx%d image\n", path, s->w, s->h);
    SDL_FreeSurface(s);
    return 0;
}
