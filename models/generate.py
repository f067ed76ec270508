#!/usr/bin/env python3
"""Golden-fixture generator for the `torchscript` Rust runtime.

Run with real PyTorch (pinned, see models/README.md):

    /path/to/venv/bin/python models/generate.py            # all cases
    /path/to/venv/bin/python models/generate.py --only mlp_traced lstm_scripted
    /path/to/venv/bin/python models/generate.py --list

Every case writes models/cases/<name>/{model.pt, inputs.npz, outputs.npz, case.json, tensors.json}.
Conventions are documented in models/README.md.
"""

import argparse
import json
import os
import shutil
import sys
import warnings
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from fixture_io import (default_tolerance, dtype_name, flatten_outputs, format_version, input_to_numpy,
                        read_archive_constants, rewrite_archive, seed_all, tensor_record)

assert torch.__version__.startswith("2.15.0"), f"need torch 2.15.0, got {torch.__version__}"
assert torchvision.__version__.startswith("0.29.2"), f"need torchvision 0.29.2, got {torchvision.__version__}"

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=UserWarning)
warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "cases")

# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------

CASES: Dict[str, Dict[str, Any]] = {}


def case(name: str, issue: int, description: str, kind: Optional[str] = None):
    """Register a case. The function returns a dict with keys:
    module  (ScriptModule to save, or SaveViaBuffer(module)), inputs (tuple), and optionally
    method, eager (callable for a cross-check), atol, rtol, kind, note, extra_files, and
    version / code_subs (the saved archive's `version` record and code rewritten, see
    fixture_io.rewrite_archive: loading then runs PyTorch's operator upgraders)."""

    def deco(fn):
        assert name not in CASES, name
        CASES[name] = dict(fn=fn, issue=issue, description=description, kind=kind)
        return fn

    return deco


# --------------------------------------------------------------------------------------------
# the tensors of a loaded archive
# --------------------------------------------------------------------------------------------

def walk_tensors(loaded, path: str) -> List[Dict[str, Any]]:
    """Every tensor reachable from the loaded ScriptModule by attributes, plus code constants."""
    it = torch._C._jit_debug_module_iterators(loaded._c)
    params = {n for n, _ in loaded.named_parameters(recurse=True, remove_duplicate=False)}
    buffers = {n for n, _ in loaded.named_buffers(recurse=True, remove_duplicate=False)}
    storage_ids: Dict[int, int] = {}
    recs = []
    seen = set()

    def add(name, t):
        if name in seen:
            return
        seen.add(name)
        kind = "parameter" if name in params else "buffer" if name in buffers else "attribute"
        recs.append(tensor_record(name, kind, t, storage_ids))

    for name, v in it["named_attributes_r"]:
        if isinstance(v, torch.Tensor):
            add(name, v)
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                if isinstance(x, torch.Tensor):
                    add(f"{name}.{i}", x)
        elif isinstance(v, dict):
            for k, x in v.items():
                if isinstance(x, torch.Tensor):
                    add(f"{name}.{k}", x)
    # parameters/buffers not surfaced as attributes (should not happen, but be safe)
    for n, p in loaded.named_parameters(recurse=True, remove_duplicate=False):
        add(n, p)
    for n, b in loaded.named_buffers(recurse=True, remove_duplicate=False):
        add(n, b)
    # tensor constants of the code: constants.pkl is one tuple shared by all classes of the archive,
    # CONSTANTS.c<i> in code/ is its i-th element. Read it straight from the zip (a loaded module's
    # code_with_constants renumbers per method).
    for i, v in enumerate(read_archive_constants(path)):
        if isinstance(v, torch.Tensor):
            recs.append(tensor_record(f"CONSTANTS.c{i}", "constant", v, storage_ids))
    return recs


# --------------------------------------------------------------------------------------------
# running one case
# --------------------------------------------------------------------------------------------

def allclose_nested(a, b, atol, rtol) -> bool:
    fa, fb = [], []
    flatten_outputs(a, fa)
    flatten_outputs(b, fb)
    if len(fa) != len(fb):
        return False
    for (x, dx), (y, dy) in zip(fa, fb):
        if dx != dy or x.shape != y.shape:
            return False
        if x.dtype == np.bool_ or np.issubdtype(x.dtype, np.integer):
            if not np.array_equal(x, y):
                return False
        elif not np.allclose(x.astype(np.float64), y.astype(np.float64), atol=atol, rtol=rtol, equal_nan=True):
            return False
    return True


def run_case(name: str, spec: Dict[str, Any]) -> Dict[str, Any]:
    seed_all(0)
    res = spec["fn"]()
    module = res["module"]
    inputs = tuple(res["inputs"])
    method = res.get("method", "forward")
    kind = res.get("kind") or spec["kind"]
    assert kind, name

    d = os.path.join(CASES_DIR, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    path = os.path.join(d, "model.pt")
    extra = {f"{k}": v for k, v in (res.get("extra_files") or {}).items()}
    if isinstance(module, SaveViaBuffer):
        import io
        buf = io.BytesIO()
        torch.jit.save(module.module, buf, _extra_files=extra)
        with open(path, "wb") as f:
            f.write(buf.getvalue())
    else:
        torch.jit.save(module, path, _extra_files=extra)
    written_version = format_version(path)
    rewritten = res.get("version") is not None or bool(res.get("code_subs"))
    if rewritten:
        rewrite_archive(path, res.get("version"), res.get("code_subs"))

    # Outputs are what the *loaded* archive computes (that is what the Rust side loads),
    # with autograd disabled (the Rust runtime has no autograd).
    loaded = torch.jit.load(path)
    tensors = walk_tensors(loaded, path)
    with torch.no_grad():
        fn = getattr(loaded, method)
        result = fn(*[x.clone() if isinstance(x, torch.Tensor) else x for x in inputs])

    flat: List[Tuple[np.ndarray, str]] = []
    flatten_outputs(result, flat)
    out_dtypes = [dt for _, dt in flat]
    atol, rtol = default_tolerance(out_dtypes)
    atol = res.get("atol", atol)
    rtol = res.get("rtol", rtol)

    # cross-check against eager PyTorch when given
    eager_ok = None
    if res.get("eager") is not None:
        seed_all(0)
        with torch.no_grad():
            ref = res["eager"](*[x.clone() if isinstance(x, torch.Tensor) else x for x in inputs])
        eager_ok = allclose_nested(result, ref, max(atol, 1e-5), max(rtol, 1e-4))
        if not eager_ok:
            print(f"  WARNING {name}: loaded archive differs from eager module", file=sys.stderr)

    np.savez(os.path.join(d, "inputs.npz"), **{f"arg{i}": input_to_numpy(v) for i, v in enumerate(inputs)})
    np.savez(os.path.join(d, "outputs.npz"), **{f"out{i}": a for i, (a, _) in enumerate(flat)})

    info = {
        "name": name,
        "kind": kind,
        "method": method,
        "description": spec["description"] + ((" " + res["note"]) if res.get("note") else ""),
        "issue": spec["issue"],
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "atol": atol,
        "rtol": rtol,
        "input_dtypes": [
            dtype_name(v.dtype) if isinstance(v, torch.Tensor) else type(v).__name__ for v in inputs
        ],
        "input_shapes": [list(v.shape) if isinstance(v, torch.Tensor) else [] for v in inputs],
        "output_dtypes": out_dtypes,
        "output_shapes": [list(a.shape) for a, _ in flat],
        "training": bool(getattr(loaded, "training", False)),
        "grad_enabled": False,
        "eager_match": eager_ok,
    }
    if rewritten:
        info.update(written_format_version=written_version, format_version=format_version(path),
                    archive_rewritten=True)
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    with open(os.path.join(d, "tensors.json"), "w") as f:
        json.dump(tensors, f, indent=1)
        f.write("\n")
    size = os.path.getsize(path)
    print(f"{name:40s} {kind:9s} outs={len(flat):3d} tensors={len(tensors):4d} model.pt={size/1024:8.1f} KiB")
    return info


# --------------------------------------------------------------------------------------------
# helpers for building models
# --------------------------------------------------------------------------------------------

def perturb_norms(m: nn.Module):
    """Non-trivial affine parameters for normalisation layers."""
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)):
                if getattr(mod, "weight", None) is not None and mod.weight is not None:
                    mod.weight.uniform_(0.5, 1.5)
                if getattr(mod, "bias", None) is not None and mod.bias is not None:
                    mod.bias.uniform_(-0.2, 0.2)


def warm_bn(m: nn.Module, shape, steps: int = 4, dtype=torch.float32):
    """A few train-mode forwards on random data so BatchNorm running stats are non-trivial."""
    perturb_norms(m)
    if not any(isinstance(x, nn.modules.batchnorm._BatchNorm) for x in m.modules()):
        return m.eval()
    m.train()
    with torch.no_grad():
        for _ in range(steps):
            m(torch.randn(*shape, dtype=dtype) * 1.5 + 0.3)
    return m.eval()


def script(m):
    return torch.jit.script(m)


def trace(m, inputs, **kw):
    with torch.no_grad():
        return torch.jit.trace(m, inputs, **kw)


def pair(base: str, issue: int, description: str, build: Callable[[], Tuple[nn.Module, tuple]],
         kinds=("traced", "scripted"), trace_kw=None, atol=None, rtol=None):
    """Register <base>_traced and <base>_scripted from one builder returning (eager_module, inputs)."""
    for k in kinds:
        def fn(k=k):
            m, inputs = build()
            mod = trace(m, inputs, **(trace_kw or {})) if k == "traced" else script(m)
            r = dict(module=mod, inputs=inputs, eager=m)
            if atol is not None:
                r["atol"] = atol
            if rtol is not None:
                r["rtol"] = rtol
            return r

        case(f"{base}_{k}", issue, description, kind=k)(fn)


# ============================================================================================
# Issue 2: loader stress
# ============================================================================================

class MLP(nn.Module):
    def __init__(self, d_in=16, hidden=32, d_out=5):
        super().__init__()
        self.fc1 = nn.Linear(d_in, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, d_out)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)


def _mlp():
    return MLP().eval(), (torch.randn(4, 16),)


pair("mlp", 2, "3-layer MLP (Linear, relu, tanh).", _mlp)


class SmallCNN(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 4 * 4, n_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = torch.flatten(x, 1)
        return self.fc(x)


def _cnn():
    m = warm_bn(SmallCNN(), (4, 3, 16, 16))
    return m, (torch.randn(2, 3, 16, 16),)


pair("cnn_bn", 2, "Conv2d + BatchNorm2d (warmed running stats) + MaxPool + Linear.", _cnn)


class ResBlock(nn.Module):
    def __init__(self, c_in=8, c_out=16, stride=2):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.down = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        idt = self.down(x)
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        y += idt
        return F.relu(y)


def _resblock():
    m = warm_bn(ResBlock(), (4, 8, 12, 12))
    return m, (torch.randn(1, 8, 12, 12),)


pair("residual_block", 2, "Residual block with downsample Sequential and in-place add (y += idt).", _resblock)


class EmbedLN(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 16, padding_idx=0)
        self.pos = nn.Parameter(torch.randn(12, 16) * 0.1)
        self.ln = nn.LayerNorm(16)
        self.out = nn.Linear(16, 8)

    def forward(self, tokens):
        x = self.emb(tokens) + self.pos[: tokens.size(1)]
        return self.out(self.ln(x))


def _embed():
    m = EmbedLN().eval()
    perturb_norms(m)
    return m, (torch.randint(0, 50, (2, 7)),)


pair("embedding_layernorm", 2, "Embedding (padding_idx) + positional Parameter slice + LayerNorm + Linear; int64 token input.", _embed)


class LSTMModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 12, num_layers=1)
        self.fc = nn.Linear(12, 4)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        return self.fc(y), h, c


def _lstm():
    return LSTMModel().eval(), (torch.randn(5, 2, 8),)


pair("lstm", 2, "Single-layer nn.LSTM (seq-first) returning (output, h, c); flat weights share nothing.", _lstm)


def _enc_layer():
    m = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True).eval()
    perturb_norms(m)
    return m, (torch.randn(2, 6, 16),)


pair("transformer_encoder_layer", 2,
     "nn.TransformerEncoderLayer(d_model=16, nhead=4, batch_first=True). Traced under no_grad it collapses "
     "to aten::_transformer_encoder_layer_fwd; scripted keeps the fast-path checks.",
     _enc_layer)


class ControlFlow(nn.Module):
    maybe: Optional[torch.Tensor]

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(6, 6)
        self.maybe = None
        self.names: List[str] = ["a", "b", "c"]

    def forward(self, x: torch.Tensor, n: int, bias: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, List[torch.Tensor], Dict[str, torch.Tensor], int]:
        outs: List[torch.Tensor] = []
        table: Dict[str, torch.Tensor] = {}
        h = x
        i = 0
        while i < n:
            h = torch.relu(self.lin(h))
            if i % 2 == 0:
                outs.append(h.sum(dim=1))
            i += 1
        for k, name in enumerate(self.names):
            table[name] = h[:, k]
        if bias is not None:
            h = h + bias
        mb = self.maybe
        if mb is not None:
            h = h * mb
        total = 0
        for o in outs:
            if bool(o.mean() > 0):
                total += 1
        return h, outs, table, total


@case("control_flow_scripted", 2,
      "Scripted while/for loops, if, List[Tensor], Dict[str,Tensor], Optional attribute (None) and an omitted "
      "trailing Optional[Tensor]=None argument; returns (Tensor, List[Tensor], Dict, int).",
      kind="scripted")
def _():
    m = ControlFlow().eval()
    return dict(module=script(m), inputs=(torch.randn(3, 6), 5), eager=m)


@case("cnn_frozen", 2,
      "torch.jit.freeze of a scripted CNN with BatchNorm: weights move to constants.pkl (CONSTANTS.cN), conv+bn folded.",
      kind="frozen")
def _():
    m, inputs = _cnn()
    fz = torch.jit.freeze(torch.jit.script(m))
    return dict(module=fz, inputs=inputs, eager=m)


class SharedStorage(nn.Module):
    def __init__(self):
        super().__init__()
        base = torch.randn(4, 6)
        self.register_buffer("base", base)
        self.register_buffer("base_t", base.t())  # non-contiguous view, same storage
        self.register_buffer("row2", base[2])  # view with storage offset 12
        self.register_buffer("cols", base[:, 1::2])  # strided view
        self.weight = nn.Parameter(torch.randn(6, 6))
        self.w_rows = nn.Parameter(self.weight.data[1:4])  # parameter sharing storage with another
        self.register_buffer("standalone_t", torch.randn(5, 4).t())  # transposed buffer alone in its storage

    def forward(self, x):
        y = x @ self.base_t  # (n,6)@(6,4)
        y = y + self.row2.sum()
        z = x @ self.weight + self.w_rows.sum(0)
        return y, z, self.cols.clone(), x[:, :5] @ self.standalone_t.t().t().t()


@case("shared_storage_traced", 2,
      "Buffers that are views of one storage (transposed, row with offset, strided columns), a Parameter sharing the "
      "storage of another Parameter, and a transposed buffer alone in its storage.", kind="traced")
def _():
    m = SharedStorage().eval()
    x = torch.randn(3, 6)
    return dict(module=trace(m, (x,)), inputs=(x,), eager=m)


@case("shared_storage_scripted", 2, "Scripted variant of shared_storage_traced.", kind="scripted")
def _():
    m = SharedStorage().eval()
    return dict(module=script(m), inputs=(torch.randn(3, 6),), eager=m)


def _half_mlp():
    m = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)).half().eval()
    return m, (torch.randn(3, 8).half(),)


pair("float16_mlp", 2, "float16 weights and inputs (Linear, ReLU).", _half_mlp)


