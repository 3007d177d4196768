/*
 * The GUI test kit's game window (gui.h): starting `pawnparty` (or a
 * command that runs it) on the case's X server, waiting for its hook
 * lines, reading its layout, stopping it; a GUI host with an observer;
 * test clients that walk and chat; pictures of the window and the README
 * screenshots. guitest's cases are built on it.
 */
#include "gui.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *gui_game;
const char *gui_docs;
const char *gui_lsan;

const int step_dx[4] = {0, 0, -1, 1}, step_dy[4] = {-1, 1, 0, 0};


/* snprintf("%s") without the truncation warnings: cuts at cap - 1. */
void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* ==== the game process =================================================== */

/* LSAN_OPTIONS with the game's suppressions (tests/gui/lsan.supp: leaks
 * that system libraries keep for the whole process are not the game's). */
static const char *lsan_env(void)
{
    static char lsan[1024];
    const char *prev = getenv("LSAN_OPTIONS");
    if (gui_lsan)
        snprintf(lsan, sizeof lsan, "LSAN_OPTIONS=%s%ssuppressions=%s", prev ? prev : "", prev && *prev ? ":" : "",
                 gui_lsan);
    else
        snprintf(lsan, sizeof lsan, "LSAN_OPTIONS=%s", prev ? prev : "");
    return lsan;
}

int game_start_argv(struct game *g, const char *label, char *const *argv, char *const *extra)
{
    char *more[16];
    int n = 0;
    more[n++] = (char *)lsan_env();
    for (int i = 0; extra && extra[i] && n < 15; i++)
        more[n++] = extra[i];
    more[n] = NULL;
    struct gui_env env;
    memset(g, 0, sizeof *g);
    if (proc_spawn(&g->p, label, gui_art, argv, gui_env(&env, 0, more), 0) != 0)
        return -1;
    g->started = 1;
    char cmd[512] = "";
    size_t used = 0;
    for (int i = 0; argv[i] && used < sizeof cmd - 1; i++)
        used += (size_t)snprintf(cmd + used, sizeof cmd - used, "%s%s", i ? " " : "", argv[i]);
    check_note("%s: pid %d: %s", label, (int)g->p.pid, cmd);
    return 0;
}

/* The GUI environment (gui_env), with LeakSanitizer suppressions for
 * the game in sanitizer builds and extra_env (may be NULL). */
int game_start_env(struct game *g, const char *label, const char *const *args, const char *extra_env)
{
    static char extra[600];
    snprintf(extra, sizeof extra, "%s", extra_env ? extra_env : "");
    char *more[] = {extra_env ? extra : NULL, NULL};
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)gui_game;
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    return game_start_argv(g, label, argv, more);
}

int game_start(struct game *g, const char *label, const char *const *args)
{
    return game_start_env(g, label, args, NULL);
}

/* `pawnparty join 127.0.0.1:PORT --name NAME`; the case cannot go on
 * without it. */
void game_join(struct game *g, const char *label, uint16_t port, const char *name)
{
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)port);
    const char *args[] = {"join", addr, "--name", name, NULL};
    if (game_start(g, label, args) != 0)
        check_abort();
}

/* Why a wait failed, with what the game said. */
void game_explain(struct game *g, const char *what, int r, int timeout_ms)
{
    int code = proc_wait_exit(&g->p, 0);
    if (code >= 0)
        CHECK_FAIL("%s: %s; the game has exited with status %d", g->p.label, what, code);
    else if (r < 0)
        CHECK_FAIL("%s: %s; its stdout has ended", g->p.label, what);
    else
        CHECK_FAIL("%s: %s within %d ms", g->p.label, what, timeout_ms);
    proc_dump(&g->p, 40);
}

/* Waits for the next hook line starting with HOOK+prefix after g->cur. An
 * error hook on the way is shown (the likely reason for a timeout). */
