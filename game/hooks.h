/*
 * The test hooks (PAWNPARTY_TEST_EVENTS=1): lines on stdout that tell the
 * GUI tests (tests/gui/guitest.c) what the window shows, so that a test
 * waits for a line instead of sleeping:
 *
 *   pawnparty: screen start|join|game|confirm
 *   pawnparty: error MESSAGE
 *   pawnparty: error cleared      (the player edited what was wrong)
 *   pawnparty: layout board_x= board_y= cell= cols= rows= origin_x= origin_y= tag_h= chat_x= chat_y=
 *              chat_w= chat_h= notice_x= notice_y= notice_w= notice_h=
 *   pawnparty: joined id= x= y=
 *   pawnparty: frame N            (after a frame that shows a changed world)
 *   pawnparty: prefs name=N port=P addr=A muted=0|1 file=PATH   (at start: what was remembered)
 *   pawnparty: name NAME          (at start: the name field's first value)
 *   pawnparty: games N, then game I x= y= w= h= full=0|1 name=G addr=A:P
 *                                 (the Join screen's list, when it changes)
 *   pawnparty: font regular=PATH bold=PATH                        (at start)
 *   pawnparty: sound on INFO | sound off: WHY | sound muted | sound unmuted
 *   pawnparty: field NAME text=TEXT sel=FROM..TO   (the focused menu field changed)
 *   pawnparty: connect HOST:PORT  (a join starts: nothing is looked up before)
 *   pawnparty: host addresses ADDR:PORT ...    (where players join us)
 *   pawnparty: chip N x= y= w= h= text=T       (the top bar's chips, as laid out)
 *   pawnparty: copied TEXT        (put on the clipboard)
 *   pawnparty: notice TEXT        (the newest notice, when it changes)
 *   pawnparty: chat shown=NEWEST..OLDEST of N new=K  (ages of the chat lines shown)
 *   pawnparty: fatal MESSAGE      (the window cannot run; a message box says it)
 *   pawnparty: quit               (the window is closing)
 *
 * Without the variable nothing is printed, and the loop never wakes for a
 * frame line (hooks_wake); the cheap bookkeeping runs either way.
 */
#ifndef PAWN_GAME_HOOKS_H
#define PAWN_GAME_HOOKS_H

#include <stdint.h>

#include <SDL.h>

#include "board.h"

struct test_hooks {
    int on;                    /* PAWNPARTY_TEST_EVENTS=1 */
    struct layout printed;     /* the last layout line's values */
    int layout_printed;        /* this game printed one */
    int world_dirty;           /* something changed since the last frame line */
    uint64_t frame_due;        /* print the frame line from then on */
    uint64_t frame_printed_ms;
    int board_frames;          /* frames drawn with the board this game */
    uint32_t frames;           /* frames drawn in all */
    /* What the change-only lines printed last. */
    char field[300];
    char notice[128];
    char chat[96];
    char chips[512];
    char games[2048];
    int games_printed;
};

/* Reads PAWNPARTY_TEST_EVENTS. */
void hooks_init(struct test_hooks *t);

/* Prints "pawnparty: " and the line, when the hooks are on. */
void hooks_line(const struct test_hooks *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A new game: its first layout and its first board frame are printed. */
void hooks_new_game(struct test_hooks *t);

/* The world on the board changed at now_ms: a frame line is due once a
 * frame shows the change settled. */
void hooks_world_changed(struct test_hooks *t, uint64_t now_ms);

/* The board was laid out as L: prints the layout line when it differs
 * from the last one printed, and returns 1 then. */
int hooks_layout(struct test_hooks *t, const struct layout *L);

/* A frame was presented; board_with_me is 1 when it showed the board with
 * our own piece on it. Prints the frame line when one is due. */
void hooks_frame(struct test_hooks *t, int board_with_me, uint64_t now_ms);

/* When the loop should wake: when a frame line waits, the time it is due
 * (a change settles, and lines come at most ~10 a second); else next. */
uint64_t hooks_wake(const struct test_hooks *t, uint64_t next);

/* Lines printed only when what they say changed since they were last
 * printed (each is cheap to call every frame). */
void hooks_field(struct test_hooks *t, const char *name, const char *text, size_t from, size_t to);
void hooks_notice(struct test_hooks *t, const char *text);
void hooks_chat(struct test_hooks *t, size_t newest, size_t oldest, size_t n, size_t unseen);
void hooks_chips(struct test_hooks *t, const SDL_Rect *r, char (*text)[SYS_ADDR_LEN + 8], int n);
/* The Join screen's rows, one preformatted line each. */
void hooks_games(struct test_hooks *t, const char *const *lines, int n);

#endif
