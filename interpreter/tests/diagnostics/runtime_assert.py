# call: f(0)
def f(n: int) -> int:
  assert torch.gt(n, 0), "n must be positive"
  return n
