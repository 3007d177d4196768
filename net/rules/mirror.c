/*
 * A client's mirror of the world, built only from received packets.
 *
 * Players are kept in an open-addressed table keyed by id, with linear
 * probing and backward-shift deletion: removing a player moves the entries
 * after it back into the hole instead of leaving a tombstone, so a long run
 * of puts and removes (players walking in and out of view all day) never
 * slows lookups down and never needs a rebuild. The table doubles when it
 * is half full, which keeps probe runs short.
 */
#include "mirror.h"

#include <stdlib.h>
#include <string.h>

#define MIRROR_MIN_CAP 16

static size_t home_of(uint32_t id, size_t mask)
{
    uint32_t h = id * 0x9E3779B1u; /* Fibonacci hashing: ids are sequential */
    return (size_t)(h ^ (h >> 16)) & mask;
}

/* The index holding id, or the empty index where it would go. */
static size_t probe(const struct mirror *m, uint32_t id)
{
    size_t mask = m->cap - 1, i = home_of(id, mask);
    while (m->used[i] && m->players[i].id != id)
        i = (i + 1) & mask;
    return i;
}

void mirror_init(struct mirror *m)
{
    memset(m, 0, sizeof *m);
}

void mirror_free(struct mirror *m)
{
    free(m->players);
    free(m->used);
    mirror_init(m);
}

/* 1 and *at set when id is present, else 0. */
static int locate(const struct mirror *m, uint32_t id, size_t *at)
{
    if (m->cap == 0)
        return 0;
    *at = probe(m, id);
    return m->used[*at];
}

const struct mirror_player *mirror_find(const struct mirror *m, uint32_t id)
{
    size_t i;
    return locate(m, id, &i) ? &m->players[i] : NULL;
}

void mirror_each(const struct mirror *m, void (*fn)(void *ctx, const struct mirror_player *p), void *ctx)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->used[i])
            fn(ctx, &m->players[i]);
}

/* Rehashes into a table of new_cap slots; the old one stays on failure. */
static int grow(struct mirror *m, size_t new_cap)
{
    struct mirror_player *players = malloc(new_cap * sizeof *players);
    uint8_t *used = calloc(new_cap, 1);
    if (!players || !used) {
        free(players);
        free(used);
        return -2;
    }
    struct mirror old = *m;
    m->players = players;
    m->used = used;
    m->cap = new_cap;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.used[i])
            continue;
        size_t j = probe(m, old.players[i].id);
        m->players[j] = old.players[i];
        m->used[j] = 1;
    }
    free(old.players);
    free(old.used);
    return 0;
}

static int insert(struct mirror *m, const struct mirror_player *p)
{
    if ((m->count + 1) * 2 > m->cap) {
        int rc = grow(m, m->cap ? m->cap * 2 : MIRROR_MIN_CAP);
        if (rc)
            return rc;
    }
    size_t i = probe(m, p->id);
    m->players[i] = *p;
    m->used[i] = 1;
    m->count++;
    return 0;
}

/*
 * Empties index i, then walks the run after it: an entry that may live at
 * the hole (its home is not between the hole and where it sits) moves back
 * into it, and its old place becomes the hole. This keeps every entry
 * reachable from its home without tombstones.
 */
static void erase_at(struct mirror *m, size_t hole)
{
    size_t mask = m->cap - 1;
    for (size_t j = (hole + 1) & mask; m->used[j]; j = (j + 1) & mask) {
        size_t home = home_of(m->players[j].id, mask);
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            m->players[hole] = m->players[j];
            hole = j;
        }
    }
    m->used[hole] = 0;
    m->count--;
}

static int violation(struct mirror *m)
{
    m->violations++;
    return -1;
}

/* A put for an id already present is a violation; the newer data wins
 * anyway, so a bot that keeps going sees the freshest state. */
static int apply_put(struct mirror *m, const struct proto_msg *msg)
{
    struct mirror_player p = { .id = msg->u.put.id, .x = msg->u.put.x, .y = msg->u.put.y,
                               .look = msg->u.put.look };
    memcpy(p.name, msg->u.put.name, PROTO_NAME_LEN);
    p.name[PROTO_NAME_LEN - 1] = '\0';
    size_t i;
    if (locate(m, p.id, &i)) {
        m->players[i] = p;
        return violation(m);
    }
    return insert(m, &p);
}

static int apply_position(struct mirror *m, const struct proto_msg *msg)
{
    size_t i;
    if (!locate(m, msg->u.pos.id, &i))
        return violation(m);
    m->players[i].x = msg->u.pos.x;
    m->players[i].y = msg->u.pos.y;
    return 0;
}

static int apply_remove(struct mirror *m, const struct proto_msg *msg)
{
    size_t i;
    if (!locate(m, msg->u.remove.id, &i))
        return violation(m);
    erase_at(m, i);
    return 0;
}

static void apply_login_ok(struct mirror *m, const struct proto_msg *msg)
{
    m->logged_in = 1;
    m->my_id = msg->u.login_ok.id;
    m->board_w = msg->u.login_ok.board_w;
    m->board_h = msg->u.login_ok.board_h;
    m->view = msg->u.login_ok.view;
    m->max_players = msg->u.login_ok.max_players;
}

int mirror_apply(struct mirror *m, const struct proto_msg *msg)
{
    switch (msg->type) {
    case SC_LOGIN_OK:
        apply_login_ok(m, msg);
        return 0;
    case SC_LOGIN_FAIL:
        m->fail_reason = msg->u.login_fail.reason;
        return 0;
    case SC_PUT_PLAYER:
        return apply_put(m, msg);
    case SC_POSITION:
        return apply_position(m, msg);
    case SC_REMOVE_PLAYER:
        return apply_remove(m, msg);
    case SC_CHAT:
        return mirror_find(m, msg->u.chat.id) ? 0 : violation(m);
    default:
        return 0; /* client-to-host types carry nothing for a mirror */
    }
}
