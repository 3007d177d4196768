/*
 * Between the host core (host_core.c) and its I/O backends (host_uring.c,
 * host_epoll.c, host_iocp.c). A backend only does I/O: it accepts, receives
 * into the buffer the core names, sends the buffer the core hands it, and
 * reports each completion to the core. The core decides what bytes mean.
 *
 * Completion model (IOCP's, which the other backends copy): per connection
 * at most one receive and at most one send are outstanding; each holds a
 * reference on the connection; the last reference dropped closes the socket
 * and frees the slot. A backend reports to the core on the worker thread
 * that owns the completion, then calls core_after_batch once per batch of
 * completions so that each connection gets one send per batch.
 */
#ifndef PAWN_NET_HOST_INTERNAL_H
#define PAWN_NET_HOST_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "host.h"
#include "reasm.h"
#include "sys.h"

struct host;
struct worker;
struct conn;

/* A backend's send returns bytes sent now (>= 0), HOST_IO_PENDING when the
 * completion will come later through core_on_send, or a SYS_E_*. */
#define HOST_IO_PENDING (-1)

struct host_backend {
    const char *name;
    int (*probe)(void);               /* 0 when this machine allows it */
    int (*init)(struct host *h);      /* its state, after the listen socket */
    void (*run)(struct worker *w);    /* the worker loop, until host_stopping */
    void (*wake)(struct worker *w);   /* async-signal-safe */
    void (*fini)(struct host *h);     /* after every worker has returned, or after
                                       * init failed (undoes what init did) */
    long (*send)(struct worker *w, struct conn *c, const uint8_t *buf, size_t len);
    /* Optional: the core is about to drop the receive's reference. */
    void (*recv_done)(struct worker *w, struct conn *c);
};

extern const struct host_backend host_backend_uring; /* Linux */
extern const struct host_backend host_backend_epoll; /* Linux */
extern const struct host_backend host_backend_iocp;  /* Windows */

/* The backend this platform runs for kind (HOST_BACKEND_AUTO: its
 * default), probed; NULL with *err set (and a log line) when this build or
 * machine cannot run it. One file per platform defines it
 * (host_backends_posix.c, host_backends_win32.c), so that the core names
 * no backend and needs no #ifdef. */
const struct host_backend *host_backend_pick(enum host_backend_kind kind, int *err);

struct worker {
    struct host *h;
    int index;
    sys_thread thread;
    void *be; /* the backend's per-worker state */
    /* Output waiting to go out (host_core.c, "Send queues" says who owns
     * what): connections in the order their output began, each held until
     * it is due (a ring of max_slots), and connections whose own request
     * this batch answered, sent at its end (two lists: the one being sent
     * and the one filling). Each entry holds a reference on its connection. */
    struct waiting {
        struct conn *c;
        uint64_t since_us;
    } *waiting;
    size_t wait_head, nwaiting;
    struct conn **answered, **answering;
    size_t nanswered;
    /* Connections to drop for cause once the world lock is released. */
    struct conn **drops;
    size_t ndrops;
    uint64_t next_tick_ms;
    /* Pacing: packets this worker queued in the current window, their
     * rate, and how long output is held now. */
    uint64_t pace_from_us, pace_packets;
    double pace_rate;
    uint32_t hold_us;
    uint64_t packets, sends; /* for the line at stop */
};

/* The parts of host the backends read. */
int host_listen_socket(const struct host *h);
int host_worker_count(const struct host *h);
struct worker *host_worker(struct host *h, int i);
int host_stopping(const struct host *h);
void *host_backend_data(struct host *h);
void host_set_backend_data(struct host *h, void *p);

/* A new socket from accept (the core owns it from here). Returns the
 * connection, holding one reference for the receive the backend must now
 * post; or NULL when the core refused it (and closed the socket). */
struct conn *core_on_accept(struct worker *w, sys_socket s, const char *peer);
/* Accept failed with err: out of descriptors or memory, the core refuses
 * what waits at bounded cost and pauses accepting (host_core.c,
 * "Accepting"). */
void core_on_accept_error(struct worker *w, int err);
/* 1 while accepting is paused: a backend neither posts nor waits for an
 * accept then, and looks again after the next core_after_batch (whose
 * timeout ends no later than the pause, and which a closing connection
 * cuts short with a wake). */
int core_accept_paused(struct worker *w);

/* Where the next receive goes. */
uint8_t *core_recv_space(struct conn *c, size_t *room);
/* A receive completed with n bytes (> 0), 0 for an orderly close or a
 * SYS_E_*. Returns 1 when the backend must post the next receive; 0 when the
 * receive's reference is gone (do not touch c again). */
int core_on_recv(struct worker *w, struct conn *c, long n);
/* A send completed with n bytes (>= 0) or a SYS_E_*. Do not touch c after. */
void core_on_send(struct worker *w, struct conn *c, long n);
/* End of a batch: drops, then one send per dirty connection (or, with a
 * send tick, at the next tick), then the housekeeping (the login timeout).
 * A backend calls it after every batch and waits for completions at most
 * the milliseconds it returns. */
int core_after_batch(struct worker *w);
#define HOST_TICK_MS 1000
/* The longest the pacing holds output that no request of its receiver's
 * caused (host_core.c, "Send queues"). */
#define HOST_HOLD_MAX_MS 100

/* Identity of a connection for stale-event checks: slot | generation<<32. */
uint64_t core_conn_tag(const struct conn *c);
/* The connection a tag names, or NULL when the slot moved on. */
struct conn *core_conn_from_tag(struct host *h, uint64_t tag);
sys_socket core_conn_socket(const struct conn *c);
/* The connection's slot, 0..host_max_slots()-1: a backend that keeps state
 * of its own per connection keeps it in an array indexed by slot (as
 * redis's backends keep theirs in aeApiState), allocated in init. */
uint32_t core_conn_slot(const struct conn *c);
uint32_t host_max_slots(const struct host *h);

#endif
