//! Conversions between tensors and `ndarray` arrays (feature `ndarray`).

use ndarray::{ArrayD, ArrayViewD, IxDyn, ShapeBuilder};
use torchscript_ops::{Element, Tensor};

use crate::error::Error;

fn invalid(message: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("ndarray conversion: {message}"))
}

/// Runs `f` on an `ndarray` view of `t`'s elements, without copying them (mapped weights
/// included): same shape and strides. `T` must be the tensor's dtype.
pub fn with_ndarray_view<T: Element, R>(
    t: &Tensor,
    f: impl FnOnce(ArrayViewD<'_, T>) -> R,
) -> Result<R, Error> {
    if t.dtype() != T::DTYPE {
        return Err(invalid(format!(
            "the tensor is {}, not {}",
            t.dtype(),
            T::DTYPE
        )));
    }
    let guard = t.storage().read();
    let all = guard.typed::<T>().map_err(invalid)?;
    let data = all
        .get(t.storage_offset()..)
        .ok_or_else(|| invalid("the view starts outside its storage"))?;
    let shape = IxDyn(t.shape()).strides(IxDyn(t.strides()));
    let view = ArrayViewD::from_shape(shape, data).map_err(invalid)?;
    Ok(f(view))
}

/// A copy of `t`'s elements as an owned array of `T` (converted with PyTorch's cast rules).
pub fn to_ndarray<T: Element>(t: &Tensor) -> Result<ArrayD<T>, Error> {
    let values = t.to_vec::<T>().map_err(invalid)?;
    ArrayD::from_shape_vec(IxDyn(t.shape()), values).map_err(invalid)
}

/// A tensor owning `array`'s elements: taken over without a copy when the array is in
/// standard (row-major) layout, copied otherwise.
pub fn from_ndarray<T: Element>(array: ArrayD<T>) -> Result<Tensor, Error> {
    let shape = array.shape().to_vec();
    let array = if array.is_standard_layout() {
        array
    } else {
        array.as_standard_layout().into_owned()
    };
    let (values, offset) = array.into_raw_vec_and_offset();
    match offset {
        Some(0) | None => Tensor::from_vec(values, &shape).map_err(invalid),
        Some(_) => Err(invalid("a standard-layout array with an offset")),
    }
}

/// A tensor holding a copy of `view`'s elements.
pub fn from_ndarray_view<T: Element>(view: ArrayViewD<'_, T>) -> Result<Tensor, Error> {
    from_ndarray(view.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_values_shape_and_strided_views() {
        let a =
            ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let t = from_ndarray(a.clone()).unwrap();
        assert_eq!(t.shape(), &[2, 3]);
        assert_eq!(to_ndarray::<f32>(&t).unwrap(), a);
        let tt = t.transpose(0, 1).unwrap();
        let seen = with_ndarray_view::<f32, _>(&tt, |v| v.to_owned()).unwrap();
        assert_eq!(seen, a.t().to_owned());
        assert!(with_ndarray_view::<f64, _>(&t, |_| ()).is_err());
        let transposed_in = from_ndarray(a.t().to_owned()).unwrap();
        assert_eq!(
            transposed_in.to_vec::<f32>().unwrap(),
            vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
        );
    }
}
