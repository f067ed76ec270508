# call: f(5)
def f(n: int) -> int:
  items = [1, 2, 3]
  return items[n]