int game_wait(struct game *g, const char *prefix, char *line, size_t cap, int timeout_ms)
{
    char want[128], tmp[1024];
    snprintf(want, sizeof want, HOOK "%s", prefix);
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        uint64_t now = sys_now_ms();
        int left = now >= end ? 0 : (int)(end - now);
        int r = proc_wait_line(&g->p, &g->cur, NULL, tmp, sizeof tmp, left);
        if (r <= 0) {
            char what[200];
            snprintf(what, sizeof what, "no \"%s\" line", want);
            game_explain(g, what, r, timeout_ms);
            return -1;
        }
        if (strncmp(tmp, want, strlen(want)) == 0) {
            if (line)
                copy_str(line, cap, tmp);
            return 0;
        }
        if (strncmp(tmp, HOOK "error", strlen(HOOK "error")) == 0 && strcmp(prefix, "error") != 0)
            check_note("%s said: %s (while waiting for \"%s\")", g->p.label, tmp, want);
    }
}

/* The next hook line starting with prefix from *cur on: 1 (and the line),
 * 0 on a timeout, -1 when the game's stdout has ended. No failure. */
int game_next(struct game *g, size_t *cur, const char *prefix, char *line, size_t cap, int timeout_ms)
{
    char want[128], tmp[1024];
    snprintf(want, sizeof want, HOOK "%s", prefix);
    int r = proc_wait_line(&g->p, cur, want, tmp, sizeof tmp, timeout_ms);
    if (r == 1 && line)
        copy_str(line, cap, tmp);
    return r;
}

void game_none_since(struct game *g, size_t from, const char *prefix, const char *why)
{
    char line[512];
    size_t cur = from;
    if (game_next(g, &cur, prefix, line, sizeof line, 0) == 1)
        CHECK_FAIL("%s: %s, yet the game said \"%s\"", g->p.label, why, line);
}

int parse_layout(const char *line, struct layout *l)
{
    memset(l, 0, sizeof *l);
    const char *p = strstr(line, "layout ");
    if (!p)
        return -1;
    if (sscanf(p, "layout board_x=%d board_y=%d cell=%d cols=%d rows=%d origin_x=%d origin_y=%d", &l->bx, &l->by,
               &l->cell, &l->cols, &l->rows, &l->ox, &l->oy) != 7)
        return -1;
    const char *t = strstr(p, " tag_h=");
    if (t)
        sscanf(t, " tag_h=%d chat_x=%d chat_y=%d chat_w=%d chat_h=%d notice_x=%d notice_y=%d notice_w=%d notice_h=%d",
               &l->tag_h, &l->chat_x, &l->chat_y, &l->chat_w, &l->chat_h, &l->notice_x, &l->notice_y, &l->notice_w,
               &l->notice_h);
    l->valid = l->cell > 0 && l->cols > 0 && l->rows > 0;
    return l->valid ? 0 : -1;
}

/* The layout in force: the last one printed. */
int game_layout(struct game *g, struct layout *l)
{
    char line[512];
    if (!proc_last_line(&g->p, HOOK "layout ", line, sizeof line)) {
        CHECK_FAIL("%s: no \"" HOOK "layout\" line so far", g->p.label);
        return -1;
    }
    if (parse_layout(line, l) != 0) {
        CHECK_FAIL("%s: cannot read the layout line \"%s\"", g->p.label, line);
        return -1;
    }
    return 0;
}


int game_wait_joined(struct game *g, struct joined *j)
{
    char line[512];
    if (game_wait(g, "joined ", line, sizeof line, it_ms(20000)) != 0)
        return -1;
    if (sscanf(line, HOOK "joined id=%u x=%u y=%u", &j->id, &j->x, &j->y) != 3) {
        CHECK_FAIL("%s: cannot read \"%s\"", g->p.label, line);
        return -1;
    }
    return 0;
}

/* `listening on ADDR:PORT` from a GUI host (not a hook: the same line as
 * the headless host prints). */
