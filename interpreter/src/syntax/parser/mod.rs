//! The parser: tokens to the spanned AST, by hand-written recursive descent.
//!
//! Statements are parsed here (simple statements joined by `;`, compound statements with
//! indented or same-line bodies, decorators, imports); expressions in [`expr`] by recursive
//! descent for Python's grammar levels plus precedence climbing for the binary operators.
//! Nesting (brackets, unary chains, `**` chains, conditional-expression chains, blocks) is
//! capped at [`MAX_DEPTH`] levels (and [`STACK_BUDGET`] bytes of stack) so that hostile input
//! returns an error instead of overflowing the stack; expression trees built by loops (operator
//! and trailer chains) are capped at [`super::MAX_TREE_DEPTH`] levels.

mod cursor;
mod expr;
mod stmt;

use std::sync::Arc;

use super::ast::{Expr, SourceFile};
use super::depth::{limit_expr_depth, limit_tree_depth, MAX_TREE_DEPTH};
use super::error::ParseError;
use super::lexer::tokenize_deferred;
use super::token::TokenKind;

use cursor::{too_deep_message, Parser};
pub use cursor::{MAX_DEPTH, STACK_BUDGET};

/// Parses a whole source file; `path` is recorded in the result and in error messages.
pub fn parse_file(path: &str, text: &str) -> Result<SourceFile, ParseError> {
    let (tokens, unclosed) = tokenize_deferred(path, text)?;
    let mut parser = Parser::new(path, text, tokens);
    let mut body = parser
        .parse_module()
        .map_err(|error| prefer_unclosed(error, &unclosed, text))?;
    if let Some(error) = unclosed {
        return Err(error);
    }
    if let Some(span) = limit_tree_depth(&mut body) {
        return Err(ParseError::new(
            path,
            text,
            span,
            too_deep_message(MAX_TREE_DEPTH),
        ));
    }
    Ok(SourceFile {
        path: path.to_string(),
        text: Arc::from(text),
        body,
        lines: super::span::LineTable::new(text),
    })
}

/// Parses a single expression (a tuple if it contains top-level commas), e.g. the type string
/// `Optional[List[Tensor]]`. Surrounding whitespace and a trailing newline are allowed.
pub fn parse_expr(text: &str) -> Result<Expr, ParseError> {
    parse_expr_in("<expr>", text)
}

/// Like [`parse_expr`], naming `path` in error messages.
pub fn parse_expr_in(path: &str, text: &str) -> Result<Expr, ParseError> {
    let (tokens, unclosed) = tokenize_deferred(path, text)?;
    let mut parser = Parser::new(path, text, tokens);
    let mut expr =
        parse_whole_expr(&mut parser).map_err(|error| prefer_unclosed(error, &unclosed, text))?;
    if let Some(error) = unclosed {
        return Err(error);
    }
    if let Some(span) = limit_expr_depth(&mut expr) {
        return Err(ParseError::new(
            path,
            text,
            span,
            too_deep_message(MAX_TREE_DEPTH),
        ));
    }
    Ok(expr)
}

fn parse_whole_expr(parser: &mut Parser<'_>) -> Result<Expr, ParseError> {
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

/// An error at the very end of the input caused by an unclosed bracket is better reported
/// at the bracket.
fn prefer_unclosed(error: ParseError, unclosed: &Option<ParseError>, text: &str) -> ParseError {
    match unclosed {
        Some(unclosed) if error.span.start as usize >= text.len() => unclosed.clone(),
        _ => error,
    }
}
