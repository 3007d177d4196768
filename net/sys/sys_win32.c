/*
 * The Windows side of sys.h: what differs from POSIX in Winsock 2, clocks,
 * threads, Ctrl+C and the one error map (sys_common.c has what is the
 * same). Every WSA code (and the few Win32 codes an overlapped completion
 * reports) becomes a SYS_E_* in sys_error_from_os and nowhere else;
 * getaddrinfo on Windows reports WSA codes too, so it goes through the
 * same map.
 *
 * Sockets are made with WSA_FLAG_OVERLAPPED (the IOCP backend needs it for
 * AcceptEx, WSARecv and WSASend) and WSA_FLAG_NO_HANDLE_INHERIT (the
 * Windows form of SOCK_CLOEXEC). Everything is IPv4 with explicit hints:
 * Wine's getaddrinfo without them may hand back an IPv6 address first.
 */
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601 /* Windows 7: inet_ntop, CancelIoEx */
#endif
#include "sys_os.h"

#include <mswsock.h>
#include <iphlpapi.h>
#include <windows.h>
#include <shellapi.h>

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#endif
#ifndef WSA_FLAG_NO_HANDLE_INHERIT
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#endif

/* ------------------------------------------------------------------------
 * The error map
 * ---------------------------------------------------------------------- */

int sys_error_from_os(int oserr)
{
    switch (oserr) {
    case 0:
        return SYS_OK;
    case WSAEWOULDBLOCK:
    case WSAEINPROGRESS:
    case WSAEALREADY:
    case WSA_IO_PENDING:
    case WSA_IO_INCOMPLETE:
        return SYS_E_AGAIN;
    case WSAEINTR:
        return SYS_E_INTR;
    case WSAECONNREFUSED:
        return SYS_E_CONNREFUSED;
    case WSAEADDRINUSE:
        return SYS_E_ADDRINUSE;
    case WSAETIMEDOUT:
    case ERROR_SEM_TIMEOUT:
        return SYS_E_TIMEDOUT;
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAENETRESET:
    case WSAENOTCONN:
    case WSAESHUTDOWN:
    case WSAEDISCON:
    case WSA_OPERATION_ABORTED: /* our own shutdown cancelled the operation */
    case ERROR_NETNAME_DELETED: /* what an overlapped op on a reset connection reports */
    case ERROR_CONNECTION_ABORTED:
    case ERROR_BROKEN_PIPE:
        return SYS_E_RESET;
    case WSAENOBUFS:
    case WSA_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return SYS_E_NOMEM;
    case WSAEMFILE:
        return SYS_E_MFILE;
    case WSAEHOSTUNREACH:
    case WSAENETUNREACH:
    case WSAENETDOWN:
    case WSAEHOSTDOWN:
    case ERROR_HOST_UNREACHABLE:
    case ERROR_NETWORK_UNREACHABLE:
        return SYS_E_UNREACH;
    case WSAHOST_NOT_FOUND:
    case WSATRY_AGAIN:
    case WSANO_RECOVERY:
    case WSANO_DATA:
    case WSATYPE_NOT_FOUND:
        return SYS_E_RESOLVE;
    case WSAEINVAL:
    case WSAENOTSOCK:
    case WSAEFAULT:
    case WSAEDESTADDRREQ:
    case WSAEISCONN:
    case WSAEBADF:
    case WSA_INVALID_HANDLE:
    case WSA_INVALID_PARAMETER:
        return SYS_E_INVAL;
    case WSAEACCES:
        return SYS_E_PERM;
    case WSAEOPNOTSUPP:
    case WSAEAFNOSUPPORT:
    case WSAEPROTONOSUPPORT:
    case WSAESOCKTNOSUPPORT:
    case WSAEPFNOSUPPORT:
    case WSAVERNOTSUPPORTED:
    case WSASYSNOTREADY:
    case WSANOTINITIALISED:
        return SYS_E_NOSYS;
    case WSAEADDRNOTAVAIL:
        return SYS_E_ADDRNOTAVAIL;
    default:
        return SYS_E_OTHER;
    }
}

