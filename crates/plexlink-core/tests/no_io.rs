//! The core stays sans-IO: no HTTP client, runtime or socket crate in its dependency tree, and
//! no clock read in its source (outside unit tests, which start a simulated clock from one).

use std::path::Path;
use std::process::Command;

#[test]
fn dependency_tree_has_no_io_crates() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "plexlink-core",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.contains("plexlink-core"), "unexpected cargo tree output: {tree}");
    for forbidden in ["reqwest", "hyper", "tokio", "mio", "ureq", "socket2", "async-std"] {
        let found = tree
            .lines()
            .any(|line| line.split_whitespace().next() == Some(forbidden));
        assert!(!found, "plexlink-core depends on {forbidden}:\n{tree}");
    }
}

#[test]
fn source_reads_no_clock_and_opens_no_socket() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    let mut dirs = vec![src];
    // Every module, in subdirectories too (jwt/, kept/).
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src exists") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            // A module's `tests.rs` is its `#[cfg(test)]` module in a file of its own.
            if path.extension().is_none_or(|e| e != "rs") || path.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable source");
            // Unit tests need one real Instant to start their simulated clock from; only the
            // code above a file's `#[cfg(test)]` module is the library. Doc examples are the
            // caller's code, which owns the clock.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            let code: Vec<&str> = text
                .lines()
                .filter(|line| !line.trim_start().starts_with("///") && !line.trim_start().starts_with("//!"))
                .collect();
            let code = code.join("\n");
            for forbidden in [
                "Instant::now",
                "SystemTime::now",
                "std::net::TcpStream",
                "UdpSocket",
                "std::thread::sleep",
                "std::fs::",
                "getrandom",
                "OsRng",
            ] {
                assert!(!code.contains(forbidden), "{} uses {forbidden}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} source files found");
}
