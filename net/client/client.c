/*
 * A client connection on its own network thread (client.h): the part
 * every platform shares. The platform file (client_poll.c, client_wsa.c)
 * only waits for the socket and for wakes; see client_internal.h.
 *
 * Who owns what:
 *
 *   set by client_start, then read-only     host, port, name, callbacks,
 *                                           the loop, the lock
 *   the owner's threads and the network     `queued`: packets encoded by
 *   thread, under `lock`                    client_move/chat, not yet taken;
 *                                           `stop_asked`
 *   _Atomic, any thread                     logged_in, closed
 *   the network thread alone                the socket, the reassembly
 *                                           buffer, `sending`
 *
 * The outgoing path: an owner thread encodes a packet, appends it to
 * `queued` under the lock and wakes the loop. The network thread swaps
 * `queued` with its empty `sending` buffer under the lock (a pointer swap,
 * no copy while others wait) and then sends without holding anything, so a
 * slow send never blocks the render loop. CS_LOGIN is the first packet
 * queued, so everything the owner queues while the connect is still going
 * on is sent after it, in order.
 *
 * The connection ends in exactly one place, at the end of client_main,
 * which closes the socket and then calls on_closed: once, last.
 */
#include "client.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "mirror.h"
#include "reasm.h"
#include "sys.h"

/* Bytes the owner may queue before the network thread takes them. A host
 * that stops reading makes client_move fail (SYS_E_AGAIN) rather than make
 * this process's memory grow without end. */
#define CLIENT_QUEUE_MAX 65536
/* How long client_stop lets CS_LOGOUT go out and waits for the host to
 * close (so that our close is a FIN, not an RST that could overtake it). */
#define CLIENT_BYE_MS 1000
#define CLIENT_HOST_MAX 256
/* client_run's "the owner asked to stop": not an error, so not negative. */
#define CLIENT_STOPPED 1

struct client {
    /* Read-only after client_start. */
    char host[CLIENT_HOST_MAX];
    uint16_t port;
    int connect_timeout_ms;
    struct client_callbacks cb;
    struct client_loop *loop;
    sys_mutex lock;
    sys_thread thread;

    /* Guarded by lock. */
    uint8_t *queued;
    size_t queued_len;
    int stop_asked;

    _Atomic int logged_in; /* SC_LOGIN_OK arrived */
    _Atomic int closed;    /* the network thread has finished */

    /* The network thread's alone. */
    sys_socket s;
    struct reasm rs;
    struct mirror mirror; /* what the host told us, to check what it tells next */
    const char *broken;   /* the rule the host broke (PROTO_E_RULES) */
    uint8_t *sending;
    size_t send_off, send_len;
};

/* ------------------------------------------------------------------------
 * The outgoing queue (any thread)
 * ---------------------------------------------------------------------- */

/* Appends one encoded packet: 0, SYS_E_CLOSED once the connection is gone
 * or stopping, SYS_E_AGAIN when the queue is full. */
static int client_queue_bytes(struct client *c, const uint8_t *pkt, size_t n)
{
    int err = SYS_OK;

    sys_mutex_lock(&c->lock);
    if (c->stop_asked || atomic_load(&c->closed))
        err = SYS_E_CLOSED;
    else if (c->queued_len + n > CLIENT_QUEUE_MAX)
        err = SYS_E_AGAIN;
    else {
        memcpy(c->queued + c->queued_len, pkt, n);
        c->queued_len += n;
    }
    sys_mutex_unlock(&c->lock);
    if (err == SYS_OK)
        client_loop_wake(c->loop);
    return err;
}

static int client_queue_msg(struct client *c, const struct proto_msg *m)
{
    uint8_t pkt[PROTO_MAX_PACKET];
    int n = proto_encode(m, pkt);
    if (n < 0)
        return n;
    return client_queue_bytes(c, pkt, (size_t)n);
}

