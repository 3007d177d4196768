/*
 * stress HOST[:PORT] [options]: the course's load tester (docs/stress.md).
 *
 * This file is the driver: options, the reachability probe, the processes
 * (one, or P forked children each bound to its own source address), and
 * the aggregation of their per-second records into the console line, the
 * CSV, the plot and the summary. The swarm itself is stress_swarm.c.
 *
 * Records from children arrive through one pipe per child as whole
 * struct stress_sec values (same binary, same machine: the layout is
 * shared by construction). Second t is printed once every child has sent
 * its own second t or has ended.
 */
#include "stress.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto.h"
#include "sys.h"

#define MAX_SECONDS 86400.0
#define CHILD_GRACE_US 20000000u /* children past end + this are killed */
#define STRESS_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ========================================================================
 * Options
 * ====================================================================== */

static void usage(FILE *f)
{
    fputs("usage: stress HOST[:PORT] [--max N] [--ramp-ms MS] [--seconds S] [--move-ms MS]\n"
          "              [--add-below-ms MS] [--stop-above-ms MS] [--limit-ms MS] [--seen-limit-ms MS]\n"
          "              [--shed-ms MS] [--procs P] [--csv FILE] [--png FILE] [--window] [--quiet]\n"
          "       stress --verify-png FILE\n"
          "defaults: --max 1000 --ramp-ms 50 --seconds 60 --move-ms 1000 --add-below-ms 100\n"
          "          --stop-above-ms 150 --limit-ms 50 --seen-limit-ms 100 --shed-ms 500 --procs 1\n",
          f);
}

static int usage_error(const char *fmt, ...) STRESS_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("stress: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (try --help)\n", stderr);
    return 2;
}

/* An integer option: digits only. */
static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    long v = sys_parse_num(s, lo, hi);
    if (v < 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

struct num_opt {
    const char *name;
    uint32_t *u;
    double *d;
    double lo, hi;
};

/* 0 parsed, 1 not a numeric option, 2 usage error (printed). */
static int parse_num_opt(int argc, char **argv, int *i, const struct num_opt *t, size_t nt)
{
    for (size_t k = 0; k < nt; k++) {
        int missing = 0;
        const char *v = sys_opt_value(argc, argv, i, t[k].name, &missing);
        int bad;
        if (v == NULL && !missing)
            continue;
        bad = t[k].u ? parse_u32(v, (uint32_t)t[k].lo, (uint32_t)t[k].hi, t[k].u)
                     : sys_parse_real(v, t[k].lo, t[k].hi, t[k].d);
        if (bad) {
            usage_error("%s needs a number %g..%g", t[k].name, t[k].lo, t[k].hi);
            return 2;
        }
        return 0;
    }
    return 1;
}

static int parse_opts(int argc, char **argv, struct stress_opts *o)
{
    const char *target = NULL;
    struct num_opt nums[] = {
        { "--max", &o->max, NULL, 1, 1000000 },
        { "--ramp-ms", NULL, &o->ramp_ms, 0.01, 600000 },
        { "--seconds", NULL, &o->seconds, 1, MAX_SECONDS },
        { "--move-ms", &o->move_ms, NULL, 10, 60000 },
        { "--add-below-ms", &o->add_below_ms, NULL, 0, 600000 },
        { "--stop-above-ms", &o->stop_above_ms, NULL, 0, 600000 },
        { "--limit-ms", &o->limit_ms, NULL, 0, 600000 },
        { "--seen-limit-ms", &o->seen_limit_ms, NULL, 0, 600000 },
        { "--shed-ms", &o->shed_ms, NULL, 1, 600000 },
        { "--procs", &o->procs, NULL, 1, STRESS_MAX_PROCS },
    };

    memset(o, 0, sizeof *o);
    o->max = 1000;
    o->ramp_ms = 50;
    o->seconds = 60;
    o->move_ms = 1000;
    o->add_below_ms = 100;
    o->stop_above_ms = 150;
    o->limit_ms = 50;
    o->seen_limit_ms = 100;
    o->shed_ms = 500;
    o->procs = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing = 0, rc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        }
        rc = parse_num_opt(argc, argv, &i, nums, sizeof nums / sizeof nums[0]);
        if (rc == 2)
            return 2;
        if (rc == 0)
            continue;
        if ((v = sys_opt_value(argc, argv, &i, "--csv", &missing)) || missing) {
            if (v == NULL || !*v)
                return usage_error("--csv needs a file name");
            o->csv = v;
        } else if ((v = sys_opt_value(argc, argv, &i, "--png", &missing)) || missing) {
            if (v == NULL || !*v)
                return usage_error("--png needs a file name");
            o->png = v;
        } else if (!strcmp(a, "--window")) {
            o->window = 1;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option %s", a);
        } else if (target != NULL) {
            return usage_error("unexpected argument %s: give one HOST[:PORT]", a);
        } else {
            target = a;
        }
    }
    if (target == NULL)
        return usage_error("missing HOST[:PORT]");
    if (sys_parse_hostport(target, o->host, sizeof o->host, &o->port, PROTO_DEFAULT_PORT) != 0 || o->port == 0)
        return usage_error("bad address %s: expected HOST[:PORT] with a port 1..65535", target);
    if (o->stop_above_ms < o->add_below_ms)
        return usage_error("--stop-above-ms %u is below --add-below-ms %u", (unsigned)o->stop_above_ms,
                           (unsigned)o->add_below_ms);
    if (o->procs > o->max)
        return usage_error("--procs %u is more than --max %u", (unsigned)o->procs, (unsigned)o->max);
    if (o->window && o->procs > 1)
        return usage_error("--window shows one process's dummies: use it with --procs 1");
    return 0;
}

