//! Batched products shared out one whole product per thread (attention's heads) and activations
//! split across threads, against a naive float64 reference and the one-thread result.

mod nn_support;

use nn_support::rand_vec;
use torchscript_ops::parallel::Executor;
use torchscript_ops::{Arg, Registry, Tensor};

/// `a [b, m, k] @ b [b, k, n]` in float64.
fn naive_bmm(a: &[f32], b: &[f32], batches: usize, m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0f64; batches * m * n];
    for bi in 0..batches {
        for i in 0..m {
            for j in 0..n {
                out[(bi * m + i) * n + j] = (0..k)
                    .map(|p| a[(bi * m + i) * k + p] as f64 * b[(bi * k + p) * n + j] as f64)
                    .sum();
            }
        }
    }
    out
}

fn on_threads(threads: usize, f: impl FnOnce() -> Tensor + Send) -> Vec<f32> {
    let exec = Executor::new(threads).unwrap();
    exec.install(f)
        .contiguous()
        .unwrap()
        .to_vec::<f32>()
        .unwrap()
}

#[test]
fn batched_products_split_by_batch_match_the_reference() {
    let reg = Registry::with_all_ops();
    // (batches, m, k, n): even and uneven batch counts, small and transposed-view operands.
    for (batches, m, k, n) in [
        (6, 37, 16, 29),
        (3, 70, 33, 65),
        (8, 5, 64, 7),
        (2, 1, 9, 130),
    ] {
        let mut seed = (batches * 1000 + m) as u64;
        let a = rand_vec(batches * m * k, &mut seed);
        let b = rand_vec(batches * k * n, &mut seed);
        let want = naive_bmm(&a, &b, batches, m, k, n);
        let ta = Tensor::from_vec(a, &[batches, m, k]).unwrap();
        // `b` as the transpose of a `[b, n, k]` tensor: a strided right operand, as `q @ k^T`.
        let bt: Vec<f32> = {
            let t = Tensor::from_vec(b.clone(), &[batches, k, n]).unwrap();
            t.transpose(-2, -1)
                .unwrap()
                .contiguous()
                .unwrap()
                .to_vec::<f32>()
                .unwrap()
        };
        let tb = Tensor::from_vec(bt, &[batches, n, k])
            .unwrap()
            .transpose(-2, -1)
            .unwrap();
        let call = || {
            reg.call(
                "aten::matmul",
                &[Arg::Tensor(ta.clone()), Arg::Tensor(tb.clone())],
            )
            .unwrap()
            .into_tensor()
            .unwrap()
        };
        let one = on_threads(1, call);
        for threads in [2, 3] {
            let many = on_threads(threads, call);
            assert_eq!(one, many, "{batches}x{m}x{k}x{n} on {threads} threads");
        }
        for (got, want) in one.iter().zip(&want) {
            assert!(
                (*got as f64 - want).abs() <= 1e-4 * (1.0 + want.abs()),
                "{got} vs {want}"
            );
        }
    }
}

#[test]
fn activations_split_across_threads_match_one_thread() {
    let reg = Registry::with_all_ops();
    let mut seed = 7;
    // Large enough to be split into pieces, with an uneven tail.
    let x = Tensor::from_vec(rand_vec(100_003, &mut seed), &[100_003]).unwrap();
    for (op, extra) in [
        ("aten::gelu", vec![Arg::Str("none".into())]),
        ("aten::gelu", vec![Arg::Str("tanh".into())]),
        ("aten::silu", vec![]),
        ("aten::relu", vec![]),
    ] {
        let mut args = vec![Arg::Tensor(x.clone())];
        args.extend(extra);
        let call = || reg.call(op, &args).unwrap().into_tensor().unwrap();
        let one = on_threads(1, call);
        assert_eq!(one, on_threads(2, call), "{op}");
        assert_eq!(one.len(), 100_003);
    }
    // The reference for one of them: relu.
    let one = on_threads(2, || {
        reg.call("aten::relu", &[Arg::Tensor(x.clone())])
            .unwrap()
            .into_tensor()
            .unwrap()
    });
    let xs = x.to_vec::<f32>().unwrap();
    assert!(one.iter().zip(&xs).all(|(&y, &v)| y == v.max(0.0)));
}

#[test]
fn batch_norm_in_eval_split_across_threads_matches_the_reference() {
    let reg = Registry::with_all_ops();
    let mut seed = 11;
    // several planes per piece (200 x 200), many planes per piece with a partial last piece
    // (10 x 10), and one piece of a few planes
    for shape in [[2usize, 3, 200, 200], [1, 700, 10, 10], [1, 5, 7, 3]] {
        let c = shape[1];
        let inner = shape[2] * shape[3];
        let numel: usize = shape.iter().product();
        let xs = rand_vec(numel, &mut seed);
        let w = rand_vec(c, &mut seed);
        let b = rand_vec(c, &mut seed);
        let mean = rand_vec(c, &mut seed);
        let var: Vec<f32> = rand_vec(c, &mut seed)
            .iter()
            .map(|v| v.abs() + 0.5)
            .collect();
        let t = |v: &[f32], s: &[usize]| Arg::Tensor(Tensor::from_vec(v.to_vec(), s).unwrap());
        let args = vec![
            t(&xs, &shape),
            t(&w, &[c]),
            t(&b, &[c]),
            t(&mean, &[c]),
            t(&var, &[c]),
            Arg::Bool(false),
            Arg::Float(0.1),
            Arg::Float(1e-5),
            Arg::Bool(true),
        ];
        let call = || {
            reg.call("aten::batch_norm", &args)
                .unwrap()
                .into_tensor()
                .unwrap()
        };
        let one = on_threads(1, call);
        assert_eq!(one, on_threads(2, call), "{shape:?}");
        for (i, (&got, &x)) in one.iter().zip(&xs).enumerate() {
            let ch = i / inner % c;
            let scale = w[ch] as f64 / (var[ch] as f64 + 1e-5).sqrt();
            let want = x as f64 * scale + (b[ch] as f64 - mean[ch] as f64 * scale);
            assert!(
                (got as f64 - want).abs() <= 1e-5 * (1.0 + want.abs()),
                "{shape:?} [{i}]: {got} vs {want}"
            );
        }
    }
}
