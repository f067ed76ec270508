//! Turning unpickled data (data.pkl, constants.pkl) into interpreter values with mapped tensors.

use std::collections::HashMap;
use std::sync::Arc;

use torchscript_interpreter::{Interpreter, Object, Program, Value};
use torchscript_ops::ops::quantized::Quantizer;
use torchscript_ops::{CopyStats, DType, DerivedWeights, MappedRegion, Storage, Tensor};

use crate::archive::Archive;
use crate::error::Error;
use crate::pickle::{
    PickleValue, PickledObject, QuantizerRecord, StorageDType, StorageRecord, TensorRecord,
};

/// The torch dtype of a storage class.
pub fn storage_dtype(d: StorageDType) -> DType {
    match d {
        StorageDType::Float => DType::F32,
        StorageDType::Double => DType::F64,
        StorageDType::Half => DType::F16,
        StorageDType::BFloat16 => DType::BF16,
        StorageDType::Long => DType::I64,
        StorageDType::Int => DType::I32,
        StorageDType::Short => DType::I16,
        StorageDType::Char | StorageDType::QInt8 => DType::I8,
        StorageDType::Byte | StorageDType::QUInt8 => DType::U8,
        StorageDType::Bool => DType::Bool,
        StorageDType::QInt32 => DType::I32,
    }
}

const TORCHBIND_PREFIX: &str = "__torch__.torch.classes.";

/// Whether `class_name` is a C++ class registered with torchbind (`torch.classes.*`).
pub fn is_torchbind_class(class_name: &str) -> bool {
    class_name.starts_with(TORCHBIND_PREFIX)
}

/// Converts pickled values, mapping each storage record once and building each object once.
pub struct ValueBuilder<'a> {
    archive: &'a Archive,
    program: &'a Program,
    stats: Arc<CopyStats>,
    derived: Arc<DerivedWeights>,
    storages: HashMap<String, Arc<Storage>>,
    objects: HashMap<*const PickledObject, Arc<Object>>,
    /// Distinct storage bytes mapped.
    pub mapped_bytes: u64,
}

impl<'a> ValueBuilder<'a> {
    pub fn new(
        archive: &'a Archive,
        program: &'a Program,
        stats: Arc<CopyStats>,
        derived: Arc<DerivedWeights>,
    ) -> Self {
        ValueBuilder {
            archive,
            program,
            stats,
            derived,
            storages: HashMap::new(),
            objects: HashMap::new(),
            mapped_bytes: 0,
        }
    }

    fn storage(&mut self, record: &StorageRecord) -> Result<Arc<Storage>, Error> {
        if let Some(s) = self.storages.get(&record.record_name) {
            return Ok(s.clone());
        }
        let region = MappedRegion::new(
            self.archive.bytes().clone(),
            record.range.offset,
            record.range.len,
            self.stats.clone(),
        )
        .map_err(|e| Error::InvalidModel(format!("record {}: {e}", record.record_name)))?
        .with_derived(self.derived.clone());
        let storage = Storage::mapped(region, storage_dtype(record.dtype).size());
        self.mapped_bytes = self.mapped_bytes.saturating_add(record.range.len as u64);
        self.storages
            .insert(record.record_name.clone(), storage.clone());
        Ok(storage)
    }

    fn tensor(&mut self, rec: &TensorRecord) -> Result<Tensor, Error> {
        let storage = self.storage(&rec.storage)?;
        let tensor = Tensor::from_storage(
            storage,
            storage_dtype(rec.storage.dtype),
            rec.storage_offset,
            rec.size.clone(),
            rec.stride.clone(),
        )
        .map(|t| t.with_requires_grad(rec.requires_grad))
        .map_err(|e| {
            Error::InvalidModel(format!("tensor in record {}: {e}", rec.storage.record_name))
        })?;
        match &rec.quantizer {
            None => Ok(tensor),
            Some(q) => {
                let quantizer = self.quantizer(q).map_err(|e| {
                    Error::InvalidModel(format!(
                        "quantizer of the tensor in record {}: {e}",
                        rec.storage.record_name
                    ))
                })?;
                Ok(tensor.with_quantizer(quantizer))
            }
        }
    }

