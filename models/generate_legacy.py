#!/usr/bin/env python3
"""Golden fixtures written by an older PyTorch (2.0.1), and archives whose format `version` record
is rewritten to an older number so that loading them runs PyTorch's operator upgraders.

Run with torch 2.0.1 in its own virtualenv outside the repository (see models/README.md):

    /path/to/venv20/bin/python models/generate_legacy.py            # all legacy_* cases
    /path/to/venv20/bin/python models/generate_legacy.py --only legacy_div_v3
    /path/to/venv20/bin/python models/generate_legacy.py --list

Every case writes models/cases/legacy_<name>/{model.pt, inputs.npz, outputs.npz, case.json,
tensors.json} with the conventions of models/generate.py, shared through models/fixture_io.py
(generate.py itself cannot be imported here: it pins torch 2.15.0 and needs torchvision). The reference outputs are always what `torch.jit.load` of the
written (possibly rewritten) archive computes: for a rewritten version that includes PyTorch's own
upgraders.
"""

import argparse
import json
import os
import shutil
import warnings
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_io import (archive_facts, default_tolerance, dtype_name, flatten_outputs, input_to_numpy,
                        rewrite_archive, seed_all, tensor_record)

assert torch.__version__.startswith("2.0.1"), f"need torch 2.0.1, got {torch.__version__}"

