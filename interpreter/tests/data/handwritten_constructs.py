# A hand-written file exercising every construct the parser supports.
class Color(Enum):
    RED = 1
    GREEN = 2
class Iface(Interface):
    def f(self, x: Tensor) -> Tensor:
        pass
    def g(self) -> int: pass
class Point(NamedTuple):
    x : float
    y : Optional[List[Tensor]]
class Counter:
    def __init__(self, n: int = 0, *, step: int = 1):
        self.n = n; self.step = step
    def __setstate__(self, state: Tuple[int, int]) -> None:
        self.n, self.step, = state
def helpers(xs: List[int], d: Dict[str, Tuple[int, float]]) -> Dict[str, int]:
    global counter
    out: Dict[str, int] = {}
    a = b = 0
    a += 1; b -= 2
    a *= 3
    a //= 2
    a **= 2
    a <<= 1
    a >>= 1
    a |= 1
    a &= 3
    a ^= 2
    a %= 5
    first, *rest = xs
    squares = [i * i for i in xs if i % 2 == 0 if i > 2]
    table = {str(k): v for k, v in d.items()}
    nested = [[1, 2], [3, 4]][0][1:2]
    m = xs[::2] + xs[1::] + xs[:-1] + xs[::-1] + xs[:]
    t = x[..., None, 1:2:3]
    c = a if a > b else b if b > 0 else -1
    ok = not a and b or not (a or b)
    chained = 0 <= a < b != c
    membership = a in xs and b not in xs and a is not None and b is None
    bits = ~a | b ^ c & a << 2 >> 1
    arith = -2 ** 2 + (-2) ** 2 - 2 ** -1 * 3 / 4 // 5 % 6 @ 7
    power = 2 ** 3 ** 2
    grouped = (a + b) * (c - a)
    unary = +a - -b - ~c
    hexes = 0x1F + 0o17 + 0b101 + 9223372036854775807 - -9223372036854775808
    floats = [0., .5, 1e-5, 1E+10, 1.0000000000000001e-05, 2.5e300, 1e999, 3j]
    strings = ["a\"b", 'c\'d', "\n\t\\\x41\101", r"raw\d", """triple
quoted""", '''other 'triple' ''', "adjacent" ' concatenation', "\xe2\x82\xac"]
    empty = ((), [], {}, (1,), [1,], {1: 2,})
    call = f(1, *xs, key=2, other=(3, 4))
    attr = a.b.c[0].d(1).e
    lines = (a +
             b) + \
        c
    if a:
        pass
    elif b:
        a = 1
    elif c:
        a = 2
    else:
        a = 3
    if a: pass
    for i in range(10):
        if i == 3:
            continue
        if i == 5:
            break
    for k, v, in d.items(): print(k, v)
    while a > 0:
        a -= 1
    with torch.no_grad(), ctx() as (p, q):
        out["x"] = 1
    assert a == 0, "a must be zero"
    assert a == 0
    del out["x"], out["y"]
    raise RuntimeError("boom")
    raise
    return out
@torch.jit.script
def decorated(x):
    def inner(y: int) -> int:
        return y
    return inner(x),
def noreturn(): return
