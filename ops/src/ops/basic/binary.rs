//! Binary arithmetic with PyTorch type promotion: add/sub/mul/div/remainder/fmod/pow/maximum...

use std::sync::atomic::{AtomicBool, Ordering};

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::scalar::Scalar;
use crate::tensor::Tensor;

use super::elementwise::{map1, map2};
use super::num::{Arith, OpNum};
use super::promotion::{float_result, result_type, torch_type_name, Operand};

/// Which arithmetic a binary kernel performs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BinaryOp {
    /// `a + alpha * b`
    Add(Scalar),
    Mul,
    /// True division (always floating).
    Div,
    DivTrunc,
    DivFloor,
    Remainder,
    Fmod,
    Pow,
    Maximum,
    Minimum,
    /// `fmax`/`fmin`: NaN only if both are NaN.
    Fmax,
    Fmin,
    Atan2,
    Hypot,
}

impl BinaryOp {
    fn name(self) -> &'static str {
        match self {
            BinaryOp::Add(_) => "aten::add",
            BinaryOp::Mul => "aten::mul",
            BinaryOp::Div => "aten::div",
            BinaryOp::DivTrunc => "aten::div",
            BinaryOp::DivFloor => "aten::floor_divide",
            BinaryOp::Remainder => "aten::remainder",
            BinaryOp::Fmod => "aten::fmod",
            BinaryOp::Pow => "aten::pow",
            BinaryOp::Maximum => "aten::maximum",
            BinaryOp::Minimum => "aten::minimum",
            BinaryOp::Fmax => "aten::fmax",
            BinaryOp::Fmin => "aten::fmin",
            BinaryOp::Atan2 => "aten::atan2",
            BinaryOp::Hypot => "aten::hypot",
        }
    }

    fn kernel_name(self) -> &'static str {
        match self {
            BinaryOp::DivFloor => "div_floor_cpu",
            BinaryOp::DivTrunc => "div_trunc_cpu",
            BinaryOp::Remainder => "remainder_cpu",
            BinaryOp::Fmod => "fmod_cpu",
            BinaryOp::Pow => "pow",
            _ => "cpu",
        }
    }

    /// Ops whose result is floating even for integer inputs.
    fn always_float(self) -> bool {
        matches!(self, BinaryOp::Div | BinaryOp::Atan2 | BinaryOp::Hypot)
    }
}

/// Applies `op` to two operands (tensors or Python numbers) with type promotion and broadcasting.
pub fn binary(a: &Operand, b: &Operand, op: BinaryOp) -> Result<Tensor> {
    let name = op.name();
    let common = result_type(&[a, b]);
    let dtype = if op.always_float() {
        float_result(common)
    } else {
        common
    };
    if dtype.is_bool()
        && matches!(
            op,
            BinaryOp::DivFloor
                | BinaryOp::DivTrunc
                | BinaryOp::Remainder
                | BinaryOp::Fmod
                | BinaryOp::Pow
        )
    {
        return Err(OpError::unsupported(
            name,
            format!("\"{}\" not implemented for 'Bool'", op.kernel_name()),
        ));
    }
    if !dtype.is_float() && matches!(op, BinaryOp::Fmax | BinaryOp::Fmin) {
        // fmax/fmin on integers behave like maximum/minimum.
        let plain = if op == BinaryOp::Fmax {
            BinaryOp::Maximum
        } else {
            BinaryOp::Minimum
        };
        return binary(a, b, plain);
    }
    if let BinaryOp::Add(alpha) = op {
        check_alpha(name, dtype, alpha)?;
    }
    if op == BinaryOp::Pow {
        if let (Operand::Scalar(s), false) = (b, dtype.is_float()) {
            if s.to_i64() < 0 && !s.is_float() {
                return Err(OpError::invalid(
                    name,
                    "Integers to negative integer powers are not allowed.",
                ));
            }
        }
    }
    // Reduced-float mul/div use the second operand's original scalar value in float32.
    let opmath_scalar = matches!(dtype, DType::F16 | DType::BF16)
        && matches!(op, BinaryOp::Mul | BinaryOp::Div)
        && b.dim() == 0
        && a.dim() > 0;
    let scalar_b = if opmath_scalar {
        b.scalar_value()?
    } else {
        None
    };
    let ta = a.to_tensor(dtype)?;
    let tb = match scalar_b {
        Some(_) => ta.clone(),
        None => b.to_tensor(dtype)?,
    };
    let zero_divisor = AtomicBool::new(false);
    let out =
        dispatch_dtype!(dtype, T => kernel::<T>(name, op, &ta, &tb, scalar_b, &zero_divisor))?;
    if zero_divisor.load(Ordering::Relaxed) {
        return Err(OpError::invalid(name, "ZeroDivisionError"));
    }
    Ok(out)
}

