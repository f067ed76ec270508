//! Conversions between our tensors and `candle-core` tensors (feature `candle`).
//!
//! Dtypes map one to one where both sides have them (`f32`, `f64`, `f16`, `bf16`, `i64`,
//! `i32`, `i16`, `u8`). Candle has no `bool` and no `int8`: [`to_candle`] widens them to `u8`
//! (0 or 1) and `i16`, values unchanged. Our tensors have no `u32`: [`from_candle`] widens it
//! to `i64`, values unchanged. Candle's 8-, 6- and 4-bit float formats are refused with an error.

use candle_core::{DType as CandleDType, Device, Tensor as CandleTensor};
use torchscript_ops::half;
use torchscript_ops::{DType, Element, Tensor};

use crate::error::Error;

fn invalid(message: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("candle conversion: {message}"))
}

/// A candle tensor on the CPU with `t`'s shape and values (one copy, in row-major order
/// whatever `t`'s strides). `bool` becomes `u8` and `int8` becomes `i16` (candle has neither).
pub fn to_candle(t: &Tensor) -> Result<CandleTensor, Error> {
    fn copy<T: Element + candle_core::WithDType>(t: &Tensor) -> Result<CandleTensor, Error> {
        let values = t.to_vec::<T>().map_err(invalid)?;
        CandleTensor::from_vec(values, t.shape(), &Device::Cpu).map_err(invalid)
    }
    match t.dtype() {
        DType::F32 => copy::<f32>(t),
        DType::F64 => copy::<f64>(t),
        DType::F16 => copy::<half::f16>(t),
        DType::BF16 => copy::<half::bf16>(t),
        DType::I64 => copy::<i64>(t),
        DType::I32 => copy::<i32>(t),
        DType::I16 | DType::I8 => copy::<i16>(t),
        DType::U8 | DType::Bool => copy::<u8>(t),
    }
}

/// Our tensor with `t`'s shape and values (one copy; `t` may be on any candle device and in
/// any layout). `u32` becomes `int64` (we have no `u32`); candle's 8-, 6- and 4-bit float
/// formats are an error.
pub fn from_candle(t: &CandleTensor) -> Result<Tensor, Error> {
    fn copy<T: Element + candle_core::WithDType>(t: &CandleTensor) -> Result<Tensor, Error> {
        let flat = t
            .to_device(&Device::Cpu)
            .and_then(|c| c.flatten_all())
            .and_then(|c| c.to_vec1::<T>())
            .map_err(invalid)?;
        Tensor::from_vec(flat, t.dims()).map_err(invalid)
    }
    match t.dtype() {
        CandleDType::F32 => copy::<f32>(t),
        CandleDType::F64 => copy::<f64>(t),
        CandleDType::F16 => copy::<half::f16>(t),
        CandleDType::BF16 => copy::<half::bf16>(t),
        CandleDType::I64 => copy::<i64>(t),
        CandleDType::I32 => copy::<i32>(t),
        CandleDType::I16 => copy::<i16>(t),
        CandleDType::U8 => copy::<u8>(t),
        CandleDType::U32 => {
            let wide = t.to_dtype(CandleDType::I64).map_err(invalid)?;
            copy::<i64>(&wide)
        }
        other => Err(invalid(format!(
            "candle dtype {other:?} has no PyTorch counterpart here"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use torchscript_ops::Bool8;

    #[test]
    fn values_shape_and_dtype_survive_a_round_trip() {
        let t = Tensor::from_slice(&[1.5f32, -2.0, 3.25, 4.0, 5.0, 6.5], &[2, 3]).unwrap();
        let c = to_candle(&t).unwrap();
        assert_eq!(c.dims(), &[2, 3]);
        assert_eq!(c.dtype(), CandleDType::F32);
        assert_eq!(
            c.to_vec2::<f32>().unwrap(),
            vec![vec![1.5, -2.0, 3.25], vec![4.0, 5.0, 6.5]]
        );
        let back = from_candle(&c).unwrap();
        assert_eq!(back.shape(), &[2, 3]);
        assert_eq!(back.to_vec::<f32>().unwrap(), t.to_vec::<f32>().unwrap());
    }

    #[test]
    fn strided_views_go_out_in_logical_order() {
        let t = Tensor::from_slice(&[1i64, 2, 3, 4, 5, 6], &[2, 3]).unwrap();
        let tt = t.transpose(0, 1).unwrap();
        let c = to_candle(&tt).unwrap();
        assert_eq!(c.dims(), &[3, 2]);
        assert_eq!(
            c.to_vec2::<i64>().unwrap(),
            vec![vec![1, 4], vec![2, 5], vec![3, 6]]
        );
        // And a transposed candle tensor comes back in its logical order too.
        let back = from_candle(&c.t().unwrap()).unwrap();
        assert_eq!(back.to_vec::<i64>().unwrap(), vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn dtypes_candle_lacks_are_widened_with_their_values() {
        let b = Tensor::from_slice(&[Bool8(1), Bool8(0), Bool8(1)], &[3]).unwrap();
        let c = to_candle(&b).unwrap();
        assert_eq!(c.dtype(), CandleDType::U8);
        assert_eq!(c.to_vec1::<u8>().unwrap(), vec![1, 0, 1]);
        let i = Tensor::from_slice(&[-128i8, 0, 127], &[3]).unwrap();
        let c = to_candle(&i).unwrap();
        assert_eq!(c.dtype(), CandleDType::I16);
        assert_eq!(c.to_vec1::<i16>().unwrap(), vec![-128, 0, 127]);
        let u = CandleTensor::new(&[0u32, 7, u32::MAX], &Device::Cpu).unwrap();
        let ours = from_candle(&u).unwrap();
        assert_eq!(ours.dtype(), DType::I64);
        assert_eq!(
            ours.to_vec::<i64>().unwrap(),
            vec![0, 7, i64::from(u32::MAX)]
        );
    }

    #[test]
    fn half_precision_keeps_its_bits() {
        let v = [half::f16::from_f32(0.1), half::f16::from_f32(-3.5)];
        let t = Tensor::from_slice(&v, &[2]).unwrap();
        let c = to_candle(&t).unwrap();
        assert_eq!(c.dtype(), CandleDType::F16);
        assert_eq!(from_candle(&c).unwrap().to_vec::<half::f16>().unwrap(), v);
    }
}
