//! `torchscript.Module`: a loaded archive callable from Python, its methods, parameters and code.

use std::sync::Arc;

use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyAttributeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use torchscript::{Archive, ArchiveBytes, Instance, Value};
use torchscript_interpreter::{Object, TupleRef, Type};

use crate::buffer::PyOwnedBytes;
use crate::convert_in::{helpers, to_value, InputKind};
use crate::convert_out::{tensor_to_numpy, to_python, OutputKind};
use crate::errors::{script_err, to_py_err};

/// A loaded TorchScript model. Calls run with the GIL released; one module may be called from
/// many threads at once (each call runs on a private instance unless the module is an instance).
#[pyclass(frozen, module = "torchscript", name = "Module")]
pub struct Module {
    inner: Arc<torchscript::Module>,
    /// Set on a module made by `instance()`: calls share this worker's state.
    instance: Option<Arc<Instance>>,
    /// The file it was mapped from (pickles as the path).
    path: Option<String>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("class", &self.inner.root().class().name())
            .field("path", &self.path)
            .field("instance", &self.instance.is_some())
            .finish()
    }
}

/// A method of a module, bound to it: `module.encode(x)`.
#[pyclass(frozen, module = "torchscript")]
pub struct Method {
    module: Py<Module>,
    name: String,
}

impl std::fmt::Debug for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Method").field("name", &self.name).finish()
    }
}

/// Maps the archive at `path` (weights are not copied).
#[pyfunction]
pub fn load_path(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Module> {
    let p = path.clone();
    let inner = py
        .detach(move || torchscript::Module::load(&p))
        .map_err(to_py_err)?;
    Ok(Module {
        inner: Arc::new(inner),
        instance: None,
        path: Some(path.to_string_lossy().into_owned()),
    })
}

/// Loads an archive from a 1-d contiguous uint8 array, borrowing its memory (kept alive by the module).
#[pyfunction]
pub fn load_buffer(py: Python<'_>, data: &Bound<'_, PyUntypedArray>) -> PyResult<Module> {
    let descr = data.dtype();
    if descr.kind() != b'u' || descr.itemsize() != 1 || data.ndim() != 1 {
        return Err(PyTypeError::new_err(
            "an archive in memory must be a 1-d uint8 array",
        ));
    }
    if !data.is_c_contiguous() {
        return Err(PyValueError::new_err(
            "an archive in memory must be contiguous",
        ));
    }
    let bytes: ArchiveBytes = Arc::new(PyOwnedBytes::from_array(data, data.len()));
    let inner = py
        .detach(move || {
            Archive::from_shared(bytes)
                .map_err(torchscript::Error::from)
                .and_then(torchscript::Module::from_archive)
        })
        .map_err(to_py_err)?;
    Ok(Module {
        inner: Arc::new(inner),
        instance: None,
        path: None,
    })
}

/// Whether `v` fits a parameter of type `ty` (unknown and class types are left to the model).
fn fits(v: &Value, ty: &Type) -> bool {
    match ty {
        Type::Tensor => matches!(v, Value::Tensor(_)),
        Type::Int => matches!(v, Value::Int(_)),
        Type::Float => matches!(v, Value::Float(_) | Value::Int(_)),
        Type::Bool => matches!(v, Value::Bool(_)),
        Type::Str => matches!(v, Value::Str(_)),
        Type::NoneType => matches!(v, Value::None),
        Type::Number => matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_)),
        Type::Optional(inner) => matches!(v, Value::None) || fits(v, inner),
        Type::List(inner) => match v {
            Value::List(l) => l.to_vec().iter().all(|x| fits(x, inner)),
            _ => false,
        },
        Type::Tuple(items) => match v {
            Value::Tuple(t) => {
                t.items().len() == items.len()
                    && t.items().iter().zip(items).all(|(x, t)| fits(x, t))
            }
            _ => false,
        },
        Type::Dict(k, val) => match v {
            Value::Dict(d) => d.to_vec().iter().all(|(a, b)| fits(a, k) && fits(b, val)),
            _ => false,
        },
        Type::Union(options) => options.iter().any(|t| fits(v, t)),
        _ => true,
    }
}

fn python_kind(v: &Value) -> String {
    match v {
        Value::Tensor(t) => format!("a {} tensor of shape {:?}", t.dtype(), t.shape()),
        other => format!("a {}", other.type_name()),
    }
}

impl Module {
    fn with_instance(&self, instance: Option<Arc<Instance>>) -> Module {
        Module {
            inner: self.inner.clone(),
            instance,
            path: self.path.clone(),
        }
    }

