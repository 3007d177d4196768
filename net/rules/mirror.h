/*
 * A client's mirror of the world: what one player has been told, built only
 * from the packets it received. Bots, tests and the client library keep
 * one. It also checks what the host sent against the protocol from the
 * client's side (docs/protocol.md): a position or chat for an id it was
 * never put, a second put for an id it has, a remove for an id it does not
 * have; and, once SC_LOGIN_OK has told it the board: a second SC_LOGIN_OK, a
 * board of 0 squares or a max_players of 0, a put or position off the board
 * or onto another player's square, more players than max_players. Each is a
 * violation: counted, and `why` says what it was.
 *
 * Every packet costs O(1) on average, whatever the host sends: players are
 * found by id and by square through two idmaps.
 */
#ifndef PAWN_NET_MIRROR_H
#define PAWN_NET_MIRROR_H

#include <stddef.h>
#include <stdint.h>

#include "idmap.h"
#include "proto.h"

struct mirror_player {
    uint32_t id;
    uint16_t x, y;
    uint8_t look;
    char name[PROTO_NAME_LEN];
};

struct mirror {
    int logged_in;       /* 1 after SC_LOGIN_OK */
    int fail_reason;     /* SC_LOGIN_FAIL's reason, else 0 */
    uint32_t my_id;
    uint16_t board_w, board_h, view, max_players;
    uint32_t violations; /* protocol rules broken by what was received */
    const char *why;     /* the last violation, or NULL */
    /* players in view, self included once its put arrives */
    struct mirror_player *players; /* players[0..count) */
    size_t count, room;
    struct idmap by_id;     /* id -> index in players */
    struct idmap by_square; /* y << 16 | x -> id (once the board is known) */
};

void mirror_init(struct mirror *m);
void mirror_free(struct mirror *m);

/* Applies one decoded host->client packet. Returns 0, or -1 when it broke
 * a rule (counted in violations, told in why; a put for an id it has
 * still takes the newer data, so a bot that keeps going sees the freshest
 * state); -2 when out of memory. */
int mirror_apply(struct mirror *m, const struct proto_msg *msg);

/* The player with this id, or NULL. Valid until the next mirror_apply. */
const struct mirror_player *mirror_find(const struct mirror *m, uint32_t id);

/* Calls fn for each player in the mirror (in no particular order). */
void mirror_each(const struct mirror *m, void (*fn)(void *ctx, const struct mirror_player *p), void *ctx);

#endif
