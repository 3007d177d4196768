/*
 * Child processes for every test program (see proc.h). fork + exec rather
 * than posix_spawn because every child gets PR_SET_PDEATHSIG.
 */
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

extern char **environ;

/* ==== time =============================================================== */

uint64_t proc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void proc_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ==== the kill list ====================================================== */

#define MAX_CHILDREN 64
static volatile pid_t children[MAX_CHILDREN];
static volatile int child_sig[MAX_CHILDREN]; /* what to send at exit */

void proc_register(pid_t pid, int sig)
{
    for (int i = 0; i < MAX_CHILDREN; i++) {
        if (children[i] == 0) {
            child_sig[i] = sig;
            children[i] = pid;
            return;
        }
    }
    CHECK_FAIL("the kill list is full: pid %d is not on it", (int)pid);
}

void proc_unregister(pid_t pid)
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

static void on_fatal_signal(int sig)
{
    static const char msg[] = "test: watchdog or signal: killing the processes it started\n";
    kill_children();
    (void)!write(2, msg, sizeof msg - 1);
    _exit(sig == SIGALRM ? 1 : 128 + sig);
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
                proc_sleep_ms(10);
            }
            kill(children[i], SIGKILL);
            waitpid(children[i], NULL, WNOHANG);
        }
    }
}

void proc_watchdog(unsigned seconds)
{
    alarm(seconds);
}

void proc_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    signal(SIGPIPE, SIG_IGN);
    /* Discovery must never leave the machine: set it for every child. */
    setenv("PAWNPARTY_DISCOVERY_ADDR", "127.0.0.1", 1);
    const char *v = getenv("PAWN_ITEST_VERBOSE");
    if (v && *v && *v != '0')
        check_verbose = 1;
    static const int sigs[] = {SIGALRM, SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigaction(sigs[i], &sa, NULL);
    }
    atexit(at_exit);
    proc_watchdog(170);
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

/* The child side does only async-signal-safe calls (the test has threads). */
pid_t proc_fork_exec(char *const argv[], char *const env[], int out_fd, int err_fd, int pass_fd)
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
        if (devnull > 0) {
            dup2(devnull, 0);
            close(devnull);
        }
        dup2(out_fd, 1);
        dup2(err_fd >= 0 ? err_fd : 1, 2);
        unsigned first_closed = 3;
        if (pass_fd >= 0) {
            if (pass_fd == 3)
                fcntl(3, F_SETFD, 0);
            else
                dup2(pass_fd, 3);
            first_closed = 4;
        }
        syscall(SYS_close_range, first_closed, ~0u, 0u);
        execvpe(argv[0], argv, envp);
        static const char msg[] = "test: exec failed\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(127);
    }
    free(envp);
    return pid;
}

/* ==== the stdout reader ================================================== */