fn check_alpha(name: &str, dtype: DType, alpha: Scalar) -> Result<()> {
    if !dtype.is_float() && alpha.is_float() {
        return Err(OpError::invalid(
            name,
            "For integral input tensors, argument alpha must not be a floating point number.",
        ));
    }
    if !dtype.is_bool() && matches!(alpha, Scalar::Bool(_)) {
        return Err(OpError::invalid(
            name,
            "Boolean alpha only supported for Boolean results.",
        ));
    }
    Ok(())
}

fn kernel<T: Arith>(
    name: &str,
    op: BinaryOp,
    a: &Tensor,
    b: &Tensor,
    scalar_b: Option<Scalar>,
    zero_divisor: &AtomicBool,
) -> Result<Tensor> {
    macro_rules! run {
        ($f:expr) => {{
            let f = $f;
            match scalar_b {
                Some(s) => {
                    let y = <T::Op as OpNum>::from_scalar(s);
                    map1::<T, T>(name, a, move |x| T::from_op(f(x.op(), y)))
                }
                None => map2::<T, T, T>(name, a, b, move |x, y| T::from_op(f(x.op(), y.op()))),
            }
        }};
    }
    let int_division = !<T::Op as OpNum>::IS_FLOAT;
    let check_zero = |y: T::Op| {
        if int_division && y.is_zero() {
            zero_divisor.store(true, Ordering::Relaxed);
        }
    };
    match op {
        BinaryOp::Add(alpha) => {
            if alpha.to_f64() == 1.0 {
                run!(|x: T::Op, y: T::Op| x.add(y))
            } else {
                let alpha = <T::Op as OpNum>::from_scalar(alpha);
                run!(move |x: T::Op, y: T::Op| x.add(alpha.mul(y)))
            }
        }
        BinaryOp::Mul => run!(|x: T::Op, y: T::Op| x.mul(y)),
        BinaryOp::Div => run!(|x: T::Op, y: T::Op| x.div(y)),
        BinaryOp::DivTrunc => run!(|x: T::Op, y: T::Op| {
            check_zero(y);
            x.div_trunc(y)
        }),
        BinaryOp::DivFloor => run!(|x: T::Op, y: T::Op| {
            check_zero(y);
            x.div_floor(y)
        }),
        BinaryOp::Remainder => run!(|x: T::Op, y: T::Op| {
            check_zero(y);
            x.remainder(y)
        }),
        BinaryOp::Fmod => run!(|x: T::Op, y: T::Op| {
            check_zero(y);
            x.fmod(y)
        }),
        BinaryOp::Pow => run!(|x: T::Op, y: T::Op| x.pow(y)),
        BinaryOp::Maximum => run!(|x: T::Op, y: T::Op| x.maximum(y)),
        BinaryOp::Minimum => run!(|x: T::Op, y: T::Op| x.minimum(y)),
        BinaryOp::Fmax => run!(|x: T::Op, y: T::Op| if x.is_nan() {
            y
        } else if y.is_nan() {
            x
        } else {
            x.maximum(y)
        }),
        BinaryOp::Fmin => run!(|x: T::Op, y: T::Op| if x.is_nan() {
            y
        } else if y.is_nan() {
            x
        } else {
            x.minimum(y)
        }),
        BinaryOp::Atan2 => {
            run!(|x: T::Op, y: T::Op| <T::Op as OpNum>::of_f64(x.as_f64().atan2(y.as_f64())))
        }
        BinaryOp::Hypot => {
            run!(|x: T::Op, y: T::Op| <T::Op as OpNum>::of_f64(x.as_f64().hypot(y.as_f64())))
        }
    }
}

fn t(x: &Tensor) -> Operand {
    Operand::Tensor(x.clone())
}

fn s(x: Scalar) -> Operand {
    Operand::Scalar(x)
}

