/*
 * One game session: hosting (the host core in this process, on its own
 * threads), joining over TCP like every other player, packets from the
 * network thread applied to the view, click-to-walk, and every way a
 * session ends, each turned into a sentence on the start screen.
 */
#include "app_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_events.h"
#include "sys.h"

#define WALK_STUCK_MAX 3 /* echoes in a row without moving before giving up */

/* ======================================================================
 * Messages
 * ====================================================================== */

static void login_fail_text(const struct app *a, uint8_t reason, char *out, size_t n)
{
    switch (reason) {
    case FAIL_FULL:
        snprintf(out, n, "Cannot join %s: game full. Try again when someone leaves.", a->target);
        break;
    case FAIL_VERSION:
        snprintf(out, n, "Cannot join %s: bad version (the host runs another version of Pawn Party).", a->target);
        break;
    case FAIL_NAME:
        snprintf(out, n, "Cannot join %s: bad name (the host refused \"%s\").", a->target, a->joined_name);
        break;
    case FAIL_TAKEN:
        snprintf(out, n, "Cannot join %s: name taken (someone there is already called \"%s\").", a->target,
                 a->joined_name);
        break;
    default:
        snprintf(out, n, "Cannot join %s: the host said no (reason %u).", a->target, reason);
        break;
    }
}

static void never_connected_text(const struct app *a, int err, char *out, size_t n)
{
    switch (err) {
    case SYS_E_CONNREFUSED:
        snprintf(out, n, "Cannot join %s: connection refused (is a game running there?).", a->target);
        break;
    case SYS_E_TIMEDOUT:
        snprintf(out, n, "Cannot join %s: timed out (the host does not answer).", a->target);
        break;
    case SYS_E_UNREACH:
        snprintf(out, n, "Cannot join %s: host unreachable (check the address and the network).", a->target);
        break;
    case SYS_E_RESOLVE:
        snprintf(out, n, "Cannot join %s: no computer by that name.", a->target);
        break;
    case SYS_E_CLOSED:
    case SYS_E_RESET:
        snprintf(out, n, "Cannot join %s: the host closed the connection.", a->target);
        break;
    default:
        snprintf(out, n, "Cannot join %s: %s.", a->target, client_strerror(err));
        break;
    }
}

static void lost_text(const struct app *a, int err, char *out, size_t n)
{
    if (err == SYS_E_CLOSED)
        snprintf(out, n, "The host closed the game.");
    else if (err == SYS_E_RESET || err == SYS_E_TIMEDOUT || err == SYS_E_UNREACH)
        snprintf(out, n, "Connection lost: the link to %s broke (%s).", a->target, sys_strerror(err));
    else if (err > -100) /* a PROTO_E_*: the host's bytes broke the protocol */
        snprintf(out, n, "Connection lost: %s sent something this game cannot read (%s).", a->target,
                 proto_strerror(err));
    else
        snprintf(out, n, "Connection lost: %s.", client_strerror(err));
}

/* ======================================================================
 * Starting and ending
 * ====================================================================== */

static void reset_game_state(struct app *a)
{
    view_free(&a->view);
    view_init(&a->view);
    a->connecting = 0;
    a->chat_open = 0;
    a->walking = a->walk_wait = a->walk_stuck = 0;
    a->nopath_ms = 0;
    a->hover_valid = 0;
    a->layout_printed = 0;
    a->board_frames = 0;
    a->world_dirty = 0;
    ui_field_clear(&a->chat);
}

/* Hands the connection (and our host) to a helper thread to stop; events
 * still queued from it are dropped by their session number. */
static void stop_session(struct app *a)
{
    net_stop_async(a->client, a->host);
    a->client = NULL;
    a->host = NULL;
    a->session++;
    reset_game_state(a);
    SDL_SetWindowTitle(a->win, "Pawn Party");
}

void session_cancel(struct app *a)
{
    stop_session(a);
}

void session_leave(struct app *a, const char *error)
{
    stop_session(a);
    if (error)
        app_show_error(a, error);
    app_set_screen(a, SCREEN_START);
}

