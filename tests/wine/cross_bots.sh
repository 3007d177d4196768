#!/bin/sh
# The wire format across the platforms: bots of one build against the host
# of the other, on 127.0.0.1 (issue 4).
#
#   cross_bots.sh linux-host   WINE EXE LINUX_PAWNPARTY   Windows bots -> Linux host
#   cross_bots.sh windows-host WINE EXE LINUX_PAWNPARTY   Linux bots -> Windows host
#
# The host is `pawnparty host --headless --port 0 --max-players 12`; the
# bots are `pawnparty bots 127.0.0.1:PORT --count 10 --seconds 3 --rate 20
# --check`, which checks every echo, the order of packets and a mirror of
# the board against what the host says. The case passes when the bots exit
# 0 with every bot logged in, echoes seen and no violation; the host logged
# all ten joins and leaves and stops cleanly: SIGTERM for Linux, SIGINT
# for Windows (Wine's Ctrl+C, CTRL_C_EVENT), exit 0 either way.
#
# Runs under the Wine fixture (WINEPREFIX with a running wineserver). Only
# the host this script started is signalled, by its PID. Exit 0 passed,
# 1 failed, 2 usage.
set -u
dir_mode=${1:-}
wine=${2:-}
exe=${3:-}
linux=${4:-}
[ -n "$linux" ] || { echo "usage: cross_bots.sh linux-host|windows-host WINE EXE LINUX_PAWNPARTY" >&2; exit 2; }
export PAWNPARTY_DISCOVERY_ADDR=127.0.0.1 WINEDEBUG=-all
unset DISPLAY

case "$dir_mode" in
linux-host) host_cmd="$linux" bots_cmd="$wine $exe" stop=TERM what="Windows bots -> Linux host" ;;
windows-host) host_cmd="$wine $exe" bots_cmd="$linux" stop=INT what="Linux bots -> Windows host" ;;
*) echo "usage: cross_bots.sh linux-host|windows-host WINE EXE LINUX_PAWNPARTY" >&2; exit 2 ;;
esac

tmp=$(mktemp -d /tmp/pawnparty-cross-XXXXXX)
host_pid=
fail() {
    echo "FAIL ($what): $*"
    echo "--- host stdout"; cat "$tmp/host.out" 2>/dev/null
    echo "--- host stderr (last 30 lines)"; tail -n 30 "$tmp/host.err" 2>/dev/null
    echo "--- bots output (last 30 lines)"; tail -n 30 "$tmp/bots.out" 2>/dev/null
    echo "(files kept in $tmp)"
    if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then
        kill -KILL "$host_pid" 2>/dev/null
        wait "$host_pid" 2>/dev/null
    fi
    exit 1
}
trap 'fail "interrupted"' INT TERM

# shellcheck disable=SC2086 # the host command is a word list ("wine EXE")
$host_cmd host --headless --port 0 --max-players 12 >"$tmp/host.out" 2>"$tmp/host.err" </dev/null &
host_pid=$!

. "$(dirname "$0")/../common/listening.sh"
# 60 s: Wine may be slow the first time.
wait_listening "$tmp/host.out" "$host_pid" 600 || fail "the host: $LISTEN_WHY"
port=$LISTEN_PORT
echo "$what: host pid $host_pid listening on 127.0.0.1:$port"

# shellcheck disable=SC2086
timeout -s KILL 60 $bots_cmd bots "127.0.0.1:$port" --count 10 --seconds 3 --rate 20 --check \
    >"$tmp/bots.out" 2>&1 </dev/null
code=$?
summary=$(grep '^bots: connected=' "$tmp/bots.out" | tail -n 1)
echo "$summary"
[ "$code" -eq 0 ] || fail "bots: expected exit status 0, got $code"
[ -n "$summary" ] || fail "bots printed no summary line"
field() { echo "$summary" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
[ "$(field connected)" = 10 ] || fail "connected=$(field connected), expected 10"
[ "$(field logged_in)" = 10 ] || fail "logged_in=$(field logged_in), expected 10"
[ "$(field violations)" = 0 ] || fail "violations=$(field violations), expected 0"
[ "$(field fails)" = 0 ] || fail "fails=$(field fails), expected 0"
case "$(field echoes)" in "" | 0) fail "no echoes" ;; esac

# The host saw ten players come and go (its log may lag the bots' exit).
i=0
while [ "$(grep -c ' leave id=' "$tmp/host.err")" -lt 10 ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
joins=$(grep -c ' join id=' "$tmp/host.err")
leaves=$(grep -c ' leave id=' "$tmp/host.err")
[ "$joins" -eq 10 ] || fail "the host logged $joins joins, expected 10"
[ "$leaves" -eq 10 ] || fail "the host logged $leaves leaves, expected 10"

kill -"$stop" "$host_pid"
i=0
while kill -0 "$host_pid" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -0 "$host_pid" 2>/dev/null && fail "the host did not exit within 10 s of SIG$stop"
wait "$host_pid"
hcode=$?
host_pid=
[ "$hcode" -eq 0 ] || fail "SIG$stop: the host exited with status $hcode, expected 0"
echo "ok   $what: 10 bots, host stopped by SIG$stop with status 0 ($(head -n 1 "$tmp/host.err" | cut -c14-))"
rm -rf "$tmp"
