//! Unary math: exp/log/trig/erf, rounding, abs/neg/sign, clamp, nan_to_num, isnan/isinf/isfinite.

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::{Bool8, DType, Element};
use crate::error::{OpError, Result};
use crate::registry::{OpFn, Registry};
use crate::scalar::Scalar;
use crate::tensor::Tensor;

use super::binary::{binary, write_inplace, BinaryOp};
use super::elementwise::{map1, map3};
use super::num::{Arith, OpNum};
use super::promotion::{float_result, result_type, torch_type_name, Operand};

/// `erf` in double precision (series below 3, continued fraction above).
pub fn erf_f64(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let a = x.abs();
    let r = if a < 3.0 {
        // erf(a) = 2/sqrt(pi) * exp(-a^2) * sum 2^n a^(2n+1) / (1*3*...*(2n+1)); all terms positive.
        let a2 = a * a;
        let (mut term, mut sum, mut n) = (a, a, 0.0f64);
        while term > sum * 1e-17 {
            n += 1.0;
            term *= 2.0 * a2 / (2.0 * n + 1.0);
            sum += term;
        }
        std::f64::consts::FRAC_2_SQRT_PI * (-a2).exp() * sum
    } else {
        1.0 - erfc_tail(a)
    };
    r.copysign(x)
}

/// `erfc(a)` for a >= 3 by its continued fraction.
fn erfc_tail(a: f64) -> f64 {
    if a > 27.0 {
        return 0.0;
    }
    let mut t = a;
    for n in (1..=80).rev() {
        t = a + (n as f64 / 2.0) / t;
    }
    (-a * a).exp() / std::f64::consts::PI.sqrt() / t
}

/// `erfc` in double precision.
pub fn erfc_f64(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x >= 3.0 {
        erfc_tail(x)
    } else if x <= -3.0 {
        2.0 - erfc_tail(-x)
    } else {
        1.0 - erf_f64(x)
    }
}

/// Inverse error function (Giles' approximation refined by two Newton steps).
pub fn erfinv_f64(y: f64) -> f64 {
    if !(-1.0..=1.0).contains(&y) {
        return f64::NAN;
    }
    if y == 1.0 || y == -1.0 {
        return f64::INFINITY.copysign(y);
    }
    let w = -((1.0 - y) * (1.0 + y)).ln();
    let mut x = if w < 5.0 {
        let w = w - 2.5;
        let mut p = 2.810_226_36e-08;
        for c in [
            3.432_739_39e-07,
            -3.523_387_7e-06,
            -4.391_506_54e-06,
            0.000_218_580_87,
            -0.001_253_725_03,
            -0.004_177_681_64,
            0.246_640_727,
            1.501_409_41,
        ] {
            p = c + p * w;
        }
        p * y
    } else {
        let w = w.sqrt() - 3.0;
        let mut p = -0.000_200_214_257;
        for c in [
            0.000_100_950_558,
            0.001_349_343_22,
            -0.003_673_428_44,
            0.005_739_507_73,
            -0.007_622_461_3,
            0.009_438_870_47,
            1.001_674_06,
            2.832_976_82,
        ] {
            p = c + p * w;
        }
        p * y
    };
    for _ in 0..2 {
        let err = erf_f64(x) - y;
        x -= err / (std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp());
    }
    x
}

/// Applies a float function to `x` (integers and bool become float32). float32, float16 and
/// bfloat16 round through float32, as PyTorch computes them in float.
pub fn float_unary(op: &str, x: &Tensor, f: impl Fn(f64) -> f64 + Sync) -> Result<Tensor> {
    let dtype = float_result(x.dtype());
    let x = x.to_dtype(dtype)?;
    if dtype == DType::F64 {
        return map1::<f64, f64>(op, &x, f);
    }
    dispatch_dtype!(dtype, T => map1::<T, T>(op, &x, |v| T::from_f64(f(v.to_f64()) as f32 as f64)))
}

/// How a unary op computes its result.
#[derive(Debug, Clone, Copy)]
pub enum UnaryKind {
    /// A float function: integers and bool become float32; float32, float16 and bfloat16
    /// round through float32 ([`float_unary`]).
    Float(fn(f64) -> f64),
    /// An op that keeps the dtype ([`Keep`]).
    Keep(Keep),
}