warnings.filterwarnings("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "cases")
ISSUE = 12

CASES: Dict[str, Dict[str, Any]] = {}


def case(name: str, description: str, kind: str):
    assert name.startswith("legacy_"), name

    def deco(fn):
        assert name not in CASES, name
        CASES[name] = dict(fn=fn, description=description, kind=kind)
        return fn

    return deco


# ---- the tensors of a loaded archive ---------------------------------------------------------

def walk_tensors(loaded) -> List[Dict[str, Any]]:
    params = {n for n, _ in loaded.named_parameters(recurse=True, remove_duplicate=False)}
    buffers = {n for n, _ in loaded.named_buffers(recurse=True, remove_duplicate=False)}
    storage_ids: Dict[Any, int] = {}
    recs, seen = [], set()
    for n, t in list(loaded.named_parameters(recurse=True, remove_duplicate=False)) + list(
            loaded.named_buffers(recurse=True, remove_duplicate=False)):
        if n not in seen:
            seen.add(n)
            recs.append(tensor_record(n, "parameter" if n in params else "buffer" if n in buffers else "attribute",
                                      t, storage_ids))
    return recs


# ---- running one case -----------------------------------------------------------------------

def run_case(name: str, spec: Dict[str, Any]) -> Dict[str, Any]:
    seed_all(0)
    res = spec["fn"]()
    module, inputs = res["module"], tuple(res["inputs"])
    method = res.get("method", "forward")
    d = os.path.join(CASES_DIR, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    path = os.path.join(d, "model.pt")
    torch.jit.save(module, path)
    written_version = archive_facts(path).get("version") or archive_facts(path).get(".data/version")
    if res.get("version") is not None or res.get("code_subs"):
        rewrite_archive(path, res.get("version"), res.get("code_subs"))

    loaded = torch.jit.load(path)
    with torch.no_grad():
        result = getattr(loaded, method)(*[x.clone() if isinstance(x, torch.Tensor) else x for x in inputs])
    flat: List[Tuple[np.ndarray, str]] = []
    flatten_outputs(result, flat)
    out_dtypes = [dt for _, dt in flat]
    atol, rtol = default_tolerance(out_dtypes)

    np.savez(os.path.join(d, "inputs.npz"), **{f"arg{i}": input_to_numpy(v) for i, v in enumerate(inputs)})
    np.savez(os.path.join(d, "outputs.npz"), **{f"out{i}": a for i, (a, _) in enumerate(flat)})
    facts = archive_facts(path)
    info = {
        "name": name,
        "kind": spec["kind"],
        "method": method,
        "description": spec["description"],
        "issue": ISSUE,
        "torch_version": torch.__version__,
        "atol": atol,
        "rtol": rtol,
        "input_dtypes": [dtype_name(v.dtype) if isinstance(v, torch.Tensor) else type(v).__name__ for v in inputs],
        "input_shapes": [list(v.shape) if isinstance(v, torch.Tensor) else [] for v in inputs],
        "output_dtypes": out_dtypes,
        "output_shapes": [list(a.shape) for a, _ in flat],
        "training": bool(getattr(loaded, "training", False)),
        "grad_enabled": False,
        "written_format_version": int(written_version),
        "format_version": int(facts.get("version") or facts.get(".data/version")),
        "archive_rewritten": bool(res.get("version") is not None or res.get("code_subs")),
    }
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    with open(os.path.join(d, "tensors.json"), "w") as f:
        json.dump(walk_tensors(loaded), f, indent=1)
        f.write("\n")
    print(f"{name:36s} written v{info['written_format_version']:<3d} now v{info['format_version']:<3d} "
          f"outs={len(flat):3d} model.pt={os.path.getsize(path) / 1024:7.1f} KiB")
    return info


def warm_bn(m: nn.Module, shape):
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, (nn.BatchNorm2d, nn.LayerNorm)):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
        m.train()
        for _ in range(3):
            m(torch.randn(*shape) * 1.5 + 0.3)
    return m.eval()


# ============================================================================================
# Archives as torch 2.0.1 writes them
# ============================================================================================

class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 2)
        x = F.relu(self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


@case("legacy_cnn_bn_traced", "torch 2.0.1: traced Conv2d/BatchNorm2d/max_pool/grouped conv/Linear CNN.", "traced")
def _():
    m = warm_bn(SmallCNN(), (4, 3, 12, 12))
    x = torch.randn(2, 3, 12, 12)
    with torch.no_grad():
        return dict(module=torch.jit.trace(m, (x,)), inputs=(x,))


class Control(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.names: List[str] = ["alpha", "beta", "gamma"]

    def forward(self, x: torch.Tensor, n: int) -> Tuple[torch.Tensor, Dict[str, int], List[int], str]:
        counts: Dict[str, int] = {}
        for w in "the cat and the hat and the bat".split(" "):
            counts[w] = counts.get(w, 0) + 1
        sizes: List[int] = []
        for name in self.names:
            sizes.append(len(name))
        i = 0
        while i < n:
            if i % 2 == 0:
                x = self.lin(x)
            else:
                x = torch.relu(x) - 0.5
            i += 1
        label = "-".join([s.upper() for s in self.names]) + f"/{n}"
        if label.startswith("ALPHA") and "the" in counts:
            x = x * float(counts["the"])
        sizes.sort(reverse=True)
        return x, counts, sizes[1:], label


@case("legacy_control_flow_scripted", "torch 2.0.1: scripted while/if/for, Dict[str, int] counting, List[int] sort "
      "and slices, str split/join/upper/f-string/startswith, `in` on a dict.", "scripted")
def _():
    return dict(module=torch.jit.script(Control().eval()), inputs=(torch.randn(3, 4), 5))


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 8, num_layers=2, batch_first=True, bidirectional=True)
        self.out = nn.Linear(16, 3)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        return self.out(y), h, c


@case("legacy_lstm_scripted", "torch 2.0.1: scripted 2-layer bidirectional batch_first LSTM + Linear.", "scripted")
def _():
    return dict(module=torch.jit.script(Tagger().eval()), inputs=(torch.randn(2, 5, 6),))


@case("legacy_lstm_traced", "torch 2.0.1: traced 2-layer bidirectional batch_first LSTM + Linear.", "traced")
def _():
    x = torch.randn(2, 5, 6)
    with torch.no_grad():
        return dict(module=torch.jit.trace(Tagger().eval(), (x,)), inputs=(x,))


@case("legacy_transformer_layer_scripted", "torch 2.0.1: scripted nn.TransformerEncoderLayer (batch_first, gelu) "
      "with a bool src_key_padding_mask, run under no_grad (fast path).", "scripted")
def _():
    layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="gelu", batch_first=True).eval()
    warm_bn(layer, (1, 1, 16))
    x = torch.randn(2, 5, 16)
    mask = torch.tensor([[False] * 5, [False, False, False, True, True]])
    return dict(module=torch.jit.script(_EncWrap(layer)), inputs=(x, mask))


class _EncWrap(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, mask):
        return self.layer(x, src_key_padding_mask=mask)


class VersionedOps(nn.Module):
    """Every op of the version map a model can call, as torch 2.0.1 writes it."""

    def forward(self, a, b, x):
        return (torch.div(a, b), torch.div(a, 3), torch.div(a, b, rounding_mode="floor"),
                torch.div(a, -3, rounding_mode="trunc"), a.clone().div_(b, rounding_mode="floor"),
                torch.full([2, 3], 7), torch.full([2], 2.5), torch.full([2], 3, dtype=torch.int32),
                torch.linspace(-1.0, 2.0, 7), torch.linspace(0, 10, 5, dtype=torch.int64),
                torch.logspace(0.0, 2.0, 5), torch.logspace(0, 3, 4, base=2.0),
                F.gelu(x), F.gelu(x, approximate="tanh"))