int client_move(struct client *c, uint8_t dir)
{
    struct proto_msg m = {.type = CS_MOVE};

    if (dir > DIR_RIGHT)
        return PROTO_E_DIR;
    m.u.move.dir = dir;
    /* Opaque to the host, echoed back: the owner can measure the delay. */
    m.u.move.move_time = (uint32_t)sys_now_ms();
    return client_queue_msg(c, &m);
}

int client_chat(struct client *c, const char *text, size_t len)
{
    struct proto_msg m = {.type = CS_CHAT};

    if (text == NULL || len == 0 || len > PROTO_TEXT_MAX)
        return PROTO_E_TEXT;
    memcpy(m.u.chat.text, text, len);
    m.u.chat.len = (uint8_t)len;
    return client_queue_msg(c, &m); /* proto_encode checks the UTF-8 */
}

/* ------------------------------------------------------------------------
 * The network thread: sending
 * ---------------------------------------------------------------------- */

/* When `sending` is empty, takes everything queued (a swap of buffers). */
static void client_take_queued(struct client *c)
{
    uint8_t *spare;

    if (c->send_off < c->send_len)
        return;
    sys_mutex_lock(&c->lock);
    spare = c->sending;
    c->sending = c->queued;
    c->send_len = c->queued_len;
    c->queued = spare;
    c->queued_len = 0;
    sys_mutex_unlock(&c->lock);
    c->send_off = 0;
}

/* Sends what it can of `sending` without waiting: 0 (all sent, or the
 * socket is full and the rest waits for CLIENT_EV_WRITE), or a SYS_E_*. */
static int client_flush(struct client *c)
{
    while (c->send_off < c->send_len) {
        long n = sys_send(c->s, c->sending + c->send_off, c->send_len - c->send_off);
        if (n == SYS_E_AGAIN)
            return SYS_OK;
        if (n < 0)
            return (int)n;
        c->send_off += (size_t)n;
    }
    c->send_off = c->send_len = 0;
    return SYS_OK;
}

static int client_has_unsent(const struct client *c)
{
    return c->send_off < c->send_len;
}

/* ------------------------------------------------------------------------
 * The network thread: receiving
 * ---------------------------------------------------------------------- */

/* The host's packet against the protocol: 0, PROTO_E_RULES (c->broken
 * says which rule), or SYS_E_NOMEM. */
static int client_check(struct client *c, const struct proto_msg *m)
{
    int answered = c->mirror.logged_in || c->mirror.fail_reason;
    if (!answered && m->type != SC_LOGIN_OK && m->type != SC_LOGIN_FAIL)
        c->broken = "a packet before the answer to CS_LOGIN";
    else if (c->mirror.fail_reason)
        c->broken = "a packet after SC_LOGIN_FAIL";
    else if (mirror_apply(&c->mirror, m) == -2)
        return SYS_E_NOMEM;
    else
        c->broken = c->mirror.why;
    return c->broken ? PROTO_E_RULES : 0;
}

/* Hands every whole packet in the reassembly buffer to on_packet: 0, or a
 * PROTO_E_* when the host's bytes break the protocol. */
static int client_deliver(struct client *c)
{
    for (;;) {
        const uint8_t *pkt;
        size_t size;
        struct proto_msg m;
        int r = reasm_next(&c->rs, PROTO_TO_CLIENT, &pkt, &size);
        if (r <= 0)
            return r;
        r = proto_decode(PROTO_TO_CLIENT, pkt, size, &m);
        if (r < 0)
            return r;
        r = client_check(c, &m);
        if (r < 0)
            return r;
        if (m.type == SC_LOGIN_OK)
            atomic_store(&c->logged_in, 1);
        c->cb.on_packet(c->cb.ctx, &m);
    }
}

/* One receive on a readable socket: 0, or why the connection ended. */
static int client_read(struct client *c)
{
    size_t room;
    uint8_t *p = reasm_space(&c->rs, &room);
    long n = sys_recv(c->s, p, room);

    if (n == SYS_E_AGAIN || n == SYS_E_INTR)
        return SYS_OK;
    if (n < 0)
        return (int)n; /* SYS_E_CLOSED, SYS_E_RESET, ... */
    reasm_commit(&c->rs, (size_t)n);
    return client_deliver(c);
}

