"""Shared helpers for the Python tests: golden cases (PyTorch's outputs), a local Ray cluster, generated MLPs."""

from __future__ import annotations

import json
import os
import pathlib
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASES = ROOT / "models" / "cases"
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import mlp_archive  # noqa: E402


def case_dir(name: str) -> pathlib.Path:
    return CASES / name


def case_meta(name: str) -> dict:
    return json.loads((case_dir(name) / "case.json").read_text())


def _ordered(npz, prefix: str) -> list[np.ndarray]:
    keys = sorted((k for k in npz.files if k.startswith(prefix)), key=lambda k: int(k[len(prefix):]))
    return [npz[k] for k in keys]


def case_inputs(name: str) -> list[np.ndarray]:
    with np.load(case_dir(name) / "inputs.npz") as f:
        return _ordered(f, "arg")


def case_outputs(name: str) -> list[np.ndarray]:
    """PyTorch's outputs, flattened depth-first (the CLI's npz convention)."""
    with np.load(case_dir(name) / "outputs.npz") as f:
        return _ordered(f, "out")


def flatten(value) -> list[np.ndarray]:
    """A result flattened like outputs.npz: tuples, lists, dict values in order; numbers as 0-d
    arrays; None and strings skipped."""
    out: list[np.ndarray] = []

    def walk(v):
        if v is None or isinstance(v, str):
            return
        if isinstance(v, bool):
            out.append(np.array(v))
        elif isinstance(v, int):
            out.append(np.array(v, dtype=np.int64))
        elif isinstance(v, float):
            out.append(np.array(v, dtype=np.float64))
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        else:
            out.append(np.asarray(v))

    walk(value)
    return out


def as_float32_if_bf16(a: np.ndarray) -> np.ndarray:
    if a.dtype.name == "bfloat16":
        return a.astype(np.float32)
    return a


def assert_matches_case(name: str, result) -> None:
    meta = case_meta(name)
    got = [as_float32_if_bf16(np.asarray(x)) for x in flatten(result)]
    want = case_outputs(name)
    assert len(got) == len(want), f"{name}: {len(got)} outputs, PyTorch gave {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"{name} out{i}: shape {g.shape} != {w.shape}"
        if w.dtype.kind in "fc":
            np.testing.assert_allclose(
                g.astype(np.float64), w.astype(np.float64), atol=meta["atol"], rtol=meta["rtol"],
                err_msg=f"{name} out{i}",
            )
        else:
            assert g.dtype == w.dtype, f"{name} out{i}: dtype {g.dtype} != {w.dtype}"
            np.testing.assert_array_equal(g, w, err_msg=f"{name} out{i}")


def call_case(module, name: str, method: str | None = None):
    """Calls the case's method on its inputs; 0-d inputs become Python numbers where the
    method wants a number (the CLI's convention)."""
    method = method or case_meta(name).get("method", "forward")
    fn = getattr(module, method)
    inputs = case_inputs(name)
    args = []
    for a in inputs:
        args.append(a)
    try:
        return fn(*args)
    except TypeError:
        args = [a.item() if a.ndim == 0 else a for a in inputs]
        return fn(*args)


@pytest.fixture(scope="session")
def ray_cluster():
    """A real local Ray: 2 CPUs, a small object store."""
    ray = pytest.importorskip("ray")
    # Workers import the test modules (functions and classes they receive by reference).
    here = str(pathlib.Path(__file__).resolve().parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (here, os.environ.get("PYTHONPATH", "")) if p
    )
    if not ray.is_initialized():
        ray.init(
            num_cpus=2,
            object_store_memory=600 * 1024 * 1024,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def encoder_decoder(tmp_path_factory):
    """Two generated MLP archives (encoder 64 -> 32, decoder 32 -> 10) and their weights."""
    d = tmp_path_factory.mktemp("encdec")
    enc_w = mlp_archive.make_weights(width=48, n_layers=2, inputs=64, outputs=32, seed=1)
    dec_w = mlp_archive.make_weights(width=48, n_layers=2, inputs=32, outputs=10, seed=2)
    enc, dec = d / "encoder.pt", d / "decoder.pt"
    mlp_archive.write_archive(str(enc), enc_w)
    mlp_archive.write_archive(str(dec), dec_w)
    return enc, dec, enc_w, dec_w


def proc_anonymous_kib(pid: int | None = None) -> int:
    """Anonymous memory of a process (smaps_rollup), KiB."""
    path = f"/proc/{pid or os.getpid()}/smaps_rollup"
    with open(path) as f:
        for line in f:
            if line.startswith("Anonymous:"):
                return int(line.split()[1])
    raise RuntimeError("no Anonymous line in smaps_rollup")
