/*
 * A token bucket: what limits a player's moves and chat (session.c) and
 * the LAN discovery answers one address gets (discovery.c). Tokens arrive
 * at `rate` a second up to `burst`; a new bucket starts full. Plain C on a
 * caller's monotonic clock in milliseconds.
 */
#ifndef PAWN_NET_BUCKET_H
#define PAWN_NET_BUCKET_H

#include <stdint.h>

struct bucket {
    uint64_t milli; /* thousandths of a token; UINT64_MAX: new, full */
    uint64_t at_ms; /* when it was last filled */
};

#define BUCKET_FULL ((struct bucket){UINT64_MAX, 0})

/* Takes cost tokens: 0, or -1 when there are not enough (nothing is taken
 * then). */
static inline int bucket_take(struct bucket *b, uint32_t rate, uint32_t burst, uint32_t cost, uint64_t now_ms)
{
    uint64_t full = (uint64_t)burst * 1000;
    if (now_ms > b->at_ms) {
        uint64_t add = (now_ms - b->at_ms) * rate; /* rate a second is rate thousandths a ms */
        b->milli = add >= full || b->milli >= full - add ? full : b->milli + add;
        b->at_ms = now_ms;
    }
    if (b->milli > full)
        b->milli = full;
    if (b->milli < (uint64_t)cost * 1000)
        return -1;
    b->milli -= (uint64_t)cost * 1000;
    return 0;
}

#endif