fn check_sub(a: &Operand, b: &Operand) -> Result<()> {
    let is_bool = |o: &Operand| o.own_dtype().is_bool();
    if is_bool(a) && is_bool(b) {
        return Err(OpError::unsupported("aten::sub", "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead."));
    }
    if is_bool(a) || is_bool(b) {
        return Err(OpError::unsupported("aten::sub", "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."));
    }
    Ok(())
}

fn neg_alpha(alpha: Scalar) -> Scalar {
    match alpha {
        Scalar::Int(i) => Scalar::Int(i.wrapping_neg()),
        Scalar::Float(f) => Scalar::Float(-f),
        Scalar::Bool(b) => Scalar::Int(if b { -1 } else { 0 }),
    }
}

/// `a + alpha * b`.
pub fn add(a: &Tensor, b: &Tensor, alpha: Scalar) -> Result<Tensor> {
    binary(&t(a), &t(b), BinaryOp::Add(alpha))
}

/// `a + alpha * b` with a Python number `b`.
pub fn add_scalar(a: &Tensor, b: Scalar, alpha: Scalar) -> Result<Tensor> {
    binary(&t(a), &s(b), BinaryOp::Add(alpha))
}

/// Subtraction of any two operands (`a - alpha * b`).
pub fn sub_operands(a: &Operand, b: &Operand, alpha: Scalar) -> Result<Tensor> {
    check_sub(a, b)?;
    let common = result_type(&[a, b]);
    check_alpha("aten::sub", common, alpha)?;
    binary(a, b, BinaryOp::Add(neg_alpha(alpha)))
}

/// `a - alpha * b`.
pub fn sub(a: &Tensor, b: &Tensor, alpha: Scalar) -> Result<Tensor> {
    sub_operands(&t(a), &t(b), alpha)
}

/// `a - alpha * b` with a Python number `b`.
pub fn sub_scalar(a: &Tensor, b: Scalar, alpha: Scalar) -> Result<Tensor> {
    sub_operands(&t(a), &s(b), alpha)
}

/// `a * b`.
pub fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(&t(a), &t(b), BinaryOp::Mul)
}

/// `a * b` with a Python number `b`.
pub fn mul_scalar(a: &Tensor, b: Scalar) -> Result<Tensor> {
    binary(&t(a), &s(b), BinaryOp::Mul)
}

fn rounding_op(mode: Option<&str>) -> Result<BinaryOp> {
    match mode {
        None => Ok(BinaryOp::Div),
        Some("trunc") => Ok(BinaryOp::DivTrunc),
        Some("floor") => Ok(BinaryOp::DivFloor),
        Some(other) => Err(OpError::invalid(
            "aten::div",
            format!("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{other}'"),
        )),
    }
}

/// Division of any two operands; `rounding_mode` None (true division), "trunc" or "floor".
pub fn div_operands(a: &Operand, b: &Operand, rounding_mode: Option<&str>) -> Result<Tensor> {
    binary(a, b, rounding_op(rounding_mode)?)
}

/// `a / b` (true division unless `rounding_mode` is "trunc" or "floor").
pub fn div(a: &Tensor, b: &Tensor, rounding_mode: Option<&str>) -> Result<Tensor> {
    div_operands(&t(a), &t(b), rounding_mode)
}

/// `a / b` with a Python number `b`.
pub fn div_scalar(a: &Tensor, b: Scalar, rounding_mode: Option<&str>) -> Result<Tensor> {
    div_operands(&t(a), &s(b), rounding_mode)
}

/// `a ** b` for any operands (`pow.Tensor_Tensor`, `pow.Tensor_Scalar`, `pow.Scalar`).
pub fn pow_operands(a: &Operand, b: &Operand) -> Result<Tensor> {
    if let (Operand::Tensor(x), Operand::Scalar(e)) = (a, b) {
        let dtype = result_type(&[a, b]);
        if dtype.is_float() {
            return pow_float_scalar(x, *e, dtype);
        }
    }
    binary(a, b, BinaryOp::Pow)
}

/// `pow(x, e)` for a floating result: PyTorch's special cases for 0.5, 2, 3, -0.5, -1, -2.
fn pow_float_scalar(x: &Tensor, e: Scalar, dtype: DType) -> Result<Tensor> {
    let x = x.to_dtype(dtype)?;
    dispatch_dtype!(dtype, T => pow_scalar_typed::<T>(&x, e.to_f64()))
}

