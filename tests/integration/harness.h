/*
 * The integration harness: starts the real host as a child process on
 * 127.0.0.1 and drives it with real blocking-socket clients that keep a
 * world mirror each. POSIX only: it always runs on Linux, even when the
 * host under test is "wine pawnparty.exe" (the host command is a prefix
 * list, split on spaces). Built on the test toolkit (tests/common): checks
 * and the case runner from check.h, child processes from proc.h.
 *
 * A REQUIRE that fails stops the program at once: the harness kills the
 * hosts it started, shows and keeps their logs, and exits 1.
 *
 * Every wait has a timeout. Timeouts are scaled by it_ms() for slow builds
 * (ASan, TSan), for a Windows host under Wine, and by the environment
 * variable PAWN_ITEST_SLOW.
 */
#ifndef PAWN_TESTS_HARNESS_H
#define PAWN_TESTS_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "check.h"
#include "mirror.h"
#include "proc.h"
#include "proto.h"
#include "reasm.h"
#include "rng.h"
#include "sys.h"

/* ---- configuration (set by it_main) ------------------------------------- */

#define IT_MAX_PREFIX 16

extern char *it_host_argv[IT_MAX_PREFIX]; /* the host command, split on spaces */
extern int it_host_argc;
extern const char *it_backend;            /* "uring", "epoll", "iocp", ... */

/* Splits the --host string into it_host_argv. Returns 0 or -1. */
int it_set_host(const char *cmd);
/* 1 when the host under test is a Windows build (run through wine, or an
 * .exe): it stops on SIGINT (CTRL_C_EVENT), SIGTERM is a Linux-only rule. */
int it_host_is_windows(void);
/* The signal that stops the host cleanly: SIGTERM, or SIGINT for Windows. */
int it_stop_signal(void);
/* Once per program: the sys layer, proc_init (the kill list, the
 * watchdog, loopback discovery), the slow factor, the failure hooks. */
void it_init(void);

/* A test program's main: parses --host, --backend, --case and --list,
 * calls it_init (then ready(), if given, once the options are in), runs
 * each selected case (check_run) with a watchdog of its own, and adds the
 * backend and the time to each "ok NAME" line. Returns the exit status
 * (2: usage). */
int it_main(int argc, char **argv, const char *prog, const struct check_case *cases, int (*ready)(void));
/* ms scaled for slow builds. */
int it_ms(int ms);
int it_slow_factor(void);

/* Case-insensitive substring test, for log lines. */
int it_has_ci(const char *hay, const char *needle);
/* What tc_login returned, in words: "SC_LOGIN_OK", "SC_LOGIN_FAIL 1
 * (full)", "no answer". */
const char *it_login_result(int r);
/* A TCP port on 127.0.0.1 that nobody listens on (bound, then closed). */
uint16_t it_closed_port(void);

/* ---- the host process -------------------------------------------------- */

struct hp {
    struct proc p;         /* stdout in p.out_path, stderr (the log) in p.err_path */
    uint16_t port;
    char dir[96];          /* the temp dir (mkdtemp under /tmp) */
    int dumped;            /* its log was shown already */
};

/*
 * Spawns `<host...> host --headless --port PORT --backend B [extra...]`
 * (extra is NULL-terminated, may be NULL) and waits (20 s, scaled) for
 * `listening on ADDR:PORT` on its stdout. Returns 0 with h->port set; -1
 * when the host exited first (hp_wait_exit tells how). When the backend
 * is uring and the host's stderr says io_uring is refused, prints a SKIP
 * line and exits 77. A host that neither listens nor exits in time fails
 * the case (REQUIRE). The harness owns the temp dir; hp_cleanup removes
 * it (kept on failure).
 */
int hp_start(struct hp *h, uint16_t port, const char *const *extra);
/* hp_start on a free port with the host's stderr (its log) a pipe whose
 * reading end, nonblocking, goes to *log_fd: for a case that reads the
 * log as slowly as a slow terminal would. hp_log and the sanitizer check
 * read the log file and so cannot be used on such a host: stop it with
 * hp_stop and hp_cleanup. */
int hp_start_piped_log(struct hp *h, const char *const *extra, int *log_fd);
/* hp_start on a free port, where a host that does not listen ends the
 * case (its exit status and log are shown). */