int sys_last_error(void)
{
    return sys_error_from_os(WSAGetLastError());
}


/* ------------------------------------------------------------------------
 * Process set-up
 * ---------------------------------------------------------------------- */

int sys_init(void)
{
    WSADATA wsa;
    int rc = WSAStartup(MAKEWORD(2, 2), &wsa);
    if (rc != 0)
        return sys_error_from_os(rc);
    if (LOBYTE(wsa.wVersion) != 2 || HIBYTE(wsa.wVersion) != 2) {
        WSACleanup();
        return SYS_E_NOSYS;
    }
    return SYS_OK;
}

/* ------------------------------------------------------------------------
 * Sockets
 * ---------------------------------------------------------------------- */

os_socket sys_os_socket(int type, int protocol)
{
    SOCKET s = WSASocketW(AF_INET, type, protocol, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s != INVALID_SOCKET && sys_set_nonblock((sys_socket)s, 1) != SYS_OK) {
        closesocket(s);
        return INVALID_SOCKET;
    }
    return s;
}

int sys_os_connect_pending(void)
{
    return WSAGetLastError() == WSAEWOULDBLOCK;
}

int sys_os_not_connected(void)
{
    return WSAGetLastError() == WSAENOTCONN;
}

/* A failed connect shows in the except set on Windows, not in the write
 * set (and WSAPoll before Windows 10 2004 did not report it at all). */
int sys_os_connect_wait(os_socket s, int timeout_ms)
{
    fd_set wr, ex;
    struct timeval tv, *tvp = NULL;
    int soerr = 0, len = sizeof soerr;

    FD_ZERO(&wr);
    FD_ZERO(&ex);
    FD_SET(s, &wr);
    FD_SET(s, &ex);
    if (timeout_ms >= 0) {
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
        tvp = &tv;
    }
    int rc = select(0, NULL, &wr, &ex, tvp);
    if (rc == SOCKET_ERROR)
        return sys_last_error();
    if (rc == 0)
        return SYS_E_TIMEDOUT;
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&soerr, &len) != 0)
        return sys_last_error();
    if (soerr == 0 && FD_ISSET(s, &ex))
        return SYS_E_CONNREFUSED;
    return sys_error_from_os(soerr);
}

/* getaddrinfo reports WSA codes on Windows. */
int sys_os_gai_error(int rc, int saved_errno)
{
    (void)saved_errno;
    if (rc == 0)
        return SYS_OK;
    int err = sys_error_from_os(rc);
    return err == SYS_E_NOMEM ? err : SYS_E_RESOLVE;
}

/*
 * The listening socket gets neither SO_REUSEADDR nor SO_EXCLUSIVEADDRUSE
 * (libuv's choice too). On Windows SO_REUSEADDR does not mean "rebind past
 * TIME_WAIT" but "bind a port another socket is already listening on": a
 * second host on 9090 would silently share the port with the first and get
 * half the players. SO_EXCLUSIVEADDRUSE would also keep other programs off
 * the port, but a listener that had it cannot be rebound while connections
 * it accepted linger, so a host restarted after a game could be refused
 * for minutes. The default is what a game host wants: a second bind fails
 * with WSAEADDRINUSE ("port in use"), another user cannot take the port
 * (Windows Server 2003 and later), and a restart binds at once.
 */
int sys_os_listen_options(os_socket s)
{
    (void)s;
    return SYS_OK;
}

int sys_set_nonblock(sys_socket s, int on)
{
    u_long mode = on ? 1 : 0;
    if (ioctlsocket((SOCKET)s, FIONBIO, &mode) != 0)
        return sys_last_error();
    return SYS_OK;
}

