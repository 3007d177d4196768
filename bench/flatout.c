/*
 * flatout: ten players moving flat out, to measure what one host delivers.
 *
 *   flatout HOST:PORT [--players N] [--window W] [--seconds S]
 *
 * Each player logs in and keeps W moves in flight: every echo of its own
 * move releases the next one, so the host is never idle and never flooded
 * without bound. Every packet any player receives is counted: on the
 * default 8x8 board each move is one echo plus one SC_POSITION to each
 * other player, so packets/s is what the host actually delivered.
 * It prints one line: moves/s and packets/s over the measured seconds
 * (after a one-second warm-up).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "reasm.h"
#include "sys.h"

#define MAX_PLAYERS 64

struct player {
    sys_socket s;
    struct reasm rx;
    uint32_t id;
    int in_flight;
    unsigned dir;
    long echoes; /* own moves echoed, after the warm-up */
    int counting;
};

static long num_arg(int argc, char **argv, const char *name, long def)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return strtol(argv[i + 1], NULL, 10);
    return def;
}

static int send_moves(struct player *p, int n)
{
    uint8_t buf[64 * 7];
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        struct proto_msg m = {.type = CS_MOVE};
        m.u.move.dir = (uint8_t)(p->dir++ % 4);
        m.u.move.move_time = (uint32_t)sys_now_ms();
        len += (size_t)proto_encode(&m, buf + len);
    }
    /* Blocking socket: a short write here would only mean a full buffer. */
    for (size_t off = 0; off < len;) {
        long r = sys_send(p->s, buf + off, len - off);
        if (r < 0)
            return (int)r;
        off += (size_t)r;
    }
    p->in_flight += n;
    return 0;
}

static int login(struct player *p, const char *host, uint16_t port, int i)
{
    int err = sys_connect(host, port, 3000, &p->s);
    if (err)
        return err;
    reasm_init(&p->rx);
    struct proto_msg m = {.type = CS_LOGIN};
    m.u.login.version = PROTO_VERSION;
    char name[32];
    snprintf(name, sizeof name, "flatout-%d", i);
    proto_name_pack(name, m.u.login.name);
    uint8_t pkt[PROTO_MAX_PACKET];
    int n = proto_encode(&m, pkt);
    return sys_send(p->s, pkt, (size_t)n) == n ? 0 : SYS_E_RESET;
}

/* Reads what is there; returns packets received or a negative error. */
static long pump(struct player *p, int window)
{
    size_t room;
    uint8_t *space = reasm_space(&p->rx, &room);
    long r = sys_recv(p->s, space, room);
    if (r < 0)
        return r;
    reasm_commit(&p->rx, (size_t)r);
    long count = 0;
    int echoes = 0;
    const uint8_t *pkt;
    size_t size;
    int got;
    while ((got = reasm_next(&p->rx, PROTO_TO_CLIENT, &pkt, &size)) > 0) {
        struct proto_msg m;
        if (proto_decode(PROTO_TO_CLIENT, pkt, size, &m) != 0)
            return PROTO_E_TYPE;
        count++;
        if (m.type == SC_LOGIN_OK) {
            p->id = m.u.login_ok.id;
            echoes += window; /* start the window */
            p->in_flight += window;
        } else if (m.type == SC_LOGIN_FAIL) {
            return SYS_E_CLOSED;
        } else if (m.type == SC_POSITION && m.u.pos.id == p->id) {
            echoes++;
            p->echoes += p->counting;
        }
    }
    if (got < 0)
        return got;
    if (echoes) {
        p->in_flight -= echoes;
        int err = send_moves(p, echoes);
        if (err)
            return err;
    }
    return count;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fputs("usage: flatout HOST:PORT [--players N] [--window W] [--seconds S]\n", stderr);
        return 2;
    }
    sys_init();
    char host[256];
    uint16_t port;
    if (sys_parse_hostport(argv[1], host, sizeof host, &port, PROTO_DEFAULT_PORT) != 0) {
        fprintf(stderr, "flatout: bad address '%s'\n", argv[1]);
        return 2;
    }
    int n = (int)num_arg(argc, argv, "--players", 10);
    int window = (int)num_arg(argc, argv, "--window", 16);
    double seconds = (double)num_arg(argc, argv, "--seconds", 5);
    if (n < 1 || n > MAX_PLAYERS || window < 1 || window > 64 || seconds < 1) {
        fputs("flatout: --players 1..64, --window 1..64, --seconds >= 1\n", stderr);
        return 2;
    }
    static struct player pl[MAX_PLAYERS];
    struct pollfd pfd[MAX_PLAYERS];
    for (int i = 0; i < n; i++) {
        int err = login(&pl[i], host, port, i);
        if (err) {
            fprintf(stderr, "flatout: cannot join %s:%u: %s\n", host, port, sys_strerror(err));
            return 1;
        }
        pfd[i] = (struct pollfd){.fd = (int)pl[i].s, .events = POLLIN};
    }
    uint64_t start = sys_now_us(), warm = start + 1000000, end = warm + (uint64_t)(seconds * 1e6);
    long packets = 0, moves = 0;
    int counting = 0;
    for (uint64_t now = start; now < end; now = sys_now_us()) {
        if (poll(pfd, (nfds_t)n, 1000) < 0)
            continue;
        for (int i = 0; i < n; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            pl[i].counting = counting;
            long r = pump(&pl[i], window);
            if (r < 0) {
                fprintf(stderr, "flatout: player %d lost: %s\n", i, sys_strerror((int)r));
                return 1;
            }
            if (counting)
                packets += r;
        }
        counting = now >= warm;
    }
    for (int i = 0; i < n; i++)
        moves += pl[i].echoes;
    double secs = (double)(sys_now_us() - warm) / 1e6;
    printf("flatout: players=%d window=%d seconds=%.1f packets_per_s=%.0f moves_per_s=%.0f\n", n, window, secs,
           packets / secs, moves / secs);
    for (int i = 0; i < n; i++)
        sys_close(pl[i].s);
    return 0;
}
