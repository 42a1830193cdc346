#!/usr/bin/env bash
# Regenerates include/plexlink.h from crates/plexlink-ffi with the pinned cbindgen, installing
# it into target/tools when missing. `cargo test -p plexlink-ffi` fails while the committed
# header differs from what this writes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cbindgen.sh
cbindgen_cmd --config crates/plexlink-ffi/cbindgen.toml --crate plexlink-ffi --output include/plexlink.h
echo "wrote include/plexlink.h"
