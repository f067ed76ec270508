//! Torch scalar types (`ScalarType`), their element representations and dtype dispatch.

use half::{bf16, f16};

use crate::error::{OpError, Result};

/// A tensor element type, numbered as PyTorch's `c10::ScalarType` (what TorchScript code passes as `dtype=6`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    U8,
    I8,
    I16,
    I32,
    I64,
    F16,
    F32,
    F64,
    Bool,
    BF16,
}

impl DType {
    /// Every supported dtype.
    pub const ALL: [DType; 10] = [
        DType::U8,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::F16,
        DType::F32,
        DType::F64,
        DType::Bool,
        DType::BF16,
    ];

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::U8 | DType::I8 | DType::Bool => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 => 8,
        }
    }

    /// PyTorch's `ScalarType` code.
    pub fn scalar_type_code(self) -> i64 {
        match self {
            DType::U8 => 0,
            DType::I8 => 1,
            DType::I16 => 2,
            DType::I32 => 3,
            DType::I64 => 4,
            DType::F16 => 5,
            DType::F32 => 6,
            DType::F64 => 7,
            DType::Bool => 11,
            DType::BF16 => 15,
        }
    }

    /// The dtype for a `ScalarType` code, as TorchScript passes `dtype` arguments.
    pub fn from_scalar_type_code(code: i64) -> Result<DType> {
        Ok(match code {
            0 => DType::U8,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::I64,
            5 => DType::F16,
            6 => DType::F32,
            7 => DType::F64,
            11 => DType::Bool,
            15 => DType::BF16,
            8..=10 => return Err(OpError::unsupported_dtype("complex")),
            12..=14 | 16 | 17 => return Err(OpError::unsupported_dtype("quantized")),
            other => {
                return Err(OpError::unsupported_dtype(format!(
                    "ScalarType code {other}"
                )))
            }
        })
    }

    /// The name PyTorch prints, e.g. `float32`.
    pub fn name(self) -> &'static str {
        match self {
            DType::U8 => "uint8",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F16 => "float16",
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::Bool => "bool",
            DType::BF16 => "bfloat16",
        }
    }

    /// Parses a PyTorch dtype name (`float32`, `float`, `torch.int64`, `long`, ...).
    pub fn from_name(name: &str) -> Option<DType> {
        let name = name.strip_prefix("torch.").unwrap_or(name);
        Some(match name {
            "uint8" => DType::U8,
            "int8" => DType::I8,
            "int16" | "short" => DType::I16,
            "int32" | "int" => DType::I32,
            "int64" | "long" => DType::I64,
            "float16" | "half" => DType::F16,
            "float32" | "float" => DType::F32,
            "float64" | "double" => DType::F64,
            "bool" => DType::Bool,
            "bfloat16" => DType::BF16,
            _ => return None,
        })
    }

    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::F32 | DType::F64 | DType::BF16)
    }

    pub fn is_integral(self) -> bool {
        matches!(
            self,
            DType::U8 | DType::I8 | DType::I16 | DType::I32 | DType::I64
        )
    }

    pub fn is_bool(self) -> bool {
        self == DType::Bool
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A bool element stored as one byte (0 or 1), as PyTorch stores `torch.bool`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    Hash,
    bytemuck::Pod,
    bytemuck::Zeroable,
)]
#[repr(transparent)]
pub struct Bool8(pub u8);

impl Bool8 {
    pub fn get(self) -> bool {
        self.0 != 0
    }
}

impl From<bool> for Bool8 {
    fn from(b: bool) -> Self {
        Bool8(b as u8)
    }
}

/// A Rust type that holds the elements of one dtype.
pub trait Element:
    bytemuck::Pod + Copy + Default + PartialEq + PartialOrd + Send + Sync + std::fmt::Debug + 'static
{
    const DTYPE: DType;
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
    fn to_i64(self) -> i64;
    fn from_i64(v: i64) -> Self;
    fn to_bool(self) -> bool;
    fn from_bool(v: bool) -> Self;
    /// Converts to another element type with PyTorch's cast semantics (integers stay exact).
    fn cast<U: Element>(self) -> U {
        if U::DTYPE.is_bool() {
            U::from_bool(self.to_bool())
        } else if Self::DTYPE.is_float() || U::DTYPE.is_float() {
            U::from_f64(self.to_f64())
        } else {
            U::from_i64(self.to_i64())
        }
    }
}

