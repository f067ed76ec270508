//! Tensor creation: arange/linspace/zeros/ones/full/empty/eye, the `*_like` and `new_*` forms, `tensor`.

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::{DType, Element};
use crate::error::{OpError, Result};
use crate::ops::nn::util::Real;
use crate::registry::{OpFn, Registry};
use crate::scalar::Scalar;
use crate::shape::numel;
use crate::tensor::Tensor;

fn sizes(op: &str, v: &[i64]) -> Result<Vec<usize>> {
    let shape = v
        .iter()
        .map(|&d| {
            usize::try_from(d).map_err(|_| {
                OpError::invalid(
                    op,
                    format!("Trying to create tensor with negative dimension {d}: {v:?}"),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    numel(&shape)?;
    Ok(shape)
}

/// Fails unless the `device` argument is None or the CPU.
fn require_cpu(a: &Args) -> Result<()> {
    match a.opt_device("device")? {
        Some(d) => d.require_cpu(a.op()),
        None => Ok(()),
    }
}

/// `torch.arange(start, end, step)`: int64 unless an argument is a float (then float32).
pub fn arange(start: Scalar, end: Scalar, step: Scalar, dtype: Option<DType>) -> Result<Tensor> {
    let op = "aten::arange";
    let any_float = start.is_float() || end.is_float() || step.is_float();
    let dtype = dtype.unwrap_or(if any_float { DType::F32 } else { DType::I64 });
    let (s, e, st) = (start.to_f64(), end.to_f64(), step.to_f64());
    if st == 0.0 {
        return Err(OpError::invalid(op, "step must be nonzero"));
    }
    if !(s.is_finite() && e.is_finite()) {
        return Err(OpError::invalid(
            op,
            format!("unsupported range: {s} -> {e}"),
        ));
    }
    if (st > 0.0 && e < s) || (st < 0.0 && e > s) {
        return Err(OpError::invalid(
            op,
            "upper bound and lower bound inconsistent with step sign",
        ));
    }
    let len = if dtype.is_float() || any_float {
        ((e - s) / st).ceil()
    } else {
        let (si, ei, sti) = (
            start.to_i64() as i128,
            end.to_i64() as i128,
            step.to_i64() as i128,
        );
        // i64 operands in i128: the sums cannot overflow; a zero step was rejected above
        // (an integer step of 0 from a fractional float step takes the float path).
        let n = ei
            .saturating_sub(si)
            .saturating_add(sti)
            .saturating_sub(sti.signum())
            .checked_div(sti)
            .ok_or_else(|| OpError::invalid(op, "step must be nonzero"))?;
        n as f64
    };
    if !(0.0..=(isize::MAX as f64)).contains(&len) {
        return Err(OpError::invalid(
            op,
            format!("invalid size, possible overflow? ({len})"),
        ));
    }
    let len = len as usize;
    // The length comes from model code (`arange(0, 1e18)`): account and check it first.
    crate::alloc::check_elements(op, len, dtype.size())?;
    dispatch_dtype!(dtype, T => {
        let v: Vec<T> = if dtype.is_float() || any_float {
            crate::alloc::try_collect(op, (0..len).map(|i| T::from_f64(s + st * i as f64)))?
        } else {
            let (si, sti) = (start.to_i64(), step.to_i64());
            crate::alloc::try_collect(op, (0..len).map(|i| T::from_i64(si.wrapping_add(sti.wrapping_mul(i as i64)))))?
        };
        Tensor::from_vec(v, &[len])
    })
}

/// PyTorch's symmetric linspace in `Fp`'s arithmetic (`of` converts a count): the first half
/// steps up from `s`, the second half down from `e`.
fn symmetric_steps<Fp: Real>(
    s: Fp,
    e: Fp,
    steps: usize,
    of: impl Fn(usize) -> Fp,
) -> impl ExactSizeIterator<Item = Fp> {
    let half = steps / 2;
    let step = (e - s) / of(steps.saturating_sub(1).max(1));
    (0..steps).map(move |i| {
        if i < half {
            s + step * of(i)
        } else {
            // Steps from the end: `steps - i - 1` for i < steps (never saturates).
            e - step * of(steps.saturating_sub(i).saturating_sub(1))
        }
    })
}

fn linspace_typed<T: Element>(start: f64, end: f64, steps: usize) -> Result<Tensor> {
    let op = "aten::linspace";
    let v: Vec<T> = match T::DTYPE {
        // Reduced-precision floats step in f32.
        d if d.is_float() && d != DType::F64 => {
            let (s, e) = (start as f32, end as f32);
            let values = symmetric_steps(s, e, steps, |i| i as f32);
            crate::alloc::try_collect(op, values.map(|x| T::from_f64(x as f64)))?
        }
        // f64 and integers step in f64 from the endpoints as `T` holds them.
        _ => {
            let (s, e) = (T::from_f64(start).to_f64(), T::from_f64(end).to_f64());
            let values = symmetric_steps(s, e, steps, |i| i as f64);
            crate::alloc::try_collect(op, values.map(T::from_f64))?
        }
    };
    Tensor::from_vec(v, &[steps])
}

/// `torch.linspace(start, end, steps)` with PyTorch's symmetric formula.
pub fn linspace(start: Scalar, end: Scalar, steps: i64, dtype: Option<DType>) -> Result<Tensor> {
    if steps < 0 {
        return Err(OpError::invalid(
            "aten::linspace",
            "number of steps must be non-negative",
        ));
    }
    let dtype = dtype.unwrap_or(DType::F32);
    dispatch_dtype!(dtype, T => linspace_typed::<T>(start.to_f64(), end.to_f64(), steps as usize))
}

/// `torch.logspace(start, end, steps, base)`: `base ** linspace(start, end, steps)`.
pub fn logspace(
    start: Scalar,
    end: Scalar,
    steps: i64,
    base: f64,
    dtype: Option<DType>,
) -> Result<Tensor> {
    if steps < 0 {
        return Err(OpError::invalid(
            "aten::logspace",
            "number of steps must be non-negative",
        ));
    }
    let dtype = dtype.unwrap_or(DType::F32);
    let exps =
        linspace_typed::<f64>(start.to_f64(), end.to_f64(), steps as usize)?.to_vec::<f64>()?;
    dispatch_dtype!(dtype, T => Tensor::from_vec(crate::alloc::try_collect("aten::logspace", exps.iter().map(|&e| T::from_f64(base.powf(e))))?, &[steps as usize]))
}

/// `torch.eye(n, m)`.
pub fn eye(n: i64, m: i64, dtype: DType) -> Result<Tensor> {
    let shape = sizes("aten::eye", &[n, m])?;
    dispatch_dtype!(dtype, T => {
        let (n, m) = (shape.first().copied().unwrap_or(0), shape.get(1).copied().unwrap_or(0));
        // `sizes` checked n * m; row i of [n, m] has its one at column i.
        let mut v = crate::alloc::try_zeroed::<T>("aten::eye", n.saturating_mul(m))?;
        for (i, row) in v.chunks_exact_mut(m.max(1)).enumerate().take(n.min(m)) {
            if let Some(x) = row.get_mut(i) {
                *x = T::from_i64(1);
            }
        }
        Tensor::from_vec(v, &shape)
    })
}

/// `torch.full(size, value)`: dtype inferred from the value when not given.
pub fn full(size: &[i64], value: Scalar, dtype: Option<DType>) -> Result<Tensor> {
    let shape = sizes("aten::full", size)?;
    Tensor::full(&shape, value, dtype.unwrap_or(value.default_dtype()))
}

/// The deepest list nesting `from_nested` accepts (a tensor of that many dims; `walk` recurses
/// once per level).
pub const MAX_NESTING: usize = 1024;

/// A tensor built from a (nested) list of numbers, as `torch.tensor([...])`.
pub fn from_nested(data: &Arg, dtype: Option<DType>) -> Result<Tensor> {
    let op = "aten::tensor";
    let mut shape = Vec::new();
    let mut probe = data;
    while let Arg::List(items) = probe {
        // `walk` below recurses once per level: bound it before a list nested by model code
        // (any depth is one loop away) overflows the stack.
        if shape.len() >= MAX_NESTING {
            return Err(OpError::invalid(
                op,
                format!("tensor data nested more than {MAX_NESTING} lists deep"),
            ));
        }
        shape.push(items.len());
        match items.first() {
            Some(first) => probe = first,
            None => break,
        }
    }
    let mut values = Vec::new();
    fn walk(op: &str, a: &Arg, depth: usize, shape: &[usize], out: &mut Vec<Scalar>) -> Result<()> {
        match a {
            Arg::List(items) => {
                if shape.get(depth) != Some(&items.len()) {
                    return Err(OpError::invalid(
                        op,
                        "Expected a list of uniform nesting (ragged lists are not supported)",
                    ));
                }
                items
                    .iter()
                    .try_for_each(|i| walk(op, i, depth.saturating_add(1), shape, out))
            }
            Arg::Int(v) if depth == shape.len() => {
                out.push(Scalar::Int(*v));
                Ok(())
            }
            Arg::Float(v) if depth == shape.len() => {
                out.push(Scalar::Float(*v));
                Ok(())
            }
            Arg::Bool(v) if depth == shape.len() => {
                out.push(Scalar::Bool(*v));
                Ok(())
            }
            Arg::Tensor(t) if depth == shape.len() && t.numel() == 1 => {
                out.push(t.item()?);
                Ok(())
            }
            other => Err(OpError::invalid(
                op,
                format!("unexpected {} in tensor data", other.type_name()),
            )),
        }
    }
    walk(op, data, 0, &shape, &mut values)?;
    let inferred = if values.iter().any(|v| v.is_float()) {
        DType::F32
    } else if !values.is_empty() && values.iter().all(|v| matches!(v, Scalar::Bool(_))) {
        DType::Bool
    } else if values.is_empty() {
        DType::F32
    } else {
        DType::I64
    };
    let dtype = dtype.unwrap_or(inferred);
    dispatch_dtype!(dtype, T => Tensor::from_vec(crate::alloc::try_collect(op, values.iter().map(|&v| crate::tensor::scalar_to::<T>(v)))?, &shape))
}

fn t(r: Result<Tensor>) -> Result<Arg> {
    r.map(Arg::Tensor)
}

/// `*_like(self, ..., dtype, layout, device, ...)`: `self`'s shape, filled with `value` (zeros).
fn like(a: &Args, value: Option<Scalar>) -> Result<Arg> {
    require_cpu(a)?;
    let x = a.tensor("self")?;
    let dtype = a.opt_dtype("dtype")?.unwrap_or(x.dtype());
    match value {
        Some(v) => t(Tensor::full(x.shape(), v, dtype)),
        None => t(Tensor::zeros(x.shape(), dtype)),
    }
}

fn k_arange(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    t(arange(
        Scalar::Int(0),
        a.scalar("end")?,
        Scalar::Int(1),
        a.opt_dtype("dtype")?,
    ))
}
fn k_arange_start(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    t(arange(
        a.scalar("start")?,
        a.scalar("end")?,
        Scalar::Int(1),
        a.opt_dtype("dtype")?,
    ))
}
fn k_arange_step(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    t(arange(
        a.scalar("start")?,
        a.scalar("end")?,
        a.scalar("step")?,
        a.opt_dtype("dtype")?,
    ))
}
/// A `Scalar` or one-element `Tensor` argument (the overloads of `linspace` differ in which).
fn scalar_or_tensor(a: &Args, name: &str) -> Result<Scalar> {
    match a.get(name)? {
        Arg::Tensor(x) => x.item(),
        _ => a.scalar(name),
    }
}
fn k_linspace(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    t(linspace(
        scalar_or_tensor(a, "start")?,
        scalar_or_tensor(a, "end")?,
        a.int("steps")?,
        a.opt_dtype("dtype")?,
    ))
}
fn k_logspace(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    t(logspace(
        scalar_or_tensor(a, "start")?,
        scalar_or_tensor(a, "end")?,
        a.int("steps")?,
        a.float("base")?,
        a.opt_dtype("dtype")?,
    ))
}
fn k_zeros(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    t(Tensor::zeros(
        &sizes(a.op(), &a.int_list("size")?)?,
        a.opt_dtype("dtype")?.unwrap_or(DType::F32),
    ))
}
fn k_ones(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    t(Tensor::full(
        &sizes(a.op(), &a.int_list("size")?)?,
        Scalar::Int(1),
        a.opt_dtype("dtype")?.unwrap_or(DType::F32),
    ))
}
fn k_full(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    t(full(
        &a.int_list("size")?,
        a.scalar("fill_value")?,
        a.opt_dtype("dtype")?,
    ))
}
fn k_zeros_like(a: &Args) -> Result<Arg> {
    like(a, None)
}
fn k_ones_like(a: &Args) -> Result<Arg> {
    like(a, Some(Scalar::Int(1)))
}
fn k_full_like(a: &Args) -> Result<Arg> {
    let v = a.scalar("fill_value")?;
    like(a, Some(v))
}
fn k_fill(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let v = scalar_or_tensor(a, "value")?;
    t(Tensor::full(x.shape(), v, x.dtype()))
}
/// `new_*(self, size, ..., dtype, layout, device, ...)`: a `size` tensor of `self`'s dtype (or
/// `dtype`), filled with `value` (zeros).
fn new_like(a: &Args, value: Option<Scalar>) -> Result<Arg> {
    require_cpu(a)?;
    let x = a.tensor("self")?;
    let shape = sizes(a.op(), &a.int_list("size")?)?;
    let dtype = a.opt_dtype("dtype")?.unwrap_or(x.dtype());
    match value {
        Some(v) => t(Tensor::full(&shape, v, dtype)),
        None => t(Tensor::zeros(&shape, dtype)),
    }
}
fn k_new_zeros(a: &Args) -> Result<Arg> {
    new_like(a, None)
}
fn k_new_ones(a: &Args) -> Result<Arg> {
    new_like(a, Some(Scalar::Int(1)))
}
fn k_new_full(a: &Args) -> Result<Arg> {
    let v = a.scalar("fill_value")?;
    new_like(a, Some(v))
}
fn k_eye(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    let n = a.int("n")?;
    t(eye(n, n, a.opt_dtype("dtype")?.unwrap_or(DType::F32)))
}
fn k_eye_m(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    t(eye(
        a.int("n")?,
        a.int("m")?,
        a.opt_dtype("dtype")?.unwrap_or(DType::F32),
    ))
}
fn k_scalar_tensor(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    Ok(Arg::Tensor(Tensor::scalar_of(
        a.scalar("s")?,
        a.opt_dtype("dtype")?.unwrap_or(DType::F32),
    )))
}
/// `tensor.int(int t, ...)` and the `.float`, `.bool` forms, and those of `as_tensor`.
fn k_tensor_scalar(a: &Args) -> Result<Arg> {
    tensor_of_scalar(a, a.scalar("t")?)
}
/// A 0-dim tensor of `s`, of `dtype` (else `s`'s default dtype).
fn tensor_of_scalar(a: &Args, s: Scalar) -> Result<Arg> {
    require_cpu(a)?;
    Ok(Arg::Tensor(Tensor::scalar_of(
        s,
        a.opt_dtype("dtype")?.unwrap_or(s.default_dtype()),
    )))
}
fn k_tensor_list(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    t(from_nested(a.get("data")?, a.opt_dtype("dtype")?))
}
/// `as_tensor(Tensor data, ...)` and `as_tensor.list(t[] data, ...)`.
fn k_as_tensor(a: &Args) -> Result<Arg> {
    require_cpu(a)?;
    let data = a.get("data")?;
    match data {
        Arg::Tensor(x) => t(x.to_dtype(a.opt_dtype("dtype")?.unwrap_or(x.dtype()))),
        Arg::List(_) => t(from_nested(data, a.opt_dtype("dtype")?)),
        _ => tensor_of_scalar(a, a.scalar("data")?),
    }
}

/// Registers the creation overloads.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::arange", k_arange),
        ("aten::arange.start", k_arange_start),
        ("aten::arange.start_step", k_arange_step),
        ("aten::linspace", k_linspace),
        ("aten::linspace.Scalar_Tensor", k_linspace),
        ("aten::linspace.Tensor_Scalar", k_linspace),
        ("aten::linspace.Tensor_Tensor", k_linspace),
        ("aten::logspace", k_logspace),
        ("aten::logspace.Scalar_Tensor", k_logspace),
        ("aten::logspace.Tensor_Scalar", k_logspace),
        ("aten::logspace.Tensor_Tensor", k_logspace),
        ("aten::zeros", k_zeros),
        ("aten::ones", k_ones),
        ("aten::full", k_full),
        ("aten::empty.memory_format", k_zeros),
        // A contiguous zeroed tensor of `size`, like `empty` (`stride` is not kept).
        ("aten::empty_strided", k_zeros),
        ("aten::zeros_like", k_zeros_like),
        ("aten::ones_like", k_ones_like),
        ("aten::empty_like", k_zeros_like),
        ("aten::full_like", k_full_like),
        ("aten::fill.Scalar", k_fill),
        ("aten::fill.Tensor", k_fill),
        ("aten::new_zeros", k_new_zeros),
        ("aten::new_empty", k_new_zeros),
        ("aten::new_ones", k_new_ones),
        ("aten::new_full", k_new_full),
        ("aten::eye", k_eye),
        ("aten::eye.m", k_eye_m),
        ("aten::scalar_tensor", k_scalar_tensor),
        ("aten::tensor", k_tensor_list),
        ("aten::tensor.int", k_tensor_scalar),
        ("aten::tensor.float", k_tensor_scalar),
        ("aten::tensor.bool", k_tensor_scalar),
        ("aten::as_tensor", k_as_tensor),
        ("aten::as_tensor.int", k_tensor_scalar),
        ("aten::as_tensor.float", k_tensor_scalar),
        ("aten::as_tensor.bool", k_tensor_scalar),
        ("aten::as_tensor.list", k_as_tensor),
    ];
    for (n, f) in table {
        reg.register(n, *f);
    }
}
