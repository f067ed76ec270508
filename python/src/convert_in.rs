//! Python values to TorchScript values: numpy arrays (and torch tensors) become tensors viewing the same memory.

use std::sync::Arc;

use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use torchscript::{DType, Tensor, Value};
use torchscript_interpreter::{DictRef, ListRef, TupleRef};
use torchscript_ops::storage::{CopyStats, MappedRegion, Storage};

use crate::buffer::PyOwnedBytes;

/// Deepest nesting of lists, tuples and dicts accepted as an input.
pub const MAX_DEPTH: usize = 64;

/// What the conversion saw: outputs follow the inputs' kind (torch in, torch out).
#[derive(Debug, Default)]
pub struct InputKind {
    pub saw_torch: bool,
}

static NUMPY_GENERIC: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PY_HELPERS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The package's Python helpers (`torchscript._convert`): torch and ml_dtypes glue.
pub fn helpers(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    PY_HELPERS
        .get_or_try_init(py, || py.import("torchscript._convert").map(Bound::unbind))
        .map(|m| m.bind(py))
}

fn is_torch_tensor(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let ty = obj.get_type();
    let module = ty.getattr("__module__")?;
    if !module
        .extract::<&str>()
        .is_ok_and(|m| m.starts_with("torch"))
    {
        return Ok(false);
    }
    helpers(obj.py())?
        .call_method1("is_torch_tensor", (obj,))?
        .extract()
}

/// Converts one argument.
pub fn to_value(obj: &Bound<'_, PyAny>, kind: &mut InputKind, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(format!(
            "inputs nested deeper than {MAX_DEPTH} levels"
        )));
    }
    let py = obj.py();
    if obj.is_none() {
        return Ok(Value::None);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        let v: i64 = i.extract().map_err(|_| {
            PyValueError::new_err("integer does not fit in TorchScript's int (64 bits)")
        })?;
        return Ok(Value::Int(v));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::Str(Arc::from(s.to_str()?)));
    }
    if let Ok(array) = obj.cast::<PyUntypedArray>() {
        return array_to_tensor(array).map(Value::Tensor);
    }
    let generic = NUMPY_GENERIC.import(py, "numpy", "generic")?;
    if obj.is_instance(generic.as_any())? {
        // A numpy scalar: np.bool_, np.int64, np.float32... as the Python number it stands for.
        let item = obj.call_method0("item")?;
        if item.is_instance_of::<PyBool>()
            || item.is_instance_of::<PyInt>()
            || item.is_instance_of::<PyFloat>()
        {
            return to_value(&item, kind, depth + 1);
        }
        return Err(PyTypeError::new_err(format!(
            "numpy scalar of type {} cannot be passed to TorchScript",
            obj.get_type().name()?
        )));
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        let items = t
            .iter()
            .map(|x| to_value(&x, kind, depth + 1))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(Value::Tuple(TupleRef::new(items)));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        let items = l
            .iter()
            .map(|x| to_value(&x, kind, depth + 1))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(Value::List(ListRef::new(items)));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let items = d
            .iter()
            .map(|(k, v)| {
                Ok((
                    to_value(&k, kind, depth + 1)?,
                    to_value(&v, kind, depth + 1)?,
                ))
            })
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(Value::Dict(DictRef::new(items)));
    }
    if is_torch_tensor(obj)? {
        kind.saw_torch = true;
        // (array, is_bfloat16): a numpy view of the tensor's memory (int16 for bfloat16).
        let (array, bf16): (Bound<'_, PyAny>, bool) = helpers(py)?
            .call_method1("torch_to_numpy", (obj,))?
            .extract()?;
        let array = array.cast::<PyUntypedArray>()?;
        let t = array_to_tensor(array)?;
        if bf16 {
            return reinterpret(&t, DType::BF16).map(Value::Tensor);
        }
        return Ok(Value::Tensor(t));
    }
    Err(PyTypeError::new_err(format!(
        "a {} cannot be passed to TorchScript (expected a numpy array, torch tensor, int, float, bool, str, None, list, tuple or dict)",
        obj.get_type().name()?
    )))
}

/// The same memory seen with another dtype of the same element size (int16 -> bfloat16).
fn reinterpret(t: &Tensor, dtype: DType) -> PyResult<Tensor> {
    Tensor::from_storage(
        t.storage().clone(),
        dtype,
        t.storage_offset(),
        t.shape().to_vec(),
        t.strides().to_vec(),
    )
    .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Our dtype for a numpy dtype, or None (then the array is refused).
fn dtype_of(array: &Bound<'_, PyUntypedArray>) -> PyResult<Option<DType>> {
    let descr = array.dtype();
    let size = descr.itemsize();
    Ok(match (descr.kind(), size) {
        (b'b', 1) => Some(DType::Bool),
        (b'u', 1) => Some(DType::U8),
        (b'i', 1) => Some(DType::I8),
        (b'i', 2) => Some(DType::I16),
        (b'i', 4) => Some(DType::I32),
        (b'i', 8) => Some(DType::I64),
        (b'f', 2) => Some(DType::F16),
        (b'f', 4) => Some(DType::F32),
        (b'f', 8) => Some(DType::F64),
        (_, 2) if descr.getattr("name")?.extract::<String>()? == "bfloat16" => Some(DType::BF16),
        _ => None,
    })
}

/// A tensor viewing the array's memory (no copy) when its strides allow; otherwise a view of a
/// contiguous copy made by numpy (negative or unaligned strides, non-native byte order).
pub fn array_to_tensor(array: &Bound<'_, PyUntypedArray>) -> PyResult<Tensor> {
    let py = array.py();
    let Some(dtype) = dtype_of(array)? else {
        return Err(PyTypeError::new_err(format!(
            "numpy dtype {} is not supported by TorchScript tensors",
            array.dtype()
        )));
    };
    let size = dtype.size();
    let native = array.dtype().is_native_byteorder() != Some(false);
    let strides: Option<Vec<usize>> = array
        .strides()
        .iter()
        .map(|&s| {
            let s = usize::try_from(s).ok()?;
            (s % size == 0).then_some(s / size)
        })
        .collect();
    let Some(strides) = strides.filter(|_| native) else {
        let numpy = py.import("numpy")?;
        let mut copy = numpy.call_method1("ascontiguousarray", (array,))?;
        if !native {
            let descr = array.dtype().call_method1("newbyteorder", ("=",))?;
            copy = copy.call_method1("astype", (descr,))?;
        }
        return array_to_tensor(copy.cast::<PyUntypedArray>()?);
    };
    let shape = array.shape().to_vec();
    let numel: usize = shape.iter().product();
    let span = if numel == 0 {
        0
    } else {
        let last: usize = shape.iter().zip(&strides).map(|(&d, &s)| (d - 1) * s).sum();
        (last + 1) * size
    };
    let bytes = PyOwnedBytes::from_array(array, span);
    let region = MappedRegion::new(Arc::new(bytes), 0, span, Arc::new(CopyStats::default()))
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Tensor::from_storage(Storage::mapped(region, size), dtype, 0, shape, strides)
        .map_err(|e| PyValueError::new_err(e.to_string()))
}