int sys_set_nodelay(sys_socket s)
{
    BOOL one = TRUE;
    if (setsockopt((SOCKET)s, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one) != 0)
        return sys_last_error();
    return SYS_OK;
}

/* Winsock lengths are int: a longer buffer goes in INT_MAX pieces. */
static int clamp_len(size_t len)
{
    return len > INT_MAX ? INT_MAX : (int)len;
}

long sys_send(sys_socket s, const void *buf, size_t len)
{
    int n = send((SOCKET)s, buf, clamp_len(len), 0);
    return n == SOCKET_ERROR ? sys_last_error() : (long)n;
}

long sys_recv(sys_socket s, void *buf, size_t len)
{
    if (len == 0)
        return SYS_E_INVAL; /* 0 bytes would look like an orderly close */
    int n = recv((SOCKET)s, buf, clamp_len(len), 0);
    if (n == 0)
        return SYS_E_CLOSED;
    return n == SOCKET_ERROR ? sys_last_error() : (long)n;
}

int sys_wait_readable(sys_socket s, int timeout_ms)
{
    /* An error or hang-up counts as readable: the next sys_recv reports it. */
    fd_set rd, ex;
    struct timeval tv, *tvp = NULL;
    FD_ZERO(&rd);
    FD_ZERO(&ex);
    FD_SET((SOCKET)s, &rd);
    FD_SET((SOCKET)s, &ex);
    if (timeout_ms >= 0) {
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
        tvp = &tv;
    }
    int rc = select(0, &rd, NULL, &ex, tvp);
    if (rc == SOCKET_ERROR)
        return sys_last_error();
    return rc > 0 ? 1 : 0;
}

/* sys.h promises a struct sys_pollfd array is a WSAPOLLFD array. */
_Static_assert(sizeof(struct sys_pollfd) == sizeof(WSAPOLLFD), "sys_pollfd size");
_Static_assert(offsetof(struct sys_pollfd, s) == offsetof(WSAPOLLFD, fd), "sys_pollfd.s");
_Static_assert(offsetof(struct sys_pollfd, events) == offsetof(WSAPOLLFD, events), "sys_pollfd.events");
_Static_assert(offsetof(struct sys_pollfd, revents) == offsetof(WSAPOLLFD, revents), "sys_pollfd.revents");
_Static_assert(SYS_POLLIN == POLLIN && SYS_POLLOUT == POLLOUT && SYS_POLLERR == POLLERR && SYS_POLLHUP == POLLHUP,
               "SYS_POLL* bits");

/*
 * WSAPoll: no FD_SETSIZE limit, the caller's array as it is. Two things it
 * does not do as poll does: with no sockets at all it fails (WSAEINVAL)
 * instead of sleeping, so that case sleeps here; and before Windows 10
 * 2004 it never reported a *failed* connect (no POLLERR/POLLHUP), so a
 * caller must also give up on a connect by its own timeout.
 */
int sys_poll(struct sys_pollfd *fds, size_t n, int timeout_ms)
{
    if (n == 0) {
        Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
        return 0;
    }
    if (n > ULONG_MAX)
        return SYS_E_INVAL;
    int rc = WSAPoll((WSAPOLLFD *)fds, (ULONG)n, timeout_ms);
    return rc == SOCKET_ERROR ? sys_last_error() : rc;
}

void sys_close(sys_socket s)
{
    if (s != SYS_BAD_SOCKET)
        closesocket((SOCKET)s);
}

/* ------------------------------------------------------------------------
 * Clocks and the machine
 * ---------------------------------------------------------------------- */

void sys_time_of_day(char *out, size_t len)
{
    SYSTEMTIME t;
    GetLocalTime(&t);
    snprintf(out, len, "%02u:%02u:%02u.%03u", t.wHour, t.wMinute, t.wSecond, t.wMilliseconds);
}

