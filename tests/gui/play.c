/*
 * GUI cases of the game screen (issue 9, and the window's side of issue
 * 10).
 *
 *   chat_scroll      a burst of eight joins is one line ("8 players
 *                    joined"); 210 chat lines, then the wheel and PgUp
 *                    reach the oldest of the 200 kept; a line that comes
 *                    while scrolled up shows the marker; End goes back
 *   nothing_covered  two pieces one above the other: the upper one's
 *                    square is the same pixels with and without the lower
 *                    one (its tag covers nothing); a join notice, while it
 *                    shows, leaves every piece and free square as it was
 *                    (a piece stands where notices used to stack)
 *   sound            SDL's disk audio driver: a move writes non-silent
 *                    samples, idle and muted runs write silence, and the
 *                    mute is remembered by the next run
 *   flood            a fake host (this test) sends 150,000 chat lines (then
 *                    150,000 joins and leaves) as fast as the socket takes
 *                    them and closes: the window is back in the lobby
 *                    within 10 s of the close; under
 *                    an endless flood it answers Esc at once and exits 0
 *                    within 5 s of SIGTERM
 *
 * Every square is chosen from where the host put everyone (spawns are
 * random): the clients walk there first.
 */
#include "gui.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cases.h"

/* ==== chat_scroll ======================================================== */

struct chat_view {
    int newest, oldest, n, unseen;
};

static int parse_chat(const char *line, struct chat_view *c)
{
    const char *p = strstr(line, "chat shown=");
    return p && sscanf(p, "chat shown=%d..%d of %d new=%d", &c->newest, &c->oldest, &c->n, &c->unseen) == 4 ? 0 : -1;
}

/* The chat as the window last said it is shown, after a moment's quiet. */
static int chat_now(struct game *g, struct chat_view *c)
{
    char line[256];
    proc_wait_quiet(&g->p, HOOK "chat", it_ms(300), it_ms(3000));
    if (!proc_last_line(&g->p, HOOK "chat shown=", line, sizeof line) || parse_chat(line, c) != 0) {
        CHECK_FAIL("%s: no \"chat shown=\" line", g->p.label);
        return -1;
    }
    return 0;
}

/* Pixels close to the marker's blue (UI_ACCENT) in the chat card's foot. */
static int marker_pixels(const struct shot *s, const struct layout *l)
{
    int n = 0;
    struct rgb accent = {76, 141, 246};
    for (int y = l->chat_y + l->chat_h * 2 / 3; y < l->chat_y + l->chat_h; y++)
        for (int x = l->chat_x; x < l->chat_x + l->chat_w; x++)
            n += rgb_dist(shot_at(s, x, y), accent) < 30;
    return n;
}

