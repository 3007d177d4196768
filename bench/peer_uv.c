/*
 * peer_uv: a libuv server, what a C programmer would pick instead of
 * writing backends (issue 5), written the way libuv is meant to be used.
 *
 * One loop thread. Each connection is a uv_tcp_t in a slot allocated once
 * at start. uv_read_start reads straight into the connection's reassembly
 * buffer (alloc_cb hands out reasm_space), read_cb dispatches every whole
 * packet (net/rules decides, peer_common.c appends the output to each
 * target's buffer and puts the target on the dirty list).
 *
 * Output is coalesced per loop iteration: a uv_check handle runs once
 * after each poll, when every read of the iteration has been handled, and
 * starts one uv_write per dirty connection with everything it got. A
 * buffer handed to uv_write belongs to libuv until its write callback (it
 * is swapped out of the append buffer, never touched meanwhile); at most
 * one write per connection is outstanding, and what arrives meanwhile is
 * written from the callback in one piece. Unsent bytes (queued plus in the
 * outstanding write) are bounded by the send bound; past it the client is
 * dropped.
 *
 * A slot is given back only in the handle's close callback, after libuv
 * has cancelled any outstanding write and is done with the handle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "peer_common.h"

struct uconn {
    uv_tcp_t tcp;       /* tcp.data = this */
    struct peer_conn *c;
    uv_write_t req;
    uint8_t *wbuf;      /* libuv's from uv_write until write_cb */
    uint32_t wcap;
    int writing;
    int handle_closing; /* uv_close called; released in on_closed */
};

struct upeer {
    struct peer p;
    uv_loop_t *loop;
    uv_tcp_t listener;
    uv_check_t flush;
    uv_signal_t sigint, sigterm;
    struct uconn *uc;   /* by slot */
    uint32_t *dirty;
    uint32_t ndirty;
    int stop_sig;
    uint32_t closed_at_stop;
};

static struct upeer U;

/* ======================================================================
 * Closing
 * ====================================================================== */

static void on_closed(uv_handle_t *h)
{
    struct uconn *uc = h->data;
    uc->handle_closing = 0;
    peer_conn_release(&U.p, uc->c);
}

static void uconn_close_handle(struct uconn *uc)
{
    if (uc->handle_closing)
        return;
    uc->handle_closing = 1;
    uv_close((uv_handle_t *)&uc->tcp, on_closed);
}

/* peer_common's close hook: the player has left the world. */
static void u_close(struct peer *p, struct peer_conn *c)
{
    uconn_close_handle(&U.uc[c->slot]);
}

static void u_dirty(struct peer *p, struct peer_conn *c)
{
    U.dirty[U.ndirty++] = c->slot;
}

/* ======================================================================
 * Writing
 * ====================================================================== */

static void flush_conn(struct uconn *uc);

static void on_written(uv_write_t *req, int status)
{
    struct uconn *uc = req->data;
    struct peer_conn *c = uc->c;
    uc->writing = 0;
    c->inflight = 0;
    if (status < 0) {
        /* UV_ECANCELED: the handle is closing already. */
        if (status != UV_ECANCELED && c->open && !c->closing) {
            if (status != UV_ECONNRESET && status != UV_EPIPE)
                peer_log(&U.p, "send to %s failed: %s", c->ses.peer, uv_strerror(status));
            peer_close(&U.p, c, REMOVE_LEFT, "connection lost");
        }
        return;
    }
    flush_conn(uc); /* what came in meanwhile, in one write */
}

/* Starts one write of everything queued, unless one is outstanding (its
 * callback comes back here). A lingering connection closes once all is
 * out. */
