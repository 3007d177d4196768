/*
 * The remembered settings (prefs.h).
 */
#include "prefs.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFS_FILE "settings.txt"

/* Copies a value up to the end of its line, cut to cap - 1 bytes on a
 * UTF-8 boundary. */
static void copy_value(char *dst, size_t cap, const char *v)
{
    size_t n = strcspn(v, "\r\n");
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static void apply_line(struct prefs *p, const char *line)
{
    const char *eq = strchr(line, '=');
    if (!eq)
        return;
    size_t k = (size_t)(eq - line);
    const char *v = eq + 1;
    if (k == 4 && strncmp(line, "name", 4) == 0) {
        copy_value(p->name, sizeof p->name, v);
    } else if (k == 4 && strncmp(line, "port", 4) == 0) {
        long port = strtol(v, NULL, 10);
        p->port = port > 0 && port <= 65535 ? (uint16_t)port : 0;
    } else if (k == 4 && strncmp(line, "addr", 4) == 0) {
        copy_value(p->addr, sizeof p->addr, v);
    } else if (k == 5 && strncmp(line, "muted", 5) == 0) {
        p->muted = v[0] == '1';
    }
}

int prefs_load(struct prefs *p)
{
    memset(p, 0, sizeof *p);
    char *dir = SDL_GetPrefPath("PawnParty", "pawnparty");
    if (!dir)
        return -1;
    snprintf(p->path, sizeof p->path, "%s%s", dir, PREFS_FILE);
    SDL_free(dir);
    FILE *f = fopen(p->path, "rb");
    if (!f)
        return 0; /* the first run */
    char line[512];
    while (fgets(line, sizeof line, f))
        apply_line(p, line);
    fclose(f);
    return 0;
}

int prefs_save(const struct prefs *p)
{
    if (!p->path[0])
        return -1;
    char tmp[sizeof p->path + 8];
    snprintf(tmp, sizeof tmp, "%s.new", p->path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return -1;
    fprintf(f, "name=%s\n", p->name);
    if (p->port)
        fprintf(f, "port=%u\n", p->port);
    fprintf(f, "addr=%s\n", p->addr);
    fprintf(f, "muted=%d\n", p->muted ? 1 : 0);
    if (fclose(f) != 0) {
        remove(tmp);
        return -1;
    }
    /* Windows' rename does not replace a file. */
    remove(p->path);
    return rename(tmp, p->path) == 0 ? 0 : -1;
}
