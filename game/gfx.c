/*
 * Drawing helpers: text cache, shapes, sprites.
 *
 * Shapes come from two small generated textures (a disc and a ring) drawn
 * scaled with linear filtering: that gives anti-aliased round corners,
 * pieces and highlight rings on every renderer, the software one included,
 * without a geometry API.
 */
#include "gfx.h"

#include <SDL_image.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"

#define SHAPE_PX 128       /* side of the disc and ring textures */
#define TEXT_CACHE 512     /* rendered strings kept */

struct gfx_text_entry {
    uint32_t hash;
    char *s;
    int st, px, wrap;
    uint32_t rgba;
    struct gfx_text t;
    unsigned used;
};

/* ======================================================================
 * Colours of the looks (the sprites' palette, see assets/README.md)
 * ====================================================================== */

SDL_Color gfx_look_color(uint8_t look)
{
    static const SDL_Color c[PROTO_LOOKS] = {
        { 235, 87, 87, 255 },   /* red */
        { 86, 140, 245, 255 },  /* blue */
        { 88, 196, 112, 255 },  /* green */
        { 242, 201, 76, 255 },  /* yellow */
        { 170, 110, 230, 255 }, /* purple */
        { 242, 148, 60, 255 },  /* orange */
        { 72, 200, 214, 255 },  /* cyan */
        { 240, 128, 190, 255 }, /* pink */
        { 225, 228, 235, 255 }, /* white */
        { 150, 158, 172, 255 }, /* black: a grey that still reads on dark panels */
    };
    return c[look % PROTO_LOOKS];
}

/* ======================================================================
 * Shape textures
 * ====================================================================== */

/* Alpha of a pixel for a shape between radii r_in and r_out (pixels from
 * the centre), with a one-pixel soft edge on each side. */
static Uint8 coverage(float d, float r_in, float r_out)
{
    float a = r_out - d + 0.5f;
    if (r_in > 0) {
        float b = d - r_in + 0.5f;
        a = a < b ? a : b;
    }
    a = a < 0 ? 0 : a > 1 ? 1 : a;
    return (Uint8)(a * 255.0f + 0.5f);
}

static SDL_Texture *make_shape(SDL_Renderer *ren, float r_in)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, SHAPE_PX, SHAPE_PX, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return NULL;
    float c = SHAPE_PX / 2.0f, r_out = SHAPE_PX / 2.0f - 0.5f;
    for (int y = 0; y < SHAPE_PX; y++) {
        Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + y * s->pitch);
        for (int x = 0; x < SHAPE_PX; x++) {
            float dx = x + 0.5f - c, dy = y + 0.5f - c;
            Uint8 a = coverage(sqrtf(dx * dx + dy * dy), r_in, r_out);
            row[x] = ((Uint32)a << 24) | 0x00FFFFFFu;
        }
    }
    SDL_Texture *t = SDL_CreateTextureFromSurface(ren, s);
    SDL_FreeSurface(s);
    if (t)
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    return t;
}

static void load_sprites(struct gfx *g)
{
    for (int i = 0; i < PROTO_LOOKS; i++) {
        char rel[64], path[1024];
        snprintf(rel, sizeof rel, "pieces/look%d.png", i);
        if (assets_path(rel, path, sizeof path) != 0)
            continue; /* drawn as a disc until the sprite exists */
        SDL_Surface *s = IMG_Load(path);
        if (!s) {
            SDL_Log("pawnparty: cannot load %s: %s", path, IMG_GetError());
            continue;
        }
        g->sprites[i] = SDL_CreateTextureFromSurface(g->ren, s);
        SDL_FreeSurface(s);
        if (g->sprites[i])
            SDL_SetTextureBlendMode(g->sprites[i], SDL_BLENDMODE_BLEND);
    }
}

int gfx_init(struct gfx *g, SDL_Renderer *ren, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->ren = ren;
    if (fonts_open(&g->fonts, err, errlen) != 0)
        return -1;
    /* Sprites and shapes are drawn scaled: filter them. */
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    g->disc = make_shape(ren, 0);
    g->ring = make_shape(ren, SHAPE_PX / 2.0f * (6.0f / 7.0f));
    g->cache = calloc(TEXT_CACHE, sizeof *g->cache);
    if (!g->disc || !g->ring || !g->cache) {
        snprintf(err, errlen, "cannot create textures: %s", SDL_GetError());
        return -1;
    }
    load_sprites(g);
    return 0;
}

