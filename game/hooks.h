/*
 * The test hooks (PAWNPARTY_TEST_EVENTS=1): lines on stdout that tell the
 * GUI tests (tests/gui/guitest.c) what the window shows, so that a test
 * waits for a line instead of sleeping:
 *
 *   pawnparty: screen start|join|game|confirm
 *   pawnparty: error MESSAGE
 *   pawnparty: layout board_x= board_y= cell= cols= rows= origin_x= origin_y=
 *   pawnparty: joined id= x= y=
 *   pawnparty: frame N            (after a frame that shows a changed world)
 *
 * Without the variable nothing is printed, and the loop never wakes for a
 * frame line (hooks_wake); the cheap bookkeeping runs either way.
 */
#ifndef PAWN_GAME_HOOKS_H
#define PAWN_GAME_HOOKS_H

#include <stdint.h>

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

#endif
