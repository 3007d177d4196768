/*
 * The parts of the sys layer that are the same on every platform: the one
 * error text table, command-line and address parsing, and the socket code
 * that differs only in the primitives of sys_os.h (resolving, connecting,
 * listening, addresses, UDP sockets). sys_posix.c and sys_win32.c hold
 * only what differs.
 */
#include "sys_os.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sys_strerror(int err)
{
    switch (err) {
    case SYS_OK:
        return "ok";
    case SYS_E_AGAIN:
        return "operation would block";
    case SYS_E_INTR:
        return "interrupted";
    case SYS_E_CONNREFUSED:
        return "connection refused";
    case SYS_E_ADDRINUSE:
        return "address already in use";
    case SYS_E_TIMEDOUT:
        return "timed out";
    case SYS_E_RESET:
        return "connection reset";
    case SYS_E_CLOSED:
        return "connection closed by peer";
    case SYS_E_NOMEM:
        return "out of memory";
    case SYS_E_MFILE:
        return "too many open files";
    case SYS_E_UNREACH:
        return "host unreachable";
    case SYS_E_RESOLVE:
        return "cannot resolve host name";
    case SYS_E_INVAL:
        return "invalid argument";
    case SYS_E_PERM:
        return "permission denied";
    case SYS_E_NOSYS:
        return "not supported";
    case SYS_E_ADDRNOTAVAIL:
        return "address not available";
    case SYS_E_OTHER:
        return "system error";
    default:
        return "unknown error";
    }
}

/* A decimal port 0..65535, digits only, nothing after. */
static int parse_port(const char *s, uint16_t *port)
{
    unsigned long v = 0;
    if (*s == '\0')
        return SYS_E_INVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return SYS_E_INVAL;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 65535)
            return SYS_E_INVAL;
    }
    *port = (uint16_t)v;
    return SYS_OK;
}

static int copy_host(char *host, size_t hostlen, const char *s, size_t n)
{
    if (hostlen == 0 || n >= hostlen)
        return SYS_E_INVAL;
    memcpy(host, s, n);
    host[n] = '\0';
    return SYS_OK;
}

int sys_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t *port, uint16_t defport)
{
    const char *colon;

    if (s == NULL || host == NULL || port == NULL)
        return SYS_E_INVAL;
    *port = defport;

    if (s[0] == '[') {
        /* "[v6]" or "[v6]:port" */
        const char *close = strchr(s, ']');
        if (close == NULL)
            return SYS_E_INVAL;
        if (close[1] != '\0' && (close[1] != ':' || parse_port(close + 2, port) != SYS_OK))
            return SYS_E_INVAL;
        return copy_host(host, hostlen, s + 1, (size_t)(close - s - 1));
    }

    colon = strchr(s, ':');
    if (colon == NULL)
        return copy_host(host, hostlen, s, strlen(s));
    if (strchr(colon + 1, ':') != NULL)
        return copy_host(host, hostlen, s, strlen(s)); /* a bare IPv6 address */
    if (parse_port(colon + 1, port) != SYS_OK)
        return SYS_E_INVAL;
    return copy_host(host, hostlen, s, (size_t)(colon - s));
}

int sys_ipv4_valid(const char *s)
{
    /* Four decimal parts 0..255 with dots, as inet_pton(AF_INET) takes
     * them (no leading zeros beyond one digit, nothing else), parsed by
     * hand so that this file needs no socket header. */
    if (s == NULL)
        return 0;
    for (int part = 0; part < 4; part++) {
        int v = 0, digits = 0;
        for (; *s >= '0' && *s <= '9'; s++, digits++) {
            if (digits > 0 && v == 0)
                return 0;
            v = v * 10 + (*s - '0');
            if (v > 255)
                return 0;
        }
        if (digits == 0 || *s != (part < 3 ? '.' : '\0'))
            return 0;
        if (part < 3)
            s++;
    }
    return 1;
}

int sys_buf_reserve(uint8_t **buf, uint32_t *cap, uint32_t need, uint32_t min_cap)
{
    if (need <= *cap)
        return SYS_OK;
    uint64_t n = *cap ? *cap : min_cap;
    while (n < need)
        n *= 2;
    if (n > UINT32_MAX)
        return SYS_E_NOMEM;
    uint8_t *p = realloc(*buf, (size_t)n);
    if (!p)
        return SYS_E_NOMEM;
    *buf = p;
    *cap = (uint32_t)n;
    return SYS_OK;
}

