//! Arithmetic, promotion, comparison and in-place tests (expected values from torch 2.15.0).

use super::*;
use crate::ops::basic::binary;
use crate::ops::basic::compare::{self, Cmp};

#[test]
fn add_with_alpha_broadcasts_over_transposed_view() {
    let x = tf(&[1.5, -2.25, 3.0, 0.5, 7.0, -8.5], &[2, 3]);
    let b = tf(&[2.0, -0.5, 3.0], &[3, 1]);
    let r = call_t(
        "aten::add.Tensor",
        vec![a(&x.transpose(0, 1).unwrap()), a(&b), int(2)],
    );
    check(&r, DType::F32, &[3, 2], &[5.5, 4.5, -3.25, 6.0, 9.0, -2.5]);
}

#[test]
fn promotion_of_scalars_and_zero_dim_tensors() {
    let i = ti(&[1, 2], &[2]);
    let r = binary::mul_scalar(&i, sc(2.5)).unwrap();
    check(&r, DType::F32, &[2], &[2.5, 5.0]);
    let i32t = of(&[1i32, 2], &[2]);
    // the 0-d int64 value 2**40 is cast to int32 (0)
    let r = binary::add(&i32t, &Tensor::scalar(1i64 << 40), Scalar::Int(1)).unwrap();
    check(&r, DType::I32, &[2], &[1.0, 2.0]);
    let u = of(&[200u8], &[1]);
    check(
        &binary::add_scalar(&u, Scalar::Int(100), Scalar::Int(1)).unwrap(),
        DType::U8,
        &[1],
        &[44.0],
    );
    let r = binary::add(&of(&[3u8], &[1]), &of(&[-4i8], &[1]), Scalar::Int(1)).unwrap();
    check(&r, DType::I16, &[1], &[-1.0]);
    let r = binary::div_scalar(&ti(&[1, 2], &[2]), Scalar::Int(2), None).unwrap();
    check(&r, DType::F32, &[2], &[0.5, 1.0]);
    let r = binary::add(
        &tb(&[true, false], &[2]),
        &tb(&[true, true], &[2]),
        Scalar::Int(1),
    )
    .unwrap();
    assert_eq!(r.dtype(), DType::Bool);
    assert_eq!(vb(&r), vec![true, true]);
}

#[test]
fn reduced_float_scalars_follow_torch_opmath() {
    let h: Vec<half::f16> = [0.1f32, 0.2, 1000.0]
        .iter()
        .map(|&v| half::f16::from_f32(v))
        .collect();
    let h = of(&h, &[3]);
    check(
        &binary::mul_scalar(&h, sc(0.1)).unwrap(),
        DType::F16,
        &[3],
        &[0.0099945068359375, 0.019989013671875, 100.0],
    );
    check(
        &binary::add_scalar(&h, sc(0.1), Scalar::Int(1)).unwrap(),
        DType::F16,
        &[3],
        &[0.199951171875, 0.2998046875, 1000.0],
    );
    check(
        &binary::div_scalar(&h, sc(3.3), None).unwrap(),
        DType::F16,
        &[3],
        &[0.0302886962890625, 0.060577392578125, 303.0],
    );
    let b: Vec<half::bf16> = [1.0f32, 2.0, 3.0]
        .iter()
        .map(|&v| half::bf16::from_f32(v))
        .collect();
    let b = of(&b, &[3]);
    check(
        &binary::mul_scalar(&b, sc(0.1)).unwrap(),
        DType::BF16,
        &[3],
        &[0.10009765625, 0.2001953125, 0.30078125],
    );
    check(
        &binary::sub_scalar(&b, sc(0.3), Scalar::Int(1)).unwrap(),
        DType::BF16,
        &[3],
        &[0.69921875, 1.703125, 2.703125],
    );
}

