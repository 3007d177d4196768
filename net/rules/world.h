/*
 * The game rules, in plain C with no sockets and no threads: the board,
 * exclusive squares, moves, spawning, unique names, looks and view range.
 * The host core calls these under its world lock; tests call them directly.
 *
 * Everything the rules decide to tell a player comes out through the emit
 * callback as an encoded packet addressed to a slot, in the order decided.
 * Slots are the caller's connection indices (0..max_slots-1).
 *
 * View: two players see each other when max(|dx|,|dy|) <= view. Players
 * are kept in a grid of sectors so that a move only looks at the players in
 * the sectors around it, never at all players. What a client was told
 * (who is in its view) is derived from positions, which only change here:
 * a move compares each nearby player's distance before and after.
 */
#ifndef PAWN_NET_WORLD_H
#define PAWN_NET_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct world_cfg {
    uint16_t board_w, board_h; /* 1..65535 each; board_w*board_h >= max_players */
    uint16_t view;             /* radius; 0 or >= max(w,h) means the whole board */
    uint32_t max_players;      /* 1..65535 (SC_LOGIN_OK has 16 bits for it);
                                  logins beyond this get SC_LOGIN_FAIL 1 */
    uint32_t max_slots;        /* slot numbers are < max_slots (>= max_players) */
    uint64_t seed;             /* for spawn squares */
};

/* Called for every packet the rules send; pkt is valid only during the call.
 * It must not call back into the world (a host that wants to drop a slow
 * reader from inside it queues the drop for later). */
typedef void (*world_emit_fn)(void *ctx, uint32_t slot, const uint8_t *pkt, size_t len);

struct world;

/* Allocates everything once for cfg (board, sectors, slots, name table).
 * Returns NULL when cfg is invalid or memory is short. Free with
 * world_destroy. */
struct world *world_create(const struct world_cfg *cfg, world_emit_fn emit, void *ctx);
void world_destroy(struct world *w);

/*
 * A CS_LOGIN from slot (which must not be logged in). On success emits
 * SC_LOGIN_OK and SC_PUT_PLAYER (why 1) to the newcomer, SC_PUT_PLAYER
 * (why 0) for each player in view to it, SC_PUT_PLAYER (why 1) for it to
 * each of them, and returns 0. On failure emits SC_LOGIN_FAIL to slot and
 * returns the reason (FAIL_FULL, FAIL_VERSION, FAIL_NAME, FAIL_TAKEN): the
 * caller then closes the connection.
 */
int world_login(struct world *w, uint32_t slot, uint16_t version, const uint8_t name[PROTO_NAME_LEN]);

/* A CS_MOVE from a logged-in slot (dir already checked 0..3). */
void world_move(struct world *w, uint32_t slot, uint8_t dir, uint32_t move_time);

/* A CS_CHAT from a logged-in slot (text already checked): SC_CHAT to the
 * speaker and everyone in view. */
void world_chat(struct world *w, uint32_t slot, const char *text, size_t len);

/* The player in slot leaves (why: REMOVE_LEFT or REMOVE_DROPPED): everyone
 * in view gets SC_REMOVE_PLAYER. Does nothing if slot is not logged in. */
void world_leave(struct world *w, uint32_t slot, uint8_t why);

struct world_player {
    uint32_t id;
    uint16_t x, y;
    uint8_t look;
    char name[PROTO_NAME_LEN];
};

/* 1 and *out filled when slot is logged in, else 0. */
int world_player_get(const struct world *w, uint32_t slot, struct world_player *out);
/* 1 when slot is logged in. */
int world_has_player(const struct world *w, uint32_t slot);
uint32_t world_count(const struct world *w);
const struct world_cfg *world_config(const struct world *w);

#endif
