/*
 * Click-to-walk (walk.h).
 */
#include "walk.h"

#include <stdlib.h>
#include <string.h>

#define WALK_STUCK_MAX 3 /* echoes in a row without moving before giving up */

void walk_reset(struct walk *w)
{
    memset(w, 0, sizeof *w);
}

void walk_to(struct walk *w, uint16_t x, uint16_t y)
{
    w->goal = (struct path_point){ x, y };
    w->on = 1;
    w->stuck = 0;
}

void walk_stop(struct walk *w)
{
    w->on = 0;
}

int walk_due(const struct walk *w, uint64_t now_ms)
{
    return w->on && !w->wait && now_ms >= w->next_ms;
}

int walk_plan(const struct walk *w, const struct view *v)
{
    const struct view_piece *me = view_me(v);
    if (!me)
        return PATH_HERE;
    /* Every other piece is a wall, wherever it stands right now. */
    struct path_point *walls = malloc((v->npieces + 1) * sizeof *walls);
    if (!walls)
        return PATH_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < v->nslots; i++) {
        const struct view_piece *p = view_piece_at(v, i);
        if (p && p != me)
            walls[n++] = (struct path_point){ p->x, p->y };
    }
    int dir = path_first_step(v->mirror.board_w, v->mirror.board_h, walls, n, (struct path_point){ me->x, me->y },
                              w->goal);
    free(walls);
    return dir;
}

void walk_sent(struct walk *w, uint64_t now_ms)
{
    w->wait = 1;
    /* One square per glide, so a walk reads as steps, not a slide. */
    w->next_ms = now_ms + VIEW_GLIDE_MS;
}

int walk_echo(struct walk *w, int moved)
{
    if (!w->wait)
        return 0;
    w->wait = 0;
    if (!w->on)
        return 0;
    w->stuck = moved ? 0 : w->stuck + 1;
    if (w->stuck >= WALK_STUCK_MAX)
        w->on = 0;
    return w->on;
}
