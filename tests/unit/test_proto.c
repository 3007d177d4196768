/*
 * Protocol unit tests: exact byte layout of every v1 packet, round trips
 * both ways, the size table against docs/protocol.md, and every malformed case
 * the contract names (size, type, side, direction, text, names, fields).
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "proto.h"

/* A byte string with its length, so embedded NULs count. */
struct bytes {
    const char *s;
    size_t n;
};
#define B(lit) {lit, sizeof(lit) - 1}

#define KIM "\xEA\xB9\x80\xEC\xB2\xA0\xEC\x88\x98" /* "김철수" in UTF-8 */

/* ---- layout: one message per type and the exact bytes it must become ---- */

struct layout {
    enum proto_side side; /* who reads it */
    struct proto_msg m;
    size_t n;
    uint8_t wire[PROTO_MAX_PACKET];
};

static const struct layout layouts[] = {
    {PROTO_TO_HOST, {.type = CS_LOGIN, .u.login = {1, "kim"}}, 36,
     {36, 1, 0x01, 0x00, 'k', 'i', 'm'}}, /* the rest of the name is NULs */
    {PROTO_TO_HOST, {.type = CS_MOVE, .u.move = {DIR_RIGHT, 0x11223344}}, 7,
     {7, 2, 3, 0x44, 0x33, 0x22, 0x11}},
    {PROTO_TO_HOST, {.type = CS_CHAT, .u.chat = {0, 2, "hi"}}, 4, {4, 3, 'h', 'i'}},
    {PROTO_TO_HOST, {.type = CS_LOGOUT}, 2, {2, 4}},
    {PROTO_TO_CLIENT,
     {.type = SC_LOGIN_OK, .u.login_ok = {0x01020304, 0x0506, 0x0708, 0x090A, 0x0B0C, 0x0D0E, 0x0F10}},
     18,
     {18, 11, 4, 3, 2, 1, 6, 5, 8, 7, 0x0A, 9, 0x0C, 0x0B, 0x0E, 0x0D, 0x10, 0x0F}},
    {PROTO_TO_CLIENT, {.type = SC_LOGIN_FAIL, .u.login_fail = {FAIL_TAKEN}}, 3, {3, 12, 4}},
    {PROTO_TO_CLIENT,
     {.type = SC_PUT_PLAYER, .u.put = {0xA1B2C3D4, 0x0102, 0x0304, 9, PUT_JOINED, KIM}},
     44,
     {44, 13, 0xD4, 0xC3, 0xB2, 0xA1, 2, 1, 4, 3, 9, 1,
      0xEA, 0xB9, 0x80, 0xEC, 0xB2, 0xA0, 0xEC, 0x88, 0x98}},
    {PROTO_TO_CLIENT, {.type = SC_POSITION, .u.pos = {7, 300, 2, 0xDEADBEEF}}, 14,
     {14, 14, 7, 0, 0, 0, 0x2C, 0x01, 2, 0, 0xEF, 0xBE, 0xAD, 0xDE}},
    {PROTO_TO_CLIENT, {.type = SC_REMOVE_PLAYER, .u.remove = {0x100, REMOVE_DROPPED}}, 7,
     {7, 15, 0, 1, 0, 0, 2}},
    {PROTO_TO_CLIENT, {.type = SC_CHAT, .u.chat = {5, 2, "ok"}}, 8, {8, 16, 5, 0, 0, 0, 'o', 'k'}},
};

#define NLAYOUTS (sizeof layouts / sizeof layouts[0])

static const struct layout *layout_of(uint8_t type)
{
    for (size_t i = 0; i < NLAYOUTS; i++)
        if (layouts[i].m.type == type)
            return &layouts[i];
    return NULL;
}

/* Field-by-field equality: memcmp on the structs would compare padding and
 * the unused part of the union. */
