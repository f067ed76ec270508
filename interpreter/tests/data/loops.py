class Loops(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  def forward(self: __torch__.Loops,
    xs: List[Tensor]) -> Tensor:
    _0 = uninitialized(Tensor)
    _1 = uninitialized(bool)
    acc = xs[0]
    _2 = [9223372036854775807, torch.len(xs)]
    _3 = ops.prim.min(_2)
    acc0 = acc
    _4 = 0
    _5 = torch.gt(_3, 0)
    while _5:
      t = xs[_4]
      if torch.eq(_4, 0):
        _6, _7, _8, _9, _10 = True, True, acc0, _1, _0
      else:
        if torch.gt(_4, 100):
          _11, _12, _13, _14, _15 = True, False, acc0, _1, _0
        else:
          _11, _12, _13, _14, _15 = False, _1, _0, True, torch.add(acc0, t)
        _6, _7, _8, _9, _10 = _11, _12, _13, _14, _15
      if _6:
        _16, _17 = _7, _8
      else:
        _16, _17 = _9, _10
      _18 = torch.add(_4, 1)
      _19 = torch.__and__(torch.lt(_18, _3), _16)
      _5, acc0, _4 = _19, _17, _18
    acc1 = acc0
    for j in range(3):
      acc1 = torch.mul(acc1, j)
    return acc1
