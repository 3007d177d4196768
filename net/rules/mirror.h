/*
 * A client's mirror of the world: what one player has been told, built only
 * from the packets it received. Bots, tests and the game window keep one.
 * It also checks the ordering rules from the client's side: a position or
 * chat for an id it was never put, a second put for an id it has, or a
 * remove for an id it does not have, is counted as a violation.
 */
#ifndef PAWN_NET_MIRROR_H
#define PAWN_NET_MIRROR_H

#include <stddef.h>
#include <stdint.h>

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
    uint32_t violations; /* ordering rules broken by what was received */
    /* players in view, self included once its put arrives; open-addressed
     * by id, grows as needed */
    struct mirror_player *players;
    uint8_t *used;
    size_t count, cap;
};

void mirror_init(struct mirror *m);
void mirror_free(struct mirror *m);

/* Applies one decoded host->client packet. Returns 0, or -1 when it broke
 * an ordering rule (also counted in violations); -2 when out of memory. */
int mirror_apply(struct mirror *m, const struct proto_msg *msg);

/* The player with this id, or NULL. Valid until the next mirror_apply. */
const struct mirror_player *mirror_find(const struct mirror *m, uint32_t id);

/* Calls fn for each player in the mirror (in no particular order). */
void mirror_each(const struct mirror *m, void (*fn)(void *ctx, const struct mirror_player *p), void *ctx);

#endif
