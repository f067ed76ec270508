//! Elementwise activations (relu, hardtanh, hardswish, gelu, silu, sigmoid, ...) and dropout.

use crate::arg::{Arg, Args};
use crate::dtype::Element;
use crate::error::{OpError, Result};
use crate::ops::nn::util::{finish, with_data, with_real, Real};
use crate::registry::Registry;
use crate::tensor::Tensor;
use crate::{dispatch_dtype, DType};

/// An elementwise activation with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Act {
    Relu,
    Hardtanh {
        min: f64,
        max: f64,
    },
    Hardswish,
    Hardsigmoid,
    Silu,
    Gelu,
    GeluTanh,
    Sigmoid,
    Tanh,
    LeakyRelu {
        slope: f64,
    },
    Elu {
        alpha: f64,
        scale: f64,
        input_scale: f64,
    },
    Celu {
        alpha: f64,
    },
    Mish,
    Softplus {
        beta: f64,
        threshold: f64,
    },
    LogSigmoid,
    Threshold {
        threshold: f64,
        value: f64,
    },
    Hardshrink {
        lambda: f64,
    },
    Softshrink {
        lambda: f64,
    },
}

const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;

impl Act {
    /// `selu` is `elu` with fixed constants.
    pub fn selu() -> Act {
        Act::Elu {
            alpha: SELU_ALPHA,
            scale: SELU_SCALE,
            input_scale: 1.0,
        }
    }
}

/// Where an activation reads its elements and writes its results: one buffer in place, or a
/// source into a destination of the same length (one pass, no copy first).
enum Elements<'a, Fp> {
    InPlace(&'a mut [Fp]),
    Into { src: &'a [Fp], dst: &'a mut [Fp] },
}

#[inline(always)]
fn map<Fp: Real>(xs: Elements<'_, Fp>, f: impl Fn(Fp) -> Fp) {
    match xs {
        Elements::InPlace(xs) => {
            for v in xs.iter_mut() {
                *v = f(*v);
            }
        }
        Elements::Into { src, dst } => {
            for (d, &v) in dst.iter_mut().zip(src) {
                *d = f(v);
            }
        }
    }
}

/// `v` clamped to `[lo, hi]`; NaN stays NaN.
#[inline(always)]
fn clip<Fp: Real>(v: Fp, lo: Fp, hi: Fp) -> Fp {
    if v < lo {
        lo
    } else if v > hi {
        hi
    } else {
        v
    }
}

#[inline(always)]
fn softplus<Fp: Real>(v: Fp, beta: Fp, threshold: Fp) -> Fp {
    if v * beta > threshold {
        v
    } else {
        (v * beta).exp().ln_1p() / beta
    }
}

/// Applies `act` to every element (in `Fp`), into a new buffer written in one pass: a pooled
/// one when a dropped tensor left one that fits (a fresh large buffer faults in every page on
/// first touch, which cost ReLU on 1M elements 7 ms of its 8).
pub fn apply<Fp: Real>(op: &str, act: Act, xs: &[Fp]) -> Result<Vec<Fp>> {
    let mut out = crate::alloc::try_for_overwrite(op, xs.len())?;
    crate::parallel::for_each_chunk_mut(&mut out, PIECE_ELEMENTS, |start, piece| {
        if let Some(src) = xs.get(start..start.saturating_add(piece.len())) {
            apply_into_here(act, src, piece)
        }
    });
    Ok(out)
}

/// The fewest elements an activation gives a thread: below twice this, one thread runs it.
const PIECE_ELEMENTS: usize = 1 << 14;

/// Applies `act` to every element in place, in pieces across the current executor's threads
/// when there are many elements.
pub fn apply_in_place<Fp: Real>(act: Act, xs: &mut [Fp]) {
    crate::parallel::for_each_chunk_mut(xs, PIECE_ELEMENTS, |_, piece| {
        apply_in_place_here(act, piece)
    });
}

/// Applies `act` to every element in place, on this thread.
fn apply_in_place_here<Fp: Real>(act: Act, xs: &mut [Fp]) {
    match crate::ops::nn::simd::as_f32_mut(xs) {
        Some(xs) => apply_f32(act, Elements::InPlace(xs)),
        None => apply_generic(act, Elements::InPlace(xs)),
    }
}

