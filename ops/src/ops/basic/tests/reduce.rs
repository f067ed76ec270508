//! Reduction tests (expected values from torch 2.15.0).

use super::*;
use crate::ops::basic::reduce;

const NAN: f64 = f64::NAN;

fn pair(r: Arg) -> (Tensor, Tensor) {
    match r {
        Arg::Tuple(mut v) if v.len() == 2 => {
            let b = v.pop().and_then(Arg::into_tensor).unwrap();
            let a = v.pop().and_then(Arg::into_tensor).unwrap();
            (a, b)
        }
        other => panic!("expected a pair, got {other:?}"),
    }
}

#[test]
fn max_min_with_nan_and_ties() {
    let x = tf(
        &[1., 5., 5., -2., f32::NAN, 0., 3., 3., 2., 2., 1., 7.],
        &[3, 4],
    );
    let (v, i) = pair(call("aten::max.dim", vec![a(&x), int(1), Arg::Bool(false)]).unwrap());
    check(&v, DType::F32, &[3], &[5.0, NAN, 7.0]);
    check(&i, DType::I64, &[3], &[1.0, 0.0, 3.0]);
    let (v, i) = pair(call("aten::min.dim", vec![a(&x), int(0), Arg::Bool(false)]).unwrap());
    check(&v, DType::F32, &[4], &[NAN, 0.0, 1.0, -2.0]);
    check(&i, DType::I64, &[4], &[1.0, 1.0, 2.0, 0.0]);
    check(
        &reduce::argmax(&x, None, false, true).unwrap(),
        DType::I64,
        &[],
        &[4.0],
    );
    check(
        &reduce::argmax(&x, Some(1), true, true).unwrap(),
        DType::I64,
        &[3, 1],
        &[1.0, 0.0, 3.0],
    );
    err_contains(
        reduce::max_all(&tf(&[], &[0]), true),
        "max(): Expected reduction dim to be specified for input.numel() == 0.",
    );
    err_contains(
        reduce::max_dim(&tf(&[], &[2, 0]), 1, false, true),
        "max(): Expected reduction dim 1 to have non-zero size.",
    );
    let (v, _) = reduce::max_dim(&tf(&[], &[0, 3]), 1, false, true).unwrap();
    assert_eq!(v.shape(), &[0]);
}

#[test]
fn sums_and_means() {
    let y = ti(&[1, 5, 5, -2, 4, 0, 3, 3], &[2, 4]);
    check(
        &reduce::sum(&y, None, false, None).unwrap(),
        DType::I64,
        &[],
        &[19.0],
    );
    check(
        &reduce::sum(&y, Some(&[0, 1]), true, None).unwrap(),
        DType::I64,
        &[1, 1],
        &[19.0],
    );
    check(
        &reduce::sum(&tb(&[true, true], &[2]), None, false, None).unwrap(),
        DType::I64,
        &[],
        &[2.0],
    );
    check(
        &reduce::sum(&tf(&[1.5, 2.5], &[2]), None, false, Some(DType::I32)).unwrap(),
        DType::I32,
        &[],
        &[3.0],
    );
    err_contains(reduce::mean(&y, None, false, None), "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long");
    check(
        &reduce::sum(&tf(&[], &[2, 0]), Some(&[1]), false, None).unwrap(),
        DType::F32,
        &[2],
        &[0.0, 0.0],
    );
    check(
        &reduce::mean(&tf(&[], &[2, 0]), Some(&[1]), false, None).unwrap(),
        DType::F32,
        &[2],
        &[NAN, NAN],
    );
    let z = Tensor::from_vec((0..24).map(|v| v as f32).collect(), &[2, 3, 4])
        .unwrap()
        .permute(&[2, 0, 1])
        .unwrap();
    check(
        &reduce::mean(&z, Some(&[0, 2]), false, None).unwrap(),
        DType::F32,
        &[2],
        &[5.5, 17.5],
    );
    assert_eq!(
        reduce::sum(&z, Some(&[-1]), true, None).unwrap().shape(),
        &[4, 2, 1]
    );
    let am = call_t("aten::amax", vec![a(&z), ints(&[1]), Arg::Bool(false)]);
    check(
        &am,
        DType::F32,
        &[4, 3],
        &[
            12.0, 16.0, 20.0, 13.0, 17.0, 21.0, 14.0, 18.0, 22.0, 15.0, 19.0, 23.0,
        ],
    );
    err_contains(
        reduce::sum(&y, Some(&[0, -2]), false, None),
        "dim 0 appears multiple times in the list of dims",
    );
    check(
        &call_t(
            "aten::prod.dim_int",
            vec![
                a(&ti(&[2, 3, 4, 5], &[2, 2])),
                int(1),
                Arg::Bool(false),
                Arg::None,
            ],
        ),
        DType::I64,
        &[2],
        &[6.0, 20.0],
    );
}

#[test]
fn statistics_and_norms() {
    let x = tf(&[1.0, 2.0, 3.0, 4.0], &[4]);
    check(
        &call_t("aten::var", vec![a(&x), Arg::Bool(true)]),
        DType::F32,
        &[],
        &[1.6666666269302368],
    );
    check(
        &call_t(
            "aten::std.correction",
            vec![a(&x), Arg::None, int(0), Arg::Bool(false)],
        ),
        DType::F32,
        &[],
        &[1.1180340051651],
    );
    let (v, m) = pair(
        call(
            "aten::var_mean.dim",
            vec![
                a(&tf(&[1.0, 2.0, 3.0, 5.0], &[2, 2])),
                ints(&[1]),
                Arg::Bool(true),
                Arg::Bool(false),
            ],
        )
        .unwrap(),
    );
    check(&v, DType::F32, &[2], &[0.5, 2.0]);
    check(&m, DType::F32, &[2], &[1.5, 4.0]);
    let l = reduce::logsumexp(
        &tf(&[1.0, 2.0, 3.0, -1.0, 0.0, f32::NEG_INFINITY], &[2, 3]),
        &[1],
        false,
    )
    .unwrap();
    check(
        &l,
        DType::F32,
        &[2],
        &[3.4076058864593506, 0.31326165795326233],
    );
    check(
        &call_t("aten::norm.Scalar", vec![a(&tf(&[3.0, 4.0], &[2])), int(2)]),
        DType::F32,
        &[],
        &[5.0],
    );
    let n = reduce::vector_norm(
        &tf(&[1.0, -2.0, 3.0, 4.0], &[2, 2]),
        f64::INFINITY,
        Some(&[1]),
        false,
        None,
    )
    .unwrap();
    check(&n, DType::F32, &[2], &[2.0, 4.0]);
    assert_eq!(
        reduce::all_any(&of(&[1u8, 2], &[2]), None, false, true)
            .unwrap()
            .dtype(),
        DType::U8
    );
    assert_eq!(
        vb(&reduce::all_any(
            &tf(&[0.0, 1.0, 0.0, 0.0], &[2, 2]),
            Some(&[1]),
            false,
            false
        )
        .unwrap()),
        vec![true, false]
    );
    check(
        &reduce::median_all(&tf(&[3.0, 1.0, 2.0, 4.0], &[4])).unwrap(),
        DType::F32,
        &[],
        &[2.0],
    );
}
