/*
 * The POSIX (Linux) side of sys.h: what differs from Windows in sockets,
 * clocks, threads, signals and the one error map (sys_common.c has what is
 * the same). Every errno this project can see is turned into a SYS_E_* in
 * sys_error_from_os and nowhere else; getaddrinfo's EAI_* codes, which are
 * not errno values, are mapped next to it in sys_os_gai_error.
 *
 * Sockets are created with SOCK_CLOEXEC so a child process (the tests spawn
 * hosts and bots) never inherits them.
 */
#include "sys_os.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * The error map
 * ---------------------------------------------------------------------- */

int sys_error_from_os(int oserr)
{
    switch (oserr) {
    case 0:
        return SYS_OK;
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINPROGRESS:
    case EALREADY:
        return SYS_E_AGAIN;
    case EINTR:
        return SYS_E_INTR;
    case ECONNREFUSED:
        return SYS_E_CONNREFUSED;
    case EADDRINUSE:
        return SYS_E_ADDRINUSE;
    case ETIMEDOUT:
        return SYS_E_TIMEDOUT;
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
    case ENOTCONN:
    case ESHUTDOWN:
        return SYS_E_RESET;
    case ENOMEM:
    case ENOBUFS:
        return SYS_E_NOMEM;
    case EMFILE:
    case ENFILE:
        return SYS_E_MFILE;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case ENETDOWN:
    case EHOSTDOWN:
        return SYS_E_UNREACH;
    case EINVAL:
    case EBADF:
    case ENOTSOCK:
    case EFAULT:
    case EDESTADDRREQ:
    case EISCONN:
        return SYS_E_INVAL;
    case EPERM:
    case EACCES:
        return SYS_E_PERM;
    case ENOSYS:
    case EOPNOTSUPP:
#if ENOTSUP != EOPNOTSUPP
    case ENOTSUP:
#endif
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
    case ESOCKTNOSUPPORT:
        return SYS_E_NOSYS;
    case EADDRNOTAVAIL:
        return SYS_E_ADDRNOTAVAIL;
    default:
        return SYS_E_OTHER;
    }
}

/* getaddrinfo reports through its own codes; EAI_SYSTEM means "see errno". */
int sys_os_gai_error(int gai, int saved_errno)
{
    switch (gai) {
    case 0:
        return SYS_OK;
    case EAI_MEMORY:
        return SYS_E_NOMEM;
    case EAI_SYSTEM:
        return saved_errno ? sys_error_from_os(saved_errno) : SYS_E_RESOLVE;
    default:
        return SYS_E_RESOLVE;
    }
}

int sys_last_error(void)
{
    return sys_error_from_os(errno);
}


/* ------------------------------------------------------------------------
 * Process set-up
 * ---------------------------------------------------------------------- */

