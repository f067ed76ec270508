//! Indexing, ordering and unary tests (expected values from torch 2.15.0).

use super::*;
use crate::ops::basic::{index, select, unary};

fn arange(n: i64, shape: &[usize]) -> Tensor {
    Tensor::from_vec((0..n).collect(), shape).unwrap()
}

fn pair(r: (Tensor, Tensor)) -> (Vec<f64>, Vec<i64>) {
    (vf(&r.0), vi(&r.1))
}

#[test]
fn advanced_indexing_places_dims_like_torch() {
    let x = arange(24, &[2, 3, 4]);
    let i01 = ti(&[0, 1], &[2]);
    let r = index::index(&x, &[Some(i01.clone()), None, Some(ti(&[1, 2], &[2]))]).unwrap();
    check(&r, DType::I64, &[2, 3], &[1.0, 5.0, 9.0, 14.0, 18.0, 22.0]);
    let r = index::index(
        &x,
        &[None, Some(ti(&[0, 2], &[2, 1])), Some(ti(&[1, 3], &[2]))],
    )
    .unwrap();
    assert_eq!(r.shape(), &[2, 2, 2]);
    let r = index::index(
        &x,
        &[None, Some(ti(&[0, 2], &[2])), Some(ti(&[1, 3], &[2]))],
    )
    .unwrap();
    check(&r, DType::I64, &[2, 2], &[1.0, 11.0, 13.0, 23.0]);
    let mask = crate::ops::basic::compare::compare_scalar(
        &x,
        Scalar::Int(20),
        crate::ops::basic::compare::Cmp::Gt,
    )
    .unwrap();
    check(
        &index::index(&x, &[Some(mask)]).unwrap(),
        DType::I64,
        &[3],
        &[21.0, 22.0, 23.0],
    );
    let m2 = tb(&[true, false, true, false, false, true], &[2, 3]);
    assert_eq!(index::index(&x, &[Some(m2)]).unwrap().shape(), &[3, 4]);
    let neg = index::index(&x, &[Some(ti(&[-1], &[1]))]).unwrap();
    assert_eq!(vi(&neg)[0], 12);
    err_contains(
        index::index(&x, &[Some(ti(&[2], &[1]))]),
        "index 2 is out of bounds for dimension 0 with size 2",
    );
    err_contains(
        index::index(&x, &[Some(tf(&[0.0], &[1]))]),
        "tensors used as indices must be long, int, byte or bool tensors",
    );
    // through a transposed view
    let r = index::index(&x.transpose(0, 2).unwrap(), &[Some(ti(&[3], &[1]))]).unwrap();
    check(
        &r,
        DType::I64,
        &[1, 3, 2],
        &[3.0, 15.0, 7.0, 19.0, 11.0, 23.0],
    );
}

#[test]
fn index_put_accumulates_and_writes_through_views() {
    let b = tf(&[0.0; 12], &[3, 4]);
    let v = Tensor::scalar(1.5f32);
    index::index_put_(
        &b,
        &[Some(ti(&[0, 0, 2], &[3])), Some(ti(&[1, 1, 3], &[3]))],
        &v,
        true,
    )
    .unwrap();
    check(
        &b,
        DType::F32,
        &[3, 4],
        &[0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.5],
    );
    let row = b.select(0, 1).unwrap();
    call_t(
        "aten::index_put_",
        vec![
            a(&row),
            Arg::List(vec![a(&tb(&[true, false, false, true], &[4]))]),
            a(&tf(&[9.0], &[1])),
            Arg::Bool(false),
        ],
    );
    assert_eq!(vf(&b)[4..8], [9.0, 0.0, 0.0, 9.0]);
}