static int msg_equal(const struct proto_msg *a, const struct proto_msg *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case CS_LOGIN:
        return a->u.login.version == b->u.login.version &&
               memcmp(a->u.login.name, b->u.login.name, PROTO_NAME_LEN) == 0;
    case CS_MOVE:
        return a->u.move.dir == b->u.move.dir && a->u.move.move_time == b->u.move.move_time;
    case CS_LOGOUT:
        return 1;
    case CS_CHAT: /* the id is not on the wire for CS_CHAT */
    case SC_CHAT:
        return (a->type == CS_CHAT || a->u.chat.id == b->u.chat.id) &&
               a->u.chat.len == b->u.chat.len &&
               memcmp(a->u.chat.text, b->u.chat.text, a->u.chat.len) == 0;
    case SC_LOGIN_OK:
        return a->u.login_ok.id == b->u.login_ok.id && a->u.login_ok.x == b->u.login_ok.x &&
               a->u.login_ok.y == b->u.login_ok.y &&
               a->u.login_ok.board_w == b->u.login_ok.board_w &&
               a->u.login_ok.board_h == b->u.login_ok.board_h &&
               a->u.login_ok.view == b->u.login_ok.view &&
               a->u.login_ok.max_players == b->u.login_ok.max_players;
    case SC_LOGIN_FAIL:
        return a->u.login_fail.reason == b->u.login_fail.reason;
    case SC_PUT_PLAYER:
        return a->u.put.id == b->u.put.id && a->u.put.x == b->u.put.x &&
               a->u.put.y == b->u.put.y && a->u.put.look == b->u.put.look &&
               a->u.put.why == b->u.put.why && strcmp(a->u.put.name, b->u.put.name) == 0;
    case SC_POSITION:
        return a->u.pos.id == b->u.pos.id && a->u.pos.x == b->u.pos.x &&
               a->u.pos.y == b->u.pos.y && a->u.pos.move_time == b->u.pos.move_time;
    case SC_REMOVE_PLAYER:
        return a->u.remove.id == b->u.remove.id && a->u.remove.why == b->u.remove.why;
    }
    return 0;
}

/* Encodes m, decodes it back as `side`, and checks the message and the
 * bytes survive: decode(encode(m)) == m and encode(decode(p)) == p. */
static void check_round_trip(enum proto_side side, const struct proto_msg *m)
{
    uint8_t wire[PROTO_MAX_PACKET], again[PROTO_MAX_PACKET];
    struct proto_msg back;

    int n = proto_encode(m, wire);
    CHECK(n >= PROTO_HEADER);
    if (n < PROTO_HEADER)
        return;
    CHECK_INT(wire[0], n);
    CHECK_INT(proto_decode(side, wire, (size_t)n, &back), PROTO_OK);
    CHECK(msg_equal(m, &back));
    CHECK_INT(proto_encode(&back, again), n);
    CHECK_MEM(again, wire, (size_t)n);
}

static void t_layout_every_type(void)
{
    for (size_t i = 0; i < NLAYOUTS; i++) {
        const struct layout *l = &layouts[i];
        uint8_t wire[PROTO_MAX_PACKET];
        struct proto_msg m;

        CHECK_INT(proto_encode(&l->m, wire), l->n);
        CHECK_MEM(wire, l->wire, l->n);
        CHECK_INT(proto_decode(l->side, l->wire, l->n, &m), PROTO_OK);
        CHECK(msg_equal(&l->m, &m));
    }
}

static void t_round_trip_every_type(void)
{
    for (size_t i = 0; i < NLAYOUTS; i++)
        check_round_trip(layouts[i].side, &layouts[i].m);
}

/* Extreme integer values must survive: catches truncation and sign bugs. */
static void t_round_trip_extremes(void)
{
    struct proto_msg m = {.type = CS_LOGIN, .u.login = {0xFFFF, "x"}};
    check_round_trip(PROTO_TO_HOST, &m);
    for (uint8_t d = DIR_UP; d <= DIR_RIGHT; d++) {
        m = (struct proto_msg){.type = CS_MOVE, .u.move = {d, 0xFFFFFFFF}};
        check_round_trip(PROTO_TO_HOST, &m);
    }
    m = (struct proto_msg){.type = SC_LOGIN_OK,
                           .u.login_ok = {0xFFFFFFFF, 0xFFFF, 0, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}};
    check_round_trip(PROTO_TO_CLIENT, &m);
    for (uint8_t r = FAIL_FULL; r <= FAIL_TAKEN; r++) {
        m = (struct proto_msg){.type = SC_LOGIN_FAIL, .u.login_fail = {r}};
        check_round_trip(PROTO_TO_CLIENT, &m);
    }
    for (uint8_t look = 0; look < PROTO_LOOKS; look++) {
        m = (struct proto_msg){.type = SC_PUT_PLAYER,
                               .u.put = {0xFFFFFFFF, 0xFFFF, 0xFFFF, look, look % 2, "p"}};
        check_round_trip(PROTO_TO_CLIENT, &m);
    }
    m = (struct proto_msg){.type = SC_POSITION, .u.pos = {0xFFFFFFFF, 0xFFFF, 0xFFFF, 0xFFFFFFFF}};
    check_round_trip(PROTO_TO_CLIENT, &m);
    for (uint8_t w = REMOVE_VIEW; w <= REMOVE_DROPPED; w++) {
        m = (struct proto_msg){.type = SC_REMOVE_PLAYER, .u.remove = {0xFFFFFFFF, w}};
        check_round_trip(PROTO_TO_CLIENT, &m);
    }
}

