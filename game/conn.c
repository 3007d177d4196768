/*
 * The connection: joining, hosting, stopping, and the sentences for every
 * way a connection ends (conn.h).
 */
#include "conn.h"

#include <stdio.h>
#include <string.h>

#include "client.h"
#include "net_events.h"
#include "sys.h"

/* ======================================================================
 * Messages
 * ====================================================================== */

void conn_refused_text(const struct conn *c, uint8_t reason, char *out, size_t n)
{
    switch (reason) {
    case FAIL_FULL:
        snprintf(out, n, "Cannot join %s: game full. Try again when someone leaves.", c->target);
        break;
    case FAIL_VERSION:
        snprintf(out, n, "Cannot join %s: bad version (the host runs another version of Pawn Party).", c->target);
        break;
    case FAIL_NAME:
        snprintf(out, n, "Cannot join %s: bad name (the host refused \"%s\").", c->target, c->name);
        break;
    case FAIL_TAKEN:
        snprintf(out, n, "Cannot join %s: name taken (someone there is already called \"%s\").", c->target,
                 c->name);
        break;
    default:
        snprintf(out, n, "Cannot join %s: the host said no (reason %u).", c->target, reason);
        break;
    }
}

static void never_connected_text(const struct conn *c, int err, char *out, size_t n)
{
    switch (err) {
    case SYS_E_CONNREFUSED:
        snprintf(out, n, "Cannot join %s: connection refused (is a game running there?).", c->target);
        break;
    case SYS_E_TIMEDOUT:
        snprintf(out, n, "Cannot join %s: timed out (the host does not answer).", c->target);
        break;
    case SYS_E_UNREACH:
        snprintf(out, n, "Cannot join %s: host unreachable (check the address and the network).", c->target);
        break;
    case SYS_E_RESOLVE:
        snprintf(out, n, "Cannot join %s: no computer by that name.", c->target);
        break;
    case SYS_E_CLOSED:
    case SYS_E_RESET:
        snprintf(out, n, "Cannot join %s: the host closed the connection.", c->target);
        break;
    default:
        snprintf(out, n, "Cannot join %s: %s.", c->target, client_strerror(err));
        break;
    }
}

static void lost_text(const struct conn *c, int err, char *out, size_t n)
{
    if (err == SYS_E_CLOSED && c->game[0])
        snprintf(out, n, "The host %s at %s closed the game.", c->game, c->target);
    else if (err == SYS_E_CLOSED)
        snprintf(out, n, "The host at %s closed the game.", c->target);
    else if (err == SYS_E_RESET || err == SYS_E_TIMEDOUT || err == SYS_E_UNREACH)
        snprintf(out, n, "Connection lost: the link to %s broke (%s).", c->target, sys_strerror(err));
    else if (err > -100) /* a PROTO_E_*: the host's bytes broke the protocol */
        snprintf(out, n, "Connection lost: %s sent something this game cannot read (%s).", c->target,
                 proto_strerror(err));
    else
        snprintf(out, n, "Connection lost: %s.", client_strerror(err));
}

void conn_closed_text(const struct conn *c, int err, const char *detail, int logged_in, char *out, size_t n)
{
    if (err == PROTO_E_RULES)
        snprintf(out, n, "The host at %s sent an invalid packet: %s.", c->target, detail ? detail : "?");
    else if (logged_in)
        lost_text(c, err, out, n);
    else
        never_connected_text(c, err, out, n);
}

/* ======================================================================
 * Starting and stopping
 * ====================================================================== */

void conn_stop(struct conn *c)
{
    net_events_forget(); /* its network thread must not wait to post */
    net_stop_async(c->client, c->host);
    c->client = NULL;
    c->host = NULL;
    c->session++;
    c->connecting = 0;
}

/* Starts our client for c->name; the caller has stopped the last one. */
static int start_client(struct conn *c, const char *host, uint16_t port, uint64_t now, char *err, size_t errlen)
{
    snprintf(c->target, sizeof c->target, "%s:%u", host, port);
    int rc = net_connect(host, port, c->name, CONNECT_TIMEOUT_MS, c->session, &c->client);
    if (rc) {
        c->client = NULL;
        if (rc == PROTO_E_NAME)
            snprintf(err, errlen, "Cannot join %s: bad name.", c->target);
        else
            never_connected_text(c, rc, err, errlen);
        return -1;
    }
    c->connecting = 1;
    c->connect_ms = now;
    return 0;
}

