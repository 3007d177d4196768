/*
 * Breadth-first search from the goal back towards the start: when the
 * search reaches the start square, the neighbour it was reached from is
 * the first step of a shortest path, with no path to walk back along.
 */
#include "path.h"

#include <stdlib.h>

/* The searched box, in board coordinates, and its scratch arrays. */
struct box {
    uint32_t x0, y0, w, h;
    uint8_t *wall;  /* 1: a piece stands there */
    uint8_t *seen;  /* 1: already queued */
    uint32_t *queue;
};

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

static void box_span(struct box *b, uint16_t w, uint16_t h, struct path_point a, struct path_point c)
{
    uint32_t lo_x = min_u32(a.x, c.x), hi_x = a.x > c.x ? a.x : c.x;
    uint32_t lo_y = min_u32(a.y, c.y), hi_y = a.y > c.y ? a.y : c.y;
    b->x0 = lo_x > PATH_MARGIN ? lo_x - PATH_MARGIN : 0;
    b->y0 = lo_y > PATH_MARGIN ? lo_y - PATH_MARGIN : 0;
    b->w = min_u32(hi_x + PATH_MARGIN, (uint32_t)w - 1) - b->x0 + 1;
    b->h = min_u32(hi_y + PATH_MARGIN, (uint32_t)h - 1) - b->y0 + 1;
}

static int box_alloc(struct box *b)
{
    size_t n = (size_t)b->w * b->h;
    b->wall = calloc(n, 1);
    b->seen = calloc(n, 1);
    b->queue = malloc(n * sizeof *b->queue);
    return b->wall && b->seen && b->queue ? 0 : -1;
}

static void box_free(struct box *b)
{
    free(b->wall);
    free(b->seen);
    free(b->queue);
}

static int box_has(const struct box *b, struct path_point p)
{
    return p.x >= b->x0 && p.y >= b->y0 && p.x - b->x0 < b->w && p.y - b->y0 < b->h;
}

static uint32_t box_index(const struct box *b, struct path_point p)
{
    return (p.y - b->y0) * b->w + (p.x - b->x0);
}

/* Neighbour offsets in the protocol's direction order. */
static const int step_dx[4] = { 0, 0, -1, 1 };
static const int step_dy[4] = { -1, 1, 0, 0 };

/* The direction that goes from a square to its neighbour n, seen from n:
 * the search runs backwards, so a step from n to the square is the
 * opposite of the step we took to get to n. */
static int opposite(int dir) { return dir ^ 1; }

static int search(struct box *b, uint32_t goal, uint32_t start)
{
    uint32_t head = 0, tail = 0;
    b->queue[tail++] = goal;
    b->seen[goal] = 1;
    while (head < tail) {
        uint32_t cur = b->queue[head++];
        int32_t cx = (int32_t)(cur % b->w), cy = (int32_t)(cur / b->w);
        for (int d = 0; d < 4; d++) {
            int32_t nx = cx + step_dx[d], ny = cy + step_dy[d];
            if (nx < 0 || ny < 0 || (uint32_t)nx >= b->w || (uint32_t)ny >= b->h)
                continue;
            uint32_t n = (uint32_t)ny * b->w + (uint32_t)nx;
            if (n == start)
                return opposite(d);
            if (b->seen[n] || b->wall[n])
                continue;
            b->seen[n] = 1;
            b->queue[tail++] = n;
        }
    }
    return PATH_NONE;
}

int path_first_step(uint16_t w, uint16_t h, const struct path_point *walls, size_t nwalls,
                    struct path_point from, struct path_point to)
{
    if (from.x >= w || from.y >= h || to.x >= w || to.y >= h)
        return PATH_NONE;
    if (from.x == to.x && from.y == to.y)
        return PATH_HERE;
    struct box b = { 0 };
    box_span(&b, w, h, from, to);
    if (box_alloc(&b) != 0) {
        box_free(&b);
        return PATH_NOMEM;
    }
    for (size_t i = 0; i < nwalls; i++)
        if (box_has(&b, walls[i]))
            b.wall[box_index(&b, walls[i])] = 1;
    uint32_t start = box_index(&b, from), goal = box_index(&b, to);
    b.wall[start] = 0;
    int rc = b.wall[goal] ? PATH_NONE : search(&b, goal, start);
    box_free(&b);
    return rc;
}
