#!/usr/bin/env bash
# Builds the C library and stages it in the build tree, so that a program links against it and
# runs without an install:
#   target/<profile>/c/include/plexlink.h           -> include/plexlink.h
#   target/<profile>/c/lib/libplexlink.so.X.Y.Z     -> ../../libplexlink.so (the SONAME)
#   target/<profile>/c/lib/libplexlink.so           -> libplexlink.so.X.Y.Z
#   target/<profile>/c/lib/libplexlink.a            -> ../../libplexlink.a
#   target/<profile>/c/lib/pkgconfig/plexlink-uninstalled.pc
# pkg-config reads plexlink-uninstalled.pc for `plexlink` when its folder is on PKG_CONFIG_PATH
# (before any installed plexlink.pc); its Libs.private are the system libraries rustc says a
# static link of libplexlink.a needs (`--print native-static-libs`), for `pkg-config --static`.
# scripts/install-c.sh installs this staged copy.
#
#   scripts/build-c.sh                      # the distributed library (PROFILE=dist)
#   export PKG_CONFIG_PATH=$PWD/target/dist/c/lib/pkgconfig
#   cc prog.c $(pkg-config --cflags --libs plexlink) -Wl,-rpath,$(pkg-config --variable=libdir plexlink)
#
# PROFILE: dist (the default) is the library to ship: Cargo.toml's [profile.dist], small
# (opt-level "z", fat LTO, one codegen unit, symbols stripped) and still unwinding, so that a
# panic reaches the panic boundary of every exported function; release is the profile the Rust
# tests and the benchmark use; debug is what scripts/test.sh builds. The crypto provider is ring
# whatever the profile (crates/plexlink-ffi/Cargo.toml); TLS_PROVIDER=aws-lc-rs builds it over
# aws-lc-rs instead, 0.8 MiB larger, with post-quantum key exchange and TLS that valgrind follows
# without complaint (scripts/test-c.sh says why it does not with ring). README.md, Benchmarks,
# gives the sizes.
#
# CARGO_TARGET_DIR is honoured. The links follow rebuilds; run it again after a change of
# version or of dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${PROFILE:-dist}
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
case "$profile" in
    dist) build_args=(--profile dist) ;;
    release) build_args=(--release) ;;
    debug) build_args=() ;;
    *) echo "build-c.sh: PROFILE must be dist, release or debug" >&2; exit 2 ;;
esac
case "${TLS_PROVIDER:-ring}" in
    ring) ;;
    # Both providers on: plexlink takes aws-lc-rs (crates/plexlink/src/transport.rs).
    aws-lc-rs) build_args+=(--features blocking/tls-aws-lc-rs) ;;
    *) echo "build-c.sh: TLS_PROVIDER must be ring or aws-lc-rs" >&2; exit 2 ;;
esac
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || { echo "build-c.sh: no version in Cargo.toml" >&2; exit 1; }

# The build itself, asking rustc what a static link needs (cargo replays the note when the
# library is already built).
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo rustc -p plexlink-ffi --lib --locked --color never "${build_args[@]}" -- --print native-static-libs 2>&1 |
    tee "$log" >&2
libs_private=$(sed -n 's/^note: native-static-libs: //p' "$log" | head -n 1)
[ -n "$libs_private" ] || { echo "build-c.sh: rustc printed no native-static-libs" >&2; exit 1; }

build="$target_dir/$profile"
stage="$build/c"
rm -rf "$stage"
mkdir -p "$stage/include" "$stage/lib/pkgconfig"
ln -s "$PWD/include/plexlink.h" "$stage/include/plexlink.h"
ln -s ../../libplexlink.a "$stage/lib/libplexlink.a"
if [ -e "$build/libplexlink.dylib" ]; then
    ln -s ../../libplexlink.dylib "$stage/lib/libplexlink.dylib"
else
    # The SONAME is the exact version (no ABI promise before 1.0; crates/plexlink-ffi/build.rs).
    ln -s ../../libplexlink.so "$stage/lib/libplexlink.so.$version"
    ln -s "libplexlink.so.$version" "$stage/lib/libplexlink.so"
fi
sed -e "s|@PREFIX@|$stage|" -e "s|@VERSION@|$version|" -e "s|@LIBS_PRIVATE@|$libs_private|" \
    crates/plexlink-ffi/plexlink.pc.in >"$stage/lib/pkgconfig/plexlink-uninstalled.pc"
echo "staged plexlink $version ($profile) in $stage (PKG_CONFIG_PATH=$stage/lib/pkgconfig)"
