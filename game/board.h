/*
 * The game screen: the top bar (where players join a hosted game, the
 * sound switch), the notice strip, the board with its pieces and name
 * tags, the player list and the chat. It draws the world (view.h) it is
 * handed, and turns the game's input into commands (screen.h): keys move,
 * a click walks, Enter chats, M mutes, a click on an address copies it,
 * the wheel and PgUp/PgDn scroll the chat, Esc asks to leave.
 *
 * Nothing is drawn over a piece: a name tag sits in the top band of its
 * own square, above its pawn (the pawn is drawn below the band), so the
 * piece on the square above is never covered; notices have a strip of
 * their own above the board.
 *
 * Its own state is what only the screen needs: where things are drawn,
 * the square under the mouse, the chat line being typed, how far the chat
 * is scrolled.
 */
#ifndef PAWN_GAME_BOARD_H
#define PAWN_GAME_BOARD_H

#include <SDL.h>
#include <stdint.h>

#include "conn.h"
#include "path.h"
#include "screen.h"
#include "ui.h"
#include "view.h"
#include "walk.h"

/* The most squares shown along each side: a bigger board scrolls. */
#define BOARD_WINDOW 16

/* Where the game screen's parts are, in window pixels. */
struct layout {
    int board_x, board_y, cell, cols, rows, origin_x, origin_y;
    SDL_Rect frame, top, notice, panel, players, chat, chat_entry;
    int row;     /* height of a row in the player list */
    int tag_px;  /* name tag text size */
    int tag_h;   /* a tag's height: the band at the top of a square */
    float s;     /* UI scale: 1.0 at 1024x720 */
};

#define BOARD_CHIPS (CONN_LAN_MAX + 1) /* the addresses, then the sound switch */

struct board_view {
    struct layout lay;       /* from the last frame: input goes by it */
    struct ui_field chat;
    int chat_open;
    uint32_t caret_ms;       /* the chat caret's blink phase: restarts on every edit */
    uint64_t key_move_ms;    /* the last move sent by a key */
    int hover_valid;         /* the mouse is over a square: */
    uint16_t hover_x, hover_y;
    int mouse_x, mouse_y;    /* the pointer, for the wheel */
    uint16_t spawn_x, spawn_y; /* where SC_LOGIN_OK put us */
    uint64_t nopath_ms;      /* a walk found no way: flash that square */
    struct path_point nopath;

    /* The chat's scroll: 0 shows the newest line at the bottom; n keeps
     * the n newest lines below the view. Lines that arrive meanwhile keep
     * what is shown in place and are counted for the marker. */
    size_t chat_scroll;
    size_t chat_shown;       /* lines drawn last frame (a page) */
    size_t chat_unseen;      /* arrived while scrolled up */
    uint32_t chat_serial;    /* the view's chat_serial when last looked at */
    SDL_Rect chat_marker;    /* "N new messages" (w 0: not shown) */

    /* The top bar's chips: the addresses a hosted game is joined at (a
     * click copies one), then the sound switch. From the last frame. */
    SDL_Rect chips[BOARD_CHIPS];
    char chip_text[BOARD_CHIPS][SYS_ADDR_LEN + 8];
    int nchips;              /* address chips; the sound chip is chips[CONN_LAN_MAX] */
    int hover_chip;          /* -1: none */
    int copied;              /* the chip last copied, for "Copied" */
    uint64_t copied_ms;
};

void board_init(struct board_view *b);
/* A new game: chat closed and empty, no hover, no flash. */
void board_reset(struct board_view *b);
/* The login put us at (x, y): the board centres there until our own
 * piece arrives. */
void board_logged_in(struct board_view *b, uint16_t x, uint16_t y);
/* A walk found no way to sq: it flashes red for a moment. */
void board_no_way(struct board_view *b, struct path_point sq, uint64_t now_ms);
/* The mouse left the window. */
void board_pointer_left(struct board_view *b);

/* Lays the screen out for this frame (from the window size, so a resize or
 * the scroll of a big board needs no other bookkeeping), and takes in the
 * chat lines that arrived since the last frame. */
const struct layout *board_layout(struct board_view *b, const struct frame *f, const struct view *v);
/* Draws the screen as last laid out; the walk's goal is marked, and the
 * top bar says where we play (from c). Keeps where its chips and the chat
 * marker went, for the next input. */
void board_draw(struct board_view *b, const struct frame *f, const struct view *v, const struct walk *w,
                const struct conn *c);
/* 1 while something on the board moves or fades: it needs every frame. */
int board_busy(const struct board_view *b, const struct view *v, uint64_t now_ms);
/* 1 when the mouse is over something a click acts on. */
int board_wants_hand(const struct board_view *b);

/* One input event on the game screen: what the player asked for. */
struct app_cmd board_event(struct board_view *b, const struct view *v, const SDL_Event *e, uint64_t now_ms);

#endif
