#!/usr/bin/env bash
# Fuzzing of plexlink-core (fuzz/, see its Cargo.toml). Replays every committed corpus and
# regression input through its target on stable; then, where nightly Rust and cargo-fuzz are
# available (cargo-fuzz is installed if missing), builds the libFuzzer targets and runs each for
# a while, failing on any crash.
#
#   scripts/test-fuzz.sh                     replay, then 20 s per target
#   scripts/test-fuzz.sh --long 3600         replay, then 3600 s per target
#   scripts/test-fuzz.sh --replay            replay only
#   scripts/test-fuzz.sh [--long N] parsers  only the targets named
#
# libFuzzer writes what it finds to fuzz/target/fuzz-corpus/<target>/ (kept between runs, never
# committed) and crash inputs to fuzz/artifacts/<target>/: copy a crash into
# fuzz/regressions/<target>/ to replay it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

seconds=20
replay_only=false
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --long) seconds="$2"; shift 2 ;;
        --replay) replay_only=true; shift ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if [ ${#targets[@]} -eq 0 ]; then
    targets=(parsers error_mapping hosts builders timefmt pin_login connection_race jwt kept)
fi

# The longest input of each target: large for the answers, so that a parse that is not linear
# in time shows (the targets also time themselves); small where more says nothing new.
max_len() {
    case "$1" in
        parsers | error_mapping) echo 262144 ;;
        builders | jwt) echo 65536 ;;
        timefmt) echo 256 ;;
        *) echo 8192 ;;
    esac
}

untracked() { git status --porcelain --untracked-files=all -- fuzz 2>/dev/null || true; }
before=$(untracked)
failed=()

step "fuzz: replay the corpus and the regressions on stable"
if ! cargo test --manifest-path fuzz/Cargo.toml --no-default-features --locked; then
    failed+=("replay")
fi

fuzzer=true
if $replay_only; then
    fuzzer=false
elif ! cargo +nightly --version >/dev/null 2>&1; then
    echo "(nightly Rust is not installed here: the fuzz targets were replayed on stable, not fuzzed)"
    fuzzer=false
elif ! cargo fuzz --version >/dev/null 2>&1; then
    step "installing cargo-fuzz"
    timeout 900 cargo install cargo-fuzz --locked || true
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "(cargo-fuzz could not be installed here: the fuzz targets were replayed on stable, not fuzzed)"
        fuzzer=false
    fi
fi

if $fuzzer; then
    # No sanitizer: the core forbids unsafe code. Debug assertions catch overflows.
    flags=(--sanitizer none --debug-assertions)
    step "fuzz: build the libFuzzer targets (nightly)"
    # Only the targets to run: the binary of one not named may be in use by a longer run.
    for target in "${targets[@]}"; do
        cargo +nightly fuzz build "${flags[@]}" "$target"
    done
    work=fuzz/target/fuzz-corpus
    for target in "${targets[@]}"; do
        step "fuzz: $target for ${seconds} s"
        mkdir -p "$work/$target"
        log="fuzz/target/fuzz-$target.log"
        dict=()
        case "$target" in pin_login | connection_race) ;; *) dict=(-dict=fuzz/plexlink.dict) ;; esac
        # New inputs go to the first folder (ignored); the committed corpus is only read. The
        # targets time their parses against a linear budget themselves; libFuzzer's timeout is the
        # backstop for a hang, long enough that a busy machine's stall does not count.
        if cargo +nightly fuzz run "${flags[@]}" "$target" "$work/$target" "fuzz/corpus/$target" -- \
            -max_total_time="$seconds" -timeout=5 -max_len="$(max_len "$target")" \
            -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" >"$log" 2>&1; then
            execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
            echo "$target: ${execs:-?} executions in ${seconds} s, no crash"
        else
            tail -40 "$log"
            echo "$target: CRASH (log $log; the input is in fuzz/artifacts/$target/)"
            failed+=("$target")
        fi
    done
fi

if [ "$(untracked)" != "$before" ]; then
    echo "fuzzing left files in the tree:" >&2
    diff <(echo "$before") <(untracked) >&2 || true
    failed+=("tree")
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]} (${SECONDS} s)" >&2
    exit 1
fi
echo "fuzz: no failure (${SECONDS} s)"
