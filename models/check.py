#!/usr/bin/env python3
"""Re-check the committed fixtures with PyTorch: for every models/cases/*/case.json, load model.pt,
feed inputs.npz (0-d int64/float64/bool arrays become python scalars), call `method` under
no_grad and compare with outputs.npz using the case's tolerances, exactly as the Rust golden
tests do. Also verifies tensors.json crc32s. Exit code 1 if anything differs.

    /path/to/venv/bin/python models/check.py [NAME...]
"""

import glob
import json
import os
import sys
import warnings
import zlib

import numpy as np
import torch

from fixture_io import flatten_outputs, read_archive_constants

try:  # registers torchvision::nms, roi_align, ... which the detection cases' archives call
    import torchvision  # noqa: F401
except ImportError:
    pass

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))


def scalarize(a: np.ndarray, wants_tensor: bool = False):
    if wants_tensor:
        return torch.from_numpy(np.array(a, copy=True))
    if a.ndim == 0 and a.dtype == np.int64:
        return int(a)
    if a.ndim == 0 and a.dtype == np.float64:
        return float(a)
    if a.ndim == 0 and a.dtype == np.bool_:
        return bool(a)
    return torch.from_numpy(a.copy())


def flatten(v) -> list:
    """The output arrays in fixture order (fixture_io.flatten_outputs without the dtype names)."""
    out: list = []
    flatten_outputs(v, out)
    return [a for a, _ in out]


def read_inputs(z, types: list) -> list:
    """The method's arguments from inputs.npz. The CLI contract: `argN`, or for a List[Tensor]
    argument `argN.0`, `argN.1`, ..., for a Dict[str, Tensor] `argN.KEY`; nesting joins with dots."""
    tree: dict = {}
    for key in z.files:
        parts = key.split(".")
        node = tree
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = z[key]

    def build(node, ty: str):
        if not isinstance(node, dict):
            return scalarize(node, ty.startswith("Tensor"))
        if ty.startswith("Dict"):
            return {k: build(v, "Tensor") for k, v in node.items()}
        inner = ty[len("List["):-1] if ty.startswith("List[") else "Tensor"
        return [build(node[k], inner) for k in sorted(node, key=int)]

    n = 1 + max(int(k[3:]) for k in tree) if tree else 0
    return [build(tree[f"arg{i}"], types[i] if i < len(types) else "") for i in range(n)]


def check_case(d: str) -> list:
    errs = []
    c = json.load(open(os.path.join(d, "case.json")))
    m = torch.jit.load(os.path.join(d, "model.pt"))
    # a 0-d array becomes a python scalar unless the method's signature wants a Tensor there
    schema_args = getattr(m, c["method"]).schema.arguments[1:]
    with np.load(os.path.join(d, "inputs.npz")) as z:
        args = read_inputs(z, [str(a.type) for a in schema_args])
    with np.load(os.path.join(d, "outputs.npz")) as z:
        want = [z[f"out{i}"] for i in range(len(z.files))]
    with torch.no_grad():
        got = flatten(getattr(m, c["method"])(*args))
    if len(got) != len(want):
        return [f"{len(got)} outputs, expected {len(want)}"]
    if len(want) != len(c["output_dtypes"]):
        errs.append("output_dtypes length mismatch")
    for i, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape or g.dtype != w.dtype:
            errs.append(f"out{i}: got {g.dtype}{list(g.shape)} want {w.dtype}{list(w.shape)}")
        elif w.dtype.kind in "biu":
            if not np.array_equal(g, w):
                errs.append(f"out{i}: integer/bool values differ")
        elif not np.allclose(g, w, atol=c["atol"], rtol=c["rtol"], equal_nan=True):
            errs.append(f"out{i}: max abs diff {np.max(np.abs(g.astype(np.float64) - w)):.3g}")
    # tensors.json crc32 against a fresh load
    fresh = torch.jit.load(os.path.join(d, "model.pt"))
    consts = {f"c{i}": t for i, t in enumerate(read_archive_constants(os.path.join(d, "model.pt")))}
    for r in json.load(open(os.path.join(d, "tensors.json"))):
        if r["kind"] == "constant":
            t = consts[r["name"].split(".", 1)[1]]
        else:
            obj = fresh
            for part in r["name"].split("."):
                obj = obj[int(part)] if isinstance(obj, (list, tuple)) else obj[part] if isinstance(obj, dict) else getattr(obj, part)
            t = obj
        crc = zlib.crc32(t.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()) & 0xFFFFFFFF
        if crc != r["crc32"] or list(t.shape) != r["shape"] or list(t.stride()) != r["stride"]:
            errs.append(f"tensor {r['name']} differs")
    return errs


def main():
    names = sys.argv[1:]
    dirs = sorted(glob.glob(os.path.join(HERE, "cases", "*", "")))
    if names:
        dirs = [d for d in dirs if os.path.basename(d.rstrip("/")) in names]
    bad = 0
    for d in dirs:
        name = os.path.basename(d.rstrip("/"))
        try:
            errs = check_case(d)
        except Exception as e:  # noqa: BLE001
            errs = [f"{type(e).__name__}: {e}"]
        print(f"{'ok  ' if not errs else 'FAIL'} {name}" + ("".join(f"\n     {e}" for e in errs)))
        bad += bool(errs)
    print(f"{len(dirs) - bad}/{len(dirs)} cases ok")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
