#!/usr/bin/env bash
# Runs every fuzz target for a fixed time (default 20 s each) on seed corpora made from
# models/cases, and fails if any target finds a crash (a panic, an abort, a stack overflow, an
# input running past -timeout, or memory past -rss_limit_mb).
# Usage: fuzz/ci.sh [seconds-per-target] [target...]
# FUZZ_RUNS=N runs N inputs per target instead of a time (CI: `FUZZ_RUNS=10000 bash fuzz/ci.sh`:
# with the fixed seed the same inputs run on every machine, so CI's verdict does not depend on
# the machine's speed).
# Installs cargo-fuzz (pinned) when it is missing; needs only the stable toolchain.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"
shift || true
targets="${*:-zip_directory unpickle parse lower load_archive run_code run_inputs}"
cargo_fuzz_version=0.13.2
# With `-s none` cargo-fuzz passes rustc no -Z flag (only -Cpasses=sancov-module and
# -Cllvm-args), so the stable toolchain builds the targets: no nightly, no RUSTC_BOOTSTRAP.
# libfuzzer-sys compiles libFuzzer itself: it needs a C++ compiler.
command -v c++ > /dev/null || apt-get install -y g++
if ! cargo fuzz --version 2> /dev/null | grep -q " $cargo_fuzz_version\$"; then
    cargo install --locked "cargo-fuzz@$cargo_fuzz_version"
fi
./seed_corpora.sh > /dev/null
# No sanitizer: Rust code is memory safe outside the few `unsafe` blocks and the build is much
# faster; panics, aborts, stack overflows, hangs and runaway memory are what the targets find.
cargo fuzz build -s none -O
mkdir -p logs
if [ -n "${FUZZ_RUNS:-}" ]; then
    budget=(-runs="$FUZZ_RUNS")
    what="$FUZZ_RUNS inputs"
else
    budget=(-max_total_time="$seconds")
    what="${seconds}s"
fi
failed=""
for t in $targets; do
    rm -rf "artifacts/$t"
    echo "fuzz: $t for $what"
    status=0
    # -seed fixed: the same build explores the same way on every run (fewer surprises in CI);
    # -timeout: one input running for 10 s is a hang.
    cargo fuzz run -s none -O "$t" "corpus/$t" -- \
        "${budget[@]}" -seed=1 -timeout=10 -rss_limit_mb=4096 -max_len=262144 \
        -print_final_stats=1 > "logs/$t.log" 2>&1 || status=$?
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "logs/$t.log" | sed "s/^/fuzz: $t: /" || true
    if [ "$status" -ne 0 ] || ls "artifacts/$t"/* > /dev/null 2>&1; then
        echo "fuzz: $t FAILED (exit $status); the input is in fuzz/artifacts/$t, the log in fuzz/logs/$t.log:" >&2
        grep -E "panicked|ERROR|deadly signal|SUMMARY|Test unit written" "logs/$t.log" | head -20 >&2 || true
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "fuzz: crashes in:$failed" >&2
    exit 1
fi
echo "fuzz: all targets ran $what each without a crash"
