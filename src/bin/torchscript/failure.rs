//! Why a command stopped: an error to report, or a reader that closed our stdout (quiet exit).

use std::io::Write;

/// How a subcommand failed.
#[derive(Debug)]
pub enum Failure {
    /// Printed as `error: ...`, exit status 1.
    Message(String),
    /// Stdout was closed by its reader (`| head`): stop quietly with status 0.
    ClosedPipe,
}

impl Failure {
    pub fn msg(text: impl Into<String>) -> Self {
        Failure::Message(text.into())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::ClosedPipe
        } else {
            Failure::Message(e.to_string())
        }
    }
}

macro_rules! message_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Failure {
            fn from(e: $t) -> Self {
                Failure::Message(e.to_string())
            }
        }
    )*};
}

message_from!(
    torchscript::Error,
    torchscript::NpzError,
    torchscript::ArchiveError,
    serde_json::Error,
    torchscript_interpreter::syntax::ParseError
);

/// Writes `text` to stdout; a closed pipe becomes [`Failure::ClosedPipe`].
pub fn print_out(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes `text` to stderr, ignoring a closed stderr.
pub fn print_err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
