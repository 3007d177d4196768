/*
 * The backends a POSIX (Linux) build has, and which one runs: io_uring
 * when the kernel allows it (probed at run time: containers often refuse
 * it), else epoll. --backend forces one; iocp is Windows-only.
 */
#include "host_internal.h"

const struct host_backend *host_backend_pick(enum host_backend_kind kind, int *err)
{
    *err = 0;
    if (kind == HOST_BACKEND_EPOLL)
        return &host_backend_epoll;
    if (kind == HOST_BACKEND_IOCP) {
        host_log("the iocp backend is Windows-only: use uring or epoll here");
        *err = SYS_E_NOSYS;
        return NULL;
    }
    int probe = host_backend_uring.probe();
    if (probe == 0)
        return &host_backend_uring;
    if (kind == HOST_BACKEND_URING) {
        *err = probe;
        host_log("io_uring is not available here: %s", sys_strerror(probe));
        return NULL;
    }
    host_log("io_uring refused (%s): falling back to epoll", sys_strerror(probe));
    return &host_backend_epoll;
}
