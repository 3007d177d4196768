/*
 * LAN discovery's pure parts: the answer codec byte by byte, what a bad
 * answer is, what a query is, and the port setting. No socket is opened.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "discovery.h"

/* "PPR1", port 0x1F92 (8082) little-endian, 3 of 10 players, "Den". */
static const uint8_t answer_bytes[DISCOVERY_ANSWER_LEN] = {
    'P', 'P', 'R', '1', 0x92, 0x1F, 3, 10, 'D', 'e', 'n',
};

static struct discovery_answer sample(void)
{
    struct discovery_answer a;
    memset(&a, 0, sizeof a);
    a.tcp_port = 0x1F92;
    a.players = 3;
    a.max_players = 10;
    strcpy(a.name, "Den");
    return a;
}

static void t_encode_exact_bytes(void)
{
    struct discovery_answer a = sample();
    uint8_t out[DISCOVERY_ANSWER_LEN];
    memset(out, 0xAA, sizeof out); /* the name's padding must be written */
    CHECK_INT(discovery_encode_answer(&a, out), DISCOVERY_ANSWER_LEN);
    CHECK_MEM(out, answer_bytes, DISCOVERY_ANSWER_LEN);
}

static void t_round_trip(void)
{
    struct discovery_answer a = sample(), b;
    uint8_t out[DISCOVERY_ANSWER_LEN];
    a.tcp_port = 65535;
    a.players = 255;
    a.max_players = 255;
    strcpy(a.name, "\xED\x8C\x8C\xED\x8B\xB0 \xEB\xB0\xA9"); /* "파티 방" */
    CHECK_INT(discovery_encode_answer(&a, out), DISCOVERY_ANSWER_LEN);
    memset(&b, 0x55, sizeof b);
    CHECK_INT(discovery_decode_answer(out, sizeof out, &b), PROTO_OK);
    CHECK_INT(b.tcp_port, 65535);
    CHECK_INT(b.players, 255);
    CHECK_INT(b.max_players, 255);
    CHECK_STR(b.name, a.name);
}

static void t_decode_exact_bytes(void)
{
    struct discovery_answer b;
    CHECK_INT(discovery_decode_answer(answer_bytes, sizeof answer_bytes, &b), PROTO_OK);
    CHECK_INT(b.tcp_port, 8082);
    CHECK_INT(b.players, 3);
    CHECK_INT(b.max_players, 10);
    CHECK_STR(b.name, "Den");
}

static void t_encode_bad_name(void)
{
    struct discovery_answer a = sample();
    uint8_t out[DISCOVERY_ANSWER_LEN];
    a.name[0] = '\0';
    CHECK_INT(discovery_encode_answer(&a, out), PROTO_E_NAME);
    strcpy(a.name, "tab\there");
    CHECK_INT(discovery_encode_answer(&a, out), PROTO_E_NAME);
    strcpy(a.name, "\xC3\x28"); /* a bad UTF-8 sequence */
    CHECK_INT(discovery_encode_answer(&a, out), PROTO_E_NAME);
}

static void t_decode_bad_sizes(void)
{
    struct discovery_answer b;
    uint8_t longer[DISCOVERY_ANSWER_LEN + 1];
    memcpy(longer, answer_bytes, sizeof answer_bytes);
    longer[DISCOVERY_ANSWER_LEN] = 0;
    CHECK_INT(discovery_decode_answer(answer_bytes, 0, &b), PROTO_E_SIZE);
    CHECK_INT(discovery_decode_answer(answer_bytes, 4, &b), PROTO_E_SIZE);
    CHECK_INT(discovery_decode_answer(answer_bytes, DISCOVERY_ANSWER_LEN - 1, &b), PROTO_E_SIZE);
    CHECK_INT(discovery_decode_answer(longer, sizeof longer, &b), PROTO_E_SIZE);
}

