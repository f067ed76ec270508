//! The TorchScript language: syntax, values, classes and the evaluator.

pub mod syntax;
