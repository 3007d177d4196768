/*
 * A private X server per test and the xdotool calls that drive a window
 * on it (see gui.h). There is no window manager: focus is set with
 * `windowfocus` (XSetInputFocus), not `windowactivate`, which needs one.
 */
#include "gui.h"

#include <SDL.h>
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
    x_clip_close(); /* Xlib would end this process when its server goes */
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

int x_type(struct xvfb *x, const struct xwin *w, const char *text)
{
    char id[32], t[512];
    snprintf(id, sizeof id, "%s", w->id);
    snprintf(t, sizeof t, "%s", text);
    char *argv[] = {"xdotool", "windowfocus", id, "type", "--delay", "40", t, NULL};
    int code = xdo(x, argv, it_ms(10000), NULL, 0);
    if (code != 0)
        CHECK_FAIL("xdotool type \"%s\": exit %d", text, code);
    return code == 0 ? 0 : -1;
}

int x_wheel(struct xvfb *x, const struct xwin *w, int wx, int wy, int n)
{
    char id[32], xs[16], ys[16], reps[16];
    snprintf(id, sizeof id, "%s", w->id);
    snprintf(xs, sizeof xs, "%d", w->x + wx);
    snprintf(ys, sizeof ys, "%d", w->y + wy);
    snprintf(reps, sizeof reps, "%d", n > 0 ? n : -n);
    /* X buttons 4 and 5 are the wheel turned up and down. */
    char *argv[] = {"xdotool", "windowfocus", id, "mousemove", xs, ys, "click", "--repeat", reps, "--delay", "60",
                    n > 0 ? "4" : "5", NULL};
    int code = xdo(x, argv, it_ms(10000), NULL, 0);
    if (code != 0)
        CHECK_FAIL("xdotool wheel %d at %s,%s: exit %d", n, xs, ys, code);
    return code == 0 ? 0 : -1;
}

/* A viewable top-level window titled title, from `xwininfo -root -tree`
 * (xdotool cannot match a WM_NAME of type UTF8_STRING, which SDL's X11
 * message box sets). 0 with w filled, else -1. */
static int find_in_tree(struct xvfb *x, const char *title, struct xwin *w)
{
    static char out[65536];
    char *argv[] = {"xwininfo", "-root", "-tree", NULL};
    char *env[] = {x->env_display, NULL};
    if (proc_run(argv, env, it_ms(5000), out, sizeof out) != 0)
        return -1;
    char want[160];
    snprintf(want, sizeof want, "\"%s", title);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char id[32];
        const char *q = strstr(line, want);
        if (!q || sscanf(line, " %31s", id) != 1 || strncmp(id, "0x", 2) != 0)
            continue;
        /* "0x600002 "Pawn Party": ()  1290x157+-5+289  +-5+289" */
        const char *geo = strstr(q, ")  ");
        int gw, gh, ax, ay;
        if (!geo || sscanf(geo + 3, "%dx%d%*[+-0-9] %d%d", &gw, &gh, &ax, &ay) < 2)
            continue;
        char info[4096];
        char *wi[] = {"xwininfo", "-id", id, NULL};
        if (proc_run(wi, env, it_ms(5000), info, sizeof info) != 0 || !strstr(info, "IsViewable"))
            continue;
        const char *px = strstr(info, "Absolute upper-left X:"), *py = strstr(info, "Absolute upper-left Y:");
        memset(w, 0, sizeof *w);
        snprintf(w->id, sizeof w->id, "%lu", strtoul(id, NULL, 16));
        w->w = gw;
        w->h = gh;
        if (px)
            sscanf(px, "Absolute upper-left X: %d", &w->x);
        if (py)
            sscanf(py, "Absolute upper-left Y: %d", &w->y);
        return 0;
    }
    return -1;
}

int x_find_titled(struct xvfb *x, const char *title, struct xwin *w, int timeout_ms)
{
    uint64_t end = proc_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        if (find_in_tree(x, title, w) == 0)
            return 0;
        if (proc_now_ms() >= end)
            return -1;
        proc_sleep_ms(100);
    }
}

int x_window_visible(struct xvfb *x, const char *pidbuf)
{
    char out[256];
    char pid[16];
    snprintf(pid, sizeof pid, "%s", pidbuf);
    char *argv[] = {"xdotool", "search", "--all", "--onlyvisible", "--pid", pid, "--name", "^Pawn Party", NULL};
    return xdo(x, argv, it_ms(5000), out, sizeof out) == 0 && out[0] >= '0' && out[0] <= '9';
}

/* ==== the clipboard, through SDL ========================================= */

static int clip_on;

static int clip_open(struct xvfb *x)
{
    if (clip_on)
        return 0;
    /* The test's own signal handlers stay (the kill list); SDL's would
     * turn SIGTERM into an event nobody reads. */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    setenv("DISPLAY", x->name, 1);
    setenv("SDL_VIDEODRIVER", "x11", 1);
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        CHECK_FAIL("the test cannot reach the X clipboard: SDL_Init(video) on %s: %s", x->name, SDL_GetError());
        return -1;
    }
    clip_on = 1;
    return 0;
}

void x_clip_pump(void)
{
    if (clip_on)
        SDL_PumpEvents();
}

int x_clip_get(struct xvfb *x, char *out, size_t cap)
{
    out[0] = 0;
    if (clip_open(x) != 0)
        return -1;
    char *t = SDL_GetClipboardText(); /* waits for the owner's answer (SDL: up to a second) */
    if (!t)
        return -1;
    snprintf(out, cap, "%s", t);
    SDL_free(t);
    return 0;
}

int x_clip_set(struct xvfb *x, const char *text)
{
    if (clip_open(x) != 0)
        return -1;
    if (SDL_SetClipboardText(text) != 0) {
        CHECK_FAIL("SDL_SetClipboardText: %s", SDL_GetError());
        return -1;
    }
    x_clip_pump();
    return 0;
}

void x_clip_close(void)
{
    if (!clip_on)
        return;
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    clip_on = 0;
}
