/*
 * The client-side mirror: applying packets, counting ordering violations,
 * and the id table (growth, backward-shift deletion, re-puts).
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "mirror.h"
#include "rng.h"

/* ------------------------------------------------------------------ */
/* Packet builders (decoded form: the mirror never sees wire bytes)   */
/* ------------------------------------------------------------------ */

static struct proto_msg put(uint32_t id, uint16_t x, uint16_t y, const char *name)
{
    struct proto_msg m = { .type = SC_PUT_PLAYER };
    m.u.put.id = id;
    m.u.put.x = x;
    m.u.put.y = y;
    m.u.put.look = (uint8_t)(id % PROTO_LOOKS);
    m.u.put.why = PUT_VIEW;
    snprintf(m.u.put.name, sizeof m.u.put.name, "%s", name);
    return m;
}

static struct proto_msg position(uint32_t id, uint16_t x, uint16_t y)
{
    struct proto_msg m = { .type = SC_POSITION };
    m.u.pos.id = id;
    m.u.pos.x = x;
    m.u.pos.y = y;
    m.u.pos.move_time = 77;
    return m;
}

static struct proto_msg removal(uint32_t id)
{
    struct proto_msg m = { .type = SC_REMOVE_PLAYER };
    m.u.remove.id = id;
    m.u.remove.why = REMOVE_VIEW;
    return m;
}

static struct proto_msg chat(uint32_t id, const char *text)
{
    struct proto_msg m = { .type = SC_CHAT };
    m.u.chat.id = id;
    m.u.chat.len = (uint8_t)strlen(text);
    snprintf(m.u.chat.text, sizeof m.u.chat.text, "%s", text);
    return m;
}

static int apply(struct mirror *m, struct proto_msg msg)
{
    return mirror_apply(m, &msg);
}

/* ------------------------------------------------------------------ */
/* Tests                                                              */
/* ------------------------------------------------------------------ */

static void t_login_ok(void)
{
    struct mirror m;
    mirror_init(&m);
    struct proto_msg ok = { .type = SC_LOGIN_OK };
    ok.u.login_ok.id = 42;
    ok.u.login_ok.x = 3;
    ok.u.login_ok.y = 4;
    ok.u.login_ok.board_w = 8;
    ok.u.login_ok.board_h = 9;
    ok.u.login_ok.view = 8;
    ok.u.login_ok.max_players = 10;
    CHECK_INT(mirror_apply(&m, &ok), 0);
    CHECK_INT(m.logged_in, 1);
    CHECK_INT(m.my_id, 42);
    CHECK_INT(m.board_w, 8);
    CHECK_INT(m.board_h, 9);
    CHECK_INT(m.view, 8);
    CHECK_INT(m.max_players, 10);
    CHECK_INT(m.fail_reason, 0);
    /* The player itself arrives with its own put, not with LOGIN_OK. */
    CHECK(mirror_find(&m, 42) == NULL);
    CHECK_INT(apply(&m, put(42, 3, 4, "me")), 0);
    CHECK(mirror_find(&m, 42) != NULL);
    CHECK_INT(m.violations, 0);
    mirror_free(&m);
}

static void t_login_fail(void)
{
    struct mirror m;
    mirror_init(&m);
    struct proto_msg fail = { .type = SC_LOGIN_FAIL };
    fail.u.login_fail.reason = FAIL_TAKEN;
    CHECK_INT(mirror_apply(&m, &fail), 0);
    CHECK_INT(m.fail_reason, FAIL_TAKEN);
    CHECK_INT(m.logged_in, 0);
    CHECK_INT(m.violations, 0);
    mirror_free(&m);
}

static void t_put_position_chat_remove(void)
{
    struct mirror m;
    mirror_init(&m);
    CHECK_INT(apply(&m, put(7, 1, 2, "김철수")), 0);
    const struct mirror_player *p = mirror_find(&m, 7);
    CHECK(p != NULL);
    if (p) {
        CHECK_INT(p->x, 1);
        CHECK_INT(p->y, 2);
        CHECK_INT(p->look, 7);
        CHECK_STR(p->name, "김철수");
    }
    CHECK_INT(apply(&m, position(7, 5, 6)), 0);
    p = mirror_find(&m, 7);
    CHECK(p && p->x == 5 && p->y == 6);
    CHECK_INT(apply(&m, chat(7, "hello")), 0);
    CHECK_INT(m.count, 1);
    CHECK_INT(apply(&m, removal(7)), 0);
    CHECK(mirror_find(&m, 7) == NULL);
    CHECK_INT(m.count, 0);
    CHECK_INT(m.violations, 0);
    mirror_free(&m);
}

