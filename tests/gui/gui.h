/*
 * The GUI test kit: a private Xvfb server, xdotool for input, ImageMagick
 * `import` for screenshots and SDL2_image to read them back, and what a
 * game window needs to run under them. Linux only, like the integration
 * harness it builds on; its processes start through the toolkit's
 * tests/common/proc.h, so every one of them is killed by PID whatever
 * happens (nothing is found by name).
 */
#ifndef PAWN_TESTS_GUI_H
#define PAWN_TESTS_GUI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"

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
/* Per-channel median of the window rectangle [x0,x1) x [y0,y1); {-1,-1,-1}
 * when none of it is in the window. */
struct rgb shot_median(const struct shot *s, int x0, int y0, int x1, int y1);
/* The same over n rectangles, {x0, y0, x1, y1} each, taken together. */
struct rgb shot_median_rects(const struct shot *s, const int (*rects)[4], int n);
/* The median of n values 0..255, or -1 when n is 0. */
int shot_median_of(const int *v, int n);
/* How many pixels of the rectangle are farther than dist from ref; *total
 * gets the number of pixels looked at. */
int shot_count_far(const struct shot *s, int x0, int y0, int x1, int y1, struct rgb ref, int dist, int *total);
int rgb_dist(struct rgb a, struct rgb b);

/* ==== the game window and the case runner (window.c) ===================== */

#define GUI_HOOK "pawnparty: "  /* the game's test hook lines start so */
#define GUI_SCREEN_W 1024
#define GUI_SCREEN_H 768
#define GUI_NOTICE_MS 4000      /* game/view.h VIEW_NOTICE_MS: join notices fade */

extern struct xvfb gui_x;   /* the case's X server */
extern char gui_art[512];   /* the case's artifact directory */

/* A per-child discovery port: 20000 + (our pid + 997 * n) % 20000. */
unsigned discovery_port_next(void);

/* The environment a game window runs with on gui_x: its DISPLAY, SDL's
 * software renderer on plain X11 (SDL_FRAMEBUFFER_ACCELERATION=0: SDL 2.26
 * would otherwise show the pixels through an OpenGL texture, Mesa's
 * llvmpipe, with two more threads and allocations LeakSanitizer cannot
 * place), no audio, the test hooks (PAWNPARTY_TEST_EVENTS=1), discovery on
 * loopback on a port of its own; for wine the Windows SDL's video driver
 * and no Wine debug output; then extra (NULL-terminated "KEY=VALUE", may
 * be NULL). The strings live in e; the result is e->v, for proc_spawn. */
struct gui_env {
    char display[64], port[64];
    char *v[24];
};
char *const *gui_env(struct gui_env *e, int wine, char *const *extra);

/* After a GUI program's options: 77 (with a SKIP line) when Xvfb, xdotool
 * or import is missing; it_init; SDL2_image for PNG (1 when it cannot).
 * Returns 0 when the cases can run. */
int gui_init(const char *prog);
/* check_run for GUI cases: each gets gui_art = ROOT/CASE (created), its
 * own watchdog, and gui_x stopped after it; the "ok" line says where the
 * artifacts are. Ends SDL2_image. Returns check_run's status. */
int gui_run(const struct check_case *cases, const char *only, const char *artifacts_root);

#endif