static uint64_t qpc_ticks(uint64_t per_second)
{
    static LARGE_INTEGER freq; /* constant since boot; a racy first fill is harmless */
    LARGE_INTEGER now;
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    uint64_t t = (uint64_t)now.QuadPart, f = (uint64_t)freq.QuadPart;
    /* Whole seconds and the remainder apart, so that t * per_second never
     * overflows. */
    return t / f * per_second + t % f * per_second / f;
}

uint64_t sys_now_us(void)
{
    return qpc_ticks(1000000u);
}

uint64_t sys_now_ms(void)
{
    return qpc_ticks(1000u);
}

void sys_sleep_ms(unsigned ms)
{
    Sleep(ms);
}


uint32_t sys_process_id(void)
{
    return (uint32_t)GetCurrentProcessId();
}

/* ------------------------------------------------------------------------
 * Stop signals: a console control handler and an event
 * ---------------------------------------------------------------------- */

/* Auto-reset, so that a wait that takes it also clears it. Made once by
 * sys_stop_signals_block in the main thread, before the handler can run. */
static HANDLE stop_event;

/*
 * Runs in a thread of its own that Windows starts for the event. Ctrl+C and
 * Ctrl+Break are then handled (TRUE: the process goes on). A closed console
 * window ends the process as soon as this returns, so for that one the
 * handler does not return: the main thread has until Windows' own time-out
 * (about 5 s) to stop cleanly and exit, which ends this thread too.
 */
static BOOL WINAPI stop_handler(DWORD type)
{
    switch (type) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
        SetEvent(stop_event);
        return TRUE;
    case CTRL_CLOSE_EVENT:
        SetEvent(stop_event);
        Sleep(INFINITE);
        return TRUE;
    default:
        return FALSE;
    }
}

void sys_stop_signals_block(void)
{
    if (stop_event == NULL)
        stop_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (stop_event != NULL)
        SetConsoleCtrlHandler(stop_handler, TRUE);
}

int sys_stop_signals_wait(int timeout_ms)
{
    if (stop_event == NULL) { /* never blocked: nothing can arrive */
        if (timeout_ms != 0)
            Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
        return 0;
    }
    return WaitForSingleObject(stop_event, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms) == WAIT_OBJECT_0;
}

void sys_stop_signals_unblock(void)
{
    if (stop_event == NULL)
        return;
    SetConsoleCtrlHandler(stop_handler, FALSE);
    SetConsoleCtrlHandler(NULL, FALSE); /* an inherited "ignore Ctrl+C" too */
    ResetEvent(stop_event);
}
int sys_cpu_count(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors > 0 ? (int)si.dwNumberOfProcessors : 1;
}

/* ------------------------------------------------------------------------
 * For hosts: shutdown, accepting now, and the descriptor limit
 * ---------------------------------------------------------------------- */

/*
 * sys.h promises that the outstanding receive and send on s complete. A
 * Windows shutdown() does not complete an overlapped WSARecv (nor a
 * WSASend that a peer who stopped reading holds back), so the operations
 * on s are cancelled too: they complete with WSA_OPERATION_ABORTED
 * (SYS_E_RESET), and their buffers come back to their owners.
 */
void sys_shutdown(sys_socket s)
{
    if (s == SYS_BAD_SOCKET)
        return;
    shutdown((SOCKET)s, SD_BOTH);
    CancelIoEx((HANDLE)s, NULL);
}

int sys_accept_now(sys_socket listener, sys_socket *out)
{
    /* The listener may be blocking (the IOCP backend's): take only what is
     * there. */
    if (sys_wait_readable(listener, 0) != 1)
        return SYS_E_AGAIN;
    SOCKET s = accept((SOCKET)listener, NULL, NULL);
    if (s == INVALID_SOCKET)
        return sys_last_error();
    SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
    sys_set_nonblock((sys_socket)s, 1);
    *out = (sys_socket)s;
    return 0;
}

/* Windows has no descriptor limit for sockets: memory is the limit. The
 * same cap as the POSIX side keeps the connection table sane. */
