//! Expression parsing: Python's precedence levels, precedence climbing for binary operators.
//!
//! From loosest to tightest: conditional expression, `or`, `and`, `not`, comparisons (chained,
//! incl. `in`/`not in`/`is`/`is not`), `|`, `^`, `&`, shifts, `+ -`, `* @ / // %`, unary
//! `- + ~`, `**` (right-associative, and tighter than a unary minus on its left), then
//! primaries (attribute, call, subscript) and atoms.

use super::cursor::{PResult, Parser};
use crate::syntax::ast::{
    BinOp, BoolOp, CmpOp, Comprehension, Expr, ExprKind, FloatLit, Keyword, UnaryOp,
};
use crate::syntax::span::Span;
use crate::syntax::token::TokenKind;

/// Binary operators handled by precedence climbing, with their precedence (higher binds
/// tighter).
fn binary_op(kind: &TokenKind) -> Option<(BinOp, u8)> {
    let TokenKind::Op(op) = kind else {
        return None;
    };
    Some(match *op {
        "|" => (BinOp::BitOr, 1),
        "^" => (BinOp::BitXor, 2),
        "&" => (BinOp::BitAnd, 3),
        "<<" => (BinOp::LShift, 4),
        ">>" => (BinOp::RShift, 4),
        "+" => (BinOp::Add, 5),
        "-" => (BinOp::Sub, 5),
        "*" => (BinOp::Mul, 6),
        "@" => (BinOp::MatMul, 6),
        "/" => (BinOp::Div, 6),
        "//" => (BinOp::FloorDiv, 6),
        "%" => (BinOp::Mod, 6),
        _ => return None,
    })
}

fn boxed(expr: Expr) -> Box<Expr> {
    Box::new(expr)
}

