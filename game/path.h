/*
 * Click-to-walk path finding: a breadth-first search over the board where
 * every occupied square is a wall. Pure C, no SDL, so the unit tests and
 * any other client can call it.
 *
 * The game asks only for the first step: it sends that one move, waits for
 * the host's echo of its own position and asks again, so a path always
 * follows the world as it is now (other pieces keep moving).
 */
#ifndef PAWN_GAME_PATH_H
#define PAWN_GAME_PATH_H

#include <stddef.h>
#include <stdint.h>

/* The first step's direction; the values are the protocol's CS_MOVE
 * directions (0 up, 1 down, 2 left, 3 right). */
enum path_result {
    PATH_UP = 0,
    PATH_DOWN = 1,
    PATH_LEFT = 2,
    PATH_RIGHT = 3,
    PATH_HERE = -1, /* start == goal: nothing to do */
    PATH_NONE = -2, /* the goal is off the board, taken or walled in */
    PATH_NOMEM = -3,
};

struct path_point {
    uint16_t x, y;
};

/*
 * How far outside the box spanned by start and goal the search may go. A
 * board may be 65535 x 65535 squares, far too many to search; a detour
 * longer than this margin around a wall of pieces is not worth walking.
 */
#define PATH_MARGIN 16

/*
 * The first step of a shortest path from `from` to `to` on a w x h board,
 * going around the `nwalls` squares in walls (other pieces; a wall on
 * `from` itself is ignored). Searches only the box spanned by from and to,
 * widened by PATH_MARGIN and clipped to the board. Allocates its scratch
 * memory and frees it before returning; walls stay the caller's.
 */
int path_first_step(uint16_t w, uint16_t h, const struct path_point *walls, size_t nwalls,
                    struct path_point from, struct path_point to);

#endif