/* Chat at both ends of its length range, and multi-byte text. */
static void t_round_trip_chat_lengths(void)
{
    static const uint8_t types[] = {CS_CHAT, SC_CHAT};
    static const size_t lens[] = {1, 2, 199, PROTO_TEXT_MAX};
    for (size_t t = 0; t < 2; t++) {
        enum proto_side side = types[t] == CS_CHAT ? PROTO_TO_HOST : PROTO_TO_CLIENT;
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
            struct proto_msg m = {.type = types[t]};
            m.u.chat.id = types[t] == SC_CHAT ? 0xCAFEF00D : 0;
            m.u.chat.len = (uint8_t)lens[i];
            memset(m.u.chat.text, 'a' + (int)(i % 26), lens[i]);
            check_round_trip(side, &m);
        }
        struct proto_msg k = {.type = types[t], .u.chat = {1, 9, KIM}};
        check_round_trip(side, &k);
    }
    uint8_t wire[PROTO_MAX_PACKET];
    struct proto_msg big = {.type = SC_CHAT, .u.chat = {.id = 1, .len = PROTO_TEXT_MAX}};
    memset(big.u.chat.text, 'z', PROTO_TEXT_MAX);
    CHECK_INT(proto_encode(&big, wire), 206);
    big.type = CS_CHAT;
    CHECK_INT(proto_encode(&big, wire), 202);
}

/* ---- the size table ------------------------------------------------------ */

/* docs/protocol.md's tables, written out again here so the test does not trust
 * the table it is testing. */
static int expected_header(enum proto_side side, unsigned size, unsigned type)
{
    static const struct { unsigned type, side, min, max; } spec[] = {
        {1, PROTO_TO_HOST, 36, 36},    {2, PROTO_TO_HOST, 7, 7},
        {3, PROTO_TO_HOST, 3, 202},    {4, PROTO_TO_HOST, 2, 2},
        {11, PROTO_TO_CLIENT, 18, 18}, {12, PROTO_TO_CLIENT, 3, 3},
        {13, PROTO_TO_CLIENT, 44, 44}, {14, PROTO_TO_CLIENT, 14, 14},
        {15, PROTO_TO_CLIENT, 7, 7},   {16, PROTO_TO_CLIENT, 7, 206},
    };
    if (size < 2)
        return PROTO_E_SIZE_SMALL;
    for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
        if (spec[i].type != type)
            continue;
        if (spec[i].side != (unsigned)side)
            return PROTO_E_TYPE;
        return size >= spec[i].min && size <= spec[i].max ? PROTO_OK : PROTO_E_SIZE;
    }
    return PROTO_E_TYPE;
}

/* Every (side, size, type) there is: 2 x 256 x 256 headers. */
static void t_header_exhaustive(void)
{
    for (int side = PROTO_TO_HOST; side <= PROTO_TO_CLIENT; side++)
        for (unsigned size = 0; size < 256; size++)
            for (unsigned type = 0; type < 256; type++) {
                int want = expected_header((enum proto_side)side, size, type);
                int got = proto_check_header((enum proto_side)side, (uint8_t)size, (uint8_t)type);
                if (got != want)
                    CHECK_FAIL("side %d size %u type %u: expected %d, got %d", side, size,
                                  type, want, got);
            }
}

