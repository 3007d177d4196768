/*
 * The game's view (game/view.c): a login/put/move/remove sequence, my own
 * piece, glides that interpolate and settle, notices that come and expire
 * (and fold when they come in a burst), and the chat log.
 */
#include "check.h"
#include "view.h"

#include <math.h>
#include <stdio.h>

static struct proto_msg login_ok(uint32_t id, uint16_t x, uint16_t y)
{
    struct proto_msg m = { .type = SC_LOGIN_OK };
    m.u.login_ok.id = id;
    m.u.login_ok.x = x;
    m.u.login_ok.y = y;
    m.u.login_ok.board_w = 8;
    m.u.login_ok.board_h = 8;
    m.u.login_ok.view = 8;
    m.u.login_ok.max_players = 10;
    return m;
}

static struct proto_msg put(uint32_t id, uint16_t x, uint16_t y, uint8_t look, uint8_t why, const char *name)
{
    struct proto_msg m = { .type = SC_PUT_PLAYER };
    m.u.put.id = id;
    m.u.put.x = x;
    m.u.put.y = y;
    m.u.put.look = look;
    m.u.put.why = why;
    snprintf(m.u.put.name, sizeof m.u.put.name, "%s", name);
    return m;
}

static struct proto_msg pos(uint32_t id, uint16_t x, uint16_t y)
{
    struct proto_msg m = { .type = SC_POSITION };
    m.u.pos.id = id;
    m.u.pos.x = x;
    m.u.pos.y = y;
    return m;
}

static struct proto_msg rm(uint32_t id, uint8_t why)
{
    struct proto_msg m = { .type = SC_REMOVE_PLAYER };
    m.u.remove.id = id;
    m.u.remove.why = why;
    return m;
}

static struct proto_msg chat(uint32_t id, const char *text)
{
    struct proto_msg m = { .type = SC_CHAT };
    m.u.chat.id = id;
    m.u.chat.len = (uint8_t)snprintf(m.u.chat.text, sizeof m.u.chat.text, "%s", text);
    return m;
}

/* Logs in as id 7 at (1,1) with two others already there, at t=1000. */
static void start(struct view *v)
{
    view_init(v);
    struct proto_msg m = login_ok(7, 1, 1);
    CHECK_INT(view_apply(v, &m, 1000), VIEW_CH_LOGIN);
    m = put(7, 1, 1, 3, PUT_JOINED, "김철수");
    CHECK(view_apply(v, &m, 1000) & VIEW_CH_PIECES);
    m = put(2, 5, 5, 0, PUT_VIEW, "alice");
    CHECK_INT(view_apply(v, &m, 1000), VIEW_CH_PIECES);
    m = put(9, 0, 7, 1, PUT_VIEW, "bob");
    CHECK_INT(view_apply(v, &m, 1000), VIEW_CH_PIECES);
}

static void t_sequence(void)
{
    struct view v;
    start(&v);
    CHECK_INT(v.npieces, 3);
    CHECK_INT(v.mirror.my_id, 7);
    CHECK_INT(v.mirror.board_w, 8);
    CHECK(view_me(&v) != NULL);
    CHECK_STR(view_me(&v)->name, "김철수");
    CHECK_INT(view_me(&v)->look, 3);
    /* In the order they came into view (the players panel lists them so). */
    CHECK_INT(view_piece_at(&v, 0)->id, 7);
    CHECK_INT(view_piece_at(&v, 1)->id, 2);
    CHECK_INT(view_piece_at(&v, 2)->id, 9);

    struct proto_msg m = pos(2, 5, 6);
    CHECK_INT(view_apply(&v, &m, 1100), VIEW_CH_PIECES);
    CHECK_INT(view_find(&v, 2)->y, 6);
    /* My own echo says so. */
    m = pos(7, 2, 1);
    CHECK_INT(view_apply(&v, &m, 1100), VIEW_CH_ME | VIEW_CH_PIECES);
    /* A blocked move: echoed, nothing moves. */
    m = pos(7, 2, 1);
    CHECK_INT(view_apply(&v, &m, 1200), VIEW_CH_ME);

    m = rm(9, REMOVE_VIEW);
    CHECK_INT(view_apply(&v, &m, 1300), VIEW_CH_PIECES);
    CHECK(view_find(&v, 9) == NULL);
    CHECK_INT(v.npieces, 2);
    /* Out of order: a position for a piece we do not have is ignored. */
    m = pos(9, 1, 1);
    CHECK_INT(view_apply(&v, &m, 1300), 0);
    CHECK_INT(v.mirror.violations, 1);
    view_free(&v);
}

