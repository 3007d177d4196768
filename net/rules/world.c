/*
 * The game rules: board, exclusive squares, spawning, names, looks, view.
 *
 * Sectors. Answering "who is within the view radius R of (x,y)?" by looking
 * at every player would make each move cost O(players): with 20000 players
 * that is the whole server's budget spent on one step. Instead the board is
 * cut into square cells of side S >= R, and each cell keeps a list of the
 * players standing in it. Because S >= R, the square [x-R, x+R] x [y-R, y+R]
 * overlaps at most 3x3 cells (3x4 for the union around a one-square move),
 * so a query walks a few short lists: its cost follows the number of
 * players nearby, not the total. S has a floor of 4 so that a tiny radius
 * does not make a huge grid of mostly empty cells. When the view covers the
 * whole board there is a single cell and a query is simply "everyone".
 * Correctness never depends on S: a query opens every cell its rectangle
 * overlaps and then checks the exact distance; S only sets the cost.
 *
 * The cell lists are intrusive and doubly linked (next/prev live in the
 * player record), so stepping into another cell is O(1) and never
 * allocates. Everything (board, cells, players, name table) is allocated
 * once in world_create; logins, moves and leaves never call malloc.
 *
 * The world is not thread-safe: the host calls it under its world lock, and
 * the emit callback must not call back into the world.
 */
#include "world.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define NONE UINT32_MAX    /* "no slot": end of a list, empty bucket */
#define MIN_CELL_SIDE 4
#define SPAWN_PROBES 32    /* random tries before the linear scan */

struct player {
    /* Hot fields first: every query walking this player's cell reads them. */
    uint32_t next, prev;   /* the cell's list, as slot numbers */
    uint16_t x, y;
    uint32_t id;           /* 0 while the slot is not logged in */
    uint32_t cell;
    uint32_t name_next;    /* the name table's bucket chain */
    uint8_t look;
    char name[PROTO_NAME_LEN]; /* NUL-terminated, checked by proto_name_check */
};

struct world {
    struct world_cfg cfg;
    world_emit_fn emit;
    void *ctx;
    int radius;            /* effective view radius */
    int cell_side;         /* S, see the top of the file */
    uint32_t cells_w, cells_h;
    uint32_t *board;       /* board_w*board_h squares: slot+1, or 0 if free */
    uint32_t *cell_head;   /* first slot standing in each cell, or NONE */
    struct player *players; /* max_slots records, indexed by slot */
    uint32_t *name_head;   /* name hash buckets: first slot, or NONE */
    uint32_t name_mask;    /* bucket count - 1 (a power of two) */
    uint32_t count;        /* players logged in */
    uint32_t next_id;
    uint32_t look_count[PROTO_LOOKS];
    struct rng rng;        /* spawn squares */
};

/* A rectangle of squares, bounds included, clamped to the board. */
struct rect {
    int x0, y0, x1, y1;
};

