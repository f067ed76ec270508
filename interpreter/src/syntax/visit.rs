//! Mutable walks over the AST that visit every span (used to compare trees ignoring spans).

use super::ast::{Expr, ExprKind, Ident, Param, SourceFile, Stmt, StmtKind};
use super::span::Span;

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

fn walk_ident(ident: &mut Ident, f: &mut impl FnMut(&mut Span)) {
    f(&mut ident.span);
}

fn walk_stmts(stmts: &mut [Stmt], f: &mut impl FnMut(&mut Span)) {
    for stmt in stmts {
        walk_stmt(stmt, f);
    }
}

fn walk_exprs(exprs: &mut [Expr], f: &mut impl FnMut(&mut Span)) {
    for expr in exprs {
        walk_expr(expr, f);
    }
}

fn walk_opt(expr: &mut Option<Expr>, f: &mut impl FnMut(&mut Span)) {
    if let Some(expr) = expr {
        walk_expr(expr, f);
    }
}

fn walk_opt_box(expr: &mut Option<Box<Expr>>, f: &mut impl FnMut(&mut Span)) {
    if let Some(expr) = expr {
        walk_expr(expr, f);
    }
}

fn walk_param(param: &mut Param, f: &mut impl FnMut(&mut Span)) {
    walk_ident(&mut param.name, f);
    walk_opt(&mut param.annotation, f);
    walk_opt(&mut param.default, f);
}

/// Calls `f` on every span in the statement.
pub fn walk_stmt(stmt: &mut Stmt, f: &mut impl FnMut(&mut Span)) {
    f(&mut stmt.span);
    match &mut stmt.kind {
        StmtKind::Expr(expr) | StmtKind::Return(Some(expr)) | StmtKind::Raise(Some(expr)) => {
            walk_expr(expr, f)
        }
        StmtKind::Assign { targets, value } => {
            walk_exprs(targets, f);
            walk_expr(value, f);
        }
        StmtKind::AnnAssign {
            target,
            annotation,
            value,
        } => {
            walk_expr(target, f);
            walk_expr(annotation, f);
            walk_opt(value, f);
        }
        StmtKind::AugAssign { target, value, .. } => {
            walk_expr(target, f);
            walk_expr(value, f);
        }
        StmtKind::If { test, body, orelse } => {
            walk_expr(test, f);
            walk_stmts(body, f);
            walk_stmts(orelse, f);
        }
        StmtKind::For { target, iter, body } => {
            walk_expr(target, f);
            walk_expr(iter, f);
            walk_stmts(body, f);
        }
        StmtKind::While { test, body } => {
            walk_expr(test, f);
            walk_stmts(body, f);
        }
        StmtKind::With { items, body } => {
            for item in items {
                walk_expr(&mut item.context, f);
                walk_opt(&mut item.target, f);
            }
            walk_stmts(body, f);
        }
        StmtKind::Assert { test, msg } => {
            walk_expr(test, f);
            walk_opt(msg, f);
        }
        StmtKind::Delete(targets) => walk_exprs(targets, f),
        StmtKind::Global(names) => {
            for name in names {
                walk_ident(name, f);
            }
        }
        StmtKind::FunctionDef(def) => {
            walk_ident(&mut def.name, f);
            for param in &mut def.params {
                walk_param(param, f);
            }
            walk_opt(&mut def.returns, f);
            walk_stmts(&mut def.body, f);
            walk_exprs(&mut def.decorators, f);
        }
        StmtKind::ClassDef(class) => {
            walk_ident(&mut class.name, f);
            walk_exprs(&mut class.bases, f);
            walk_stmts(&mut class.body, f);
            walk_exprs(&mut class.decorators, f);
        }
        StmtKind::Import(import) => {
            for alias in &mut import.names {
                if let Some(asname) = &mut alias.asname {
                    walk_ident(asname, f);
                }
            }
        }
        StmtKind::Return(None)
        | StmtKind::Raise(None)
        | StmtKind::Pass
        | StmtKind::Break
        | StmtKind::Continue => {}
    }
}

/// Calls `f` on every span in the expression.
pub fn walk_expr(expr: &mut Expr, f: &mut impl FnMut(&mut Span)) {
    f(&mut expr.span);
    match &mut expr.kind {
        ExprKind::Name(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Imag(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Ellipsis => {}
        ExprKind::List(items) | ExprKind::Tuple(items) => walk_exprs(items, f),
        ExprKind::Dict(entries) => {
            for (key, value) in entries {
                walk_expr(key, f);
                walk_expr(value, f);
            }
        }
        ExprKind::Attribute { value, attr } => {
            walk_expr(value, f);
            walk_ident(attr, f);
        }
        ExprKind::Subscript { value, index } => {
            walk_expr(value, f);
            walk_expr(index, f);
        }
        ExprKind::Slice { lower, upper, step } => {
            walk_opt_box(lower, f);
            walk_opt_box(upper, f);
            walk_opt_box(step, f);
        }
        ExprKind::Call {
            func,
            args,
            keywords,
        } => {
            walk_expr(func, f);
            walk_exprs(args, f);
            for keyword in keywords {
                walk_ident(&mut keyword.name, f);
                walk_expr(&mut keyword.value, f);
            }
        }
        ExprKind::Starred(value) => walk_expr(value, f),
        ExprKind::Unary { operand, .. } => walk_expr(operand, f),
        ExprKind::Binary { left, right, .. } => {
            walk_expr(left, f);
            walk_expr(right, f);
        }
        ExprKind::BoolOp { values, .. } => walk_exprs(values, f),
        ExprKind::Compare { left, ops } => {
            walk_expr(left, f);
            for (_, right) in ops {
                walk_expr(right, f);
            }
        }
        ExprKind::IfExp { test, body, orelse } => {
            walk_expr(test, f);
            walk_expr(body, f);
            walk_expr(orelse, f);
        }
        ExprKind::ListComp {
            elt,
            target,
            iter,
            conds,
        } => {
            walk_expr(elt, f);
            walk_expr(target, f);
            walk_expr(iter, f);
            walk_exprs(conds, f);
        }
        ExprKind::DictComp {
            key,
            value,
            target,
            iter,
            conds,
        } => {
            walk_expr(key, f);
            walk_expr(value, f);
            walk_expr(target, f);
            walk_expr(iter, f);
            walk_exprs(conds, f);
        }
    }
}
