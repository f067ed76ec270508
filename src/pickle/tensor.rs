//! Storages (persistent ids) and tensors (`_rebuild_tensor_v2`), checked against record sizes.

use std::collections::HashMap;
use std::sync::Arc;

use super::error::PickleErrorKind;
use super::value::{PickleValue, QuantizerRecord, StorageDType, StorageRecord, TensorRecord};
use crate::archive::StoredRecord;

/// Most dimensions a tensor may have (PyTorch itself caps at 64).
pub const MAX_TENSOR_DIMS: usize = 64;

/// Finds the bytes of a storage by its persistent-id key.
pub trait StorageResolver {
    /// Returns the record name (e.g. `data/3`) and its byte range in the archive, or a reason.
    fn resolve(&self, key: &str) -> Result<(String, StoredRecord), String>;
}

/// The storages one pickle has seen, so tensors sharing a key share one [`StorageRecord`].
#[derive(Default)]
pub(crate) struct StorageTable {
    by_key: HashMap<String, Arc<StorageRecord>>,
}

impl StorageTable {
    /// The storage for a persistent id `('storage', dtype, key, location, numel)`.
    pub(crate) fn storage(
        &mut self,
        resolver: Option<&dyn StorageResolver>,
        dtype: StorageDType,
        key: &str,
        numel: i64,
    ) -> Result<Arc<StorageRecord>, PickleErrorKind> {
        let bad = |reason: String| PickleErrorKind::BadStorage {
            key: key.chars().take(64).collect(),
            reason,
        };
        let numel = usize::try_from(numel).map_err(|_| bad(format!("negative size {numel}")))?;
        if let Some(existing) = self.by_key.get(key) {
            if existing.dtype != dtype || existing.numel != numel {
                return Err(bad(format!(
                    "declared again as {numel} x {dtype}, first as {} x {}",
                    existing.numel, existing.dtype
                )));
            }
            return Ok(existing.clone());
        }
        let resolver = resolver.ok_or_else(|| PickleErrorKind::BadPersistentId {
            reason: "this pickle may not reference storages".to_string(),
        })?;
        let (record_name, range) = resolver.resolve(key).map_err(bad)?;
        let needed = numel
            .checked_mul(dtype.element_size())
            .ok_or_else(|| bad(format!("{numel} elements overflow")))?;
        if needed > range.len {
            return Err(bad(format!(
                "{numel} x {dtype} needs {needed} bytes but {record_name} holds {}",
                range.len
            )));
        }
        let record = Arc::new(StorageRecord {
            key: key.to_string(),
            record_name,
            dtype,
            numel,
            range,
        });
        self.by_key.insert(key.to_string(), record.clone());
        Ok(record)
    }
}

fn invalid(reason: impl Into<String>) -> PickleErrorKind {
    PickleErrorKind::InvalidTensor {
        reason: reason.into(),
    }
}

fn to_usize(value: &PickleValue, what: &str) -> Result<usize, PickleErrorKind> {
    match value {
        PickleValue::Int(i) => {
            usize::try_from(*i).map_err(|_| invalid(format!("negative {what} {i}")))
        }
        other => Err(invalid(format!(
            "{what} is a {}, not an int",
            other.kind_name()
        ))),
    }
}

fn to_dims(value: &PickleValue, what: &str) -> Result<Vec<usize>, PickleErrorKind> {
    let items = match value {
        PickleValue::Tuple(items) | PickleValue::List(items) => items,
        PickleValue::TypedList { items, .. } => items,
        other => {
            return Err(invalid(format!(
                "{what} is a {}, not a tuple",
                other.kind_name()
            )))
        }
    };
    if items.len() > MAX_TENSOR_DIMS {
        return Err(invalid(format!(
            "{} dimensions (max {MAX_TENSOR_DIMS})",
            items.len()
        )));
    }
    items.iter().map(|v| to_usize(v, what)).collect()
}

fn to_bool(value: &PickleValue, what: &str) -> Result<bool, PickleErrorKind> {
    match value {
        PickleValue::Bool(b) => Ok(*b),
        PickleValue::Int(i) => Ok(*i != 0),
        other => Err(invalid(format!(
            "{what} is a {}, not a bool",
            other.kind_name()
        ))),
    }
}

/// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata])`
/// with `rest` the arguments after the storage. Checks the view fits the storage.
pub(crate) fn rebuild_tensor(
    storage: Arc<StorageRecord>,
    rest: &[PickleValue],
) -> Result<TensorRecord, PickleErrorKind> {
    // `hooks` and `metadata` (the 5th and 6th after the storage) are not read.
    let (true, [offset, size, stride, requires_grad, ..]) = (rest.len() <= 6, rest) else {
        return Err(invalid(format!(
            "{} arguments, expected 6 or 7",
            rest.len().saturating_add(1)
        )));
    };
    view_record(storage, [offset, size, stride, requires_grad], None)
}

/// The record of a view `(storage_offset, size, stride, requires_grad)` of `storage`, checked
/// to fit in it.
fn view_record(
    storage: Arc<StorageRecord>,
    [offset, size, stride, requires_grad]: [&PickleValue; 4],
    quantizer: Option<QuantizerRecord>,
) -> Result<TensorRecord, PickleErrorKind> {
    let tensor = TensorRecord {
        storage,
        storage_offset: to_usize(offset, "storage offset")?,
        size: to_dims(size, "size")?,
        stride: to_dims(stride, "stride")?,
        requires_grad: to_bool(requires_grad, "requires_grad")?,
        quantizer,
    };
    check_view_fits(&tensor)?;
    Ok(tensor)
}

