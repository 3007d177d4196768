/*
 * pawnparty: one executable for everything a player or an operator runs.
 *
 *   pawnparty                       the game window (Host or Join)
 *   pawnparty host [options]        host a game; --headless for a dedicated server
 *   pawnparty join HOST[:PORT]      open the window and join
 *   pawnparty bots HOST[:PORT] ...  scripted clients for tests and demos
 *
 * The command-line contract is in docs/protocol.md: usage errors exit 2
 * with one line on stderr, run-time failures exit 1, a clean stop exits 0.
 *
 * On Windows this file makes two programs (CMakeLists.txt): pawnparty.exe,
 * a GUI program for the window (PAWN_GUI_EXE), and pawnparty-console.exe
 * for everything that talks on a console.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PAWN_GUI_EXE
#include <windows.h>
#endif

#include "app.h"
#include "bots.h"
#include "host.h"
#include "proto.h"
#include "sys.h"

#define EXIT_USAGE 2
#define EXIT_RUNTIME 1

static void usage(FILE *f)
{
    fputs("usage: pawnparty                      open the game window\n"
          "       pawnparty host [--port N] [--name NAME] [--headless] [--max-players N]\n"
          "                      [--board WxH] [--view R] [--threads N] [--backend auto|uring|epoll|iocp]\n"
          "                      [--bind ADDR] [--send-bound BYTES] [--login-timeout S] [--send-tick-ms MS]\n"
          "                      [--no-input-limit]\n"
          "       pawnparty join HOST[:PORT] [--name NAME]\n"
          "       pawnparty bots HOST[:PORT] [--count N] [--rate MOVES_PER_S] [--seconds S]\n",
          f);
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("pawnparty: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see pawnparty --help)\n", stderr);
    return EXIT_USAGE;
}

/* ======================================================================
 * pawnparty host
 * ====================================================================== */

static int parse_host_args(int argc, char **argv, struct host_cfg *cfg, int *headless)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        long v;
        if (strcmp(opt, "--headless") == 0) {
            *headless = 1;
            continue;
        }
        if (strcmp(opt, "--no-input-limit") == 0) {
            cfg->no_input_limit = 1;
            continue;
        }
        if (!val)
            return usage_error("%s needs a value", opt);
        i++;
        if (strcmp(opt, "--port") == 0) {
            if ((v = sys_parse_num(val, 0, 65535)) < 0)
                return usage_error("--port needs a number 0..65535, not '%s'", val);
            cfg->port = (uint16_t)v;
        } else if (strcmp(opt, "--name") == 0) {
            uint8_t raw[PROTO_NAME_LEN];
            if (proto_name_pack(val, raw) != 0)
                return usage_error("--name needs 1..31 bytes of UTF-8 without control characters, not '%s'", val);
            cfg->name = val;
        } else if (strcmp(opt, "--max-players") == 0) {
            /* SC_LOGIN_OK carries max_players in 16 bits. */
            if ((v = sys_parse_num(val, 1, 65535)) < 0)
                return usage_error("--max-players needs a number 1..65535, not '%s'", val);
            cfg->max_players = (uint32_t)v;
        } else if (strcmp(opt, "--board") == 0) {
            if (sys_parse_size(val, &cfg->board_w, &cfg->board_h) < 0)
                return usage_error("--board needs WxH with each 1..65535, not '%s'", val);
        } else if (strcmp(opt, "--view") == 0) {
            if ((v = sys_parse_num(val, 1, 65535)) < 0)
                return usage_error("--view needs a number 1..65535, not '%s'", val);
            cfg->view = (uint16_t)v;
        } else if (strcmp(opt, "--threads") == 0) {
            if ((v = sys_parse_num(val, 1, 256)) < 0)
                return usage_error("--threads needs a number 1..256, not '%s'", val);
            cfg->threads = (int)v;
        } else if (strcmp(opt, "--backend") == 0) {
            if (host_backend_parse(val, &cfg->backend) != 0)
                return usage_error("--backend needs auto, uring, epoll or iocp, not '%s'", val);
        } else if (strcmp(opt, "--bind") == 0) {
            cfg->bind_addr = val;
        } else if (strcmp(opt, "--send-tick-ms") == 0) {
            if ((v = sys_parse_num(val, 0, 1000)) < 0)
                return usage_error("--send-tick-ms needs a number of milliseconds 0..1000, not '%s'", val);
            cfg->send_tick_ms = (uint32_t)v;
            cfg->send_tick_fixed = 1;
        } else if (strcmp(opt, "--login-timeout") == 0) {
            if ((v = sys_parse_num(val, 1, 3600)) < 0)
                return usage_error("--login-timeout needs a number of seconds 1..3600, not '%s'", val);
            cfg->login_timeout = (uint32_t)v;
        } else if (strcmp(opt, "--send-bound") == 0) {
            if ((v = sys_parse_num(val, 1024, 64L * 1024 * 1024)) < 0)
                return usage_error("--send-bound needs a number of bytes 1024..67108864, not '%s'", val);
            cfg->send_bound = (uint32_t)v;
        } else {
            return usage_error("unknown option '%s' for host", opt);
        }
    }
    return 0;
}

/* The host's defaults: also what the window uses to host from its menu. */
static struct host_cfg host_defaults(void)
{
    struct host_cfg cfg = {.port = PROTO_DEFAULT_PORT, .board_w = 8, .board_h = 8, .max_players = 10};
    return cfg;
}

