#!/usr/bin/env bash
# The Python suite, as CI runs it (scripts/test.sh calls every scripts/test-*.sh), run against
# the release artifacts rather than the source tree:
#
#   1. build the abi3 wheel (`maturin build --release`) and the sdist (`maturin sdist`) into
#      target/py-wheels, print their sizes;
#   2. check the sdist: the files a build needs are inside it, and pip builds it into a wheel
#      holding the same files, with no crate outside the sdist's Cargo.lock;
#   3. install the wheel into a fresh virtual environment whose PATH has no cargo or rustc,
#      timing the install, and run everything below from there, still without them: pytest
#      against the emulator, `mypy --strict` on the examples and the installed package,
#      stubtest of the native module, and the import time of plexlink against python-plexapi.
#
# Needs python3 (3.10 or later, with venv), cargo, and PyPI for the tools. PYTHON picks
# another interpreter. The wheel and the sdist stay in target/py-wheels afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

started=$SECONDS
build_venv=target/py-build-venv   # maturin, with cargo: builds the wheel and the sdist
venv=target/py-venv               # the fresh environment the wheel is tested in
wheels=target/py-wheels
sdist_tree=target/py-sdist        # the sdist unpacked, and built from there
python=${PYTHON:-python3}
step() { printf '\n--> [%d s] %s\n' "$((SECONDS - started))" "$*"; }
quiet_pip() { "$1" -m pip install --quiet --disable-pip-version-check "${@:2}"; }
size_of() { awk -v b="$(wc -c <"$1")" 'BEGIN { printf "%d bytes (%.2f MiB)", b, b / 1048576 }'; }

step "build environment (maturin) in $build_venv"
rm -rf "$build_venv" "$venv" "$wheels" "$sdist_tree"
"$python" -m venv "$build_venv"
build_py="$root/$build_venv/bin/python"
quiet_pip "$build_py" 'maturin>=1.9,<2'

step "build the wheel (maturin build --release, abi3) and the sdist (maturin sdist)"
"$build_venv/bin/maturin" build --release --locked --manifest-path bindings/python/Cargo.toml --out "$wheels"
"$build_venv/bin/maturin" sdist --manifest-path bindings/python/Cargo.toml --out "$wheels"
wheel=$(echo "$wheels"/plexlink-*-abi3-*.whl)
sdist=$(echo "$wheels"/plexlink-*.tar.gz)
[ -f "$wheel" ] && [ -f "$sdist" ] || { echo "expected one wheel and one sdist in $wheels" >&2; exit 1; }
echo "wheel: $wheel: $(size_of "$wheel")"
echo "sdist: $sdist: $(size_of "$sdist")"

step "the sdist holds what a build needs"
top=$(basename "$sdist" .tar.gz)
listing=$(tar -tzf "$sdist")
missing=()
need() { grep -qxF "$top/$1" <<<"$listing" || missing+=("$1"); }
# The package's own files, and the workspace manifest with the lock that pins every crate.
for f in PKG-INFO pyproject.toml README.md Cargo.toml Cargo.lock \
    python/plexlink/__init__.py python/plexlink/aio.py python/plexlink/testing.py \
    python/plexlink/_plexlink.pyi python/plexlink/py.typed; do
    need "$f"
done
# Every crate of this workspace that the module builds from, with all its tracked sources: the
# sdist builds without the checkout, so a crate left out fails only on someone else's machine.
# (`cargo tree` names local crates with their directory; registry crates come from the lock.)
for dir in $(cargo tree --locked -p plexlink-python -e normal,build --prefix none \
        | grep -o "($root/[^)]*)" | tr -d '()' | sed "s|^$root/||" | sort -u); do
    need "$dir/Cargo.toml"
    while IFS= read -r f; do need "$f"; done < <(git ls-files -- "$dir/src" "$dir/build.rs")
done
# A license file, wherever the checkout has one, travels with the sources (none today: the
# terms are the SPDX expression in pyproject.toml and Cargo.toml).
for f in LICENSE* COPYING* bindings/python/LICENSE* bindings/python/COPYING*; do
    [ -e "$f" ] && { grep -q "/$(basename "$f")\$" <<<"$listing" || missing+=("$f"); }
