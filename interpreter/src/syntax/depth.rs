//! Bounding how deeply expression trees nest, without recursion.
//!
//! Left-associative chains (`a + b + c ...`, `x.a.b.c ...`, `f()()()...`, `x[0][0]...`) are
//! parsed by loops, so a hostile file can build an arbitrarily deep tree without deep parser
//! recursion; such a tree would overflow the stack when dropped, printed or evaluated. After
//! parsing, every expression's depth is measured iteratively; trees deeper than
//! [`MAX_TREE_DEPTH`] are taken apart iteratively and reported as an error.

use super::ast::{Expr, ExprKind, Stmt, StmtKind};
use super::span::Span;

/// The deepest expression tree the parser returns.
pub const MAX_TREE_DEPTH: usize = 512;

/// Calls `f` on each direct child expression of `expr`.
fn for_each_child<'a>(expr: &'a Expr, mut f: impl FnMut(&'a Expr)) {
    match &expr.kind {
        ExprKind::Name(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Imag(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Ellipsis => {}
        ExprKind::List(items) | ExprKind::Tuple(items) => items.iter().for_each(f),
        ExprKind::Dict(entries) => {
            for (key, value) in entries {
                f(key);
                f(value);
            }
        }
        ExprKind::Attribute { value, .. } | ExprKind::Starred(value) => f(value),
        ExprKind::Subscript { value, index } => {
            f(value);
            f(index);
        }
        ExprKind::Slice { lower, upper, step } => {
            for part in [lower, upper, step].into_iter().flatten() {
                f(part);
            }
        }
        ExprKind::Call {
            func,
            args,
            keywords,
        } => {
            f(func);
            args.iter().for_each(&mut f);
            keywords.iter().for_each(|k| f(&k.value));
        }
        ExprKind::Unary { operand, .. } => f(operand),
        ExprKind::Binary { left, right, .. } => {
            f(left);
            f(right);
        }
        ExprKind::BoolOp { values, .. } => values.iter().for_each(f),
        ExprKind::Compare { left, ops } => {
            f(left);
            ops.iter().for_each(|(_, right)| f(right));
        }
        ExprKind::IfExp { test, body, orelse } => {
            f(test);
            f(body);
            f(orelse);
        }
        ExprKind::ListComp {
            elt,
            target,
            iter,
            conds,
        } => {
            f(elt);
            f(target);
            f(iter);
            conds.iter().for_each(f);
        }
        ExprKind::DictComp {
            key,
            value,
            target,
            iter,
            conds,
        } => {
            f(key);
            f(value);
            f(target);
            f(iter);
            conds.iter().for_each(f);
        }
    }
}

/// The number of nodes on the longest root-to-leaf path (a leaf has depth 1), computed
/// without recursion.
pub fn expr_depth(expr: &Expr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(expr, 1usize)];
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        for_each_child(node, |child| stack.push((child, depth.saturating_add(1))));
    }
    deepest
}

/// Drops `expr` without recursion, whatever its depth.
pub fn dismantle(expr: Expr) {
    let mut stack = vec![expr];
    while let Some(mut node) = stack.pop() {
        take_children(&mut node, &mut stack);
    }
}

fn take_box(child: &mut Box<Expr>, stack: &mut Vec<Expr>) {
    stack.push(std::mem::replace(
        &mut **child,
        Expr::new(ExprKind::None, Span::default()),
    ));
}