/* The name in the start screen's field, checked as the host will. */
static int checked_name(struct app *a)
{
    uint8_t raw[PROTO_NAME_LEN];
    if (a->name.len == 0) {
        app_show_error(a, "Type your name first: it is shown above your pawn.");
        return -1;
    }
    if (proto_name_pack(a->name.text, raw) != 0) {
        app_show_error(a, "That name cannot be used: 1 to 31 bytes, no control characters.");
        return -1;
    }
    snprintf(a->joined_name, sizeof a->joined_name, "%.*s", PROTO_NAME_MAX, a->name.text);
    return 0;
}

static void start_client(struct app *a, const char *host, uint16_t port)
{
    stop_session(a);
    snprintf(a->target, sizeof a->target, "%s:%u", host, port);
    int err = net_connect(host, port, a->joined_name, CONNECT_TIMEOUT_MS, a->session, &a->client);
    if (err) {
        char msg[400];
        if (err == PROTO_E_NAME)
            snprintf(msg, sizeof msg, "Cannot join %s: bad name.", a->target);
        else
            never_connected_text(a, err, msg, sizeof msg);
        a->client = NULL;
        session_leave(a, msg);
        return;
    }
    a->connecting = 1;
    a->connect_ms = a->now;
}

void session_join(struct app *a, const char *host, uint16_t port)
{
    if (checked_name(a) != 0) {
        app_set_screen(a, SCREEN_START);
        return;
    }
    start_client(a, host, port);
}