#[test]
fn gather_scatter_where_masked() {
    let r = index::gather(&ti(&[1, 2, 3, 4], &[2, 2]), 1, &ti(&[0, 0, 1, 0], &[2, 2])).unwrap();
    check(&r, DType::I64, &[2, 2], &[1.0, 1.0, 4.0, 3.0]);
    let src = tf(&[1.0, 2.0, 3.0, 4.0], &[1, 4]);
    let r = call_t(
        "aten::scatter.src",
        vec![
            a(&tf(&[0.0; 15], &[3, 5])),
            int(0),
            a(&ti(&[0, 1, 2, 0], &[1, 4])),
            a(&src),
        ],
    );
    check(
        &r,
        DType::F32,
        &[3, 5],
        &[
            1.0, 0.0, 0.0, 4.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0,
        ],
    );
    let r = call_t(
        "aten::scatter_add",
        vec![
            a(&tf(&[1.0; 6], &[2, 3])),
            int(1),
            a(&ti(&[0, 0, 2, 1], &[2, 2])),
            a(&tf(&[1.0, 2.0, 3.0, 4.0], &[2, 2])),
        ],
    );
    check(&r, DType::F32, &[2, 3], &[4.0, 1.0, 1.0, 1.0, 5.0, 4.0]);
    let r = call_t(
        "aten::where.ScalarOther",
        vec![
            a(&tb(&[true, false], &[2])),
            a(&ti(&[1, 2], &[2])),
            float(2.5),
        ],
    );
    check(&r, DType::F32, &[2], &[1.0, 2.5]);
    let parts = index::nonzero_tuple(&tb(&[false, true, true, true], &[2, 2])).unwrap();
    assert_eq!(
        (vi(&parts[0]), vi(&parts[1])),
        (vec![0, 1, 1], vec![1, 0, 1])
    );
    let r = index::masked_fill(
        &ti(&[1, 2, 3], &[3]),
        &tb(&[true, false, true], &[3]),
        sc(2.7),
    )
    .unwrap();
    check(&r, DType::I64, &[3], &[2.0, 2.0, 2.0]);
    let x = tf(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    call_t(
        "aten::masked_fill_.Tensor",
        vec![
            a(&x.select(1, 0).unwrap()),
            a(&tb(&[false, true], &[2])),
            a(&Tensor::scalar(-1.0f64)),
        ],
    );
    check(&x, DType::F32, &[2, 2], &[1.0, 2.0, -1.0, 4.0]);
    err_contains(
        call(
            "aten::masked_fill.Tensor",
            vec![a(&x), a(&tb(&[true, true], &[2])), a(&tf(&[1.0], &[1]))],
        ),
        "0-dimensional value tensor",
    );
    check(
        &index::masked_select(&x, &tb(&[true, false], &[2])).unwrap(),
        DType::F32,
        &[2],
        &[1.0, -1.0],
    );
    check(
        &index::index_select(&x, 1, &ti(&[1, 1, 0], &[3])).unwrap(),
        DType::F32,
        &[2, 3],
        &[2.0, 2.0, 1.0, 4.0, 4.0, -1.0],
    );
}

#[test]
fn sort_and_topk_tie_order_matches_torch() {
    let x = tf(&[3., 1., 3., f32::NAN, 2., 1., 3.], &[7]);
    let (v, i) = pair(select::sort(&x, 0, false, false).unwrap());
    assert_eq!(i, vec![1, 5, 4, 0, 2, 6, 3]);
    assert!(v[6].is_nan());
    assert_eq!(
        pair(select::sort(&x, 0, true, false).unwrap()).1,
        vec![3, 0, 2, 6, 4, 1, 5]
    );
    assert_eq!(
        pair(select::topk(&x, 3, 0, true, true).unwrap()).1,
        vec![3, 6, 0]
    );
    assert_eq!(
        pair(select::topk(&x, 3, 0, false, true).unwrap()).1,
        vec![1, 5, 4]
    );
    assert_eq!(
        pair(select::topk(&ti(&[1, 5, 5, 2, 5, 0, 2, 2], &[1, 8]), 4, -1, true, true).unwrap()).1,
        vec![1, 4, 2, 6]
    );
    let mut z = vec![5i64; 20];
    z.push(1);
    let z = ti(&z, &[21]);
    assert_eq!(
        pair(select::topk(&z, 3, 0, true, true).unwrap()).1,
        vec![12, 14, 13]
    );
    assert_eq!(
        pair(select::topk(&z, 20, 0, true, true).unwrap()).1,
        vec![11, 7, 8, 10, 6, 4, 3, 2, 0, 9, 1, 12, 13, 14, 15, 16, 17, 18, 19, 5]
    );
    let w: Vec<i64> = (0..23).map(|i| if i % 2 == 0 { 2 } else { 1 }).collect();
    let w = ti(&w, &[23]);
    assert_eq!(
        pair(select::topk(&w, 5, 0, true, true).unwrap()).1,
        vec![12, 18, 10, 0, 8]
    );
    assert_eq!(
        pair(select::topk(&w, 5, 0, false, true).unwrap()).1,
        vec![15, 9, 11, 13, 19]
    );
    assert_eq!(
        pair(select::sort(&w, 0, true, false).unwrap()).1,
        vec![22, 2, 4, 20, 6, 8, 18, 10, 0, 12, 14, 16, 11, 21, 19, 17, 15, 13, 9, 7, 5, 3, 1]
    );
    let (v, i) = select::sort(&tf(&[3.0, 1.0, 2.0, 0.0], &[2, 2]), 0, false, true).unwrap();
    check(&v, DType::F32, &[2, 2], &[2.0, 0.0, 3.0, 1.0]);
    check(&i, DType::I64, &[2, 2], &[1.0, 1.0, 0.0, 0.0]);
}

#[test]
fn scans_triangles_and_rearrangements() {
    assert_eq!(
        select::cumulative(&of(&[1i32, 2, 3, 4], &[2, 2]), 0, None, false)
            .unwrap()
            .dtype(),
        DType::I64
    );
    let c = select::cumulative(&tf(&[0.1; 10], &[10]), 0, None, false).unwrap();
    assert_eq!(c.to_vec::<f32>().unwrap()[9], 1.0);
    check(
        &select::cumulative(&tf(&[1.5, 2.0, -1.0], &[3]), 0, None, true).unwrap(),
        DType::F32,
        &[3],
        &[1.5, 3.0, -3.0],
    );
    let m = arange(12, &[3, 4]);
    check(
        &select::triangle(&m, -1, false).unwrap(),
        DType::I64,
        &[3, 4],
        &[0.0, 0.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 8.0, 9.0, 0.0, 0.0],
    );
    check(
        &select::triangle(&m, 1, true).unwrap(),
        DType::I64,
        &[3, 4],
        &[0.0, 1.0, 2.0, 3.0, 0.0, 0.0, 6.0, 7.0, 0.0, 0.0, 0.0, 11.0],
    );
    let s = arange(6, &[2, 3]);
    check(
        &select::roll(&s, &[1], &[]).unwrap(),
        DType::I64,
        &[2, 3],
        &[5.0, 0.0, 1.0, 2.0, 3.0, 4.0],
    );
    check(
        &select::roll(&s, &[1, -1], &[0, 1]).unwrap(),
        DType::I64,
        &[2, 3],
        &[4.0, 5.0, 3.0, 1.0, 2.0, 0.0],
    );
    check(
        &select::flip(&s, &[0, 1]).unwrap(),
        DType::I64,
        &[2, 3],
        &[5.0, 4.0, 3.0, 2.0, 1.0, 0.0],
    );
    let r = call_t(
        "aten::repeat_interleave.self_int",
        vec![a(&ti(&[1, 2, 3, 4], &[2, 2])), int(2), Arg::None, Arg::None],
    );
    check(
        &r,
        DType::I64,
        &[8],
        &[1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0],
    );
    let r = select::repeat_interleave(&ti(&[1, 2, 3, 4], &[2, 2]), &ti(&[1, 2], &[2]), Some(0))
        .unwrap();
    check(&r, DType::I64, &[3, 2], &[1.0, 2.0, 3.0, 4.0, 3.0, 4.0]);
    check(
        &select::repeat_index(&[2, 0, 1]).unwrap(),
        DType::I64,
        &[3],
        &[0.0, 0.0, 2.0],
    );
    check(
        &select::unfold(&arange(7, &[7]), 0, 3, 2).unwrap(),
        DType::I64,
        &[3, 3],
        &[0.0, 1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0, 6.0],
    );
    check(
        &select::diagonal(&m, 1, 0, 1).unwrap(),
        DType::I64,
        &[3],
        &[1.0, 6.0, 11.0],
    );
    check(
        &select::diag(&ti(&[1, 2], &[2]), 0).unwrap(),
        DType::I64,
        &[2, 2],
        &[1.0, 0.0, 0.0, 2.0],
    );
    check(
        &select::diag(&arange(9, &[3, 3]), -1).unwrap(),
        DType::I64,
        &[2],
        &[3.0, 7.0],
    );
}

#[test]
fn unary_math() {
    let r = unary::unary("sign", &tf(&[f32::NAN, -0.0, 2.0, -3.0], &[4])).unwrap();
    check(&r, DType::F32, &[4], &[0.0, 0.0, 1.0, -1.0]);
    check(
        &unary::unary("abs", &of(&[-128i8], &[1])).unwrap(),
        DType::I8,
        &[1],
        &[-128.0],
    );
    check(
        &unary::unary("round", &tf(&[0.5, 1.5, 2.5, -0.5, 1.2345, 2.675], &[6])).unwrap(),
        DType::F32,
        &[6],
        &[0.0, 2.0, 2.0, -0.0, 1.0, 3.0],
    );
    let r = unary::round_decimals(&tf(&[1.2345, 2.675, 1234.5, -0.125], &[4]), 2).unwrap();
    assert_eq!(
        r.to_vec::<f32>().unwrap(),
        vec![
            1.2300000190734863,
            2.680000066757202,
            1234.5,
            -0.11999999731779099
        ]
    );
    check(
        &unary::round_decimals(&tf(&[1234.5, 1250.0], &[2]), -2).unwrap(),
        DType::F32,
        &[2],
        &[1200.0, 1200.0],
    );
    let c = call_t(
        "aten::clamp",
        vec![a(&ti(&[1, 5, 9], &[3])), float(2.5), Arg::None],
    );
    assert_eq!(c.dtype(), DType::F32);
    check(
        &call_t(
            "aten::clamp",
            vec![a(&tf(&[1.0, f32::NAN, 9.0], &[3])), int(2), int(8)],
        ),
        DType::F32,
        &[3],
        &[2.0, f64::NAN, 8.0],
    );
    check(
        &call_t(
            "aten::clamp",
            vec![a(&tf(&[1.0, 5.0, 9.0], &[3])), int(6), int(3)],
        ),
        DType::F32,
        &[3],
        &[3.0, 3.0, 3.0],
    );
    check(
        &call_t(
            "aten::clamp",
            vec![a(&ti(&[1, 5, 9], &[3])), Arg::None, int(4)],
        ),
        DType::I64,
        &[3],
        &[1.0, 4.0, 4.0],
    );
    let r = call_t(
        "aten::clamp.Tensor",
        vec![
            a(&tf(&[1.0, 5.0, 9.0], &[3])),
            a(&tf(&[2.0, f32::NAN, 3.0], &[3])),
            a(&Tensor::scalar(7.0f32)),
        ],
    );
    check(&r, DType::F32, &[3], &[2.0, f64::NAN, 7.0]);
    let r = unary::nan_to_num(
        &tf(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0], &[4]),
        None,
        None,
        None,
    )
    .unwrap();
    check(
        &r,
        DType::F32,
        &[4],
        &[0.0, 3.4028234663852886e38, -3.4028234663852886e38, 1.0],
    );
    let e = unary::unary("erf", &tf(&[0.1, 0.5, 1.0, 2.0, 3.5, -0.7, 5.0], &[7])).unwrap();
    assert_eq!(
        e.to_vec::<f32>().unwrap(),
        vec![
            0.11246291548013687,
            0.5204998850822449,
            0.8427007794380188,
            0.9953222870826721,
            0.9999992847442627,
            -0.6778011918067932,
            1.0
        ]
    );
    let e = unary::unary("erfc", &tf(&[0.1, 1.0, 3.5, 5.0, -2.0, 10.0], &[6])).unwrap();
    assert_eq!(
        e.to_vec::<f32>().unwrap(),
        vec![
            0.8875370621681213,
            0.15729920566082,
            7.430983828271565e-07,
            1.5374598295869735e-12,
            1.9953222274780273,
            1.401298464324817e-45
        ]
    );
    assert_eq!(
        unary::unary("sqrt", &ti(&[4, 2], &[2])).unwrap().dtype(),
        DType::F32
    );
    check(
        &unary::unary("exp", &ti(&[1, 2], &[2])).unwrap(),
        DType::F32,
        &[2],
        &[2.7182817459106445, 7.389056205749512],
    );
    assert_eq!(
        unary::unary("floor", &ti(&[3], &[1])).unwrap().dtype(),
        DType::I64
    );
    check(
        &unary::unary("reciprocal", &ti(&[2, 0], &[2])).unwrap(),
        DType::F32,
        &[2],
        &[0.5, f64::INFINITY],
    );
    check(
        &unary::unary("frac", &tf(&[1.5, -2.25], &[2])).unwrap(),
        DType::F32,
        &[2],
        &[0.5, -0.25],
    );
    check(
        &unary::unary("log", &tf(&[0.0, -1.0, 2.0], &[3])).unwrap(),
        DType::F32,
        &[3],
        &[f64::NEG_INFINITY, f64::NAN, 0.6931471824645996],
    );
    let h: Vec<half::f16> = [0.1f32, 1.0, 3.0]
        .iter()
        .map(|&v| half::f16::from_f32(v))
        .collect();
    check(
        &unary::unary("exp", &of(&h, &[3])).unwrap(),
        DType::F16,
        &[3],
        &[1.10546875, 2.71875, 20.078125],
    );
    check(
        &unary::unary("sin", &of(&h, &[3])).unwrap(),
        DType::F16,
        &[3],
        &[0.09979248046875, 0.84130859375, 0.14111328125],
    );
    err_contains(
        unary::unary("neg", &tb(&[true], &[1])),
        "Negation, the `-` operator, on a bool tensor is not supported.",
    );
    err_contains(
        unary::unary("abs", &tb(&[true], &[1])),
        "\"abs_cpu\" not implemented for 'Bool'",
    );
    let x = tf(&[-1.0, 4.0], &[2]);
    call_t("aten::abs_", vec![a(&x)]);
    check(&x, DType::F32, &[2], &[1.0, 4.0]);
    assert_eq!(
        vb(&unary::isfinite(&tf(&[1.0, f32::INFINITY, f32::NAN], &[3])).unwrap()),
        vec![true, false, false]
    );
}

