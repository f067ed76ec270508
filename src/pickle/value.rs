//! The neutral value tree the unpickler produces: plain data, tensors as mapped views, objects.

use std::sync::Arc;

use crate::archive::StoredRecord;

/// One unpickled value. Containers keep insertion order; nothing here can execute code.
#[derive(Debug, Clone, PartialEq)]
pub enum PickleValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
    List(Vec<PickleValue>),
    Tuple(Vec<PickleValue>),
    /// A dict (or `collections.OrderedDict`), entries in pickled order. PyTorch never writes
    /// a key twice; if a hostile pickle does, both entries are kept as written.
    Dict(Vec<(PickleValue, PickleValue)>),
    /// A set or frozenset (never written by PyTorch, accepted for completeness).
    Set(Vec<PickleValue>),
    /// A list with its TorchScript element type: `torch.jit._pickle.build_intlist` (`List[int]`),
    /// `build_doublelist` (`List[float]`), `build_boollist` (`List[bool]`), `build_tensorlist`
    /// (`List[Tensor]`), `build_genericlist` (`List[Any]`), or `restore_type_tag(list, tag)`.
    TypedList {
        type_tag: Arc<str>,
        items: Vec<PickleValue>,
    },
    /// A dict with its TorchScript type from `restore_type_tag(dict, 'Dict[str, int]')`.
    TypedDict {
        type_tag: Arc<str>,
        items: Vec<(PickleValue, PickleValue)>,
    },
    /// A tensor: a view (offset, sizes, strides) of a storage record of the archive.
    Tensor(TensorRecord),
    /// A `__torch__.*` object (module or class instance). Memo references share the `Arc`.
    Object(Arc<PickledObject>),
    /// A TorchScript enum value: `REDUCE` of a `__torch__.*` class with one argument.
    Enum {
        class_name: Arc<str>,
        value: Box<PickleValue>,
    },
    /// `torch.device('cpu')`: the device string as written.
    Device(Arc<str>),
    /// A bare allowed global that ended up as a value (e.g. `torch.FloatStorage`).
    Global(String),
}

impl PickleValue {
    /// A short name of the variant, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            PickleValue::None => "None",
            PickleValue::Bool(_) => "bool",
            PickleValue::Int(_) => "int",
            PickleValue::Float(_) => "float",
            PickleValue::Str(_) => "str",
            PickleValue::Bytes(_) => "bytes",
            PickleValue::List(_) => "list",
            PickleValue::Tuple(_) => "tuple",
            PickleValue::Dict(_) => "dict",
            PickleValue::Set(_) => "set",
            PickleValue::TypedList { .. } => "typed list",
            PickleValue::TypedDict { .. } => "typed dict",
            PickleValue::Tensor(_) => "tensor",
            PickleValue::Object(_) => "object",
            PickleValue::Enum { .. } => "enum",
            PickleValue::Device(_) => "device",
            PickleValue::Global(_) => "global",
        }
    }

    /// The string, if this is a `Str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PickleValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Entries of a dict (plain or typed).
    pub fn as_dict(&self) -> Option<&[(PickleValue, PickleValue)]> {
        match self {
            PickleValue::Dict(items) | PickleValue::TypedDict { items, .. } => Some(items),
            _ => None,
        }
    }

    /// Items of a list, tuple, set or typed list.
    pub fn as_sequence(&self) -> Option<&[PickleValue]> {
        match self {
            PickleValue::List(items)
            | PickleValue::Tuple(items)
            | PickleValue::Set(items)
            | PickleValue::TypedList { items, .. } => Some(items),
            _ => None,
        }
    }
}

/// An instance of a `__torch__.*` class: the class and the state its `BUILD` received.
#[derive(Debug, Clone, PartialEq)]
pub struct PickledObject {
    /// Qualified class name, e.g. `__torch__.torch.nn.modules.linear.Linear`.
    pub class_name: String,
    /// Usually a `Dict` of attribute name to value; any value for classes with `__setstate__`;
    /// `None` for an object that never received a `BUILD`.
    pub state: PickleValue,
}

