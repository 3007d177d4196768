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
    # The Windows game draws with Malgun Gothic (C:\Windows\Fonts\malgun.ttf
    # and malgunbd.ttf), which Wine does not ship. The prefix gets, under
    # those names, the files fontconfig gives the native game (NanumGothic,
    # game/fonts.c): both builds then draw the same glyphs, which the
    # golden comparison (winegui) needs.
    fonts="$prefix/drive_c/windows/Fonts"
    mkdir -p "$fonts"
    for style in regular:malgun.ttf bold:malgunbd.ttf; do
        file=$(fc-match -f '%{file}' "NanumGothic:lang=ko:weight=${style%%:*}" 2>/dev/null || true)
        if [ -n "$file" ] && [ -f "$file" ]; then
            cp -f "$file" "$fonts/${style#*:}"
            echo "prefix.sh: C:\\windows\\Fonts\\${style#*:} is $file"
        else
            echo "prefix.sh: no NanumGothic ${style%%:*} face (fonts-nanum): the Windows game has no font" >&2
        fi
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
