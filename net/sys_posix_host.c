/* TEMP: to be merged into sys_posix.c */
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys.h"

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