static void t_header_named_cases(void)
{
    CHECK_INT(proto_check_header(PROTO_TO_HOST, 0, CS_LOGOUT), PROTO_E_SIZE_SMALL);
    CHECK_INT(proto_check_header(PROTO_TO_CLIENT, 1, SC_CHAT), PROTO_E_SIZE_SMALL);
    CHECK_INT(proto_check_header(PROTO_TO_HOST, 2, 0), PROTO_E_TYPE);
    CHECK_INT(proto_check_header(PROTO_TO_HOST, 7, 5), PROTO_E_TYPE);
    CHECK_INT(proto_check_header(PROTO_TO_CLIENT, 7, 17), PROTO_E_TYPE);
    CHECK_INT(proto_check_header(PROTO_TO_CLIENT, 7, 255), PROTO_E_TYPE);
    /* Each side refuses the other side's packets even at the right size. */
    CHECK_INT(proto_check_header(PROTO_TO_CLIENT, 36, CS_LOGIN), PROTO_E_TYPE);
    CHECK_INT(proto_check_header(PROTO_TO_CLIENT, 2, CS_LOGOUT), PROTO_E_TYPE);
    CHECK_INT(proto_check_header(PROTO_TO_HOST, 44, SC_PUT_PLAYER), PROTO_E_TYPE);
    CHECK_INT(proto_check_header(PROTO_TO_HOST, 7, SC_CHAT), PROTO_E_TYPE);
    /* No v1 type allows 255, not even the variable-size chats. */
    CHECK_INT(proto_check_header(PROTO_TO_HOST, 255, CS_CHAT), PROTO_E_SIZE);
    CHECK_INT(proto_check_header(PROTO_TO_CLIENT, 255, SC_CHAT), PROTO_E_SIZE);
    CHECK_INT(proto_check_header(PROTO_TO_HOST, 203, CS_CHAT), PROTO_E_SIZE);
    CHECK_INT(proto_check_header(PROTO_TO_CLIENT, 207, SC_CHAT), PROTO_E_SIZE);
    CHECK_INT(proto_check_header(PROTO_TO_HOST, 35, CS_LOGIN), PROTO_E_SIZE);
    CHECK_INT(proto_check_header(PROTO_TO_HOST, 3, CS_LOGOUT), PROTO_E_SIZE);
}

/* ---- decode: malformed packets ------------------------------------------ */

static void t_decode_size_mismatch(void)
{
    uint8_t logout[PROTO_MAX_PACKET] = {2, CS_LOGOUT};
    struct proto_msg m;
    CHECK_INT(proto_decode(PROTO_TO_HOST, logout, 0, &m), PROTO_E_SIZE_SMALL);
    CHECK_INT(proto_decode(PROTO_TO_HOST, logout, 1, &m), PROTO_E_SIZE_SMALL);
    CHECK_INT(proto_decode(PROTO_TO_HOST, logout, 3, &m), PROTO_E_SIZE);

    /* The size byte says 7 but 6 bytes were given, and the other way round. */
    uint8_t move[8] = {7, CS_MOVE, 0, 1, 2, 3, 4, 5};
    CHECK_INT(proto_decode(PROTO_TO_HOST, move, 6, &m), PROTO_E_SIZE);
    CHECK_INT(proto_decode(PROTO_TO_HOST, move, 8, &m), PROTO_E_SIZE);
    CHECK_INT(proto_decode(PROTO_TO_HOST, move, 7, &m), PROTO_OK);

    uint8_t zero[4] = {0, CS_LOGOUT, 0, 0};
    CHECK_INT(proto_decode(PROTO_TO_HOST, zero, 2, &m), PROTO_E_SIZE_SMALL);
    zero[0] = 1;
    CHECK_INT(proto_decode(PROTO_TO_HOST, zero, 2, &m), PROTO_E_SIZE_SMALL);

    /* A 255-byte packet is never legal in v1, whatever the type. */
    uint8_t big[PROTO_MAX_PACKET];
    memset(big, 'a', sizeof big);
    big[0] = 255;
    big[1] = CS_CHAT;
    CHECK_INT(proto_decode(PROTO_TO_HOST, big, 255, &m), PROTO_E_SIZE);
    big[1] = SC_CHAT;
    CHECK_INT(proto_decode(PROTO_TO_CLIENT, big, 255, &m), PROTO_E_SIZE);
}

static void t_decode_unknown_type(void)
{
    static const uint8_t unknown[] = {0, 5, 10, 17, 100, 255};
    struct proto_msg m;
    for (size_t i = 0; i < sizeof unknown; i++) {
        uint8_t p[2] = {2, unknown[i]};
        CHECK_INT(proto_decode(PROTO_TO_HOST, p, 2, &m), PROTO_E_TYPE);
        CHECK_INT(proto_decode(PROTO_TO_CLIENT, p, 2, &m), PROTO_E_TYPE);
    }
}

static void t_decode_wrong_side(void)
{
    for (size_t i = 0; i < NLAYOUTS; i++) {
        enum proto_side other = layouts[i].side == PROTO_TO_HOST ? PROTO_TO_CLIENT : PROTO_TO_HOST;
        struct proto_msg m;
        CHECK_INT(proto_decode(other, layouts[i].wire, layouts[i].n, &m), PROTO_E_TYPE);
    }
}