static void flush_conn(struct uconn *uc)
{
    struct peer_conn *c = uc->c;
    c->dirty = 0;
    if (!c->open || c->closing || uc->writing)
        return;
    if (c->out_len == 0) {
        if (c->linger)
            peer_close(&U.p, c, REMOVE_LEFT, "logout");
        return;
    }
    uint8_t *b = uc->wbuf;
    uint32_t cap = uc->wcap;
    uc->wbuf = c->out;
    uc->wcap = c->out_cap;
    uv_buf_t buf = uv_buf_init((char *)uc->wbuf, c->out_len);
    c->inflight = c->out_len;
    c->out = b;
    c->out_cap = cap;
    c->out_len = 0;
    uc->req.data = uc;
    int err = uv_write(&uc->req, (uv_stream_t *)&uc->tcp, &buf, 1, on_written);
    if (err) {
        c->inflight = 0;
        peer_close(&U.p, c, REMOVE_LEFT, "connection lost");
        return;
    }
    uc->writing = 1;
}

/* Once per loop iteration, after the reads it handled. */
static void on_check(uv_check_t *h)
{
    for (uint32_t i = 0; i < U.ndirty; i++)
        flush_conn(&U.uc[U.dirty[i]]);
    U.ndirty = 0;
}

/* ======================================================================
 * Reading
 * ====================================================================== */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct uconn *uc = h->data;
    size_t room;
    uint8_t *space = reasm_space(&uc->c->rx, &room);
    *buf = uv_buf_init((char *)space, (unsigned)room);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct uconn *uc = s->data;
    struct peer_conn *c = uc->c;
    if (n == 0 || !c->open || c->closing)
        return;
    if (n < 0) {
        if (n != UV_EOF && n != UV_ECONNRESET)
            peer_log(&U.p, "receive from %s failed: %s", c->ses.peer, uv_strerror((int)n));
        peer_close(&U.p, c, REMOVE_LEFT, n == UV_EOF ? "closed" : "connection lost");
        return;
    }
    reasm_commit(&c->rx, (size_t)n);
    peer_dispatch(&U.p, c);
}

/* ======================================================================
 * Accepting
 * ====================================================================== */

static void on_refused_closed(uv_handle_t *h)
{
    free(h);
}

/* No slot: accept anyway (libuv stops listening until we do), answer
 * SC_LOGIN_FAIL 1 and close. */
static void refuse(uv_stream_t *server)
{
    uv_tcp_t *t = malloc(sizeof *t);
    if (!t || uv_tcp_init(U.loop, t) != 0) {
        free(t);
        return;
    }
    if (uv_accept(server, (uv_stream_t *)t) == 0) {
        uint8_t fail[PROTO_MAX_PACKET];
        uv_buf_t b = uv_buf_init((char *)fail, (unsigned)session_encode_no_room(fail));
        (void)uv_try_write((uv_stream_t *)t, &b, 1);
    }
    uv_close((uv_handle_t *)t, on_refused_closed);
}

static void on_connection(uv_stream_t *server, int status)
{
    if (status < 0) {
        peer_log(&U.p, "accept: %s", uv_strerror(status));
        return;
    }
    struct peer_conn *c = peer_conn_take(&U.p, NULL);
    if (!c) {
        refuse(server);
        return;
    }
    struct uconn *uc = &U.uc[c->slot];
    uv_tcp_init(U.loop, &uc->tcp);
    uc->tcp.data = uc;
    uc->writing = 0;
    uc->handle_closing = 0;
    if (uv_accept(server, (uv_stream_t *)&uc->tcp) != 0) {
        c->closing = 1;
        uconn_close_handle(uc);
        return;
    }
    uv_tcp_nodelay(&uc->tcp, 1); /* output is coalesced already */
    struct sockaddr_storage sa;
    int len = sizeof sa;
    if (uv_tcp_getpeername(&uc->tcp, (struct sockaddr *)&sa, &len) == 0)
        sys_format_addr(&sa, c->ses.peer, sizeof c->ses.peer);
    int err = uv_read_start((uv_stream_t *)&uc->tcp, on_alloc, on_read);
    if (err) {
        peer_log(&U.p, "cannot read from %s: %s", c->ses.peer, uv_strerror(err));
        c->closing = 1;
        uconn_close_handle(uc);
    }
}

