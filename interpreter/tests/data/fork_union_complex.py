class Extra(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  names : List[str]
  table : Dict[int, str]
  def forward(self: __torch__.Extra,
    x: Tensor,
    xs: List[Optional[Tensor]],
    u: Union[int, str]) -> Tuple[Tensor, complex, int, str]:
    def __forked_function():
      return (self).helper(x, )
    fut = fork(__forked_function)
    y = torch.wait(fut)
    _0 = isinstance(u, int)
    if _0:
      u0 = unchecked_cast(int, u)
      big0 = torch.add(4611698364106289138, u0)
      s, big = CONSTANTS.c0, big0
    else:
      u1 = unchecked_cast(str, u)
      s, big = torch.add(CONSTANTS.c0, u1), 4611698364106289138
    n = 0
    for _1 in range(torch.len(xs)):
      t = xs[_1]
      if torch.__isnot__(t, None):
        n0 = torch.add(n, 1)
      else:
        n0 = n
      n = n0
    table = self.table
    _2 = torch.items(table)
    s0 = s
    for _3 in range(torch.len(_2)):
      k, v, = _2[_3]
      s1 = torch.add(torch.add(s0, v), str(k))
      s0 = s1
    if torch.eq(torch.dim(y), 2):
      _4 = torch.slice(torch.slice(y, 0, 1), 1, None, -1)
      out = _4
    else:
      out = y
    _5 = torch.floordiv(ops.prim.max(n, 3), 2)
    m = torch.remainder(_5, 7)
    _6 = torch.add(big, m)
    names = self.names
    _7 = (out, 2.5+1.j, _6, torch.add(s0, names[0]))
    return _7
  def helper(self: __torch__.Extra,
    x: Tensor) -> Tensor:
    return torch.mul(x, 2)