impl Parser<'_> {
    /// `test (',' test)* [',']`, a `Tuple` when there is a comma; elements may be starred.
    pub(in crate::syntax::parser) fn parse_testlist_star(&mut self) -> PResult<Expr> {
        self.parse_sequence(Self::parse_star_or_test)
    }

    /// A comma-separated target list for `for` and comprehensions (stops before `in`).
    pub(in crate::syntax::parser) fn parse_target_list(&mut self) -> PResult<Expr> {
        self.parse_sequence(Self::parse_star_or_bitor)
    }

    fn parse_sequence(&mut self, element: fn(&mut Self) -> PResult<Expr>) -> PResult<Expr> {
        let start = self.start();
        let first = element(self)?;
        if !self.at_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if !self.starts_expression() {
                break;
            }
            items.push(element(self)?);
        }
        Ok(Expr::new(ExprKind::Tuple(items), self.span_from(start)))
    }

    /// Whether the current token can begin an expression.
    fn starts_expression(&self) -> bool {
        match &self.peek().kind {
            TokenKind::Name(_)
            | TokenKind::Int(_)
            | TokenKind::Float(_)
            | TokenKind::Imag(_)
            | TokenKind::Str(_) => true,
            TokenKind::Keyword(k) => matches!(*k, "True" | "False" | "None" | "not"),
            TokenKind::Op(op) => matches!(*op, "(" | "[" | "{" | "-" | "+" | "~" | "*" | "..."),
            _ => false,
        }
    }

    fn parse_star_or_test(&mut self) -> PResult<Expr> {
        if self.at_op("*") {
            return self.parse_starred();
        }
        self.parse_test()
    }

    fn parse_star_or_bitor(&mut self) -> PResult<Expr> {
        if self.at_op("*") {
            return self.parse_starred();
        }
        self.parse_bitor()
    }

    fn parse_starred(&mut self) -> PResult<Expr> {
        let start = self.start();
        self.expect_op("*")?;
        let value = self.nested(Self::parse_bitor)?;
        Ok(Expr::new(
            ExprKind::Starred(boxed(value)),
            self.span_from(start),
        ))
    }

    /// A full expression: `body if test else orelse` or anything tighter.
    pub(in crate::syntax::parser) fn parse_test(&mut self) -> PResult<Expr> {
        self.nested(|p| {
            let start = p.start();
            let body = p.parse_or()?;
            if !p.eat_keyword("if") {
                return Ok(body);
            }
            let test = p.parse_or()?;
            p.expect_keyword("else")?;
            let orelse = p.parse_test()?;
            Ok(Expr::new(
                ExprKind::IfExp {
                    test: boxed(test),
                    body: boxed(body),
                    orelse: boxed(orelse),
                },
                p.span_from(start),
            ))
        })
    }

    fn parse_or(&mut self) -> PResult<Expr> {
        self.parse_bool_op(BoolOp::Or, Self::parse_and)
    }

    fn parse_and(&mut self) -> PResult<Expr> {
        self.parse_bool_op(BoolOp::And, Self::parse_not)
    }

    fn parse_bool_op(
        &mut self,
        op: BoolOp,
        operand: fn(&mut Self) -> PResult<Expr>,
    ) -> PResult<Expr> {
        let start = self.start();
        let first = operand(self)?;
        if !self.at_keyword(op.symbol()) {
            return Ok(first);
        }
        let mut values = vec![first];
        while self.eat_keyword(op.symbol()) {
            values.push(operand(self)?);
        }
        Ok(Expr::new(
            ExprKind::BoolOp { op, values },
            self.span_from(start),
        ))
    }

    fn parse_not(&mut self) -> PResult<Expr> {
        if !self.at_keyword("not") {
            return self.parse_comparison();
        }
        let start = self.start();
        self.advance();
        let operand = self.nested(Self::parse_not)?;
        Ok(Expr::new(
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand: boxed(operand),
            },
            self.span_from(start),
        ))
    }

    fn comparison_op(&self) -> Option<(CmpOp, usize)> {
        let token = self.peek();
        Some(match &token.kind {
            TokenKind::Op("==") => (CmpOp::Eq, 1),
            TokenKind::Op("!=") => (CmpOp::NotEq, 1),
            TokenKind::Op("<") => (CmpOp::Lt, 1),
            TokenKind::Op("<=") => (CmpOp::LtE, 1),
            TokenKind::Op(">") => (CmpOp::Gt, 1),
            TokenKind::Op(">=") => (CmpOp::GtE, 1),
            TokenKind::Keyword("in") => (CmpOp::In, 1),
            TokenKind::Keyword("not") if self.peek_at(1).is_keyword("in") => (CmpOp::NotIn, 2),
            TokenKind::Keyword("is") if self.peek_at(1).is_keyword("not") => (CmpOp::IsNot, 2),
            TokenKind::Keyword("is") => (CmpOp::Is, 1),
            _ => return None,
        })
    }

    fn parse_comparison(&mut self) -> PResult<Expr> {
        let start = self.start();
        let left = self.parse_bitor()?;
        let mut ops = Vec::new();
        while let Some((op, tokens)) = self.comparison_op() {
            for _ in 0..tokens {
                self.advance();
            }
            ops.push((op, self.parse_bitor()?));
        }
        if ops.is_empty() {
            return Ok(left);
        }
        Ok(Expr::new(
            ExprKind::Compare {
                left: boxed(left),
                ops,
            },
            self.span_from(start),
        ))
    }

    /// `|` and everything tighter (the level of `for` targets).
    pub(in crate::syntax::parser) fn parse_bitor(&mut self) -> PResult<Expr> {
        self.parse_binary(1)
    }

    /// Precedence climbing over [`binary_op`]: operators of precedence `>= min_prec`.
    fn parse_binary(&mut self, min_prec: u8) -> PResult<Expr> {
        let start = self.start();
        let mut left = self.parse_unary()?;
        let mut depth = None;
        while let Some((op, prec)) = binary_op(&self.peek().kind) {
            if prec < min_prec {
                break;
            }
            self.advance();
            let right = self.parse_binary(prec.saturating_add(1))?;
            self.grow_depth(&mut depth, &left, &[&right])?;
            left = Expr::new(
                ExprKind::Binary {
                    op,
                    left: boxed(left),
                    right: boxed(right),
                },
                self.span_from(start),
            );
        }
        Ok(left)
    }

    /// Unary `-`, `+`, `~`; a minus directly on a number literal is folded into it.
    fn parse_unary(&mut self) -> PResult<Expr> {
        let op = match self.peek().kind {
            TokenKind::Op("-") => UnaryOp::Neg,
            TokenKind::Op("+") => UnaryOp::Pos,
            TokenKind::Op("~") => UnaryOp::Invert,
            _ => return self.parse_power(),
        };
        let start = self.start();
        self.advance();
        let operand = self.nested(Self::parse_unary)?;
        let span = self.span_from(start);
        if op == UnaryOp::Neg {
            if let Some(folded) = self.fold_negation(&operand, span) {
                return Ok(folded);
            }
        }
        Ok(Expr::new(
            ExprKind::Unary {
                op,
                operand: boxed(operand),
            },
            span,
        ))
    }

    fn fold_negation(&mut self, operand: &Expr, span: Span) -> Option<Expr> {
        let kind = match operand.kind {
            ExprKind::Int(i64::MIN) if self.pending_min_int == Some(operand.span) => {
                self.pending_min_int = None;
                ExprKind::Int(i64::MIN)
            }
            ExprKind::Int(value) => ExprKind::Int(value.checked_neg()?),
            ExprKind::Float(FloatLit(value)) => ExprKind::Float(FloatLit(-value)),
            ExprKind::Imag(FloatLit(value)) => ExprKind::Imag(FloatLit(-value)),
            _ => return None,
        };
        Some(Expr::new(kind, span))
    }

    fn parse_power(&mut self) -> PResult<Expr> {
        let start = self.start();
        let base = self.parse_primary()?;
        if !self.eat_op("**") {
            return Ok(base);
        }
        let exponent = self.nested(Self::parse_unary)?;
        Ok(Expr::new(
            ExprKind::Binary {
                op: BinOp::Pow,
                left: boxed(base),
                right: boxed(exponent),
            },
            self.span_from(start),
        ))
    }

    /// An atom followed by any number of `.name`, `(args)` and `[index]` trailers.
    fn parse_primary(&mut self) -> PResult<Expr> {
        let start = self.start();
        let mut expr = self.parse_atom()?;
        let mut depth = None;
        loop {
            if self.eat_op(".") {
                let attr = self.expect_name()?;
                self.grow_depth(&mut depth, &expr, &[])?;
                expr = Expr::new(
                    ExprKind::Attribute {
                        value: boxed(expr),
                        attr,
                    },
                    self.span_from(start),
                );
            } else if self.at_op("(") {
                let (args, keywords) = self.parse_call_arguments()?;
                let children: Vec<&Expr> = args
                    .iter()
                    .chain(keywords.iter().map(|k| &k.value))
                    .collect();
                self.grow_depth(&mut depth, &expr, &children)?;
                expr = Expr::new(
                    ExprKind::Call {
                        func: boxed(expr),
                        args,
                        keywords,
                    },
                    self.span_from(start),
                );
            } else if self.at_op("[") {
                let index = self.parse_subscript_index()?;
                self.grow_depth(&mut depth, &expr, &[&index])?;
                expr = Expr::new(
                    ExprKind::Subscript {
                        value: boxed(expr),
                        index: boxed(index),
                    },
                    self.span_from(start),
                );
            } else {
                return Ok(expr);
            }
        }
    }

    fn parse_call_arguments(&mut self) -> PResult<(Vec<Expr>, Vec<Keyword>)> {
        self.expect_op("(")?;
        let mut args = Vec::new();
        let mut keywords = Vec::new();
        while !self.at_op(")") {
            let is_keyword =
                matches!(self.peek().kind, TokenKind::Name(_)) && self.peek_at(1).is_op("=");
            if is_keyword {
                let name = self.expect_name()?;
                self.expect_op("=")?;
                let value = self.parse_test()?;
                keywords.push(Keyword { name, value });
            } else if self.at_op("**") {
                return Err(self.error_at(self.peek().span, "'**' arguments are not supported"));
            } else {
                args.push(self.parse_star_or_test()?);
            }
            if !self.eat_op(",") {
                break;
            }
        }
        self.expect_op(")")?;

        Ok((args, keywords))
    }

    /// `[item, ...]` after a primary: one item, or a `Tuple` of items if there is a comma.
    fn parse_subscript_index(&mut self) -> PResult<Expr> {
        self.expect_op("[")?;
        let start = self.start();
        let first = self.parse_subscript_item()?;
        let index = if self.at_op(",") {
            let mut items = vec![first];
            while self.eat_op(",") {
                if self.at_op("]") {
                    break;
                }
                items.push(self.parse_subscript_item()?);
            }
            Expr::new(ExprKind::Tuple(items), self.span_from(start))
        } else {
            first
        };
        self.expect_op("]")?;
        Ok(index)
    }

    fn parse_subscript_item(&mut self) -> PResult<Expr> {
        let start = self.start();
        let lower = if self.at_op(":") {
            None
        } else {
            let expr = self.parse_star_or_test()?;
            if !self.at_op(":") {
                return Ok(expr);
            }
            Some(boxed(expr))
        };
        self.expect_op(":")?;
        let ends_part = |p: &Self| p.at_op(":") || p.at_op(",") || p.at_op("]");
        let upper = if ends_part(self) {
            None
        } else {
            Some(boxed(self.parse_test()?))
        };
        let mut step = None;
        if self.eat_op(":") && !(self.at_op(",") || self.at_op("]")) {
            step = Some(boxed(self.parse_test()?));
        }
        Ok(Expr::new(
            ExprKind::Slice { lower, upper, step },
            self.span_from(start),
        ))
    }

    fn parse_atom(&mut self) -> PResult<Expr> {
        let token = self.peek();
        let span = token.span;
        let simple = match &token.kind {
            // TorchScript's lexer makes `Ellipsis` a keyword meaning `...`.
            TokenKind::Name(name) if name == "Ellipsis" => Some(ExprKind::Ellipsis),
            TokenKind::Name(_) => {
                let (span, name) = self.advance_taking_text();
                return Ok(Expr::new(ExprKind::Name(name), span));
            }
            TokenKind::Keyword("True") => Some(ExprKind::Bool(true)),
            TokenKind::Keyword("False") => Some(ExprKind::Bool(false)),
            TokenKind::Keyword("None") => Some(ExprKind::None),
            TokenKind::Op("...") => Some(ExprKind::Ellipsis),
            TokenKind::Float(value) => Some(ExprKind::Float(FloatLit(*value))),
            TokenKind::Imag(value) => Some(ExprKind::Imag(FloatLit(*value))),
            TokenKind::Int(value) => Some(match i64::try_from(*value) {
                Ok(value) => ExprKind::Int(value),
                Err(_) if *value == i64::MIN.unsigned_abs() && self.pending_min_int.is_none() => {
                    self.pending_min_int = Some(span);
                    ExprKind::Int(i64::MIN)
                }
                Err(_) => {
                    return Err(self.error_at(span, "integer literal is too large for 64 bits"))
                }
            }),
            TokenKind::Str(_) => return Ok(self.parse_strings()),
            TokenKind::Op("(") => return self.parse_parenthesized(),
            TokenKind::Op("[") => return self.parse_list_display(),
            TokenKind::Op("{") => return self.parse_dict_display(),
            _ => None,
        };
        match simple {
            Some(kind) => {
                self.advance();
                Ok(Expr::new(kind, span))
            }
            None => Err(self.expected("an expression")),
        }
    }

    /// Adjacent string literals, concatenated.
    fn parse_strings(&mut self) -> Expr {
        let start = self.start();
        let mut value = String::new();
        while let TokenKind::Str(_) = &self.peek().kind {
            let (_, part) = self.advance_taking_text();
            if value.is_empty() {
                value = part;
            } else {
                value.push_str(&part);
            }
        }
        Expr::new(ExprKind::Str(value), self.span_from(start))
    }

    fn parse_parenthesized(&mut self) -> PResult<Expr> {
        let start = self.start();
        self.expect_op("(")?;
        if self.eat_op(")") {
            return Ok(Expr::new(
                ExprKind::Tuple(Vec::new()),
                self.span_from(start),
            ));
        }
        let first = self.parse_star_or_test()?;
        if self.at_keyword("for") {
            return Err(self.error_at(self.peek().span, "generator expressions are not supported"));
        }
        let expr = if self.at_op(",") {
            let mut items = vec![first];
            while self.eat_op(",") {
                if self.at_op(")") {
                    break;
                }
                items.push(self.parse_star_or_test()?);
            }
            self.expect_op(")")?;
            Expr::new(ExprKind::Tuple(items), self.span_from(start))
        } else {
            self.expect_op(")")?;
            first
        };
        Ok(expr)
    }

    fn parse_list_display(&mut self) -> PResult<Expr> {
        let start = self.start();
        self.expect_op("[")?;
        let mut items = Vec::new();
        while !self.at_op("]") {
            let item = self.parse_star_or_test()?;
            if items.is_empty() && self.at_keyword("for") {
                let clause = self.parse_comprehension_clause()?;
                self.expect_op("]")?;
                return Ok(Expr::new(
                    ExprKind::ListComp {
                        elt: boxed(item),
                        clause,
                    },
                    self.span_from(start),
                ));
            }
            items.push(item);
            if !self.eat_op(",") {
                break;
            }
        }
        self.expect_op("]")?;
        Ok(Expr::new(ExprKind::List(items), self.span_from(start)))
    }

    fn parse_dict_display(&mut self) -> PResult<Expr> {
        let start = self.start();
        self.expect_op("{")?;
        let mut entries = Vec::new();
        while !self.at_op("}") {
            let key = self.parse_test()?;
            self.expect_op(":")?;
            let value = self.parse_test()?;
            if entries.is_empty() && self.at_keyword("for") {
                let clause = self.parse_comprehension_clause()?;
                self.expect_op("}")?;
                return Ok(Expr::new(
                    ExprKind::DictComp {
                        key: boxed(key),
                        value: boxed(value),
                        clause,
                    },
                    self.span_from(start),
                ));
            }
            entries.push((key, value));
            if !self.eat_op(",") {
                break;
            }
        }
        self.expect_op("}")?;
        Ok(Expr::new(ExprKind::Dict(entries), self.span_from(start)))
    }

    /// `for target in iter [if cond]*` (a single `for` clause, as TorchScript allows).
    fn parse_comprehension_clause(&mut self) -> PResult<Comprehension> {
        self.expect_keyword("for")?;
        let target = self.parse_target_list()?;
        self.expect_keyword("in")?;
        let iter = self.parse_or()?;
        let mut conds = Vec::new();
        while self.eat_keyword("if") {
            conds.push(self.parse_or()?);
        }
        if self.at_keyword("for") {
            return Err(self.error_at(
                self.peek().span,
                "comprehensions with more than one 'for' clause are not supported",
            ));
        }
        Ok(Comprehension {
            target: boxed(target),
            iter: boxed(iter),
            conds,
        })
    }
}
