/*
 * A map from 32-bit keys to 32-bit values: the client mirror's players by
 * id and by square, the window's pieces by id. Open addressing with linear
 * probing and backward-shift deletion: removing a key moves the entries
 * after it back into the hole instead of leaving a tombstone, so a long run
 * of puts and removes (players walking in and out of view all day) never
 * slows lookups down and never needs a rebuild. The table doubles when it
 * is half full, which keeps probe runs short. Every operation is O(1) on
 * average, whatever order the keys come in.
 */
#ifndef PAWN_NET_IDMAP_H
#define PAWN_NET_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap {
    uint32_t *keys, *vals;
    uint8_t *used;
    size_t count, cap; /* cap: 0 or a power of two */
};

void idmap_init(struct idmap *m);
void idmap_free(struct idmap *m);
/* 1 and *val (may be NULL) when key is present, else 0. */
int idmap_get(const struct idmap *m, uint32_t key, uint32_t *val);
/* Adds key or replaces its value: 0, or -2 when out of memory (the map is
 * unchanged then). */
int idmap_put(struct idmap *m, uint32_t key, uint32_t val);
/* Removes key: 1, or 0 when it was not there. */
int idmap_del(struct idmap *m, uint32_t key);

#endif
