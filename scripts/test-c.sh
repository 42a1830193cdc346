#!/usr/bin/env bash
# The C suite of plexlink (run by scripts/test.sh after the Rust tests):
#   1. include/plexlink.h regenerated with the pinned cbindgen command must equal the committed one;
#   2. the library is staged in the build tree (scripts/build-c.sh) and installed from there
#      into a temporary prefix (scripts/install-c.sh), and every C program is built against the
#      installed copy through pkg-config, with -Wall -Wextra -Werror -pedantic (C11; the C++
#      check with C++17);
#   3. each C test runs against its own plexlink-emulator: plainly, under valgrind (no error, no
#      definite or indirect leak) and built with -fsanitize=address,undefined (statically linked
#      against libplexlink.a); test_ipv6 against one started with --dual-stack, only where the
#      machine has an IPv6 loopback (else it is skipped, and says so);
#   4. test_blocking is built against the build tree itself (plexlink-uninstalled.pc), shared
#      (run without LD_LIBRARY_PATH, through the rpath) and static (`pkg-config --static`), and
#      both run;
#   5. examples/c/login.c signs in against the emulator (also with --jwt), the driver approving
#      its PIN.
# PROFILE=dist (or release) runs it all against that build of the library instead of the debug
# one (the emulator and cbindgen stay debug builds), after the library's Rust unit tests (the
# panic boundary's among them) built with that profile.
# Installs valgrind and pkg-config (apt-get) and cbindgen (cargo install, into target/tools)
# when they are missing. Works from a fresh clone with the default target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target_dir=${CARGO_TARGET_DIR:-$root/target}
profile=${PROFILE:-debug}
out="$target_dir/c-tests"
tests=crates/plexlink-ffi/tests/c
started=$(date +%s)

step() { printf '\n--> %s\n' "$*"; }

# --- tools ---------------------------------------------------------------------------------
source scripts/suite.sh
need valgrind valgrind
need pkg-config pkg-config
CC=${CC:-gcc}
CXX=${CXX:-g++}

step "build the library and the emulator"
# The very command of scripts/test.sh, so that this is a no-op after it (another selection of
# packages would unify features differently and rebuild half the dependency tree).
cargo build --workspace --all-targets --locked
emulator_bin="$target_dir/debug/plexlink-emulator"
if [ "$profile" != debug ]; then
    step "the library's Rust unit tests, panic boundary included, built with the $profile profile"
    # The C programs cannot make the library panic; these tests can, and show that with this
    # profile's code generation (LTO, opt-level) a panic still unwinds to catch_unwind.
    cargo test -p plexlink-ffi --lib --locked --profile "$profile"
fi

step "include/plexlink.h is what cbindgen makes of the crate"
source scripts/cbindgen.sh
rm -rf "$out"
mkdir -p "$out/bin" "$out/logs"
cbindgen_cmd --quiet --config crates/plexlink-ffi/cbindgen.toml --crate plexlink-ffi --output "$out/plexlink.h"
if ! diff -u include/plexlink.h "$out/plexlink.h"; then
    echo "include/plexlink.h is out of date: run scripts/gen-header.sh and commit it" >&2
    exit 1
fi

step "stage in the build tree, install into a temporary prefix; build every program through pkg-config"
PROFILE="$profile" scripts/build-c.sh
prefix="$out/prefix"
NO_BUILD=1 PREFIX="$prefix" PROFILE="$profile" scripts/install-c.sh
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
pkg-config --exists plexlink
[ "$(pkg-config --modversion plexlink)" = "$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)" ]
# shellcheck disable=SC2207
cflags=($(pkg-config --cflags plexlink))
libs=($(pkg-config --libs plexlink))
static_libs=($(pkg-config --static --libs plexlink | sed "s|-lplexlink|$prefix/lib/libplexlink.a|"))
warn=(-std=c11 -Wall -Wextra -Werror -pedantic -g)
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
c_tests=(test_misuse test_blocking test_tasks test_sans_io test_errors test_jwt test_kept)
# Against an emulator started with --dual-stack ("Dual Stack" on 127.0.0.1 and [::1]): built
# everywhere, run only where [::1] can be bound (the emulator could not start otherwise).
ipv6_tests=(test_ipv6)
for t in "${c_tests[@]}" "${ipv6_tests[@]}"; do
    "$CC" "${warn[@]}" "${cflags[@]}" -o "$out/bin/$t" "$tests/$t.c" "$tests/support.c" "${libs[@]}" -pthread
    "$CC" "${warn[@]}" "${sanitize[@]}" "${cflags[@]}" -o "$out/bin/$t.asan" "$tests/$t.c" "$tests/support.c" \
        "${static_libs[@]}" -pthread
