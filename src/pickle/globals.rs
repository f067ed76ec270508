//! The allowlist of globals a TorchScript pickle may name, and what calling each one builds.
//!
//! Globals PyTorch 2.x writes in `data.pkl` / `constants.pkl` (measured on torch 2.15):
//! - `torch._utils._rebuild_tensor_v2` every tensor; `torch.<X>Storage` in its persistent id;
//!   `collections.OrderedDict` (called with no arguments) for the backward-hooks argument;
//! - `torch.jit._pickle.build_intlist` / `build_doublelist` / `build_boollist` /
//!   `build_tensorlist` / `build_genericlist` for specialised lists, and
//!   `torch.jit._pickle.restore_type_tag(value, 'Dict[str, int]')` for other typed containers;
//! - `torch.device('cpu')` for `Device` attributes (dtypes are pickled as plain ints);
//! - `__torch__.<qualified>.<Class>` for modules and TorchScript classes (`NEWOBJ` + `BUILD`) and
//!   for enums (`REDUCE` with the enum's value).
//!
//! Also accepted: `torch._utils._rebuild_parameter` (eager-style parameters) and, for quantized
//! tensors, `torch._utils._rebuild_qtensor` with `torch.per_tensor_affine` /
//! `torch.per_channel_affine` and `torch.Q(U)Int8Storage` / `QInt32Storage`. Refused with a
//! specific error: float-qparams quantization, storages of other dtypes. Everything else is a
//! [`PickleErrorKind::ForbiddenGlobal`].

use std::sync::Arc;

use super::error::PickleErrorKind;
use super::value::{PickleValue, StorageDType};

/// A global the unpickler accepts. Nothing is imported: each is a tag the machine interprets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AllowedGlobal {
    RebuildTensorV2,
    RebuildParameter,
    /// `torch._utils._rebuild_qtensor`: a quantized tensor.
    RebuildQTensor,
    /// `torch.per_tensor_affine` / `torch.per_channel_affine`: a quantization scheme tag.
    QScheme(&'static str),
    Storage(StorageDType),
    /// `torch.jit._pickle.build_*list`, with the element type tag it implies.
    BuildList(&'static str),
    RestoreTypeTag,
    OrderedDict,
    Device,
    /// A `__torch__.*` class, qualified name.
    TorchClass(Arc<str>),
}

impl AllowedGlobal {
    /// The dotted name, as in Python (`torch._utils._rebuild_tensor_v2`).
    pub(crate) fn qualified_name(&self) -> String {
        match self {
            AllowedGlobal::RebuildTensorV2 => "torch._utils._rebuild_tensor_v2".to_string(),
            AllowedGlobal::RebuildParameter => "torch._utils._rebuild_parameter".to_string(),
            AllowedGlobal::RebuildQTensor => "torch._utils._rebuild_qtensor".to_string(),
            AllowedGlobal::QScheme(name) => format!("torch.{name}"),
            AllowedGlobal::Storage(dtype) => format!("torch.{}", dtype.storage_class()),
            AllowedGlobal::BuildList(tag) => format!("torch.jit._pickle.{}", build_list_name(tag)),
            AllowedGlobal::RestoreTypeTag => "torch.jit._pickle.restore_type_tag".to_string(),
            AllowedGlobal::OrderedDict => "collections.OrderedDict".to_string(),
            AllowedGlobal::Device => "torch.device".to_string(),
            AllowedGlobal::TorchClass(name) => name.to_string(),
        }
    }
}

const BUILD_LISTS: [(&str, &str); 5] = [
    ("build_intlist", "List[int]"),
    ("build_doublelist", "List[float]"),
    ("build_boollist", "List[bool]"),
    ("build_tensorlist", "List[Tensor]"),
    ("build_genericlist", "List[Any]"),
];

fn build_list_name(tag: &str) -> &'static str {
    BUILD_LISTS
        .iter()
        .find(|(_, t)| *t == tag)
        .map(|(name, _)| *name)
        .unwrap_or("build_genericlist")
}

