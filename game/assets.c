/*
 * Asset paths. SDL_GetBasePath is asked once: it allocates, and the answer
 * never changes while the process runs.
 */
#include "assets.h"

#include <SDL.h>
#include <stdio.h>
#include <sys/stat.h>

static const char *base_path(void)
{
    static char *base;
    static int asked;
    if (!asked) {
        asked = 1;
        base = SDL_GetBasePath(); /* kept for the life of the process */
    }
    return base ? base : "";
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int assets_path(const char *rel, char *out, size_t len)
{
    snprintf(out, len, "%sassets/%s", base_path(), rel);
    if (exists(out))
        return 0;
    char alt[1024];
    snprintf(alt, sizeof alt, "assets/%s", rel);
    if (exists(alt)) {
        snprintf(out, len, "%s", alt);
        return 0;
    }
    return -1;
}
