/*
 * What the window remembers between runs: the player's name, the port to
 * host on, the last address typed and whether the sound is muted. One
 * small text file (key=value lines) in SDL's per-user directory
 * (SDL_GetPrefPath: $XDG_DATA_HOME/PawnParty/pawnparty on Linux,
 * %APPDATA%\PawnParty\pawnparty on Windows).
 */
#ifndef PAWN_GAME_PREFS_H
#define PAWN_GAME_PREFS_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct prefs {
    char name[PROTO_NAME_LEN]; /* "" when none was saved */
    uint16_t port;             /* 0 when none was saved */
    char addr[64];
    int muted;
    char path[1024];           /* the file, "" when there is no per-user directory */
};

/* Reads the file (a missing one is not an error: everything is unset).
 * Returns 0, or -1 when there is no per-user directory (p->path is ""). */
int prefs_load(struct prefs *p);

/* Writes p to p->path (a new file renamed over the old one, so a crash
 * never leaves half a file). 0, or -1 when it cannot be written. */
int prefs_save(const struct prefs *p);

#endif
