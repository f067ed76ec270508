"""Writes a valid TorchScript archive of a plain MLP (Linear + relu) without torch, for large-model tests.

The layout mirrors what ``torch.jit.save`` writes for a traced MLP (see
models/cases/mlp_traced): protocol-2 ``data.pkl`` with ``_rebuild_tensor_v2`` persistent
storages, stored (uncompressed) ``data/<key>`` records aligned to 64 bytes, ``code/`` with the
module classes, ``version`` 3. Checked once against ``torch.jit.load`` in the torch venv
(``python tests/python/mlp_archive.py --check``).
"""

from __future__ import annotations

import struct
import sys
import zipfile

import numpy as np

TOP = "big_mlp"

LINEAR_CODE = """class Linear(Module):
  __parameters__ = ["weight", "bias", ]
  __buffers__ = []
  weight : Tensor
  bias : Tensor
  training : bool
  _is_full_backward_hook : Optional[bool]
  def forward(self: __torch__.torch.nn.modules.linear.Linear,
    input: Tensor) -> Tensor:
    bias = self.bias
    weight = self.weight
    return torch.linear(input, weight, bias)
"""


def _root_code(n_layers: int) -> str:
    lines = [
        "class BigMLP(Module):",
        "  __parameters__ = []",
        "  __buffers__ = []",
        "  training : bool",
        "  _is_full_backward_hook : Optional[bool]",
    ]
    lines += [f"  fc{i} : __torch__.torch.nn.modules.linear.Linear" for i in range(n_layers)]
    lines += ["  def forward(self: __torch__.BigMLP,", "    x: Tensor) -> Tensor:"]
    lines += [f"    fc{i} = self.fc{i}" for i in range(n_layers)]
    current = "x"
    for i in range(n_layers - 1):
        lines.append(f"    h{i} = torch.relu((fc{i}).forward({current}, ))")
        current = f"h{i}"
    lines.append(f"    return (fc{n_layers - 1}).forward({current}, )")
    return "\n".join(lines) + "\n"


class _Pickle:
    """Just the protocol-2 opcodes a TorchScript data.pkl uses."""

    def __init__(self) -> None:
        self.out = bytearray(b"\x80\x02")

    def global_(self, module: str, name: str) -> None:
        self.out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"

    def str_(self, s: str) -> None:
        b = s.encode()
        self.out += b"X" + struct.pack("<I", len(b)) + b

    def int_(self, i: int) -> None:
        self.out += b"J" + struct.pack("<i", i)

    def op(self, code: bytes) -> None:
        self.out += code

    def tensor(self, key: str, shape: tuple[int, ...]) -> None:
        strides = [1] * len(shape)
        for d in range(len(shape) - 2, -1, -1):
            strides[d] = strides[d + 1] * shape[d + 1]
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.op(b"((")
        self.str_("storage")
        self.global_("torch", "FloatStorage")
        self.str_(key)
        self.str_("cpu")
        self.int_(int(np.prod(shape)))
        self.op(b"tQ")  # TUPLE, BINPERSID
        self.int_(0)
        self.op(b"(")
        for d in shape:
            self.int_(d)
        self.op(b"t(")
        for s in strides:
            self.int_(s)
        self.op(b"t\x89")  # TUPLE, requires_grad=False
        self.global_("collections", "OrderedDict")
        self.op(b")Rt")  # EMPTY_TUPLE REDUCE (hooks), TUPLE
        self.op(b"R")  # REDUCE -> tensor

    def module_start(self, cls_module: str, cls_name: str) -> None:
        self.global_(cls_module, cls_name)
        self.op(b")\x81}(")  # EMPTY_TUPLE NEWOBJ EMPTY_DICT MARK
        self.str_("training")
        self.op(b"\x89")
        self.str_("_is_full_backward_hook")
        self.op(b"N")

    def module_end(self) -> None:
        self.op(b"ub")  # SETITEMS BUILD


def layer_shapes(width: int, n_layers: int, inputs: int, outputs: int) -> list[tuple[int, int]]:
    dims = [inputs] + [width] * (n_layers - 1) + [outputs]
    return [(dims[i + 1], dims[i]) for i in range(n_layers)]


def make_weights(width: int, n_layers: int, inputs: int, outputs: int, seed: int = 0):
    """(weight, bias) per layer, float32, deterministic."""
    rng = np.random.default_rng(seed)
    weights = []
    for out_dim, in_dim in layer_shapes(width, n_layers, inputs, outputs):
        w = (rng.standard_normal((out_dim, in_dim), dtype=np.float32) / np.sqrt(in_dim)).astype(
            np.float32
        )
        b = rng.standard_normal(out_dim, dtype=np.float32) * np.float32(0.1)
        weights.append((w, b))
    return weights


def reference_forward(weights, x: np.ndarray) -> np.ndarray:
    """The MLP computed with numpy (float64 accumulation), the oracle for tests."""
    h = x.astype(np.float64)
    for i, (w, b) in enumerate(weights):
        h = h @ w.astype(np.float64).T + b
        if i < len(weights) - 1:
            h = np.maximum(h, 0.0)
    return h


def write_archive(path: str, weights) -> int:
    """Writes the archive; returns the weight bytes."""
    p = _Pickle()
    p.module_start("__torch__", "BigMLP")
    key = 0
    records: list[tuple[str, bytes]] = []
    for i, (w, b) in enumerate(weights):
        p.str_(f"fc{i}")
        p.module_start("__torch__.torch.nn.modules.linear", "Linear")
        for name, t in (("weight", w), ("bias", b)):
            p.str_(name)
            p.tensor(str(key), t.shape)
            records.append((f"data/{key}", np.ascontiguousarray(t, dtype="<f4").tobytes()))
            key += 1
        p.module_end()
    p.module_end()
    p.op(b".")
    constants = b"\x80\x02)."  # an empty tuple
    files = records + [
        ("data.pkl", bytes(p.out)),
        ("code/__torch__.py", _root_code(len(weights)).encode()),
        ("code/__torch__/torch/nn/modules/linear.py", LINEAR_CODE.encode()),
        ("constants.pkl", constants),
        ("version", b"3\n"),
        ("byteorder", b"little"),
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in files:
            info = zipfile.ZipInfo(f"{TOP}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            header = 30 + len(info.filename.encode())
            offset = z.fp.tell()  # type: ignore[union-attr]
            pad = (-(offset + header + 4)) % 64
            # An extra field ('FB', as PyTorch writes) moves the data to a 64-byte boundary.
            info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad
            z.writestr(info, data)
    return sum(len(d) for _, d in records)


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "/tmp/big_mlp.pt"
    weights = make_weights(width=256, n_layers=3, inputs=64, outputs=10)
    write_archive(path, weights)
    if "--check" in sys.argv:
        import torch  # noqa: PLC0415

        m = torch.jit.load(path)
        x = np.random.default_rng(1).standard_normal((4, 64), dtype=np.float32)
        got = m(torch.from_numpy(x)).detach().numpy()
        want = reference_forward(weights, x)
        print("torch vs numpy max abs diff:", float(np.abs(got - want).max()))
        print(m.code)


if __name__ == "__main__":
    main()
