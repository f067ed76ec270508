//! Comparisons (eq/ne/lt/le/gt/ge, isclose, equal) and logical/bitwise operators.

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::{Bool8, DType, Element};
use crate::error::{OpError, Result};
use crate::registry::{OpFn, Registry};
use crate::scalar::Scalar;
use crate::tensor::Tensor;

use super::binary::{operand, write_inplace};
use super::elementwise::{map1, map2};
use super::promotion::{result_type, Operand};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn name(self) -> &'static str {
        match self {
            Cmp::Eq => "aten::eq",
            Cmp::Ne => "aten::ne",
            Cmp::Lt => "aten::lt",
            Cmp::Le => "aten::le",
            Cmp::Gt => "aten::gt",
            Cmp::Ge => "aten::ge",
        }
    }
}

fn compare_typed<T: Element>(name: &str, a: &Tensor, b: &Tensor, cmp: Cmp) -> Result<Tensor> {
    let b8 = |v: bool| Bool8(v as u8);
    match cmp {
        Cmp::Eq => map2::<T, T, Bool8>(name, a, b, move |x, y| b8(x == y)),
        Cmp::Ne => map2::<T, T, Bool8>(name, a, b, move |x, y| b8(x != y)),
        Cmp::Lt => map2::<T, T, Bool8>(name, a, b, move |x, y| b8(x < y)),
        Cmp::Le => map2::<T, T, Bool8>(name, a, b, move |x, y| b8(x <= y)),
        Cmp::Gt => map2::<T, T, Bool8>(name, a, b, move |x, y| b8(x > y)),
        Cmp::Ge => map2::<T, T, Bool8>(name, a, b, move |x, y| b8(x >= y)),
    }
}

/// Compares two operands (tensors or Python numbers) after type promotion; the result is bool.
pub fn compare_operands(a: &Operand, b: &Operand, cmp: Cmp) -> Result<Tensor> {
    let dtype = result_type(&[a, b]);
    let (ta, tb) = (a.to_tensor(dtype)?, b.to_tensor(dtype)?);
    dispatch_dtype!(dtype, T => compare_typed::<T>(cmp.name(), &ta, &tb, cmp))
}

/// `a <cmp> b` for two tensors.
pub fn compare(a: &Tensor, b: &Tensor, cmp: Cmp) -> Result<Tensor> {
    compare_operands(&Operand::from(a), &Operand::from(b), cmp)
}

/// `a <cmp> s` for a tensor and a Python number.
pub fn compare_scalar(a: &Tensor, s: Scalar, cmp: Cmp) -> Result<Tensor> {
    compare_operands(&Operand::from(a), &Operand::Scalar(s), cmp)
}

/// `x != 0` as a bool tensor (the tensor itself when already bool).
pub fn to_bool(x: &Tensor) -> Result<Tensor> {
    if x.dtype() == DType::Bool {
        return Ok(x.clone());
    }
    dispatch_dtype!(x.dtype(), T => map1::<T, Bool8>("aten::to", x, |v| Bool8(v.to_bool() as u8)))
}

/// A logical operator on truth values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logic {
    And,
    Or,
    Xor,
}

/// `logical_and/or/xor`: truth values of any dtype, bool result.
pub fn logical(a: &Tensor, b: &Tensor, op: Logic) -> Result<Tensor> {
    let (ba, bb) = (to_bool(a)?, to_bool(b)?);
    let name = "aten::logical";
    match op {
        Logic::And => map2::<Bool8, Bool8, Bool8>(name, &ba, &bb, |x, y| Bool8(x.0 & y.0)),
        Logic::Or => map2::<Bool8, Bool8, Bool8>(name, &ba, &bb, |x, y| Bool8(x.0 | y.0)),
        Logic::Xor => map2::<Bool8, Bool8, Bool8>(name, &ba, &bb, |x, y| Bool8(x.0 ^ y.0)),
    }
}

/// `logical_not`.
pub fn logical_not(a: &Tensor) -> Result<Tensor> {
    let b = to_bool(a)?;
    map1::<Bool8, Bool8>("aten::logical_not", &b, |x| Bool8(x.0 ^ 1))
}

/// Integer (and bool) element types for bitwise operators.
pub trait Bits: Element {
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    fn not(self) -> Self;
    fn shl(self, o: Self) -> Self;
    fn shr(self, o: Self) -> Self;
}