int game_wait_port(struct game *g, uint16_t *port)
{
    char tmp[512];
    size_t cur = 0;
    int r = proc_wait_line(&g->p, &cur, "listening on ", tmp, sizeof tmp, it_ms(20000));
    if (r != 1) {
        game_explain(g, "no \"listening on ADDR:PORT\" line", r, it_ms(20000));
        return -1;
    }
    const char *colon = strrchr(tmp, ':');
    long v = colon ? strtol(colon + 1, NULL, 10) : 0;
    if (v <= 0 || v > 65535) {
        CHECK_FAIL("%s: a listening line without a port: \"%s\"", g->p.label, tmp);
        return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

int game_window(struct game *g)
{
    return x_find_window(&gui_x, g->p.pid, &g->w, it_ms(20000));
}

/* SIGTERM must close the window cleanly: exit 0, no sanitizer report. */
void game_finish(struct game *g)
{
    if (!g->started)
        return;
    if (!proc_alive(&g->p)) {
        CHECK_FAIL("%s: the game quit on its own (status %d) before the case closed it", g->p.label,
                proc_wait_exit(&g->p, 0));
        proc_dump(&g->p, 30);
    } else {
        int code = proc_stop(&g->p, SIGTERM, it_ms(10000));
        if (code != 0) {
            CHECK_FAIL("%s: SIGTERM: expected exit status 0 within %d ms, got %s %d", g->p.label, it_ms(10000),
                    code < 0 ? "timeout (killed)" : "status", code);
            proc_dump(&g->p, 30);
        }
    }
    if (proc_sanitizer_report(&g->p))
        CHECK_FAIL("%s: its stderr has a sanitizer report", g->p.label);
    proc_cleanup(&g->p);
    g->started = 0;
}

/* Waits for a frame line after `from`, then for the frames to settle. */
int game_wait_frame_after(struct game *g, size_t from, const char *why)
{
    size_t cur = from;
    char line[256];
    int r = proc_wait_line(&g->p, &cur, HOOK "frame", line, sizeof line, it_ms(10000));
    if (r != 1) {
        char what[200];
        snprintf(what, sizeof what, "no \"" HOOK "frame\" line after %s", why);
        game_explain(g, what, r, it_ms(10000));
        return -1;
    }
    proc_wait_quiet(&g->p, HOOK "frame", it_ms(300), it_ms(3000));
    return 0;
}

/* The last screen the window reported. */
int last_screen(struct game *g, char *out, size_t cap)
{
    char line[256];
    if (!proc_last_line(&g->p, HOOK "screen ", line, sizeof line))
        return -1;
    copy_str(out, cap, line + strlen(HOOK "screen "));
    return 0;
}

/* Waits until the last screen the window reported is `name`. */
int game_wait_screen(struct game *g, const char *name, int timeout_ms)
{
    char scr[64] = "";
    uint64_t end = sys_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        if (last_screen(g, scr, sizeof scr) == 0 && strcmp(scr, name) == 0)
            return 0;
        if (sys_now_ms() >= end || !proc_alive(&g->p))
            break;
        sys_sleep_ms(20);
    }
    CHECK_FAIL("%s: the last screen it reported is \"%s\", expected \"%s\" within %d ms%s", g->p.label, scr, name,
            timeout_ms, proc_alive(&g->p) ? "" : " (it has exited)");
    proc_dump(&g->p, 20);
    return -1;
}

/* ==== starting things ==================================================== */

void start_x(void)
{
    if (xvfb_start(&gui_x, gui_art, GUI_SCREEN_W, GUI_SCREEN_H) != 0)
        check_abort();
}

/* A headless host from the harness, with a discovery port of its own. */
void start_headless_opts(struct hp *h, const char *const *extra)
{
    char port[16];
    snprintf(port, sizeof port, "%u", discovery_port_next());
    setenv("PAWNPARTY_DISCOVERY_PORT", port, 1);
    hp_start_or_abort(h, extra);
}

void start_headless(struct hp *h)
{
    start_headless_opts(h, NULL);
}

void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = a ? fopen(to, "wb") : NULL;
    char buf[65536];
    size_t n;
    if (a && b)
        while ((n = fread(buf, 1, sizeof buf, a)) > 0)
            fwrite(buf, 1, n, b);
    if (a)
        fclose(a);
    if (b) {
        fclose(b);
        check_note("copied %s to %s", from, to);
    } else {
        CHECK_FAIL("cannot copy %s to %s", from, to);
    }
}

