/*
 * LAN discovery (discovery.h, docs/protocol.md "LAN discovery").
 *
 * The datagrams, byte by byte:
 *
 *   query   0 'P'  1 'P'  2 'Q'  3 '1'                                4 bytes
 *   answer  0 'P'  1 'P'  2 'R'  3 '1'  4..5 u16 tcp_port (LE)
 *           6 u8 players  7 u8 max_players  8..39 name[32]           40 bytes
 *
 * Three parts: the pure codec; the host's responder, a thread that answers
 * each query to its sender; the client's nonblocking query. Neither side
 * ever sends anywhere but to PAWNPARTY_DISCOVERY_ADDR (the client) or to
 * the sender of a query (the responder).
 */
#include "discovery.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bucket.h"
#include "sys.h"
#include "wire.h"

static const uint8_t query_magic[DISCOVERY_QUERY_LEN] = {'P', 'P', 'Q', '1'};
static const uint8_t answer_magic[4] = {'P', 'P', 'R', '1'};

/* What a real LAN game sends to when PAWNPARTY_DISCOVERY_ADDR is not set.
 * Tests and development machines always set it (docs/protocol.md). */
#define DISCOVERY_BROADCAST "255.255.255.255"
/* Big enough that a datagram longer than an answer is seen as too long. */
#define DISCOVERY_RECV_MAX 512

/* ------------------------------------------------------------------------
 * The codec (pure)
 * ---------------------------------------------------------------------- */

int discovery_encode_answer(const struct discovery_answer *a, uint8_t out[DISCOVERY_ANSWER_LEN])
{
    uint8_t raw[PROTO_NAME_LEN];
    int err = proto_name_pack(a->name, raw);

    if (err != PROTO_OK)
        return err;
    memcpy(out, answer_magic, sizeof answer_magic);
    wire_put16(out + 4, a->tcp_port);
    out[6] = a->players;
    out[7] = a->max_players;
    memcpy(out + 8, raw, PROTO_NAME_LEN);
    return DISCOVERY_ANSWER_LEN;
}

int discovery_decode_answer(const uint8_t *buf, size_t len, struct discovery_answer *a)
{
    if (len != DISCOVERY_ANSWER_LEN)
        return PROTO_E_SIZE;
    if (memcmp(buf, answer_magic, sizeof answer_magic) != 0)
        return PROTO_E_TYPE;
    a->tcp_port = wire_u16(buf + 4);
    a->players = buf[6];
    a->max_players = buf[7];
    return proto_name_check(buf + 8, a->name);
}

int discovery_is_query(const uint8_t *buf, size_t len)
{
    return len == DISCOVERY_QUERY_LEN && memcmp(buf, query_magic, DISCOVERY_QUERY_LEN) == 0;
}

uint16_t discovery_port(void)
{
    const char *env = getenv("PAWNPARTY_DISCOVERY_PORT");
    long port = env ? sys_parse_num(env, 1, 65535) : -1;
    return port > 0 ? (uint16_t)port : PROTO_DISCOVERY_PORT;
}

/* ------------------------------------------------------------------------
 * The host's responder
 * ---------------------------------------------------------------------- */

/*
 * Answers are rate-limited so that the responder cannot be used as a
 * reflector (a spoofed query makes it send 10 times the bytes to someone
 * else): each address gets at most ANSWERS_PER_SOURCE a second (and as a
 * burst), whatever it sends, and all addresses together at most
 * ANSWERS_TOTAL a second. A Join screen asks once a second. The last
 * SOURCES addresses are remembered; a new one takes the place of the one
 * heard from longest ago.
 */
#define ANSWERS_PER_SOURCE 5
#define ANSWERS_TOTAL 100
#define SOURCES 64
/* How often the responder looks at its stop flag when no datagram wakes it. */
#define RESPONDER_STOP_CHECK_MS 1000

struct source {
    char ip[SYS_ADDR_LEN]; /* "" for a free entry */
    struct bucket answers;
    uint64_t last_ms;
};

