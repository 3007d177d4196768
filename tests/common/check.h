/*
 * The test toolkit, portable half: assertions and a runner for a table of
 * cases, in the manner of SDL's testautomation. Every test program uses it
 * (unit, integration, GUI, Wine); the unit tests also build as Windows
 * programs and run under Wine, so this half is plain C11 with no POSIX
 * call. The POSIX half, child processes and files, is tests/common/proc.h.
 *
 * Every check prints the case, the file and line, what it expected and
 * what it got, and counts a failure; the case goes on. A REQUIRE that
 * fails ends the whole program at once (exit 1) where going on would only
 * cascade, after the abort hook (an integration test kills its hosts and
 * shows their logs).
 *
 *   static void t_sum(void) { CHECK_INT(1 + 1, 2); }
 *   static const struct check_case tests[] = { CHECK_CASE(t_sum), {0} };
 *   CHECK_MAIN(tests)
 *
 * Each unit program (CHECK_MAIN) is one CTest test, unit_proto say, that
 * runs its whole table; its one argument, for a run by hand, names the one
 * case to run: `test_proto t_strerror`. The integration and GUI programs
 * take --case NAME, and CTest registers one test per case (and backend):
 * it_epoll_churn, gui_errors.
 */
#ifndef PAWN_TESTS_CHECK_H
#define PAWN_TESTS_CHECK_H

#include <stddef.h>
#include <stdio.h> /* mingw-w64: __MINGW_PRINTF_FORMAT, which printf the format is */
#include <string.h>

#if defined(__MINGW32__)
#define CHECK_PRINTF(fmt, args) __attribute__((format(__MINGW_PRINTF_FORMAT, fmt, args)))
#else
#define CHECK_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#endif

/* ---- reporting ----------------------------------------------------------- */

extern int check_failures;          /* failed checks so far, all cases */
extern const char *check_case_name; /* the case running, for every line */
extern int check_verbose;           /* PAWN_ITEST_VERBOSE=1 (proc_init) */

/* One failure line on stderr: "FAIL case (file:line): message". */
void check_fail_at(const char *file, int line, const char *fmt, ...) CHECK_PRINTF(3, 4);
/* Ends the program now: the abort hook, "FAIL case", the summary, exit 1. */
_Noreturn void check_abort(void);
/* An informational line on stdout: "  [case] message". */
void check_note(const char *fmt, ...) CHECK_PRINTF(1, 2);
/* on_fail runs after every failure line (the integration harness reports a
 * host that has died); on_abort before check_abort exits. Either may be
 * NULL. */
void check_set_hooks(void (*on_fail)(void), void (*on_abort)(void));

#define CHECK_FAIL(...) check_fail_at(__FILE__, __LINE__, __VA_ARGS__)

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond))                                                        \
            CHECK_FAIL("expected %s", #cond);                               \
    } while (0)

#define CHECK_INT(got, want)                                                \
    do {                                                                    \
        long long check_g_ = (long long)(got), check_w_ = (long long)(want); \
        if (check_g_ != check_w_)                                           \
            CHECK_FAIL("%s: expected %lld, got %lld", #got, check_w_, check_g_); \
    } while (0)

#define CHECK_STR(got, want)                                                \
    do {                                                                    \
        const char *check_g_ = (got), *check_w_ = (want);                   \
        if (strcmp(check_g_, check_w_) != 0)                                \
            CHECK_FAIL("%s: expected \"%s\", got \"%s\"", #got, check_w_, check_g_); \
    } while (0)

#define CHECK_MEM(got, want, n)                                             \
    do {                                                                    \
        if (memcmp((got), (want), (n)) != 0)                                \
            CHECK_FAIL("%s: %zu bytes differ from %s", #got, (size_t)(n), #want); \
    } while (0)

/* As CHECK and CHECK_INT, but nothing after them can run without it. */
#define REQUIRE(cond)                                                       \
    do {                                                                    \
        if (!(cond)) {                                                      \
            CHECK_FAIL("required %s", #cond);                               \
            check_abort();                                                  \
        }                                                                   \
    } while (0)

#define REQUIRE_INT(got, want)                                              \
    do {                                                                    \
        long long check_g_ = (long long)(got), check_w_ = (long long)(want); \
        if (check_g_ != check_w_) {                                         \
            CHECK_FAIL("%s: expected %lld, got %lld (required)", #got, check_w_, check_g_); \
            check_abort();                                                  \
        }                                                                   \
    } while (0)

/* ---- running cases ------------------------------------------------------- */

struct check_case {
    const char *name;
    void (*fn)(void);
};

#define CHECK_CASE(f) { #f, f }

/* What a program does around each case: before it (a watchdog, a
 * directory), and after it, with room to add to the "ok NAME" line (the
 * time it took, where its files are). Either may be NULL. */
struct check_runner {
    void (*before)(const struct check_case *c);
    void (*after)(const struct check_case *c, char *note, size_t cap);
};

/* Runs every case of the table (ended by a NULL name), or only the one
 * named `only`, printing "ok   NAME" or "FAIL NAME" for each and then
 * "N passed, N failed". Returns 0, 1 when a case failed, 2 when no case
 * has that name. r may be NULL. */
int check_run(const struct check_case *cases, const char *only, const struct check_runner *r);
/* Prints the case names, one a line (--list). */
void check_list(const struct check_case *cases);

/* An option with a value: "--NAME VALUE" sets *value. */
struct check_option {
    const char *name;
    const char **value;
};

/* Parses argv[1..] against opts (ended by a NULL name); "--list" prints
 * the cases. Returns 0 when every argument was an option and its value,
 * 1 after --list, -1 otherwise (the caller prints its usage). */
int check_options(int argc, char **argv, const struct check_option *opts, const struct check_case *cases);

/* A unit test's main: argv[1], when given, names the one case to run. */
int check_main(int argc, char **argv, const struct check_case *cases);
#define CHECK_MAIN(cases)                                                   \
    int main(int argc, char **argv) { return check_main(argc, argv, cases); }

/* setenv/unsetenv for tests that also run as Windows programs (Wine). */
void check_setenv(const char *name, const char *value);
void check_unsetenv(const char *name);

#endif
