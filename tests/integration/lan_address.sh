#!/usr/bin/env bash
# The host says where players can reach it (issue 9): its own LAN IPv4
# addresses, from the interfaces, with the port. Checked without sending a
# packet anywhere: the host runs inside a network namespace of this test's
# own, whose interfaces this test makes (a veth pair whose other end is in
# a second namespace of ours; the machine's own network is never touched):
#
#   ppa0  up    198.51.100.7/24 and 203.0.113.9/24 (documentation ranges)
#               and 169.254.1.1/16 (link-local: must not be shown)
#   ppa1  down  192.0.2.5/24 (must not be shown)
#
#   lan_address.sh PAWNPARTY
#
# Needs root and iproute2 (else SKIP, 77).
set -u
bin=${1:?usage: lan_address.sh PAWNPARTY}
export PAWNPARTY_DISCOVERY_ADDR=127.0.0.1
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1; then
    echo "SKIPPED: needs root and ip (iproute2) for a network namespace"
    exit 77
fi
a=pawn-lan-$$-a
b=pawn-lan-$$-b
tmp=$(mktemp -d)
cleanup() {
    ip netns del "$a" 2>/dev/null
    ip netns del "$b" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
if ! ip netns add "$a" 2>"$tmp/err" || ! ip netns add "$b" 2>>"$tmp/err"; then
    echo "SKIPPED: cannot make a network namespace here: $(head -1 "$tmp/err")"
    exit 77
fi
in_a() { ip netns exec "$a" "$@"; }
fail() { echo "FAIL: $*"; [ -f "$tmp/log" ] && sed 's/^/  | /' "$tmp/log"; exit 1; }
ip link add ppa0 netns "$a" type veth peer name ppb0 netns "$b" || fail "cannot make a veth pair"
ip link add ppa1 netns "$a" type veth peer name ppb1 netns "$b" || fail "cannot make a veth pair"
in_a ip addr add 198.51.100.7/24 dev ppa0
in_a ip addr add 203.0.113.9/24 dev ppa0
in_a ip addr add 169.254.1.1/16 dev ppa0
in_a ip addr add 192.0.2.5/24 dev ppa1
in_a ip link set ppa0 up

in_a ip link set lo up

in_a timeout -s INT 2 "$bin" host --headless --port 0 >"$tmp/out" 2>"$tmp/log"
port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$tmp/out")
[ -n "$port" ] || fail "the host did not say where it listens"
line=$(grep "players join at" "$tmp/log") || fail "no 'players join at' line in the host log"
for want in "198.51.100.7:$port" "203.0.113.9:$port"; do
    case "$line" in *"$want"*) ;; *) fail "the host log does not name $want: $line" ;; esac
done
for not in 169.254.1.1 192.0.2.5 127.0.0.1; do
    case "$line" in *"$not"*) fail "the host log names $not (link-local, down or loopback): $line" ;; esac
done
echo "ok: $line"

# --bind names the one address it listens on.
in_a timeout -s INT 2 "$bin" host --headless --port 0 --bind 198.51.100.7 >"$tmp/out" 2>"$tmp/log"
grep -q "players join at 198.51.100.7:" "$tmp/log" || fail "with --bind the host does not name the bound address"
case "$(grep 'players join at' "$tmp/log")" in *203.0.113.9*) fail "with --bind the host names another address" ;; esac
echo "ok: --bind"

# The discovery responder is stopped by a datagram it sends itself on
# 127.0.0.1. Take the namespace's loopback down while the host runs, so
# that datagram cannot be sent: a stop signal must stop the host all the same
# (it once waited for ever). SIGTERM: a background job of a script ignores
# SIGINT.
# (ip netns exec forks: the host writes its own pid, then execs.)
in_a sh -c 'echo $$ >"$1"; shift; exec "$@"' - "$tmp/pid" \
    "$bin" host --headless --port 0 >"$tmp/out" 2>"$tmp/log" &
job=$!
for _ in $(seq 50); do grep -q '^listening on' "$tmp/out" && break; sleep 0.1; done
host=$(cat "$tmp/pid" 2>/dev/null)
[ -n "$host" ] && grep -q '^listening on' "$tmp/out" || { kill "$job"; fail "the host did not start"; }
in_a ip link set lo down
kill -TERM "$host"
for _ in $(seq 50); do kill -0 "$host" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$host" 2>/dev/null; then
    kill -KILL "$host"
    fail "with loopback down the host did not stop within 5 s of SIGTERM"
fi
wait "$job"
rc=$?
[ "$rc" = 0 ] || fail "with loopback down the host stopped with status $rc"
echo "ok: stops on SIGTERM with loopback down"
