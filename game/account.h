/*
 * The name of the account the game runs under: the default player name,
 * the same on Linux and Windows. One file per platform (account_posix.c:
 * the password database; account_win32.c: GetUserNameW, as UTF-8).
 */
#ifndef PAWN_GAME_ACCOUNT_H
#define PAWN_GAME_ACCOUNT_H

#include <stddef.h>

/* The account's login name as UTF-8 in out: 0, or -1 when the system does
 * not say. */
int account_name(char *out, size_t len);

#endif
