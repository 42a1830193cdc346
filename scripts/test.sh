#!/usr/bin/env bash
# Runs every test of plexlink: the Rust workspace (core, client, emulator, command), the checks
# that keep the core sans-IO, and the C and Python suites as they exist. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "the scripts: no grep -q at the end of a pipe"
# Under pipefail, a pipe from cmd into a quiet grep fails when grep finds its match and exits
# before cmd has written everything: cmd dies of SIGPIPE and the pipe's status is cmd's. Whether
# it does depends on timing (a CI run failed this way); `grep x >/dev/null` reads to the end.
if grep -nE '\|[[:space:]]*grep[[:space:]]+-[[:alnum:]]*q' scripts/*.sh .ci/run; then
    echo "the lines above end a pipe with grep -q: use grep ... >/dev/null" >&2
    exit 1
fi

step "Rust workspace: build and test"
cargo build --workspace --all-targets --locked
cargo test --workspace --locked

step "Lints: rustfmt and clippy"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# Each client alone builds too (the drivers they share are in both).
cargo clippy -p plexlink --no-default-features --features blocking,tls-ring --locked -- -D warnings
cargo clippy -p plexlink --no-default-features --features async,tls-ring --locked -- -D warnings

step "plexlink-core is sans-IO"
if cargo tree -p plexlink-core -e normal --prefix none | awk '{print $1}' | grep -xE 'reqwest|hyper|tokio|mio|ureq|socket2' >/dev/null; then
    echo "plexlink-core depends on an I/O crate:" >&2
    cargo tree -p plexlink-core -e normal >&2
    exit 1
fi
# (the no_io test of plexlink-core also checks that its library code never reads the clock)
# The core builds for a target with no sockets, threads or clock at all.
if ! rustup target list --installed 2>/dev/null | grep -x wasm32-unknown-unknown >/dev/null; then
    timeout 300 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
fi
if rustup target list --installed 2>/dev/null | grep -x wasm32-unknown-unknown >/dev/null; then
    cargo check -p plexlink-core --target wasm32-unknown-unknown --locked
else
    echo "(wasm32-unknown-unknown could not be installed here: the wasm build check is skipped)"
fi

step "Publishable: docs without warnings, cargo publish --dry-run"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked -p plexlink-core -p plexlink
# Packages both crates and builds them from the packages alone, as crates.io would (needs the
# crates.io index, which the test command may reach); nothing is uploaded.
cargo publish --dry-run --locked -p plexlink-core -p plexlink

for suite in scripts/test-*.sh; do
    [ -e "$suite" ] || continue
    step "$suite"
    bash "$suite"
done

step "all tests passed"
