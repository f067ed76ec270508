//! Hand-written checks of the neural-network operators: in-place semantics, running-stat
//! updates, dropout modes and error messages (values from torch 2.15.0 where noted).

mod nn_support;

use nn_support::*;
use torchscript_ops::{Arg, DType, Tensor};

#[test]
fn conv2d_rejects_bad_shapes() {
    let x = Arg::Tensor(sin_t(&[1, 3, 5, 5], 0.0, 1.0, DType::F32));
    let w3 = Arg::Tensor(sin_t(&[2, 3, 3], 0.0, 1.0, DType::F32));
    let e = call_err(
        "aten::conv2d",
        &[
            x.clone(),
            w3,
            Arg::None,
            ints(&[1, 1]),
            ints(&[0, 0]),
            ints(&[1, 1]),
            Arg::Int(1),
        ],
    );
    assert!(
        e.contains("aten::conv2d") && e.contains("expected weight of 4 dims, got 3"),
        "{e}"
    );
    let w = Arg::Tensor(sin_t(&[2, 2, 3, 3], 0.0, 1.0, DType::F32));
    let e = call_err(
        "aten::conv2d",
        &[
            x.clone(),
            w,
            Arg::None,
            ints(&[1, 1]),
            ints(&[0, 0]),
            ints(&[1, 1]),
            Arg::Int(1),
        ],
    );
    assert!(e.contains("channels"), "{e}");
    let big = Arg::Tensor(sin_t(&[2, 3, 7, 7], 0.0, 1.0, DType::F32));
    let e = call_err(
        "aten::conv2d",
        &[
            x.clone(),
            big,
            Arg::None,
            ints(&[1, 1]),
            ints(&[0, 0]),
            ints(&[1, 1]),
            Arg::Int(1),
        ],
    );
    assert!(e.contains("kernel size"), "{e}");
    let w = Arg::Tensor(sin_t(&[2, 3, 3, 3], 0.0, 1.0, DType::F32));
    let e = call_err(
        "aten::conv2d.padding",
        &[
            x.clone(),
            w.clone(),
            Arg::None,
            ints(&[2, 2]),
            Arg::Str("same".into()),
            ints(&[1, 1]),
            Arg::Int(1),
        ],
    );
    assert!(e.contains("strided"), "{e}");
    let e = call_err(
        "aten::conv2d",
        &[
            x,
            w,
            Arg::None,
            ints(&[0, 1]),
            ints(&[0, 0]),
            ints(&[1, 1]),
            Arg::Int(1),
        ],
    );
    assert!(e.contains("positive"), "{e}");
}

#[test]
fn matmul_rejects_mismatched_shapes() {
    let a = Arg::Tensor(sin_t(&[2, 3], 0.0, 1.0, DType::F32));
    let b = Arg::Tensor(sin_t(&[4, 2], 0.0, 1.0, DType::F32));
    let e = call_err("aten::mm", &[a.clone(), b]);
    assert!(e.contains("cannot be multiplied"), "{e}");
    let b64 = Arg::Tensor(sin_t(&[3, 2], 0.0, 1.0, DType::F64));
    let e = call_err("aten::mm", &[a.clone(), b64]);
    assert!(e.contains("same dtype"), "{e}");
    let w = Arg::Tensor(sin_t(&[4, 5], 0.0, 1.0, DType::F32));
    let e = call_err("aten::linear", &[a, w, Arg::None]);
    assert!(e.contains("aten::linear"), "{e}");
}

#[test]
fn relu_in_place_mutates_through_views() {
    let x = sin_t(&[2, 3], 0.0, 2.0, DType::F32);
    let base = x.to_vec::<f32>().unwrap();
    let row = x.select(0, 1).unwrap();
    let out = call("aten::relu_", &[Arg::Tensor(row.clone())]);
    assert!(nth(&out, 0).is_same(&row));
    let all = x.to_vec::<f32>().unwrap();
    assert_eq!(&all[..3], &base[..3]);
    for (a, b) in all[3..].iter().zip(&base[3..]) {
        assert_eq!(*a, b.max(0.0));
    }
    // a non-contiguous view takes the copy path
    let t = sin_t(&[3, 2], 0.0, 2.0, DType::F32);
    let tr = t.transpose(0, 1).unwrap();
    call(
        "aten::hardtanh_",
        &[Arg::Tensor(tr), Arg::Float(-0.5), Arg::Float(0.5)],
    );
    assert!(t
        .to_vec::<f32>()
        .unwrap()
        .iter()
        .all(|v| (-0.5..=0.5).contains(v)));
    // float16 in place
    let h = sin_t(&[4], 0.0, 2.0, DType::F16);
    call("aten::relu_", &[Arg::Tensor(h.clone())]);
    assert!(h.to_vec::<f32>().unwrap().iter().all(|&v| v >= 0.0));
}

