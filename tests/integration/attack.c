/*
 * Hostile cases against the real host on 127.0.0.1 (issue 10): one
 * attacker on the LAN does what it can, and the honest players must not
 * notice: they stay logged in, their echoes keep coming, and the host exits
 * 0 on its stop signal afterwards.
 *
 *   attack --host "PATH [PREFIX...]" --backend B --case NAME
 *
 *   flood_moves      a player sends valid CS_MOVE as fast as it can: it is
 *                    dropped for flooding (why 2, a log line); nine honest
 *                    players are not, and a brisk player (20 moves a
 *                    second) stays
 *   flood_chat       the same with maximum-size CS_CHAT
 *   half_open        a script holds connections that never log in; real
 *                    players keep getting in within a second, and "full"
 *                    means ten logged-in players
 *   fd_limit         the host's file limit is lowered under it while
 *                    connections pour in: it refuses at a bounded cost
 *                    (little CPU), keeps its players, and takes a new one
 *                    once the flood stops (Linux hosts: IOCP has no such
 *                    limit)
 *   slow_log         the host's log goes to a pipe read at 2 KB/s while
 *                    thousands of connections are reaped and hundreds of
 *                    players come and go: honest echoes stay fast; lines
 *                    are folded and dropped, the log says so, and the host
 *                    still exits 0 within 5 s (what it could not write in
 *                    2 s is lost)
 *   discovery_flood  5,000 discovery queries from one socket get a handful
 *                    of answers
 *   discovery_bind   with --bind 127.0.0.1 the discovery socket is bound
 *                    to 127.0.0.1 too
 *
 * Every wait has a timeout; every count is bounded. Delay bounds are
 * scaled for the sanitizer builds (it_ms).
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* ==== the honest players ================================================= */

#define HONEST 9
#define HONEST_MOVE_MS 100 /* each moves ten times a second, as a keen player */

struct honest {
    struct tc *c[HONEST];
    int n;
    uint64_t next_ms;
    struct rng rng;
};

static void honest_join(struct honest *g, uint16_t port, int n)
{
    char name[24];
    g->n = n;
    rng_seed(&g->rng, 0x0e57);
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "honest%d", i);
        g->c[i] = tc_join(port, name);
        g->c[i]->record = 0;
        g->c[i]->quiet_violations = 1;
    }
    g->next_ms = 0;
}

/* One turn: each moves when its time has come (one move in flight at
 * most, as a player who waits for the square to change), then everything
 * that arrived is read. */
static void honest_turn(struct honest *g, int wait_ms)
{
    uint64_t now = sys_now_ms();
    if (now >= g->next_ms) {
        for (int i = 0; i < g->n; i++)
            if (g->c[i]->seq_sent == g->c[i]->seq_echoed)
                tc_move(g->c[i], (uint8_t)rng_below(&g->rng, 4));
        g->next_ms = now + HONEST_MOVE_MS;
    }
    tc_pump_many(g->c, g->n, wait_ms);
}

static void honest_play(struct honest *g, int ms)
{
    uint64_t end = sys_now_ms() + (uint64_t)ms;
    while (sys_now_ms() < end)
        honest_turn(g, 5);
}

/* What the honest players lived through: none dropped, their moves echoed,
 * the worst echo within max_ms. */
static void honest_check(struct honest *g, int max_ms, const char *when)
{
    for (int i = 0; i < g->n; i++) {
        struct tc *c = g->c[i];
        if (c->closed)
            CHECK_FAIL("%s: honest player %s lost its connection", when, c->label);
        if (c->echoes == 0)
            CHECK_FAIL("%s: honest player %s got no echo", when, c->label);
        if (c->delay_max_us > (uint64_t)max_ms * 1000)
            CHECK_FAIL("%s: honest player %s waited %llu ms for an echo (at most %d)", when, c->label,
                       (unsigned long long)(c->delay_max_us / 1000), max_ms);
    }
    uint64_t worst = 0;
    for (int i = 0; i < g->n; i++)
        worst = g->c[i]->delay_max_us > worst ? g->c[i]->delay_max_us : worst;
    check_note("%s: %d honest players, worst echo %.1f ms", when, g->n, (double)worst / 1000);
}

static void honest_free(struct honest *g)
{
    for (int i = 0; i < g->n; i++)
        tc_free(g->c[i]);
    g->n = 0;
}

static int line_has(const char *line, void *ctx)
{
    return strstr(line, ctx) != NULL;
}