void gfx_free(struct gfx *g)
{
    if (g->cache) {
        for (int i = 0; i < TEXT_CACHE; i++) {
            if (g->cache[i].t.tex)
                SDL_DestroyTexture(g->cache[i].t.tex);
            free(g->cache[i].s);
        }
        free(g->cache);
    }
    for (int i = 0; i < PROTO_LOOKS; i++)
        if (g->sprites[i])
            SDL_DestroyTexture(g->sprites[i]);
    if (g->disc)
        SDL_DestroyTexture(g->disc);
    if (g->ring)
        SDL_DestroyTexture(g->ring);
    fonts_close(g->fonts);
    memset(g, 0, sizeof *g);
}

/* ======================================================================
 * Text
 * ====================================================================== */

static uint32_t fnv1a(const char *s, uint32_t h)
{
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static uint32_t pack_rgba(SDL_Color c)
{
    return ((uint32_t)c.r << 24) | ((uint32_t)c.g << 16) | ((uint32_t)c.b << 8) | c.a;
}

static struct gfx_text_entry *cache_slot(struct gfx *g, uint32_t hash, int st, int px, int wrap,
                                         uint32_t rgba, const char *s, int *hit)
{
    struct gfx_text_entry *victim = &g->cache[0];
    for (int i = 0; i < TEXT_CACHE; i++) {
        struct gfx_text_entry *e = &g->cache[i];
        if (e->s && e->hash == hash && e->st == st && e->px == px && e->wrap == wrap && e->rgba == rgba
            && strcmp(e->s, s) == 0) {
            *hit = 1;
            return e;
        }
        if (!e->s || (victim->s && e->used < victim->used))
            victim = e;
    }
    *hit = 0;
    return victim;
}

static SDL_Surface *render_surface(TTF_Font *f, SDL_Color c, const char *s, int wrap)
{
    SDL_Color opaque = { c.r, c.g, c.b, 255 };
    if (wrap > 0)
        return TTF_RenderUTF8_Blended_Wrapped(f, s, opaque, (Uint32)wrap);
    return TTF_RenderUTF8_Blended(f, s, opaque);
}

const struct gfx_text *gfx_text(struct gfx *g, enum font_style st, int px, SDL_Color c, const char *s, int wrap)
{
    if (!s || !*s)
        return NULL;
    /* Alpha is applied when drawing, so a fading string is rendered once. */
    uint32_t rgba = pack_rgba((SDL_Color){ c.r, c.g, c.b, 255 });
    uint32_t hash = fnv1a(s, 2166136261u ^ (uint32_t)(px * 31 + st * 7 + wrap) ^ rgba);
    int hit;
    struct gfx_text_entry *e = cache_slot(g, hash, st, px, wrap, rgba, s, &hit);
    e->used = ++g->tick;
    if (hit) {
        SDL_SetTextureAlphaMod(e->t.tex, c.a);
        return &e->t;
    }
    if (e->t.tex)
        SDL_DestroyTexture(e->t.tex);
    free(e->s);
    memset(e, 0, sizeof *e);
    TTF_Font *f = fonts_get(g->fonts, st, px);
    SDL_Surface *surf = f ? render_surface(f, c, s, wrap) : NULL;
    if (!surf)
        return NULL;
    e->t.tex = SDL_CreateTextureFromSurface(g->ren, surf);
    e->t.w = surf->w;
    e->t.h = surf->h;
    SDL_FreeSurface(surf);
    e->s = strdup(s);
    if (!e->t.tex || !e->s) {
        if (e->t.tex)
            SDL_DestroyTexture(e->t.tex);
        free(e->s);
        memset(e, 0, sizeof *e);
        return NULL;
    }
    SDL_SetTextureAlphaMod(e->t.tex, c.a);
    e->hash = hash;
    e->st = st;
    e->px = px;
    e->wrap = wrap;
    e->rgba = rgba;
    e->used = g->tick;
    return &e->t;
}

int gfx_draw_text(struct gfx *g, enum font_style st, int px, SDL_Color c, const char *s, int x, int y,
                  enum gfx_align align)
{
    const struct gfx_text *t = gfx_text(g, st, px, c, s, 0);
    if (!t)
        return 0;
    SDL_Rect r = { x, y, t->w, t->h };
    if (align == GFX_CENTER)
        r.x -= t->w / 2;
    else if (align == GFX_RIGHT)
        r.x -= t->w;
    SDL_RenderCopy(g->ren, t->tex, NULL, &r);
    return t->w;
}

int gfx_text_width(struct gfx *g, enum font_style st, int px, const char *s)
{
    TTF_Font *f = fonts_get(g->fonts, st, px);
    int w = 0, h = 0;
    if (f && s && *s)
        TTF_SizeUTF8(f, s, &w, &h);
    return w;
}

void gfx_fit(struct gfx *g, enum font_style st, int px, const char *s, int max_w, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", s);
    if (gfx_text_width(g, st, px, out) <= max_w)
        return;
    static const char ell[] = "\xE2\x80\xA6"; /* U+2026 */
    size_t n = strlen(out);
    while (n > 0) {
        do /* back off one whole code point */
            n--;
        while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80);
        if (n + sizeof ell > outlen)
            continue;
        memcpy(out + n, ell, sizeof ell);
        if (gfx_text_width(g, st, px, out) <= max_w)
            return;
    }
    snprintf(out, outlen, "%s", ell);
}