/* One encoded packet, so a packet sent to many players is encoded once. */
struct packet {
    uint8_t b[PROTO_MAX_PACKET];
    size_t n;
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                      */
/* ------------------------------------------------------------------ */

static size_t square_of(const struct world *w, int x, int y)
{
    return (size_t)y * w->cfg.board_w + (size_t)x;
}

static uint32_t cell_of(const struct world *w, int x, int y)
{
    return (uint32_t)(y / w->cell_side) * w->cells_w + (uint32_t)(x / w->cell_side);
}

static int cheb(int ax, int ay, int bx, int by)
{
    int dx = abs(ax - bx), dy = abs(ay - by);
    return dx > dy ? dx : dy;
}

static int in_view(const struct world *w, const struct player *a, const struct player *b)
{
    return cheb(a->x, a->y, b->x, b->y) <= w->radius;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static struct rect rect_around(const struct world *w, int x, int y)
{
    int r = w->radius, mx = w->cfg.board_w - 1, my = w->cfg.board_h - 1;
    struct rect q = { clamp(x - r, 0, mx), clamp(y - r, 0, my),
                      clamp(x + r, 0, mx), clamp(y + r, 0, my) };
    return q;
}

static struct rect rect_union(struct rect a, struct rect b)
{
    struct rect u = { a.x0 < b.x0 ? a.x0 : b.x0, a.y0 < b.y0 ? a.y0 : b.y0,
                      a.x1 > b.x1 ? a.x1 : b.x1, a.y1 > b.y1 ? a.y1 : b.y1 };
    return u;
}

/* A live (logged-in) player, or NULL. */
static struct player *live(const struct world *w, uint32_t slot)
{
    if (slot >= w->cfg.max_slots || w->players[slot].id == 0)
        return NULL;
    return &w->players[slot];
}

/* ------------------------------------------------------------------ */
/* Cells: intrusive lists of the players standing in each sector      */
/* ------------------------------------------------------------------ */

static void cell_link(struct world *w, uint32_t slot, uint32_t cell)
{
    struct player *p = &w->players[slot];
    p->cell = cell;
    p->prev = NONE;
    p->next = w->cell_head[cell];
    if (p->next != NONE)
        w->players[p->next].prev = slot;
    w->cell_head[cell] = slot;
}

static void cell_unlink(struct world *w, uint32_t slot)
{
    struct player *p = &w->players[slot];
    if (p->prev != NONE)
        w->players[p->prev].next = p->next;
    else
        w->cell_head[p->cell] = p->next;
    if (p->next != NONE)
        w->players[p->next].prev = p->prev;
}

/*
 * Walks the players in the cells overlapping a rectangle:
 *
 *   struct near it;
 *   for (uint32_t q = near_first(&it, w, r); q != NONE; q = near_next(&it))
 *
 * A cell can stick out of the rectangle, so the caller still checks the
 * exact distance. The body must not move q to another cell.
 */
struct near {
    const struct world *w;
    uint32_t cx0, cx1, cy1; /* the cell rectangle */
    uint32_t cx, cy;        /* the next cell to open */
    uint32_t slot;          /* the current player */
};

/* Opens the next non-empty cell; returns its first player or NONE. */
static uint32_t near_open(struct near *it)
{
    while (it->cy <= it->cy1) {
        while (it->cx <= it->cx1) {
            uint32_t head = it->w->cell_head[it->cy * it->w->cells_w + it->cx];
            it->cx++;
            if (head != NONE)
                return it->slot = head;
        }
        it->cx = it->cx0;
        it->cy++;
    }
    return it->slot = NONE;
}

static uint32_t near_first(struct near *it, const struct world *w, struct rect r)
{
    int s = w->cell_side;
    it->w = w;
    it->cx0 = it->cx = (uint32_t)(r.x0 / s);
    it->cx1 = (uint32_t)(r.x1 / s);
    it->cy = (uint32_t)(r.y0 / s);
    it->cy1 = (uint32_t)(r.y1 / s);
    return near_open(it);
}

static uint32_t near_next(struct near *it)
{
    uint32_t n = it->w->players[it->slot].next;
    return n != NONE ? (it->slot = n) : near_open(it);
}

/* ------------------------------------------------------------------ */
/* Names: a chained hash table whose chains run through the players   */
/* ------------------------------------------------------------------ */

static uint32_t name_hash(const struct world *w, const char *name)
{
    uint32_t h = 2166136261u; /* FNV-1a: short keys, good enough spread */
    for (const unsigned char *s = (const unsigned char *)name; *s; s++)
        h = (h ^ *s) * 16777619u;
    return h & w->name_mask;
}

/* The slot of the online player with exactly these bytes, or NONE. */
static uint32_t name_find(const struct world *w, const char *name)
{
    uint32_t s = w->name_head[name_hash(w, name)];
    while (s != NONE && strcmp(w->players[s].name, name) != 0)
        s = w->players[s].name_next;
    return s;
}

static void name_add(struct world *w, uint32_t slot)
{
    uint32_t b = name_hash(w, w->players[slot].name);
    w->players[slot].name_next = w->name_head[b];
    w->name_head[b] = slot;
}

static void name_drop(struct world *w, uint32_t slot)
{
    /* Chains hold about one name each (buckets >= max_players), so a
     * singly linked walk to find the predecessor is cheap. */
    uint32_t *link = &w->name_head[name_hash(w, w->players[slot].name)];
    while (*link != slot)
        link = &w->players[*link].name_next;
    *link = w->players[slot].name_next;
}

/* ------------------------------------------------------------------ */
/* Packets                                                            */
/* ------------------------------------------------------------------ */

static struct packet pkt_encode(const struct proto_msg *m)
{
    struct packet pk;
    int n = proto_encode(m, pk.b);
    assert(n > 0); /* the rules only build valid packets */
    pk.n = n > 0 ? (size_t)n : 0;
    return pk;
}

static void emit_to(const struct world *w, uint32_t to, const struct packet *pk)
{
    if (pk->n)
        w->emit(w->ctx, to, pk->b, pk->n);
}

static struct packet pkt_put(const struct player *p, uint8_t why)
{
    struct proto_msg m = { .type = SC_PUT_PLAYER };
    m.u.put.id = p->id;
    m.u.put.x = p->x;
    m.u.put.y = p->y;
    m.u.put.look = p->look;
    m.u.put.why = why;
    memcpy(m.u.put.name, p->name, PROTO_NAME_LEN);
    return pkt_encode(&m);
}

static struct packet pkt_position(const struct player *p, uint32_t move_time)
{
    struct proto_msg m = { .type = SC_POSITION };
    m.u.pos.id = p->id;
    m.u.pos.x = p->x;
    m.u.pos.y = p->y;
    m.u.pos.move_time = move_time;
    return pkt_encode(&m);
}

static struct packet pkt_remove(uint32_t id, uint8_t why)
{
    struct proto_msg m = { .type = SC_REMOVE_PLAYER };
    m.u.remove.id = id;
    m.u.remove.why = why;
    return pkt_encode(&m);
}

static void send_put(const struct world *w, uint32_t to, const struct player *p, uint8_t why)
{
    struct packet pk = pkt_put(p, why);
    emit_to(w, to, &pk);
}

static void send_remove(const struct world *w, uint32_t to, uint32_t id, uint8_t why)
{
    struct packet pk = pkt_remove(id, why);
    emit_to(w, to, &pk);
}

/* ------------------------------------------------------------------ */
/* Create and destroy                                                 */
/* ------------------------------------------------------------------ */

static int cfg_valid(const struct world_cfg *c)
{
    return c->board_w >= 1 && c->board_h >= 1 && c->max_players >= 1
        /* SC_LOGIN_OK carries max_players in a u16 */
        && c->max_players <= UINT16_MAX
        && c->max_slots >= c->max_players && c->max_slots < NONE
        && (uint64_t)c->board_w * c->board_h >= c->max_players;
}

/* Picks the view radius and cell side (see the top of the file). */
static void world_geometry(struct world *w)
{
    int big = w->cfg.board_w > w->cfg.board_h ? w->cfg.board_w : w->cfg.board_h;
    w->radius = w->cfg.view ? w->cfg.view : big;
    if (w->radius >= big)
        w->cell_side = big; /* one cell: everyone sees everyone */
    else
        w->cell_side = w->radius > MIN_CELL_SIDE ? w->radius : MIN_CELL_SIDE;
    if (w->cell_side > big)
        w->cell_side = big;
    w->cells_w = (uint32_t)((w->cfg.board_w + w->cell_side - 1) / w->cell_side);
    w->cells_h = (uint32_t)((w->cfg.board_h + w->cell_side - 1) / w->cell_side);
}

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 16;
    while (p < n)
        p <<= 1;
    return p;
}

struct world *world_create(const struct world_cfg *cfg, world_emit_fn emit, void *ctx)
{
    if (!cfg || !emit || !cfg_valid(cfg))
        return NULL;
    struct world *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->cfg = *cfg;
    w->emit = emit;
    w->ctx = ctx;
    w->next_id = 1;
    rng_seed(&w->rng, cfg->seed);
    world_geometry(w);

