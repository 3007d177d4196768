/*
 * One connection's protocol session on the host side, written once for
 * every host (pawnparty host and the benchmark peers): decoding, "the first
 * packet is CS_LOGIN", login, move, chat and logout against the world, what
 * counts as bad input and the reason given for it, and the log line each
 * of those earns. Plain C with no sockets and no threads: the caller reads
 * the bytes, holds its world lock around every call, sends what the world
 * emits and closes connections.
 *
 * Whether a connection's player is in the game is the world's to know
 * (world_player_get); the session keeps only what the world does not: the
 * peer's address for log lines and whether a CS_LOGIN was answered.
 */
#ifndef PAWN_NET_SESSION_H
#define PAWN_NET_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "bucket.h"
#include "reasm.h"
#include "world.h"

/* What a log line is about: routine lines (joins and leaves) can be turned
 * off by a benchmark; the others are always worth a line. */
enum session_log_kind { SESSION_LOG_ROUTINE, SESSION_LOG_NOTABLE };

/*
 * Input budgets: host policy, not the wire format (docs/protocol.md). Each
 * player has a token bucket for moves and one for chat bytes; a packet
 * that finds its bucket empty ends the session as flooding (why 2). The
 * burst is what a bucket holds when full, so a player may go faster than
 * the rate for a moment; a real player never comes near either (the
 * window walks at most one square per 120 ms glide). 0 lifts a limit.
 */
struct session_limits {
    uint32_t moves_per_s, move_burst;
    uint32_t chat_bytes_per_s, chat_burst;
};
#define SESSION_LIMITS_DEFAULT ((struct session_limits){30, 60, 400, 2000})

/* What every session of one game shares. The caller fills world,
 * max_players, limits and log (one finished line, without a time stamp),
 * and keeps the struct for as long as the world lives. */
struct session_game {
    struct world *world;
    uint32_t max_players;
    struct session_limits limits;
    void (*log)(void *ctx, enum session_log_kind kind, const char *line);
    void *log_ctx;
    int full_logged; /* "game full" said once until a place frees */
};


#define SESSION_PEER_LEN 64

struct session {
    uint32_t slot;               /* the world's slot of this connection */
    char peer[SESSION_PEER_LEN]; /* "a.b.c.d:port", for log lines */
    int answered;                /* a CS_LOGIN was answered, either way */
    struct bucket moves, chat;
    char why[96];                /* after SESSION_BAD: what the input broke, or flooding */
};

enum session_result {
    SESSION_GO_ON = 0,  /* read on */
    SESSION_LINGER = 1, /* a logout or a refused login: finish sending, then
                         * close; what the client sends from now on is ignored */
    SESSION_BAD = -1,   /* bad input or flooding: s->why says what (close
                         * with why 2) */
};

/* The packet a host sends a connection it has no slot for (SC_LOGIN_FAIL 1)
 * before closing it; out has room for PROTO_MAX_PACKET. Returns its size. */
size_t session_encode_no_room(uint8_t *out);

/* A fresh connection in slot from peer. */
void session_start(struct session *s, uint32_t slot, const char *peer);

/* Every whole packet in rx, in order, until one ends the session; now_ms
 * (a monotonic clock) fills the input budgets. World lock held. */
enum session_result session_feed(struct session_game *g, struct session *s, struct reasm *rx, uint64_t now_ms);

/* The connection closes (why: REMOVE_LEFT, or REMOVE_DROPPED for cause,
 * with reason in the log line): a player leaves the world, and everyone in
 * view is told why. World lock held. */
void session_close(struct session_game *g, struct session *s, uint8_t why, const char *reason);

#endif
