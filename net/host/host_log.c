/*
 * The host log (host.h: host_log): one line per event on stderr, written
 * by a thread of its own, so that a slow reader of stderr (a terminal over
 * ssh, a pipe nobody drains) never holds up a game thread.
 *
 * A game thread formats its line and appends it to a bounded ring under a
 * short lock; it never waits for the output. When the ring is full the line
 * is dropped and counted, and the writer says how many it lost once it can
 * write again. Bursts of lines of one shape (the same text but for the
 * digits outside quotes: 8,000 "drop connection from 127.0.0.1:PORT
 * why=no login" lines) are folded: the first FOLD_KEEP of a shape in each
 * FOLD_MS window are written, the rest only counted, and one line says how
 * many there were at the end of the window. Quoted text (a player's name)
 * is part of the shape, so every player's join and leave is written.
 *
 * The writer thread starts with the first line. At exit it gets a bounded
 * time to write what is queued; a writer stuck on a stalled stderr is left
 * behind rather than holding the process.
 */
#include "host.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"

#define LINE_MAX_LEN 320
#define RING_LINES 1024
#define FOLD_MS 5000
#define FOLD_KEEP 10
#define FOLD_SHAPES 32
#define EXIT_DRAIN_MS 2000

struct shape {
    uint64_t hash;        /* 0: unused */
    uint64_t window_start;
    uint32_t seen;        /* lines of this shape in the window */
    char example[LINE_MAX_LEN];
};

static struct {
    sys_mutex lock;
    sys_cond wake;    /* the writer waits on it */
    sys_cond drained; /* the exit waits on it */
    int started;
    int stop;
    sys_thread writer;
    char ring[RING_LINES][LINE_MAX_LEN];
    uint32_t head, count;
    uint64_t dropped;
    struct shape shapes[FOLD_SHAPES];
    uint32_t writing; /* lines the writer took and has not written yet */
} lg = {.lock = SYS_MUTEX_INIT};

/* The shape of a line: its text without the digits outside quotes,
 * hashed (FNV-1a). */
static uint64_t shape_hash(const char *text)
{
    uint64_t h = 1469598103934665603ull;
    int quoted = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        quoted ^= *p == '"';
        if (quoted || *p < '0' || *p > '9')
            h = (h ^ *p) * 1099511628211ull;
    }
    return h ? h : 1;
}