static int cmd_host(int argc, char **argv)
{
    struct host_cfg cfg = host_defaults();
    int headless = 0;
    int err = parse_host_args(argc, argv, &cfg, &headless);
    if (err)
        return err;
    if ((uint32_t)cfg.board_w * cfg.board_h < cfg.max_players) {
        fprintf(stderr, "pawnparty: a %ux%u board cannot hold %u players (see pawnparty --help)\n",
                cfg.board_w, cfg.board_h, cfg.max_players);
        return EXIT_USAGE;
    }
    if (!headless) {
        /* The window hosts in-process and prints `listening on` itself
         * once the host is up; a port in use is shown in the window. */
        struct app_opts o = { .start = APP_START_HOST, .host = cfg };
        if (cfg.name)
            snprintf(o.name, sizeof o.name, "%s", cfg.name);
        return app_run(&o);
    }

    /* Ctrl+C and SIGTERM (CTRL_C_EVENT on Windows) are taken below, never
     * by a worker thread: block them before the workers are created so
     * that they inherit that. */
    sys_stop_signals_block();

    struct host *h;
    err = host_start(&cfg, &h);
    if (err) {
        if (err == SYS_E_ADDRINUSE)
            fprintf(stderr, "pawnparty: cannot host on port %u: it is already in use\n", cfg.port);
        else
            fprintf(stderr, "pawnparty: cannot host on port %u: %s\n", cfg.port, sys_strerror(err));
        return EXIT_RUNTIME;
    }
    printf("listening on %s:%u\n", cfg.bind_addr ? cfg.bind_addr : "0.0.0.0", host_port(h));
    fflush(stdout);

    while (sys_stop_signals_wait(-1) != 1)
        ;
    host_log("stop signal: stopping");
    host_stop(h);
    host_destroy(h);
    return 0;
}

/* ======================================================================
 * pawnparty join
 * ====================================================================== */

static int cmd_join(int argc, char **argv)
{
    struct app_opts o = { .start = APP_START_JOIN, .host = host_defaults() };
    if (argc < 2 || argv[1][0] == '-')
        return usage_error("join needs HOST[:PORT]%s", "");
    if (sys_parse_hostport(argv[1], o.join_host, sizeof o.join_host, &o.join_port, PROTO_DEFAULT_PORT) != 0
        || !o.join_host[0])
        return usage_error("join needs HOST[:PORT], not '%s'", argv[1]);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--name") != 0)
            return usage_error("unknown option '%s' for join", argv[i]);
        if (i + 1 >= argc)
            return usage_error("%s needs a value", argv[i]);
        uint8_t raw[PROTO_NAME_LEN];
        if (proto_name_pack(argv[++i], raw) != 0)
            return usage_error("--name needs 1..31 bytes of UTF-8 without control characters, not '%s'", argv[i]);
        snprintf(o.name, sizeof o.name, "%s", argv[i]);
    }
    return app_run(&o);
}

/* The window's start screen; hosting from it uses the host defaults. */
static int cmd_window(void)
{
    struct app_opts o = { .start = APP_START_MENU, .host = host_defaults() };
    return app_run(&o);
}

/* ======================================================================
 * main
 * ====================================================================== */

/* 1 when this run has no window and nowhere to write: the Windows GUI
 * program asked for a console command (`host --headless`, `bots`,
 * `--help`) from a double-click or a shortcut. Then a message box says
 * which program to use, instead of a run nobody can see or stop. */
static int needs_console(int argc, char **argv)
{
#ifdef PAWN_GUI_EXE
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    if (out && out != INVALID_HANDLE_VALUE)
        return 0; /* redirected, or a parent gave us its console: it can be read */
    const char *cmd = argv[1];
    int headless = 0;
    for (int i = 2; i < argc; i++)
        headless |= strcmp(argv[i], "--headless") == 0;
    if (strcmp(cmd, "bots") != 0 && strcmp(cmd, "--help") != 0 && strcmp(cmd, "-h") != 0 && strcmp(cmd, "help") != 0
        && !(strcmp(cmd, "host") == 0 && headless))
        return 0;
    MessageBoxW(NULL,
                L"pawnparty.exe is the game window. For a dedicated server, the bots or --help, "
                L"run pawnparty-console.exe in a terminal, for example:\n\n"
                L"    pawnparty-console.exe host --headless",
                L"Pawn Party", MB_OK | MB_ICONINFORMATION);
    return 1;
#else
    (void)argc;
    (void)argv;
    return 0;
#endif
}

int main(int argc, char **argv)
{
    argv = sys_utf8_argv(&argc, argv);
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (sys_init() != 0) {
        fputs("pawnparty: cannot start the network layer\n", stderr);
        return EXIT_RUNTIME;
    }
    if (argc < 2)
        return cmd_window();
    if (needs_console(argc, argv))
        return EXIT_USAGE;
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "host") == 0)
        return cmd_host(argc - 1, argv + 1);
    if (strcmp(cmd, "bots") == 0)
        return bots_main(argc - 1, argv + 1);
    if (strcmp(cmd, "join") == 0)
        return cmd_join(argc - 1, argv + 1);
    return usage_error("unknown command '%s'", cmd);
}