macro_rules! int_bits {
    ($($t:ty),*) => {$(
        impl Bits for $t {
            fn and(self, o: Self) -> Self { self & o }
            fn or(self, o: Self) -> Self { self | o }
            fn xor(self, o: Self) -> Self { self ^ o }
            fn not(self) -> Self { !self }
            fn shl(self, o: Self) -> Self {
                let bits = i64::from(<$t>::BITS);
                let o = o as i64;
                if o < 0 || o >= bits { 0 } else { self.wrapping_shl(o as u32) }
            }
            fn shr(self, o: Self) -> Self {
                let bits = i64::from(<$t>::BITS);
                let o = o as i64;
                if o < 0 || o >= bits {
                    if self < <$t>::default() { self.wrapping_shr(<$t>::BITS.saturating_sub(1)) } else { 0 }
                } else {
                    self.wrapping_shr(o as u32)
                }
            }
        }
    )*};
}

int_bits!(u8, i8, i16, i32, i64);

impl Bits for Bool8 {
    fn and(self, o: Self) -> Self {
        Bool8(self.0 & o.0)
    }
    fn or(self, o: Self) -> Self {
        Bool8(self.0 | o.0)
    }
    fn xor(self, o: Self) -> Self {
        Bool8(self.0 ^ o.0)
    }
    fn not(self) -> Self {
        Bool8(self.0 ^ 1)
    }
    fn shl(self, o: Self) -> Self {
        Bool8(((self.0 << o.0) != 0) as u8)
    }
    fn shr(self, o: Self) -> Self {
        Bool8(((self.0 >> o.0) != 0) as u8)
    }
}

/// Runs `$body` with `$T` bound to an integer or bool element type; floats fail.
macro_rules! dispatch_bits {
    ($dtype:expr, $name:expr, $kernel:expr, $T:ident => $body:expr) => {
        $crate::__dispatch_match!($dtype, $T => $body, [
            U8: u8,
            I8: i8,
            I16: i16,
            I32: i32,
            I64: i64,
            Bool: Bool8
        ], other => Err(OpError::unsupported(
            $name,
            format!(
                "\"{}\" not implemented for '{}'",
                $kernel,
                super::promotion::torch_type_name(other)
            ),
        )))
    };
}

/// A bitwise operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    Xor,
    Shl,
    Shr,
}

fn bitwise_typed<T: Bits>(name: &str, a: &Tensor, b: &Tensor, op: BitOp) -> Result<Tensor> {
    match op {
        BitOp::And => map2::<T, T, T>(name, a, b, |x, y| x.and(y)),
        BitOp::Or => map2::<T, T, T>(name, a, b, |x, y| x.or(y)),
        BitOp::Xor => map2::<T, T, T>(name, a, b, |x, y| x.xor(y)),
        BitOp::Shl => map2::<T, T, T>(name, a, b, |x, y| x.shl(y)),
        BitOp::Shr => map2::<T, T, T>(name, a, b, |x, y| x.shr(y)),
    }
}

/// `bitwise_and/or/xor`, `<<`, `>>` on integer or bool operands, with type promotion.
pub fn bitwise_operands(a: &Operand, b: &Operand, op: BitOp) -> Result<Tensor> {
    let (name, kernel) = match op {
        BitOp::And => ("aten::bitwise_and", "bitwise_and_cpu"),
        BitOp::Or => ("aten::bitwise_or", "bitwise_or_cpu"),
        BitOp::Xor => ("aten::bitwise_xor", "bitwise_xor_cpu"),
        BitOp::Shl => ("aten::bitwise_left_shift", "lshift_cpu"),
        BitOp::Shr => ("aten::bitwise_right_shift", "rshift_cpu"),
    };
    let dtype = result_type(&[a, b]);
    let (ta, tb) = (a.to_tensor(dtype)?, b.to_tensor(dtype)?);
    dispatch_bits!(dtype, name, kernel, T => bitwise_typed::<T>(name, &ta, &tb, op))
}

/// `bitwise_and/or/xor` of two tensors.
pub fn bitwise(a: &Tensor, b: &Tensor, op: BitOp) -> Result<Tensor> {
    bitwise_operands(&Operand::from(a), &Operand::from(b), op)
}

/// `~x` on integer or bool tensors.
pub fn bitwise_not(a: &Tensor) -> Result<Tensor> {
    let name = "aten::bitwise_not";
    dispatch_bits!(a.dtype(), name, "bitwise_not_cpu", T => map1::<T, T>(name, a, |x| x.not()))
}

