/*
 * The game's view: the mirror plus glides, notices and the chat log.
 *
 * Pieces are kept in the order they came into view (the players panel
 * lists them so), found by id through an idmap. A removal leaves a hole
 * that the next compaction closes, so a host that puts and removes
 * thousands of ids in any order costs O(1) a packet on average.
 */
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void view_init(struct view *v)
{
    memset(v, 0, sizeof *v);
    mirror_init(&v->mirror);
    idmap_init(&v->at);
}

void view_free(struct view *v)
{
    mirror_free(&v->mirror);
    idmap_free(&v->at);
    free(v->pieces);
    view_init(v);
}

/* ======================================================================
 * Pieces
 * ====================================================================== */

static struct view_piece *find(const struct view *v, uint32_t id)
{
    uint32_t i;
    return idmap_get(&v->at, id, &i) ? &v->pieces[i] : NULL;
}

const struct view_piece *view_find(const struct view *v, uint32_t id)
{
    return find(v, id);
}

const struct view_piece *view_piece_at(const struct view *v, size_t i)
{
    return i < v->nslots && v->pieces[i].live ? &v->pieces[i] : NULL;
}

const struct view_piece *view_me(const struct view *v)
{
    return v->mirror.logged_in ? view_find(v, v->mirror.my_id) : NULL;
}

int view_piece_pos(const struct view_piece *p, uint64_t now_ms, float *x, float *y)
{
    uint64_t dt = now_ms >= p->move_ms ? now_ms - p->move_ms : 0;
    if (p->move_ms == 0 || dt >= VIEW_GLIDE_MS) {
        *x = p->x;
        *y = p->y;
        return 0;
    }
    /* Ease out: quick to leave the square, soft to land on the next. */
    float t = (float)dt / VIEW_GLIDE_MS;
    float e = 1.0f - (1.0f - t) * (1.0f - t);
    *x = p->from_x + ((float)p->x - p->from_x) * e;
    *y = p->from_y + ((float)p->y - p->from_y) * e;
    return 1;
}

int view_animating(const struct view *v, uint64_t now_ms)
{
    for (size_t i = 0; i < v->nslots; i++) {
        const struct view_piece *p = &v->pieces[i];
        if (p->live && p->move_ms && now_ms < p->move_ms + VIEW_GLIDE_MS)
            return 1;
    }
    return 0;
}

/* Closes the holes, keeping the order; done when holes are half the
 * slots, so each removal pays for O(1) of it. */
static void compact(struct view *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->nslots; i++) {
        if (!v->pieces[i].live)
            continue;
        if (n != i) {
            v->pieces[n] = v->pieces[i];
            idmap_put(&v->at, v->pieces[n].id, (uint32_t)n); /* a replace: no allocation */
        }
        n++;
    }
    v->nslots = n;
}

static int put_piece(struct view *v, const struct view_piece *np)
{
    struct view_piece *old = find(v, np->id);
    if (old) { /* a repeated put (a host bug): the newer data wins */
        *old = *np;
        old->live = 1;
        return 0;
    }
    if (v->nslots == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        struct view_piece *p = realloc(v->pieces, cap * sizeof *p);
        if (!p)
            return -1;
        v->pieces = p;
        v->cap = cap;
    }
    if (idmap_put(&v->at, np->id, (uint32_t)v->nslots) != 0)
        return -1;
    v->pieces[v->nslots] = *np;
    v->pieces[v->nslots++].live = 1;
    v->npieces++;
    return 0;
}

static void remove_piece(struct view *v, uint32_t id)
{
    uint32_t i;
    if (!idmap_get(&v->at, id, &i))
        return;
    idmap_del(&v->at, id);
    v->pieces[i].live = 0;
    v->npieces--;
    if (v->npieces < v->nslots / 2)
        compact(v);
}

/* ======================================================================
 * Notices and chat
 * ====================================================================== */

static void add_notice(struct view *v, enum view_notice_kind kind, const char *text, uint64_t now_ms)
{
    if (v->nnotices == VIEW_NOTICES) {
        memmove(&v->notices[0], &v->notices[1], (VIEW_NOTICES - 1) * sizeof v->notices[0]);
        v->nnotices--;
    }
    struct view_notice *n = &v->notices[v->nnotices++];
    n->kind = kind;
    n->born_ms = now_ms;
    snprintf(n->text, sizeof n->text, "%s", text);
}

