#!/usr/bin/env bash
# The packaging suite (run by scripts/test.sh, which runs every scripts/test-*.sh): how other
# builds and languages find and use the installed C library.
#   1. the library staged by scripts/build-c.sh (debug, the build scripts/test.sh and
#      test-c.sh already made; PROFILE=release for the release one) and installed by
#      scripts/install-c.sh into a prefix under target/packaging, with plexlink.pc and the CMake
#      package; the CMake package's version rules and relocation checked;
#   2. CMake, Meson and Ninja from PyPI, pinned, in a virtual environment
#      (target/packaging-venv, kept between runs: pip only checks the pins then), and koffi from
#      npm (examples/node: `npm ci` from its lock file);
#   3. examples/cpp built with CMake through find_package(plexlink), shared and static
#      (PLEXLINK_USE_STATIC_LIBS), and with Meson through pkg-config (dependency('plexlink')),
#      shared and static, all with -Werror, each signing in against the emulator (this script
#      approves the PIN through the emulator's control endpoint, as a person would on
#      plex.tv/link), listing the servers and connecting;
#   4. examples/node: every declaration of the installed plexlink.h read mechanically
#      (plexlink-header.mjs), koffi's struct layouts compared with the C compiler's
#      (check-layout.mjs), and login.mjs against the emulator, the PIN approved by the client
#      itself.
# One emulator (target/debug/plexlink-emulator) on 127.0.0.1 serves them all; it is stopped on
# exit. Installs pkg-config and Node.js (apt-get) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target_dir=${CARGO_TARGET_DIR:-$root/target}
profile=${PROFILE:-debug}
out="$target_dir/packaging"
venv="$target_dir/packaging-venv"
started=$(date +%s)

step() { printf '\n--> %s\n' "$*"; }

# --- tools ---------------------------------------------------------------------------------
source scripts/suite.sh
need pkg-config pkg-config
need node nodejs
need npm npm
CXX=${CXX:-g++}

step "build the library and the emulator; install into $out/prefix"
# The very command of scripts/test.sh, so that this is a no-op after it (another selection of
# packages would unify features differently and rebuild half the dependency tree).
cargo build --workspace --all-targets --locked
emulator_bin="$target_dir/debug/plexlink-emulator"
rm -rf "$out"
mkdir -p "$out/logs"
prefix="$out/prefix"
PROFILE="$profile" scripts/build-c.sh 2>"$out/logs/build-c.log" || { cat "$out/logs/build-c.log" >&2; exit 1; }
NO_BUILD=1 PREFIX="$prefix" PROFILE="$profile" scripts/install-c.sh
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
major=${version%%.*}
minor=$(echo "$version" | cut -d. -f2)
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
unset LD_LIBRARY_PATH # every program must find the library through its build's rpath

