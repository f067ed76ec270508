//! The one AST visitor: the child expressions of an expression, the expressions and nested
//! blocks of a statement, and the span walks built on them (used to compare trees ignoring
//! spans). Depth checks, dismantling and span clearing all go through these.

use super::ast::{Expr, ExprKind, Ident, SourceFile, Stmt, StmtKind};
use super::span::Span;

/// The match behind [`Expr::for_each_child`] and [`Expr::for_each_child_mut`], written once
/// and instantiated with shared (`iter`) or mutable (`iter_mut`, `mut`) borrows, so the two
/// cannot disagree on which children an expression has or their order.
macro_rules! for_each_child_of {
    ($kind:expr, $f:ident, $iter:ident $(, $mutability:tt)?) => {
        match $kind {
            ExprKind::Name(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Imag(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Ellipsis => {}
            ExprKind::List(items)
            | ExprKind::Tuple(items)
            | ExprKind::BoolOp { values: items, .. } => items.$iter().for_each($f),
            ExprKind::Dict(entries) => {
                for (key, value) in entries {
                    $f(key);
                    $f(value);
                }
            }
            ExprKind::Attribute { value, .. }
            | ExprKind::Starred(value)
            | ExprKind::Unary { operand: value, .. } => $f(value),
            ExprKind::Subscript {
                value: first,
                index: second,
            }
            | ExprKind::Binary {
                left: first,
                right: second,
                ..
            } => {
                $f(first);
                $f(second);
            }
            ExprKind::Slice { lower, upper, step } => {
                for part in [lower, upper, step].into_iter().flatten() {
                    $f(part);
                }
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                $f(func);
                args.$iter().for_each(&mut $f);
                keywords.$iter().for_each(|k| $f(&$($mutability)? k.value));
            }
            ExprKind::Compare { left, ops } => {
                $f(left);
                ops.$iter().for_each(|(_, right)| $f(right));
            }
            ExprKind::IfExp { test, body, orelse } => {
                $f(test);
                $f(body);
                $f(orelse);
            }
            ExprKind::ListComp { elt, clause } => {
                $f(elt);
                $f(&$($mutability)? clause.target);
                $f(&$($mutability)? clause.iter);
                clause.conds.$iter().for_each($f);
            }
            ExprKind::DictComp { key, value, clause } => {
                $f(key);
                $f(value);
                $f(&$($mutability)? clause.target);
                $f(&$($mutability)? clause.iter);
                clause.conds.$iter().for_each($f);
            }
        }
    };
}

impl Expr {
    /// Calls `f` on each direct child expression, in source order.
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        for_each_child_of!(&self.kind, f, iter)
    }

    /// Calls `f` on each direct child expression, mutably, in source order.
    pub fn for_each_child_mut(&mut self, mut f: impl FnMut(&mut Expr)) {
        for_each_child_of!(&mut self.kind, f, iter_mut, mut)
    }

    /// Calls `f` on the identifiers the expression holds itself (attribute and keyword names).
    fn for_each_ident_mut(&mut self, mut f: impl FnMut(&mut Ident)) {
        match &mut self.kind {
            ExprKind::Attribute { attr, .. } => f(attr),
            ExprKind::Call { keywords, .. } => keywords.iter_mut().for_each(|k| f(&mut k.name)),
            _ => {}
        }
    }
}

impl Stmt {
    /// Calls `f` on every expression the statement holds directly (not those inside nested
    /// blocks), including decorators, parameter annotations and defaults.
    pub fn for_each_expr_mut(&mut self, mut f: impl FnMut(&mut Expr)) {
        let opt = |expr: &mut Option<Expr>, f: &mut dyn FnMut(&mut Expr)| {
            if let Some(expr) = expr {
                f(expr);
            }
        };
        match &mut self.kind {
            StmtKind::Expr(expr) | StmtKind::Return(Some(expr)) | StmtKind::Raise(Some(expr)) => {
                f(expr)
            }
            StmtKind::Assign { targets, value } => {
                targets.iter_mut().for_each(&mut f);
                f(value);
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
            } => {
                f(target);
                f(annotation);
                opt(value, &mut f);
            }
            StmtKind::AugAssign { target, value, .. } => {
                f(target);
                f(value);
            }
            StmtKind::If { test, .. } | StmtKind::While { test, .. } => f(test),
            StmtKind::For { target, iter, .. } => {
                f(target);
                f(iter);
            }
            StmtKind::With { items, .. } => {
                for item in items {
                    f(&mut item.context);
                    opt(&mut item.target, &mut f);
                }
            }
            StmtKind::Assert { test, msg } => {
                f(test);
                opt(msg, &mut f);
            }
            StmtKind::Delete(targets) => targets.iter_mut().for_each(f),
            StmtKind::FunctionDef(def) => {
                for param in &mut def.params {
                    opt(&mut param.annotation, &mut f);
                    opt(&mut param.default, &mut f);
                }
                opt(&mut def.returns, &mut f);
                def.decorators.iter_mut().for_each(&mut f);
            }
            StmtKind::ClassDef(class) => {
                class.bases.iter_mut().for_each(&mut f);
                class.decorators.iter_mut().for_each(&mut f);
            }
            StmtKind::Return(None)
            | StmtKind::Raise(None)
            | StmtKind::Pass
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Global(_)
            | StmtKind::Import(_) => {}
        }
    }

    /// The blocks nested in the statement (`if` body and `else`, loop and `with` bodies,
    /// function and class bodies).
    pub fn blocks_mut(&mut self) -> Vec<&mut Vec<Stmt>> {
        match &mut self.kind {
            StmtKind::If { body, orelse, .. } => vec![body, orelse],
            StmtKind::For { body, .. }
            | StmtKind::While { body, .. }
            | StmtKind::With { body, .. } => vec![body],
            StmtKind::FunctionDef(def) => vec![&mut def.body],
            StmtKind::ClassDef(class) => vec![&mut class.body],
            _ => Vec::new(),
        }
    }

    /// The blocks nested in the statement, read-only (see [`Stmt::blocks_mut`]).
    pub fn blocks(&self) -> [&[Stmt]; 2] {
        match &self.kind {
            StmtKind::If { body, orelse, .. } => [body, orelse],
            StmtKind::For { body, .. }
            | StmtKind::While { body, .. }
            | StmtKind::With { body, .. } => [body, &[]],
            StmtKind::FunctionDef(def) => [&def.body, &[]],
            StmtKind::ClassDef(class) => [&class.body, &[]],
            _ => [&[], &[]],
        }
    }

    /// Calls `f` on the identifiers the statement holds itself (names it defines or declares).
    fn for_each_ident_mut(&mut self, mut f: impl FnMut(&mut Ident)) {
        match &mut self.kind {
            StmtKind::Global(names) => names.iter_mut().for_each(f),
            StmtKind::FunctionDef(def) => {
                f(&mut def.name);
                def.params.iter_mut().for_each(|p| f(&mut p.name));
            }
            StmtKind::ClassDef(class) => f(&mut class.name),
            StmtKind::Import(import) => import
                .names
                .iter_mut()
                .filter_map(|alias| alias.asname.as_mut())
                .for_each(f),
            _ => {}
        }
    }
}

/// Calls `f` on every statement of `body` and of the blocks nested in it, each before the
/// statements of its own blocks, in source order.
pub fn for_each_stmt<'a>(body: &'a [Stmt], f: &mut impl FnMut(&'a Stmt)) {
    for stmt in body {
        f(stmt);
        for block in stmt.blocks() {
            for_each_stmt(block, f);
        }
    }
}

/// Calls `f` on every span in the file (statements, expressions, identifiers).
pub fn for_each_span_mut(file: &mut SourceFile, f: &mut impl FnMut(&mut Span)) {
    for stmt in &mut file.body {
        walk_stmt(stmt, f);
    }
}

/// Sets every span in the file to `Span::default()`.
pub fn clear_spans(file: &mut SourceFile) {
    for_each_span_mut(file, &mut |span| *span = Span::default());
}

/// Sets every span in the expression to `Span::default()`.
pub fn clear_expr_spans(expr: &mut Expr) {
    walk_expr(expr, &mut |span| *span = Span::default());
}

/// Calls `f` on every span in the statement.
pub fn walk_stmt(stmt: &mut Stmt, f: &mut impl FnMut(&mut Span)) {
    f(&mut stmt.span);
    stmt.for_each_ident_mut(|ident| f(&mut ident.span));
    stmt.for_each_expr_mut(|expr| walk_expr(expr, f));
    for block in stmt.blocks_mut() {
        for inner in block {
            walk_stmt(inner, f);
        }
    }
}

/// Calls `f` on every span in the expression.
pub fn walk_expr(expr: &mut Expr, f: &mut impl FnMut(&mut Span)) {
    f(&mut expr.span);
    expr.for_each_ident_mut(|ident| f(&mut ident.span));
    expr.for_each_child_mut(|child| walk_expr(child, f));
}