#[test]
fn relu_keeps_integer_dtype() {
    let x = Tensor::from_vec(vec![-3i64, 0, 5], &[3]).unwrap();
    let out = nth(&call("aten::relu", &[Arg::Tensor(x)]), 0);
    assert_eq!(out.dtype(), DType::I64);
    assert_eq!(out.to_vec::<i64>().unwrap(), vec![0, 0, 5]);
}

#[test]
fn batch_norm_training_updates_running_stats() {
    // torch 2.15.0: F.batch_norm(x, rm, rv, None, None, True, 0.1) with rm=zeros(3), rv=ones(3)
    let x = sin_t(&[2, 3, 2, 3], 0.0, 2.0, DType::F32);
    let rm = Tensor::from_vec(vec![0f32; 3], &[3]).unwrap();
    let rv = Tensor::from_vec(vec![1f32; 3], &[3]).unwrap();
    let args = [
        Arg::Tensor(x),
        Arg::None,
        Arg::None,
        Arg::Tensor(rm.clone()),
        Arg::Tensor(rv.clone()),
        Arg::Bool(true),
        Arg::Float(0.1),
        Arg::Float(1e-5),
        Arg::Bool(true),
    ];
    call("aten::batch_norm", &args);
    let expected_mean = [
        0.1430501490831375,
        -0.030395573005080223,
        -0.10629872232675552,
    ];
    let expected_var = [0.9403767585754395, 1.0390349626541138, 0.9866470694541931];
    for (a, b) in rm.to_vec::<f64>().unwrap().iter().zip(expected_mean) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
    for (a, b) in rv.to_vec::<f64>().unwrap().iter().zip(expected_var) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}

#[test]
fn dropout_is_identity_in_eval_and_rejects_training() {
    let x = sin_t(&[2, 3], 0.0, 2.0, DType::F32);
    for op in [
        "aten::dropout",
        "aten::feature_dropout",
        "aten::alpha_dropout",
        "aten::feature_alpha_dropout",
    ] {
        let out = call(
            op,
            &[Arg::Tensor(x.clone()), Arg::Float(0.5), Arg::Bool(false)],
        );
        assert_eq!(
            nth(&out, 0).to_vec::<f32>().unwrap(),
            x.to_vec::<f32>().unwrap()
        );
        let e = call_err(
            op,
            &[Arg::Tensor(x.clone()), Arg::Float(0.5), Arg::Bool(true)],
        );
        assert!(e.contains("training-mode dropout is not supported"), "{e}");
    }
    let out = call(
        "aten::dropout_",
        &[Arg::Tensor(x.clone()), Arg::Float(0.3), Arg::Bool(false)],
    );
    assert!(nth(&out, 0).is_same(&x));
}

#[test]
fn pooling_and_norm_errors() {
    let x = Arg::Tensor(sin_t(&[1, 1, 4, 4], 0.0, 1.0, DType::F32));
    let e = call_err(
        "aten::max_pool2d",
        &[
            x.clone(),
            ints(&[2, 2]),
            ints(&[2, 2]),
            ints(&[2, 2]),
            ints(&[1, 1]),
            Arg::Bool(false),
        ],
    );
    assert!(e.contains("pad should be at most half"), "{e}");
    let e = call_err(
        "aten::group_norm",
        &[
            x.clone(),
            Arg::Int(3),
            Arg::None,
            Arg::None,
            Arg::Float(1e-5),
            Arg::Bool(true),
        ],
    );
    assert!(e.contains("divisible by num_groups"), "{e}");
    let e = call_err(
        "aten::layer_norm",
        &[
            x.clone(),
            ints(&[5]),
            Arg::None,
            Arg::None,
            Arg::Float(1e-5),
            Arg::Bool(true),
        ],
    );
    assert!(e.contains("normalized_shape"), "{e}");
    let e = call_err("aten::softmax.int", &[x, Arg::Int(4), Arg::None]);
    assert!(e.contains("dimension out of range"), "{e}");
}

#[test]
fn operands_sharing_one_storage() {
    // x @ x^T reads one storage twice; the second operand is copied, not locked twice
    let x = sin_t(&[3, 4], 0.0, 1.0, DType::F32);
    let out = nth(
        &call(
            "aten::mm",
            &[
                Arg::Tensor(x.clone()),
                Arg::Tensor(x.transpose(0, 1).unwrap()),
            ],
        ),
        0,
    );
    let v = x.to_vec::<f32>().unwrap();
    let expected: f32 = v[..4].iter().map(|a| a * a).sum();
    assert!((out.to_vec::<f32>().unwrap()[0] - expected).abs() < 1e-5);
}