/// Writes `act(src[i])` to `dst[i]` (same lengths), on this thread.
fn apply_into_here<Fp: Real>(act: Act, src: &[Fp], dst: &mut [Fp]) {
    if let Some(src) = crate::ops::nn::simd::as_f32(src) {
        if let Some(dst) = crate::ops::nn::simd::as_f32_mut(dst) {
            return apply_f32(act, Elements::Into { src, dst });
        }
    }
    apply_generic(act, Elements::Into { src, dst })
}

crate::ops::nn::simd::wide_dispatch!(
    fn apply_f32(act: Act, xs: Elements<'_, f32>) => apply_generic::<f32>, fused: apply_f32_fused
);

/// The float32 activations built on `exp`, `erf` and `tanh` with their polynomials in fused
/// multiply-adds (for the FMA builds only; the same formulas as [`apply_generic`]), and the
/// rest as [`apply_generic`] has them.
#[inline(always)]
fn apply_f32_fused(act: Act, xs: Elements<'_, f32>) {
    use crate::ops::nn::fastmath::{erf_with, exp_with, tanh_with, Fused};
    match act {
        Act::Silu => map(xs, |v| v / (1.0 + exp_with::<Fused>(-v))),
        Act::Gelu => map(xs, |v| {
            v * 0.5 * (1.0 + erf_with::<Fused>(v * std::f32::consts::FRAC_1_SQRT_2))
        }),
        Act::GeluTanh => {
            let k = (2.0 / std::f64::consts::PI).sqrt() as f32;
            map(xs, |v| {
                0.5 * v * (1.0 + tanh_with::<Fused>(k * (v + 0.044715 * v * v * v)))
            })
        }
        Act::Sigmoid => map(xs, |v| 1.0 / (1.0 + exp_with::<Fused>(-v))),
        Act::Tanh => map(xs, tanh_with::<Fused>),
        other => apply_generic(other, xs),
    }
}

#[inline(always)]
fn apply_generic<Fp: Real>(act: Act, xs: Elements<'_, Fp>) {
    let (zero, one) = (Fp::ZERO, Fp::ONE);
    let three = Fp::of(3.0);
    let six = Fp::of(6.0);
    match act {
        Act::Relu => map(xs, |v| if v < zero { zero } else { v }),
        Act::Hardtanh { min, max } => {
            let (lo, hi) = (Fp::of(min), Fp::of(max));
            map(xs, |v| clip(v, lo, hi))
        }
        Act::Hardswish => map(xs, |v| {
            let t = clip(v + three, zero, six);
            v * t / six
        }),
        Act::Hardsigmoid => map(xs, |v| {
            let t = clip(v + three, zero, six);
            t / six
        }),
        Act::Silu => map(xs, |v| v / (one + (-v).exp())),
        Act::Gelu => {
            let inv_sqrt2 = Fp::of(std::f64::consts::FRAC_1_SQRT_2);
            let half = Fp::of(0.5);
            map(xs, |v| v * half * (one + (v * inv_sqrt2).erf()))
        }
        Act::GeluTanh => {
            let k = Fp::of((2.0 / std::f64::consts::PI).sqrt());
            let c = Fp::of(0.044715);
            let half = Fp::of(0.5);
            map(xs, |v| half * v * (one + (k * (v + c * v * v * v)).tanh()))
        }
        Act::Sigmoid => map(xs, |v| one / (one + (-v).exp())),
        Act::Tanh => map(xs, |v| v.tanh()),
        Act::LeakyRelu { slope } => {
            let s = Fp::of(slope);
            map(xs, |v| if v > zero { v } else { v * s })
        }
        Act::Elu {
            alpha,
            scale,
            input_scale,
        } => {
            let (a, s, is) = (Fp::of(alpha), Fp::of(scale), Fp::of(input_scale));
            map(xs, |v| {
                if v > zero {
                    s * v
                } else {
                    s * a * ((v * is).exp() - one)
                }
            })
        }
        Act::Celu { alpha } => {
            let a = Fp::of(alpha);
            map(xs, |v| {
                if v > zero {
                    v
                } else {
                    a * ((v / a).exp() - one)
                }
            })
        }
        Act::Mish => map(xs, |v| v * softplus(v, one, Fp::of(20.0)).tanh()),
        Act::Softplus { beta, threshold } => {
            let (b, t) = (Fp::of(beta), Fp::of(threshold));
            map(xs, |v| softplus(v, b, t))
        }
        Act::LogSigmoid => map(xs, |v| {
            let m = if v < zero { v } else { zero };
            let abs = if v < zero { -v } else { v };
            m - (-abs).exp().ln_1p()
        }),
        Act::Threshold { threshold, value } => {
            let (t, val) = (Fp::of(threshold), Fp::of(value));
            map(xs, |v| if v > t { v } else { val })
        }
        Act::Hardshrink { lambda } => {
            let l = Fp::of(lambda);
            map(xs, |v| if v >= -l && v <= l { zero } else { v })
        }
        Act::Softshrink { lambda } => {
            let l = Fp::of(lambda);
            map(xs, |v| {
                if v > l {
                    v - l
                } else if v < -l {
                    v + l
                } else {
                    zero
                }
            })
        }
    }
}

fn op_name(act: Act) -> &'static str {
    match act {
        Act::Relu => "aten::relu",
        Act::Hardtanh { .. } => "aten::hardtanh",
        Act::Hardswish => "aten::hardswish",
        Act::Hardsigmoid => "aten::hardsigmoid",
        Act::Silu => "aten::silu",
        Act::Gelu | Act::GeluTanh => "aten::gelu",
        Act::Sigmoid => "aten::sigmoid",
        Act::Tanh => "aten::tanh",
        Act::LeakyRelu { .. } => "aten::leaky_relu",
        Act::Elu { .. } => "aten::elu",
        Act::Celu { .. } => "aten::celu",
        Act::Mish => "aten::mish",
        Act::Softplus { .. } => "aten::softplus",
        Act::LogSigmoid => "aten::log_sigmoid",
        Act::Threshold { .. } => "aten::threshold",
        Act::Hardshrink { .. } => "aten::hardshrink",
        Act::Softshrink { .. } => "aten::softshrink",
    }
}

