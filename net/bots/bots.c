/*
 * `pawnparty bots`: many scripted clients in one thread.
 *
 * Every bot is a nonblocking socket in one sys_poll() loop. A bot connects,
 * logs in as PREFIX-<pid>-<i>, then sends CS_MOVE in a random direction
 * RATE times a second with its clock (milliseconds, sys_now_ms truncated to
 * u32) in move_time. The host echoes every move to its mover as
 * SC_POSITION with that move_time, so now - move_time is the round trip.
 * Each bot reassembles what it receives (reasm), decodes it (proto) and
 * keeps a mirror of the world (mirror.h), which checks it against the
 * protocol as the client library does: a host that breaks a rule ends that
 * bot's connection with "the host sent an invalid packet: ...", and the
 * run's exit status is 1.
 *
 * A bot's life is a small state machine:
 *
 *   IDLE -> CONNECTING -> LOGGING_IN -> PLAYING -> LEAVING -> DONE
 *                 \______________\___________\_________________^
 *                   (connect failure, login failure, lost, malformed, invalid)
 *
 * The run as a whole has phases: RUN (moving), SETTLE (only with --check:
 * no more moves, wait for the last echoes, compare mirrors), LEAVE
 * (CS_LOGOUT from each bot, wait briefly for the host to close), END.
 *
 * Output bytes are coalesced per bot in a small buffer and flushed once per
 * loop iteration; a partial send keeps the rest for the next one, so no
 * byte is ever dropped. A bot whose buffer is full (the host stopped
 * reading) skips its move instead of queueing more.
 *
 * Everything the OS does for it goes through sys.h (sys_connect_start,
 * sys_poll, sys_stop_signals_*), so this one file is the tool on Linux and
 * on Windows alike. The first bot connects by name with a timeout; the
 * address it reached is then every other bot's, so a swarm of thousands
 * does one name lookup.
 *
 * Stop signals (Ctrl+C, SIGTERM) are blocked while it runs and looked for
 * once per loop iteration, which wakes at least every STOP_CHECK_MS; the
 * first one ends the run as the clock would (summary included), and from
 * then on a second one ends the process at once.
 */
#include "bots.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mirror.h"
#include "proto.h"
#include "reasm.h"
#include "rng.h"
#include "sys.h"

/* ========================================================================
 * Settings
 * ====================================================================== */

#define BOTS_MAX_COUNT 20000
#define BOTS_MAX_RATE 1000.0
#define BOTS_MAX_SECONDS 1e7
#define BOT_OUT_CAP 256              /* CS_LOGIN + the longest CS_CHAT fit */
#define PROBE_TIMEOUT_MS 3000        /* the first connect, which must work */
#define CONNECT_TIMEOUT_US 5000000u
#define LOGIN_TIMEOUT_US 10000000u
#define MAX_PENDING 256              /* connects + logins in flight at once */
#define CHAT_INTERVAL_US 5000000u
#define SETTLE_MAX_US 3000000u       /* --check: wait this long for echoes */
#define QUIET_US 150000u             /* --check: then this long with no bytes */
#define LEAVE_MAX_US 2000000u        /* wait this long for the host to close */
#define READS_PER_EVENT 4
#define HIST_MS 10000                /* delays above this share one bucket */
#define NOTES_PER_KIND 5             /* stderr lines per kind of problem */
#define FD_SPARE 32
#define STOP_CHECK_MS 200            /* longest wait before a Ctrl+C is seen */

#define NEVER UINT64_MAX

/* ========================================================================
 * Types
 * ====================================================================== */

struct bots_opts {
    char host[256];
    uint16_t port;
    uint32_t count;
    double rate;     /* moves per second per bot; 0 = never */
    double seconds;  /* 0 = until SIGINT/SIGTERM */
    const char *prefix;
    int chat, check;
};

enum bot_state { BOT_IDLE, BOT_CONNECTING, BOT_LOGGING_IN, BOT_PLAYING, BOT_LEAVING, BOT_DONE, BOT_STATES };

enum swarm_phase { PHASE_RUN, PHASE_SETTLE, PHASE_LEAVE, PHASE_END };

/* Kinds of trouble, each reported on stderr at most NOTES_PER_KIND times. */
enum note_kind { NOTE_CONNECT, NOTE_LOGIN, NOTE_LOST, NOTE_MALFORMED, NOTE_ORDER, NOTE_ECHO, NOTE_MIRROR, NOTE_KINDS };

struct bot {
    sys_socket sock;
    uint8_t state;
    uint16_t out_len;
    struct rng rng;
    uint64_t deadline_us;  /* connect or login timeout */
    uint64_t next_move_us, next_chat_us;
    uint32_t moves, echoes;            /* sent, echoed back */
    uint32_t last_sent_mt, last_echo_mt;
    uint32_t chats;
    struct mirror mirror;
    struct reasm rx;
    uint8_t out[BOT_OUT_CAP];
};

struct bots_stats {
    uint32_t connected, logged_in, lost, fails, connect_fails;
    uint64_t moves, skipped, echoes, chats_sent, chats_heard;
    uint64_t malformed, echo_violations, mirror_disagreements, missing_echoes;
    uint64_t delay_sum_ms, delay_max_ms;
    uint32_t hist[HIST_MS + 1];
    /* the current second, for the progress line */
    uint64_t sec_echoes, sec_delay_sum_ms;
};

