/*
 * The one pseudo-random generator: spawn squares, bot and dummy moves, test
 * scripts. xorshift64 (Marsaglia, 2003): fast, small state, good enough for
 * play and nothing secret. Each user keeps its own state; seeding with the
 * same value gives the same sequence on every platform.
 */
#ifndef PAWN_NET_RNG_H
#define PAWN_NET_RNG_H

#include <stdint.h>

struct rng {
    uint64_t s; /* never 0: xorshift stays at 0 for ever */
};

static inline void rng_seed(struct rng *r, uint64_t seed)
{
    r->s = seed ? seed : 0x9E3779B97F4A7C15ull;
}

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t x = r->s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return r->s = x;
}

/* 0..n-1 (0 when n is 0). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
    return n ? (uint32_t)(rng_next(r) % n) : 0;
}

#endif