/// The unary ops that keep the input's dtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Neg,
    Abs,
    Square,
    Sign,
    Floor,
    Ceil,
    Trunc,
    /// Halves to even.
    Round,
    /// Float dtypes only.
    Frac,
}

impl Keep {
    /// Rounding ops: the identity on integer and bool tensors.
    fn is_rounding(self) -> bool {
        matches!(self, Keep::Floor | Keep::Ceil | Keep::Trunc | Keep::Round)
    }
}

/// A unary op: the names it is registered under (`aten::NAME` and, in place, `aten::NAME_`)
/// and how it computes. The first name is the op's name in errors.
#[derive(Debug, Clone, Copy)]
pub struct UnaryOp {
    pub names: &'static [&'static str],
    pub kind: UnaryKind,
}

const fn float(names: &'static [&'static str], f: fn(f64) -> f64) -> UnaryOp {
    UnaryOp {
        names,
        kind: UnaryKind::Float(f),
    }
}

const fn keep(names: &'static [&'static str], k: Keep) -> UnaryOp {
    UnaryOp {
        names,
        kind: UnaryKind::Keep(k),
    }
}

fn rsqrt(v: f64) -> f64 {
    1.0 / v.sqrt()
}

fn reciprocal(v: f64) -> f64 {
    1.0 / v
}

fn sinc(v: f64) -> f64 {
    if v == 0.0 {
        1.0
    } else {
        (std::f64::consts::PI * v).sin() / (std::f64::consts::PI * v)
    }
}

/// Every elementwise unary op of this file: adding one is one line here.
pub const UNARY_OPS: &[UnaryOp] = &[
    keep(&["neg", "negative"], Keep::Neg),
    keep(&["abs", "absolute"], Keep::Abs),
    keep(&["square"], Keep::Square),
    keep(&["sign", "sgn"], Keep::Sign),
    keep(&["floor"], Keep::Floor),
    keep(&["ceil"], Keep::Ceil),
    keep(&["trunc", "fix"], Keep::Trunc),
    keep(&["round"], Keep::Round),
    keep(&["frac"], Keep::Frac),
    float(&["sqrt"], f64::sqrt),
    float(&["rsqrt"], rsqrt),
    float(&["exp"], f64::exp),
    float(&["exp2"], f64::exp2),
    float(&["log"], f64::ln),
    float(&["log2"], f64::log2),
    float(&["log10"], f64::log10),
    float(&["log1p"], f64::ln_1p),
    float(&["expm1"], f64::exp_m1),
    float(&["sin"], f64::sin),
    float(&["cos"], f64::cos),
    float(&["tan"], f64::tan),
    float(&["asin"], f64::asin),
    float(&["acos"], f64::acos),
    float(&["atan"], f64::atan),
    float(&["arcsin"], f64::asin),
    float(&["arccos"], f64::acos),
    float(&["arctan"], f64::atan),
    float(&["sinh"], f64::sinh),
    float(&["cosh"], f64::cosh),
    float(&["asinh"], f64::asinh),
    float(&["acosh"], f64::acosh),
    float(&["atanh"], f64::atanh),
    float(&["erf"], erf_f64),
    float(&["erfc"], erfc_f64),
    float(&["erfinv"], erfinv_f64),
    float(&["reciprocal"], reciprocal),
    float(&["deg2rad"], f64::to_radians),
    float(&["rad2deg"], f64::to_degrees),
    float(&["sinc"], sinc),
];

/// The unary op called `name` (any of its names).
pub fn unary_op(name: &str) -> Option<&'static UnaryOp> {
    UNARY_OPS.iter().find(|u| u.names.contains(&name))
}

impl UnaryOp {
    /// The op's name in errors.
    pub fn name(&self) -> &'static str {
        self.names.first().copied().unwrap_or("unary")
    }

    /// Applies the op to `x`.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let op = format!("aten::{}", self.name());
        match self.kind {
            UnaryKind::Float(f) => float_unary(&op, x, f),
            UnaryKind::Keep(k) => keep_type(&op, x, k, self.name()),
        }
    }
}