impl PickledObject {
    /// The attribute dict, when the state is one (ordinary modules and classes).
    pub fn attributes(&self) -> Option<&[(PickleValue, PickleValue)]> {
        self.state.as_dict()
    }

    /// One attribute by name.
    pub fn attribute(&self, name: &str) -> Option<&PickleValue> {
        self.attributes()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(_, v)| v)
    }
}

/// A tensor as a checked view of a storage: offsets and strides are in elements.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorRecord {
    pub storage: Arc<StorageRecord>,
    pub storage_offset: usize,
    pub size: Vec<usize>,
    pub stride: Vec<usize>,
    pub requires_grad: bool,
    /// Set for a quantized tensor (`torch._utils._rebuild_qtensor`): its affine quantizer.
    pub quantizer: Option<QuantizerRecord>,
}

/// The quantizer of a quantized tensor, as `_rebuild_qtensor` receives it.
#[derive(Debug, Clone, PartialEq)]
pub enum QuantizerRecord {
    /// `(torch.per_tensor_affine, scale, zero_point)`.
    PerTensor { scale: f64, zero_point: i64 },
    /// `(torch.per_channel_affine, scales, zero_points, axis)`: float64 scales and int64 zero
    /// points, one per index of `axis`.
    PerChannel {
        scales: Box<TensorRecord>,
        zero_points: Box<TensorRecord>,
        axis: usize,
    },
}

impl TensorRecord {
    /// Number of elements of the view.
    pub fn numel(&self) -> usize {
        // Checked when the record was built: the product fits and the view fits the storage.
        self.size
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .unwrap_or(0)
    }

    /// Whether the view is row-major contiguous (size-1 dimensions may have any stride).
    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1usize;
        for (&size, &stride) in self.size.iter().zip(&self.stride).rev() {
            if size != 1 && stride != expected {
                return false;
            }
            expected = expected.saturating_mul(size);
        }
        true
    }

    /// The view's bytes borrowed from the archive, without copying, when it is contiguous.
    /// `archive_bytes` is [`crate::Archive::as_slice`].
    pub fn contiguous_slice<'a>(&self, archive_bytes: &'a [u8]) -> Option<&'a [u8]> {
        if !self.is_contiguous() {
            return None;
        }
        let element = self.storage.dtype.element_size();
        let start = self.storage_offset.checked_mul(element)?;
        let len = self.numel().checked_mul(element)?;
        self.storage
            .bytes(archive_bytes)?
            .get(start..start.checked_add(len)?)
    }

    /// The view's elements in row-major order, as little-endian bytes (a copy: for tests,
    /// checksums and small tensors). `archive_bytes` is [`crate::Archive::as_slice`].
    pub fn contiguous_bytes(&self, archive_bytes: &[u8]) -> Option<Vec<u8>> {
        let storage = self.storage.range.slice(archive_bytes)?;
        let element = self.storage.dtype.element_size();
        let numel = self.numel();
        let mut out = Vec::with_capacity(numel.checked_mul(element)?);
        if numel == 0 {
            return Some(out);
        }
        let mut index = vec![0usize; self.size.len()];
        loop {
            let mut offset = self.storage_offset;
            for (i, s) in index.iter().zip(&self.stride) {
                offset = offset.checked_add(i.checked_mul(*s)?)?;
            }
            let start = offset.checked_mul(element)?;
            out.extend_from_slice(storage.get(start..start.checked_add(element)?)?);
            // advance the multi-index, last dimension fastest
            let mut dim = self.size.len();
            loop {
                let Some(previous) = dim.checked_sub(1) else {
                    return Some(out);
                };
                dim = previous;
                let (Some(i), Some(&n)) = (index.get_mut(dim), self.size.get(dim)) else {
                    return None;
                };
                *i = i.saturating_add(1);
                if *i < n {
                    break;
                }
                *i = 0;
            }
        }
    }
}

