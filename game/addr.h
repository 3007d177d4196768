/*
 * The address a player types on the Join screen, checked before anything
 * looks it up: a typo must get a sentence on screen, never a query to the
 * system's resolver (which would carry a malformed name out to the
 * network's DNS server). Pure C, no SDL and no sockets.
 */
#ifndef PAWN_GAME_ADDR_H
#define PAWN_GAME_ADDR_H

#include <stddef.h>
#include <stdint.h>

/*
 * Checks typed as "HOST" or "HOST:PORT", where HOST is a dotted IPv4
 * address or a computer name (letters, digits, '-' and '.': what a name
 * lookup can answer) and PORT 1..65535 (defport when absent). Spaces
 * around it are ignored. Returns 0 with host (NUL-terminated) and *port
 * set, or -1 with a sentence for the player in why.
 */
int addr_parse(const char *typed, uint16_t defport, char *host, size_t hostlen, uint16_t *port, char *why,
               size_t whylen);

#endif