step "CMake, Meson and Ninja (PyPI, in $venv); koffi (npm ci in examples/node)"
t0=$SECONDS
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'cmake==4.4.4' 'meson==1.12.1' 'ninja==1.13.2'
export PATH="$venv/bin:$PATH"
echo "cmake $(cmake --version | sed -n '1s/^cmake version //p'), meson $(meson --version), ninja $(ninja --version)"
# --ignore-scripts: koffi's native module comes prebuilt in its platform package
# (@koromix/koffi-<os>-<arch>), so its install script has nothing to do; no script of a
# dependency runs here.
(cd examples/node && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "node $(node --version), koffi $(node -p "require('./examples/node/node_modules/koffi/package.json').version")"
echo "(tools: $((SECONDS - t0)) s)"


step "the CMake package: versions, components, relocation"
# A project that only looks the package up (no compiler), asserting what find_package says.
check_dir="$out/cmake-check"
mkdir -p "$check_dir"
cat >"$check_dir/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.14...4.4)
project(plexlink_package_check LANGUAGES NONE)
function(expect found)
  find_package(plexlink \${ARGN} QUIET)
  if(NOT "\${plexlink_FOUND}" STREQUAL "\${found}")
    message(SEND_ERROR "find_package(plexlink \${ARGN}): found \${plexlink_FOUND}, expected \${found}")
  endif()
endfunction()
# Cargo's rule: the same major (and before 1.0 the same minor), at least the version asked for.
expect(1 $version EXACT)
expect(1 $major.$minor)
expect(0 $major.$((minor + 1)))
expect(0 $((major + 1)))
if($major EQUAL 0 AND $minor GREATER 0)
  expect(0 0.$((minor - 1)))
endif()
expect(1 $major.$minor...$((major + 1)).0)
expect(0 $major.$((minor + 1))...$((major + 2)).0)
expect(1 COMPONENTS shared static)
expect(0 COMPONENTS dynamic)
find_package(plexlink $major.$minor REQUIRED)
foreach(t plexlink::plexlink plexlink::plexlink_shared plexlink::plexlink_static)
  if(NOT TARGET \${t})
    message(SEND_ERROR "no target \${t}")
  endif()
endforeach()
get_target_property(shared_file plexlink::plexlink_shared IMPORTED_LOCATION)
get_target_property(picked plexlink::plexlink INTERFACE_LINK_LIBRARIES)
if(NOT EXISTS "\${shared_file}" OR NOT picked STREQUAL "plexlink::plexlink_shared")
  message(SEND_ERROR "shared library \${shared_file}, plexlink::plexlink -> \${picked}")
endif()
if(NOT EXISTS "\${plexlink_INCLUDE_DIR}/plexlink.h" OR NOT plexlink_VERSION STREQUAL "$version")
  message(SEND_ERROR "include dir \${plexlink_INCLUDE_DIR}, version \${plexlink_VERSION}")
endif()
message(STATUS "plexlink \${plexlink_VERSION}: include \${plexlink_INCLUDE_DIR}")
EOF
cmake_check() { # cmake_check PREFIX: configures the check project against it
    rm -rf "$check_dir/build"
    cmake -S "$check_dir" -B "$check_dir/build" -DCMAKE_PREFIX_PATH="$1" >"$out/logs/cmake-check.log" 2>&1 &&
        grep -q "plexlink $version: include $1/include" "$out/logs/cmake-check.log"
}
status=0
cmake_check "$prefix" || status=$?
record cmake_package "$status"
# Moved elsewhere (a package's staging directory, DESTDIR), the package finds its files there.
status=0
mv "$prefix" "$prefix.moved"
cmake_check "$prefix.moved" || status=$?
mv "$prefix.moved" "$prefix"
record cmake_package_relocated "$status"
[ "$failed" = 0 ] || cat "$out/logs/cmake-check.log" >&2

step "build examples/cpp: CMake (find_package) and Meson (pkg-config), shared and static"
build_cpp() { # build_cpp NAME COMMAND...: runs the build's commands, logged
    local name=$1 t0=$SECONDS
    shift
    if "$@" >"$out/logs/$name.build.log" 2>&1; then
        echo "built $name ($((SECONDS - t0)) s)"
    else
        cat "$out/logs/$name.build.log" >&2
        record "$name.build" 1
    fi
}
cmake_build() { # cmake_build DIR ARGS...
    local dir=$1
    shift
    cmake -S examples/cpp -B "$dir" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$CXX" \
        -DCMAKE_CXX_FLAGS=-Werror "$@" && cmake --build "$dir"
}
meson_build() { # meson_build DIR ARGS...
    local dir=$1
    shift
    CXX="$CXX" meson setup "$dir" examples/cpp -Dwerror=true "$@" && meson compile -C "$dir"
}
build_cpp cpp_cmake cmake_build "$out/cmake-shared"
build_cpp cpp_cmake_static cmake_build "$out/cmake-static" -DPLEXLINK_USE_STATIC_LIBS=ON
build_cpp cpp_meson meson_build "$out/meson-shared"
build_cpp cpp_meson_static meson_build "$out/meson-static" -Dplexlink_static=true
# Shared: the installed SONAME through the build's rpath (LD_LIBRARY_PATH is unset); static:
# no libplexlink at run time at all.
links() { # links NAME BINARY shared|static
    local status=0
    if [ "$3" = shared ]; then
        ldd "$2" | grep "libplexlink.so.$version => $prefix/lib/" >/dev/null || status=1
    else
        ! ldd "$2" | grep libplexlink >/dev/null || status=1
    fi
    [ "$status" = 0 ] || { echo "$2 does not link plexlink $3 from $prefix:" >&2; ldd "$2" >&2; }
    record "$1.links_$3" "$status"
}
links cpp_cmake "$out/cmake-shared/login_cpp" shared
links cpp_cmake_static "$out/cmake-static/login_cpp" static
links cpp_meson "$out/meson-shared/login_cpp" shared
links cpp_meson_static "$out/meson-static/login_cpp" static

# --- the emulator ---------------------------------------------------------------------------
start_emulator "$out/logs/emulator.log"
echo "emulator at $emu_url"
# A login ran to its end: the account's servers listed, and the owned one connected to.
signed_in() { # signed_in LOG
    grep -q 'Living Room (owned)' "$1" && grep -q 'server URL: http://127.0.0.1:' "$1"
}

step "examples/cpp against the emulator (this script approves each PIN)"
# run_cpp NAME BINARY: runs it, approves the PIN it prints, and checks what it did.
run_cpp() {
    local name=$1 log="$out/logs/$1.log" t0=$SECONDS
    : >"$log"
    PLEXLINK_EXAMPLE_FAST=1 timeout 60 "$2" "$emu_url" >"$log" 2>&1 &
    local pid=$!
    local id="" status=0
    for _ in $(seq 300); do
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
    if [ "$status" = 0 ] && signed_in "$log"; then
        record "$name ($((SECONDS - t0)) s)" 0
    else
        cat "$log" >&2
        record "$name" 1
    fi
}
[ -x "$out/cmake-shared/login_cpp" ] && run_cpp cpp_cmake "$out/cmake-shared/login_cpp"
[ -x "$out/cmake-static/login_cpp" ] && run_cpp cpp_cmake_static "$out/cmake-static/login_cpp"
[ -x "$out/meson-shared/login_cpp" ] && run_cpp cpp_meson "$out/meson-shared/login_cpp"
[ -x "$out/meson-static/login_cpp" ] && run_cpp cpp_meson_static "$out/meson-static/login_cpp"
sed -n '/^Open/p;/server URL/p' "$out/logs/cpp_cmake.log" | sed 's/^/  | /'

step "examples/node: koffi's layouts against the C compiler's; the login against the emulator"
# Each struct's size, alignment and field offsets as koffi read them from the installed header,
# against a C program built with that header.
status=0
CC=${CC:-gcc} node examples/node/check-layout.mjs >"$out/logs/node-layout.log" 2>&1 || status=$?
sed 's/^/  | /' "$out/logs/node-layout.log"
record node_layout "$status"
log="$out/logs/node.log"
t0=$SECONDS
status=0
PLEXLINK_EXAMPLE_FAST=1 timeout 60 node examples/node/login.mjs --approve-as alice "$emu_url" >"$log" 2>&1 || status=$?
if [ "$status" = 0 ] && signed_in "$log" && grep -q "declared from $prefix/include/plexlink.h" "$log"; then
    record "node ($((SECONDS - t0)) s)" 0
else
    cat "$log" >&2
    record node 1
fi
sed 's/^/  | /' "$log"

stop_emulator
echo
echo "packaging suite in $(($(date +%s) - started)) s"
echo "packaging: $passed passed, $failed failed"
if [ "$failed" != 0 ]; then
    echo "failed:$failures" >&2
    exit 1
fi