fn same_type<T: Arith>(op: &str, x: &Tensor, f: impl Fn(T::Op) -> T::Op + Sync) -> Result<Tensor> {
    map1::<T, T>(op, x, |v| T::from_op(f(v.op())))
}

/// `neg`/`abs`/`sign`-like ops that keep the dtype; bool is rejected like PyTorch. `name` is
/// the op's name in errors.
fn keep_type(op: &str, x: &Tensor, k: Keep, name: &str) -> Result<Tensor> {
    if x.dtype() == DType::Bool {
        return match k {
            Keep::Neg => Err(OpError::unsupported(op, "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")),
            Keep::Sign => Ok(x.copy_contiguous()?),
            k if k.is_rounding() => Ok(x.copy_contiguous()?),
            _ => Err(OpError::unsupported(op, format!("\"{name}_cpu\" not implemented for 'Bool'"))),
        };
    }
    if !x.dtype().is_float() && k.is_rounding() {
        return x.copy_contiguous();
    }
    dispatch_dtype!(x.dtype(), T => keep_type_typed::<T>(op, x, k, name))
}

fn keep_type_typed<T: Arith>(op: &str, x: &Tensor, k: Keep, name: &str) -> Result<Tensor> {
    let is_float = <T::Op as OpNum>::IS_FLOAT;
    let through = |f: fn(f64) -> f64| move |v: T::Op| <T::Op as OpNum>::of_f64(f(v.as_f64()));
    match k {
        Keep::Neg => same_type::<T>(op, x, |v| v.neg()),
        Keep::Abs => same_type::<T>(op, x, |v| v.abs()),
        Keep::Square => same_type::<T>(op, x, |v| v.mul(v)),
        Keep::Sign if is_float => same_type::<T>(
            op,
            x,
            through(|v| {
                if v > 0.0 {
                    1.0
                } else if v < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            }),
        ),
        Keep::Sign => same_type::<T>(op, x, |v| v.sign()),
        Keep::Floor => same_type::<T>(op, x, through(f64::floor)),
        Keep::Ceil => same_type::<T>(op, x, through(f64::ceil)),
        Keep::Trunc => same_type::<T>(op, x, through(f64::trunc)),
        Keep::Round => same_type::<T>(op, x, through(f64::round_ties_even)),
        Keep::Frac if is_float => same_type::<T>(op, x, through(|v| v - v.trunc())),
        Keep::Frac => Err(OpError::unsupported(
            op,
            format!(
                "\"{name}_cpu\" not implemented for '{}'",
                torch_type_name(T::DTYPE)
            ),
        )),
    }
}

/// `round(x, decimals)` computed in the tensor's float type, halves to even.
pub fn round_decimals(x: &Tensor, decimals: i64) -> Result<Tensor> {
    let op = "aten::round";
    if decimals == 0 || !x.dtype().is_float() {
        return keep_type(op, x, Keep::Round, "round");
    }
    let d = decimals.unsigned_abs().min(400) as i32;
    if x.dtype() == DType::F64 {
        let p = 10f64.powi(d);
        return map1::<f64, f64>(op, x, move |v| {
            if decimals > 0 {
                (v * p).round_ties_even() / p
            } else {
                (v / p).round_ties_even() * p
            }
        });
    }
    let p = 10f32.powi(d);
    dispatch_dtype!(x.dtype(), T => map1::<T, T>(op, x, move |v| {
        let v = v.to_f64() as f32;
        let r = if decimals > 0 { (v * p).round_ties_even() / p } else { (v / p).round_ties_even() * p };
        T::from_f64(r as f64)
    }))
}