#[test]
fn remainder_fmod_floor_divide_signs() {
    let x = tf(&[1.5, -2.25, 3.0, 0.5, 7.0, -8.5], &[2, 3]);
    let b = tf(&[2.0, -0.5, 3.0], &[3]);
    let rem = call_t("aten::remainder.Tensor", vec![a(&x), a(&b)]);
    check(&rem, DType::F32, &[2, 3], &[1.5, -0.25, 0.0, 0.5, 0.0, 0.5]);
    let fm = call_t("aten::fmod.Tensor", vec![a(&x), a(&b)]);
    check(&fm, DType::F32, &[2, 3], &[1.5, -0.25, 0.0, 0.5, 0.0, -2.5]);
    let fd = call_t("aten::floor_divide", vec![a(&x), a(&b)]);
    check(&fd, DType::F32, &[2, 3], &[0.0, 4.0, 1.0, 0.0, -14.0, -3.0]);
    let i = of(&[7i32, -7, 9, -9, 4, -4], &[2, 3]);
    let r = call_t(
        "aten::remainder.Tensor",
        vec![a(&i), a(&ti(&[2, -3, 4], &[3]))],
    );
    check(&r, DType::I64, &[2, 3], &[1.0, -1.0, 1.0, 1.0, -2.0, 0.0]);
    let r = call_t("aten::fmod.Scalar", vec![a(&i), int(-4)]);
    check(&r, DType::I32, &[2, 3], &[3.0, -3.0, 1.0, -1.0, 0.0, 0.0]);
    let r = call_t("aten::floor_divide.Scalar", vec![a(&i), int(-4)]);
    check(&r, DType::I32, &[2, 3], &[-2.0, 1.0, -3.0, 2.0, -1.0, 1.0]);
    let r = call_t("aten::div.Scalar", vec![a(&i), int(4)]);
    check(
        &r,
        DType::F32,
        &[2, 3],
        &[1.75, -1.75, 2.25, -2.25, 1.0, -1.0],
    );
    let r = call_t(
        "aten::div.Tensor_mode",
        vec![
            a(&ti(&[7, -7], &[2])),
            a(&Tensor::scalar(2i64)),
            Arg::Str("floor".into()),
        ],
    );
    check(&r, DType::I64, &[2], &[3.0, -4.0]);
    let r = call_t(
        "aten::div.Scalar_mode",
        vec![a(&tf(&[7.0, -7.0], &[2])), int(2), Arg::Str("trunc".into())],
    );
    check(&r, DType::F32, &[2], &[3.0, -3.0]);
    let z = tf(&[1.0, -1.0, 0.0], &[3]);
    check(
        &call_t("aten::div.Scalar", vec![a(&z), int(0)]),
        DType::F32,
        &[3],
        &[f64::INFINITY, f64::NEG_INFINITY, f64::NAN],
    );
    check(
        &call_t("aten::floor_divide.Scalar", vec![a(&z), int(0)]),
        DType::F32,
        &[3],
        &[f64::INFINITY, f64::NEG_INFINITY, f64::NAN],
    );
    check(
        &call_t("aten::remainder.Scalar", vec![a(&z), int(0)]),
        DType::F32,
        &[3],
        &[f64::NAN, f64::NAN, f64::NAN],
    );
}

#[test]
fn arithmetic_errors_match_torch() {
    let i = ti(&[1, 2], &[2]);
    let z = ti(&[0, 1], &[2]);
    err_contains(
        call("aten::floor_divide", vec![a(&i), a(&z)]),
        "ZeroDivisionError",
    );
    err_contains(
        call("aten::remainder.Tensor", vec![a(&i), a(&z)]),
        "ZeroDivisionError",
    );
    err_contains(
        call(
            "aten::div.Scalar_mode",
            vec![a(&i), int(0), Arg::Str("trunc".into())],
        ),
        "ZeroDivisionError",
    );
    let b = tb(&[true], &[1]);
    err_contains(
        call("aten::sub.Tensor", vec![a(&b), a(&b), int(1)]),
        "with two bool tensors is not supported",
    );
    err_contains(
        call("aten::sub.Scalar", vec![a(&b), int(1), int(1)]),
        "with a bool tensor is not supported",
    );
    err_contains(
        call("aten::pow.Tensor_Scalar", vec![a(&i), int(-1)]),
        "Integers to negative integer powers are not allowed.",
    );
    err_contains(
        call("aten::add_.Scalar", vec![a(&i), float(1.5), int(1)]),
        "result type Float can't be cast to the desired output type Long",
    );
    err_contains(
        call(
            "aten::add_.Tensor",
            vec![a(&i), a(&tf(&[1.0; 4], &[2, 2])), int(1)],
        ),
        "doesn't match the broadcast shape",
    );
    err_contains(
        call(
            "aten::add.Tensor",
            vec![a(&i), a(&tf(&[1.0; 3], &[3])), int(1)],
        ),
        "aten::add",
    );
    err_contains(
        call("aten::sub.Tensor", vec![a(&i), a(&i), float(2.5)]),
        "alpha must not be a floating point number",
    );
    err_contains(
        call(
            "aten::bitwise_and.Tensor",
            vec![a(&tf(&[1.0], &[1])), a(&tf(&[1.0], &[1]))],
        ),
        "\"bitwise_and_cpu\" not implemented for 'Float'",
    );
    err_contains(
        call("aten::floor_divide", vec![a(&b), a(&b)]),
        "not implemented for 'Bool'",
    );
}

