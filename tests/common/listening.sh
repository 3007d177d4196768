# The shell tests' share of the toolkit (sourced by stress_smoke.sh,
# peer_smoke.sh and cross_bots.sh): waiting for a server to listen.
#
#   wait_listening FILE PID TENTHS
#
# Looks in FILE (the server's stdout) every 0.1 s, at most TENTHS times,
# for its first "listening on ADDR:PORT" line. On it, sets LISTEN_ADDR and
# LISTEN_PORT and returns 0 (a CR before the newline, as a Windows program
# writes it, is dropped). Otherwise returns 1 and says why in LISTEN_WHY:
# process PID exited first, the time ran out, or the line has no port.
wait_listening() {
    _wl_i=0
    LISTEN_ADDR= LISTEN_PORT= LISTEN_WHY=
    while [ "$_wl_i" -lt "$3" ]; do
        _wl_line=$(grep -m 1 '^listening on ' "$1" 2>/dev/null | tr -d '\r')
        if [ -n "$_wl_line" ]; then
            _wl_at=${_wl_line#listening on }
            LISTEN_ADDR=${_wl_at%:*}
            LISTEN_PORT=${_wl_at##*:}
            case "$LISTEN_PORT" in
            '' | *[!0-9]*) LISTEN_WHY="a listening line without a port: $_wl_line"; return 1 ;;
            esac
            return 0
        fi
        if ! kill -0 "$2" 2>/dev/null; then
            LISTEN_WHY="it exited before listening"
            return 1
        fi
        sleep 0.1
        _wl_i=$((_wl_i + 1))
    done
    LISTEN_WHY="no 'listening on' line within $(($3 / 10)) s"
    return 1
}
