/*
 * Leak-checker suppressions for libraries the game does not own.
 *
 * libdbus leaks a buffer when it tries to autolaunch a session bus and
 * there is none (no DBUS_SESSION_BUS_ADDRESS: Xvfb test runs, CI). SDL
 * asks D-Bus for input methods at start-up, so every sanitizer run of the
 * window would report it. LeakSanitizer calls this hook, when it exists,
 * for suppressions that apply before LSAN_OPTIONS; the game's own leaks
 * are still reported. Without a sanitizer nothing ever calls it.
 */
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
    return "leak:libdbus-1.so\n";
}
