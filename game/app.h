/*
 * The game window: start screen, join screen (LAN discovery), the game and
 * its leave confirmation. main.c parses the command line and hands over.
 */
#ifndef PAWN_GAME_APP_H
#define PAWN_GAME_APP_H

#include <stdint.h>

#include "host.h"
#include "proto.h"

enum app_start {
    APP_START_MENU, /* pawnparty */
    APP_START_HOST, /* pawnparty host ... (without --headless) */
    APP_START_JOIN, /* pawnparty join HOST[:PORT] */
};

struct app_opts {
    enum app_start start;
    /* The host's settings for APP_START_HOST, and the defaults when the
     * player hosts from the start screen (host.name is ignored: the game
     * is named after the player). */
    struct host_cfg host;
    char join_host[256];
    uint16_t join_port;
    char name[PROTO_NAME_LEN]; /* "" : $USER or "player" */
};

/* Runs the window until the player quits. Returns the process exit
 * status: 0, or 1 when the window cannot be opened at all. */
int app_run(const struct app_opts *o);

#endif