/// Integer tensors: relu, hardtanh and threshold keep their dtype; sigmoid and tanh compute in
/// float32 (as PyTorch promotes them); the rest are float-only.
fn integer_activation(act: Act, x: &Tensor) -> Result<Option<Tensor>> {
    let clamp = |lo: Option<f64>, hi: Option<f64>| -> Result<Tensor> {
        dispatch_dtype!(x.dtype(), T => {
            let lo = lo.map(T::from_f64);
            let hi = hi.map(T::from_f64);
            let mut v: Vec<T> = x.to_vec::<T>()?;
            for v in &mut v {
                *v = match (lo, hi) {
                    (Some(l), _) if *v < l => l,
                    (_, Some(h)) if *v > h => h,
                    _ => *v,
                };
            }
            Tensor::from_vec(v, x.shape())
        })
    };
    Ok(Some(match act {
        Act::Relu if !x.dtype().is_bool() => clamp(Some(0.0), None)?,
        Act::Hardtanh { min, max } if !x.dtype().is_bool() => clamp(Some(min), Some(max))?,
        Act::Sigmoid | Act::Tanh => return activation(&x.to_dtype(DType::F32)?, act).map(Some),
        _ => return Ok(None),
    }))
}

/// `act(x)` as a new tensor.
pub fn activation(x: &Tensor, act: Act) -> Result<Tensor> {
    let op = op_name(act);
    let dtype = x.dtype();
    if !dtype.is_float() {
        return integer_activation(act, x)?.ok_or_else(|| OpError::dtype(op, dtype));
    }
    if x.is_contiguous() {
        match dtype {
            DType::BF16 => return apply_half::<half::bf16>(op, act, x),
            DType::F16 => return apply_half::<half::f16>(op, act, x),
            _ => {}
        }
    }
    with_real!(op, dtype, Fp => {
        let out = with_data::<Fp, _>(x, |xs| apply(op, act, xs))?;
        finish(out, x.shape(), dtype)
    })
}

