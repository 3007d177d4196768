/*
 * The contract between app.c and the screens (menus.c, board.c).
 *
 * A screen draws from the state it is handed and turns the player's input
 * into a struct app_cmd: what the player asked for. It changes only its own
 * state; it never switches screens, starts or ends a game or sends a move.
 * app.c applies every command in one place (apply), the way an Elm program
 * runs every message through one update function, so the calls go one way:
 * app.c down to the screens, the connection and the world, never back up.
 */
#ifndef PAWN_GAME_SCREEN_H
#define PAWN_GAME_SCREEN_H

#include <stdint.h>

#include "gfx.h"
#include "proto.h"

enum screen { SCREEN_START, SCREEN_JOIN, SCREEN_GAME, SCREEN_CONFIRM };

/* The window a screen draws into this frame, and the clock. */
struct frame {
    struct gfx *gfx;
    int w, h;     /* the window's size in pixels */
    float s;      /* UI scale: 1.0 at 1024x720 */
    uint64_t now; /* ms, SDL_GetTicks64 at the top of the frame */
    int muted;    /* the sound is off (the game's top bar shows it) */
};

enum app_cmd_kind {
    CMD_NONE,
    CMD_GOTO,   /* show .screen */
    CMD_ERROR,  /* refuse what was typed: show .text on .screen, where it can be fixed */
    CMD_HOST,   /* host a game on .port, playing as .name */
    CMD_JOIN,   /* join the game at .addr:.port as .name (.text: the game's name or "") */
    CMD_CANCEL, /* give up the connection attempt, stay on this screen */
    CMD_LEAVE,  /* end the game and go back to the start screen */
    CMD_MOVE,   /* one square in direction .dir (a DIR_*): a key */
    CMD_WALK,   /* walk to the square .x, .y: a click */
    CMD_CHAT,   /* say .text */
    CMD_COPY,   /* put .text on the clipboard (an address to give out) */
    CMD_MUTE,   /* sound off, or on again */
    CMD_QUIT,
};

/* What the player asked for. A value: it carries copies of the texts, so
 * the screen may clear its fields before the command is applied. */
struct app_cmd {
    enum app_cmd_kind kind;
    enum screen screen;
    int dir;
    uint16_t x, y;
    uint16_t port;
    char name[PROTO_NAME_LEN]; /* checked: the host will accept its form */
    char addr[256];
    char text[320];
};

#endif
