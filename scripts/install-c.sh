#!/usr/bin/env bash
# Installs the C library where a player's build finds it:
#   $PREFIX/include/plexlink.h
#   $PREFIX/lib/libplexlink.so.X.Y.Z (the SONAME), libplexlink.so -> it, libplexlink.a
#   $PREFIX/lib/pkgconfig/plexlink.pc
#   $PREFIX/lib/cmake/plexlink/plexlinkConfig.cmake, plexlinkConfigVersion.cmake
# then `pkg-config --cflags --libs plexlink` (or `--static`, or Meson's dependency('plexlink'))
# and CMake's find_package(plexlink) (targets plexlink::plexlink, plexlink::plexlink_static)
# build against it.
#
#   PREFIX=/usr/local scripts/install-c.sh       # default PREFIX /usr/local, the dist build
#   PREFIX=$HOME/.local PROFILE=debug scripts/install-c.sh
#   STRIP=1 ...                                  # strip the shared library's symbols table
#
# Builds and stages with scripts/build-c.sh first, and installs that staged copy
# (target/<profile>/c): NO_BUILD=1 installs what is staged already. CARGO_TARGET_DIR is
# honoured.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${PREFIX:-/usr/local}
# dist: the small build meant to be shipped (scripts/build-c.sh says what each profile is).
profile=${PROFILE:-dist}
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

# The CMake package: the templates in crates/plexlink-ffi/cmake filled in with what the build
# says (no CMake needed here). It finds the prefix from its own place, so it is not written in.
version=$(sed -n 's/^Version: //p' "$uninstalled")
if [ -e "$stage/lib/libplexlink.dylib" ]; then
    shared_file=libplexlink.dylib
    cmake_soname=""
else
    shared_file=$soname
    cmake_soname=$soname
fi
# Libs.private as CMake link items: -lfoo -> foo; "-framework Foo" (macOS) stays one item.
static_link_libraries=""
pending=""
for word in $(sed -n 's/^Libs.private: //p' "$uninstalled"); do
    if [ -n "$pending" ]; then
        item="$pending $word"
        pending=""
    elif [ "$word" = -framework ]; then
        pending=$word
        continue
    else
        item=${word#-l}
    fi
    static_link_libraries="$static_link_libraries${static_link_libraries:+;}$item"
done
# The width of a pointer where the library was built (the host: build-c.sh does not cross).
pointer_bits=$(rustc --print cfg | sed -n 's/^target_pointer_width="\(.*\)"/\1/p')
[ -n "$pointer_bits" ] || { echo "install-c.sh: rustc did not say target_pointer_width" >&2; exit 1; }
cmake_dir="$prefix/lib/cmake/plexlink"
install -d "$cmake_dir"
sed -e "s|@SHARED_FILE@|$shared_file|" -e "s|@SONAME@|$cmake_soname|" \
    -e "s|@STATIC_LINK_LIBRARIES@|$static_link_libraries|" \
    crates/plexlink-ffi/cmake/plexlinkConfig.cmake.in >"$cmake_dir/plexlinkConfig.cmake"
sed -e "s|@VERSION@|$version|" -e "s|@VERSION_MAJOR@|${version%%.*}|" \
    -e "s|@VERSION_MINOR@|$(echo "$version" | cut -d. -f2)|" -e "s|@SIZEOF_VOID_P@|$((pointer_bits / 8))|" \
    crates/plexlink-ffi/cmake/plexlinkConfigVersion.cmake.in >"$cmake_dir/plexlinkConfigVersion.cmake"
echo "installed plexlink $(sed -n 's/^Version: //p' "$uninstalled") ($profile) into $prefix"
