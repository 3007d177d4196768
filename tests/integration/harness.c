/*
 * The integration harness (see harness.h): host processes and test
 * clients. POSIX only, on purpose: the harness always runs on Linux.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

extern char **environ;

/* ==== configuration and reporting ======================================= */

char *it_host_argv[IT_MAX_PREFIX];
int it_host_argc;
const char *it_backend = "epoll";
const char *it_case_name = "(none)";
int it_failures;
int it_verbose;

static int slow_factor = 1;

/* Every host this process started, so that a failure or the watchdog can
 * kill exactly those (by PID) and nothing else. */
#define MAX_HOSTS 16
static struct hp *hosts[MAX_HOSTS];
static volatile pid_t host_pids[MAX_HOSTS];
static volatile pid_t tool_pid;

int it_set_host(const char *cmd)
{
    static char buf[1024];
    if (strlen(cmd) >= sizeof buf)
        return -1;
    strcpy(buf, cmd);
    it_host_argc = 0;
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        if (it_host_argc >= IT_MAX_PREFIX - 1)
            return -1;
        it_host_argv[it_host_argc++] = tok;
    }
    it_host_argv[it_host_argc] = NULL;
    return it_host_argc > 0 ? 0 : -1;
}

int it_host_is_windows(void)
{
    for (int i = 0; i < it_host_argc; i++) {
        const char *a = it_host_argv[i];
        const char *base = strrchr(a, '/');
        base = base ? base + 1 : a;
        size_t n = strlen(a);
        if (strncmp(base, "wine", 4) == 0 || (n > 4 && strcasecmp(a + n - 4, ".exe") == 0))
            return 1;
    }
    return 0;
}

int it_stop_signal(void)
{
    return it_host_is_windows() ? SIGINT : SIGTERM;
}

static void kill_ours(void)
{
    for (int i = 0; i < MAX_HOSTS; i++)
        if (host_pids[i] > 0)
            kill(host_pids[i], SIGKILL);
    if (tool_pid > 0)
        kill(tool_pid, SIGKILL);
}

