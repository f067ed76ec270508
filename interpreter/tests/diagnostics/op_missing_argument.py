# call: f(2)
def f(n: int) -> Tensor:
  x = torch.zeros([2, 3])
  return torch.transpose(x, n)