class IntBoolBuffers(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("idx", torch.tensor([3, 0, 2, 2, 1], dtype=torch.int64))
        self.register_buffer("mask", torch.tensor([True, False, True, True, False]))
        self.register_buffer("offsets", torch.arange(5, dtype=torch.int32))
        self.register_buffer("byte", torch.tensor([1, 255, 7], dtype=torch.uint8))

    def forward(self, x):
        g = x.index_select(1, self.idx)
        y = torch.where(self.mask, g, -g)
        s = (self.offsets.to(torch.int64) * 2 + self.idx)
        return y, s, self.mask.sum(), self.byte + 1


pair("int_bool_buffers", 2, "int64, int32, uint8 and bool buffers used in forward (index_select, where, int arithmetic, uint8 wraparound).",
     lambda: (IntBoolBuffers().eval(), (torch.randn(2, 4),)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)

    def forward(self, x):
        return torch.sigmoid(self.lin(x)) + x


class SharedModule(nn.Module):
    def __init__(self):
        super().__init__()
        blk = Block()
        self.first = blk
        self.again = blk  # same module object under two names
        self.other = Block()

    def forward(self, x):
        x = self.first(x)
        x = self.first(x)
        x = self.again(x)
        return self.other(x)


pair("shared_submodule", 2, "One submodule object registered under two names (first, again) and called three times.",
     lambda: (SharedModule().eval(), (torch.randn(2, 8),)))


class TrainingFlag(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(6, 6)
        self.bn = nn.BatchNorm1d(6)

    def forward(self, x):
        y = self.bn(self.lin(x))
        if self.training:
            return y * 2.0 + 1.0
        else:
            return y - 1.0


@case("training_mode_scripted", 2,
      "Scripted module saved in TRAINING mode; forward branches on self.training and BatchNorm1d uses batch "
      "statistics (and updates running stats / num_batches_tracked in place).", kind="scripted")
def _():
    m = TrainingFlag()
    perturb_norms(m)
    m.train()
    x = torch.randn(4, 6)
    return dict(module=script(m), inputs=(x,))


@case("training_mode_traced", 2,
      "Traced in eval mode then switched to train() before saving: traced code has no branch, but the saved "
      "training flags are True.", kind="traced")
def _():
    m = TrainingFlag()
    perturb_norms(m)
    m.eval()
    x = torch.randn(4, 6)
    t = trace(m, (x,))
    t.train()
    return dict(module=t, inputs=(x,))


# ============================================================================================
# Issue 4: vision
# ============================================================================================

IMG = (1, 3, 32, 32)
from torchvision.models import resnet as tv_resnet  # noqa: E402
from torchvision.models.mobilenetv2 import MobileNetV2  # noqa: E402
from torchvision.models.mobilenetv3 import MobileNetV3, _mobilenet_v3_conf  # noqa: E402
from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf  # noqa: E402
from torchvision.models.squeezenet import SqueezeNet, Fire  # noqa: E402
from torchvision.models.shufflenetv2 import ShuffleNetV2  # noqa: E402
from torchvision.models.densenet import DenseNet  # noqa: E402
from torchvision.models.regnet import RegNet, BlockParams  # noqa: E402
from torchvision.models.mnasnet import MNASNet  # noqa: E402
from torchvision.models.convnext import ConvNeXt, CNBlockConfig  # noqa: E402

_googlenet_mod = sys.modules["torchvision.models.googlenet"]
Inception = _googlenet_mod.Inception
BasicConv2d = _googlenet_mod.BasicConv2d


class TinyResNet(tv_resnet.ResNet):
    """torchvision ResNet with widths (8,16,32,64) instead of (64,128,256,512)."""

    def __init__(self, block=tv_resnet.BasicBlock, layers=(1, 1, 1, 1), widths=(8, 16, 32, 64), num_classes=10):
        super().__init__(block, list(layers), num_classes=num_classes)
        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(3, widths[0], kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.layer1 = self._make_layer(block, widths[0], layers[0])
        self.layer2 = self._make_layer(block, widths[1], layers[1], stride=2)
        self.layer3 = self._make_layer(block, widths[2], layers[2], stride=2)
        self.layer4 = self._make_layer(block, widths[3], layers[3], stride=2)
        self.fc = nn.Linear(widths[3] * block.expansion, num_classes)


def vision(base, description, ctor, shape=IMG, atol=None, rtol=None):
    def build():
        m = ctor()
        m = warm_bn(m, (2,) + tuple(shape[1:]))
        return m, (torch.randn(*shape),)

    pair(base, 4, description, build, atol=atol, rtol=rtol)


vision("resnet_basic", "torchvision ResNet(BasicBlock,[1,1,1,1]) with widths 8/16/32/64 (subclass rebuilds layers), 10 classes, 32x32 input.",
       lambda: TinyResNet())
vision("resnet_bottleneck", "torchvision ResNet(Bottleneck,[1,1,1,1]) with widths 4/8/16/32 (expansion 4), 10 classes.",
       lambda: TinyResNet(tv_resnet.Bottleneck, widths=(4, 8, 16, 32)))
vision("resnet_basic_b2_nonsquare", "resnet_basic with batch 2 and a non-square 40x24 input (odd intermediate sizes, "
       "stride-2 rounding in conv and maxpool).", lambda: TinyResNet(), shape=(2, 3, 40, 24))
vision("mobilenet_v2", "torchvision mobilenet_v2(width_mult=0.25, num_classes=10); last_channel stays 1280.",
       lambda: MobileNetV2(num_classes=10, width_mult=0.25))
vision("mobilenet_v3_small", "torchvision MobileNetV3 small config with width_mult=0.25 (hardswish, hardsigmoid SE), 10 classes.",
       lambda: MobileNetV3(*_mobilenet_v3_conf("mobilenet_v3_small", width_mult=0.25), num_classes=10))


def _effnet():
    setting, last = _efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.25)
    return EfficientNet(setting, dropout=0.2, num_classes=10, last_channel=last)


vision("efficientnet", "torchvision EfficientNet b0 config with width_mult=0.25, depth_mult=0.25 (SiLU, SE, StochasticDepth in eval), 10 classes.",
       _effnet)


def _squeeze():
    m = SqueezeNet(version="1_1", num_classes=10)
    m.features = nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=3, stride=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(16, 4, 8, 8),
        Fire(16, 4, 8, 8),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(16, 8, 16, 16),
        Fire(32, 8, 16, 16),
    )
    final = nn.Conv2d(32, 10, kernel_size=1)
    m.classifier[1] = final
    return m


vision("squeezenet1_1", "torchvision SqueezeNet 1.1 structure (MaxPool ceil_mode, Fire with cat) with Fire widths reduced "
       "(squeeze 4/8, expand 8/16) by replacing .features; final conv 32->10.", _squeeze)
vision("shufflenet_v2", "torchvision ShuffleNetV2(stages_repeats=[2,1,1], stages_out_channels=[8,16,32,64,128]) (channel shuffle, chunk), 10 classes.",
       lambda: ShuffleNetV2([2, 1, 1], [8, 16, 32, 64, 128], num_classes=10))
vision("densenet", "torchvision DenseNet(growth_rate=8, block_config=(2,2,2,2), num_init_features=16, bn_size=2), 10 classes.",
       lambda: DenseNet(growth_rate=8, block_config=(2, 2, 2, 2), num_init_features=16, bn_size=2, num_classes=10))
vision("regnet", "torchvision RegNet with BlockParams.from_init_params(depth=4, w_0=8, w_a=8.0, w_m=2.0, group_width=8, se_ratio=0.25), stem 8, 10 classes.",
       lambda: RegNet(BlockParams.from_init_params(depth=4, w_0=8, w_a=8.0, w_m=2.0, group_width=8, se_ratio=0.25),
                      num_classes=10, stem_width=8))
vision("mnasnet", "torchvision MNASNet(alpha=0.25), 10 classes (channels below 16 are rounded by torchvision).",
       lambda: MNASNet(alpha=0.25, num_classes=10))


class TinyGoogLeNet(nn.Module):
    """GoogLeNet-like: torchvision BasicConv2d stem + torchvision Inception blocks with reduced widths."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = BasicConv2d(3, 16, kernel_size=3, stride=2, padding=1)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = Inception(16, 8, 8, 12, 4, 4, 4)  # -> 28
        self.inception3b = Inception(28, 12, 8, 16, 4, 8, 8)  # -> 44
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = Inception(44, 16, 8, 16, 4, 8, 8)  # -> 48
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(48, num_classes)

    def forward(self, x):
        x = self.maxpool1(self.conv1(x))
        x = self.inception3b(self.inception3a(x))
        x = self.inception4a(self.maxpool3(x))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(self.dropout(x))


vision("googlenet_like", "GoogLeNet-like net from torchvision's BasicConv2d and Inception blocks (4 branches, cat, "
       "MaxPool ceil_mode, padding=1 maxpool branch) with reduced widths.", lambda: TinyGoogLeNet())
vision("convnext", "torchvision ConvNeXt with block_setting [CNBlockConfig(16,32,1), CNBlockConfig(32,None,1)] "
       "(CNBlock: depthwise 7x7, Permute, LayerNorm, exact GELU, layer_scale, LayerNorm2d), 10 classes.",
       lambda: ConvNeXt([CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)], num_classes=10, layer_scale=0.5))


def _seg_model():
    from torchvision.models._utils import IntermediateLayerGetter
    from torchvision.models.segmentation.fcn import FCNHead
    from torchvision.models.segmentation._utils import _SimpleSegmentationModel

    backbone = TinyResNet(widths=(8, 16, 32, 32))
    backbone = IntermediateLayerGetter(backbone, return_layers={"layer4": "out", "layer3": "aux"})
    return _SimpleSegmentationModel(backbone, FCNHead(32, 5), FCNHead(32, 5))


@case("segmentation_fcn_scripted", 4,
      "torchvision _SimpleSegmentationModel (IntermediateLayerGetter over a tiny ResNet, FCNHead out + aux) "
      "with F.interpolate(mode='bilinear', align_corners=False) back to input size; returns Dict[str, Tensor] "
      "{'out','aux'}. 48x40 input (non-square).", kind="scripted")
def _():
    m = warm_bn(_seg_model(), (2, 3, 48, 40))
    return dict(module=script(m), inputs=(torch.randn(1, 3, 48, 40),), eager=m)


@case("segmentation_fcn_traced", 4, "Traced (strict=False) variant of segmentation_fcn_scripted; dict output.",
      kind="traced")
def _():
    m = warm_bn(_seg_model(), (2, 3, 48, 40))
    x = torch.randn(1, 3, 48, 40)
    return dict(module=trace(m, (x,), strict=False), inputs=(x,), eager=m)


# ---- op-focused vision modules ---------------------------------------------------------------

class ConvVariety(nn.Module):
    def __init__(self):
        super().__init__()
        self.grouped = nn.Conv2d(8, 12, 3, padding=1, groups=4)
        self.dilated = nn.Conv2d(12, 8, 3, padding=2, dilation=2)
        self.asym = nn.Conv2d(8, 8, (3, 5), stride=(2, 1), padding=(1, 2))
        self.same = nn.Conv2d(8, 6, 4, padding="same", dilation=1)
        self.same_dil = nn.Conv2d(6, 6, 3, padding="same", dilation=3)
        self.depthwise = nn.Conv2d(6, 6, 3, padding=1, groups=6, bias=False)
        self.reflect = nn.Conv2d(6, 4, 3, padding=1, padding_mode="reflect")
        self.circular = nn.Conv2d(4, 4, 3, padding=1, padding_mode="circular")
        self.conv1d = nn.Conv1d(4, 5, 3, stride=2, padding=1)

    def forward(self, x):
        y = self.grouped(x)
        y = self.dilated(y)
        y = F.pad(y, (0, 1, 2, 0))  # asymmetric zero padding
        y = self.asym(y)
        y = self.same(y)
        y = self.same_dil(y)
        y = self.depthwise(y)
        y = self.reflect(y)
        y = self.circular(y)
        z = self.conv1d(y.flatten(2))
        return y, z


pair("ops_conv", 4, "Conv2d with groups, dilation, asymmetric kernel/stride/padding, F.pad asymmetric, padding='same' "
     "(even kernel and dilated), depthwise, reflect and circular padding modes, Conv1d.",
     lambda: (ConvVariety().eval(), (torch.randn(1, 8, 13, 11),)))


class ConvTranspose(nn.Module):
    def __init__(self):
        super().__init__()
        self.up1 = nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(4, 4, (2, 3), stride=(2, 1), padding=(0, 1), groups=2, dilation=(1, 2), bias=False)
        self.up1d = nn.ConvTranspose1d(4, 3, 4, stride=2, padding=1)

    def forward(self, x):
        y = self.up1(x)
        y = self.up2(y)
        z = self.up1d(y.mean(2))
        return y, z


pair("ops_conv_transpose", 4, "ConvTranspose2d with stride/output_padding, groups+dilation+asymmetric, ConvTranspose1d.",
     lambda: (ConvTranspose().eval(), (torch.randn(1, 6, 5, 7),)))


class Pooling(nn.Module):
    def __init__(self):
        super().__init__()
        self.mp = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.mp_pad = nn.MaxPool2d(3, stride=2, padding=1, dilation=1)
        self.ap = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.ap_inc = nn.AvgPool2d(2, stride=2, padding=1, count_include_pad=True)
        self.aap = nn.AdaptiveAvgPool2d((3, 5))
        self.amp = nn.AdaptiveMaxPool2d((5, 3))
        self.aap1 = nn.AdaptiveAvgPool1d(7)

    def forward(self, x):
        return (self.mp(x), self.mp_pad(x), self.ap(x), self.ap_inc(x), self.aap(x), self.amp(x),
                self.aap1(x.flatten(2)), F.max_pool2d(x, 2), F.avg_pool2d(x, (2, 3), stride=(1, 2)))


pair("ops_pool", 4, "MaxPool2d/AvgPool2d with ceil_mode, padding, count_include_pad True/False; AdaptiveAvg/Max pooling "
     "to odd sizes (3,5)/(5,3); AdaptiveAvgPool1d(7).", lambda: (Pooling().eval(), (torch.randn(1, 3, 11, 10),)))


class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.prelu = nn.PReLU(3)

    def forward(self, x):
        return (F.hardswish(x), F.hardsigmoid(x), F.silu(x), F.gelu(x), F.gelu(x, approximate="tanh"),
                F.elu(x), F.elu(x, alpha=0.5), F.leaky_relu(x, 0.1), F.relu6(x * 4), F.hardtanh(x, -0.5, 0.7),
                torch.sigmoid(x), torch.tanh(x), F.softplus(x), F.mish(x), F.selu(x), F.celu(x),
                self.prelu(x), F.softmax(x, dim=1), F.log_softmax(x, dim=-1))


pair("ops_activations", 4, "hardswish, hardsigmoid, silu, gelu (erf and tanh), elu, leaky_relu, relu6, hardtanh, "
     "softplus, mish, selu, celu, PReLU, softmax, log_softmax.",
     lambda: (Activations().eval(), (torch.randn(2, 3, 4, 5) * 4,)))


class Interp(nn.Module):
    def forward(self, x):
        return (F.interpolate(x, scale_factor=2.0, mode="nearest"),
                F.interpolate(x, size=(7, 9), mode="nearest"),
                F.interpolate(x, size=(3, 4), mode="nearest"),
                F.interpolate(x, size=(9, 11), mode="bilinear", align_corners=False),
                F.interpolate(x, size=(9, 11), mode="bilinear", align_corners=True),
                F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=False),
                F.interpolate(x, size=(7, 9), mode="nearest-exact"))


pair("ops_interpolate", 4, "F.interpolate nearest (scale 2, up to odd size, down), bilinear align_corners False/True "
     "and scale 1.5, nearest-exact.", lambda: (Interp().eval(), (torch.randn(1, 2, 5, 6),)))


class Norms(nn.Module):
    def __init__(self):
        super().__init__()
        self.gn = nn.GroupNorm(2, 6)
        self.inorm = nn.InstanceNorm2d(6, affine=True)
        self.inorm_stats = nn.InstanceNorm2d(6, affine=False, track_running_stats=True)
        self.bn_noaffine = nn.BatchNorm2d(6, affine=False)
        self.ln = nn.LayerNorm([5, 7], elementwise_affine=True)
        self.lrn = nn.LocalResponseNorm(3)

    def forward(self, x):
        return (self.gn(x), self.inorm(x), self.inorm_stats(x), self.bn_noaffine(x), self.ln(x), self.lrn(x),
                F.normalize(x, dim=1), F.batch_norm(x, torch.zeros(6), torch.ones(6), None, None, False, 0.1, 1e-3))


def _norms():
    m = Norms()
    perturb_norms(m)
    m.train()
    with torch.no_grad():
        for _ in range(3):
            m(torch.randn(2, 6, 5, 7) + 0.5)
    return m.eval(), (torch.randn(1, 6, 5, 7),)


pair("ops_norms", 4, "GroupNorm, InstanceNorm2d (affine; and track_running_stats with warmed stats), BatchNorm2d "
     "affine=False, LayerNorm over 2 dims, LocalResponseNorm, F.normalize, functional batch_norm with eps.", _norms)


def _frozen_vision(ctor, shape=IMG):
    def fn():
        m = warm_bn(ctor(), (2,) + tuple(shape[1:]))
        x = torch.randn(*shape)
        return dict(module=torch.jit.freeze(torch.jit.script(m)), inputs=(x,), eager=m)
    return fn


case("resnet_basic_frozen", 4, "torch.jit.freeze of scripted resnet_basic: conv+bn folded, weights in constants.pkl.",
     kind="frozen")(_frozen_vision(lambda: TinyResNet()))
case("mobilenet_v3_small_frozen", 4, "torch.jit.freeze of scripted mobilenet_v3_small (width 0.25).",
     kind="frozen")(_frozen_vision(lambda: MobileNetV3(*_mobilenet_v3_conf("mobilenet_v3_small", width_mult=0.25),
                                                       num_classes=10)))


# ============================================================================================
# Issue 5: sequence models, attention, control flow
# ============================================================================================

def _encoder(nested: bool):
    layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True,
                                       activation="gelu")
    enc = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=nested)
    perturb_norms(enc)
    return enc.eval()


class EncoderWithMask(nn.Module):
    def __init__(self, nested: bool):
        super().__init__()
        self.enc = _encoder(nested)

    def forward(self, x, pad_mask):
        return self.enc(x, src_key_padding_mask=pad_mask)


def _enc_inputs():
    x = torch.randn(2, 5, 16)
    pad = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
    return x, pad


@case("transformer_encoder_traced", 5,
      "nn.TransformerEncoder (2 layers, gelu, batch_first, enable_nested_tensor=False) traced under no_grad with a "
      "bool src_key_padding_mask (fast path aten::_transformer_encoder_layer_fwd).", kind="traced")
def _():
    m = EncoderWithMask(False).eval()
    inputs = _enc_inputs()
    return dict(module=trace(m, inputs), inputs=inputs, eager=m)


@case("transformer_encoder_nested_traced", 5,
      "As transformer_encoder_traced but enable_nested_tensor=True: the trace records the nested-tensor conversion "
      "(padded positions come out as zeros).", kind="traced")
def _():
    m = EncoderWithMask(True).eval()
    inputs = _enc_inputs()
    return dict(module=trace(m, inputs), inputs=inputs, eager=m)


@case("transformer_encoder_scripted", 5,
      "Scripted nn.TransformerEncoder (2 layers, enable_nested_tensor=False) with src_key_padding_mask; outputs "
      "computed under no_grad (the fast-path branch is taken).", kind="scripted")
def _():
    m = EncoderWithMask(False).eval()
    return dict(module=script(m), inputs=_enc_inputs(), eager=m)


class MHA(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(16, 4, batch_first=True, kdim=12, vdim=10)

    def forward(self, q, k, v, attn_mask, key_padding_mask):
        out, w = self.mha(q, k, v, key_padding_mask=key_padding_mask, attn_mask=attn_mask, need_weights=True,
                          average_attn_weights=False)
        return out, w


def _mha_inputs():
    q = torch.randn(2, 4, 16)
    k = torch.randn(2, 6, 12)
    v = torch.randn(2, 6, 10)
    attn_mask = torch.zeros(4, 6)
    attn_mask[0, 5] = float("-inf")
    attn_mask[2, 1] = -2.0
    kpm = torch.tensor([[False] * 6, [False, False, False, False, True, True]])
    return q, k, v, attn_mask, kpm


pair("multihead_attention", 5, "nn.MultiheadAttention(16, 4, kdim=12, vdim=10, batch_first) with a float attn_mask "
     "(-inf and finite) and bool key_padding_mask, per-head weights.", lambda: (MHA().eval(), _mha_inputs()))


class SelfMHA(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(16, 2)

    def forward(self, x, attn_mask):
        out, w = self.mha(x, x, x, attn_mask=attn_mask)
        return out, w


pair("self_attention_boolmask", 5, "nn.MultiheadAttention self-attention (seq-first, packed in_proj_weight) with a bool "
     "causal attn_mask, averaged weights.",
     lambda: (SelfMHA().eval(), (torch.randn(5, 2, 16), torch.triu(torch.ones(5, 5, dtype=torch.bool), 1))))


class GPTBlock(nn.Module):
    def __init__(self, d, nhead):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)
        self.nhead = nhead

    def forward(self, x, mask):
        B, T, C = x.size()
        h = self.ln1(x)
        q, k, v = self.qkv(h).split(C, dim=2)
        hd = C // self.nhead
        q = q.view(B, T, self.nhead, hd).transpose(1, 2)
        k = k.view(B, T, self.nhead, hd).transpose(1, 2)
        v = v.view(B, T, self.nhead, hd).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math_sqrt(hd))
        att = att.masked_fill(mask[:T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.proj(y)
        x = x + self.fc2(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))
        return x


def math_sqrt(x: int) -> float:
    return float(x) ** 0.5


class TinyGPTBase(nn.Module):
    def __init__(self, vocab=40, d=16, nhead=2, n_layer=2, block=16):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(block, d)
        self.blocks = nn.ModuleList([GPTBlock(d, nhead) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight = self.tok.weight  # tied
        self.register_buffer("causal", torch.tril(torch.ones(block, block, dtype=torch.uint8)))
        self.block_size = block

    def forward(self, idx):
        T = idx.size(1)
        pos = torch.arange(0, T, dtype=torch.long, device=idx.device)
        x = self.tok(idx) + self.pos(pos)
        for blk in self.blocks:
            x = blk(x, self.causal)
        return self.head(self.ln_f(x))


class TinyGPT(TinyGPTBase):
    @torch.jit.export
    def generate(self, idx: torch.Tensor, steps: int) -> torch.Tensor:
        for _ in range(steps):
            cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size:]
            logits = self.forward(cond)
            nxt = torch.argmax(logits[:, -1, :], dim=-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
        return idx


def _gpt(cls=None):
    m = (cls or TinyGPT)().eval()
    perturb_norms(m)
    return m


@case("gpt_forward_scripted", 5, "Tiny GPT decoder (2 blocks, causal uint8 mask buffer sliced, masked_fill -inf, "
      "tanh GELU, tied embedding/head weights, split/view/transpose); forward logits.", kind="scripted")
def _():
    m = _gpt()
    return dict(module=script(m), inputs=(torch.randint(0, 40, (2, 6)),), eager=m)


@case("gpt_generate_scripted", 5, "Tiny GPT: exported method generate(idx, steps: int) does greedy decoding in a loop "
      "(argmax, cat, sliding window past block size 16). method=generate.", kind="scripted")
def _():
    m = _gpt()
    idx = torch.randint(0, 40, (2, 5))
    return dict(module=script(m), inputs=(idx, 14), method="generate", eager=m.generate)


@case("gpt_forward_traced", 5, "Traced forward of the tiny GPT (tied weights, causal mask).", kind="traced")
def _():
    m = _gpt(TinyGPTBase)  # tracing a module with @torch.jit.export methods fails ('forward already defined')
    x = torch.randint(0, 40, (2, 6))
    return dict(module=trace(m, (x,)), inputs=(x,), eager=m)


class RNNTagger(nn.Module):
    def __init__(self, cell: str):
        super().__init__()
        self.emb = nn.Embedding(30, 8)
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(8, 10, num_layers=2, bidirectional=True, batch_first=True)
        self.out = nn.Linear(20, 6)

    def forward(self, tokens):
        y, h = self.rnn(self.emb(tokens))
        return self.out(y), h


def _tagger(cell):
    return lambda: (RNNTagger(cell).eval(), (torch.randint(0, 30, (3, 7)),))


pair("lstm_tagger", 5, "Embedding + 2-layer bidirectional batch_first LSTM + Linear; returns (tags, (h, c)).", _tagger("lstm"))
pair("gru_tagger", 5, "Embedding + 2-layer bidirectional batch_first GRU + Linear; returns (tags, h).", _tagger("gru"))


class DictOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)

    def forward(self, x) -> Tuple[Dict[str, torch.Tensor], int, Tuple[torch.Tensor, float, bool]]:
        y = self.lin(x)
        d: Dict[str, torch.Tensor] = {"logits": y, "probs": torch.softmax(y, -1)}
        d["argmax"] = y.argmax(-1)
        n = int(y.size(0)) * 10 + 7
        return d, n, (y.sum(0), float(y.max()), bool(y.min() < 0))


@case("dict_tuple_output_scripted", 5, "Returns (Dict[str,Tensor] with 3 entries, int, (Tensor, float, bool)); "
      "flattened depth-first.", kind="scripted")
def _():
    m = DictOut().eval()
    return dict(module=script(m), inputs=(torch.randn(3, 4),), eager=m)


class Exported(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(6, 4)
        self.dec = nn.Linear(4, 6)

    def forward(self, x):
        return self.dec(self.encode(x, 1.0))

    @torch.jit.export
    def encode(self, x: torch.Tensor, temperature: float) -> torch.Tensor:
        return torch.tanh(self.enc(x) / temperature)

    @torch.jit.export
    def stats(self, x: torch.Tensor) -> Tuple[int, float]:
        return x.numel(), float(x.abs().sum())


@case("exported_method_scripted", 5, "Non-forward method encode(x, temperature: float) exported with @torch.jit.export "
      "(method=encode); the module also has stats() and forward().", kind="scripted")
def _():
    m = Exported().eval()
    return dict(module=script(m), inputs=(torch.randn(2, 6), 0.5), method="encode", eager=m.encode)


@case("exported_method_stats_scripted", 5, "Exported method stats(x) -> Tuple[int, float] (method=stats).",
      kind="scripted")
def _():
    m = Exported().eval()
    return dict(module=script(m), inputs=(torch.randn(2, 6),), method="stats", eager=m.stats)


class IntOps(nn.Module):
    def forward(self, a, b, m):
        return (torch.floor_divide(a, b), torch.div(a, b, rounding_mode="floor"), torch.div(a, b, rounding_mode="trunc"),
                torch.remainder(a, b), torch.fmod(a, b), a / b, a % 3, a // 4,
                a & b, a | b, a ^ b, ~a, a << 2, a >> 1,
                a > b, a == b, a <= 0, ~m, m & (a > 0), m | (b < 0), m ^ (a == 0),
                torch.logical_and(m, a > 0), torch.logical_not(m), m.sum(), m.to(torch.int64) * 3,
                (a * b - 7).abs(), a.sum(), a.max(), torch.clamp(a, -3, 4), a.pow(2), torch.sign(a),
                (a + 1.5), a.to(torch.int32) * 2, a.to(torch.uint8), a.to(torch.int8) + 100,
                torch.where(m, a, b), m.any(), m.all(), (a > 0).float().mean())


def _int_inputs():
    a = torch.randint(-20, 20, (3, 5))
    b = torch.randint(1, 7, (3, 5)) * torch.where(torch.rand(3, 5) > 0.5, 1, -1)
    m = torch.rand(3, 5) > 0.4
    return a, b, m


pair("int_bool_arith", 5, "int64 and bool tensor arithmetic: floor_divide/div rounding modes/remainder/fmod with "
     "negatives, true division, bitwise and/or/xor/not/shifts, comparisons, logical ops, int casts with wraparound "
     "(uint8, int8), sums of bools.", lambda: (IntOps().eval(), _int_inputs()))


class IndexOps(nn.Module):
    def forward(self, x, idx, mask):
        a = x[idx]
        b = x[:, idx[:3]]
        c = x[mask]
        d = x[1::2, ::3]
        e = x[None, :, -1]
        f = torch.gather(x, 1, idx.view(1, -1).expand(x.size(0), -1) % x.size(1))
        g = torch.zeros(4, 6).scatter(1, torch.tensor([[0, 1, 2], [3, 4, 5], [5, 4, 3], [0, 0, 1]]), 1.5)
        h = torch.zeros(3, 6).scatter_add(0, (idx[:6] % 3).view(1, 6).expand(2, 6), x[:2, :6])
        tv, ti = torch.topk(x, 3, dim=1)
        tvs, tis = torch.topk(x, 2, dim=0, largest=False)
        sv, si = torch.sort(x, dim=1, descending=True)
        cs = torch.cumsum(x, dim=1)
        cp = torch.cumprod(x[:, :4], dim=0)
        y = x.clone()
        y[mask] = 0.0
        y[:, 0] = -1.0
        y.index_put_((idx[:2] % 4, idx[2:4] % 7), torch.tensor([9.0, 8.0]))
        z = x.index_select(0, idx[:2] % 4).masked_fill(x[:2] > 0.5, 2.0)
        am = torch.argmax(x, dim=1)
        amin = torch.argmin(x)
        nz = torch.nonzero(mask)
        return a, b, c, d, e, f, g, h, tv, ti, tvs, tis, sv, si, cs, cp, y, z, am, amin, nz, torch.flip(x, [1]), \
            torch.roll(x, 2, 1), x.unbind(0)[1], torch.stack([x[0], x[1]], 1), x.t().contiguous(), x.narrow(1, 2, 3)


def _index_inputs():
    x = torch.randn(4, 7)
    idx = torch.tensor([3, 0, 2, 1, 3, 2, 0])
    mask = torch.rand(4, 7) > 0.5
    return x, idx, mask


pair("indexing_ops", 5, "Advanced indexing (tensor, bool mask, slices with steps, None, negative), gather, scatter, "
     "scatter_add, topk (largest/smallest), sort descending, cumsum, cumprod, index_put_/masked assignment on a clone, "
     "masked_fill, argmax/argmin, nonzero, flip, roll, unbind, stack, narrow.",
     lambda: (IndexOps().eval(), _index_inputs()))


class HalfConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.ln = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        y = F.gelu(self.conv(x))
        y = y.mean((2, 3))
        y = self.ln(y)
        return self.fc(y), y.float().sum()


@case("float16_convnet_scripted", 5, "float16 Conv2d + GELU + mean + LayerNorm + Linear (weights and inputs half), also a float32 reduction.",
      kind="scripted")
def _():
    m = HalfConv().half().eval()
    perturb_norms(m)
    return dict(module=script(m), inputs=(torch.randn(1, 3, 8, 8).half(),), eager=m)


class BF16Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.ln = nn.LayerNorm(16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        h = x.to(torch.bfloat16)
        h = F.silu(self.fc1(h))
        h = self.ln(h)
        return self.fc2(h), h.sum(-1).float()


def _bf16():
    m = BF16Model().to(torch.bfloat16).eval()
    perturb_norms(m)
    return m, (torch.randn(3, 8),)


pair("bfloat16_mlp", 5, "bfloat16 weights; float32 input cast to bfloat16 inside forward; bfloat16 output stored as "
     "float32 in outputs.npz (output_dtypes says bfloat16).", _bf16)


class BF16Encoder(nn.Module):
    """A transformer layer in bfloat16 with enough rows (48 tokens, 24 per attention head) for
    the packed bfloat16 products, an odd depth (37) and widths that are not multiples of 32."""

    def __init__(self, d=64, heads=4, ffn=136):
        super().__init__()
        self.h, self.dk = heads, d // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, ffn), nn.Linear(ffn, d)
        self.head1, self.head2 = nn.Linear(d, 37), nn.Linear(37, 20)
        self.pool = nn.Linear(d, d)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        return x.view(b, t, self.h, self.dk).transpose(1, 2)

    def forward(self, x):
        h = x.to(torch.bfloat16)
        q, k, v = self.split(self.q(h)), self.split(self.k(h)), self.split(self.v(h))
        s = (q @ k.transpose(-1, -2) / 4.0).softmax(-1)
        b, _, t, _ = q.shape
        y = (s @ v).transpose(1, 2).reshape(b, t, -1)
        h = self.n1(h + self.o(y))
        h = self.n2(h + self.fc2(F.gelu(self.fc1(h))))
        return self.head2(F.gelu(self.head1(h))), torch.tanh(self.pool(h[:, 0])).float()


def _bf16_encoder():
    m = BF16Encoder().to(torch.bfloat16).eval()
    perturb_norms(m)
    return m, (torch.randn(2, 24, 64),)


pair("bfloat16_encoder", 10, "A bfloat16 transformer layer (2 x 24 tokens, width 64, 4 heads, "
     "feed-forward 136) with a 37-wide head and a pooler on one token: the packed and the "
     "dot-product bfloat16 products; bfloat16 output stored as float32.", _bf16_encoder)


class StringsLists(nn.Module):
    def __init__(self):
        super().__init__()
        self.vocab: Dict[str, int] = {"hello": 1, "world": 2, "foo": 3, "<unk>": 0}
        self.sep = ","

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, List[int], Dict[str, int], str, int, List[str]]:
        text = "hello,world,foo,bar"
        words = text.split(self.sep)
        ids: List[int] = []
        for w in words:
            if w in self.vocab:
                ids.append(self.vocab[w])
            else:
                ids.append(self.vocab["<unk>"])
        joined = "-".join(words[1:]).upper()
        counts: Dict[str, int] = {}
        for ch in joined:
            if ch in counts:
                counts[ch] += 1
            else:
                counts[ch] = 1
        keys = sorted(counts.keys())
        nums = [len(w) for w in words]
        nums.sort(reverse=True)
        nums.append(len(keys))
        nums.insert(0, len(joined))
        nums.extend(ids)
        nums = nums[1:-1] + [nums[0] * 2]
        msg = "{} has {} words".format(text, len(words))
        t = torch.tensor(ids, dtype=torch.float32)
        flag = 1 if msg.startswith("hello") and "foo" in words else 0
        summary = f"{x.size(0)}x{x.size(1)}"
        return x[:, : len(ids)] * t, nums, counts, msg, flag + len(summary) + msg.find("has"), keys


@case("strings_lists_scripted", 5, "String split/join/upper/format/f-string/startswith/find, dict counting with `in`, "
      "sorted keys, list sort/append/insert/extend/slicing/concat, torch.tensor from List[int]; "
      "returns (Tensor, List[int], Dict[str,int], str, int, List[str]) — strings are skipped in outputs.npz.",
      kind="scripted")
def _():
    m = StringsLists().eval()
    return dict(module=script(m), inputs=(torch.randn(2, 6),), eager=m)


# ============================================================================================
# More loader stress (issue 2) and language features (issue 5)
# ============================================================================================

class TensorAttrs(nn.Module):
    tlist: List[torch.Tensor]
    tdict: Dict[str, torch.Tensor]
    nothing: Optional[torch.Tensor]

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)
        self.plain = torch.randn(3)  # plain tensor attribute (not a buffer)
        self.tlist = [torch.randn(3), torch.arange(3, dtype=torch.int64)]
        self.tdict = {"scale": torch.full((3,), 2.0), "shift": torch.tensor([0.5, -0.5, 1.0])}
        self.nothing = None
        self.register_buffer("scalar", torch.tensor(1.25))  # 0-d buffer
        self.register_buffer("empty", torch.zeros(0, 3))  # zero-element buffer
        self.register_buffer("none_buf", None)  # registered buffer that is None
        self.register_buffer("f64", torch.randn(3, dtype=torch.float64))
        self.pair = (4, 2.5)
        self.label = "tensor-attrs"
        self.flags: List[bool] = [True, False, True]

    def forward(self, x):
        y = self.lin(x) * self.tdict["scale"] + self.tdict["shift"] + self.plain
        for t in self.tlist:
            y = y + t.to(y.dtype)
        y = y * self.scalar + self.empty.sum(0)
        n = self.nothing
        if n is not None:
            y = y + n
        nb = self.none_buf
        if nb is not None:
            y = y - nb
        k = 0
        for f in self.flags:
            if f:
                k += 1
        return y, (y.double() * self.f64).sum(1), self.pair[0] * k + len(self.label), self.pair[1]


@case("tensor_attributes_scripted", 2,
      "Plain tensor attribute, List[Tensor] and Dict[str,Tensor] attributes (kind 'attribute' in tensors.json), "
      "0-d buffer, zero-element buffer, buffer registered as None, float64 buffer, Optional[Tensor]=None, "
      "tuple/str/List[bool] attributes.", kind="scripted")
def _():
    m = TensorAttrs().eval()
    return dict(module=script(m), inputs=(torch.randn(2, 3),), eager=m)


@case("tensor_attributes_traced", 2, "Traced variant of tensor_attributes_scripted: plain tensor attributes become "
      "constants (CONSTANTS.cN in constants.pkl).", kind="traced")
def _():
    m = TensorsOnly(TensorAttrs()).eval()
    x = torch.randn(2, 3)
    return dict(module=trace(m, (x,)), inputs=(x,), eager=m)


class TensorsOnly(nn.Module):
    """Traced functions may only return tensors: keep the first two outputs."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        out = self.inner(x)
        return out[0], out[1]


class ExtraFilesModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 2)

    def forward(self, x):
        return self.lin(x).relu()


class SaveViaBuffer:
    """Saved through an in-memory buffer: the archive's top folder is 'archive/' not 'model/', and it carries
    _extra_files (extra/config.json, extra/notes.txt)."""

    def __init__(self, module):
        self.module = module


@case("buffer_saved_extra_files", 2,
      "Saved with torch.jit.save to a BytesIO (top folder 'archive/' instead of the file stem) with _extra_files "
      "extra/config.json and extra/notes.txt.", kind="scripted")
def _():
    m = ExtraFilesModel().eval()
    return dict(module=SaveViaBuffer(script(m)), inputs=(torch.randn(3, 4),), eager=m,
                extra_files={"config.json": json.dumps({"hello": "world", "n": 3}), "notes.txt": "extra file\n"})


class Containers(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Linear(4, 3)})
        self.scales = nn.ParameterList([nn.Parameter(torch.randn(4)) for _ in range(2)])
        self.extra = nn.ParameterDict({"bias": nn.Parameter(torch.randn(4))})
        self.seq = nn.Sequential(nn.Linear(4, 4), nn.GELU(), nn.Identity(), nn.Dropout(0.5), nn.Flatten(1))

    def forward(self, x) -> Dict[str, torch.Tensor]:
        for i, layer in enumerate(self.layers):
            x = layer(x) + float(i)
        for p in self.scales:
            x = x * p
        x = x + self.extra["bias"]
        x = self.seq(x)
        out: Dict[str, torch.Tensor] = {}
        for name, head in self.heads.items():
            out[name] = head(x)
        out["b_again"] = self.heads["b"](x)
        return out

    @torch.jit.unused
    def not_compiled(self, x):
        return x.numpy()

    @torch.jit.ignore
    def python_only(self, x):
        return x


