//! Tests of the general operators against values computed with torch 2.15.0.

mod arith;
mod index;
mod reduce;
mod shapes;

use std::sync::OnceLock;

use crate::arg::Arg;
use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::registry::Registry;
use crate::scalar::Scalar;
use crate::tensor::Tensor;

pub fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(Registry::with_all_ops)
}

/// Calls a registered overload with already bound arguments.
pub fn call(name: &str, args: Vec<Arg>) -> Result<Arg> {
    registry().call(name, &args)
}

/// Calls an overload that returns a tensor.
pub fn call_t(name: &str, args: Vec<Arg>) -> Tensor {
    match call(name, args) {
        Ok(Arg::Tensor(t)) => t,
        other => panic!("{name}: expected a tensor, got {other:?}"),
    }
}

pub fn tf(v: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape).unwrap()
}

pub fn ti(v: &[i64], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape).unwrap()
}

pub fn tb(v: &[bool], shape: &[usize]) -> Tensor {
    Tensor::from_vec(v.iter().map(|&b| crate::Bool8(b as u8)).collect(), shape).unwrap()
}

pub fn of<T: Element>(v: &[T], shape: &[usize]) -> Tensor {
    Tensor::from_slice(v, shape).unwrap()
}

pub fn vf(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f64>().unwrap()
}

pub fn vi(t: &Tensor) -> Vec<i64> {
    t.to_vec::<i64>().unwrap()
}

pub fn vb(t: &Tensor) -> Vec<bool> {
    t.to_vec::<crate::Bool8>()
        .unwrap()
        .iter()
        .map(|b| b.0 != 0)
        .collect()
}

pub fn a(t: &Tensor) -> Arg {
    Arg::Tensor(t.clone())
}

pub fn int(v: i64) -> Arg {
    Arg::Int(v)
}

pub fn float(v: f64) -> Arg {
    Arg::Float(v)
}

pub fn ints(v: &[i64]) -> Arg {
    Arg::List(v.iter().map(|&i| Arg::Int(i)).collect())
}

pub fn dtype(d: DType) -> Arg {
    Arg::Int(d.scalar_type_code())
}

pub fn sc(v: f64) -> Scalar {
    Scalar::Float(v)
}

/// Asserts dtype, shape and values (NaN equals NaN).
pub fn check(t: &Tensor, d: DType, shape: &[usize], values: &[f64]) {
    assert_eq!(t.dtype(), d, "dtype");
    assert_eq!(t.shape(), shape, "shape");
    let got = vf(t);
    assert_eq!(got.len(), values.len(), "numel");
    for (i, (g, e)) in got.iter().zip(values).enumerate() {
        assert!(
            g == e || (g.is_nan() && e.is_nan()) || (g - e).abs() <= 1e-6 * e.abs().max(1e-30),
            "element {i}: got {g}, expected {e} (all: {got:?})"
        );
    }
}

/// Asserts that an error's message contains `needle`.
pub fn err_contains<T: std::fmt::Debug>(r: Result<T>, needle: &str) {
    match r {
        Ok(v) => panic!("expected an error containing {needle:?}, got {v:?}"),
        Err(e) => assert!(
            e.to_string().contains(needle),
            "error {e} does not contain {needle:?}"
        ),
    }
}

#[test]
fn every_registered_name_is_a_torch_schema() {
    // PyTorch's own operators, plus torchvision's (which torchvision registers, not PyTorch).
    let known: std::collections::HashSet<&str> = crate::schema::SCHEMA_TEXT
        .lines()
        .chain(crate::ops::vision::SCHEMA_TEXT.lines())
        .filter_map(|l| l.split('(').next())
        .collect();
    let unknown: Vec<&str> = registry()
        .names()
        .into_iter()
        .filter(|n| !known.contains(n))
        .collect();
    assert!(unknown.is_empty(), "not in the schema file: {unknown:?}");
}
