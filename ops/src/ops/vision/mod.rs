//! torchvision's operators (`torchvision::nms`, `roi_align`, `roi_pool`, `ps_roi_align`, `ps_roi_pool`), computed as its CPU kernels do.
pub mod nms;
pub mod roi;

use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::ops::nn::util::Real;
use crate::registry::Registry;
use crate::tensor::Tensor;

/// The schemas torchvision 0.29 registers (`torch.ops.torchvision.<op>.default._schema`);
/// they are not in PyTorch's own schema list.
pub const SCHEMA_TEXT: &str = "\
torchvision::nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor
torchvision::roi_align(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width, int sampling_ratio, bool aligned) -> Tensor
torchvision::roi_pool(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width) -> (Tensor, Tensor)
torchvision::ps_roi_align(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width, int sampling_ratio) -> (Tensor, Tensor)
torchvision::ps_roi_pool(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width) -> (Tensor, Tensor)
torchvision::deform_conv2d(Tensor input, Tensor weight, Tensor offset, Tensor mask, Tensor bias, SymInt stride_h, SymInt stride_w, SymInt pad_h, SymInt pad_w, SymInt dilation_h, SymInt dilation_w, SymInt groups, SymInt offset_groups, bool use_mask) -> Tensor
torchvision::box_iou_rotated(Tensor boxes1, Tensor boxes2) -> Tensor
";

/// Registers the torchvision kernels.
pub fn register(reg: &mut Registry) {
    reg.register("torchvision::nms", nms::k_nms);
    reg.register("torchvision::roi_align", roi::k_roi_align);
    reg.register("torchvision::roi_pool", roi::k_roi_pool);
    reg.register("torchvision::ps_roi_align", roi::k_ps_roi_align);
    reg.register("torchvision::ps_roi_pool", roi::k_ps_roi_pool);
}

/// C's `(int)x` for a float: truncation toward zero, saturating (NaN becomes 0).
pub(crate) fn trunc_i64<Fp: Real>(x: Fp) -> i64 {
    let v = x.to_f64();
    if v.is_nan() {
        0
    } else {
        v.clamp(i32::MIN as f64, i32::MAX as f64) as i64
    }
}

/// The dims of a 4-d NCHW input, checked.
pub(crate) fn nchw(op: &str, x: &Tensor) -> Result<[usize; 4]> {
    match *x.shape() {
        [n, c, h, w] => Ok([n, c, h, w]),
        _ => Err(OpError::shape(
            op,
            format!("input must be 4-d (N, C, H, W), got shape {:?}", x.shape()),
        )),
    }
}

/// Checks that `rois` is `[K, 5]` of the input's dtype and returns K.
pub(crate) fn check_rois(op: &str, input: &Tensor, rois: &Tensor) -> Result<usize> {
    match *rois.shape() {
        [k, 5] => {
            if rois.dtype() != input.dtype() {
                return Err(OpError::invalid(
                    op,
                    format!(
                        "input ({}) and rois ({}) must have the same dtype",
                        input.dtype(),
                        rois.dtype()
                    ),
                ));
            }
            Ok(k)
        }
        _ => Err(OpError::shape(
            op,
            format!("rois must have shape [K, 5], got {:?}", rois.shape()),
        )),
    }
}

/// A non-negative size argument as usize.
pub(crate) fn size_arg(op: &str, name: &str, v: i64) -> Result<usize> {
    usize::try_from(v)
        .map_err(|_| OpError::invalid(op, format!("{name} must be non-negative, got {v}")))
}

/// The product of sizes, or an error instead of overflow.
pub(crate) fn checked_numel(op: &str, dims: &[usize]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(*d))
        .ok_or_else(|| OpError::invalid(op, format!("output size {dims:?} overflows")))
}

/// The batch index of a roi row, checked against the batch size.
pub(crate) fn roi_batch<Fp: Real>(op: &str, v: Fp, batch: usize) -> Result<usize> {
    let b = trunc_i64(v);
    usize::try_from(b)
        .ok()
        .filter(|b| *b < batch)
        .ok_or_else(|| {
            OpError::invalid(
                op,
                format!("roi batch index {b} is out of range for a batch of {batch}"),
            )
        })
}

/// The error for a dtype the kernels do not handle.
pub(crate) fn float_only(op: &str, dtype: DType) -> OpError {
    OpError::DType {
        op: op.to_string(),
        dtype,
    }
}