/* Waits for the log line that names what the host did. */
static void expect_log(struct hp *h, const char *needle)
{
    if (hp_log_wait(h, 0, line_has, (void *)needle, 1, it_ms(5000)) < 1) {
        CHECK_FAIL("no host log line with \"%s\"", needle);
        hp_log_dump(h, 0, "host stderr");
    }
}

/* ==== flooding =========================================================== */

/* Sends packets as fast as the socket takes them (reading its own socket
 * between bursts) until the host closes the connection or max_ms pass.
 * Returns the packets sent. */
static uint64_t flood(struct tc *f, struct honest *g, const struct proto_msg *m, int max_ms)
{
    uint8_t one[PROTO_MAX_PACKET], burst[64 * PROTO_MAX_PACKET];
    int n = proto_encode(m, one);
    REQUIRE(n > 0);
    size_t per = sizeof burst / (size_t)n;
    for (size_t i = 0; i < per; i++)
        memcpy(burst + i * (size_t)n, one, (size_t)n);
    uint64_t sent = 0, end = sys_now_ms() + (uint64_t)max_ms;
    while (!f->closed && sys_now_ms() < end) {
        if (tc_send_raw(f, burst, per * (size_t)n) != 0)
            break;
        sent += per;
        tc_drain(f);
        honest_turn(g, 0);
    }
    return sent;
}

static void flood_case(const struct proto_msg *m, const char *what)
{
    struct hp h;
    struct honest g;
    hp_start_or_abort(&h, NULL);
    honest_join(&g, h.port, HONEST - 1);
    struct tc *brisk = tc_join(h.port, "brisk");
    struct tc *f = tc_join(h.port, "flooder");
    f->record = 0;
    f->quiet_violations = 1;
    uint32_t fid = tc_id(f);
    honest_play(&g, 300);

    for (int i = 0; i < g.n; i++)
        g.c[i]->record = 1; /* to see the flooder go */
    uint64_t sent = flood(f, &g, m, it_ms(5000));
    check_note("the flooder sent %llu %s before the host closed it", (unsigned long long)sent, what);
    CHECK_INT(tc_wait_eof(f, it_ms(3000)), 1);
    /* Everyone else is told it was dropped, and plays on. */
    for (int i = 0; i < g.n; i++) {
        struct tc_about gone = {SC_REMOVE_PLAYER, fid};
        struct proto_msg rm;
        if (tc_expect_match(g.c[i], tc_is_about, &gone, it_ms(3000), &rm) != 1)
            CHECK_FAIL("honest player %s was not told the flooder left", g.c[i]->label);
        else if (rm.u.remove.why != REMOVE_DROPPED)
            CHECK_FAIL("the flooder left with why %u, expected 2 (dropped)", rm.u.remove.why);
        g.c[i]->record = 0;
        tc_clear(g.c[i]);
    }
    expect_log(&h, "why=flooding");

    /* A brisk player, 20 moves a second for three seconds, is no flooder. */
    uint64_t end = sys_now_ms() + 3000, next = 0;
    while (sys_now_ms() < end) {
        if (sys_now_ms() >= next && brisk->seq_sent == brisk->seq_echoed) {
            tc_move(brisk, (uint8_t)rng_below(&g.rng, 4));
            next = sys_now_ms() + 50;
        }
        tc_drain(brisk);
        honest_turn(&g, 2);
    }
    CHECK(!brisk->closed);
    CHECK(brisk->echoes >= 40);
    honest_check(&g, it_ms(100), "through the flood");
    long rss = hp_rss_kb(&h);
    check_note("host RSS %ld KiB", rss);
    CHECK(rss > 0 && rss < 64 * 1024);
    tc_free(f);
    tc_free(brisk);
    honest_free(&g);
    hp_finish(&h);
}

static void case_flood_moves(void)
{
    struct proto_msg m = {.type = CS_MOVE, .u.move = {.dir = DIR_UP, .move_time = 1}};
    flood_case(&m, "CS_MOVE");
}

static void case_flood_chat(void)
{
    struct proto_msg m = {.type = CS_CHAT, .u.chat = {.len = PROTO_TEXT_MAX}};
    memset(m.u.chat.text, 'z', PROTO_TEXT_MAX);
    flood_case(&m, "CS_CHAT of 200 bytes");
}

/* ==== connections that never log in ====================================== */

