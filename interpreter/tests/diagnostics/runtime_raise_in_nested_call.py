# call: outer(-2)
def check(n: int) -> int:
  if torch.lt(n, 0):
    ops.prim.RaiseException(torch.add("n must be >= 0, got ", str(n)), "builtins.ValueError")
  return n
def middle(n: int) -> int:
  return torch.add(__torch__.check(n), 1)
def outer(n: int) -> int:
  total = 0
  for i in range(3):
    total = torch.add(total, __torch__.middle(torch.sub(n, i)))
  return total
