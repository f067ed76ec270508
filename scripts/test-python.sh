#!/usr/bin/env bash
# Builds the `torchscript` wheel (maturin, abi3), installs it with its test extras (pytest, ray,
# numpy) into .venv-test, lints the binding crate, and runs tests/python with pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="$(realpath -m "${VENV:-.venv-test}")"

cargo clippy -p torchscript-python --features python --all-targets -- -D warnings

if [[ ! -x "$VENV/bin/python" ]]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "maturin>=1.9,<2"

# The wheel's crate graph unifies features differently from `cargo test --workspace` (numpy and
# pyo3 come in), so it builds in its own target directory: the two never invalidate each other.
# The dev profile compiles the kernels optimized (see Cargo.toml); MATURIN_PROFILE=release for a
# release wheel.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/python}"
rm -rf target/wheels
"$VENV/bin/maturin" build --profile "${MATURIN_PROFILE:-dev}" --out target/wheels
wheel="$(ls target/wheels/torchscript-*.whl)"
"$VENV/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel"
"$VENV/bin/python" -m pip install --quiet "${wheel}[test]"

# Run from the tests folder so that `import torchscript` is the installed wheel, not python/.
cd tests/python
set +e
"$VENV/bin/python" -m pytest -ra "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit $status
