//! The parser's token cursor: lookahead, expectations, error construction and depth limits.

use crate::syntax::ast::{Expr, Ident};
use crate::syntax::depth::{expr_depth, MAX_TREE_DEPTH};
use crate::syntax::error::ParseError;
use crate::syntax::span::Span;
use crate::syntax::token::{Token, TokenKind};

/// The deepest nesting of expressions and blocks accepted (CPython's limit for brackets).
pub const MAX_DEPTH: usize = 200;

/// The most stack the parser's recursion may use, measured from where parsing started.
/// Optimized builds reach [`MAX_DEPTH`] well within it; unoptimized builds, whose frames are
/// several times larger, stop earlier with the same error instead of overflowing a 2 MiB
/// thread stack.
pub const STACK_BUDGET: usize = 1 << 20;

/// An address on the current stack (of a local), to measure how much stack is in use.
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(std::ptr::addr_of!(marker)) as usize
}

pub(super) type PResult<T> = Result<T, ParseError>;

/// Parser state over the token list of one file.
pub(super) struct Parser<'a> {
    path: &'a str,
    text: &'a str,
    tokens: Vec<Token>,
    eof: Token,
    pos: usize,
    depth: usize,
    /// [`stack_position`] when the parser was created.
    stack_base: usize,
    /// End offset of the most recently consumed token other than layout tokens, so spans end
    /// at the last real token of a statement or block.
    prev_end: u32,
    /// Span of an integer literal `9223372036854775808` not yet negated (valid only under `-`).
    pub(super) pending_min_int: Option<Span>,
}

impl<'a> Parser<'a> {
    pub(super) fn new(path: &'a str, text: &'a str, tokens: Vec<Token>) -> Self {
        let end = u32::try_from(text.len()).unwrap_or(u32::MAX);
        Parser {
            path,
            text,
            tokens,
            eof: Token {
                kind: TokenKind::Eof,
                span: Span::new(end, end),
            },
            pos: 0,
            depth: 0,
            stack_base: stack_position(),
            prev_end: 0,
            pending_min_int: None,
        }
    }

    pub(super) fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    pub(super) fn peek_at(&self, ahead: usize) -> &Token {
        self.pos
            .checked_add(ahead)
            .and_then(|i| self.tokens.get(i))
            .unwrap_or(&self.eof)
    }

    /// Consumes the current token and returns its span (`Eof` stays put).
    pub(super) fn advance(&mut self) -> Span {
        let token = self.peek();
        let span = token.span;
        let layout = matches!(
            token.kind,
            TokenKind::Newline | TokenKind::Indent | TokenKind::Dedent | TokenKind::Eof
        );
        if self.pos < self.tokens.len() {
            self.pos = self.pos.saturating_add(1);
        }
        if !layout {
            self.prev_end = span.end;
        }
        span
    }

    /// Consumes the current token, moving out its text if it is a name or a string (the
    /// parser never reads a consumed token's text again); empty for other tokens.
    pub(super) fn advance_taking_text(&mut self) -> (Span, String) {
        let text = match self.tokens.get_mut(self.pos).map(|t| &mut t.kind) {
            Some(TokenKind::Name(text) | TokenKind::Str(text)) => std::mem::take(text),
            _ => String::new(),
        };
        (self.advance(), text)
    }

    /// The start offset of the current token.
    pub(super) fn start(&self) -> u32 {
        self.peek().span.start
    }

    /// A span from `start` to the end of the last consumed token.
    pub(super) fn span_from(&self, start: u32) -> Span {
        Span::new(start, self.prev_end.max(start))
    }

    pub(super) fn at_op(&self, op: &str) -> bool {
        self.peek().is_op(op)
    }

    pub(super) fn at_keyword(&self, keyword: &str) -> bool {
        self.peek().is_keyword(keyword)
    }

    pub(super) fn eat_op(&mut self, op: &str) -> bool {
        let found = self.at_op(op);
        if found {
            self.advance();
        }
        found
    }

