/*
 * The integration harness (see harness.h): host processes and test
 * clients. POSIX only, on purpose: the harness always runs on Linux.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ==== configuration ====================================================== */

char *it_host_argv[IT_MAX_PREFIX];
int it_host_argc;
const char *it_backend = "epoll";

static int slow_factor = 1;

/* Every host this program started, so that a failure can tell that one
 * has died and an abort can show and keep their logs. (The toolkit's kill
 * list kills them, by PID, whatever happens.) */
#define MAX_HOSTS 16
static struct hp *hosts[MAX_HOSTS];

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

int it_ms(int ms)
{
    return ms * slow_factor;
}

int it_slow_factor(void)
{
    return slow_factor;
}

int it_has_ci(const char *hay, const char *needle)
{
    return strcasestr(hay, needle) != NULL;
}

const char *it_login_result(int r)
{
    switch (r) {
    case -1: return "no answer";
    case 0: return "SC_LOGIN_OK";
    case FAIL_FULL: return "SC_LOGIN_FAIL 1 (full)";
    case FAIL_VERSION: return "SC_LOGIN_FAIL 2 (version)";
    case FAIL_NAME: return "SC_LOGIN_FAIL 3 (bad name)";
    case FAIL_TAKEN: return "SC_LOGIN_FAIL 4 (name taken)";
    default: return "SC_LOGIN_FAIL ?";
    }
}

uint16_t it_closed_port(void)
{
    sys_socket s;
    uint16_t port = 0;
    REQUIRE_INT(sys_listen("127.0.0.1", 0, 1, &s, &port), 0);
    sys_close(s);
    return port;
}

/* ==== reporting ========================================================== */

/* A failure is often the host having died (a crash, a sanitizer abort):
 * say so, with its log, instead of leaving only timeouts to read. */
static void note_dead_hosts(void)
{
    for (int i = 0; i < MAX_HOSTS; i++) {
        struct hp *h = hosts[i];
        if (!h || h->dumped || h->p.pid <= 0 || h->p.reaped || proc_wait_exit(&h->p, 0) < 0)
            continue;
        int st = h->p.wstatus;
        if (WIFSIGNALED(st))
            fprintf(stderr, "  note: the host (pid %d) has died of signal %d\n", (int)h->p.pid, WTERMSIG(st));
        else
            fprintf(stderr, "  note: the host (pid %d) has exited with status %d\n", (int)h->p.pid, WEXITSTATUS(st));
        hp_log_dump(h, 0, "host stderr (it is gone)");
        h->dumped = 1;
    }
}

/* Before a REQUIRE ends the program: every host's log, once. */
static void abort_hosts(void)
{
    for (int i = 0; i < MAX_HOSTS; i++) {
        if (hosts[i]) {
            if (!hosts[i]->dumped)
                hp_log_dump(hosts[i], 0, "host log (case aborted)");
            hp_cleanup(hosts[i]);
        }
    }
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
    proc_init();
    check_set_hooks(note_dead_hosts, abort_hosts);
#if defined(IT_TSAN)
    slow_factor = 5;
#elif defined(IT_SANITIZED)
    slow_factor = 3;
#endif
    /* Wine runs a Windows host 15-20 times slower per operation. */
    if (it_host_is_windows())
        slow_factor *= 4;
    const char *s = getenv("PAWN_ITEST_SLOW");
    if (s && atoi(s) > 0)
        slow_factor = atoi(s);
}

/* ==== the host process =================================================== */

static void register_host(struct hp *h)
{
    for (int i = 0; i < MAX_HOSTS; i++)
        if (hosts[i] == h)
            return;
    for (int i = 0; i < MAX_HOSTS; i++) {
        if (!hosts[i]) {
            hosts[i] = h;
            return;
        }
    }
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
        CHECK_FAIL("host printed a listening line without a port: \"%s\"", line);
        check_abort();
    }
    h->port = (uint16_t)pv;
    if (check_verbose)
        check_note("host pid %d: %s", (int)h->p.pid, line);
    return 1;
}

/* Reads the host's stdout until the listening line (1), the host's exit
 * (0) or the timeout (-1). */
static int wait_listening(struct hp *h, int listen_ms)
{
    char line[1024];
    size_t cur = 0;
    uint64_t end = proc_now_ms() + (uint64_t)listen_ms;
    while (proc_now_ms() < end) {
        int r = proc_wait_line(&h->p, &cur, NULL, line, sizeof line, 50);
        if (r == 1) {
            if (parse_listening(h, line))
                return 1;
            continue;
        }
        /* stdout ended (r < 0): Wine's server may hold the pipe open, so
         * only the exit says the host is gone. */
        if (proc_wait_exit(&h->p, r < 0 ? 20 : 0) >= 0)
            return 0;
    }
    return -1;
}

