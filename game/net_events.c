/*
 * Client callbacks -> SDL user events, and stopping games off the render
 * thread.
 */
#include "net_events.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

Uint32 net_event_packet = (Uint32)-1, net_event_closed = (Uint32)-1;

/* Stoppers still running; the render loop waits for them at exit. */
static _Atomic int stoppers;
/* Events of ours in SDL's queue: pushed and not yet freed. */
static _Atomic int queued;
/* The session whose events are still wanted (-1: none). */
static _Atomic Sint32 live_session = -1;

int net_events_init(void)
{
    if (net_event_packet != (Uint32)-1)
        return 0;
    Uint32 base = SDL_RegisterEvents(2);
    if (base == (Uint32)-1)
        return -1;
    net_event_packet = base;
    net_event_closed = base + 1;
    return 0;
}

/* ======================================================================
 * Callbacks, on the network thread
 * ====================================================================== */

static Sint32 session_of(void *ctx)
{
    return (Sint32)(intptr_t)ctx;
}

/*
 * Posts e. At most NET_QUEUED_MAX of our events wait in SDL's queue at a
 * time: past that the network thread waits here, so it stops reading and
 * a host that floods us meets a slow reader (TCP holds the rest), while
 * SDL's queue keeps room for the keyboard, the mouse and SDL_QUIT, and the
 * render loop's work per frame stays bounded. An event of a session the
 * window has given up is dropped at once, so stopping never waits for
 * room. Gives up after PUSH_PATIENCE_MS (the render loop is stuck).
 */
#define NET_QUEUED_MAX 4096
#define PUSH_PATIENCE_MS 5000

static int push(SDL_Event *e)
{
    for (int waited = 0; waited < PUSH_PATIENCE_MS; waited++) {
        if (atomic_load(&live_session) != e->user.code)
            return -1; /* stale: nobody will read it */
        if (atomic_load(&queued) < NET_QUEUED_MAX) {
            atomic_fetch_add(&queued, 1);
            int rc = SDL_PushEvent(e);
            if (rc == 1)
                return 0;
            atomic_fetch_sub(&queued, 1);
            if (rc == 0)
                return -1; /* filtered out: waiting will not help */
        }
        SDL_Delay(1);
    }
    return -1;
}

static void on_packet(void *ctx, const struct proto_msg *m)
{
    struct proto_msg *copy = malloc(sizeof *copy);
    if (!copy)
        return; /* out of memory: the mirror notices the gap, if it matters */
    memcpy(copy, m, sizeof *copy);
    SDL_Event e;
    SDL_zero(e);
    e.type = net_event_packet;
    e.user.code = session_of(ctx);
    e.user.data1 = copy;
    if (push(&e) != 0)
        free(copy); /* never queued: nobody else will free it */
}

static void on_closed(void *ctx, int err, const char *detail)
{
    SDL_Event e;
    SDL_zero(e);
    e.type = net_event_closed;
    e.user.code = session_of(ctx);
    e.user.data1 = detail ? SDL_strdup(detail) : NULL;
    e.user.data2 = (void *)(intptr_t)err;
    if (push(&e) != 0)
        SDL_free(e.user.data1);
}

int net_connect(const char *host, uint16_t port, const char *name, int timeout_ms, Sint32 session,
                struct client **out)
{
    struct client_callbacks cb = { on_packet, on_closed, (void *)(intptr_t)session };
    atomic_store(&live_session, session);
    return client_start(host, port, name, timeout_ms, &cb, out);
}

void net_events_forget(void)
{
    atomic_store(&live_session, -1);
}

void net_event_free(SDL_Event *e)
{
    if (e->type == net_event_packet) {
        free(e->user.data1);
        e->user.data1 = NULL;
        atomic_fetch_sub(&queued, 1);
    } else if (e->type == net_event_closed) {
        SDL_free(e->user.data1);
        e->user.data1 = NULL;
        atomic_fetch_sub(&queued, 1);
    }
}

void net_events_flush(void)
{
    SDL_Event ev[64];
    int n;
    SDL_PumpEvents();
    while ((n = SDL_PeepEvents(ev, 64, SDL_GETEVENT, net_event_packet, net_event_closed)) > 0)
        for (int i = 0; i < n; i++)
            net_event_free(&ev[i]);
}

/* ======================================================================
 * Stopping off the render thread
 * ====================================================================== */

struct stop_job {
    struct client *c;
    struct host *h;
};

static void stop_now(struct client *c, struct host *h)
{
    if (c)
        client_stop(c);
    if (h) {
        host_stop(h);
        host_destroy(h);
    }
}

static int stop_main(void *arg)
{
    struct stop_job *j = arg;
    stop_now(j->c, j->h);
    free(j);
    atomic_fetch_sub(&stoppers, 1);
    return 0;
}

void net_stop_async(struct client *c, struct host *h)
{
    if (!c && !h)
        return;
    struct stop_job *j = malloc(sizeof *j);
    if (!j) { /* no memory for a helper: stop here and now */
        stop_now(c, h);
        return;
    }
    j->c = c;
    j->h = h;
    atomic_fetch_add(&stoppers, 1);
    SDL_Thread *t = SDL_CreateThread(stop_main, "pawn-stop", j);
    if (t)
        SDL_DetachThread(t);
    else
        stop_main(j);
}

int net_wait_stopped(uint32_t timeout_ms)
{
    Uint64 until = SDL_GetTicks64() + timeout_ms;
    while (atomic_load(&stoppers) > 0) {
        if (SDL_GetTicks64() >= until)
            return 0;
        /* A network thread may be waiting for room in the queue before it
         * can finish: make room (these events are all stale). */
        net_events_flush();
        SDL_Delay(2);
    }
    return 1;
}