#[test]
fn one_hot_index_add_fill_copy_lerp_addcmul() {
    check(
        &index::one_hot(&ti(&[0, 2, 1], &[3]), -1).unwrap(),
        DType::I64,
        &[3, 3],
        &[1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0],
    );
    let r = call_t(
        "aten::index_add",
        vec![
            a(&tf(&[0.0; 6], &[3, 2])),
            int(0),
            a(&ti(&[0, 2, 0], &[3])),
            a(&tf(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2])),
            int(2),
        ],
    );
    check(&r, DType::F32, &[3, 2], &[12.0, 16.0, 0.0, 0.0, 6.0, 8.0]);
    let r = call_t(
        "aten::index_fill.int_Scalar",
        vec![
            a(&tf(&[0.0; 6], &[2, 3])),
            int(1),
            a(&ti(&[0, 2], &[2])),
            int(7),
        ],
    );
    check(&r, DType::F32, &[2, 3], &[7.0, 0.0, 7.0, 7.0, 0.0, 7.0]);
    let r = call_t(
        "aten::index_copy",
        vec![
            a(&tf(&[0.0; 6], &[2, 3])),
            int(1),
            a(&ti(&[2, 0], &[2])),
            a(&tf(&[1.0, 2.0, 3.0, 4.0], &[2, 2])),
        ],
    );
    check(&r, DType::F32, &[2, 3], &[2.0, 0.0, 1.0, 4.0, 0.0, 3.0]);
    let (s, e) = (tf(&[1.0, 2.0], &[2]), tf(&[10.0, 3.0], &[2]));
    let r = call_t("aten::lerp.Scalar", vec![a(&s), a(&e), float(0.3)]);
    assert_eq!(
        r.to_vec::<f32>().unwrap(),
        vec![3.700000047683716, 2.299999952316284]
    );
    let r = call_t(
        "aten::lerp.Tensor",
        vec![a(&s), a(&e), a(&tf(&[0.75, 0.5], &[2]))],
    );
    check(&r, DType::F32, &[2], &[7.75, 2.5]);
    let r = call_t(
        "aten::addcmul",
        vec![
            a(&s),
            a(&tf(&[3.0, 4.0], &[2])),
            a(&tf(&[0.1, 0.2], &[2])),
            float(0.5),
        ],
    );
    assert_eq!(
        r.to_vec::<f32>().unwrap(),
        vec![1.149999976158142, 2.4000000953674316]
    );
    let r = call_t(
        "aten::addcdiv",
        vec![
            a(&s),
            a(&tf(&[3.0, 4.0], &[2])),
            a(&tf(&[7.0, 0.3], &[2])),
            int(2),
        ],
    );
    assert_eq!(
        r.to_vec::<f32>().unwrap(),
        vec![1.8571429252624512, 28.66666603088379]
    );
}