def _int_ops_inputs():
    a = torch.tensor([7, -7, 9, -9, 5, 0, 12, -1])
    b = torch.tensor([2, 2, -4, -4, 3, 5, -5, 3])
    return a, b, torch.linspace(-3, 3, 9)


@case("legacy_versioned_ops_scripted", "torch 2.0.1: div on int tensors (true division, rounding_mode floor/trunc, "
      "in place), full (int fill, float fill, dtype), linspace/logspace (base, dtype), gelu (none/tanh); the "
      "archive's version is the highest bump of these ops (10).", "scripted")
def _():
    return dict(module=torch.jit.script(VersionedOps()), inputs=_int_ops_inputs())


# ============================================================================================
# The `version` record rewritten to an older number: torch.jit.load then runs its upgraders
# ============================================================================================

class DivOps(nn.Module):
    def forward(self, a, b, f):
        c = a.clone()
        c.div_(b)
        d = f.clone()
        d.div_(2)
        e = a.clone()
        e.div_(-4)
        return (torch.div(a, b), a / b, torch.div(a, 3), a / -4, torch.div(f, b), torch.div(a, 2.5), c, d, e,
                torch.div(a, b, rounding_mode="floor"), torch.div(a, 3, rounding_mode=None),
                torch.div(a, b, rounding_mode=None),
                a.clone().div_(3, rounding_mode="floor"))


@case("legacy_div_v3", "div on integer tensors in an archive whose version record is rewritten to 3: PyTorch's "
      "div_Tensor_0_3 / div_Scalar_0_3 / div__*_0_3 truncate integer division (float operands stay true division); "
      "the *_mode_0_3 variants keep the given rounding_mode (None is true division).", "scripted")
def _():
    a = torch.tensor([7, -7, 9, -9, 5, 0, 12, -1])
    b = torch.tensor([2, 2, -4, -4, 3, 5, -5, 3])
    return dict(module=torch.jit.script(DivOps()), inputs=(a, b, torch.randn(8)), version=3)


class FullOps(nn.Module):
    def forward(self, n: int):
        return (torch.full([2, 3], 7), torch.full([n], n), torch.full([2], -5), torch.full([2], 2.5),
                torch.full([2], 3, dtype=torch.int32), torch.zeros(2, dtype=torch.int64).fill_(4))


@case("legacy_full_v4", "full with an int fill and no dtype in an archive rewritten to version 4: "
      "full_0_4 makes a float tensor (float(fill)); with a dtype it keeps it.", "scripted")
def _():
    return dict(module=torch.jit.script(FullOps()), inputs=(3,), version=4)


class SpaceOps(nn.Module):
    def forward(self, x):
        return (torch.linspace(-1.0, 2.0, 7), torch.linspace(0, 10, 5, dtype=torch.int64),
                torch.logspace(0.0, 2.0, 5), torch.logspace(0, 3, 4, base=2.0), torch.linspace(-2.0, 2.0, 100) * x,
                torch.logspace(-1.0, 1.0, 100), torch.linspace(0.0, 1.0, 100, dtype=torch.float64))


@case("legacy_linspace_logspace_v7", "linspace/logspace in an archive rewritten to version 7 whose code omits "
      "`steps` in three calls (allowed by the old schemas `int? steps=None`): linspace_0_7 and logspace_0_8 "
      "default steps to 100.", "scripted")
def _():
    return dict(module=torch.jit.script(SpaceOps()), inputs=(torch.tensor(0.5),), version=7,
                code_subs=[(r"torch\.linspace\(-2\., 2\., 100\)", "torch.linspace(-2., 2.)"),
                           (r"torch\.logspace\(-1\., 1\., 100\)", "torch.logspace(-1., 1.)"),
                           (r"torch\.linspace\(0\., 1\., 100, (dtype=7)\)", r"torch.linspace(0., 1., None, \1)")])


class GeluOps(nn.Module):
    def forward(self, x):
        return F.gelu(x), F.gelu(x * 2.0), torch.full([2], 1)


@case("legacy_gelu_v3", "gelu without `approximate` and full with an int fill in an archive rewritten to "
      "version 3: gelu_0_9 is gelu(approximate='none'), full_0_4 makes floats.", "scripted")
def _():
    return dict(module=torch.jit.script(GeluOps()), inputs=(torch.linspace(-3, 3, 13),), version=3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.list:
        for n, s in CASES.items():
            print(f"{n:36s} {s['kind']:9s} {s['description']}")
        return
    for n, s in CASES.items():
        if args.only and n not in args.only:
            continue
        run_case(n, s)


if __name__ == "__main__":
    main()