    /// The quantizer of a quantized tensor (per-channel scales and zero points are small
    /// tensors of the archive, read once here).
    fn quantizer(&mut self, q: &QuantizerRecord) -> Result<Quantizer, Error> {
        Ok(match q {
            QuantizerRecord::PerTensor { scale, zero_point } => Quantizer::PerTensor {
                scale: *scale,
                zero_point: *zero_point,
            },
            QuantizerRecord::PerChannel {
                scales,
                zero_points,
                axis,
            } => {
                let read = |e: torchscript_ops::OpError| Error::InvalidModel(e.to_string());
                Quantizer::PerChannel {
                    scales: self.tensor(scales)?.to_vec::<f64>().map_err(read)?,
                    zero_points: self.tensor(zero_points)?.to_vec::<i64>().map_err(read)?,
                    axis: *axis,
                }
            }
        })
    }

    /// Converts one value.
    pub fn value(&mut self, v: &PickleValue) -> Result<Value, Error> {
        Ok(match v {
            PickleValue::None => Value::None,
            PickleValue::Bool(b) => Value::Bool(*b),
            PickleValue::Int(i) => Value::Int(*i),
            PickleValue::Float(f) => Value::Float(*f),
            PickleValue::Str(s) => Value::Str(s.clone()),
            PickleValue::Bytes(_) => {
                return Err(Error::InvalidModel(
                    "byte strings are not TorchScript values".into(),
                ))
            }
            PickleValue::List(items)
            | PickleValue::Set(items)
            | PickleValue::TypedList { items, .. } => Value::list(
                items
                    .iter()
                    .map(|i| self.value(i))
                    .collect::<Result<_, _>>()?,
            ),
            PickleValue::Tuple(items) => Value::tuple(
                items
                    .iter()
                    .map(|i| self.value(i))
                    .collect::<Result<_, _>>()?,
            ),
            PickleValue::Dict(items) | PickleValue::TypedDict { items, .. } => {
                let dict = torchscript_interpreter::DictRef::new(Vec::with_capacity(items.len()));
                for (k, v) in items {
                    let (k, v) = (self.value(k)?, self.value(v)?);
                    dict.insert(k, v);
                }
                Value::Dict(dict)
            }
            PickleValue::Tensor(rec) => Value::Tensor(self.tensor(rec)?),
            PickleValue::Object(obj) if is_torchbind_class(&obj.class_name) => {
                self.torchbind(obj)?
            }
            PickleValue::Object(obj) => Value::Object(self.object(obj)?),
            PickleValue::Enum { value, .. } => self.value(value)?,
            PickleValue::Device(d) => Value::Device(
                torchscript_ops::Device::parse(d)
                    .map_err(|e| Error::InvalidModel(e.to_string()))?,
            ),
            PickleValue::Global(g) => {
                return Err(Error::InvalidModel(format!("global `{g}` is not a value")))
            }
        })
    }

    /// A C++ (torchbind) object such as `__torch__.torch.classes.quantized.LinearPackedParamsBase`:
    /// there is no TorchScript code for its class, so it travels as the tuple of its pickled
    /// state, which the `quantized::` operators read (see `torchscript_ops::ops::quantized::packed`).
    fn torchbind(&mut self, obj: &Arc<PickledObject>) -> Result<Value, Error> {
        let short = obj
            .class_name
            .strip_prefix(TORCHBIND_PREFIX)
            .unwrap_or(&obj.class_name);
        match short {
            "quantized.LinearPackedParamsBase"
            | "quantized.Conv2dPackedParamsBase"
            | "rnn.CellParamsBase" => {}
            _ => {
                return Err(Error::InvalidModel(format!(
                    "C++ class {} is not supported",
                    obj.class_name
                )))
            }
        }
        let state = match &obj.state {
            PickleValue::Tuple(items) => items.clone(),
            other => {
                return Err(Error::InvalidModel(format!(
                    "state of {} is a {}, not a tuple",
                    obj.class_name,
                    other.kind_name()
                )))
            }
        };
        if short == "quantized.Conv2dPackedParamsBase" {
            return self.conv_packed_params(&obj.class_name, &state);
        }
        Ok(Value::tuple(
            state
                .iter()
                .map(|v| self.value(v))
                .collect::<Result<_, _>>()?,
        ))
    }

