//! The parser: tokens to the spanned AST, by hand-written recursive descent.
//!
//! Statements are parsed here (simple statements joined by `;`, compound statements with
//! indented or same-line bodies, decorators, imports); expressions in [`expr`] by recursive
//! descent for Python's grammar levels plus precedence climbing for the binary operators.
//! Nesting (brackets, unary chains, `**` chains, conditional-expression chains, blocks) is
//! capped at [`MAX_DEPTH`] levels so that hostile input returns an error instead of
//! overflowing the stack.

mod cursor;
mod expr;
mod stmt;

use std::sync::Arc;

use super::ast::{Expr, SourceFile};
use super::error::ParseError;
use super::lexer::tokenize;
use super::token::TokenKind;

use cursor::Parser;
pub use cursor::MAX_DEPTH;

/// Parses a whole source file; `path` is recorded in the result and in error messages.
pub fn parse_file(path: &str, text: &str) -> Result<SourceFile, ParseError> {
    let tokens = tokenize(path, text)?;
    let mut parser = Parser::new(path, text, tokens);
    let body = parser.parse_module()?;
    Ok(SourceFile {
        path: path.to_string(),
        text: Arc::from(text),
        body,
    })
}

/// Parses a single expression (a tuple if it contains top-level commas), e.g. the type string
/// `Optional[List[Tensor]]`. Surrounding whitespace and a trailing newline are allowed.
pub fn parse_expr(text: &str) -> Result<Expr, ParseError> {
    parse_expr_in("<expr>", text)
}

/// Like [`parse_expr`], naming `path` in error messages.
pub fn parse_expr_in(path: &str, text: &str) -> Result<Expr, ParseError> {
    let tokens = tokenize(path, text)?;
    let mut parser = Parser::new(path, text, tokens);
    if matches!(parser.peek().kind, TokenKind::Indent) {
        parser.advance();
    }
    let expr = parser.parse_testlist_star()?;
    parser.finish_expr()?;
    parser.expect_newline()?;
    while matches!(parser.peek().kind, TokenKind::Dedent) {
        parser.advance();
    }
    parser.expect_eof()?;
    Ok(expr)
}
