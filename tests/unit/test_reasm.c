/*
 * Reassembly unit tests: the classic TCP cases. A stream of packets must
 * come out the same whatever way the bytes are cut into reads: one byte at
 * a time, all at once, split in two at every offset, random chunks. A bad
 * header is an error as early as it can be known, and it stays an error.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "proto.h"
#include "reasm.h"
#include "rng.h"

#define STREAM_MAX 16384

/* ---- building streams ---------------------------------------------------- */

static size_t put_msg(uint8_t *out, const struct proto_msg *m)
{
    int n = proto_encode(m, out);
    CHECK(n >= PROTO_HEADER);
    return n > 0 ? (size_t)n : 0;
}

static size_t put_chat(uint8_t *out, uint8_t type, uint32_t id, size_t len, char fill)
{
    struct proto_msg m = {.type = type, .u.chat = {.id = id, .len = (uint8_t)len}};
    memset(m.u.chat.text, fill, len);
    return put_msg(out, &m);
}

/* Every client-to-host type, sizes from 2 to 202. Returns the byte count
 * and the packet count in *count. */
static size_t host_stream(uint8_t *out, size_t *count)
{
    size_t n = 0;
    *count = 0;
    for (int round = 0; round < 4; round++) {
        struct proto_msg login = {.type = CS_LOGIN, .u.login = {PROTO_VERSION, "player"}};
        struct proto_msg move = {.type = CS_MOVE, .u.move = {(uint8_t)(round % 4), 1000u * round}};
        struct proto_msg logout = {.type = CS_LOGOUT};
        n += put_msg(out + n, &login);
        n += put_msg(out + n, &move);
        n += put_chat(out + n, CS_CHAT, 0, 1, 'a');
        n += put_msg(out + n, &logout);
        n += put_chat(out + n, CS_CHAT, 0, PROTO_TEXT_MAX, 'b' + round);
        n += put_msg(out + n, &move);
        n += put_chat(out + n, CS_CHAT, 0, 57, 'c');
        *count += 7;
    }
    return n;
}

/* Every host-to-client type, sizes from 3 to 206. */
static size_t client_stream(uint8_t *out, size_t *count)
{
    size_t n = 0;
    *count = 0;
    for (uint32_t round = 0; round < 4; round++) {
        struct proto_msg ok = {.type = SC_LOGIN_OK, .u.login_ok = {round, 1, 2, 8, 8, 8, 10}};
        struct proto_msg fail = {.type = SC_LOGIN_FAIL, .u.login_fail = {FAIL_FULL}};
        struct proto_msg put = {.type = SC_PUT_PLAYER,
                                .u.put = {round, 3, 4, 5, PUT_JOINED, "\xEA\xB9\x80"}};
        struct proto_msg pos = {.type = SC_POSITION, .u.pos = {round, 1, 1, 0xFFFFFFFF}};
        struct proto_msg rm = {.type = SC_REMOVE_PLAYER, .u.remove = {round, REMOVE_LEFT}};
        n += put_msg(out + n, &ok);
        n += put_msg(out + n, &put);
        n += put_chat(out + n, SC_CHAT, round, PROTO_TEXT_MAX, 'x');
        n += put_msg(out + n, &pos);
        n += put_chat(out + n, SC_CHAT, round, 1, 'y');
        n += put_msg(out + n, &rm);
        n += put_msg(out + n, &fail);
        *count += 7;
    }
    return n;
}

static size_t side_stream(enum proto_side side, uint8_t *out, size_t *count)
{
    return side == PROTO_TO_HOST ? host_stream(out, count) : client_stream(out, count);
}

/* ---- collecting what comes out ------------------------------------------- */

/* Everything reasm handed out, concatenated, so it can be compared with
 * the stream that went in. */
struct sink {
    uint8_t bytes[STREAM_MAX];
    size_t len, count;
    int err;
};

static void drain(struct reasm *r, enum proto_side side, struct sink *s)
{
    const uint8_t *pkt;
    size_t size;
    int rc;
    while ((rc = reasm_next(r, side, &pkt, &size)) == 1) {
        struct proto_msg m;
        CHECK_INT(size, pkt[0]);
        CHECK(pkt >= r->buf && pkt + size <= r->buf + REASM_CAP); /* handed out in place */
        CHECK_INT(proto_decode(side, pkt, size, &m), PROTO_OK);
        if (s->len + size <= sizeof s->bytes)
            memcpy(s->bytes + s->len, pkt, size);
        s->len += size;
        s->count++;
    }
    if (rc < 0)
        s->err = rc;
}

