//! Products by a weight read in place as its transpose (`x @ weight.T` with nn.Linear's
//! `[out, in]` weight; bfloat16 and float16 weights widened a panel at a time) against a float64
//! reference, on 1, 2 and 3 threads: `linear` with and without bias, `matmul` by a transposed
//! view, and `addmm` with `beta` and `alpha`.

mod nn_support;

use nn_support::{linear_reference, rand_vec};
use torchscript_ops::parallel::Executor;
use torchscript_ops::{Arg, DType, Registry, Tensor};

fn tensor(values: &[f32], shape: &[usize], dtype: DType) -> Tensor {
    Tensor::from_vec(values.to_vec(), shape)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

/// The values a tensor holds, as float64 (what the reference must multiply).
fn held(t: &Tensor) -> Vec<f64> {
    t.to_vec::<f64>().unwrap()
}

fn output(arg: Arg) -> Tensor {
    match arg {
        Arg::Tensor(t) => t,
        other => panic!("expected a tensor, got {other:?}"),
    }
}

/// Checks `got` (any float dtype) against `want` within `atol + rtol * |want|`.
fn assert_close(got: &Tensor, want: &[f64], atol: f64, rtol: f64, what: &str) {
    let got = held(got);
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= atol + rtol * w.abs(),
            "{what} at {i}: {g} vs {w}"
        );
    }
}

/// Shapes `(batch, seq, k, n)`: panels narrower than `n`, a depth over several tiles, sizes
/// not divisible by the thread counts or the panel step.
const SHAPES: [(usize, usize, usize, usize); 4] = [
    (2, 7, 45, 70),
    (1, 33, 1100, 300),
    (3, 5, 64, 17),
    (1, 9, 8, 2049),
];

#[test]
fn linear_reads_its_weight_by_panels_on_any_thread_count() {
    let reg = Registry::with_all_ops();
    let executors = [1, 2, 3].map(|t| Executor::new(t).unwrap());
    let mut seed = 5u64;
    for (batch, seq, k, n) in SHAPES {
        let rows = batch * seq;
        let (xv, wv, bv) = (
            rand_vec(rows * k, &mut seed),
            rand_vec(n * k, &mut seed),
            rand_vec(n, &mut seed),
        );
        // float32 within float32 rounding; half precision within its output rounding
        for (dtype, atol, rtol) in [
            (DType::F32, 1e-4, 1e-4),
            (DType::BF16, 2e-2, 1e-2),
            (DType::F16, 2e-3, 2e-3),
        ] {
            let x = tensor(&xv, &[batch, seq, k], dtype);
            let w = tensor(&wv, &[n, k], dtype);
            let b = tensor(&bv, &[n], dtype);
            for with_bias in [false, true] {
                let bias = with_bias.then(|| held(&b));
                let want = linear_reference(&held(&x), &held(&w), bias.as_deref(), rows, n, k);
                for exec in &executors {
                    let args = [
                        Arg::Tensor(x.clone()),
                        Arg::Tensor(w.clone()),
                        if with_bias {
                            Arg::Tensor(b.clone())
                        } else {
                            Arg::None
                        },
                    ];
                    let out = output(exec.install(|| reg.call("aten::linear", &args)).unwrap());
                    assert_eq!(out.shape(), &[batch, seq, n]);
                    assert_eq!(out.dtype(), dtype);
                    let what = format!(
                        "linear {dtype} {batch}x{seq}x{k} -> {n} bias {with_bias} on {} threads",
                        exec.threads()
                    );
                    assert_close(&out, &want, atol, rtol, &what);
                }
            }
        }
    }
}

#[test]
fn matmul_and_addmm_by_a_transposed_view_match_the_reference() {
    let reg = Registry::with_all_ops();
    let executors = [1, 2].map(|t| Executor::new(t).unwrap());
    let mut seed = 9u64;
    let (rows, k, n) = (37, 130, 90);
    let (xv, wv, cv) = (
        rand_vec(rows * k, &mut seed),
        rand_vec(n * k, &mut seed),
        rand_vec(rows * n, &mut seed),
    );
    let x = tensor(&xv, &[rows, k], DType::F32);
    let w = tensor(&wv, &[n, k], DType::F32);
    let wt = w.transpose(0, 1).unwrap();
    let c = tensor(&cv, &[rows, n], DType::F32);
    let product = linear_reference(&held(&x), &held(&w), None, rows, n, k);
    let (beta, alpha) = (0.5, -2.0);
    let addmm_want: Vec<f64> = product
        .iter()
        .zip(held(&c))
        .map(|(p, c)| beta * c + alpha * p)
        .collect();
    for exec in &executors {
        let threads = exec.threads();
        let args = [Arg::Tensor(x.clone()), Arg::Tensor(wt.clone())];
        let out = output(exec.install(|| reg.call("aten::matmul", &args)).unwrap());
        assert_close(&out, &product, 1e-4, 1e-4, &format!("matmul on {threads}"));
        let args = [
            Arg::Tensor(c.clone()),
            Arg::Tensor(x.clone()),
            Arg::Tensor(wt.clone()),
            Arg::Float(beta),
            Arg::Float(alpha),
        ];
        let out = output(exec.install(|| reg.call("aten::addmm", &args)).unwrap());
        assert_close(
            &out,
            &addmm_want,
            1e-4,
            1e-4,
            &format!("addmm on {threads}"),
        );
    }
}
