/*
 * Where the game's files are: assets/ next to the executable (the build
 * copies it there), so the game runs from any working directory.
 */
#ifndef PAWN_GAME_ASSETS_H
#define PAWN_GAME_ASSETS_H

#include <stddef.h>

/*
 * Writes the path of assets/<rel> into out and returns 0 when the file or
 * directory exists: first next to the executable (SDL_GetBasePath), then
 * under the working directory. Returns -1 (out holds the first choice)
 * when neither exists.
 */
int assets_path(const char *rel, char *out, size_t len);

#endif