#[test]
fn single_and_multi_threaded_kernels_agree() {
    use torchscript_ops::parallel::set_intra_op_threads;
    let x = sin_t(&[3, 4, 9, 9], 0.0, 1.0, DType::F32);
    let w = sin_t(&[8, 2, 3, 3], 1.0, 1.0, DType::F32);
    let dw = sin_t(&[4, 1, 3, 3], 2.0, 1.0, DType::F32);
    let calls: Vec<(&str, Vec<Arg>)> = vec![
        (
            "aten::conv2d",
            vec![
                Arg::Tensor(x.clone()),
                Arg::Tensor(w),
                Arg::None,
                ints(&[1, 1]),
                ints(&[1, 1]),
                ints(&[1, 1]),
                Arg::Int(2),
            ],
        ),
        (
            "aten::conv2d",
            vec![
                Arg::Tensor(x.clone()),
                Arg::Tensor(dw),
                Arg::None,
                ints(&[2, 2]),
                ints(&[1, 1]),
                ints(&[1, 1]),
                Arg::Int(4),
            ],
        ),
        (
            "aten::max_pool2d",
            vec![
                Arg::Tensor(x.clone()),
                ints(&[3, 3]),
                ints(&[2, 2]),
                ints(&[1, 1]),
                ints(&[1, 1]),
                Arg::Bool(true),
            ],
        ),
        (
            "aten::softmax.int",
            vec![Arg::Tensor(x.clone()), Arg::Int(1), Arg::None],
        ),
        (
            "aten::upsample_bilinear2d.vec",
            vec![
                Arg::Tensor(x.clone()),
                ints(&[13, 5]),
                Arg::Bool(false),
                Arg::None,
            ],
        ),
    ];
    for (op, args) in &calls {
        set_intra_op_threads(1);
        let one = nth(&call(op, args), 0).to_vec::<f32>().unwrap();
        set_intra_op_threads(2);
        let two = nth(&call(op, args), 0).to_vec::<f32>().unwrap();
        set_intra_op_threads(0);
        assert_eq!(one, two, "{op}");
    }
}

/// A direct (naive) convolution in f64 for checking the large-input paths.
#[allow(clippy::too_many_arguments)]
fn naive_conv2d(
    x: &[f32],
    xs: [usize; 4],
    w: &[f32],
    ws: [usize; 4],
    stride: usize,
    pad: usize,
    groups: usize,
) -> (Vec<f64>, [usize; 4]) {
    let [n, c, h, wd] = xs;
    let [oc, cg, kh, kw] = ws;
    let oh = (h + 2 * pad - kh) / stride + 1;
    let ow = (wd + 2 * pad - kw) / stride + 1;
    let ocg = oc / groups;
    let mut out = vec![0f64; n * oc * oh * ow];
    for b in 0..n {
        for o in 0..oc {
            let g = o / ocg;
            for y in 0..oh {
                for xx in 0..ow {
                    let mut acc = 0f64;
                    for ci in 0..cg {
                        let ch = g * cg + ci;
                        for i in 0..kh {
                            for j in 0..kw {
                                let iy = (y * stride + i) as i64 - pad as i64;
                                let ix = (xx * stride + j) as i64 - pad as i64;
                                if iy < 0 || ix < 0 || iy >= h as i64 || ix >= wd as i64 {
                                    continue;
                                }
                                let xv =
                                    x[((b * c + ch) * h + iy as usize) * wd + ix as usize] as f64;
                                acc += xv * w[((o * cg + ci) * kh + i) * kw + j] as f64;
                            }
                        }
                    }
                    out[((b * oc + o) * oh + y) * ow + xx] = acc;
                }
            }
        }
    }
    (out, [n, oc, oh, ow])
}