@case("containers_scripted", 2, "ModuleList with enumerate, ModuleDict iteration and indexing, ParameterList, "
      "ParameterDict, Sequential with Identity/Dropout/Flatten, @torch.jit.unused method; returns Dict[str, Tensor].",
      kind="scripted")
def _():
    m = Containers().eval()
    return dict(module=script(m), inputs=(torch.randn(2, 4),), eager=m)


@torch.jit.script
class Accumulator:
    def __init__(self, scale: float):
        self.scale = scale
        self.items: List[torch.Tensor] = []
        self.count = 0

    def add(self, t: torch.Tensor) -> None:
        self.items.append(t * self.scale)
        self.count += 1

    def total(self) -> torch.Tensor:
        assert len(self.items) > 0, "empty accumulator"
        return torch.stack(self.items).sum(0)


class Pair(NamedTuple):
    total: torch.Tensor
    count: int


def helper_fn(x: torch.Tensor, k: int = 2) -> torch.Tensor:
    return x.pow(k) - x


class ScriptClassUser(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(5, 5)

    def forward(self, x: torch.Tensor, steps: int) -> Tuple[Pair, List[int], Tuple[int, int]]:
        acc = Accumulator(0.5)
        h = x
        for _ in range(steps):
            h = torch.tanh(self.lin(h))
            acc.add(h)
        shape = torch.jit.annotate(List[int], [])
        for d in h.shape:
            shape.append(d)
        a, b = h.size(0), h.size(1)
        if a > b:
            raise RuntimeError("unexpected shape")
        y = helper_fn(acc.total())
        y = helper_fn(y, 3)
        return Pair(y, acc.count), shape, (a, b)


@case("script_class_scripted", 5,
      "A @torch.jit.script class (Accumulator with __init__, methods, List[Tensor] field), a free function with a "
      "default argument, NamedTuple return, tuple unpacking, assert and raise, torch.jit.annotate.", kind="scripted")
def _():
    m = ScriptClassUser().eval()
    return dict(module=script(m), inputs=(torch.randn(3, 5), 4), eager=m)


class FastMHA(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(16, 4, batch_first=True)

    def forward(self, x, key_padding_mask):
        out, _ = self.mha(x, x, x, key_padding_mask=key_padding_mask, need_weights=False)
        return out


pair("multihead_attention_fastpath", 5,
     "Self-attention nn.MultiheadAttention (batch_first, need_weights=False, bool key_padding_mask): traced under "
     "no_grad it records aten::_native_multi_head_attention; scripted takes that branch when grad is off.",
     lambda: (FastMHA().eval(), (torch.randn(2, 5, 16), torch.tensor([[False] * 5, [False, False, False, True, True]]))))


@case("transformer_encoder_nested_scripted", 5,
      "Scripted nn.TransformerEncoder with enable_nested_tensor=True and a src_key_padding_mask: under no_grad the "
      "code converts to a nested tensor (_nested_tensor_from_mask) and back (to_padded_tensor), so padded "
      "positions are zeros.", kind="scripted")
def _():
    m = EncoderWithMask(True).eval()
    return dict(module=script(m), inputs=_enc_inputs(), eager=m)


def _f64():
    m = nn.Sequential(nn.Linear(6, 8), nn.Softplus(), nn.Linear(8, 3)).double().eval()
    return m, (torch.randn(2, 6, dtype=torch.float64),)


pair("float64_mlp", 5, "float64 weights and inputs.", _f64)


class PackedLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 6, padding_idx=0)
        self.lstm = nn.LSTM(6, 8, num_layers=1, batch_first=True, bidirectional=True)
        self.out = nn.Linear(16, 3)

    def forward(self, tokens, lengths, h0, c0):
        x = self.emb(tokens)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        y, (h, c) = self.lstm(packed, (h0, c0))
        y, out_lengths = nn.utils.rnn.pad_packed_sequence(y, batch_first=True, total_length=tokens.size(1))
        return self.out(y), h, c, out_lengths


def _packed_inputs():
    tokens = torch.randint(1, 20, (3, 6))
    lengths = torch.tensor([4, 6, 2])
    for i, n in enumerate(lengths.tolist()):
        tokens[i, n:] = 0
    return tokens, lengths, torch.randn(2, 3, 8), torch.randn(2, 3, 8)


pair("lstm_packed", 5, "pack_padded_sequence (enforce_sorted=False, unsorted lengths) -> bidirectional LSTM with "
     "explicit (h0, c0) -> pad_packed_sequence(total_length); PackedSequence handling, sort/unsort indices.",
     lambda: (PackedLSTM().eval(), _packed_inputs()))


class ForkWait(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)

    def branch(self, x: torch.Tensor, k: int) -> torch.Tensor:
        for _ in range(k):
            x = torch.tanh(self.b(x))
        return x

    def forward(self, x):
        fut = torch.jit.fork(self.branch, x, 3)
        y = self.a(x)
        z = torch.jit.wait(fut)
        return y + z


@case("fork_wait_scripted", 5, "torch.jit.fork of a method with a loop and torch.jit.wait (prim::fork / aten::wait "
      "in code; may run sequentially).", kind="scripted")
def _():
    m = ForkWait().eval()
    return dict(module=script(m), inputs=(torch.randn(2, 4),), eager=m)


class Promotion(nn.Module):
    def forward(self, i32, i16, u8, i8, f16, b, f64, i64_0d, f64_0d, n: int, f: float):
        return (i32 + i16, u8 + i8, u8 * b, i8 - 3, u8 - 3, i32 * 2.5, i16 / 2, f16 + f64_0d, f16 * f64,
                i32 + i64_0d, u8 + i64_0d, b + b, b & (i8 > 0), f16 + i32, f16 * f, i32 * n, u8.sum(),
                i8.sum(), b.sum(), f16.sum(), f16.mean(), i16.prod(), torch.cumsum(u8, 0), i32 // n,
                i32.float() / f, torch.tensor(n) * f, torch.full((2,), f, dtype=torch.float16),
                torch.arange(n), torch.arange(0.0, f, 0.5), torch.zeros(2, dtype=torch.int32) + 7,
                torch.ones(3, dtype=torch.bool), torch.where(b, i32, i16), torch.maximum(u8, i8), i32.abs(),
                u8 // 3, -i8, torch.div(i16, 3, rounding_mode="floor"), torch.clamp(f16, -1.0, 1.0),
                n * f, n // 3, n % 3, -n // 4, float(n) / 4, n > 2 and f < 0.0, int(f * 10))


def _promo_inputs():
    return (torch.randint(-50, 50, (5,), dtype=torch.int32), torch.randint(-300, 300, (5,), dtype=torch.int16),
            torch.randint(0, 255, (5,), dtype=torch.uint8), torch.randint(-128, 127, (5,), dtype=torch.int8),
            torch.randn(5).half(), torch.rand(5) > 0.5, torch.randn(5, dtype=torch.float64),
            torch.tensor(3), torch.tensor(0.25, dtype=torch.float64), 5, 1.75)


@case("dtype_promotion_scripted", 5,
      "Type promotion across int32/int16/uint8/int8/float16/bool/float64 inputs, 0-d tensors (which do not promote "
      "within a category), python int/float scalars, uint8 wraparound, reductions' result dtypes (sum of int8/uint8/"
      "bool -> int64), arange/full/zeros dtypes, and python int/float arithmetic (-n // 4, n % 3).", kind="scripted")
def _():
    m = Promotion().eval()
    return dict(module=script(m), inputs=_promo_inputs(), eager=m)


class SpecialValues(nn.Module):
    def forward(self, x):
        nan_ = torch.log(x)  # NaN for negatives, -inf for 0
        inf_ = 1.0 / x  # +-inf for +-0
        y = torch.where(torch.isnan(nan_), torch.zeros_like(x), nan_)
        return (nan_, inf_, y, torch.isnan(nan_), torch.isinf(inf_), torch.isfinite(inf_),
                torch.max(nan_), torch.amax(nan_, 1), torch.sort(nan_, 1).values, torch.argmax(nan_, 1),
                torch.clamp(nan_, -1.0, 1.0), torch.nan_to_num(inf_, 0.0, 9.0, -9.0), torch.relu(nan_),
                torch.sqrt(x), torch.exp(x * 100), torch.sign(inf_), torch.softmax(torch.tensor([0.0, float("-inf")]), 0),
                torch.maximum(nan_, torch.zeros_like(x)), torch.fmax(nan_, torch.zeros_like(x)))


@case("special_values_scripted", 5, "NaN/inf/-inf/-0.0 propagation: log/reciprocal of 0, -0 and negatives, "
      "isnan/isinf/isfinite, max/amax/sort/argmax with NaN, clamp/relu of NaN, nan_to_num, exp overflow, "
      "maximum (propagates NaN) vs fmax (ignores NaN), softmax with -inf.", kind="scripted")
def _():
    m = SpecialValues().eval()
    x = torch.tensor([[1.0, -1.0, 0.0, 2.0], [-0.0, 3.0, 0.5, -2.0], [4.0, 1.5, 2.5, 0.25]])
    return dict(module=script(m), inputs=(x,), eager=m)


# ============================================================================================

def write_atomically(path: str, text: str):
    """Writes `path` whole or not at all: with --jobs, every case's process rewrites the index and
    the README table at the same time (a plain truncate-and-write left torn, doubled tails)."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write_index():
    index = []
    for n in sorted(os.listdir(CASES_DIR)):
        p = os.path.join(CASES_DIR, n, "case.json")
        if n in CASES and os.path.exists(p):  # (generate_legacy.py's torch 2.0.1 cases stay out)
            with open(p) as f:
                c = json.load(f)
            index.append({"name": n, "kind": c["kind"], "issue": c["issue"], "method": c["method"],
                          "description": c["description"]})
    write_atomically(os.path.join(CASES_DIR, "INDEX.json"), json.dumps(index, indent=1) + "\n")
    # refresh the case table in README.md between the markers
    readme = os.path.join(HERE, "README.md")
    if os.path.exists(readme):
        with open(readme) as f:
            text = f.read()
        b, e = "<!-- cases:begin -->", "<!-- cases:end -->"
        if b in text and e in text:
            rows = ["| case | issue | kind | method | what it stresses |", "|---|---|---|---|---|"]
            for c in sorted(index, key=lambda c: (c["issue"], c["name"])):
                rows.append(f"| `{c['name']}` | {c['issue']} | {c['kind']} | {c['method']} | "
                            f"{c['description'].replace('|', '/')} |")
            text = text[: text.index(b) + len(b)] + "\n" + "\n".join(rows) + "\n" + text[text.index(e):]
            write_atomically(readme, text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", help="case names (or prefixes ending in *)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep-going", action="store_true", help="continue after a failing case")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="cases generated in parallel (one process each)")
    ap.add_argument("--inprocess", action="store_true",
                    help="generate in this process (default: one fresh process per case with PYTHONHASHSEED=0, "
                         "so class-name mangling and attribute order do not depend on which cases ran before)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    names = list(CASES)
    if args.list:
        for n in names:
            print(f"{n:40s} issue {CASES[n]['issue']}  {CASES[n]['description'][:80]}")
        return
    if args.only:
        sel = []
        for pat in args.only:
            if pat.endswith("*"):
                sel += [n for n in names if n.startswith(pat[:-1])]
            elif pat in CASES:
                sel.append(pat)
            else:
                sys.exit(f"unknown case {pat}")
        names = sel
    os.makedirs(CASES_DIR, exist_ok=True)
    failed = []
    if args.inprocess:
        for n in names:
            try:
                run_case(n, CASES[n])
            except Exception as e:  # noqa: BLE001
                if not args.keep_going:
                    raise
                print(f"FAILED {n}: {type(e).__name__}: {e}", file=sys.stderr)
                failed.append(n)
    else:
        import subprocess
        env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
        pending = list(names)
        running = []
        while pending or running:
            while pending and len(running) < max(1, args.jobs):
                n = pending.pop(0)
                cmd = [sys.executable, os.path.abspath(__file__), "--inprocess", "--only", n]
                running.append((n, subprocess.Popen(cmd, env=env)))
            n, p = running.pop(0)
            if p.wait() != 0:
                print(f"FAILED {n}", file=sys.stderr)
                failed.append(n)
                if not args.keep_going:
                    for _, q in running:
                        q.wait()
                    break
    write_index()
    if failed:
        sys.exit(f"failed: {' '.join(failed)}")


# ============================================================================================
# Issue 14: command line (inspect --graph stays bounded for a deep model)
# ============================================================================================

@case("deep_mlp_100_traced", 14, "100 x (Linear(8, 8), ReLU) in one nn.Sequential, traced: the graph drawing "
      "must fold the repeated layers into one box.", kind="traced")
def _():
    seed_all(0)
    layers = []
    for _ in range(100):
        layers += [nn.Linear(8, 8), nn.ReLU()]
    m = nn.Sequential(*layers).eval()
    x = torch.randn(2, 8)
    return dict(module=trace(m, (x,)), inputs=(x,), eager=m)
# --------------------------------------------------------------------------------------------
# issue 12 (detection, torchvision ops, list/dict inputs, transforms, strings)
# --------------------------------------------------------------------------------------------

# Inputs that are lists, tuples or dicts are written with dotted keys (`arg0.0`, `arg0.1`,
# `arg1.KEY`, nested with dots), the CLI contract for List[Tensor] / Dict[str, Tensor]
# parameters. The generic runner above writes only flat inputs: containers get a placeholder
# there and are rewritten here once the case has run.
_input_to_numpy_flat = input_to_numpy


def input_to_numpy(v) -> np.ndarray:  # noqa: F811  (extends the flat version above)
    if isinstance(v, (list, tuple, dict)):
        return np.zeros(0, dtype=np.float32)
    return _input_to_numpy_flat(v)


def _flatten_input(prefix: str, v, out: Dict[str, np.ndarray]):
    if isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            _flatten_input(f"{prefix}.{i}", x, out)
    elif isinstance(v, dict):
        for k, x in v.items():
            _flatten_input(f"{prefix}.{k}", x, out)
    else:
        out[prefix] = _input_to_numpy_flat(v)


_run_case_flat = run_case


def run_case(name: str, spec: Dict[str, Any]) -> Dict[str, Any]:  # noqa: F811
    seen: Dict[str, Any] = {}

    def fn():
        res = spec["fn"]()
        seen["inputs"] = tuple(res["inputs"])
        return res

    info = _run_case_flat(name, dict(spec, fn=fn))
    inputs = seen["inputs"]
    if any(isinstance(v, (list, tuple, dict)) for v in inputs):
        arrays: Dict[str, np.ndarray] = {}
        for i, v in enumerate(inputs):
            _flatten_input(f"arg{i}", v, arrays)
        np.savez(os.path.join(CASES_DIR, name, "inputs.npz"), **arrays)
    return info


def _vision_inputs():
    seed_all(0)
    feat = torch.randn(2, 8, 12, 10)
    n = 40
    xy = torch.rand(n, 2) * 60
    wh = torch.rand(n, 2) * 30 + 2
    boxes = torch.cat([xy, xy + wh], 1)
    # Scores rounded to one decimal: many exact ties, more than 16 boxes (libstdc++'s introsort
    # partitions, so tie order is that of PyTorch's unstable sort, not a stable one).
    scores = (torch.rand(n) * 5).round() / 5
    return feat, boxes, scores


class VisionOps(nn.Module):
    def forward(self, feat: torch.Tensor, boxes: torch.Tensor, scores: torch.Tensor):
        idx = torch.arange(boxes.shape[0]) % 2
        rois = torch.cat([idx[:, None].to(boxes.dtype), boxes * 0.2], 1)
        keep = torchvision.ops.nms(boxes, scores, 0.3)
        keep_b = torchvision.ops.batched_nms(boxes, scores, idx, 0.5)
        ra = torchvision.ops.roi_align(feat, rois, [3, 4], spatial_scale=0.9, sampling_ratio=2, aligned=False)
        rb = torchvision.ops.roi_align(feat, rois, (2, 2), spatial_scale=1.0, sampling_ratio=-1, aligned=True)
        rp = torchvision.ops.roi_pool(feat, rois, [3, 3], spatial_scale=0.7)
        pa = torchvision.ops.ps_roi_align(feat, rois, 2, spatial_scale=0.8, sampling_ratio=2)
        pp = torchvision.ops.ps_roi_pool(feat, rois, 2, spatial_scale=0.6)
        iou = torchvision.ops.box_iou(boxes[:8], boxes[8:16])
        keep64 = torchvision.ops.nms(boxes.double(), scores.double(), 0.4)
        ra64 = torchvision.ops.roi_align(feat.double(), rois.double(), [2, 3], 0.5, 0, True)
        boxes_list = [rois[:5, 1:], rois[5:9, 1:]]
        rl = torchvision.ops.roi_align(feat, boxes_list, [2, 2], 1.0, 1, False)
        return keep, keep_b, ra, rb, rp, pa, pp, iou, keep64, ra64, rl


@case("vision_ops_scripted", 12,
      "torchvision.ops nms (40 boxes, many exact score ties), batched_nms, roi_align (sampling_ratio 2 / adaptive, "
      "aligned False/True, list-of-boxes form, float64), roi_pool, ps_roi_align, ps_roi_pool, box_iou.",
      kind="scripted")
def _():
    return dict(module=script(VisionOps()), inputs=_vision_inputs(), eager=VisionOps())


def _tiny_fpn_backbone(out_channels: int = 16, returned=None):
    from torchvision.models import mobilenet_v3_large
    from torchvision.models.detection.backbone_utils import BackboneWithFPN
    from torchvision.ops.feature_pyramid_network import LastLevelMaxPool
    mb = mobilenet_v3_large(width_mult=0.25).features
    stage = [0] + [i for i, b in enumerate(mb) if getattr(b, "_is_cn", False)] + [len(mb) - 1]
    rl = returned or [len(stage) - 2, len(stage) - 1]
    bb = BackboneWithFPN(mb, {f"{stage[k]}": str(v) for v, k in enumerate(rl)},
                         [mb[stage[i]].out_channels for i in rl], out_channels, extra_blocks=LastLevelMaxPool())
    _calibrate_norms(bb)
    return bb


def _calibrate_norms(m: nn.Module, images: Optional[torch.Tensor] = None):
    """BatchNorm with non-trivial affine parameters and running statistics (eval mode). With `images`, the
    statistics are those of the data (a cumulative average over train-mode forwards), so that activations keep
    their scale through a deep random backbone instead of collapsing to input-independent constants."""
    with torch.no_grad():
        bns = [mod for mod in m.modules() if isinstance(mod, nn.BatchNorm2d)]
        for mod in bns:
            mod.weight.uniform_(0.5, 1.5)
            mod.bias.uniform_(-0.2, 0.2)
            mod.running_mean.uniform_(-0.1, 0.1)
            mod.running_var.uniform_(0.5, 1.5)
        if images is not None and bns:
            momenta = [mod.momentum for mod in bns]
            for mod in bns:
                mod.reset_running_stats()
                mod.momentum = None
            m.train()
            for _ in range(2):
                m(images)
            for mod, mom in zip(bns, momenta):
                mod.momentum = mom
            m.eval()


def _check_detections_untied(model: nn.Module, images: List[torch.Tensor], keys=("scores",)):
    """Random heads tie scores easily: require well-separated scores and the same detections in
    float64 (so the order of boxes is well defined), else the case is not a fair test."""
    import copy
    with torch.no_grad():
        r32 = model(images)
        r64 = copy.deepcopy(model).double()([x.double() for x in images])
    for a, b in zip(r32, r64):
        for k in a:
            assert a[k].shape == b[k].shape, (k, a[k].shape, b[k].shape)
            if a[k].dtype == torch.int64:
                assert torch.equal(a[k], b[k]), k
            else:
                assert torch.allclose(a[k], b[k].to(a[k].dtype), atol=1e-3, rtol=1e-3), k
        s = a["scores"].sort(descending=True).values
        if s.numel() > 1:
            assert (s[:-1] - s[1:]).min().item() > 1e-4, f"tied scores {s}"
        assert s.numel() > 0, "no detections"


def _calibration_batch():
    imgs = _det_images()
    return torch.stack([imgs[0][:, :64, :64], imgs[1]])


def _det_images():
    """Noise over smooth position-dependent patterns, so that boxes at different places see different features
    (on plain noise, many proposals pool near-identical features and their scores tie)."""
    seed_all(1)

    def image(h, w, phase):
        yy = torch.linspace(0, 3.0, h)[:, None]
        xx = torch.linspace(0, 4.0, w)[None, :]
        base = torch.stack([torch.sin(yy * 2 + phase) * torch.cos(xx * 1.5), torch.sin(xx * 2.5 - yy + phase),
                            torch.cos(xx * yy + phase)])
        return (0.5 + 0.35 * base + 0.15 * torch.rand(3, h, w)).clamp(0, 1)

    return [image(72, 90, 0.0), image(64, 64, 1.3)]


def _faster_rcnn():
    from torchvision.models.detection import FasterRCNN
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
    seed_all(0)
    bb = _tiny_fpn_backbone()
    head = TwoMLPHead(16 * 7 * 7, 32)
    pred = FastRCNNPredictor(32, 4)
    m = FasterRCNN(bb, num_classes=None, rpn_anchor_generator=AnchorGenerator(((16, 32, 64),) * 3, ((0.5, 1.0, 2.0),) * 3),
                   box_head=head, box_predictor=pred, min_size=80, max_size=112, rpn_pre_nms_top_n_test=60,
                   rpn_post_nms_top_n_test=24, box_detections_per_img=8, box_score_thresh=0.0)
    with torch.no_grad():
        for p in head.parameters():
            p.normal_(0, 0.3)
        pred.cls_score.weight.normal_(0, 1.0)
        pred.cls_score.bias.zero_()
        pred.bbox_pred.weight.normal_(0, 0.05)
        pred.bbox_pred.bias.zero_()
        for p in m.rpn.head.parameters():
            p.normal_(0, 0.2)
    m.eval()
    _check_roi_heads_untied(m)
    return m


@case("fasterrcnn_mobilenet_scripted", 12,
      "Scripted torchvision Faster R-CNN (MobileNetV3 width 0.25 + FPN 16 ch, RPN, RoIAlign MultiScale pooler, "
      "batched NMS), forward(images: List[Tensor]) on two images of different sizes; heads calibrated so scores "
      "do not tie (checked against float64).", kind="scripted")
def _():
    return dict(module=script(_faster_rcnn()), inputs=(_det_images(),))


class _FirstImageDetections(nn.Module):
    """Tensor in, tuple out: the detections of the first image of a batch."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        _, dets = self.model(list(x.unbind(0)))
        d = dets[0]
        return d["boxes"], d["scores"], d["labels"]


@case("fasterrcnn_tensor_wrapper_scripted", 12,
      "The Faster R-CNN of fasterrcnn_mobilenet_scripted behind a scripted wrapper: forward(x: Tensor[2,3,64,80]) "
      "-> (boxes, scores, labels) of the first image.", kind="scripted")
def _():
    m = _faster_rcnn()
    seed_all(2)
    return dict(module=script(_FirstImageDetections(m)), inputs=(torch.rand(2, 3, 64, 80),))


def _transforms_pipeline():
    from torchvision import transforms as T
    return nn.Sequential(
        T.Resize([24, 20], interpolation=T.InterpolationMode.BILINEAR, antialias=True),
        T.CenterCrop(16),
        T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    )


@case("transforms_pipeline_scripted", 12,
      "Scripted torchvision transforms: Resize([24, 20], InterpolationMode.BILINEAR enum attribute, antialias) -> "
      "CenterCrop(16) -> Normalize, on a 1x3x40x36 image.", kind="scripted")
def _():
    m = _transforms_pipeline()
    seed_all(0)
    return dict(module=script(m), inputs=(torch.rand(1, 3, 40, 36),), eager=m)


class _ResizeModes(nn.Module):
    """Resize with the interpolation mode picked at run time from an Enum."""

    def forward(self, x: torch.Tensor, use_nearest: bool) -> torch.Tensor:
        mode = torchvision.transforms.InterpolationMode.BICUBIC
        if use_nearest:
            mode = torchvision.transforms.InterpolationMode.NEAREST
        y = torchvision.transforms.functional.resize(x, [10, 14], interpolation=mode, antialias=False)
        if mode.value == "nearest":
            y = y * 2.0
        return y


class _Tokenizer(nn.Module):
    """A tokenizer-like module: str methods, dict vocabulary, ord/chr, tolist."""

    def __init__(self):
        super().__init__()
        self.vocab: Dict[str, int] = {"<unk>": 0, "hello": 1, "world": 2, "42": 3, "torch": 4, "script": 5}
        self.text = "Hello, World! torch script 42 times, x1 y"

    def forward(self, ids: torch.Tensor) -> Tuple[torch.Tensor, List[int], Dict[str, int]]:
        text = self.text
        words: List[str] = []
        for w in text.lower().replace(",", " ").split():
            w = w.strip(".!?")
            if w.isdigit() or w.isalpha() or w.isalnum():
                words.append(w)
        out: List[int] = []
        for w in words:
            out.append(self.vocab.get(w, 0))
        stats: Dict[str, int] = {}
        stats["n"] = len(words)
        digits = 0
        for w in words:
            if w.isnumeric():
                digits += 1
        stats["digits"] = digits
        stats["find"] = text.find("o", 3)
        stats["rfind"] = text.rfind("o")
        stats["count"] = text.count("l")
        head, sep, tail = text.partition(" ")
        stats["head"] = len(head) + len(sep) * 10 + len(tail) * 100
        stats["zfill"] = int("7".zfill(3) + "1")
        stats["ord"] = ord(text[0]) + ord(chr(ord("a") + 2))
        stats["title"] = int(text.title().istitle()) + 2 * int(text.upper().isupper()) + 4 * int(" ".isspace())
        stats["just"] = len(text.ljust(40, "-")) + len("ab".rjust(5)) + len("ab".center(7, "*"))
        stats["starts"] = int(text.startswith("ello", 1)) + 2 * int(text.endswith("!"))
        stats["lines"] = len("a\nb\n\nc".splitlines())
        stats["rsplit"] = len(text.rsplit(" ", 1)[0])
        for k, v in self.vocab.items():
            if k.startswith("w"):
                stats[k.capitalize().swapcase()] = v
        ids_list: List[List[int]] = ids.tolist()
        total = 0
        for row in ids_list:
            for v in row:
                total += v
        stats["ids"] = total
        scaled_rows: List[List[float]] = (ids.float() * 0.5).tolist()
        scaled = scaled_rows[0]
        flag_rows: List[List[bool]] = (ids > 2).tolist()
        flags = flag_rows[1]
        stats["scaled"] = int(sum(scaled))
        n_flags = 0
        for f in flags:
            if f:
                n_flags += 1
        stats["flags"] = n_flags
        flat: List[int] = ids.flatten().tolist()
        return torch.tensor(out, dtype=torch.int64), flat, stats


@case("enum_resize_scripted", 12,
      "InterpolationMode Enum chosen at run time (NEAREST / BICUBIC) passed to functional.resize, and `.value` "
      "compared with a str; method input bool.", kind="scripted")
def _():
    seed_all(0)
    return dict(module=script(_ResizeModes()), inputs=(torch.rand(1, 2, 7, 9), True), eager=_ResizeModes())


@case("tokenizer_scripted", 12,
      "Tokenizer-like module: lower/replace/split/strip, isdigit/isalpha/isalnum/isnumeric, find/rfind with start, "
      "count, partition, zfill, ord/chr, title/istitle/isupper/isspace, ljust/rjust/center, startswith with start, "
      "splitlines, rsplit, capitalize/swapcase, dict vocab get/items, Tensor.tolist() of int64/float/bool.",
      kind="scripted")
def _():
    seed_all(0)
    return dict(module=script(_Tokenizer()), inputs=(torch.randint(0, 6, (2, 5)),), eager=_Tokenizer())


class _TinyDeepLab(nn.Module):
    """A small conv backbone (stride 4) and torchvision's DeepLabV3 ASPP (dilations 12/24/36, larger than the
    8x8 feature map: padding > input) and head, upsampled back to the input size."""

    def __init__(self):
        super().__init__()
        from torchvision.models.segmentation.deeplabv3 import ASPP
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 8, 3, stride=2, padding=1, dilation=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=2, dilation=2), nn.BatchNorm2d(8), nn.ReLU(),
        )
        self.aspp = ASPP(8, [12, 24, 36], out_channels=16)
        self.cls = nn.Conv2d(16, 3, 1)

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        size = x.shape[-2:]
        y = self.cls(self.aspp(self.body(x)))
        out: Dict[str, torch.Tensor] = {}
        out["out"] = F.interpolate(y, size=size, mode="bilinear", align_corners=False)
        return out