int conn_join(struct conn *c, const char *name, const char *host, uint16_t port, const char *game, uint64_t now,
              char *err, size_t errlen)
{
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->game, sizeof c->game, "%s", game ? game : "");
    c->nlan = 0;
    return start_client(c, host, port, now, err, errlen);
}

/* Where players on the LAN can reach this host: its one bound address, or
 * every LAN address the interfaces have (up, not loopback, not
 * link-local). Asks the OS only; no packet is sent. */
static void find_lan(struct conn *c, const char *bind, uint16_t port)
{
    char addrs[CONN_LAN_MAX][SYS_ADDR_LEN];
    int n;
    if (strcmp(bind, "0.0.0.0") != 0) {
        snprintf(addrs[0], sizeof addrs[0], "%s", bind);
        n = strcmp(bind, "127.0.0.1") == 0 ? 0 : 1;
    } else {
        n = sys_lan_addresses(addrs, CONN_LAN_MAX);
    }
    c->nlan = 0;
    for (int i = 0; i < n && i < CONN_LAN_MAX; i++)
        snprintf(c->lan[c->nlan++], sizeof c->lan[0], "%.*s:%u", SYS_ADDR_LEN - 1, addrs[i], port);
}

int conn_host(struct conn *c, const struct host_cfg *cfg, const char *name, uint64_t now, char *err,
              size_t errlen)
{
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->game, sizeof c->game, "%s", name);
    /* A game left a moment ago may still hold the port (and read its name
     * from host_name): wait for it. */
    if (!net_wait_stopped(3000)) {
        snprintf(err, errlen, "The last game is still closing: try again in a moment.");
        return -1;
    }
    /* The host keeps this pointer for its whole life (discovery answers
     * carry the name): host_name is written only while no host runs. */
    memcpy(c->host_name, c->name, sizeof c->host_name);
    struct host_cfg hc = *cfg;
    hc.name = c->host_name;
    struct host *h;
    int rc = host_start(&hc, &h);
    if (rc) {
        if (rc == SYS_E_ADDRINUSE)
            snprintf(err, errlen, "Cannot host on port %u: it is already in use. Pick another port.", hc.port);
        else
            snprintf(err, errlen, "Cannot host on port %u: %s.", hc.port, sys_strerror(rc));
        return rc < 0 ? rc : SYS_E_OTHER;
    }
    const char *bind = hc.bind_addr && *hc.bind_addr ? hc.bind_addr : "0.0.0.0";
    printf("listening on %s:%u\n", bind, host_port(h));
    fflush(stdout);
    find_lan(c, bind, host_port(h));
    /* We join our own game over TCP like everyone else. */
    const char *self = strcmp(bind, "0.0.0.0") == 0 ? "127.0.0.1" : bind;
    if (start_client(c, self, host_port(h), now, err, errlen) != 0) {
        net_stop_async(NULL, h);
        return -1;
    }
    c->host = h;
    return 0;
}

/* ======================================================================
 * While it runs
 * ====================================================================== */

int conn_owns(const struct conn *c, const SDL_Event *e)
{
    return e->user.code == c->session && c->client;
}

void conn_logged_in(struct conn *c)
{
    c->connecting = 0;
}

int conn_timed_out(const struct conn *c, uint64_t now, char *msg, size_t n)
{
    if (!c->connecting || now - c->connect_ms <= LOGIN_TIMEOUT_MS)
        return 0;
    never_connected_text(c, SYS_E_TIMEDOUT, msg, n);
    return 1;
}

int conn_move(struct conn *c, int dir)
{
    return c->client ? client_move(c->client, (uint8_t)dir) : -1;
}

void conn_chat(struct conn *c, const char *text)
{
    size_t len = strlen(text);
    if (c->client && len > 0)
        client_chat(c->client, text, len);
}