/// `_rebuild_qtensor(storage, storage_offset, size, stride, quantizer_params, requires_grad,
/// hooks)` with `rest` the arguments after the storage; `quantizer_params` is
/// `(torch.per_tensor_affine, scale, zero_point)` or
/// `(torch.per_channel_affine, scales, zero_points, axis)`.
pub(crate) fn rebuild_qtensor(
    storage: Arc<StorageRecord>,
    rest: &[PickleValue],
) -> Result<TensorRecord, PickleErrorKind> {
    let [offset, size, stride, qparams, requires_grad, ..] = rest else {
        return Err(invalid(format!(
            "_rebuild_qtensor has {} arguments, expected 7",
            rest.len().saturating_add(1)
        )));
    };
    if !matches!(
        storage.dtype,
        StorageDType::QInt8 | StorageDType::QUInt8 | StorageDType::QInt32
    ) {
        return Err(invalid(format!(
            "a quantized tensor over a {} storage",
            storage.dtype
        )));
    }
    let quantizer = quantizer_record(qparams)?;
    let tensor = view_record(
        storage,
        [offset, size, stride, requires_grad],
        Some(quantizer),
    )?;
    if let Some(QuantizerRecord::PerChannel {
        scales,
        zero_points,
        axis,
    }) = &tensor.quantizer
    {
        let channels = tensor.size.get(*axis).copied().ok_or_else(|| {
            invalid(format!(
                "axis {axis} of a {}-d quantized tensor",
                tensor.size.len()
            ))
        })?;
        if scales.numel() != channels || zero_points.numel() != channels {
            return Err(invalid(format!(
                "{} scales and {} zero points for {channels} channels",
                scales.numel(),
                zero_points.numel()
            )));
        }
    }
    Ok(tensor)
}

fn to_f64(value: &PickleValue, what: &str) -> Result<f64, PickleErrorKind> {
    match value {
        PickleValue::Float(f) => Ok(*f),
        PickleValue::Int(i) => Ok(*i as f64),
        other => Err(invalid(format!(
            "{what} is a {}, not a float",
            other.kind_name()
        ))),
    }
}

fn quantizer_record(value: &PickleValue) -> Result<QuantizerRecord, PickleErrorKind> {
    let items = match value {
        PickleValue::Tuple(items) | PickleValue::List(items) => items.as_slice(),
        other => {
            return Err(invalid(format!(
                "quantizer parameters are a {}, not a tuple",
                other.kind_name()
            )))
        }
    };
    match items {
        [PickleValue::Global(scheme), scale, zero_point] if scheme == "torch.per_tensor_affine" => {
            let zero_point = match zero_point {
                PickleValue::Int(z) => *z,
                other => {
                    return Err(invalid(format!(
                        "zero point is a {}, not an int",
                        other.kind_name()
                    )))
                }
            };
            Ok(QuantizerRecord::PerTensor {
                scale: to_f64(scale, "scale")?,
                zero_point,
            })
        }
        [PickleValue::Global(scheme), PickleValue::Tensor(scales), PickleValue::Tensor(zero_points), axis]
            if scheme == "torch.per_channel_affine" =>
        {
            if scales.storage.dtype != StorageDType::Double
                || zero_points.storage.dtype != StorageDType::Long
            {
                return Err(invalid(format!(
                    "per-channel scales / zero points are {} / {}, expected float64 / int64",
                    scales.storage.dtype, zero_points.storage.dtype
                )));
            }
            Ok(QuantizerRecord::PerChannel {
                scales: Box::new(scales.clone()),
                zero_points: Box::new(zero_points.clone()),
                axis: to_usize(axis, "axis")?,
            })
        }
        _ => Err(PickleErrorKind::QuantizedTensor),
    }
}

/// `_rebuild_parameter(data, requires_grad, backward_hooks)`.
pub(crate) fn rebuild_parameter(args: &[PickleValue]) -> Result<TensorRecord, PickleErrorKind> {
    match args {
        [PickleValue::Tensor(t), requires_grad, ..] if args.len() <= 3 => {
            let mut tensor = t.clone();
            tensor.requires_grad = to_bool(requires_grad, "requires_grad")?;
            Ok(tensor)
        }
        _ => Err(invalid(
            "_rebuild_parameter expects (tensor, requires_grad, hooks)",
        )),
    }
}

/// The largest element index the view touches must lie inside the storage.
pub(crate) fn check_view_fits(tensor: &TensorRecord) -> Result<(), PickleErrorKind> {
    if tensor.size.len() != tensor.stride.len() {
        return Err(invalid(format!(
            "{} sizes but {} strides",
            tensor.size.len(),
            tensor.stride.len()
        )));
    }
    let overflow = || invalid("view extent overflows");
    let mut numel = 1usize;
    let mut last = tensor.storage_offset;
    for (&size, &stride) in tensor.size.iter().zip(&tensor.stride) {
        numel = numel.checked_mul(size).ok_or_else(overflow)?;
        if size > 0 {
            let reach = size
                .saturating_sub(1)
                .checked_mul(stride)
                .ok_or_else(overflow)?;
            last = last.checked_add(reach).ok_or_else(overflow)?;
        }
    }
    let storage_numel = tensor.storage.numel;
    if numel == 0 {
        if tensor.storage_offset > storage_numel {
            return Err(invalid(format!(
                "offset {} past the end of storage {} ({storage_numel} elements)",
                tensor.storage_offset, tensor.storage.key
            )));
        }
        return Ok(());
    }
    if last >= storage_numel {
        return Err(invalid(format!(
            "view of sizes {:?} strides {:?} offset {} reaches element {last} of storage {} \
             which has {storage_numel}",
            tensor.size, tensor.stride, tensor.storage_offset, tensor.storage.key
        )));
    }
    Ok(())
}