    /// `Conv2dPackedParamsBase.__getstate__` (version "3"): `("3", [config, weight],
    /// [bias])` with `config` an int64 tensor `[spatial_dims, stride.., padding..,
    /// dilation.., output_padding.., groups, flags]`, turned into the
    /// `(weight, bias, stride, padding, dilation, groups)` tuple `quantized::conv2d` reads.
    fn conv_packed_params(&mut self, class: &str, state: &[PickleValue]) -> Result<Value, Error> {
        let bad = |why: &str| Error::InvalidModel(format!("state of {class}: {why}"));
        let [version, tensors, optionals] = state else {
            return Err(bad("expected (version, tensors, optional tensors)"));
        };
        if version.as_str() != Some("3") {
            return Err(bad("only version \"3\" is supported"));
        }
        let tensors = tensors.as_sequence().ok_or_else(|| bad("no tensor list"))?;
        let (Some(PickleValue::Tensor(config)), Some(PickleValue::Tensor(weight))) =
            (tensors.first(), tensors.get(1))
        else {
            return Err(bad("expected [config, weight] tensors"));
        };
        let config = self
            .tensor(config)?
            .to_vec::<i64>()
            .map_err(|e| bad(&e.to_string()))?;
        let bias = match optionals.as_sequence().and_then(|o| o.first()) {
            Some(PickleValue::Tensor(b)) => Value::Tensor(self.tensor(b)?),
            _ => Value::None,
        };
        // Version-3 state of a 2-d conv: [2, stride(2), padding(2), dilation(2),
        // output_padding(2), groups, flags].
        if config.first() != Some(&2) {
            return Err(bad("only 2-d convolutions are supported"));
        }
        const FIELD_STARTS: [usize; 4] = [1, 3, 5, 7];
        let field = |i: usize| -> Result<Value, Error> {
            FIELD_STARTS
                .get(i)
                .and_then(|&start| config.get(start..start.saturating_add(2)))
                .map(|v| Value::list(v.iter().map(|&x| Value::Int(x)).collect()))
                .ok_or_else(|| bad("config tensor too short"))
        };
        let groups = config
            .get(9)
            .copied()
            .ok_or_else(|| bad("config tensor too short"))?;
        let transposed = config.get(10).copied().unwrap_or(0) & 1 == 1;
        if transposed {
            return Err(bad("transposed quantized convolutions are not supported"));
        }
        Ok(Value::tuple(vec![
            Value::Tensor(self.tensor(weight)?),
            bias,
            field(0)?,
            field(1)?,
            field(2)?,
            Value::Int(groups),
        ]))
    }