#[test]
fn cummax_scatter_reduce_logspace() {
    let x = tf(&[1.0, 3.0, 2.0, 3.0, f32::NAN, 0.0], &[6]);
    let (v, i) = select::cum_extreme(&x, 0, true).unwrap();
    check(
        &v,
        DType::F32,
        &[6],
        &[1.0, 3.0, 3.0, 3.0, f64::NAN, f64::NAN],
    );
    assert_eq!(vi(&i), vec![0, 1, 1, 3, 4, 4]);
    let (_, i) = select::cum_extreme(&x, 0, false).unwrap();
    assert_eq!(vi(&i), vec![0, 0, 0, 0, 4, 4]);
    let s = tf(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[6]);
    let idx = ti(&[0, 1, 0, 1, 2, 1], &[6]);
    let zeros = tf(&[0.0; 3], &[3]);
    let tens = tf(&[10.0; 3], &[3]);
    let run = |base: &Tensor, r: &str, incl: bool| {
        index::scatter_reduce(base, 0, &idx, &s, r, incl).unwrap()
    };
    check(
        &run(&zeros, "sum", true),
        DType::F32,
        &[3],
        &[4.0, 12.0, 5.0],
    );
    check(
        &run(&tens, "prod", false),
        DType::F32,
        &[3],
        &[3.0, 48.0, 5.0],
    );
    assert_eq!(
        run(&zeros, "mean", true).to_vec::<f32>().unwrap(),
        vec![1.3333333730697632, 3.0, 2.5]
    );
    check(
        &run(&tens, "mean", false),
        DType::F32,
        &[3],
        &[2.0, 4.0, 5.0],
    );
    check(
        &run(&zeros, "amax", true),
        DType::F32,
        &[3],
        &[3.0, 6.0, 5.0],
    );
    check(
        &run(&tens, "amin", false),
        DType::F32,
        &[3],
        &[1.0, 2.0, 5.0],
    );
    let r = index::scatter_reduce(
        &ti(&[1, 2, 3], &[3]),
        0,
        &ti(&[0, 0, 1], &[3]),
        &ti(&[4, 5, 6], &[3]),
        "mean",
        true,
    )
    .unwrap();
    check(&r, DType::I64, &[3], &[3.0, 4.0, 3.0]);
    let l = crate::ops::basic::creation::logspace(Scalar::Int(0), Scalar::Int(2), 5, 10.0, None)
        .unwrap();
    assert_eq!(
        l.to_vec::<f32>().unwrap(),
        vec![1.0, 3.1622776985168457, 10.0, 31.62277603149414, 100.0]
    );
}