static void buf_append(struct proc *p, const char *data, size_t n)
{
    pthread_mutex_lock(&p->mu);
    if (p->len + n + 1 > p->cap) {
        size_t ncap = p->cap ? p->cap : 8192;
        while (p->len + n + 1 > ncap)
            ncap *= 2;
        char *nb = realloc(p->buf, ncap);
        if (!nb) {
            pthread_mutex_unlock(&p->mu);
            return;
        }
        p->buf = nb;
        p->cap = ncap;
    }
    memcpy(p->buf + p->len, data, n);
    p->len += n;
    p->buf[p->len] = 0;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *reader_main(void *arg)
{
    struct proc *p = arg;
    int copy = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char tmp[4096];
    for (;;) {
        ssize_t n = read(p->out_fd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (copy >= 0)
            (void)!write(copy, tmp, (size_t)n);
        if (check_verbose)
            fprintf(stderr, "  {%s} %.*s", p->label, (int)n, tmp);
        buf_append(p, tmp, (size_t)n);
    }
    if (copy >= 0)
        close(copy);
    pthread_mutex_lock(&p->mu);
    p->eof = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int proc_spawn(struct proc *p, const char *label, const char *dir, char *const argv[], char *const env[],
               int merge_stderr)
{
    memset(p, 0, sizeof *p);
    p->out_fd = -1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    snprintf(p->label, sizeof p->label, "%s", label);
    snprintf(p->out_path, sizeof p->out_path, "%s/%s.stdout", dir, label);
    snprintf(p->err_path, sizeof p->err_path, "%s/%s.stderr", dir, label);
    if (check_verbose) {
        fprintf(stderr, "  [%s] start %s:", check_case_name, label);
        for (int i = 0; argv[i]; i++)
            fprintf(stderr, " %s", argv[i]);
        fprintf(stderr, "\n");
    }
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        CHECK_FAIL("pipe: %s", strerror(errno));
        return -1;
    }
    int err = -1;
    if (!merge_stderr) {
        err = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (err < 0) {
            CHECK_FAIL("%s: %s", p->err_path, strerror(errno));
            close(pipe_fds[0]);
            close(pipe_fds[1]);
            return -1;
        }
    }
    p->pid = proc_fork_exec(argv, env, pipe_fds[1], err, -1);
    close(pipe_fds[1]);
    if (err >= 0)
        close(err);
    if (p->pid <= 0) {
        CHECK_FAIL("cannot start %s (%s)", argv[0], strerror(errno));
        close(pipe_fds[0]);
        p->pid = 0;
        return -1;
    }
    proc_register(p->pid, SIGKILL);
    p->out_fd = pipe_fds[0];
    if (pthread_create(&p->reader, NULL, reader_main, p) == 0)
        p->reader_running = 1;
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

int proc_wait_line(struct proc *p, size_t *cursor, const char *prefix, char *line, size_t cap, int timeout_ms)
{
    struct timespec dl;
    deadline_in(&dl, timeout_ms);
    int r = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (*cursor < p->len) {
            char *s = p->buf + *cursor;
            char *nl = memchr(s, '\n', p->len - *cursor);
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
        if (p->eof) {
            r = -1;
            goto out;
        }
        if (pthread_cond_timedwait(&p->cv, &p->mu, &dl) == ETIMEDOUT) {
            r = 0;
            /* one last look: a line may have come with the timeout */
            if (*cursor < p->len && memchr(p->buf + *cursor, '\n', p->len - *cursor))
                continue;
            goto out;
        }
    }
out:
    pthread_mutex_unlock(&p->mu);
    return r;
}

int proc_last_line(struct proc *p, const char *prefix, char *line, size_t cap)
{
    size_t cur = 0;
    int found = 0;
    char tmp[1024];
    while (proc_wait_line(p, &cur, prefix, tmp, sizeof tmp, 0) == 1) {
        found = 1;
        snprintf(line, cap, "%s", tmp);
    }
    return found;
}

size_t proc_cursor(struct proc *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->len;
    pthread_mutex_unlock(&p->mu);
    return n;
}

int proc_wait_quiet(struct proc *p, const char *prefix, int quiet_ms, int max_ms)
{
    uint64_t end = proc_now_ms() + (uint64_t)max_ms;
    size_t cur = proc_cursor(p);
    for (;;) {
        uint64_t now = proc_now_ms();
        if (now >= end)
            return 0;
        int left = (int)(end - now);
        int r = proc_wait_line(p, &cur, prefix, NULL, 0, quiet_ms < left ? quiet_ms : left);
        if (r == 0)
            return proc_now_ms() < end ? 1 : 0;
        if (r < 0)
            return 1; /* stdout ended: nothing more will come */
    }
}

/* Waits up to 3 s for the reader to see EOF: a grandchild (Wine's server,
 * say) may hold the pipe open after the child is gone. 1 on EOF. */
static int wait_eof(struct proc *p)
{
    struct timespec dl;
    deadline_in(&dl, 3000);
    pthread_mutex_lock(&p->mu);
    while (!p->eof)
        if (pthread_cond_timedwait(&p->cv, &p->mu, &dl) == ETIMEDOUT)
            break;
    int eof = p->eof;
    pthread_mutex_unlock(&p->mu);
    return eof;
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

int proc_wait_exit(struct proc *p, int timeout_ms)
{
    if (p->pid <= 0)
        return 255;
    if (!p->reaped) {
        uint64_t end = proc_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
        for (;;) {
            int st;
            pid_t r = waitpid(p->pid, &st, WNOHANG);
            if (r == p->pid || (r < 0 && errno == ECHILD)) {
                p->reaped = 1;
                p->wstatus = r == p->pid ? st : 255 << 8;
                proc_unregister(p->pid);
                break;
            }
            if (proc_now_ms() >= end)
                return -1;
            proc_sleep_ms(5);
        }
    }
    return status_code(p->wstatus);
}

int proc_alive(struct proc *p)
{
    return p->pid > 0 && proc_wait_exit(p, 0) < 0;
}

int proc_stop(struct proc *p, int sig, int timeout_ms)
{
    if (p->pid <= 0)
        return 255;
    if (!p->reaped)
        kill(p->pid, sig);
    int code = proc_wait_exit(p, timeout_ms);
    if (code < 0) {
        kill(p->pid, SIGKILL);
        proc_wait_exit(p, 5000);
        return -1;
    }
    return code;
}

void proc_cleanup(struct proc *p)
{
    if (p->pid > 0 && !p->reaped) {
        kill(p->pid, SIGKILL);
        proc_wait_exit(p, 5000);
    }
    if (p->reader_running) {
        /* Do not hang on a grandchild that kept the pipe open. */
        if (!wait_eof(p))
            pthread_cancel(p->reader);
        pthread_join(p->reader, NULL);
        p->reader_running = 0;
    }
    if (p->out_fd >= 0) {
        close(p->out_fd);
        p->out_fd = -1;
    }
    free(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
    p->pid = 0;
}

/* ==== reports ============================================================ */

static void print_lines(const char *p, int skip, int max_lines)
{
    for (int shown = 0; *p && shown < max_lines;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (skip > 0) {
            skip--;
        } else {
            fprintf(stderr, "  | %.*s\n", (int)n, p);
            shown++;
        }
        p += n + (nl ? 1 : 0);
    }
}

void proc_print_tail(const char *title, const char *text, int max_lines)
{
    if (!text)
        return;
    int lines = 0;
    for (const char *q = text; *q; q++)
        lines += *q == '\n';
    int skip = lines > max_lines ? lines - max_lines : 0;
    fprintf(stderr, "  --- %s%s ---\n", title, skip ? " (tail)" : "");
    print_lines(text, skip, max_lines + 1);
    fprintf(stderr, "  ---\n");
}

void proc_print_from(const char *title, const char *text, const char *at, int max_lines)
{
    while (at > text && at[-1] != '\n')
        at--;
    fprintf(stderr, "  --- %s ---\n", title);
    print_lines(at, 0, max_lines);
    fprintf(stderr, "  ---\n");
}

const char *proc_find_first(const char *text, const char *const *marks)
{
    const char *at = NULL;
    for (int i = 0; marks[i]; i++) {
        const char *m = strstr(text, marks[i]);
        if (m && (!at || m < at))
            at = m;
    }
    return at;
}

char *proc_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, len = 0;
    char *b = malloc(cap);
    while (b) {
        if (cap - len < 4096) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
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

void proc_dump(struct proc *p, int max_lines)
{
    char title[400];
    pthread_mutex_lock(&p->mu);
    char *out = p->buf ? strdup(p->buf) : NULL;
    pthread_mutex_unlock(&p->mu);
    snprintf(title, sizeof title, "%s stdout (%s)", p->label, p->out_path);
    proc_print_tail(title, out ? out : "", max_lines);
    free(out);
    char *err = proc_read_file(p->err_path);
    if (err) {
        snprintf(title, sizeof title, "%s stderr (%s)", p->label, p->err_path);
        proc_print_tail(title, err, max_lines);
        free(err);
    }
}

int proc_sanitizer_report(struct proc *p)
{
    static const char *const marks[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                                        "WARNING: ThreadSanitizer", NULL};
    char *err = proc_read_file(p->err_path);
    if (!err)
        return 0;
    const char *at = proc_find_first(err, marks);
    if (at) {
        char title[400];
        snprintf(title, sizeof title, "%s: sanitizer report (%s)", p->label, p->err_path);
        proc_print_from(title, err, at, 80);
    }
    free(err);
    return at != NULL;
}

/* ==== files ============================================================== */

void proc_mkdir_p(const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *q = buf + 1; *q; q++) {
        if (*q == '/') {
            *q = 0;
            mkdir(buf, 0755);
            *q = '/';
        }
    }
    mkdir(buf, 0755);
}

void proc_rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

int proc_have_program(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char buf[1024];
    const char *q = path;
    while (*q) {
        const char *colon = strchr(q, ':');
        size_t n = colon ? (size_t)(colon - q) : strlen(q);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, q, prog);
        if (access(buf, X_OK) == 0)
            return 1;
        q += n + (colon ? 1 : 0);
    }
    return 0;
}

/* ==== short tools ======================================================== */

int proc_run(char *const argv[], char *const env[], int timeout_ms, char *out, size_t cap)
{
    static unsigned n;
    char label[32], tmpdir[64];
    snprintf(label, sizeof label, "tool%u", n++);
    /* proc_spawn keeps a copy of stdout in a file: a throw-away directory */
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pawn-test-tool-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        CHECK_FAIL("mkdtemp: %s", strerror(errno));
        return -1;
    }
    struct proc p;
    if (proc_spawn(&p, label, tmpdir, argv, env, 1) != 0) {
        proc_rm_dir(tmpdir);
        return -1;
    }
    int code = proc_wait_exit(&p, timeout_ms);
    if (code < 0) {
        kill(p.pid, SIGKILL);
        proc_wait_exit(&p, 5000);
    }
    /* The output is complete once the reader has seen EOF. */
    wait_eof(&p);
    if (out && cap > 0) {
        pthread_mutex_lock(&p.mu);
        snprintf(out, cap, "%s", p.buf ? p.buf : "");
        pthread_mutex_unlock(&p.mu);
    }
    proc_cleanup(&p);
    proc_rm_dir(tmpdir);
    return code;
}
