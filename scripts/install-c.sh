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
# Builds and stages with scripts/build-c.sh first, and installs that staged copy
# (target/<profile>/c): NO_BUILD=1 installs what is staged already. CARGO_TARGET_DIR is
# honoured.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${PREFIX:-/usr/local}
profile=${PROFILE:-release}
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
stage="$target_dir/$profile/c"
[ -n "${NO_BUILD:-}" ] || PROFILE="$profile" scripts/build-c.sh
uninstalled="$stage/lib/pkgconfig/plexlink-uninstalled.pc"
[ -f "$uninstalled" ] || { echo "install-c.sh: nothing staged in $stage: run scripts/build-c.sh" >&2; exit 1; }

install -d "$prefix/include" "$prefix/lib/pkgconfig"
install -m 644 "$stage/include/plexlink.h" "$prefix/include/plexlink.h"
install -m 644 "$stage/lib/libplexlink.a" "$prefix/lib/libplexlink.a"
if [ -e "$stage/lib/libplexlink.dylib" ]; then
    install -m 755 "$stage/lib/libplexlink.dylib" "$prefix/lib/libplexlink.dylib"
else
    # Installed under its SONAME, the development name a link to it.
    soname="libplexlink.so.$(sed -n 's/^Version: //p' "$uninstalled")"
    install -m 755 "$stage/lib/$soname" "$prefix/lib/$soname"
    ln -sf "$soname" "$prefix/lib/libplexlink.so"
    [ -z "${STRIP:-}" ] || strip --strip-unneeded "$prefix/lib/$soname"
fi
# The staged file with the prefix moved: the same template, version and static libraries.
sed "s|^prefix=.*|prefix=$prefix|" "$uninstalled" >"$prefix/lib/pkgconfig/plexlink.pc"
echo "installed plexlink $(sed -n 's/^Version: //p' "$uninstalled") ($profile) into $prefix"