@case("deeplab_aspp_dilated_scripted", 12,
      "Segmentation with dilated convs: torchvision DeepLabV3 ASPP (rates 12/24/36 on an 8x8 feature map, padding "
      "larger than the input) behind a small strided backbone, Dict[str, Tensor] output.", kind="scripted")
def _():
    seed_all(0)
    m = _TinyDeepLab()
    _calibrate_norms(m)
    m.eval()
    return dict(module=script(m), inputs=(torch.rand(1, 3, 32, 32),), eager=m)


def _det_anchor_generator(per_level: int = 3):
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    sizes = ((16,), (32,), (64,)) if per_level in (1, 3) else ((16, 32, 64),) * 3
    ratios = ((1.0,),) * 3 if per_level == 1 else ((0.5, 1.0, 2.0),) * 3
    return AnchorGenerator(sizes, ratios)


def _normal_params(m: nn.Module, std: float):
    with torch.no_grad():
        for name, p in m.named_parameters():
            if p.dim() > 1:
                p.normal_(0, std)
            else:
                p.uniform_(-0.1, 0.1)


def _retinanet():
    from torchvision.models.detection import RetinaNet
    from torchvision.models.detection.retinanet import RetinaNetHead
    seed_all(0)
    bb = _tiny_fpn_backbone()
    return _dense_detector(RetinaNet, bb, RetinaNetHead(16, 3, 4), anchors_per_location=3)