static void on_fatal_signal(int sig)
{
    static const char msg[] = "itest: watchdog/signal: killing the hosts it started\n";
    kill_ours();
    (void)!write(2, msg, sizeof msg - 1);
    _exit(sig == SIGALRM ? 1 : 128 + sig);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define IT_SANITIZED 1
#endif
#if __has_feature(thread_sanitizer)
#define IT_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define IT_SANITIZED 1
#endif
#if defined(__SANITIZE_THREAD__)
#define IT_SANITIZED 1
#define IT_TSAN 1
#endif

void it_init(void)
{
    sys_init();
    signal(SIGPIPE, SIG_IGN);
    /* Discovery must never leave the machine: set it for every child. */
    setenv("PAWNPARTY_DISCOVERY_ADDR", "127.0.0.1", 1);
#if defined(IT_TSAN)
    slow_factor = 5;
#elif defined(IT_SANITIZED)
    slow_factor = 3;
#endif
    const char *s = getenv("PAWN_ITEST_SLOW");
    if (s && atoi(s) > 0)
        slow_factor = atoi(s);
    const char *v = getenv("PAWN_ITEST_VERBOSE");
    if (v && *v && *v != '0')
        it_verbose = 1;
    /* CTest gives every case 180 s; stop a little before, killing our own
     * hosts so that nothing outlives the test. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    alarm(170);
}

int it_ms(int ms)
{
    return ms * slow_factor;
}

int it_slow_factor(void)
{
    return slow_factor;
}

static void unregister_pid(pid_t pid);

/* A failure is often the host having died (a crash, a sanitizer abort):
 * say so, with its log, instead of leaving only timeouts to read. */
static void note_dead_hosts(void)
{
    for (int i = 0; i < MAX_HOSTS; i++) {
        struct hp *h = hosts[i];
        int st;
        if (!h || h->reaped || h->pid <= 0 || waitpid(h->pid, &st, WNOHANG) != h->pid)
            continue;
        h->reaped = 1;
        h->wstatus = st;
        unregister_pid(h->pid);
        if (WIFSIGNALED(st))
            fprintf(stderr, "  note: the host (pid %d) has died of signal %d\n", (int)h->pid, WTERMSIG(st));
        else
            fprintf(stderr, "  note: the host (pid %d) has exited with status %d\n", (int)h->pid, WEXITSTATUS(st));
        hp_log_dump(h, 0, "host stderr (it is gone)");
        h->dumped = 1;
    }
}

void it_fail_at(const char *file, int line, const char *fmt, ...)
{
    const char *base = strrchr(file, '/');
    va_list ap;
    it_failures++;
    fflush(stdout);
    fprintf(stderr, "FAIL %s (%s:%d): ", it_case_name, base ? base + 1 : file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    note_dead_hosts();
    fflush(stderr);
}

void it_note(const char *fmt, ...)
{
    va_list ap;
    printf("  [%s] ", it_case_name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

_Noreturn void it_abort(void)
{
    for (int i = 0; i < MAX_HOSTS; i++) {
        if (hosts[i]) {
            if (!hosts[i]->dumped)
                hp_log_dump(hosts[i], 0, "host log (case aborted)");
            hp_cleanup(hosts[i]);
        }
    }
    kill_ours();
    printf("FAIL %s\n0 passed, 1 failed\n", it_case_name);
    fflush(stdout);
    exit(1);
}

int it_has_ci(const char *hay, const char *needle)
{
    return strcasestr(hay, needle) != NULL;
}

/* ==== random ============================================================= */

void it_rng_seed(struct it_rng *r, uint64_t seed)
{
    r->s = seed ? seed : 0x9e3779b97f4a7c15ull;
}

uint32_t it_rng_next(struct it_rng *r)
{
    /* splitmix64 */
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 16);
}

uint32_t it_rng_below(struct it_rng *r, uint32_t n)
{
    return n ? it_rng_next(r) % n : 0;
}

/* ==== processes ========================================================== */

static void register_host(struct hp *h)
{
    for (int i = 0; i < MAX_HOSTS; i++) {
        if (!hosts[i]) {
            hosts[i] = h;
            host_pids[i] = h->pid;
            return;
        }
    }
}

static void unregister_pid(pid_t pid)
{
    for (int i = 0; i < MAX_HOSTS; i++)
        if (host_pids[i] == pid)
            host_pids[i] = 0;
}

static void unregister_host(struct hp *h)
{
    for (int i = 0; i < MAX_HOSTS; i++)
        if (hosts[i] == h)
            hosts[i] = NULL;
}

/* argv = host prefix + tail. The returned array is malloc'd. */
static char **build_argv(const char *const *tail)
{
    int n = 0;
    while (tail && tail[n])
        n++;
    char **argv = calloc((size_t)(it_host_argc + n + 1), sizeof *argv);
    if (!argv)
        return NULL;
    for (int i = 0; i < it_host_argc; i++)
        argv[i] = it_host_argv[i];
    for (int i = 0; i < n; i++)
        argv[it_host_argc + i] = (char *)tail[i];
    return argv;
}

static void print_argv(const char *what, char **argv)
{
    if (!it_verbose)
        return;
    printf("  [%s] %s:", it_case_name, what);
    for (char **a = argv; *a; a++)
        printf(" %s", *a);
    putchar('\n');
}

/* Spawns argv with stdin from /dev/null, stdout to the pipe out_wr (or to
 * out_path when out_wr < 0) and stderr to err_path (or to stdout when
 * err_path is NULL). Every other descriptor of ours is closed in the
 * child, so it never holds a test client's socket open. */
static pid_t spawn(char **argv, int out_wr, const char *out_path, const char *err_path)
{
    posix_spawn_file_actions_t fa;
    pid_t pid = -1;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_wr >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_wr, 1);
    else
        posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err_path)
        posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    else
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        IT_FAIL("posix_spawnp %s: %s", argv[0], strerror(e));
        return -1;
    }
    return pid;
}

static int status_code(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return 255;
}

/* waitpid with a timeout: 1 reaped (*wstatus), 0 still running. */
static int wait_pid(pid_t pid, int *wstatus, int timeout_ms)
{
    uint64_t end = sys_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        pid_t r = waitpid(pid, wstatus, WNOHANG);
        if (r == pid)
            return 1;
        if (r < 0 && errno != EINTR) {
            *wstatus = 255 << 8;
            return 1;
        }
        if (sys_now_ms() >= end)
            return 0;
        sys_sleep_ms(5);
    }
}

struct drain_ctx {
    int fd, out;
    atomic_int stop;
    pthread_t th;
};

/* Copies the host's stdout to out_path so the pipe never fills up. */
static void *drain_main(void *arg)
{
    struct drain_ctx *d = arg;
    char buf[4096];
    while (!atomic_load(&d->stop)) {
        struct pollfd p = {.fd = d->fd, .events = POLLIN};
        int r = poll(&p, 1, 100);
        if (r <= 0)
            continue;
        ssize_t n = read(d->fd, buf, sizeof buf);
        if (n <= 0)
            break;
        if (d->out >= 0)
            (void)!write(d->out, buf, (size_t)n);
    }
    return NULL;
}

static int log_says_uring_refused(const struct hp *h)
{
    char *log = hp_log(h);
    int yes = 0;
    if (log) {
        static const char *const why[] = {"not available", "unavailable", "refused", "not supported",
                                          "unsupported", "not permitted", "denied", "disabled", NULL};
        if (it_has_ci(log, "uring"))
            for (int i = 0; why[i]; i++)
                if (it_has_ci(log, why[i]))
                    yes = 1;
        free(log);
    }
    return yes;
}

/* From now on a thread copies the host's stdout (rest: what was read
 * after the listening line) to out_path, so the pipe never fills. */
