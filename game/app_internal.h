/*
 * What the window's files share: the app state and the functions one file
 * calls in another. Only the main (render) thread touches struct app; the
 * network reaches it through SDL user events (net_events.h).
 *
 *   app.c      SDL set-up, the main loop, frame pacing, test hooks
 *   session.c  hosting, joining, leaving, packets -> view, errors, walking
 *   screens.c  the start and join screens, the leave confirmation
 *   board.c    the game screen: board, pieces, panels, chat; its input
 */
#ifndef PAWN_GAME_APP_INTERNAL_H
#define PAWN_GAME_APP_INTERNAL_H

#include <SDL.h>
#include <stdint.h>

#include "app.h"
#include "client.h"
#include "discovery.h"
#include "gfx.h"
#include "host.h"
#include "path.h"
#include "ui.h"
#include "view.h"

enum screen { SCREEN_START, SCREEN_JOIN, SCREEN_GAME, SCREEN_CONFIRM };

/* The most squares shown along each side: a bigger board scrolls. */
#define BOARD_WINDOW 16
#define MAX_FOUND_GAMES 16
#define CONNECT_TIMEOUT_MS 5000
/* A host that accepted the connection but never answers the login. */
#define LOGIN_TIMEOUT_MS 10000

/* Where the game screen's parts are, in window pixels. */
struct layout {
    int board_x, board_y, cell, cols, rows, origin_x, origin_y;
    SDL_Rect frame, top, panel, players, chat, chat_entry;
    int row;  /* height of a row in the player list */
    float s;  /* UI scale: 1.0 at 1024x720 */
};

struct found_game {
    struct discovery_game g;
    uint64_t seen_ms;
};

struct app {
    struct app_opts opts;
    SDL_Window *win;
    SDL_Renderer *ren;
    struct gfx gfx;
    SDL_Cursor *arrow, *hand;
    int w, h;
    int quit;
    uint64_t now;   /* ms, SDL_GetTicks64 at the top of the frame */
    enum screen screen;

    /* menus */
    struct ui_form form;
    struct ui_field name, port, addr, chat;
    char error[320];
    int text_input_on;

    /* join screen: LAN discovery */
    struct discovery_query *dq;
    uint64_t dq_next_send;
    char dq_status[160];
    struct found_game games[MAX_FOUND_GAMES];
    int ngames;

    /* the connection (one at a time) */
    struct client *client;
    struct host *host;       /* when this window hosts the game */
    Sint32 session;          /* tags this connection's events */
    int connecting;          /* client started, no SC_LOGIN_OK yet */
    uint64_t connect_ms;     /* when it started */
    char target[300];        /* "127.0.0.1:9090", for messages */
    char joined_name[PROTO_NAME_LEN];
    char host_name[PROTO_NAME_LEN]; /* our host's game name (it keeps the pointer) */
    uint16_t login_x, login_y;
    struct view view;

    /* game screen */
    int chat_open;
    uint64_t key_move_ms;    /* the last move sent by a key */
    int hover_valid;
    uint16_t hover_x, hover_y;
    int walking;
    struct path_point goal;
    int walk_wait;           /* a move is out, waiting for its echo */
    int walk_stuck;          /* echoes in a row that did not move us */
    uint64_t walk_next_ms;   /* the next step waits for the last glide */
    uint64_t nopath_ms;      /* a click found no way: flash that square */
    struct path_point nopath;
    struct layout lay;

    /* test hooks (PAWNPARTY_TEST_EVENTS=1) */
    int test_events;
    struct layout printed;
    int layout_printed;
    int world_dirty;         /* something changed since the last frame line */
    uint64_t frame_due;      /* print the frame line from then on */
    uint64_t frame_printed_ms;
    int board_frames;        /* frames drawn with the board this game */
    uint32_t frames;
};

/* app.c */
void app_set_screen(struct app *a, enum screen s);
void app_show_error(struct app *a, const char *msg);
void app_test_line(struct app *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void app_world_changed(struct app *a);

/* session.c */
void session_host(struct app *a);
void session_join(struct app *a, const char *host, uint16_t port);
/* Ends the game (or the attempt) and goes back to the start screen,
 * showing error when it is not NULL. */
void session_leave(struct app *a, const char *error);
/* Gives up a connection attempt and stays on the current screen. */
void session_cancel(struct app *a);
void session_event(struct app *a, SDL_Event *e);
void session_move(struct app *a, int dir);
void session_walk_to(struct app *a, uint16_t x, uint16_t y);
void session_chat(struct app *a, const char *text);
/* Every frame: takes the next step of a walk when it is due. */
void session_tick(struct app *a);

/* screens.c */
void screens_enter(struct app *a, enum screen s);
void screens_leave_join(struct app *a);
void screens_event(struct app *a, SDL_Event *e);
void screens_draw(struct app *a);
void screens_tick(struct app *a);
int screens_busy(const struct app *a); /* needs every frame (the spinner) */
void confirm_draw(struct app *a);

/* board.c */
void board_layout(struct app *a);
void board_draw(struct app *a);
void board_event(struct app *a, SDL_Event *e);
int board_busy(const struct app *a); /* something moves or fades */

/* A UI scale for the window size and body text size (shared by screens). */
float app_scale(const struct app *a);

#endif
