/*
 * What the three benchmark peers (bench/peer_threads.c, peer_select.c,
 * peer_uv.c) share, so that they differ only in their I/O model:
 *
 * - the command line: peer_X [--port N] [--board WxH] [--view R]
 *   [--max-players N] [--send-bound BYTES] [--log];
 * - the game and the protocol session: the host's own (net/rules/world.c,
 *   net/rules/session.c), not copies: first packet CS_LOGIN, a refused
 *   login or a logout closes once the answer is sent, bad input closes that
 *   one connection with one log line;
 * - a connection whose unsent bytes pass the send bound is dropped (others
 *   see SC_REMOVE_PLAYER why 2);
 * - one output buffer per connection that the world's emit appends to, so
 *   each model writes everything a connection got in one batch with one
 *   send (coalescing).
 *
 * Who owns what: every peer_conn field except `rx` and the model's own data
 * belongs to whoever holds the world (one mutex in peer_threads, the only
 * thread in the other two); `out`, `out_len` and `inflight` are also under
 * `out_lock` when the model sets one (peer_threads: its writer thread takes
 * the buffer without the world lock). `rx` belongs to the thread reading
 * the connection.
 */
#ifndef PAWN_BENCH_PEER_COMMON_H
#define PAWN_BENCH_PEER_COMMON_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "reasm.h"
#include "session.h"
#include "sys.h"
#include "world.h"

#define PEER_DEFAULT_SEND_BOUND (64u * 1024u) /* the host's default */
#define PEER_EXIT_USAGE 2
#define PEER_EXIT_RUNTIME 1

struct peer_opts {
    uint16_t port;
    uint16_t board_w, board_h;
    uint16_t view;        /* 0: the whole board */
    uint32_t max_players;
    uint32_t send_bound;  /* unsent bytes a connection may have */
    int log;              /* --log: one line per join and leave */
};

/*
 * Parses argv (argv[0] is the program). Returns 0, PEER_EXIT_USAGE after
 * one line on stderr, or -1 when --help was printed (exit 0).
 */
int peer_parse_args(const char *prog, int argc, char **argv, struct peer_opts *o);

struct peer;

struct peer_conn {
    uint32_t slot;
    int open;          /* a client holds this slot */
    int closing;       /* close decided: nothing more is dispatched or queued */
    int linger;        /* logout or refused login: close once output is sent */
    int dirty;         /* the model has it on a flush list / was woken */
    int drop_queued;
    const char *drop_why;
    struct session ses; /* the peer's address is ses.peer */

    struct reasm rx;   /* the reading thread's */

    pthread_mutex_t *out_lock; /* NULL in the single-threaded peers */
    uint8_t *out;      /* queued, not yet handed to a send */
    uint32_t out_len, out_cap;
    uint32_t inflight; /* handed to a send that has not completed */

    void *model;       /* the model's per-connection data */
};

struct peer_hooks {
    /* c got output while not dirty: the model flushes it once later (after
     * the current batch), and clears c->dirty when it takes the output. */
    void (*dirty)(struct peer *p, struct peer_conn *c);
    /* c must close now (the world is held). The player already left the
     * world; the model shuts the socket and frees the slot when safe. */
    void (*close)(struct peer *p, struct peer_conn *c);
};

struct peer {
    struct peer_opts o;
    const char *prog;
    struct world *world;
    struct peer_conn *conns; /* max_slots, allocated once */
    uint32_t max_slots;
    uint32_t *free_slots;    /* a stack of free slot numbers */
    uint32_t nfree;
    uint32_t *drops;         /* slots queued for a drop (emit cannot call the world) */
    uint32_t ndrops;
    struct session_game game;
    struct peer_hooks hooks;
    void *model;
};

/*
 * Allocates the world and max_slots connections for o->max_players (plus a
 * few slots for connections still logging in), after fitting max_players
 * into slot_cap (the model's own connection limit) and the open-file limit
 * (raised to its maximum); a cap is logged. Returns 0 or a SYS_E_*. Free
 * with peer_fini.
 */
int peer_init(struct peer *p, const char *prog, const struct peer_opts *o, uint32_t slot_cap,
              const struct peer_hooks *hooks);
void peer_fini(struct peer *p);

/* One line on stderr with a time stamp, written at once. */
void peer_log(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A free slot (reset: open, rx empty, out empty), or NULL when the table is
 * full. World held. */
struct peer_conn *peer_conn_take(struct peer *p, const char *peer);
/* Gives a closed slot back (its socket is closed). World held. */
void peer_conn_release(struct peer *p, struct peer_conn *c);

enum peer_result { PEER_GO_ON = 0, PEER_LINGER = 1, PEER_CLOSED = -1 };

/*
 * Dispatches every whole packet in c->rx (the caller committed the bytes).
 * World held. PEER_GO_ON: read on. PEER_LINGER: a logout or refused login;
 * the model ignores further input and closes c once its output is sent
 * (peer_close with REMOVE_LEFT). PEER_CLOSED: bad input; c was closed (one
 * log line, others see why 2). Drops it caused are carried out.
 */
int peer_dispatch(struct peer *p, struct peer_conn *c);

/*
 * Closes c once: the player leaves the world (others in view get
 * SC_REMOVE_PLAYER why), hooks.close runs, and any slow reader that the
 * notices pushed over its bound is dropped too. World held.
 */
void peer_close(struct peer *p, struct peer_conn *c, uint8_t why, const char *reason);

/* SC_LOGIN_FAIL 1 on a fresh socket, best effort, then close it. */
void peer_refuse(sys_socket s);

/* The listening socket on 127.0.0.1 and the line scripts wait for. */
int peer_listen(struct peer *p, sys_socket *out, uint16_t *port);
void peer_print_listening(uint16_t port);

#endif