fn pow_scalar_typed<T: Arith>(x: &Tensor, ev: f64) -> Result<Tensor> {
    let name = "aten::pow";
    let one = <T::Op as OpNum>::one();
    let sqrt = |v: T::Op| <T::Op as OpNum>::of_f64(v.as_f64().sqrt());
    if ev == 2.0 {
        map1::<T, T>(name, x, |v| T::from_op(v.op().mul(v.op())))
    } else if ev == 3.0 {
        map1::<T, T>(name, x, |v| T::from_op(v.op().mul(v.op()).mul(v.op())))
    } else if ev == 0.5 {
        map1::<T, T>(name, x, |v| T::from_op(sqrt(v.op())))
    } else if ev == -0.5 {
        map1::<T, T>(name, x, |v| T::from_op(one.div(sqrt(v.op()))))
    } else if ev == -1.0 {
        map1::<T, T>(name, x, |v| T::from_op(one.div(v.op())))
    } else if ev == -2.0 {
        map1::<T, T>(name, x, |v| T::from_op(one.div(v.op().mul(v.op()))))
    } else {
        let y = <T::Op as OpNum>::of_f64(ev);
        map1::<T, T>(name, x, move |v| T::from_op(v.op().pow(y)))
    }
}

/// `a ** b`.
pub fn pow(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    pow_operands(&t(a), &t(b))
}

/// `a ** e` with a Python number exponent.
pub fn pow_scalar(a: &Tensor, e: Scalar) -> Result<Tensor> {
    pow_operands(&t(a), &s(e))
}

/// Elementwise maximum (NaN propagates).
pub fn maximum(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(&t(a), &t(b), BinaryOp::Maximum)
}

/// Elementwise minimum (NaN propagates).
pub fn minimum(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(&t(a), &t(b), BinaryOp::Minimum)
}

/// `lerp(start, end, weight)` with PyTorch's two-sided formula (floating tensors only).
pub fn lerp(start: &Tensor, end: &Tensor, weight: &Operand) -> Result<Tensor> {
    let op = "aten::lerp";
    let dtype = start.dtype();
    if !dtype.is_float() || end.dtype() != dtype {
        return Err(OpError::invalid(
            op,
            format!(
                "lerp expects floating tensors of the same dtype, got {} and {}",
                dtype,
                end.dtype()
            ),
        ));
    }
    let w = weight.to_tensor(dtype)?;
    dispatch_dtype!(dtype, T => lerp_typed::<T>(op, start, end, &w))
}

fn lerp_typed<T: Arith>(op: &str, start: &Tensor, end: &Tensor, w: &Tensor) -> Result<Tensor> {
    super::elementwise::map3::<T, T, T, T>(op, start, end, w, |s, e, w| {
        let (s, e, w) = (s.op(), e.op(), w.op());
        let half = <T::Op as OpNum>::of_f64(0.5);
        let one = <T::Op as OpNum>::one();
        let diff = e.sub(s);
        let w_abs = w.abs();
        T::from_op(if w_abs < half {
            s.add(w.mul(diff))
        } else {
            e.sub(diff.mul(one.sub(w)))
        })
    })
}

/// `addcmul` (`self + value * t1 * t2`) or `addcdiv` (`self + value * t1 / t2`).
pub fn addc(x: &Tensor, t1: &Tensor, t2: &Tensor, value: Scalar, divide: bool) -> Result<Tensor> {
    if divide && !t1.dtype().is_float() && !t2.dtype().is_float() {
        return Err(OpError::invalid("aten::addcdiv", "Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform a true division of tensor1 and tensor2."));
    }
    let scaled = mul_scalar(t1, value)?;
    let term = if divide {
        div(&scaled, t2, None)?
    } else {
        mul(&scaled, t2)?
    };
    add(x, &term, Scalar::Int(1))
}

fn k_lerp(a: &Args) -> Result<Arg> {
    let r = lerp(a.tensor("self")?, a.tensor("end")?, &operand(a, "weight")?)?;
    if a.op().contains("lerp_") {
        write_inplace(a.op(), a.tensor("self")?, &r).map(Arg::Tensor)
    } else {
        Ok(Arg::Tensor(r))
    }
}

fn k_addc(a: &Args) -> Result<Arg> {
    let divide = a.op().contains("addcdiv");
    let r = addc(
        a.tensor("self")?,
        a.tensor("tensor1")?,
        a.tensor("tensor2")?,
        a.scalar("value")?,
        divide,
    )?;
    if a.op().ends_with('_') {
        write_inplace(a.op(), a.tensor("self")?, &r).map(Arg::Tensor)
    } else {
        Ok(Arg::Tensor(r))
    }
}

