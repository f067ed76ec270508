//! Statement parsing: simple statements (`;`-separated on one line) and compound statements.

use super::cursor::{PResult, Parser};
use crate::syntax::ast::{
    BinOp, ClassDef, DeferredBody, Expr, FunctionDef, Ident, Import, ImportAlias, Param, Stmt,
    StmtKind, WithItem,
};
use crate::syntax::token::TokenKind;

/// The augmented assignment operators and the binary operation each applies.
fn augmented_op(kind: &TokenKind) -> Option<BinOp> {
    let TokenKind::Op(op) = kind else {
        return None;
    };
    Some(match *op {
        "+=" => BinOp::Add,
        "-=" => BinOp::Sub,
        "*=" => BinOp::Mul,
        "/=" => BinOp::Div,
        "//=" => BinOp::FloorDiv,
        "%=" => BinOp::Mod,
        "**=" => BinOp::Pow,
        "@=" => BinOp::MatMul,
        "&=" => BinOp::BitAnd,
        "|=" => BinOp::BitOr,
        "^=" => BinOp::BitXor,
        "<<=" => BinOp::LShift,
        ">>=" => BinOp::RShift,
        _ => return None,
    })
}

impl Parser<'_> {
    /// All statements up to the end of the file.
    pub(in crate::syntax::parser) fn parse_module(&mut self) -> PResult<Vec<Stmt>> {
        let mut body = Vec::new();
        loop {
            match self.peek().kind {
                TokenKind::Eof => return Ok(body),
                TokenKind::Newline => {
                    self.advance();
                }
                _ => body.extend(self.parse_statement()?),
            }
        }
    }

    /// One line of simple statements, or one compound statement.
    fn parse_statement(&mut self) -> PResult<Vec<Stmt>> {
        let compound = match &self.peek().kind {
            TokenKind::Keyword("if") => Some(self.parse_if()?),
            TokenKind::Keyword("while") => Some(self.parse_while()?),
            TokenKind::Keyword("for") => Some(self.parse_for()?),
            TokenKind::Keyword("with") => Some(self.parse_with()?),
            TokenKind::Keyword("def" | "class") | TokenKind::Op("@") => {
                Some(self.parse_decorated()?)
            }
            TokenKind::Indent => return Err(self.error_at(self.peek().span, "unexpected indent")),
            TokenKind::Dedent => return Err(self.error_at(self.peek().span, "unexpected dedent")),
            _ => None,
        };
        match compound {
            Some(stmt) => Ok(vec![stmt]),
            None => self.parse_simple_line(),
        }
    }

    /// `small (';' small)* [';'] NEWLINE`
    fn parse_simple_line(&mut self) -> PResult<Vec<Stmt>> {
        let mut stmts = vec![self.parse_small_statement()?];
        while self.eat_op(";") {
            if matches!(self.peek().kind, TokenKind::Newline) {
                break;
            }
            stmts.push(self.parse_small_statement()?);
        }
        self.expect_newline()?;
        Ok(stmts)
    }

    /// The body after a `:`: an indented block, or simple statements on the same line.
    /// Consumes `Newline DeferredBody` (an outline parse's unlexed `def` body), if next.
    fn deferred_body(&mut self) -> Option<DeferredBody> {
        let TokenKind::DeferredBody { indent } = self.peek_at(1).kind else {
            return None;
        };
        if !matches!(self.peek().kind, TokenKind::Newline) {
            return None;
        }
        self.advance();
        let span = self.peek().span;
        self.advance();
        Some(DeferredBody {
            span,
            indent,
            depth: u32::try_from(self.depth()).unwrap_or(u32::MAX),
        })
    }

    pub(super) fn parse_block(&mut self) -> PResult<Vec<Stmt>> {
        if !matches!(self.peek().kind, TokenKind::Newline) {
            return self.parse_simple_line();
        }
        self.advance();
        if !matches!(self.peek().kind, TokenKind::Indent) {
            return Err(self.expected("an indented block"));
        }
        self.advance();
        self.nested(|p| {
            let mut body = Vec::new();
            while !matches!(p.peek().kind, TokenKind::Dedent | TokenKind::Eof) {
                body.extend(p.parse_statement()?);
            }
            if matches!(p.peek().kind, TokenKind::Dedent) {
                p.advance();
            }
            Ok(body)
        })
    }

    fn parse_small_statement(&mut self) -> PResult<Stmt> {
        let start = self.start();
        let kind = match self.peek().kind {
            TokenKind::Keyword("pass") => {
                self.advance();
                StmtKind::Pass
            }
            TokenKind::Keyword("break") => {
                self.advance();
                StmtKind::Break
            }
            TokenKind::Keyword("continue") => {
                self.advance();
                StmtKind::Continue
            }
            TokenKind::Keyword("return") => {
                self.advance();
                StmtKind::Return(self.parse_optional_value(Self::parse_testlist_star)?)
            }
            TokenKind::Keyword("raise") => {
                self.advance();
                StmtKind::Raise(self.parse_optional_value(Self::parse_test)?)
            }
            TokenKind::Keyword("assert") => {
                self.advance();
                let test = self.parse_test()?;
                let msg = if self.eat_op(",") {
                    Some(self.parse_test()?)
                } else {
                    None
                };
                StmtKind::Assert { test, msg }
            }
            TokenKind::Keyword("del") => {
                self.advance();
                StmtKind::Delete(self.parse_comma_list(Self::parse_test)?)
            }
            TokenKind::Keyword("global") => {
                self.advance();
                StmtKind::Global(self.parse_comma_list(Self::expect_name)?)
            }
            TokenKind::Keyword("import") => {
                self.advance();
                let names = self.parse_comma_list(Self::parse_import_alias)?;
                StmtKind::Import(Import { from: None, names })
            }
            TokenKind::Keyword("from") => StmtKind::Import(self.parse_from_import()?),
            _ => self.parse_expression_statement()?,
        };
        self.finish_expr()?;
        Ok(Stmt::new(kind, self.span_from(start)))
    }

    /// A value unless the line (or statement) ends here.
    fn parse_optional_value(
        &mut self,
        parse: fn(&mut Self) -> PResult<Expr>,
    ) -> PResult<Option<Expr>> {
        if matches!(self.peek().kind, TokenKind::Newline) || self.at_op(";") {
            Ok(None)
        } else {
            parse(self).map(Some)
        }
    }

    /// `item (',' item)*` (no trailing comma).
    fn parse_comma_list<T>(&mut self, item: fn(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        let mut items = vec![item(self)?];
        while self.eat_op(",") {
            items.push(item(self)?);
        }
        Ok(items)
    }

    fn parse_dotted_name(&mut self) -> PResult<String> {
        let mut name = self.expect_name()?.name;
        while self.eat_op(".") {
            name.push('.');
            name.push_str(&self.expect_name()?.name);
        }
        Ok(name)
    }

    fn parse_import_alias(&mut self) -> PResult<ImportAlias> {
        let name = self.parse_dotted_name()?;
        let asname = if self.eat_keyword("as") {
            Some(self.expect_name()?)
        } else {
            None
        };
        Ok(ImportAlias { name, asname })
    }

    /// `from [.]*module import (names | '(' names ')' | '*')`
    fn parse_from_import(&mut self) -> PResult<Import> {
        self.expect_keyword("from")?;
        let mut module = String::new();
        loop {
            if self.eat_op(".") {
                module.push('.');
            } else if self.eat_op("...") {
                module.push_str("...");
            } else {
                break;
            }
        }
        if !self.at_keyword("import") {
            module.push_str(&self.parse_dotted_name()?);
        }
        self.expect_keyword("import")?;
        let names = if self.eat_op("*") {
            vec![ImportAlias {
                name: "*".to_string(),
                asname: None,
            }]
        } else if self.eat_op("(") {
            let mut names = vec![self.parse_import_alias()?];
            while self.eat_op(",") && !self.at_op(")") {
                names.push(self.parse_import_alias()?);
            }
            self.expect_op(")")?;
            names
        } else {
            self.parse_comma_list(Self::parse_import_alias)?
        };
        Ok(Import {
            from: Some(module),
            names,
        })
    }

    /// Expression statement, assignment (possibly chained), annotated or augmented assignment.
    fn parse_expression_statement(&mut self) -> PResult<StmtKind> {
        let first = self.parse_testlist_star()?;
        if self.eat_op(":") {
            let annotation = self.parse_test()?;
            let value = if self.eat_op("=") {
                Some(self.parse_testlist_star()?)
            } else {
                None
            };
            return Ok(StmtKind::AnnAssign {
                target: first,
                annotation,
                value,
            });
        }
        if let Some(op) = augmented_op(&self.peek().kind) {
            self.advance();
            let value = self.parse_testlist_star()?;
            return Ok(StmtKind::AugAssign {
                target: first,
                op,
                value,
            });
        }
        if !self.at_op("=") {
            return Ok(StmtKind::Expr(first));
        }
        let mut targets = vec![first];
        let mut value = None;
        while self.eat_op("=") {
            if let Some(previous) = value.take() {
                targets.push(previous);
            }
            value = Some(self.parse_testlist_star()?);
        }
        match value {
            Some(value) => Ok(StmtKind::Assign { targets, value }),
            None => Err(self.expected("an expression")),
        }
    }

    fn parse_if(&mut self) -> PResult<Stmt> {
        let start = self.start();
        self.advance(); // `if` or `elif`
        let test = self.parse_test()?;
        self.finish_expr()?;
        self.expect_op(":")?;
        let body = self.parse_block()?;
        let orelse = if self.at_keyword("elif") {
            vec![self.nested(Self::parse_if)?]
        } else if self.eat_keyword("else") {
            self.expect_op(":")?;
            self.parse_block()?
        } else {
            Vec::new()
        };
        Ok(Stmt::new(
            StmtKind::If { test, body, orelse },
            self.span_from(start),
        ))
    }

    fn parse_while(&mut self) -> PResult<Stmt> {
        let start = self.start();
        self.expect_keyword("while")?;
        let test = self.parse_test()?;
        self.finish_expr()?;
        self.expect_op(":")?;
        let body = self.parse_block()?;
        if self.at_keyword("else") {
            return Err(self.error_at(self.peek().span, "'while ... else' is not supported"));
        }
        Ok(Stmt::new(
            StmtKind::While { test, body },
            self.span_from(start),
        ))
    }

    fn parse_for(&mut self) -> PResult<Stmt> {
        let start = self.start();
        self.expect_keyword("for")?;
        let target = self.parse_target_list()?;
        self.expect_keyword("in")?;
        let iter = self.parse_testlist_star()?;
        self.finish_expr()?;
        self.expect_op(":")?;
        let body = self.parse_block()?;
        if self.at_keyword("else") {
            return Err(self.error_at(self.peek().span, "'for ... else' is not supported"));
        }
        Ok(Stmt::new(
            StmtKind::For { target, iter, body },
            self.span_from(start),
        ))
    }

    fn parse_with(&mut self) -> PResult<Stmt> {
        let start = self.start();
        self.expect_keyword("with")?;
        let items = self.parse_comma_list(|p| {
            let context = p.parse_test()?;
            let target = if p.eat_keyword("as") {
                Some(p.parse_bitor()?)
            } else {
                None
            };
            Ok(WithItem { context, target })
        })?;
        self.finish_expr()?;
        self.expect_op(":")?;
        let body = self.parse_block()?;
        Ok(Stmt::new(
            StmtKind::With { items, body },
            self.span_from(start),
        ))
    }

    /// `@decorator NEWLINE`* then `def` or `class`.
    fn parse_decorated(&mut self) -> PResult<Stmt> {
        let start = self.start();
        let mut decorators = Vec::new();
        while self.eat_op("@") {
            decorators.push(self.parse_test()?);
            self.finish_expr()?;
            self.expect_newline()?;
        }
        let kind = if self.at_keyword("class") {
            StmtKind::ClassDef(self.parse_class(decorators)?)
        } else if self.at_keyword("def") {
            StmtKind::FunctionDef(self.parse_function(decorators)?)
        } else {
            return Err(self.expected("'def' or 'class'"));
        };
        Ok(Stmt::new(kind, self.span_from(start)))
    }

    fn parse_function(&mut self, decorators: Vec<Expr>) -> PResult<FunctionDef> {
        self.expect_keyword("def")?;
        let name = self.expect_name()?;
        self.expect_op("(")?;
        let mut params = Vec::new();
        let mut kw_only = false;
        while !self.at_op(")") {
            if !kw_only && self.eat_op("*") {
                kw_only = true;
            } else {
                params.push(self.parse_param(kw_only)?);
            }
            if !self.eat_op(",") {
                break;
            }
        }
        self.expect_op(")")?;
        let returns = if self.eat_op("->") {
            Some(self.parse_test()?)
        } else {
            None
        };
        self.finish_expr()?;
        self.expect_op(":")?;
        let (body, deferred) = match self.deferred_body() {
            Some(deferred) => (Vec::new(), Some(deferred)),
            None => (self.parse_block()?, None),
        };
        Ok(FunctionDef {
            name,
            params,
            returns,
            body,
            decorators,
            deferred,
        })
    }

    fn parse_param(&mut self, kw_only: bool) -> PResult<Param> {
        let name: Ident = self.expect_name()?;
        let annotation = if self.eat_op(":") {
            Some(self.parse_test()?)
        } else {
            None
        };
        let default = if self.eat_op("=") {
            Some(self.parse_test()?)
        } else {
            None
        };
        Ok(Param {
            name,
            annotation,
            default,
            kw_only,
        })
    }

    fn parse_class(&mut self, decorators: Vec<Expr>) -> PResult<ClassDef> {
        self.expect_keyword("class")?;
        let name = self.expect_name()?;
        let mut bases = Vec::new();
        if self.eat_op("(") {
            while !self.at_op(")") {
                bases.push(self.parse_test()?);
                if !self.eat_op(",") {
                    break;
                }
            }
            self.expect_op(")")?;
        }
        self.finish_expr()?;
        self.expect_op(":")?;
        let body = self.parse_block()?;
        Ok(ClassDef {
            name,
            bases,
            body,
            decorators,
        })
    }
}
