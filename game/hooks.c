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
        || p->rows != q->rows || p->origin_x != q->origin_x || p->origin_y != q->origin_y || p->tag_h != q->tag_h
        || !SDL_RectEquals(&p->chat, &q->chat) || !SDL_RectEquals(&p->notice, &q->notice);
}

int hooks_layout(struct test_hooks *t, const struct layout *L)
{
    if (t->layout_printed && !layout_differs(&t->printed, L))
        return 0;
    t->printed = *L;
    t->layout_printed = 1;
    hooks_line(t,
               "layout board_x=%d board_y=%d cell=%d cols=%d rows=%d origin_x=%d origin_y=%d tag_h=%d chat_x=%d "
               "chat_y=%d chat_w=%d chat_h=%d notice_x=%d notice_y=%d notice_w=%d notice_h=%d",
               L->board_x, L->board_y, L->cell, L->cols, L->rows, L->origin_x, L->origin_y, L->tag_h, L->chat.x,
               L->chat.y, L->chat.w, L->chat.h, L->notice.x, L->notice.y, L->notice.w, L->notice.h);
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

/* ======================================================================
 * Lines printed on change
 * ====================================================================== */

/* Prints line (already formatted) when it differs from last; keeps it. */
static void on_change(const struct test_hooks *t, char *last, size_t cap, const char *line)
{
    if (strcmp(last, line) == 0)
        return;
    snprintf(last, cap, "%s", line);
    hooks_line(t, "%s", line);
}

void hooks_field(struct test_hooks *t, const char *name, const char *text, size_t from, size_t to)
{
    if (!t->on)
        return;
    char line[sizeof t->field];
    snprintf(line, sizeof line, "field %s text=%s sel=%zu..%zu", name, text, from, to);
    on_change(t, t->field, sizeof t->field, line);
}

void hooks_notice(struct test_hooks *t, const char *text)
{
    if (!t->on)
        return;
    char line[sizeof t->notice];
    snprintf(line, sizeof line, "notice %s", text);
    if (text[0])
        on_change(t, t->notice, sizeof t->notice, line);
    else
        t->notice[0] = '\0'; /* gone: the same text again is a new notice */
}

void hooks_chat(struct test_hooks *t, size_t newest, size_t oldest, size_t n, size_t unseen)
{
    if (!t->on)
        return;
    char line[sizeof t->chat];
    snprintf(line, sizeof line, "chat shown=%zu..%zu of %zu new=%zu", newest, oldest, n, unseen);
    on_change(t, t->chat, sizeof t->chat, line);
}

void hooks_chips(struct test_hooks *t, const SDL_Rect *r, char (*text)[SYS_ADDR_LEN + 8], int n)
{
    if (!t->on)
        return;
    char all[sizeof t->chips];
    size_t used = 0;
    all[0] = '\0';
    for (int i = 0; i < n && used < sizeof all; i++)
        used += (size_t)snprintf(all + used, sizeof all - used, "%d %d %d %d %d %s|", i, r[i].x, r[i].y, r[i].w, r[i].h,
                                 text[i]);
    if (strcmp(all, t->chips) == 0)
        return;
    snprintf(t->chips, sizeof t->chips, "%s", all);
    for (int i = 0; i < n; i++)
        hooks_line(t, "chip %d x=%d y=%d w=%d h=%d text=%s", i, r[i].x, r[i].y, r[i].w, r[i].h, text[i]);
}

void hooks_games(struct test_hooks *t, const char *const *lines, int n)
{
    if (!t->on)
        return;
    char all[sizeof t->games];
    size_t used = 0;
    all[0] = '\0';
    for (int i = 0; i < n && used < sizeof all; i++)
        used += (size_t)snprintf(all + used, sizeof all - used, "%s|", lines[i]);
    if (t->games_printed && strcmp(all, t->games) == 0)
        return;
    snprintf(t->games, sizeof t->games, "%s", all);
    t->games_printed = 1;
    hooks_line(t, "games %d", n);
    for (int i = 0; i < n; i++)
        hooks_line(t, "game %d %s", i, lines[i]);
}
