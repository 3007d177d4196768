/*
 * Fonts that can write Hangul, found at run time:
 *   1. .ttf and .otf files in assets/fonts next to the executable: the
 *      game ships NanumGothic (OFL) there, so it needs nothing installed,
 *   2. the platform: fontconfig asked for a font covering lang "ko",
 *      NanumGothic first (Linux); C:\Windows\Fonts\malgun.ttf (Windows).
 * Each candidate is opened and asked for a few Hangul syllables before it
 * is accepted, because a font's name or language tag can promise more than
 * its glyph table holds.
 */
#ifndef PAWN_GAME_FONTS_H
#define PAWN_GAME_FONTS_H

#include <SDL_ttf.h>
#include <stddef.h>

enum font_style { FONT_REGULAR = 0, FONT_BOLD = 1 };

struct fonts;

/* Finds the regular and bold faces. Returns 0 and *out, or -1 with a
 * message for the player in err (no font with Hangul anywhere: what is
 * missing or damaged, and what to do; a few sentences). TTF_Init must
 * have run. Free with fonts_close. */
int fonts_open(struct fonts **out, char *err, size_t errlen);

/* The face at a pixel size, opened on first use and kept. NULL only when
 * the file cannot be opened any more. Owned by fonts. */
TTF_Font *fonts_get(struct fonts *f, enum font_style style, int px);

/* The file chosen for a style (for the log). */
const char *fonts_file(const struct fonts *f, enum font_style style);

void fonts_close(struct fonts *f);

#endif