static int hp_start_in_dir(struct hp *h, uint16_t port, const char *const *extra);

int hp_start(struct hp *h, uint16_t port, const char *const *extra)
{
    memset(h, 0, sizeof *h);
    snprintf(h->dir, sizeof h->dir, "/tmp/pawnparty-it-XXXXXX");
    REQUIRE(mkdtemp(h->dir) != NULL);
    return hp_start_in_dir(h, port, extra);
}

int hp_start_piped_log(struct hp *h, const char *const *extra, int *log_fd)
{
    memset(h, 0, sizeof *h);
    snprintf(h->dir, sizeof h->dir, "/tmp/pawnparty-it-XXXXXX");
    REQUIRE(mkdtemp(h->dir) != NULL);
    char path[sizeof h->dir + 16];
    snprintf(path, sizeof path, "%s/host.stderr", h->dir);
    REQUIRE(mkfifo(path, 0600) == 0);
    /* The reading end first: the host's open of the writing end then
     * returns at once instead of waiting for a reader. */
    *log_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(*log_fd >= 0);
    return hp_start_in_dir(h, 0, extra);
}

static int hp_start_in_dir(struct hp *h, uint16_t port, const char *const *extra)
{
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
    REQUIRE(argv != NULL);

    /* Wine may have to set up its prefix first: give it longer. */
    int listen_ms = it_ms(it_host_is_windows() ? 60000 : 20000);
    int r;
    for (int attempt = 0;; attempt++) {
        if (proc_spawn(&h->p, "host", h->dir, argv, NULL, 0) != 0) {
            free(argv);
            check_abort();
        }
        register_host(h);
        r = wait_listening(h, listen_ms);
        /* Under Wine, now and then the wine loader exits 1 at once without
         * running the program (an empty log, with other Wine processes
         * starting at the same moment). That is Wine's, not the host's:
         * say so and start it once more. */
        if (r != 0 || attempt > 0 || !it_host_is_windows() || hp_log_size(h) != 0)
            break;
        printf("note: wine exited with status %d before the host ran (empty log); starting it again\n",
               proc_wait_exit(&h->p, 0));
        proc_cleanup(&h->p);
    }
    free(argv);
    if (r == 1)
        return 0;
    if (r == 0) {
        if (strcmp(it_backend, "uring") == 0 && log_says_uring_refused(h)) {
            hp_log_dump(h, 0, "host stderr");
            printf("SKIP: io_uring refused on this machine (the host exited with status %d "
                   "before listening); case %s not run against the uring backend\n",
                   proc_wait_exit(&h->p, 0), check_case_name);
            fprintf(stderr, "SKIP: io_uring refused on this machine\n");
            fflush(stdout);
            hp_cleanup(h);
            exit(77);
        }
        return -1;
    }
    CHECK_FAIL("the host printed no `listening on ADDR:PORT` line within %d ms", listen_ms);
    check_abort();
}

void hp_start_or_abort(struct hp *h, const char *const *extra)
{
    if (hp_start(h, 0, extra) != 0) {
        CHECK_FAIL("the host exited with status %d before listening", hp_wait_exit(h, 0));
        check_abort(); /* shows the host's stderr */
    }
}

static int line_sanitizer(const char *line, void *ctx)
{
    (void)ctx;
    return strstr(line, "Sanitizer") != NULL || strstr(line, "runtime error:") != NULL;
}

void hp_check_sanitizer(const struct hp *h)
{
    if (hp_log_count(h, 0, line_sanitizer, NULL) > 0) {
        CHECK_FAIL("the host log has a sanitizer report");
        if (!hp_log_dump_at(h, "==================", 80, "sanitizer report"))
            hp_log_dump_at(h, "Sanitizer", 80, "sanitizer report");
    }
}

void hp_finish(struct hp *h)
{
    int sig = it_stop_signal();
    int code = hp_stop(h, sig, it_ms(5000));
    if (code != 0) {
        CHECK_FAIL("host stop (%s): expected exit status 0 within %d ms, got %s %d",
                   sig == SIGINT ? "SIGINT" : "SIGTERM", it_ms(5000), code < 0 ? "timeout" : "status", code);
        if (hp_log_count(h, 0, line_sanitizer, NULL) == 0)
            hp_log_dump(h, 0, "host stderr");
    }
    hp_check_sanitizer(h);
    hp_cleanup(h);
}

