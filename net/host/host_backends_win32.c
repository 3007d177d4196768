/*
 * The backends a Windows build has, and which one runs: IOCP, the only
 * one. --backend uring or epoll names a Linux backend and is refused.
 */
#include "host_internal.h"

const struct host_backend *host_backend_pick(enum host_backend_kind kind, int *err)
{
    *err = 0;
    if (kind != HOST_BACKEND_AUTO && kind != HOST_BACKEND_IOCP) {
        host_log("the %s backend is Linux-only: this build has iocp", host_backend_kind_name(kind));
        *err = SYS_E_NOSYS;
        return NULL;
    }
    int probe = host_backend_iocp.probe();
    if (probe != 0) {
        *err = probe;
        host_log("iocp is not available here: %s", sys_strerror(probe));
        return NULL;
    }
    return &host_backend_iocp;
}
