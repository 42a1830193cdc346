#!/usr/bin/env bash
# The benchmark: plexlink against python-plexapi on the emulator, both in one run, printed as a
# Markdown table of medians and ratios followed by the targets (README.md, "Benchmarks").
# Not part of scripts/test.sh: it takes a few minutes, most of them python-plexapi's default
# 30 s timeout on each black-holed round and its connect() loop over 200 servers.
#
#   scripts/bench.sh [plexlink-bench options]     (--rounds N, --crowd-rounds N, --plexlink-only, --help, ...)
#
# Needs python3 (3.9 or later, with venv), cargo, and PyPI: python-plexapi (and PyJWT, for its
# JWT login) goes into its own virtual environment, .venv-bench. The C library (libplexlink.so,
# in its dist profile, as shipped) and the Python module (plexlink, release) are built when they
# build; the table says "n/a (not built)" for what did not. PYTHON picks another interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-bench
target=${CARGO_TARGET_DIR:-target}
note() { printf 'bench.sh: %s\n' "$*" >&2; }

[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
pip_install() { "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"; }
# PyJWT with cryptography: what plexapi's MyPlexJWTLogin needs (its "jwt" extra), pinned too.
pip_install 'plexapi==4.18.3' 'pyjwt[crypto]==2.15.1'

note "building plexlink-bench (release)"
cargo build --release --locked -p plexlink-bench
if cargo metadata --format-version 1 --no-deps --locked | grep '"name":"plexlink-ffi"' >/dev/null; then
    # The size row is the library as shipped: scripts/build-c.sh's profile, dist.
    note "building libplexlink.so (dist)"
    cargo build --profile dist --locked -p plexlink-ffi || note "libplexlink.so did not build: its size is left out"
fi
if [ -f bindings/python/pyproject.toml ]; then
    note "building the plexlink Python module (maturin, release) into $venv"
    rm -rf "$target/bench-wheels"
    if pip_install 'maturin>=1.9,<2' &&
        "$venv/bin/maturin" build --quiet --release --locked --manifest-path bindings/python/Cargo.toml \
            --out "$target/bench-wheels" &&
        pip_install --no-deps --force-reinstall "$target"/bench-wheels/plexlink-*.whl; then
        :
    else
        "$venv/bin/python" -m pip uninstall --quiet --yes plexlink 2>/dev/null || true
        note "the Python module did not build: its import time is left out"
    fi
fi

export PLEXLINK_LIB=${PLEXLINK_LIB:-$target/dist/libplexlink.so}
exec "$target/release/plexlink-bench" --python "$venv/bin/python" "$@"
