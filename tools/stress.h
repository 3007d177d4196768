/*
 * `stress`: the course's load tester, in C, for Linux.
 *
 * One process (or P forked ones, each with its own 20,000-descriptor budget
 * and its own source address in 127.0.0.0/8) drives thousands of dummy
 * players through one epoll loop. Each dummy logs in and moves once per
 * move interval with its clock in move_time; the host echoes the move to
 * its mover as SC_POSITION, and now - move_time is the delay. Every other
 * dummy that sees the move gets SC_POSITION with the same move_time, so
 * now - move_time there is the delay with which others see it (one
 * machine, one monotonic clock for every process). A ramp adds dummies
 * while the mean own-echo delay is low, holds, and sheds them when it is
 * high (docs/stress.md).
 *
 * The pieces:
 *   stress.c         options, the processes, per-second aggregation, the
 *                    console line, the CSV and the summary
 *   stress_swarm.c   one process's epoll loop: connects, logins, moves,
 *                    echoes, the ramp; reports one stress_sec per second
 *   stress_plot.c    the PNG (SDL2 surfaces, a built-in 5x7 font)
 *   stress_window.c  --window: every dummy on the board, live
 *
 * Everything here is single-threaded: a swarm owns all its sockets and
 * buffers; records cross processes only as whole stress_sec values.
 */
#ifndef PAWN_TOOLS_STRESS_H
#define PAWN_TOOLS_STRESS_H

#include <stdint.h>

#define STRESS_MAX_PROCS 64
#define STRESS_FD_SPARE 64        /* descriptors kept free in each process */

/* The delay histogram: 1 ms buckets below 1 s, 10 ms below 10 s, 100 ms
 * below 60 s, then one overflow bucket. Small enough to send every second
 * through a pipe, fine enough for a p99. */
#define STRESS_HIST (1000 + 900 + 500 + 1)

struct stress_opts {
    char host[256];
    uint16_t port;
    uint32_t max;           /* dummies at most, over all processes */
    double ramp_ms;         /* add one dummy every ramp_ms (all processes together) */
    double seconds;         /* the run's length */
    uint32_t move_ms;       /* each dummy moves once per move_ms */
    uint32_t add_below_ms;  /* add while the mean delay is below this */
    uint32_t stop_above_ms; /* above this: note the maximum, shed */
    uint32_t limit_ms;      /* the benchmark's figure: held at mean <= this... */
    uint32_t seen_limit_ms; /* ...and others seeing moves at mean <= this */
    uint32_t shed_ms;       /* shed one dummy every shed_ms (500) */
    uint32_t procs;
    const char *csv, *png;
    int window, quiet;
};

/* One process's second. A record for second t covers [t-1, t) seconds
 * after the common start. kind END carries totals instead (t = 0). */
enum stress_rec_kind { STRESS_REC_SEC = 1, STRESS_REC_END = 2 };

struct stress_sec {
    uint32_t kind, proc, t;
    uint32_t dummies;    /* logged in at the end of the second */
    uint32_t dmin, dmax; /* fewest and most logged in during it */
    uint32_t noted_max;  /* the ramp's noted maximum so far (0: none yet) */
    uint64_t echoes, delay_sum_ms;
    uint64_t seen, seen_sum_ms; /* SC_POSITION of other dummies: now - their move_time */
    uint64_t pkts_in, pkts_out;
    uint64_t fails;      /* connects or logins refused, failed or timed out */
    uint64_t dropped;    /* logged-in dummies the host disconnected */
    uint64_t skipped;    /* moves not sent: 8 outstanding or the socket full */
    uint64_t attempts;   /* connects started */
    uint32_t hist[STRESS_HIST];
};

/* Receives each record as it is made; ctx is the caller's. */
typedef void (*stress_sink_fn)(void *ctx, const struct stress_sec *rec);

/* What one swarm (one process) does. */
struct stress_swarm_cfg {
    const struct stress_opts *o;
    uint32_t proc;          /* 0..procs-1: names are s<proc>-<n> */
    uint32_t max;           /* this process's share of --max */
    uint64_t ramp_us;       /* this process's add interval */
    uint64_t shed_us;       /* this process's shed interval */
    uint32_t dst_addr;      /* the host's IPv4 address (network order) */
    uint16_t dst_port;      /* and port (host order) */
    uint32_t src_addr;      /* bind to this IPv4 source (network order); 0 = any */
    uint64_t t0_us, end_us; /* sys_now_us() of the common start and end */
    stress_sink_fn sink;
    void *sink_ctx;
};

/* Set by SIGINT/SIGTERM: every loop winds down at its next turn. */
extern volatile int stress_stop_flag;

/* Runs one swarm until end_us or stress_stop_flag. Reports one STRESS_REC_SEC
 * per whole second and one STRESS_REC_END. Returns 0, or -1 when the host
 * cannot be reached at all (one line on stderr). */
int stress_swarm_run(const struct stress_swarm_cfg *cfg);

/* Delay histogram helpers. */
uint32_t stress_hist_bucket(uint32_t ms);
uint32_t stress_hist_floor(uint32_t bucket);

/* One point of the run, for the plot. */
struct stress_point {
    uint32_t t, dummies;
    double mean_ms, p99_ms; /* < 0: no echo that second */
    double seen_ms;         /* others' mean; < 0: none seen that second */
};

/* Draws dummies and delay over time into a PNG. Returns 0 or -1 (one line
 * on stderr). */
int stress_plot_png(const char *path, const struct stress_opts *o, const struct stress_point *pts, uint32_t n,
                    uint32_t max_held, uint32_t held_at_limit);

/* Loads a PNG and checks it is a picture (for the smoke test). 0 or -1. */
int stress_png_verify(const char *path);

/* --window: one SDL window with every dummy on the board. open returns 0
 * or -1 (no display: one line on stderr, the run goes on without it).
 * draw takes the positions of the logged-in dummies; poll returns 1 when
 * the window was closed. */
struct stress_window;
struct stress_window *stress_window_open(void);
int stress_window_poll(struct stress_window *w);
void stress_window_draw(struct stress_window *w, uint16_t board_w, uint16_t board_h, const uint16_t *xy, uint32_t n,
                        uint32_t dummies, double mean_ms);
void stress_window_close(struct stress_window *w);

#endif