int gfx_line_height(struct gfx *g, enum font_style st, int px)
{
    TTF_Font *f = fonts_get(g->fonts, st, px);
    return f ? TTF_FontLineSkip(f) : px;
}

/* ======================================================================
 * Shapes and pieces
 * ====================================================================== */

void gfx_fill(struct gfx *g, SDL_Rect r, SDL_Color c)
{
    SDL_SetRenderDrawBlendMode(g->ren, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(g->ren, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(g->ren, &r);
}

static void shape(struct gfx *g, SDL_Texture *t, const SDL_Rect *src, SDL_FRect dst, SDL_Color c)
{
    SDL_SetTextureColorMod(t, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(t, c.a);
    SDL_RenderCopyF(g->ren, t, src, &dst);
}

void gfx_round_rect(struct gfx *g, SDL_Rect r, int radius, SDL_Color c)
{
    if (radius * 2 > r.w)
        radius = r.w / 2;
    if (radius * 2 > r.h)
        radius = r.h / 2;
    if (radius <= 0) {
        gfx_fill(g, r, c);
        return;
    }
    const int h = SHAPE_PX / 2;
    const SDL_Rect q[4] = { { 0, 0, h, h }, { h, 0, h, h }, { 0, h, h, h }, { h, h, h, h } };
    float rr = (float)radius;
    shape(g, g->disc, &q[0], (SDL_FRect){ (float)r.x, (float)r.y, rr, rr }, c);
    shape(g, g->disc, &q[1], (SDL_FRect){ (float)(r.x + r.w - radius), (float)r.y, rr, rr }, c);
    shape(g, g->disc, &q[2], (SDL_FRect){ (float)r.x, (float)(r.y + r.h - radius), rr, rr }, c);
    shape(g, g->disc, &q[3], (SDL_FRect){ (float)(r.x + r.w - radius), (float)(r.y + r.h - radius), rr, rr }, c);
    gfx_fill(g, (SDL_Rect){ r.x + radius, r.y, r.w - 2 * radius, r.h }, c);
    gfx_fill(g, (SDL_Rect){ r.x, r.y + radius, radius, r.h - 2 * radius }, c);
    gfx_fill(g, (SDL_Rect){ r.x + r.w - radius, r.y + radius, radius, r.h - 2 * radius }, c);
}

void gfx_disc(struct gfx *g, float cx, float cy, float radius, SDL_Color c)
{
    shape(g, g->disc, NULL, (SDL_FRect){ cx - radius, cy - radius, radius * 2, radius * 2 }, c);
}

void gfx_ring(struct gfx *g, float cx, float cy, float radius, SDL_Color c)
{
    shape(g, g->ring, NULL, (SDL_FRect){ cx - radius, cy - radius, radius * 2, radius * 2 }, c);
}

void gfx_piece(struct gfx *g, uint8_t look, float x, float y, float size, Uint8 alpha)
{
    SDL_Texture *t = g->sprites[look % PROTO_LOOKS];
    if (t) {
        SDL_SetTextureAlphaMod(t, alpha);
        SDL_RenderCopyF(g->ren, t, NULL, &(SDL_FRect){ x, y, size, size });
        return;
    }
    /* No sprite yet: a coloured counter with a darker rim. */
    SDL_Color c = gfx_look_color(look);
    float cx = x + size / 2, cy = y + size / 2, r = size * 0.36f;
    gfx_disc(g, cx, cy + size * 0.04f, r, (SDL_Color){ 0, 0, 0, (Uint8)(alpha / 3) });
    gfx_disc(g, cx, cy, r, (SDL_Color){ (Uint8)(c.r * 0.6f), (Uint8)(c.g * 0.6f), (Uint8)(c.b * 0.6f), alpha });
    gfx_disc(g, cx, cy, r * 0.84f, (SDL_Color){ c.r, c.g, c.b, alpha });
}
