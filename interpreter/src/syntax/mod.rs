//! TorchScript source language front end: lexer, spanned AST, parser and printer.
//!
//! The input is the Python-subset source PyTorch writes into an archive's `code/**/*.py`
//! (and anything else TorchScript's own lexer and parser accept):
//!
//! ```
//! use torchscript_interpreter::syntax;
//!
//! let file = syntax::parse_file("code/__torch__.py", "def f(x: int) -> int:\n  return -2**2\n")?;
//! assert_eq!(syntax::print_file(&file), "def f(x: int) -> int:\n    return -2 ** 2\n");
//! let ty = syntax::parse_expr("Optional[List[Tensor]]")?;
//! assert_eq!(syntax::print_expr(&ty), "Optional[List[Tensor]]");
//! # Ok::<(), syntax::ParseError>(())
//! ```

pub mod ast;
mod depth;
mod error;
mod lexer;
mod literal;
mod parser;
mod printer;
pub mod sexpr;
mod span;
mod token;
pub mod visit;

pub use ast::*;
pub use depth::{dismantle, expr_depth, MAX_TREE_DEPTH};
pub use error::ParseError;
pub use lexer::tokenize;
pub use parser::{parse_expr, parse_expr_in, parse_file, MAX_DEPTH, STACK_BUDGET};
pub use printer::{format_float, print_expr, print_file, print_stmts, quote_string};
pub use span::{line_column, line_text, LineColumn, Span};
pub use token::{Token, TokenKind};
pub use visit::{clear_expr_spans, clear_spans};

/// Whether two files have the same statements, ignoring spans, paths and text.
pub fn same_code(a: &SourceFile, b: &SourceFile) -> bool {
    a.without_spans().body == b.without_spans().body
}