void case_chat_scroll(void)
{
    struct hosted h;
    struct layout l;
    hosted_open(&h, "Talker", &l);
    size_t cur = proc_cursor(&h.g.p);
    /* A burst: eight joins, well after Talker's (which must not fold in). */
    sys_sleep_ms(2300);
    static const char *const names[8] = {"Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal"};
    struct tc *c[8];
    for (int i = 0; i < 8; i++)
        c[i] = tc_join(h.port, names[i]);
    expect_hook(&h.g, &cur, "notice 8 players joined", NULL, 0, it_ms(10000), "a burst of eight joins");

    /* 210 lines: the window keeps the newest 200. */
    for (int i = 0; i < 209; i++) {
        char t[32];
        snprintf(t, sizeof t, "line %03d", i);
        tc_chat(h.obs, t);
        if (i % 50 == 49)
            tc_drain(h.obs);
    }
    say_and_hear(h.obs, "line 209");
    struct chat_view cv;
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(10000);
    do
        chat_now(&h.g, &cv);
    while ((cv.n != 200 || cv.newest != 0) && sys_now_ms() < end);
    check_note("after 210 lines: lines %d..%d of %d shown, %d new", cv.newest, cv.oldest, cv.n, cv.unseen);
    if (cv.n != 200 || cv.newest != 0)
        CHECK_FAIL("the chat should keep 200 lines and show the newest: %d..%d of %d", cv.newest, cv.oldest, cv.n);
    if (game_layout(&h.g, &l) != 0 || l.chat_w <= 0)
        check_abort();

    /* The wheel over the chat: three lines a notch. */
    x_wheel(&gui_x, &h.g.w, l.chat_x + l.chat_w / 2, l.chat_y + l.chat_h / 2, 2);
    chat_now(&h.g, &cv);
    if (cv.newest != 6)
        CHECK_FAIL("two wheel notches up: the newest line shown is %d lines back, expected 6", cv.newest);
    /* PgUp a page at a time, to the oldest line kept. */
    int presses = 0;
    while (cv.oldest < cv.n - 1 && presses < 100) {
        int was = cv.newest;
        keys(&h.g, "Prior");
        presses++;
        chat_now(&h.g, &cv);
        if (cv.newest <= was) {
            CHECK_FAIL("PgUp did not scroll back: %d..%d", cv.newest, cv.oldest);
            break;
        }
    }
    check_note("%d PgUp presses: lines %d..%d of %d shown", presses, cv.newest, cv.oldest, cv.n);
    if (cv.oldest != cv.n - 1)
        CHECK_FAIL("the oldest of the %d lines was not reached (shown %d..%d)", cv.n, cv.newest, cv.oldest);
    struct shot s0, s1;
    int have0 = window_picture(&h.g, "chat-scrolled", &s0) == 0;

    /* A new line while scrolled up: the view stays, a marker counts it. */
    int was = cv.newest;
    say_and_hear(h.obs, "are you still there?");
    end = sys_now_ms() + (uint64_t)it_ms(5000);
    do
        chat_now(&h.g, &cv);
    while (cv.unseen != 1 && sys_now_ms() < end);
    if (cv.unseen != 1)
        CHECK_FAIL("a line while scrolled up: the window counts %d new, expected 1", cv.unseen);
    if (cv.newest != was + 1)
        CHECK_FAIL("a line while scrolled up moved the view: newest shown %d back, expected %d", cv.newest, was + 1);
    if (window_picture(&h.g, "chat-marker", &s1) == 0) {
        int before = have0 ? marker_pixels(&s0, &l) : 0, after = marker_pixels(&s1, &l);
        check_note("the marker's blue in the chat's foot: %d pixels before the line, %d after", before, after);
        if (after < 200 || after < before + 200)
            CHECK_FAIL("no \"new message\" marker in the chat (%d blue pixels, %d before)", after, before);
        else
            to_docs("chat-marker");
        shot_free(&s1);
    }
    if (have0)
        shot_free(&s0);
    keys(&h.g, "End");
    chat_now(&h.g, &cv);
    if (cv.newest != 0 || cv.unseen != 0)
        CHECK_FAIL("End: shown %d..%d with %d new, expected the newest and no marker", cv.newest, cv.oldest,
                   cv.unseen);
    for (int i = 0; i < 8; i++)
        tc_free(c[i]);
    hosted_close(&h);
}

/* ==== nothing_covered ==================================================== */

/* Nobody stands on (x, y), as client c sees the board. */
static int free_sq(struct tc *c, int x, int y)
{
    uint8_t taken[64 * 64];
    memset(taken, 0, sizeof taken);
    struct blocked_ctx k = {taken, c->m.board_w, 0};
    mirror_each(&c->m, mark_blocked, &k);
    return !taken[y * c->m.board_w + x];
}

/* Pixels that differ between two pictures in square (x, y). */
static int square_diff(const struct shot *a, const struct shot *b, const struct layout *l, int x, int y)
{
    int x0, y0, n = 0;
    sq_rect(l, x, y, &x0, &y0);
    for (int yy = y0; yy < y0 + l->cell; yy++)
        for (int xx = x0; xx < x0 + l->cell; xx++)
            n += rgb_dist(shot_at(a, xx, yy), shot_at(b, xx, yy)) > 24;
    return n;
}

static struct piece piece_of(struct tc *c, const char *name)
{
    struct piece p;
    memset(&p, 0, sizeof p);
    const struct mirror_player *m = tc_find_name(c, name);
    REQUIRE(m != NULL);
    p.x = m->x;
    p.y = m->y;
    snprintf(p.name, sizeof p.name, "%s", name);
    return p;
}