/// `isclose(a, b, rtol, atol, equal_nan)`.
pub fn isclose(a: &Tensor, b: &Tensor, rtol: f64, atol: f64, equal_nan: bool) -> Result<Tensor> {
    let name = "aten::isclose";
    if a.dtype() != b.dtype() {
        return Err(OpError::invalid(
            name,
            format!("{} did not match {}", a.dtype(), b.dtype()),
        ));
    }
    let (x, y) = (a.to_dtype(DType::F64)?, b.to_dtype(DType::F64)?);
    map2::<f64, f64, Bool8>(name, &x, &y, move |x, y| {
        let close = if x == y {
            true
        } else if x.is_nan() || y.is_nan() {
            equal_nan && x.is_nan() && y.is_nan()
        } else if x.is_infinite() || y.is_infinite() {
            false
        } else {
            (x - y).abs() <= atol + rtol * y.abs()
        };
        Bool8(close as u8)
    })
}

fn all_true(t: &Tensor) -> Result<bool> {
    t.with_contiguous::<Bool8, bool>(|v| v.iter().all(|b| b.0 != 0))
}

/// `torch.equal`: same shape and equal elements.
pub fn equal(a: &Tensor, b: &Tensor) -> Result<bool> {
    if a.shape() != b.shape() {
        return Ok(false);
    }
    all_true(&compare(a, b, Cmp::Eq)?)
}

macro_rules! cmp_kernels {
    ($($f:ident, $fi:ident => $cmp:expr;)*) => {$(
        fn $f(a: &Args) -> Result<Arg> {
            compare_operands(&operand(a, "self")?, &operand(a, "other")?, $cmp).map(Arg::Tensor)
        }
        fn $fi(a: &Args) -> Result<Arg> {
            let r = compare_operands(&operand(a, "self")?, &operand(a, "other")?, $cmp)?;
            let s = a.tensor("self")?;
            write_inplace(a.op(), s, &r.to_dtype(s.dtype())?).map(Arg::Tensor)
        }
    )*};
}

cmp_kernels! {
    k_eq, k_eq_ => Cmp::Eq;
    k_ne, k_ne_ => Cmp::Ne;
    k_lt, k_lt_ => Cmp::Lt;
    k_le, k_le_ => Cmp::Le;
    k_gt, k_gt_ => Cmp::Gt;
    k_ge, k_ge_ => Cmp::Ge;
}

macro_rules! bit_kernels {
    ($($f:ident, $fi:ident => $op:expr;)*) => {$(
        fn $f(a: &Args) -> Result<Arg> {
            bitwise_operands(&operand(a, "self")?, &operand(a, "other")?, $op).map(Arg::Tensor)
        }
        fn $fi(a: &Args) -> Result<Arg> {
            let r = bitwise_operands(&operand(a, "self")?, &operand(a, "other")?, $op)?;
            write_inplace(a.op(), a.tensor("self")?, &r).map(Arg::Tensor)
        }
    )*};
}

bit_kernels! {
    k_and, k_and_ => BitOp::And;
    k_or, k_or_ => BitOp::Or;
    k_xor, k_xor_ => BitOp::Xor;
    k_shl, k_shl_ => BitOp::Shl;
    k_shr, k_shr_ => BitOp::Shr;
}

fn k_bitwise_not(a: &Args) -> Result<Arg> {
    bitwise_not(a.tensor("self")?).map(Arg::Tensor)
}

fn k_bitwise_not_(a: &Args) -> Result<Arg> {
    let s = a.tensor("self")?;
    write_inplace(a.op(), s, &bitwise_not(s)?).map(Arg::Tensor)
}

macro_rules! logic_kernels {
    ($($f:ident, $fi:ident => $op:expr;)*) => {$(
        fn $f(a: &Args) -> Result<Arg> {
            logical(a.tensor("self")?, a.tensor("other")?, $op).map(Arg::Tensor)
        }
        fn $fi(a: &Args) -> Result<Arg> {
            let s = a.tensor("self")?;
            let r = logical(s, a.tensor("other")?, $op)?;
            write_inplace(a.op(), s, &r.to_dtype(s.dtype())?).map(Arg::Tensor)
        }
    )*};
}

logic_kernels! {
    k_logical_and, k_logical_and_ => Logic::And;
    k_logical_or, k_logical_or_ => Logic::Or;
    k_logical_xor, k_logical_xor_ => Logic::Xor;
}