done
if [ ${#missing[@]} -gt 0 ]; then
    printf 'missing from %s:\n' "$sdist" >&2
    printf '  %s\n' "${missing[@]}" >&2
    exit 1
fi
echo "all there, among the sdist's $(wc -l <<<"$listing") files"

step "pip builds the sdist into a wheel (cargo on PATH, as for anyone building from source)"
mkdir -p "$sdist_tree"
tar -xzf "$sdist" -C "$sdist_tree"
unpacked="$sdist_tree/$top"
# The sdist's files carry one fixed old date (a reproducible archive), and cargo judges a local
# crate fresh when no source file is newer than its last build: an artifact built from other
# sources (an older checkout, in a developer's target/) would be taken, and the build pass or
# fail for the wrong reason. Dated now, the local crates are compiled from the sdist's own
# sources; the dependencies are still reused.
find "$unpacked" -type f -exec touch {} +
cp "$unpacked/Cargo.lock" "$sdist_tree/Cargo.lock.shipped"
# Through pip, as `pip install plexlink-*.tar.gz` does (build isolation fetches maturin per
# the sdist's pyproject.toml). The unpacked tree builds in place, so the Cargo.lock cargo
# leaves there can be compared below. CARGO_TARGET_DIR is this workspace's target: the
# dependencies compiled for the wheel above are reused, and the local crates are compiled again
# from the sdist's tree (dated now, above), so a file missing there fails the build. A build
# from scratch costs about 4 CPU-minutes more (9.6 min on two busy cores):
# PLEXLINK_SDIST_FROM_SCRATCH=1 does it, in a target directory of its own, before a release.
sdist_target="$root/target"
[ "${PLEXLINK_SDIST_FROM_SCRATCH:-0}" = 1 ] && sdist_target="$root/$sdist_tree/target"
# Not --locked: maturin ships the whole workspace's Cargo.lock (the CLI's and the C library's
# crates too) beside a workspace trimmed to what the module needs, so cargo prunes the lock
# first (maturin issue #2609); what must hold, that it adds or changes nothing, is checked next.
CARGO_TARGET_DIR="$sdist_target" "$build_py" -m pip wheel --quiet --disable-pip-version-check \
    --no-deps --wheel-dir "$sdist_tree/wheel" "$unpacked"
locked() { awk '/^name = / { n = $3 } /^version = / { print n, $3 } /^source = / { print n, $3 }' "$1" | sort -u; }
unpinned=$(comm -13 <(locked "$sdist_tree/Cargo.lock.shipped") <(locked "$unpacked/Cargo.lock"))
if [ -n "$unpinned" ]; then
    printf 'building the sdist resolved crates its Cargo.lock does not pin:\n%s\n' "$unpinned" >&2
    exit 1
fi
from_sdist=$(echo "$sdist_tree"/wheel/plexlink-*.whl)
names() { "$build_py" -c 'import sys, zipfile; print("\n".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))' "$1"; }
if ! diff <(names "$wheel") <(names "$from_sdist"); then
    echo "the wheel built from the sdist holds other files than $wheel (above)" >&2
    exit 1
fi
echo "built $(basename "$from_sdist") from the sdist: the same files as the release wheel"

# From here on, nothing can build Rust: the directories holding cargo, rustc or rustup are
# left out of PATH, which starts with the fresh environment's bin.
nocargo_path="$root/$venv/bin"
IFS=: read -r -a path_dirs <<<"$PATH"
for dir in "${path_dirs[@]}"; do
    [ -n "$dir" ] && [ ! -x "$dir/cargo" ] && [ ! -x "$dir/rustc" ] && [ ! -x "$dir/rustup" ] \
        && nocargo_path+=":$dir"
done
nocargo() { env PATH="$nocargo_path" "$@"; }
if nocargo sh -c 'command -v cargo || command -v rustc'; then
    echo "cargo or rustc is still on the test PATH ($nocargo_path)" >&2
    exit 1
fi
echo "PATH from here on: $nocargo_path"
py="$root/$venv/bin/python"

step "install the wheel into a fresh virtual environment, no cargo or rustc on PATH"
"$python" -m venv "$venv"
# --no-index: the wheel must install alone, with no dependency fetched and nothing built.
# Timed around pip's whole run (its start-up included), as a person would see it.
install_s=$(nocargo "$py" -c '
import subprocess, sys, time
start = time.perf_counter()
subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-index", sys.argv[1]], check=True)
print(f"{time.perf_counter() - start:.2f}")' "$wheel")
installed_kib=$(du -sk "$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/plexlink" | cut -f1)
echo "installed in $install_s s (pip install of the wheel; $installed_kib KiB on disk)"

# Everything below runs outside the source tree's import paths, so it sees the installed wheel.
step "import plexlink (from the fresh environment)"
(cd "$venv" && nocargo "$py" -c '
import sys, plexlink
assert plexlink.__file__.startswith(sys.prefix), plexlink.__file__
print("plexlink", plexlink.__version__, "from", plexlink.__file__)')

step "test tools into the same environment (pytest, mypy; python-plexapi for the import times)"
# python-plexapi is installed only to compare import times with it.
nocargo "$py" -m pip install --quiet --disable-pip-version-check 'pytest>=8' 'pytest-timeout>=2.3' 'mypy>=1.13' plexapi

step "pytest (bindings/python/tests)"
nocargo "$venv/bin/pytest" bindings/python/tests -p no:cacheprovider

step "mypy --strict (examples/python and the installed package)"
nocargo "$venv/bin/mypy" --strict --cache-dir "$venv/mypy-cache" examples/python
nocargo "$venv/bin/mypy" --strict --cache-dir "$venv/mypy-cache" -p plexlink

step "stubtest: _plexlink.pyi against the native module"
(cd "$venv" && nocargo "$py" -m mypy.stubtest plexlink._plexlink)

step "import time: plexlink against python-plexapi (same run, same interpreter)"
nocargo "$py" bindings/python/benches/import_time.py

step "Python suite passed in $((SECONDS - started)) s"
echo "wheel $(size_of "$wheel"), sdist $(size_of "$sdist"), wheel installed in $install_s s"
