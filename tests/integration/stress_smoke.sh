#!/bin/sh
# Smoke test of the ramp (no timing assertions: benchmarks are not tests).
# Starts a server on 127.0.0.1 with --port 0 on the sparse world, runs
#   stress 127.0.0.1:PORT --max 300 --ramp-ms 5 --seconds 5 --csv --png
# and checks that dummies logged in, echoes came back, the PNG loads, and
# the server still exits 0 on SIGTERM. The server is our host (either
# backend) or one of the peers in bench/: bench/run.sh drives them all the
# same way, and this proves each of them works before a benchmark needs it.
#
# usage: stress_smoke.sh STRESS WORKDIR SERVER [SERVER ARGS...]
#   e.g. stress_smoke.sh build/stress /tmp/w build/pawnparty host --headless --backend epoll
set -u
STRESS=$1
WORK=$2
shift 2
export PAWNPARTY_DISCOVERY_ADDR=127.0.0.1

mkdir -p "$WORK" || exit 1
rm -f "$WORK"/host.out "$WORK"/host.err "$WORK"/stress.out "$WORK"/run.csv "$WORK"/run.png
HOST_PID=

fail() {
    echo "stress_smoke: FAIL: $*" >&2
    for f in host.err stress.out; do
        [ -f "$WORK/$f" ] && { echo "--- $f (last lines)" >&2; tail -n 20 "$WORK/$f" >&2; }
    done
    [ -n "$HOST_PID" ] && kill -KILL "$HOST_PID" 2>/dev/null
    exit 1
}

"$@" --port 0 --board 400x400 --view 7 --max-players 2000 \
    >"$WORK/host.out" 2>"$WORK/host.err" &
HOST_PID=$!

# The host prints "listening on ADDRESS:PORT" when it is ready.
. "$(dirname "$0")/../common/listening.sh"
wait_listening "$WORK/host.out" "$HOST_PID" 100 || fail "the host: $LISTEN_WHY"
PORT=$LISTEN_PORT
echo "stress_smoke: host pid $HOST_PID on port $PORT"

"$STRESS" "127.0.0.1:$PORT" --max 300 --ramp-ms 5 --seconds 5 \
    --csv "$WORK/run.csv" --png "$WORK/run.png" >"$WORK/stress.out" 2>&1
RC=$?
cat "$WORK/stress.out"
[ $RC -eq 0 ] || fail "stress exited $RC"

# CSV: t,dummies,mean_ms,p99_ms,packets_in,packets_out,logins_failed,echoes,dropped
head -n 1 "$WORK/run.csv" | grep -q '^t,dummies,mean_ms,p99_ms,packets_in,packets_out,logins_failed' \
    || fail "the CSV header is wrong"
ROWS=$(tail -n +2 "$WORK/run.csv" | wc -l)
[ "$ROWS" -ge 4 ] || fail "expected about 5 CSV rows, got $ROWS"
MAXD=$(tail -n +2 "$WORK/run.csv" | awk -F, '$2 > m { m = $2 } END { print m + 0 }')
[ "$MAXD" -gt 0 ] || fail "no dummy ever logged in"
ECHOES=$(tail -n +2 "$WORK/run.csv" | awk -F, '$3 != "" && $8 > 0 { n++ } END { print n + 0 }')
[ "$ECHOES" -gt 0 ] || fail "no CSV row with echoes and a mean delay"
echo "stress_smoke: $ROWS rows, up to $MAXD dummies, $ECHOES rows with echoes"

[ -s "$WORK/run.png" ] || fail "no PNG written"
"$STRESS" --verify-png "$WORK/run.png" || fail "the PNG does not load"

kill -TERM "$HOST_PID"
wait "$HOST_PID"
HRC=$?
HOST_PID=
[ $HRC -eq 0 ] || fail "the host exited $HRC on SIGTERM"
echo "stress_smoke: ok"
exit 0