/* Feeds data[0..n) in one go (as many feeds as the buffer needs),
 * draining after each feed as a real receive loop would. */
static void feed(struct reasm *r, enum proto_side side, const uint8_t *data, size_t n,
                 struct sink *s)
{
    while (n > 0 && s->err == 0) {
        size_t took = reasm_feed(r, data, n);
        CHECK(took > 0);
        if (took == 0)
            return;
        data += took;
        n -= took;
        drain(r, side, s);
    }
}

static void check_sink(const struct sink *s, const uint8_t *stream, size_t n, size_t count)
{
    CHECK_INT(s->err, 0);
    CHECK_INT(s->count, count);
    CHECK_INT(s->len, n);
    if (s->len == n)
        CHECK_MEM(s->bytes, stream, n);
}

/* The project's generator with a fixed seed: random chunkings are the same
 * every run. */
static struct rng chunk_rng;

static struct reasm r; /* static: tests share nothing but the storage */
static struct sink sink;
static uint8_t stream[STREAM_MAX];

static void start(void)
{
    reasm_init(&r);
    memset(&sink, 0, sizeof sink);
}

/* ---- the classic cases ---------------------------------------------------- */

static void t_empty(void)
{
    const uint8_t *pkt;
    size_t size;
    start();
    CHECK_INT(reasm_next(&r, PROTO_TO_HOST, &pkt, &size), 0);
    CHECK_INT(reasm_next(&r, PROTO_TO_CLIENT, &pkt, &size), 0);
}

static void t_one_byte_deliveries(void)
{
    for (int side = PROTO_TO_HOST; side <= PROTO_TO_CLIENT; side++) {
        size_t count, n = side_stream((enum proto_side)side, stream, &count);
        start();
        for (size_t i = 0; i < n; i++)
            feed(&r, (enum proto_side)side, stream + i, 1, &sink);
        check_sink(&sink, stream, n, count);
    }
}

/* Several packets arrive in one read and all come out of one drain. */
static void t_many_in_one_read(void)
{
    uint8_t buf[REASM_CAP];
    size_t n = 0, count = 0;
    struct proto_msg move = {.type = CS_MOVE, .u.move = {DIR_DOWN, 7}};
    while (n + 7 <= sizeof buf) {
        n += put_msg(buf + n, &move);
        count++;
    }
    start();
    CHECK_INT(reasm_feed(&r, buf, n), n);
    drain(&r, PROTO_TO_HOST, &sink);
    check_sink(&sink, buf, n, count);
    CHECK_INT(count, REASM_CAP / 7);
}

/* The whole stream cut in two at every offset, both sides. */
static void t_every_split_point(void)
{
    for (int side = PROTO_TO_HOST; side <= PROTO_TO_CLIENT; side++) {
        size_t count, n = side_stream((enum proto_side)side, stream, &count);
        for (size_t cut = 0; cut <= n; cut++) {
            start();
            feed(&r, (enum proto_side)side, stream, cut, &sink);
            feed(&r, (enum proto_side)side, stream + cut, n - cut, &sink);
            if (sink.count != count || sink.len != n || sink.err != 0) {
                CHECK_FAIL("side %d cut at %zu: %zu packets, err %d", side, cut, sink.count,
                              sink.err);
                return;
            }
            CHECK_MEM(sink.bytes, stream, n);
        }
    }
}

static void t_random_chunks(void)
{
    rng_seed(&chunk_rng, 20240601);
    for (int round = 0; round < 300; round++) {
        enum proto_side side = (enum proto_side)(round % 2);
        size_t count, n = side_stream(side, stream, &count);
        size_t at = 0;
        /* Mostly small reads, sometimes big ones that fill the buffer. */
        size_t max_chunk = round % 3 == 0 ? 600 : 16;
        start();
        while (at < n) {
            size_t chunk = 1 + rng_below(&chunk_rng, (uint32_t)max_chunk);
            if (chunk > n - at)
                chunk = n - at;
            feed(&r, side, stream + at, chunk, &sink);
            at += chunk;
        }
        check_sink(&sink, stream, n, count);
    }
}

/* Drives reasm the zero-copy way a host does: receive straight into
 * reasm_space, then commit. The room promise must hold at every step. */
