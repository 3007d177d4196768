/*
 * The account's name on Windows (account.h). GetUserNameW, not the
 * USERNAME variable: getenv gives it in the ANSI code page, where a Korean
 * account name is not UTF-8 (and would be refused as a player name).
 */
#include "account.h"

#include <windows.h>

int account_name(char *out, size_t len)
{
    wchar_t w[257];
    DWORD n = sizeof w / sizeof w[0];
    if (!GetUserNameW(w, &n) || n <= 1)
        return -1;
    int got = WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)len, NULL, NULL);
    return got > 1 ? 0 : -1;
}