static void t_decode_bad_direction(void)
{
    struct proto_msg m;
    for (unsigned d = 0; d < 256; d++) {
        uint8_t p[7] = {7, CS_MOVE, (uint8_t)d, 1, 2, 3, 4};
        CHECK_INT(proto_decode(PROTO_TO_HOST, p, 7, &m), d <= DIR_RIGHT ? PROTO_OK : PROTO_E_DIR);
    }
}

static void t_decode_bad_fields(void)
{
    struct proto_msg m;
    for (unsigned r = 0; r < 256; r++) {
        uint8_t p[3] = {3, SC_LOGIN_FAIL, (uint8_t)r};
        CHECK_INT(proto_decode(PROTO_TO_CLIENT, p, 3, &m),
                  r >= 1 && r <= 4 ? PROTO_OK : PROTO_E_FIELD);
    }
    for (unsigned w = 0; w < 256; w++) {
        uint8_t p[7] = {7, SC_REMOVE_PLAYER, 1, 0, 0, 0, (uint8_t)w};
        CHECK_INT(proto_decode(PROTO_TO_CLIENT, p, 7, &m), w <= 2 ? PROTO_OK : PROTO_E_FIELD);
    }
    uint8_t put[44];
    memcpy(put, layout_of(SC_PUT_PLAYER)->wire, sizeof put);
    put[10] = PROTO_LOOKS; /* look out of range */
    CHECK_INT(proto_decode(PROTO_TO_CLIENT, put, 44, &m), PROTO_E_FIELD);
    put[10] = 0;
    put[11] = 2; /* why out of range */
    CHECK_INT(proto_decode(PROTO_TO_CLIENT, put, 44, &m), PROTO_E_FIELD);
}

/* ---- UTF-8, text and names ---------------------------------------------- */

static const struct bytes good_utf8[] = {
    B("a"), B("hello world"), B(" "), B("~"),
    B("\xC2\x80"),         /* U+0080, smallest 2-byte */
    B("\xDF\xBF"),         /* U+07FF, largest 2-byte */
    B("\xE0\xA0\x80"),     /* U+0800, smallest 3-byte */
    B("\xED\x9F\xBF"),     /* U+D7FF, just below the surrogates */
    B("\xEE\x80\x80"),     /* U+E000, just above them */
    B("\xEF\xBF\xBF"),     /* U+FFFF */
    B("\xF0\x90\x80\x80"), /* U+10000, smallest 4-byte */
    B("\xF4\x8F\xBF\xBF"), /* U+10FFFF, the last code point */
    B("\xF0\x9F\x98\x80"), /* an emoji */
    B(KIM),
};

static const struct bytes bad_utf8[] = {
    B("\x80"), B("\xBF"), B("a\x80" "b"),          /* stray continuation bytes */
    B("\xC0\xAF"), B("\xC1\xBF"),                  /* overlong 2-byte */
    B("\xE0\x80\xAF"), B("\xE0\x9F\xBF"),          /* overlong 3-byte */
    B("\xF0\x80\x80\xAF"), B("\xF0\x8F\xBF\xBF"),  /* overlong 4-byte */
    B("\xED\xA0\x80"), B("\xED\xBF\xBF"),          /* surrogates */
    B("\xF4\x90\x80\x80"), B("\xF5\x80\x80\x80"),  /* past U+10FFFF */
    B("\xF8\x88\x80\x80\x80"), B("\xFE"), B("\xFF"),
    B("\xC3"), B("\xE4\xB8"), B("\xF0\x9F\x98"),   /* truncated at the end */
    B("a\xEA\xB9"),
    B("\xC3\x28"), B("\xE4\x28\xAD"), B("\xF0\x9F\x28\x80"), /* bad continuation */
    B("\x00"), B("a\x01"), B("\x1F"), B("\t"), B("\n"), B("\r"), B("\x7F"), /* controls */
    B("x\x1B" "y"), B("ok\x00"),
};

static void t_utf8_check(void)
{
    for (size_t i = 0; i < sizeof good_utf8 / sizeof good_utf8[0]; i++)
        if (proto_utf8_check((const uint8_t *)good_utf8[i].s, good_utf8[i].n) != 0)
            CHECK_FAIL("good_utf8[%zu] rejected", i);
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++)
        if (proto_utf8_check((const uint8_t *)bad_utf8[i].s, bad_utf8[i].n) != -1)
            CHECK_FAIL("bad_utf8[%zu] accepted", i);
    CHECK_INT(proto_utf8_check((const uint8_t *)"", 0), 0); /* empty is valid UTF-8 */
}