def _dense_detector(detector, backbone, head, anchors_per_location):
    """A one-stage detector (RetinaNet, FCOS) at the test size, its head's weights spread so
    that scores do not tie (checked against float64)."""
    _normal_params(head, 0.15)
    m = detector(backbone, 4, anchor_generator=_det_anchor_generator(anchors_per_location), head=head, min_size=64,
                 max_size=96, score_thresh=0.05, topk_candidates=30, detections_per_img=8)
    m.eval()
    _check_detections_untied(m, _det_images())
    return m


@case("retinanet_scripted", 12,
      "Scripted torchvision RetinaNet (tiny MobileNetV3+FPN backbone, RetinaNetHead 16 ch, 3 anchors/location), "
      "forward(images: List[Tensor]); heads calibrated so scores do not tie (checked against float64).",
      kind="scripted")
def _():
    return dict(module=script(_retinanet()), inputs=(_det_images(),))


def _fcos():
    from torchvision.models.detection import FCOS
    from torchvision.models.detection.fcos import FCOSHead
    seed_all(0)
    bb = _tiny_fpn_backbone(32)
    return _dense_detector(FCOS, bb, FCOSHead(32, 1, 4, num_convs=2), anchors_per_location=1)


@case("fcos_scripted", 12,
      "Scripted torchvision FCOS (tiny MobileNetV3+FPN backbone, FCOSHead 2 convs, centerness), "
      "forward(images: List[Tensor]); scores checked untied against float64.", kind="scripted")