static void start_drain(struct hp *h, const char *rest, size_t n)
{
    struct drain_ctx *d = calloc(1, sizeof *d);
    IT_REQUIRE(d != NULL);
    d->fd = h->out_fd;
    d->out = open(h->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (d->out >= 0 && n > 0)
        (void)!write(d->out, rest, n);
    if (pthread_create(&d->th, NULL, drain_main, d) == 0) {
        h->drain = d;
        h->drain_running = 1;
        return;
    }
    if (d->out >= 0)
        close(d->out);
    free(d);
}

/* Takes the port from a `listening on ADDR:PORT` line (after the last
 * ':'). Returns 1 for such a line, 0 for another line; a listening line
 * without a port fails the case. */
static int parse_listening(struct hp *h, const char *line)
{
    const char *l = strstr(line, "listening on ");
    if (!l)
        return 0;
    const char *colon = strrchr(l, ':');
    long pv = colon ? strtol(colon + 1, NULL, 10) : 0;
    if (pv <= 0 || pv > 65535) {
        IT_FAIL("host printed a listening line without a port: \"%s\"", line);
        it_abort();
    }
    h->port = (uint16_t)pv;
    if (it_verbose)
        it_note("host pid %d: %s", (int)h->pid, line);
    return 1;
}

/* Reads the host's stdout until the listening line (1), the host's exit
 * (0, reaped) or the timeout (-1). */
static int wait_listening(struct hp *h, int listen_ms)
{
    char line[1024];
    size_t len = 0;
    int out_eof = 0;
    uint64_t end = sys_now_ms() + (uint64_t)listen_ms;
    while (sys_now_ms() < end) {
        struct pollfd pf = {.fd = h->out_fd, .events = POLLIN};
        if (!out_eof && poll(&pf, 1, 50) > 0) {
            ssize_t r = read(h->out_fd, line + len, sizeof line - 1 - len);
            if (r <= 0)
                out_eof = 1;
            else
                len += (size_t)r;
            line[len] = 0;
            char *nl;
            while ((nl = strchr(line, '\n')) != NULL) {
                *nl = 0;
                if (parse_listening(h, line)) {
                    start_drain(h, nl + 1, (size_t)(line + len - nl - 1));
                    return 1;
                }
                len -= (size_t)(nl + 1 - line);
                memmove(line, nl + 1, len + 1);
            }
            if (len >= sizeof line - 1)
                len = 0; /* an absurdly long line: drop it */
        } else if (out_eof) {
            sys_sleep_ms(20); /* wine's server may keep the pipe open */
        }
        int st;
        if (waitpid(h->pid, &st, WNOHANG) == h->pid) {
            h->reaped = 1;
            h->wstatus = st;
            unregister_pid(h->pid);
            close(h->out_fd);
            h->out_fd = -1;
            return 0;
        }
    }
    return -1;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int hp_start(struct hp *h, uint16_t port, const char *const *extra)
{
    memset(h, 0, sizeof *h);
    h->out_fd = -1;
    snprintf(h->dir, sizeof h->dir, "/tmp/pawnparty-it-XXXXXX");
    IT_REQUIRE(mkdtemp(h->dir) != NULL);
    snprintf(h->log_path, sizeof h->log_path, "%s/host.stderr", h->dir);
    snprintf(h->out_path, sizeof h->out_path, "%s/host.stdout", h->dir);

    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)port);
    const char *tail[64];
    int n = 0;
    tail[n++] = "host";
    tail[n++] = "--headless";
    tail[n++] = "--port";
    tail[n++] = portbuf;
    tail[n++] = "--backend";
    tail[n++] = it_backend;
    for (int i = 0; extra && extra[i] && n < 62; i++)
        tail[n++] = extra[i];
    tail[n] = NULL;
    char **argv = build_argv(tail);
    IT_REQUIRE(argv != NULL);
    print_argv("host", argv);

    /* Wine may have to set up its prefix first: give it longer. */
    int listen_ms = it_ms(it_host_is_windows() ? 60000 : 20000);
    int r;
    for (int attempt = 0;; attempt++) {
        int p[2];
        IT_REQUIRE(pipe2(p, O_CLOEXEC) == 0);
        h->pid = spawn(argv, p[1], NULL, h->log_path);
        close(p[1]);
        if (h->pid <= 0) {
            close(p[0]);
            free(argv);
            it_abort();
        }
        register_host(h);
        h->out_fd = p[0];
        r = wait_listening(h, listen_ms);
        /* Under Wine, now and then the wine loader exits 1 at once without
         * running the program (an empty log, with other Wine processes
         * starting at the same moment). That is Wine's, not the host's:
         * say so and start it once more. */
        if (r != 0 || attempt > 0 || !it_host_is_windows() || file_size(h->log_path) != 0)
            break;
        printf("note: wine exited with status %d before the host ran (empty log); starting it again\n",
               status_code(h->wstatus));
        close(h->out_fd);
        h->out_fd = -1;
        h->reaped = 0;
        unregister_pid(h->pid);
    }
    free(argv);
    if (r == 1)
        return 0;
    if (r == 0) {
        if (strcmp(it_backend, "uring") == 0 && log_says_uring_refused(h)) {
            hp_log_dump(h, 0, "host stderr");
            printf("SKIP: io_uring refused on this machine (the host exited with status %d "
                   "before listening); case %s not run against the uring backend\n",
                   status_code(h->wstatus), it_case_name);
            fprintf(stderr, "SKIP: io_uring refused on this machine\n");
            fflush(stdout);
            hp_cleanup(h);
            exit(77);
        }
        return -1;
    }
    IT_FAIL("the host printed no `listening on ADDR:PORT` line within %d ms", listen_ms);
    it_abort();
}

