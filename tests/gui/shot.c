/*
 * Screenshots (see gui.h): ImageMagick's `import -window root` writes a
 * PNG of the whole X screen, SDL2_image reads it back as RGBA, and the
 * window's place on the screen turns window coordinates (what the game's
 * layout line gives) into screenshot pixels.
 */
#include "gui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>

int shot_take(struct xvfb *x, const struct xwin *w, const char *path, struct shot *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    char out[1024];
    char *argv[] = {"import", "-window", "root", s->path, NULL};
    char *env[] = {x->env_display, NULL};
    int code = proc_run(argv, env, it_ms(20000), out, sizeof out);
    if (code != 0) {
        CHECK_FAIL("import -window root %s: %s %d: %s", path, code < 0 ? "timeout" : "exit", code, out);
        return -1;
    }
    SDL_Surface *img = IMG_Load(path);
    if (!img) {
        CHECK_FAIL("cannot load the screenshot %s: %s", path, IMG_GetError());
        return -1;
    }
    SDL_Surface *rgba = SDL_ConvertSurfaceFormat(img, SDL_PIXELFORMAT_RGBA32, 0);
    SDL_FreeSurface(img);
    if (!rgba) {
        CHECK_FAIL("cannot convert the screenshot %s: %s", path, SDL_GetError());
        return -1;
    }
    s->w = rgba->w;
    s->h = rgba->h;
    s->px = malloc((size_t)s->w * (size_t)s->h * 4);
    if (!s->px) {
        SDL_FreeSurface(rgba);
        CHECK_FAIL("out of memory");
        return -1;
    }
    for (int y = 0; y < s->h; y++)
        memcpy(s->px + (size_t)y * (size_t)s->w * 4, (uint8_t *)rgba->pixels + (size_t)y * (size_t)rgba->pitch,
               (size_t)s->w * 4);
    SDL_FreeSurface(rgba);
    s->ox = w->x;
    s->oy = w->y;
    s->ww = w->w;
    s->wh = w->h;
    return 0;
}

void shot_free(struct shot *s)
{
    free(s->px);
    s->px = NULL;
}

int shot_save_window(const struct shot *s, const char *path)
{
    int x0 = s->ox < 0 ? 0 : s->ox, y0 = s->oy < 0 ? 0 : s->oy;
    int x1 = s->ox + s->ww > s->w ? s->w : s->ox + s->ww;
    int y1 = s->oy + s->wh > s->h ? s->h : s->oy + s->wh;
    if (x1 <= x0 || y1 <= y0)
        return -1;
    SDL_Surface *out = SDL_CreateRGBSurfaceWithFormat(0, x1 - x0, y1 - y0, 32, SDL_PIXELFORMAT_RGBA32);
    if (!out)
        return -1;
    for (int y = y0; y < y1; y++) {
        uint8_t *dst = (uint8_t *)out->pixels + (size_t)(y - y0) * (size_t)out->pitch;
        memcpy(dst, s->px + ((size_t)y * (size_t)s->w + (size_t)x0) * 4, (size_t)(x1 - x0) * 4);
        for (int x = 0; x < x1 - x0; x++)
            dst[x * 4 + 3] = 255; /* a screen has no transparency */
    }
    int r = IMG_SavePNG(out, path);
    SDL_FreeSurface(out);
    if (r != 0)
        CHECK_FAIL("cannot save %s: %s", path, IMG_GetError());
    return r == 0 ? 0 : -1;
}

struct rgb shot_at(const struct shot *s, int wx, int wy)
{
    struct rgb c = {-1, -1, -1};
    int x = s->ox + wx, y = s->oy + wy;
    if (wx < 0 || wy < 0 || wx >= s->ww || wy >= s->wh || x < 0 || y < 0 || x >= s->w || y >= s->h)
        return c;
    const uint8_t *p = s->px + ((size_t)y * (size_t)s->w + (size_t)x) * 4;
    c.r = p[0];
    c.g = p[1];
    c.b = p[2];
    return c;
}

int rgb_dist(struct rgb a, struct rgb b)
{
    int dr = a.r - b.r, dg = a.g - b.g, db = a.b - b.b;
    int d2 = dr * dr + dg * dg + db * db;
    int d = 0;
    while ((d + 1) * (d + 1) <= d2)
        d++;
    return d;
}

int shot_median_of(const int *v, int n)
{
    /* counting sort: the values are bytes */
    int hist[256] = {0};
    for (int i = 0; i < n; i++)
        hist[v[i] & 255]++;
    int seen = 0;
    for (int i = 0; i < 256; i++) {
        seen += hist[i];
        if (seen * 2 > n)
            return i;
    }
    return -1;
}

struct rgb shot_median_rects(const struct shot *s, const int (*rects)[4], int nrects)
{
    struct rgb m = {-1, -1, -1};
    int n = 0, cap = 0;
    for (int k = 0; k < nrects; k++)
        if (rects[k][2] > rects[k][0] && rects[k][3] > rects[k][1])
            cap += (rects[k][2] - rects[k][0]) * (rects[k][3] - rects[k][1]);
    if (cap <= 0)
        return m;
    int *r = malloc(sizeof(int) * (size_t)cap * 3);
    if (!r)
        return m;
    int *g = r + cap, *b = g + cap;
    for (int k = 0; k < nrects; k++)
        for (int y = rects[k][1]; y < rects[k][3]; y++)
            for (int x = rects[k][0]; x < rects[k][2]; x++) {
                struct rgb c = shot_at(s, x, y);
                if (c.r < 0)
                    continue;
                r[n] = c.r;
                g[n] = c.g;
                b[n] = c.b;
                n++;
            }
    if (n > 0) {
        m.r = shot_median_of(r, n);
        m.g = shot_median_of(g, n);
        m.b = shot_median_of(b, n);
    }
    free(r);
    return m;
}

struct rgb shot_median(const struct shot *s, int x0, int y0, int x1, int y1)
{
    const int rect[1][4] = {{x0, y0, x1, y1}};
    return shot_median_rects(s, rect, 1);
}

int shot_count_far(const struct shot *s, int x0, int y0, int x1, int y1, struct rgb ref, int dist, int *total)
{
    int far = 0, n = 0;
    for (int y = y0; y < y1; y++) {
        for (int x = x0; x < x1; x++) {
            struct rgb c = shot_at(s, x, y);
            if (c.r < 0)
                continue;
            n++;
            if (rgb_dist(c, ref) > dist)
                far++;
        }
    }
    if (total)
        *total = n;
    return far;
}

void shot_check_box(const struct xwin *box, const char *name)
{
    char path[700];
    struct shot s;
    snprintf(path, sizeof path, "%s/%s.root.png", gui_art, name);
    x_park_pointer(&gui_x, box);
    if (shot_take(&gui_x, box, path, &s) != 0)
        return;
    snprintf(path, sizeof path, "%s/%s.png", gui_art, name);
    shot_save_window(&s, path);
    /* It says something: text and buttons on its background. */
    struct rgb bg = shot_median(&s, 0, 0, s.ww, s.wh);
    int total = 0, far = shot_count_far(&s, 0, 0, s.ww, s.wh, bg, 80, &total);
    check_note("the box: %dx%d, %d of %d pixels are text or buttons", box->w, box->h, far, total);
    if (far < 300)
        CHECK_FAIL("the message box looks empty (%d pixels differ from its background)", far);
    shot_free(&s);
}