void case_nothing_covered(void)
{
    struct hosted h;
    struct layout l;
    hosted_open(&h, NULL, &l);
    struct tc *cl[2] = {tc_join(h.port, "Above"), tc_join(h.port, "Below")};
    tc_require_count(cl, 2, 3, "two clients in");
    int hx = (int)h.me.x, hy = (int)h.me.y, ax = -1, ay = -1;
    /* A column pair (x,y) over (x,y+1), both free and apart from the host
     * player, away from the bottom row (a notice test goes there). */
    for (int y = 1; y + 1 <= l.rows - 3 && ax < 0; y++)
        for (int x = 0; x < l.cols && ax < 0; x++)
            if (apart(x, y, hx, hy) && apart(x, y + 1, hx, hy) && free_sq(cl[0], x, y) && free_sq(cl[0], x, y + 1)) {
                ax = x;
                ay = y;
            }
    REQUIRE(ax >= 0);
    check_note("Above goes to (%d,%d), Below to (%d,%d); the host player is at (%d,%d)", ax, ay, ax, ay + 1, hx, hy);
    size_t from = proc_cursor(&h.g.p);
    if (walk_client(cl[0], ax, ay) != 0 || walk_client(cl[1], ax, ay + 1) != 0)
        check_abort();
    tc_drain(cl[0]);
    if (game_wait_frame_after(&h.g, from, "the walks") != 0)
        check_abort();
    struct piece p[4];
    p[0] = piece_of(cl[0], "HostPlayer");
    p[1] = piece_of(cl[0], "Above");
    p[2] = piece_of(cl[0], "Below");
    if (shoot_and_check(&h.g, "stacked", p, 3, 1, 1) != 0)
        check_abort();
    struct shot s1, s2;
    if (window_picture(&h.g, "stacked", &s1) != 0)
        check_abort();

    /* Below walks away, to where notices used to stack (the bottom row's
     * middle) if it can. */
    int tx = -1, ty = -1;
    static const int bottom[] = {3, 4, 2, 5};
    for (int i = 0; i < 4 && tx < 0; i++)
        if (apart(bottom[i], l.rows - 1, hx, hy) && apart(bottom[i], l.rows - 1, ax, ay) &&
            free_sq(cl[0], bottom[i], l.rows - 1)) {
            tx = bottom[i];
            ty = l.rows - 1;
        }
    for (int y = l.rows - 1; y >= 0 && tx < 0; y--)
        for (int x = 0; x < l.cols && tx < 0; x++)
            if (apart(x, y, hx, hy) && apart(x, y, ax, ay) && free_sq(cl[0], x, y)) {
                tx = x;
                ty = y;
            }
    REQUIRE(tx >= 0);
    from = proc_cursor(&h.g.p);
    if (walk_client(cl[1], tx, ty) != 0)
        check_abort();
    tc_drain(cl[0]);
    if (game_wait_frame_after(&h.g, from, "Below walking away") != 0)
        check_abort();
    proc_wait_quiet(&h.g.p, HOOK, it_ms(500), it_ms(3000));
    if (window_picture(&h.g, "unstacked", &s2) == 0) {
        int d = square_diff(&s1, &s2, &l, ax, ay);
        check_note("Above's square (%d,%d): %d pixels differ with Below under it and without", ax, ay, d);
        if (d > 20)
            CHECK_FAIL("the piece above another is drawn differently when one stands below it (%d pixels of its "
                       "square differ): the lower piece's tag covers it (see stacked.png, unstacked.png)",
                       d);
        shot_free(&s2);
    }
    shot_free(&s1);

    /* A join notice: while it shows, every piece is seen whole and every
     * free square is bare; the notice is in its strip above the board. */
    p[2] = piece_of(cl[0], "Below");
    size_t cur = proc_cursor(&h.g.p);
    struct tc *late = tc_join(h.port, "Newcomer");
    char line[256];
    if (expect_hook(&h.g, &cur, "notice Newcomer joined", line, sizeof line, it_ms(5000), "a join") == 0) {
        uint64_t shown = sys_now_ms();
        tc_drain(cl[0]);
        p[3] = piece_of(cl[0], "Newcomer");
        int ok = 0;
        for (int attempt = 0; !ok && sys_now_ms() - shown < (uint64_t)it_ms(2500); attempt++) {
            struct shot s;
            char root[600];
            snprintf(root, sizeof root, "%s/notice.root.png", gui_art);
            x_park_pointer(&gui_x, &h.g.w);
            if (shot_take(&gui_x, &h.g.w, root, &s) != 0)
                break;
            struct board_look bl;
            int problems = check_board(&s, &l, p, 4, &bl, 0);
            problems += bl.measured ? check_pieces(&s, &l, &bl, p, 4, 0) : 1;
            /* The notice strip above the board (the layout line's). */
            int strip_total = 0;
            struct rgb bg = shot_at(&s, l.notice_x + 1, l.notice_y + 1);
            int strip = shot_count_far(&s, l.notice_x, l.notice_y, l.notice_x + l.notice_w, l.notice_y + l.notice_h,
                                       bg, 60, &strip_total);
            check_note("with the notice up (attempt %d, %llu ms after it): %d board problems; %d notice pixels in "
                       "the strip above the board",
                       attempt + 1, (unsigned long long)(sys_now_ms() - shown), problems, strip);
            if (problems == 0 && strip > 150) {
                ok = 1;
                char win[600];
                snprintf(win, sizeof win, "%s/notice.png", gui_art);
                shot_save_window(&s, win);
                to_docs("notice");
            }
            shot_free(&s);
        }
        if (!ok) {
            CHECK_FAIL("while the join notice showed, the board was not clear or the notice was not in its strip");
            struct shot s;
            if (window_picture(&h.g, "notice-failed", &s) == 0) {
                struct board_look bl;
                check_board(&s, &l, p, 4, &bl, 1);
                check_pieces(&s, &l, &bl, p, 4, 1);
                shot_free(&s);
            }
        }
    }
    tc_free(late);
    tc_free(cl[0]);
    tc_free(cl[1]);
    hosted_close(&h);
}

