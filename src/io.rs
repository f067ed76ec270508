//! Moving values in and out of the runtime as numpy arrays (the CLI's `.npz` contract).

use torchscript_interpreter::{Type, Value};
use torchscript_ops::{DType, Tensor};

use crate::error::Error;
use crate::npz::{NpyArray, NpyDType};

fn npy_to_dtype(d: NpyDType) -> DType {
    match d {
        NpyDType::Bool => DType::Bool,
        NpyDType::U8 => DType::U8,
        NpyDType::I8 => DType::I8,
        NpyDType::I16 => DType::I16,
        NpyDType::I32 => DType::I32,
        NpyDType::I64 => DType::I64,
        NpyDType::F16 => DType::F16,
        NpyDType::F32 => DType::F32,
        NpyDType::F64 => DType::F64,
    }
}

fn dtype_to_npy(d: DType) -> NpyDType {
    match d {
        DType::Bool => NpyDType::Bool,
        DType::U8 => NpyDType::U8,
        DType::I8 => NpyDType::I8,
        DType::I16 => NpyDType::I16,
        DType::I32 => NpyDType::I32,
        DType::I64 => NpyDType::I64,
        DType::F16 => NpyDType::F16,
        DType::F32 | DType::BF16 => NpyDType::F32,
        DType::F64 => NpyDType::F64,
    }
}

/// A tensor holding a copy of the array.
pub fn tensor_from_npy(array: &NpyArray) -> Result<Tensor, Error> {
    let t = Tensor::zeros(&array.shape, npy_to_dtype(array.dtype))
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    {
        let mut storage = t.storage().write();
        let dst = storage.bytes_mut();
        if dst.len() != array.data.len() {
            return Err(Error::InvalidInput(format!(
                "array data has {} bytes but shape {:?} of {} needs {}",
                array.data.len(),
                array.shape,
                array.dtype.name(),
                dst.len()
            )));
        }
        dst.copy_from_slice(&array.data);
    }
    Ok(t)
}

/// An input value for a parameter of type `ty`: 0-d arrays become `int`/`float`/`bool` where
/// the signature wants them, everything else a tensor.
pub fn input_value(array: &NpyArray, ty: Option<&Type>) -> Result<Value, Error> {
    let tensor = tensor_from_npy(array)?;
    let scalar = |t: &Tensor| t.item().map_err(|e| Error::InvalidInput(e.to_string()));
    let wanted = match ty {
        Some(Type::Optional(inner)) => Some(&**inner),
        other => other,
    };
    Ok(match wanted {
        Some(Type::Int) if array.shape.is_empty() => Value::Int(scalar(&tensor)?.to_i64()),
        Some(Type::Float) if array.shape.is_empty() => Value::Float(scalar(&tensor)?.to_f64()),
        Some(Type::Bool) if array.shape.is_empty() => Value::Bool(scalar(&tensor)?.to_bool()),
        _ => Value::Tensor(tensor),
    })
}

/// The array of a tensor (contiguous, little-endian; bfloat16 widened to float32).
pub fn tensor_to_npy(t: &Tensor) -> Result<NpyArray, Error> {
    let t = if t.dtype() == DType::BF16 {
        t.to_dtype(DType::F32)
    } else {
        t.contiguous()
    }
    .map_err(|e| Error::InvalidInput(e.to_string()))?;
    let size = t.dtype().size();
    let outside = || Error::InvalidInput("tensor view outside its storage".into());
    let start = t.storage_offset().checked_mul(size).ok_or_else(outside)?;
    let end = t
        .numel()
        .checked_mul(size)
        .and_then(|len| len.checked_add(start))
        .ok_or_else(outside)?;
    let data = t
        .storage()
        .read()
        .bytes()
        .get(start..end)
        .map(<[u8]>::to_vec)
        .ok_or_else(outside)?;
    Ok(NpyArray {
        dtype: dtype_to_npy(t.dtype()),
        shape: t.shape().to_vec(),
        data,
    })
}

/// The result flattened depth-first (tuples, lists, dict values) into arrays: ints, floats
/// and bools become 0-d int64/float64/bool arrays; None and strings are skipped.
pub fn flatten_outputs(v: &Value, out: &mut Vec<NpyArray>) -> Result<(), Error> {
    // A work list instead of recursion: a result nested 50k deep must not overflow the stack.
    let mut pending: Vec<Value> = vec![v.clone()];
    while let Some(v) = pending.pop() {
        match &v {
            Value::Tensor(t) => out.push(tensor_to_npy(t)?),
            Value::Int(i) => out.push(NpyArray {
                dtype: NpyDType::I64,
                shape: vec![],
                data: i.to_le_bytes().to_vec(),
            }),
            Value::Float(f) => out.push(NpyArray {
                dtype: NpyDType::F64,
                shape: vec![],
                data: f.to_le_bytes().to_vec(),
            }),
            Value::Bool(b) => out.push(NpyArray {
                dtype: NpyDType::Bool,
                shape: vec![],
                data: vec![*b as u8],
            }),
            Value::None | Value::Str(_) | Value::Device(_) => {}
            // Children are pushed in reverse so they come off the list in order.
            Value::List(l) => pending.extend(l.0.read().iter().rev().cloned()),
            Value::Tuple(t) => pending.extend(t.items().iter().rev().cloned()),
            Value::Dict(d) => pending.extend(d.0.read().iter().rev().map(|(_, item)| item.clone())),
            other => {
                return Err(Error::InvalidInput(format!(
                    "a {} result cannot be written to npz",
                    other.type_name()
                )))
            }
        }
    }
    Ok(())
}

/// Reads `arg0`, `arg1`, ... in positional order.
pub fn positional_inputs(arrays: Vec<(String, NpyArray)>) -> Result<Vec<NpyArray>, Error> {
    let mut by_index: Vec<Option<NpyArray>> = Vec::new();
    for (name, array) in arrays {
        let index: usize = name
            .strip_prefix("arg")
            .and_then(|i| i.parse().ok())
            .ok_or_else(|| {
                Error::InvalidInput(format!("input array `{name}` is not named argN"))
            })?;
        if index >= 4096 {
            return Err(Error::InvalidInput(format!(
                "input array `{name}`: too many arguments"
            )));
        }
        if by_index.len() <= index {
            by_index.resize_with(index.saturating_add(1), || None);
        }
        if let Some(slot) = by_index.get_mut(index) {
            *slot = Some(array);
        }
    }
    by_index
        .into_iter()
        .enumerate()
        .map(|(i, a)| a.ok_or_else(|| Error::InvalidInput(format!("input arg{i} is missing"))))
        .collect()
}