def _():
    return dict(module=script(_fcos()), inputs=(_det_images(),))


def _ssdlite():
    from functools import partial
    from torchvision.models import mobilenet_v3_large
    from torchvision.models.detection import _utils as det_utils
    from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
    from torchvision.models.detection.ssd import SSD
    from torchvision.models.detection.ssdlite import SSDLiteHead, _mobilenet_extractor
    seed_all(1)  # seed 0 ties two of the 8 final scores (0.5028)
    norm = partial(nn.BatchNorm2d, eps=0.001, momentum=0.03)
    backbone = _mobilenet_extractor(mobilenet_v3_large(width_mult=0.25, norm_layer=norm, reduced_tail=True), 6, norm)
    _calibrate_norms(backbone)
    size = (96, 96)
    anchors = DefaultBoxGenerator([[2, 3] for _ in range(6)], min_ratio=0.2, max_ratio=0.95)
    out_channels = det_utils.retrieve_out_channels(backbone, size)
    head = SSDLiteHead(out_channels, anchors.num_anchors_per_location(), 4, norm)
    _calibrate_norms(head)
    _normal_params(head, 0.2)
    with torch.no_grad():
        for p in head.classification_head.parameters():
            if p.dim() > 1:
                p.normal_(0, 1.0)
    m = SSD(backbone, anchors, size, 4, head=head, score_thresh=0.05, nms_thresh=0.55, detections_per_img=8,
            topk_candidates=30, image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
    m.eval()
    _check_detections_untied(m, _det_images())
    return m


@case("ssdlite_scripted", 12,
      "Scripted torchvision SSDlite (MobileNetV3 width 0.25 extractor + extra blocks, SSDLiteHead, DefaultBoxGenerator, "
      "96x96 fixed size); its archive refers to torchvision::box_iou_rotated-free code only reached in training.",
      kind="scripted")
def _():
    return dict(module=script(_ssdlite()), inputs=(_det_images(),))


def _mask_rcnn():
    from torchvision.models.detection import MaskRCNN
    from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
    from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
    seed_all(0)
    bb = _tiny_fpn_backbone()
    head = TwoMLPHead(16 * 7 * 7, 32)
    pred = FastRCNNPredictor(32, 4)
    mask_head = MaskRCNNHeads(16, [16, 16], 1)
    mask_pred = MaskRCNNPredictor(16, 16, 4)
    m = MaskRCNN(bb, num_classes=None, rpn_anchor_generator=_det_anchor_generator(), box_head=head,
                 box_predictor=pred, mask_head=mask_head, mask_predictor=mask_pred, min_size=104, max_size=136,
                 rpn_pre_nms_top_n_test=60, rpn_post_nms_top_n_test=24, box_detections_per_img=6,
                 box_score_thresh=0.0)
    with torch.no_grad():
        for p in head.parameters():
            p.normal_(0, 0.3)
        pred.cls_score.weight.normal_(0, 0.3)
        pred.cls_score.bias.zero_()
        pred.bbox_pred.weight.normal_(0, 0.05)
        pred.bbox_pred.bias.zero_()
        for p in m.rpn.head.parameters():
            p.normal_(0, 0.2)
    m.eval()
    _check_roi_heads_untied(m, False)
    return m


@case("maskrcnn_scripted", 12,
      "Scripted torchvision Mask R-CNN (tiny backbone, MaskRCNNHeads 2x16 ch, 14x14 RoIAlign masks pasted into the "
      "image: paste_masks_in_image), forward(images: List[Tensor]).", kind="scripted")
def _():
    return dict(module=script(_mask_rcnn()), inputs=(_det_images(),))


def _keypoint_rcnn():
    from torchvision.models.detection import KeypointRCNN
    from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
    from torchvision.models.detection.keypoint_rcnn import KeypointRCNNHeads, KeypointRCNNPredictor
    seed_all(0)
    bb = _tiny_fpn_backbone()
    head = TwoMLPHead(16 * 7 * 7, 32)
    pred = FastRCNNPredictor(32, 2)
    m = KeypointRCNN(bb, num_classes=None, rpn_anchor_generator=_det_anchor_generator(), box_head=head,
                     box_predictor=pred, keypoint_head=KeypointRCNNHeads(16, [16, 16]),
                     keypoint_predictor=KeypointRCNNPredictor(16, 5), min_size=96, max_size=128,
                     rpn_pre_nms_top_n_test=60, rpn_post_nms_top_n_test=24, box_detections_per_img=4,
                     box_score_thresh=0.0)
    with torch.no_grad():
        for p in head.parameters():
            p.normal_(0, 0.3)
        pred.cls_score.weight.normal_(0, 0.3)
        pred.cls_score.bias.zero_()
        pred.bbox_pred.weight.normal_(0, 0.05)
        pred.bbox_pred.bias.zero_()
        for p in m.rpn.head.parameters():
            p.normal_(0, 0.2)
        _normal_params(m.roi_heads.keypoint_head, 0.2)
        _normal_params(m.roi_heads.keypoint_predictor, 1.0)
    m.eval()
    _check_roi_heads_untied(m, False)
    return m


@case("keypointrcnn_scripted", 12,
      "Scripted torchvision Keypoint R-CNN (tiny backbone, 5 keypoints, heatmaps_to_keypoints), "
      "forward(images: List[Tensor]).", kind="scripted")
def _():
    return dict(module=script(_keypoint_rcnn()), inputs=(_det_images(),))


# ============================================================================================
# Issue 12 (part B): quantized models (fbgemm), older archives
# ============================================================================================

import torch.ao.quantization as _tq  # noqa: E402

torch.backends.quantized.engine = "fbgemm"


class _QMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 8)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


@case("quant_dynamic_linear_scripted", 12, "torch.ao.quantization.quantize_dynamic(qint8) on a 2-layer MLP: "
      "LinearPackedParamsBase with per-tensor qint8 weights, quantized::linear_dynamic (reduce_range) on a "
      "[3,5,16] input.", kind="scripted")
def _():
    m = _tq.quantize_dynamic(_QMLP().eval(), {nn.Linear}, dtype=torch.qint8)
    return dict(module=script(m), inputs=(torch.randn(3, 5, 16) * 2,), eager=m)


@case("quant_dynamic_linear_fp16_scripted", 12, "quantize_dynamic(float16) on a 2-layer MLP: "
      "quantized::linear_dynamic_fp16.", kind="scripted")
def _():
    m = _tq.quantize_dynamic(_QMLP().eval(), {nn.Linear}, dtype=torch.float16)
    return dict(module=script(m), inputs=(torch.randn(4, 16),), eager=m)


class _QLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 10, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(20, 4)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        return self.fc(y), h, c


@case("quant_dynamic_lstm_scripted", 12, "quantize_dynamic(qint8) on a 2-layer bidirectional batch-first LSTM "
      "+ Linear: CellParamsBase packed params, aten::quantized_lstm, quantized::linear_dynamic.", kind="scripted")
def _():
    m = _tq.quantize_dynamic(_QLSTM().eval(), {nn.LSTM, nn.Linear}, dtype=torch.qint8)
    return dict(module=script(m), inputs=(torch.randn(2, 7, 6),), eager=m)


class _QConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = _tq.QuantStub()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, groups=2)
        self.conv3 = nn.Conv2d(8, 4, 3, stride=2, padding=2, dilation=2, bias=False)
        self.add = torch.ao.nn.quantized.FloatFunctional()
        self.add_plain = torch.ao.nn.quantized.FloatFunctional()
        self.cat = torch.ao.nn.quantized.FloatFunctional()
        self.fc = nn.Linear(12 * 3 * 3, 5)
        self.fc_relu = nn.Linear(5, 6)
        self.relu2 = nn.ReLU()
        self.dequant = _tq.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        y = self.relu1(self.conv1(x))
        z = self.conv2(y)
        y = self.add.add_relu(y, z)
        y = self.add_plain.add(y, z)
        w = self.conv3(y)
        y = self.cat.cat([w, torch.nn.functional.max_pool2d(y, 2)[:, :8, :3, :3]], 1)
        y = torch.flatten(y, 1)
        y = self.relu2(self.fc_relu(self.fc(y)))
        return self.dequant(y)


def _static_convnet():
    seed_all(0)
    m = _QConvNet().eval()
    m.qconfig = _tq.get_default_qconfig("fbgemm")
    _tq.fuse_modules(m, [["conv1", "relu1"], ["fc_relu", "relu2"]], inplace=True)
    _tq.prepare(m, inplace=True)
    with torch.no_grad():
        for _ in range(6):
            m(torch.randn(2, 3, 6, 6))
    _tq.convert(m, inplace=True)
    return m


@case("quant_static_convnet_scripted", 12, "Static fbgemm post-training quantization (per-channel qint8 weights, "
      "quint8 activations): QuantStub, Conv+ReLU fused, grouped and strided/dilated convs, add_relu/add/cat via "
      "FloatFunctional, quantized max_pool2d/slice/flatten, Linear and Linear+ReLU fused, DeQuantStub.",
      kind="scripted")
def _():
    m = _static_convnet()
    return dict(module=script(m), inputs=(torch.randn(2, 3, 6, 6),), eager=m)


@case("quant_static_convnet_traced", 12, "The quantized convnet of quant_static_convnet_scripted, traced.",
      kind="traced")
def _():
    m = _static_convnet()
    x = torch.randn(2, 3, 6, 6)
    return dict(module=trace(m, (x,)), inputs=(x,), eager=m)


class _SortedSearchOps(nn.Module):
    def forward(self, x, b, seq, vals, ints):
        km = torch.kthvalue(x, 2, 1)
        kk = torch.kthvalue(x, 3, 0, True)
        med = torch.median(x, 1)
        med0 = torch.median(x, 0, keepdim=True)
        nan_x = torch.where(x > 1.0, torch.full_like(x, float("nan")), x)
        nmed = torch.nanmedian(nan_x, 1)
        return (km.values, km.indices, kk.values, kk.indices, med.values, med.indices, med0.values, med0.indices,
                nmed.values, nmed.indices, torch.nanmedian(nan_x), torch.median(x),
                torch.bucketize(x, b), torch.bucketize(x, b, right=True), torch.bucketize(x, b, out_int32=True),
                torch.searchsorted(seq, vals), torch.searchsorted(seq, vals, right=True),
                torch.searchsorted(seq, vals, side="right"), torch.searchsorted(b, 0.5),
                torch.histc(x, 7), torch.histc(x, 5, -1.0, 1.0), torch.histc(ints.float(), 4),
                torch.diff(x), torch.diff(x, 2, 0), torch.diff(x, 1, 1, prepend=x[:, :1], append=x[:, -1:]),
                torch.diff(ints), torch.diff(ints > 2),
                torch.logcumsumexp(x, 1), torch.logcumsumexp(x, 0),
                torch.linalg.cross(x[:, :3], x[:, 3:6]), torch.cross(x[:3, :2].t(), x[3:6, :2].t(), dim=1),
                torch.cross(x[:3, :2], x[3:6, :2]))


@case("aten_sorted_search_scripted", 12, "kthvalue, median.dim, nanmedian (dim and all), bucketize (left/right/int32), "
      "searchsorted (batched, right, side, scalar), histc (auto range, explicit range, ints), diff (n, dim, "
      "prepend/append, int and bool), logcumsumexp, linalg_cross / cross (default dim).", kind="scripted")
def _():
    m = _SortedSearchOps()
    x = torch.randn(6, 7)
    b = torch.tensor([-1.0, -0.25, 0.0, 0.3, 1.1])
    seq = torch.sort(torch.randn(3, 8), 1).values
    vals = torch.randn(3, 5)
    ints = torch.tensor([[1, 4, 2, 2, 7], [3, 3, 0, 5, 1]])
    return dict(module=script(m), inputs=(x, b, seq, vals, ints), eager=m)


class _UniqueOps(nn.Module):
    def forward(self, x, f, rows):
        u, inv, cnt = torch.unique(x, sorted=True, return_inverse=True, return_counts=True)
        u2 = torch.unique(f)
        c1, c1i, c1c = torch.unique_consecutive(x, return_inverse=True, return_counts=True)
        c2 = torch.unique_consecutive(rows, dim=0)
        d0, d0i, d0c = torch.unique(rows, dim=0, return_inverse=True, return_counts=True)
        d1 = torch.unique(rows, dim=1)
        return u, inv, cnt, u2, c1, c1i, c1c, c2, d0, d0i, d0c, d1


@case("aten_unique_scripted", 12, "torch.unique (_unique2 with inverse and counts, float), unique_consecutive "
      "(flat and dim=0), unique_dim (dim 0 with inverse/counts, dim 1).", kind="scripted")
def _():
    m = _UniqueOps()
    x = torch.tensor([[3, 1, 1, 2], [2, 2, 5, 3], [0, 0, 0, 9]])
    f = torch.tensor([0.5, -1.0, 0.5, 2.0, -1.0, 3.25])
    rows = torch.tensor([[1, 2, 1], [1, 2, 1], [0, 5, 0], [1, 2, 1], [0, 5, 0], [4, 4, 4]])
    return dict(module=script(m), inputs=(x, f, rows), eager=m)


class _GridSample(nn.Module):
    def forward(self, img, grid, vol, grid3):
        outs = []
        for mode in ["bilinear", "nearest", "bicubic"]:
            for pad in ["zeros", "border", "reflection"]:
                for ac in [False, True]:
                    outs.append(F.grid_sample(img, grid, mode=mode, padding_mode=pad, align_corners=ac))
        for mode in ["bilinear", "nearest"]:
            for pad in ["zeros", "border", "reflection"]:
                for ac in [False, True]:
                    outs.append(F.grid_sample(vol, grid3, mode=mode, padding_mode=pad, align_corners=ac))
        theta = torch.tensor([[[0.9, -0.2, 0.1], [0.3, 1.1, -0.05]]]).repeat(img.size(0), 1, 1)
        warp = F.affine_grid(theta, [img.size(0), img.size(1), 5, 6], align_corners=False)
        outs.append(F.grid_sample(img, warp, align_corners=False))
        return outs


@case("aten_grid_sampler_scripted", 12, "F.grid_sample 2-D (bilinear/nearest/bicubic x zeros/border/reflection x "
      "align_corners) and 3-D (bilinear/nearest x paddings x align_corners), grid points outside [-1, 1], and an "
      "affine_grid warp (kornia / RAFT style).", kind="scripted")
def _():
    m = _GridSample()
    img = torch.randn(2, 3, 5, 7)
    grid = torch.rand(2, 4, 6, 2) * 2.6 - 1.3
    vol = torch.randn(1, 2, 3, 4, 5)
    grid3 = torch.rand(1, 2, 3, 4, 3) * 2.6 - 1.3
    return dict(module=script(m), inputs=(img, grid, vol, grid3), eager=m)


class _AtenSweepMath(nn.Module):
    def forward(self, x, y, pos, ints_a, ints_b):
        return (torch.lgamma(x), torch.digamma(pos), torch.polygamma(1, pos), torch.polygamma(3, pos),
                torch.special.gammaln(pos), torch.logit(torch.sigmoid(x)), torch.logit(torch.sigmoid(x), eps=0.2),
                torch.logaddexp(x, y), torch.logaddexp2(x, y), torch.copysign(x, y), torch.copysign(pos, -1.0),
                torch.heaviside(torch.round(x), y), torch.gcd(ints_a, ints_b), torch.lcm(ints_a, ints_b),
                torch.erfinv(torch.tanh(x) * 0.9))


@case("aten_sweep_math_scripted", 12, "Special functions and float binaries of the aten sweep: lgamma, digamma, "
      "polygamma (n = 1, 3), special.gammaln, logit (with eps), logaddexp, logaddexp2, copysign, heaviside, gcd, lcm, "
      "erfinv.", kind="scripted")
def _():
    m = _AtenSweepMath()
    x = torch.randn(3, 7) * 2.0
    y = torch.randn(3, 7)
    pos = torch.rand(3, 7) * 4.0 + 0.05
    ints_a = torch.tensor([12, -18, 0, 7, 45, 100, -9])
    ints_b = torch.tensor([18, 12, 5, 0, 60, 75, 6])
    return dict(module=script(m), inputs=(x, y, pos, ints_a, ints_b), eager=m)