    fn object(&mut self, obj: &Arc<PickledObject>) -> Result<Arc<Object>, Error> {
        let key = Arc::as_ptr(obj);
        if let Some(o) = self.objects.get(&key) {
            return Ok(o.clone());
        }
        let class_error = |e: torchscript_interpreter::Error| {
            Error::InvalidModel(format!("data.pkl object of class {}: {e}", obj.class_name))
        };
        // The class's code is parsed on first use, not here (unless it may define
        // `__setstate__`, which loading must call).
        let class = self
            .program
            .class_deferred(&obj.class_name)
            .map_err(class_error)?;
        let object = if class.defines_method("__setstate__").map_err(class_error)? {
            let state = self.value(&obj.state)?;
            let object = Arc::new(Object::new(class, Vec::new()));
            Interpreter::new(self.program)
                .call_method(&object, "__setstate__", vec![state], vec![])
                .map_err(|e| Error::Script(Box::new(e)))?;
            object
        } else {
            let attrs = match obj.attributes() {
                Some(items) => items
                    .iter()
                    .map(|(k, v)| {
                        let name = k.as_str().ok_or_else(|| {
                            Error::InvalidModel(format!(
                                "attribute name of {} is not a string",
                                obj.class_name
                            ))
                        })?;
                        Ok((Arc::from(name), self.value(v)?))
                    })
                    .collect::<Result<Vec<_>, Error>>()?,
                None if matches!(obj.state, PickleValue::None) => Vec::new(),
                None => {
                    return Err(Error::InvalidModel(format!(
                        "object of class {} has a state that is not a dict and no __setstate__",
                        obj.class_name
                    )))
                }
            };
            Arc::new(Object::new(class, attrs))
        };
        self.objects.insert(key, object.clone());
        Ok(object)
    }
}

/// A copy of an object tree whose tensors view fresh storages over the same bytes: shared
/// structure (the same submodule or storage reached twice) stays shared in the copy.
#[derive(Default)]
pub struct InstanceCloner {
    objects: HashMap<*const Object, Arc<Object>>,
    storages: HashMap<*const Storage, Arc<Storage>>,
    /// Tensors whose view did not fit their fresh storage, shared with the original instead.
    shared_tensors: u64,
}

impl InstanceCloner {
    /// How many tensors the copy shares with the original because their view could not be
    /// made over a fresh storage (see [`crate::Module::instance_shared_tensors`]).
    pub fn shared_tensors(&self) -> u64 {
        self.shared_tensors
    }

    pub fn object(&mut self, o: &Arc<Object>) -> Arc<Object> {
        if let Some(done) = self.objects.get(&Arc::as_ptr(o)) {
            return done.clone();
        }
        let copy = Arc::new(Object::new(o.class().clone(), Vec::new()));
        self.objects.insert(Arc::as_ptr(o), copy.clone());
        for (name, v) in o.attributes() {
            let v = self.value(&v);
            copy.set_attr(&name, v);
        }
        copy
    }

    pub fn value(&mut self, v: &Value) -> Value {
        match v {
            Value::Tensor(t) => Value::Tensor(self.tensor(t)),
            Value::Object(o) => Value::Object(self.object(o)),
            Value::List(l) => Value::list(l.to_vec().iter().map(|i| self.value(i)).collect()),
            Value::Dict(d) => Value::dict(
                d.to_vec()
                    .iter()
                    .map(|(k, v)| (self.value(k), self.value(v)))
                    .collect(),
            ),
            Value::Tuple(t) => {
                let items = t.items().iter().map(|i| self.value(i)).collect();
                match t.named_class() {
                    Some(c) => {
                        Value::Tuple(torchscript_interpreter::TupleRef::named(items, c.clone()))
                    }
                    None => Value::tuple(items),
                }
            }
            other => other.clone(),
        }
    }

    fn tensor(&mut self, t: &Tensor) -> Tensor {
        let key = Arc::as_ptr(t.storage());
        let storage = self
            .storages
            .entry(key)
            .or_insert_with(|| t.storage().fork())
            .clone();
        Tensor::from_storage(
            storage,
            t.dtype(),
            t.storage_offset(),
            t.shape().to_vec(),
            t.strides().to_vec(),
        )
        .map(|c| {
            let c = c.with_requires_grad(t.requires_grad());
            // A quantized tensor's integers mean nothing without their scale and zero point.
            match t.quantizer() {
                Some(q) => c.with_quantizer(q.clone()),
                None => c,
            }
        })
        .unwrap_or_else(|_| {
            self.shared_tensors = self.shared_tensors.saturating_add(1);
            t.clone()
        })
    }
}

/// Error for a script failure.
pub fn script_error(e: torchscript_interpreter::Error) -> Error {
    Error::Script(Box::new(e))
}
