# call: f(1)
def f(n: int) -> int:
  x = torch.add(n, (1, 2]
  return x