static void stop_drain(struct hp *h)
{
    if (h->drain_running) {
        struct drain_ctx *d = h->drain;
        atomic_store(&d->stop, 1);
        pthread_join(d->th, NULL);
        if (d->out >= 0)
            close(d->out);
        free(d);
        h->drain = NULL;
        h->drain_running = 0;
    }
    if (h->out_fd >= 0) {
        close(h->out_fd);
        h->out_fd = -1;
    }
}

int hp_wait_exit(struct hp *h, int timeout_ms)
{
    if (!h->reaped) {
        int st;
        if (!wait_pid(h->pid, &st, timeout_ms))
            return -1;
        h->reaped = 1;
        h->wstatus = st;
        unregister_pid(h->pid);
    }
    return status_code(h->wstatus);
}

int hp_stop(struct hp *h, int sig, int timeout_ms)
{
    if (!h->reaped)
        kill(h->pid, sig);
    int code = hp_wait_exit(h, timeout_ms);
    if (code < 0) {
        kill(h->pid, SIGKILL);
        hp_wait_exit(h, 5000);
        stop_drain(h);
        return -1;
    }
    stop_drain(h);
    return code;
}

int hp_alive(struct hp *h)
{
    if (h->reaped)
        return 0;
    return hp_wait_exit(h, 0) < 0;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

void hp_cleanup(struct hp *h)
{
    if (h->pid > 0 && !h->reaped) {
        kill(h->pid, SIGKILL);
        hp_wait_exit(h, 5000);
    }
    stop_drain(h);
    unregister_host(h);
    if (h->dir[0]) {
        if (it_failures == 0 && !getenv("PAWN_ITEST_KEEP"))
            rm_dir(h->dir);
        else
            fprintf(stderr, "  [%s] host files kept in %s\n", it_case_name, h->dir);
        h->dir[0] = 0;
    }
}

char *hp_log(const struct hp *h)
{
    FILE *f = fopen(h->log_path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (cap - len < 2048) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + len, 1, cap - len - 1, f);
        if (r == 0)
            break;
        len += r;
    }
    fclose(f);
    if (buf)
        buf[len] = 0;
    return buf;
}

size_t hp_log_size(const struct hp *h)
{
    struct stat st;
    if (stat(h->log_path, &st) != 0)
        return 0;
    return (size_t)st.st_size;
}

int hp_log_count(const struct hp *h, size_t from, int (*pred)(const char *line, void *ctx), void *ctx)
{
    char *log = hp_log(h);
    if (!log)
        return 0;
    size_t len = strlen(log);
    int count = 0;
    char *p = log + (from < len ? from : len);
    while (*p) {
        char *nl = strchr(p, '\n');
        if (!nl)
            break; /* a line still being written */
        *nl = 0;
        if (pred(p, ctx))
            count++;
        p = nl + 1;
    }
    free(log);
    return count;
}

int hp_log_wait(const struct hp *h, size_t from, int (*pred)(const char *line, void *ctx), void *ctx, int n,
                int timeout_ms)
{
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    int c;
    for (;;) {
        c = hp_log_count(h, from, pred, ctx);
        if (c >= n || sys_now_ms() >= end)
            return c;
        sys_sleep_ms(10);
    }
}

void hp_log_dump(const struct hp *h, size_t from, const char *title)
{
    char *log = hp_log(h);
    if (!log)
        return;
    size_t len = strlen(log);
    const char *p = log + (from < len ? from : len);
    /* The tail is what matters: at most the last 60 lines. */
    int lines = 0;
    for (const char *q = p; *q; q++)
        lines += *q == '\n';
    int skip = lines > 60 ? lines - 60 : 0;
    fprintf(stderr, "  --- %s (%s, pid %d)%s ---\n", title, h->log_path, (int)h->pid,
            skip ? ", last 60 lines" : "");
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (skip > 0)
            skip--;
        else
            fprintf(stderr, "  | %.*s\n", (int)n, p);
        p += n + (nl ? 1 : 0);
    }
    fprintf(stderr, "  ---\n");
    free(log);
}

int hp_log_dump_at(const struct hp *h, const char *needle, int max_lines, const char *title)
{
    char *log = hp_log(h);
    if (!log)
        return 0;
    char *at = strstr(log, needle);
    if (!at) {
        free(log);
        return 0;
    }
    while (at > log && at[-1] != '\n')
        at--;
    fprintf(stderr, "  --- %s (%s, pid %d) ---\n", title, h->log_path, (int)h->pid);
    for (int i = 0; i < max_lines && *at; i++) {
        char *nl = strchr(at, '\n');
        size_t n = nl ? (size_t)(nl - at) : strlen(at);
        fprintf(stderr, "  | %.*s\n", (int)n, at);
        at += n + (nl ? 1 : 0);
    }
    fprintf(stderr, "  ---\n");
    free(log);
    return 1;
}

