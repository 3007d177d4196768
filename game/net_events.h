/*
 * The bridge from the client's network thread to the render loop: every
 * callback becomes an SDL user event, so the render loop reads the network
 * with the rest of its input and never waits on a socket.
 *
 *   net_event_packet: user.code = session, user.data1 = a malloc'd copy of
 *                     the struct proto_msg (the render loop frees it with
 *                     net_event_free)
 *   net_event_closed: user.code = session, user.data2 = the error
 *                     (intptr_t; 0, a SYS_E_* or a PROTO_E_*), user.data1 =
 *                     for PROTO_E_RULES the rule the host broke (an
 *                     SDL_strdup'd string; net_event_free frees it), else NULL
 *
 * A session number tells one connection's events from the next one's:
 * after the player leaves, late events of the old connection are dropped.
 * At most a few thousand of our events wait in SDL's queue at once (the
 * network thread waits for room), so a flooding host can neither fill the
 * queue past the keyboard and SDL_QUIT nor make a frame's work unbounded.
 */
#ifndef PAWN_GAME_NET_EVENTS_H
#define PAWN_GAME_NET_EVENTS_H

#include <SDL.h>
#include <stdint.h>

#include "client.h"
#include "host.h"

extern Uint32 net_event_packet, net_event_closed;

/* Registers the two event types (once per process). 0 or -1. */
int net_events_init(void);

/* client_start with callbacks that post events tagged with session; from
 * now on only that session's events are posted. */
int net_connect(const char *host, uint16_t port, const char *name, int timeout_ms, Sint32 session,
                struct client **out);

/* The window gave its connection up: its events are dropped from now on,
 * not posted (so its network thread never waits for room to post them). */
void net_events_forget(void);

/* Frees what an event of ours carries, and counts it out of the queue (see
 * NET_QUEUED_MAX in net_events.c); harmless for any other event. Every
 * event of ours taken from the queue must go through here once. */
void net_event_free(SDL_Event *e);

/* Drains every queued event of ours (before SDL_Quit), freeing payloads. */
void net_events_flush(void);

/*
 * Ends a game without blocking the render loop: on a helper thread,
 * client_stop(c) (CS_LOGOUT, join its thread), then, when hosting,
 * host_stop(h) + host_destroy(h) - the host after our own client, so our
 * goodbye reaches it. Either may be NULL.
 */
void net_stop_async(struct client *c, struct host *h);

/* Waits up to timeout_ms for every net_stop_async to finish; returns 1
 * when all did. The render loop calls it before hosting again (the old
 * host must let go of its port) and before exit, when every queued
 * network event is stale: it drops them (net_events_flush) while it
 * waits. */
int net_wait_stopped(uint32_t timeout_ms);

#endif
