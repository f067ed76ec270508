//! Layer norm over a strided last dim (a channels-last view of NCHW activations, slices, broadcast rows) against the same op on a contiguous copy: bit for bit, on one thread and on two.

mod nn_support;

use nn_support::{call, rand_vec};
use torchscript_ops::parallel::Executor;
use torchscript_ops::{Arg, Tensor};

/// `aten::native_layer_norm` over the last dim of `x`: output, mean and rstd as float32 values.
fn native_layer_norm(x: &Tensor, weight: Option<&Tensor>, bias: Option<&Tensor>) -> Vec<Vec<f32>> {
    let last = *x.shape().last().unwrap() as i64;
    let opt = |t: Option<&Tensor>| t.map_or(Arg::None, |t| Arg::Tensor(t.clone()));
    let args = vec![
        Arg::Tensor(x.clone()),
        Arg::List(vec![Arg::Int(last)]),
        opt(weight),
        opt(bias),
        Arg::Float(1e-5),
    ];
    let Arg::Tuple(items) = call("aten::native_layer_norm", &args) else {
        panic!("native_layer_norm returns a tuple");
    };
    items
        .iter()
        .map(|item| match item {
            Arg::Tensor(t) => t.to_vec::<f32>().unwrap(),
            other => panic!("expected a tensor, got {other:?}"),
        })
        .collect()
}

/// Views whose last dim is strided, each with its shape.
fn strided_views(seed: &mut u64) -> Vec<(&'static str, Tensor)> {
    let nchw = |n: usize, c: usize, h: usize, w: usize, seed: &mut u64| {
        let values: Vec<f32> = rand_vec(n * c * h * w, seed)
            .iter()
            .map(|v| v * 3.0 + 0.5)
            .collect();
        Tensor::from_vec(values, &[n, c, h, w]).unwrap()
    };
    vec![
        (
            "permute(0, 2, 3, 1) of [2, 96, 9, 7]",
            nchw(2, 96, 9, 7, seed).permute(&[0, 2, 3, 1]).unwrap(),
        ),
        (
            // 1600 rows of 32: split into several tasks on two threads
            "permute(0, 2, 3, 1) of [1, 32, 40, 40]",
            nchw(1, 32, 40, 40, seed).permute(&[0, 2, 3, 1]).unwrap(),
        ),
        (
            "permute(0, 2, 3, 1) of [1, 3, 56, 56]",
            nchw(1, 3, 56, 56, seed).permute(&[0, 2, 3, 1]).unwrap(),
        ),
        (
            "a slice of a channels-last view",
            nchw(1, 40, 12, 10, seed)
                .permute(&[0, 2, 3, 1])
                .unwrap()
                .narrow(1, 3, 5)
                .unwrap()
                .narrow(3, 0, 33)
                .unwrap(),
        ),
        (
            "a transposed matrix",
            nchw(1, 1, 50, 17, seed)
                .narrow(2, 0, 49)
                .unwrap()
                .permute(&[0, 1, 3, 2])
                .unwrap(),
        ),
        (
            "broadcast rows",
            nchw(1, 1, 24, 1, seed)
                .permute(&[0, 1, 3, 2])
                .unwrap()
                .expand(&[3, 4, 1, 24])
                .unwrap(),
        ),
    ]
}

#[test]
fn strided_views_normalize_as_their_contiguous_copies_do() {
    let mut seed = 11u64;
    for (name, x) in strided_views(&mut seed) {
        assert!(!x.is_contiguous(), "{name}: the view should be strided");
        let c = *x.shape().last().unwrap();
        let weight = Tensor::from_vec(rand_vec(c, &mut seed), &[c]).unwrap();
        let bias = Tensor::from_vec(rand_vec(c, &mut seed), &[c]).unwrap();
        let copy = x.copy_contiguous().unwrap();
        for (affine, w, b) in [
            ("weight and bias", Some(&weight), Some(&bias)),
            ("weight", Some(&weight), None),
            ("bias", None, Some(&bias)),
            ("neither", None, None),
        ] {
            let want = native_layer_norm(&copy, w, b);
            let one = native_layer_norm(&x, w, b);
            let two = Executor::new(2)
                .unwrap()
                .install(|| native_layer_norm(&x, w, b));
            for (i, what) in ["output", "mean", "rstd"].iter().enumerate() {
                assert_eq!(one[i], want[i], "{name}, {affine}: {what} on one thread");
                assert_eq!(two[i], want[i], "{name}, {affine}: {what} on two threads");
            }
        }
    }
}