long sys_parse_num(const char *s, long lo, long hi)
{
    /* Digits only (strtol would also take spaces and a '+'). */
    if (!s || !((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    return v;
}

int sys_parse_real(const char *s, double lo, double hi, double *out)
{
    char *end;
    if (s == NULL || ((*s < '0' || *s > '9') && *s != '.'))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

const char *sys_opt_value(int argc, char **argv, int *i, const char *opt, int *missing)
{
    size_t n = strlen(opt);
    const char *a = argv[*i];
    if (strncmp(a, opt, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int sys_parse_size(const char *s, uint16_t *w, uint16_t *h)
{
    char buf[32];
    if (!s || strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    char *x = strchr(buf, 'x');
    if (!x)
        return -1;
    *x = '\0';
    long bw = sys_parse_num(buf, 1, 65535), bh = sys_parse_num(x + 1, 1, 65535);
    if (bw < 0 || bh < 0)
        return -1;
    *w = (uint16_t)bw;
    *h = (uint16_t)bh;
    return 0;
}

/* ------------------------------------------------------------------------
 * TCP: connecting and listening
 * ---------------------------------------------------------------------- */

/* IPv4 TCP addresses for host:port, with every hint explicit (Wine's
 * getaddrinfo without them may hand back an IPv6 address first). host NULL
 * or "" is the loopback address for a connect and every address for a
 * listen (AI_PASSIVE). The caller frees *res with freeaddrinfo. */
static int resolve4(const char *host, uint16_t port, int passive, struct addrinfo **res)
{
    struct addrinfo hints;
    char service[8];

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    snprintf(service, sizeof service, "%u", (unsigned)port);
    if (host != NULL && host[0] == '\0')
        host = NULL;
    errno = 0;
    int rc = getaddrinfo(host, service, &hints, res);
    return sys_os_gai_error(rc, errno);
}

/* One connect attempt to one address: 0 with *out set (blocking, with
 * TCP_NODELAY), or a SYS_E_*. */
static int connect_one(const struct addrinfo *ai, int timeout_ms, sys_socket *out)
{
    os_socket s = sys_os_socket(ai->ai_socktype, ai->ai_protocol);
    int err;

    if (s == OS_BAD_SOCKET)
        return sys_last_error();
    if (connect(s, ai->ai_addr, (os_socklen)ai->ai_addrlen) == 0)
        err = SYS_OK;
    else if (sys_os_connect_pending())
        err = sys_os_connect_wait(s, timeout_ms);
    else
        err = sys_last_error();
    if (err == SYS_OK)
        err = sys_set_nonblock((sys_socket)s, 0);
    if (err == SYS_OK)
        err = sys_set_nodelay((sys_socket)s);
    if (err != SYS_OK) {
        sys_close((sys_socket)s);
        return err;
    }
    *out = (sys_socket)s;
    return SYS_OK;
}

/* Tries fn on each IPv4 address host:port resolves to, until one works:
 * 0, or the last failure (SYS_E_RESOLVE when there was no address). */
static int each_addr4(const char *host, uint16_t port, int passive, int (*fn)(const struct addrinfo *, void *),
                      void *ctx)
{
    struct addrinfo *res = NULL, *ai;
    int err = resolve4(host, port, passive, &res);

    if (err != SYS_OK)
        return err;
    err = SYS_E_RESOLVE;
    for (ai = res; ai != NULL && err != SYS_OK; ai = ai->ai_next)
        if (ai->ai_family == AF_INET)
            err = fn(ai, ctx);
    freeaddrinfo(res);
    return err;
}

struct connect_args {
    int timeout_ms;
    sys_socket *out;
};

static int connect_try(const struct addrinfo *ai, void *ctx)
{
    struct connect_args *a = ctx;
    return connect_one(ai, a->timeout_ms, a->out);
}

int sys_connect(const char *host, uint16_t port, int timeout_ms, sys_socket *out)
{
    struct connect_args a = {timeout_ms, out};
    return each_addr4(host, port, 0, connect_try, &a);
}

int sys_peer_addr(sys_socket s, struct sys_addr4 *out)
{
    struct sockaddr_storage ss;
    os_socklen len = sizeof ss;
    const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

    if (getpeername((os_socket)s, (struct sockaddr *)&ss, &len) != 0)
        return sys_last_error();
    if (ss.ss_family != AF_INET)
        return SYS_E_NOSYS;
    memcpy(out->ip, &in->sin_addr, 4);
    out->port = ntohs(in->sin_port);
    return SYS_OK;
}

int sys_connect_start(const struct sys_addr4 *to, sys_socket *out)
{
    struct sockaddr_in sin;
    os_socket s = sys_os_socket(SOCK_STREAM, IPPROTO_TCP);
    int err;

    if (s == OS_BAD_SOCKET)
        return sys_last_error();
    err = sys_set_nodelay((sys_socket)s);
    if (err != SYS_OK)
        goto fail;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(to->port);
    memcpy(&sin.sin_addr, to->ip, 4);
    if (connect(s, (const struct sockaddr *)&sin, sizeof sin) != 0 && !sys_os_connect_pending()) {
        err = sys_last_error();
        goto fail;
    }
    *out = (sys_socket)s;
    return SYS_OK;
fail:
    sys_close((sys_socket)s);
    return err;
}

/* SO_ERROR says whether it failed; that it succeeded rather than still
 * being under way only getpeername can tell ("not connected" until then). */
int sys_connect_finish(sys_socket s)
{
    struct sockaddr_storage ss;
    os_socklen len = sizeof ss;
    int soerr = 0;
    os_socklen elen = sizeof soerr;

    if (getsockopt((os_socket)s, SOL_SOCKET, SO_ERROR, (char *)&soerr, &elen) != 0)
        return sys_last_error();
    if (soerr != 0)
        return sys_error_from_os(soerr);
    if (getpeername((os_socket)s, (struct sockaddr *)&ss, &len) == 0)
        return SYS_OK;
    return sys_os_not_connected() ? SYS_E_AGAIN : sys_last_error();
}

/* The end of opening a socket: on err, closes s; else hands it out, with
 * the port it is bound to (from sin, filled by getsockname). */
static int bound_or_close(os_socket s, int err, const struct sockaddr_in *sin, uint16_t *bound, sys_socket *out)
{
    if (err != SYS_OK) {
        sys_close((sys_socket)s);
        return err;
    }
    if (bound != NULL)
        *bound = ntohs(sin->sin_port);
    *out = (sys_socket)s;
    return SYS_OK;
}

static int listen_one(const struct addrinfo *ai, int backlog, sys_socket *out, uint16_t *bound)
{
    struct sockaddr_in sin;
    os_socklen len = sizeof sin;
    int err;
    os_socket s = sys_os_socket(ai->ai_socktype, ai->ai_protocol);

    if (s == OS_BAD_SOCKET)
        return sys_last_error();
    err = sys_os_listen_options(s);
    if (err == SYS_OK && (bind(s, ai->ai_addr, (os_socklen)ai->ai_addrlen) != 0 || listen(s, backlog) != 0 ||
                          getsockname(s, (struct sockaddr *)&sin, &len) != 0))
        err = sys_last_error();
    return bound_or_close(s, err, &sin, bound, out);
}

struct listen_args {
    int backlog;
    sys_socket *out;
    uint16_t *bound;
};

static int listen_try(const struct addrinfo *ai, void *ctx)
{
    struct listen_args *a = ctx;
    return listen_one(ai, a->backlog, a->out, a->bound);
}

int sys_listen(const char *host, uint16_t port, int backlog, sys_socket *out, uint16_t *bound)
{
    struct listen_args a = {backlog > 0 ? backlog : SOMAXCONN, out, bound};
    return each_addr4(host, port, 1, listen_try, &a);
}

void sys_format_addr(const void *sockaddr, char *out, size_t len)
{
    const struct sockaddr *sa = sockaddr;
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = sockaddr;
        inet_ntop(AF_INET, (void *)&in->sin_addr, ip, sizeof ip);
        port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = sockaddr;
        inet_ntop(AF_INET6, (void *)&in6->sin6_addr, ip, sizeof ip);
        port = ntohs(in6->sin6_port);
    }
    snprintf(out, len, "%s:%u", ip, port);
}

/* ------------------------------------------------------------------------
 * UDP, for LAN discovery
 * ---------------------------------------------------------------------- */

int sys_udp_open(const char *ipv4, uint16_t port, int flags, sys_socket *out, uint16_t *bound)
{
    struct sockaddr_in sin;
    os_socklen len = sizeof sin;
    os_socket s = sys_os_socket(SOCK_DGRAM, IPPROTO_UDP);
    int err;

    if (s == OS_BAD_SOCKET)
        return sys_last_error();
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_ANY);
    sin.sin_port = htons(port);
    err = sys_os_udp_options(s, flags);
    if (err == SYS_OK && ipv4 != NULL && ipv4[0] != '\0' && inet_pton(AF_INET, ipv4, &sin.sin_addr) != 1)
        err = SYS_E_INVAL;
    if (err == SYS_OK &&
        (bind(s, (struct sockaddr *)&sin, sizeof sin) != 0 || getsockname(s, (struct sockaddr *)&sin, &len) != 0))
        err = sys_last_error();
    return bound_or_close(s, err, &sin, bound, out);
}
