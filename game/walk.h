/*
 * Click-to-walk: the player clicked a square; the game sends one move at a
 * time, waits for the host's echo of our own position, and plans the next
 * step from where everyone is then (path.h), so a walk follows the world
 * as it moves. Pure C without SDL or sockets: app.c sends the moves.
 */
#ifndef PAWN_GAME_WALK_H
#define PAWN_GAME_WALK_H

#include <stdint.h>

#include "path.h"
#include "view.h"

struct walk {
    int on;                 /* walking to goal */
    struct path_point goal;
    int wait;               /* a move is out, waiting for its echo */
    int stuck;              /* echoes in a row that did not move us */
    uint64_t next_ms;       /* the next step waits for the last glide */
};

/* Forgets any walk (a new game). */
void walk_reset(struct walk *w);
/* Starts walking to (x, y), or turns an ongoing walk there. */
void walk_to(struct walk *w, uint16_t x, uint16_t y);
/* Stops walking; an echo still due is taken when it comes. */
void walk_stop(struct walk *w);

/* 1 when the next step may go at now_ms. */
int walk_due(const struct walk *w, uint64_t now_ms);

/*
 * The next step from where the view says everyone is: a PATH_* direction
 * (>= 0), PATH_NONE when there is no way to the goal now (taken, walled in
 * or too far round), or another negative value to stop quietly (arrived,
 * no piece of ours yet, out of memory).
 */
int walk_plan(const struct walk *w, const struct view *v);

/* The step's move went out at now_ms: wait for its echo, and for its glide
 * before the next step. */
void walk_sent(struct walk *w, uint64_t now_ms);

/* The host echoed our position; moved is 0 when it did not move us.
 * Returns 1 when that ended a wait and the walk goes on (step when due). */
int walk_echo(struct walk *w, int moved);

#endif