/// One storage record of the archive; tensors sharing a storage share this `Arc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageRecord {
    /// The key in the persistent id (`"0"`, `"1"`, ...).
    pub key: String,
    /// The archive record holding the bytes, e.g. `data/3` or `constants/0`.
    pub record_name: String,
    pub dtype: StorageDType,
    /// Number of elements the pickle declares.
    pub numel: usize,
    /// Where the bytes are in the archive (checked: `numel * element_size <= range.len`).
    pub range: StoredRecord,
}

impl StorageRecord {
    /// The storage's `numel * element_size` bytes within the archive's bytes.
    pub fn bytes<'a>(&self, archive_bytes: &'a [u8]) -> Option<&'a [u8]> {
        let len = self.numel.checked_mul(self.dtype.element_size())?;
        self.range.slice(archive_bytes)?.get(..len)
    }
}

/// Element types of storages this runtime reads (`torch.<Name>Storage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageDType {
    Float,
    Double,
    Half,
    BFloat16,
    Long,
    Int,
    Short,
    Char,
    Byte,
    Bool,
    /// `torch.QInt8Storage`: the int8 representation of a qint8 tensor.
    QInt8,
    /// `torch.QUInt8Storage`: the uint8 representation of a quint8 tensor.
    QUInt8,
    /// `torch.QInt32Storage`: the int32 representation of a qint32 tensor.
    QInt32,
}

impl StorageDType {
    /// Every supported storage type.
    pub const ALL: [StorageDType; 13] = [
        StorageDType::Float,
        StorageDType::Double,
        StorageDType::Half,
        StorageDType::BFloat16,
        StorageDType::Long,
        StorageDType::Int,
        StorageDType::Short,
        StorageDType::Char,
        StorageDType::Byte,
        StorageDType::Bool,
        StorageDType::QInt8,
        StorageDType::QUInt8,
        StorageDType::QInt32,
    ];

    /// From the storage class name, e.g. `FloatStorage`.
    pub fn from_storage_class(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.storage_class() == name)
    }

    /// The class name PyTorch pickles (`torch.<this>`).
    pub fn storage_class(self) -> &'static str {
        match self {
            StorageDType::Float => "FloatStorage",
            StorageDType::Double => "DoubleStorage",
            StorageDType::Half => "HalfStorage",
            StorageDType::BFloat16 => "BFloat16Storage",
            StorageDType::Long => "LongStorage",
            StorageDType::Int => "IntStorage",
            StorageDType::Short => "ShortStorage",
            StorageDType::Char => "CharStorage",
            StorageDType::Byte => "ByteStorage",
            StorageDType::Bool => "BoolStorage",
            StorageDType::QInt8 => "QInt8Storage",
            StorageDType::QUInt8 => "QUInt8Storage",
            StorageDType::QInt32 => "QInt32Storage",
        }
    }

    /// The dtype's name as `str(torch.dtype)` prints it without `torch.` (e.g. `float32`).
    pub fn torch_name(self) -> &'static str {
        match self {
            StorageDType::Float => "float32",
            StorageDType::Double => "float64",
            StorageDType::Half => "float16",
            StorageDType::BFloat16 => "bfloat16",
            StorageDType::Long => "int64",
            StorageDType::Int => "int32",
            StorageDType::Short => "int16",
            StorageDType::Char => "int8",
            StorageDType::Byte => "uint8",
            StorageDType::Bool => "bool",
            StorageDType::QInt8 => "qint8",
            StorageDType::QUInt8 => "quint8",
            StorageDType::QInt32 => "qint32",
        }
    }

    /// Bytes per element.
    pub fn element_size(self) -> usize {
        match self {
            StorageDType::Double | StorageDType::Long => 8,
            StorageDType::Float | StorageDType::Int | StorageDType::QInt32 => 4,
            StorageDType::Half | StorageDType::BFloat16 | StorageDType::Short => 2,
            StorageDType::Char
            | StorageDType::Byte
            | StorageDType::Bool
            | StorageDType::QInt8
            | StorageDType::QUInt8 => 1,
        }
    }
}

impl std::fmt::Display for StorageDType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.torch_name())
    }
}