/* ========================================================================
 * Aggregation: per-second records from every process, in order
 * ====================================================================== */

struct agg {
    const struct stress_opts *o;
    uint32_t procs, nsec, next_emit;
    struct stress_sec *secs;      /* secs[t], t = 1..nsec, summed over procs */
    uint32_t last_t[STRESS_MAX_PROCS];
    uint8_t done[STRESS_MAX_PROCS];
    uint32_t noted[STRESS_MAX_PROCS];
    struct stress_sec end;        /* END records summed */
    FILE *csv;
    struct stress_point *pts;
    uint32_t npts;
    uint32_t held, held_at_limit, peak_end;
    double limit_mean, limit_seen; /* the delays of the second held_at_limit came from */
};

static double hist_p99(const uint32_t *hist, uint64_t n)
{
    uint64_t rank = (n * 99 + 99) / 100, seen = 0;
    for (uint32_t b = 0; b < STRESS_HIST; b++) {
        seen += hist[b];
        if (seen >= rank)
            return stress_hist_floor(b);
    }
    return stress_hist_floor(STRESS_HIST - 1);
}

static void sec_merge(struct stress_sec *a, const struct stress_sec *s)
{
    a->dummies += s->dummies;
    a->dmin += s->dmin;
    a->dmax += s->dmax;
    a->echoes += s->echoes;
    a->delay_sum_ms += s->delay_sum_ms;
    a->seen += s->seen;
    a->seen_sum_ms += s->seen_sum_ms;
    a->pkts_in += s->pkts_in;
    a->pkts_out += s->pkts_out;
    a->fails += s->fails;
    a->dropped += s->dropped;
    a->skipped += s->skipped;
    a->attempts += s->attempts;
    for (uint32_t b = 0; b < STRESS_HIST; b++)
        a->hist[b] += s->hist[b];
}

static void agg_emit(struct agg *g, uint32_t t)
{
    const struct stress_sec *s = &g->secs[t];
    double mean = s->echoes ? (double)s->delay_sum_ms / (double)s->echoes : -1;
    double p99 = s->echoes ? hist_p99(s->hist, s->echoes) : -1;
    double seen = s->seen ? (double)s->seen_sum_ms / (double)s->seen : -1;
    char mean_s[16] = "-", p99_s[16] = "-", seen_s[16] = "-";
    if (s->echoes) {
        snprintf(mean_s, sizeof mean_s, "%.1f", mean);
        snprintf(p99_s, sizeof p99_s, "%.0f", p99);
    }
    if (s->seen)
        snprintf(seen_s, sizeof seen_s, "%.1f", seen);

    if (!g->o->quiet) {
        printf("stress: t=%us dummies=%u mean_ms=%s p99_ms=%s seen_ms=%s in/s=%llu out/s=%llu fails=%llu "
               "dropped=%llu\n",
               (unsigned)t, (unsigned)s->dummies, mean_s, p99_s, seen_s, (unsigned long long)s->pkts_in,
               (unsigned long long)s->pkts_out, (unsigned long long)s->fails, (unsigned long long)s->dropped);
        fflush(stdout);
    }
    if (g->csv) {
        fprintf(g->csv, "%u,%u,%s,%s,%llu,%llu,%llu,%llu,%llu,%s\n", (unsigned)t, (unsigned)s->dummies,
                s->echoes ? mean_s : "", s->echoes ? p99_s : "", (unsigned long long)s->pkts_in,
                (unsigned long long)s->pkts_out, (unsigned long long)s->fails, (unsigned long long)s->echoes,
                (unsigned long long)s->dropped, s->seen ? seen_s : "");
        fflush(g->csv);
    }
    g->pts[g->npts++] =
        (struct stress_point){.t = t, .dummies = s->dummies, .mean_ms = mean, .p99_ms = p99, .seen_ms = seen};
    /* "Held": the fewest logged in during the whole second. At the limit,
     * the mover's own echo and everyone else's copy must both be quick: a
     * host must not look fast by answering the mover at once and holding
     * the others' copies (a second where no other dummy saw a move, with
     * so few dummies that nobody is in view, counts on its echo alone). */
    if (s->dmin > g->held)
        g->held = s->dmin;
    if (s->echoes && mean <= g->o->limit_ms && (!s->seen || seen <= g->o->seen_limit_ms) &&
        s->dmin > g->held_at_limit) {
        g->held_at_limit = s->dmin;
        g->limit_mean = mean;
        g->limit_seen = seen;
    }
}