long hp_rss_kb(const struct hp *h)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)h->pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

int it_run_tool(const char *dir, const char *const *args, int timeout_ms, char **out)
{
    char path[256];
    snprintf(path, sizeof path, "%s/tool.out", dir);
    char **argv = build_argv(args);
    IT_REQUIRE(argv != NULL);
    print_argv("tool", argv);
    pid_t pid = spawn(argv, -1, path, NULL);
    free(argv);
    *out = NULL;
    if (pid <= 0)
        return -1;
    tool_pid = pid;
    int st, code;
    if (wait_pid(pid, &st, timeout_ms)) {
        code = status_code(st);
    } else {
        kill(pid, SIGKILL);
        wait_pid(pid, &st, 5000);
        code = -1;
    }
    tool_pid = 0;
    FILE *f = fopen(path, "rb");
    if (f) {
        char *buf = calloc(1, 65536);
        if (buf)
            (void)!fread(buf, 1, 65535, f);
        fclose(f);
        *out = buf;
    }
    return code;
}

/* ==== the test client ==================================================== */

const char *it_type_name(uint8_t type)
{
    switch (type) {
    case CS_LOGIN: return "CS_LOGIN";
    case CS_MOVE: return "CS_MOVE";
    case CS_CHAT: return "CS_CHAT";
    case CS_LOGOUT: return "CS_LOGOUT";
    case SC_LOGIN_OK: return "SC_LOGIN_OK";
    case SC_LOGIN_FAIL: return "SC_LOGIN_FAIL";
    case SC_PUT_PLAYER: return "SC_PUT_PLAYER";
    case SC_POSITION: return "SC_POSITION";
    case SC_REMOVE_PLAYER: return "SC_REMOVE_PLAYER";
    case SC_CHAT: return "SC_CHAT";
    default: return "?";
    }
}

static struct tc *tc_new(const char *label)
{
    struct tc *c = calloc(1, sizeof *c);
    IT_REQUIRE(c != NULL);
    c->s = SYS_BAD_SOCKET;
    snprintf(c->label, sizeof c->label, "%s", label);
    reasm_init(&c->rs);
    mirror_init(&c->m);
    c->record = 1;
    return c;
}

struct tc *tc_connect(uint16_t port, const char *label, int rcvbuf)
{
    struct tc *c = tc_new(label);
    if (rcvbuf <= 0) {
        int e = sys_connect("127.0.0.1", port, it_ms(5000), &c->s);
        if (e != 0) {
            IT_FAIL("client %s: connect to 127.0.0.1:%u: %s", label, (unsigned)port, sys_strerror(e));
            tc_free(c);
            return NULL;
        }
        /* Our sockets must not leak into the hosts we spawn later. */
        fcntl((int)c->s, F_SETFD, FD_CLOEXEC);
        return c;
    }
    /* The slow reader: the receive buffer must be small before the
     * handshake fixes the window scale, so no sys_connect here. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    IT_REQUIRE(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        IT_FAIL("client %s: connect: %s", label, strerror(errno));
        close(fd);
        tc_free(c);
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->s = fd;
    return c;
}

void tc_close(struct tc *c)
{
    if (c->s != SYS_BAD_SOCKET) {
        sys_close(c->s);
        c->s = SYS_BAD_SOCKET;
    }
    if (!c->closed)
        c->closed = 2;
}

void tc_close_rst(struct tc *c)
{
    if (c->s != SYS_BAD_SOCKET) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt((int)c->s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    tc_close(c);
}

void tc_free(struct tc *c)
{
    if (!c)
        return;
    tc_close(c);
    mirror_free(&c->m);
    free(c->q);
    free(c);
}

int tc_send_raw(struct tc *c, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    if (c->s == SYS_BAD_SOCKET)
        return SYS_E_CLOSED;
    while (n > 0) {
        long r = sys_send(c->s, p, n);
        if (r == SYS_E_INTR || r == SYS_E_AGAIN)
            continue;
        if (r < 0)
            return (int)r;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int tc_send_msg(struct tc *c, const struct proto_msg *m)
{
    uint8_t buf[PROTO_MAX_PACKET];
    int n = proto_encode(m, buf);
    if (n < 0) {
        IT_FAIL("proto_encode(%s) failed: %s", it_type_name(m->type), proto_strerror(n));
        return n;
    }
    return tc_send_raw(c, buf, (size_t)n);
}

int tc_send_login(struct tc *c, uint16_t version, const uint8_t raw[PROTO_NAME_LEN])
{
    struct proto_msg m;
    memset(&m, 0, sizeof m);
    m.type = CS_LOGIN;
    m.u.login.version = version;
    memcpy(m.u.login.name, raw, PROTO_NAME_LEN);
    return tc_send_msg(c, &m);
}

int tc_send_login_name(struct tc *c, const char *name)
{
    uint8_t raw[PROTO_NAME_LEN];
    memset(raw, 0, sizeof raw);
    size_t n = strlen(name);
    memcpy(raw, name, n < PROTO_NAME_LEN ? n : PROTO_NAME_LEN);
    snprintf(c->name, sizeof c->name, "%s", name);
    return tc_send_login(c, PROTO_VERSION, raw);
}

uint32_t tc_move(struct tc *c, uint8_t dir)
{
    struct proto_msg m;
    memset(&m, 0, sizeof m);
    uint32_t seq = c->seq_sent + 1;
    m.type = CS_MOVE;
    m.u.move.dir = dir;
    m.u.move.move_time = seq;
    c->sent_us[seq % TC_RING] = sys_now_us();
    if (c->seq_sent == c->seq_echoed)
        c->last_echo_us = sys_now_us(); /* the gap clock starts with the first move in flight */
    if (tc_send_msg(c, &m) != 0)
        return 0;
    c->seq_sent = seq;
    return seq;
}