int view_expire(struct view *v, uint64_t now_ms)
{
    size_t keep = 0;
    for (size_t i = 0; i < v->nnotices; i++)
        if (now_ms < v->notices[i].born_ms + VIEW_NOTICE_MS)
            v->notices[keep++] = v->notices[i];
    int changed = keep != v->nnotices;
    v->nnotices = keep;
    return changed;
}

float view_notice_alpha(const struct view_notice *n, uint64_t now_ms)
{
    uint64_t end = n->born_ms + VIEW_NOTICE_MS, fade = end - VIEW_NOTICE_FADE_MS;
    if (now_ms <= fade)
        return 1.0f;
    if (now_ms >= end)
        return 0.0f;
    return (float)(end - now_ms) / VIEW_NOTICE_FADE_MS;
}

uint64_t view_next_notice_event(const struct view *v, uint64_t now_ms)
{
    uint64_t next = 0;
    for (size_t i = 0; i < v->nnotices; i++) {
        uint64_t end = v->notices[i].born_ms + VIEW_NOTICE_MS, fade = end - VIEW_NOTICE_FADE_MS;
        uint64_t t = now_ms < fade ? fade : end;
        if (next == 0 || t < next)
            next = t;
    }
    return next;
}

static struct view_chat *add_chat(struct view *v)
{
    size_t at = (v->chat_head + v->nchat) % VIEW_CHAT_LINES;
    if (v->nchat == VIEW_CHAT_LINES)
        v->chat_head = (v->chat_head + 1) % VIEW_CHAT_LINES;
    else
        v->nchat++;
    v->chat_serial++;
    struct view_chat *c = &v->chat[at];
    memset(c, 0, sizeof *c);
    return c;
}

static void add_system_line(struct view *v, const char *text)
{
    struct view_chat *c = add_chat(v);
    snprintf(c->text, sizeof c->text, "%s", text);
}

/* "NAME joined" for one player; two or more say how many. */
static void event_text(char *out, size_t n, enum view_notice_kind kind, unsigned count, const char *first,
                       const char *last)
{
    static const char *const one[] = { "%s joined", "%s left", "%s was dropped" };
    static const char *const two[] = { "%s and %s joined", "%s and %s left", "%s and %s were dropped" };
    static const char *const many[] = { "%u players joined", "%u players left", "%u players were dropped" };
    if (count == 1)
        snprintf(out, n, one[kind], last);
    else if (count == 2)
        snprintf(out, n, two[kind], first, last);
    else
        snprintf(out, n, many[kind], count);
}

/*
 * Someone joined, left or was dropped: a notice and a system chat line,
 * or, in a burst (the same kind again within VIEW_FOLD_MS, its notice
 * still shown and its chat line still the newest), the last ones
 * rewritten to count them all.
 */
static void add_event(struct view *v, enum view_notice_kind kind, const char *name, uint64_t now_ms)
{
    struct view_fold *f = &v->fold;
    char text[sizeof v->notices[0].text];
    int folds = f->count > 0 && f->kind == kind && now_ms - f->last_ms <= VIEW_FOLD_MS
             && f->chat_serial == v->chat_serial && v->nchat > 0 && v->nnotices > 0
             && v->notices[v->nnotices - 1].kind == kind;
    if (folds) {
        f->count++;
        f->last_ms = now_ms;
        event_text(text, sizeof text, kind, f->count, f->first, name);
        struct view_notice *n = &v->notices[v->nnotices - 1];
        snprintf(n->text, sizeof n->text, "%s", text);
        n->born_ms = now_ms; /* shown for its whole life after the last one */
        struct view_chat *c = &v->chat[(v->chat_head + v->nchat - 1) % VIEW_CHAT_LINES];
        snprintf(c->text, sizeof c->text, "%s", text);
        return;
    }
    event_text(text, sizeof text, kind, 1, name, name);
    add_notice(v, kind, text, now_ms);
    add_system_line(v, text);
    f->kind = kind;
    f->count = 1;
    f->last_ms = now_ms;
    f->chat_serial = v->chat_serial;
    snprintf(f->first, sizeof f->first, "%s", name);
}

