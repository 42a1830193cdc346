//! Gives the shared library its SONAME. Before 1.0 plexlink promises no ABI stability between
//! versions, so the SONAME is the exact version: a program built against one version never
//! loads another by accident. (The install step makes `libplexlink.so` a link to it.)
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libplexlink.so.{version}");
    }
}
