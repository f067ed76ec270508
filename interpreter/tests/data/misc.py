class Misc(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : NoneType
  d : Dict[str, int]
  eps : float
  sub : __torch__.Impl
  lin : __torch__.torch.nn.modules.linear.___torch_mangle_471.Linear
  K : Final[int] = 3
  S : Final[str] = "he\"llo\n\t\'x\'"
  def forward(self: __torch__.Misc,
    x: Tensor,
    y: Optional[Tensor]=None,
    c: __torch__.Color=__torch__.Color.RED) -> Tuple[Tensor, __torch__.Point]:
    _0 = uninitialized(Tensor)
    x0 = x
    i = 0
    _1 = True
    while _1:
      x1 = torch.add(x0, 1.0000000000000001e-05)
      i0 = torch.add(i, 1)
      if torch.lt(i0, 3):
        _2 = torch.__not__(torch.ge(i0, 10))
      else:
        _2 = False
      _1, x0, i = _2, x1, i0
    if torch.__is__(y, None):
      y0 = torch.zeros_like(x0)
    else:
      y1 = unchecked_cast(Tensor, y)
      if torch.eq(torch.dim(y1), 2):
        y3 = torch.slice(torch.slice(y1), 1, 1, 3, 2)
        y2 = y3
      else:
        _3 = torch.format("bad {} {}", i, "x")
        ops.prim.RaiseException(_3, "builtins.RuntimeError")
        y2 = _0
      y0 = y2
    if torch.ne(i, 5):
      pass
    else:
      ops.prim.RaiseException("AssertionError: five")
    sub = self.sub
    z = (sub).forward(x0, )
    a = (torch.size(x0))[0]
    b = (torch.size(x0))[-1]
    if torch.gt(a, b):
      f = inf
    else:
      f = nan
    _4 = torch.add(torch.neg(a), torch.__or__(a, b))
    _5 = torch.__lshift__(torch.__and__(a, b), 1)
    g = torch.__xor__(_4, torch.__rshift__(_5, 1))
    s = torch.format("v={}", a)
    if torch.le(1, a):
      w = torch.lt(a, 5)
    else:
      w = False
    _6 = __torch__.torch.autograd.grad_mode.no_grad.__new__(__torch__.torch.autograd.grad_mode.no_grad)
    _7 = (_6).__init__()
    with _6:
      if torch.eq(torch.dim(z), 2):
        z0 = torch.matmul(z, torch.t(z))
      else:
        z0 = z
    if torch.eq(c, __torch__.Color.GREEN):
      z1 = torch.add(z0, 1)
    else:
      z1 = z0
    eps = self.eps
    _8 = torch.add(eps, f)
    _9 = float(torch.add(g, -9223372036854775768))
    _10 = torch.add(_8, torch.mul(_9, float(w)))
    lin = self.lin
    p = __torch__.Point(_10, (lin).forward(z1, ))
    d = self.d
    print(s, "he\"llo\n\t\'x\'", d, torch.floordiv(a, 2), torch.remainder(a, 3), 0.83333333333333337, 1.0000000000000001e+301)
    return (torch.add(x0, y0), p)
  def helper(self: __torch__.Misc,
    xs: List[int],
    d: Dict[str, Tuple[int, float]]) -> Dict[str, int]:
    out = annotate(Dict[str, int], {})
    _11 = torch.items(d)
    for _12 in range(torch.len(_11)):
      k, v, = _11[_12]
      torch._set_item(out, k, torch.add((v)[0], torch.len(xs)))
    sq = annotate(List[int], [])
    for _13 in range(torch.len(xs)):
      i = xs[_13]
      _14 = torch.append(sq, torch.mul(i, i))
    dc = annotate(Dict[str, int], {})
    for _15 in range(torch.len(xs)):
      i1 = xs[_15]
      torch._set_item(dc, str(i1), i1)
    _16 = torch.add(torch.len(sq), torch.len(dc))
    torch._set_item(out, "n", _16)
    return out
class Impl(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  def forward(self: __torch__.Impl,
    x: Tensor) -> Tensor:
    return torch.mul(x, 2)
class Color(Enum):
  RED = 1
  GREEN = 2
class Point(NamedTuple):
  x : float
  y : Tensor
