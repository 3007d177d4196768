/*
 * Packet reassembly: TCP is a byte stream, packets are not. This is the
 * course's recv loop done right: the receive goes straight into the free
 * tail of one buffer, whole packets are handed out in place, and only the
 * unfinished tail is moved to the front. A header is checked against the
 * size table as soon as its two bytes are in, so a bad size (0 or 1: the
 * course's reference server spins forever on 0) or a size that does not
 * match its type is an error before the body is waited for.
 */
#ifndef PAWN_NET_REASM_H
#define PAWN_NET_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* Room for one whole max-size packet after any unfinished one. */
#define REASM_CAP 512

struct reasm {
    size_t head; /* first unconsumed byte */
    size_t len;  /* end of received bytes */
    uint8_t buf[REASM_CAP];
};

void reasm_init(struct reasm *r);

/* Where the next receive may write, and how much: moves the unfinished tail
 * to the front first. Always at least PROTO_MAX_PACKET + 1 bytes. The
 * pointer stays valid until the next reasm_* call. */
uint8_t *reasm_space(struct reasm *r, size_t *room);

/* n bytes were written at reasm_space(). */
void reasm_commit(struct reasm *r, size_t n);

/* Copies as much of data[0..n) as fits (reasm_space + memcpy + commit) and
 * returns how many bytes it took. For clients and tests. */
size_t reasm_feed(struct reasm *r, const uint8_t *data, size_t n);

/* The next whole packet for `side`: returns 1 and sets *pkt (inside the
 * buffer, valid until the next reasm_space/feed) and *size; 0 when more
 * bytes are needed; a negative PROTO_E_* when the stream is bad (the
 * connection must be closed: there is no way to find the next packet). */
int reasm_next(struct reasm *r, enum proto_side side, const uint8_t **pkt, size_t *size);

#endif
