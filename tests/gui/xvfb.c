/*
 * A private X server per test and the xdotool calls that drive a window
 * on it (see gui.h). There is no window manager: focus is set with
 * `windowfocus` (XSetInputFocus), not `windowactivate`, which needs one.
 */
#include "gui.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int xvfb_start(struct xvfb *x, const char *dir, int width, int height)
{
    memset(x, 0, sizeof *x);
    x->display = -1;
    x->width = width;
    x->height = height;
    snprintf(x->log_path, sizeof x->log_path, "%s/xvfb.log", dir);
    int log = open(x->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0) {
        CHECK_FAIL("%s: %s", x->log_path, strerror(errno));
        return -1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        close(log);
        CHECK_FAIL("pipe: %s", strerror(errno));
        return -1;
    }
    char screen[32];
    snprintf(screen, sizeof screen, "%dx%dx24", width, height);
    char *argv[] = {"Xvfb", "-screen", "0", screen, "-nolisten", "tcp", "-noreset", "-displayfd", "3", NULL};
    /* -displayfd: the pipe's write end as a plain descriptor (3). */
    x->pid = proc_fork_exec(argv, NULL, log, log, p[1]);
    close(log);
    close(p[1]);
    if (x->pid <= 0) {
        close(p[0]);
        x->pid = 0;
        CHECK_FAIL("cannot start Xvfb: %s", strerror(errno));
        return -1;
    }
    /* Xvfb is SIGTERMed at exit so that it removes its lock file. */
    proc_register(x->pid, SIGTERM);

    /* -displayfd: the server writes "N\n" once it accepts connections. */
    char buf[32];
    size_t len = 0;
    uint64_t end = proc_now_ms() + (uint64_t)it_ms(15000);
    while (proc_now_ms() < end && len < sizeof buf - 1) {
        struct pollfd pf = {.fd = p[0], .events = POLLIN};
        if (poll(&pf, 1, 100) > 0) {
            ssize_t r = read(p[0], buf + len, sizeof buf - 1 - len);
            if (r <= 0)
                break;
            len += (size_t)r;
            buf[len] = 0;
            if (strchr(buf, '\n'))
                break;
        }
        if (waitpid(x->pid, NULL, WNOHANG) == x->pid) {
            x->pid = 0;
            break;
        }
    }
    close(p[0]);
    buf[len] = 0;
    if (!strchr(buf, '\n')) {
        CHECK_FAIL("Xvfb gave no display number within %d ms (log %s)", it_ms(15000), x->log_path);
        xvfb_stop(x);
        return -1;
    }
    x->display = atoi(buf);
    snprintf(x->name, sizeof x->name, ":%d", x->display);
    snprintf(x->env_display, sizeof x->env_display, "DISPLAY=:%d", x->display);
    check_note("Xvfb pid %d on display :%d (%dx%d)", (int)x->pid, x->display, width, height);
    return 0;
}

void xvfb_stop(struct xvfb *x)
{
    if (x->pid <= 0)
        return;
    kill(x->pid, SIGTERM);
    for (int i = 0; i < 300; i++) {
        if (waitpid(x->pid, NULL, WNOHANG) == x->pid) {
            proc_unregister(x->pid);
            x->pid = 0;
            return;
        }
        proc_sleep_ms(10);
    }
    kill(x->pid, SIGKILL);
    waitpid(x->pid, NULL, 0);
    proc_unregister(x->pid);
    x->pid = 0;
}

/* ==== xdotool ============================================================ */

static int xdo(struct xvfb *x, char *const argv[], int timeout_ms, char *out, size_t cap)
{
    char *env[] = {x->env_display, NULL};
    char local[512];
    if (!out) {
        out = local;
        cap = sizeof local;
    }
    int code = proc_run(argv, env, timeout_ms, out, cap);
    if (code != 0 && check_verbose)
        fprintf(stderr, "  [%s] %s %s: exit %d: %s\n", check_case_name, argv[0], argv[1], code, out);
    return code;
}

