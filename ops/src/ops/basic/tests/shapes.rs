//! Shape, join/split, creation and conversion tests (expected values from torch 2.15.0).

use super::*;
use crate::ops::basic::{creation, join, shape_ops};

fn shapes(v: &[Tensor]) -> Vec<Vec<usize>> {
    v.iter().map(|t| t.shape().to_vec()).collect()
}

#[test]
fn cat_promotes_and_skips_legacy_empty() {
    let r = join::cat(&[ti(&[1, 2], &[2]), tf(&[], &[0]), tf(&[3.5], &[1])], 0).unwrap();
    check(&r, DType::F32, &[3], &[1.0, 2.0, 3.5]);
    let r = join::cat(&[tf(&[0.0; 6], &[2, 3]), tf(&[], &[0])], 0).unwrap();
    assert_eq!(r.shape(), &[2, 3]);
    let x = Tensor::from_vec((0..6i64).collect(), &[2, 3]).unwrap();
    let r = call_t(
        "aten::cat",
        vec![
            Arg::List(vec![a(&x), a(&x.slice(1, Some(1), None, 1).unwrap())]),
            int(-1),
        ],
    );
    check(
        &r,
        DType::I64,
        &[2, 5],
        &[0.0, 1.0, 2.0, 1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 5.0],
    );
    err_contains(join::cat(&[tf(&[0.0; 6], &[2, 3]), tf(&[0.0; 8], &[2, 4])], 0), "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 in the list.");
    err_contains(
        join::cat(&[tf(&[0.0; 6], &[2, 3]), tf(&[0.0; 3], &[3])], 0),
        "Tensors must have same number of dimensions: got 2 and 1",
    );
    err_contains(join::cat(&[], 0), "expected a non-empty list of Tensors");
    err_contains(
        join::cat(&[Tensor::scalar(1f32)], 0),
        "zero-dimensional tensor (at position 0) cannot be concatenated",
    );
}

