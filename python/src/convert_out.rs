//! TorchScript values to Python: tensors become numpy arrays viewing the runtime's memory (or torch tensors).
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::sync::Mutex;

use numpy::npyffi::{self, npy_intp, NPY_ARRAY_WRITEABLE, PY_ARRAY_API};
use numpy::{PyArrayDescr, PyArrayDescrMethods as _};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use pyo3::IntoPyObjectExt;
use torchscript::{DType, Tensor, Value};
use torchscript_ops::storage::{SharedBytes, StorageData};

use crate::convert_in::{helpers, MAX_DEPTH};
use crate::errors::script_err;

/// Keeps a tensor (and the buffer its storage maps) alive for as long as a numpy array views it.
#[pyclass(frozen, module = "torchscript")]
pub struct TensorOwner {
    _tensor: Tensor,
    _source: Option<SharedBytes>,
}

impl std::fmt::Debug for TensorOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TensorOwner")
            .field("tensor", &self._tensor)
            .finish()
    }
}

/// How outputs are given back.
#[derive(Debug, Clone, Copy)]
pub struct OutputKind {
    pub torch: bool,
}

static NAMEDTUPLES: Mutex<Option<HashMap<String, Py<PyAny>>>> = Mutex::new(None);

fn descr<'py>(py: Python<'py>, dtype: DType) -> PyResult<Bound<'py, PyArrayDescr>> {
    Ok(match dtype {
        DType::Bool => numpy::dtype::<bool>(py),
        DType::U8 => numpy::dtype::<u8>(py),
        DType::I8 => numpy::dtype::<i8>(py),
        DType::I16 => numpy::dtype::<i16>(py),
        DType::I32 => numpy::dtype::<i32>(py),
        DType::I64 => numpy::dtype::<i64>(py),
        DType::F16 => numpy::dtype::<half::f16>(py),
        DType::F32 => numpy::dtype::<f32>(py),
        DType::F64 => numpy::dtype::<f64>(py),
        // Viewed as int16; the Python side reinterprets (ml_dtypes.bfloat16 or torch.bfloat16).
        DType::BF16 => numpy::dtype::<i16>(py),
    })
}

/// A numpy array viewing the tensor's memory. Read-only when the memory is mapped (archive
/// weights, input arrays), writable when the runtime owns it (results of the call).
pub fn tensor_to_numpy<'py>(py: Python<'py>, t: &Tensor) -> PyResult<Bound<'py, PyAny>> {
    let size = t.dtype().size();
    let (base_ptr, nbytes, source) = {
        let data = t.storage().read();
        let source = match &*data {
            StorageData::Mapped(region) => Some(region.source().clone()),
            StorageData::Owned(_) => None,
        };
        (data.bytes().as_ptr(), data.bytes().len(), source)
    };
    let writable = source.is_none();
    // Tensor::from_storage checked that every element lies inside the storage.
    let offset = t
        .storage_offset()
        .checked_mul(size)
        .filter(|&o| o <= nbytes);
    let Some(offset) = offset else {
        return Err(PyValueError::new_err(
            "tensor view lies outside its storage",
        ));
    };
    let mut dims: Vec<npy_intp> = Vec::with_capacity(t.dim());
    let mut strides: Vec<npy_intp> = Vec::with_capacity(t.dim());
    for (&d, &s) in t.shape().iter().zip(t.strides()) {
        let d = npy_intp::try_from(d).map_err(|_| PyValueError::new_err("dimension too large"))?;
        let s = s
            .checked_mul(size)
            .and_then(|s| npy_intp::try_from(s).ok())
            .ok_or_else(|| PyValueError::new_err("stride too large"))?;
        dims.push(d);
        strides.push(s);
    }
    let owner = Bound::new(
        py,
        TensorOwner {
            _tensor: t.clone(),
            _source: source,
        },
    )?;
    let descr = descr(py, t.dtype())?;
    let flags = if writable { NPY_ARRAY_WRITEABLE } else { 0 };
    let ndim = std::os::raw::c_int::try_from(t.dim())
        .map_err(|_| PyValueError::new_err("too many dimensions"))?;
    // SAFETY: `data` points into the storage's bytes, which `owner` keeps alive (the tensor holds
    // the storage; a mapped storage's whole buffer is held too, should the storage later be
    // replaced by a copy-on-write). Every element addressed by dims/strides lies inside the
    // storage (checked when the tensor was made). The descr reference is stolen by numpy, so it
    // is handed over with into_ptr; the base reference is stolen by SetBaseObject likewise.
    unsafe {
        let data = base_ptr.add(offset) as *mut std::os::raw::c_void;
        let array = PY_ARRAY_API.PyArray_NewFromDescr(
            py,
            npyffi::get_type_object(py, npyffi::NpyTypes::PyArray_Type),
            descr.into_dtype_ptr(),
            ndim,
            dims.as_mut_ptr(),
            strides.as_mut_ptr(),
            data,
            flags,
            std::ptr::null_mut(),
        );
        let array = Bound::from_owned_ptr_or_err(py, array)?;
        if PY_ARRAY_API.PyArray_SetBaseObject(
            py,
            array.as_ptr() as *mut npyffi::PyArrayObject,
            owner.into_ptr(),
        ) != 0
        {
            return Err(PyErr::fetch(py));
        }
        Ok(array)
    }
}

