//! Bounding how deeply expression trees nest, without recursion.
//!
//! Left-associative chains (`a + b + c ...`, `x.a.b.c ...`, `f()()()...`, `x[0][0]...`) are
//! parsed by loops, so a hostile file can build an arbitrarily deep tree without deep parser
//! recursion; such a tree would overflow the stack when dropped, printed or evaluated. After
//! parsing, every expression's depth is measured iteratively; trees deeper than
//! [`MAX_TREE_DEPTH`] are taken apart iteratively and reported as an error.

use super::ast::{Expr, ExprKind, Stmt};
use super::span::Span;

/// The deepest expression tree the parser returns.
pub const MAX_TREE_DEPTH: usize = 512;

/// The number of nodes on the longest root-to-leaf path (a leaf has depth 1), computed
/// without recursion.
pub fn expr_depth(expr: &Expr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(expr, 1usize)];
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        node.for_each_child(|child| stack.push((child, depth.saturating_add(1))));
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

/// Moves every child of `expr` onto `stack`, leaving leaves behind.
fn take_children(expr: &mut Expr, stack: &mut Vec<Expr>) {
    expr.for_each_child_mut(|child| {
        let leaf = Expr::new(ExprKind::None, child.span);
        stack.push(std::mem::replace(child, leaf));
    });
}

/// Checks every expression in `body` (block nesting is already bounded by the parser).
/// Expressions deeper than [`MAX_TREE_DEPTH`] are replaced by `None` and dismantled; the
/// span of the first one is returned.
pub(crate) fn limit_tree_depth(body: &mut [Stmt]) -> Option<Span> {
    let mut first_too_deep = None;
    for stmt in body {
        stmt.for_each_expr_mut(|expr| {
            if limit_expr_depth(expr).is_some() && first_too_deep.is_none() {
                first_too_deep = Some(expr.span);
            }
        });
        for block in stmt.blocks_mut() {
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