/* Builds a chat packet of either side around text bytes. */
static size_t chat_packet(uint8_t type, const void *text, size_t n, uint8_t *p)
{
    size_t at = type == CS_CHAT ? 2 : 6;
    memset(p, 0, at);
    p[0] = (uint8_t)(at + n);
    p[1] = type;
    memcpy(p + at, text, n);
    return at + n;
}

static void t_decode_bad_text(void)
{
    uint8_t p[PROTO_MAX_PACKET];
    struct proto_msg m;
    for (int t = 0; t < 2; t++) {
        uint8_t type = t ? SC_CHAT : CS_CHAT;
        enum proto_side side = t ? PROTO_TO_CLIENT : PROTO_TO_HOST;
        for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
            size_t n = chat_packet(type, bad_utf8[i].s, bad_utf8[i].n, p);
            if (proto_decode(side, p, n, &m) != PROTO_E_TEXT)
                CHECK_FAIL("%s with bad_utf8[%zu] not PROTO_E_TEXT", proto_type_name(type), i);
        }
        /* Empty text is caught by the size table: no such packet size. */
        size_t n = chat_packet(type, "", 0, p);
        CHECK_INT(proto_decode(side, p, n, &m), PROTO_E_SIZE);
        /* 200 bytes is the most; 201 is too long. */
        uint8_t text[PROTO_TEXT_MAX + 1];
        memset(text, 'x', sizeof text);
        n = chat_packet(type, text, PROTO_TEXT_MAX, p);
        CHECK_INT(proto_decode(side, p, n, &m), PROTO_OK);
        CHECK_INT(m.u.chat.len, PROTO_TEXT_MAX);
        CHECK_INT(strlen(m.u.chat.text), PROTO_TEXT_MAX);
        n = chat_packet(type, text, PROTO_TEXT_MAX + 1, p);
        CHECK_INT(proto_decode(side, p, n, &m), PROTO_E_SIZE);
    }
}

static void raw_name(const void *bytes, size_t n, uint8_t raw[PROTO_NAME_LEN])
{
    memset(raw, 0, PROTO_NAME_LEN);
    memcpy(raw, bytes, n);
}

