# call: f(1)
def f(n: int) -> int:
  return helper(n)
