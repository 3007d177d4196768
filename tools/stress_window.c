/*
 * --window: the course's tester view. One SDL window showing the board and
 * every logged-in dummy at its last own position (from its echoes), redrawn
 * by the swarm loop ten times a second. It lives on the swarm's thread;
 * closing it ends the run like Ctrl+C. Without a display the run goes on
 * without a window (one line on stderr).
 */
#include "stress.h"

#include <SDL.h>
#include <stdio.h>

#define WIN_PX 800

struct stress_window {
    SDL_Window *win;
    SDL_Renderer *ren;
};

struct stress_window *stress_window_open(void)
{
    struct stress_window *w;
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "stress: no window: %s\n", SDL_GetError());
        return NULL;
    }
    w = SDL_calloc(1, sizeof *w);
    if (w == NULL)
        goto fail;
    w->win = SDL_CreateWindow("stress", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, WIN_PX, WIN_PX, 0);
    if (w->win == NULL)
        goto fail;
    w->ren = SDL_CreateRenderer(w->win, -1, 0);
    if (w->ren == NULL)
        goto fail;
    return w;
fail:
    fprintf(stderr, "stress: no window: %s\n", SDL_GetError());
    stress_window_close(w);
    return NULL;
}

int stress_window_poll(struct stress_window *w)
{
    SDL_Event e;
    int closed = 0;
    while (SDL_PollEvent(&e))
        if (e.type == SDL_QUIT || (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_ESCAPE))
            closed = 1;
    (void)w;
    return closed;
}

void stress_window_draw(struct stress_window *w, uint16_t board_w, uint16_t board_h, const uint16_t *xy, uint32_t n,
                        uint32_t dummies, double mean_ms)
{
    char title[96];
    float sx, sy;
    int side = 1;

    if (board_w == 0 || board_h == 0)
        board_w = board_h = 8;
    sx = (float)WIN_PX / board_w;
    sy = (float)WIN_PX / board_h;
    if (sx >= 2 && sy >= 2)
        side = (int)(sx < sy ? sx : sy) - 1;
    SDL_SetRenderDrawColor(w->ren, 24, 24, 32, 255);
    SDL_RenderClear(w->ren);
    SDL_SetRenderDrawColor(w->ren, 240, 200, 80, 255);
    for (uint32_t k = 0; k < n; k++) {
        SDL_Rect r = { (int)(xy[2 * k] * sx), (int)(xy[2 * k + 1] * sy), side, side };
        SDL_RenderFillRect(w->ren, &r);
    }
    SDL_RenderPresent(w->ren);
    snprintf(title, sizeof title, "stress: %u dummies, mean delay %.0f ms", (unsigned)dummies, mean_ms);
    SDL_SetWindowTitle(w->win, title);
}

void stress_window_close(struct stress_window *w)
{
    if (w != NULL) {
        if (w->ren)
            SDL_DestroyRenderer(w->ren);
        if (w->win)
            SDL_DestroyWindow(w->win);
        SDL_free(w);
    }
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
}