int tc_chat(struct tc *c, const char *text)
{
    struct proto_msg m;
    memset(&m, 0, sizeof m);
    m.type = CS_CHAT;
    size_t n = strlen(text);
    if (n > PROTO_TEXT_MAX)
        n = PROTO_TEXT_MAX;
    m.u.chat.len = (uint8_t)n;
    memcpy(m.u.chat.text, text, n);
    return tc_send_msg(c, &m);
}

int tc_logout(struct tc *c)
{
    struct proto_msg m;
    memset(&m, 0, sizeof m);
    m.type = CS_LOGOUT;
    return tc_send_msg(c, &m);
}

static void queue_push(struct tc *c, const struct proto_msg *m)
{
    if (c->qhead == c->qlen)
        c->qhead = c->qlen = 0;
    if (c->qlen == c->qcap) {
        if (c->qhead > 0) {
            memmove(c->q, c->q + c->qhead, (c->qlen - c->qhead) * sizeof *c->q);
            c->qlen -= c->qhead;
            c->qhead = 0;
        }
        if (c->qlen == c->qcap) {
            size_t ncap = c->qcap ? c->qcap * 2 : 64;
            struct tc_msg *nq = realloc(c->q, ncap * sizeof *nq);
            IT_REQUIRE(nq != NULL);
            c->q = nq;
            c->qcap = ncap;
        }
    }
    c->q[c->qlen].m = *m;
    c->q[c->qlen].at_us = sys_now_us();
    c->qlen++;
}

static void on_echo(struct tc *c, uint32_t t)
{
    uint64_t now = sys_now_us();
    if (t != c->seq_echoed + 1 || t > c->seq_sent) {
        if (c->echo_order_bad++ < 5)
            fprintf(stderr, "  [%s] client %s: echo move_time %u, expected %u (sent %u)\n", it_case_name,
                    c->label, t, c->seq_echoed + 1, c->seq_sent);
        if (t <= c->seq_echoed || t > c->seq_sent)
            return;
    }
    uint64_t d = now - c->sent_us[t % TC_RING];
    c->seq_echoed = t;
    c->echoes++;
    c->delay_sum_us += d;
    if (d > c->delay_max_us)
        c->delay_max_us = d;
    if (c->last_echo_us && now - c->last_echo_us > c->max_gap_us)
        c->max_gap_us = now - c->last_echo_us;
    c->last_echo_us = now;
}

static void handle_packet(struct tc *c, const uint8_t *pkt, size_t size)
{
    struct proto_msg m;
    int e = proto_decode(PROTO_TO_CLIENT, pkt, size, &m);
    if (e != 0) {
        c->bad++;
        IT_FAIL("client %s: the host sent an undecodable packet (size %u type %u): %s", c->label, pkt[0],
                size > 1 ? pkt[1] : 0, proto_strerror(e));
        return;
    }
    c->rx_packets++;
    if (m.type == SC_LOGIN_OK)
        c->ok = m;
    int r = mirror_apply(&c->m, &m);
    if (r == -1 && !c->quiet_violations && c->m.violations <= 5) {
        uint32_t id = m.type == SC_PUT_PLAYER ? m.u.put.id
                    : m.type == SC_POSITION ? m.u.pos.id
                    : m.type == SC_REMOVE_PLAYER ? m.u.remove.id
                    : m.type == SC_CHAT ? m.u.chat.id : 0;
        fprintf(stderr, "  [%s] client %s: mirror violation #%u: %s for id %u\n", it_case_name, c->label,
                c->m.violations, it_type_name(m.type), id);
    }
    if (m.type == SC_POSITION && c->m.logged_in && m.u.pos.id == c->m.my_id)
        on_echo(c, m.u.pos.move_time);
    if (c->record)
        queue_push(c, &m);
}