/* A script's connections: opened without waiting, never a byte sent, and
 * opened again as the host closes them. They come from 127.0.0.2, as a
 * script on another machine of the LAN would come from its own address;
 * every packet still goes to 127.0.0.1. */
#define HOLD_MAX 400
#define SCRIPT_ADDR "127.0.0.2"

struct holder {
    uint16_t port;
    sys_socket s[HOLD_MAX];
    int n;
    uint64_t opened, closed_by_host;
    uint64_t refill_ms; /* the reopen budget's 10 ms window */
    int budget;
};

static void holder_init(struct holder *o, uint16_t port, int n)
{
    memset(o, 0, sizeof *o);
    o->port = port;
    o->n = n;
    for (int i = 0; i < n; i++)
        o->s[i] = SYS_BAD_SOCKET;
}

/* A nonblocking connect to 127.0.0.1:port from SCRIPT_ADDR. */
static sys_socket connect_from_script(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return SYS_BAD_SOCKET;
    struct sockaddr_in from = {.sin_family = AF_INET}, to = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, SCRIPT_ADDR, &from.sin_addr);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
        (connect(fd, (struct sockaddr *)&to, sizeof to) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return SYS_BAD_SOCKET;
    }
    return fd;
}

/* One round: finds the connections the host closed (a hang-up, or bytes:
 * SC_LOGIN_FAIL) and opens them again, at most HOLD_REOPEN_PER_MS a
 * millisecond (a script that reconnects at once; faster only burns this
 * machine's ports). */
#define HOLD_REOPEN_PER_MS 2
static void holder_turn(struct holder *o)
{
    struct sys_pollfd p[HOLD_MAX];
    uint64_t now = sys_now_ms();
    if (now >= o->refill_ms + 10) {
        o->refill_ms = now;
        o->budget = HOLD_REOPEN_PER_MS * 10;
    }
    for (int i = 0; i < o->n; i++) {
        if (o->s[i] == SYS_BAD_SOCKET && o->budget > 0 &&
            (o->s[i] = connect_from_script(o->port)) != SYS_BAD_SOCKET) {
            o->opened++;
            o->budget--;
        }
        p[i].s = (int)o->s[i];
        p[i].events = SYS_POLLIN;
        p[i].revents = 0;
    }
    if (sys_poll(p, (size_t)o->n, 0) <= 0)
        return;
    for (int i = 0; i < o->n; i++)
        if (p[i].revents && o->s[i] != SYS_BAD_SOCKET) {
            sys_close(o->s[i]);
            o->s[i] = SYS_BAD_SOCKET;
            o->closed_by_host++;
        }
}

static void holder_free(struct holder *o)
{
    for (int i = 0; i < o->n; i++)
        sys_close(o->s[i]);
    o->n = 0;
}

static void case_half_open(void)
{
    enum { MAX_PLAYERS = 10, ATTACK = 200, JOIN_EVERY_MS = 300 };
    struct hp h;
    struct holder o;
    struct tc *p[MAX_PLAYERS + 1] = {0};
    hp_start_or_abort(&h, NULL);
    holder_init(&o, h.port, ATTACK);
    /* The script gets a head start: the table is full of it first. */
    uint64_t end = sys_now_ms() + 1000;
    while (sys_now_ms() < end) {
        holder_turn(&o);
        sys_sleep_ms(2);
    }
    uint64_t worst = 0;
    for (int i = 0; i <= MAX_PLAYERS; i++) {
        char name[16];
        snprintf(name, sizeof name, "real%d", i);
        uint64_t t0 = sys_now_ms();
        p[i] = tc_connect_or_abort(h.port, name);
        int r = tc_login(p[i], name);
        uint64_t took = sys_now_ms() - t0;
        p[i]->record = 0;
        p[i]->quiet_violations = 1;
        worst = took > worst ? took : worst;
        /* Ten players get in; the eleventh finds the game full of players. */
        int want = i < MAX_PLAYERS ? 0 : FAIL_FULL;
        if (r != want)
            CHECK_FAIL("real player %d: expected %s, got %s", i, it_login_result(want), it_login_result(r));
        if (i < MAX_PLAYERS && took > (uint64_t)it_ms(1000))
            CHECK_FAIL("real player %d took %llu ms to get in (at most %d)", i, (unsigned long long)took, it_ms(1000));
        end = sys_now_ms() + JOIN_EVERY_MS;
        while (sys_now_ms() < end) {
            holder_turn(&o);
            tc_pump_many(p, i + 1, 2);
        }
    }
    check_note("the script opened %llu connections (%llu closed by the host); the slowest real login took %llu ms",
               (unsigned long long)o.opened, (unsigned long long)o.closed_by_host, (unsigned long long)worst);
    CHECK(o.closed_by_host > 0);
    expect_log(&h, "its place went to a newer connection");
    holder_free(&o);
    tc_require_count(p, MAX_PLAYERS, MAX_PLAYERS, "after the attack");
    for (int i = 0; i <= MAX_PLAYERS; i++)
        tc_free(p[i]);
    hp_finish(&h);
}

