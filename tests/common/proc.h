/*
 * The test toolkit, POSIX half: child processes and the files they leave.
 * The host under test, the game windows, Xvfb, xdotool, import and the
 * bots all start here, in one way:
 *
 *   - fork + exec, stdin from /dev/null, every descriptor of ours above 2
 *     closed in the child (it never holds a test client's socket open);
 *   - PR_SET_PDEATHSIG: if the test dies in any way (even SIGKILL from
 *     CTest's timeout) the kernel kills its children too. The signal
 *     follows the thread that forked, so children start from the test's
 *     main thread;
 *   - every child is on one kill list: killed by PID at exit, from the
 *     watchdog (SIGALRM) and on SIGTERM/SIGINT/SIGHUP. Nothing is ever
 *     found or killed by name.
 *
 * A struct proc's stdout is copied by a thread into memory (to wait for
 * lines) and to DIR/LABEL.stdout; its stderr goes to DIR/LABEL.stderr.
 * Linux only (the unit tests' Windows build does not link this half).
 */
#ifndef PAWN_TESTS_PROC_H
#define PAWN_TESTS_PROC_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "check.h"

/* Once per program, before any child: SIGPIPE ignored, the kill list's
 * signal handlers and exit hook, a 170 s watchdog (CTest gives 180),
 * PAWNPARTY_DISCOVERY_ADDR=127.0.0.1 for every child, and check_verbose
 * from PAWN_ITEST_VERBOSE. Idempotent. */
void proc_init(void);
/* Rearms the watchdog (each case gets its own 170 s). */
void proc_watchdog(unsigned seconds);

/* The kill list: pid gets sig at exit or on a fatal signal (and SIGKILL
 * a second later at exit). proc_spawn and proc_fork_exec callers use it. */
void proc_register(pid_t pid, int sig);
void proc_unregister(pid_t pid);

struct proc {
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

/* Starts argv (PATH is searched) with the current environment plus env
 * (NULL-terminated "KEY=VALUE" strings that replace or add variables; NULL
 * for none). stdout is read into p->buf and copied to DIR/LABEL.stdout;
 * stderr goes to DIR/LABEL.stderr, or into the stdout stream when
 * merge_stderr. Registered for SIGKILL. Returns 0, or -1 (and a failure)
 * when it cannot start. proc_cleanup frees what it holds. */
int proc_spawn(struct proc *p, const char *label, const char *dir, char *const argv[], char *const env[],
               int merge_stderr);

/* The bare start, for a child that needs descriptors of its own (Xvfb's
 * -displayfd): out_fd and err_fd become 1 and 2 (err_fd -1: a copy of 1),
 * pass_fd, when >= 0, becomes 3. Not registered. Returns the pid or -1. */
pid_t proc_fork_exec(char *const argv[], char *const env[], int out_fd, int err_fd, int pass_fd);

/* Waits for the next complete stdout line at or after *cursor that starts
 * with prefix (NULL: any line). On 1 the line (without '\n') is copied to
 * line and *cursor moves past it; lines skipped on the way move it too.
 * Returns 1, 0 on timeout, -1 when stdout has ended with no such line. */
int proc_wait_line(struct proc *p, size_t *cursor, const char *prefix, char *line, size_t cap, int timeout_ms);
/* The last complete line starting with prefix anywhere in stdout: 1 or 0. */
int proc_last_line(struct proc *p, const char *prefix, char *line, size_t cap);
/* The stdout byte count now (a cursor for "from here on"). */
size_t proc_cursor(struct proc *p);
/* Waits until no line starting with prefix has arrived for quiet_ms (or
 * max_ms have passed). Returns 1 when quiet, 0 when max_ms ran out. */
int proc_wait_quiet(struct proc *p, const char *prefix, int quiet_ms, int max_ms);

/* Exit code (0..255, 128+signal), or -1 while still running after
 * timeout_ms. */
int proc_wait_exit(struct proc *p, int timeout_ms);
int proc_alive(struct proc *p);
/* Sends sig and waits; on a timeout SIGKILLs. Same returns as
 * proc_wait_exit (-1: it had to be killed). */
int proc_stop(struct proc *p, int sig, int timeout_ms);
/* Kills if running, reaps, joins the reader, frees the buffer. The paths
 * stay (the files are the caller's). */
void proc_cleanup(struct proc *p);

/* Prints the stdout and stderr tails (last max_lines each) to stderr. */
void proc_dump(struct proc *p, int max_lines);
/* 1 when stderr has a sanitizer report (it is then shown). */
int proc_sanitizer_report(struct proc *p);

/* Runs a short tool with env, stdout and stderr merged into out
 * (NUL-terminated, truncated to cap). Returns its exit code, -1 on a
 * timeout (killed) or when it cannot start. */
int proc_run(char *const argv[], char *const env[], int timeout_ms, char *out, size_t cap);

/* ---- files and text ------------------------------------------------------ */

/* The whole file, NUL-terminated (malloc'd, the caller frees), or NULL. */
char *proc_read_file(const char *path);
/* mkdir -p. */
void proc_mkdir_p(const char *path);
/* Removes dir and the files in it (one level: what a test writes). */
void proc_rm_dir(const char *dir);
/* 1 when prog is an executable on PATH. */
int proc_have_program(const char *prog);
/* Prints text on stderr under a title, each line indented: the last
 * max_lines lines. */
void proc_print_tail(const char *title, const char *text, int max_lines);
/* The same from the start of the line that holds at (a pointer into text),
 * at most max_lines lines. */
void proc_print_from(const char *title, const char *text, const char *at, int max_lines);
/* The first place in text where any of marks (NULL-ended) stands, or NULL. */
const char *proc_find_first(const char *text, const char *const *marks);

/* Milliseconds on a monotonic clock, and a sleep. */
uint64_t proc_now_ms(void);
void proc_sleep_ms(unsigned ms);

#endif