macro_rules! int_element {
    ($t:ty, $d:expr) => {
        impl Element for $t {
            const DTYPE: DType = $d;
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                // Float to integer casts truncate toward zero and wrap modulo 2^bits for
                // in-range values of int64, as PyTorch's static_cast does on x86.
                (v as i64) as $t
            }
            #[inline]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            #[inline]
            fn to_bool(self) -> bool {
                self != 0
            }
            #[inline]
            fn from_bool(v: bool) -> Self {
                v as $t
            }
        }
    };
}

int_element!(u8, DType::U8);
int_element!(i8, DType::I8);
int_element!(i16, DType::I16);
int_element!(i32, DType::I32);
int_element!(i64, DType::I64);

macro_rules! float_element {
    ($t:ty, $d:expr, $to:expr, $from:expr) => {
        impl Element for $t {
            const DTYPE: DType = $d;
            #[inline]
            fn to_f64(self) -> f64 {
                $to(self)
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                $from(v)
            }
            #[inline]
            fn to_i64(self) -> i64 {
                $to(self) as i64
            }
            #[inline]
            fn from_i64(v: i64) -> Self {
                $from(v as f64)
            }
            #[inline]
            fn to_bool(self) -> bool {
                $to(self) != 0.0
            }
            #[inline]
            fn from_bool(v: bool) -> Self {
                $from(v as u8 as f64)
            }
        }
    };
}

/// Appends `src` converted to `T` (PyTorch's casts, as [`Element::cast`]) to `out`. The
/// conversions between float32 and the two half-precision types, which half-precision models
/// make around every operator, run as straight loops the compiler vectorizes (half's slice
/// conversions, with F16C, for float16) instead of through `f64` one element at a time. The
/// values are the same: one round-to-nearest-even of the same exact value.
/// A float32 rounded to the nearest bfloat16, ties to even (NaN stays a quiet NaN of the same
/// sign and high payload bits): `half`'s `bf16::from_f32`, without branches, so that loops of it
/// vectorize.
#[inline(always)]
fn bf16_of_f32(v: f32) -> bf16 {
    let x = v.to_bits();
    let lsb = (x >> 16) & 1;
    // adding 0x7fff + lsb carries into the kept half exactly when rounding goes up
    let rounded = (x.wrapping_add(0x7fff).wrapping_add(lsb) >> 16) as u16;
    let quiet_nan = ((x >> 16) as u16) | 0x0040;
    bf16::from_bits(if v.is_nan() { quiet_nan } else { rounded })
}

pub fn extend_converted<S: Element, T: Element>(out: &mut Vec<T>, src: &[S]) {
    use std::any::Any;
    // The bfloat16 conversions append in one pass (no zero fill first): `out` is a `Vec<f32>`
    // or `Vec<bf16>` exactly when `T` is.
    match (S::DTYPE, T::DTYPE) {
        (DType::BF16, DType::F32) => {
            let src: &[bf16] = bytemuck::cast_slice(src);
            if let Some(out) = (out as &mut dyn Any).downcast_mut::<Vec<f32>>() {
                return extend_widened_bf16(out, src);
            }
        }
        (DType::F32, DType::BF16) => {
            let src: &[f32] = bytemuck::cast_slice(src);
            if let Some(out) = (out as &mut dyn Any).downcast_mut::<Vec<bf16>>() {
                return extend_narrowed_bf16(out, src);
            }
        }
        (DType::F16, DType::F32) | (DType::F32, DType::F16) => {
            let start = out.len();
            out.resize(start.saturating_add(src.len()), T::default());
            if let Some(dst) = out.get_mut(start..) {
                convert_into(src, dst);
            }
            return;
        }
        _ => {}
    }
    out.extend(src.iter().map(|&v| v.cast::<T>()));
}

// The bfloat16 loops in AVX2 / AVX-512 builds where the CPU has them (16 lanes at a time
// instead of the portable build's 4): they run around every operator of a bfloat16 model.
crate::ops::nn::simd::wide_dispatch!(fn extend_widened_bf16(out: &mut Vec<f32>, src: &[bf16]) => extend_widened_bf16_here);
crate::ops::nn::simd::wide_dispatch!(fn extend_narrowed_bf16(out: &mut Vec<bf16>, src: &[f32]) => extend_narrowed_bf16_here);
crate::ops::nn::simd::wide_dispatch!(fn widen_bf16(src: &[bf16], dst: &mut [f32]) => widen_bf16_here);
crate::ops::nn::simd::wide_dispatch!(fn narrow_bf16(src: &[f32], dst: &mut [bf16]) => narrow_bf16_here);

