/*
 * The test hooks (hooks.h).
 */
#include "hooks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

#define FRAME_LINE_GAP_MS 100 /* at most ~10 frame lines a second */

void hooks_init(struct test_hooks *t)
{
    const char *te = getenv("PAWNPARTY_TEST_EVENTS");
    t->on = te && strcmp(te, "1") == 0;
}

void hooks_line(const struct test_hooks *t, const char *fmt, ...)
{
    if (!t->on)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("pawnparty: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
    va_end(ap);
}

void hooks_new_game(struct test_hooks *t)
{
    t->layout_printed = 0;
    t->board_frames = 0;
    t->world_dirty = 0;
}

void hooks_world_changed(struct test_hooks *t, uint64_t now_ms)
{
    if (!t->world_dirty) {
        t->world_dirty = 1;
        /* The line should come after a frame that shows the change
         * settled: a glide takes VIEW_GLIDE_MS. */
        t->frame_due = now_ms + VIEW_GLIDE_MS;
    }
}

/* Only what a test reads from the layout line. */
static int layout_differs(const struct layout *p, const struct layout *q)
{
    return p->board_x != q->board_x || p->board_y != q->board_y || p->cell != q->cell || p->cols != q->cols
        || p->rows != q->rows || p->origin_x != q->origin_x || p->origin_y != q->origin_y;
}

int hooks_layout(struct test_hooks *t, const struct layout *L)
{
    if (t->layout_printed && !layout_differs(&t->printed, L))
        return 0;
    t->printed = *L;
    t->layout_printed = 1;
    hooks_line(t, "layout board_x=%d board_y=%d cell=%d cols=%d rows=%d origin_x=%d origin_y=%d", L->board_x,
               L->board_y, L->cell, L->cols, L->rows, L->origin_x, L->origin_y);
    return 1;
}

/* The frame line tells a test that what is on screen is current. */
void hooks_frame(struct test_hooks *t, int board_with_me, uint64_t now_ms)
{
    t->frames++;
    if (!board_with_me)
        return;
    t->board_frames++;
    int first = t->board_frames == 1;
    if (!first && (!t->world_dirty || now_ms < t->frame_due || now_ms - t->frame_printed_ms < FRAME_LINE_GAP_MS))
        return;
    t->world_dirty = 0;
    t->frame_printed_ms = now_ms;
    hooks_line(t, "frame %u", t->frames);
}

uint64_t hooks_wake(const struct test_hooks *t, uint64_t next)
{
    if (!t->world_dirty || !t->on)
        return next;
    uint64_t line = t->frame_printed_ms + FRAME_LINE_GAP_MS;
    return t->frame_due > line ? t->frame_due : line;
}
