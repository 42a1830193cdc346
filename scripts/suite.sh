# Sourced by the suites that run programs against the emulator (test-c.sh, test-packaging.sh):
#   need COMMAND PACKAGE   installs PACKAGE with apt-get (through sudo unless root; the package
#                          lists updated once per run) when COMMAND is not on PATH;
#   record NAME STATUS     counts a check as passed or failed (in $passed, $failed, $failures),
#                          and says so; the logs are in $out/logs;
#   start_emulator LOG     starts $emulator_bin on 127.0.0.1 (a free port; ${emu_args[@]} more
#                          arguments), its output in LOG, and sets $emu_url; stop_emulator stops
#                          it, and runs on exit;
#   emu_post PATH          POSTs to the emulator's control endpoint PATH; succeeds on 204.

apt_updated=""
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    if [ -z "$apt_updated" ]; then
        $sudo apt-get update -qq
        apt_updated=1
    fi
    echo "(installing $2)"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
}

passed=0
failed=0
failures=""
record() {
    if [ "$2" = 0 ]; then
        passed=$((passed + 1))
        echo "ok: $1"
    else
        failed=$((failed + 1))
        failures="$failures $1"
        echo "FAILED: $1 (see $out/logs)"
    fi
}

emu_pid=""
emu_url=""
emu_args=()
stop_emulator() {
    if [ -n "$emu_pid" ]; then
        kill "$emu_pid" 2>/dev/null || true
        wait "$emu_pid" 2>/dev/null || true
        emu_pid=""
    fi
}
trap stop_emulator EXIT
start_emulator() {
    # The log exists before the emulator runs: the background job opens it when it gets to it,
    # and a read of a file not yet there must not end the script (set -e).
    : >"$1"
    "$emulator_bin" --port 0 ${emu_args[@]+"${emu_args[@]}"} >"$1" 2>&1 &
    emu_pid=$!
    local i
    for i in $(seq 100); do
        emu_url=$(sed -n '1s/^plexlink-emulator listening on //p' "$1" || true)
        [ -n "$emu_url" ] && return 0
        kill -0 "$emu_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "the emulator did not start:" >&2
    cat "$1" >&2
    exit 1
}
# Over bash's /dev/tcp: no HTTP client needed.
emu_post() {
    local hostport=${emu_url#http://}
    hostport=${hostport%%/*}
    local status
    exec 3<>"/dev/tcp/127.0.0.1/${hostport##*:}"
    printf 'POST /%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nContent-Length: 0\r\n\r\n' "$1" "$hostport" >&3
    read -r _ status _ <&3 || true
    exec 3>&-
    [ "$status" = 204 ]
}
