//! Regression tests for crashes found by hostile models: each must be a clean result or error.

use torchscript_ops::alloc::{AllocLimits, CallScope};
use torchscript_ops::{Arg, DType, OpError, Registry, Tensor};

fn ramp(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n).map(|i| i as f32 * 0.25 - 1.0).collect();
    Tensor::from_vec(v, shape).unwrap()
}

fn ints(values: &[i64]) -> Arg {
    Arg::List(values.iter().map(|&v| Arg::Int(v)).collect())
}

#[test]
fn slice_with_extreme_ints_is_a_view_not_a_panic() {
    let x = ramp(&[4, 3]);
    let s = x
        .slice(0, Some(i64::MIN), Some(i64::MAX), i64::MAX)
        .unwrap();
    assert_eq!(s.shape(), &[1, 3]);
    assert_eq!(
        s.to_vec::<f32>().unwrap(),
        x.select(0, 0).unwrap().to_vec::<f32>().unwrap()
    );
    let s = x.slice(1, Some(-2), None, 2).unwrap();
    assert_eq!(s.shape(), &[4, 1]);
    let s = x.slice(0, Some(i64::MAX), Some(i64::MIN), 1).unwrap();
    assert_eq!(s.shape(), &[0, 3]);
}

#[test]
fn conv2d_with_padding_and_dilation_larger_than_the_input() {
    // Conv2d(8, 4, 3, padding=12, dilation=12) on 1x8x6x6: only the centre tap touches the
    // input, so the result is the 1x1 convolution with the centre weights.
    let registry = Registry::with_all_ops();
    let x = ramp(&[1, 8, 6, 6]);
    let w = ramp(&[4, 8, 3, 3]);
    let out = registry
        .call(
            "aten::conv2d",
            &[
                Arg::Tensor(x.clone()),
                Arg::Tensor(w.clone()),
                Arg::None,
                ints(&[1, 1]),
                ints(&[12, 12]),
                ints(&[12, 12]),
                Arg::Int(1),
            ],
        )
        .unwrap();
    let Arg::Tensor(out) = out else {
        panic!("conv2d returned {out:?}")
    };
    assert_eq!(out.shape(), &[1, 4, 6, 6]);
    let xs = x.to_vec::<f32>().unwrap();
    let ws = w.to_vec::<f32>().unwrap();
    let got = out.to_vec::<f32>().unwrap();
    for o in 0..4 {
        for p in 0..36 {
            let want: f32 = (0..8)
                .map(|c| ws[(o * 8 + c) * 9 + 4] * xs[c * 36 + p])
                .sum();
            let g = got[o * 36 + p];
            assert!(
                (g - want).abs() <= 1e-4 * (1.0 + want.abs()),
                "{g} vs {want}"
            );
        }
    }
}

#[test]
fn huge_allocations_fail_under_call_limits() {
    let _scope = CallScope::enter(AllocLimits {
        max_tensor_bytes: 1 << 30,
        max_call_bytes: 4 << 30,
    });
    let err = Tensor::zeros(&[1 << 33], DType::F32).unwrap_err();
    assert!(matches!(err, OpError::MemoryLimit { .. }), "{err}");
    let err = Tensor::full(&[1 << 32, 32], 1.0.into(), DType::F32).unwrap_err();
    assert!(matches!(err, OpError::MemoryLimit { .. }), "{err}");
    let big = ramp(&[1]).expand(&[1 << 40]).unwrap();
    let err = big.contiguous().unwrap_err();
    assert!(matches!(err, OpError::MemoryLimit { .. }), "{err}");
    // Ordinary sizes still work inside the scope.
    assert_eq!(Tensor::zeros(&[4, 4], DType::F32).unwrap().numel(), 16);
}

#[test]
fn impossible_allocations_fail_even_without_limits() {
    let err = Tensor::zeros(&[1 << 62, 4], DType::F32).unwrap_err();
    assert!(
        matches!(err, OpError::Storage(_) | OpError::MemoryLimit { .. }),
        "{err}"
    );
    let big = ramp(&[1]).expand(&[1 << 61]).unwrap();
    assert!(big.contiguous().is_err());
}