/* ==== sound ============================================================== */

/* The loudest sample from byte offset `from` to the end of the disk audio
 * file (signed 16-bit stereo, the game's device format). */
static int loudest(const char *path, long from, long *bytes)
{
    FILE *f = fopen(path, "rb");
    int max = 0;
    *bytes = 0;
    if (!f)
        return -1;
    if (fseek(f, from & ~3L, SEEK_SET) == 0) {
        int16_t buf[4096];
        size_t n;
        while ((n = fread(buf, sizeof buf[0], 4096, f)) > 0) {
            *bytes += (long)(n * 2);
            for (size_t i = 0; i < n; i++) {
                int v = buf[i] < 0 ? -buf[i] : buf[i];
                max = v > max ? v : max;
            }
        }
    }
    fclose(f);
    return max;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

struct pos_wait {
    uint32_t id;
};

static int is_pos_of(const struct proto_msg *m, void *ctx)
{
    return m->type == SC_POSITION && m->u.pos.id == ((struct pos_wait *)ctx)->id;
}

/* One arrow key towards a free square; the observer sees the move. */
static int step(struct game *g, struct tc *obs, uint32_t id)
{
    static const char *const key[4] = {"Up", "Down", "Left", "Right"};
    tc_drain(obs);
    const struct mirror_player *me = tc_find_name(obs, "HostPlayer");
    REQUIRE(me != NULL);
    int d;
    for (d = 0; d < 4; d++) {
        int nx = me->x + step_dx[d], ny = me->y + step_dy[d];
        if (nx >= 0 && ny >= 0 && nx < obs->m.board_w && ny < obs->m.board_h && free_sq(obs, nx, ny))
            break;
    }
    REQUIRE(d < 4);
    tc_clear(obs);
    x_key(&gui_x, &g->w, key[d]);
    struct pos_wait pw = {id};
    if (tc_expect_match(obs, is_pos_of, &pw, it_ms(5000), NULL) != 1) {
        CHECK_FAIL("key %s: the observer saw no move", key[d]);
        return -1;
    }
    return 0;
}

/* A GUI host writing its sound to file, with its settings in dir. */
static void sound_host(struct hosted *h, const char *dir, const char *file, const char *obs)
{
    static char drv[] = "SDL_AUDIODRIVER=disk", out[700], xdg[700], home[700];
    snprintf(out, sizeof out, "SDL_DISKAUDIOFILE=%s", file);
    snprintf(xdg, sizeof xdg, "XDG_DATA_HOME=%s", dir);
    snprintf(home, sizeof home, "HOME=%s", dir);
    char *argv[] = {(char *)gui_game, "host", "--name", "HostPlayer", "--port", "0", NULL};
    char *extra[] = {drv, out, xdg, home, NULL};
    memset(h, 0, sizeof *h);
    if (game_start_argv(&h->g, "gui-sound", argv, extra) != 0 || game_wait_port(&h->g, &h->port) != 0 ||
        game_wait_joined(&h->g, &h->me) != 0 || game_window(&h->g) != 0)
        check_abort();
    h->obs = tc_join(h->port, obs);
}

void case_sound(void)
{
    start_x();
    char dir[600], file[700], line[512];
    snprintf(dir, sizeof dir, "%s/prefs-sound", gui_art);
    snprintf(file, sizeof file, "%s/audio-1.raw", gui_art);
    proc_mkdir_p(dir);
    struct hosted h;
    sound_host(&h, dir, file, "Listener");
    size_t cur = 0;
    if (expect_hook(&h.g, &cur, "sound on driver=disk", line, sizeof line, it_ms(10000), "the disk audio driver") != 0)
        check_abort();
    check_note("%s", line);
    if (!strstr(line, "freq=44100 channels=2"))
        CHECK_FAIL("the device is not 44100 Hz stereo (the file would be read wrong): %s", line);
    sys_sleep_ms((unsigned)it_ms(800)); /* the join sound has played */

    long bytes, at = file_size(file);
    sys_sleep_ms((unsigned)it_ms(600));
    int idle = loudest(file, at, &bytes);
    check_note("idle: %ld bytes written, loudest sample %d", bytes, idle);
    if (bytes < 20000)
        CHECK_FAIL("the disk audio driver wrote only %ld bytes in %d ms: is it running?", bytes, it_ms(600));
    if (idle != 0)
        CHECK_FAIL("with nothing happening the game wrote sound (loudest sample %d)", idle);

    at = file_size(file);
    step(&h.g, h.obs, h.me.id);
    sys_sleep_ms((unsigned)it_ms(500));
    int moved = loudest(file, at, &bytes);
    check_note("a move: %ld bytes written, loudest sample %d", bytes, moved);
    if (moved < 1000)
        CHECK_FAIL("a move wrote no sound (loudest sample %d of %ld bytes)", moved, bytes);

    keys(&h.g, "m");
    expect_hook(&h.g, &cur, "sound muted", NULL, 0, it_ms(5000), "M");
    sys_sleep_ms((unsigned)it_ms(300));
    at = file_size(file);
    step(&h.g, h.obs, h.me.id);
    say_and_hear(h.obs, "psst");
    sys_sleep_ms((unsigned)it_ms(500));
    int muted = loudest(file, at, &bytes);
    check_note("muted, a move and a chat line: %ld bytes written, loudest sample %d", bytes, muted);
    if (muted != 0)
        CHECK_FAIL("muted, the game still wrote sound (loudest sample %d)", muted);
    game_finish(&h.g);
    tc_free(h.obs);

    /* The next run starts muted; M turns the sound back on. */
    snprintf(file, sizeof file, "%s/audio-2.raw", gui_art);
    sound_host(&h, dir, file, "Listener2");
    cur = 0;
    expect_hook(&h.g, &cur, "prefs ", line, sizeof line, it_ms(10000), "the second run");
    if (!strstr(line, "muted=1"))
        CHECK_FAIL("the mute was not remembered: %s", line);
    sys_sleep_ms((unsigned)it_ms(800));
    at = file_size(file);
    step(&h.g, h.obs, h.me.id);
    sys_sleep_ms((unsigned)it_ms(500));
    muted = loudest(file, at, &bytes);
    if (muted != 0)
        CHECK_FAIL("the second run is not muted: a move wrote sound (loudest sample %d)", muted);
    keys(&h.g, "m");
    expect_hook(&h.g, &cur, "sound unmuted", NULL, 0, it_ms(5000), "M again");
    at = file_size(file);
    step(&h.g, h.obs, h.me.id);
    sys_sleep_ms((unsigned)it_ms(500));
    moved = loudest(file, at, &bytes);
    check_note("unmuted again, a move: loudest sample %d", moved);
    if (moved < 1000)
        CHECK_FAIL("unmuted, a move wrote no sound (loudest sample %d)", moved);
    hosted_close(&h);
}

/* ==== flood ============================================================== */

/* The fake host: CS_LOGIN in, SC_LOGIN_OK and our own put out, then chat
 * lines as fast as the socket takes them. */
struct flood {
    sys_socket lis, s;
    uint16_t port;
    pthread_t t;
    long limit;            /* packets to send, then close */
    int puts;              /* SC_PUT_PLAYER and SC_REMOVE_PLAYER pairs, not chat lines */
    _Atomic int stop;
    _Atomic long sent;
    _Atomic uint64_t closed_ms; /* when it closed (after limit), 0 before */
};

static void flood_listen(struct flood *f)
{
    memset(f, 0, sizeof *f);
    f->s = SYS_BAD_SOCKET;
    REQUIRE_INT(sys_listen("127.0.0.1", 0, 4, &f->lis, &f->port), 0);
}

static size_t encode(uint8_t *out, const struct proto_msg *m)
{
    int n = proto_encode(m, out);
    REQUIRE(n >= PROTO_HEADER);
    return (size_t)n;
}

static int send_all(sys_socket s, const uint8_t *buf, size_t n)
{
    while (n > 0) {
        long r = sys_send(s, buf, n);
        if (r <= 0)
            return -1;
        buf += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Accepts the window's connection and logs it in as id 7 at (1,2). */
static void flood_accept(struct flood *f, const char *name)
{
    uint64_t end = sys_now_ms() + (uint64_t)it_ms(20000);
    while (sys_accept_now(f->lis, &f->s) != 0) {
        if (sys_now_ms() >= end) {
            CHECK_FAIL("the window did not connect to the fake host");
            check_abort();
        }
        sys_wait_readable(f->lis, 50);
    }
    REQUIRE_INT(sys_set_nonblock(f->s, 0), 0);
    uint8_t login[36];
    size_t got = 0;
    while (got < sizeof login) {
        REQUIRE(sys_wait_readable(f->s, it_ms(5000)) == 1);
        long r = sys_recv(f->s, login + got, sizeof login - got);
        REQUIRE(r > 0);
        got += (size_t)r;
    }
    REQUIRE(login[1] == CS_LOGIN);
    uint8_t out[128];
    size_t n = 0;
    struct proto_msg ok = {.type = SC_LOGIN_OK, .u.login_ok = {7, 1, 2, 8, 8, 8, 10}};
    struct proto_msg put = {.type = SC_PUT_PLAYER, .u.put = {7, 1, 2, 3, PUT_JOINED, ""}};
    snprintf(put.u.put.name, sizeof put.u.put.name, "%s", name);
    n += encode(out + n, &ok);
    n += encode(out + n, &put);
    REQUIRE(send_all(f->s, out, n) == 0);
}

static void *flood_main(void *arg)
{
    struct flood *f = arg;
    enum { BATCH = 2048 };
    static _Thread_local uint8_t buf[BATCH * 48];
    long line = 0;
    while (!atomic_load(&f->stop) && line < f->limit) {
        size_t n = 0;
        for (int i = 0; i < BATCH && line < f->limit; i++, line++) {
            struct proto_msg m = {.type = SC_CHAT, .u.chat = {.id = 7}};
            uint32_t id = 100 + (uint32_t)(line / 2);
            if (f->puts && line % 2 == 0) {
                /* A player comes into view on a free square (ours is
                 * (1,2); the last one has gone)... */
                m.type = SC_PUT_PLAYER;
                m.u.put.id = id;
                m.u.put.x = (uint16_t)(4 + id % 4);
                m.u.put.y = (uint16_t)(id / 4 % 8);
                m.u.put.look = (uint8_t)(id % PROTO_LOOKS);
                m.u.put.why = PUT_JOINED;
                snprintf(m.u.put.name, sizeof m.u.put.name, "p%06u", id % 1000000);
            } else if (f->puts) {
                m.type = SC_REMOVE_PLAYER; /* ...and leaves it again */
                m.u.remove.id = id;
                m.u.remove.why = REMOVE_LEFT;
            } else {
                m.u.chat.len = (uint8_t)snprintf(m.u.chat.text, sizeof m.u.chat.text, "flood %06ld", line % 1000000);
            }
            n += encode(buf + n, &m);
        }
        if (send_all(f->s, buf, n) != 0)
            break;
        atomic_store(&f->sent, line);
    }
    if (line >= f->limit) {
        sys_shutdown(f->s);
        atomic_store(&f->closed_ms, sys_now_ms());
    }
    return NULL;
}

static void flood_end(struct flood *f)
{
    atomic_store(&f->stop, 1);
    sys_shutdown(f->s); /* a send blocked on a full socket returns */
    pthread_join(f->t, NULL);
    sys_close(f->s);
    sys_close(f->lis);
}

void case_flood(void)
{
    start_x();
    /* 150,000 lines, then the host closes: back in the lobby in 10 s. */
    struct flood f;
    flood_listen(&f);
    struct game g;
    game_join(&g, "gui-flood", f.port, "Flooded");
    flood_accept(&f, "Flooded");
    struct joined me;
    if (game_wait_joined(&g, &me) != 0 || game_window(&g) != 0)
        check_abort();
    size_t cur = proc_cursor(&g.p);
    f.limit = 150000;
    uint64_t t0 = sys_now_ms();
    REQUIRE_INT(pthread_create(&f.t, NULL, flood_main, &f), 0);
    char line[512];
    int back = expect_hook(&g, &cur, "screen join", line, sizeof line, it_ms(60000), "150,000 lines, then a close");
    uint64_t closed = atomic_load(&f.closed_ms), now = sys_now_ms();
    check_note("150,000 chat lines sent in %llu ms; the window was back in the lobby %lld ms after the close",
               (unsigned long long)(closed ? closed - t0 : 0), closed ? (long long)(now - closed) : -1LL);
    if (back == 0 && (!closed || now - closed > 10000))
        CHECK_FAIL("the window came back to the lobby %lld ms after the host closed, expected within 10000 ms",
                   closed ? (long long)(now - closed) : -1LL);
    flood_end(&f);
    game_finish(&g);

    /* 150,000 joins and leaves (75,000 players in and out), then a close. */
    flood_listen(&f);
    game_join(&g, "gui-flood-puts", f.port, "Flooded");
    flood_accept(&f, "Flooded");
    if (game_wait_joined(&g, &me) != 0 || game_window(&g) != 0)
        check_abort();
    cur = proc_cursor(&g.p);
    f.limit = 150000;
    f.puts = 1;
    t0 = sys_now_ms();
    REQUIRE_INT(pthread_create(&f.t, NULL, flood_main, &f), 0);
    back = expect_hook(&g, &cur, "screen join", line, sizeof line, it_ms(60000), "150,000 joins and leaves, a close");
    closed = atomic_load(&f.closed_ms);
    now = sys_now_ms();
    check_note("150,000 joins and leaves sent in %llu ms; the window was back in the lobby %lld ms after the close",
               (unsigned long long)(closed ? closed - t0 : 0), closed ? (long long)(now - closed) : -1LL);
    if (back == 0 && (!closed || now - closed > 10000))
        CHECK_FAIL("after the joins and leaves the window came back %lld ms after the close, expected within 10000 ms",
                   closed ? (long long)(now - closed) : -1LL);
    flood_end(&f);
    game_finish(&g);

    /* An endless flood (bounded at 2 million lines and the test's time):
     * Esc is answered at once, and SIGTERM ends the window cleanly. */
    flood_listen(&f);
    game_join(&g, "gui-flood-2", f.port, "Flooded");
    flood_accept(&f, "Flooded");
    if (game_wait_joined(&g, &me) != 0 || game_window(&g) != 0)
        check_abort();
    f.limit = 2000000;
    REQUIRE_INT(pthread_create(&f.t, NULL, flood_main, &f), 0);
    while (atomic_load(&f.sent) < 20000 && proc_alive(&g.p))
        sys_sleep_ms(10);
    cur = proc_cursor(&g.p);
    long sent0 = atomic_load(&f.sent);
    uint64_t k0 = sys_now_ms();
    keys(&g, "Escape");
    if (expect_hook(&g, &cur, "screen confirm", NULL, 0, it_ms(2000), "Esc during a flood") == 0)
        check_note("Esc during the flood: the leave card after %llu ms (%ld lines sent by then)",
                   (unsigned long long)(sys_now_ms() - k0), sent0);
    keys(&g, "n");
    expect_hook(&g, &cur, "screen game", NULL, 0, it_ms(2000), "Stay during a flood");
    long sent1 = atomic_load(&f.sent);
    if (atomic_load(&f.closed_ms))
        CHECK_FAIL("the flood ended before the keys were pressed: the test proves nothing");
    uint64_t s0 = sys_now_ms();
    int code = proc_stop(&g.p, SIGTERM, it_ms(5000));
    check_note("SIGTERM during the flood (%ld lines sent): exit %d after %llu ms", sent1, code,
               (unsigned long long)(sys_now_ms() - s0));
    if (code != 0)
        CHECK_FAIL("SIGTERM during a flood: exit status %d (or a timeout, -1) within %d ms, expected 0", code,
                   it_ms(5000));
    if (proc_sanitizer_report(&g.p))
        CHECK_FAIL("its stderr has a sanitizer report");
    proc_cleanup(&g.p);
    g.started = 0;
    flood_end(&f);
    xvfb_stop(&gui_x);
}