uint32_t sys_raise_fd_limit(void)
{
    return 1000000;
}

/* No descriptor limit, so nothing to hold back: the core sees "no spare"
 * and simply lets a failed accept be. */
sys_socket sys_fd_spare_take(void)
{
    return SYS_BAD_SOCKET;
}

void sys_fd_spare_release(sys_socket s)
{
    sys_close(s);
}

/* ------------------------------------------------------------------------
 * UDP, for LAN discovery
 * ---------------------------------------------------------------------- */

/*
 * Several hosts on one machine share the discovery port: SO_REUSEADDR is
 * what does that on Windows (there is no SO_REUSEPORT). And by default
 * Windows reports an ICMP "port unreachable" for an earlier datagram as
 * WSAECONNRESET on the next recvfrom, which would make a host that
 * answered a vanished client look broken: that is turned off (best effort:
 * the callers skip resets anyway).
 */
int sys_os_udp_options(os_socket s, int flags)
{
    BOOL one = TRUE, off = FALSE;
    DWORD got = 0;
    if ((flags & SYS_UDP_REUSE) && setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (const char *)&one, sizeof one) != 0)
        return sys_last_error();
    if ((flags & SYS_UDP_BROADCAST) && setsockopt(s, SOL_SOCKET, SO_BROADCAST, (const char *)&one, sizeof one) != 0)
        return sys_last_error();
    (void)WSAIoctl(s, SIO_UDP_CONNRESET, &off, sizeof off, NULL, 0, &got, NULL, NULL);
    return SYS_OK;
}

long sys_sendto(sys_socket s, const void *buf, size_t len, const char *ipv4, uint16_t port)
{
    struct sockaddr_in to;

    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    if (ipv4 == NULL || inet_pton(AF_INET, ipv4, &to.sin_addr) != 1)
        return SYS_E_INVAL;
    int n = sendto((SOCKET)s, buf, clamp_len(len), 0, (struct sockaddr *)&to, sizeof to);
    return n == SOCKET_ERROR ? sys_last_error() : (long)n;
}

long sys_recvfrom(sys_socket s, void *buf, size_t len, char *ip, size_t iplen, uint16_t *port)
{
    struct sockaddr_in from;
    int fromlen = sizeof from;

    memset(&from, 0, sizeof from);
    int n = recvfrom((SOCKET)s, buf, clamp_len(len), 0, (struct sockaddr *)&from, &fromlen);
    if (n == SOCKET_ERROR) {
        int e = WSAGetLastError();
        if (e != WSAEMSGSIZE)
            return sys_error_from_os(e);
        n = clamp_len(len); /* the datagram was longer: cut to len, as on POSIX */
    }
    if (ip != NULL && iplen > 0 && inet_ntop(AF_INET, &from.sin_addr, ip, iplen) == NULL)
        ip[0] = '\0';
    if (port != NULL)
        *port = ntohs(from.sin_port);
    return (long)n;
}

int sys_lan_addresses(char (*out)[SYS_ADDR_LEN], int max)
{
    ULONG size = 16 * 1024;
    IP_ADAPTER_ADDRESSES *all = NULL;
    ULONG rc = ERROR_BUFFER_OVERFLOW;
    ULONG flags = GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER;
    for (int tries = 0; tries < 3 && rc == ERROR_BUFFER_OVERFLOW; tries++) {
        free(all);
        all = malloc(size);
        if (!all)
            return 0;
        rc = GetAdaptersAddresses(AF_INET, flags, NULL, all, &size);
    }
    int n = 0;
    for (IP_ADAPTER_ADDRESSES *a = rc == NO_ERROR ? all : NULL; a && n < max; a = a->Next) {
        if (a->OperStatus != IfOperStatusUp || a->IfType == IF_TYPE_SOFTWARE_LOOPBACK)
            continue;
        for (IP_ADAPTER_UNICAST_ADDRESS *u = a->FirstUnicastAddress; u && n < max; u = u->Next) {
            const struct sockaddr_in *in = (const struct sockaddr_in *)u->Address.lpSockaddr;
            if (in->sin_family != AF_INET || (ntohl(in->sin_addr.s_addr) >> 16) == 0xA9FE)
                continue; /* 169.254/16: no DHCP answered, nobody can reach it */
            inet_ntop(AF_INET, (void *)&in->sin_addr, out[n], SYS_ADDR_LEN);
            n++;
        }
    }
    free(all);
    return n;
}