/// The operand named `name` in the schema: a tensor, or a Python number (`Tensor self` in
/// `add.Tensor`, `Scalar self` in `pow.Scalar`).
pub(crate) fn operand(args: &Args, name: &str) -> Result<Operand> {
    match args.get(name)? {
        Arg::Tensor(x) => Ok(Operand::Tensor(x.clone())),
        _ => args.scalar(name).map(Operand::Scalar),
    }
}

/// Stores `result` into `self_` (an in-place op): the result must not need broadcasting
/// `self_` and must be castable to its dtype.
pub fn write_inplace(op: &str, self_: &Tensor, result: &Tensor) -> Result<Tensor> {
    if result.shape() != self_.shape() {
        return Err(OpError::shape(
            op,
            format!(
                "output with shape {:?} doesn't match the broadcast shape {:?}",
                self_.shape(),
                result.shape()
            ),
        ));
    }
    if !super::promotion::can_cast(result.dtype(), self_.dtype()) {
        return Err(OpError::invalid(
            op,
            format!(
                "result type {} can't be cast to the desired output type {}",
                torch_type_name(result.dtype()),
                torch_type_name(self_.dtype())
            ),
        ));
    }
    self_.copy_from(result)?;
    Ok(self_.clone())
}

fn k_add(a: &Args) -> Result<Arg> {
    binary(
        &operand(a, "self")?,
        &operand(a, "other")?,
        BinaryOp::Add(a.scalar("alpha")?),
    )
    .map(Arg::Tensor)
}

fn k_add_(a: &Args) -> Result<Arg> {
    let r = binary(
        &operand(a, "self")?,
        &operand(a, "other")?,
        BinaryOp::Add(a.scalar("alpha")?),
    )?;
    write_inplace(a.op(), a.tensor("self")?, &r).map(Arg::Tensor)
}

fn k_sub(a: &Args) -> Result<Arg> {
    sub_operands(
        &operand(a, "self")?,
        &operand(a, "other")?,
        a.scalar("alpha")?,
    )
    .map(Arg::Tensor)
}

fn k_sub_(a: &Args) -> Result<Arg> {
    let r = sub_operands(
        &operand(a, "self")?,
        &operand(a, "other")?,
        a.scalar("alpha")?,
    )?;
    write_inplace(a.op(), a.tensor("self")?, &r).map(Arg::Tensor)
}

fn k_rsub(a: &Args) -> Result<Arg> {
    sub_operands(
        &operand(a, "other")?,
        &operand(a, "self")?,
        a.scalar("alpha")?,
    )
    .map(Arg::Tensor)
}

fn k_div_mode(a: &Args) -> Result<Arg> {
    div_operands(
        &operand(a, "self")?,
        &operand(a, "other")?,
        a.opt_str("rounding_mode")?,
    )
    .map(Arg::Tensor)
}

fn k_div_mode_(a: &Args) -> Result<Arg> {
    let r = div_operands(
        &operand(a, "self")?,
        &operand(a, "other")?,
        a.opt_str("rounding_mode")?,
    )?;
    write_inplace(a.op(), a.tensor("self")?, &r).map(Arg::Tensor)
}

fn k_pow(a: &Args) -> Result<Arg> {
    pow_operands(&operand(a, "self")?, &operand(a, "exponent")?).map(Arg::Tensor)
}

fn k_pow_(a: &Args) -> Result<Arg> {
    let r = pow_operands(&operand(a, "self")?, &operand(a, "exponent")?)?;
    write_inplace(a.op(), a.tensor("self")?, &r).map(Arg::Tensor)
}

macro_rules! out_of_place_kernels {
    ($($f:ident => $op:expr;)*) => {$(
        fn $f(a: &Args) -> Result<Arg> {
            binary(&operand(a, "self")?, &operand(a, "other")?, $op).map(Arg::Tensor)
        }
    )*};
}

macro_rules! in_place_kernels {
    ($($f:ident => $op:expr;)*) => {$(
        fn $f(a: &Args) -> Result<Arg> {
            let r = binary(&operand(a, "self")?, &operand(a, "other")?, $op)?;
            write_inplace(a.op(), a.tensor("self")?, &r).map(Arg::Tensor)
        }
    )*};
}

