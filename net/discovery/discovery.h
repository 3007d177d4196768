/*
 * LAN discovery (docs/protocol.md, "LAN discovery"): a client sends the 4
 * bytes "PPQ1" by UDP; every host answers the sender with "PPR1", u16
 * tcp_port, u8 players, u8 max_players, name[32] (40 bytes).
 *
 * Where queries go is PAWNPARTY_DISCOVERY_ADDR (default: the LAN broadcast
 * address). Every test and every run on a development or CI machine sets it
 * to 127.0.0.1 or to an address inside a network namespace the test made.
 * PAWNPARTY_DISCOVERY_PORT (default 9091) moves both sides, so that tests
 * running side by side do not share one port.
 */
#ifndef PAWN_NET_DISCOVERY_H
#define PAWN_NET_DISCOVERY_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define DISCOVERY_QUERY_LEN 4
#define DISCOVERY_ANSWER_LEN 40

struct discovery_answer {
    uint16_t tcp_port;
    uint8_t players, max_players; /* counts above 255 are sent as 255 */
    char name[PROTO_NAME_LEN]; /* NUL-terminated, validated */
};

/* A player count in the answer's u8 (a host may allow more than 255). */
static inline uint8_t discovery_count8(uint32_t n)
{
    return n > 255 ? 255 : (uint8_t)n;
}

/* The wire form, pure functions (unit-tested). encode returns the length
 * (40), or PROTO_E_NAME; decode returns 0 or a negative PROTO_E_*. */
int discovery_encode_answer(const struct discovery_answer *a, uint8_t out[DISCOVERY_ANSWER_LEN]);
int discovery_decode_answer(const uint8_t *buf, size_t len, struct discovery_answer *a);
int discovery_is_query(const uint8_t *buf, size_t len);

/* The port both sides use (PAWNPARTY_DISCOVERY_PORT or 9091). */
uint16_t discovery_port(void);

/* ---- host side: a responder thread -------------------------------------- */

/* Reports the current answer (players may change between queries), on the
 * responder's thread. *a arrives zeroed with the name "Pawn Party"; fill
 * tcp_port and the counts (discovery_count8) and, if the game has one, the
 * name. An answer whose name breaks the name rules is not sent. */
typedef void (*discovery_status_fn)(void *ctx, struct discovery_answer *a);

struct discovery_responder;

/* Binds the discovery port on bind_ipv4 (the host's --bind address; NULL:
 * all addresses), shared with other hosts on this machine where the OS
 * allows it, and answers each query from its own thread. Returns 0, or a
 * SYS_E_* (the caller logs it and goes on without discovery). */
int discovery_responder_start(const char *bind_ipv4, discovery_status_fn status, void *ctx,
                              struct discovery_responder **out);
void discovery_responder_stop(struct discovery_responder *r);

/* ---- client side: nonblocking queries ------------------------------------ */

struct discovery_game {
    char host[64]; /* the answering address as numeric text, no port:
                    * join host at a.tcp_port */
    struct discovery_answer a;
};

struct discovery_query;

/* A UDP socket on any free port. SYS_E_INVAL when PAWNPARTY_DISCOVERY_ADDR
 * is set but is not an IPv4 address (never a silent broadcast instead). */
int discovery_query_open(struct discovery_query **out);
/* Sends one query to PAWNPARTY_DISCOVERY_ADDR (or the broadcast address). */
int discovery_query_send(struct discovery_query *q);
/* Without waiting: 1 and *g for an answer that arrived, 0 when none, or a
 * SYS_E_*. Datagrams that are not valid answers are skipped. Dedupe (one
 * host answering several queries) is the caller's job. */
int discovery_query_poll(struct discovery_query *q, struct discovery_game *g);
void discovery_query_close(struct discovery_query *q);

#endif