/* Second t is ready when every process has sent it or has ended. */
static void agg_flush(struct agg *g)
{
    while (g->next_emit <= g->nsec) {
        for (uint32_t p = 0; p < g->procs; p++)
            if (!g->done[p] && g->last_t[p] < g->next_emit)
                return;
        agg_emit(g, g->next_emit++);
    }
}

static void agg_add(void *ctx, const struct stress_sec *r)
{
    struct agg *g = ctx;
    if (r->proc >= g->procs)
        return;
    if (r->kind == STRESS_REC_END) {
        sec_merge(&g->end, r);
        g->peak_end += r->dmax;
        g->noted[r->proc] = r->noted_max;
        g->done[r->proc] = 1;
    } else if (r->kind == STRESS_REC_SEC && r->t >= 1 && r->t <= g->nsec) {
        sec_merge(&g->secs[r->t], r);
        g->last_t[r->proc] = r->t;
        g->noted[r->proc] = r->noted_max;
    }
    agg_flush(g);
}

/* A process that ended without its END record (killed, crashed). */
static void agg_lost(struct agg *g, uint32_t proc)
{
    g->done[proc] = 1;
    agg_flush(g);
}

/* ========================================================================
 * Processes
 * ====================================================================== */

static void on_signal(int sig)
{
    (void)sig;
    stress_stop_flag = 1;
}

