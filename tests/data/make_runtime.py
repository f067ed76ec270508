"""Makes tests/data/stateful.pt and PyTorch's outputs for three successive calls on one instance.

The model writes into a parameter in place (`self.w.add_(1)`) and into an int attribute
(`self.count += 1`) on every call, so each call's output depends on how many calls that
instance made before. Run with a Python that has torch (not needed in CI):
    /work/torchvenv/bin/python tests/data/make_runtime.py
"""
import os

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


class Stateful(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.linspace(-1.0, 1.0, 6).reshape(2, 3))
        self.count = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.w.add_(1.0)
        self.count += 1
        return x @ self.w.t() + float(self.count)

    @torch.jit.export
    def peek(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w.t() + float(self.count)


def main():
    path = os.path.join(HERE, "stateful.pt")
    torch.jit.save(torch.jit.script(Stateful()), path)
    x = torch.linspace(0.0, 1.0, 12).reshape(4, 3)
    np.savez(os.path.join(HERE, "stateful_inputs.npz"), arg0=x.numpy())
    m = torch.jit.load(path)
    outs = {}
    with torch.no_grad():
        outs["peek0"] = m.peek(x).numpy()
        for i in range(1, 4):
            outs[f"call{i}"] = m(x).numpy()
    np.savez(os.path.join(HERE, "stateful_outputs.npz"), **outs)


if __name__ == "__main__":
    main()