void to_docs(const char *name)
{
    if (!gui_docs || check_failures)
        return;
    char from[600], to[600];
    snprintf(from, sizeof from, "%s/%s.png", gui_art, name);
    snprintf(to, sizeof to, "%s/%s.png", gui_docs, name);
    proc_mkdir_p(gui_docs);
    copy_file(from, to);
}

/* ==== a GUI host with an observer ======================================= */

/* Join notices are shown for GUI_NOTICE_MS (game/view.h VIEW_NOTICE_MS),
 * in a strip above the board; a picture meant for the README waits them
 * out. Not an assertion: shoot_and_check waits for the right picture. */
void wait_notices_gone(uint64_t last_join_ms)
{
    uint64_t gone = last_join_ms + GUI_NOTICE_MS + 300;
    uint64_t now = sys_now_ms();
    if (now < gone)
        sys_sleep_ms((unsigned)(gone - now));
}

/* Starts `pawnparty host --name HostPlayer --port 0` (with extra_env, may
 * be NULL) and logs in a client that watches; both must agree on where the
 * host player stands. */
void hosted_start_env(struct hosted *h, const char *obs_name, const char *extra_env)
{
    const char *args[] = {"host", "--name", "HostPlayer", "--port", "0", NULL};
    memset(h, 0, sizeof *h);
    if (game_start_env(&h->g, "gui-host", args, extra_env) != 0)
        check_abort();
    if (game_wait_port(&h->g, &h->port) != 0 || game_wait_joined(&h->g, &h->me) != 0 || game_window(&h->g) != 0)
        check_abort();
    check_note("GUI host on port %u; host player id %u at (%u,%u); window %dx%d at %d,%d", (unsigned)h->port, h->me.id,
            h->me.x, h->me.y, h->g.w.w, h->g.w.h, h->g.w.x, h->g.w.y);
    if (obs_name) {
        h->obs = tc_join(h->port, obs_name);
        h->obs_joined_ms = sys_now_ms();
        tc_require_count(&h->obs, 1, 2, "the observer");
        h->me_seen = tc_find_name(h->obs, "HostPlayer");
        if (!h->me_seen) {
            CHECK_FAIL("client %s does not see \"HostPlayer\"", obs_name);
            check_abort();
        }
        if (h->me_seen->id != h->me.id || h->me_seen->x != h->me.x || h->me_seen->y != h->me.y)
            CHECK_FAIL("the window says the host player is id %u at (%u,%u), client %s sees id %u at (%u,%u)", h->me.id,
                    h->me.x, h->me.y, obs_name, h->me_seen->id, h->me_seen->x, h->me_seen->y);
    }
}

void hosted_start(struct hosted *h, const char *obs_name)
{
    hosted_start_env(h, obs_name, NULL);
}

/* How a hosted case opens: the X server, the GUI host (and its observer,
 * unless obs_name is NULL), the layout the window drew. */
void hosted_open(struct hosted *h, const char *obs_name, struct layout *l)
{
    start_x();
    hosted_start(h, obs_name);
    if (game_layout(&h->g, l) != 0)
        check_abort();
}

/* And how it closes: the window quits cleanly, the observer goes. */
void hosted_close(struct hosted *h)
{
    game_finish(&h->g);
    tc_free(h->obs);
    xvfb_stop(&gui_x);
}