static void t_name_check(void)
{
    uint8_t raw[PROTO_NAME_LEN], a32[PROTO_NAME_LEN];
    char out[PROTO_NAME_LEN];
    memset(a32, 'a', sizeof a32);

    raw_name(KIM, 9, raw);
    CHECK_INT(proto_name_check(raw, out), 0);
    CHECK_MEM(out, raw, PROTO_NAME_LEN); /* byte-exact, NUL-padded */
    CHECK_STR(out, "김철수");            /* and the same as the source's UTF-8 */

    raw_name(a32, 31, raw);
    CHECK_INT(proto_name_check(raw, out), 0);
    CHECK_INT(strlen(out), 31);
    CHECK_INT(proto_name_check(a32, out), PROTO_E_NAME); /* no NUL within 32 */

    /* Ten Hangul syllables are 30 bytes: fine. */
    for (int i = 0; i < 10; i++)
        memcpy(raw + 3 * i, KIM, 3);
    raw[30] = raw[31] = 0;
    CHECK_INT(proto_name_check(raw, out), 0);

    static const struct bytes bad[] = {
        B(""), B("bob\0x"), B("\xC0\xAF"), B("bo\xFF"), B("a\xEA\xB9"),
        B("bo\tb"), B("\x7F"), B("a\nb"), B("\xED\xA0\x80"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        raw_name(bad[i].s, bad[i].n, raw);
        if (proto_name_check(raw, out) != PROTO_E_NAME)
            CHECK_FAIL("bad name %zu accepted", i);
    }
    raw_name("bob", 3, raw);
    raw[31] = 'z'; /* junk in the last byte, after the NUL */
    CHECK_INT(proto_name_check(raw, out), PROTO_E_NAME);
    /* A multi-byte character cut off by the 31-byte limit. */
    raw_name(a32, 30, raw);
    raw[30] = 0xEA;
    CHECK_INT(proto_name_check(raw, out), PROTO_E_NAME);
}

static void t_name_pack(void)
{
    uint8_t raw[PROTO_NAME_LEN], want[PROTO_NAME_LEN];
    char a40[41];
    memset(a40, 'a', 40);
    a40[40] = '\0';

    CHECK_INT(proto_name_pack("김철수", raw), 0);
    raw_name(KIM, 9, want);
    CHECK_MEM(raw, want, PROTO_NAME_LEN);

    a40[31] = '\0';
    CHECK_INT(proto_name_pack(a40, raw), 0); /* 31 bytes */
    raw_name(a40, 31, want);
    CHECK_MEM(raw, want, PROTO_NAME_LEN);
    a40[31] = 'a';
    a40[32] = '\0';
    CHECK_INT(proto_name_pack(a40, raw), PROTO_E_NAME); /* 32 bytes */
    a40[32] = 'a';
    CHECK_INT(proto_name_pack(a40, raw), PROTO_E_NAME); /* 40 bytes */
    CHECK_INT(proto_name_pack("", raw), PROTO_E_NAME);
    CHECK_INT(proto_name_pack("a\tb", raw), PROTO_E_NAME);
    CHECK_INT(proto_name_pack("\xC0\xAF", raw), PROTO_E_NAME);
    CHECK_INT(proto_name_pack("\x7F", raw), PROTO_E_NAME);
}

static void t_decode_put_bad_name(void)
{
    uint8_t p[44];
    struct proto_msg m;
    memcpy(p, layout_of(SC_PUT_PLAYER)->wire, sizeof p);
    CHECK_INT(proto_decode(PROTO_TO_CLIENT, p, 44, &m), PROTO_OK);
    CHECK_STR(m.u.put.name, KIM);

    static const struct bytes bad[] = {B(""), B("bo\x01"), B("\xC0\x80"), B("ab\0cd")};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        raw_name(bad[i].s, bad[i].n, p + 12);
        if (proto_decode(PROTO_TO_CLIENT, p, 44, &m) != PROTO_E_NAME)
            CHECK_FAIL("SC_PUT_PLAYER with bad name %zu not PROTO_E_NAME", i);
    }
    memset(p + 12, 'a', PROTO_NAME_LEN); /* 32 bytes, no NUL */
    CHECK_INT(proto_decode(PROTO_TO_CLIENT, p, 44, &m), PROTO_E_NAME);
    p[12 + 31] = 0; /* 31 bytes then NUL: fine */
    CHECK_INT(proto_decode(PROTO_TO_CLIENT, p, 44, &m), PROTO_OK);
}

/* CS_LOGIN hands the name and version back raw: the host answers a bad one
 * with SC_LOGIN_FAIL, which it could not do if decoding failed. */
static void t_decode_login_raw(void)
{
    uint8_t p[36] = {36, CS_LOGIN, 2, 0, 'b', 'o', '\t', 0, 'j', 'u', 'n', 'k'};
    struct proto_msg m;
    CHECK_INT(proto_decode(PROTO_TO_HOST, p, 36, &m), PROTO_OK);
    CHECK_INT(m.u.login.version, 2);
    CHECK_MEM(m.u.login.name, p + 4, PROTO_NAME_LEN);
    uint8_t again[PROTO_MAX_PACKET];
    CHECK_INT(proto_encode(&m, again), 36);
    CHECK_MEM(again, p, 36);
}

/* ---- encode refuses what decode would reject ----------------------------- */