static void t_many_pieces(void)
{
    struct view v;
    view_init(&v);
    /* A board and a game big enough for all of them (puts off an 8x8 board
     * are a host's protocol violation, which the client refuses). */
    struct proto_msg m = login_ok(500, 0, 0);
    m.u.login_ok.board_w = 1024;
    m.u.login_ok.max_players = 1000;
    view_apply(&v, &m, 1);
    /* Out of order ids, then every other one removed. */
    uint32_t order[1000];
    for (uint32_t i = 0; i < 1000; i++) {
        uint32_t id = (i * 7919) % 1000 + 1;
        order[i] = id;
        m = put(id, (uint16_t)id, 0, (uint8_t)(id % 10), PUT_VIEW, "p");
        view_apply(&v, &m, 1);
    }
    CHECK_INT(v.npieces, 1000);
    for (uint32_t id = 2; id <= 1000; id += 2) {
        m = rm(id, REMOVE_VIEW);
        view_apply(&v, &m, 2);
    }
    CHECK_INT(v.npieces, 500);
    CHECK_INT(v.mirror.violations, 0);
    /* The survivors, in the order they came into view. */
    size_t k = 0, listed = 0;
    int in_order = 1;
    for (size_t i = 0; i < v.nslots; i++) {
        const struct view_piece *p = view_piece_at(&v, i);
        if (!p)
            continue;
        while (k < 1000 && order[k] % 2 == 0)
            k++;
        in_order &= k < 1000 && p->id == order[k++];
        listed++;
    }
    CHECK_INT(listed, 500);
    CHECK(in_order);
    CHECK(view_find(&v, 999) != NULL);
    CHECK(view_find(&v, 998) == NULL);
    view_free(&v);
}

/* A host that puts ids in descending order (each one at the front of a
 * sorted array) and removes them again: every packet must stay cheap.
 * 65,535 of each took minutes with the sorted array; here well under a
 * second even in the sanitizer builds. */
static void t_descending_ids(void)
{
    enum { N = 65535 };
    struct view v;
    view_init(&v);
    struct proto_msg m = login_ok(N + 1, 0, 0);
    m.u.login_ok.board_w = 65535;
    m.u.login_ok.board_h = 2;
    m.u.login_ok.max_players = 65535;
    view_apply(&v, &m, 1);
    for (uint32_t id = N; id >= 1; id--) {
        m = put(id, (uint16_t)(id - 1), 1, 0, PUT_VIEW, "d");
        view_apply(&v, &m, 1);
    }
    CHECK_INT(v.npieces, N);
    for (uint32_t id = 1; id <= N; id++) {
        m = rm(id, REMOVE_VIEW);
        view_apply(&v, &m, 2);
    }
    CHECK_INT(v.npieces, 0);
    CHECK_INT(v.mirror.violations, 0);
    view_free(&v);
}

static void t_glide(void)
{
    struct view v;
    start(&v);
    float x, y;
    const struct view_piece *a = view_find(&v, 2);
    CHECK_INT(view_piece_pos(a, 1000, &x, &y), 0); /* a put does not glide */
    CHECK(x == 5.0f && y == 5.0f);

    struct proto_msg m = pos(2, 6, 5);
    view_apply(&v, &m, 2000);
    a = view_find(&v, 2);
    CHECK_INT(view_animating(&v, 2000), 1);
    CHECK_INT(view_piece_pos(a, 2000, &x, &y), 1);
    CHECK(x == 5.0f && y == 5.0f);
    CHECK_INT(view_piece_pos(a, 2000 + VIEW_GLIDE_MS / 2, &x, &y), 1);
    CHECK(x > 5.0f && x < 6.0f && y == 5.0f);
    float half = x;
    CHECK_INT(view_piece_pos(a, 2000 + VIEW_GLIDE_MS - 10, &x, &y), 1);
    CHECK(x > half && x < 6.0f);
    /* Settles exactly on the square. */
    CHECK_INT(view_piece_pos(a, 2000 + VIEW_GLIDE_MS, &x, &y), 0);
    CHECK(x == 6.0f && y == 5.0f);
    CHECK_INT(view_animating(&v, 2000 + VIEW_GLIDE_MS), 0);

    /* A second move mid-glide starts from where the piece is drawn. */
    m = pos(2, 7, 5);
    view_apply(&v, &m, 3000);
    m = pos(2, 7, 6);
    view_apply(&v, &m, 3000 + VIEW_GLIDE_MS / 2);
    a = view_find(&v, 2);
    view_piece_pos(a, 3000 + VIEW_GLIDE_MS / 2, &x, &y);
    CHECK(x > 6.0f && x < 7.0f && y == 5.0f);
    view_piece_pos(a, 4000, &x, &y);
    CHECK(x == 7.0f && y == 6.0f);
    view_free(&v);
}

