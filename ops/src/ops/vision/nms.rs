//! `torchvision::nms`: greedy non-maximum suppression, visiting boxes in the order of torchvision's stable descending sort of the scores (equal scores by index).

use crate::alloc;
use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::tensor::Tensor;

use super::float_only;
use crate::ops::nn::util::Real;

/// `scores.sort(/*stable=*/true, 0, /*descending=*/true)` of torchvision's CPU kernel: NaN
/// first, then decreasing scores, equal scores in index order.
fn descending_order<Fp: Real>(op: &str, scores: &[Fp]) -> Result<Vec<usize>> {
    let mut order = alloc::try_collect(op, 0..scores.len())?;
    let key = |i: usize| scores.get(i).map_or(f64::NAN, |s| s.to_f64());
    order.sort_by(|&a, &b| {
        let (x, y) = (key(a), key(b));
        match (x.is_nan(), y.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            (false, false) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
        }
    });
    Ok(order)
}

fn nms_impl<Fp: Real>(
    op: &str,
    boxes: &[Fp],
    scores: &[Fp],
    iou_threshold: f64,
) -> Result<Vec<i64>> {
    let n = scores.len();
    let coord = |i: usize, k: usize| {
        i.checked_mul(4)
            .and_then(|b| b.checked_add(k))
            .and_then(|at| boxes.get(at))
            .copied()
            .unwrap_or(Fp::ZERO)
    };
    let area = |i: usize| (coord(i, 2) - coord(i, 0)) * (coord(i, 3) - coord(i, 1));
    let order = descending_order(op, scores)?;
    let mut suppressed = alloc::try_filled(op, false, n)?;
    let mut keep = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        if suppressed.get(i).copied().unwrap_or(true) {
            continue;
        }
        keep.push(i as i64);
        let (ix1, iy1, ix2, iy2) = (coord(i, 0), coord(i, 1), coord(i, 2), coord(i, 3));
        let iarea = area(i);
        for &j in order.iter().skip(pos.saturating_add(1)) {
            if suppressed.get(j).copied().unwrap_or(true) {
                continue;
            }
            let xx1 = max(ix1, coord(j, 0));
            let yy1 = max(iy1, coord(j, 1));
            let xx2 = min(ix2, coord(j, 2));
            let yy2 = min(iy2, coord(j, 3));
            let w = max(Fp::ZERO, xx2 - xx1);
            let h = max(Fp::ZERO, yy2 - yy1);
            let inter = w * h;
            let ovr = inter / (iarea + area(j) - inter);
            if ovr.to_f64() > iou_threshold {
                if let Some(s) = suppressed.get_mut(j) {
                    *s = true;
                }
            }
        }
    }
    Ok(keep)
}

/// `std::max(a, b)`: `a` unless `a < b`.
fn max<Fp: Real>(a: Fp, b: Fp) -> Fp {
    if a < b {
        b
    } else {
        a
    }
}

/// `std::min(a, b)`: `a` unless `b < a`.
fn min<Fp: Real>(a: Fp, b: Fp) -> Fp {
    if b < a {
        b
    } else {
        a
    }
}

/// Indices (int64) of the boxes kept, by decreasing score.
pub fn nms(boxes: &Tensor, scores: &Tensor, iou_threshold: f64) -> Result<Tensor> {
    let op = "torchvision::nms";
    if boxes.dim() != 2 || boxes.shape().get(1) != Some(&4) {
        return Err(OpError::shape(
            op,
            format!("boxes should be a [N, 4] tensor, got {:?}", boxes.shape()),
        ));
    }
    if scores.dim() != 1 || scores.shape().first() != boxes.shape().first() {
        return Err(OpError::shape(
            op,
            format!(
                "scores should be 1-d with one score per box, got {:?} for boxes {:?}",
                scores.shape(),
                boxes.shape()
            ),
        ));
    }
    if boxes.dtype() != scores.dtype() {
        return Err(OpError::invalid(
            op,
            "dets should have the same type as scores",
        ));
    }
    let keep = match boxes.dtype() {
        DType::F32 => nms_impl(
            op,
            &boxes.to_vec::<f32>()?,
            &scores.to_vec::<f32>()?,
            iou_threshold,
        )?,
        DType::F64 => nms_impl(
            op,
            &boxes.to_vec::<f64>()?,
            &scores.to_vec::<f64>()?,
            iou_threshold,
        )?,
        other => return Err(float_only(op, other)),
    };
    let len = keep.len();
    Tensor::from_vec(keep, &[len])
}

pub(crate) fn k_nms(a: &Args) -> Result<Arg> {
    Ok(nms(
        a.tensor("dets")?,
        a.tensor("scores")?,
        a.float("iou_threshold")?,
    )?
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppresses_overlaps_and_keeps_score_order() {
        let boxes = Tensor::from_vec(
            vec![
                0f32, 0., 10., 10., // 0
                1., 1., 11., 11., // 1: IoU 81/119 with 0
                20., 20., 30., 30., // 2: disjoint
            ],
            &[3, 4],
        )
        .unwrap();
        let scores = Tensor::from_vec(vec![0.5f32, 0.9, 0.7], &[3]).unwrap();
        let keep = nms(&boxes, &scores, 0.5).unwrap().to_vec::<i64>().unwrap();
        assert_eq!(keep, vec![1, 2]);
        let keep = nms(&boxes, &scores, 0.7).unwrap().to_vec::<i64>().unwrap();
        assert_eq!(keep, vec![1, 2, 0]);
    }

    #[test]
    fn empty_input_gives_empty_keep() {
        let boxes = Tensor::from_vec(Vec::<f32>::new(), &[0, 4]).unwrap();
        let scores = Tensor::from_vec(Vec::<f32>::new(), &[0]).unwrap();
        let keep = nms(&boxes, &scores, 0.5).unwrap();
        assert_eq!(keep.shape(), &[0]);
        assert_eq!(keep.dtype(), DType::I64);
    }

    #[test]
    fn rejects_wrong_shapes() {
        let boxes = Tensor::from_vec(vec![0f32; 6], &[2, 3]).unwrap();
        let scores = Tensor::from_vec(vec![0f32; 2], &[2]).unwrap();
        assert!(nms(&boxes, &scores, 0.5).is_err());
    }
}