class _AtenSweepStructure(nn.Module):
    def forward(self, x, idx, a, b, ints, weights):
        r1 = torch.rot90(x, 1, [1, 2])
        r3 = torch.rot90(x, -1, [0, 2])
        k = torch.kron(a, b)
        t = torch.take_along_dim(x, idx, 2)
        tf = torch.take_along_dim(x, idx.flatten()[:5])
        li = torch.tril_indices(4, 5, 1)
        ui = torch.triu_indices(3, 4, -1)
        cp = torch.cartesian_prod(a[0], b[1], a[1])
        de = torch.diag_embed(a, 1)
        bd = torch.block_diag(a, b[0], torch.tensor(7.0))
        isin = torch.isin(ints, torch.tensor([1, 3, 5]))
        notin = torch.isin(ints, torch.tensor([1, 3, 5]), invert=True)
        bc = torch.bincount(ints.flatten(), minlength=9)
        bw = torch.bincount(ints.flatten(), weights=weights)
        tr = torch.trace(a @ b.t())
        return r1, r3, k, t, tf, li, ui, cp, de, bd, isin, notin, bc, bw, tr


@case("aten_sweep_structure_scripted", 12, "Structural ops of the aten sweep: rot90 (k = 1, -1), kron, take_along_dim "
      "(dim and flat), tril_indices / triu_indices with offsets, cartesian_prod, diag_embed, block_diag, isin "
      "(and invert), bincount (minlength, float weights), trace.", kind="scripted")
def _():
    m = _AtenSweepStructure()
    x = torch.randn(2, 3, 4)
    idx = torch.randint(0, 4, (2, 3, 2))
    a = torch.randn(2, 3)
    b = torch.randn(2, 3)
    ints = torch.tensor([[0, 3, 3, 1], [5, 2, 7, 3]])
    weights = torch.rand(8)
    return dict(module=script(m), inputs=(x, idx, a, b, ints, weights), eager=m)


class _AtenSweepLinalg(nn.Module):
    def forward(self, a, b, m, v):
        td = torch.tensordot(a, b, dims=([1, 2], [0, 1]))
        td2 = torch.tensordot(a.transpose(1, 2), b, dims=1)
        return (td, td2, torch.dot(v, v), torch.inner(a, a), torch.outer(v, v[:3]), torch.det(m),
                torch.linalg.det(m), torch.logdet(m @ m.transpose(-1, -2)), torch.slogdet(m),
                torch.inverse(m), torch.linalg.inv(m), torch.matrix_power(m, 3), torch.linalg.matrix_power(m, -2),
                torch.cdist(a.flatten(1), a.flatten(1).flip(0) * 0.5, p=2.0), torch.cdist(a, a, p=1.0),
                torch.nn.functional.pdist(b.flatten(1).t(), 2.0),
                torch.nn.functional.pairwise_distance(a, a.flip(0)),
                torch.nn.functional.cosine_similarity(a, a.flip(0), dim=2))


@case("aten_sweep_linalg_scripted", 12, "Products, linear algebra and distances of the aten sweep: tensordot (dim "
      "lists and an int), dot, inner, outer, det / linalg.det, logdet, slogdet, inverse / linalg.inv, matrix_power "
      "(3, -2), cdist (p = 2, 1), pdist, pairwise_distance, cosine_similarity.", kind="scripted")
def _():
    m = _AtenSweepLinalg()
    a = torch.randn(2, 3, 4)
    b = torch.randn(3, 4, 5)
    mats = torch.randn(2, 3, 3) + 2.0 * torch.eye(3)
    v = torch.randn(6)
    return dict(module=script(m), inputs=(a, b, mats, v), eager=m)


class _AtenSweepLosses(nn.Module):
    def forward(self, x, y, logits, target, probs, labels, w):
        return (F.mse_loss(x, y), F.l1_loss(x, y, reduction="sum"), F.smooth_l1_loss(x, y, beta=0.5),
                F.huber_loss(x, y, reduction="none", delta=0.7), F.kl_div(F.log_softmax(x, 1), F.softmax(y, 1),
                                                                           reduction="batchmean"),
                F.binary_cross_entropy(probs, labels), F.binary_cross_entropy_with_logits(x, labels, pos_weight=w),
                F.cross_entropy(logits, target), F.cross_entropy(logits, target, weight=w[:5], label_smoothing=0.1),
                F.nll_loss(F.log_softmax(logits, 1), target, reduction="none", ignore_index=2))


@case("aten_sweep_losses_scripted", 12, "Losses of the aten sweep: mse, l1 (sum), smooth_l1 (beta), huber (none), "
      "kl_div (batchmean), binary_cross_entropy, binary_cross_entropy_with_logits (pos_weight), cross_entropy "
      "(plain, weighted with label smoothing), nll_loss (none, ignore_index).", kind="scripted")
def _():
    m = _AtenSweepLosses()
    x = torch.randn(4, 6)
    y = torch.randn(4, 6)
    logits = torch.randn(4, 5)
    target = torch.tensor([0, 2, 4, 1])
    probs = torch.rand(4, 6) * 0.98 + 0.01
    labels = (torch.rand(4, 6) > 0.5).float()
    w = torch.rand(6) + 0.5
    return dict(module=script(m), inputs=(x, y, logits, target, probs, labels, w), eager=m)


def _check_roi_heads_untied(m: nn.Module, wrapper_input: bool = True):
    """R-CNN candidates: two boxes of one class that overlap beyond the NMS threshold must have clearly
    different scores (relative gap > 1e-3), and no candidate may tie with the lowest kept detection, on both
    inputs the cases use; else which box survives NMS or the detection limit depends on the sort's tie order.
    On coarse feature maps (min_size 64) several proposals pooled bit-identical features and tied exactly.
    Then the float64 check of `_check_detections_untied`."""
    import torchvision
    seed_all(2)
    batch = torch.rand(2, 3, 64, 80)  # the input of fasterrcnn_tensor_wrapper_scripted
    for images in ([list(batch.unbind(0))] if wrapper_input else []) + [_det_images()]:
        heads, proposals = [], []
        h1 = m.roi_heads.box_predictor.register_forward_hook(lambda mod, i, o: heads.append(o))
        h2 = m.roi_heads.register_forward_pre_hook(lambda mod, args: proposals.append(args[1]))
        with torch.no_grad():
            kept = [r["scores"].double() for r in m(images)]
        h1.remove()
        h2.remove()
        logits, regression = heads[0]
        boxes = m.roi_heads.box_coder.decode(regression, proposals[0])
        start = 0
        for p, final in zip(proposals[0], kept):
            n = p.shape[0]
            scores = torch.softmax(logits[start:start + n].double(), -1)
            for c in range(1, scores.shape[1]):
                iou = torchvision.ops.box_iou(boxes[start:start + n, c], boxes[start:start + n, c])
                s = scores[:, c]
                gap = (s[:, None] - s[None, :]).abs() / torch.maximum(s[:, None], s[None, :])
                close = (iou > m.roi_heads.nms_thresh) & (gap < 1e-3)
                close.fill_diagonal_(False)
                assert not close.any(), f"class {c}: overlapping candidates with tied scores"
            if final.numel() > 0:
                last = final.min()
                near = ((scores[:, 1:] - last).abs() / last < 1e-5).sum().item()
                assert near <= 1, f"{near} candidates tie with the last kept score {last.item()}"
            start += n
    _check_detections_untied(m, _det_images())


class _AtenSweepStats(nn.Module):
    def forward(self, x, xn, q, a, b, v, ints, m, rhs):
        return (torch.nanmean(xn, 1), torch.nanmean(xn), torch.quantile(x, 0.3, dim=1),
                torch.quantile(x, q, dim=0, keepdim=True), torch.nanquantile(xn, q, dim=1),
                torch.quantile(x.flatten(), 0.5, interpolation="nearest"),
                torch.quantile(x, 0.65, dim=1, interpolation="midpoint"), torch.cov(a), torch.corrcoef(a),
                torch.special.i0(v), torch.special.ndtr(v), torch.special.ndtri(torch.sigmoid(v)),
                torch.special.log_ndtr(v), torch.special.entr(torch.relu(v)), torch.special.expit(v),
                torch.special.xlog1py(v, torch.relu(v)), torch.float_power(torch.relu(v), 1.5),
                torch.ldexp(v, ints), torch.addr(a, a[:, 0], a[0]), torch.addbmm(m[0], m, m),
                torch.linalg.multi_dot([m[0], m[1], m[0]]), torch.linalg.solve(m, rhs), torch.take(a, ints % 9),
                torch.vander(v[:4], 3), torch.vander(ints[:3], increasing=True))


@case("aten_sweep_stats_scripted", 12, "Second aten sweep: nanmean, quantile / nanquantile (scalar and tensor q, "
      "linear / nearest / midpoint), cov, corrcoef, special i0 / ndtr / ndtri / log_ndtr / entr / expit / xlog1py, "
      "float_power, ldexp, addr, addbmm, linalg.multi_dot, linalg.solve, take, vander.", kind="scripted")
def _():
    m = _AtenSweepStats()
    x = torch.randn(4, 6)
    xn = x.clone()
    xn[0, 2] = float("nan")
    xn[2, 0] = float("nan")
    q = torch.tensor([0.1, 0.5, 0.9])
    a = torch.randn(3, 3)
    b = torch.randn(3, 3)
    v = torch.randn(6)
    ints = torch.tensor([3, -1, 0, 2, 5, 1])
    mats = torch.randn(2, 3, 3) + 2.0 * torch.eye(3)
    rhs = torch.randn(2, 3)
    return dict(module=script(m), inputs=(x, xn, q, a, b, v, ints, mats, rhs), eager=m)


# --- issue 12: linear-algebra decompositions (Cholesky, QR, eigh, SVD, LU, norms, solvers) ---
# Eigenvectors and singular vectors are defined only up to sign: these models return the values
# and sign-invariant forms (reconstructions, abs, projectors), never the raw vectors.


class _LinalgDecompositions(nn.Module):
    def forward(self, a, r, ad):
        n = a.size(-1)
        eye = torch.eye(n, dtype=a.dtype)
        spd = a @ a.transpose(-2, -1) + float(n) * eye
        chol = torch.linalg.cholesky(spd)
        chol_u = torch.linalg.cholesky(spd, upper=True)
        chol_ex, info = torch.linalg.cholesky_ex(spd)
        q, rr = torch.linalg.qr(r)
        qc, rc = torch.linalg.qr(r, mode="complete")
        q_empty, r_only = torch.linalg.qr(r, mode="r")
        qw, rw = torch.linalg.qr(r.transpose(-2, -1))
        w, v = torch.linalg.eigh(spd)
        w_upper = torch.linalg.eigvalsh(spd, UPLO="U")
        eig_back = (v * w.unsqueeze(-2)) @ v.transpose(-2, -1)
        u, s, vh = torch.linalg.svd(r, full_matrices=False)
        svd_back = (u * s.unsqueeze(-2)) @ vh
        uf, sf, vhf = torch.linalg.svd(r)
        u_old, s_old, v_old = torch.svd(r)
        _, s_only, v_zero = torch.svd(r, compute_uv=False)
        spd_d = ad @ ad.transpose(-2, -1) + float(n) * torch.eye(n, dtype=ad.dtype)
        wd, vd = torch.linalg.eigh(spd_d)
        ud, sd, vhd = torch.linalg.svd(ad)
        qd, rd = torch.linalg.qr(ad)
        return (chol, chol_u, chol_ex, info, q, rr, qc, rc, q_empty, r_only, qw, rw,
                w, w_upper, eig_back, v.abs(), u.abs(), s, vh.abs(), svd_back, torch.linalg.svdvals(r),
                uf @ uf.transpose(-2, -1), uf[..., :3].abs(), sf, vhf.abs(),
                (u_old * s_old.unsqueeze(-2)) @ v_old.transpose(-2, -1), s_only, v_zero,
                wd, vd.abs(), (vd * wd.unsqueeze(-2)) @ vd.transpose(-2, -1), sd, ud.abs(), vhd.abs(),
                qd, rd, torch.linalg.svdvals(ad.transpose(-2, -1)))


@case("linalg_decompositions_scripted", 12, "linalg.cholesky (lower, upper), cholesky_ex (info), linalg.qr "
      "(reduced, complete, r, wide) with LAPACK's signs, linalg.eigh / eigvalsh (UPLO), linalg.svd (thin and full), "
      "svdvals, torch.svd (compute_uv False), in float32 (2x4x4 SPD, 2x5x3) and float64 (3x4x4); vectors are "
      "returned in sign-invariant forms (abs, reconstructions, projectors).", kind="scripted")
def _():
    m = _LinalgDecompositions()
    a = torch.randn(2, 4, 4)
    r = torch.randn(2, 5, 3)
    ad = torch.randn(3, 4, 4, dtype=torch.float64)
    return dict(module=script(m), inputs=(a, r, ad), eager=m)


class _LinalgSolvers(nn.Module):
    def forward(self, a, b, r, rb):
        n = a.size(-1)
        eye = torch.eye(n, dtype=a.dtype)
        spd = a @ a.transpose(-2, -1) + float(n) * eye
        g = a + 3.0 * eye
        low = torch.linalg.cholesky(spd)
        up = low.transpose(-2, -1)
        lu, piv = torch.linalg.lu_factor(g)
        lu_ex, piv_ex, info = torch.linalg.lu_factor_ex(g)
        p, l, u = torch.linalg.lu(g)
        p2, l2, u2 = torch.lu_unpack(lu, piv)
        lw, pw = torch.linalg.lu_factor(r.transpose(-2, -1))
        pr, lr, ur = torch.linalg.lu(r)
        tri, coeff = torch.triangular_solve(b, up)
        tri_t, _ = torch.triangular_solve(b, low, upper=False, transpose=True)
        rank_low = r[..., :2] @ r[..., :2].transpose(-2, -1)
        return (torch.cholesky_solve(b, low), torch.cholesky_solve(b, up, upper=True),
                torch.cholesky_inverse(low), torch.cholesky_inverse(up, upper=True),
                torch.linalg.solve_triangular(low, b, upper=False),
                torch.linalg.solve_triangular(up, b, upper=True, unitriangular=True),
                torch.linalg.solve_triangular(low, b.transpose(-2, -1), upper=False, left=False),
                tri, coeff, tri_t,
                lu, piv, lu_ex, piv_ex, info, p, l, u, p2, l2, u2, lw, pw, pr, lr, ur,
                torch.linalg.lu_solve(lu, piv, b), torch.linalg.lu_solve(lu, piv, b, adjoint=True),
                torch.linalg.lu_solve(lu, piv, b.transpose(-2, -1), left=False),
                torch.linalg.lstsq(r, rb).solution, torch.linalg.lstsq(r.transpose(-2, -1), rb[..., :3, :]).solution,
                torch.linalg.pinv(r), torch.linalg.pinv(spd, hermitian=True), torch.pinverse(r),
                torch.linalg.pinv(r, atol=0.5), torch.linalg.matrix_rank(r), torch.linalg.matrix_rank(rank_low),
                torch.linalg.matrix_rank(rank_low, hermitian=True), torch.linalg.matrix_rank(r, atol=1.0, rtol=0.0))


@case("linalg_solvers_scripted", 12, "cholesky_solve / cholesky_inverse (lower, upper), linalg.solve_triangular "
      "(upper, lower, unitriangular, right), triangular_solve (transpose), linalg.lu_factor(_ex), linalg.lu (square and "
      "rectangular), lu_unpack, linalg.lu_solve (adjoint, right), linalg.lstsq (tall, wide), linalg.pinv (hermitian, "
      "atol), pinverse, linalg.matrix_rank (hermitian, atol/rtol) on float32 2x4x4 and 2x5x3 batches.", kind="scripted")
def _():
    m = _LinalgSolvers()
    a = torch.randn(2, 4, 4)
    b = torch.randn(2, 4, 2)
    r = torch.randn(2, 5, 3)
    rb = torch.randn(2, 5, 2)
    return dict(module=script(m), inputs=(a, b, r, rb), eager=m)


class _LinalgNorms(nn.Module):
    def forward(self, a, r, ad):
        g = a + 3.0 * torch.eye(a.size(-1), dtype=a.dtype)
        return (torch.linalg.matrix_norm(a), torch.linalg.matrix_norm(a, "nuc"), torch.linalg.matrix_norm(a, 1),
                torch.linalg.matrix_norm(a, -1), torch.linalg.matrix_norm(a, 2), torch.linalg.matrix_norm(a, -2),
                torch.linalg.matrix_norm(a, float("inf")), torch.linalg.matrix_norm(a, -float("inf")),
                torch.linalg.matrix_norm(r, 1, dim=(0, 2), keepdim=True), torch.linalg.matrix_norm(ad, "nuc"),
                torch.linalg.norm(a), torch.linalg.norm(a[0], "fro"), torch.linalg.norm(a[0], float("inf")),
                torch.linalg.norm(a, 2, dim=(-2, -1)), torch.linalg.norm(a, 3.0, dim=(-1,)),
                torch.linalg.norm(r, "nuc", dim=(1, 2), keepdim=True),
                torch.norm(a, p="fro", dim=(1, 2)), torch.norm(a, p="nuc", dim=(1, 2)),
                torch.linalg.cond(g), torch.linalg.cond(g, "fro"), torch.linalg.cond(g, 1),
                torch.linalg.cond(g, -float("inf")), torch.linalg.cond(r), torch.linalg.cond(r, -2),
                torch.linalg.cond(ad))


