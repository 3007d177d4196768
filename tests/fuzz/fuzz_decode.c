/*
 * libFuzzer target for the receive path. The input is a byte stream as a
 * peer might send it. For each side it is pushed through reasm three ways:
 *
 *   - zero-copy receives (reasm_space + commit) whose lengths come from the
 *     input: the byte where each receive starts picks its length, 1..256;
 *   - one byte at a time;
 *   - as much as fits at once.
 *
 * Checked, aborting on failure:
 *   - every packet reasm hands out passed the size table, so decode never
 *     reports a size or type error for it;
 *   - every packet that decodes re-encodes to the same bytes:
 *     encode(decode(p)) == p;
 *   - the three ways hand out the same packets and end with the same error,
 *     since how TCP cuts a stream must never change what it means.
 *
 * Build: a tree of its own, cmake -DPAWN_FUZZ=ON with clang (./build.sh test
 * makes build-fuzz/ and runs it for 30 s), or by hand:
 *   clang -g -fsanitize=fuzzer,address,undefined -Inet/proto net/proto/proto.c
 *         net/proto/reasm.c tests/fuzz/fuzz_decode.c -o fuzz_decode
 * Seeds: tests/fuzz/seeds/ (valid streams for each side).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "reasm.h"

enum chunking { CHUNK_FROM_INPUT, CHUNK_ONE_BYTE, CHUNK_ALL };

/* What one pass produced: every packet handed out, concatenated (never
 * more bytes than the input), and the error that ended it, if any. */
struct pass {
    uint8_t *out;
    size_t len;
    int err;
};

static void fail(const char *why, enum proto_side side, const uint8_t *pkt, size_t size)
{
    fprintf(stderr, "fuzz_decode: %s (side %d, %s, %zu bytes)\n", why, (int)side,
            proto_type_name(pkt[1]), size);
    abort();
}

static void check_packet(enum proto_side side, const uint8_t *pkt, size_t size)
{
    struct proto_msg m;
    uint8_t again[PROTO_MAX_PACKET];
    int rc = proto_decode(side, pkt, size, &m);

    if (rc == PROTO_E_SIZE_SMALL || rc == PROTO_E_TYPE || rc == PROTO_E_SIZE)
        fail("reasm handed out a packet the size table rejects", side, pkt, size);
    if (rc != PROTO_OK)
        return; /* a bad field: the host would close the connection */
    if (proto_encode(&m, again) != (int)size || memcmp(again, pkt, size) != 0)
        fail("encode(decode(p)) != p", side, pkt, size);
}

static void drain(struct reasm *r, enum proto_side side, struct pass *p)
{
    const uint8_t *pkt;
    size_t size;
    int rc;
    while ((rc = reasm_next(r, side, &pkt, &size)) == 1) {
        check_packet(side, pkt, size);
        memcpy(p->out + p->len, pkt, size);
        p->len += size;
    }
    p->err = rc;
}

/* How many bytes the next receive takes, at most. */
static size_t chunk_len(enum chunking how, const uint8_t *data, size_t at, size_t n)
{
    switch (how) {
    case CHUNK_FROM_INPUT: return 1 + (size_t)data[at];
    case CHUNK_ONE_BYTE: return 1;
    case CHUNK_ALL: return n - at;
    }
    return 1;
}

static void run(enum proto_side side, enum chunking how, const uint8_t *data, size_t n,
                struct pass *p)
{
    struct reasm r;
    size_t at = 0;
    reasm_init(&r);
    p->len = 0;
    p->err = 0;
    while (at < n && p->err == 0) {
        size_t room, want = chunk_len(how, data, at, n);
        uint8_t *dst = reasm_space(&r, &room);
        if (room < PROTO_MAX_PACKET + 1)
            abort(); /* the promise in reasm.h */
        if (want > room)
            want = room;
        if (want > n - at)
            want = n - at;
        memcpy(dst, data + at, want); /* what recv() would do */
        reasm_commit(&r, want);
        at += want;
        drain(&r, side, p);
    }
}

static int same(const struct pass *a, const struct pass *b)
{
    return a->len == b->len && a->err == b->err && memcmp(a->out, b->out, a->len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct pass p[3];
    for (int i = 0; i < 3; i++) {
        p[i].out = malloc(n + 1);
        if (p[i].out == NULL)
            abort();
    }
    for (int side = PROTO_TO_HOST; side <= PROTO_TO_CLIENT; side++) {
        run((enum proto_side)side, CHUNK_FROM_INPUT, data, n, &p[0]);
        run((enum proto_side)side, CHUNK_ONE_BYTE, data, n, &p[1]);
        run((enum proto_side)side, CHUNK_ALL, data, n, &p[2]);
        if (!same(&p[0], &p[1]) || !same(&p[0], &p[2])) {
            fprintf(stderr, "fuzz_decode: chunking changed the result (side %d)\n", side);
            abort();
        }
    }
    for (int i = 0; i < 3; i++)
        free(p[i].out);
    return 0;
}
