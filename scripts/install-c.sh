#!/usr/bin/env bash
# Installs the C library where a player's build finds it:
#   $PREFIX/include/plexlink.h
#   $PREFIX/lib/libplexlink.so.X.Y.Z (the SONAME), libplexlink.so -> it, libplexlink.a
#   $PREFIX/lib/pkgconfig/plexlink.pc
# then `pkg-config --cflags --libs plexlink` (or `--static`) builds against it.
#
#   PREFIX=/usr/local scripts/install-c.sh       # default PREFIX /usr/local, release build
#   PREFIX=$HOME/.local PROFILE=debug scripts/install-c.sh
#   STRIP=1 ...                                  # strip the shared library's symbols table
#
# Builds with cargo first (NO_BUILD=1 installs what target/ already holds); CARGO_TARGET_DIR is
# honoured.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${PREFIX:-/usr/local}
profile=${PROFILE:-release}
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
case "$profile" in
    release) build_args=(--release) ;;
    debug) build_args=() ;;
    *) echo "install-c.sh: PROFILE must be release or debug" >&2; exit 2 ;;
esac
[ -n "${NO_BUILD:-}" ] || cargo build -p plexlink-ffi --locked "${build_args[@]}"
build="$target_dir/$profile"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || { echo "install-c.sh: no version in Cargo.toml" >&2; exit 1; }

case "$(uname -s)" in
    Darwin)
        shared_src=libplexlink.dylib
        libs_private="-framework Security -framework CoreFoundation -liconv -lSystem -lc -lm"
        ;;
    *)
        shared_src=libplexlink.so
        # `cargo rustc -p plexlink-ffi --crate-type staticlib -- --print native-static-libs`
        libs_private="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
        ;;
esac

install -d "$prefix/include" "$prefix/lib/pkgconfig"
install -m 644 include/plexlink.h "$prefix/include/plexlink.h"
install -m 644 "$build/libplexlink.a" "$prefix/lib/libplexlink.a"
if [ "$shared_src" = libplexlink.so ]; then
    # The SONAME is the exact version (no ABI promise before 1.0): install under it and link
    # the development name to it.
    install -m 755 "$build/libplexlink.so" "$prefix/lib/libplexlink.so.$version"
    ln -sf "libplexlink.so.$version" "$prefix/lib/libplexlink.so"
    [ -z "${STRIP:-}" ] || strip --strip-unneeded "$prefix/lib/libplexlink.so.$version"
else
    install -m 755 "$build/$shared_src" "$prefix/lib/$shared_src"
fi
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" -e "s|@LIBS_PRIVATE@|$libs_private|" \
    crates/plexlink-ffi/plexlink.pc.in > "$prefix/lib/pkgconfig/plexlink.pc"
echo "installed plexlink $version ($profile) into $prefix"
