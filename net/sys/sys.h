/*
 * The tiny OS layer: sockets, threads and locks, time, and the one error map. Every errno (and,
 * on Windows, every WSA code) becomes a SYS_E_* here and nowhere else, with
 * one sys_strerror. Code outside net/sys/ and the host backends never
 * sees a socket API.
 */
#ifndef PAWN_NET_SYS_H
#define PAWN_NET_SYS_H

#include <stddef.h>
#include <stdint.h>

/* A socket handle: an fd on POSIX, a SOCKET on Windows. */
typedef intptr_t sys_socket;
#define SYS_BAD_SOCKET ((sys_socket)-1)

/* SYS_E_* are -100..-199, so that they never meet PROTO_E_* (-1..-99):
 * a layer that reports both (client_strerror) tells them apart. */
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
/* One line for 0 or a SYS_E_* ("unknown error" for anything else). */
const char *sys_strerror(int err);

/* Once per process (WSAStartup on Windows; SIGPIPE ignored on POSIX). */
int sys_init(void);

/* Grows the heap buffer *buf (capacity *cap bytes) to hold need bytes,
 * doubling from min_cap: 0, or SYS_E_NOMEM (the buffer is left as it was).
 * Send queues use it. */
int sys_buf_reserve(uint8_t **buf, uint32_t *cap, uint32_t need, uint32_t min_cap);

/* Command-line values: a whole decimal number in [lo, hi] (else -1), and
 * "WxH" with each part 1..65535 (0, else -1). */
long sys_parse_num(const char *s, long lo, long hi);
int sys_parse_size(const char *s, uint16_t *w, uint16_t *h);
/* A decimal number with an optional fraction ("2", "0.5", ".5") in [lo, hi]:
 * 0 and *out, else -1. */
int sys_parse_real(const char *s, double lo, double hi, double *out);
/* "--opt VALUE" or "--opt=VALUE" at argv[*i]: the value (and *i moves past
 * a separate one), or NULL when argv[*i] is another option; *missing is set
 * when it is opt with no value after it. */
const char *sys_opt_value(int argc, char **argv, int *i, const char *opt, int *missing);

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

/* An IPv4 address and port, numeric: what a tool that opens many
 * connections to one host resolves once and then connects to again and
 * again (no name lookup per connection). */
struct sys_addr4 {
    uint8_t ip[4];  /* network order: 127, 0, 0, 1 */
    uint16_t port;  /* host order */
};

/* The address s is connected to. SYS_E_NOSYS when it is not IPv4. */
int sys_peer_addr(sys_socket s, struct sys_addr4 *out);

/* Starts a connect to *to without waiting: a new nonblocking TCP socket
 * with TCP_NODELAY, not inherited by child processes. 0 when the socket is
 * connected or the connect is in progress (*out set: the caller owns it and
 * closes it with sys_close; sys_poll reports SYS_POLLOUT, or SYS_POLLERR or
 * SYS_POLLHUP, when it is decided, then sys_connect_finish says how), else
 * a SYS_E_* and no socket. */
int sys_connect_start(const struct sys_addr4 *to, sys_socket *out);
/* How a connect begun by sys_connect_start stands: 0 connected,
 * SYS_E_AGAIN still in progress, else why it failed. The socket stays the
 * caller's either way. The OS tells why a connect failed only once: after
 * a failure, ask no more (a second call may say SYS_E_AGAIN while sys_poll
 * reports SYS_POLLHUP or SYS_POLLERR; take those as failure). */
int sys_connect_finish(sys_socket s);

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

/*
 * Waiting on many sockets at once. struct sys_pollfd is laid out like the
 * platform's own (struct pollfd; WSAPOLLFD on Windows) and SYS_POLL* are
 * its own bits, so sys_poll hands the caller's array to the OS as it is,
 * with no copy and no allocation per call. Set s and events; sys_poll sets
 * revents. An error or hang-up is reported in revents whether asked for or
 * not; ask only for SYS_POLLIN and SYS_POLLOUT.
 */
#ifdef _WIN32
struct sys_pollfd {
    uintptr_t s;  /* a SOCKET: set it from a sys_socket */
    short events, revents;
};
#define SYS_POLLIN 0x0300  /* POLLRDNORM | POLLRDBAND */
#define SYS_POLLOUT 0x0010 /* POLLWRNORM */
#define SYS_POLLERR 0x0001
#define SYS_POLLHUP 0x0002
#else
struct sys_pollfd {
    int s;  /* an fd: set it from a sys_socket */
    short events, revents;
};
#define SYS_POLLIN 0x001
#define SYS_POLLOUT 0x004
#define SYS_POLLERR 0x008
#define SYS_POLLHUP 0x010
#endif

/* Waits until one of fds[0..n) is ready or timeout_ms passes (< 0: no
 * limit; n may be 0, then it only sleeps). Returns how many have revents,
 * 0 on timeout, or a SYS_E_* (SYS_E_INTR when a signal cut the wait
 * short: the caller simply polls again). */
