//! Graph constants that are 0-d tensors promote like Python numbers (as in TorchScript).

use torchscript_ops::ops::basic::binary::add;
use torchscript_ops::{DType, Scalar, Tensor};

#[test]
fn wrapped_zero_dim_constants_promote_like_python_numbers() {
    let a = Tensor::from_vec(vec![1i64, 2], &[2]).unwrap();
    let c = Tensor::scalar(1.5f64);
    // torch 2.15.0: tensor([1, 2]) + tensor(1.5, dtype=float64) -> float64 (a real 0-d tensor)
    assert_eq!(add(&a, &c, Scalar::Int(1)).unwrap().dtype(), DType::F64);
    // ... but in a loaded TorchScript graph the constant acts as the number 1.5 -> float32
    let wrapped = c.as_wrapped_number();
    let r = add(&a, &wrapped, Scalar::Int(1)).unwrap();
    assert_eq!(r.dtype(), DType::F32);
    assert_eq!(r.to_vec::<f32>().unwrap(), vec![2.5, 3.5]);
    assert!(!r.is_wrapped_number(), "results are ordinary tensors");
}
