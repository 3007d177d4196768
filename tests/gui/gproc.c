/*
 * Child processes for the GUI tests (see gui.h): the game windows, Xvfb and
 * the short-lived tools. fork + exec rather than posix_spawn because every
 * child gets PR_SET_PDEATHSIG: if this test dies in any way (even SIGKILL
 * from CTest's timeout) the kernel kills its Xvfb and games too.
 */
#include "gui.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

/* ==== the registry: what to kill when things go wrong ==================== */

#define MAX_CHILDREN 32
static volatile pid_t children[MAX_CHILDREN];
static volatile int child_sig[MAX_CHILDREN]; /* what to send at exit */

void gp_register(pid_t pid, int sig)
{
    for (int i = 0; i < MAX_CHILDREN; i++) {
        if (children[i] == 0) {
            child_sig[i] = sig;
            children[i] = pid;
            return;
        }
    }
}

void gp_unregister(pid_t pid)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == pid)
            children[i] = 0;
}

/* Async-signal-safe: only kill(). */
static void kill_children(void)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] > 0)
            kill(children[i], child_sig[i]);
}

static struct sigaction prev_action[65];

/* The harness's handler kills its hosts and _exits; ours goes first. */
static void on_signal(int sig)
{
    kill_children();
    if (sig > 0 && sig < 65 && prev_action[sig].sa_handler != SIG_DFL && prev_action[sig].sa_handler != SIG_IGN)
        prev_action[sig].sa_handler(sig);
    _exit(128 + sig);
}

static void at_exit(void)
{
    kill_children();
    /* Give a SIGTERMed Xvfb a moment to remove its lock file. */
    for (int i = 0; i < MAX_CHILDREN; i++) {
        if (children[i] > 0) {
            for (int k = 0; k < 100; k++) {
                if (waitpid(children[i], NULL, WNOHANG) != 0)
                    break;
                usleep(10000);
            }
            kill(children[i], SIGKILL);
            waitpid(children[i], NULL, WNOHANG);
        }
    }
}

void gp_init(void)
{
    static const int sigs[] = {SIGALRM, SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(sigs[i], &sa, &prev_action[sigs[i]]);
    }
    atexit(at_exit);
}

unsigned discovery_port_next(void)
{
    static unsigned n;
    return 20000u + ((unsigned)getpid() + 997u * n++) % 20000u;
}

/* ==== fork + exec ======================================================== */

/* environ with env's keys replaced or added; the array is malloc'd, the
 * strings are borrowed. */
static char **make_envp(char *const env[])
{
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    while (env && env[k])
        k++;
    char **out = calloc(n + k + 1, sizeof *out);
    if (!out)
        return NULL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t kl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        int replaced = 0;
        for (size_t j = 0; j < k; j++)
            if (strncmp(env[j], environ[i], kl) == 0 && env[j][kl] == '=')
                replaced = 1;
        if (!replaced)
            out[m++] = environ[i];
    }
    for (size_t j = 0; j < k; j++)
        out[m++] = env[j];
    out[m] = NULL;
    return out;
}

/*
 * The child side does only async-signal-safe calls (this process has
 * threads). out_fd/err_fd become 1/2 (err_fd -1: a copy of 1); pass_fd,
 * when >= 0, becomes 3; everything else is closed.
 */
