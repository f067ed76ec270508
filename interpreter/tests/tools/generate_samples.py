# Script/trace/freeze sample modules and torch.jit.save them to /tmp/ts/ (see README.md).
import torch, torch.nn as nn, torchvision, enum
from typing import List, Dict, Optional, Tuple, NamedTuple, Final
out = "/tmp/ts/"
def save(name, m):
    try:
        torch.jit.save(m, out + name + ".pt"); print("ok", name)
    except Exception as e:
        print("FAIL", name, e)
save("resnet18", torch.jit.script(torchvision.models.resnet18()))
save("mobilenet_v3", torch.jit.script(torchvision.models.mobilenet_v3_small()))
save("googlenet", torch.jit.script(torchvision.models.googlenet(init_weights=False, aux_logits=False)))
save("resnet18_traced", torch.jit.trace(torchvision.models.resnet18().eval(), torch.randn(1,3,64,64)))
save("lstm", torch.jit.script(nn.LSTM(4, 8, 2)))
enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, batch_first=True), 2, enable_nested_tensor=False).eval()
save("transformer_scripted", torch.jit.script(enc))
save("transformer_traced", torch.jit.trace(enc, torch.randn(2,5,16), check_trace=False))
save("frozen_resnet", torch.jit.freeze(torch.jit.script(torchvision.models.resnet18().eval())))

class Point(NamedTuple):
    x: float
    y: torch.Tensor

class Color(enum.Enum):
    RED = 1
    GREEN = 2

@torch.jit.interface
class Iface(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pass

class Impl(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2

@torch.jit.script
class Counter:
    def __init__(self, n: int):
        self.n = n
        self.items: List[int] = []
    def add(self, v: int) -> int:
        self.items.append(v)
        self.n += v
        return self.n
    def __getstate__(self) -> Tuple[int, List[int]]:
        return (self.n, self.items)
    def __setstate__(self, s: Tuple[int, List[int]]):
        self.n = s[0]
        self.items = s[1]

class Misc(nn.Module):
    K: Final[int] = 3
    S: Final[str] = "he\"llo\n\t'x'"
    def __init__(self):
        super().__init__()
        self.sub: Iface = Impl()
        self.lin = nn.Linear(4, 4)
        self.d = {"a": 1}
        self.eps = 1e-5
    @torch.jit.export
    def helper(self, xs: List[int], d: Dict[str, Tuple[int, float]]) -> Dict[str, int]:
        out: Dict[str, int] = {}
        for k, v in d.items():
            out[k] = v[0] + len(xs)
        sq = [i * i for i in xs]
        dc = {str(i): i for i in xs}
        out["n"] = len(sq) + len(dc)
        return out
    def forward(self, x: torch.Tensor, y: Optional[torch.Tensor] = None, c: Color = Color.RED) -> Tuple[torch.Tensor, Point]:
        i = 0
        while i < self.K and not (i >= 10):
            x = x + 1.0000000000000001e-05
            i += 1
        if y is None:
            y = torch.zeros_like(x)
        elif y.dim() == 2:
            y = y[:, 1:3:2, ...]
        else:
            raise RuntimeError("bad {} {}".format(i, "x"))
        assert i != 5, "five"
        z = self.sub.forward(x)
        a, b = x.shape[0], x.shape[-1]
        f = float("inf") if a > b else float("nan")
        g = -a + (a | b) ^ (a & b) << 1 >> 1
        h = 0x1f + 0o7 + 0b1 - 9223372036854775807
        s = f"v={a}"
        w = 1 <= a < 5
        with torch.no_grad():
            z = z @ z.t() if z.dim() == 2 else z
        if c == Color.GREEN:
            z = z + 1
        t = (x, )
        del t
        p = Point(x=self.eps + f + float(g + h) * float(w), y=self.lin(z))
        print(s, self.S, self.d, a // 2, a % 3, 2.5 / 3, 1e300 * 10)
        return x + y, p

save("misc", torch.jit.script(Misc()))

class WithCounter(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = Counter(3)
    def forward(self, x: int) -> int:
        return self.c.add(x)
save("counter", torch.jit.script(WithCounter()))

class Loops(nn.Module):
    def forward(self, xs: List[torch.Tensor]) -> torch.Tensor:
        acc = xs[0]
        for i, t in enumerate(xs):
            if i == 0:
                continue
            if i > 100:
                break
            acc = acc + t
        for j in range(3):
            acc = acc * j
        lst = torch.jit.annotate(List[int], [])
        lst.append(1)
        return acc
save("loops", torch.jit.script(Loops()))