/// `clamp(x, min, max)` with scalar or tensor bounds, type promotion and NaN propagation.
pub fn clamp(x: &Tensor, min: Option<&Operand>, max: Option<&Operand>) -> Result<Tensor> {
    let op = "aten::clamp";
    if min.is_none() && max.is_none() {
        return Err(OpError::invalid(
            op,
            "torch.clamp: At least one of 'min' or 'max' must not be None",
        ));
    }
    let xo = Operand::from(x);
    let mut ops = vec![&xo];
    ops.extend(min);
    ops.extend(max);
    let dtype = result_type(&ops);
    if dtype.is_bool() {
        return Err(OpError::unsupported(
            op,
            "\"clamp_cpu\" not implemented for 'Bool'",
        ));
    }
    let float_bound = |o: Option<&Operand>, inf: f64| -> Result<Tensor> {
        match o {
            Some(o) => o.to_tensor(dtype),
            None => Ok(Tensor::scalar_of(Scalar::Float(inf), dtype)),
        }
    };
    let (lo, hi) = if dtype.is_float() {
        (
            float_bound(min, f64::NEG_INFINITY)?,
            float_bound(max, f64::INFINITY)?,
        )
    } else {
        (int_bound(min, dtype, false)?, int_bound(max, dtype, true)?)
    };
    let xt = x.to_dtype(dtype)?;
    dispatch_dtype!(dtype, T => clamp_typed::<T>(op, &xt, &lo, &hi))
}

fn int_bound(o: Option<&Operand>, dtype: DType, upper: bool) -> Result<Tensor> {
    if let Some(o) = o {
        return o.to_tensor(dtype);
    }
    let (lo, hi): (i64, i64) = match dtype {
        DType::U8 => (0, 255),
        DType::I8 => (-128, 127),
        DType::I16 => (i16::MIN as i64, i16::MAX as i64),
        DType::I32 => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    };
    Ok(Tensor::scalar_of(
        Scalar::Int(if upper { hi } else { lo }),
        dtype,
    ))
}

fn clamp_typed<T: Arith>(op: &str, x: &Tensor, lo: &Tensor, hi: &Tensor) -> Result<Tensor> {
    map3::<T, T, T, T>(op, x, lo, hi, |v, l, h| {
        let (v, l, h) = (v.op(), l.op(), h.op());
        if v.is_nan() {
            return T::from_op(v);
        }
        if l.is_nan() || h.is_nan() {
            return T::from_op(if l.is_nan() { l } else { h });
        }
        let r = if v < l { l } else { v };
        T::from_op(if r > h { h } else { r })
    })
}

/// `nan_to_num(x, nan, posinf, neginf)`: defaults 0 and the dtype's extremes.
pub fn nan_to_num(
    x: &Tensor,
    nan: Option<f64>,
    posinf: Option<f64>,
    neginf: Option<f64>,
) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return x.copy_contiguous();
    }
    let (lo, hi) = match x.dtype() {
        DType::F16 => (-65504.0, 65504.0),
        DType::BF16 => (-3.3895313892515355e38, 3.3895313892515355e38),
        DType::F32 => (f32::MIN as f64, f32::MAX as f64),
        _ => (f64::MIN, f64::MAX),
    };
    let (n, p, m) = (
        nan.unwrap_or(0.0),
        posinf.unwrap_or(hi),
        neginf.unwrap_or(lo),
    );
    dispatch_dtype!(x.dtype(), T => map1::<T, T>("aten::nan_to_num", x, move |v| {
        let f = v.to_f64();
        if f.is_nan() { T::from_f64(n) } else if f == f64::INFINITY { T::from_f64(p) } else if f == f64::NEG_INFINITY { T::from_f64(m) } else { v }
    }))
}

fn float_test(op: &str, x: &Tensor, f: fn(f64) -> bool, int_value: bool) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return Tensor::full(x.shape(), Scalar::Bool(int_value), DType::Bool);
    }
    dispatch_dtype!(x.dtype(), T => map1::<T, Bool8>(op, x, move |v| Bool8(f(v.to_f64()) as u8)))
}

/// `isnan(x)`.
pub fn isnan(x: &Tensor) -> Result<Tensor> {
    float_test("aten::isnan", x, f64::is_nan, false)
}

/// `isinf(x)`.
pub fn isinf(x: &Tensor) -> Result<Tensor> {
    float_test("aten::isinf", x, f64::is_infinite, false)
}

/// `isfinite(x)`.
pub fn isfinite(x: &Tensor) -> Result<Tensor> {
    float_test("aten::isfinite", x, f64::is_finite, true)
}

