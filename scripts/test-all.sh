#!/usr/bin/env bash
# The whole test suite: Rust (cargo test --workspace) then the Python package (pytest with a
# real local Ray). Usage: scripts/test-all.sh [--python-only] [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--python-only" ]]; then
  shift
else
  cargo test --workspace
  # The interop features (off by default): ndarray and candle-core conversions.
  cargo test --lib --features ndarray,candle interop
fi

scripts/test-python.sh "$@"
