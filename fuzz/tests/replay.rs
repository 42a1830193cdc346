//! Replays every committed input through its target on stable, without libFuzzer: the seed
//! corpus (`corpus/<target>/`) and the crashes found so far (`regressions/<target>/`). Every
//! failing input is named, with its panic, before the test fails.

use std::panic;
use std::path::{Path, PathBuf};

use plexlink_fuzz::TARGETS;

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_and_regression_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    for (name, target) in TARGETS {
        let mut count = 0;
        for kind in ["corpus", "regressions"] {
            for file in inputs(&root.join(kind).join(name)) {
                let data = std::fs::read(&file).expect("a readable input");
                count += 1;
                if let Err(panic) = panic::catch_unwind(|| target(&data)) {
                    let message = panic
                        .downcast_ref::<String>()
                        .map(String::as_str)
                        .or_else(|| panic.downcast_ref::<&str>().copied())
                        .unwrap_or("(no message)");
                    failures.push(format!(
                        "{}: {message}",
                        file.strip_prefix(root).unwrap_or(&file).display()
                    ));
                }
            }
        }
        counts.push(format!("{name} {count}"));
    }
    println!("replayed: {}", counts.join(", "));
    assert!(
        failures.is_empty(),
        "{} inputs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_target_has_a_binary_and_a_seed_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut bins: Vec<String> = inputs(&root.join("fuzz_targets"))
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    bins.sort();
    let mut names: Vec<String> = TARGETS.iter().map(|(name, _)| (*name).to_owned()).collect();
    names.sort();
    assert_eq!(bins, names, "fuzz_targets/ and TARGETS");
    for name in &names {
        assert!(
            !inputs(&root.join("corpus").join(name)).is_empty(),
            "corpus/{name} is empty"
        );
    }
}

/// `PLEXLINK_FUZZ_SHOW=<target>:<file> cargo test --manifest-path fuzz/Cargo.toml
/// --no-default-features -- --ignored --nocapture show`: prints the script a state-machine input
/// stands for, then runs it.
#[test]
#[ignore = "a tool: needs PLEXLINK_FUZZ_SHOW"]
fn show() {
    let spec = std::env::var("PLEXLINK_FUZZ_SHOW").expect("PLEXLINK_FUZZ_SHOW=<target>:<file>");
    let (target, file) = spec.split_once(':').expect("<target>:<file>");
    let data = std::fs::read(file).expect("a readable input");
    println!(
        "{}",
        plexlink_fuzz::describe(target, &data).unwrap_or_else(|| String::from_utf8_lossy(&data).into_owned())
    );
    let (_, run) = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a known target");
    run(&data);
}
