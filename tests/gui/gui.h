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
/* Focuses the window and types text (xdotool type: any Unicode). */
int x_type(struct xvfb *x, const struct xwin *w, const char *text);
/* Moves the pointer to window coordinates and turns the wheel n notches:
 * up (away from the user) for n > 0, down for n < 0. */
int x_wheel(struct xvfb *x, const struct xwin *w, int wx, int wy, int n);
/* Finds a visible window whose title starts with title (any process: a
 * message box has no _NET_WM_PID). 0, or -1 on timeout (no failure
 * reported: the caller says what it expected). */
int x_find_titled(struct xvfb *x, const char *title, struct xwin *w, int timeout_ms);
/* 1 while window id (as xdotool prints it) is mapped and visible. */
int x_window_visible(struct xvfb *x, const char *pidbuf);

/* The X clipboard, through SDL's video subsystem in the test process (a
 * client of x like the game): what the game copied, and text for the game
 * to paste. x_clip_set owns the selection: keep calling x_clip_pump (every
 * few ms) while the game pastes, so that its request is answered. SDL is
 * started on the first call and stopped by x_clip_close (gui_run calls it
 * after every case). Return 0 or -1 (with a failure). */
int x_clip_get(struct xvfb *x, char *out, size_t cap);
int x_clip_set(struct xvfb *x, const char *text);
void x_clip_pump(void);
void x_clip_close(void);

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
/* A message box (the window box on gui_x): takes its screenshot, saves it
 * as gui_art/NAME.png and fails unless it shows something (300 pixels or
 * more that differ from its background). */
