#!/usr/bin/env bash
# Runs every fuzz target for a fixed time (default 20 s each) on seed corpora made from
# models/cases; fails if any target finds a crash. Usage: fuzz/ci.sh [seconds-per-target]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"
export RUSTC_BOOTSTRAP=1   # cargo-fuzz passes -Z flags; this lets a stable toolchain take them
command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz --locked
./seed_corpora.sh > /dev/null
targets="zip_directory unpickle parse lower load_archive run_code run_inputs"
# No sanitizer: Rust code is memory safe outside the few `unsafe` blocks, and the build is
# much faster; panics, aborts and stack overflows are what the targets look for.
cargo fuzz build -s none -O
for t in $targets; do
    echo "fuzz: $t for ${seconds}s"
    cargo fuzz run -s none -O "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=262144 -print_final_stats=1 \
        2>&1 | grep -E "stat::number_of_executed_units|ERROR|panicked|deadly signal" || true
    if ls "artifacts/$t"/crash-* "artifacts/$t"/oom-* > /dev/null 2>&1; then
        echo "fuzz: $t found a crash: fuzz/artifacts/$t" >&2
        exit 1
    fi
done
