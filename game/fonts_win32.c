/*
 * The Windows half of the font search (fonts_os.h).
 */
#include "fonts_os.h"

#include <stdio.h>
#include <stdlib.h>

/* Malgun Gothic ships with every Windows since Vista. */
int fonts_os_find(enum font_style style, char *out, size_t len)
{
    const char *windir = getenv("WINDIR");
    snprintf(out, len, "%s\\Fonts\\%s", windir ? windir : "C:\\Windows",
             style == FONT_BOLD ? "malgunbd.ttf" : "malgun.ttf");
    return fonts_has_hangul(out) ? 0 : -1;
}

void fonts_os_done(void)
{
}

const char *fonts_os_hint(void)
{
    return ""; /* Malgun Gothic, which every Windows has, is missing too: the zip is the fix */
}
