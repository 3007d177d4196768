#!/usr/bin/env bash
# Ten players moving flat out against the headless host, per backend and
# thread count, paced (the default) and sending after every batch
# (--send-tick-ms 0), side by side in one run (rounds interleaved so that
# the machine's noise falls on every configuration alike).
#
#   bench/flatout.sh [ROUNDS] [SECONDS]      (defaults 3 rounds of 5 s)
#
# Needs build/pawnparty and build/flatout (./build.sh build). Prints a
# Markdown table of the median packets/s and moves/s for each
# configuration. Host and clients share this machine. The measuring
# client reads all ten sockets from one thread; when the machine stalls it
# it falls behind the other nine players' floods, so the host runs with a
# 4 MiB send bound here (the default 64 KiB drops such a reader, as it
# should in a game).
set -euo pipefail
cd "$(dirname "$0")/.."
export PAWNPARTY_DISCOVERY_ADDR=127.0.0.1
rounds=${1:-3}
secs=${2:-5}
bin=build/pawnparty
[ -x "$bin" ] && [ -x build/flatout ] || { echo "flatout.sh: run ./build.sh build first" >&2; exit 2; }
# backend, worker threads, then any further host options
configs=("uring 1" "uring 2" "epoll 1" "epoll 2" "uring 2 --send-tick-ms 0" "epoll 1 --send-tick-ms 0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

one() { # backend threads [host options] -> "packets moves"
    local out="$tmp/out" hp port backend=$1 threads=$2
    shift 2
    "$bin" host --headless --port 0 --backend "$backend" --threads "$threads" --send-bound 4194304 --no-input-limit "$@" \
        >"$out" 2>"$tmp/err" &
    hp=$!
    for _ in $(seq 100); do grep -q listening "$out" 2>/dev/null && break; sleep 0.05; done
    port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out")
    build/flatout "127.0.0.1:$port" --seconds "$secs" |
        sed -n 's/.*packets_per_s=\([0-9]*\) moves_per_s=\([0-9]*\).*/\1 \2/p' || true
    kill -TERM "$hp"
    wait "$hp" || true
}

for r in $(seq "$rounds"); do
    for c in "${configs[@]}"; do
        # shellcheck disable=SC2086
        echo "$c|$(one $c)" >>"$tmp/results"
        echo "round $r: $c: $(tail -1 "$tmp/results" | cut -d'|' -f2)" >&2
    done
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| backend | worker threads | sends | packets/s (median of $rounds) | moves/s |"
echo "|---|---|---|---|---|"
for c in "${configs[@]}"; do
    p=$(grep -F "$c|" "$tmp/results" | cut -d'|' -f2 | cut -d' ' -f1 | median)
    m=$(grep -F "$c|" "$tmp/results" | cut -d'|' -f2 | cut -d' ' -f2 | median)
    set -- $c
    sends=${*:3}
    echo "| $1 | $2 | ${sends:-paced (default)} | $p | $m |"
done