static void t_violations_counted(void)
{
    struct mirror m;
    mirror_init(&m);
    /* Each on an empty mirror (no table allocated yet) first. */
    CHECK_INT(apply(&m, position(1, 0, 0)), -1);
    CHECK_INT(m.violations, 1);
    CHECK_INT(apply(&m, chat(1, "hi")), -1);
    CHECK_INT(m.violations, 2);
    CHECK_INT(apply(&m, removal(1)), -1);
    CHECK_INT(m.violations, 3);

    CHECK_INT(apply(&m, put(1, 0, 0, "a")), 0);
    CHECK_INT(apply(&m, put(1, 3, 3, "a")), -1); /* second put */
    CHECK_INT(m.violations, 4);
    CHECK_INT(m.count, 1);
    /* Unknown ids next to a known one. */
    CHECK_INT(apply(&m, position(2, 0, 0)), -1);
    CHECK_INT(apply(&m, chat(2, "hi")), -1);
    CHECK_INT(apply(&m, removal(2)), -1);
    CHECK_INT(m.violations, 7);
    /* After a remove the id is unknown again. */
    CHECK_INT(apply(&m, removal(1)), 0);
    CHECK_INT(apply(&m, position(1, 0, 0)), -1);
    CHECK_INT(apply(&m, chat(1, "x")), -1);
    CHECK_INT(apply(&m, removal(1)), -1);
    CHECK_INT(m.violations, 10);
    mirror_free(&m);
}

static void t_reput_after_remove(void)
{
    struct mirror m;
    mirror_init(&m);
    CHECK_INT(apply(&m, put(9, 1, 1, "nine")), 0);
    CHECK_INT(apply(&m, removal(9)), 0);
    CHECK_INT(apply(&m, put(9, 4, 4, "nine")), 0);
    const struct mirror_player *p = mirror_find(&m, 9);
    CHECK(p && p->x == 4 && p->y == 4);
    CHECK_INT(apply(&m, position(9, 2, 2)), 0);
    CHECK_INT(m.count, 1);
    CHECK_INT(m.violations, 0);
    mirror_free(&m);
}

static void t_growth_thousands(void)
{
    struct mirror m;
    mirror_init(&m);
    enum { N = 5000 };
    /* Scattered ids as well as a sequential run, to exercise collisions. */
    for (uint32_t i = 1; i <= N; i++)
        CHECK_INT(apply(&m, put(i * 2654435761u, (uint16_t)i, 0, "p")), 0);
    CHECK_INT(m.count, N);
    CHECK(m.by_id.cap >= 2 * m.count);
    for (uint32_t i = 1; i <= N; i++) {
        const struct mirror_player *p = mirror_find(&m, i * 2654435761u);
        if (!p || p->x != (uint16_t)i) {
            CHECK_FAIL("id #%u missing after growth", i);
            break;
        }
    }
    /* Remove every other one, then every survivor must still be found. */
    for (uint32_t i = 1; i <= N; i += 2)
        CHECK_INT(apply(&m, removal(i * 2654435761u)), 0);
    CHECK_INT(m.count, N / 2);
    for (uint32_t i = 1; i <= N; i++) {
        int want = i % 2 == 0;
        if ((mirror_find(&m, i * 2654435761u) != NULL) != want) {
            CHECK_FAIL("id #%u: present=%d, want %d", i, !want, want);
            break;
        }
    }
    CHECK_INT(m.violations, 0);
    mirror_free(&m);
    CHECK_INT(m.by_id.cap, 0);
}

static void count_cb(void *ctx, const struct mirror_player *p)
{
    (void)p;
    (*(size_t *)ctx)++;
}

/* Random puts and removes against a plain array: catches a deletion that
 * leaves an entry unreachable from its home. */
static void t_churn_matches_reference(void)
{
    enum { IDS = 300, STEPS = 200000 };
    static uint8_t present[IDS];
    memset(present, 0, sizeof present);
    struct mirror m;
    mirror_init(&m);
    struct rng rng;
    rng_seed(&rng, 12345);
    for (int s = 0; s < STEPS; s++) {
        uint32_t id = rng_below(&rng, IDS) + 1;
        int rc = present[id - 1] ? apply(&m, removal(id)) : apply(&m, put(id, 0, 0, "c"));
        if (rc != 0) {
            CHECK_FAIL("step %d id %u: rc %d", s, id, rc);
            break;
        }
        present[id - 1] ^= 1;
    }
    size_t want = 0, seen = 0;
    for (uint32_t id = 1; id <= IDS; id++) {
        want += present[id - 1];
        CHECK_INT(mirror_find(&m, id) != NULL, present[id - 1]);
    }
    mirror_each(&m, count_cb, &seen);
    CHECK_INT(m.count, want);
    CHECK_INT(seen, want);
    CHECK_INT(m.violations, 0);
    mirror_free(&m);
}

static const struct check_case tests[] = {
    CHECK_CASE(t_login_ok),
    CHECK_CASE(t_login_fail),
    CHECK_CASE(t_put_position_chat_remove),
    CHECK_CASE(t_violations_counted),
    CHECK_CASE(t_reput_after_remove),
    CHECK_CASE(t_growth_thousands),
    CHECK_CASE(t_churn_matches_reference),
    { 0 },
};

CHECK_MAIN(tests)