/* ------------------------------------------------------------------------
 * The network thread: the loop, stopping, and the thread itself
 * ---------------------------------------------------------------------- */

static int client_stop_asked(struct client *c)
{
    int asked;
    sys_mutex_lock(&c->lock);
    asked = c->stop_asked;
    sys_mutex_unlock(&c->lock);
    return asked;
}

/* Until the connection ends (a negative error) or the owner asks to stop
 * (CLIENT_STOPPED). Sends are tried at once; only what the kernel did not
 * take makes the loop wait for CLIENT_EV_WRITE. */
static int client_run(struct client *c)
{
    for (;;) {
        int fired, err;

        if (client_stop_asked(c))
            return CLIENT_STOPPED;
        client_take_queued(c);
        err = client_flush(c);
        if (err < 0)
            return err;
        fired = client_loop_wait(c->loop, c->s, CLIENT_EV_READ | (client_has_unsent(c) ? CLIENT_EV_WRITE : 0), -1);
        if (fired < 0)
            return fired;
        if (fired & CLIENT_EV_READ) {
            err = client_read(c);
            if (err < 0)
                return err;
        }
    }
}

static int ms_left(uint64_t deadline)
{
    uint64_t now = sys_now_ms();
    return now >= deadline ? 0 : (int)(deadline - now);
}

/* Sends all of `sending` by the deadline: 0, or a SYS_E_*. */
static int client_send_all(struct client *c, uint64_t deadline)
{
    for (;;) {
        int err = client_flush(c);
        if (err < 0 || !client_has_unsent(c))
            return err;
        if (ms_left(deadline) == 0)
            return SYS_E_TIMEDOUT;
        err = client_loop_wait(c->loop, c->s, CLIENT_EV_WRITE, ms_left(deadline));
        if (err < 0)
            return err;
    }
}

/* Reads and drops everything until the host closes, or the deadline. The
 * owner has asked to stop, so nothing more goes to on_packet. */
static void client_wait_eof(struct client *c, uint64_t deadline)
{
    uint8_t scratch[PROTO_MAX_PACKET + 1];

    while (ms_left(deadline) > 0) {
        int fired = client_loop_wait(c->loop, c->s, CLIENT_EV_READ, ms_left(deadline));
        long n;
        if (fired < 0)
            return;
        if (!(fired & CLIENT_EV_READ))
            continue;
        n = sys_recv(c->s, scratch, sizeof scratch);
        if (n < 0 && n != SYS_E_AGAIN && n != SYS_E_INTR)
            return; /* SYS_E_CLOSED: the host has read our logout */
    }
}

/* client_stop's leaving: what the owner queued before client_stop, then
 * CS_LOGOUT (when logged in), then the host's close. */
static void client_say_goodbye(struct client *c)
{
    uint64_t deadline = sys_now_ms() + CLIENT_BYE_MS;
    struct proto_msg logout = {.type = CS_LOGOUT};
    int n;

    if (!atomic_load(&c->logged_in))
        return;
    /* stop_asked is set, so nothing more can be queued after this take. */
    if (client_send_all(c, deadline) < 0)
        return;
    client_take_queued(c);
    if (client_send_all(c, deadline) < 0)
        return;
    n = proto_encode(&logout, c->sending); /* sending is empty here */
    if (n < 0)
        return;
    c->send_off = 0;
    c->send_len = (size_t)n;
    if (client_send_all(c, deadline) < 0)
        return;
    client_wait_eof(c, deadline);
}

static int client_connect(struct client *c)
{
    int err = sys_connect(c->host, c->port, c->connect_timeout_ms, &c->s);
    if (err != SYS_OK)
        return err;
    /* Nonblocking: a full socket must never stop the loop from reading
     * (or from seeing client_stop). */
    return sys_set_nonblock(c->s, 1);
}