#[inline(always)]
fn extend_widened_bf16_here(out: &mut Vec<f32>, src: &[bf16]) {
    out.extend(src.iter().map(|&s| f32_of_bf16(s)));
}

#[inline(always)]
fn extend_narrowed_bf16_here(out: &mut Vec<bf16>, src: &[f32]) {
    out.extend(src.iter().map(|&v| bf16_of_f32(v)));
}

#[inline(always)]
fn widen_bf16_here(src: &[bf16], dst: &mut [f32]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = f32_of_bf16(s);
    }
}

#[inline(always)]
fn narrow_bf16_here(src: &[f32], dst: &mut [bf16]) {
    for (d, &v) in dst.iter_mut().zip(src) {
        *d = bf16_of_f32(v);
    }
}

/// A bfloat16 widened to the float32 it stands for (its high half).
#[inline(always)]
fn f32_of_bf16(v: bf16) -> f32 {
    f32::from_bits(u32::from(v.to_bits()) << 16)
}

/// Writes `src` converted to `T` into `dst` (the shorter length of the two), with the casts of
/// [`extend_converted`]: straight vectorized loops between float32 and the half types, for the
/// kernels that widen a half-precision tensor block by block instead of as a whole.
pub fn convert_into<S: Element, T: Element>(src: &[S], dst: &mut [T]) {
    use bytemuck::{cast_slice, cast_slice_mut};
    let len = src.len().min(dst.len());
    let (Some(src), Some(dst)) = (src.get(..len), dst.get_mut(..len)) else {
        return;
    };
    match (S::DTYPE, T::DTYPE) {
        (DType::BF16, DType::F32) => widen_bf16(cast_slice(src), cast_slice_mut(dst)),
        (DType::F16, DType::F32) => {
            half::slice::HalfFloatSliceExt::convert_to_f32_slice(
                cast_slice::<S, f16>(src),
                cast_slice_mut(dst),
            );
        }
        (DType::F32, DType::BF16) => narrow_bf16(cast_slice(src), cast_slice_mut(dst)),
        (DType::F32, DType::F16) => {
            half::slice::HalfFloatSliceExt::convert_from_f32_slice(
                cast_slice_mut::<T, f16>(dst),
                cast_slice(src),
            );
        }
        _ => {
            for (d, &v) in dst.iter_mut().zip(src) {
                *d = v.cast::<T>();
            }
        }
    }
}

float_element!(f32, DType::F32, |x: f32| x as f64, |v: f64| v as f32);
float_element!(f64, DType::F64, |x: f64| x, |v: f64| v);
float_element!(f16, DType::F16, |x: f16| x.to_f64(), f16::from_f64);
float_element!(bf16, DType::BF16, |x: bf16| x.to_f64(), bf16::from_f64);

impl Element for Bool8 {
    const DTYPE: DType = DType::Bool;
    #[inline]
    fn to_f64(self) -> f64 {
        self.0 as f64
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        Bool8((v != 0.0) as u8)
    }
    #[inline]
    fn to_i64(self) -> i64 {
        self.0 as i64
    }
    #[inline]
    fn from_i64(v: i64) -> Self {
        Bool8((v != 0) as u8)
    }
    #[inline]
    fn to_bool(self) -> bool {
        self.0 != 0
    }
    #[inline]
    fn from_bool(v: bool) -> Self {
        Bool8(v as u8)
    }
}

/// The `match` behind [`dispatch_dtype!`] and [`dispatch_float!`]: one arm per listed dtype
/// running `$body` with `$T` bound to its element type, and `$rest => $other` for the other
/// dtypes if given.
#[doc(hidden)]
#[macro_export]
macro_rules! __dispatch_match {
    ($dtype:expr, $T:ident => $body:expr, [$($variant:ident: $ty:ty),+] $(, $rest:pat => $other:expr)?) => {{
        match $dtype {
            $(
                $crate::DType::$variant => {
                    type $T = $ty;
                    $body
                }
            )+
            $($rest => $other,)?
        }
    }};
}

