/*
 * A tiny test registry in the manner of SDL's testautomation: each test is
 * a function in a table; each check prints what it expected and what it
 * got. The runner takes an optional test name (CTest registers each one)
 * and exits non-zero when any check failed.
 *
 *   static void t_something(void) { CHECK_INT(1 + 1, 2); }
 *   static const struct check_test tests[] = { CHECK_TEST(t_something), {0} };
 *   int main(int argc, char **argv) { return check_main(argc, argv, tests); }
 */
#ifndef PAWN_TESTS_CHECK_H
#define PAWN_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct check_test {
    const char *name;
    void (*fn)(void);
};

#define CHECK_TEST(f) { #f, f }

static int check_failures;
static const char *check_current;

#define CHECK_FAIL_AT(...)                                                  \
    do {                                                                    \
        check_failures++;                                                   \
        fprintf(stderr, "FAIL %s (%s:%d): ", check_current, __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                                       \
        fputc('\n', stderr);                                                \
    } while (0)

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond))                                                        \
            CHECK_FAIL_AT("expected %s", #cond);                            \
    } while (0)

#define CHECK_INT(got, want)                                                \
    do {                                                                    \
        long long check_g_ = (long long)(got), check_w_ = (long long)(want); \
        if (check_g_ != check_w_)                                           \
            CHECK_FAIL_AT("%s: expected %lld, got %lld", #got, check_w_, check_g_); \
    } while (0)

#define CHECK_STR(got, want)                                                \
    do {                                                                    \
        const char *check_g_ = (got), *check_w_ = (want);                   \
        if (strcmp(check_g_, check_w_) != 0)                                \
            CHECK_FAIL_AT("%s: expected \"%s\", got \"%s\"", #got, check_w_, check_g_); \
    } while (0)

#define CHECK_MEM(got, want, n)                                             \
    do {                                                                    \
        if (memcmp((got), (want), (n)) != 0)                                \
            CHECK_FAIL_AT("%s: %zu bytes differ from %s", #got, (size_t)(n), #want); \
    } while (0)

/* setenv/unsetenv for tests that also run as Windows programs (Wine). */
#ifdef _WIN32
#include <stdlib.h>
static inline void check_setenv(const char *name, const char *value) { _putenv_s(name, value); }
static inline void check_unsetenv(const char *name) { _putenv_s(name, ""); }
#else
#include <stdlib.h>
static inline void check_setenv(const char *name, const char *value) { setenv(name, value, 1); }
static inline void check_unsetenv(const char *name) { unsetenv(name); }
#endif

static inline int check_main(int argc, char **argv, const struct check_test *tests)
{
    int ran = 0, failed = 0;
    for (const struct check_test *t = tests; t->name; t++) {
        if (argc > 1 && strcmp(argv[1], t->name) != 0)
            continue;
        int before = check_failures;
        check_current = t->name;
        t->fn();
        ran++;
        if (check_failures != before)
            failed++;
        printf("%s %s\n", check_failures == before ? "ok  " : "FAIL", t->name);
    }
    if (ran == 0) {
        fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "(any)");
        return 2;
    }
    printf("%d passed, %d failed\n", ran - failed, failed);
    return failed ? 1 : 0;
}

#endif