fn k_logical_not(a: &Args) -> Result<Arg> {
    logical_not(a.tensor("self")?).map(Arg::Tensor)
}

fn k_logical_not_(a: &Args) -> Result<Arg> {
    let s = a.tensor("self")?;
    write_inplace(a.op(), s, &logical_not(s)?.to_dtype(s.dtype())?).map(Arg::Tensor)
}

fn k_isclose(a: &Args) -> Result<Arg> {
    isclose(
        a.tensor("self")?,
        a.tensor("other")?,
        a.float("rtol")?,
        a.float("atol")?,
        a.bool("equal_nan")?,
    )
    .map(Arg::Tensor)
}

fn k_allclose(a: &Args) -> Result<Arg> {
    let c = isclose(
        a.tensor("self")?,
        a.tensor("other")?,
        a.float("rtol")?,
        a.float("atol")?,
        a.bool("equal_nan")?,
    )?;
    all_true(&c).map(Arg::Bool)
}

fn k_equal(a: &Args) -> Result<Arg> {
    equal(a.tensor("self")?, a.tensor("other")?).map(Arg::Bool)
}

/// Registers comparison, logical and bitwise overloads.
pub fn register(reg: &mut Registry) {
    let mut table: Vec<(String, OpFn)> = Vec::new();
    let pairs: [(&str, OpFn, OpFn); 6] = [
        ("eq", k_eq, k_eq_),
        ("ne", k_ne, k_ne_),
        ("lt", k_lt, k_lt_),
        ("le", k_le, k_le_),
        ("gt", k_gt, k_gt_),
        ("ge", k_ge, k_ge_),
    ];
    for (n, f, fi) in pairs {
        for ov in ["Tensor", "Scalar"] {
            table.push((format!("aten::{n}.{ov}"), f));
            table.push((format!("aten::{n}_.{ov}"), fi));
        }
    }
    let aliases: [(&str, &str); 6] = [
        ("greater", "gt"),
        ("greater_equal", "ge"),
        ("less", "lt"),
        ("less_equal", "le"),
        ("not_equal", "ne"),
        ("eq", "eq"),
    ];
    for (alias, n) in aliases {
        if let Some(&(_, f, _)) = pairs.iter().find(|p| p.0 == n) {
            for ov in ["Tensor", "Scalar"] {
                table.push((format!("aten::{alias}.{ov}"), f));
            }
        }
    }
    let bits: [(&str, &str, OpFn, OpFn); 5] = [
        ("bitwise_and", "and", k_and, k_and_),
        ("bitwise_or", "or", k_or, k_or_),
        ("bitwise_xor", "xor", k_xor, k_xor_),
        ("bitwise_left_shift", "lshift", k_shl, k_shl_),
        ("bitwise_right_shift", "rshift", k_shr, k_shr_),
    ];
    for (n, dunder, f, fi) in bits {
        let is_shift = n.contains("shift");
        let second = if is_shift { "Tensor_Scalar" } else { "Scalar" };
        for ov in ["Tensor", second] {
            table.push((format!("aten::{n}.{ov}"), f));
            table.push((format!("aten::{n}_.{ov}"), fi));
        }
        for ov in ["Tensor", "Scalar"] {
            table.push((format!("aten::__{dunder}__.{ov}"), f));
            table.push((format!("aten::__i{dunder}__.{ov}"), fi));
        }
        table.push((format!("aten::{n}.Scalar_Tensor"), f));
    }
    let fixed: [(&str, OpFn); 13] = [
        ("aten::bitwise_not", k_bitwise_not),
        ("aten::bitwise_not_", k_bitwise_not_),
        ("aten::logical_and", k_logical_and),
        ("aten::logical_and_", k_logical_and_),
        ("aten::logical_or", k_logical_or),
        ("aten::logical_or_", k_logical_or_),
        ("aten::logical_xor", k_logical_xor),
        ("aten::logical_xor_", k_logical_xor_),
        ("aten::logical_not", k_logical_not),
        ("aten::logical_not_", k_logical_not_),
        ("aten::isclose", k_isclose),
        ("aten::allclose", k_allclose),
        ("aten::equal", k_equal),
    ];
    for (n, f) in fixed {
        table.push((n.to_string(), f));
    }
    for (n, f) in table {
        reg.register(&n, f);
    }
}