static int parse_geometry(const char *text, struct xwin *w)
{
    const char *p = strstr(text, "Position:");
    const char *g = strstr(text, "Geometry:");
    if (!p || !g)
        return -1;
    if (sscanf(p, "Position: %d,%d", &w->x, &w->y) != 2)
        return -1;
    if (sscanf(g, "Geometry: %dx%d", &w->w, &w->h) != 2)
        return -1;
    return 0;
}

int x_geometry(struct xvfb *x, struct xwin *w)
{
    char out[1024];
    char *argv[] = {"xdotool", "getwindowgeometry", w->id, NULL};
    if (xdo(x, argv, it_ms(5000), out, sizeof out) != 0 || parse_geometry(out, w) != 0) {
        CHECK_FAIL("xdotool getwindowgeometry %s: %s", w->id, out);
        return -1;
    }
    return 0;
}

int x_find_window(struct xvfb *x, pid_t pid, struct xwin *w, int timeout_ms)
{
    char out[1024], pidbuf[16];
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)pid);
    memset(w, 0, sizeof *w);
    /* --sync waits for the window to exist; the timeout ends the wait. */
    char *argv[] = {"xdotool", "search", "--sync", "--all", "--onlyvisible", "--pid", pidbuf,
                    "--name", "^Pawn Party", NULL};
    int code = xdo(x, argv, timeout_ms, out, sizeof out);
    if (code != 0) {
        CHECK_FAIL("no visible \"Pawn Party\" window of pid %d within %d ms (xdotool %s %d: %s)", (int)pid, timeout_ms,
                code < 0 ? "timeout" : "exit", code, out);
        return -1;
    }
    size_t n = strspn(out, "0123456789");
    if (n == 0 || n >= sizeof w->id) {
        CHECK_FAIL("xdotool search printed no window id: \"%s\"", out);
        return -1;
    }
    memcpy(w->id, out, n);
    w->id[n] = 0;
    return x_geometry(x, w);
}

int x_key(struct xvfb *x, const struct xwin *w, const char *key)
{
    char id[32];
    snprintf(id, sizeof id, "%s", w->id);
    char k[32];
    snprintf(k, sizeof k, "%s", key);
    /* XTEST key events go to the focused window; without a window manager
     * windowfocus (XSetInputFocus) is how it gets the focus. */
    char *argv[] = {"xdotool", "windowfocus", id, "key", "--delay", "40", k, NULL};
    int code = xdo(x, argv, it_ms(5000), NULL, 0);
    if (code != 0)
        CHECK_FAIL("xdotool windowfocus %s key %s: exit %d", id, key, code);
    return code == 0 ? 0 : -1;
}

int x_click(struct xvfb *x, const struct xwin *w, int wx, int wy)
{
    char id[32], xs[16], ys[16];
    snprintf(id, sizeof id, "%s", w->id);
    snprintf(xs, sizeof xs, "%d", w->x + wx);
    snprintf(ys, sizeof ys, "%d", w->y + wy);
    char *argv[] = {"xdotool", "windowfocus", id, "mousemove", xs, ys, "click", "1", NULL};
    int code = xdo(x, argv, it_ms(5000), NULL, 0);
    if (code != 0)
        CHECK_FAIL("xdotool mousemove %s %s click 1: exit %d", xs, ys, code);
    return code == 0 ? 0 : -1;
}

int x_park_pointer(struct xvfb *x, const struct xwin *w)
{
    int px = x->width - 1, py = x->height - 1;
    if (w->x + w->w >= x->width && w->y + w->h >= x->height && w->x <= 0 && w->y <= 0) {
        px = w->x + w->w - 1;
        py = w->y + w->h - 1;
    } else if (w->x > 0) {
        px = 0;
        py = 0;
    } else if (w->x + w->w < x->width) {
        px = x->width - 1;
        py = 0;
    }
    char xs[16], ys[16];
    snprintf(xs, sizeof xs, "%d", px);
    snprintf(ys, sizeof ys, "%d", py);
    char *argv[] = {"xdotool", "mousemove", xs, ys, NULL};
    return xdo(x, argv, it_ms(5000), NULL, 0) == 0 ? 0 : -1;
}
