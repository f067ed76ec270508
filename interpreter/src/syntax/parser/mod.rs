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

use super::ast::{DeferredBody, Expr, SourceFile, Stmt};
use super::depth::{limit_expr_depth, limit_tree_depth, MAX_TREE_DEPTH};
use super::error::ParseError;
use super::lexer::{tokenize_deferred, tokenize_from, tokenize_outline};
use super::span::Span;
use super::token::{Token, TokenKind};

use cursor::{too_deep_message, Parser};
pub use cursor::{MAX_DEPTH, STACK_BUDGET};

/// Parses a whole source file; `path` is recorded in the result and in error messages.
pub fn parse_file(path: &str, text: &str) -> Result<SourceFile, ParseError> {
    parse_source(path, text, tokenize_deferred(path, text)?)
}

/// Parses a file's outline: everything but the bodies of `def`s whose body is an indented
/// block, which are kept as [`crate::syntax::FunctionDef::deferred`] ranges for
/// [`parse_deferred_body`]. Classes, their attributes and method signatures are complete.
/// Errors inside a deferred body are reported when it is parsed.
pub fn parse_file_outline(path: &str, text: &str) -> Result<SourceFile, ParseError> {
    parse_source(path, text, tokenize_outline(path, text)?)
}

/// Parses the deferred body of a `def` of the file `path` whose text is `text` (the text the
/// outline was parsed from): the statements a whole-file parse would have given, with the
/// same spans, or the error it would have reported.
pub fn parse_deferred_body(
    path: &str,
    text: &str,
    body: &DeferredBody,
) -> Result<Vec<Stmt>, ParseError> {
    let start = body.span.start as usize;
    let Some(clipped) = text.get(..body.span.end as usize) else {
        return Err(ParseError::new(
            path,
            text,
            body.span,
            "function body outside its file",
        ));
    };
    let (mut tokens, unclosed) = tokenize_from(path, clipped, start, body.indent)?;
    // The body's block starts after the `def` line's newline, as in a whole-file parse.
    let start_span = Span::new(body.span.start, body.span.start);
    tokens.insert(
        0,
        Token {
            kind: TokenKind::Newline,
            span: start_span,
        },
    );
    let mut parser = Parser::new(path, clipped, tokens);
    parser.set_depth(body.depth as usize);
    let parsed = parser.parse_block().and_then(|statements| {
        while matches!(parser.peek().kind, TokenKind::Dedent) {
            parser.advance();
        }
        parser.expect_eof()?;
        Ok(statements)
    });
    finish(path, clipped, parsed, unclosed, |statements| {
        limit_tree_depth(statements)
    })
}

/// Parses every deferred body of an outline in place: the result equals [`parse_file`]'s.
pub fn parse_deferred_bodies(file: &mut SourceFile) -> Result<(), ParseError> {
    fn expand(body: &mut [Stmt], path: &str, text: &str) -> Result<(), ParseError> {
        for stmt in body {
            if let super::ast::StmtKind::FunctionDef(def) = &mut stmt.kind {
                if let Some(deferred) = def.deferred.take() {
                    def.body = parse_deferred_body(path, text, &deferred)?;
                }
            }
            for block in stmt.blocks_mut() {
                expand(block, path, text)?;
            }
        }
        Ok(())
    }
    let text = file.text.clone();
    expand(&mut file.body, &file.path, &text)
}

fn parse_source(
    path: &str,
    text: &str,
    (tokens, unclosed): (Vec<Token>, Option<ParseError>),
) -> Result<SourceFile, ParseError> {
    let mut parser = Parser::new(path, text, tokens);
    let parsed = parser.parse_module();
    let body = finish(path, text, parsed, unclosed, |body| limit_tree_depth(body))?;
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
    let parsed = parse_whole_expr(&mut parser);
    finish(path, text, parsed, unclosed, limit_expr_depth)
}

/// The end of every parse: an unclosed bracket reported in preference to an error at the end
/// of input (or at all), then trees deeper than [`MAX_TREE_DEPTH`] (found by `too_deep`,
/// which returns the first one's span) rejected.
fn finish<T>(
    path: &str,
    text: &str,
    parsed: Result<T, ParseError>,
    unclosed: Option<ParseError>,
    too_deep: impl FnOnce(&mut T) -> Option<Span>,
) -> Result<T, ParseError> {
    let mut tree = parsed.map_err(|error| prefer_unclosed(error, &unclosed, text))?;
    if let Some(error) = unclosed {
        return Err(error);
    }
    match too_deep(&mut tree) {
        Some(span) => Err(ParseError::new(
            path,
            text,
            span,
            too_deep_message(MAX_TREE_DEPTH),
        )),
        None => Ok(tree),
    }
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
