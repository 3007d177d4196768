/*
 * The test toolkit's portable half (check.h): failure lines, notes, the
 * case runner. Plain C11 on purpose: it runs under Wine too.
 */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int check_failures;
const char *check_case_name = "(none)";
int check_verbose;

static void (*fail_hook)(void);
static void (*abort_hook)(void);

/* The runner's tally, so that an abort mid-table still says how it went. */
static int ran, failed;

void check_set_hooks(void (*on_fail)(void), void (*on_abort)(void))
{
    fail_hook = on_fail;
    abort_hook = on_abort;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/'), *back = strrchr(path, '\\');
    if (back && (!slash || back > slash))
        slash = back;
    return slash ? slash + 1 : path;
}

void check_fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    check_failures++;
    fflush(stdout);
    fprintf(stderr, "FAIL %s (%s:%d): ", check_case_name, base_name(file), line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (fail_hook)
        fail_hook();
    fflush(stderr);
}

void check_note(const char *fmt, ...)
{
    va_list ap;
    printf("  [%s] ", check_case_name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

_Noreturn void check_abort(void)
{
    if (abort_hook)
        abort_hook();
    printf("FAIL %s (aborted)\n%d passed, %d failed\n", check_case_name, ran - failed, failed + 1);
    fflush(stdout);
    fflush(stderr);
    exit(1);
}

int check_run(const struct check_case *cases, const char *only, const struct check_runner *r)
{
    ran = failed = 0;
    for (const struct check_case *c = cases; c->name; c++) {
        if (only && strcmp(only, c->name) != 0)
            continue;
        int before = check_failures;
        char note[600] = "";
        check_case_name = c->name;
        if (r && r->before)
            r->before(c);
        c->fn();
        if (r && r->after)
            r->after(c, note, sizeof note);
        ran++;
        if (check_failures != before)
            failed++;
        printf("%s %s%s\n", check_failures == before ? "ok  " : "FAIL", c->name, note);
        fflush(stdout);
    }
    if (ran == 0) {
        fprintf(stderr, "no case named %s\n", only ? only : "(any)");
        return 2;
    }
    printf("%d passed, %d failed\n", ran - failed, failed);
    return failed ? 1 : 0;
}

void check_list(const struct check_case *cases)
{
    for (const struct check_case *c = cases; c->name; c++)
        puts(c->name);
}

int check_options(int argc, char **argv, const struct check_option *opts, const struct check_case *cases)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0 && cases) {
            check_list(cases);
            return 1;
        }
        const struct check_option *o = opts;
        while (o->name && strcmp(o->name, argv[i]) != 0)
            o++;
        if (!o->name || i + 1 >= argc)
            return -1;
        *o->value = argv[++i];
    }
    return 0;
}

int check_main(int argc, char **argv, const struct check_case *cases)
{
    return check_run(cases, argc > 1 ? argv[1] : NULL, NULL);
}

#ifdef _WIN32
void check_setenv(const char *name, const char *value)
{
    _putenv_s(name, value);
}

void check_unsetenv(const char *name)
{
    _putenv_s(name, "");
}
#else
void check_setenv(const char *name, const char *value)
{
    setenv(name, value, 1);
}

void check_unsetenv(const char *name)
{
    unsetenv(name);
}
#endif
