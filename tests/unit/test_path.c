/*
 * Click-to-walk path finding (game/path.c): first steps of shortest paths
 * around pieces, on small and huge boards.
 */
#include "check.h"
#include "path.h"

#include <stdlib.h>

static struct path_point pt(uint16_t x, uint16_t y)
{
    struct path_point p = { x, y };
    return p;
}

/* Walks from `from` to `to` by asking for one step at a time, as the game
 * does; returns the number of steps, or -1 when it got stuck or wandered. */
static int walk(uint16_t w, uint16_t h, const struct path_point *walls, size_t n,
                struct path_point from, struct path_point to)
{
    for (int steps = 0; steps < 100000; steps++) {
        int d = path_first_step(w, h, walls, n, from, to);
        if (d == PATH_HERE)
            return steps;
        if (d < 0)
            return -1;
        if (d == PATH_UP) from.y--;
        else if (d == PATH_DOWN) from.y++;
        else if (d == PATH_LEFT) from.x--;
        else from.x++;
        for (size_t i = 0; i < n; i++)
            if (walls[i].x == from.x && walls[i].y == from.y)
                return -1;
    }
    return -1;
}

static void t_straight_line(void)
{
    CHECK_INT(path_first_step(8, 8, NULL, 0, pt(0, 0), pt(5, 0)), PATH_RIGHT);
    CHECK_INT(path_first_step(8, 8, NULL, 0, pt(5, 0), pt(0, 0)), PATH_LEFT);
    CHECK_INT(path_first_step(8, 8, NULL, 0, pt(3, 7), pt(3, 1)), PATH_UP);
    CHECK_INT(path_first_step(8, 8, NULL, 0, pt(3, 1), pt(3, 7)), PATH_DOWN);
    CHECK_INT(walk(8, 8, NULL, 0, pt(0, 0), pt(7, 7)), 14);
}

static void t_around_a_wall_of_pieces(void)
{
    /* A vertical wall at x=3 from y=0 to y=5; the way round is below it. */
    struct path_point wall[6];
    for (uint16_t i = 0; i < 6; i++)
        wall[i] = pt(3, i);
    CHECK_INT(path_first_step(8, 8, wall, 6, pt(2, 0), pt(4, 0)), PATH_DOWN);
    /* 6 down, 2 across, 6 up. */
    CHECK_INT(walk(8, 8, wall, 6, pt(2, 0), pt(4, 0)), 14);
    /* A single piece in the way: one square of detour each side. */
    struct path_point one = pt(2, 0);
    CHECK_INT(walk(8, 8, &one, 1, pt(0, 0), pt(4, 0)), 6);
}

static void t_no_path(void)
{
    /* The goal is taken. */
    struct path_point taken = pt(5, 5);
    CHECK_INT(path_first_step(8, 8, &taken, 1, pt(0, 0), pt(5, 5)), PATH_NONE);
    /* The goal is walled in by four pieces. */
    struct path_point ring[4] = { pt(4, 5), pt(6, 5), pt(5, 4), pt(5, 6) };
    CHECK_INT(path_first_step(8, 8, ring, 4, pt(0, 0), pt(5, 5)), PATH_NONE);
    /* I am walled in, in the corner. */
    struct path_point corner[2] = { pt(1, 0), pt(0, 1) };
    CHECK_INT(path_first_step(8, 8, corner, 2, pt(0, 0), pt(7, 7)), PATH_NONE);
    /* A full wall across the board. */
    struct path_point across[8];
    for (uint16_t i = 0; i < 8; i++)
        across[i] = pt(i, 4);
    CHECK_INT(path_first_step(8, 8, across, 8, pt(0, 0), pt(0, 7)), PATH_NONE);
}

static void t_start_is_goal(void)
{
    CHECK_INT(path_first_step(8, 8, NULL, 0, pt(3, 3), pt(3, 3)), PATH_HERE);
    /* My own piece is listed among the pieces: it is not a wall for me. */
    struct path_point me = pt(3, 3);
    CHECK_INT(path_first_step(8, 8, &me, 1, pt(3, 3), pt(3, 3)), PATH_HERE);
    CHECK_INT(path_first_step(8, 8, &me, 1, pt(3, 3), pt(4, 3)), PATH_RIGHT);
}

static void t_board_edges(void)
{
    /* Off the board, either end. */
    CHECK_INT(path_first_step(8, 8, NULL, 0, pt(0, 0), pt(8, 0)), PATH_NONE);
    CHECK_INT(path_first_step(8, 8, NULL, 0, pt(0, 8), pt(0, 0)), PATH_NONE);
    /* Along the last row and column, never off them. */
    CHECK_INT(walk(8, 8, NULL, 0, pt(7, 7), pt(0, 7)), 7);
    CHECK_INT(walk(8, 8, NULL, 0, pt(7, 0), pt(7, 7)), 7);
    /* A 1x1 board and a one-row board. */
    CHECK_INT(path_first_step(1, 1, NULL, 0, pt(0, 0), pt(0, 0)), PATH_HERE);
    CHECK_INT(walk(9, 1, NULL, 0, pt(0, 0), pt(8, 0)), 8);
    struct path_point mid = pt(4, 0);
    CHECK_INT(path_first_step(9, 1, &mid, 1, pt(0, 0), pt(8, 0)), PATH_NONE);
}

static void t_big_board(void)
{
    /* 65535 x 65535: only the box around start and goal is searched. */
    struct path_point wall[20];
    for (uint16_t i = 0; i < 20; i++)
        wall[i] = pt(60005, (uint16_t)(59990 + i));
    CHECK_INT(walk(65535, 65535, wall, 20, pt(60000, 60000), pt(60010, 60000)), 10 + 2 * 10); /* round the bottom end */
    /* The far corner, right at the edge. */
    CHECK_INT(walk(65535, 65535, NULL, 0, pt(65530, 65530), pt(65534, 65534)), 8);
    /* A wall longer than the margin on both sides: no detour is searched. */
    size_t n = 2 * PATH_MARGIN + 10;
    struct path_point *long_wall = malloc(n * sizeof *long_wall);
    for (size_t i = 0; i < n; i++)
        long_wall[i] = pt(30000, (uint16_t)(30000 - PATH_MARGIN - 5 + i));
    CHECK_INT(path_first_step(65535, 65535, long_wall, n, pt(29999, 30000), pt(30001, 30000)), PATH_NONE);
    free(long_wall);
}

static const struct check_case tests[] = {
    CHECK_CASE(t_straight_line),
    CHECK_CASE(t_around_a_wall_of_pieces),
    CHECK_CASE(t_no_path),
    CHECK_CASE(t_start_is_goal),
    CHECK_CASE(t_board_edges),
    CHECK_CASE(t_big_board),
    { 0 },
};

CHECK_MAIN(tests)
