/*
 * Packet reassembly. The buffer holds, in order:
 *
 *   buf[0 .. head)      packets already handed out (dead bytes)
 *   buf[head .. len)    received, not yet handed out
 *   buf[len .. CAP)     free: the next receive writes here
 *
 * Packets are handed out as pointers into buf, so a packet is never copied
 * on its way in. Only reasm_space moves bytes: the unfinished tail, at most
 * PROTO_MAX_PACKET - 1 of them, goes to the front so the free part is
 * always big enough for a whole packet.
 *
 * A bad header leaves the stream with no way to find the next packet, so
 * the error must stick: the bad header stays at head and every later
 * reasm_next finds it again. Bytes behind it are dropped, so a peer that
 * keeps sending after the error cannot fill the buffer.
 */
#include "reasm.h"

#include <assert.h>
#include <string.h>

void reasm_init(struct reasm *r)
{
    r->head = 0;
    r->len = 0;
}

/* The caller drains reasm_next until it returns 0 before asking for space,
 * so only an unfinished packet (< PROTO_MAX_PACKET bytes) is left over and
 * the room is at least REASM_CAP - 254 = 258 bytes. */
uint8_t *reasm_space(struct reasm *r, size_t *room)
{
    if (r->head > 0) {
        memmove(r->buf, r->buf + r->head, r->len - r->head);
        r->len -= r->head;
        r->head = 0;
    }
    *room = REASM_CAP - r->len;
    return r->buf + r->len;
}

void reasm_commit(struct reasm *r, size_t n)
{
    assert(n <= REASM_CAP - r->len); /* more than reasm_space offered */
    r->len += n;
}

size_t reasm_feed(struct reasm *r, const uint8_t *data, size_t n)
{
    size_t room;
    uint8_t *dst = reasm_space(r, &room);
    if (n > room)
        n = room;
    memcpy(dst, data, n);
    reasm_commit(r, n);
    return n;
}

/* Keeps only the `keep` header bytes that proved the stream bad, so the
 * same error comes back on every call and nothing behind it piles up. */
static int reasm_fail(struct reasm *r, size_t keep, int err)
{
    r->len = r->head + keep;
    return err;
}

int reasm_next(struct reasm *r, enum proto_side side, const uint8_t **pkt, size_t *size)
{
    size_t have = r->len - r->head;
    const uint8_t *p = r->buf + r->head;

    if (have == 0)
        return 0;
    /* Size 0 or 1 can never be a packet: say so before the type byte comes,
     * rather than wait (or, like the course server on 0, loop forever). */
    if (p[0] < PROTO_HEADER)
        return reasm_fail(r, 1, PROTO_E_SIZE_SMALL);
    if (have < PROTO_HEADER)
        return 0;
    int err = proto_check_header(side, p[0], p[1]);
    if (err != 0)
        return reasm_fail(r, PROTO_HEADER, err);
    if (have < p[0])
        return 0;
    *pkt = p;
    *size = p[0];
    r->head += p[0];
    return 1;
}