/* ==== the descriptor limit ================================================ */

static int open_files(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    char *const argv[] = {"ls", path, NULL};
    static char out[64 * 1024];
    if (proc_run(argv, NULL, 5000, out, sizeof out) != 0)
        return -1;
    int n = 0;
    for (const char *s = out; *s; s++)
        n += *s == '\n';
    return n;
}

/* Host CPU time in clock ticks (user + system), from /proc. */
static long cpu_ticks(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char *s = proc_read_file(path);
    if (!s)
        return -1;
    const char *p = strrchr(s, ')'); /* the name may hold spaces */
    long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &ut, &st) != 2)
        ut = st = -1;
    free(s);
    return ut < 0 ? -1 : ut + st;
}

static void case_fd_limit(void)
{
    if (it_host_is_windows()) {
        printf("SKIP: a Windows host has no file-descriptor limit to run into\n");
        exit(77);
    }
    static const char *const extra[] = {"--max-players", "60", NULL};
    struct hp h;
    struct honest g;
    struct holder o;
    hp_start_or_abort(&h, extra);
    honest_join(&g, h.port, 5);
    /* Lower the host's limit under it, as `ulimit -n` would have: 30 more
     * descriptors than it holds now, fewer than its table has slots. */
    int used = open_files(h.p.pid);
    REQUIRE(used > 0);
    struct rlimit rl = {(rlim_t)used + 30, (rlim_t)used + 30};
    if (prlimit(h.p.pid, RLIMIT_NOFILE, &rl, NULL) != 0) {
        printf("SKIP: cannot lower the host's file limit here: %s\n", strerror(errno));
        honest_free(&g);
        hp_finish(&h);
        exit(77);
    }
    holder_init(&o, h.port, 150);
    uint64_t t0 = sys_now_ms(), mid = t0 + 1000, end = t0 + 4000;
    long ticks0 = -1;
    uint64_t ticks0_ms = 0;
    while (sys_now_ms() < end) {
        holder_turn(&o);
        honest_turn(&g, 2);
        if (ticks0 < 0 && sys_now_ms() >= mid) {
            ticks0 = cpu_ticks(h.p.pid);
            ticks0_ms = sys_now_ms();
        }
    }
    long ticks1 = cpu_ticks(h.p.pid);
    double secs = (double)(sys_now_ms() - ticks0_ms) / 1000;
    double cpu = ticks0 >= 0 && ticks1 >= 0 ? (double)(ticks1 - ticks0) / (double)sysconf(_SC_CLK_TCK) / secs : -1;
    check_note("%llu connections tried, %llu closed or refused by the host; host CPU %.0f%% while at the limit",
               (unsigned long long)o.opened, (unsigned long long)o.closed_by_host, cpu * 100);
    expect_log(&h, "out of file descriptors");
    /* A host that spins at the limit takes a whole core or two (it did:
     * 198%); one that waits takes next to nothing. */
    CHECK(cpu >= 0 && cpu < 0.25 * it_slow_factor());
    honest_check(&g, it_ms(200), "at the descriptor limit");
    holder_free(&o);
    /* Descriptors free again once the host has seen the script's sockets
     * close (until then it may still refuse, as it should at the limit):
     * a new player gets in. */
    uint64_t tj = sys_now_ms(), give_up = tj + (uint64_t)it_ms(3000);
    int r = -1, tries = 0;
    while (r != 0 && sys_now_ms() < give_up) {
        struct tc *late = tc_connect_or_abort(h.port, "late");
        r = tc_login(late, "late");
        tc_free(late);
        tries++;
        if (r != 0)
            sys_sleep_ms(50);
    }
    CHECK_INT(r, 0);
    check_note("a new player got in %llu ms after the flood stopped (attempt %d)",
               (unsigned long long)(sys_now_ms() - tj), tries);
    honest_free(&g);
    hp_finish(&h);
}