int sys_poll(struct sys_pollfd *fds, size_t n, int timeout_ms);

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

/* An IPv4 UDP socket bound to ipv4 (numeric; NULL or "" = all addresses)
 * on port (0 = any free port), nonblocking. *bound (may be NULL) gets the
 * real port. The caller owns the socket and closes it with sys_close. */
int sys_udp_open(const char *ipv4, uint16_t port, int flags, sys_socket *out, uint16_t *bound);

/* This machine's IPv4 addresses that players on the LAN could reach it
 * at: of interfaces that are up, not loopback and not link-local
 * (169.254/16). Writes up to max of them as numeric text into out and
 * returns how many (0 when there are none, or the OS would not say).
 * Asks the OS only (getifaddrs; GetAdaptersAddresses): no packet is sent. */
int sys_lan_addresses(char (*out)[SYS_ADDR_LEN], int max);

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

/* The command line as UTF-8. POSIX: argv itself. Windows: main()'s argv is
 * in the ANSI code page (a Korean --name arrives as "???"), so it is built
 * again from the UTF-16 command line; it lives as long as the process. */
char **sys_utf8_argv(int *argc, char **argv);

/* Logical CPUs. */
int sys_cpu_count(void);

/* This process's id, for names that must differ between processes. */
uint32_t sys_process_id(void);

/* ---- threads and locks ---------------------------------------------------- */

/*
 * In the manner of libuv's uv_thread_t and uv_mutex_t: the platform's own
 * types (pthreads on POSIX; a thread HANDLE and an SRWLOCK on Windows), so
 * that a lock lives inside the struct it guards with no allocation, and no
 * platform needs a pthreads shim.
 */
#ifdef _WIN32
typedef void *sys_thread;                  /* a HANDLE */
typedef struct { void *srw; } sys_mutex;   /* an SRWLOCK (one pointer) */
typedef struct { void *cv; } sys_cond;     /* a CONDITION_VARIABLE (one pointer) */
#define SYS_MUTEX_INIT {0}                 /* SRWLOCK_INIT */
#else
#include <pthread.h>
typedef pthread_t sys_thread;
typedef pthread_mutex_t sys_mutex;
typedef pthread_cond_t sys_cond;
#define SYS_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
#endif

/* Runs fn(arg) on a new thread: 0 and *t, or a SYS_E_*. Join every thread
 * started, once, from another thread. */
int sys_thread_start(sys_thread *t, void (*fn)(void *arg), void *arg);
void sys_thread_join(sys_thread t);
/* Lets a thread that cannot be joined (it may be blocked in a write) end
 * with the process instead. */
void sys_thread_detach(sys_thread t);

/* A plain (non-recursive) mutex. init cannot fail on either platform; a
 * static one can start as SYS_MUTEX_INIT instead. */
void sys_mutex_init(sys_mutex *m);
void sys_mutex_destroy(sys_mutex *m);
void sys_mutex_lock(sys_mutex *m);
void sys_mutex_unlock(sys_mutex *m);

/* A condition variable used with a sys_mutex. wait releases m while it
 * waits up to timeout_ms (< 0: no limit) and holds it again on return;
 * as with every condition variable, wake-ups can be spurious. */
void sys_cond_init(sys_cond *c);
void sys_cond_destroy(sys_cond *c);
void sys_cond_wait(sys_cond *c, sys_mutex *m, int timeout_ms);
void sys_cond_signal(sys_cond *c);

/* ---- stop signals, for command-line tools -------------------------------- */

/*
 * Ctrl+C and friends as a question the program asks, not a handler that
 * interrupts it: SIGINT and SIGTERM on POSIX; CTRL_C, CTRL_BREAK and
 * CTRL_CLOSE (the console window closed) on Windows.
 *
 * sys_stop_signals_block: from now on a stop signal does not end the
 * process but waits for sys_stop_signals_wait. Call it in the main thread
 * before creating any thread (POSIX: it blocks the signals in the calling
 * thread's mask, which new threads inherit, so that no worker thread is
 * picked to take them; Windows: a console control handler that sets an
 * event).
 *
 * sys_stop_signals_wait: waits up to timeout_ms (0: just looks; < 0: no
 * limit) for one. 1 when one arrived (and it is used up: the next wait
 * waits for another), 0 when none did.
 *
 * sys_stop_signals_unblock: from now on a stop signal ends the process
 * (its default action, even when the process was started with it ignored,
 * as a shell does for a background job): a second Ctrl+C while a tool says
 * goodbye ends it at once. One already waiting is taken first, not acted
 * on. Without sys_stop_signals_block before, it does nothing.
 */
void sys_stop_signals_block(void);
int sys_stop_signals_wait(int timeout_ms);
void sys_stop_signals_unblock(void);

#endif