    /// The root module's class declarations (read from code/ on first use).
    fn root_class(&self) -> PyResult<&torchscript_interpreter::ClassDefinition> {
        self.inner.root().class().definition().map_err(script_err)
    }

    fn has_method(&self, name: &str) -> PyResult<bool> {
        Ok(self.root_class()?.method_def(name).is_some())
    }

    /// The loaded model this module (or instance) runs.
    pub(crate) fn shared(&self) -> &Arc<torchscript::Module> {
        &self.inner
    }

    /// Binds Python arguments to the method's parameters and checks their types: the values
    /// to run it with, and whether torch tensors came in (outputs follow the inputs' kind).
    pub(crate) fn bind(
        &self,
        name: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<(Vec<Value>, OutputKind)> {
        if !self.has_method(name)? {
            return Err(PyAttributeError::new_err(format!(
                "the model ({}) has no method `{name}`",
                self.inner.root().class().name()
            )));
        }
        let signature = self.inner.method_signature(name).map_err(to_py_err)?;
        let params = &signature.params;
        let mut kind = InputKind::default();
        if args.len() > params.len() {
            return Err(PyTypeError::new_err(format!(
                "{name}() takes {} arguments but {} were given",
                params.len(),
                args.len()
            )));
        }
        let mut slots: Vec<Option<Value>> = vec![None; params.len()];
        for (slot, arg) in slots.iter_mut().zip(args.iter()) {
            *slot = Some(to_value(&arg, &mut kind, 0)?);
        }
        if let Some(kwargs) = kwargs {
            for (key, value) in kwargs.iter() {
                let key: String = key.extract()?;
                let Some(i) = params.iter().position(|(p, _)| *p == key) else {
                    return Err(PyTypeError::new_err(format!(
                        "{name}() got an unexpected keyword argument `{key}`"
                    )));
                };
                let slot = slots
                    .get_mut(i)
                    .ok_or_else(|| PyTypeError::new_err("bad argument"))?;
                if slot.is_some() {
                    return Err(PyTypeError::new_err(format!(
                        "{name}() got multiple values for argument `{key}`"
                    )));
                }
                *slot = Some(to_value(&value, &mut kind, 0)?);
            }
        }
        // Trailing parameters left out take their defaults in the interpreter.
        let given = slots.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
        let mut inputs = Vec::with_capacity(given);
        for (slot, (pname, ty)) in slots.into_iter().take(given).zip(params) {
            let Some(mut value) = slot else {
                return Err(PyTypeError::new_err(format!(
                    "{name}() missing argument `{pname}`"
                )));
            };
            if let Some(ty) = ty {
                if let (Type::Class(class_name), Value::Tuple(t)) = (ty, &value) {
                    if let Ok(class) = self.inner.program().class(class_name) {
                        value = Value::Tuple(TupleRef::named(t.items().to_vec(), class));
                    }
                } else if !fits(&value, ty) {
                    return Err(PyTypeError::new_err(format!(
                        "{name}() argument `{pname}` must be {}, not {}",
                        ty,
                        python_kind(&value)
                    )));
                }
                if let (Type::Float, Value::Int(i)) = (ty, &value) {
                    value = Value::Float(*i as f64);
                }
            }
            inputs.push(value);
        }
        Ok((
            inputs,
            OutputKind {
                torch: kind.saw_torch,
            },
        ))
    }

    /// Binds Python arguments to the method's parameters, checks their types and runs it.
    fn call(
        &self,
        py: Python<'_>,
        name: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let (inputs, kind) = self.bind(name, args, kwargs)?;
        let inner = self.inner.clone();
        let instance = self.instance.clone();
        let method = name.to_string();
        let result = py
            .detach(move || match instance {
                Some(instance) => instance.run_method(&method, inputs),
                None => inner.run_method(&method, inputs),
            })
            .map_err(to_py_err)?;
        Ok(to_python(py, &result, kind, 0)?.unbind())
    }

    fn signature_text(&self, name: &str) -> PyResult<String> {
        let sig = self.inner.method_signature(name).map_err(to_py_err)?;
        let params: Vec<String> = sig
            .params
            .iter()
            .map(|(p, ty)| match ty {
                Some(ty) => format!("{p}: {ty}"),
                None => p.clone(),
            })
            .collect();
        let ret = sig
            .returns
            .as_ref()
            .map(|t| format!(" -> {t}"))
            .unwrap_or_default();
        Ok(format!("{name}({}){ret}", params.join(", ")))
    }

    fn tensors<'py>(
        &self,
        py: Python<'py>,
        parameters: bool,
        buffers: bool,
    ) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
        fn walk(
            o: &Arc<Object>,
            prefix: &str,
            want: (bool, bool),
            seen: &mut Vec<*const Object>,
            out: &mut Vec<(String, torchscript::Tensor)>,
        ) -> PyResult<()> {
            if seen.contains(&Arc::as_ptr(o)) {
                return Ok(());
            }
            seen.push(Arc::as_ptr(o));
            for (name, v) in o.attributes() {
                let name: &str = &name;
                match v {
                    Value::Tensor(t) => {
                        let class = o.class().definition().map_err(script_err)?;
                        let is_param = class.parameters().iter().any(|p| p == name);
                        let is_buffer = class.buffers().iter().any(|b| b == name);
                        if (want.0 && is_param) || (want.1 && is_buffer) {
                            out.push((format!("{prefix}{name}"), t));
                        }
                    }
                    Value::Object(child) if child.class().is_module().map_err(script_err)? => {
                        walk(&child, &format!("{prefix}{name}."), want, seen, out)?
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        let mut found = Vec::new();
        walk(
            self.inner.root(),
            "",
            (parameters, buffers),
            &mut Vec::new(),
            &mut found,
        )?;
        found
            .into_iter()
            .map(|(name, t)| Ok((name, tensor_to_numpy(py, &t)?)))
            .collect()
    }
}

#[pymethods]
impl Module {
    /// Runs `forward`.
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.call(py, "forward", args, kwargs)
    }

    /// Runs `forward`.
    #[pyo3(signature = (*args, **kwargs))]
    fn forward(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.call(py, "forward", args, kwargs)
    }

    /// Runs the method `name`.
    #[pyo3(signature = (name, *args, **kwargs))]
    fn run_method(
        &self,
        py: Python<'_>,
        name: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.call(py, name, args, kwargs)
    }

    /// Methods of the archive are attributes (`model.encode(x)`); so are the root module's
    /// plain attributes (tensors as read-only arrays, numbers, strings).
    fn __getattr__(slf: &Bound<'_, Self>, name: &str) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let this = slf.get();
        if this.has_method(name)? {
            let method = Method {
                module: slf.clone().unbind(),
                name: name.to_string(),
            };
            return Ok(Bound::new(py, method)?.into_any().unbind());
        }
        if !name.starts_with("__") {
            if let Some(v) = this.inner.root().get_attr(name) {
                if !matches!(v, Value::Object(_)) {
                    return Ok(to_python(py, &v, OutputKind { torch: false }, 0)?.unbind());
                }
            }
        }
        Err(PyAttributeError::new_err(format!(
            "'torchscript.Module' ({}) has no attribute `{name}`",
            this.inner.root().class().name()
        )))
    }

    fn __dir__(slf: &Bound<'_, Self>) -> PyResult<Vec<String>> {
        let mut names: Vec<String> = slf
            .get_type()
            .dir()?
            .iter()
            .map(|n| n.extract())
            .collect::<PyResult<_>>()?;
        names.extend(slf.get().methods()?);
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Names of the root module's methods, sorted.
    fn methods(&self) -> PyResult<Vec<String>> {
        let mut names: Vec<String> = self
            .root_class()?
            .method_names()
            .into_iter()
            .map(str::to_string)
            .collect();
        names.sort();
        Ok(names)
    }

    /// The signature of a method, e.g. `forward(x: Tensor) -> Tensor`.
    #[pyo3(signature = (name = "forward"))]
    fn signature(&self, name: &str) -> PyResult<String> {
        if !self.has_method(name)? {
            return Err(PyAttributeError::new_err(format!("no method `{name}`")));
        }
        self.signature_text(name)
    }

    /// Every method's signature by name.
    fn signatures(&self) -> PyResult<Vec<(String, String)>> {
        self.methods()?
            .into_iter()
            .map(|m| {
                let s = self.signature_text(&m)?;
                Ok((m, s))
            })
            .collect()
    }

    /// (name, array) for each parameter: read-only numpy views of the mapped archive.
    fn named_parameters<'py>(&self, py: Python<'py>) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
        self.tensors(py, true, false)
    }

    /// (name, array) for each buffer (running statistics and the like).
    fn named_buffers<'py>(&self, py: Python<'py>) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
        self.tensors(py, false, true)
    }

    /// Parameters and buffers by dotted name, as read-only numpy views.
    fn state_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (name, array) in self.tensors(py, true, true)? {
            out.set_item(name, array)?;
        }
        Ok(out)
    }

    /// Inference only: returns the module itself.
    fn eval(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// `train(False)` returns the module; training is not supported.
    #[pyo3(signature = (mode = true))]
    fn train(slf: Py<Self>, mode: bool) -> PyResult<Py<Self>> {
        if mode {
            return Err(PyValueError::new_err(
                "torchscript runs inference only: train(True) is not supported",
            ));
        }
        Ok(slf)
    }

    #[getter]
    fn training(&self) -> bool {
        false
    }

    /// The TorchScript code of the root module's class, as stored in the archive.
    #[getter]
    fn code(&self) -> PyResult<String> {
        Ok(self.root_class()?.source_file().text.to_string())
    }

    /// The qualified class name of the root module.
    #[getter]
    fn class_name(&self) -> String {
        self.inner.root().class().name().to_string()
    }

    /// The file the module was mapped from, if any.
    #[getter]
    fn path(&self) -> Option<String> {
        self.path.clone()
    }

    /// Whether calls share one worker instance (see `instance()`).
    #[getter]
    fn is_instance(&self) -> bool {
        self.instance.is_some()
    }

    /// A module whose calls all run on one private instance (actor mode: attribute writes
    /// persist between its calls). Cheap: the weights stay shared.
    fn instance(&self) -> Module {
        self.with_instance(Some(Arc::new(self.inner.instance())))
    }

    /// Bytes of weights viewed in the archive (not copied).
    #[getter]
    fn mapped_weight_bytes(&self) -> u64 {
        self.inner.mapped_weight_bytes()
    }

    /// Weight bytes copied so far (writes into weights, misaligned records).
    #[getter]
    fn copied_weight_bytes(&self) -> u64 {
        self.inner.copied_weight_bytes()
    }

    /// Whether derived weight forms are on (off when loaded): a float32 weight that a product
    /// reads transposed (nn.Linear's) stored once more, as column panels of its transpose, on
    /// first use, for products of 5 to 128 rows. Faster, at the
    /// price of that memory in this process; shared by every instance of the module.
    #[getter]
    fn derived_weights(&self) -> bool {
        self.inner.derived_weights()
    }

    #[setter]
    fn set_derived_weights(&self, enabled: bool) {
        self.inner.set_derived_weights(enabled);
    }

    /// Bytes of derived weight forms made so far (0 when off).
    #[getter]
    fn derived_weight_bytes(&self) -> u64 {
        self.inner.derived_weight_bytes()
    }

    /// The archive's bytes as a read-only uint8 array (no copy).
    fn archive_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let len = self.inner.archive().as_slice().len();
        let t = torchscript::Tensor::from_storage(
            archive_storage(&self.inner)?,
            torchscript::DType::U8,
            0,
            vec![len],
            vec![1],
        )
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
        tensor_to_numpy(py, &t)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let source = match &this.path {
            Some(p) => p.clone().into_pyobject(py)?.into_any(),
            None => PyBytes::new(py, this.inner.archive().as_slice()).into_any(),
        };
        let rebuild = helpers(py)?.getattr("rebuild_module")?;
        PyTuple::new(
            py,
            [
                rebuild,
                PyTuple::new(
                    py,
                    [
                        source,
                        this.instance
                            .is_some()
                            .into_pyobject(py)?
                            .to_owned()
                            .into_any(),
                    ],
                )?
                .into_any(),
            ],
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "torchscript.Module({}{}{})",
            self.inner.root().class().name(),
            self.path
                .as_ref()
                .map(|p| format!(", path={p:?}"))
                .unwrap_or_default(),
            if self.instance.is_some() {
                ", instance"
            } else {
                ""
            }
        )
    }
}

/// A storage over the whole archive (mapped, read-only).
fn archive_storage(
    module: &torchscript::Module,
) -> PyResult<Arc<torchscript_ops::storage::Storage>> {
    let bytes = module.archive().bytes().clone();
    let len = module.archive().as_slice().len();
    let region = torchscript_ops::storage::MappedRegion::new(
        bytes,
        0,
        len,
        Arc::new(torchscript_ops::storage::CopyStats::default()),
    )
    .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(torchscript_ops::storage::Storage::mapped(region, 1))
}

#[pymethods]
impl Method {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.module.get().call(py, &self.name, args, kwargs)
    }

    #[getter]
    fn name(&self) -> String {
        self.name.clone()
    }

    /// The method's signature, e.g. `encode(x: Tensor) -> Tensor`.
    #[getter]
    fn signature(&self) -> PyResult<String> {
        self.module.get().signature_text(&self.name)
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("<torchscript method {}>", self.signature()?))
    }
}
