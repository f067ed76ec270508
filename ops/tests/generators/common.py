"""Shared helpers of the test generators: each gen_*.py computes expected values with torch
2.15.0 and rewrites one ops/tests/nn_*.rs file (run with a Python that has torch installed).
Inputs are sin(i * 0.37 + seed) * scale ramps, rebuilt identically by tests/nn_support."""
import math, torch
torch.set_num_threads(1)

class T:
    """A test tensor: sin-ramp values, built identically in Rust and torch."""
    def __init__(self, shape, seed=0.0, dtype='f32', scale=2.0, mapped=False, perm=None, ints=None):
        self.shape, self.seed, self.dtype, self.scale, self.mapped, self.perm, self.ints = shape, seed, dtype, scale, mapped, perm, ints
    def torch(self):
        n = math.prod(self.shape)
        if self.ints is not None:
            t = torch.tensor(self.ints, dtype=torch.int64).reshape(self.shape)
        else:
            v = [math.sin(i * 0.37 + self.seed) * self.scale for i in range(n)]
            t = torch.tensor(v, dtype=torch.float64).to(torch.float32).reshape(self.shape)
            t = t.to({'f32': torch.float32, 'f64': torch.float64, 'f16': torch.float16, 'bf16': torch.bfloat16}[self.dtype])
            if self.dtype == 'f64':
                t = torch.tensor(v, dtype=torch.float64).reshape(self.shape)
        if self.perm is not None:
            t = t.permute(*self.perm)
        return t
    def rust(self):
        shape = ', '.join(str(s) for s in self.shape)
        if self.ints is not None:
            e = f"Tensor::from_vec(vec!{self.ints}i64, &[{shape}]).unwrap()".replace("]i64", "i64]").replace("vec![", "vec![").replace("i64]", "]")
            vals = ', '.join(f"{v}i64" for v in self.ints)
            e = f"torchscript_ops::Tensor::from_vec(Vec::<i64>::from([{vals}]), &[{shape}]).unwrap()"
        elif self.mapped:
            e = f"mapped_sin(&[{shape}], {float(self.seed)!r}, {float(self.scale)!r})"
        else:
            e = f"sin_t(&[{shape}], {float(self.seed)!r}, {float(self.scale)!r}, DType::{self.dtype.upper()})"
        if self.perm is not None:
            e += f".permute(&[{', '.join(str(p) for p in self.perm)}]).unwrap()"
        return e

def rust_arg(a):
    if isinstance(a, T):
        return f"Arg::Tensor({a.rust()})"
    if a is None:
        return "Arg::None"
    if isinstance(a, bool):
        return f"Arg::Bool({'true' if a else 'false'})"
    if isinstance(a, int):
        return f"Arg::Int({a})"
    if isinstance(a, float):
        return f"Arg::Float({a!r})"
    if isinstance(a, str):
        return f"Arg::Str(\"{a}\".into())"
    if isinstance(a, list):
        return "Arg::List(vec![" + ", ".join(rust_arg(x) for x in a) + "])"
    raise TypeError(a)

def fmt(x):
    if math.isnan(x): return "f64::NAN"
    if math.isinf(x): return "f64::INFINITY" if x > 0 else "f64::NEG_INFINITY"
    return repr(float(x))

def expect(out):
    outs = out if isinstance(out, (tuple, list)) else [out]
    res = []
    for o in outs:
        o = o.detach()
        vals = ', '.join(fmt(v) for v in o.to(torch.float64).flatten().tolist())
        res.append((f"&[{vals}]", f"&[{', '.join(str(s) for s in o.shape)}]"))
    return res

HEADER = """//! {doc}
//! Expected values were computed with torch 2.15.0 by a generator script (inputs are
//! `sin(i * 0.37 + seed) * scale` ramps, so the same tensors are rebuilt here).
#![allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]

mod nn_support;

use nn_support::*;
use torchscript_ops::{{Arg, DType}};

"""

def test_fn(name, op, args, out, tol=1e-4, check_copies=False):
    lines = [f"#[test]", f"fn {name}() {{"]
    lines.append(f"    let args = vec![{', '.join(rust_arg(a) for a in args)}];")
    lines.append(f"    let out = call(\"{op}\", &args);")
    for i, (vals, shape) in enumerate(expect(out)):
        lines.append(f"    check(&out, {i}, {vals}, {shape}, {tol});")
    if check_copies:
        lines.append("    assert_eq!(copied_bytes(), 0, \"mapped weights must not be copied\");")
    lines.append("}")
    return "\n".join(lines) + "\n"