/* ==== a slow log ============================================================ */

struct slow_reader {
    int fd;
    int bytes_per_tick; /* every 10 ms */
    _Atomic int fast;   /* the terminal catches up: as fast as it can */
    _Atomic int stop;
    _Atomic int saw_fold; /* a "... more like" line came through */
    char *text;
    size_t len, cap;
    pthread_t t;
};

/* Reads the host's log no faster than a slow terminal: bytes_per_tick
 * every 10 ms (at full speed once fast or stop is set), until stop (set
 * once the host has exited) and the pipe is empty. */
static void *slow_read_main(void *arg)
{
    struct slow_reader *r = arg;
    char buf[4096];
    for (;;) {
        size_t want = atomic_load(&r->fast) || atomic_load(&r->stop) ? sizeof buf : (size_t)r->bytes_per_tick;
        ssize_t n = read(r->fd, buf, want);
        if (n > 0) {
            if (r->len + (size_t)n + 1 > r->cap) {
                r->cap = (r->len + (size_t)n + 1) * 2;
                r->text = realloc(r->text, r->cap);
                REQUIRE(r->text != NULL);
            }
            memcpy(r->text + r->len, buf, (size_t)n);
            r->len += (size_t)n;
            r->text[r->len] = '\0';
            if (strstr(r->text + (r->len > (size_t)n + 256 ? r->len - (size_t)n - 256 : 0), "more like"))
                atomic_store(&r->saw_fold, 1);
        }
        if (n <= 0 && atomic_load(&r->stop))
            break;
        sys_sleep_ms(10);
    }
    return NULL;
}

static void case_slow_log(void)
{
    /* Many more connections through a Linux host than through Wine's. */
    int reaped = it_host_is_windows() ? 300 : 2000, comers = it_host_is_windows() ? 1000 : 2000;
    /* Room for every idle connection: they are reaped, not refused. */
    static const char *const extra[] = {"--login-timeout", "1", "--max-players", "4000", "--board", "100x100",
                                        NULL};
    struct hp h;
    struct honest g;
    /* 2 KB/s: a terminal that all but stalls. What the host cannot hand
     * on (a 1,024-line queue and the pipe's 64 KiB) it must drop. */
    struct slow_reader r = {.bytes_per_tick = 20};
    REQUIRE_INT(hp_start_piped_log(&h, extra, &r.fd), 0);
    REQUIRE_INT(pthread_create(&r.t, NULL, slow_read_main, &r), 0);
    honest_join(&g, h.port, 4);

    /* Connections that will be reaped together by the login timeout. */
    sys_socket *idle = calloc((size_t)reaped, sizeof *idle);
    REQUIRE(idle != NULL);
    struct sys_addr4 to = {{127, 0, 0, 1}, h.port};
    for (int i = 0; i < reaped; i++) {
        if (sys_connect_start(&to, &idle[i]) != 0)
            idle[i] = SYS_BAD_SOCKET;
        if (i % 50 == 0)
            honest_turn(&g, 0);
    }
    /* Players who come and go, each with a name of its own: lines that are
     * not folded, faster than the pipe takes them. */
    for (int i = 0; i < comers; i++) {
        char name[24];
        snprintf(name, sizeof name, "passer%d", i);
        struct tc *c = tc_connect(h.port, name, 0);
        if (c && tc_login(c, name) == 0)
            tc_logout(c);
        tc_free(c);
        honest_turn(&g, 0);
    }
    /* The idle ones are reaped in here, and their lines' fold window (5 s)
     * closes. */
    honest_play(&g, 6500);
    honest_check(&g, it_ms(100), "with the log read at 2 KB/s");
    /* Then the terminal catches up, and reads what the host kept for it:
     * the fold line among it. */
    atomic_store(&r.fast, 1);
    uint64_t until = sys_now_ms() + (uint64_t)it_ms(10000);
    while (!atomic_load(&r.saw_fold) && sys_now_ms() < until)
        sys_sleep_ms(20);
    for (int i = 0; i < reaped; i++)
        sys_close(idle[i]);
    free(idle);
    honest_free(&g);

    int code = hp_stop(&h, it_stop_signal(), it_ms(5000));
    CHECK_INT(code, 0);
    atomic_store(&r.stop, 1);
    pthread_join(r.t, NULL);
    close(r.fd);
    const char *log = r.text ? r.text : "";
    int failures_before = check_failures;
    int folded = strstr(log, "more like") != NULL, dropped = strstr(log, "lines dropped") != NULL;
    check_note("the log that reached the pipe: %zu bytes; folded lines: %s; dropped lines: %s", r.len,
               folded ? "yes" : "no", dropped ? "yes" : "no");
    CHECK(folded);
    /* Wine takes whatever a Windows program writes to a pipe and buffers
     * it itself: the host never sees a slow stderr there, so nothing needs
     * dropping. */
    if (!it_host_is_windows())
        CHECK(dropped);
    if (check_failures != failures_before)
        proc_print_tail("host log (as read)", log, 40);
    free(r.text);
    hp_cleanup(&h);
}

