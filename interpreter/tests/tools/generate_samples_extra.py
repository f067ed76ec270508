# Save one more sample module (fork, Union, complex, isinstance) to /tmp/ts2/ (see README.md).
import torch, torch.nn as nn
from typing import List, Dict, Optional, Tuple, Union, Any
class Extra(nn.Module):
    def __init__(self):
        super().__init__()
        self.names = ["é€", "tab\there"]
        self.table: Dict[int, str] = {1: "one"}
    def helper(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2
    def forward(self, x: torch.Tensor, xs: List[Optional[torch.Tensor]], u: Union[int, str]) -> Tuple[torch.Tensor, complex, int, str]:
        fut = torch.jit.fork(self.helper, x)
        y = torch.jit.wait(fut)
        c = 1j + 2.5
        big = 4611686018427387904 + 12345678901234
        s = "ünï\x00\u2603"
        if isinstance(u, int):
            big = big + u
        else:
            s = s + u
        n = 0
        for t in xs:
            if t is not None:
                n += 1
        for k, v in self.table.items():
            s = s + v + str(k)
        out = y[1:, :-1] if y.dim() == 2 else y
        m = max(n, 3) // 2 % 7
        return out, c, big + m, s + self.names[0]
torch.jit.save(torch.jit.script(Extra()), "/tmp/ts2/extra.pt")
print("ok")