struct discovery_responder {
    sys_socket s;
    /* Wakes the thread for discovery_responder_stop: a datagram to this
     * socket's own port on 127.0.0.1 (the portable self-pipe; the
     * discovery port itself may be shared with other hosts). */
    sys_socket wake;
    uint16_t wake_port;
    discovery_status_fn status;
    void *ctx;
    sys_thread thread;
    int thread_started;
    _Atomic int stop;
    /* the responder thread's */
    struct source sources[SOURCES];
    struct bucket total;
};

/* 1 when ip may have one more answer now. */
static int responder_allow(struct discovery_responder *r, const char *ip, uint64_t now)
{
    struct source *s = NULL, *stale = &r->sources[0];
    for (int i = 0; i < SOURCES && !s; i++) {
        if (strcmp(r->sources[i].ip, ip) == 0)
            s = &r->sources[i];
        else if (r->sources[i].last_ms < stale->last_ms)
            stale = &r->sources[i];
    }
    if (!s) {
        s = stale;
        snprintf(s->ip, sizeof s->ip, "%s", ip);
        s->answers = BUCKET_FULL;
    }
    s->last_ms = now;
    return bucket_take(&s->answers, ANSWERS_PER_SOURCE, ANSWERS_PER_SOURCE, 1, now) == 0 &&
           bucket_take(&r->total, ANSWERS_TOTAL, ANSWERS_TOTAL, 1, now) == 0;
}

/* Answers one query to its sender. A failed send is dropped: the client
 * asks again, as it would for a datagram lost on the LAN. */
static void responder_answer(struct discovery_responder *r, const char *ip, uint16_t port)
{
    struct discovery_answer a;
    uint8_t out[DISCOVERY_ANSWER_LEN];

    memset(&a, 0, sizeof a);
    strcpy(a.name, "Pawn Party"); /* in case the status callback leaves it */
    r->status(r->ctx, &a);
    if (discovery_encode_answer(&a, out) < 0)
        return;
    (void)sys_sendto(r->s, out, sizeof out, ip, port);
}

/* At most this many datagrams per wake-up, so that a flood cannot keep
 * the thread from seeing discovery_responder_stop. */
#define RESPONDER_BATCH 64

/* Reads the queued datagrams; anything that is not a query is ignored. */
static void responder_drain(struct discovery_responder *r)
{
    uint8_t buf[DISCOVERY_RECV_MAX];
    char ip[SYS_ADDR_LEN];
    uint16_t port;

    for (int i = 0; i < RESPONDER_BATCH; i++) {
        long n = sys_recvfrom(r->s, buf, sizeof buf, ip, sizeof ip, &port);
        if (n == SYS_E_AGAIN)
            return;
        if (n == SYS_E_INTR || n == SYS_E_RESET || n == SYS_E_CONNREFUSED)
            continue; /* an ICMP error for an earlier answer (Windows) */
        if (n < 0)
            return;
        if (port != 0 && discovery_is_query(buf, (size_t)n) && responder_allow(r, ip, sys_now_ms()))
            responder_answer(r, ip, port);
    }
}

static void responder_main(void *arg)
{
    struct discovery_responder *r = arg;

    while (!atomic_load(&r->stop)) {
        struct sys_pollfd p[2] = {{.s = r->s, .events = SYS_POLLIN}, {.s = r->wake, .events = SYS_POLLIN}};
        /* The wake datagram is the quick way out; the timeout bounds a
         * stop whose wake could not be sent (a network namespace whose
         * loopback is down): join would wait for ever otherwise. */
        int n = sys_poll(p, 2, RESPONDER_STOP_CHECK_MS);
        if (n < 0 && n != SYS_E_INTR)
            sys_sleep_ms(10); /* should not happen; do not spin */
        else if (n > 0 && p[0].revents)
            responder_drain(r);
    }
}

static void responder_free(struct discovery_responder *r)
{
    if (r->thread_started)
        sys_thread_join(r->thread);
    sys_close(r->s);
    sys_close(r->wake);
    free(r);
}

