/*
 * The menus: the start screen (name, port, Host, Join, Quit), the join
 * screen (games found on the LAN plus a typed address), the "connecting"
 * card on top of either, and the leave confirmation on top of the game.
 *
 * The menus own their fields, their focus, the error line and the LAN
 * search; what the player asks for comes back as a command (screen.h).
 * Each screen lays its widgets out while it draws, from the window size,
 * so resizing needs nothing else; events go to last frame's widgets.
 */
#ifndef PAWN_GAME_MENUS_H
#define PAWN_GAME_MENUS_H

#include <SDL.h>
#include <stdint.h>

#include "conn.h"
#include "discovery.h"
#include "screen.h"
#include "ui.h"

#define MENUS_MAX_FOUND 16

struct found_game {
    struct discovery_game g;
    uint64_t seen_ms;
};

/* What a failed attempt asks the player to fix: where the focus goes. */
enum menus_fix {
    MENUS_FIX_NONE,       /* nothing to type differently (a full game) */
    MENUS_FIX_NAME,       /* the name field */
    MENUS_FIX_NAME_TAKEN, /* the name field, holding a suggestion */
    MENUS_FIX_PORT,       /* the port field (hosting) */
    MENUS_FIX_ADDR,       /* the address field, or the game's row */
};

/* The last join the menus asked for, so that the join screen can retry it
 * (Enter in the name field after "name taken"). */
enum menus_from { MENUS_FROM_ROW, MENUS_FROM_FIELD, MENUS_FROM_ARGS };

struct menus_target {
    int set;
    enum menus_from typed;      /* a row of the list, the address field, the command line */
    char host[256];
    uint16_t port;
    char game[PROTO_NAME_LEN];  /* the game's name from discovery, or "" */
};

struct menus {
    struct ui_form form;
    struct ui_field name, port, addr; /* the name field is on both screens */
    char error[320];            /* shown on the start and join screens */
    struct menus_target last;   /* the last join asked for */

    /* the join screen: LAN discovery, open only while it is shown */
    struct discovery_query *dq;
    uint64_t dq_next_send;
    char dq_status[160];        /* why there is no search, or "" */
    struct found_game games[MENUS_MAX_FOUND];
    int ngames;
};

/* The fields: the player's name (checked by the caller), the port to host
 * on and the last address typed. */
void menus_init(struct menus *m, const char *name, uint16_t port, const char *addr);
/* Ends the LAN search if it runs. */
void menus_free(struct menus *m);

/* Screen s is shown: the focus starts on its first choice, and the join
 * screen starts searching the LAN (any other screen stops it). */
void menus_enter(struct menus *m, enum screen s);
void menus_show_error(struct menus *m, const char *msg);
void menus_clear_error(struct menus *m);
/* An attempt failed and screen s (start or join) is shown again: msg goes
 * on it and the focus to what fix names; after "name taken" the name
 * field holds a suggestion (the name with a number), selected. */
void menus_failed(struct menus *m, enum screen s, enum menus_fix fix, const char *msg);
/* The mouse left the window. */
void menus_pointer_left(struct menus *m);

/* Pressing Host: CMD_HOST with the name and port from the fields, or
 * CMD_ERROR when they cannot be used. */
struct app_cmd menus_host(const struct menus *m);
/* Joining host:port (a game called game, "" when unknown) as the player
 * named in the name field: CMD_JOIN, or CMD_ERROR when that name cannot
 * be used. Remembered, with where it came from, for a retry. */
struct app_cmd menus_join(struct menus *m, const char *host, uint16_t port, const char *game, enum menus_from from);

/* One input event on screen s (start, join or confirm); c tells whether
 * a connection attempt is under way. */
struct app_cmd menus_event(struct menus *m, enum screen s, const struct conn *c, const SDL_Event *e);
/* Every frame: the join screen asks the LAN and reads the answers. */
void menus_tick(struct menus *m, uint64_t now_ms);

/* Draws screen s (start or join), and the connecting card over it while
 * c connects. */
void menus_draw(struct menus *m, const struct frame *f, enum screen s, const struct conn *c);
/* Draws the leave confirmation over the game. */
void menus_draw_confirm(struct menus *m, const struct frame *f, const struct conn *c);

/* 1 when a text field has the focus (text input and the IME follow it). */
int menus_wants_text(const struct menus *m);
/* Row i of the join screen's list as last drawn: 1 with its rectangle
 * and its game, or 0 when there is no such row. */
int menus_row(const struct menus *m, int i, SDL_Rect *r, const struct found_game **g);
/* The focused text field and its name ("name", "port", "addr"), or NULL. */
const struct ui_field *menus_focused_field(const struct menus *m, const char **name);
/* 1 when the mouse is over something a click acts on. */
int menus_wants_hand(const struct menus *m);

#endif
