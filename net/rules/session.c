/*
 * The protocol session (session.h): one small handler per packet type
 * after the decoder's size table has judged the bytes, in the manner of
 * ENet's command handlers.
 */
#include "session.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

static void session_log(struct session_game *g, enum session_log_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void session_log(struct session_game *g, enum session_log_kind kind, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    g->log(g->log_ctx, kind, line);
}

size_t session_encode_no_room(uint8_t *out)
{
    struct proto_msg m = {.type = SC_LOGIN_FAIL, .u.login_fail.reason = FAIL_FULL};
    return (size_t)proto_encode(&m, out);
}

void session_start(struct session *s, uint32_t slot, const char *peer)
{
    s->slot = slot;
    snprintf(s->peer, sizeof s->peer, "%s", peer ? peer : "?");
    s->answered = 0;
    s->moves = s->chat = BUCKET_FULL;
    s->why[0] = '\0';
}

static enum session_result flooding(struct session *s, uint32_t rate, const char *what)
{
    snprintf(s->why, sizeof s->why, "flooding: more than %u %s a second", rate, what);
    return SESSION_BAD;
}

static enum session_result bad(struct session *s, const char *what)
{
    snprintf(s->why, sizeof s->why, "bad input: %s", what);
    return SESSION_BAD;
}

static const char *fail_text(int fail)
{
    switch (fail) {
    case FAIL_VERSION: return "bad version";
    case FAIL_NAME: return "bad name";
    case FAIL_TAKEN: return "name taken";
    default: return "game full";
    }
}

static enum session_result on_login(struct session_game *g, struct session *s, const struct proto_msg *m)
{
    if (world_has_player(g->world, s->slot))
        return bad(s, "a second CS_LOGIN");
    int fail = world_login(g->world, s->slot, m->u.login.version, m->u.login.name);
    s->answered = 1;
    if (fail == 0) {
        struct world_player p;
        world_player_get(g->world, s->slot, &p);
        session_log(g, SESSION_LOG_ROUTINE, "join id=%u name=\"%s\" from %s at %u,%u (players %u/%u)", p.id,
                    p.name, s->peer, p.x, p.y, world_count(g->world), g->max_players);
        return SESSION_GO_ON;
    }
    if (fail != FAIL_FULL)
        session_log(g, SESSION_LOG_NOTABLE, "login refused from %s: %s", s->peer, fail_text(fail));
    else if (!g->full_logged)
        session_log(g, SESSION_LOG_NOTABLE, "game full (%u players): refusing logins with SC_LOGIN_FAIL 1",
                    g->max_players);
    g->full_logged |= fail == FAIL_FULL;
    return SESSION_LINGER;
}

/* One decoded packet. */
static enum session_result on_msg(struct session_game *g, struct session *s, const struct proto_msg *m,
                                  uint64_t now)
{
    const struct session_limits *l = &g->limits;
    if (m->type == CS_LOGIN)
        return on_login(g, s, m);
    if (!world_has_player(g->world, s->slot))
        return bad(s, "a packet before CS_LOGIN");
    switch (m->type) {
    case CS_MOVE:
        if (l->moves_per_s && bucket_take(&s->moves, l->moves_per_s, l->move_burst, 1, now) != 0)
            return flooding(s, l->moves_per_s, "moves");
        world_move(g->world, s->slot, m->u.move.dir, m->u.move.move_time);
        return SESSION_GO_ON;
    case CS_CHAT:
        if (l->chat_bytes_per_s && bucket_take(&s->chat, l->chat_bytes_per_s, l->chat_burst, m->u.chat.len, now) != 0)
            return flooding(s, l->chat_bytes_per_s, "chat bytes");
        world_chat(g->world, s->slot, m->u.chat.text, m->u.chat.len);
        return SESSION_GO_ON;
    case CS_LOGOUT:
        session_close(g, s, REMOVE_LEFT, "logout");
        return SESSION_LINGER;
    }
    return bad(s, proto_strerror(PROTO_E_TYPE)); /* the decoder lets no other type through */
}

enum session_result session_feed(struct session_game *g, struct session *s, struct reasm *rx, uint64_t now_ms)
{
    const uint8_t *pkt;
    size_t size;
    enum session_result r = SESSION_GO_ON;
    int got;
    while (r == SESSION_GO_ON && (got = reasm_next(rx, PROTO_TO_HOST, &pkt, &size)) != 0) {
        struct proto_msg m;
        if (got > 0)
            got = proto_decode(PROTO_TO_HOST, pkt, size, &m);
        r = got < 0 ? bad(s, proto_strerror(got)) : on_msg(g, s, &m, now_ms);
    }
    return r;
}

void session_close(struct session_game *g, struct session *s, uint8_t why, const char *reason)
{
    struct world_player p;
    if (!world_player_get(g->world, s->slot, &p)) {
        if (why == REMOVE_DROPPED)
            session_log(g, SESSION_LOG_NOTABLE, "drop connection from %s why=%s", s->peer, reason);
        return;
    }
    world_leave(g->world, s->slot, why);
    uint32_t count = world_count(g->world);
    session_log(g, why == REMOVE_DROPPED ? SESSION_LOG_NOTABLE : SESSION_LOG_ROUTINE,
                "%s id=%u name=\"%s\" from %s why=%s (players %u/%u)", why == REMOVE_DROPPED ? "drop" : "leave",
                p.id, p.name, s->peer, reason, count, g->max_players);
    if (count < g->max_players)
        g->full_logged = 0;
}
