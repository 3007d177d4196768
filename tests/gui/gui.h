/*
 * The GUI test plumbing: child processes whose stdout is read line by line
 * (the game's `pawnparty: ...` test hooks), a private Xvfb server, xdotool
 * for input, ImageMagick `import` for screenshots and SDL2_image to read
 * them back. Linux only, like the integration harness it builds on.
 *
 * Every child started here is killed by PID: by the case when it is done,
 * at exit, from the watchdog/signal handler, and by the kernel
 * (PR_SET_PDEATHSIG) if this process dies first. Nothing is found by name.
 */
#ifndef PAWN_TESTS_GUI_H
#define PAWN_TESTS_GUI_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ==== processes (gproc.c) ================================================ */

/* A child whose stdout is copied (by a thread) into memory and to a file,
 * so that the test can wait for lines; stderr goes to its own file. */
struct gproc {
    pid_t pid;
    char label[32];
    char out_path[256], err_path[256];
    int out_fd;
    int reaped, wstatus;
    int reader_running;
    pthread_t reader;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *buf; /* all stdout so far, NUL-terminated; guarded by mu */
    size_t len, cap;
    int eof;
};

/* The kill list: pid gets sig at exit or on a fatal signal (and SIGKILL a
 * second later at exit). gp_spawn registers its children itself. */
void gp_register(pid_t pid, int sig);
void gp_unregister(pid_t pid);

/* Sets up the kill-at-exit and signal chaining; after it_init(). */
void gp_init(void);

/* Starts argv with the current environment plus env (NULL-terminated
 * "KEY=VALUE" strings that replace or add variables). stdout is read into
 * g->buf and copied to DIR/LABEL.stdout; stderr goes to DIR/LABEL.stderr,
 * or into the stdout stream when merge_stderr. Returns 0, or -1 (and a
 * failure) when it cannot start. */
int gp_spawn(struct gproc *g, const char *label, const char *dir, char *const argv[], char *const env[],
             int merge_stderr);

/* Waits for the next complete stdout line at or after *cursor that starts
 * with prefix (NULL: any line). On 1 the line (without '\n') is copied to
 * line and *cursor moves past it; lines skipped on the way move it too.
 * Returns 1, 0 on timeout, -1 when stdout has ended with no such line. */
int gp_wait_line(struct gproc *g, size_t *cursor, const char *prefix, char *line, size_t cap, int timeout_ms);
/* The last complete line starting with prefix anywhere in stdout: 1 or 0. */
int gp_last_line(struct gproc *g, const char *prefix, char *line, size_t cap);
/* The stdout byte count now (a cursor for "from here on"). */
size_t gp_cursor(struct gproc *g);
/* Waits until no line starting with prefix has arrived for quiet_ms (or
 * max_ms have passed). Returns 1 when quiet, 0 when max_ms ran out. */
int gp_wait_quiet(struct gproc *g, const char *prefix, int quiet_ms, int max_ms);

/* Exit code (0..255, 128+signal), or -1 while still running after
 * timeout_ms. */
int gp_wait_exit(struct gproc *g, int timeout_ms);
int gp_alive(struct gproc *g);
/* Sends sig and waits; on a timeout SIGKILLs. Same returns as gp_wait_exit
 * (-1: it had to be killed). */
int gp_stop(struct gproc *g, int sig, int timeout_ms);
/* Kills if running, reaps, joins the reader, frees the buffer. */
void gp_cleanup(struct gproc *g);

/* Prints the stdout and stderr tails (last max_lines each) to stderr. */
void gp_dump(struct gproc *g, int max_lines);
/* 1 when stderr has a sanitizer report (then it is shown). */
int gp_sanitizer_report(struct gproc *g);

/* Runs a short tool (xdotool, import) with env, stdout+stderr merged into
 * out (NUL-terminated, truncated to cap). Returns its exit code, -1 on
 * timeout (killed) or when it cannot start. */
int run_tool(char *const argv[], char *const env[], int timeout_ms, char *out, size_t cap);

/* 1 when prog is an executable on PATH. */
int have_program(const char *prog);

/* A per-child discovery port: 20000 + (our pid + 997 * n) % 20000. */
unsigned discovery_port_next(void);

/* ==== the X server and input (xvfb.c) ==================================== */

struct xvfb {
    pid_t pid;
    int display;        /* N of :N */
    char name[16];      /* ":N" */
    char env_display[32];
    char log_path[256];
    int width, height;
};

/* Starts `Xvfb -screen 0 WxHx24 -nolisten tcp -noreset -displayfd FD` and
 * waits for its display number. Returns 0 or -1 (with a failure). */
int xvfb_start(struct xvfb *x, const char *dir, int width, int height);
/* SIGTERM, wait, SIGKILL if needed. Idempotent. */
void xvfb_stop(struct xvfb *x);

struct xwin {
    char id[32];  /* as xdotool prints it */
    int x, y;     /* position on the root window */
    int w, h;
};

/* Finds the visible window of process pid whose title starts with "Pawn
 * Party" (in a game it says more: "Pawn Party - NAME @ ADDR") and reads
 * its geometry. Returns 0, or -1 on timeout. */
int x_find_window(struct xvfb *x, pid_t pid, struct xwin *w, int timeout_ms);
/* Re-reads the geometry (the game may resize). 0 or -1. */
int x_geometry(struct xvfb *x, struct xwin *w);
/* Focuses the window and presses key (an X keysym name: Right, Down...). */
int x_key(struct xvfb *x, const struct xwin *w, const char *key);
/* Moves the pointer to window coordinates (wx, wy) and clicks button 1. */
int x_click(struct xvfb *x, const struct xwin *w, int wx, int wy);
/* Parks the pointer off the window (or in its bottom-right corner when the
 * window covers the screen), so no hover effect is in a screenshot. */
int x_park_pointer(struct xvfb *x, const struct xwin *w);

/* ==== screenshots (shot.c) =============================================== */

struct rgb {
    int r, g, b;
};

struct shot {
    int w, h;       /* the root window */
    uint8_t *px;    /* RGBA, w*h*4 */
    int ox, oy;     /* the game window on the root window */
    int ww, wh;     /* the game window's size */
    char path[256]; /* where the root screenshot was saved */
};

/* `import -window root PATH` then loads it; w gives the window offset.
 * Returns 0 or -1 (with a failure). */
int shot_take(struct xvfb *x, const struct xwin *w, const char *path, struct shot *s);
void shot_free(struct shot *s);
/* Saves the game window's part of the screenshot as a PNG. 0 or -1. */
int shot_save_window(const struct shot *s, const char *path);

/* Pixels in window coordinates; out-of-window reads give {-1,-1,-1}. */
struct rgb shot_at(const struct shot *s, int wx, int wy);
/* Per-channel median of the window rectangle [x0,x1) x [y0,y1). */
struct rgb shot_median(const struct shot *s, int x0, int y0, int x1, int y1);
/* How many pixels of the rectangle are farther than dist from ref; *total
 * gets the number of pixels looked at. */
int shot_count_far(const struct shot *s, int x0, int y0, int x1, int y1, struct rgb ref, int dist, int *total);
int rgb_dist(struct rgb a, struct rgb b);

#endif