/// Moves every child of `expr` onto `stack`, leaving leaves behind.
fn take_children(expr: &mut Expr, stack: &mut Vec<Expr>) {
    match &mut expr.kind {
        ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::BoolOp { values: items, .. } => {
            stack.append(items)
        }
        ExprKind::Dict(entries) => {
            for (key, value) in std::mem::take(entries) {
                stack.push(key);
                stack.push(value);
            }
        }
        ExprKind::Attribute { value, .. }
        | ExprKind::Starred(value)
        | ExprKind::Unary { operand: value, .. } => take_box(value, stack),
        ExprKind::Subscript {
            value: first,
            index: second,
        }
        | ExprKind::Binary {
            left: first,
            right: second,
            ..
        } => {
            take_box(first, stack);
            take_box(second, stack);
        }
        ExprKind::Slice { lower, upper, step } => {
            for part in [lower, upper, step] {
                if let Some(part) = part.take() {
                    stack.push(*part);
                }
            }
        }
        ExprKind::Call {
            func,
            args,
            keywords,
        } => {
            take_box(func, stack);
            stack.append(args);
            stack.extend(std::mem::take(keywords).into_iter().map(|k| k.value));
        }
        ExprKind::Compare { left, ops } => {
            take_box(left, stack);
            stack.extend(std::mem::take(ops).into_iter().map(|(_, right)| right));
        }
        ExprKind::IfExp { test, body, orelse } => {
            take_box(test, stack);
            take_box(body, stack);
            take_box(orelse, stack);
        }
        ExprKind::ListComp {
            elt,
            target,
            iter,
            conds,
        } => {
            take_box(elt, stack);
            take_box(target, stack);
            take_box(iter, stack);
            stack.append(conds);
        }
        ExprKind::DictComp {
            key,
            value,
            target,
            iter,
            conds,
        } => {
            take_box(key, stack);
            take_box(value, stack);
            take_box(target, stack);
            take_box(iter, stack);
            stack.append(conds);
        }
        ExprKind::Name(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Imag(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Ellipsis => {}
    }
}

/// Calls `f` on every expression slot directly held by `stmt` (not inside nested blocks).
fn for_each_stmt_expr_mut(stmt: &mut Stmt, f: &mut impl FnMut(&mut Expr)) {
    let opt = |expr: &mut Option<Expr>, f: &mut dyn FnMut(&mut Expr)| {
        if let Some(expr) = expr {
            f(expr);
        }
    };
    match &mut stmt.kind {
        StmtKind::Expr(expr) | StmtKind::Return(Some(expr)) | StmtKind::Raise(Some(expr)) => {
            f(expr)
        }
        StmtKind::Assign { targets, value } => {
            targets.iter_mut().for_each(&mut *f);
            f(value);
        }
        StmtKind::AnnAssign {
            target,
            annotation,
            value,
        } => {
            f(target);
            f(annotation);
            opt(value, f);
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
                opt(&mut item.target, f);
            }
        }
        StmtKind::Assert { test, msg } => {
            f(test);
            opt(msg, f);
        }
        StmtKind::Delete(targets) => targets.iter_mut().for_each(f),
        StmtKind::FunctionDef(def) => {
            def.decorators.iter_mut().for_each(&mut *f);
            for param in &mut def.params {
                opt(&mut param.annotation, f);
                opt(&mut param.default, f);
            }
            opt(&mut def.returns, f);
        }
        StmtKind::ClassDef(class) => {
            class.decorators.iter_mut().for_each(&mut *f);
            class.bases.iter_mut().for_each(f);
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

fn nested_blocks(stmt: &mut Stmt) -> Vec<&mut Vec<Stmt>> {
    match &mut stmt.kind {
        StmtKind::If { body, orelse, .. } => vec![body, orelse],
        StmtKind::For { body, .. } | StmtKind::While { body, .. } | StmtKind::With { body, .. } => {
            vec![body]
        }
        StmtKind::FunctionDef(def) => vec![&mut def.body],
        StmtKind::ClassDef(class) => vec![&mut class.body],
        _ => Vec::new(),
    }
}

/// Checks every expression in `body` (block nesting is already bounded by the parser).
/// Expressions deeper than [`MAX_TREE_DEPTH`] are replaced by `None` and dismantled; the
/// span of the first one is returned.
pub(crate) fn limit_tree_depth(body: &mut [Stmt]) -> Option<Span> {
    let mut first_too_deep = None;
    for stmt in body {
        for_each_stmt_expr_mut(stmt, &mut |expr| {
            if limit_expr_depth(expr).is_some() && first_too_deep.is_none() {
                first_too_deep = Some(expr.span);
            }
        });
        for block in nested_blocks(stmt) {
            if let Some(span) = limit_tree_depth(block) {
                first_too_deep.get_or_insert(span);
            }
        }
    }
    first_too_deep
}

/// Like [`limit_tree_depth`] for one expression; keeps the span of a dismantled expression.
pub(crate) fn limit_expr_depth(expr: &mut Expr) -> Option<Span> {
    if expr_depth(expr) <= MAX_TREE_DEPTH {
        return None;
    }
    let span = expr.span;
    let deep = std::mem::replace(expr, Expr::new(ExprKind::None, span));
    dismantle(deep);
    Some(span)
}
