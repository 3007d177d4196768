#!/usr/bin/env bash
# Smoke test for a benchmark peer (bench/peer_*.c):
#
#   peer_smoke.sh PEER PAWNPARTY BOTS [PEER OPTIONS...]
#
# PEER is a command (split on spaces), so our own host runs through the
# same check: "build/pawnparty host --headless --bind 127.0.0.1".
# Starts PEER --port 0 [options] on 127.0.0.1, waits for its
# "listening on 127.0.0.1:PORT" line, runs BOTS bots for 3 s at 5 moves/s
# with --check (exit 0: every bot logged in, no ordering or mirror
# violation), then sends SIGTERM and expects exit status 0.
set -u
export PAWNPARTY_DISCOVERY_ADDR=127.0.0.1
peer=$1 pawnparty=$2 count=$3
shift 3
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "peer_smoke: $*" >&2; echo "--- peer stderr:" >&2; tail -20 "$tmp/err" >&2; exit 1; }

read -ra peer_cmd <<<"$peer"
"${peer_cmd[@]}" --port 0 "$@" >"$tmp/out" 2>"$tmp/err" &
pid=$!
. "$(dirname "$0")/../common/listening.sh"
wait_listening "$tmp/out" "$pid" 100 || fail "$(basename "${peer_cmd[0]}"): $LISTEN_WHY"
[ "$LISTEN_ADDR" = 127.0.0.1 ] || fail "listening on $LISTEN_ADDR, expected 127.0.0.1"
port=$LISTEN_PORT

"$pawnparty" bots "127.0.0.1:$port" --count "$count" --seconds 3 --rate 5 --check >"$tmp/bots" 2>"$tmp/bots_err"
rc=$?
cat "$tmp/bots"
[ $rc -eq 0 ] || { tail -5 "$tmp/bots_err" >&2; fail "bots exited $rc"; }

kill -TERM "$pid"
for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && fail "still running 10 s after SIGTERM"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || fail "exit status $rc after SIGTERM, expected 0"
echo "peer_smoke: $(basename "$peer") ok"
