/*
 * The window's one connection at a time: our client, joined to a game over
 * TCP like every other player, and our host when this window hosts the game
 * (the host core in this process, on its own threads). Every way a
 * connection ends is turned into a sentence for the start screen here.
 *
 * Only app.c calls the functions that change a conn; the screens read one
 * through a const pointer (are we connecting, hosting, and where to).
 */
#ifndef PAWN_GAME_CONN_H
#define PAWN_GAME_CONN_H

#include <SDL.h>
#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "proto.h"
#include "sys.h"

#define CONNECT_TIMEOUT_MS 5000
/* A host that accepted the connection but never answers the login. */
#define LOGIN_TIMEOUT_MS 10000
/* LAN addresses shown to a hosting player (the rest are left out). */
#define CONN_LAN_MAX 4

struct client;

struct conn {
    struct client *client;
    struct host *host;              /* when this window hosts the game */
    Sint32 session;                 /* tags this connection's events (net_events.h) */
    int connecting;                 /* client started, no SC_LOGIN_OK yet */
    uint64_t connect_ms;            /* when it started */
    char target[300];               /* "127.0.0.1:9090", for messages */
    char name[PROTO_NAME_LEN];      /* the name we joined with */
    char game[PROTO_NAME_LEN];      /* the game's name from discovery, "" when unknown */
    char host_name[PROTO_NAME_LEN]; /* our host's game name (it keeps the pointer) */
    /* When hosting: where players on the LAN reach us, "ADDR:PORT" each
     * (sys_lan_addresses; none when this machine has no LAN address). */
    char lan[CONN_LAN_MAX][SYS_ADDR_LEN + 8];
    int nlan;
};

/*
 * Joins host:port (a game called game, "" when unknown: for messages) as
 * name (checked by the caller). Call it with no connection (after
 * conn_stop). Returns 0 while the client connects, or -1 with a sentence
 * for the player in err.
 */
int conn_join(struct conn *c, const char *name, const char *host, uint16_t port, const char *game, uint64_t now,
              char *err, size_t errlen);

/*
 * Starts a host with cfg (its name is ignored: the game is named after the
 * player), prints `listening on ADDRESS:PORT`, finds the LAN addresses
 * players can type (c->lan) and joins it. Call it with no connection
 * (after conn_stop). Returns 0; or, with a sentence in err (and no host
 * running), the SYS_E_* the host could not start with (the port is the
 * thing to change), or -1 for any other failure.
 */
int conn_host(struct conn *c, const struct host_cfg *cfg, const char *name, uint64_t now, char *err,
              size_t errlen);

/* Hands the client (and our host) to a helper thread to stop; events still
 * queued from them are dropped by their session number. */
void conn_stop(struct conn *c);

/* 1 when a network event belongs to this connection (net_events.h): a late
 * event from a connection already given up is not. */
int conn_owns(const struct conn *c, const SDL_Event *e);

/* SC_LOGIN_OK arrived: the connection is up. */
void conn_logged_in(struct conn *c);

/* 1, with a sentence in msg, when the host has not answered the login in
 * LOGIN_TIMEOUT_MS. */
int conn_timed_out(const struct conn *c, uint64_t now, char *msg, size_t n);

/* Sends one move (a DIR_*); 0, or -1 when there is no connection or the
 * client refused it. */
int conn_move(struct conn *c, int dir);
/* Sends a chat line; an empty one is not sent. */
void conn_chat(struct conn *c, const char *text);

/* The sentence for SC_LOGIN_FAIL's reason. */
void conn_refused_text(const struct conn *c, uint8_t reason, char *out, size_t n);
/* The sentence for the connection closing with err (detail: the rule the
 * host broke, for PROTO_E_RULES); logged_in tells a lost game from a join
 * that never got in. */
void conn_closed_text(const struct conn *c, int err, const char *detail, int logged_in, char *out, size_t n);

#endif