/// A named float function (`"exp"`, `"erf"`...), for other code that needs one.
pub fn float_fn(name: &str) -> Option<fn(f64) -> f64> {
    match unary_op(name)?.kind {
        UnaryKind::Float(f) => Some(f),
        UnaryKind::Keep(_) => None,
    }
}

/// Applies the unary op `name` (`"exp"`, `"neg"`, `"floor"`...) to `x`.
pub fn unary(name: &str, x: &Tensor) -> Result<Tensor> {
    match unary_op(name) {
        Some(u) => u.apply(x),
        None => Err(OpError::unsupported(
            format!("aten::{name}"),
            "not a unary op",
        )),
    }
}

/// The op's base name: `aten::clamp_min_.Tensor` is `clamp_min`.
fn base_name(op: &str) -> &str {
    let name = op.strip_prefix("aten::").unwrap_or(op);
    let name = name.split('.').next().unwrap_or(name);
    name.strip_suffix('_').unwrap_or(name)
}

/// The table entry of a registered unary kernel's op.
fn registered(a: &Args) -> Result<&'static UnaryOp> {
    unary_op(base_name(a.op())).ok_or_else(|| OpError::unsupported(a.op(), "not a unary op"))
}

fn k_unary(a: &Args) -> Result<Arg> {
    registered(a)?.apply(a.tensor("self")?).map(Arg::Tensor)
}
fn k_unary_(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    write_inplace(a.op(), x, &registered(a)?.apply(x)?).map(Arg::Tensor)
}
fn k_positive(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    if x.dtype().is_bool() {
        return Err(OpError::unsupported(
            a.op(),
            "The `+` operator, on a bool tensor is not supported.",
        ));
    }
    Ok(Arg::Tensor(x.clone()))
}
fn k_round_decimals(a: &Args) -> Result<Arg> {
    round_decimals(a.tensor("self")?, a.int("decimals")?).map(Arg::Tensor)
}
fn k_round_decimals_(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    write_inplace(a.op(), x, &round_decimals(x, a.int("decimals")?)?).map(Arg::Tensor)
}
/// The bound `min` or `max` (a tensor, a number or None).
fn bound(a: &Args, name: &str) -> Result<Option<Operand>> {
    match a.get(name)? {
        Arg::None => Ok(None),
        Arg::Tensor(t) => Ok(Some(Operand::Tensor(t.clone()))),
        _ => Ok(Some(Operand::Scalar(a.scalar(name)?))),
    }
}
/// `clamp(self, min, max)` and `clip`; `clamp_min(self, min)`; `clamp_max(self, max)`.
fn clamp_args(a: &Args) -> Result<Tensor> {
    let x = a.tensor("self")?;
    match base_name(a.op()) {
        "clamp_min" => clamp(x, bound(a, "min")?.as_ref(), None),
        "clamp_max" => clamp(x, None, bound(a, "max")?.as_ref()),
        _ => clamp(x, bound(a, "min")?.as_ref(), bound(a, "max")?.as_ref()),
    }
}
fn k_clamp(a: &Args) -> Result<Arg> {
    clamp_args(a).map(Arg::Tensor)
}
fn k_clamp_(a: &Args) -> Result<Arg> {
    write_inplace(a.op(), a.tensor("self")?, &clamp_args(a)?).map(Arg::Tensor)
}
fn k_nan_to_num(a: &Args) -> Result<Arg> {
    nan_to_num(
        a.tensor("self")?,
        a.opt_float("nan")?,
        a.opt_float("posinf")?,
        a.opt_float("neginf")?,
    )
    .map(Arg::Tensor)
}
fn k_nan_to_num_(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let r = nan_to_num(
        x,
        a.opt_float("nan")?,
        a.opt_float("posinf")?,
        a.opt_float("neginf")?,
    )?;
    write_inplace(a.op(), x, &r).map(Arg::Tensor)
}
fn k_isnan(a: &Args) -> Result<Arg> {
    isnan(a.tensor("self")?).map(Arg::Tensor)
}
fn k_isinf(a: &Args) -> Result<Arg> {
    isinf(a.tensor("self")?).map(Arg::Tensor)
}
fn k_isfinite(a: &Args) -> Result<Arg> {
    isfinite(a.tensor("self")?).map(Arg::Tensor)
}
fn k_isposinf(a: &Args) -> Result<Arg> {
    float_test(a.op(), a.tensor("self")?, |v| v == f64::INFINITY, false).map(Arg::Tensor)
}
fn k_isneginf(a: &Args) -> Result<Arg> {
    float_test(a.op(), a.tensor("self")?, |v| v == f64::NEG_INFINITY, false).map(Arg::Tensor)
}
fn k_signbit(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    if x.dtype().is_float() {
        float_test(a.op(), x, |v| v.is_sign_negative(), false).map(Arg::Tensor)
    } else {
        super::compare::compare_scalar(x, Scalar::Int(0), super::compare::Cmp::Lt).map(Arg::Tensor)
    }
}
fn k_xlogy(a: &Args) -> Result<Arg> {
    let x = super::binary::operand(a, "self")?;
    let y = super::binary::operand(a, "other")?;
    let lg = match &y {
        Operand::Tensor(t) => Operand::Tensor(float_unary("aten::xlogy", t, f64::ln)?),
        Operand::Scalar(s) => Operand::Scalar(Scalar::Float(s.to_f64().ln())),
    };
    let prod = binary(&x, &lg, BinaryOp::Mul)?;
    let dtype = float_result(result_type(&[&x, &y]));
    let xt = x.to_tensor(dtype)?;
    let yt = y.to_tensor(dtype)?;
    let prod = prod.to_dtype(dtype)?;
    let r = dispatch_dtype!(dtype, T => map3::<T, T, T, T>("aten::xlogy", &xt, &yt, &prod, |x, y, p| {
        let (xf, yf) = (x.to_f64(), y.to_f64());
        if yf.is_nan() { y } else if xf == 0.0 { T::from_f64(0.0) } else { p }
    }))?;
    if a.op().contains("xlogy_") {
        write_inplace(a.op(), a.tensor("self")?, &r).map(Arg::Tensor)
    } else {
        Ok(Arg::Tensor(r))
    }
}

