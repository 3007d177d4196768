/*
 * Inside the sys layer only: the platform's socket headers and the few
 * primitives in which POSIX and Winsock differ, so that sys_common.c can
 * hold the socket code that is the same on both (resolving, connecting,
 * listening, addresses, UDP sockets) once. sys_posix.c and sys_win32.c
 * define these; nothing outside net/sys/ includes this file.
 */
#ifndef PAWN_NET_SYS_OS_H
#define PAWN_NET_SYS_OS_H

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
typedef SOCKET os_socket;
typedef int os_socklen;
#define OS_BAD_SOCKET INVALID_SOCKET
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
typedef int os_socket;
typedef socklen_t os_socklen;
#define OS_BAD_SOCKET (-1)
#endif

#include "sys.h"

/* A new IPv4 socket of type (SOCK_STREAM, SOCK_DGRAM), nonblocking and
 * never inherited by child processes (Windows: also overlapped, for IOCP).
 * OS_BAD_SOCKET on failure (sys_last_error says why). */
os_socket sys_os_socket(int type, int protocol);

/* The last connect() failed only because the connect goes on in the
 * background (EINPROGRESS or EINTR; WSAEWOULDBLOCK). */
int sys_os_connect_pending(void);

/* The last getpeername() said "not connected yet" (ENOTCONN). */
int sys_os_not_connected(void);

/* Waits for a nonblocking connect on s to finish: 0, or a SYS_E_*.
 * timeout_ms < 0 waits for as long as the stack does. */
int sys_os_connect_wait(os_socket s, int timeout_ms);

/* getaddrinfo's result rc (and errno right after it) as a SYS_E_*. */
int sys_os_gai_error(int rc, int saved_errno);

/* Options a listening TCP socket gets before bind (sys_listen says why
 * they differ). */
int sys_os_listen_options(os_socket s);

/* Options a UDP socket gets before bind, for SYS_UDP_* flags. */
int sys_os_udp_options(os_socket s, int flags);

#endif
