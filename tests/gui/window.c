/*
 * What every GUI test program shares (see gui.h): the game window's
 * environment, the start of the program, and the case runner with an
 * artifact directory and an X server per case. guitest and winegui use it.
 */
#include "gui.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

struct xvfb gui_x;
char gui_art[512];
const char *gui_preload;

unsigned discovery_port_next(void)
{
    static unsigned n;
    return 20000u + ((unsigned)getpid() + 997u * n++) % 20000u;
}

/* 1 when extra sets the variable of "KEY=VALUE" kv. */
static int overridden(const char *kv, char *const *extra)
{
    size_t k = strcspn(kv, "=");
    for (int i = 0; extra && extra[i]; i++)
        if (strncmp(extra[i], kv, k) == 0 && extra[i][k] == '=')
            return 1;
    return 0;
}

char *const *gui_env(struct gui_env *e, int wine, char *const *extra)
{
    static unsigned homes;
    const char *defaults[24];
    int n = 0, d = 0;
    snprintf(e->display, sizeof e->display, "%s", gui_x.env_display);
    snprintf(e->port, sizeof e->port, "PAWNPARTY_DISCOVERY_PORT=%u", discovery_port_next());
    defaults[d++] = e->display;
    defaults[d++] = e->port;
    /* Under Wine SDL is the Windows build: its driver is "windows" (Wine's
     * winex11 then draws on the X server). */
    defaults[d++] = wine ? "SDL_VIDEODRIVER=windows" : "SDL_VIDEODRIVER=x11";
    defaults[d++] = "SDL_RENDER_DRIVER=software";
    defaults[d++] = "SDL_FRAMEBUFFER_ACCELERATION=0";
    defaults[d++] = "SDL_AUDIODRIVER=dummy";
    defaults[d++] = "PAWNPARTY_TEST_EVENTS=1";
    defaults[d++] = "PAWNPARTY_DISCOVERY_ADDR=127.0.0.1";
    if (wine) {
        defaults[d++] = "WINEDEBUG=-all";
    } else {
        char dir[560];
        snprintf(dir, sizeof dir, "%s/home-%u", gui_art, homes++);
        proc_mkdir_p(dir);
        snprintf(e->xdg, sizeof e->xdg, "XDG_DATA_HOME=%s", dir);
        snprintf(e->home, sizeof e->home, "HOME=%s", dir);
        defaults[d++] = e->xdg;
        defaults[d++] = e->home;
        if (gui_preload) {
            const char *prev = getenv("ASAN_OPTIONS");
            snprintf(e->preload, sizeof e->preload, "LD_PRELOAD=%s", gui_preload);
            snprintf(e->resolve_log, sizeof e->resolve_log, "PAWN_RESOLVE_LOG=%s/resolver.log", gui_art);
            /* The guard comes before ASan's runtime in the load order:
             * that is intended here. */
            snprintf(e->asan, sizeof e->asan, "ASAN_OPTIONS=%s%sverify_asan_link_order=0", prev ? prev : "",
                     prev && *prev ? ":" : "");
            defaults[d++] = e->preload;
            defaults[d++] = e->resolve_log;
            defaults[d++] = e->asan;
        }
    }
    for (int i = 0; i < d; i++)
        if (!overridden(defaults[i], extra))
            e->v[n++] = (char *)defaults[i];
    for (int i = 0; extra && extra[i] && n < (int)(sizeof e->v / sizeof e->v[0]) - 1; i++)
        e->v[n++] = extra[i];
    e->v[n] = NULL;
    return e->v;
}

char *gui_resolved(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/resolver.log", gui_art);
    char *text = proc_read_file(path);
    if (text && !text[0]) {
        free(text);
        text = NULL;
    }
    return text;
}

int gui_init(const char *prog)
{
    static const char *const needed[] = {"Xvfb", "xdotool", "import", NULL};
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; needed[i]; i++) {
        if (!proc_have_program(needed[i])) {
            printf("SKIP: %s is not installed: the GUI tests need Xvfb, xdotool and ImageMagick's import "
                   "(apt-get install xvfb xdotool imagemagick); nothing was run\n",
                   needed[i]);
            return 77;
        }
    }
    it_init();
    if (!(IMG_Init(IMG_INIT_PNG) & IMG_INIT_PNG)) {
        fprintf(stderr, "%s: SDL2_image cannot read PNG: %s\n", prog, IMG_GetError());
        return 1;
    }
    return 0;
}

static const char *art_root;
static uint64_t case_t0;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void gui_before(const struct check_case *c)
{
    snprintf(gui_art, sizeof gui_art, "%s/%s", art_root, c->name);
    /* A fresh directory: last run's settings (home-N) and resolver log
     * must not leak into this one. */
    nftw(gui_art, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    proc_mkdir_p(gui_art);
    proc_watchdog(170);
    case_t0 = proc_now_ms();
}

static void gui_after(const struct check_case *c, char *note, size_t cap)
{
    (void)c;
    x_clip_close();
    xvfb_stop(&gui_x);
    /* The safety rule of every case: no game window asked the system's
     * resolver for a name (the guard answered instead, and kept the name). */
    char *asked = gui_resolved();
    if (asked) {
        CHECK_FAIL("a game window asked for a name lookup (refused by the resolver guard): %s", asked);
        free(asked);
    }
    snprintf(note, cap, " (%llu ms; artifacts in %s)", (unsigned long long)(proc_now_ms() - case_t0), gui_art);
}

int gui_run(const struct check_case *cases, const char *only, const char *artifacts_root)
{
    static const struct check_runner runner = {gui_before, gui_after};
    art_root = artifacts_root;
    int rc = check_run(cases, only, &runner);
    IMG_Quit();
    return rc;
}

/* The test programs start SDL's video for the clipboard (x_clip_*): what
 * system libraries keep for the whole process there is not a test's leak
 * (the same list as tests/gui/lsan.supp, which is the game's). Without a
 * sanitizer nothing calls this. */
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
    return "leak:libdbus-1.so\nleak:libfontconfig.so\nleak:libX11.so\n";
}