int hp_wait_exit(struct hp *h, int timeout_ms)
{
    return proc_wait_exit(&h->p, timeout_ms);
}

int hp_stop(struct hp *h, int sig, int timeout_ms)
{
    return proc_stop(&h->p, sig, timeout_ms);
}

int hp_alive(struct hp *h)
{
    return proc_alive(&h->p);
}

void hp_cleanup(struct hp *h)
{
    proc_cleanup(&h->p);
    unregister_host(h);
    if (h->dir[0]) {
        if (check_failures == 0 && !getenv("PAWN_ITEST_KEEP"))
            proc_rm_dir(h->dir);
        else
            fprintf(stderr, "  [%s] host files kept in %s\n", check_case_name, h->dir);
        h->dir[0] = 0;
    }
}

char *hp_log(const struct hp *h)
{
    return proc_read_file(h->p.err_path);
}

size_t hp_log_size(const struct hp *h)
{
    struct stat st;
    if (stat(h->p.err_path, &st) != 0)
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
    uint64_t end = proc_now_ms() + (uint64_t)timeout_ms;
    int c;
    for (;;) {
        c = hp_log_count(h, from, pred, ctx);
        if (c >= n || proc_now_ms() >= end)
            return c;
        proc_sleep_ms(10);
    }
}

void hp_log_dump(const struct hp *h, size_t from, const char *title)
{
    char *log = hp_log(h);
    if (!log)
        return;
    size_t len = strlen(log);
    char full[400];
    snprintf(full, sizeof full, "%s (%s, pid %d)", title, h->p.err_path, (int)h->p.pid);
    /* The tail is what matters: at most the last 60 lines. */
    proc_print_tail(full, log + (from < len ? from : len), 60);
    free(log);
}

int hp_log_dump_at(const struct hp *h, const char *needle, int max_lines, const char *title)
{
    char *log = hp_log(h);
    if (!log)
        return 0;
    const char *at = strstr(log, needle);
    if (at) {
        char full[400];
        snprintf(full, sizeof full, "%s (%s, pid %d)", title, h->p.err_path, (int)h->p.pid);
        proc_print_from(full, log, at, max_lines);
    }
    free(log);
    return at != NULL;
}

long hp_rss_kb(const struct hp *h)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)h->p.pid);
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