/// Registers the unary overloads.
pub fn register(reg: &mut Registry) {
    for name in UNARY_OPS.iter().flat_map(|u| u.names) {
        reg.register(&format!("aten::{name}"), k_unary);
        reg.register(&format!("aten::{name}_"), k_unary_);
    }
    let table: &[(&str, OpFn)] = &[
        ("aten::positive", k_positive),
        ("aten::round.decimals", k_round_decimals),
        ("aten::round_.decimals", k_round_decimals_),
        ("aten::clamp", k_clamp),
        ("aten::clamp.Tensor", k_clamp),
        ("aten::clamp_", k_clamp_),
        ("aten::clamp_.Tensor", k_clamp_),
        ("aten::clip", k_clamp),
        ("aten::clip.Tensor", k_clamp),
        ("aten::clip_", k_clamp_),
        ("aten::clip_.Tensor", k_clamp_),
        ("aten::clamp_min", k_clamp),
        ("aten::clamp_min.Tensor", k_clamp),
        ("aten::clamp_min_", k_clamp_),
        ("aten::clamp_min_.Tensor", k_clamp_),
        ("aten::clamp_max", k_clamp),
        ("aten::clamp_max.Tensor", k_clamp),
        ("aten::clamp_max_", k_clamp_),
        ("aten::clamp_max_.Tensor", k_clamp_),
        ("aten::nan_to_num", k_nan_to_num),
        ("aten::nan_to_num_", k_nan_to_num_),
        ("aten::isnan", k_isnan),
        ("aten::isinf", k_isinf),
        ("aten::isfinite", k_isfinite),
        ("aten::isposinf", k_isposinf),
        ("aten::isneginf", k_isneginf),
        ("aten::signbit", k_signbit),
        ("aten::xlogy.Tensor", k_xlogy),
        ("aten::xlogy.Scalar_Self", k_xlogy),
        ("aten::xlogy.Scalar_Other", k_xlogy),
        ("aten::xlogy_.Tensor", k_xlogy),
        ("aten::xlogy_.Scalar_Other", k_xlogy),
    ];
    for (n, f) in table {
        reg.register(n, *f);
    }
}
