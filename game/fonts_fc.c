/*
 * The fontconfig half of the font search (fonts_os.h), for Linux.
 */
#include "fonts_os.h"

#include <fontconfig/fontconfig.h>
#include <stdio.h>

/* fontconfig sorts every installed font by how well it matches
 * "NanumGothic, lang ko"; the first that really has Hangul wins, so a
 * machine without Nanum still finds Noto CJK, UnDotum or the like. */
int fonts_os_find(enum font_style style, char *out, size_t len)
{
    if (!FcInit())
        return -1;
    FcPattern *pat = FcNameParse((const FcChar8 *)"NanumGothic:lang=ko");
    if (!pat)
        return -1;
    FcPatternAddInteger(pat, FC_WEIGHT, style == FONT_BOLD ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcFontSet *set = FcFontSort(NULL, pat, FcFalse, NULL, &res);
    int rc = -1;
    for (int i = 0; set && i < set->nfont && rc != 0; i++) {
        FcChar8 *file = NULL;
        FcCharSet *cs = NULL;
        int weight = 0;
        if (FcPatternGetString(set->fonts[i], FC_FILE, 0, &file) != FcResultMatch)
            continue;
        /* The charset is known without opening the file: skip the many
         * fonts without Hangul cheaply. */
        if (FcPatternGetCharSet(set->fonts[i], FC_CHARSET, 0, &cs) == FcResultMatch && !FcCharSetHasChar(cs, 0xAC00))
            continue;
        FcPatternGetInteger(set->fonts[i], FC_WEIGHT, 0, &weight);
        if (style == FONT_BOLD && weight < FC_WEIGHT_DEMIBOLD)
            continue;
        if (style == FONT_REGULAR && weight > FC_WEIGHT_MEDIUM)
            continue;
        snprintf(out, len, "%s", (const char *)file);
        if ((fonts_ends_with(out, ".ttf") || fonts_ends_with(out, ".otf") || fonts_ends_with(out, ".ttc"))
            && fonts_has_hangul(out))
            rc = 0;
    }
    if (set)
        FcFontSetDestroy(set);
    FcPatternDestroy(pat);
    return rc;
}

void fonts_os_done(void)
{
    FcFini();
}

const char *fonts_os_hint(void)
{
    return ";\nor install a Korean font (Debian, Ubuntu: sudo apt install fonts-nanum)";
}