static void t_decode_bad_magic(void)
{
    struct discovery_answer b;
    uint8_t bad[DISCOVERY_ANSWER_LEN];
    memcpy(bad, answer_bytes, sizeof bad);
    bad[3] = '2'; /* "PPR2": a later version is not ours */
    CHECK_INT(discovery_decode_answer(bad, sizeof bad, &b), PROTO_E_TYPE);
    memcpy(bad, answer_bytes, sizeof bad);
    bad[2] = 'Q'; /* a query's magic in an answer-sized datagram */
    CHECK_INT(discovery_decode_answer(bad, sizeof bad, &b), PROTO_E_TYPE);
}

static void t_decode_bad_name(void)
{
    struct discovery_answer b;
    uint8_t bad[DISCOVERY_ANSWER_LEN];

    memcpy(bad, answer_bytes, sizeof bad);
    memset(bad + 8, 0, PROTO_NAME_LEN); /* empty */
    CHECK_INT(discovery_decode_answer(bad, sizeof bad, &b), PROTO_E_NAME);

    memcpy(bad, answer_bytes, sizeof bad);
    memset(bad + 8, 'x', PROTO_NAME_LEN); /* no NUL within 32 bytes */
    CHECK_INT(discovery_decode_answer(bad, sizeof bad, &b), PROTO_E_NAME);

    memcpy(bad, answer_bytes, sizeof bad);
    bad[9] = 0x07; /* a control character */
    CHECK_INT(discovery_decode_answer(bad, sizeof bad, &b), PROTO_E_NAME);

    memcpy(bad, answer_bytes, sizeof bad);
    bad[9] = 0xFF; /* never valid in UTF-8 */
    CHECK_INT(discovery_decode_answer(bad, sizeof bad, &b), PROTO_E_NAME);
}

static void t_is_query(void)
{
    CHECK_INT(discovery_is_query((const uint8_t *)"PPQ1", 4), 1);
    CHECK_INT(discovery_is_query((const uint8_t *)"PPQ1", 3), 0);
    CHECK_INT(discovery_is_query((const uint8_t *)"PPQ1x", 5), 0);
    CHECK_INT(discovery_is_query((const uint8_t *)"PPQ2", 4), 0);
    CHECK_INT(discovery_is_query((const uint8_t *)"PPR1", 4), 0);
    CHECK_INT(discovery_is_query(answer_bytes, sizeof answer_bytes), 0);
    CHECK_INT(discovery_is_query((const uint8_t *)"", 0), 0);
}

static void t_count8(void)
{
    CHECK_INT(discovery_count8(0), 0);
    CHECK_INT(discovery_count8(255), 255);
    CHECK_INT(discovery_count8(256), 255);
    CHECK_INT(discovery_count8(100000), 255);
}

static void port_is(const char *env, unsigned want)
{
    if (env)
        check_setenv("PAWNPARTY_DISCOVERY_PORT", env);
    else
        check_unsetenv("PAWNPARTY_DISCOVERY_PORT");
    if (discovery_port() != want)
        CHECK_FAIL("PAWNPARTY_DISCOVERY_PORT=%s: expected %u, got %u", env ? env : "(unset)", want,
                      (unsigned)discovery_port());
}

static void t_port_setting(void)
{
    port_is(NULL, 9091);
    port_is("40000", 40000);
    port_is("65535", 65535);
    port_is("1", 1);
    port_is("0", 9091);
    port_is("65536", 9091);
    port_is("", 9091);
    port_is("12ab", 9091);
    port_is("-5", 9091);
    port_is(" 80", 9091);
    check_unsetenv("PAWNPARTY_DISCOVERY_PORT");
}

static const struct check_case tests[] = {
    CHECK_CASE(t_encode_exact_bytes),
    CHECK_CASE(t_round_trip),
    CHECK_CASE(t_decode_exact_bytes),
    CHECK_CASE(t_encode_bad_name),
    CHECK_CASE(t_decode_bad_sizes),
    CHECK_CASE(t_decode_bad_magic),
    CHECK_CASE(t_decode_bad_name),
    CHECK_CASE(t_is_query),
    CHECK_CASE(t_count8),
    CHECK_CASE(t_port_setting),
    {0},
};

CHECK_MAIN(tests)