/// Elements a half-precision activation widens to float32 at a time (on the stack).
const HALF_BLOCK: usize = 512;

/// `act(x)` for a contiguous half-precision `x`: block by block, widened to float32, computed
/// there and rounded once into the result (the values of widening the whole tensor first,
/// without its two tensor-sized float32 temporaries and their passes over memory).
fn apply_half<H: Element>(op: &str, act: Act, x: &Tensor) -> Result<Tensor> {
    let numel = x.numel();
    let guard = x.storage().read();
    let start = x.storage_offset();
    let src = guard
        .typed::<H>()?
        .get(start..start.saturating_add(numel))
        .ok_or_else(|| OpError::Storage("view outside storage".into()))?;
    let mut out = crate::alloc::try_for_overwrite::<H>(op, numel)?;
    crate::parallel::for_each_chunk_mut(&mut out, PIECE_ELEMENTS, |first, piece| {
        let Some(src) = src.get(first..first.saturating_add(piece.len())) else {
            return;
        };
        let mut wide = [0f32; HALF_BLOCK];
        for (s, d) in src.chunks(HALF_BLOCK).zip(piece.chunks_mut(HALF_BLOCK)) {
            if let Some(wide) = wide.get_mut(..s.len()) {
                crate::dtype::convert_into(s, wide);
                apply_in_place_here(act, wide);
                crate::dtype::convert_into(wide, d);
            }
        }
    });
    drop(guard);
    Tensor::from_vec(out, x.shape())
}

/// Runs `f` on the elements of `t` in place when it is contiguous and holds `F` (no temporary);
/// returns false (doing nothing) otherwise.
pub fn try_in_place<F: Element>(t: &Tensor, f: impl FnOnce(&mut [F])) -> Result<bool> {
    if t.dtype() != F::DTYPE || !t.is_contiguous() {
        return Ok(false);
    }
    let mut guard = t.storage().write();
    let all = guard.typed_mut::<F>()?;
    let start = t.storage_offset();
    let slice = all
        .get_mut(start..start.saturating_add(t.numel()))
        .ok_or_else(|| OpError::Storage("in-place view outside storage".into()))?;
    f(slice);
    Ok(true)
}

/// `act_(x)`: writes `act(x)` into `x` and returns `x`.
pub fn activation_(x: &Tensor, act: Act) -> Result<Tensor> {
    let done = match x.dtype() {
        DType::F32 => try_in_place::<f32>(x, |s| {
            apply_in_place(act, s);
        })?,
        DType::F64 => try_in_place::<f64>(x, |s| {
            apply_in_place(act, s);
        })?,
        _ => false,
    };
    if !done {
        let result = activation(x, act)?;
        if result.dtype() != x.dtype() {
            return Err(OpError::invalid(
                op_name(act),
                format!(
                    "result type {} can't be cast to the desired output type {}",
                    result.dtype(),
                    x.dtype()
                ),
            ));
        }
        x.copy_from(&result)?;
    }
    Ok(x.clone())
}

pub fn relu(x: &Tensor) -> Result<Tensor> {
    activation(x, Act::Relu)
}

pub fn relu_(x: &Tensor) -> Result<Tensor> {
    activation_(x, Act::Relu)
}

pub fn sigmoid(x: &Tensor) -> Result<Tensor> {
    activation(x, Act::Sigmoid)
}

pub fn gelu(x: &Tensor, approximate_tanh: bool) -> Result<Tensor> {
    activation(
        x,
        if approximate_tanh {
            Act::GeluTanh
        } else {
            Act::Gelu
        },
    )
}