static void client_main(void *arg)
{
    struct client *c = arg;
    int err = client_connect(c);

    if (err == SYS_OK)
        err = client_run(c);
    if (err == CLIENT_STOPPED) {
        client_say_goodbye(c);
        err = SYS_OK;
    }
    sys_close(c->s);
    c->s = SYS_BAD_SOCKET;
    atomic_store(&c->closed, 1);
    c->cb.on_closed(c->cb.ctx, err, err == PROTO_E_RULES ? c->broken : NULL);
}

/* ------------------------------------------------------------------------
 * Starting and stopping (the owner)
 * ---------------------------------------------------------------------- */

static void client_free(struct client *c)
{
    client_loop_close(c->loop);
    sys_mutex_destroy(&c->lock);
    mirror_free(&c->mirror);
    free(c->queued);
    free(c->sending);
    free(c);
}

static int client_check_args(const char *host, const char *name, const struct client_callbacks *cb,
                             struct client **out, uint8_t raw_name[PROTO_NAME_LEN])
{
    if (host == NULL || strlen(host) >= CLIENT_HOST_MAX || cb == NULL || cb->on_packet == NULL ||
        cb->on_closed == NULL || out == NULL)
        return SYS_E_INVAL;
    if (name == NULL)
        return PROTO_E_NAME;
    return proto_name_pack(name, raw_name);
}

/* Everything but the thread: the buffers, the lock, the loop and CS_LOGIN
 * as the first queued packet. */
static int client_alloc(const char *host, uint16_t port, const uint8_t raw_name[PROTO_NAME_LEN],
                        int connect_timeout_ms, const struct client_callbacks *cb, struct client **out)
{
    struct proto_msg login = {.type = CS_LOGIN, .u.login.version = PROTO_VERSION};
    struct client *c = calloc(1, sizeof *c);
    int err = SYS_E_NOMEM;

    if (c == NULL)
        return SYS_E_NOMEM;
    c->s = SYS_BAD_SOCKET;
    strcpy(c->host, host);
    c->port = port;
    c->connect_timeout_ms = connect_timeout_ms;
    c->cb = *cb;
    sys_mutex_init(&c->lock);
    reasm_init(&c->rs);
    mirror_init(&c->mirror);
    c->queued = malloc(CLIENT_QUEUE_MAX);
    c->sending = malloc(CLIENT_QUEUE_MAX);
    if (c->queued == NULL || c->sending == NULL)
        goto fail;
    if ((err = client_loop_open(&c->loop)) != SYS_OK)
        goto fail;
    memcpy(login.u.login.name, raw_name, PROTO_NAME_LEN);
    if ((err = client_queue_msg(c, &login)) != SYS_OK)
        goto fail;
    *out = c;
    return SYS_OK;
fail:
    client_free(c);
    return err;
}

int client_start(const char *host, uint16_t port, const char *name, int connect_timeout_ms,
                 const struct client_callbacks *cb, struct client **out)
{
    uint8_t raw_name[PROTO_NAME_LEN];
    struct client *c;
    int err = client_check_args(host, name, cb, out, raw_name);

    if (err != SYS_OK)
        return err;
    err = client_alloc(host, port, raw_name, connect_timeout_ms, cb, &c);
    if (err != SYS_OK)
        return err;
    err = sys_thread_start(&c->thread, client_main, c);
    if (err != SYS_OK) {
        client_free(c);
        return err;
    }
    *out = c;
    return SYS_OK;
}

const char *client_strerror(int err)
{
    return err < 0 && err > SYS_E_AGAIN ? proto_strerror(err) : sys_strerror(err);
}

void client_stop(struct client *c)
{
    if (c == NULL)
        return;
    sys_mutex_lock(&c->lock);
    c->stop_asked = 1;
    sys_mutex_unlock(&c->lock);
    client_loop_wake(c->loop);
    sys_thread_join(c->thread); /* on_closed has run when this returns */
    client_free(c);
}
