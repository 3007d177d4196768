/*
 * The parts of the sys layer that are the same on every platform: the one
 * error text table and address parsing. sys_posix.c and sys_win32.c hold
 * only what differs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"

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