/// `prelu(x, weight)`: `weight` has one element or one per channel (dim 1).
pub fn prelu(x: &Tensor, weight: &Tensor) -> Result<Tensor> {
    let op = "aten::prelu";
    let dtype = x.dtype();
    let channels = x.shape().get(1).copied().unwrap_or(1);
    let wn = weight.numel();
    if wn != 1 && wn != channels {
        return Err(OpError::shape(op, format!("mismatch of parameter numbers and input channel size: {wn} parameters for {channels} channels")));
    }
    // A part of the element count: it fits.
    let inner = x
        .shape()
        .get(2..)
        .map_or(1, |s| s.iter().fold(1usize, |a, &d| a.saturating_mul(d)));
    with_real!(op, dtype, Fp => {
        let w = weight.to_vec::<Fp>()?;
        let out = with_data::<Fp, _>(x, |xs| {
            crate::alloc::try_collect(op, xs.iter().enumerate().map(|(i, &v)| {
                // `c < channels == wn` (or 0 with one weight).
                let c = if wn == 1 { 0 } else { i.div_euclid(inner.max(1)).checked_rem(channels).unwrap_or(0) };
                if v > Fp::ZERO { v } else { w.get(c).copied().unwrap_or(Fp::ZERO) * v }
            }))
        })?;
        finish(out, x.shape(), dtype)
    })
}

/// `glu(x, dim)`: first half times sigmoid of the second half along `dim`.
pub fn glu(x: &Tensor, dim: i64) -> Result<Tensor> {
    let op = "aten::glu";
    if x.dim() == 0 {
        return Err(OpError::invalid(
            op,
            "glu does not support scalars because halving size must be even",
        ));
    }
    let d = crate::shape::wrap_dim(op, dim, x.dim())?;
    let size = x.shape().get(d).copied().unwrap_or(0);
    if size % 2 != 0 {
        return Err(OpError::invalid(
            op,
            format!("halving dimension must be even, but dimension {d} is size {size}"),
        ));
    }
    let a = x.narrow(d as i64, 0, size / 2)?;
    let b = activation(&x.narrow(d as i64, size / 2, size / 2)?, Act::Sigmoid)?;
    let dtype = x.dtype();
    with_real!(op, dtype, Fp => {
        let (av, bv) = (a.to_vec::<Fp>()?, b.to_vec::<Fp>()?);
        finish(crate::alloc::try_collect(op, av.iter().zip(&bv).map(|(&p, &q)| p * q))?, a.shape(), dtype)
    })
}

/// Dropout in evaluation mode (identity); training mode is random and unsupported, except the
/// deterministic `p == 0` (identity) and `p == 1` (zeros) cases.
pub fn dropout(op: &str, x: &Tensor, p: f64, train: bool) -> Result<Tensor> {
    if !(0.0..=1.0).contains(&p) {
        return Err(OpError::invalid(
            op,
            format!("dropout probability has to be between 0 and 1, but got {p}"),
        ));
    }
    if !train || p == 0.0 || x.numel() == 0 {
        return Ok(x.clone());
    }
    if p == 1.0 && !op.contains("alpha") {
        return Tensor::zeros(x.shape(), x.dtype());
    }
    Err(OpError::unsupported(
        op,
        "training-mode dropout is not supported",
    ))
}

/// `dropout(input, p, train)` and its feature and alpha forms.
fn k_dropout(a: &Args) -> Result<Arg> {
    Ok(dropout(a.op(), a.tensor("input")?, a.float("p")?, a.bool("train")?)?.into())
}

/// `dropout_(self, p, train)` and its feature and alpha forms.
fn k_dropout_(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let r = dropout(a.op(), x, a.float("p")?, a.bool("train")?)?;
    if !r.is_same(x) {
        x.copy_from(&r)?;
    }
    Ok(x.clone().into())
}

fn gelu_mode(a: &Args) -> Result<Act> {
    match a.str("approximate")? {
        "none" => Ok(Act::Gelu),
        "tanh" => Ok(Act::GeluTanh),
        other => Err(OpError::invalid(
            a.op(),
            format!("approximate argument must be either none or tanh, got '{other}'"),
        )),
    }
}

/// A `Scalar` parameter, as a float.
fn scalar(a: &Args, name: &str) -> Result<f64> {
    Ok(a.scalar(name)?.to_f64())
}