static void signals_set(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The host must answer one connect before thousands are started; its
 * resolved address is then every dummy's destination. */
static int probe(const struct stress_opts *o, struct sockaddr_in *dst)
{
    sys_socket s = SYS_BAD_SOCKET;
    socklen_t len = sizeof *dst;
    int err = sys_connect(o->host, o->port, 3000, &s);
    if (err == 0 && getpeername((int)s, (struct sockaddr *)dst, &len) != 0)
        err = sys_last_error();
    if (err == 0 && dst->sin_family != AF_INET)
        err = SYS_E_INVAL;
    if (s != SYS_BAD_SOCKET)
        sys_close(s);
    if (err != 0) {
        fprintf(stderr, "stress: cannot connect to %s:%u: %s\n", o->host[0] ? o->host : "127.0.0.1",
                (unsigned)o->port, sys_strerror(err));
        return -1;
    }
    return 0;
}

static void cfg_for(struct stress_swarm_cfg *c, const struct stress_opts *o, uint32_t k, const struct sockaddr_in *dst,
                    uint64_t t0)
{
    int loopback = (ntohl(dst->sin_addr.s_addr) >> 24) == 127;
    memset(c, 0, sizeof *c);
    c->o = o;
    c->proc = k;
    c->max = o->max / o->procs + (k < o->max % o->procs);
    /* Each process adds and sheds P times slower: together, the asked rate. */
    c->ramp_us = (uint64_t)(o->ramp_ms * 1000.0 * o->procs);
    if (c->ramp_us == 0)
        c->ramp_us = 1;
    c->shed_us = (uint64_t)o->shed_ms * 1000u * o->procs;
    c->dst_addr = dst->sin_addr.s_addr;
    c->dst_port = o->port;
    /* With several processes on loopback, each its own source address:
     * 127.0.0.2, 127.0.0.3, ... (all of 127/8 is local on Linux). */
    if (o->procs > 1 && loopback)
        c->src_addr = htonl(0x7f000002u + k);
    c->t0_us = t0;
    c->end_us = t0 + (uint64_t)(o->seconds * 1e6);
}

static int write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void pipe_sink(void *ctx, const struct stress_sec *r)
{
    (void)write_all(*(int *)ctx, r, sizeof *r);
}

struct child {
    pid_t pid;
    int fd;
    size_t have;
    struct stress_sec rec;
};

static int run_children(const struct stress_opts *o, const struct sockaddr_in *dst, uint64_t t0, struct agg *g)
{
    struct child ch[STRESS_MAX_PROCS];
    struct pollfd pf[STRESS_MAX_PROCS];
    uint32_t open_fds = 0, p;
    int forwarded = 0;

    fflush(stdout);
    fflush(stderr);
    for (p = 0; p < o->procs; p++) {
        int fds[2];
        ch[p].pid = -1;
        ch[p].fd = -1;
        ch[p].have = 0;
        if (pipe(fds) != 0) {
            fprintf(stderr, "stress: pipe: %s\n", strerror(errno));
            agg_lost(g, p);
            continue;
        }
        ch[p].pid = fork();
        if (ch[p].pid == 0) {
            struct stress_swarm_cfg c;
            close(fds[0]);
            for (uint32_t q = 0; q < p; q++)
                if (ch[q].fd >= 0)
                    close(ch[q].fd);
            cfg_for(&c, o, p, dst, t0);
            c.sink = pipe_sink;
            c.sink_ctx = &fds[1];
            _exit(stress_swarm_run(&c) == 0 ? 0 : 1);
        }
        close(fds[1]);
        if (ch[p].pid < 0) {
            fprintf(stderr, "stress: fork: %s\n", strerror(errno));
            close(fds[0]);
            agg_lost(g, p);
            continue;
        }
        ch[p].fd = fds[0];
        open_fds++;
    }
    while (open_fds > 0) {
        uint64_t now = sys_now_us();
        int rc;
        if (stress_stop_flag && !forwarded) {
            for (p = 0; p < o->procs; p++)
                if (ch[p].pid > 0)
                    kill(ch[p].pid, SIGTERM);
            forwarded = 1;
        }
        if (now > t0 + (uint64_t)(o->seconds * 1e6) + CHILD_GRACE_US) {
            fprintf(stderr, "stress: children still running %u s after the end: killing them\n",
                    (unsigned)(CHILD_GRACE_US / 1000000u));
            for (p = 0; p < o->procs; p++)
                if (ch[p].fd >= 0 && ch[p].pid > 0)
                    kill(ch[p].pid, SIGKILL);
            break;
        }
        for (p = 0; p < o->procs; p++)
            pf[p] = (struct pollfd){ .fd = ch[p].fd, .events = POLLIN };
        rc = poll(pf, o->procs, 500);
        if (rc <= 0)
            continue;
        for (p = 0; p < o->procs; p++) {
            ssize_t n;
            if (ch[p].fd < 0 || !(pf[p].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(ch[p].fd, (uint8_t *)&ch[p].rec + ch[p].have, sizeof ch[p].rec - ch[p].have);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(ch[p].fd);
                ch[p].fd = -1;
                open_fds--;
                agg_lost(g, p);
                continue;
            }
            ch[p].have += (size_t)n;
            if (ch[p].have == sizeof ch[p].rec) {
                ch[p].rec.proc = p;
                agg_add(g, &ch[p].rec);
                ch[p].have = 0;
            }
        }
    }
    for (p = 0; p < o->procs; p++) {
        if (ch[p].fd >= 0) {
            close(ch[p].fd);
            agg_lost(g, p);
        }
        if (ch[p].pid > 0)
            (void)waitpid(ch[p].pid, NULL, 0);
    }
    return 0;
}

/* ========================================================================
 * Summary and main
 * ====================================================================== */

static void summary(const struct agg *g, double secs)
{
    const struct stress_opts *o = g->o;
    const struct stress_sec *e = &g->end;
    uint32_t noted = 0;
    for (uint32_t p = 0; p < g->procs; p++)
        noted += g->noted[p];
    printf("stress: host=%s:%u procs=%u seconds=%.1f attempts=%llu logins_failed=%llu dropped=%llu "
           "skipped_moves=%llu\n",
           o->host[0] ? o->host : "127.0.0.1", (unsigned)o->port, (unsigned)o->procs, secs,
           (unsigned long long)e->attempts, (unsigned long long)e->fails, (unsigned long long)e->dropped,
           (unsigned long long)e->skipped);
    printf("stress: echoes=%llu mean_ms=%.2f p99_ms=%.0f packets_in=%llu packets_out=%llu\n",
           (unsigned long long)e->echoes, e->echoes ? (double)e->delay_sum_ms / (double)e->echoes : 0.0,
           e->echoes ? hist_p99(e->hist, e->echoes) : 0.0, (unsigned long long)e->pkts_in,
           (unsigned long long)e->pkts_out);
    if (noted)
        printf("stress: ramp maximum %u dummies (mean delay went over %u ms there)\n", (unsigned)noted,
               (unsigned)o->stop_above_ms);
    else
        printf("stress: ramp maximum not reached (mean delay never over %u ms; --max %u)\n",
               (unsigned)o->stop_above_ms, (unsigned)o->max);
    {
        /* The tester shares the machine with the host: how much it took. */
        struct rusage self, kids;
        double cpu;
        getrusage(RUSAGE_SELF, &self);
        getrusage(RUSAGE_CHILDREN, &kids);
        cpu = (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
              (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) /
                  1e6;
        printf("stress: tester cpu %.1f s over %.1f s (%.0f%% of one core)\n", cpu, secs,
               secs > 0 ? 100.0 * cpu / secs : 0.0);
    }
    printf("stress: max held %u dummies for a full second (peak %u)\n", (unsigned)g->held, (unsigned)g->peak_end);
    printf("stress: max held at mean delay <= %u ms (seen by others <= %u ms): %u dummies "
           "(that second: own echo %.1f ms, seen by others %.1f ms)\n",
           (unsigned)o->limit_ms, (unsigned)o->seen_limit_ms, (unsigned)g->held_at_limit, g->limit_mean, g->limit_seen);
    fflush(stdout);
}

static int check_fd_budget(const struct stress_opts *o)
{
    uint32_t have = sys_raise_fd_limit();
    uint32_t share = o->max / o->procs + (o->max % o->procs != 0);
    uint32_t need = share + STRESS_FD_SPARE;
    if (need > have) {
        uint32_t per = have > STRESS_FD_SPARE ? have - STRESS_FD_SPARE : 1;
        fprintf(stderr,
                "stress: %u dummies per process need %u file descriptors, the limit is %u: use --procs %u or more\n",
                (unsigned)share, (unsigned)need, (unsigned)have, (unsigned)((o->max + per - 1) / per));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct stress_opts o;
    struct sockaddr_in dst;
    struct agg g;
    uint64_t t0;
    int rc;

    if (argc == 3 && !strcmp(argv[1], "--verify-png"))
        return stress_png_verify(argv[2]) == 0 ? 0 : 1;
    rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    sys_init();
    if (check_fd_budget(&o) != 0)
        return 2;
    memset(&g, 0, sizeof g);
    g.o = &o;
    g.procs = o.procs;
    g.nsec = (uint32_t)o.seconds;
    g.next_emit = 1;
    g.secs = calloc(g.nsec + 1, sizeof *g.secs);
    g.pts = calloc(g.nsec + 2, sizeof *g.pts);
    if (g.secs == NULL || g.pts == NULL) {
        fprintf(stderr, "stress: out of memory for %u seconds\n", (unsigned)g.nsec);
        return 1;
    }
    g.pts[g.npts++] = (struct stress_point){ .t = 0, .dummies = 0, .mean_ms = -1, .p99_ms = -1 };
    if (o.csv) {
        g.csv = fopen(o.csv, "w");
        if (g.csv == NULL) {
            fprintf(stderr, "stress: cannot write %s: %s\n", o.csv, strerror(errno));
            return 1;
        }
        fputs("t,dummies,mean_ms,p99_ms,packets_in,packets_out,logins_failed,echoes,dropped,seen_mean_ms\n", g.csv);
    }
    if (probe(&o, &dst) != 0)
        return 1;
    signals_set();
    t0 = sys_now_us();
    if (o.procs == 1) {
        struct stress_swarm_cfg c;
        cfg_for(&c, &o, 0, &dst, t0);
        c.sink = agg_add;
        c.sink_ctx = &g;
        rc = stress_swarm_run(&c);
        agg_lost(&g, 0);
    } else {
        rc = run_children(&o, &dst, t0, &g);
    }
    summary(&g, (double)(sys_now_us() - t0) / 1e6);
    if (g.csv)
        fclose(g.csv);
    if (o.png && stress_plot_png(o.png, &o, g.pts, g.npts, g.held, g.held_at_limit) != 0)
        rc = -1;
    rc = rc == 0 && g.peak_end > 0 && g.end.echoes > 0 ? 0 : 1;
    free(g.secs);
    free(g.pts);
    return rc;
}
