//! The fuzz targets of `plexlink-core`, as plain functions of bytes.
//!
//! Each module's `run(data)` is one target: `fuzz_targets/<name>.rs` hands it to libFuzzer, and
//! `tests/replay.rs` feeds it every file of `corpus/<name>/` and `regressions/<name>/` on stable.
//! A target panics when the core panics or breaks one of its documented invariants; the module
//! docs say which.

pub mod builders;
pub mod connection_race;
pub mod error_mapping;
pub mod hosts;
pub mod jwt;
pub mod kept;
pub mod parsers;
pub mod pin_login;
pub mod timefmt;

mod check;
mod clock;
mod input;

/// The fuzz-chosen script an input of a state-machine target stands for, as text (the answer,
/// host, builder and time targets read their inputs as text already).
pub fn describe(target: &str, data: &[u8]) -> Option<String> {
    match target {
        "pin_login" => Some(pin_login::describe(data)),
        "connection_race" => Some(connection_race::describe(data)),
        "kept" => Some(kept::describe(data)),
        _ => None,
    }
}

/// A target's body: panics on a failure.
pub type Target = fn(&[u8]);

/// Every target: its name (the `fuzz_targets/` binary and the corpus folder) and its body.
pub const TARGETS: &[(&str, Target)] = &[
    ("parsers", parsers::run),
    ("error_mapping", error_mapping::run),
    ("hosts", hosts::run),
    ("builders", builders::run),
    ("timefmt", timefmt::run),
    ("pin_login", pin_login::run),
    ("connection_race", connection_race::run),
    ("jwt", jwt::run),
    ("kept", kept::run),
];