out_of_place_kernels! {
    k_mul => BinaryOp::Mul;
    k_div => BinaryOp::Div;
    k_floor_divide => BinaryOp::DivFloor;
    k_remainder => BinaryOp::Remainder;
    k_fmod => BinaryOp::Fmod;
    k_maximum => BinaryOp::Maximum;
    k_minimum => BinaryOp::Minimum;
    k_fmax => BinaryOp::Fmax;
    k_fmin => BinaryOp::Fmin;
    k_atan2 => BinaryOp::Atan2;
    k_hypot => BinaryOp::Hypot;
}

in_place_kernels! {
    k_mul_ => BinaryOp::Mul;
    k_div_ => BinaryOp::Div;
    k_floor_divide_ => BinaryOp::DivFloor;
    k_remainder_ => BinaryOp::Remainder;
    k_fmod_ => BinaryOp::Fmod;
    k_atan2_ => BinaryOp::Atan2;
    k_hypot_ => BinaryOp::Hypot;
}

/// Registers the arithmetic overloads.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, crate::registry::OpFn)] = &[
        ("aten::add.Tensor", k_add),
        ("aten::add.Scalar", k_add),
        ("aten::add_.Tensor", k_add_),
        ("aten::add_.Scalar", k_add_),
        ("aten::sub.Tensor", k_sub),
        ("aten::sub.Scalar", k_sub),
        ("aten::sub_.Tensor", k_sub_),
        ("aten::sub_.Scalar", k_sub_),
        ("aten::rsub.Tensor", k_rsub),
        ("aten::rsub.Scalar", k_rsub),
        ("aten::mul.Tensor", k_mul),
        ("aten::mul.Scalar", k_mul),
        ("aten::mul_.Tensor", k_mul_),
        ("aten::mul_.Scalar", k_mul_),
        ("aten::div.Tensor", k_div),
        ("aten::div.Scalar", k_div),
        ("aten::div_.Tensor", k_div_),
        ("aten::div_.Scalar", k_div_),
        ("aten::div.Tensor_mode", k_div_mode),
        ("aten::div.Scalar_mode", k_div_mode),
        ("aten::div_.Tensor_mode", k_div_mode_),
        ("aten::div_.Scalar_mode", k_div_mode_),
        ("aten::true_divide.Tensor", k_div),
        ("aten::true_divide.Scalar", k_div),
        ("aten::floor_divide", k_floor_divide),
        ("aten::floor_divide.Scalar", k_floor_divide),
        ("aten::floor_divide_.Tensor", k_floor_divide_),
        ("aten::floor_divide_.Scalar", k_floor_divide_),
        ("aten::remainder.Tensor", k_remainder),
        ("aten::remainder.Scalar", k_remainder),
        ("aten::remainder.Scalar_Tensor", k_remainder),
        ("aten::remainder_.Tensor", k_remainder_),
        ("aten::remainder_.Scalar", k_remainder_),
        ("aten::fmod.Tensor", k_fmod),
        ("aten::fmod.Scalar", k_fmod),
        ("aten::fmod_.Tensor", k_fmod_),
        ("aten::fmod_.Scalar", k_fmod_),
        ("aten::pow.Tensor_Tensor", k_pow),
        ("aten::pow.Tensor_Scalar", k_pow),
        ("aten::pow.Scalar", k_pow),
        ("aten::pow_.Tensor", k_pow_),
        ("aten::pow_.Scalar", k_pow_),
        ("aten::maximum", k_maximum),
        ("aten::minimum", k_minimum),
        ("aten::max.other", k_maximum),
        ("aten::min.other", k_minimum),
        ("aten::fmax", k_fmax),
        ("aten::fmin", k_fmin),
        ("aten::atan2", k_atan2),
        ("aten::atan2_", k_atan2_),
        ("aten::hypot", k_hypot),
        ("aten::hypot_", k_hypot_),
        ("aten::lerp.Scalar", k_lerp),
        ("aten::lerp.Tensor", k_lerp),
        ("aten::lerp_.Scalar", k_lerp),
        ("aten::lerp_.Tensor", k_lerp),
        ("aten::addcmul", k_addc),
        ("aten::addcmul_", k_addc),
        ("aten::addcdiv", k_addc),
        ("aten::addcdiv_", k_addc),
    ];
    for (name, f) in table {
        reg.register(name, *f);
    }
}
