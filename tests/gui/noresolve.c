/*
 * The resolver guard: an LD_PRELOAD library that every game window of the
 * GUI tests runs with (gui_env). A name lookup of anything but a numeric
 * address or "localhost" never reaches the system's resolver: it fails at
 * once (EAI_NONAME / HOST_NOT_FOUND) and the name is appended, one per
 * line, to $PAWN_RESOLVE_LOG. So no test can send a DNS query, whatever
 * is typed, and a test (and gui_run, after every case) can tell that the
 * game asked for nothing: the address check (game/addr.h) must refuse a
 * malformed address before any lookup.
 *
 * Numeric addresses and "localhost" go to the real functions (RTLD_NEXT:
 * libc, or a sanitizer's interceptor in front of it).
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* 1 when looking name up needs no resolver. */
static int local_name(const char *name)
{
    unsigned char buf[16];
    if (!name)
        return 1;
    return strcasecmp(name, "localhost") == 0 || inet_pton(AF_INET, name, buf) == 1
        || inet_pton(AF_INET6, name, buf) == 1;
}

/* One line to the log, in one write (O_APPEND: whole lines from many
 * processes and threads). */
static void note(const char *fn, const char *name)
{
    const char *path = getenv("PAWN_RESOLVE_LOG");
    if (!path)
        return;
    char line[512];
    size_t n = strlen(fn), m = strlen(name);
    if (n + m + 3 > sizeof line)
        m = sizeof line - n - 3;
    memcpy(line, fn, n);
    line[n] = ' ';
    memcpy(line + n + 1, name, m);
    line[n + 1 + m] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, line, n + m + 2);
        (void)w;
        close(fd);
    }
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
    static int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
    if (!local_name(node)) {
        note("getaddrinfo", node);
        return EAI_NONAME;
    }
    if (!real)
        real = (int (*)(const char *, const char *, const struct addrinfo *, struct addrinfo **))dlsym(RTLD_NEXT,
                                                                                                 "getaddrinfo");
    return real ? real(node, service, hints, res) : EAI_FAIL;
}

struct hostent *gethostbyname(const char *name)
{
    static struct hostent *(*real)(const char *);
    if (!local_name(name)) {
        note("gethostbyname", name);
        h_errno = HOST_NOT_FOUND;
        return NULL;
    }
    if (!real)
        real = (struct hostent * (*)(const char *)) dlsym(RTLD_NEXT, "gethostbyname");
    return real ? real(name) : NULL;
}

int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen, struct hostent **result,
                    int *h_errnop)
{
    static int (*real)(const char *, struct hostent *, char *, size_t, struct hostent **, int *);
    if (!local_name(name)) {
        note("gethostbyname_r", name);
        *result = NULL;
        *h_errnop = HOST_NOT_FOUND;
        return ENOENT;
    }
    if (!real)
        real = (int (*)(const char *, struct hostent *, char *, size_t, struct hostent **, int *))dlsym(
            RTLD_NEXT, "gethostbyname_r");
    return real ? real(name, ret, buf, buflen, result, h_errnop) : ENOSYS;
}