static void t_notices(void)
{
    struct view v;
    start(&v);
    CHECK_INT(v.nnotices, 0); /* neither my own join nor pieces in view */

    struct proto_msg m = put(11, 3, 3, 4, PUT_JOINED, "영희");
    CHECK_INT(view_apply(&v, &m, 5000), VIEW_CH_PIECES | VIEW_CH_NOTICE | VIEW_CH_CHAT);
    CHECK_INT(v.nnotices, 1);
    CHECK_INT(v.notices[0].kind, VIEW_NOTICE_JOIN);
    CHECK_STR(v.notices[0].text, "영희 joined");

    m = rm(2, REMOVE_LEFT);
    CHECK_INT(view_apply(&v, &m, 6000), VIEW_CH_PIECES | VIEW_CH_NOTICE | VIEW_CH_CHAT);
    CHECK_INT(v.notices[1].kind, VIEW_NOTICE_LEAVE);
    CHECK_STR(v.notices[1].text, "alice left");

    m = rm(9, REMOVE_DROPPED);
    view_apply(&v, &m, 7000);
    CHECK_INT(v.notices[2].kind, VIEW_NOTICE_DROP);
    CHECK_STR(v.notices[2].text, "bob was dropped");
    CHECK_INT(v.nnotices, 3);

    /* Fading: full, then half way through the fade, then gone. */
    CHECK(view_notice_alpha(&v.notices[0], 5000 + 100) == 1.0f);
    float a = view_notice_alpha(&v.notices[0], 5000 + VIEW_NOTICE_MS - VIEW_NOTICE_FADE_MS / 2);
    CHECK(fabsf(a - 0.5f) < 0.01f);
    CHECK_INT(view_next_notice_event(&v, 5000), 5000 + VIEW_NOTICE_MS - VIEW_NOTICE_FADE_MS);
    CHECK_INT(view_expire(&v, 5000 + VIEW_NOTICE_MS - 1), 0);
    CHECK_INT(view_expire(&v, 5000 + VIEW_NOTICE_MS), 1);
    CHECK_INT(v.nnotices, 2);
    CHECK_STR(v.notices[0].text, "alice left");
    CHECK_INT(view_expire(&v, 7000 + VIEW_NOTICE_MS), 1);
    CHECK_INT(v.nnotices, 0);
    CHECK_INT(view_next_notice_event(&v, 20000), 0);

    /* Many, each too late to fold into the last: only the newest few. */
    for (uint32_t i = 0; i < VIEW_NOTICES + 3; i++) {
        m = put(100 + i, (uint16_t)i, 7, 0, PUT_JOINED, "x");
        view_apply(&v, &m, 30000 + i * (VIEW_FOLD_MS + 1));
    }
    CHECK_INT(v.nnotices, VIEW_NOTICES);
    CHECK_INT(v.notices[VIEW_NOTICES - 1].born_ms, 30000 + (VIEW_NOTICES + 2) * (VIEW_FOLD_MS + 1));
    view_free(&v);
}

/* A burst of joins is one notice and one chat line that counts them; a
 * chat line, another kind or a pause starts a new one. */
