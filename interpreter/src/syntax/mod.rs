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
//!
//! Pipeline: [`tokenize`] (hand-written: layout, names, keywords and operators by bytes; `nom`
//! for numbers) → recursive-descent [`parse_file`] / [`parse_expr`] → spanned [`ast`] →
//! [`print_file`] / [`print_expr`] (and [`sexpr`] for compact dumps).
//!
//! Grammar decisions:
//! - Expressions follow Python's grammar: `and` binds tighter than `or`, comparisons chain,
//!   `**` binds tighter than a unary minus on its left, unary `+` exists. TorchScript's C++
//!   parser differs on hand-written `and`/`or` mixes, `~` and chained comparisons; PyTorch's
//!   printer never writes those, and [`print_file`] parenthesizes so its output means the same
//!   under both grammars.
//! - A unary minus directly on a number literal is folded into the literal (as TorchScript
//!   does), so `-9223372036854775808` is `Int(i64::MIN)`; `-x` stays a `Unary`.
//! - `inf`, `nan` are names (PyTorch's spelling); `Ellipsis` parses as `...`; `NoneType` is a
//!   name. `# type:` comments are ignored like other comments.
//! - Beyond what TorchScript's parser takes (all of which is accepted): decorators, `import` /
//!   `from ... import`, `if` clauses in comprehensions, raw strings, `0o`/`0b` literals,
//!   `;`-separated statements. Not supported: `lambda`, generator expressions, `**kwargs`,
//!   f-strings and byte strings, `try`, `for`/`while ... else`, several `for` clauses in one
//!   comprehension.
//! - Limits: bracket/block nesting [`MAX_DEPTH`] (and [`STACK_BUDGET`] bytes of parser
//!   stack), expression tree depth [`MAX_TREE_DEPTH`]; beyond them parsing fails cleanly.

pub mod ast;
mod body_scan;
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
pub use parser::{
    parse_deferred_bodies, parse_deferred_body, parse_expr, parse_expr_in, parse_file,
    parse_file_outline, MAX_DEPTH, STACK_BUDGET,
};
pub use printer::{format_float, print_expr, print_file, print_stmts, quote_string};
pub(crate) use span::floor_char_boundary;
pub use span::{line_column, line_text, LineColumn, LineTable, Span};
pub use token::{Token, TokenKind, KEYWORDS, OPERATORS};
pub use visit::{clear_expr_spans, clear_spans};

/// Whether two files have the same statements, ignoring spans, paths and text.
pub fn same_code(a: &SourceFile, b: &SourceFile) -> bool {
    a.without_spans().body == b.without_spans().body
}