done
"$CXX" -std=c++17 -Wall -Wextra -Werror -pedantic -g "${cflags[@]}" -o "$out/bin/test_cpp" "$tests/test_cpp.cpp" \
    "${libs[@]}" -pthread
"$CC" "${warn[@]}" -o "$out/bin/login" examples/c/login.c $(pkg-config --cflags --libs plexlink)
# Every function of the header must be exercised by the NULL / UTF-8 test.
missing=""
for fn in $(grep -oE '\bplexlink_[a-z0-9_]+\(' include/plexlink.h | tr -d '(' | sort -u); do
    grep -q "\b$fn(" "$tests/test_misuse.c" || missing="$missing $fn"
done
if [ -n "$missing" ]; then
    echo "not called by $tests/test_misuse.c:$missing" >&2
    exit 1
fi

if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
    ipv6_run=("${ipv6_tests[@]}")
else
    ipv6_run=()
    echo "no IPv6 loopback ([::1] cannot be bound): ${ipv6_tests[*]} skipped"
fi

# --- the emulator ---------------------------------------------------------------------------

# run NAME COMMAND...: runs it against a fresh emulator (its URL as the last argument).
run() {
    local name=$1
    shift
    local log="$out/logs/$name.log"
    start_emulator "$out/logs/$name.emulator.log"
    local status=0
    PLEXLINK_TEST_PLEX_URL="$emu_url" "$@" "$emu_url" >"$log" 2>&1 || status=$?
    stop_emulator
    [ "$status" = 0 ] || tail -n 25 "$log" >&2
    record "$name" "$status"
}
# run_dual_stack NAME COMMAND...: run, against an emulator started with --dual-stack.
run_dual_stack() {
    emu_args=(--dual-stack)
    run "$@"
    emu_args=()
}

# scripts/valgrind-tls.supp: a false positive of ring's AES-GCM under rustls (the file says
# why); --num-callers so that its frames are seen.
vg=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --suppressions="$root/scripts/valgrind-tls.supp" --num-callers=50)
step "C tests, plain"
for t in "${c_tests[@]}"; do run "$t" "$out/bin/$t"; done
for t in ${ipv6_run[@]+"${ipv6_run[@]}"}; do run_dual_stack "$t" "$out/bin/$t"; done
run test_cpp "$out/bin/test_cpp"

# The tests that speak TLS (https to the emulator's plex.direct listeners). Over ring, valgrind
# reports each AES-GCM record's tag as uninitialised, a false positive that
# scripts/valgrind-tls.supp suppresses by name. A stripped library (the dist one) has no names:
# there these tests run without uninitialised-value checks (leaks and invalid accesses still
# checked), which the debug and release runs keep.
tls_tests=(test_ipv6)
tls_vg=()
readelf -S "$prefix/lib/libplexlink.so" | grep '\.symtab' >/dev/null || tls_vg=(--undef-value-errors=no)
step "C tests under valgrind"
for t in "${c_tests[@]}" ${ipv6_run[@]+"${ipv6_run[@]}"}; do
    runner=run
    [[ " ${ipv6_tests[*]} " == *" $t "* ]] && runner=run_dual_stack
    vg_extra=()
    [[ " ${tls_tests[*]} " == *" $t "* ]] && vg_extra=(${tls_vg[@]+"${tls_vg[@]}"})
    "$runner" "$t.valgrind" "${vg[@]}" ${vg_extra[@]+"${vg_extra[@]}"} --log-file="$out/logs/$t.valgrind.txt" "$out/bin/$t"
    grep -hE 'ERROR SUMMARY|definitely lost|indirectly lost' "$out/logs/$t.valgrind.txt" | sed "s/^==[0-9]*==/  $t:/"