    pub(super) fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.advance();
        }
        found
    }

    pub(super) fn expect_op(&mut self, op: &str) -> PResult<Span> {
        if self.at_op(op) {
            Ok(self.advance())
        } else {
            Err(self.expected(&format!("'{op}'")))
        }
    }

    pub(super) fn expect_keyword(&mut self, keyword: &str) -> PResult<Span> {
        if self.at_keyword(keyword) {
            Ok(self.advance())
        } else {
            Err(self.expected(&format!("'{keyword}'")))
        }
    }

    pub(super) fn expect_name(&mut self) -> PResult<Ident> {
        match &self.peek().kind {
            TokenKind::Name(_) => {
                let (span, name) = self.advance_taking_text();
                Ok(Ident::new(name, span))
            }
            _ => Err(self.expected("a name")),
        }
    }

    pub(super) fn expect_newline(&mut self) -> PResult<()> {
        if matches!(self.peek().kind, TokenKind::Newline) {
            self.advance();
            Ok(())
        } else {
            Err(self.expected("newline"))
        }
    }

    pub(super) fn expect_eof(&mut self) -> PResult<()> {
        if matches!(self.peek().kind, TokenKind::Eof) {
            Ok(())
        } else {
            Err(self.expected("end of file"))
        }
    }

    /// `expected WHAT found 'TOKEN'` at the current token.
    pub(super) fn expected(&self, what: &str) -> ParseError {
        let token = self.peek();
        let message = match token.kind {
            TokenKind::Indent => format!("unexpected indent (expected {what})"),
            _ => format!("expected {what} found {}", token.describe(self.text)),
        };
        self.error_at(token.span, message)
    }

    pub(super) fn error_at(&self, span: Span, message: impl Into<String>) -> ParseError {
        ParseError::new(self.path, self.text, span, message)
    }

    /// Enters one nesting level; fails past [`MAX_DEPTH`] (or [`STACK_BUDGET`]). Pair with [`Parser::leave`].
    /// The current bracket/block nesting depth.
    pub(super) fn depth(&self) -> usize {
        self.depth
    }

    /// Starts counting nesting at `depth` (a deferred body is parsed at its `def`'s depth).
    pub(super) fn set_depth(&mut self, depth: usize) {
        self.depth = depth;
    }

    pub(super) fn enter(&mut self) -> PResult<()> {
        if self.depth >= MAX_DEPTH || stack_position().abs_diff(self.stack_base) > STACK_BUDGET {
            return Err(self.error_at(self.peek().span, too_deep_message(MAX_DEPTH)));
        }
        self.depth = self.depth.saturating_add(1);
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Runs `parse` one nesting level deeper.
    pub(super) fn nested<T>(&mut self, parse: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        self.enter()?;
        let result = parse(self);
        self.leave();
        result
    }

    /// Tracks the tree depth of a node built in a loop (operator chains, trailers): `depth`
    /// is the depth of `base` (measured on first use); the new node wraps `base` and
    /// `new_children`. Fails past [`MAX_TREE_DEPTH`] so no over-deep tree is ever built.
    pub(super) fn grow_depth(
        &self,
        depth: &mut Option<usize>,
        base: &Expr,
        new_children: &[&Expr],
    ) -> PResult<()> {
        let base_depth = depth.unwrap_or_else(|| expr_depth(base));
        let children = new_children
            .iter()
            .map(|c| expr_depth(c))
            .max()
            .unwrap_or(0);
        let grown = base_depth.max(children).saturating_add(1);
        if grown > MAX_TREE_DEPTH {
            return Err(self.error_at(base.span, too_deep_message(MAX_TREE_DEPTH)));
        }
        *depth = Some(grown);
        Ok(())
    }

    /// Fails if an integer literal too large for 64 bits was not negated.
    pub(super) fn finish_expr(&mut self) -> PResult<()> {
        match self.pending_min_int.take() {
            Some(span) => Err(self.error_at(span, "integer literal is too large for 64 bits")),
            None => Ok(()),
        }
    }
}

/// The message for input nested past a limit.
pub(crate) fn too_deep_message(limit: usize) -> String {
    format!("too deeply nested (more than {limit} levels)")
}
