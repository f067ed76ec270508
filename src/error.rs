//! The crate's top-level error, wrapping each layer's typed errors.

use thiserror::Error;

pub use crate::archive::ArchiveError;
pub use crate::npz::NpzError;
pub use crate::pickle::PickleError;

/// Any failure of the `torchscript` crate.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Pickle(#[from] PickleError),
    #[error(transparent)]
    Npz(#[from] NpzError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Loading or running the model's TorchScript failed.
    #[error(transparent)]
    Script(Box<torchscript_interpreter::Error>),
    /// Inputs given to the runtime do not fit.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A bound of [`crate::Limits`] was reached while loading.
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
    /// The archive's content does not have the shape TorchScript gives it.
    #[error("invalid model: {0}")]
    InvalidModel(String),
}

impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Self {
        Error::Io {
            context: "i/o error".to_string(),
            source,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