/// Runs `$body` with `$T` bound to the element type of `$dtype`.
///
/// ```ignore
/// dispatch_dtype!(t.dtype(), T => t.to_vec::<T>()?.len())
/// ```
#[macro_export]
macro_rules! dispatch_dtype {
    ($dtype:expr, $T:ident => $body:expr) => {
        $crate::__dispatch_match!($dtype, $T => $body, [
            U8: u8,
            I8: i8,
            I16: i16,
            I32: i32,
            I64: i64,
            F16: $crate::half::f16,
            F32: f32,
            F64: f64,
            Bool: $crate::Bool8,
            BF16: $crate::half::bf16
        ])
    };
}

/// Like [`dispatch_dtype!`] but only for floating dtypes; other dtypes evaluate `$other`.
#[macro_export]
macro_rules! dispatch_float {
    ($dtype:expr, $T:ident => $body:expr, _ => $other:expr) => {
        $crate::__dispatch_match!($dtype, $T => $body, [
            F16: $crate::half::f16,
            F32: f32,
            F64: f64,
            BF16: $crate::half::bf16
        ], _ => $other)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_type_codes_round_trip() {
        for d in DType::ALL {
            assert_eq!(
                DType::from_scalar_type_code(d.scalar_type_code()).unwrap(),
                d
            );
            assert_eq!(DType::from_name(d.name()), Some(d));
        }
    }

    #[test]
    fn half_conversions_match_the_scalar_casts() {
        let values: Vec<f32> = (0..2000)
            .map(|i| ((i as f32) * 0.731).sin() * 10f32.powi(i % 9 - 4))
            .chain([f32::NAN, f32::INFINITY, -0.0, 65520.0, 1e-8, 3.4e38])
            .collect();
        let mut bf = Vec::new();
        extend_converted::<f32, bf16>(&mut bf, &values);
        let mut hf = Vec::new();
        extend_converted::<f32, f16>(&mut hf, &values);
        for ((&v, b), h) in values.iter().zip(&bf).zip(&hf) {
            assert_eq!(b.to_bits(), v.cast::<bf16>().to_bits(), "{v}");
            assert_eq!(h.to_bits(), v.cast::<f16>().to_bits(), "{v}");
        }
        let (mut from_bf, mut from_hf) = (Vec::new(), Vec::new());
        extend_converted::<bf16, f32>(&mut from_bf, &bf);
        extend_converted::<f16, f32>(&mut from_hf, &hf);
        for ((b, h), (fb, fh)) in bf.iter().zip(&hf).zip(from_bf.iter().zip(&from_hf)) {
            assert_eq!(fb.to_bits(), b.cast::<f32>().to_bits());
            assert_eq!(fh.to_bits(), h.cast::<f32>().to_bits());
        }
        // the block-by-block form writes the same values
        let (mut bf_into, mut hf_into) = (
            vec![bf16::ZERO; values.len()],
            vec![f16::ZERO; values.len()],
        );
        convert_into(&values, &mut bf_into);
        convert_into(&values, &mut hf_into);
        assert_eq!(
            bf_into.iter().map(|b| b.to_bits()).collect::<Vec<_>>(),
            bf.iter().map(|b| b.to_bits()).collect::<Vec<_>>()
        );
        assert_eq!(
            hf_into.iter().map(|h| h.to_bits()).collect::<Vec<_>>(),
            hf.iter().map(|h| h.to_bits()).collect::<Vec<_>>()
        );
        let mut back = vec![0f32; bf.len()];
        convert_into(&bf, &mut back);
        assert_eq!(
            back.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            from_bf.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn bfloat16_rounding_matches_half_on_every_kind_of_bit_pattern() {
        // every 4099th pattern walks all exponents, signs, NaNs and round-bit cases
        let patterns = (0..=u32::MAX).step_by(4099).chain([
            0x7f7f_ffff,
            0xff7f_ffff,
            0x7f80_0000,
            0x7fc0_0000,
            0x0000_8000,
            0x0001_8000,
        ]);
        for bits in patterns {
            let v = f32::from_bits(bits);
            assert_eq!(
                bf16_of_f32(v).to_bits(),
                bf16::from_f32(v).to_bits(),
                "{bits:#x}"
            );
        }
    }

    #[test]
    fn casts_follow_torch() {
        assert_eq!((-2.7f64).cast::<i64>(), -2);
        assert_eq!(3i64.cast::<Bool8>(), Bool8(1));
        assert_eq!(i64::MAX.cast::<i64>(), i64::MAX);
        assert_eq!(Bool8(1).cast::<f32>(), 1.0);
    }
}