/* ==== LAN discovery ====================================================== */

/* A UDP port nobody uses right now, for this case's host alone: with the
 * shared default port another host on this machine could answer. */
static uint16_t private_discovery_port(void)
{
    sys_socket s;
    uint16_t port = 0;
    REQUIRE_INT(sys_udp_open("127.0.0.1", 0, 0, &s, &port), 0);
    sys_close(s);
    char buf[8];
    snprintf(buf, sizeof buf, "%u", (unsigned)port);
    check_setenv("PAWNPARTY_DISCOVERY_PORT", buf);
    return port;
}

static void case_discovery_flood(void)
{
    enum { QUERIES = 5000 };
    uint16_t dport = private_discovery_port();
    struct hp h;
    hp_start_or_abort(&h, NULL);
    sys_socket s;
    REQUIRE_INT(sys_udp_open("127.0.0.1", 0, 0, &s, NULL), 0);
    static const uint8_t query[4] = {'P', 'P', 'Q', '1'};
    uint8_t buf[512];
    uint64_t t0 = sys_now_ms();
    int answers = 0;
    for (int i = 0; i < QUERIES; i++) {
        (void)sys_sendto(s, query, sizeof query, "127.0.0.1", dport);
        if (i % 10 == 0)
            sys_sleep_ms(1); /* 5,000 in about a second, as a script would */
        while (sys_recvfrom(s, buf, sizeof buf, NULL, 0, NULL) > 0)
            answers++;
    }
    uint64_t end = sys_now_ms() + 300;
    while (sys_now_ms() < end) {
        while (sys_recvfrom(s, buf, sizeof buf, NULL, 0, NULL) > 0)
            answers++;
        sys_sleep_ms(10);
    }
    double secs = (double)(sys_now_ms() - t0) / 1000;
    check_note("%d queries of 4 bytes in %.1f s got %d answers of 40 bytes", QUERIES, secs, answers);
    /* Five at once, then five a second: a handful, whatever is sent. */
    CHECK(answers >= 1);
    CHECK(answers <= 5 + (int)(5 * secs) + 2);
    sys_close(s);
    hp_finish(&h);
    check_unsetenv("PAWNPARTY_DISCOVERY_PORT");
}

/* 1 when /proc/net/udp has a socket bound to ADDRHEX:port. */
static int udp_bound(const char *addr_hex, uint16_t port)
{
    char *t = proc_read_file("/proc/net/udp");
    char want[32];
    snprintf(want, sizeof want, "%s:%04X", addr_hex, (unsigned)port);
    int found = t && strstr(t, want) != NULL;
    free(t);
    return found;
}

static void case_discovery_bind(void)
{
    static const char *const extra[] = {"--bind", "127.0.0.1", NULL};
    uint16_t dport = private_discovery_port();
    struct hp h;
    hp_start_or_abort(&h, extra);
    /* The responder may still be starting: look for a moment. */
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(3000);
    while (!udp_bound("0100007F", dport) && sys_now_ms() < end)
        sys_sleep_ms(20);
    CHECK(udp_bound("0100007F", dport));   /* 127.0.0.1 */
    CHECK(!udp_bound("00000000", dport));  /* not every address */
    hp_finish(&h);
    check_unsetenv("PAWNPARTY_DISCOVERY_PORT");
}

static const struct check_case cases[] = {
    {"flood_moves", case_flood_moves},
    {"flood_chat", case_flood_chat},
    {"half_open", case_half_open},
    {"fd_limit", case_fd_limit},
    {"slow_log", case_slow_log},
    {"discovery_flood", case_discovery_flood},
    {"discovery_bind", case_discovery_bind},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return it_main(argc, argv, "attack", cases, NULL);
}