int it_run_tool(const char *const *args, int timeout_ms, char *out, size_t cap)
{
    char **argv = build_argv(args);
    REQUIRE(argv != NULL);
    int code = proc_run(argv, NULL, timeout_ms, out, cap);
    free(argv);
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
    REQUIRE(c != NULL);
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
            CHECK_FAIL("client %s: connect to 127.0.0.1:%u: %s", label, (unsigned)port, sys_strerror(e));
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
    REQUIRE(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        CHECK_FAIL("client %s: connect: %s", label, strerror(errno));
        close(fd);
        tc_free(c);
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->s = fd;
    return c;
}

struct tc *tc_connect_or_abort(uint16_t port, const char *label)
{
    struct tc *c = tc_connect(port, label, 0);
    if (!c)
        check_abort();
    return c;
}

struct tc *tc_join(uint16_t port, const char *name)
{
    struct tc *c = tc_connect_or_abort(port, name);
    int r = tc_login(c, name);
    if (r != 0) {
        CHECK_FAIL("login \"%s\": expected SC_LOGIN_OK, got %s", name, it_login_result(r));
        check_abort();
    }
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
        CHECK_FAIL("proto_encode(%s) failed: %s", it_type_name(m->type), proto_strerror(n));
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
            REQUIRE(nq != NULL);
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
            fprintf(stderr, "  [%s] client %s: echo move_time %u, expected %u (sent %u)\n", check_case_name,
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
        CHECK_FAIL("client %s: the host sent an undecodable packet (size %u type %u): %s", c->label, pkt[0],
                size > 1 ? pkt[1] : 0, proto_strerror(e));
        return;
    }
    c->rx_packets++;
    if (m.type == SC_LOGIN_OK)
        c->ok = m;
    int r = mirror_apply(&c->m, &m);
    if (r == -1 && !c->quiet_violations && c->m.violations <= 5) {
        fprintf(stderr, "  [%s] client %s: mirror violation #%u: %s for id %u\n", check_case_name, c->label,
                c->m.violations, it_type_name(m.type), tc_msg_id(&m));
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
            CHECK_FAIL("client %s: the host's byte stream is broken: %s", c->label, proto_strerror(r));
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
        CHECK_FAIL("client %s: no answer to CS_LOGIN \"%s\" within %d ms (%s)", c->label, c->name, timeout_ms,
                r == 0 ? "timeout" : "connection closed");
        return -1;
    }
    if (m.type == SC_LOGIN_FAIL)
        return m.u.login_fail.reason;
    if (m.type != SC_LOGIN_OK) {
        CHECK_FAIL("client %s: first answer to CS_LOGIN is %s, expected SC_LOGIN_OK or SC_LOGIN_FAIL", c->label,
                it_type_name(m.type));
        return -1;
    }
    struct proto_msg put;
    r = tc_next(c, &put, timeout_ms);
    if (r <= 0) {
        CHECK_FAIL("client %s: no SC_PUT_PLAYER for itself after SC_LOGIN_OK", c->label);
        return -1;
    }
    if (put.type != SC_PUT_PLAYER || put.u.put.id != m.u.login_ok.id || put.u.put.why != PUT_JOINED ||
        put.u.put.x != m.u.login_ok.x || put.u.put.y != m.u.login_ok.y ||
        strcmp(put.u.put.name, c->name) != 0) {
        CHECK_FAIL("client %s: after SC_LOGIN_OK id %u at (%u,%u) expected SC_PUT_PLAYER id %u why 1 at the same "
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
        CHECK_FAIL("client %s: sending CS_LOGIN failed", c->label);
        return -1;
    }
    return login_answer(c, it_ms(5000));
}

/* ==== a few clients at once ============================================== */

struct count_ctx {
    struct tc **c;
    int n;
    size_t want;
};

static int pred_count(void *ctx)
{
    struct count_ctx *k = ctx;
    for (int i = 0; i < k->n; i++)
        if (k->c[i]->m.count != k->want)
            return 0;
    return 1;
}

void tc_require_count(struct tc **cs, int n, size_t want, const char *why)
{
    struct count_ctx k = {cs, n, want};
    if (!tc_wait_until(cs, n, pred_count, &k, it_ms(10000))) {
        for (int i = 0; i < n; i++)
            if (cs[i]->m.count != want)
                CHECK_FAIL("%s: client %s sees %zu players, expected %zu", why, cs[i]->label, cs[i]->m.count, want);
        check_abort();
    }
}

struct name_find {
    const char *name;
    const struct mirror_player *found;
};

static void each_name(void *ctx, const struct mirror_player *p)
{
    struct name_find *f = ctx;
    if (strcmp(p->name, f->name) == 0)
        f->found = p;
}

const struct mirror_player *tc_find_name(const struct tc *c, const char *name)
{
    struct name_find f = {name, NULL};
    mirror_each(&c->m, each_name, &f);
    return f.found;
}

int tc_is_join(const struct proto_msg *m, void *ctx)
{
    (void)ctx;
    return m->type == SC_PUT_PLAYER && m->u.put.why == PUT_JOINED;
}

uint32_t tc_msg_id(const struct proto_msg *m)
{
    switch (m->type) {
    case SC_PUT_PLAYER: return m->u.put.id;
    case SC_POSITION: return m->u.pos.id;
    case SC_REMOVE_PLAYER: return m->u.remove.id;
    case SC_CHAT: return m->u.chat.id;
    default: return 0;
    }
}

int tc_is_about(const struct proto_msg *m, void *ctx)
{
    const struct tc_about *a = ctx;
    return m->type == a->type && tc_msg_id(m) == a->id;
}

/* ==== the case runner ===================================================== */

static uint64_t case_t0;

static void case_before(const struct check_case *c)
{
    (void)c;
    proc_watchdog(170);
    case_t0 = proc_now_ms();
}

static void case_after(const struct check_case *c, char *note, size_t cap)
{
    (void)c;
    snprintf(note, cap, " (%s, %llu ms)", it_backend, (unsigned long long)(proc_now_ms() - case_t0));
}

static int it_usage(const char *prog)
{
    fprintf(stderr, "usage: %s --host \"PATH [ARGS...]\" [--backend NAME] [--case NAME] [--list]\n", prog);
    return 2;
}

int it_main(int argc, char **argv, const char *prog, const struct check_case *cases, int (*ready)(void))
{
    const char *host = NULL, *only = NULL;
    const struct check_option opts[] = {{"--host", &host}, {"--backend", &it_backend}, {"--case", &only}, {NULL, NULL}};
    int parsed = check_options(argc, argv, opts, cases);
    if (parsed != 0)
        return parsed > 0 ? 0 : it_usage(prog);
    if (!host || it_set_host(host) != 0)
        return it_usage(prog);
    it_init();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (ready && ready() != 0)
        return 1;
    static const struct check_runner runner = {case_before, case_after};
    return check_run(cases, only, &runner);
}