static void t_zero_copy_receive(void)
{
    size_t count, n = client_stream(stream, &count);
    size_t at = 0, step = 0;
    start();
    while (at < n) {
        size_t room;
        uint8_t *dst = reasm_space(&r, &room);
        CHECK(room >= PROTO_MAX_PACKET + 1);
        CHECK(dst >= r.buf && dst + room == r.buf + REASM_CAP);
        size_t got = 1 + (step++ * 37) % room; /* what a recv() might return */
        if (got > n - at)
            got = n - at;
        memcpy(dst, stream + at, got);
        reasm_commit(&r, got);
        at += got;
        drain(&r, PROTO_TO_CLIENT, &sink);
    }
    check_sink(&sink, stream, n, count);
}

/* Whatever unfinished packet is left, the free room after reasm_space is
 * enough for a whole max-size packet. */
static void t_room_after_any_tail(void)
{
    size_t n = 0;
    for (int i = 0; i < 3; i++) /* complete packets first, so head moves */
        n += put_chat(stream + n, CS_CHAT, 0, 100, 'q');
    size_t whole = n;
    n += put_chat(stream + n, CS_CHAT, 0, PROTO_TEXT_MAX, 'w');
    for (size_t tail = 0; tail < 202; tail++) {
        size_t room;
        start();
        feed(&r, PROTO_TO_HOST, stream, whole + tail, &sink);
        CHECK_INT(sink.count, 3);
        reasm_space(&r, &room);
        if (room < PROTO_MAX_PACKET + 1)
            CHECK_FAIL("tail %zu: room %zu", tail, room);
        CHECK_INT(room, REASM_CAP - tail);
    }
}

/* A long run of the largest legal packets, cut at sizes that never line up
 * with packet boundaries. */
static void t_max_length_stream(void)
{
    static const size_t chunks[] = {REASM_CAP, 1, 255, 97, 203, 509, 2};
    for (int side = PROTO_TO_HOST; side <= PROTO_TO_CLIENT; side++) {
        uint8_t type = side == PROTO_TO_HOST ? CS_CHAT : SC_CHAT;
        size_t total = 0, count = 0;
        start();
        for (int block = 0; block < 40; block++) {
            size_t n = 0;
            while (n + 206 <= STREAM_MAX / 2) {
                n += put_chat(stream + n, type, (uint32_t)count, PROTO_TEXT_MAX,
                              (char)('A' + count % 26));
                count++;
            }
            CHECK_INT(stream[0], type == CS_CHAT ? 202 : 206);
            for (size_t at = 0, k = (size_t)block; at < n; k++) {
                size_t chunk = chunks[k % (sizeof chunks / sizeof chunks[0])];
                if (chunk > n - at)
                    chunk = n - at;
                feed(&r, (enum proto_side)side, stream + at, chunk, &sink); /* counts past sink.bytes */
                at += chunk;
            }
            total += n;
        }
        CHECK_INT(sink.err, 0);
        CHECK_INT(sink.count, count);
        CHECK_INT(sink.len, total); /* every byte came out, in whole packets */
        CHECK(total > 300000);      /* the run is as long as it says */
    }
}

/* ---- bad streams ----------------------------------------------------------- */

/* Size 0 and 1 are errors as soon as the size byte is in: the type byte is
 * never waited for. */
static void t_size_zero_and_one(void)
{
    const uint8_t *pkt;
    size_t size;
    for (uint8_t b = 0; b < PROTO_HEADER; b++)
        for (int side = PROTO_TO_HOST; side <= PROTO_TO_CLIENT; side++) {
            start();
            CHECK_INT(reasm_feed(&r, &b, 1), 1);
            CHECK_INT(reasm_next(&r, (enum proto_side)side, &pkt, &size), PROTO_E_SIZE_SMALL);
        }
    /* After good packets, the bad one is found in its turn. */
    size_t count, n = host_stream(stream, &count);
    stream[n] = 0;
    start();
    feed(&r, PROTO_TO_HOST, stream, n + 1, &sink);
    CHECK_INT(sink.count, count);
    CHECK_INT(sink.err, PROTO_E_SIZE_SMALL);
}

/* A bad type or size is an error once the 2 header bytes are in, without
 * waiting for the body the size byte announces. */
