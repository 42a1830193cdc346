# Sourced by gen-header.sh and test-c.sh: `cbindgen_cmd ARGS...` runs the pinned cbindgen,
# installed with `cargo install --locked` into target/tools when it is not there yet.
CBINDGEN_VERSION=0.29.4
cbindgen_cmd() {
    local root="$PWD/target/tools"
    local bin="$root/bin/cbindgen"
    if ! [ -x "$bin" ] || [ "$("$bin" --version 2>/dev/null)" != "cbindgen $CBINDGEN_VERSION" ]; then
        echo "(installing cbindgen $CBINDGEN_VERSION into $root)" >&2
        cargo install cbindgen --locked --version "$CBINDGEN_VERSION" --root "$root" --force >&2
    fi
    "$bin" "$@"
}
