"""Makes archives with rarer pickle content: device, enum, TorchScript class objects,
`__setstate__` state, and the refused complex / quantized tensors (needs torch)."""
import enum
import os
from typing import Tuple

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


class Color(enum.Enum):
    RED = 1
    GREEN = 2


@torch.jit.script
class Point:
    def __init__(self, x: int):
        self.x = x


class Inner(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 2

    @torch.jit.export
    def __getstate__(self) -> Tuple[int, bool]:
        return (self.scale, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[int, bool]):
        self.scale = state[0]
        self.training = state[1]

    def forward(self, x):
        return x * self.scale


class Objects(nn.Module):
    def __init__(self):
        super().__init__()
        self.dev = torch.device("cpu")
        self.dt = torch.float32
        self.color = Color.GREEN
        self.p = Point(3)
        self.inner = Inner()

    def forward(self, x):
        if self.color == Color.RED:
            return x + self.p.x
        return self.inner(x).to(self.dev)


class Complex(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("z", torch.zeros(2, dtype=torch.complex64))

    def forward(self, x):
        return x


class Quantized(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("q", torch.quantize_per_tensor(torch.ones(2), 0.1, 0, torch.quint8))

    def forward(self, x):
        return x


for name, module in [("objects", Objects()), ("complex", Complex()), ("quantized", Quantized())]:
    path = os.path.join(HERE, name + ".pt")
    extra = {"meta.json": '{"made_by": "make_special.py"}'} if name == "objects" else {}
    torch.jit.save(torch.jit.script(module), path, _extra_files=extra)
    print(name, os.path.getsize(path))