/// Reads an activation's parameters from the bound arguments, by the names in its overload's
/// schema (the in-place form names them as the functional one does): one arm per activation.
fn act_of(a: &Args) -> Result<Act> {
    let base = a.op().trim_start_matches("aten::").trim_end_matches('_');
    Ok(match base {
        "relu" => Act::Relu,
        "relu6" => Act::Hardtanh { min: 0.0, max: 6.0 },
        "hardtanh" => Act::Hardtanh {
            min: scalar(a, "min_val")?,
            max: scalar(a, "max_val")?,
        },
        "hardswish" => Act::Hardswish,
        "hardsigmoid" => Act::Hardsigmoid,
        "silu" => Act::Silu,
        "gelu" => gelu_mode(a)?,
        "sigmoid" => Act::Sigmoid,
        "tanh" => Act::Tanh,
        "rrelu" => {
            if a.bool("training")? {
                return Err(OpError::unsupported(
                    a.op(),
                    "training-mode rrelu is random and not supported",
                ));
            }
            Act::LeakyRelu {
                slope: (scalar(a, "lower")? + scalar(a, "upper")?) / 2.0,
            }
        }
        "leaky_relu" => Act::LeakyRelu {
            slope: scalar(a, "negative_slope")?,
        },
        "elu" => Act::Elu {
            alpha: scalar(a, "alpha")?,
            scale: scalar(a, "scale")?,
            input_scale: scalar(a, "input_scale")?,
        },
        "selu" => Act::selu(),
        "celu" => Act::Celu {
            alpha: scalar(a, "alpha")?,
        },
        "mish" => Act::Mish,
        "softplus" => Act::Softplus {
            beta: scalar(a, "beta")?,
            threshold: scalar(a, "threshold")?,
        },
        "log_sigmoid" => Act::LogSigmoid,
        "threshold" => Act::Threshold {
            threshold: scalar(a, "threshold")?,
            value: scalar(a, "value")?,
        },
        "hardshrink" => Act::Hardshrink {
            lambda: scalar(a, "lambd")?,
        },
        "softshrink" => Act::Softshrink {
            lambda: scalar(a, "lambd")?,
        },
        _ => return Err(OpError::NotImplemented(a.op().to_string())),
    })
}

fn k_act(a: &Args) -> Result<Arg> {
    Ok(activation(a.tensor("self")?, act_of(a)?)?.into())
}

fn k_act_(a: &Args) -> Result<Arg> {
    Ok(activation_(a.tensor("self")?, act_of(a)?)?.into())
}

/// `native_dropout(input, p, train?)`: identity and an all-true mask when not training.
fn k_native_dropout(a: &Args) -> Result<Arg> {
    let x = a.tensor("input")?;
    let train = a.opt_bool("train")?.unwrap_or(true);
    let p = a.float("p")?;
    let out = dropout(a.op(), x, p, train)?;
    let kept = !(train && p == 1.0);
    let mask = Tensor::full(x.shape(), crate::Scalar::Bool(kept), DType::Bool)?;
    Ok((out.copy_contiguous()?, mask).into())
}

fn k_prelu(a: &Args) -> Result<Arg> {
    Ok(prelu(a.tensor("self")?, a.tensor("weight")?)?.into())
}

fn k_glu(a: &Args) -> Result<Arg> {
    Ok(glu(a.tensor("self")?, a.int("dim")?)?.into())
}

pub fn register(reg: &mut Registry) {
    for name in [
        "relu",
        "relu6",
        "hardtanh",
        "hardswish",
        "hardsigmoid",
        "silu",
        "gelu",
        "sigmoid",
        "tanh",
        "leaky_relu",
        "elu",
        "selu",
        "celu",
        "mish",
        "threshold",
        "rrelu",
    ] {
        reg.register(&format!("aten::{name}"), k_act);
        reg.register(&format!("aten::{name}_"), k_act_);
    }
    for name in ["softplus", "log_sigmoid", "hardshrink", "softshrink"] {
        reg.register(&format!("aten::{name}"), k_act);
    }
    reg.register("aten::prelu", k_prelu);
    reg.register("aten::_prelu_kernel", k_prelu);
    reg.register("aten::glu", k_glu);
    reg.register("aten::native_dropout", k_native_dropout);
    for name in [
        "dropout",
        "feature_dropout",
        "alpha_dropout",
        "feature_alpha_dropout",
    ] {
        reg.register(&format!("aten::{name}"), k_dropout);
        reg.register(&format!("aten::{name}_"), k_dropout_);
    }
}