#[test]
fn pow_forms() {
    let r = call_t(
        "aten::pow.Tensor_Scalar",
        vec![a(&tf(&[1.5, 2.0, -3.0], &[3])), float(2.5)],
    );
    check(
        &r,
        DType::F32,
        &[3],
        &[2.755676031112671, 5.656854152679443, f64::NAN],
    );
    let r = call_t(
        "aten::pow.Tensor_Tensor",
        vec![a(&ti(&[2, 3], &[2])), a(&ti(&[3, 2], &[2]))],
    );
    check(&r, DType::I64, &[2], &[8.0, 9.0]);
    let r = call_t(
        "aten::pow.Tensor_Tensor",
        vec![
            a(&ti(&[-2, -1, 1, 2], &[4])),
            a(&ti(&[-1, -3, -2, -5], &[4])),
        ],
    );
    check(&r, DType::I64, &[4], &[0.0, -1.0, 1.0, 0.0]);
    let r = call_t(
        "aten::pow.Tensor_Scalar",
        vec![a(&ti(&[2, 3], &[2])), float(2.5)],
    );
    check(
        &r,
        DType::F32,
        &[2],
        &[5.656854152679443, 15.588457107543945],
    );
    let r = call_t("aten::pow.Scalar", vec![int(2), a(&ti(&[2, 3], &[2]))]);
    check(&r, DType::I64, &[2], &[4.0, 8.0]);
    let r = call_t("aten::pow.Scalar", vec![float(2.5), a(&ti(&[2, 3], &[2]))]);
    check(&r, DType::F32, &[2], &[6.25, 15.625]);
    let r = call_t(
        "aten::pow.Tensor_Scalar",
        vec![a(&tf(&[0.0, -0.0], &[2])), int(-1)],
    );
    check(&r, DType::F32, &[2], &[f64::INFINITY, f64::NEG_INFINITY]);
}

#[test]
fn maximum_propagates_nan_and_atan2() {
    let n = f32::NAN;
    let r = binary::maximum(&tf(&[1.0, n, 3.0], &[3]), &tf(&[2.0, 1.0, n], &[3])).unwrap();
    check(&r, DType::F32, &[3], &[2.0, f64::NAN, f64::NAN]);
    let r = call_t(
        "aten::atan2",
        vec![a(&tf(&[1.0, -1.0], &[2])), a(&tf(&[2.0, 0.5], &[2]))],
    );
    check(
        &r,
        DType::F32,
        &[2],
        &[0.46364760398864746, -1.1071487665176392],
    );
}

#[test]
fn in_place_through_a_view_mutates_the_base() {
    let x = tf(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]);
    let col = x.select(1, 1).unwrap();
    let r = call_t("aten::mul_.Scalar", vec![a(&col), int(10)]);
    assert!(r.is_same(&col));
    check(&x, DType::F32, &[2, 3], &[0.0, 10.0, 2.0, 3.0, 40.0, 5.0]);
    // int self keeps its dtype; a float 0-d operand of a higher category is an error
    let i = of(&[1i32, 2], &[2]);
    err_contains(
        call(
            "aten::sub_.Tensor",
            vec![a(&i), a(&tf(&[1.5], &[1])), int(1)],
        ),
        "result type Float can't be cast to the desired output type Int",
    );
    call_t("aten::add_.Tensor", vec![a(&i), a(&ti(&[5], &[1])), int(1)]);
    check(&i, DType::I32, &[2], &[6.0, 7.0]);
}

