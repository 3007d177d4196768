/*
 * The tiny OS layer: sockets, time, and the one error map. Every errno (and,
 * on Windows, every WSA code) becomes a SYS_E_* here and nowhere else, with
 * one sys_strerror. Code outside net/sys_*.c and the host backends never
 * sees a socket API.
 */
#ifndef PAWN_NET_SYS_H
#define PAWN_NET_SYS_H

#include <stddef.h>
#include <stdint.h>

/* A socket handle: an fd on POSIX, a SOCKET on Windows. */
typedef intptr_t sys_socket;
#define SYS_BAD_SOCKET ((sys_socket)-1)

/* SYS_E_* are -100..-199, so that they never meet PROTO_E_* (-1..-99)
 * and sys_strerror can name both. */
enum sys_err {
    SYS_OK = 0,
    SYS_E_AGAIN = -100, /* would block */
    SYS_E_INTR = -101,
    SYS_E_CONNREFUSED = -102,
    SYS_E_ADDRINUSE = -103,
    SYS_E_TIMEDOUT = -104,
    SYS_E_RESET = -105,   /* reset or broken pipe */
    SYS_E_CLOSED = -106,  /* orderly close by the peer */
    SYS_E_NOMEM = -107,
    SYS_E_MFILE = -108,   /* out of file descriptors */
    SYS_E_UNREACH = -109, /* host or network unreachable */
    SYS_E_RESOLVE = -110, /* name lookup failed */
    SYS_E_INVAL = -111,
    SYS_E_PERM = -112,    /* permission, or a syscall the sandbox refuses */
    SYS_E_NOSYS = -113,   /* not supported here */
    SYS_E_ADDRNOTAVAIL = -114,
    SYS_E_OTHER = -199,
};

/* errno (or WSAGetLastError() on Windows) to SYS_E_*. */
int sys_error_from_os(int oserr);
/* The last socket error of this thread, mapped. */
int sys_last_error(void);
/* One line for an error code: SYS_E_*, PROTO_E_* and 0 alike. */
const char *sys_strerror(int err);

/* Once per process (WSAStartup on Windows; SIGPIPE ignored on POSIX). */
int sys_init(void);

/* "host", "host:port", "[v6]:port", ":port". *port is defport when absent.
 * Returns 0 or SYS_E_INVAL. */
int sys_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t *port, uint16_t defport);

/* Resolves host (IPv4, explicit hints) and connects with a timeout. The
 * socket is returned blocking, with TCP_NODELAY. The caller owns it and
 * closes it with sys_close. */
int sys_connect(const char *host, uint16_t port, int timeout_ms, sys_socket *out);

/* A listening TCP socket on host:port (host NULL or "" = all IPv4
 * addresses), nonblocking, that a restarted host can bind at once while a
 * second host on the same port fails with SYS_E_ADDRINUSE (SO_REUSEADDR on
 * POSIX; on Windows neither it nor SO_EXCLUSIVEADDRUSE, see sys_win32.c).
 * *bound gets the real port (for port 0). */
int sys_listen(const char *host, uint16_t port, int backlog, sys_socket *out, uint16_t *bound);

int sys_set_nonblock(sys_socket s, int on);
int sys_set_nodelay(sys_socket s);

/* send/recv once: bytes moved (recv: 0 never; an orderly close is
 * SYS_E_CLOSED), or a SYS_E_*. */
long sys_send(sys_socket s, const void *buf, size_t len);
long sys_recv(sys_socket s, void *buf, size_t len);
/* Waits until s is readable (1), timed out (0) or error (<0). */
int sys_wait_readable(sys_socket s, int timeout_ms);
void sys_close(sys_socket s);
/* Shuts both directions: outstanding receives and sends on s complete. */
void sys_shutdown(sys_socket s);

/* For hosts: accepts one pending connection now if there is one (0 and *out
 * set, the new socket nonblocking), else a SYS_E_*. */
int sys_accept_now(sys_socket listener, sys_socket *out);
/* Raises the open-file limit to its maximum; returns the limit. */
uint32_t sys_raise_fd_limit(void);
/* A spare descriptor held back so that running out of them can still be
 * handled (accept the pending connection, refuse it, close it). Windows has
 * no descriptor limit: there take returns SYS_BAD_SOCKET ("no spare"). */
sys_socket sys_fd_spare_take(void);
void sys_fd_spare_release(sys_socket s);

/* "a.b.c.d:port" for a struct sockaddr_in (or sockaddr_in6). */
#define SYS_ADDR_LEN 64
void sys_format_addr(const void *sockaddr, char *out, size_t len);

/* ---- UDP, for LAN discovery ---------------------------------------------- */

/* Flags for sys_udp_open. */
enum sys_udp_flag {
    SYS_UDP_REUSE = 1,     /* SO_REUSEADDR (+ SO_REUSEPORT where it exists):
                            * several hosts on one machine share the port */
    SYS_UDP_BROADCAST = 2, /* SO_BROADCAST: may send to a broadcast address */
};

/* An IPv4 UDP socket bound to all addresses on port (0 = any free port),
 * nonblocking. *bound (may be NULL) gets the real port. The caller owns the
 * socket and closes it with sys_close. */
int sys_udp_open(uint16_t port, int flags, sys_socket *out, uint16_t *bound);

/* 1 when s is a dotted IPv4 address ("127.0.0.1"), else 0. No name lookup. */
int sys_ipv4_valid(const char *s);

/* One datagram to ipv4:port. ipv4 must be a numeric address (no name
 * lookup, so it never blocks). Returns the bytes sent or a SYS_E_*
 * (SYS_E_INVAL for an address that does not parse). */
long sys_sendto(sys_socket s, const void *buf, size_t len, const char *ipv4, uint16_t port);

/* One datagram, without waiting: its length (a longer datagram is cut to
 * len), or SYS_E_AGAIN when none is queued, or another SYS_E_*. The
 * sender's address goes to ip (numeric text, no port; SYS_ADDR_LEN is
 * enough) and *port, either may be NULL. */
long sys_recvfrom(sys_socket s, void *buf, size_t len, char *ip, size_t iplen, uint16_t *port);

/* The local wall-clock time of day, "HH:MM:SS.mmm", for log lines. */
void sys_time_of_day(char *out, size_t len);

/* Monotonic clocks. */
uint64_t sys_now_ms(void);
uint64_t sys_now_us(void);
void sys_sleep_ms(unsigned ms);

/* Logical CPUs. */
int sys_cpu_count(void);

#endif