/* ======================================================================
 * Start and stop
 * ====================================================================== */

static void on_signal(uv_signal_t *h, int sig)
{
    if (U.stop_sig)
        return;
    U.stop_sig = sig;
    uv_close((uv_handle_t *)&U.listener, NULL);
    uv_close((uv_handle_t *)&U.flush, NULL);
    uv_close((uv_handle_t *)&U.sigint, NULL);
    uv_close((uv_handle_t *)&U.sigterm, NULL);
    /* Like the host: every connection is closed, nobody is told (all go). */
    for (uint32_t i = 0; i < U.p.max_slots; i++)
        if (U.p.conns[i].open && !U.uc[i].handle_closing) {
            U.p.conns[i].closing = 1;
            uconn_close_handle(&U.uc[i]);
            U.closed_at_stop++;
        }
}

static int u_alloc(void)
{
    U.uc = calloc(U.p.max_slots, sizeof *U.uc);
    U.dirty = calloc(U.p.max_slots, sizeof *U.dirty);
    if (!U.uc || !U.dirty)
        return SYS_E_NOMEM;
    for (uint32_t i = 0; i < U.p.max_slots; i++) {
        U.uc[i].c = &U.p.conns[i];
        U.p.conns[i].model = &U.uc[i];
    }
    return 0;
}

static void u_free(void)
{
    for (uint32_t i = 0; U.uc && i < U.p.max_slots; i++)
        free(U.uc[i].wbuf);
    free(U.uc);
    free(U.dirty);
}

int main(int argc, char **argv)
{
    struct peer_opts o;
    setvbuf(stderr, NULL, _IOLBF, 0);
    int rc = peer_parse_args("peer_uv", argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    sys_init();
    struct peer_hooks hooks = {.dirty = u_dirty, .close = u_close};
    if (peer_init(&U.p, "peer_uv", &o, 0, &hooks) != 0 || u_alloc() != 0) {
        fprintf(stderr, "peer_uv: out of memory\n");
        return PEER_EXIT_RUNTIME;
    }
    U.p.model = &U;
    U.loop = uv_default_loop();

    sys_socket ls;
    uint16_t port;
    if (peer_listen(&U.p, &ls, &port) != 0)
        return PEER_EXIT_RUNTIME;
    int err = uv_tcp_init(U.loop, &U.listener);
    if (!err)
        err = uv_tcp_open(&U.listener, (uv_os_sock_t)ls);
    if (!err)
        err = uv_listen((uv_stream_t *)&U.listener, 4096, on_connection);
    if (err) {
        fprintf(stderr, "peer_uv: cannot listen on port %u: %s\n", port, uv_strerror(err));
        return PEER_EXIT_RUNTIME;
    }
    uv_check_init(U.loop, &U.flush);
    uv_check_start(&U.flush, on_check);
    uv_signal_init(U.loop, &U.sigint);
    uv_signal_init(U.loop, &U.sigterm);
    uv_signal_start(&U.sigint, on_signal, SIGINT);
    uv_signal_start(&U.sigterm, on_signal, SIGTERM);

    peer_log(&U.p, "libuv %s, one loop thread, on port %u: board %ux%u, view %u, max players %u",
             uv_version_string(), port, o.board_w, o.board_h, o.view, U.p.o.max_players);
    peer_print_listening(port);

    uv_run(U.loop, UV_RUN_DEFAULT); /* returns once every handle is closed */

    peer_log(&U.p, "%s: stopped: closed %u connections", U.stop_sig == SIGINT ? "SIGINT" : "SIGTERM",
             U.closed_at_stop);
    err = uv_loop_close(U.loop);
    if (err)
        peer_log(&U.p, "loop close: %s", uv_strerror(err));
    u_free();
    peer_fini(&U.p);
    return U.stop_sig ? 0 : PEER_EXIT_RUNTIME;
}