/* One receive on a readable socket: packets handled, or -1 when closed. */
static int tc_read_some(struct tc *c)
{
    if (c->closed)
        return -1;
    size_t room;
    uint8_t *p = reasm_space(&c->rs, &room);
    long n = sys_recv(c->s, p, room);
    if (n == SYS_E_AGAIN || n == SYS_E_INTR)
        return 0;
    if (n < 0) {
        c->closed = n == SYS_E_CLOSED ? 1 : 2;
        return -1;
    }
    reasm_commit(&c->rs, (size_t)n);
    int count = 0;
    for (;;) {
        const uint8_t *pkt;
        size_t size;
        int r = reasm_next(&c->rs, PROTO_TO_CLIENT, &pkt, &size);
        if (r == 0)
            break;
        if (r < 0) {
            c->bad++;
            IT_FAIL("client %s: the host's byte stream is broken: %s", c->label, proto_strerror(r));
            tc_close(c);
            return -1;
        }
        handle_packet(c, pkt, size);
        count++;
    }
    return count;
}

int tc_pump(struct tc *c, int timeout_ms)
{
    if (c->closed)
        return -1;
    int w = sys_wait_readable(c->s, timeout_ms);
    if (w <= 0)
        return w == 0 ? 0 : (tc_close(c), -1);
    return tc_read_some(c);
}

int tc_pump_many(struct tc **cs, int n, int timeout_ms)
{
    struct pollfd pf[256];
    struct tc *who[256];
    int k = 0;
    for (int i = 0; i < n && k < 256; i++) {
        if (cs[i] && !cs[i]->closed) {
            pf[k].fd = (int)cs[i]->s;
            pf[k].events = POLLIN;
            pf[k].revents = 0;
            who[k++] = cs[i];
        }
    }
    if (k == 0)
        return -1;
    int r = poll(pf, (nfds_t)k, timeout_ms);
    if (r <= 0)
        return 0;
    int total = 0;
    for (int i = 0; i < k; i++) {
        if (pf[i].revents) {
            int got = tc_read_some(who[i]);
            if (got > 0)
                total += got;
        }
    }
    return total;
}

void tc_drain(struct tc *c)
{
    while (!c->closed && tc_pump(c, 0) > 0) {
    }
}

static int remaining(uint64_t end)
{
    uint64_t now = sys_now_ms();
    return now >= end ? 0 : (int)(end - now);
}

int tc_next(struct tc *c, struct proto_msg *out, int timeout_ms)
{
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        if (c->qhead < c->qlen) {
            if (out)
                *out = c->q[c->qhead].m;
            c->qhead++;
            return 1;
        }
        if (c->closed)
            return -1;
        int left = remaining(end);
        int r = tc_pump(c, left);
        if (r == 0 && left == 0)
            return 0;
    }
}

int tc_expect_match(struct tc *c, int (*pred)(const struct proto_msg *m, void *ctx), void *ctx, int timeout_ms,
                    struct proto_msg *out)
{
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    struct proto_msg m;
    for (;;) {
        int r = tc_next(c, &m, remaining(end));
        if (r <= 0)
            return r;
        if (pred(&m, ctx)) {
            if (out)
                *out = m;
            return 1;
        }
    }
}

static int pred_type(const struct proto_msg *m, void *ctx)
{
    return m->type == *(uint8_t *)ctx;
}

int tc_expect(struct tc *c, uint8_t type, int timeout_ms, struct proto_msg *out)
{
    return tc_expect_match(c, pred_type, &type, timeout_ms, out);
}

int tc_wait_eof(struct tc *c, int timeout_ms)
{
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    int rec = c->record;
    c->record = 0;
    while (!c->closed) {
        int left = remaining(end);
        if (tc_pump(c, left) == 0 && left == 0)
            break;
    }
    c->record = rec;
    return c->closed ? 1 : 0;
}

int tc_wait_echo(struct tc *c, uint32_t seq, int timeout_ms)
{
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    while (c->seq_echoed < seq) {
        if (c->closed)
            return -1;
        int left = remaining(end);
        if (tc_pump(c, left) == 0 && left == 0)
            return 0;
    }
    return 1;
}

int tc_wait_until(struct tc **cs, int n, int (*pred)(void *ctx), void *ctx, int timeout_ms)
{
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        if (pred(ctx))
            return 1;
        int left = remaining(end);
        if (left == 0)
            return 0;
        if (tc_pump_many(cs, n, left < 50 ? left : 50) < 0)
            sys_sleep_ms(left < 10 ? (unsigned)left : 10); /* all closed: only time can help */
    }
}

struct barrier_ctx {
    uint32_t id;
    char text[32];
};

static int pred_barrier(const struct proto_msg *m, void *ctx)
{
    const struct barrier_ctx *b = ctx;
    return m->type == SC_CHAT && m->u.chat.id == b->id && strcmp(m->u.chat.text, b->text) == 0;
}

int tc_barrier(struct tc *c, int timeout_ms)
{
    static unsigned counter;
    struct barrier_ctx b;
    b.id = c->m.my_id;
    snprintf(b.text, sizeof b.text, "sync-%u", ++counter);
    if (tc_chat(c, b.text) != 0)
        return -1;
    /* The queue must keep what came before the chat: search without
     * consuming, then drop only the chat itself. */
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    size_t off = 0; /* relative to qhead: queue_push may compact */
    for (;;) {
        for (; c->qhead + off < c->qlen; off++) {
            size_t i = c->qhead + off;
            if (pred_barrier(&c->q[i].m, &b)) {
                memmove(c->q + i, c->q + i + 1, (c->qlen - i - 1) * sizeof *c->q);
                c->qlen--;
                return 1;
            }
        }
        if (c->closed)
            return -1;
        int left = remaining(end);
        if (tc_pump(c, left) == 0 && left == 0)
            return 0;
    }
}

