/*
 * Font lookup and a small cache of opened faces per pixel size. The
 * search's platform half (fonts.h's step 2) is a file per platform:
 * fonts_fc.c or fonts_win32.c (fonts_os.h).
 *
 * Text is rendered at the size it is shown (no scaling of rendered text),
 * so a resize opens the faces at new sizes; the cache keeps the most
 * recently used ones and closes the rest.
 */
#include "fonts.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "fonts_os.h"

#define FONT_PATH_MAX 1024
#define FONT_CACHE 24

struct face {
    enum font_style style;
    int px;
    unsigned used; /* tick of the last fonts_get */
    TTF_Font *font;
};

struct fonts {
    char file[2][FONT_PATH_MAX];
    int synth_bold; /* no bold face found: let SDL_ttf embolden the regular one */
    struct face faces[FONT_CACHE];
    unsigned tick;
};

/* ======================================================================
 * Checking a candidate
 * ====================================================================== */

/* A few syllables across the Hangul block, plus Latin for the menus. */
static const Uint32 probe_chars[] = { 0xAC00, 0xB098, 0xD55C, 0xAE00, 0xD7A3, 'A', 'g' };

int fonts_has_hangul(const char *path)
{
    TTF_Font *f = TTF_OpenFont(path, 16);
    if (!f)
        return 0;
    int ok = 1;
    for (size_t i = 0; i < sizeof probe_chars / sizeof probe_chars[0]; i++)
        ok &= TTF_GlyphIsProvided32(f, probe_chars[i]) != 0;
    TTF_CloseFont(f);
    return ok;
}

int fonts_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && SDL_strcasecmp(s + n - m, suffix) == 0;
}

static int looks_bold(const char *name)
{
    return SDL_strcasestr(name, "bold") != NULL || SDL_strcasestr(name, "heavy") != NULL;
}

/* ======================================================================
 * 1. assets/fonts next to the executable
 * ====================================================================== */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first font file (by name, so the choice is stable) in the override
 * directory that fits the style and has Hangul. A file there that is not
 * such a font is named in broken (the first one; broken may be NULL). */
static int override_font(enum font_style style, char *out, size_t len, char *broken, size_t blen)
{
    char dir[FONT_PATH_MAX];
    if (assets_path("fonts", dir, sizeof dir) != 0)
        return -1;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char *names[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        if (fonts_ends_with(e->d_name, ".ttf") || fonts_ends_with(e->d_name, ".otf"))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    int rc = -1;
    for (size_t i = 0; i < n && rc != 0; i++) {
        if (!names[i] || looks_bold(names[i]) != (style == FONT_BOLD))
            continue;
        if ((size_t)snprintf(out, len, "%s/%s", dir, names[i]) >= len)
            continue;
        if (fonts_has_hangul(out))
            rc = 0;
        else if (broken && !broken[0])
            snprintf(broken, blen, "%s", out);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return rc;
}

/* ======================================================================
 * Opening and the face cache
 * ====================================================================== */

static int find_style(enum font_style style, char *out, size_t len, char *broken, size_t blen)
{
    if (override_font(style, out, len, broken, blen) == 0)
        return 0;
    int rc = fonts_os_find(style, out, len);
    if (rc == 0 && broken && broken[0])
        fprintf(stderr, "pawnparty: %s cannot be read as a font with Hangul: using %s\n", broken, out);
    return rc;
}

/* What the player reads when there is no font at all (in a message box:
 * a console may not exist), and what to do about it. The lines are
 * broken by hand: some message boxes (SDL's own on X11) do not wrap. */
static void no_font_text(const char *broken, char *err, size_t errlen)
{
    char what[FONT_PATH_MAX + 80];
    if (broken[0]) {
        const char *rel = strstr(broken, "assets/fonts/");
        snprintf(what, sizeof what, "%s is damaged:\nit cannot be read as a font.", rel ? rel : broken);
    } else {
        snprintf(what, sizeof what, "Its font, assets/fonts/NanumGothic.ttf next to the game,\nis missing.");
    }
    snprintf(err, errlen,
             "Pawn Party found no font that can write Korean (Hangul),\nso it cannot draw its window.\n\n%s\n\n"
             "To fix it, unpack the game again: the whole download,\nwith the assets folder next to the "
             "program%s.",
             what, fonts_os_hint());
}

int fonts_open(struct fonts **out, char *err, size_t errlen)
{
    char broken[FONT_PATH_MAX] = "";
    struct fonts *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (find_style(FONT_REGULAR, f->file[FONT_REGULAR], FONT_PATH_MAX, broken, sizeof broken) != 0) {
        no_font_text(broken, err, errlen);
        free(f);
        fonts_os_done();
        return -1;
    }
    if (find_style(FONT_BOLD, f->file[FONT_BOLD], FONT_PATH_MAX, NULL, 0) != 0) {
        memcpy(f->file[FONT_BOLD], f->file[FONT_REGULAR], FONT_PATH_MAX);
        f->synth_bold = 1;
    }
    /* The paths are all we need: what the platform's search keeps can go
     * (and leak checkers stay quiet about it). */
    fonts_os_done();
    *out = f;
    return 0;
}

const char *fonts_file(const struct fonts *f, enum font_style style)
{
    return f->file[style];
}

static TTF_Font *open_face(struct fonts *f, enum font_style style, int px)
{
    TTF_Font *font = TTF_OpenFont(f->file[style], px);
    if (font && style == FONT_BOLD && f->synth_bold)
        TTF_SetFontStyle(font, TTF_STYLE_BOLD);
    return font;
}

TTF_Font *fonts_get(struct fonts *f, enum font_style style, int px)
{
    if (px < 6)
        px = 6;
    f->tick++;
    struct face *oldest = &f->faces[0];
    for (int i = 0; i < FONT_CACHE; i++) {
        struct face *c = &f->faces[i];
        if (c->font && c->style == style && c->px == px) {
            c->used = f->tick;
            return c->font;
        }
        if (!c->font || (oldest->font && c->used < oldest->used))
            oldest = c;
    }
    if (oldest->font)
        TTF_CloseFont(oldest->font);
    oldest->font = open_face(f, style, px);
    oldest->style = style;
    oldest->px = px;
    oldest->used = f->tick;
    return oldest->font;
}

void fonts_close(struct fonts *f)
{
    if (!f)
        return;
    for (int i = 0; i < FONT_CACHE; i++)
        if (f->faces[i].font)
            TTF_CloseFont(f->faces[i].font);
    free(f);
}