void hp_start_or_abort(struct hp *h, const char *const *extra);
/* How every case ends a host: the stop signal (it_stop_signal), a clean
 * exit within 5 s, no sanitizer report in its log; then hp_cleanup. */
void hp_finish(struct hp *h);
/* Fails the case when the log has a sanitizer line, and shows the report. */
void hp_check_sanitizer(const struct hp *h);

/* Sends sig and waits up to timeout_ms for the exit. Returns the exit code
 * (0..255), 128+signal when killed by a signal, or -1 on timeout (the host
 * is then SIGKILLed and reaped). */
int hp_stop(struct hp *h, int sig, int timeout_ms);
/* Waits for an exit without signalling; same returns as hp_stop but a
 * timeout leaves the process running. */
int hp_wait_exit(struct hp *h, int timeout_ms);
int hp_alive(struct hp *h);
/* Kills (SIGKILL) if still running, reaps, removes the temp dir unless
 * the case has failed (or PAWN_ITEST_KEEP is set). */
void hp_cleanup(struct hp *h);

/* The whole stderr log so far (malloc'd, NUL-terminated; caller frees). */
char *hp_log(const struct hp *h);
size_t hp_log_size(const struct hp *h);
/* Lines of the log from byte offset `from` on for which pred is true. */
int hp_log_count(const struct hp *h, size_t from, int (*pred)(const char *line, void *ctx), void *ctx);
/* Waits until hp_log_count(...) >= n; returns the last count seen. */
int hp_log_wait(const struct hp *h, size_t from, int (*pred)(const char *line, void *ctx), void *ctx, int n,
                int timeout_ms);
/* Prints the log from `from` on (to stderr), each line indented. */
void hp_log_dump(const struct hp *h, size_t from, const char *title);
/* Prints up to max_lines lines starting at the first line that contains
 * needle (a sanitizer report, say). Returns 1 when needle was found. */
int hp_log_dump_at(const struct hp *h, const char *needle, int max_lines, const char *title);
/* VmRSS in KiB from /proc/PID/status, or -1. */
long hp_rss_kb(const struct hp *h);

/*
 * Runs `<host...> ARGS...` (NULL-terminated) with stdout and stderr in
 * out (NUL-terminated, cut at cap), waits up to timeout_ms. Returns the
 * exit code (as hp_stop), -1 on timeout (killed).
 */
int it_run_tool(const char *const *args, int timeout_ms, char *out, size_t cap);

/* ---- a test client ----------------------------------------------------- */

#define TC_RING 4096 /* moves in flight at most (send times kept) */

struct tc_msg {
    struct proto_msg m;
    uint64_t at_us;
};

struct tc {
    sys_socket s;
    char label[40];            /* for messages */
    char name[PROTO_NAME_LEN]; /* the login name, once sent */
    struct reasm rs;
    struct mirror m;
    struct proto_msg ok;       /* SC_LOGIN_OK, when logged_in */
    int closed;                /* 0 open, 1 orderly EOF, 2 reset/error */
    int bad;                   /* undecodable bytes from the host */
    int record;                /* queue received messages (default 1) */
    int quiet_violations;      /* do not print each mirror violation */
    struct tc_msg *q;
    size_t qhead, qlen, qcap;
    uint64_t rx_packets;
    /* moves sent through tc_move carry move_time = a sequence number */
    uint32_t seq_sent, seq_echoed;
    uint32_t echo_order_bad;   /* an echo out of order or unknown */
    uint64_t sent_us[TC_RING];
    uint64_t echoes, delay_sum_us, delay_max_us;
    uint64_t last_echo_us, max_gap_us; /* gap between echoes while moves are in flight */
};

/* Connects to 127.0.0.1:port (sys_connect). rcvbuf > 0: a raw socket with
 * SO_RCVBUF set before connect. Returns NULL (and a failure) when it
 * cannot connect. The caller frees with tc_free. */
struct tc *tc_connect(uint16_t port, const char *label, int rcvbuf);
/* tc_connect (no rcvbuf) where a failure ends the case. */
struct tc *tc_connect_or_abort(uint16_t port, const char *label);
/* Connects and logs in as name (label = name); anything but SC_LOGIN_OK
 * ends the case. */