void tc_clear(struct tc *c)
{
    c->qhead = c->qlen = 0;
}

size_t tc_queued(const struct tc *c)
{
    return c->qlen - c->qhead;
}

const struct proto_msg *tc_queued_at(const struct tc *c, size_t i)
{
    return &c->q[c->qhead + i].m;
}

const struct mirror_player *tc_self(const struct tc *c)
{
    return c->m.logged_in ? mirror_find(&c->m, c->m.my_id) : NULL;
}

uint32_t tc_id(const struct tc *c)
{
    return c->m.my_id;
}

uint16_t tc_local_port(const struct tc *c)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (c->s == SYS_BAD_SOCKET || getsockname((int)c->s, (struct sockaddr *)&sa, &len) != 0)
        return 0;
    return ntohs(sa.sin_port);
}

static int login_answer(struct tc *c, int timeout_ms)
{
    struct proto_msg m;
    int r = tc_next(c, &m, timeout_ms);
    if (r <= 0) {
        IT_FAIL("client %s: no answer to CS_LOGIN \"%s\" within %d ms (%s)", c->label, c->name, timeout_ms,
                r == 0 ? "timeout" : "connection closed");
        return -1;
    }
    if (m.type == SC_LOGIN_FAIL)
        return m.u.login_fail.reason;
    if (m.type != SC_LOGIN_OK) {
        IT_FAIL("client %s: first answer to CS_LOGIN is %s, expected SC_LOGIN_OK or SC_LOGIN_FAIL", c->label,
                it_type_name(m.type));
        return -1;
    }
    struct proto_msg put;
    r = tc_next(c, &put, timeout_ms);
    if (r <= 0) {
        IT_FAIL("client %s: no SC_PUT_PLAYER for itself after SC_LOGIN_OK", c->label);
        return -1;
    }
    if (put.type != SC_PUT_PLAYER || put.u.put.id != m.u.login_ok.id || put.u.put.why != PUT_JOINED ||
        put.u.put.x != m.u.login_ok.x || put.u.put.y != m.u.login_ok.y ||
        strcmp(put.u.put.name, c->name) != 0) {
        IT_FAIL("client %s: after SC_LOGIN_OK id %u at (%u,%u) expected SC_PUT_PLAYER id %u why 1 at the same "
                "square named \"%s\"; got %s id %u why %u at (%u,%u) name \"%s\"",
                c->label, m.u.login_ok.id, m.u.login_ok.x, m.u.login_ok.y, m.u.login_ok.id, c->name,
                it_type_name(put.type), put.type == SC_PUT_PLAYER ? put.u.put.id : 0,
                put.type == SC_PUT_PLAYER ? put.u.put.why : 0, put.type == SC_PUT_PLAYER ? put.u.put.x : 0,
                put.type == SC_PUT_PLAYER ? put.u.put.y : 0, put.type == SC_PUT_PLAYER ? put.u.put.name : "");
        return -1;
    }
    return 0;
}

int tc_login(struct tc *c, const char *name)
{
    if (tc_send_login_name(c, name) != 0) {
        IT_FAIL("client %s: sending CS_LOGIN failed", c->label);
        return -1;
    }
    return login_answer(c, it_ms(5000));
}

/* ==== the case runner ===================================================== */

static int it_usage(const char *prog)
{
    fprintf(stderr, "usage: %s --host \"PATH [ARGS...]\" [--backend NAME] [--case NAME] [--list]\n", prog);
    return 2;
}

int it_main(int argc, char **argv, const char *prog, const struct it_case *cases, int (*ready)(void))
{
    const char *host = NULL, *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
            host = argv[++i];
        else if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc)
            it_backend = argv[++i];
        else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--list") == 0) {
            for (const struct it_case *c = cases; c->name; c++)
                puts(c->name);
            return 0;
        } else
            return it_usage(prog);
    }
    if (!host || it_set_host(host) != 0)
        return it_usage(prog);
    it_init();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (ready && ready() != 0)
        return 1;

    int ran = 0, failed = 0;
    for (const struct it_case *c = cases; c->name; c++) {
        if (only && strcmp(only, c->name) != 0)
            continue;
        int before = it_failures;
        it_case_name = c->name;
        alarm(170);
        uint64_t t0 = sys_now_ms();
        c->fn();
        ran++;
        if (it_failures != before)
            failed++;
        printf("%s %s (%s, %llu ms)\n", it_failures == before ? "ok  " : "FAIL", c->name, it_backend,
               (unsigned long long)(sys_now_ms() - t0));
    }
    if (ran == 0) {
        fprintf(stderr, "no case named %s\n", only ? only : "(any)");
        return 2;
    }
    printf("%d passed, %d failed\n", ran - failed, failed);
    return failed ? 1 : 0;
}
