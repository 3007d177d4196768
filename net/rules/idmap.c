/* The map of idmap.h. */
#include "idmap.h"

#include <stdlib.h>
#include <string.h>

#define IDMAP_MIN_CAP 16

static size_t home_of(uint32_t key, size_t mask)
{
    uint32_t h = key * 0x9E3779B1u; /* Fibonacci hashing: ids are sequential */
    return (size_t)(h ^ (h >> 16)) & mask;
}

/* The index holding key, or the empty index where it would go. */
static size_t probe(const struct idmap *m, uint32_t key)
{
    size_t mask = m->cap - 1, i = home_of(key, mask);
    while (m->used[i] && m->keys[i] != key)
        i = (i + 1) & mask;
    return i;
}

void idmap_init(struct idmap *m)
{
    memset(m, 0, sizeof *m);
}

void idmap_free(struct idmap *m)
{
    free(m->keys);
    free(m->vals);
    free(m->used);
    idmap_init(m);
}

int idmap_get(const struct idmap *m, uint32_t key, uint32_t *val)
{
    if (m->cap == 0)
        return 0;
    size_t i = probe(m, key);
    if (!m->used[i])
        return 0;
    if (val)
        *val = m->vals[i];
    return 1;
}

/* Rehashes into a table of new_cap slots; the old one stays on failure. */
static int grow(struct idmap *m, size_t new_cap)
{
    struct idmap n = {malloc(new_cap * sizeof *n.keys), malloc(new_cap * sizeof *n.vals), calloc(new_cap, 1), 0,
                      new_cap};
    if (!n.keys || !n.vals || !n.used) {
        idmap_free(&n);
        return -2;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->used[i])
            continue;
        size_t j = probe(&n, m->keys[i]);
        n.keys[j] = m->keys[i];
        n.vals[j] = m->vals[i];
        n.used[j] = 1;
        n.count++;
    }
    idmap_free(m);
    *m = n;
    return 0;
}

int idmap_put(struct idmap *m, uint32_t key, uint32_t val)
{
    if ((m->count + 1) * 2 > m->cap) {
        int rc = grow(m, m->cap ? m->cap * 2 : IDMAP_MIN_CAP);
        if (rc)
            return rc;
    }
    size_t i = probe(m, key);
    m->count += !m->used[i];
    m->keys[i] = key;
    m->vals[i] = val;
    m->used[i] = 1;
    return 0;
}

/*
 * Empties the key's index, then walks the run after it: an entry that may
 * live at the hole (its home is not between the hole and where it sits)
 * moves back into it, and its old place becomes the hole. This keeps every
 * entry reachable from its home without tombstones.
 */
int idmap_del(struct idmap *m, uint32_t key)
{
    if (m->cap == 0)
        return 0;
    size_t hole = probe(m, key), mask = m->cap - 1;
    if (!m->used[hole])
        return 0;
    for (size_t j = (hole + 1) & mask; m->used[j]; j = (j + 1) & mask) {
        size_t home = home_of(m->keys[j], mask);
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            m->keys[hole] = m->keys[j];
            m->vals[hole] = m->vals[j];
            hole = j;
        }
    }
    m->used[hole] = 0;
    m->count--;
    return 1;
}