struct tc *tc_join(uint16_t port, const char *name);
/* Closes (if open) and frees. */
void tc_free(struct tc *c);
/* close() as is: an abrupt leave. */
void tc_close(struct tc *c);
/* SO_LINGER 0 then close(): an RST. */
void tc_close_rst(struct tc *c);

/* Senders: 0, or a SYS_E_* when the host has closed. */
int tc_send_raw(struct tc *c, const void *buf, size_t n);
int tc_send_msg(struct tc *c, const struct proto_msg *m);
int tc_send_login(struct tc *c, uint16_t version, const uint8_t raw[PROTO_NAME_LEN]);
int tc_send_login_name(struct tc *c, const char *name); /* packs name as is, even if bad */
/* CS_MOVE with move_time = the next sequence number; returns it (>0) or
 * 0 when the send failed. */
uint32_t tc_move(struct tc *c, uint8_t dir);
int tc_chat(struct tc *c, const char *text);
int tc_logout(struct tc *c);

/*
 * Logs in with name and waits for the answer: returns 0 on SC_LOGIN_OK
 * (and checks that the self SC_PUT_PLAYER why 1 follows at once), the
 * reason (1..4) on SC_LOGIN_FAIL, -1 on timeout or close.
 */
int tc_login(struct tc *c, const char *name);

/* Receives what is there within timeout_ms: packets handled, 0 on
 * timeout, -1 once closed. */
int tc_pump(struct tc *c, int timeout_ms);
/* Same for many clients at once (poll); -1 when all are closed. */
int tc_pump_many(struct tc **cs, int n, int timeout_ms);
/* Reads without waiting until nothing is left. */
void tc_drain(struct tc *c);

/* The next queued message: 1, 0 on timeout, -1 closed with nothing left. */
int tc_next(struct tc *c, struct proto_msg *out, int timeout_ms);
/* Skips queued messages until one of type arrives. Same returns. */
int tc_expect(struct tc *c, uint8_t type, int timeout_ms, struct proto_msg *out);
/* Skips until pred(msg) is true. */
int tc_expect_match(struct tc *c, int (*pred)(const struct proto_msg *m, void *ctx), void *ctx, int timeout_ms,
                    struct proto_msg *out);
/* Waits until the host closes the connection (reading and discarding). */
int tc_wait_eof(struct tc *c, int timeout_ms);
/* Waits until the echo for move seq has arrived. 1, 0 timeout, -1 closed. */
int tc_wait_echo(struct tc *c, uint32_t seq, int timeout_ms);
/* Pumps all of cs until pred(ctx) is true: 1, or 0 on timeout. */
int tc_wait_until(struct tc **cs, int n, int (*pred)(void *ctx), void *ctx, int timeout_ms);
/* Sends a chat "sync-N" and waits for its own SC_CHAT: everything the host
 * decided for this client before the chat is then in its queue. */
int tc_barrier(struct tc *c, int timeout_ms);
/* Drops the queued messages. */
void tc_clear(struct tc *c);
/* Queued messages (not consumed): index 0 is the oldest. */
size_t tc_queued(const struct tc *c);
const struct proto_msg *tc_queued_at(const struct tc *c, size_t i);

/* Pumps cs until each of them sees exactly want players; otherwise says
 * who sees how many (why: the moment, for the failure line) and ends the
 * case. */
void tc_require_count(struct tc **cs, int n, size_t want, const char *why);
/* The player named name in c's mirror, or NULL. */
const struct mirror_player *tc_find_name(const struct tc *c, const char *name);
/* A tc_expect_match predicate: SC_PUT_PLAYER why 1 (someone joined). */
int tc_is_join(const struct proto_msg *m, void *ctx);
/* The player a message is about (put, position, remove, chat), else 0. */
uint32_t tc_msg_id(const struct proto_msg *m);
/* A predicate (ctx: a struct tc_about): a message of that type about
 * that player. */
struct tc_about {
    uint8_t type;
    uint32_t id;
};
int tc_is_about(const struct proto_msg *m, void *ctx);

/* This client's own player in its mirror, or NULL. */
const struct mirror_player *tc_self(const struct tc *c);
uint32_t tc_id(const struct tc *c);
/* The client's own port (the host logs peers as 127.0.0.1:PORT). */
uint16_t tc_local_port(const struct tc *c);

const char *it_type_name(uint8_t type);

#endif