fn tensor_out<'py>(py: Python<'py>, t: &Tensor, kind: OutputKind) -> PyResult<Bound<'py, PyAny>> {
    let array = tensor_to_numpy(py, t)?;
    let bf16 = t.dtype() == DType::BF16;
    if kind.torch {
        helpers(py)?.call_method1("numpy_to_torch", (array, bf16))
    } else if bf16 {
        helpers(py)?.call_method1("bfloat16_array", (array,))
    } else {
        Ok(array)
    }
}

fn namedtuple_type<'py>(
    py: Python<'py>,
    class: &torchscript_interpreter::ClassType,
) -> PyResult<Bound<'py, PyAny>> {
    let mut guard = NAMEDTUPLES
        .lock()
        .map_err(|_| PyValueError::new_err("namedtuple cache poisoned"))?;
    let cache = guard.get_or_insert_with(HashMap::new);
    if let Some(t) = cache.get(class.name()) {
        return Ok(t.bind(py).clone());
    }
    let short = class.short_name();
    let fields: Vec<&str> = class.definition().map_err(script_err)?.field_names();
    let t = py
        .import("collections")?
        .call_method1("namedtuple", (short, fields))?;
    cache.insert(class.name().to_string(), t.clone().unbind());
    Ok(t)
}

/// Converts one result.
pub fn to_python<'py>(
    py: Python<'py>,
    v: &Value,
    kind: OutputKind,
    depth: usize,
) -> PyResult<Bound<'py, PyAny>> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(format!(
            "result nested deeper than {MAX_DEPTH} levels"
        )));
    }
    let next = depth + 1;
    match v {
        Value::None => Ok(py.None().into_bound(py)),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Int(i) => i.into_bound_py_any(py),
        Value::Float(f) => f.into_bound_py_any(py),
        Value::Str(s) => (&**s).into_bound_py_any(py),
        Value::Device(d) => format!("{d}").into_bound_py_any(py),
        Value::Tensor(t) => tensor_out(py, t, kind),
        Value::List(l) => {
            let items = l.to_vec();
            let out = items
                .iter()
                .map(|x| to_python(py, x, kind, next))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyList::new(py, out)?.into_any())
        }
        Value::Tuple(t) => {
            let out = t
                .items()
                .iter()
                .map(|x| to_python(py, x, kind, next))
                .collect::<PyResult<Vec<_>>>()?;
            if let Some(class) = t.named_class() {
                let fields = class.definition().map_err(script_err)?.attribute_types();
                if fields.len() == out.len() {
                    return namedtuple_type(py, class)?.call1(PyTuple::new(py, out)?);
                }
            }
            Ok(PyTuple::new(py, out)?.into_any())
        }
        Value::Dict(d) => {
            let items = d.to_vec();
            let out = PyDict::new(py);
            for (k, v) in &items {
                out.set_item(to_python(py, k, kind, next)?, to_python(py, v, kind, next)?)?;
            }
            Ok(out.into_any())
        }
        Value::Future(inner) => to_python(py, inner, kind, next),
        other => Err(PyTypeError::new_err(format!(
            "a TorchScript {} cannot be returned to Python",
            other.type_name()
        ))),
    }
}
