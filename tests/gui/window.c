/*
 * What every GUI test program shares (see gui.h): the game window's
 * environment, the start of the program, and the case runner with an
 * artifact directory and an X server per case. guitest and winegui use it.
 */
#include "gui.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

struct xvfb gui_x;
char gui_art[512];

unsigned discovery_port_next(void)
{
    static unsigned n;
    return 20000u + ((unsigned)getpid() + 997u * n++) % 20000u;
}

char *const *gui_env(struct gui_env *e, int wine, char *const *extra)
{
    int n = 0;
    snprintf(e->display, sizeof e->display, "%s", gui_x.env_display);
    snprintf(e->port, sizeof e->port, "PAWNPARTY_DISCOVERY_PORT=%u", discovery_port_next());
    e->v[n++] = e->display;
    e->v[n++] = e->port;
    /* Under Wine SDL is the Windows build: its driver is "windows" (Wine's
     * winex11 then draws on the X server). */
    e->v[n++] = wine ? "SDL_VIDEODRIVER=windows" : "SDL_VIDEODRIVER=x11";
    e->v[n++] = "SDL_RENDER_DRIVER=software";
    e->v[n++] = "SDL_FRAMEBUFFER_ACCELERATION=0";
    e->v[n++] = "SDL_AUDIODRIVER=dummy";
    e->v[n++] = "PAWNPARTY_TEST_EVENTS=1";
    e->v[n++] = "PAWNPARTY_DISCOVERY_ADDR=127.0.0.1";
    if (wine)
        e->v[n++] = "WINEDEBUG=-all";
    for (int i = 0; extra && extra[i] && n < (int)(sizeof e->v / sizeof e->v[0]) - 1; i++)
        e->v[n++] = extra[i];
    e->v[n] = NULL;
    return e->v;
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

static void gui_before(const struct check_case *c)
{
    snprintf(gui_art, sizeof gui_art, "%s/%s", art_root, c->name);
    proc_mkdir_p(gui_art);
    proc_watchdog(170);
    case_t0 = proc_now_ms();
}

static void gui_after(const struct check_case *c, char *note, size_t cap)
{
    (void)c;
    xvfb_stop(&gui_x);
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