int discovery_responder_start(const char *bind_ipv4, discovery_status_fn status, void *ctx,
                              struct discovery_responder **out)
{
    struct discovery_responder *r;
    int err;

    if (status == NULL || out == NULL)
        return SYS_E_INVAL;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return SYS_E_NOMEM;
    r->s = r->wake = SYS_BAD_SOCKET;
    r->total = BUCKET_FULL;
    r->status = status;
    r->ctx = ctx;
    if ((err = sys_udp_open(bind_ipv4, discovery_port(), SYS_UDP_REUSE, &r->s, NULL)) != SYS_OK ||
        (err = sys_udp_open("127.0.0.1", 0, 0, &r->wake, &r->wake_port)) != SYS_OK ||
        (err = sys_thread_start(&r->thread, responder_main, r)) != SYS_OK)
        goto fail;
    r->thread_started = 1;
    *out = r;
    return SYS_OK;
fail:
    responder_free(r);
    return err;
}

void discovery_responder_stop(struct discovery_responder *r)
{
    if (r == NULL)
        return;
    atomic_store(&r->stop, 1);
    (void)sys_sendto(r->wake, "w", 1, "127.0.0.1", r->wake_port);
    responder_free(r);
}

/* ------------------------------------------------------------------------
 * The client's query
 * ---------------------------------------------------------------------- */

struct discovery_query {
    sys_socket s;
    char to[SYS_ADDR_LEN]; /* where queries go: a numeric IPv4 address */
    uint16_t port;
};

/* PAWNPARTY_DISCOVERY_ADDR when set (and it must then be an IPv4 address:
 * a typo must fail, never fall back to broadcasting), else the broadcast
 * address. Sets *broadcast when the default is used. */
static int query_target(char *to, size_t len, int *broadcast)
{
    const char *env = getenv("PAWNPARTY_DISCOVERY_ADDR");

    *broadcast = env == NULL;
    if (env == NULL)
        env = DISCOVERY_BROADCAST;
    if (!sys_ipv4_valid(env) || strlen(env) >= len)
        return SYS_E_INVAL;
    strcpy(to, env);
    return SYS_OK;
}

int discovery_query_open(struct discovery_query **out)
{
    struct discovery_query *q;
    int broadcast = 0;
    int err;

    if (out == NULL)
        return SYS_E_INVAL;
    q = calloc(1, sizeof *q);
    if (q == NULL)
        return SYS_E_NOMEM;
    q->s = SYS_BAD_SOCKET;
    q->port = discovery_port();
    if ((err = query_target(q->to, sizeof q->to, &broadcast)) != SYS_OK ||
        (err = sys_udp_open(NULL, 0, broadcast ? SYS_UDP_BROADCAST : 0, &q->s, NULL)) != SYS_OK)
        goto fail;
    *out = q;
    return SYS_OK;
fail:
    discovery_query_close(q);
    return err;
}

int discovery_query_send(struct discovery_query *q)
{
    long n = sys_sendto(q->s, query_magic, sizeof query_magic, q->to, q->port);
    return n < 0 ? (int)n : SYS_OK;
}

int discovery_query_poll(struct discovery_query *q, struct discovery_game *g)
{
    uint8_t buf[DISCOVERY_RECV_MAX];

    for (;;) {
        long n = sys_recvfrom(q->s, buf, sizeof buf, g->host, sizeof g->host, NULL);
        if (n == SYS_E_AGAIN)
            return 0;
        /* A reset here is an ICMP "port unreachable" for an earlier query
         * (Windows reports those on UDP sockets): nobody listened there. */
        if (n == SYS_E_INTR || n == SYS_E_RESET || n == SYS_E_CONNREFUSED)
            continue;
        if (n < 0)
            return (int)n;
        if (discovery_decode_answer(buf, (size_t)n, &g->a) == PROTO_OK)
            return 1;
        /* Anything else on our port is not an answer: skip it. */
    }
}

void discovery_query_close(struct discovery_query *q)
{
    if (q == NULL)
        return;
    sys_close(q->s);
    free(q);
}