/* ==== test clients that walk and talk ==================================== */

/* The first step of a shortest path from (sx,sy) to (tx,ty) around the
 * squares in blocked (w*h), or -1 when there is none. */
int path_dir(int w, int h, const uint8_t *blocked, int sx, int sy, int tx, int ty)
{
    int *dist = malloc(sizeof(int) * (size_t)(w * h)), *queue = malloc(sizeof(int) * (size_t)(w * h));
    int dir = -1;
    if (!dist || !queue)
        goto out;
    for (int i = 0; i < w * h; i++)
        dist[i] = -1;
    int head = 0, tail = 0;
    dist[ty * w + tx] = 0;
    queue[tail++] = ty * w + tx;
    while (head < tail) {
        int q = queue[head++], qx = q % w, qy = q / w;
        for (int d = 0; d < 4; d++) {
            int nx = qx + step_dx[d], ny = qy + step_dy[d];
            if (nx < 0 || ny < 0 || nx >= w || ny >= h || dist[ny * w + nx] >= 0)
                continue;
            if (blocked[ny * w + nx] && !(nx == sx && ny == sy))
                continue;
            dist[ny * w + nx] = dist[q] + 1;
            queue[tail++] = ny * w + nx;
        }
    }
    if (dist[sy * w + sx] > 0)
        for (int d = 0; d < 4 && dir < 0; d++) {
            int nx = sx + step_dx[d], ny = sy + step_dy[d];
            if (nx >= 0 && ny >= 0 && nx < w && ny < h && dist[ny * w + nx] == dist[sy * w + sx] - 1 &&
                !blocked[ny * w + nx])
                dir = d;
        }
out:
    free(dist);
    free(queue);
    return dir;
}


void mark_blocked(void *ctx, const struct mirror_player *p)
{
    struct blocked_ctx *k = ctx;
    if (p->id != k->self)
        k->b[p->y * k->w + p->x] = 1;
}

/* Walks client c to (tx,ty) one CS_MOVE at a time, each echoed on the
 * square the path says. Its mirror may lag a little behind another
 * client's last steps (their positions can still be on the wire), so a
 * refused step is re-planned after reading what has come in, a few times
 * before it counts as a failure. */
int walk_client(struct tc *c, int tx, int ty)
{
    int w = c->m.board_w, h = c->m.board_h;
    uint8_t *blocked = calloc((size_t)(w * h), 1);
    REQUIRE(blocked != NULL);
    int r = -1, refused = 0;
    for (int steps = 0; steps <= w * h; steps++) {
        const struct mirror_player *me = tc_self(c);
        if (!me)
            break;
        int x = me->x, y = me->y;
        if (x == tx && y == ty) {
            r = 0;
            break;
        }
        memset(blocked, 0, (size_t)(w * h));
        struct blocked_ctx k = {blocked, w, c->m.my_id};
        mirror_each(&c->m, mark_blocked, &k);
        int d = path_dir(w, h, blocked, x, y, tx, ty);
        if (d < 0) {
            CHECK_FAIL("client %s: no free path from (%d,%d) to (%d,%d)", c->label, x, y, tx, ty);
            break;
        }
        uint32_t seq = tc_move(c, (uint8_t)d);
        if (seq == 0 || tc_wait_echo(c, seq, it_ms(5000)) != 1) {
            CHECK_FAIL("client %s: no echo for a move from (%d,%d)", c->label, x, y);
            break;
        }
        me = tc_self(c);
        if (me && (me->x != x + step_dx[d] || me->y != y + step_dy[d]) && ++refused <= 5) {
            sys_sleep_ms(50);
            tc_drain(c);
            continue;
        }
        if (!me || me->x != x + step_dx[d] || me->y != y + step_dy[d]) {
            CHECK_FAIL("client %s: a move from (%d,%d) to (%d,%d) was refused %d times", c->label, x, y,
                    x + step_dx[d], y + step_dy[d], refused);
            break;
        }
    }
    free(blocked);
    return r;
}