/* "7,999": counts in the fold lines are read by people. */
static void format_count(uint64_t n, char *out, size_t len)
{
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
    size_t o = 0;
    for (int i = 0; i < nd && o + 2 < len; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

/* Lock held. A full ring drops the line (counted), except a fold line,
 * which says how many lines there were and so takes the oldest line's
 * place instead. */
static void ring_put(const char *line, int fold)
{
    if (lg.count == RING_LINES) {
        lg.dropped++;
        if (!fold)
            return;
        lg.head = (lg.head + 1) % RING_LINES;
        lg.count--;
    }
    snprintf(lg.ring[(lg.head + lg.count) % RING_LINES], LINE_MAX_LEN, "%s", line);
    lg.count++;
}

/* Lock held: the fold line for a shape whose window is over. */
static void shape_close(struct shape *s)
{
    if (s->seen > FOLD_KEEP) {
        char n[32], stamp[16], line[LINE_MAX_LEN];
        format_count(s->seen - FOLD_KEEP, n, sizeof n);
        sys_time_of_day(stamp, sizeof stamp);
        snprintf(line, sizeof line, "%s ... and %s more like \"%.200s\" in %d s", stamp, n, s->example,
                 FOLD_MS / 1000);
        ring_put(line, 1);
    }
    s->seen = 0;
}

/* Lock held: closes the windows that are over; returns the milliseconds
 * until the next one ends (-1: none open with folded lines). */
static int shapes_tick(uint64_t now)
{
    int next = -1;
    for (int i = 0; i < FOLD_SHAPES; i++) {
        struct shape *s = &lg.shapes[i];
        if (!s->hash || s->seen <= FOLD_KEEP)
            continue;
        if (now >= s->window_start + FOLD_MS) {
            shape_close(s);
            continue;
        }
        int left = (int)(s->window_start + FOLD_MS - now);
        if (next < 0 || left < next)
            next = left;
    }
    return next;
}

/* Lock held: 1 when the line is to be written, 0 when it is folded. */
static int shape_admit(const char *text, uint64_t now)
{
    uint64_t h = shape_hash(text);
    struct shape *s = NULL, *oldest = &lg.shapes[0];
    for (int i = 0; i < FOLD_SHAPES && !s; i++) {
        if (lg.shapes[i].hash == h)
            s = &lg.shapes[i];
        else if (lg.shapes[i].window_start < oldest->window_start)
            oldest = &lg.shapes[i];
    }
    if (!s) {
        s = oldest;
        shape_close(s);
        s->hash = h;
        s->window_start = now;
    }
    if (now >= s->window_start + FOLD_MS) {
        shape_close(s);
        s->window_start = now;
    }
    if (++s->seen <= FOLD_KEEP) {
        snprintf(s->example, sizeof s->example, "%s", text);
        return 1;
    }
    return 0;
}

static void writer_main(void *arg)
{
    (void)arg;
    static char batch[RING_LINES][LINE_MAX_LEN];
    sys_mutex_lock(&lg.lock);
    while (!lg.stop || lg.count) {
        int wait = shapes_tick(sys_now_ms());
        if (lg.count == 0) {
            sys_cond_signal(&lg.drained);
            if (!lg.stop)
                sys_cond_wait(&lg.wake, &lg.lock, wait);
            continue;
        }
        uint32_t n = 0;
        if (lg.dropped) {
            char stamp[16];
            sys_time_of_day(stamp, sizeof stamp);
            snprintf(batch[n++], LINE_MAX_LEN, "%s log: %llu lines dropped (the log output was too slow)", stamp,
                     (unsigned long long)lg.dropped);
            lg.dropped = 0;
        }
        for (; lg.count && n < RING_LINES; n++) {
            memcpy(batch[n], lg.ring[lg.head], LINE_MAX_LEN);
            lg.head = (lg.head + 1) % RING_LINES;
            lg.count--;
        }
        lg.writing = n;
        sys_mutex_unlock(&lg.lock);
        /* The only place that waits for stderr, and it holds no lock. The
         * flush because Windows' C runtime has no line buffering. */
        for (uint32_t i = 0; i < n; i++)
            fprintf(stderr, "%s\n", batch[i]);
        fflush(stderr);
        sys_mutex_lock(&lg.lock);
        lg.writing = 0;
    }
    sys_cond_signal(&lg.drained);
    sys_mutex_unlock(&lg.lock);
}

/* At exit: what is queued gets EXIT_DRAIN_MS to reach stderr. */
static void log_at_exit(void)
{
    sys_mutex_lock(&lg.lock);
    uint64_t end = sys_now_ms() + EXIT_DRAIN_MS;
    for (int i = 0; i < FOLD_SHAPES; i++)
        shape_close(&lg.shapes[i]);
    lg.stop = 1;
    sys_cond_signal(&lg.wake);
    while ((lg.count || lg.writing) && sys_now_ms() < end)
        sys_cond_wait(&lg.drained, &lg.lock, (int)(end - sys_now_ms()));
    int done = !lg.count && !lg.writing;
    sys_mutex_unlock(&lg.lock);
    if (done)
        sys_thread_join(lg.writer);
    else
        sys_thread_detach(lg.writer); /* stuck on stderr: let the process go */
}

/* Lock held. Without a writer thread (it could not start) lines go out
 * directly, as they did before there was one. */
static int writer_start(void)
{
    if (lg.started)
        return lg.started > 0;
    sys_cond_init(&lg.wake);
    sys_cond_init(&lg.drained);
    lg.started = sys_thread_start(&lg.writer, writer_main, NULL) == SYS_OK ? 1 : -1;
    if (lg.started > 0)
        atexit(log_at_exit);
    return lg.started > 0;
}

void host_log(const char *fmt, ...)
{
    char text[LINE_MAX_LEN], line[LINE_MAX_LEN + 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char stamp[16];
    sys_time_of_day(stamp, sizeof stamp); /* "HH:MM:SS.mmm" */
    snprintf(line, sizeof line, "%s %s", stamp, text);

    sys_mutex_lock(&lg.lock);
    if (!writer_start()) {
        sys_mutex_unlock(&lg.lock);
        fprintf(stderr, "%s\n", line);
        fflush(stderr);
        return;
    }
    if (!lg.stop && shape_admit(text, sys_now_ms())) {
        ring_put(line, 0);
        sys_cond_signal(&lg.wake);
    }
    sys_mutex_unlock(&lg.lock);
}