void shot_check_box(const struct xwin *box, const char *name);

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
 * loopback on a port of its own; a preferences directory of its own
 * (XDG_DATA_HOME and HOME in the case's artifacts: the real user's
 * settings are never read or written); the resolver guard (gui_preload,
 * with PAWN_RESOLVE_LOG in the artifacts); for wine the Windows SDL's
 * video driver and no Wine debug output (and no guard: Wine's loader);
 * then extra (NULL-terminated "KEY=VALUE", may be NULL), which wins over
 * any of these. The strings live in e; the result is e->v, for
 * proc_spawn. */
struct gui_env {
    char display[64], port[64], xdg[600], home[600], preload[600], resolve_log[600], asan[600];
    char *v[32];
};
char *const *gui_env(struct gui_env *e, int wine, char *const *extra);

/* The resolver guard, tests/gui/noresolve.c (--preload; NULL: none). */
extern const char *gui_preload;
/* The names the case's game windows asked the resolver for (the guard's
 * log), NUL-separated lines in a malloc'd string, or NULL when none. */
char *gui_resolved(void);

/* ==== the game window (game.c) =========================================== */

#define HOOK GUI_HOOK
#define FAR 60     /* "clearly different" from a board colour */
#define TAG_MIN 30 /* text pixels a name tag has at least */

extern const char *gui_game; /* the native pawnparty (--game) */
extern const char *gui_docs; /* --docs: README screenshots go there, or NULL */
extern const char *gui_lsan; /* LeakSanitizer suppressions for the game, or NULL */

/* A step in each protocol direction: DIR_UP, DIR_DOWN, DIR_LEFT, DIR_RIGHT. */
extern const int step_dx[4], step_dy[4];

/* The game's layout line: the board, the tag band, the chat card. */
struct layout {
    int valid;
    int bx, by, cell, cols, rows, ox, oy;
    int tag_h;                      /* 0 from a game that does not say */
    int chat_x, chat_y, chat_w, chat_h;
    int notice_x, notice_y, notice_w, notice_h;
};

struct game {
    struct proc p;
    struct xwin w;
    size_t cur; /* hook lines before this were looked at */
    int started;
};

struct joined {
    unsigned id, x, y;
};

/* snprintf("%s") without the truncation warnings: cuts at cap - 1. */
void copy_str(char *dst, size_t cap, const char *src);
/* `pawnparty ARGS...` in the GUI environment (gui_env) plus extra_env
 * (one "KEY=VALUE", may be NULL). 0 or -1. */
int game_start_env(struct game *g, const char *label, const char *const *args, const char *extra_env);
int game_start(struct game *g, const char *label, const char *const *args);
/* argv as given (a command that runs the game: `ip netns exec NS PATH ...`,
 * or a copy of the game), the GUI environment plus extra (NULL-ended "KEY=VALUE"
 * strings, may be NULL). 0 or -1. */
int game_start_argv(struct game *g, const char *label, char *const *argv, char *const *extra);
/* `pawnparty join 127.0.0.1:PORT --name NAME`; the case cannot go on
 * without it. */
void game_join(struct game *g, const char *label, uint16_t port, const char *name);
void game_explain(struct game *g, const char *what, int r, int timeout_ms);
/* Waits for the next hook line starting with HOOK+prefix after g->cur
 * (and moves g->cur past it). 0 with the line, or -1 (a failure). */
int game_wait(struct game *g, const char *prefix, char *line, size_t cap, int timeout_ms);
/* The same from *cur on, without failing on a timeout: 1, 0 timeout, -1
 * ended. */
int game_next(struct game *g, size_t *cur, const char *prefix, char *line, size_t cap, int timeout_ms);
int parse_layout(const char *line, struct layout *l);
int game_layout(struct game *g, struct layout *l);
int game_wait_joined(struct game *g, struct joined *j);
int game_wait_port(struct game *g, uint16_t *port);
int game_window(struct game *g);
/* SIGTERM must close the window cleanly: exit 0, no sanitizer report. */
void game_finish(struct game *g);
int game_wait_frame_after(struct game *g, size_t from, const char *why);
int last_screen(struct game *g, char *out, size_t cap);
int game_wait_screen(struct game *g, const char *name, int timeout_ms);
/* Fails when a hook line starting with prefix came after cursor from. */
void game_none_since(struct game *g, size_t from, const char *prefix, const char *why);

void start_x(void);
/* A headless host from the harness, with a discovery port of its own and
 * extra options (NULL-ended, may be NULL). */
void start_headless(struct hp *h);
void start_headless_opts(struct hp *h, const char *const *extra);

void copy_file(const char *from, const char *to);
/* Copies the case's NAME.png to the README screenshots (--docs). */
void to_docs(const char *name);

/* A GUI host (`pawnparty host --name HostPlayer --port 0`) and a client
 * that watches. */
struct hosted {
    struct game g;
    uint16_t port;
    struct joined me;
    struct tc *obs;
    uint64_t obs_joined_ms; /* its join notice goes 4 s later */
    const struct mirror_player *me_seen;
};
void wait_notices_gone(uint64_t last_join_ms);
void hosted_start(struct hosted *h, const char *obs_name);
void hosted_start_env(struct hosted *h, const char *obs_name, const char *extra_env);
void hosted_open(struct hosted *h, const char *obs_name, struct layout *l);
void hosted_close(struct hosted *h);

/* Test clients that walk to a square, around the others. */
struct blocked_ctx {
    uint8_t *b;
    int w;
    uint32_t self;
};
int path_dir(int w, int h, const uint8_t *blocked, int sx, int sy, int tx, int ty);
void mark_blocked(void *ctx, const struct mirror_player *p);
int walk_client(struct tc *c, int tx, int ty);
struct chat_pred {
    uint32_t id;
    const char *text;
};
int pred_own_chat(const struct proto_msg *m, void *ctx);
void say_and_hear(struct tc *c, const char *text);
/* Neither square is in the other's 3x3 neighbourhood. */
int apart(int ax, int ay, int bx, int by);

int file_has(const char *path, const char *needle);
/* The error line (its message also on stderr), then still running a
 * moment later. 0 with the line in out. */
int expect_error_alive(struct game *g, char *out, size_t cap, const char *when);
/* Pixels that differ clearly between two pictures of one window size, and
 * their bounding box; -1 for different sizes. */
int picture_diff(const struct shot *a, const struct shot *b, int *bx0, int *by0, int *bx1, int *by1);
/* The window once its hook lines have settled, the pointer parked:
 * NAME.root.png and NAME.png in the artifacts. 0 with *s, or -1. */
int window_picture(struct game *g, const char *name, struct shot *s);

/* ==== the board in a screenshot (look.c) ================================= */

struct piece {
    int x, y; /* board square */
    char name[PROTO_NAME_LEN];
};

/* The board's two colours, measured on free squares. */
struct board_look {
    struct rgb col[2]; /* [(x + y) & 1] */
    int measured;      /* col is known (the other checks can run) */
};

int sq_visible(const struct layout *l, int x, int y);
void sq_rect(const struct layout *l, int x, int y, int *x0, int *y0);
void sq_centre(const struct layout *l, int x, int y, int *cx, int *cy);
int occupied(const struct piece *p, int n, int x, int y);
int near_tag(const struct piece *p, int n, int x, int y);
struct rgb sq_sample(const struct shot *s, const struct layout *l, int x, int y);
int check_board(const struct shot *s, const struct layout *l, const struct piece *p, int n, struct board_look *bl,
                int report);
struct rgb sq_background(const struct shot *s, const struct layout *l, int x, int y);
int piece_permille(const struct shot *s, const struct layout *l, int x, int y, struct rgb *bg);
int check_pieces(const struct shot *s, const struct layout *l, const struct board_look *bl, const struct piece *p,
                 int n, int report);
int tag_pixels(const struct shot *s, const struct layout *l, int x, int y, int *looked);
int control_square(const struct layout *l, const struct piece *p, int n, int x, int y);
int check_tags(const struct shot *s, const struct layout *l, const struct board_look *bl, const struct piece *p, int n,
               int report);
/* Screenshot and check (board, pieces, tags) until right or out of time;
 * the last try reports. NAME.png in the artifacts. 0 or -1. */
int shoot_and_check(struct game *g, const char *name, const struct piece *p, int n, int want_board, int want_tags);

/* After a GUI program's options: 77 (with a SKIP line) when Xvfb, xdotool
 * or import is missing; it_init; SDL2_image for PNG (1 when it cannot).
 * Returns 0 when the cases can run. */
int gui_init(const char *prog);
/* check_run for GUI cases: each gets gui_art = ROOT/CASE (created), its
 * own watchdog, and gui_x stopped after it; the "ok" line says where the
 * artifacts are. Ends SDL2_image. Returns check_run's status. */
int gui_run(const struct check_case *cases, const char *only, const char *artifacts_root);

#endif