int pred_own_chat(const struct proto_msg *m, void *ctx)
{
    const struct chat_pred *k = ctx;
    return m->type == SC_CHAT && m->u.chat.id == k->id && strcmp(m->u.chat.text, k->text) == 0;
}

void say_and_hear(struct tc *c, const char *text)
{
    struct chat_pred k = {c->m.my_id, text};
    if (tc_chat(c, text) != 0 || tc_expect_match(c, pred_own_chat, &k, it_ms(5000), NULL) != 1)
        CHECK_FAIL("client %s: its chat \"%s\" did not come back within %d ms", c->label, text, it_ms(5000));
}

/* Apart: neither piece is in the other's 3x3 neighbourhood, so no tag
 * strip or tag-side square holds another piece or tag. */
int apart(int ax, int ay, int bx, int by)
{
    return abs(ax - bx) > 1 || abs(ay - by) > 1;
}
/* ==== errors and pictures of the window =================================== */

int file_has(const char *path, const char *needle)
{
    char *text = proc_read_file(path);
    int has = text && strstr(text, needle) != NULL;
    free(text);
    return has;
}

/* The error line (its message also on stderr), then still running a
 * moment later (a GUI does not quit on a failure). Returns 0 with the
 * line in out. */
int expect_error_alive(struct game *g, char *out, size_t cap, const char *when)
{
    if (game_wait(g, "error", out, cap, it_ms(15000)) != 0) {
        CHECK_FAIL("%s: no \"" HOOK "error ...\" line", when);
        return -1;
    }
    check_note("%s: %s", when, out);
    const char *msg = out + strlen(HOOK "error");
    while (*msg == ' ')
        msg++;
    if (!*msg)
        CHECK_FAIL("%s: the error line has no message", when);
    else if (!file_has(g->p.err_path, msg))
        CHECK_FAIL("%s: stderr (%s) does not have the message \"%s\"", when, g->p.err_path, msg);
    if (proc_wait_exit(&g->p, it_ms(1000)) >= 0) {
        CHECK_FAIL("%s: the window quit (status %d) after the error; it should stay open", when,
                proc_wait_exit(&g->p, 0));
        proc_dump(&g->p, 20);
        return -1;
    }
    return 0;
}

/* A window picture minus a reference picture of the same window size:
 * pixels that differ clearly, and their bounding box. */
int picture_diff(const struct shot *a, const struct shot *b, int *bx0, int *by0, int *bx1, int *by1)
{
    int n = 0;
    *bx0 = *by0 = 1 << 30;
    *bx1 = *by1 = -1;
    if (a->ww != b->ww || a->wh != b->wh)
        return -1;
    for (int y = 0; y < a->wh; y++)
        for (int x = 0; x < a->ww; x++)
            if (rgb_dist(shot_at(a, x, y), shot_at(b, x, y)) > FAR) {
                n++;
                if (x < *bx0)
                    *bx0 = x;
                if (y < *by0)
                    *by0 = y;
                if (x > *bx1)
                    *bx1 = x;
                if (y > *by1)
                    *by1 = y;
            }
    return n;
}

/* The window once its hook lines have settled, the pointer parked:
 * NAME.root.png (the X screen) and NAME.png (the window) in the
 * artifacts. 0 with *s (the caller frees it), or -1. */
int window_picture(struct game *g, const char *name, struct shot *s)
{
    char path[600];
    if (game_window(g) != 0)
        return -1;
    proc_wait_quiet(&g->p, HOOK, it_ms(500), it_ms(3000));
    x_park_pointer(&gui_x, &g->w);
    snprintf(path, sizeof path, "%s/%s.root.png", gui_art, name);
    if (shot_take(&gui_x, &g->w, path, s) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s.png", gui_art, name);
    shot_save_window(s, path);
    return 0;
}

