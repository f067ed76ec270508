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

# The wheel shares the workspace's target directory: cargo keys every artifact by its features,
# so the crates whose features differ in the wheel's graph (pyo3 and numpy come in) get their
# own artifacts and the rest (the optimized kernels above all) are built once for both.
# The dev profile compiles the kernels optimized (see Cargo.toml); MATURIN_PROFILE=release for a
# release wheel.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
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
