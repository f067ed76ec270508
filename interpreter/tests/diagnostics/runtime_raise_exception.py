# call: f(3)
def f(n: int) -> int:
  if torch.gt(n, 2):
    raise ValueError("n is too large")
  return n