#[test]
fn non_contiguous_operands() {
    let x = Tensor::from_vec((0..6i64).collect(), &[2, 3])
        .unwrap()
        .transpose(0, 1)
        .unwrap();
    let y = x.transpose(0, 1).unwrap().transpose(0, 1).unwrap();
    let r = binary::mul(&x, &y).unwrap();
    check(&r, DType::I64, &[3, 2], &[0.0, 9.0, 1.0, 16.0, 4.0, 25.0]);
    let e = tf(&[1.0, 2.0], &[2, 1]).expand(&[2, 3]).unwrap();
    let s = tf(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[7])
        .slice(0, Some(1), None, 2)
        .unwrap();
    check(
        &binary::add(&e, &s, Scalar::Int(1)).unwrap(),
        DType::F32,
        &[2, 3],
        &[2.0, 4.0, 6.0, 3.0, 5.0, 7.0],
    );
    let empty = tf(&[], &[0, 3]);
    assert_eq!(
        binary::add(&empty, &s, Scalar::Int(1)).unwrap().shape(),
        &[0, 3]
    );
}

#[test]
fn large_parallel_elementwise_matches_serial() {
    let n = 300_000usize;
    let x = Tensor::from_vec((0..n).map(|v| v as f32).collect(), &[n / 3, 3]).unwrap();
    let row = tf(&[1.0, 2.0, 3.0], &[3]);
    let r = binary::mul(&x.transpose(0, 1).unwrap(), &tf(&[2.0], &[1])).unwrap();
    let v = r.to_vec::<f32>().unwrap();
    assert_eq!(v[1], 6.0);
    assert_eq!(v[n / 3], 2.0);
    let r = binary::add(&x, &row, Scalar::Int(1))
        .unwrap()
        .to_vec::<f32>()
        .unwrap();
    assert!(r
        .iter()
        .enumerate()
        .all(|(i, &v)| v == i as f32 + (i % 3) as f32 + 1.0));
}

#[test]
fn comparisons_logical_and_bitwise() {
    let r = compare::compare_scalar(&ti(&[1, 2, 3], &[3]), sc(1.5), Cmp::Gt).unwrap();
    assert_eq!((r.dtype(), vb(&r)), (DType::Bool, vec![false, true, true]));
    let r = compare::compare(&of(&[1u8, 2, 3], &[3]), &ti(&[1, 3], &[2, 1]), Cmp::Eq).unwrap();
    assert_eq!(r.shape(), &[2, 3]);
    assert_eq!(vb(&r), vec![true, false, false, false, false, true]);
    let h = of(&[half::f16::from_f32(0.1)], &[1]);
    assert_eq!(
        vb(&call_t("aten::eq.Scalar", vec![a(&h), float(0.1)])),
        vec![true]
    );
    let r = call_t(
        "aten::bitwise_and.Scalar",
        vec![a(&of(&[12i16, -3], &[2])), int(10)],
    );
    check(&r, DType::I16, &[2], &[8.0, 8.0]);
    check(
        &call_t(
            "aten::__rshift__.Scalar",
            vec![a(&ti(&[1, -8], &[2])), int(1)],
        ),
        DType::I64,
        &[2],
        &[0.0, -4.0],
    );
    check(
        &call_t(
            "aten::__lshift__.Tensor",
            vec![a(&ti(&[1, 3], &[2])), a(&ti(&[2, 70], &[2]))],
        ),
        DType::I64,
        &[2],
        &[4.0, 0.0],
    );
    check(
        &call_t("aten::bitwise_not", vec![a(&of(&[0u8, 5], &[2]))]),
        DType::U8,
        &[2],
        &[255.0, 250.0],
    );
    let r = call_t(
        "aten::isclose",
        vec![
            a(&tf(&[1.0, f32::NAN, 1e-9], &[3])),
            a(&tf(&[1.000001, f32::NAN, 0.0], &[3])),
            float(1e-5),
            float(1e-8),
            Arg::Bool(false),
        ],
    );
    assert_eq!(vb(&r), vec![true, false, true]);
    let r = call_t(
        "aten::logical_and",
        vec![
            a(&tf(&[0.0, f32::NAN, 2.0], &[3])),
            a(&ti(&[1, 1, 0], &[3])),
        ],
    );
    assert_eq!(vb(&r), vec![false, true, false]);
    let x = tf(&[1.0, 5.0], &[2]);
    call_t("aten::lt_.Scalar", vec![a(&x), int(3)]);
    check(&x, DType::F32, &[2], &[1.0, 0.0]);
    assert!(matches!(
        call("aten::equal", vec![a(&x), a(&x)]),
        Ok(Arg::Bool(true))
    ));
}
