//! Runtime errors as Python exceptions: `torchscript.Error` (a RuntimeError) with the TorchScript call stack.

use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use torchscript::ArchiveError;

pyo3::create_exception!(
    torchscript,
    Error,
    PyRuntimeError,
    "A model failed to load or run. `stack` holds the TorchScript call stack (function, file, line), innermost first; `kind` names the failure."
);

/// The Python exception for an interpreter error (a class whose code cannot be read, ...).
pub fn script_err(e: torchscript_interpreter::Error) -> PyErr {
    to_py_err(torchscript::Error::Script(Box::new(e)))
}

/// The Python exception for a runtime error.
pub fn to_py_err(e: torchscript::Error) -> PyErr {
    match &e {
        torchscript::Error::Archive(ArchiveError::Io { source, .. }) => {
            if source.kind() == std::io::ErrorKind::NotFound {
                PyFileNotFoundError::new_err(e.to_string())
            } else {
                PyOSError::new_err(e.to_string())
            }
        }
        torchscript::Error::InvalidInput(_) => PyValueError::new_err(e.to_string()),
        torchscript::Error::Script(script) => {
            let err = Error::new_err(e.to_string());
            Python::attach(|py| {
                let value = err.value(py);
                let frames: Vec<(String, String, u32)> = script
                    .stack
                    .iter()
                    .map(|f| (f.function.clone(), f.file.clone(), f.line))
                    .collect();
                // Attribute-setting on a fresh exception object cannot fail in practice; the
                // message already carries the stack if it did.
                if let Ok(list) = PyList::new(py, frames) {
                    let _ = value.setattr("stack", list);
                }
                let kind = match &*script.kind {
                    torchscript_interpreter::ErrorKind::Raised { class, .. } => class.clone(),
                    other => variant_name(other),
                };
                let _ = value.setattr("kind", kind);
            });
            err
        }
        _ => {
            let err = Error::new_err(e.to_string());
            Python::attach(|py| {
                let value = err.value(py);
                let _ = value.setattr("stack", PyList::empty(py));
                let _ = value.setattr("kind", "load");
            });
            err
        }
    }
}

fn variant_name(kind: &torchscript_interpreter::ErrorKind) -> String {
    let debug = format!("{kind:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("Error")
        .to_string()
}
