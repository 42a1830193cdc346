//! The library's version, as macros for the compiler and as a string for the running program.
//!
//! The numbers are written out (cbindgen reads the source and evaluates nothing); the tests
//! compare them, and the header's macros, with the crate version in Cargo.toml.

use std::ffi::c_char;

use crate::panic::ffi_panic_boundary;

/// The major version of the plexlink library this header belongs to.
pub const PLEXLINK_VERSION_MAJOR: u32 = 0;
/// The minor version of the plexlink library this header belongs to.
pub const PLEXLINK_VERSION_MINOR: u32 = 1;
/// The patch version of the plexlink library this header belongs to.
pub const PLEXLINK_VERSION_PATCH: u32 = 0;
/// The version as one number, `(MAJOR << 16) | (MINOR << 8) | PATCH`, for `#if` comparisons.
pub const PLEXLINK_VERSION_NUMBER: u32 = 0x000100;

/// The version of the loaded library, `"MAJOR.MINOR.PATCH"` (e.g. `"0.1.0"`); compare it with
/// the `PLEXLINK_VERSION_*` macros to catch a program built against another header. Before 1.0
/// there is no ABI stability between versions. A static string: never NULL, never free it.
#[unsafe(no_mangle)]
pub extern "C" fn plexlink_version() -> *const c_char {
    ffi_panic_boundary! { concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast() }
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    fn cargo_version() -> (u32, u32, u32) {
        let part = |s: &str| s.parse::<u32>().expect("a number");
        (
            part(env!("CARGO_PKG_VERSION_MAJOR")),
            part(env!("CARGO_PKG_VERSION_MINOR")),
            part(env!("CARGO_PKG_VERSION_PATCH")),
        )
    }

    #[test]
    fn the_constants_match_cargo_toml() {
        let (major, minor, patch) = cargo_version();
        assert_eq!(
            (PLEXLINK_VERSION_MAJOR, PLEXLINK_VERSION_MINOR, PLEXLINK_VERSION_PATCH),
            (major, minor, patch)
        );
        assert_eq!(PLEXLINK_VERSION_NUMBER, (major << 16) | (minor << 8) | patch);
        // SAFETY: plexlink_version returns a static NUL-terminated string.
        let text = unsafe { CStr::from_ptr(plexlink_version()) };
        assert_eq!(text.to_str().expect("UTF-8"), env!("CARGO_PKG_VERSION"));
    }

    /// The macros as the committed header defines them, packed one included.
    #[test]
    fn the_header_macros_match_cargo_toml() {
        let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../include/plexlink.h"))
            .expect("include/plexlink.h");
        let define = |name: &str| -> u32 {
            let line = header
                .lines()
                .find(|l| l.split_whitespace().take(2).eq(["#define", name]))
                .unwrap_or_else(|| panic!("#define {name} in the header"));
            let value = line.split_whitespace().nth(2).expect("a value");
            match value.strip_prefix("0x") {
                Some(hex) => u32::from_str_radix(hex, 16).expect("hex"),
                None => value.parse().expect("a number"),
            }
        };
        let (major, minor, patch) = cargo_version();
        assert_eq!(define("PLEXLINK_VERSION_MAJOR"), major);
        assert_eq!(define("PLEXLINK_VERSION_MINOR"), minor);
        assert_eq!(define("PLEXLINK_VERSION_PATCH"), patch);
        assert_eq!(define("PLEXLINK_VERSION_NUMBER"), (major << 16) | (minor << 8) | patch);
    }
}