char **sys_utf8_argv(int *argc, char **argv)
{
    int n = 0;
    wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!w)
        return argv;
    char **a = calloc((size_t)n + 1, sizeof *a);
    for (int i = 0; a && i < n; i++) {
        int len = WideCharToMultiByte(CP_UTF8, 0, w[i], -1, NULL, 0, NULL, NULL);
        a[i] = len > 0 ? malloc((size_t)len) : NULL;
        if (!a[i]) {
            a = NULL; /* out of memory this early: keep the ANSI argv */
            break;
        }
        WideCharToMultiByte(CP_UTF8, 0, w[i], -1, a[i], len, NULL, NULL);
    }
    LocalFree(w);
    if (!a)
        return argv;
    *argc = n;
    return a;
}

/* ------------------------------------------------------------------------
 * Threads and locks
 * ---------------------------------------------------------------------- */

_Static_assert(sizeof(sys_mutex) == sizeof(SRWLOCK), "sys_mutex holds an SRWLOCK");

struct thread_start {
    void (*fn)(void *arg);
    void *arg;
};

static DWORD WINAPI thread_trampoline(LPVOID p)
{
    struct thread_start ts = *(struct thread_start *)p;
    free(p);
    ts.fn(ts.arg);
    return 0;
}

int sys_thread_start(sys_thread *t, void (*fn)(void *arg), void *arg)
{
    struct thread_start *ts = malloc(sizeof *ts);
    if (!ts)
        return SYS_E_NOMEM;
    ts->fn = fn;
    ts->arg = arg;
    HANDLE h = CreateThread(NULL, 0, thread_trampoline, ts, 0, NULL);
    if (h == NULL) {
        int err = sys_error_from_os((int)GetLastError());
        free(ts);
        return err;
    }
    *t = h;
    return SYS_OK;
}

void sys_thread_join(sys_thread t)
{
    WaitForSingleObject((HANDLE)t, INFINITE);
    CloseHandle((HANDLE)t);
}

void sys_thread_detach(sys_thread t)
{
    CloseHandle((HANDLE)t);
}

void sys_mutex_init(sys_mutex *m)
{
    InitializeSRWLock((SRWLOCK *)m);
}

void sys_mutex_destroy(sys_mutex *m)
{
    (void)m; /* an SRWLOCK needs no destroying */
}

void sys_mutex_lock(sys_mutex *m)
{
    AcquireSRWLockExclusive((SRWLOCK *)m);
}

void sys_mutex_unlock(sys_mutex *m)
{
    ReleaseSRWLockExclusive((SRWLOCK *)m);
}

_Static_assert(sizeof(sys_cond) == sizeof(CONDITION_VARIABLE), "sys_cond holds a CONDITION_VARIABLE");

void sys_cond_init(sys_cond *c)
{
    InitializeConditionVariable((CONDITION_VARIABLE *)c);
}

void sys_cond_destroy(sys_cond *c)
{
    (void)c; /* nothing to free */
}

void sys_cond_wait(sys_cond *c, sys_mutex *m, int timeout_ms)
{
    SleepConditionVariableSRW((CONDITION_VARIABLE *)c, (SRWLOCK *)m, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms,
                              0);
}

void sys_cond_signal(sys_cond *c)
{
    WakeConditionVariable((CONDITION_VARIABLE *)c);
}
