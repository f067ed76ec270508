//! Python bindings for the torchscript runtime (built with the `python` feature by maturin).
#![cfg(feature = "python")]

mod buffer;
mod convert_in;
mod convert_out;
mod errors;
mod module;
mod pools;

use pyo3::prelude::*;

/// The native half of the `torchscript` Python package (`torchscript._native`).
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<errors::Error>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<module::Module>()?;
    m.add_class::<module::Method>()?;
    m.add_class::<pools::TaskPool>()?;
    m.add_class::<pools::ActorPool>()?;
    m.add_class::<pools::PendingCall>()?;
    m.add_function(wrap_pyfunction!(module::load_path, m)?)?;
    m.add_function(wrap_pyfunction!(module::load_buffer, m)?)?;
    Ok(())
}
