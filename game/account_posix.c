/*
 * The account's name on POSIX (account.h): the password database, which
 * knows it even where $USER is not set (a service, a bare `env -i`).
 */
#include "account.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int account_name(char *out, size_t len)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res && res->pw_name[0]) {
        snprintf(out, len, "%s", res->pw_name);
        return 0;
    }
    const char *user = getenv("USER");
    if (user && *user) {
        snprintf(out, len, "%s", user);
        return 0;
    }
    return -1;
}
