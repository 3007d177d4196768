/*
 * Drawing helpers on top of SDL_Renderer: cached text, rounded panels,
 * anti-aliased discs and rings (from one generated texture each) and the
 * pawn sprites. Everything here is drawn in window pixels.
 */
#ifndef PAWN_GAME_GFX_H
#define PAWN_GAME_GFX_H

#include <SDL.h>
#include <stdint.h>

#include "fonts.h"
#include "proto.h"

struct gfx_text_entry;

struct gfx {
    SDL_Renderer *ren;
    struct fonts *fonts;
    SDL_Texture *disc;  /* white disc with a soft edge */
    SDL_Texture *ring;  /* white ring, a seventh of the radius thick */
    SDL_Texture *sprites[PROTO_LOOKS]; /* NULL where the PNG is missing */
    struct gfx_text_entry *cache;
    unsigned tick;
};

/* A rendered string: owned by the cache, valid until the next gfx_text. */
struct gfx_text {
    SDL_Texture *tex;
    int w, h;
};

enum gfx_align { GFX_LEFT = 0, GFX_CENTER = 1, GFX_RIGHT = 2 };

/* Opens the fonts, makes the shape textures, loads the sprites (a missing
 * sprite is not an error: gfx_piece draws a disc instead). Returns 0, or
 * -1 with a reason in err. */
int gfx_init(struct gfx *g, SDL_Renderer *ren, char *err, size_t errlen);
void gfx_free(struct gfx *g);

/* The colour that stands for a look (discs, chat names, the player list). */
SDL_Color gfx_look_color(uint8_t look);

/* Renders (or finds in the cache) s at px pixels; wrap > 0 wraps lines at
 * that width. NULL for an empty string or a font failure. */
const struct gfx_text *gfx_text(struct gfx *g, enum font_style st, int px, SDL_Color c, const char *s, int wrap);
/* Draws s with its top at y, aligned on x; returns its width. */
int gfx_draw_text(struct gfx *g, enum font_style st, int px, SDL_Color c, const char *s, int x, int y,
                  enum gfx_align align);
/* Width of s without rendering it. */
int gfx_text_width(struct gfx *g, enum font_style st, int px, const char *s);
/* Copies s into out, cut to whole code points plus "…" when it is wider
 * than max_w pixels. */
void gfx_fit(struct gfx *g, enum font_style st, int px, const char *s, int max_w, char *out, size_t outlen);
/* Line height of the face. */
int gfx_line_height(struct gfx *g, enum font_style st, int px);

void gfx_fill(struct gfx *g, SDL_Rect r, SDL_Color c);
void gfx_round_rect(struct gfx *g, SDL_Rect r, int radius, SDL_Color c);
void gfx_disc(struct gfx *g, float cx, float cy, float radius, SDL_Color c);
void gfx_ring(struct gfx *g, float cx, float cy, float radius, SDL_Color c);
/* A pawn of this look filling the square box at (x, y) of side size. */
void gfx_piece(struct gfx *g, uint8_t look, float x, float y, float size, Uint8 alpha);

#endif