int sys_init(void)
{
    /* A send to a peer that went away must be an error code, not a signal
     * that kills the host. MSG_NOSIGNAL covers sys_send; this covers every
     * other path (a backend's writev, io_uring sends, stdout to a pipe). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGPIPE, &sa, NULL) != 0)
        return sys_last_error();
    return SYS_OK;
}



/* ------------------------------------------------------------------------
 * Sockets
 * ---------------------------------------------------------------------- */

os_socket sys_os_socket(int type, int protocol)
{
    return socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
}

int sys_os_connect_pending(void)
{
    return errno == EINPROGRESS || errno == EINTR;
}

int sys_os_not_connected(void)
{
    return errno == ENOTCONN;
}

int sys_os_connect_wait(os_socket fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int soerr = 0;
    socklen_t len = sizeof soerr;
    int rc;

    do
        rc = poll(&p, 1, timeout_ms);
    while (rc < 0 && errno == EINTR);
    if (rc < 0)
        return sys_last_error();
    if (rc == 0)
        return SYS_E_TIMEDOUT;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
        return sys_last_error();
    return sys_error_from_os(soerr);
}

/* SO_REUSEADDR: a restarted host binds at once past TIME_WAIT, while a
 * second host on a port that is listened on still gets EADDRINUSE. */
int sys_os_listen_options(os_socket fd)
{
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 ? SYS_OK : sys_last_error();
}

int sys_set_nonblock(sys_socket s, int on)
{
    int fl = fcntl((int)s, F_GETFL, 0);
    if (fl < 0)
        return sys_last_error();
    fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
    if (fcntl((int)s, F_SETFL, fl) < 0)
        return sys_last_error();
    return SYS_OK;
}

int sys_set_nodelay(sys_socket s)
{
    int one = 1;
    if (setsockopt((int)s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        return sys_last_error();
    return SYS_OK;
}

long sys_send(sys_socket s, const void *buf, size_t len)
{
    ssize_t n;
    do
        n = send((int)s, buf, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n < 0 ? sys_last_error() : (long)n;
}

long sys_recv(sys_socket s, void *buf, size_t len)
{
    ssize_t n;
    if (len == 0)
        return SYS_E_INVAL; /* 0 bytes would look like an orderly close */
    do
        n = recv((int)s, buf, len, 0);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return SYS_E_CLOSED;
    return n < 0 ? sys_last_error() : (long)n;
}

int sys_wait_readable(sys_socket s, int timeout_ms)
{
    /* An error or hang-up counts as readable: the next sys_recv reports it. */
    struct pollfd p = { .fd = (int)s, .events = POLLIN };
    int rc = poll(&p, 1, timeout_ms);
    if (rc < 0)
        return sys_last_error();
    return rc > 0 ? 1 : 0;
}

/* sys.h promises a struct sys_pollfd array is a struct pollfd array. */
_Static_assert(sizeof(struct sys_pollfd) == sizeof(struct pollfd), "sys_pollfd size");
_Static_assert(offsetof(struct sys_pollfd, s) == offsetof(struct pollfd, fd), "sys_pollfd.s");
_Static_assert(offsetof(struct sys_pollfd, events) == offsetof(struct pollfd, events), "sys_pollfd.events");
_Static_assert(offsetof(struct sys_pollfd, revents) == offsetof(struct pollfd, revents), "sys_pollfd.revents");
_Static_assert(SYS_POLLIN == POLLIN && SYS_POLLOUT == POLLOUT && SYS_POLLERR == POLLERR && SYS_POLLHUP == POLLHUP,
               "SYS_POLL* bits");

int sys_poll(struct sys_pollfd *fds, size_t n, int timeout_ms)
{
    int rc = poll((struct pollfd *)fds, (nfds_t)n, timeout_ms);
    return rc < 0 ? sys_last_error() : rc;
}

void sys_close(sys_socket s)
{
    if (s != SYS_BAD_SOCKET)
        close((int)s);
}

/* ------------------------------------------------------------------------
 * Clocks and the machine
 * ---------------------------------------------------------------------- */

void sys_time_of_day(char *out, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    snprintf(out, len, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

uint64_t sys_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t sys_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sys_sleep_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int sys_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

uint32_t sys_process_id(void)
{
    return (uint32_t)getpid();
}

/* ------------------------------------------------------------------------
 * Stop signals: SIGINT and SIGTERM, taken with sigtimedwait
 * ---------------------------------------------------------------------- */

/* The stop signals that sys_stop_signals_block blocked, that is, those the
 * mask did not hold already: unblock gives back only these. Set and read
 * by the main thread only. */
static sigset_t stop_blocked_by_us;

static void stop_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

void sys_stop_signals_block(void)
{
    sigset_t stop, old;
    stop_set(&stop);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    sigemptyset(&stop_blocked_by_us);
    if (!sigismember(&old, SIGINT))
        sigaddset(&stop_blocked_by_us, SIGINT);
    if (!sigismember(&old, SIGTERM))
        sigaddset(&stop_blocked_by_us, SIGTERM);
}

int sys_stop_signals_wait(int timeout_ms)
{
    sigset_t stop;
    int sig;
    stop_set(&stop);
    if (timeout_ms < 0) {
        while ((sig = sigwaitinfo(&stop, NULL)) < 0 && errno == EINTR)
            ;
        return sig > 0;
    }
    /* Another signal's handler (EINTR) may cut the wait short; waiting
     * less than asked is allowed, so no retry with the remainder. */
    struct timespec ts = { .tv_sec = timeout_ms / 1000, .tv_nsec = (long)(timeout_ms % 1000) * 1000000L };
    sig = sigtimedwait(&stop, NULL, &ts);
    return sig > 0;
}

/* SIG_DFL first: a process started in the background by a shell inherits
 * SIGINT ignored, and a second Ctrl+C (or kill -INT) must still end it. */
void sys_stop_signals_unblock(void)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    while (sys_stop_signals_wait(0))
        ;
    if (sigismember(&stop_blocked_by_us, SIGINT))
        sigaction(SIGINT, &dfl, NULL);
    if (sigismember(&stop_blocked_by_us, SIGTERM))
        sigaction(SIGTERM, &dfl, NULL);
    pthread_sigmask(SIG_UNBLOCK, &stop_blocked_by_us, NULL);
    sigemptyset(&stop_blocked_by_us);
}

/* ------------------------------------------------------------------------
 * For hosts: shutdown, accepting now, and the descriptor limit
 * ---------------------------------------------------------------------- */

void sys_shutdown(sys_socket s)
{
    shutdown((int)s, SHUT_RDWR);
}

int sys_accept_now(sys_socket listener, sys_socket *out)
{
    /* The listener may be blocking (io_uring's): only take what is there. */
    struct pollfd p = {.fd = (int)listener, .events = POLLIN};
    if (poll(&p, 1, 0) != 1)
        return SYS_E_AGAIN;
    int s = accept4((int)listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (s < 0)
        return sys_last_error();
    *out = s;
    return 0;
}

uint32_t sys_raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        (void)getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1000000)
        return 1000000;
    return (uint32_t)rl.rlim_cur;
}

sys_socket sys_fd_spare_take(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd < 0 ? SYS_BAD_SOCKET : fd;
}

void sys_fd_spare_release(sys_socket s)
{
    close((int)s);
}

/* ------------------------------------------------------------------------
 * UDP, for LAN discovery
 * ---------------------------------------------------------------------- */

/* SO_REUSEADDR lets a second socket bind the port; on Linux and the BSDs
 * SO_REUSEPORT is what lets two *running* hosts share a UDP port. On Linux
 * a unicast datagram then goes to one of them (hashed on the sender's
 * address), a broadcast to all. */
int sys_os_udp_options(os_socket fd, int flags)
{
    int one = 1;
    if ((flags & SYS_UDP_REUSE) && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
                                    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0))
        return sys_last_error();
    if ((flags & SYS_UDP_BROADCAST) && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0)
        return sys_last_error();
    return SYS_OK;
}

long sys_sendto(sys_socket s, const void *buf, size_t len, const char *ipv4, uint16_t port)
{
    struct sockaddr_in to;
    ssize_t n;

    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    if (ipv4 == NULL || inet_pton(AF_INET, ipv4, &to.sin_addr) != 1)
        return SYS_E_INVAL;
    do
        n = sendto((int)s, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof to);
    while (n < 0 && errno == EINTR);
    return n < 0 ? sys_last_error() : (long)n;
}

long sys_recvfrom(sys_socket s, void *buf, size_t len, char *ip, size_t iplen, uint16_t *port)
{
    struct sockaddr_in from;
    socklen_t fromlen = sizeof from;
    ssize_t n;

    memset(&from, 0, sizeof from);
    do
        n = recvfrom((int)s, buf, len, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return sys_last_error();
    if (ip != NULL && iplen > 0 && inet_ntop(AF_INET, &from.sin_addr, ip, (socklen_t)iplen) == NULL)
        ip[0] = '\0';
    if (port != NULL)
        *port = ntohs(from.sin_port);
    return (long)n;
}

int sys_lan_addresses(char (*out)[SYS_ADDR_LEN], int max)
{
    struct ifaddrs *all, *a;
    int n = 0;
    if (getifaddrs(&all) != 0)
        return 0;
    for (a = all; a && n < max; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !(a->ifa_flags & IFF_UP) ||
            (a->ifa_flags & IFF_LOOPBACK))
            continue;
        const struct sockaddr_in *in = (const struct sockaddr_in *)a->ifa_addr;
        uint32_t ip = ntohl(in->sin_addr.s_addr);
        if ((ip >> 16) == 0xA9FE) /* 169.254/16: no DHCP answered, nobody can reach it */
            continue;
        inet_ntop(AF_INET, &in->sin_addr, out[n], SYS_ADDR_LEN);
        n++;
    }
    freeifaddrs(all);
    return n;
}

char **sys_utf8_argv(int *argc, char **argv)
{
    (void)argc;
    return argv;
}

/* ------------------------------------------------------------------------
 * Threads and locks
 * ---------------------------------------------------------------------- */

struct thread_start {
    void (*fn)(void *arg);
    void *arg;
};

/* pthreads wants void *(*)(void *); callers do not care. */
static void *thread_trampoline(void *p)
{
    struct thread_start ts = *(struct thread_start *)p;
    free(p);
    ts.fn(ts.arg);
    return NULL;
}

int sys_thread_start(sys_thread *t, void (*fn)(void *arg), void *arg)
{
    struct thread_start *ts = malloc(sizeof *ts);
    if (!ts)
        return SYS_E_NOMEM;
    ts->fn = fn;
    ts->arg = arg;
    int rc = pthread_create(t, NULL, thread_trampoline, ts);
    if (rc != 0) {
        free(ts);
        return sys_error_from_os(rc);
    }
    return SYS_OK;
}

void sys_thread_join(sys_thread t)
{
    pthread_join(t, NULL);
}

void sys_thread_detach(sys_thread t)
{
    pthread_detach(t);
}

void sys_mutex_init(sys_mutex *m)
{
    pthread_mutex_init(m, NULL);
}

void sys_mutex_destroy(sys_mutex *m)
{
    pthread_mutex_destroy(m);
}

void sys_mutex_lock(sys_mutex *m)
{
    pthread_mutex_lock(m);
}

void sys_mutex_unlock(sys_mutex *m)
{
    pthread_mutex_unlock(m);
}

/* Timed waits count on the monotonic clock, which a changed wall clock
 * does not move. */
void sys_cond_init(sys_cond *c)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
}

void sys_cond_destroy(sys_cond *c)
{
    pthread_cond_destroy(c);
}

void sys_cond_wait(sys_cond *c, sys_mutex *m, int timeout_ms)
{
    if (timeout_ms < 0) {
        pthread_cond_wait(c, m);
        return;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += timeout_ms / 1000;
    t.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(c, m, &t);
}

void sys_cond_signal(sys_cond *c)
{
    pthread_cond_signal(c);
}