static void t_fold(void)
{
    struct view v;
    start(&v);
    size_t lines = v.nchat;
    static const char *const names[8] = { "Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal" };
    struct proto_msg m = put(20, 0, 3, 1, PUT_JOINED, names[0]);
    view_apply(&v, &m, 5000);
    CHECK_STR(v.notices[0].text, "Ann joined");
    m = put(21, 1, 3, 1, PUT_JOINED, names[1]);
    CHECK_INT(view_apply(&v, &m, 5100), VIEW_CH_PIECES | VIEW_CH_NOTICE | VIEW_CH_CHAT);
    CHECK_INT(v.nnotices, 1);
    CHECK_STR(v.notices[0].text, "Ann and Bo joined");
    CHECK_STR(view_chat_line(&v, 0)->text, "Ann and Bo joined");
    for (uint32_t i = 2; i < 8; i++) {
        m = put(20 + i, (uint16_t)i, 3, 1, PUT_JOINED, names[i]);
        view_apply(&v, &m, 5100 + i * 300);
    }
    CHECK_INT(v.nnotices, 1);
    CHECK_STR(v.notices[0].text, "8 players joined");
    CHECK_INT(v.notices[0].born_ms, 5100 + 7 * 300); /* its life starts again with each */
    CHECK_INT(v.nchat, lines + 1);
    CHECK_STR(view_chat_line(&v, 0)->text, "8 players joined");

    /* Leaves are another kind; two fold, a third after a pause does not. */
    m = rm(20, REMOVE_LEFT);
    view_apply(&v, &m, 8000);
    m = rm(21, REMOVE_LEFT);
    view_apply(&v, &m, 8100);
    CHECK_INT(v.nnotices, 2);
    CHECK_STR(v.notices[1].text, "Ann and Bo left");
    m = rm(22, REMOVE_LEFT);
    view_apply(&v, &m, 8100 + VIEW_FOLD_MS + 1);
    CHECK_INT(v.nnotices, 3);
    CHECK_STR(v.notices[2].text, "Cy left");

    /* A chat line between two leaves: the second is a line of its own. */
    m = chat(23, "bye");
    view_apply(&v, &m, 11000);
    m = rm(23, REMOVE_LEFT);
    view_apply(&v, &m, 11100);
    CHECK_STR(view_chat_line(&v, 0)->text, "Di left");
    CHECK_STR(view_chat_line(&v, 1)->text, "bye");
    CHECK_STR(view_chat_line(&v, 2)->text, "Cy left");

    /* Drops fold with drops only. */
    m = rm(24, REMOVE_DROPPED);
    view_apply(&v, &m, 11200);
    m = rm(25, REMOVE_DROPPED);
    view_apply(&v, &m, 11300);
    CHECK_STR(view_chat_line(&v, 0)->text, "Ed and Flo were dropped");
    CHECK_STR(view_chat_line(&v, 1)->text, "Di left");
    view_free(&v);
}

static void t_dropped_me(void)
{
    struct view v;
    start(&v);
    struct proto_msg m = rm(7, REMOVE_DROPPED);
    CHECK(view_apply(&v, &m, 2000) & VIEW_CH_DROPPED);
    CHECK(view_me(&v) == NULL);
    view_free(&v);
}

static void t_chat_log(void)
{
    struct view v;
    start(&v);
    struct proto_msg m = chat(2, "안녕하세요!");
    CHECK_INT(view_apply(&v, &m, 2000), VIEW_CH_CHAT);
    m = chat(7, "hi");
    view_apply(&v, &m, 2000);
    CHECK_STR(view_chat_line(&v, 0)->text, "hi");
    CHECK_INT(view_chat_line(&v, 0)->mine, 1);
    CHECK_STR(view_chat_line(&v, 1)->text, "안녕하세요!");
    CHECK_STR(view_chat_line(&v, 1)->name, "alice");
    CHECK_STR(view_chat_line(&v, 2)->text, "You joined as 김철수");
    CHECK_INT(view_chat_line(&v, 2)->id, 0);
    /* The speaker leaves; the line keeps the name. */
    m = rm(2, REMOVE_LEFT);
    view_apply(&v, &m, 2000);
    CHECK_STR(view_chat_line(&v, 2)->name, "alice");
    /* The ring keeps the newest VIEW_CHAT_LINES. */
    for (int i = 0; i < VIEW_CHAT_LINES + 5; i++) {
        char t[16];
        snprintf(t, sizeof t, "line %d", i);
        m = chat(7, t);
        view_apply(&v, &m, 3000);
    }
    CHECK_INT(v.nchat, VIEW_CHAT_LINES);
    char last[16];
    snprintf(last, sizeof last, "line %d", VIEW_CHAT_LINES + 4);
    CHECK_STR(view_chat_line(&v, 0)->text, last);
    CHECK_STR(view_chat_line(&v, VIEW_CHAT_LINES - 1)->text, "line 5");
    CHECK(view_chat_line(&v, VIEW_CHAT_LINES) == NULL);
    view_free(&v);
}

static const struct check_case tests[] = {
    CHECK_CASE(t_sequence),
    CHECK_CASE(t_many_pieces),
    CHECK_CASE(t_descending_ids),
    CHECK_CASE(t_glide),
    CHECK_CASE(t_notices),
    CHECK_CASE(t_fold),
    CHECK_CASE(t_dropped_me),
    CHECK_CASE(t_chat_log),
    { 0 },
};

CHECK_MAIN(tests)