#[test]
fn large_convolutions_match_a_direct_reference() {
    // big enough for the banded im2col path (unfolding > 2^19 elements), the parallel
    // batch path, and a grouped case
    for (xs, ws, stride, pad, groups) in [
        ([1, 32, 48, 48], [8, 32, 3, 3], 1, 1, 1),
        ([2, 16, 40, 37], [6, 8, 5, 5], 2, 2, 2),
    ] {
        let x = sin_t(&xs, 0.0, 1.0, DType::F32);
        let w = sin_t(&ws, 1.0, 0.1, DType::F32);
        let out = nth(
            &call(
                "aten::conv2d",
                &[
                    Arg::Tensor(x.clone()),
                    Arg::Tensor(w.clone()),
                    Arg::None,
                    ints(&[stride, stride]),
                    ints(&[pad, pad]),
                    ints(&[1, 1]),
                    Arg::Int(groups),
                ],
            ),
            0,
        );
        let to = |v: i64| v as usize;
        let (expected, shape) = naive_conv2d(
            &x.to_vec::<f32>().unwrap(),
            xs,
            &w.to_vec::<f32>().unwrap(),
            ws,
            to(stride),
            to(pad),
            to(groups),
        );
        assert_eq!(out.shape(), shape);
        for (i, (a, b)) in out
            .to_vec::<f64>()
            .unwrap()
            .iter()
            .zip(&expected)
            .enumerate()
        {
            assert!(
                (a - b).abs() < 1e-4 * (1.0 + b.abs()),
                "element {i}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn max_pooling_propagates_nan_like_torch() {
    // torch 2.15.0: F.max_pool2d(x, 2, 2) with a NaN at [0, 0, 0, 1] -> [[nan, 7], [13, 15]]
    let mut v: Vec<f32> = (0..16).map(|i| i as f32).collect();
    v[1] = f32::NAN;
    let x = Tensor::from_vec(v, &[1, 1, 4, 4]).unwrap();
    for op in ["aten::max_pool2d", "aten::max_pool2d_with_indices"] {
        let out = call(
            op,
            &[
                Arg::Tensor(x.clone()),
                ints(&[2, 2]),
                ints(&[2, 2]),
                ints(&[0, 0]),
                ints(&[1, 1]),
                Arg::Bool(false),
            ],
        );
        let got = nth(&out, 0).to_vec::<f32>().unwrap();
        assert!(got[0].is_nan(), "{op}: {got:?}");
        assert_eq!(&got[1..], &[7.0, 13.0, 15.0], "{op}");
    }
    let out = call(
        "aten::adaptive_max_pool2d",
        &[Arg::Tensor(x), ints(&[2, 2])],
    );
    assert!(nth(&out, 0).to_vec::<f32>().unwrap()[0].is_nan());
}

#[test]
fn max_pooling_values_match_the_indexed_path_for_every_window_shape() {
    // The values-only path takes each output row's window rows first, then the taps along
    // the row; the indexed path visits every tap of every window in row-major order. Both
    // must agree on every value (NaNs included) for every kernel, stride, padding, dilation
    // and ceil mode.
    let reg = torchscript_ops::Registry::with_all_ops();
    let mut compared = 0;
    let mut seed = 7u64;
    for &(h, w) in &[(9usize, 11usize), (16, 16), (5, 3)] {
        let mut values = rand_vec(2 * 3 * h * w, &mut seed);
        values[5] = f32::NAN;
        let x = Tensor::from_vec(values, &[2, 3, h, w]).unwrap();
        for kernel in [[1, 1], [2, 2], [3, 3], [3, 2], [2, 3]] {
            for stride in [[1, 1], [2, 2], [1, 2]] {
                for dilation in [[1, 1], [2, 1], [1, 2]] {
                    for ceil in [false, true] {
                        let pads = [[0, 0], [kernel[0] / 2, kernel[1] / 2]];
                        for padding in pads {
                            let args = [
                                Arg::Tensor(x.clone()),
                                ints(&kernel.map(|v| v as i64)),
                                ints(&stride.map(|v| v as i64)),
                                ints(&padding.map(|v| v as i64)),
                                ints(&dilation.map(|v| v as i64)),
                                Arg::Bool(ceil),
                            ];
                            let Ok(plain) = reg.call("aten::max_pool2d", &args) else {
                                continue; // a window too large for the input: refused alike
                            };
                            let indexed = reg.call("aten::max_pool2d_with_indices", &args).unwrap();
                            let (a, b) = (
                                nth(&plain, 0).to_vec::<f32>().unwrap(),
                                nth(&indexed, 0).to_vec::<f32>().unwrap(),
                            );
                            assert_eq!(a.len(), b.len());
                            compared += 1;
                            for (i, (p, q)) in a.iter().zip(&b).enumerate() {
                                assert!(
                                    p == q || (p.is_nan() && q.is_nan()),
                                    "{h}x{w} k{kernel:?} s{stride:?} p{padding:?} d{dilation:?} \
                                     ceil {ceil} [{i}]: {p} vs {q}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(compared > 400, "only {compared} window shapes ran");
}