static void t_bad_header_early(void)
{
    static const struct {
        enum proto_side side;
        uint8_t size, type;
        int err;
    } cases[] = {
        {PROTO_TO_HOST, 255, CS_CHAT, PROTO_E_SIZE}, /* no v1 type is 255 long */
        {PROTO_TO_CLIENT, 255, SC_CHAT, PROTO_E_SIZE},
        {PROTO_TO_HOST, 203, CS_CHAT, PROTO_E_SIZE},
        {PROTO_TO_CLIENT, 207, SC_CHAT, PROTO_E_SIZE},
        {PROTO_TO_HOST, 37, CS_LOGIN, PROTO_E_SIZE},
        {PROTO_TO_HOST, 2, CS_CHAT, PROTO_E_SIZE}, /* empty text */
        {PROTO_TO_HOST, 2, 0, PROTO_E_TYPE},
        {PROTO_TO_HOST, 9, 99, PROTO_E_TYPE},
        {PROTO_TO_HOST, 7, SC_CHAT, PROTO_E_TYPE},    /* host side gets SC_* */
        {PROTO_TO_CLIENT, 36, CS_LOGIN, PROTO_E_TYPE}, /* client side gets CS_* */
    };
    const uint8_t *pkt;
    size_t size;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t hdr[2] = {cases[i].size, cases[i].type};
        start();
        reasm_feed(&r, hdr, 1);
        CHECK_INT(reasm_next(&r, cases[i].side, &pkt, &size), 0); /* one byte: can't tell yet */
        reasm_feed(&r, hdr + 1, 1);
        CHECK_INT(reasm_next(&r, cases[i].side, &pkt, &size), cases[i].err);
    }
}

/* After an error every call returns it again, and a peer that keeps
 * sending cannot fill the buffer or bring back a "good" packet. */
static void t_error_persists(void)
{
    uint8_t bad[2] = {255, CS_CHAT};
    const uint8_t *pkt;
    size_t size, room, count, n = host_stream(stream, &count);
    start();
    reasm_feed(&r, bad, 2);
    CHECK_INT(reasm_next(&r, PROTO_TO_HOST, &pkt, &size), PROTO_E_SIZE);
    for (int i = 0; i < 50; i++) {
        size_t took = reasm_feed(&r, stream, n);
        CHECK(took >= PROTO_MAX_PACKET + 1);
        CHECK_INT(reasm_next(&r, PROTO_TO_HOST, &pkt, &size), PROTO_E_SIZE);
        CHECK_INT(reasm_next(&r, PROTO_TO_HOST, &pkt, &size), PROTO_E_SIZE);
        reasm_space(&r, &room);
        CHECK(room >= PROTO_MAX_PACKET + 1);
    }
    uint8_t zero = 0;
    start();
    reasm_feed(&r, &zero, 1);
    CHECK_INT(reasm_next(&r, PROTO_TO_CLIENT, &pkt, &size), PROTO_E_SIZE_SMALL);
    reasm_feed(&r, stream, 100);
    CHECK_INT(reasm_next(&r, PROTO_TO_CLIENT, &pkt, &size), PROTO_E_SIZE_SMALL);
    /* reasm_init starts a clean stream (a new connection). */
    reasm_init(&r);
    reasm_feed(&r, stream, 36);
    CHECK_INT(reasm_next(&r, PROTO_TO_HOST, &pkt, &size), 1);
}

/* A packet stays whole only once its last byte is in; until then 0. */
static void t_partial_packet_waits(void)
{
    const uint8_t *pkt;
    size_t size, n = put_chat(stream, SC_CHAT, 9, PROTO_TEXT_MAX, 'k');
    start();
    for (size_t i = 0; i + 1 < n; i++) {
        reasm_feed(&r, stream + i, 1);
        CHECK_INT(reasm_next(&r, PROTO_TO_CLIENT, &pkt, &size), 0);
    }
    reasm_feed(&r, stream + n - 1, 1);
    CHECK_INT(reasm_next(&r, PROTO_TO_CLIENT, &pkt, &size), 1);
    CHECK_INT(size, 206);
    CHECK_MEM(pkt, stream, n);
    CHECK_INT(reasm_next(&r, PROTO_TO_CLIENT, &pkt, &size), 0);
}

static const struct check_case tests[] = {
    CHECK_CASE(t_empty),
    CHECK_CASE(t_one_byte_deliveries),
    CHECK_CASE(t_many_in_one_read),
    CHECK_CASE(t_every_split_point),
    CHECK_CASE(t_random_chunks),
    CHECK_CASE(t_zero_copy_receive),
    CHECK_CASE(t_room_after_any_tail),
    CHECK_CASE(t_max_length_stream),
    CHECK_CASE(t_size_zero_and_one),
    CHECK_CASE(t_bad_header_early),
    CHECK_CASE(t_error_persists),
    CHECK_CASE(t_partial_packet_waits),
    {0},
};

CHECK_MAIN(tests)