#[test]
fn stack_and_friends() {
    let (p, q) = (ti(&[1, 2], &[2]), ti(&[3, 4], &[2]));
    let r = join::stack(&[p.clone(), q.clone()], 1).unwrap();
    check(&r, DType::I64, &[2, 2], &[1.0, 3.0, 2.0, 4.0]);
    err_contains(
        join::stack(&[tf(&[0.0; 2], &[2]), tf(&[0.0; 3], &[3])], 0),
        "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1",
    );
    check(
        &join::stack_kind(&[p.clone(), ti(&[3], &[1])], "hstack").unwrap(),
        DType::I64,
        &[3],
        &[1.0, 2.0, 3.0],
    );
    assert_eq!(
        join::stack_kind(&[p.clone(), q.clone()], "vstack")
            .unwrap()
            .shape(),
        &[2, 2]
    );
    assert_eq!(
        join::stack_kind(&[p.clone(), q.clone()], "dstack")
            .unwrap()
            .shape(),
        &[1, 2, 2]
    );
    let r = join::stack_kind(&[p, ti(&[3, 5, 4, 6], &[2, 2])], "column_stack").unwrap();
    check(&r, DType::I64, &[2, 3], &[1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
}

#[test]
fn chunk_split_tensor_split_are_views() {
    let x = tf(&[0.0; 10], &[5, 2]);
    assert_eq!(
        shapes(&join::chunk(&x, 3, 0).unwrap()),
        vec![vec![2, 2], vec![2, 2], vec![1, 2]]
    );
    assert_eq!(
        shapes(&join::chunk(&tf(&[0.0; 6], &[6]), 4, 0).unwrap()),
        vec![vec![2]; 3]
    );
    assert_eq!(
        shapes(&join::chunk(&tf(&[], &[0]), 2, 0).unwrap()),
        vec![vec![0]; 2]
    );
    assert_eq!(
        shapes(&join::split(&tf(&[0.0; 5], &[5]), 2, 0).unwrap()),
        vec![vec![2], vec![2], vec![1]]
    );
    assert_eq!(
        shapes(&join::split(&tf(&[], &[0]), 2, 0).unwrap()),
        vec![vec![0]]
    );
    let seven = Tensor::from_vec((0..7i64).collect(), &[7]).unwrap();
    assert_eq!(
        shapes(&join::tensor_split_sections(&seven, 3, 0).unwrap()),
        vec![vec![3], vec![2], vec![2]]
    );
    let parts = join::tensor_split_indices(&seven, &[1, 5, 10], 0).unwrap();
    assert_eq!(shapes(&parts), vec![vec![1], vec![4], vec![2], vec![0]]);
    assert!(parts[1].shares_storage(&seven));
    check(&parts[2], DType::I64, &[2], &[5.0, 6.0]);
    let pieces = call(
        "aten::split_with_sizes",
        vec![a(&seven), ints(&[3, 4]), int(0)],
    )
    .unwrap();
    assert!(matches!(&pieces, Arg::List(v) if v.len() == 2));
    err_contains(
        join::split_with_sizes(&seven, &[3, 3], 0),
        "split_with_sizes expects split_sizes to sum exactly to 7",
    );
    let rows = join::unbind(&x, 0).unwrap();
    rows[4].copy_from(&Tensor::scalar(7f32)).unwrap();
    assert_eq!(vf(&x)[8..], [7.0, 7.0]);
}

#[test]
fn views_and_metadata() {
    let x = Tensor::from_vec((0..12i64).collect(), &[2, 6]).unwrap();
    assert_eq!(
        shape_ops::unflatten(&x, 1, &[3, -1]).unwrap().shape(),
        &[2, 3, 2]
    );
    assert_eq!(
        shape_ops::movedim(&tf(&[0.0; 24], &[2, 3, 4]), 0, -1)
            .unwrap()
            .shape(),
        &[3, 4, 2]
    );
    assert_eq!(
        shape_ops::squeeze_dims(&tf(&[0.0; 2], &[2, 1, 1]), &[0, 1])
            .unwrap()
            .shape(),
        &[2, 1]
    );
    err_contains(
        call(
            "aten::view",
            vec![a(&tf(&[0.0; 6], &[2, 3])), ints(&[-1, 4])],
        ),
        "shape '[-1, 4]' is invalid for input of size 6",
    );
    let tr = call_t("aten::t", vec![a(&x)]);
    err_contains(
        call("aten::view", vec![a(&tr), ints(&[12])]),
        "view size is not compatible",
    );
    let r = call_t("aten::reshape", vec![a(&tr), ints(&[12])]);
    assert_eq!(vi(&r)[..4], [0, 6, 1, 7]);
    let s = call_t(
        "aten::slice.Tensor",
        vec![a(&x), int(1), int(-4), Arg::None, int(2)],
    );
    check(&s, DType::I64, &[2, 2], &[2.0, 4.0, 8.0, 10.0]);
    let sel = call_t("aten::select.int", vec![a(&x), int(0), int(-1)]);
    assert!(sel.shares_storage(&x));
    assert!(matches!(call("aten::size", vec![a(&x)]), Ok(Arg::List(v)) if v.len() == 2));
    assert!(matches!(
        call("aten::size.int", vec![a(&x), int(-1)]),
        Ok(Arg::Int(6))
    ));
    assert!(matches!(call("aten::numel", vec![a(&x)]), Ok(Arg::Int(12))));
    assert!(matches!(call("aten::dim", vec![a(&x)]), Ok(Arg::Int(2))));
    err_contains(
        call("aten::size.int", vec![a(&x), int(2)]),
        "dimension out of range",
    );
    let e = call_t(
        "aten::expand",
        vec![a(&ti(&[1, 2], &[2, 1])), ints(&[-1, 3]), Arg::Bool(false)],
    );
    check(&e, DType::I64, &[2, 3], &[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    let n = call_t("aten::narrow", vec![a(&x), int(1), int(-2), int(2)]);
    check(&n, DType::I64, &[2, 2], &[4.0, 5.0, 10.0, 11.0]);
    let f = call_t(
        "aten::flatten.using_ints",
        vec![a(&tf(&[0.0; 24], &[2, 3, 4])), int(1), int(-1)],
    );
    assert_eq!(f.shape(), &[2, 12]);
}

#[test]
fn repeat_and_tile() {
    let r = join::repeat(&ti(&[0, 1, 2], &[3]), &[2, 2]).unwrap();
    check(
        &r,
        DType::I64,
        &[2, 6],
        &[0.0, 1.0, 2.0, 0.0, 1.0, 2.0, 0.0, 1.0, 2.0, 0.0, 1.0, 2.0],
    );
    let r = join::tile(&ti(&[0, 1, 2, 3], &[2, 2]), &[2]).unwrap();
    check(
        &r,
        DType::I64,
        &[2, 4],
        &[0.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0, 3.0],
    );
    assert_eq!(join::repeat(&tf(&[], &[0]), &[3]).unwrap().shape(), &[0]);
    err_contains(
        join::repeat(&tf(&[0.0; 4], &[2, 2]), &[2]),
        "Number of dimensions of repeat dims",
    );
}

#[test]
fn creation_ops() {
    check(
        &creation::arange(Scalar::Int(0), Scalar::Int(5), Scalar::Int(1), None).unwrap(),
        DType::I64,
        &[5],
        &[0.0, 1.0, 2.0, 3.0, 4.0],
    );
    check(
        &creation::arange(Scalar::Int(1), sc(2.5), sc(0.5), None).unwrap(),
        DType::F32,
        &[3],
        &[1.0, 1.5, 2.0],
    );
    check(
        &creation::arange(Scalar::Int(10), Scalar::Int(0), Scalar::Int(-3), None).unwrap(),
        DType::I64,
        &[4],
        &[10.0, 7.0, 4.0, 1.0],
    );
    let r = creation::arange(Scalar::Int(0), Scalar::Int(1), sc(0.1), None).unwrap();
    assert_eq!(r.shape(), &[10]);
    assert_eq!(r.to_vec::<f32>().unwrap()[7], 0.699999988079071);
    err_contains(
        creation::arange(Scalar::Int(0), Scalar::Int(5), Scalar::Int(-1), None),
        "upper bound and lower bound inconsistent with step sign",
    );
    let r = creation::linspace(Scalar::Int(0), Scalar::Int(1), 7, None).unwrap();
    assert_eq!(
        r.to_vec::<f32>().unwrap(),
        vec![
            0.0,
            0.1666666716337204,
            0.3333333432674408,
            0.5,
            0.6666666269302368,
            0.8333333134651184,
            1.0
        ]
    );
    check(
        &creation::linspace(Scalar::Int(-3), Scalar::Int(10), 4, Some(DType::I64)).unwrap(),
        DType::I64,
        &[4],
        &[-3.0, 1.0, 5.0, 10.0],
    );
    let r = creation::linspace(sc(0.1), sc(1.7), 6, Some(DType::F64)).unwrap();
    assert_eq!(
        vf(&r),
        vec![
            0.1,
            0.41999999999999993,
            0.7399999999999999,
            1.06,
            1.38,
            1.7
        ]
    );
    assert_eq!(
        creation::full(&[2], Scalar::Int(3), None).unwrap().dtype(),
        DType::I64
    );
    assert_eq!(
        creation::full(&[2], Scalar::Bool(true), None)
            .unwrap()
            .dtype(),
        DType::Bool
    );
    assert_eq!(
        creation::full(&[2], sc(1.5), None).unwrap().dtype(),
        DType::F32
    );
    assert_eq!(
        call_t(
            "aten::scalar_tensor",
            vec![int(3), Arg::None, Arg::None, Arg::None, Arg::None]
        )
        .dtype(),
        DType::F32
    );
    let nested = Arg::List(vec![
        Arg::List(vec![int(1), int(2)]),
        Arg::List(vec![int(3), float(4.5)]),
    ]);
    let r = creation::from_nested(&nested, None).unwrap();
    check(&r, DType::F32, &[2, 2], &[1.0, 2.0, 3.0, 4.5]);
    let z = call_t(
        "aten::zeros_like",
        vec![
            a(&ti(&[1, 2], &[2])),
            dtype(DType::F16),
            Arg::None,
            Arg::None,
            Arg::None,
            Arg::None,
        ],
    );
    check(&z, DType::F16, &[2], &[0.0, 0.0]);
    check(
        &creation::eye(2, 3, DType::I32).unwrap(),
        DType::I32,
        &[2, 3],
        &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
    );
    err_contains(
        call(
            "aten::zeros",
            vec![
                ints(&[2]),
                Arg::None,
                Arg::None,
                Arg::Str("cuda".into()),
                Arg::None,
            ],
        ),
        "cuda",
    );
}

#[test]
fn conversion_and_copies() {
    let x = tf(&[1.7, -2.7, 300.0], &[3]);
    let r = call_t(
        "aten::to.dtype",
        vec![
            a(&x),
            dtype(DType::U8),
            Arg::Bool(false),
            Arg::Bool(false),
            Arg::None,
        ],
    );
    check(&r, DType::U8, &[3], &[1.0, 254.0, 44.0]);
    let same = call_t(
        "aten::to.dtype",
        vec![
            a(&x),
            dtype(DType::F32),
            Arg::Bool(false),
            Arg::Bool(false),
            Arg::None,
        ],
    );
    assert!(same.is_same(&x));
    let copied = call_t(
        "aten::to.dtype",
        vec![
            a(&x),
            dtype(DType::F32),
            Arg::Bool(false),
            Arg::Bool(true),
            Arg::None,
        ],
    );
    assert!(!copied.shares_storage(&x));
    let b = call_t(
        "aten::to.dtype",
        vec![
            a(&tf(&[0.0, 0.1, f32::NAN], &[3])),
            dtype(DType::Bool),
            Arg::Bool(false),
            Arg::Bool(false),
            Arg::None,
        ],
    );
    assert_eq!(vb(&b), vec![false, true, true]);
    let base = tf(&[0.0; 6], &[2, 3]);
    let col = base.select(1, 2).unwrap();
    call_t("aten::fill_.Scalar", vec![a(&col), float(2.5)]);
    call_t(
        "aten::copy_",
        vec![
            a(&base.select(0, 0).unwrap()),
            a(&ti(&[7, 8, 9], &[3])),
            Arg::Bool(false),
        ],
    );
    check(&base, DType::F32, &[2, 3], &[7.0, 8.0, 9.0, 0.0, 0.0, 2.5]);
    err_contains(
        call(
            "aten::fill_.Tensor",
            vec![a(&base), a(&tf(&[1.0, 2.0], &[2]))],
        ),
        "fill_ only supports 0-dimension value tensor",
    );
    call_t("aten::zero_", vec![a(&base)]);
    assert_eq!(vf(&base), vec![0.0; 6]);
    assert!(matches!(
        call("aten::item", vec![a(&ti(&[5], &[1, 1]))]),
        Ok(Arg::Int(5))
    ));
    assert!(
        matches!(call("aten::Float.Tensor", vec![a(&ti(&[5], &[1]))]), Ok(Arg::Float(v)) if v == 5.0)
    );
    let c = call_t(
        "aten::contiguous",
        vec![a(&base.transpose(0, 1).unwrap()), int(0)],
    );
    assert!(c.is_contiguous());
}

#[test]
fn meshgrid_and_broadcast_tensors() {
    let g = shape_ops::meshgrid(&[ti(&[1, 2, 3], &[3]), ti(&[4, 5], &[2])], "xy").unwrap();
    check(&g[0], DType::I64, &[2, 3], &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
    check(&g[1], DType::I64, &[2, 3], &[4.0, 4.0, 4.0, 5.0, 5.0, 5.0]);
    let g = shape_ops::meshgrid(&[ti(&[1, 2, 3], &[3]), ti(&[4, 5], &[2])], "ij").unwrap();
    assert_eq!(g[0].shape(), &[3, 2]);
    let b = shape_ops::broadcast_tensors(&[tf(&[1.0, 2.0], &[2, 1]), tf(&[0.0; 3], &[3])]).unwrap();
    assert_eq!(shapes(&b), vec![vec![2, 3], vec![2, 3]]);
    assert_eq!(
        shape_ops::atleast(&Tensor::scalar(1i64), 3)
            .unwrap()
            .shape(),
        &[1, 1, 1]
    );
}