struct swarm {
    struct bots_opts o;
    struct bot *bots;
    struct sys_pollfd *pfd;
    uint32_t *pbot;  /* pfd[k] belongs to bots[pbot[k]] */
    size_t npfd;
    struct sys_addr4 addr;  /* where the first bot got through */
    unsigned pid;
    int stop;               /* a stop signal arrived */
    enum swarm_phase phase;
    uint64_t t0_us, end_us, phase_us, last_rx_us, next_report_us, wake_us;
    uint64_t move_interval_us;
    uint32_t next_start;   /* bots[next_start..] are not started yet */
    uint32_t in_state[BOT_STATES];
    uint64_t outstanding;  /* PLAYING bots' moves without an echo, last tick */
    uint32_t notes[NOTE_KINDS];
    struct bots_stats st;
};

/* ========================================================================
 * Small helpers
 * ====================================================================== */

#define BOTS_PRINTF(f, a) __attribute__((format(printf, f, a)))

static void note(struct swarm *sw, enum note_kind kind, const char *fmt, ...) BOTS_PRINTF(3, 4);
static void note(struct swarm *sw, enum note_kind kind, const char *fmt, ...)
{
    va_list ap;
    if (sw->notes[kind]++ >= NOTES_PER_KIND)
        return;
    fputs("pawnparty bots: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static uint32_t bot_index(const struct swarm *sw, const struct bot *b)
{
    return (uint32_t)(b - sw->bots);
}

static void bot_name(const struct swarm *sw, uint32_t i, char *out, size_t n)
{
    snprintf(out, n, "%s-%u-%u", sw->o.prefix, sw->pid, (unsigned)i);
}

/* The only place a bot changes state, so the per-state counts stay true. */
static void bot_set_state(struct swarm *sw, struct bot *b, enum bot_state st)
{
    sw->in_state[b->state]--;
    sw->in_state[st]++;
    b->state = (uint8_t)st;
}

static uint32_t swarm_pending(const struct swarm *sw)
{
    return sw->in_state[BOT_CONNECTING] + sw->in_state[BOT_LOGGING_IN];
}

static uint32_t swarm_alive(const struct swarm *sw)
{
    return sw->o.count - sw->in_state[BOT_IDLE] - sw->in_state[BOT_DONE];
}

static const char *fail_reason_name(int reason)
{
    switch (reason) {
    case FAIL_FULL: return "game full";
    case FAIL_VERSION: return "bad version";
    case FAIL_NAME: return "bad name";
    case FAIL_TAKEN: return "name taken";
    default: return "unknown reason";
    }
}

static uint32_t msg_id(const struct proto_msg *m)
{
    switch (m->type) {
    case SC_PUT_PLAYER: return m->u.put.id;
    case SC_POSITION: return m->u.pos.id;
    case SC_REMOVE_PLAYER: return m->u.remove.id;
    case SC_CHAT: return m->u.chat.id;
    case SC_LOGIN_OK: return m->u.login_ok.id;
    default: return 0;
    }
}

/* ========================================================================
 * Options
 * ====================================================================== */

static void usage(FILE *f)
{
    fputs("usage: pawnparty bots HOST[:PORT] [--count N] [--rate MOVES_PER_S] [--seconds S]\n"
          "                      [--name PREFIX] [--chat] [--check]\n", f);
}

/* One clear line on stderr; returns the usage exit status. */
static int usage_error(const char *fmt, ...) BOTS_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("pawnparty bots: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

/* The longest name this run makes must obey the name rules. */
static int check_prefix(const struct bots_opts *o, unsigned pid)
{
    char name[128];
    uint8_t raw[PROTO_NAME_LEN];
    if (o->prefix[0] == '\0' || strlen(o->prefix) > PROTO_NAME_MAX)
        return -1;
    snprintf(name, sizeof name, "%s-%u-%u", o->prefix, pid, (unsigned)(o->count - 1));
    return proto_name_pack(name, raw) == 0 ? 0 : -1;
}

static int parse_opts(int argc, char **argv, struct bots_opts *o, unsigned pid)
{
    const char *target = NULL, *v;
    int missing = 0;

    memset(o, 0, sizeof *o);
    o->count = 1;
    o->rate = 2;
    o->seconds = 10;
    o->prefix = "bot";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if ((v = sys_opt_value(argc, argv, &i, "--count", &missing)) || missing) {
            long n = sys_parse_num(v, 1, BOTS_MAX_COUNT);
            if (n < 0)
                return usage_error("--count needs a number 1..20000");
            o->count = (uint32_t)n;
        } else if ((v = sys_opt_value(argc, argv, &i, "--rate", &missing)) || missing) {
            if (sys_parse_real(v, 0, BOTS_MAX_RATE, &o->rate))
                return usage_error("--rate needs a number of moves per second 0..1000");
        } else if ((v = sys_opt_value(argc, argv, &i, "--seconds", &missing)) || missing) {
            if (sys_parse_real(v, 0, BOTS_MAX_SECONDS, &o->seconds))
                return usage_error("--seconds needs a number of seconds (0 = until Ctrl+C)");
        } else if ((v = sys_opt_value(argc, argv, &i, "--name", &missing)) || missing) {
            if (v == NULL || *v == '\0')
                return usage_error("--name needs a prefix");
            o->prefix = v;
        } else if (!strcmp(a, "--chat")) {
            o->chat = 1;
        } else if (!strcmp(a, "--check")) {
            o->check = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option %s (try --help)", a);
        } else if (target != NULL) {
            return usage_error("unexpected argument %s: give one HOST[:PORT]", a);
        } else {
            target = a;
        }
    }
    if (target == NULL)
        return usage_error("missing HOST[:PORT] (try --help)");
    if (sys_parse_hostport(target, o->host, sizeof o->host, &o->port, PROTO_DEFAULT_PORT) != 0 || o->port == 0)
        return usage_error("bad address %s: expected HOST[:PORT] with a port 1..65535", target);
    if (check_prefix(o, pid))
        return usage_error("--name %s makes names longer than 31 bytes or not valid UTF-8", o->prefix);
    return 0;
}

/* ========================================================================
 * Statistics
 * ====================================================================== */

static void stats_delay(struct bots_stats *st, uint32_t delay_ms)
{
    st->echoes++;
    st->delay_sum_ms += delay_ms;
    st->sec_echoes++;
    st->sec_delay_sum_ms += delay_ms;
    if (delay_ms > st->delay_max_ms)
        st->delay_max_ms = delay_ms;
    st->hist[delay_ms < HIST_MS ? delay_ms : HIST_MS]++;
}

static double stats_mean(const struct bots_stats *st)
{
    return st->echoes ? (double)st->delay_sum_ms / (double)st->echoes : 0.0;
}

/* The smallest delay that at least 99% of echoes did not exceed. */
static double stats_p99(const struct bots_stats *st)
{
    uint64_t rank, seen = 0;
    if (st->echoes == 0)
        return 0.0;
    rank = (st->echoes * 99 + 99) / 100;
    for (uint32_t ms = 0; ms < HIST_MS; ms++) {
        seen += st->hist[ms];
        if (seen >= rank)
            return (double)ms;
    }
    return (double)st->delay_max_ms;
}

/* ========================================================================
 * Output: coalesced per bot, flushed once per loop iteration
 * ====================================================================== */

/* Appends one packet if it fits with `reserve` bytes to spare (moves and
 * chat keep room for the CS_LOGOUT at the end). 0, or -1 when full. */
static int bot_queue(struct bot *b, const struct proto_msg *m, size_t reserve)
{
    uint8_t pkt[PROTO_MAX_PACKET];
    int n = proto_encode(m, pkt);
    if (n < 0)
        return -1; /* our own packets always encode; see the callers */
    if (b->out_len + (size_t)n + reserve > BOT_OUT_CAP)
        return -1;
    memcpy(b->out + b->out_len, pkt, (size_t)n);
    b->out_len = (uint16_t)(b->out_len + n);
    return 0;
}

static void bot_lost(struct swarm *sw, struct bot *b, int err);

/* Sends what the send buffer takes; keeps the rest. */
static void bot_flush(struct swarm *sw, struct bot *b)
{
    long n;
    if (b->out_len == 0)
        return;
    n = sys_send(b->sock, b->out, b->out_len);
    if (n == SYS_E_AGAIN)
        return;
    if (n < 0) {
        bot_lost(sw, b, (int)n);
        return;
    }
    memmove(b->out, b->out + n, b->out_len - (size_t)n);
    b->out_len = (uint16_t)(b->out_len - (size_t)n);
}

/* ========================================================================
 * Bot lifecycle
 * ====================================================================== */

static void bot_close(struct swarm *sw, struct bot *b)
{
    if (b->sock != SYS_BAD_SOCKET)
        sys_close(b->sock);
    b->sock = SYS_BAD_SOCKET;
    b->out_len = 0;
    bot_set_state(sw, b, BOT_DONE);
}

/* The connection ended without us asking for it. */
static void bot_lost(struct swarm *sw, struct bot *b, int err)
{
    uint32_t i = bot_index(sw, b);
    if (b->state == BOT_LEAVING) {
        bot_close(sw, b); /* what we asked for */
        return;
    }
    if (b->state == BOT_CONNECTING) {
        sw->st.connect_fails++;
        note(sw, NOTE_CONNECT, "bot %u: cannot connect: %s", i, sys_strerror(err));
    } else {
        sw->st.lost++;
        note(sw, NOTE_LOST, "bot %u: host closed the connection (%s)", i, sys_strerror(err));
    }
    bot_close(sw, b);
}

static void bot_send_login(struct swarm *sw, struct bot *b, uint64_t now)
{
    struct proto_msg m;
    char name[64];

    memset(&m, 0, sizeof m);
    m.type = CS_LOGIN;
    m.u.login.version = PROTO_VERSION;
    bot_name(sw, bot_index(sw, b), name, sizeof name);
    proto_name_pack(name, m.u.login.name); /* checked in parse_opts */
    bot_queue(b, &m, 0);
    sw->st.connected++;
    b->deadline_us = now + LOGIN_TIMEOUT_US;
    bot_set_state(sw, b, BOT_LOGGING_IN);
}

static void bot_logged_in(struct swarm *sw, struct bot *b, uint64_t now)
{
    sw->st.logged_in++;
    bot_set_state(sw, b, BOT_PLAYING);
    b->last_echo_mt = b->last_sent_mt = (uint32_t)(now / 1000);
    /* Random phases spread the moves of many bots over the interval. */
    b->next_move_us = sw->move_interval_us == NEVER ? NEVER : now + rng_next(&b->rng) % sw->move_interval_us;
    b->next_chat_us = sw->o.chat ? now + rng_next(&b->rng) % CHAT_INTERVAL_US : NEVER;
}

static void bot_login_failed(struct swarm *sw, struct bot *b, const char *why)
{
    sw->st.fails++;
    note(sw, NOTE_LOGIN, "bot %u: login failed: %s", bot_index(sw, b), why);
    bot_close(sw, b);
}

static void bot_leave(struct swarm *sw, struct bot *b)
{
    struct proto_msg m = { .type = CS_LOGOUT };
    if (b->state == BOT_PLAYING) {
        bot_queue(b, &m, 0); /* moves and chat left room for this */
        bot_set_state(sw, b, BOT_LEAVING);
    } else if (b->state == BOT_CONNECTING || b->state == BOT_LOGGING_IN) {
        bot_close(sw, b);
    }
}

/* ========================================================================
 * Connecting
 * ====================================================================== */

static void bot_connect_failed(struct swarm *sw, struct bot *b, int err)
{
    if (b->state == BOT_IDLE)
        bot_set_state(sw, b, BOT_CONNECTING); /* so the close counts it */
    bot_lost(sw, b, err);
}

/* The connect goes on in the background; SYS_POLLOUT says it is decided. */
static void bot_start_connect(struct swarm *sw, struct bot *b, uint64_t now)
{
    int err = sys_connect_start(&sw->addr, &b->sock);
    if (err != 0) {
        bot_connect_failed(sw, b, err);
        return;
    }
    bot_set_state(sw, b, BOT_CONNECTING);
    b->deadline_us = now + CONNECT_TIMEOUT_US;
}

/* SYS_POLLOUT (or an error) on a connecting socket: did it work? An error
 * or hang-up with no reason given is still a failure, or the bot would be
 * polled again at once until its deadline. */
static void bot_connect_done(struct swarm *sw, struct bot *b, short revents, uint64_t now)
{
    int err = sys_connect_finish(b->sock);
    if (err == SYS_E_AGAIN && (revents & (SYS_POLLERR | SYS_POLLHUP)))
        err = SYS_E_CONNREFUSED;
    if (err == SYS_E_AGAIN)
        return;
    if (err != 0)
        bot_connect_failed(sw, b, err);
    else
        bot_send_login(sw, b, now);
}

/* Starts as many connects as the in-flight bound allows. */
static void swarm_start_connects(struct swarm *sw, uint64_t now)
{
    while (sw->phase == PHASE_RUN && sw->next_start < sw->o.count && swarm_pending(sw) < MAX_PENDING)
        bot_start_connect(sw, &sw->bots[sw->next_start++], now);
}

/* The first bot connects with a timeout and a clear error: if the host is
 * not there, one line says so. Its peer address is then every bot's. */
static int swarm_probe(struct swarm *sw, uint64_t now)
{
    struct bot *b = &sw->bots[0];
    sys_socket s = SYS_BAD_SOCKET;
    int err = sys_connect(sw->o.host, sw->o.port, PROBE_TIMEOUT_MS, &s);

    if (err == 0)
        err = sys_peer_addr(s, &sw->addr);
    if (err == 0)
        err = sys_set_nonblock(s, 1);
    if (err != 0) {
        sys_close(s);
        fprintf(stderr, "pawnparty bots: cannot connect to %s:%u: %s\n",
                sw->o.host[0] ? sw->o.host : "127.0.0.1", (unsigned)sw->o.port, sys_strerror(err));
        return -1;
    }
    b->sock = s;
    bot_set_state(sw, b, BOT_CONNECTING);
    bot_send_login(sw, b, now);
    sw->next_start = 1;
    return 0;
}

/* ========================================================================
 * Receiving
 * ====================================================================== */

static void bot_echo(struct swarm *sw, struct bot *b, uint32_t mt, uint32_t now_ms)
{
    uint32_t i = bot_index(sw, b);
    if (b->echoes >= b->moves) {
        sw->st.echo_violations++;
        note(sw, NOTE_ECHO, "bot %u: SC_POSITION for itself with no move outstanding", i);
        return;
    }
    /* Moves are echoed in the order sent, so move_time never goes back. */
    if ((int32_t)(mt - b->last_echo_mt) < 0 || (int32_t)(b->last_sent_mt - mt) < 0) {
        sw->st.echo_violations++;
        note(sw, NOTE_ECHO, "bot %u: echo with move_time %u out of order (last echo %u, last sent %u)", i,
             (unsigned)mt, (unsigned)b->last_echo_mt, (unsigned)b->last_sent_mt);
    }
    b->echoes++;
    b->last_echo_mt = mt;
    stats_delay(&sw->st, now_ms - mt);
}

/* The host's packet against the protocol (mirror.h), as the client
 * library checks it: 0, or -1 when the host broke a rule (said, counted,
 * and the bot leaves: nothing it is told can be trusted any more). */
static int bot_apply_mirror(struct swarm *sw, struct bot *b, const struct proto_msg *m)
{
    const char *why = NULL;
    int answered = b->mirror.logged_in || b->mirror.fail_reason;
    if (!answered && m->type != SC_LOGIN_OK && m->type != SC_LOGIN_FAIL) {
        b->mirror.violations++;
        why = "a packet before the answer to CS_LOGIN";
    } else {
        int rc = mirror_apply(&b->mirror, m);
        if (rc == -2) {
            b->mirror.violations++; /* cannot check any more: count it, say it */
            note(sw, NOTE_ORDER, "bot %u: out of memory for the mirror", bot_index(sw, b));
            return 0;
        }
        why = rc == -1 ? b->mirror.why : NULL;
    }
    if (!why)
        return 0;
    note(sw, NOTE_ORDER, "bot %u: the host sent an invalid packet: %s (%s for id %u)", bot_index(sw, b), why,
         proto_type_name(m->type), (unsigned)msg_id(m));
    return -1;
}

/* One decoded packet. Returns -1 when the bot was closed. */
static int bot_handle(struct swarm *sw, struct bot *b, const struct proto_msg *m, uint64_t now)
{
    if (bot_apply_mirror(sw, b, m) != 0) {
        bot_close(sw, b);
        return -1;
    }
    switch (m->type) {
    case SC_LOGIN_OK:
        if (b->state == BOT_LOGGING_IN)
            bot_logged_in(sw, b, now);
        break;
    case SC_LOGIN_FAIL:
        bot_login_failed(sw, b, fail_reason_name(m->u.login_fail.reason));
        return -1;
    case SC_POSITION:
        if (b->mirror.logged_in && m->u.pos.id == b->mirror.my_id)
            bot_echo(sw, b, m->u.pos.move_time, (uint32_t)(now / 1000));
        break;
    case SC_CHAT:
        sw->st.chats_heard++;
        break;
    default:
        break;
    }
    return 0;
}

static void bot_malformed(struct swarm *sw, struct bot *b, int err)
{
    sw->st.malformed++;
    note(sw, NOTE_MALFORMED, "bot %u: malformed packet from the host: %s", bot_index(sw, b), proto_strerror(err));
    bot_close(sw, b); /* no way to find the next packet */
}

/* Every whole packet in the reassembly buffer. Returns -1 when closed. */
static int bot_packets(struct swarm *sw, struct bot *b, uint64_t now)
{
    const uint8_t *pkt;
    size_t size;
    struct proto_msg m;
    int rc;

    while ((rc = reasm_next(&b->rx, PROTO_TO_CLIENT, &pkt, &size)) == 1) {
        int err = proto_decode(PROTO_TO_CLIENT, pkt, size, &m);
        if (err != 0) {
            bot_malformed(sw, b, err);
            return -1;
        }
        if (bot_handle(sw, b, &m, now) < 0)
            return -1;
    }
    if (rc < 0) {
        bot_malformed(sw, b, rc);
        return -1;
    }
    return 0;
}

/* SYS_POLLIN: read straight into the reassembly buffer, a few times at
 * most so one busy bot cannot starve the others. */
static void bot_read(struct swarm *sw, struct bot *b, uint64_t now)
{
    for (int r = 0; r < READS_PER_EVENT; r++) {
        size_t room;
        uint8_t *p = reasm_space(&b->rx, &room);
        long n = sys_recv(b->sock, p, room);
        if (n == SYS_E_AGAIN)
            return;
        if (n < 0) {
            bot_lost(sw, b, (int)n);
            return;
        }
        reasm_commit(&b->rx, (size_t)n);
        sw->last_rx_us = now;
        if (bot_packets(sw, b, now) < 0 || (size_t)n < room)
            return;
    }
}

/* ========================================================================
 * Timers: moves, chat, timeouts
 * ====================================================================== */

static void bot_move(struct swarm *sw, struct bot *b, uint64_t now)
{
    struct proto_msg m;
    memset(&m, 0, sizeof m);
    m.type = CS_MOVE;
    m.u.move.dir = (uint8_t)(rng_next(&b->rng) & 3);
    m.u.move.move_time = (uint32_t)(now / 1000); /* sys_now_ms, as u32 */
    if (bot_queue(b, &m, PROTO_HEADER) == 0) {
        b->moves++;
        b->last_sent_mt = m.u.move.move_time;
        sw->st.moves++;
    } else {
        sw->st.skipped++; /* the host is not reading: do not pile up */
    }
    /* Keep the rate; after a stall catch up by one move, not by a burst. */
    b->next_move_us += sw->move_interval_us;
    if (b->next_move_us + sw->move_interval_us < now)
        b->next_move_us = now;
}

/* A little talk, with some Hangul to exercise UTF-8 on every path. */
static void bot_chat(struct swarm *sw, struct bot *b, uint64_t now)
{
    struct proto_msg m;
    char name[64];
    unsigned k = (unsigned)b->chats;
    int n;

    memset(&m, 0, sizeof m);
    m.type = CS_CHAT;
    bot_name(sw, bot_index(sw, b), name, sizeof name);
    if (k % 2)
        n = snprintf(m.u.chat.text, sizeof m.u.chat.text, "%s: 안녕하세요 #%u", name, k);
    else
        n = snprintf(m.u.chat.text, sizeof m.u.chat.text, "hello from %s #%u", name, k);
    m.u.chat.len = (uint8_t)(n > PROTO_TEXT_MAX ? PROTO_TEXT_MAX : n);
    if (bot_queue(b, &m, PROTO_HEADER) == 0) {
        b->chats++;
        sw->st.chats_sent++;
    }
    b->next_chat_us = now + CHAT_INTERVAL_US;
}

static void bot_timers(struct swarm *sw, struct bot *b, uint64_t now)
{
    if ((b->state == BOT_CONNECTING || b->state == BOT_LOGGING_IN) && now >= b->deadline_us) {
        if (b->state == BOT_CONNECTING)
            bot_connect_failed(sw, b, SYS_E_TIMEDOUT);
        else
            bot_login_failed(sw, b, "no answer within 10 s");
        return;
    }
    if (b->state != BOT_PLAYING || sw->phase != PHASE_RUN)
        return;
    if (now >= b->next_move_us)
        bot_move(sw, b, now);
    if (now >= b->next_chat_us)
        bot_chat(sw, b, now);
}

static uint64_t bot_wake(const struct swarm *sw, const struct bot *b)
{
    uint64_t w = NEVER;
    if (b->state == BOT_CONNECTING || b->state == BOT_LOGGING_IN)
        w = b->deadline_us;
    else if (b->state == BOT_PLAYING && sw->phase == PHASE_RUN)
        w = b->next_move_us < b->next_chat_us ? b->next_move_us : b->next_chat_us;
    return w;
}

/* ========================================================================
 * The loop
 * ====================================================================== */

/* One pass over every bot: timers, one flush, and its pollfd. */
static void swarm_tick(struct swarm *sw, uint64_t now)
{
    sw->npfd = 0;
    sw->outstanding = 0;
    for (uint32_t i = 0; i < sw->next_start; i++) {
        struct bot *b = &sw->bots[i];
        uint64_t w;
        short ev;

        if (b->state == BOT_DONE)
            continue;
        bot_timers(sw, b, now);
        if (b->state != BOT_CONNECTING && b->state != BOT_DONE)
            bot_flush(sw, b);
        if (b->state == BOT_DONE)
            continue;
        if (b->state == BOT_PLAYING)
            sw->outstanding += b->moves - b->echoes;
        w = bot_wake(sw, b);
        if (w < sw->wake_us)
            sw->wake_us = w;
        ev = b->state == BOT_CONNECTING ? SYS_POLLOUT : (short)(SYS_POLLIN | (b->out_len ? SYS_POLLOUT : 0));
        sw->pfd[sw->npfd] = (struct sys_pollfd){ .s = b->sock, .events = ev };
        sw->pbot[sw->npfd++] = i;
    }
}

static void swarm_events(struct swarm *sw, uint64_t now)
{
    for (size_t k = 0; k < sw->npfd; k++) {
        struct bot *b = &sw->bots[sw->pbot[k]];
        short re = sw->pfd[k].revents;
        if (re == 0 || b->state == BOT_DONE)
            continue;
        if (b->state == BOT_CONNECTING)
            bot_connect_done(sw, b, re, now);
        else if (re & (SYS_POLLIN | SYS_POLLERR | SYS_POLLHUP))
            bot_read(sw, b, now);
    }
}

/* Milliseconds until sw->wake_us, rounded up so we never spin, and no
 * more than STOP_CHECK_MS so that a stop signal is seen soon. */
static int swarm_timeout_ms(const struct swarm *sw, uint64_t now)
{
    uint64_t d;
    if (sw->wake_us <= now)
        return 0;
    d = (sw->wake_us - now + 999) / 1000;
    return d > STOP_CHECK_MS ? STOP_CHECK_MS : (int)d;
}

static void swarm_report_second(struct swarm *sw, uint64_t now)
{
    struct bots_stats *st = &sw->st;
    if (now < sw->next_report_us)
        return;
    fprintf(stderr, "bots: t=%us logged_in=%u echoes/s=%llu mean_ms=%.2f\n",
            (unsigned)((sw->next_report_us - sw->t0_us) / 1000000u),
            (unsigned)(sw->in_state[BOT_PLAYING] + sw->in_state[BOT_LEAVING]),
            (unsigned long long)st->sec_echoes,
            st->sec_echoes ? (double)st->sec_delay_sum_ms / (double)st->sec_echoes : 0.0);
    st->sec_echoes = st->sec_delay_sum_ms = 0;
    sw->next_report_us += 1000000u;
    if (sw->next_report_us <= now)
        sw->next_report_us = now + 1000000u;
}

/* ========================================================================
 * --check: every bot's mirror against every other bot's own position
 * ====================================================================== */

struct truth {
    uint32_t id, bot;
    uint16_t x, y;
};

struct check_ctx {
    struct swarm *sw;
    struct truth *by_id;  /* sorted by id */
    size_t n;
    const struct truth *a;  /* the bot whose mirror is walked */
    uint64_t problems;
    char first[200];
};

static int truth_by_id(const void *l, const void *r)
{
    const struct truth *a = l, *b = r;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int truth_by_x(const void *l, const void *r)
{
    const struct truth *a = l, *b = r;
    return a->x < b->x ? -1 : a->x > b->x;
}

static void check_problem(struct check_ctx *c, const char *fmt, ...) BOTS_PRINTF(2, 3);
static void check_problem(struct check_ctx *c, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (c->problems++ == 0)
        snprintf(c->first, sizeof c->first, "%s", line);
    note(c->sw, NOTE_MIRROR, "mirror check: %s", line);
}

static unsigned chebyshev(const struct truth *a, const struct truth *b)
{
    unsigned dx = a->x > b->x ? a->x - b->x : b->x - a->x;
    unsigned dy = a->y > b->y ? a->y - b->y : b->y - a->y;
    return dx > dy ? dx : dy;
}

/* One entry of bot a's mirror: if it is one of our bots, it must be where
 * that bot says it is, in view, and that bot must see a too. */
static void check_entry(void *ctx, const struct mirror_player *p)
{
    struct check_ctx *c = ctx;
    struct truth key = { .id = p->id };
    const struct truth *t;
    const struct mirror *bm;

    if (p->id == c->a->id)
        return;
    t = bsearch(&key, c->by_id, c->n, sizeof key, truth_by_id);
    if (t == NULL)
        return; /* not one of ours (or one that already left) */
    bm = &c->sw->bots[t->bot].mirror;
    if (p->x != t->x || p->y != t->y)
        check_problem(c, "bot %u sees bot %u at (%u,%u) but it is at (%u,%u)", (unsigned)c->a->bot,
                      (unsigned)t->bot, p->x, p->y, t->x, t->y);
    if (chebyshev(c->a, t) > c->sw->bots[c->a->bot].mirror.view)
        check_problem(c, "bot %u still sees bot %u out of view", (unsigned)c->a->bot, (unsigned)t->bot);
    if (mirror_find(bm, c->a->id) == NULL)
        check_problem(c, "bot %u sees bot %u but not the other way round", (unsigned)c->a->bot, (unsigned)t->bot);
}

/* Pairs in view of each other (by their own positions) must know it, and
 * no two pieces may share a square. A sweep over x keeps this near linear. */
static void check_in_view(struct check_ctx *c, struct truth *by_x)
{
    qsort(by_x, c->n, sizeof *by_x, truth_by_x);
    for (size_t i = 0; i < c->n; i++) {
        const struct truth *a = &by_x[i];
        unsigned view = c->sw->bots[a->bot].mirror.view;
        for (size_t j = i + 1; j < c->n && by_x[j].x - a->x <= (int)view; j++) {
            const struct truth *b = &by_x[j];
            if (chebyshev(a, b) > view)
                continue;
            if (a->x == b->x && a->y == b->y)
                check_problem(c, "bots %u and %u both on (%u,%u)", (unsigned)a->bot, (unsigned)b->bot, a->x, a->y);
            if (mirror_find(&c->sw->bots[a->bot].mirror, b->id) == NULL)
                check_problem(c, "bot %u does not see bot %u in view", (unsigned)a->bot, (unsigned)b->bot);
            if (mirror_find(&c->sw->bots[b->bot].mirror, a->id) == NULL)
                check_problem(c, "bot %u does not see bot %u in view", (unsigned)b->bot, (unsigned)a->bot);
        }
    }
}

/* Every logged-in bot's own position, from its own mirror. */
static size_t check_collect(struct check_ctx *c, struct truth *t)
{
    size_t n = 0;
    for (uint32_t i = 0; i < c->sw->next_start; i++) {
        const struct bot *b = &c->sw->bots[i];
        const struct mirror_player *self;
        if (b->state != BOT_PLAYING)
            continue;
        self = mirror_find(&b->mirror, b->mirror.my_id);
        if (self == NULL) {
            check_problem(c, "bot %u never got its own SC_PUT_PLAYER", (unsigned)i);
            continue;
        }
        t[n++] = (struct truth){ .id = b->mirror.my_id, .bot = i, .x = self->x, .y = self->y };
    }
    return n;
}

static void swarm_check(struct swarm *sw)
{
    struct check_ctx c = { .sw = sw };
    struct truth *by_x = malloc(sizeof *by_x * sw->o.count);

    c.by_id = malloc(sizeof *c.by_id * sw->o.count);
    if (c.by_id == NULL || by_x == NULL) {
        check_problem(&c, "out of memory for the check");
        goto done;
    }
    if (sw->outstanding) {
        sw->st.missing_echoes = sw->outstanding;
        check_problem(&c, "%llu moves never echoed", (unsigned long long)sw->outstanding);
    }
    c.n = check_collect(&c, c.by_id);
    memcpy(by_x, c.by_id, sizeof *by_x * c.n);
    qsort(c.by_id, c.n, sizeof *c.by_id, truth_by_id);
    for (size_t i = 0; i < c.n; i++) {
        c.a = &c.by_id[i];
        mirror_each(&sw->bots[c.a->bot].mirror, check_entry, &c);
    }
    check_in_view(&c, by_x);
done:
    if (c.problems == 0)
        printf("bots: mirrors agree (%zu bots)\n", c.n);
    else
        printf("bots: mirrors disagree: %llu problems, first: %s\n", (unsigned long long)c.problems, c.first);
    sw->st.mirror_disagreements = c.problems;
    free(c.by_id);
    free(by_x);
}

/* ========================================================================
 * Phases
 * ====================================================================== */

static void swarm_enter_leave(struct swarm *sw, uint64_t now)
{
    sw->phase = PHASE_LEAVE;
    sw->phase_us = now;
    for (uint32_t i = 0; i < sw->next_start; i++)
        bot_leave(sw, &sw->bots[i]);
}

static void swarm_advance(struct swarm *sw, uint64_t now)
{
    switch (sw->phase) {
    case PHASE_RUN:
        if (swarm_alive(sw) == 0 && sw->next_start == sw->o.count)
            sw->phase = PHASE_END; /* nobody left to play */
        else if (sw->stop || (sw->end_us && now >= sw->end_us)) {
            sw->phase = sw->o.check ? PHASE_SETTLE : PHASE_LEAVE;
            sw->phase_us = now;
            if (sw->phase == PHASE_LEAVE)
                swarm_enter_leave(sw, now);
        }
        break;
    case PHASE_SETTLE:
        if ((sw->outstanding == 0 && swarm_pending(sw) == 0 && now >= sw->last_rx_us + QUIET_US) ||
            now >= sw->phase_us + SETTLE_MAX_US) {
            swarm_check(sw);
            swarm_enter_leave(sw, now);
        }
        break;
    case PHASE_LEAVE:
        if (sw->in_state[BOT_LEAVING] == 0 || now >= sw->phase_us + LEAVE_MAX_US)
            sw->phase = PHASE_END;
        break;
    case PHASE_END:
        break;
    }
}

/* The next moment the loop must look at the clock for the swarm itself. */
static uint64_t swarm_phase_wake(const struct swarm *sw)
{
    uint64_t w = sw->next_report_us;
    if (sw->phase == PHASE_RUN && sw->end_us && sw->end_us < w)
        w = sw->end_us;
    if (sw->phase == PHASE_SETTLE) {
        uint64_t q = sw->last_rx_us + QUIET_US, cap = sw->phase_us + SETTLE_MAX_US;
        w = q < w ? q : w;
        w = cap < w ? cap : w;
    }
    if (sw->phase == PHASE_LEAVE && sw->phase_us + LEAVE_MAX_US < w)
        w = sw->phase_us + LEAVE_MAX_US;
    return w;
}

static int swarm_loop(struct swarm *sw)
{
    while (sw->phase != PHASE_END) {
        uint64_t now = sys_now_us();
        int rc;

        if (!sw->stop && sys_stop_signals_wait(0)) {
            sw->stop = 1;
            sys_stop_signals_unblock(); /* a second one ends the process */
        }
        swarm_advance(sw, now);
        if (sw->phase == PHASE_END)
            break;
        swarm_start_connects(sw, now);
        sw->wake_us = swarm_phase_wake(sw);
        swarm_tick(sw, now);
        swarm_report_second(sw, now);
        rc = sys_poll(sw->pfd, sw->npfd, swarm_timeout_ms(sw, now));
        if (rc < 0 && rc != SYS_E_INTR) {
            fprintf(stderr, "pawnparty bots: poll: %s\n", sys_strerror(rc));
            return -1;
        }
        if (rc > 0)
            swarm_events(sw, sys_now_us());
    }
    return 0;
}

/* ========================================================================
 * Set-up, summary, tear-down
 * ====================================================================== */

/* Thousands of sockets need more than the usual 1024 descriptors: raise
 * the soft limit to the hard one when the count is large. */
static int raise_fd_limit(uint32_t count)
{
    uint32_t need = count + FD_SPARE, have;
    if (need <= 256)
        return 0;
    have = sys_raise_fd_limit();
    if (have < need) {
        fprintf(stderr, "pawnparty bots: --count %u needs %u file descriptors, the limit is %u\n",
                (unsigned)count, (unsigned)need, (unsigned)have);
        return -1;
    }
    return 0;
}

static struct swarm *swarm_new(const struct bots_opts *o, unsigned pid)
{
    struct swarm *sw = calloc(1, sizeof *sw);
    uint64_t now = sys_now_us();
    if (sw == NULL)
        return NULL;
    sw->o = *o;
    sw->pid = pid;
    sw->bots = calloc(o->count, sizeof *sw->bots);
    sw->pfd = calloc(o->count, sizeof *sw->pfd);
    sw->pbot = calloc(o->count, sizeof *sw->pbot);
    if (sw->bots == NULL || sw->pfd == NULL || sw->pbot == NULL) {
        free(sw->bots);
        free(sw->pfd);
        free(sw->pbot);
        free(sw);
        return NULL;
    }
    for (uint32_t i = 0; i < o->count; i++) {
        struct bot *b = &sw->bots[i];
        b->sock = SYS_BAD_SOCKET;
        b->state = BOT_IDLE;
        rng_seed(&b->rng, ((uint64_t)pid << 32) ^ ((i + 1) * 0x9E3779B97F4A7C15ull) ^ now);
        mirror_init(&b->mirror);
        reasm_init(&b->rx);
    }
    sw->in_state[BOT_IDLE] = o->count;
    sw->move_interval_us = o->rate > 0 ? (uint64_t)(1e6 / o->rate) : NEVER;
    if (sw->move_interval_us == 0)
        sw->move_interval_us = 1;
    sw->t0_us = now;
    sw->end_us = o->seconds > 0 ? now + (uint64_t)(o->seconds * 1e6) : 0;
    sw->next_report_us = now + 1000000u;
    sw->last_rx_us = now;
    return sw;
}

static void swarm_free(struct swarm *sw)
{
    for (uint32_t i = 0; i < sw->o.count; i++) {
        if (sw->bots[i].sock != SYS_BAD_SOCKET)
            sys_close(sw->bots[i].sock);
        mirror_free(&sw->bots[i].mirror);
    }
    free(sw->bots);
    free(sw->pfd);
    free(sw->pbot);
    free(sw);
}

static uint64_t swarm_violations(const struct swarm *sw)
{
    uint64_t v = sw->st.malformed + sw->st.echo_violations + sw->st.mirror_disagreements;
    for (uint32_t i = 0; i < sw->o.count; i++)
        v += sw->bots[i].mirror.violations;
    return v;
}

static void swarm_summary(struct swarm *sw)
{
    const struct bots_stats *st = &sw->st;
    uint64_t order = swarm_violations(sw) - st->malformed - st->echo_violations - st->mirror_disagreements;
    double secs = (double)(sys_now_us() - sw->t0_us) / 1e6;

    for (int k = 0; k < NOTE_KINDS; k++)
        if (sw->notes[k] > NOTES_PER_KIND)
            fprintf(stderr, "pawnparty bots: (%u more like that not shown)\n", sw->notes[k] - NOTES_PER_KIND);
    printf("bots: host=%s:%u count=%u rate=%g seconds=%.1f\n", sw->o.host[0] ? sw->o.host : "127.0.0.1",
           (unsigned)sw->o.port, (unsigned)sw->o.count, sw->o.rate, secs);
    if (st->connect_fails || st->skipped)
        printf("bots: connect_failures=%u skipped_moves=%llu\n", (unsigned)st->connect_fails,
               (unsigned long long)st->skipped);
    if (sw->o.chat)
        printf("bots: chats sent=%llu heard=%llu\n", (unsigned long long)st->chats_sent,
               (unsigned long long)st->chats_heard);
    printf("bots: violations: ordering=%llu malformed=%llu echo=%llu mirror=%llu delay_max_ms=%llu\n",
           (unsigned long long)order, (unsigned long long)st->malformed, (unsigned long long)st->echo_violations,
           (unsigned long long)st->mirror_disagreements, (unsigned long long)st->delay_max_ms);
    printf("bots: connected=%u logged_in=%u moves=%llu echoes=%llu delay_mean_ms=%.3f delay_p99_ms=%.3f "
           "violations=%llu lost=%u fails=%u\n",
           (unsigned)st->connected, (unsigned)st->logged_in, (unsigned long long)st->moves,
           (unsigned long long)st->echoes, stats_mean(st), stats_p99(st),
           (unsigned long long)swarm_violations(sw), (unsigned)st->lost, (unsigned)st->fails);
    fflush(stdout);
}

int bots_main(int argc, char **argv)
{
    struct bots_opts o;
    struct swarm *sw;
    unsigned pid = (unsigned)sys_process_id();
    int rc = parse_opts(argc, argv, &o, pid);
    int status;

    if (rc != 0)
        return rc == 1 ? 0 : rc; /* 1: --help was printed */
    sys_init();
    if (raise_fd_limit(o.count) != 0)
        return 1;
    sw = swarm_new(&o, pid);
    if (sw == NULL) {
        fprintf(stderr, "pawnparty bots: out of memory for %u bots\n", (unsigned)o.count);
        return 1;
    }
    sys_stop_signals_block();
    if (swarm_probe(sw, sys_now_us()) != 0 || swarm_loop(sw) != 0) {
        status = 1;
    } else {
        swarm_summary(sw);
        status = sw->st.logged_in == o.count && swarm_violations(sw) == 0 && sw->st.lost == 0 ? 0 : 1;
    }
    sys_stop_signals_unblock(); /* when no stop signal did it already */
    swarm_free(sw);
    return status;
}
