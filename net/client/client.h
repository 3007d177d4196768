/*
 * A client connection on its own network thread: it connects, logs in,
 * reads and decodes packets and hands each one to the owner's callbacks;
 * the owner queues moves and chat from any thread. The render loop never
 * blocks on the network. net/ never includes SDL: the game's callbacks turn
 * packets into SDL user events (game/), bots and tests use them directly.
 *
 * The loop itself is per platform: poll() on Linux (client_poll.c),
 * WSAEventSelect on Windows (client_wsa.c). Everything else is shared
 * (client.c).
 *
 * The client trusts no host: every packet is checked against the protocol
 * with a mirror of the world (mirror.h) before on_packet sees it, so a
 * fake or broken host cannot feed the owner a piece off the board, a
 * second SC_LOGIN_OK or more players than it said it holds; it ends the
 * connection instead, and what it broke is in on_closed's detail.
 */
#ifndef PAWN_NET_CLIENT_H
#define PAWN_NET_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct client_callbacks {
    /* Every decoded host->client packet, in order, on the network thread.
     * m is valid only during the call. */
    void (*on_packet)(void *ctx, const struct proto_msg *m);
    /* Called once, last, on the network thread: why the connection ended.
     * 0 after client_stop; SYS_E_CLOSED when the host closed it (or quit);
     * SYS_E_CONNREFUSED, SYS_E_UNREACH, SYS_E_TIMEDOUT, SYS_E_RESOLVE when
     * it never connected; SYS_E_RESET when it was lost; a PROTO_E_* when
     * the host sent bytes that break the protocol: PROTO_E_RULES when a
     * well-formed packet broke its rules, with detail saying which rule
     * ("SC_PUT_PLAYER off the board"; else detail is NULL). detail lives
     * only during the call. */
    void (*on_closed)(void *ctx, int err, const char *detail);
    void *ctx;
};

struct client;

/*
 * Starts the network thread, which connects to host:port (timeout
 * connect_timeout_ms), sends CS_LOGIN with name and version 1, then reads.
 * Returns 0 and *out, or a negative SYS_E_* / PROTO_E_NAME (bad name) at
 * once without starting anything. Free with client_stop.
 */
int client_start(const char *host, uint16_t port, const char *name, int connect_timeout_ms,
                 const struct client_callbacks *cb, struct client **out);

/* Queue CS_MOVE (move_time = this machine's clock in ms) or CS_CHAT; any
 * thread. Return 0, or SYS_E_CLOSED when the connection is gone (or
 * client_stop has begun), PROTO_E_TEXT for bad chat text, PROTO_E_DIR for
 * a direction above 3, SYS_E_AGAIN when 64 KiB are queued already (the
 * host is not reading). Packets queued before the connect completes are
 * sent after CS_LOGIN, in order. */
int client_move(struct client *c, uint8_t dir);
int client_chat(struct client *c, const char *text, size_t len);

/* One line for any error this library reports: a SYS_E_* or a PROTO_E_*. */
const char *client_strerror(int err);

/* Sends CS_LOGOUT if logged in, stops and joins the thread (on_closed has
 * run when it returns) and frees c. Not from inside a callback. It waits
 * at most about a second for the logout to go out and the host to close;
 * while the connect is still in progress it waits for that to end (up to
 * connect_timeout_ms), since the connect itself cannot be interrupted. */
void client_stop(struct client *c);

#endif