static pid_t fork_exec(char *const argv[], char *const env[], int out_fd, int err_fd, int pass_fd)
{
    char **envp = make_envp(env);
    if (!envp)
        return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        /* A fresh signal state: the test's handlers mean nothing here. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0 && devnull != 0) {
            dup2(devnull, 0);
            close(devnull);
        }
        dup2(out_fd, 1);
        dup2(err_fd >= 0 ? err_fd : 1, 2);
        int first_closed = 3;
        if (pass_fd >= 0) {
            if (pass_fd == 3)
                fcntl(3, F_SETFD, 0);
            else
                dup2(pass_fd, 3);
            first_closed = 4;
        }
        syscall(SYS_close_range, (unsigned)first_closed, ~0u, 0u);
        execvpe(argv[0], argv, envp);
        static const char msg[] = "gui test: exec failed\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(127);
    }
    free(envp);
    return pid;
}

int have_program(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char buf[1024];
    const char *p = path;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, prog);
        if (access(buf, X_OK) == 0)
            return 1;
        p += n + (colon ? 1 : 0);
    }
    return 0;
}

/* ==== the stdout reader ================================================== */

static void buf_append(struct gproc *g, const char *data, size_t n)
{
    pthread_mutex_lock(&g->mu);
    if (g->len + n + 1 > g->cap) {
        size_t ncap = g->cap ? g->cap : 8192;
        while (g->len + n + 1 > ncap)
            ncap *= 2;
        char *nb = realloc(g->buf, ncap);
        if (!nb) {
            pthread_mutex_unlock(&g->mu);
            return;
        }
        g->buf = nb;
        g->cap = ncap;
    }
    memcpy(g->buf + g->len, data, n);
    g->len += n;
    g->buf[g->len] = 0;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static void *reader_main(void *arg)
{
    struct gproc *g = arg;
    int copy = open(g->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char tmp[4096];
    for (;;) {
        ssize_t n = read(g->out_fd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (copy >= 0)
            (void)!write(copy, tmp, (size_t)n);
        if (it_verbose)
            fprintf(stderr, "  {%s} %.*s", g->label, (int)n, tmp);
        buf_append(g, tmp, (size_t)n);
    }
    if (copy >= 0)
        close(copy);
    pthread_mutex_lock(&g->mu);
    g->eof = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

int gp_spawn(struct gproc *g, const char *label, const char *dir, char *const argv[], char *const env[],
             int merge_stderr)
{
    memset(g, 0, sizeof *g);
    g->out_fd = -1;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    snprintf(g->label, sizeof g->label, "%s", label);
    snprintf(g->out_path, sizeof g->out_path, "%s/%s.stdout", dir, label);
    snprintf(g->err_path, sizeof g->err_path, "%s/%s.stderr", dir, label);
    if (it_verbose) {
        fprintf(stderr, "  [%s] start %s:", it_case_name, label);
        for (int i = 0; argv[i]; i++)
            fprintf(stderr, " %s", argv[i]);
        fprintf(stderr, "\n");
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        IT_FAIL("pipe: %s", strerror(errno));
        return -1;
    }
    int err = -1;
    if (!merge_stderr) {
        err = open(g->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (err < 0) {
            IT_FAIL("%s: %s", g->err_path, strerror(errno));
            close(p[0]);
            close(p[1]);
            return -1;
        }
    }
    g->pid = fork_exec(argv, env, p[1], err, -1);
    close(p[1]);
    if (err >= 0)
        close(err);
    if (g->pid <= 0) {
        IT_FAIL("cannot start %s (%s)", argv[0], strerror(errno));
        close(p[0]);
        g->pid = 0;
        return -1;
    }
    gp_register(g->pid, SIGKILL);
    g->out_fd = p[0];
    if (pthread_create(&g->reader, NULL, reader_main, g) == 0)
        g->reader_running = 1;
    return 0;
}

/* ==== waiting for lines ================================================== */

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static int starts_with(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

int gp_wait_line(struct gproc *g, size_t *cursor, const char *prefix, char *line, size_t cap, int timeout_ms)
{
    struct timespec dl;
    deadline_in(&dl, timeout_ms);
    int r = 0;
    pthread_mutex_lock(&g->mu);
    for (;;) {
        while (*cursor < g->len) {
            char *s = g->buf + *cursor;
            char *nl = memchr(s, '\n', g->len - *cursor);
            if (!nl)
                break;
            size_t n = (size_t)(nl - s);
            *cursor += n + 1;
            if (!prefix || starts_with(s, n, prefix)) {
                if (line && cap > 0) {
                    size_t c = n < cap - 1 ? n : cap - 1;
                    memcpy(line, s, c);
                    line[c] = 0;
                }
                r = 1;
                goto out;
            }
        }
        if (g->eof) {
            r = -1;
            goto out;
        }
        if (pthread_cond_timedwait(&g->cv, &g->mu, &dl) == ETIMEDOUT) {
            r = 0;
            /* one last look: a line may have come with the timeout */
            if (*cursor < g->len && memchr(g->buf + *cursor, '\n', g->len - *cursor))
                continue;
            goto out;
        }
    }
out:
    pthread_mutex_unlock(&g->mu);
    return r;
}

int gp_last_line(struct gproc *g, const char *prefix, char *line, size_t cap)
{
    size_t cur = 0;
    int found = 0;
    char tmp[1024];
    while (gp_wait_line(g, &cur, prefix, tmp, sizeof tmp, 0) == 1) {
        found = 1;
        snprintf(line, cap, "%s", tmp);
    }
    return found;
}

size_t gp_cursor(struct gproc *g)
{
    pthread_mutex_lock(&g->mu);
    size_t n = g->len;
    pthread_mutex_unlock(&g->mu);
    return n;
}

int gp_wait_quiet(struct gproc *g, const char *prefix, int quiet_ms, int max_ms)
{
    uint64_t end = sys_now_ms() + (uint64_t)max_ms;
    size_t cur = gp_cursor(g);
    for (;;) {
        uint64_t now = sys_now_ms();
        if (now >= end)
            return 0;
        int left = (int)(end - now);
        int r = gp_wait_line(g, &cur, prefix, NULL, 0, quiet_ms < left ? quiet_ms : left);
        if (r == 0)
            return sys_now_ms() < end ? 1 : 0;
        if (r < 0)
            return 1; /* stdout ended: nothing more will come */
    }
}

/* ==== exits ============================================================== */

static int status_code(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return 255;
}

int gp_wait_exit(struct gproc *g, int timeout_ms)
{
    if (g->pid <= 0)
        return 255;
    if (!g->reaped) {
        uint64_t end = sys_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
        for (;;) {
            int st;
            pid_t r = waitpid(g->pid, &st, WNOHANG);
            if (r == g->pid || (r < 0 && errno == ECHILD)) {
                g->reaped = 1;
                g->wstatus = r == g->pid ? st : 255 << 8;
                gp_unregister(g->pid);
                break;
            }
            if (sys_now_ms() >= end)
                return -1;
            sys_sleep_ms(10);
        }
    }
    return status_code(g->wstatus);
}

int gp_alive(struct gproc *g)
{
    return g->pid > 0 && gp_wait_exit(g, 0) < 0;
}

int gp_stop(struct gproc *g, int sig, int timeout_ms)
{
    if (g->pid <= 0)
        return 255;
    if (!g->reaped)
        kill(g->pid, sig);
    int code = gp_wait_exit(g, timeout_ms);
    if (code < 0) {
        kill(g->pid, SIGKILL);
        gp_wait_exit(g, 5000);
        return -1;
    }
    return code;
}

void gp_cleanup(struct gproc *g)
{
    if (g->pid > 0 && !g->reaped) {
        kill(g->pid, SIGKILL);
        gp_wait_exit(g, 5000);
    }
    if (g->reader_running) {
        /* The pipe reaches EOF once the child (and anything it forked) is
         * gone; do not hang on a grandchild that kept it open. */
        struct timespec dl;
        deadline_in(&dl, 3000);
        pthread_mutex_lock(&g->mu);
        while (!g->eof)
            if (pthread_cond_timedwait(&g->cv, &g->mu, &dl) == ETIMEDOUT)
                break;
        int eof = g->eof;
        pthread_mutex_unlock(&g->mu);
        if (!eof)
            pthread_cancel(g->reader);
        pthread_join(g->reader, NULL);
        g->reader_running = 0;
    }
    if (g->out_fd >= 0) {
        close(g->out_fd);
        g->out_fd = -1;
    }
    free(g->buf);
    g->buf = NULL;
    g->len = g->cap = 0;
    g->pid = 0;
}

/* ==== reports ============================================================ */

static void dump_tail(const char *title, const char *text, int max_lines)
{
    if (!text)
        return;
    int lines = 0;
    for (const char *q = text; *q; q++)
        lines += *q == '\n';
    int skip = lines > max_lines ? lines - max_lines : 0;
    fprintf(stderr, "  --- %s%s ---\n", title, skip ? " (tail)" : "");
    const char *p = text;
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
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, len = 0;
    char *b = malloc(cap);
    while (b) {
        if (cap - len < 4096) {
            char *nb = realloc(b, cap * 2);
            if (!nb)
                break;
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + len, 1, cap - len - 1, f);
        if (r == 0)
            break;
        len += r;
    }
    fclose(f);
    if (b)
        b[len] = 0;
    return b;
}

void gp_dump(struct gproc *g, int max_lines)
{
    char title[400];
    pthread_mutex_lock(&g->mu);
    char *out = g->buf ? strdup(g->buf) : NULL;
    pthread_mutex_unlock(&g->mu);
    snprintf(title, sizeof title, "%s stdout (%s)", g->label, g->out_path);
    dump_tail(title, out ? out : "", max_lines);
    free(out);
    char *err = read_file(g->err_path);
    if (err) {
        snprintf(title, sizeof title, "%s stderr (%s)", g->label, g->err_path);
        dump_tail(title, err, max_lines);
        free(err);
    }
}

int gp_sanitizer_report(struct gproc *g)
{
    char *err = read_file(g->err_path);
    if (!err)
        return 0;
    static const char *const marks[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                                        "WARNING: ThreadSanitizer", NULL};
    char *at = NULL;
    for (int i = 0; marks[i]; i++) {
        char *m = strstr(err, marks[i]);
        if (m && (!at || m < at))
            at = m;
    }
    if (at) {
        while (at > err && at[-1] != '\n')
            at--;
        char title[400];
        snprintf(title, sizeof title, "%s: sanitizer report (%s)", g->label, g->err_path);
        /* from the report's first line on, at most 80 lines */
        char *end = at;
        for (int k = 0; k < 80 && end && *end; k++) {
            end = strchr(end, '\n');
            if (end)
                end++;
        }
        if (end)
            *end = 0;
        dump_tail(title, at, 80);
    }
    free(err);
    return at != NULL;
}

/* ==== short tools ======================================================== */

static void copy_out(char *out, size_t cap, const char *text)
{
    size_t k = strlen(text);
    if (k >= cap)
        k = cap - 1;
    memcpy(out, text, k);
    out[k] = 0;
}

int run_tool(char *const argv[], char *const env[], int timeout_ms, char *out, size_t cap)
{
    static unsigned n;
    char label[32], tmpdir[64];
    snprintf(label, sizeof label, "tool%u", n++);
    /* gp_spawn keeps a copy of stdout in a file: a throw-away directory */
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pawn-gui-tool-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        IT_FAIL("mkdtemp: %s", strerror(errno));
        return -1;
    }
    struct gproc g;
    if (gp_spawn(&g, label, tmpdir, argv, env, 1) != 0) {
        rmdir(tmpdir);
        return -1;
    }
    int code = gp_wait_exit(&g, timeout_ms);
    if (code < 0) {
        kill(g.pid, SIGKILL);
        gp_wait_exit(&g, 5000);
    }
    /* The output is complete once the reader has seen EOF. */
    struct timespec dl;
    deadline_in(&dl, 3000);
    pthread_mutex_lock(&g.mu);
    while (!g.eof)
        if (pthread_cond_timedwait(&g.cv, &g.mu, &dl) == ETIMEDOUT)
            break;
    if (out && cap > 0)
        copy_out(out, cap, g.buf ? g.buf : "");
    pthread_mutex_unlock(&g.mu);
    gp_cleanup(&g);
    unlink(g.out_path);
    unlink(g.err_path);
    rmdir(tmpdir);
    return code;
}