@case("linalg_norms_scripted", 12, "linalg.matrix_norm (fro, nuc, 1, -1, 2, -2, inf, -inf, dim and keepdim), "
      "linalg.norm (vector and matrix orders), torch.norm with p='fro' / 'nuc', linalg.cond (2, fro, 1, -inf, "
      "rectangular, -2) on float32 2x4x4 / 2x5x3 and float64 3x4x4 inputs.", kind="scripted")
def _():
    m = _LinalgNorms()
    a = torch.randn(2, 4, 4)
    r = torch.randn(2, 5, 3)
    ad = torch.randn(3, 4, 4, dtype=torch.float64)
    return dict(module=script(m), inputs=(a, r, ad), eager=m)


# --- issue 12: RAFT optical flow (reduced widths from torchvision's raft building blocks) ---


def _raft_tiny():
    from torchvision.models.optical_flow.raft import BottleneckBlock, _raft
    from torch.nn.modules.instancenorm import InstanceNorm2d
    return _raft(feature_encoder_layers=(8, 8, 16, 24, 32), feature_encoder_block=BottleneckBlock,
                 feature_encoder_norm_layer=InstanceNorm2d,
                 context_encoder_layers=(8, 8, 16, 24, 40), context_encoder_block=BottleneckBlock,
                 context_encoder_norm_layer=None,
                 corr_block_num_levels=3, corr_block_radius=3,
                 motion_encoder_corr_layers=(24,), motion_encoder_flow_layers=(16, 8), motion_encoder_out_channels=22,
                 recurrent_block_hidden_state_size=24, recurrent_block_kernel_size=(3,), recurrent_block_padding=(1,),
                 flow_head_hidden_size=32, use_mask_predictor=False)


@case("raft_small_scripted", 12, "torchvision RAFT with raft_small's architecture (BottleneckBlock feature encoder with "
      "InstanceNorm2d, context encoder without norm, correlation pyramid radius 3 with 3 levels instead of 4 (a 4-level pyramid needs 128x128 images) with grid_sample lookups, "
      "ConvGRU recurrent block, bilinear align_corners flow upsampling) at reduced widths (encoders 8/8/16/24/32 and "
      "8/8/16/24/40, hidden 24), two 1x3x64x64 images, num_flow_updates=3; returns the list of 3 flows.", kind="scripted")
def _():
    m = _raft_tiny()
    perturb_norms(m)
    m.eval()
    a = torch.rand(1, 3, 64, 64) * 2.0 - 1.0
    b = torch.roll(a, shifts=(2, 3), dims=(2, 3)) + 0.05 * torch.randn(1, 3, 64, 64)
    return dict(module=script(m), inputs=(a, b, 3), eager=m)


# --- issue 12: timm models (timm 1.0.31, random weights, reduced sizes) ---


@case("timm_vit_tiny_scripted", 12, "timm 1.0.31 vit_tiny_patch16_224(img_size=32, patch_size=8, depth=2, embed_dim=32, "
      "num_heads=2, num_classes=10) scripted: PatchEmbed, cls token + pos_embed, fused scaled_dot_product_attention, "
      "LayerNorm, GELU Mlp, token pooling; 2x3x32x32 input.", kind="scripted")
def _():
    import timm
    m = timm.create_model("vit_tiny_patch16_224", pretrained=False, num_classes=10, img_size=32, patch_size=8,
                          depth=2, embed_dim=32, num_heads=2)
    perturb_norms(m)
    m.eval()
    return dict(module=script(m), inputs=(torch.randn(2, 3, 32, 32),), eager=m)


@case("timm_convnext_atto_scripted", 12, "timm 1.0.31 convnext_atto(dims=(8, 16, 32, 64), depths=(1, 1, 2, 1), "
      "num_classes=10) scripted: conv_mlp blocks (1x1 conv Mlp, LayerNorm2d), depthwise 7x7, layer scale gamma, "
      "NormMlpClassifierHead; 1x3x64x64 input.", kind="scripted")
def _():
    import timm
    m = timm.create_model("convnext_atto", pretrained=False, num_classes=10, dims=(8, 16, 32, 64), depths=(1, 1, 2, 1))
    perturb_norms(m)
    m.eval()
    return dict(module=script(m), inputs=(torch.randn(1, 3, 64, 64),), eager=m)


@case("timm_test_efficientnet_scripted", 12, "timm 1.0.31 test_efficientnet (num_classes=10) scripted: timm's "
      "EfficientNet builder (DepthwiseSeparable / InvertedResidual / SqueezeExcite blocks, BatchNormAct2d, "
      "SelectAdaptivePool2d); 1x3x64x64 input.", kind="scripted")
def _():
    import timm
    m = timm.create_model("test_efficientnet", pretrained=False, num_classes=10)
    m = warm_bn(m, (2, 3, 64, 64))
    return dict(module=script(m), inputs=(torch.randn(1, 3, 64, 64),), eager=m)


# --- issue 12: a YOLO-style detector (YOLOv8-like layout written here, small widths) ---


class _YConv(nn.Module):
    def __init__(self, c1, c2, k=1, s=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class _YBottleneck(nn.Module):
    def __init__(self, c1, c2, shortcut=True):
        super().__init__()
        self.cv1 = _YConv(c1, c2, 3)
        self.cv2 = _YConv(c2, c2, 3)
        self.add = shortcut and c1 == c2

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class _C2f(nn.Module):
    def __init__(self, c1, c2, n=1, shortcut=False, use_split=False):
        super().__init__()
        self.c = c2 // 2
        self.use_split = use_split
        self.cv1 = _YConv(c1, 2 * self.c, 1)
        self.cv2 = _YConv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList([_YBottleneck(self.c, self.c, shortcut) for _ in range(n)])

    def forward(self, x):
        if self.use_split:
            y = list(self.cv1(x).split([self.c, self.c], 1))
        else:
            y = list(self.cv1(x).chunk(2, 1))
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class _C3(nn.Module):
    def __init__(self, c1, c2, n=1):
        super().__init__()
        c_ = c2 // 2
        self.cv1 = _YConv(c1, c_, 1)
        self.cv2 = _YConv(c1, c_, 1)
        self.cv3 = _YConv(2 * c_, c2, 1)
        self.m = nn.Sequential(*[_YBottleneck(c_, c_, True) for _ in range(n)])

    def forward(self, x):
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), 1))


class _SPPF(nn.Module):
    def __init__(self, c1, c2, k=5):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = _YConv(c1, c_, 1)
        self.cv2 = _YConv(c_ * 4, c2, 1)
        self.k = k

    def forward(self, x):
        y = [self.cv1(x)]
        for _ in range(3):
            y.append(F.max_pool2d(y[-1], self.k, 1, self.k // 2))
        return self.cv2(torch.cat(y, 1))


class _DFL(nn.Module):
    def __init__(self, c1):
        super().__init__()
        self.conv = nn.Conv2d(c1, 1, 1, bias=False).requires_grad_(False)
        with torch.no_grad():
            self.conv.weight.copy_(torch.arange(c1, dtype=torch.float).view(1, c1, 1, 1))
        self.c1 = c1

    def forward(self, x):
        b = x.size(0)
        a = x.size(2)
        return self.conv(x.view(b, 4, self.c1, a).transpose(2, 1).softmax(1)).view(b, 4, a)


class _YHeadLevel(nn.Module):
    def __init__(self, c, c2, c3, reg_max, nc):
        super().__init__()
        self.box = nn.Sequential(_YConv(c, c2, 3), _YConv(c2, c2, 3), nn.Conv2d(c2, 4 * reg_max, 1))
        self.cls = nn.Sequential(_YConv(c, c3, 3), _YConv(c3, c3, 3), nn.Conv2d(c3, nc, 1))

    def forward(self, x):
        return torch.cat((self.box(x), self.cls(x)), 1)


class _YDetect(nn.Module):
    def __init__(self, nc, ch, strides):
        super().__init__()
        self.nc = nc
        self.reg_max = 8
        self.no = nc + 4 * self.reg_max
        self.strides = strides
        self.levels = nn.ModuleList([_YHeadLevel(c, 12, 12, self.reg_max, nc) for c in ch])
        self.dfl = _DFL(self.reg_max)
        # YOLOv5-style anchor decoding on the finest level: 3 anchors, objectness + classes
        self.v5 = nn.Conv2d(ch[0], 3 * (5 + nc), 1)
        self.register_buffer("anchor_grid", torch.tensor([[10.0, 13.0], [16.0, 30.0], [33.0, 23.0]]).view(1, 3, 1, 1, 2))

    def forward(self, xs: List[torch.Tensor]):
        b = xs[0].size(0)
        feats: List[torch.Tensor] = []
        points: List[torch.Tensor] = []
        stride_list: List[torch.Tensor] = []
        for i, level in enumerate(self.levels):
            f = level(xs[i])
            h = f.size(2)
            w = f.size(3)
            sx = torch.arange(w, dtype=f.dtype) + 0.5
            sy = torch.arange(h, dtype=f.dtype) + 0.5
            gy, gx = torch.meshgrid(sy, sx, indexing="ij")
            points.append(torch.stack((gx, gy), -1).view(-1, 2))
            stride_list.append(torch.full((h * w, 1), self.strides[i], dtype=f.dtype))
            feats.append(f.view(b, self.no, -1))
        x_cat = torch.cat(feats, 2)
        box, cls = x_cat.split((self.reg_max * 4, self.nc), 1)
        anchors = torch.cat(points).transpose(0, 1).unsqueeze(0)
        stride_t = torch.cat(stride_list).transpose(0, 1)
        lt, rb = self.dfl(box).chunk(2, 1)
        x1y1 = anchors - lt
        x2y2 = anchors + rb
        dbox = torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), 1) * stride_t
        y = torch.cat((dbox, cls.sigmoid()), 1)

        p = self.v5(xs[0])
        ny = p.size(2)
        nx = p.size(3)
        p = p.view(b, 3, 5 + self.nc, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
        yv, xv = torch.meshgrid(torch.arange(ny), torch.arange(nx), indexing="ij")
        grid = torch.stack((xv, yv), 2).view(1, 1, ny, nx, 2).float()
        s = p.sigmoid()
        xy = (s[..., 0:2] * 2.0 - 0.5 + grid) * self.strides[0]
        wh = (s[..., 2:4] * 2.0) ** 2 * self.anchor_grid
        v5 = torch.cat((xy, wh, s[..., 4:]), -1).view(b, -1, 5 + self.nc)
        return y, v5, feats


class _YoloStyle(nn.Module):
    def __init__(self, nc=5):
        super().__init__()
        self.stem = _YConv(3, 8, 3, 2)
        self.b1 = nn.Sequential(_YConv(8, 16, 3, 2), _C2f(16, 16, 1, True))
        self.b2 = nn.Sequential(_YConv(16, 24, 3, 2), _C2f(24, 24, 2, True))
        self.b3 = nn.Sequential(_YConv(24, 32, 3, 2), _C3(32, 32, 1))
        self.b4 = nn.Sequential(_YConv(32, 48, 3, 2), _C2f(48, 48, 1, True, use_split=True), _SPPF(48, 48, 5))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.h1 = _C2f(48 + 32, 32, 1)
        self.h2 = _C2f(32 + 24, 24, 1)
        self.d1 = _YConv(24, 24, 3, 2)
        self.h3 = _C2f(24 + 32, 32, 1, use_split=True)
        self.d2 = _YConv(32, 32, 3, 2)
        self.h4 = _C2f(32 + 48, 48, 1)
        self.detect = _YDetect(nc, (24, 32, 48), [8.0, 16.0, 32.0])

    def forward(self, x):
        p3 = self.b2(self.b1(self.stem(x)))
        p4 = self.b3(p3)
        p5 = self.b4(p4)
        t4 = self.h1(torch.cat([self.up(p5), p4], 1))
        o3 = self.h2(torch.cat([self.up(t4), p3], 1))
        o4 = self.h3(torch.cat([self.d1(o3), t4], 1))
        o5 = self.h4(torch.cat([self.d2(o4), p5], 1))
        return self.detect([o3, o4, o5])


def _yolo_style():
    m = _YoloStyle()
    m = warm_bn(m, (2, 3, 64, 64))
    return m, (torch.randn(1, 3, 64, 64),)


pair("yolo_style", 12, "YOLOv8-style detector written in generate.py (small widths): Conv+BN+SiLU, C2f with chunk / "
     "split + cat, C3 CSP block, SPPF (3 x max_pool2d), FPN/PAN neck with nn.Upsample(scale_factor=2, 'nearest') + "
     "cat and stride-2 convs, anchor-free head with meshgrid/arange anchor points, DFL softmax over 8 bins + 1x1 conv "
     "expectation, box decoding times strides, sigmoid classes, and a YOLOv5-style anchor head (sigmoid, grid, "
     "anchor_grid, permute/view); 1x3x64x64 input.", _yolo_style)



@case("timm_vit_tiny_traced", 12, "The timm 1.0.31 ViT of timm_vit_tiny_scripted traced under no_grad (flat graph: "
      "aten::scaled_dot_product_attention, unbind of the qkv projection, cls-token pooling); 2x3x32x32 input.",
      kind="traced")
def _():
    import timm
    m = timm.create_model("vit_tiny_patch16_224", pretrained=False, num_classes=10, img_size=32, patch_size=8,
                          depth=2, embed_dim=32, num_heads=2)
    perturb_norms(m)
    m.eval()
    x = torch.randn(2, 3, 32, 32)
    return dict(module=trace(m, (x,)), inputs=(x,), eager=m)


# --- issue 12: out= overloads, and their upgraders in an old archive ---

class _OutOps(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor, o: torch.Tensor, ia: torch.Tensor, ib: torch.Tensor):
        r0 = torch.add(a, b, alpha=2, out=o)
        f = torch.empty([4, 3])
        torch.add(ia, ib, out=f)
        fl = torch.empty([4, 3])
        torch.div(a, b, rounding_mode="floor", out=fl)
        v = torch.empty([4])
        i = torch.empty([4], dtype=torch.long)
        torch.max(a, 1, False, max=v, max_values=i)
        c = torch.empty([8, 3])
        torch.cat([a, b], 0, out=c)
        m = torch.empty([4, 4])
        torch.mm(a, b.t(), out=m)
        s = torch.empty([4], dtype=torch.float64)
        torch.sum(a, [1], False, dtype=torch.float64, out=s)
        z = torch.ones([3], dtype=torch.long)
        torch.zeros([3], out=z)
        fu = torch.empty([2, 2], dtype=torch.float64)
        torch.full([2, 2], 1.5, out=fu)
        ar = torch.empty([5], dtype=torch.long)
        torch.arange(5, out=ar)
        ls = torch.empty([5])
        torch.linspace(-1.0, 1.0, 5, out=ls)
        sg = torch.empty([4, 3])
        torch.sigmoid(a, out=sg)
        cl = torch.empty([4, 3])
        torch.clamp(a, -0.5, 0.5, out=cl)
        w = torch.empty([4, 3])
        torch.where(a > 0, a, b, out=w)
        torch.mul(a, b, out=a)
        return r0, o, f, fl, v, i, c, m, s, z, fu, ar, ls, sg, cl, w, a


@case("out_variants_scripted", 12, "Calls with out=: add (alpha; an int result cast into a float out), div "
      "rounding_mode, max.dim_max (two outs), cat, mm, sum with dtype, the factories zeros/full/arange/linspace "
      "(computed in the out tensor's dtype), sigmoid, clamp, where, and mul writing into its own input; the out "
      "tensor given as an input is returned both as the call's result and as itself.", kind="scripted")
def _():
    a, b = torch.randn(4, 3), torch.randn(4, 3) + 2.0
    ia, ib = torch.randint(-5, 5, (4, 3)), torch.randint(-5, 5, (4, 3))
    return dict(module=script(_OutOps()), inputs=(a, b, torch.zeros(4, 3), ia, ib))


class _OutOpsV3(nn.Module):
    def forward(self, ia: torch.Tensor, ib: torch.Tensor, x: torch.Tensor):
        t = torch.empty([6], dtype=torch.long)
        torch.div(ia, ib, out=t)
        q = torch.empty([6])
        torch.div(ia, ib, out=q)
        m = torch.empty([6], dtype=torch.long)
        torch.div(ia, ib, rounding_mode="floor", out=m)
        f = torch.empty([3])
        torch.full([3], 2, out=f)
        lin = torch.empty([4])
        torch.linspace(0, 1, 4, out=lin)
        g = torch.empty([5], dtype=torch.float64)
        torch.logspace(0, 2, 5, 2.0, out=g)
        ge = torch.empty([5])
        torch._C._nn.gelu(x, out=ge)
        return t, q, m, f, lin, g, ge


@case("out_variants_v3", 12, "The out= overloads of the version map in an archive whose version record is rewritten "
      "to 3, so PyTorch runs their upgraders: div_out_0_3 truncates integers into an integer out and divides truly "
      "into a float out (at version 10 the first call is an error), div_out_mode_0_3, full_out_0_4, "
      "linspace_out_0_7, logspace_out_0_8, gelu_out_0_9.", kind="scripted")
def _():
    ia, ib = torch.tensor([7, -7, 9, 5, -3, 8]), torch.tensor([2, 2, 4, -2, 2, 3])
    return dict(module=script(_OutOpsV3()), inputs=(ia, ib, torch.linspace(-2, 2, 5)), version=3)


if __name__ == "__main__":
    main()
