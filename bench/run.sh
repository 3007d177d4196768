#!/usr/bin/env bash
# The I/O models side by side: the course's ramp (build/stress) against our
# host (each backend; paced by load, as it runs by default, and with
# --send-tick-ms 0, a send at the end of every batch) and every peer in
# bench/, in three worlds, in one run. Writes docs/bench.md (the table) and
# docs/bench/*.png (the plots: dummies, own-echo and seen-by-others delay).
#
#   bench/run.sh [SECONDS_PER_RUN] [ROUNDS]      (defaults 45 and 2)
#
# Host and tester share this machine. Each world runs every server ROUNDS
# times, the order reversed every other round (host, libuv, libuv, host),
# so that the machine's drift falls on every server alike; the table shows
# every round and the best.
set -euo pipefail
cd "$(dirname "$0")/.."
export PAWNPARTY_DISCOVERY_ADDR=127.0.0.1
export PAWNPARTY_DISCOVERY_PORT=$((20000 + $$ % 20000))
secs=${1:-45}
rounds=${2:-2}
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
    "host io_uring, --send-tick-ms 0|$b/pawnparty host --headless --backend uring --send-tick-ms 0"
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
    for round in $(seq "$rounds"); do
        order=("${servers[@]}")
        if [ $((round % 2)) -eq 0 ]; then
            order=()
            for ((k = ${#servers[@]} - 1; k >= 0; k--)); do order+=("${servers[$k]}"); done
        fi
        for s in "${order[@]}"; do
            IFS='|' read -r sname scmd <<<"$s"
            tag="$(slug "$wname")-$(slug "$sname")-$round"
            # shellcheck disable=SC2086
            start_server $scmd $wopts || { echo "$wname|$sname|$round|-|-|-|-|-" >>"$results"; continue; }
            "$b/stress" "127.0.0.1:$srv_port" --max "$wmax" --move-ms "$wmove" --ramp-ms 2 --seconds "$secs" \
                --quiet --csv "$out/$tag.csv" --png "$out/$tag.png" >"$tmp/stress.out" 2>&1 || true
            kill -TERM "$srv_pid" 2>/dev/null || true
            wait "$srv_pid" 2>/dev/null || true
            line=$(grep 'max held at mean delay' "$tmp/stress.out" | head -1)
            at=$(echo "$line" | sed -n 's/.*): \([0-9]*\) dummies.*/\1/p')
            own=$(echo "$line" | sed -n 's/.*own echo \([0-9.-]*\) ms.*/\1/p')
            seen=$(echo "$line" | sed -n 's/.*seen by others \([0-9.-]*\) ms).*/\1/p')
            held=$(sed -n 's/.*max held \([0-9]*\) dummies for a full second.*/\1/p' "$tmp/stress.out" | head -1)
            per=$(sed -n 's/.*(\([0-9.]*\) a send).*/\1/p' "$tmp/srv.err" | tail -1)
            echo "$wname|$sname|$round|${at:-0}|${own:--}|${seen:--}|${held:-0}|${per:--}|$tag" >>"$results"
            echo "bench: $wname / $sname / round $round: held ${at:-?} (own ${own:-?} ms, seen ${seen:-?} ms)," \
                "${held:-?} at any delay, ${per:--} packets a send" >&2
        done
    done
done

# ---- docs/bench.md -------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
best() { # world server -> the best held over the rounds
    awk -F'|' -v w="$1" -v s="$2" '$1 == w && $2 == s && $4 + 0 > m {m = $4 + 0} END {print m + 0}' "$results"
}
{
    echo "# The I/O models side by side"
    echo
    echo "Made by \`bench/run.sh $secs $rounds\` on $(date -u +%Y-%m-%d): $(nproc) cores ($cpu),"
    echo "$(free -g | awk '/Mem:/ {print $2}') GB, Linux $(uname -r). Host (or peer) and tester share"
    echo "these cores. Each server gets the course's ramp from \`build/stress\`"
    echo "(a dummy every 2 ms while the mean own-echo delay is under 100 ms,"
    echo "shedding above 150 ms) for $secs s, $rounds times, in interleaved order."
    echo "**Held** is the most dummies logged in for a full second in which the"
    echo "mean delay of a mover's own echo was 50 ms or less **and** the mean"
    echo "delay with which the other dummies saw its moves was 100 ms or less;"
    echo "the two delays are those of that second. Packets a send: the host's"
    echo "count over the whole run (the peers do not count). What limits each"
    echo "design, and what would lift it: [performance.md](performance.md)."
    echo
    for w in "${worlds[@]}"; do
        IFS='|' read -r wname wopts wmax wmove <<<"$w"
        uv=$(best "$wname" "peer libuv")
        echo "## $wname world: \`$wopts\`, a move every $wmove ms, at most $wmax dummies"
        echo
        echo "| server | round | held | own echo ms | seen by others ms | vs libuv (best) | held at any delay | packets a send | plot |"
        echo "|---|---|---|---|---|---|---|---|---|"
        for s in "${servers[@]}"; do
            IFS='|' read -r sname _ <<<"$s"
            b_here=$(best "$wname" "$sname")
            ratio=-
            [ "$uv" -gt 0 ] && ratio=$(awk -v a="$b_here" -v b="$uv" 'BEGIN {printf "%.2fx", a / b}')
            while IFS='|' read -r rw rs rr rat rown rseen rheld rper rtag; do
                [ "$rw" = "$wname" ] && [ "$rs" = "$sname" ] || continue
                echo "| $rs | $rr | $rat | $rown | $rseen | $ratio | $rheld | $rper | [png](bench/$rtag.png) |"
            done <"$results"
        done
        echo
    done
} >docs/bench.md.new
mv docs/bench.md.new docs/bench.md
echo "bench/run.sh: wrote docs/bench.md and $out/" >&2
