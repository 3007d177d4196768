#!/bin/sh
# The Wine tests' private prefix and its wineserver (a CTest fixture).
#
#   prefix.sh start PREFIX   create PREFIX if needed (wineboot), start a
#                            persistent wineserver for it
#   prefix.sh stop PREFIX    stop that wineserver (wineserver -k)
#
# Why a fixture: the first Wine program in a prefix starts the wineserver
# (and wineboot's services) with that program's stdin/stdout/stderr. Under
# CTest those are pipes, and a server holding them open keeps CTest waiting
# for an EOF that never comes. Started here, with /dev/null as stdio and
# `-p` (persistent), the server outlives every test and holds no test's pipe.
#
# The file limit is raised before the server starts: every socket a Windows
# program opens is a file descriptor in the server too, and the tests open
# hundreds (churn, bots). Only this prefix's server is ever stopped.
set -eu
cmd=${1:-}
prefix=${2:-}
case "$prefix" in
/*) ;;
*) echo "usage: prefix.sh start|stop /ABSOLUTE/PREFIX" >&2; exit 2 ;;
esac
export WINEPREFIX="$prefix" WINEDEBUG=-all WINEARCH=win64
# No Mono or Gecko installers (they would ask for a window and a download).
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY

case "$cmd" in
start)
    command -v wine >/dev/null 2>&1 || { echo "prefix.sh: SKIPPED: wine is not installed" >&2; exit 77; }
    hard=$(ulimit -Hn)
    want=65536
    [ "$hard" = unlimited ] || [ "$hard" -ge "$want" ] || want=$hard
    ulimit -n "$want" 2>/dev/null || true
    # A server left behind by an interrupted run would not have our limit.
    wineserver -k </dev/null >/dev/null 2>&1 || true
    wineserver -w </dev/null >/dev/null 2>&1 || true
    mkdir -p "$prefix"
    t0=$(date +%s)
    wineserver -p </dev/null >/dev/null 2>&1
    if ! wineboot -u </dev/null >"$prefix.wineboot.log" 2>&1; then
        echo "prefix.sh: wineboot failed; its log:" >&2
        cat "$prefix.wineboot.log" >&2
        wineserver -k </dev/null >/dev/null 2>&1 || true
        exit 1
    fi
    # The game ships its font (assets/fonts/NanumGothic.ttf beside the exe,
    # game/fonts.c takes it first), so the prefix gets no Korean font at
    # all, as a Windows without Malgun Gothic: the window must draw Hangul
    # from what the zip carries. (A prefix from an older run had copies of
    # NanumGothic under Malgun's names: they go.)
    rm -f "$prefix/drive_c/windows/Fonts/malgun.ttf" "$prefix/drive_c/windows/Fonts/malgunbd.ttf"
    # Xvfb has no window manager, and winex11 waits up to 2 s for one to
    # withdraw every managed window that is hidden or destroyed: every
    # Quit took 2 s, which no Windows desktop does. Unmanaged windows are
    # placed and closed as the program says.
    wine reg add 'HKCU\Software\Wine\X11 Driver' /v Managed /d N /f </dev/null >/dev/null 2>&1 ||
        echo "prefix.sh: could not make Wine's windows unmanaged (Quit will wait 2 s for a window manager)" >&2
    # Setting the prefix up started Wine's desktop process (explorer.exe
    # /desktop) with no display. Until it exits by itself, about 30 s
    # later, every window a test opens fails ("Couldn't create window"):
    # end it now, by its pid (this prefix's only), so that the first game
    # window starts a desktop on its own test's X server.
    desktops=
    for d in /proc/[0-9]*; do
        case "$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" in
        'C:\windows\system32\explorer.exe /desktop'*)
            tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qx "WINEPREFIX=$prefix" && desktops="$desktops ${d#/proc/}" ;;
        esac
    done
    for pid in $desktops; do
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    echo "prefix.sh: $prefix ready in $(($(date +%s) - t0)) s (wine $(wine --version 2>/dev/null)," \
        "file limit $(ulimit -n))"
    ;;
stop)
    command -v wineserver >/dev/null 2>&1 || exit 0
    wineserver -k </dev/null >/dev/null 2>&1 || true
    # -k returns at once; wait until the server has gone so the next run
    # (or a `rm -rf` of the build tree) does not race it.
    wineserver -w </dev/null >/dev/null 2>&1 || true
    echo "prefix.sh: wineserver for $prefix stopped"
    ;;
*)
    echo "usage: prefix.sh start|stop /ABSOLUTE/PREFIX" >&2
    exit 2
    ;;
esac
