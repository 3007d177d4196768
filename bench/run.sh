#!/usr/bin/env bash
# The I/O models side by side: the course's ramp (build/stress) against our
# host (each backend) and every peer in bench/, in two worlds, in one run.
# Writes docs/bench.md (the table) and docs/bench/*.png (the plots).
#
#   bench/run.sh [SECONDS_PER_RUN]      (default 45)
#
# Host and tester share this machine. Runs are interleaved world by world so
# that the machine's noise falls on every server alike; each figure is one
# run, so read differences under ~20% as noise (docs/bench.md says more).
set -euo pipefail
cd "$(dirname "$0")/.."
export PAWNPARTY_DISCOVERY_ADDR=127.0.0.1
export PAWNPARTY_DISCOVERY_PORT=$((20000 + $$ % 20000))
secs=${1:-45}
b=${PAWN_BUILD:-build}
for t in pawnparty stress peer_threads peer_select peer_uv; do
    [ -x "$b/$t" ] || { echo "bench/run.sh: $b/$t is missing: run ./build.sh build first" >&2; exit 2; }
done
out=docs/bench
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name|command (the world options and --port 0 are appended)
servers=(
    "host io_uring|$b/pawnparty host --headless --backend uring"
    "host epoll|$b/pawnparty host --headless --backend epoll"
    "host io_uring, send tick 20 ms|$b/pawnparty host --headless --backend uring --send-tick-ms 20"
    "peer libuv|$b/peer_uv"
    "peer thread per client|$b/peer_threads"
    "peer select()|$b/peer_select"
)
# name|world options|stress --max|ms between a dummy's moves
# The dense board fills up at 1 move/s before most servers tire (a move
# into a taken square is only an echo), so it is also run at 4 moves/s.
worlds=(
    "sparse|--board 400x400 --view 7 --max-players 20000|19500|1000"
    "dense|--board 100x100 --view 7 --max-players 10000|9000|1000"
    "dense, 4 moves/s|--board 100x100 --view 7 --max-players 10000|9000|250"
)

start_server() { # command... -> sets srv_pid, srv_port
    "$@" --port 0 >"$tmp/srv.out" 2>"$tmp/srv.err" &
    srv_pid=$!
    srv_port=
    for _ in $(seq 100); do
        srv_port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/srv.out" | head -1)
        [ -n "$srv_port" ] && return 0
        kill -0 "$srv_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "bench/run.sh: server did not start: $*" >&2
    cat "$tmp/srv.err" >&2
    return 1
}

slug() { echo "$1" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' '-' | sed 's/-\+/-/g; s/-$//'; }

results=$tmp/results
: >"$results"
for w in "${worlds[@]}"; do
    IFS='|' read -r wname wopts wmax wmove <<<"$w"
    for s in "${servers[@]}"; do
        IFS='|' read -r sname scmd <<<"$s"
        tag="$(slug "$wname")-$(slug "$sname")"
        # shellcheck disable=SC2086
        start_server $scmd $wopts || { echo "$wname|$sname|-|-|-" >>"$results"; continue; }
        "$b/stress" "127.0.0.1:$srv_port" --max "$wmax" --move-ms "$wmove" --ramp-ms 2 --seconds "$secs" --quiet \
            --csv "$out/$tag.csv" --png "$out/$tag.png" >"$tmp/stress.out" 2>&1 || true
        kill -TERM "$srv_pid" 2>/dev/null || true
        wait "$srv_pid" 2>/dev/null || true
        at50=$(sed -n 's/.*max held at mean delay <= 50 ms: \([0-9]*\).*/\1/p' "$tmp/stress.out" | head -1)
        held=$(sed -n 's/.*max held \([0-9]*\) dummies for a full second.*/\1/p' "$tmp/stress.out" | head -1)
        echo "$wname|$sname|${at50:-0}|${held:-0}|$tag" >>"$results"
        echo "bench: $wname / $sname: held ${held:-?} (at mean <= 50 ms: ${at50:-?})" >&2
    done
done

# ---- docs/bench.md -------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
    echo "# The I/O models side by side"
    echo
    echo "Made by \`bench/run.sh $secs\` on $(date -u +%Y-%m-%d): $(nproc) cores ($cpu),"
    echo "$(free -g | awk '/Mem:/ {print $2}') GB, Linux $(uname -r). Host (or peer) and tester share"
    echo "these cores. Each server gets the course's ramp from \`build/stress\`"
    echo "(a dummy every 2 ms while the mean delay is under 100 ms, shedding above"
    echo "150 ms; each dummy moves once a second) for $secs s. **Held** is the most"
    echo "dummies logged in for a full second whose mean echo delay was 50 ms or"
    echo "less. One run per cell: differences under about 20% are noise on this"
    echo "machine. What limits each design, and what would lift it:"
    echo "[performance.md](performance.md)."
    echo
    for w in "${worlds[@]}"; do
        IFS='|' read -r wname wopts wmax wmove <<<"$w"
        uv=$(awk -F'|' -v w="$wname" '$1 == w && $2 == "peer libuv" {print $3}' "$results")
        echo "## $wname world: \`$wopts\`, a move every $wmove ms, at most $wmax dummies"
        echo
        echo "| server | held at mean <= 50 ms | vs libuv | most held at any delay | plot |"
        echo "|---|---|---|---|---|"
        while IFS='|' read -r rw rs r50 rheld rtag; do
            [ "$rw" = "$wname" ] || continue
            ratio=-
            if [ -n "$uv" ] && [ "$uv" -gt 0 ] 2>/dev/null && [ "$r50" != "-" ]; then
                ratio=$(awk -v a="$r50" -v b="$uv" 'BEGIN {printf "%.2fx", a / b}')
            fi
            echo "| $rs | $r50 | $ratio | $rheld | [png](bench/$rtag.png) |"
        done <"$results"
        echo
    done
} >docs/bench.md.new
mv docs/bench.md.new docs/bench.md
echo "bench/run.sh: wrote docs/bench.md and $out/" >&2
