#!/usr/bin/env bash
# Pawn Party's one entry point on Linux.
#
#   ./build.sh run [ARGS]           install what is missing, build, start the game
#                                   (ARGS go to pawnparty: e.g. host --headless)
#   ./build.sh test                 build normal, ASan+UBSan and TSan trees and run
#                                   every test in each (plus the fuzzer where clang is)
#   ./build.sh build                just the normal build (build/pawnparty)
#   ./build.sh windows              cross-build build-win64/pawnparty.exe (the game,
#                                   a GUI program), build-win64/pawnparty-console.exe
#                                   (the command line) and build-win64/pawnparty-win64.zip
#                                   (both + assets/)
#
# Build trees: build/ (normal), build-asan/, build-tsan/, build-fuzz/,
# build-win64/ (Windows; its SDL2 family in third_party/win64/).
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

# Every run on a development or CI machine keeps LAN discovery on loopback.
export PAWNPARTY_DISCOVERY_ADDR=${PAWNPARTY_DISCOVERY_ADDR:-127.0.0.1}

# --- dependencies -----------------------------------------------------------
need_pkgs() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "build.sh: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

base_pkgs=(cmake ninja-build gcc libc6-dev pkg-config liburing-dev
    libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libfontconfig-dev fontconfig fonts-nanum)
test_pkgs=(clang libclang-rt-14-dev xvfb xdotool imagemagick x11-utils xfonts-base iproute2 libuv1-dev)

configure_build() { # dir [cmake args...]
    local dir=$1
    shift
    cmake -S "$top" -B "$dir" -G Ninja "$@" >/dev/null
    # Build chatter goes to stderr: stdout is the game's (`listening on`).
    cmake --build "$dir" -j "$jobs" ${PAWN_TARGET:+--target "$PAWN_TARGET"} >&2
}

# --- tests --------------------------------------------------------------------
total_pass=0
total_fail=0
failed_suites=()

run_ctest() { # name dir [ctest args...]
    local name=$1 dir=$2
    shift 2
    echo "=== $name ==="
    local log="$dir/ctest.log" rc
    set +e
    (cd "$dir" && ctest --output-on-failure -j "$jobs" "$@") 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    local line
    line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1 || true)
    if [ -n "$line" ]; then
        local failed total
        failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
        total=$(echo "$line" | sed -E 's/.* tests failed out of ([0-9]+).*/\1/')
        total_pass=$((total_pass + total - failed))
        total_fail=$((total_fail + failed))
    fi
    if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
        failed_suites+=("$name")
        [ -n "$line" ] || total_fail=$((total_fail + 1))
    fi
}

cmd_test() {
    need_pkgs "${base_pkgs[@]}" "${test_pkgs[@]}"
    # The Windows part: without these it is skipped (loudly), not failed.
    need_pkgs wine wine64 mingw-w64 || true
    local started=$SECONDS
    # build/ also holds the Wine tests (cmake/wine_tests.cmake, label wine),
    # run below once build-win64/pawnparty.exe is built.
    configure_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAWN_WERROR=ON \
        -DPAWN_WIN_EXE="$top/build-win64/pawnparty.exe"
    run_ctest "normal build" build -LE wine
    configure_build build-asan -DCMAKE_BUILD_TYPE=Debug -DPAWN_WERROR=ON -DPAWN_SANITIZE=address
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run_ctest "ASan+UBSan build" build-asan
    configure_build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAWN_WERROR=ON -DPAWN_SANITIZE=thread
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
        run_ctest "TSan build" build-tsan
    if command -v clang >/dev/null 2>&1; then
        CC=clang configure_build build-fuzz -DPAWN_FUZZ=ON -DPAWN_WERROR=ON
        run_ctest "fuzz (libFuzzer, 30 s)" build-fuzz
    else
        echo "=== fuzz: SKIPPED, clang is not installed ==="
    fi
    # The Windows build under Wine: the integration suite against the IOCP
    # host, bots across the platforms, the window against the Linux one.
    local wine_started=$SECONDS rc
    if ! command -v wine >/dev/null 2>&1; then
        echo "=== Windows build under Wine: SKIPPED, wine is not installed (apt-get install wine wine64) ==="
    else
        set +e
        (set -e; cmd_windows)
        rc=$?
        set -e
        if [ "$rc" -eq 0 ]; then
            run_ctest "Windows unit tests under Wine" build-win64
            run_ctest "Windows build under Wine" build -L wine
        else
            echo "=== Windows build under Wine: ./build.sh windows failed (status $rc); no Windows test ran ==="
            failed_suites+=("Windows build")
            total_fail=$((total_fail + 1))
        fi
        echo "build.sh test: Windows part $((SECONDS - wine_started)) s"
    fi
    echo "build.sh test: $((SECONDS - started)) s"
    [ ${#failed_suites[@]} -eq 0 ] || echo "build.sh test: failures in: ${failed_suites[*]}"
    echo "total: $total_pass passed, $total_fail failed"
    [ ${#failed_suites[@]} -eq 0 ]
}

# --- run ----------------------------------------------------------------------
cmd_build() {
    need_pkgs "${base_pkgs[@]}"
    configure_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
}

cmd_run() {
    need_pkgs "${base_pkgs[@]}"
    PAWN_TARGET=pawnparty configure_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    # The game window (Host or Join); any arguments go to pawnparty, e.g.
    # `./build.sh run host --headless` for a dedicated server. Without a
    # display there is no window to open: host headless instead.
    if [ $# -eq 0 ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
        echo "build.sh: no display: starting a headless host (join it with build/pawnparty bots 127.0.0.1)" >&2
        set -- host --headless
    fi
    exec "$top/build/pawnparty" "$@"
}

# --- windows --------------------------------------------------------------------
# Static exes that need no DLLs: the SDL2 family built once from Debian's
# sources (tools/build-win64-deps.sh; a no-op when up to date), then the game
# (pawnparty.exe, GUI subsystem; pawnparty-console.exe, console subsystem)
# and its unit tests with cmake/mingw-w64.cmake, both exes packed with
# assets/ (sprites, sounds, the font and its licence) for players.
cmd_windows() {
    tools/build-win64-deps.sh
    configure_build build-win64 -DCMAKE_TOOLCHAIN_FILE="$top/cmake/mingw-w64.cmake" \
        -DCMAKE_BUILD_TYPE=Release -DPAWN_WERROR=ON
    cmake --build build-win64 --target pawnparty_zip >&2
    echo "build.sh windows: build-win64/pawnparty.exe ($(stat -c %s build-win64/pawnparty.exe) bytes)," \
        "build-win64/pawnparty-console.exe, build-win64/pawnparty-win64.zip" >&2
}

case "${1:-run}" in
run) shift || true; cmd_run "$@" ;;
test) cmd_test ;;
build) cmd_build ;;
windows) cmd_windows ;;
*)
    echo "usage: ./build.sh [run [PAWNPARTY ARGS] | test | build | windows]" >&2
    exit 2
    ;;
esac
