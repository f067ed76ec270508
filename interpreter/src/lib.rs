//! The TorchScript language: syntax, values, classes and the evaluator.

// Model code is untrusted input: nothing derived from it may panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

pub mod bind;
pub mod builtins;
pub mod class;
mod code_files;
pub mod error;
pub mod eval;
pub mod ir;
pub mod limits;
pub mod lower;
pub mod op_errors;
pub mod op_profile;
pub mod origin;
pub mod out_variants;
pub mod program;
pub mod syntax;
pub mod traceback;
pub mod types;
pub mod upgraders;
pub mod value;

pub use class::{ClassDefinition, ClassKind, ClassType, Object};
pub use error::{Error, ErrorKind, Result, StackFrame};
pub use eval::Interpreter;
pub use origin::{Origin, OriginEntry, OriginMap};
pub use program::{Program, SourceProvider};
pub use types::Type;
pub use value::{DictRef, InternalValue, ListRef, TupleRef, Value};