const struct view_chat *view_chat_line(const struct view *v, size_t i)
{
    if (i >= v->nchat)
        return NULL;
    return &v->chat[(v->chat_head + v->nchat - 1 - i) % VIEW_CHAT_LINES];
}

/* ======================================================================
 * Applying packets
 * ====================================================================== */

static int on_put(struct view *v, const struct proto_msg *m, uint64_t now_ms)
{
    struct view_piece p = { .id = m->u.put.id, .x = m->u.put.x, .y = m->u.put.y,
                            .from_x = m->u.put.x, .from_y = m->u.put.y, .look = m->u.put.look };
    memcpy(p.name, m->u.put.name, PROTO_NAME_LEN);
    p.name[PROTO_NAME_LEN - 1] = '\0';
    if (put_piece(v, &p) != 0)
        return 0;
    int ch = VIEW_CH_PIECES;
    if (m->u.put.why != PUT_JOINED)
        return ch;
    if (p.id == v->mirror.my_id) {
        char text[sizeof v->notices[0].text];
        snprintf(text, sizeof text, "You joined as %s", p.name);
        add_system_line(v, text);
        return ch | VIEW_CH_CHAT;
    }
    add_event(v, VIEW_NOTICE_JOIN, p.name, now_ms);
    return ch | VIEW_CH_NOTICE | VIEW_CH_CHAT;
}

static int on_position(struct view *v, const struct proto_msg *m, uint64_t now_ms)
{
    struct view_piece *p = find(v, m->u.pos.id);
    if (!p)
        return 0;
    int ch = p->id == v->mirror.my_id ? VIEW_CH_ME : 0;
    if (p->x == m->u.pos.x && p->y == m->u.pos.y)
        return ch; /* a blocked move: the echo says it stayed put */
    /* Glide from where it is drawn now, so a move arriving mid-glide
     * bends smoothly instead of snapping back to the last square. */
    view_piece_pos(p, now_ms, &p->from_x, &p->from_y);
    p->x = m->u.pos.x;
    p->y = m->u.pos.y;
    p->move_ms = now_ms ? now_ms : 1;
    return ch | VIEW_CH_PIECES;
}

static int on_remove(struct view *v, const struct proto_msg *m, uint64_t now_ms)
{
    const struct view_piece *p = view_find(v, m->u.remove.id);
    if (!p)
        return 0;
    int ch = VIEW_CH_PIECES, mine = p->id == v->mirror.my_id;
    if (m->u.remove.why == REMOVE_LEFT || m->u.remove.why == REMOVE_DROPPED) {
        add_event(v, m->u.remove.why == REMOVE_DROPPED ? VIEW_NOTICE_DROP : VIEW_NOTICE_LEAVE, p->name, now_ms);
        ch |= VIEW_CH_NOTICE | VIEW_CH_CHAT;
    }
    if (mine)
        ch |= VIEW_CH_DROPPED;
    remove_piece(v, m->u.remove.id);
    return ch;
}

static int on_chat(struct view *v, const struct proto_msg *m)
{
    const struct view_piece *p = view_find(v, m->u.chat.id);
    if (!p)
        return 0;
    struct view_chat *c = add_chat(v);
    c->id = p->id;
    c->look = p->look;
    c->mine = p->id == v->mirror.my_id;
    memcpy(c->name, p->name, sizeof c->name);
    memcpy(c->text, m->u.chat.text, m->u.chat.len);
    c->text[m->u.chat.len] = '\0';
    return VIEW_CH_CHAT;
}

int view_apply(struct view *v, const struct proto_msg *m, uint64_t now_ms)
{
    /* The mirror checks the ordering rules; a packet that breaks them is
     * counted there and otherwise ignored here, so the screen never shows
     * a piece the host did not put. */
    if (mirror_apply(&v->mirror, m) == -1 && m->type != SC_PUT_PLAYER)
        return 0;
    switch (m->type) {
    case SC_LOGIN_OK:
        return VIEW_CH_LOGIN;
    case SC_PUT_PLAYER:
        return on_put(v, m, now_ms);
    case SC_POSITION:
        return on_position(v, m, now_ms);
    case SC_REMOVE_PLAYER:
        return on_remove(v, m, now_ms);
    case SC_CHAT:
        return on_chat(v, m);
    default:
        return 0;
    }
}
