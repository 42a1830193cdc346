//! `include/plexlink.h` is generated from this crate and committed; this test regenerates it
//! with the pinned cbindgen and fails when the committed copy differs.
//!
//! After changing the C API, regenerate with `scripts/gen-header.sh`, or run this test with
//! `PLEXLINK_BLESS_HEADER=1` to write the fresh header in place.

use std::path::Path;

#[test]
fn the_committed_header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed_path = crate_dir.join("../../include/plexlink.h");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let fresh = String::from_utf8(fresh).expect("UTF-8 header");
    if std::env::var_os("PLEXLINK_BLESS_HEADER").is_some() {
        std::fs::write(&committed_path, &fresh).expect("write include/plexlink.h");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).expect("include/plexlink.h");
    if committed != fresh {
        let line = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| committed.lines().count().min(fresh.lines().count()) + 1, |i| i + 1);
        panic!(
            "include/plexlink.h is out of date (first difference at line {line}): regenerate it with \
             scripts/gen-header.sh (or PLEXLINK_BLESS_HEADER=1 cargo test -p plexlink-ffi --test header)"
        );
    }
}
