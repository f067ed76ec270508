class WithCounter(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  c : __torch__.Counter
  def forward(self: __torch__.WithCounter,
    x: int) -> int:
    c = self.c
    return (c).add(x, )
class Counter:
  n : int
  items : List[int]
  def __getstate__(self: __torch__.Counter) -> Tuple[int, List[int]]:
    n = self.n
    items = self.items
    return (n, items)
  def __init__(self: __torch__.Counter,
    n: int) -> NoneType:
    self.n = n
    self.items = annotate(List[int], [])
    return None
  def __setstate__(self: __torch__.Counter,
    s: Tuple[int, List[int]]) -> NoneType:
    self.n = (s)[0]
    self.items = (s)[1]
    return None
  def add(self: __torch__.Counter,
    v: int) -> int:
    items = self.items
    _0 = torch.append(items, v)
    n = self.n
    self.n = torch.add(n, v)
    return self.n