static int port_field(struct app *a, uint16_t *port)
{
    long v = a->port.len ? strtol(a->port.text, NULL, 10) : -1;
    if (v < 0 || v > 65535) {
        app_show_error(a, "The port must be a number from 0 to 65535 (9090 if unsure).");
        return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

void session_host(struct app *a)
{
    uint16_t port;
    if (checked_name(a) != 0 || port_field(a, &port) != 0)
        return;
    stop_session(a);
    /* A game left a moment ago may still hold the port (and read its name
     * from host_name): wait for it. */
    if (!net_wait_stopped(3000)) {
        app_show_error(a, "The last game is still closing: try again in a moment.");
        return;
    }
    /* The host keeps this pointer for its whole life (discovery answers
     * carry the name): host_name is written only while no host runs. */
    memcpy(a->host_name, a->joined_name, sizeof a->host_name);
    struct host_cfg cfg = a->opts.host;
    cfg.port = port;
    cfg.name = a->host_name;
    struct host *h;
    int err = host_start(&cfg, &h);
    if (err) {
        char msg[200];
        if (err == SYS_E_ADDRINUSE)
            snprintf(msg, sizeof msg, "Cannot host on port %u: it is already in use. Pick another port.", port);
        else
            snprintf(msg, sizeof msg, "Cannot host on port %u: %s.", port, sys_strerror(err));
        app_show_error(a, msg);
        app_set_screen(a, SCREEN_START);
        return;
    }
    const char *bind = cfg.bind_addr && *cfg.bind_addr ? cfg.bind_addr : "0.0.0.0";
    printf("listening on %s:%u\n", bind, host_port(h));
    fflush(stdout);
    /* We join our own game over TCP like everyone else. */
    const char *self = strcmp(bind, "0.0.0.0") == 0 ? "127.0.0.1" : bind;
    start_client(a, self, host_port(h));
    if (a->client)
        a->host = h;
    else
        net_stop_async(NULL, h);
}

/* ======================================================================
 * Walking to a clicked square
 * ====================================================================== */

static void walk_step(struct app *a)
{
    const struct view_piece *me = view_me(&a->view);
    if (!me || !a->client) {
        a->walking = 0;
        return;
    }
    size_t n = 0;
    struct path_point *walls = malloc((a->view.npieces + 1) * sizeof *walls);
    if (!walls) {
        a->walking = 0;
        return;
    }
    for (size_t i = 0; i < a->view.npieces; i++)
        if (a->view.pieces[i].id != me->id)
            walls[n++] = (struct path_point){ a->view.pieces[i].x, a->view.pieces[i].y };
    int dir = path_first_step(a->view.mirror.board_w, a->view.mirror.board_h, walls, n,
                              (struct path_point){ me->x, me->y }, a->goal);
    free(walls);
    if (dir == PATH_NONE) { /* taken, walled in, or too far round */
        a->nopath = a->goal;
        a->nopath_ms = a->now ? a->now : 1;
    }
    if (dir < 0 || client_move(a->client, (uint8_t)dir) != 0) {
        a->walking = 0; /* arrived, or no way there now */
        return;
    }
    a->walk_wait = 1;
    /* One square per glide, so a walk reads as steps, not a slide. */
    a->walk_next_ms = a->now + VIEW_GLIDE_MS;
}

void session_walk_to(struct app *a, uint16_t x, uint16_t y)
{
    a->goal = (struct path_point){ x, y };
    a->walking = 1;
    a->walk_stuck = 0;
    if (!a->walk_wait)
        walk_step(a);
}

/* The host echoed one of our moves: plan the next step from where we are
 * now, around wherever the others are now. */
static void walk_echo(struct app *a, int moved)
{
    if (!a->walk_wait)
        return;
    a->walk_wait = 0;
    if (!a->walking)
        return;
    a->walk_stuck = moved ? 0 : a->walk_stuck + 1;
    if (a->walk_stuck >= WALK_STUCK_MAX)
        a->walking = 0;
    else
        session_tick(a);
}

void session_tick(struct app *a)
{
    if (a->connecting && a->now - a->connect_ms > LOGIN_TIMEOUT_MS) {
        char msg[400];
        never_connected_text(a, SYS_E_TIMEDOUT, msg, sizeof msg);
        session_leave(a, msg);
        return;
    }
    if (a->walking && !a->walk_wait && a->now >= a->walk_next_ms)
        walk_step(a);
}

void session_move(struct app *a, int dir)
{
    a->walking = 0; /* the keys take over from a walk */
    if (a->client)
        client_move(a->client, (uint8_t)dir);
}

void session_chat(struct app *a, const char *text)
{
    size_t len = strlen(text);
    if (a->client && len > 0)
        client_chat(a->client, text, len);
}

/* ======================================================================
 * Events from the network thread
 * ====================================================================== */

static void logged_in(struct app *a, const struct proto_msg *m)
{
    a->connecting = 0;
    a->login_x = m->u.login_ok.x;
    a->login_y = m->u.login_ok.y;
    app_test_line(a, "joined id=%u x=%u y=%u", m->u.login_ok.id, m->u.login_ok.x, m->u.login_ok.y);
    char title[400];
    snprintf(title, sizeof title, "Pawn Party - %s @ %s%s", a->joined_name, a->target, a->host ? " (hosting)" : "");
    SDL_SetWindowTitle(a->win, title);
    a->error[0] = '\0';
    app_set_screen(a, SCREEN_GAME);
    app_world_changed(a);
}

static void on_packet(struct app *a, const struct proto_msg *m)
{
    if (m->type == SC_LOGIN_FAIL) {
        char msg[400];
        login_fail_text(a, m->u.login_fail.reason, msg, sizeof msg);
        session_leave(a, msg);
        return;
    }
    int ch = view_apply(&a->view, m, a->now);
    if (m->type == SC_LOGIN_OK) {
        logged_in(a, m);
        return;
    }
    if (ch & VIEW_CH_DROPPED) {
        session_leave(a, "Connection lost: the host dropped you from the game.");
        return;
    }
    if (ch)
        app_world_changed(a);
    if (ch & VIEW_CH_ME)
        walk_echo(a, (ch & VIEW_CH_PIECES) != 0);
}

static void on_closed(struct app *a, int err)
{
    char msg[400];
    if (a->view.mirror.logged_in)
        lost_text(a, err, msg, sizeof msg);
    else
        never_connected_text(a, err, msg, sizeof msg);
    session_leave(a, msg);
}

void session_event(struct app *a, SDL_Event *e)
{
    if (e->user.code != a->session || !a->client)
        return; /* a late event from a connection already given up */
    if (e->type == net_event_packet)
        on_packet(a, e->user.data1);
    else
        on_closed(a, (int)(intptr_t)e->user.data2);
}