    size_t squares = (size_t)cfg->board_w * cfg->board_h;
    size_t cells = (size_t)w->cells_w * w->cells_h;
    uint32_t buckets = pow2_at_least(cfg->max_players);
    w->name_mask = buckets - 1;
    w->board = calloc(squares, sizeof *w->board);
    w->cell_head = malloc(cells * sizeof *w->cell_head);
    w->players = calloc(cfg->max_slots, sizeof *w->players);
    w->name_head = malloc(buckets * sizeof *w->name_head);
    if (!w->board || !w->cell_head || !w->players || !w->name_head)
        goto fail;
    memset(w->cell_head, 0xff, cells * sizeof *w->cell_head); /* all NONE */
    memset(w->name_head, 0xff, buckets * sizeof *w->name_head);
    return w;
fail:
    world_destroy(w);
    return NULL;
}

void world_destroy(struct world *w)
{
    if (!w)
        return;
    free(w->board);
    free(w->cell_head);
    free(w->players);
    free(w->name_head);
    free(w);
}

/* ------------------------------------------------------------------ */
/* Login                                                              */
/* ------------------------------------------------------------------ */

/*
 * The order of the checks: version, name, full, taken. The first two judge
 * the packet alone, so a broken client hears about its own mistake whatever
 * the game's state. "Full" comes before "taken" because in a full game any
 * name would fail, so "full" is the answer that tells the user what to do.
 */
static int login_check(const struct world *w, uint16_t version,
                       const uint8_t raw[PROTO_NAME_LEN], char name[PROTO_NAME_LEN])
{
    if (version != PROTO_VERSION)
        return FAIL_VERSION;
    if (proto_name_check(raw, name) != 0)
        return FAIL_NAME;
    if (w->count >= w->cfg.max_players)
        return FAIL_FULL;
    if (name_find(w, name) != NONE)
        return FAIL_TAKEN;
    return 0;
}

/* A free square; there is always one because count < max_players <= w*h. */
static size_t spawn_square(struct world *w)
{
    size_t n = (size_t)w->cfg.board_w * w->cfg.board_h;
    for (int i = 0; i < SPAWN_PROBES; i++) {
        size_t sq = (size_t)(rng_next(&w->rng) % n);
        if (!w->board[sq])
            return sq;
    }
    /* A crowded board: scan from a random start, so the fallback does not
     * pile everyone into the top-left corner. */
    size_t start = (size_t)(rng_next(&w->rng) % n);
    for (size_t i = start; i < n; i++)
        if (!w->board[i])
            return i;
    for (size_t i = 0; i < start; i++)
        if (!w->board[i])
            return i;
    assert(!"no free square although the game is not full");
    return 0;
}

/* The least-used look, lowest index on ties: 10 players get 10 looks. */
static uint8_t pick_look(const struct world *w)
{
    uint8_t best = 0;
    for (uint8_t i = 1; i < PROTO_LOOKS; i++)
        if (w->look_count[i] < w->look_count[best])
            best = i;
    return best;
}

static uint32_t take_id(struct world *w)
{
    uint32_t id = w->next_id++;
    if (w->next_id == 0) /* after 2^32-1 logins; 0 means "no player" */
        w->next_id = 1;
    return id;
}

static void place(struct world *w, uint32_t slot, const char name[PROTO_NAME_LEN])
{
    struct player *p = &w->players[slot];
    size_t sq = spawn_square(w);
    p->id = take_id(w);
    p->x = (uint16_t)(sq % w->cfg.board_w);
    p->y = (uint16_t)(sq / w->cfg.board_w);
    p->look = pick_look(w);
    memcpy(p->name, name, PROTO_NAME_LEN);
    w->board[sq] = slot + 1;
    cell_link(w, slot, cell_of(w, p->x, p->y));
    name_add(w, slot);
    w->look_count[p->look]++;
    w->count++;
}

static void send_login_ok(const struct world *w, uint32_t slot, const struct player *p)
{
    struct proto_msg m = { .type = SC_LOGIN_OK };
    m.u.login_ok.id = p->id;
    m.u.login_ok.x = p->x;
    m.u.login_ok.y = p->y;
    m.u.login_ok.board_w = w->cfg.board_w;
    m.u.login_ok.board_h = w->cfg.board_h;
    m.u.login_ok.view = (uint16_t)w->radius;
    m.u.login_ok.max_players = (uint16_t)w->cfg.max_players;
    struct packet pk = pkt_encode(&m);
    emit_to(w, slot, &pk);
}

/* Tells the newcomer about itself and its neighbours, and them about it. */
static void announce(const struct world *w, uint32_t slot)
{
    const struct player *p = &w->players[slot];
    send_login_ok(w, slot, p);
    struct packet joined = pkt_put(p, PUT_JOINED);
    emit_to(w, slot, &joined);
    struct near it;
    for (uint32_t q = near_first(&it, w, rect_around(w, p->x, p->y)); q != NONE; q = near_next(&it)) {
        const struct player *o = &w->players[q];
        if (q == slot || !in_view(w, p, o))
            continue;
        send_put(w, slot, o, PUT_VIEW);
        emit_to(w, q, &joined);
    }
}

int world_login(struct world *w, uint32_t slot, uint16_t version, const uint8_t raw[PROTO_NAME_LEN])
{
    assert(slot < w->cfg.max_slots && w->players[slot].id == 0);
    char name[PROTO_NAME_LEN];
    int reason = login_check(w, version, raw, name);
    if (reason) {
        struct proto_msg m = { .type = SC_LOGIN_FAIL };
        m.u.login_fail.reason = (uint8_t)reason;
        struct packet pk = pkt_encode(&m);
        emit_to(w, slot, &pk);
        return reason;
    }
    place(w, slot, name);
    announce(w, slot);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Move                                                               */
/* ------------------------------------------------------------------ */

static const int step_dx[4] = { 0, 0, -1, 1 }; /* up, down, left, right */
static const int step_dy[4] = { -1, 1, 0, 0 };

/* Moves the piece one square if it can; returns 1 when it moved. */
static int try_step(struct world *w, uint32_t slot, uint8_t dir)
{
    struct player *p = &w->players[slot];
    int nx = p->x + step_dx[dir], ny = p->y + step_dy[dir];
    if (nx < 0 || ny < 0 || nx >= w->cfg.board_w || ny >= w->cfg.board_h)
        return 0;
    size_t to = square_of(w, nx, ny);
    if (w->board[to])
        return 0;
    w->board[square_of(w, p->x, p->y)] = 0;
    w->board[to] = slot + 1;
    p->x = (uint16_t)nx;
    p->y = (uint16_t)ny;
    uint32_t cell = cell_of(w, nx, ny);
    if (cell != p->cell) {
        cell_unlink(w, slot);
        cell_link(w, slot, cell);
    }
    return 1;
}

/*
 * After a step from (ox,oy), compares every nearby player's distance before
 * and after: still in view gets the new position, newly in view gets a put
 * both ways, newly out of view a remove both ways. Only players near the
 * old or the new square can change state, so the union of the two view
 * rectangles is all there is to look at.
 */
static void notify_move(const struct world *w, uint32_t slot, int ox, int oy, uint32_t move_time)
{
    const struct player *p = &w->players[slot];
    struct packet pos = pkt_position(p, move_time);
    struct packet came = pkt_put(p, PUT_VIEW);
    struct packet went = pkt_remove(p->id, REMOVE_VIEW);
    struct rect r = rect_union(rect_around(w, ox, oy), rect_around(w, p->x, p->y));
    struct near it;
    for (uint32_t q = near_first(&it, w, r); q != NONE; q = near_next(&it)) {
        if (q == slot)
            continue;
        const struct player *o = &w->players[q];
        int was = cheb(ox, oy, o->x, o->y) <= w->radius;
        int now = in_view(w, p, o);
        if (was && now) {
            emit_to(w, q, &pos);
        } else if (now) {
            emit_to(w, q, &came);
            send_put(w, slot, o, PUT_VIEW);
        } else if (was) {
            emit_to(w, q, &went);
            send_remove(w, slot, o->id, REMOVE_VIEW);
        }
    }
}

void world_move(struct world *w, uint32_t slot, uint8_t dir, uint32_t move_time)
{
    struct player *p = live(w, slot);
    assert(p && dir <= DIR_RIGHT);
    if (!p || dir > DIR_RIGHT)
        return;
    int ox = p->x, oy = p->y;
    int moved = try_step(w, slot, dir);
    struct packet pos = pkt_position(p, move_time);
    emit_to(w, slot, &pos); /* the echo comes first, moved or not */
    if (moved)
        notify_move(w, slot, ox, oy, move_time);
}

/* ------------------------------------------------------------------ */
/* Chat and leave                                                     */
/* ------------------------------------------------------------------ */

/* Sends pk to every player who sees slot, not to slot itself. */
static void send_to_viewers(const struct world *w, uint32_t slot, const struct packet *pk)
{
    const struct player *p = &w->players[slot];
    struct near it;
    for (uint32_t q = near_first(&it, w, rect_around(w, p->x, p->y)); q != NONE; q = near_next(&it))
        if (q != slot && in_view(w, p, &w->players[q]))
            emit_to(w, q, pk);
}

void world_chat(struct world *w, uint32_t slot, const char *text, size_t len)
{
    const struct player *p = live(w, slot);
    assert(p && len >= 1 && len <= PROTO_TEXT_MAX);
    if (!p || len < 1 || len > PROTO_TEXT_MAX)
        return;
    struct proto_msg m = { .type = SC_CHAT };
    m.u.chat.id = p->id;
    m.u.chat.len = (uint8_t)len;
    memcpy(m.u.chat.text, text, len);
    m.u.chat.text[len] = '\0';
    struct packet pk = pkt_encode(&m);
    emit_to(w, slot, &pk);
    send_to_viewers(w, slot, &pk);
}

void world_leave(struct world *w, uint32_t slot, uint8_t why)
{
    struct player *p = live(w, slot);
    if (!p)
        return;
    struct packet gone = pkt_remove(p->id, why);
    send_to_viewers(w, slot, &gone);
    w->board[square_of(w, p->x, p->y)] = 0;
    cell_unlink(w, slot);
    name_drop(w, slot);
    w->look_count[p->look]--;
    w->count--;
    p->id = 0;
}

/* ------------------------------------------------------------------ */
/* Queries                                                            */
/* ------------------------------------------------------------------ */

int world_player_get(const struct world *w, uint32_t slot, struct world_player *out)
{
    const struct player *p = live(w, slot);
    if (!p)
        return 0;
    out->id = p->id;
    out->x = p->x;
    out->y = p->y;
    out->look = p->look;
    memcpy(out->name, p->name, PROTO_NAME_LEN);
    return 1;
}

int world_has_player(const struct world *w, uint32_t slot)
{
    return live(w, slot) != NULL;
}

uint32_t world_count(const struct world *w)
{
    return w->count;
}

const struct world_cfg *world_config(const struct world *w)
{
    return &w->cfg;
}