/// Looks a `GLOBAL module name` up in the allowlist.
pub(crate) fn resolve_global(module: &str, name: &str) -> Result<AllowedGlobal, PickleErrorKind> {
    let forbidden = || PickleErrorKind::ForbiddenGlobal {
        module: module.to_string(),
        name: name.to_string(),
    };
    match (module, name) {
        ("torch._utils", "_rebuild_tensor_v2") => Ok(AllowedGlobal::RebuildTensorV2),
        ("torch._utils", "_rebuild_parameter") => Ok(AllowedGlobal::RebuildParameter),
        ("torch._utils", "_rebuild_qtensor") => Ok(AllowedGlobal::RebuildQTensor),
        ("torch", "per_tensor_affine") => Ok(AllowedGlobal::QScheme("per_tensor_affine")),
        ("torch", "per_channel_affine") => Ok(AllowedGlobal::QScheme("per_channel_affine")),
        ("torch", "per_channel_affine_float_qparams") => Err(PickleErrorKind::QuantizedTensor),
        ("torch", "device") => Ok(AllowedGlobal::Device),
        ("torch", storage) if storage.ends_with("Storage") && is_identifier(storage) => {
            StorageDType::from_storage_class(storage)
                .map(AllowedGlobal::Storage)
                .ok_or_else(|| PickleErrorKind::UnsupportedStorage {
                    name: storage.to_string(),
                })
        }
        ("torch.jit._pickle", "restore_type_tag") => Ok(AllowedGlobal::RestoreTypeTag),
        ("torch.jit._pickle", builder) => BUILD_LISTS
            .iter()
            .find(|(n, _)| *n == builder)
            .map(|(_, tag)| AllowedGlobal::BuildList(tag))
            .ok_or_else(forbidden),
        ("collections", "OrderedDict") => Ok(AllowedGlobal::OrderedDict),
        _ if is_torch_class_module(module) && is_identifier(name) => Ok(AllowedGlobal::TorchClass(
            Arc::from(format!("{module}.{name}")),
        )),
        _ => Err(forbidden()),
    }
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 256
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_torch_class_module(module: &str) -> bool {
    (module == "__torch__" || module.starts_with("__torch__."))
        && module.len() <= 1024
        && module.split('.').all(is_identifier)
}

// ---- calls of the allowed functions that take plain values ----

fn bad_call(callee: &AllowedGlobal, reason: impl Into<String>) -> PickleErrorKind {
    PickleErrorKind::BadCall {
        callee: callee.qualified_name(),
        reason: reason.into(),
    }
}

/// `REDUCE` of a global whose arguments are all plain values (everything but tensors).
pub(crate) fn call_with_values(
    callee: &AllowedGlobal,
    args: Vec<PickleValue>,
) -> Result<PickleValue, PickleErrorKind> {
    match callee {
        AllowedGlobal::BuildList(tag) => match <[PickleValue; 1]>::try_from(args) {
            Ok([PickleValue::List(items)]) => Ok(PickleValue::TypedList {
                type_tag: Arc::from(*tag),
                items,
            }),
            _ => Err(bad_call(callee, "expects one list")),
        },
        AllowedGlobal::RestoreTypeTag => match <[PickleValue; 2]>::try_from(args) {
            Ok([value, PickleValue::Str(tag)]) => Ok(restore_type_tag(value, tag)),
            _ => Err(bad_call(callee, "expects (value, type string)")),
        },
        AllowedGlobal::OrderedDict => match <[PickleValue; 1]>::try_from(args) {
            Ok([PickleValue::List(pairs)]) => pairs_to_dict(callee, pairs),
            Ok(_) => Err(bad_call(callee, "expects no arguments or a list of pairs")),
            Err(args) if args.is_empty() => Ok(PickleValue::Dict(Vec::new())),
            Err(_) => Err(bad_call(callee, "expects no arguments or a list of pairs")),
        },
        AllowedGlobal::Device => device(callee, args),
        AllowedGlobal::TorchClass(class_name) => match <[PickleValue; 1]>::try_from(args) {
            Ok([value]) => Ok(PickleValue::Enum {
                class_name: class_name.clone(),
                value: Box::new(value),
            }),
            _ => Err(bad_call(
                callee,
                "a class is only called with one enum value",
            )),
        },
        AllowedGlobal::Storage(_)
        | AllowedGlobal::RebuildTensorV2
        | AllowedGlobal::RebuildParameter
        | AllowedGlobal::RebuildQTensor
        | AllowedGlobal::QScheme(_) => Err(bad_call(callee, "unexpected arguments")),
    }
}

fn restore_type_tag(value: PickleValue, tag: Arc<str>) -> PickleValue {
    match value {
        PickleValue::List(items) | PickleValue::TypedList { items, .. } => PickleValue::TypedList {
            type_tag: tag,
            items,
        },
        PickleValue::Dict(items) | PickleValue::TypedDict { items, .. } => PickleValue::TypedDict {
            type_tag: tag,
            items,
        },
        other => other,
    }
}

fn pairs_to_dict(
    callee: &AllowedGlobal,
    pairs: Vec<PickleValue>,
) -> Result<PickleValue, PickleErrorKind> {
    let mut items = Vec::with_capacity(pairs.len());
    for pair in pairs {
        match pair {
            PickleValue::Tuple(kv) | PickleValue::List(kv) => {
                match <[PickleValue; 2]>::try_from(kv) {
                    Ok([k, v]) => items.push((k, v)),
                    Err(_) => return Err(bad_call(callee, "an entry is not a (key, value) pair")),
                }
            }
            _ => return Err(bad_call(callee, "an entry is not a (key, value) pair")),
        }
    }
    Ok(PickleValue::Dict(items))
}

fn device(callee: &AllowedGlobal, args: Vec<PickleValue>) -> Result<PickleValue, PickleErrorKind> {
    let mut args = args.into_iter();
    let text = match (args.next(), args.next(), args.next()) {
        (Some(PickleValue::Str(kind)), None, None) => kind,
        (Some(PickleValue::Str(kind)), Some(PickleValue::Int(index)), None) => {
            Arc::from(format!("{kind}:{index}"))
        }
        _ => return Err(bad_call(callee, "expects a device string")),
    };
    if text.len() > 64 {
        return Err(bad_call(callee, "device string too long"));
    }
    Ok(PickleValue::Device(text))
}
