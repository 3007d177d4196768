/*
 * Between fonts.c and the platform's half of the font search: one file per
 * platform, chosen by CMake (fonts_fc.c: fontconfig on Linux;
 * fonts_win32.c: the Windows font folder).
 */
#ifndef PAWN_GAME_FONTS_OS_H
#define PAWN_GAME_FONTS_OS_H

#include <stddef.h>

#include "fonts.h"

/* The platform's font for style that has Hangul: 0 with its path in out,
 * or -1. */
int fonts_os_find(enum font_style style, char *out, size_t len);

/* The search is over: frees what the platform keeps for it. */
void fonts_os_done(void);

/* For the "no font" message: what else the player can do on this
 * platform, as the end of a sentence (", or install ..."), or "". */
const char *fonts_os_hint(void);

/* fonts.c, for both: 1 when the font file at path has a few Hangul
 * syllables and Latin letters (a font's name or language tag can promise
 * more than its glyph table holds). */
int fonts_has_hangul(const char *path);
/* 1 when s ends with suffix, ignoring case. */
int fonts_ends_with(const char *s, const char *suffix);

#endif
