//! Shared helpers of the `nn_*` tests: deterministic inputs, mapped weights, registry calls.
#![allow(dead_code)]

use std::sync::Arc;

use torchscript_ops::{Arg, CopyStats, DType, MappedRegion, Registry, SharedBytes, Tensor};

/// Runs `aten::conv2d` on `args` in `exec`'s threads; the output tensor.
pub fn conv2d_on(
    exec: &torchscript_ops::parallel::Executor,
    reg: &Registry,
    args: &[Arg],
) -> Tensor {
    let out = exec.install(|| reg.call("aten::conv2d", args)).unwrap();
    let Arg::Tensor(out) = out else {
        panic!("conv2d returned {out:?}");
    };
    out
}

/// Asserts that every element of `got` is within `1e-4 + 1e-4 * |want|` of `want`; a failure
/// names `context`, the index and both values.
pub fn assert_close_f32(got: &[f32], want: &[f32], context: &str) {
    for (idx, (v, e)) in got.iter().zip(want).enumerate() {
        assert!(
            (v - e).abs() <= 1e-4 + 1e-4 * e.abs(),
            "{context} at {idx}: {v} vs {e}"
        );
    }
}

/// An `int[]` argument.
pub fn ints(v: &[i64]) -> Arg {
    Arg::List(v.iter().map(|&i| Arg::Int(i)).collect())
}

fn sin_values(shape: &[usize], seed: f64, scale: f64) -> Vec<f64> {
    let n: usize = shape.iter().product();
    (0..n)
        .map(|i| (i as f64 * 0.37 + seed).sin() * scale)
        .collect()
}

/// `sin(i * 0.37 + seed) * scale` as `dtype` (rounded through float32 except for float64).
pub fn sin_t(shape: &[usize], seed: f64, scale: f64, dtype: DType) -> Tensor {
    let v = sin_values(shape, seed, scale);
    if dtype == DType::F64 {
        return Tensor::from_vec(v, shape).unwrap();
    }
    let v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    Tensor::from_vec(v32, shape)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

/// `x [rows, k] @ w[n, k].T (+ bias)` in float64 (the reference of the linear-product tests).
pub fn linear_reference<T: Copy + Into<f64>>(
    x: &[T],
    w: &[T],
    bias: Option<&[T]>,
    rows: usize,
    n: usize,
    k: usize,
) -> Vec<f64> {
    let mut out = vec![0.0; rows * n];
    for r in 0..rows {
        for j in 0..n {
            let dot: f64 = (0..k)
                .map(|d| x[r * k + d].into() * w[j * k + d].into())
                .sum();
            out[r * n + j] = dot + bias.map_or(0.0, |b| b[j].into());
        }
    }
    out
}

/// Pseudo-random values in [-1, 1) from a linear congruential generator (`seed` advances).
pub fn rand_vec(n: usize, seed: &mut u64) -> Vec<f32> {
    (0..n)
        .map(|_| {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((*seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

struct Words(Vec<u32>);

impl AsRef<[u8]> for Words {
    fn as_ref(&self) -> &[u8] {
        bytemuck::cast_slice(&self.0)
    }
}

thread_local! {
    static STATS: Arc<CopyStats> = Arc::new(CopyStats::default());
}

/// A float32 tensor over a mapped (read-only, shared) buffer, like an archive weight.
pub fn mapped_sin(shape: &[usize], seed: f64, scale: f64) -> Tensor {
    let words: Vec<u32> = sin_values(shape, seed, scale)
        .iter()
        .map(|&x| (x as f32).to_bits())
        .collect();
    let len = words.len() * 4;
    let source: SharedBytes = Arc::new(Words(words));
    let stats = STATS.with(|s| s.clone());
    let region = MappedRegion::new(source, 0, len, stats).unwrap();
    let strides = contiguous(shape);
    let t = Tensor::from_mapped(region, DType::F32, 0, shape.to_vec(), strides).unwrap();
    assert!(t.storage().is_mapped());
    t
}

/// A mapped (read-only, shared) buffer holding `values`, aligned for float32, as an archive's
/// storage record is.
pub fn mapped_f32_region(values: &[f32]) -> MappedRegion {
    let words: Vec<u32> = values.iter().map(|x| x.to_bits()).collect();
    let len = words.len() * 4;
    let source: SharedBytes = Arc::new(Words(words));
    MappedRegion::new(source, 0, len, Arc::new(CopyStats::default())).unwrap()
}

/// Bytes copied out of mapped buffers made by this thread's `mapped_sin` calls.
pub fn copied_bytes() -> u64 {
    STATS.with(|s| s.copied_bytes())
}

fn contiguous(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    strides
}

pub fn call(op: &str, args: &[Arg]) -> Arg {
    let reg = Registry::with_all_ops();
    match reg.call(op, args) {
        Ok(r) => r,
        Err(e) => panic!("{op} failed: {e}"),
    }
}

pub fn call_err(op: &str, args: &[Arg]) -> String {
    let reg = Registry::with_all_ops();
    match reg.call(op, args) {
        Ok(r) => panic!("{op} should fail, got {r:?}"),
        Err(e) => e.to_string(),
    }
}

/// The `index`-th tensor of a result (a tensor, or a tuple of tensors).
pub fn nth(out: &Arg, index: usize) -> Tensor {
    match out {
        Arg::Tensor(t) if index == 0 => t.clone(),
        Arg::Tuple(items) | Arg::List(items) => match &items[index] {
            Arg::Tensor(t) => t.clone(),
            other => panic!("result {index} is {other:?}"),
        },
        other => panic!("unexpected result {other:?}"),
    }
}

#[track_caller]
pub fn check(out: &Arg, index: usize, expected: &[f64], shape: &[usize], tol: f64) {
    let t = nth(out, index);
    assert_eq!(t.shape(), shape, "shape of result {index}");
    let got = t.to_vec::<f64>().unwrap();
    for (i, (a, b)) in got.iter().zip(expected).enumerate() {
        let ok = (a - b).abs() <= tol * (1.0 + b.abs()) || (a.is_nan() && b.is_nan()) || a == b;
        assert!(
            ok,
            "result {index} element {i}: got {a}, expected {b}\n got {got:?}"
        );
    }
}
