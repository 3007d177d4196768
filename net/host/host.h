/*
 * The host: a game server that runs inside the game process (GUI host) or
 * alone (pawnparty host --headless). It owns its threads; start it, read
 * its port, stop it from any thread (or a signal handler), then destroy it.
 */
#ifndef PAWN_NET_HOST_H
#define PAWN_NET_HOST_H

#include <stdint.h>

enum host_backend_kind {
    HOST_BACKEND_AUTO = 0, /* io_uring if the kernel allows it, else epoll */
    HOST_BACKEND_URING,
    HOST_BACKEND_EPOLL,
    HOST_BACKEND_IOCP,
};

struct host_cfg {
    const char *bind_addr;     /* NULL: all IPv4 addresses */
    uint16_t port;             /* 0: any free port */
    const char *name;          /* the game's name (discovery), may be NULL */
    uint16_t board_w, board_h; /* default 8x8 */
    uint16_t view;             /* 0: whole board */
    uint32_t max_players;      /* default 10 */
    int threads;               /* 0: one per core */
    enum host_backend_kind backend;
    uint32_t send_bound;       /* unsent bytes per connection before a drop; 0: default */
    uint32_t login_timeout;    /* seconds a connection may take to log in; 0: default 10 */
    /* When output goes out. 0 (the default): paced by load (host_core.c,
     * "Send queues"): at the end of every batch while the host is quiet,
     * held up to 100 ms as it gets busy, a client's own answers at once.
     * 1: send_tick_ms fixes it: all output waits up to that long (0: the
     * end of every batch). */
    int send_tick_fixed;
    uint32_t send_tick_ms;
    int no_input_limit;        /* 1: no per-player move and chat budgets (benchmarks) */
};

struct host;

/* Binds, starts the worker threads and returns 0 with *out set, or a
 * negative SYS_E_* (SYS_E_ADDRINUSE for a port in use). The caller frees the
 * host with host_destroy after host_stop. */
int host_start(const struct host_cfg *cfg, struct host **out);

uint16_t host_port(const struct host *h);
const char *host_backend_name(const struct host *h);
const char *host_backend_kind_name(enum host_backend_kind kind);
int host_backend_parse(const char *s, enum host_backend_kind *out);

/* Asks the host to stop; returns at once. Safe from any thread. */
void host_stop(struct host *h);

/* Waits for the workers to finish (after host_stop), closes every
 * connection and frees everything. */
void host_destroy(struct host *h);

/* One line to the host log (stderr), with a time stamp. Never waits for
 * stderr: a thread of its own writes the lines (host_log.c says how lines
 * are dropped and folded when they come faster than stderr takes them). */
void host_log(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