static void t_encode_rejects(void)
{
    uint8_t out[PROTO_MAX_PACKET];
    struct proto_msg m = {.type = 0};
    CHECK_INT(proto_encode(&m, out), PROTO_E_TYPE);
    m.type = 5;
    CHECK_INT(proto_encode(&m, out), PROTO_E_TYPE);
    m.type = 17;
    CHECK_INT(proto_encode(&m, out), PROTO_E_TYPE);

    m = (struct proto_msg){.type = CS_MOVE, .u.move = {4, 0}};
    CHECK_INT(proto_encode(&m, out), PROTO_E_DIR);

    m = (struct proto_msg){.type = CS_CHAT, .u.chat = {0, 0, ""}};
    CHECK_INT(proto_encode(&m, out), PROTO_E_TEXT);
    m = (struct proto_msg){.type = SC_CHAT, .u.chat = {.len = PROTO_TEXT_MAX + 1}};
    memset(m.u.chat.text, 'a', PROTO_TEXT_MAX + 1);
    CHECK_INT(proto_encode(&m, out), PROTO_E_TEXT);
    m = (struct proto_msg){.type = SC_CHAT, .u.chat = {0, 3, "a\nb"}};
    CHECK_INT(proto_encode(&m, out), PROTO_E_TEXT);

    m = (struct proto_msg){.type = SC_LOGIN_FAIL, .u.login_fail = {0}};
    CHECK_INT(proto_encode(&m, out), PROTO_E_FIELD);
    m = (struct proto_msg){.type = SC_REMOVE_PLAYER, .u.remove = {1, 3}};
    CHECK_INT(proto_encode(&m, out), PROTO_E_FIELD);
    m = (struct proto_msg){.type = SC_PUT_PLAYER, .u.put = {1, 0, 0, PROTO_LOOKS, 0, "a"}};
    CHECK_INT(proto_encode(&m, out), PROTO_E_FIELD);
    m = (struct proto_msg){.type = SC_PUT_PLAYER, .u.put = {1, 0, 0, 0, 2, "a"}};
    CHECK_INT(proto_encode(&m, out), PROTO_E_FIELD);
    m = (struct proto_msg){.type = SC_PUT_PLAYER, .u.put = {1, 0, 0, 0, 0, ""}};
    CHECK_INT(proto_encode(&m, out), PROTO_E_NAME);
    memset(m.u.put.name, 'a', PROTO_NAME_LEN); /* not NUL-terminated */
    CHECK_INT(proto_encode(&m, out), PROTO_E_NAME);
}

/* ---- names for logs ----------------------------------------------------- */

static void t_type_names(void)
{
    CHECK_STR(proto_type_name(CS_LOGIN), "CS_LOGIN");
    CHECK_STR(proto_type_name(CS_MOVE), "CS_MOVE");
    CHECK_STR(proto_type_name(CS_CHAT), "CS_CHAT");
    CHECK_STR(proto_type_name(CS_LOGOUT), "CS_LOGOUT");
    CHECK_STR(proto_type_name(SC_LOGIN_OK), "SC_LOGIN_OK");
    CHECK_STR(proto_type_name(SC_LOGIN_FAIL), "SC_LOGIN_FAIL");
    CHECK_STR(proto_type_name(SC_PUT_PLAYER), "SC_PUT_PLAYER");
    CHECK_STR(proto_type_name(SC_POSITION), "SC_POSITION");
    CHECK_STR(proto_type_name(SC_REMOVE_PLAYER), "SC_REMOVE_PLAYER");
    CHECK_STR(proto_type_name(SC_CHAT), "SC_CHAT");
    CHECK_STR(proto_type_name(0), "unknown");
    CHECK_STR(proto_type_name(5), "unknown");
    CHECK_STR(proto_type_name(17), "unknown");
    CHECK_STR(proto_type_name(255), "unknown");
}

static void t_strerror(void)
{
    for (int e = PROTO_OK; e >= PROTO_E_FIELD; e--) {
        const char *s = proto_strerror(e);
        CHECK(s != NULL && s[0] != '\0' && strchr(s, '\n') == NULL);
        for (int f = e + 1; f <= PROTO_OK; f++) /* one distinct line per code */
            if (strcmp(s, proto_strerror(f)) == 0)
                CHECK_FAIL("codes %d and %d share \"%s\"", e, f, s);
    }
    /* A code no layer has, below or above the range: the one fallback. */
    CHECK_STR(proto_strerror(-99), "unknown protocol error");
    CHECK_STR(proto_strerror(7), "unknown protocol error");
}

static const struct check_case tests[] = {
    CHECK_CASE(t_layout_every_type),
    CHECK_CASE(t_round_trip_every_type),
    CHECK_CASE(t_round_trip_extremes),
    CHECK_CASE(t_round_trip_chat_lengths),
    CHECK_CASE(t_header_exhaustive),
    CHECK_CASE(t_header_named_cases),
    CHECK_CASE(t_decode_size_mismatch),
    CHECK_CASE(t_decode_unknown_type),
    CHECK_CASE(t_decode_wrong_side),
    CHECK_CASE(t_decode_bad_direction),
    CHECK_CASE(t_decode_bad_fields),
    CHECK_CASE(t_utf8_check),
    CHECK_CASE(t_decode_bad_text),
    CHECK_CASE(t_name_check),
    CHECK_CASE(t_name_pack),
    CHECK_CASE(t_decode_put_bad_name),
    CHECK_CASE(t_decode_login_raw),
    CHECK_CASE(t_encode_rejects),
    CHECK_CASE(t_type_names),
    CHECK_CASE(t_strerror),
    {0},
};

CHECK_MAIN(tests)