done

step "C tests built with -fsanitize=address,undefined"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "${c_tests[@]}"; do run "$t.asan" "$out/bin/$t.asan"; done
for t in ${ipv6_run[@]+"${ipv6_run[@]}"}; do run_dual_stack "$t.asan" "$out/bin/$t.asan"; done

step "linked against the build tree, not installed (scripts/build-c.sh)"
tree_pc() { PKG_CONFIG_PATH="$target_dir/$profile/c/lib/pkgconfig" pkg-config "$@" plexlink; }
tree_libdir=$(tree_pc --variable=libdir)
[ "$tree_libdir" = "$target_dir/$profile/c/lib" ]
# shellcheck disable=SC2046
"$CC" "${warn[@]}" $(tree_pc --cflags) -o "$out/bin/test_blocking.tree" "$tests/test_blocking.c" "$tests/support.c" \
    $(tree_pc --libs) -Wl,-rpath,"$tree_libdir" -pthread
# -l:libplexlink.a: the archive, not the shared library beside it; the rest from Libs.private.
# shellcheck disable=SC2046
"$CC" "${warn[@]}" $(tree_pc --cflags) -o "$out/bin/test_blocking.tree-static" "$tests/test_blocking.c" \
    "$tests/support.c" $(tree_pc --static --libs | sed 's/-lplexlink\b/-l:libplexlink.a/') -pthread
if ! env -u LD_LIBRARY_PATH ldd "$out/bin/test_blocking.tree" |
    grep "libplexlink.so.$(tree_pc --modversion) => $tree_libdir/" >/dev/null; then
    echo "test_blocking.tree does not load its SONAME from $tree_libdir" >&2
    exit 1
fi
if ldd "$out/bin/test_blocking.tree-static" | grep libplexlink >/dev/null; then
    echo "test_blocking.tree-static loads a shared libplexlink" >&2
    exit 1
fi
run test_blocking.tree env -u LD_LIBRARY_PATH "$out/bin/test_blocking.tree"
run test_blocking.tree-static env -u LD_LIBRARY_PATH "$out/bin/test_blocking.tree-static"

step "examples/c/login.c against the emulator (the driver approves the PIN), also with --jwt"
login_example() { # login_example NAME COMMAND...
    local name=$1
    shift
    local log="$out/logs/$name.log"
    start_emulator "$out/logs/$name.emulator.log"
    : >"$log"
    PLEXLINK_EXAMPLE_FAST=1 "$@" "$emu_url" >"$log" 2>&1 &
    local pid=$!
    local id="" i status=0
    for i in $(seq 300); do
        id=$(sed -n 's/^PIN id: //p' "$log" || true)
        [ -n "$id" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$id" ] || ! emu_post "_emulator/pins/$id/approve?account=alice"; then
        kill "$pid" 2>/dev/null || true
        status=1
    fi
    wait "$pid" || status=$?
    stop_emulator
    if [ "$status" = 0 ] && grep -q 'Living Room' "$log" && grep -q 'server URL: http://127.0.0.1:' "$log"; then
        record "$name" 0
    else
        cat "$log" >&2
        record "$name" 1
    fi
}
login_example example_login "$out/bin/login"
login_example example_login_jwt "$out/bin/login" --jwt
login_example example_login.valgrind "${vg[@]}" --log-file="$out/logs/example_login.valgrind.txt" "$out/bin/login"
grep -hE 'ERROR SUMMARY|definitely lost|indirectly lost' "$out/logs/example_login.valgrind.txt" |
    sed "s/^==[0-9]*==/  example_login:/"
sed -n '1,/^Waiting/p;/server URL/p' "$out/logs/example_login.log" | sed 's/^/  | /'
sed -n '/^Signed in as/p' "$out/logs/example_login_jwt.log" | sed 's/^/  | --jwt: /'

echo
echo "C suite: $((passed)) programs in $(($(date +%s) - started)) s"
echo "c: $passed passed, $failed failed"
if [ "$failed" != 0 ]; then
    echo "failed:$failures" >&2
    exit 1
fi
