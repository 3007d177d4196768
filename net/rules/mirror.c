/*
 * A client's mirror of the world, built only from received packets
 * (mirror.h). Players sit in a dense array (a remove moves the last one
 * into the hole), found through two idmaps: by id, and by square once the
 * board is known.
 */
#include "mirror.h"

#include <stdlib.h>
#include <string.h>

void mirror_init(struct mirror *m)
{
    memset(m, 0, sizeof *m);
    idmap_init(&m->by_id);
    idmap_init(&m->by_square);
}

void mirror_free(struct mirror *m)
{
    free(m->players);
    idmap_free(&m->by_id);
    idmap_free(&m->by_square);
    mirror_init(m);
}

static struct mirror_player *find(const struct mirror *m, uint32_t id)
{
    uint32_t i;
    return idmap_get(&m->by_id, id, &i) ? &m->players[i] : NULL;
}

const struct mirror_player *mirror_find(const struct mirror *m, uint32_t id)
{
    return find(m, id);
}

void mirror_each(const struct mirror *m, void (*fn)(void *ctx, const struct mirror_player *p), void *ctx)
{
    for (size_t i = 0; i < m->count; i++)
        fn(ctx, &m->players[i]);
}

static int violation(struct mirror *m, const char *why)
{
    m->violations++;
    m->why = why;
    return -1;
}

static uint32_t square(uint16_t x, uint16_t y)
{
    return (uint32_t)y << 16 | x;
}

/* With the board known: 0 when (x, y) is on it and free (or id's own),
 * else a violation. */
static int square_check(struct mirror *m, uint32_t id, uint16_t x, uint16_t y, const char *off, const char *taken)
{
    uint32_t there;
    if (!m->logged_in)
        return 0;
    if (x >= m->board_w || y >= m->board_h)
        return violation(m, off);
    if (idmap_get(&m->by_square, square(x, y), &there) && there != id)
        return violation(m, taken);
    return 0;
}

/* Moves p (already in the maps by id) to (x, y) in the square map. */
static int square_move(struct mirror *m, struct mirror_player *p, uint16_t x, uint16_t y)
{
    uint32_t there;
    if (idmap_get(&m->by_square, square(p->x, p->y), &there) && there == p->id)
        idmap_del(&m->by_square, square(p->x, p->y));
    p->x = x;
    p->y = y;
    return m->logged_in ? idmap_put(&m->by_square, square(x, y), p->id) : 0;
}

static int insert(struct mirror *m, const struct mirror_player *p)
{
    if (m->count == m->room) {
        size_t room = m->room ? m->room * 2 : 16;
        struct mirror_player *n = realloc(m->players, room * sizeof *n);
        if (!n)
            return -2;
        m->players = n;
        m->room = room;
    }
    if (idmap_put(&m->by_id, p->id, (uint32_t)m->count) != 0)
        return -2;
    m->players[m->count] = *p;
    struct mirror_player *q = &m->players[m->count++];
    q->x = q->y = 0xffff; /* not on the square map yet */
    return square_move(m, q, p->x, p->y);
}

static void erase(struct mirror *m, struct mirror_player *p)
{
    uint32_t there;
    if (idmap_get(&m->by_square, square(p->x, p->y), &there) && there == p->id)
        idmap_del(&m->by_square, square(p->x, p->y));
    idmap_del(&m->by_id, p->id);
    struct mirror_player *last = &m->players[--m->count];
    if (p != last) {
        *p = *last;
        idmap_put(&m->by_id, p->id, (uint32_t)(p - m->players)); /* a replace: no allocation */
    }
}

static int apply_put(struct mirror *m, const struct proto_msg *msg)
{
    struct mirror_player p = {.id = msg->u.put.id, .x = msg->u.put.x, .y = msg->u.put.y, .look = msg->u.put.look};
    memcpy(p.name, msg->u.put.name, PROTO_NAME_LEN);
    p.name[PROTO_NAME_LEN - 1] = '\0';
    struct mirror_player *old = find(m, p.id);
    if (old) {
        /* The newer data wins anyway, so that a bot that keeps going sees
         * the freshest state. */
        square_move(m, old, p.x, p.y);
        *old = p;
        return violation(m, "SC_PUT_PLAYER for an id it has put already");
    }
    if (square_check(m, p.id, p.x, p.y, "SC_PUT_PLAYER off the board", "SC_PUT_PLAYER on another player's square"))
        return -1;
    if (m->logged_in && m->count >= m->max_players)
        return violation(m, "more players than max_players");
    return insert(m, &p);
}

static int apply_position(struct mirror *m, const struct proto_msg *msg)
{
    struct mirror_player *p = find(m, msg->u.pos.id);
    if (!p)
        return violation(m, "SC_POSITION for an id never put");
    if (square_check(m, p->id, msg->u.pos.x, msg->u.pos.y, "SC_POSITION off the board",
                     "SC_POSITION onto another player's square"))
        return -1;
    return square_move(m, p, msg->u.pos.x, msg->u.pos.y);
}

static int apply_remove(struct mirror *m, const struct proto_msg *msg)
{
    struct mirror_player *p = find(m, msg->u.remove.id);
    if (!p)
        return violation(m, "SC_REMOVE_PLAYER for an id it does not have");
    erase(m, p);
    return 0;
}

static int apply_login_ok(struct mirror *m, const struct proto_msg *msg)
{
    if (m->logged_in)
        return violation(m, "a second SC_LOGIN_OK");
    if (msg->u.login_ok.board_w == 0 || msg->u.login_ok.board_h == 0)
        return violation(m, "SC_LOGIN_OK with a board of no squares");
    if (msg->u.login_ok.max_players == 0)
        return violation(m, "SC_LOGIN_OK with max_players 0");
    if (msg->u.login_ok.x >= msg->u.login_ok.board_w || msg->u.login_ok.y >= msg->u.login_ok.board_h)
        return violation(m, "SC_LOGIN_OK with a square off the board");
    m->logged_in = 1;
    m->my_id = msg->u.login_ok.id;
    m->board_w = msg->u.login_ok.board_w;
    m->board_h = msg->u.login_ok.board_h;
    m->view = msg->u.login_ok.view;
    m->max_players = msg->u.login_ok.max_players;
    return 0;
}

int mirror_apply(struct mirror *m, const struct proto_msg *msg)
{
    switch (msg->type) {
    case SC_LOGIN_OK:
        return apply_login_ok(m, msg);
    case SC_LOGIN_FAIL:
        if (m->logged_in)
            return violation(m, "SC_LOGIN_FAIL after SC_LOGIN_OK");
        m->fail_reason = msg->u.login_fail.reason;
        return 0;
    case SC_PUT_PLAYER:
        return apply_put(m, msg);
    case SC_POSITION:
        return apply_position(m, msg);
    case SC_REMOVE_PLAYER:
        return apply_remove(m, msg);
    case SC_CHAT:
        return find(m, msg->u.chat.id) ? 0 : violation(m, "SC_CHAT from an id never put");
    default:
        return 0; /* client-to-host types carry nothing for a mirror */
    }
}
