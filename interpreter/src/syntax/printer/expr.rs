//! Printing expressions with the fewest parentheses that keep the tree's shape, and literals
//! that re-parse exactly (floats bit-for-bit, strings escaped as TorchScript's printer does).
//!
//! Parentheses follow Python's grammar, plus two extra cases so the output also means the same
//! to TorchScript's own parser: nested `and`/`or` and operands that are `~x`.

use std::fmt::Write;

use crate::syntax::ast::{BinOp, Comprehension, Expr, ExprKind, FloatLit, Keyword, UnaryOp};

/// Binding strength of each expression form; a child printed where a stronger one is needed
/// gets parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Prec {
    /// Conditional expression and everything else except bare tuples.
    Test,
    Or,
    And,
    Not,
    Compare,
    BitOr,
    BitXor,
    BitAnd,
    Shift,
    Arith,
    Term,
    /// Unary `-`, `+`, `~` and negative number literals.
    Unary,
    Power,
    /// Attribute access, calls, subscripts and atoms (tuples print their own parentheses).
    Primary,
}

fn binary_prec(op: BinOp) -> Prec {
    match op {
        BinOp::BitOr => Prec::BitOr,
        BinOp::BitXor => Prec::BitXor,
        BinOp::BitAnd => Prec::BitAnd,
        BinOp::LShift | BinOp::RShift => Prec::Shift,
        BinOp::Add | BinOp::Sub => Prec::Arith,
        BinOp::Mul | BinOp::MatMul | BinOp::Div | BinOp::FloorDiv | BinOp::Mod => Prec::Term,
        BinOp::Pow => Prec::Power,
    }
}

/// The next tighter level (for the right operand of a left-associative operator).
fn tighter(prec: Prec) -> Prec {
    match prec {
        Prec::Test => Prec::Or,
        Prec::Or => Prec::And,
        Prec::And => Prec::Not,
        Prec::Not => Prec::Compare,
        Prec::Compare => Prec::BitOr,
        Prec::BitOr => Prec::BitXor,
        Prec::BitXor => Prec::BitAnd,
        Prec::BitAnd => Prec::Shift,
        Prec::Shift => Prec::Arith,
        Prec::Arith => Prec::Term,
        Prec::Term => Prec::Unary,
        Prec::Unary => Prec::Power,
        Prec::Power | Prec::Primary => Prec::Primary,
    }
}

fn is_negative_number(kind: &ExprKind) -> bool {
    match kind {
        ExprKind::Int(value) => *value < 0,
        ExprKind::Float(FloatLit(value)) | ExprKind::Imag(FloatLit(value)) => {
            value.is_sign_negative()
        }
        _ => false,
    }
}

fn expr_prec(expr: &Expr) -> Prec {
    match &expr.kind {
        ExprKind::IfExp { .. } | ExprKind::Starred(_) => Prec::Test,
        ExprKind::BoolOp { op, .. } => match op {
            crate::syntax::ast::BoolOp::Or => Prec::Or,
            crate::syntax::ast::BoolOp::And => Prec::And,
        },
        // `~` prints like `not`: TorchScript's own parser gives `~` the precedence of `not`,
        // so `(~a) + b` needs its parentheses there (Python accepts them too).
        ExprKind::Unary {
            op: UnaryOp::Not | UnaryOp::Invert,
            ..
        } => Prec::Not,
        ExprKind::Unary { .. } => Prec::Unary,
        ExprKind::Compare { .. } => Prec::Compare,
        ExprKind::Binary { op, .. } => binary_prec(*op),
        kind if is_negative_number(kind) => Prec::Unary,
        _ => Prec::Primary,
    }
}

/// Writes `expr` with parentheses if it binds more loosely than `min`.
pub(super) fn write_expr(out: &mut String, expr: &Expr, min: Prec) {
    if expr_prec(expr) < min {
        out.push('(');
        write_unparenthesized(out, expr);
        out.push(')');
    } else {
        write_unparenthesized(out, expr);
    }
}

/// Writes `items` separated by `", "`.
fn write_list(out: &mut String, items: &[Expr]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, item, Prec::Test);
    }
}

/// Writes tuple elements without parentheses (`a, b` or `a,`).
pub(super) fn write_bare_tuple(out: &mut String, items: &[Expr]) {
    write_list(out, items);
    if items.len() == 1 {
        out.push(',');
    }
}

fn write_unparenthesized(out: &mut String, expr: &Expr) {
    match &expr.kind {
        ExprKind::Name(name) => out.push_str(name),
        ExprKind::Int(value) => {
            let _ = write!(out, "{value}");
        }
        ExprKind::Float(FloatLit(value)) => out.push_str(&format_float(*value)),
        ExprKind::Imag(FloatLit(value)) => {
            out.push_str(&format_float(*value));
            out.push('j');
        }
        ExprKind::Str(value) => out.push_str(&quote_string(value)),
        ExprKind::Bool(true) => out.push_str("True"),
        ExprKind::Bool(false) => out.push_str("False"),
        ExprKind::None => out.push_str("None"),
        ExprKind::Ellipsis => out.push_str("..."),
        ExprKind::List(items) => {
            out.push('[');
            write_list(out, items);
            out.push(']');
        }
        ExprKind::Tuple(items) => {
            out.push('(');
            write_bare_tuple(out, items);
            out.push(')');
        }
        ExprKind::Dict(entries) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, key, Prec::Test);
                out.push_str(": ");
                write_expr(out, value, Prec::Test);
            }
            out.push('}');
        }
        ExprKind::Attribute { value, attr } => {
            if matches!(value.kind, ExprKind::Int(_)) {
                out.push('(');
                write_unparenthesized(out, value);
                out.push(')');
            } else {
                write_expr(out, value, Prec::Primary);
            }
            out.push('.');
            out.push_str(&attr.name);
        }
        ExprKind::Subscript { value, index } => {
            write_expr(out, value, Prec::Primary);
            out.push('[');
            match &index.kind {
                ExprKind::Tuple(items) if !items.is_empty() => write_bare_tuple(out, items),
                _ => write_expr(out, index, Prec::Test),
            }
            out.push(']');
        }
        ExprKind::Slice { lower, upper, step } => {
            if let Some(lower) = lower {
                write_expr(out, lower, Prec::Test);
            }
            out.push(':');
            if let Some(upper) = upper {
                write_expr(out, upper, Prec::Test);
            }
            if let Some(step) = step {
                out.push(':');
                write_expr(out, step, Prec::Test);
            }
        }
        ExprKind::Call {
            func,
            args,
            keywords,
        } => write_call(out, func, args, keywords),
        ExprKind::Starred(value) => {
            out.push('*');
            write_expr(out, value, Prec::BitOr);
        }
        ExprKind::Unary { op, operand } => {
            out.push_str(op.symbol());
            if *op == UnaryOp::Not {
                out.push(' ');
                write_expr(out, operand, Prec::Not);
            } else if matches!(
                operand.kind,
                ExprKind::Unary {
                    op: UnaryOp::Neg | UnaryOp::Pos | UnaryOp::Invert,
                    ..
                }
            ) {
                // `~~x`, `-~x`: a unary operand of a unary operator needs no parentheses,
                // and adding them would double the nesting of a long chain
                write_unparenthesized(out, operand);
            } else {
                write_expr(out, operand, Prec::Unary);
            }
        }
        ExprKind::Binary { op, left, right } => {
            let prec = binary_prec(*op);
            if *op == BinOp::Pow {
                write_expr(out, left, Prec::Primary);
                out.push_str(" ** ");
                write_expr(out, right, Prec::Unary);
            } else {
                write_expr(out, left, prec);
                let _ = write!(out, " {} ", op.symbol());
                write_expr(out, right, tighter(prec));
            }
        }
        ExprKind::BoolOp { op, values } => {
            // Nested `and`/`or` always get parentheses: TorchScript's parser gives both the
            // same precedence, Python does not.
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    let _ = write!(out, " {} ", op.symbol());
                }
                write_expr(out, value, Prec::Not);
            }
        }
        ExprKind::Compare { left, ops } => {
            write_expr(out, left, Prec::BitOr);
            for (op, right) in ops {
                let _ = write!(out, " {} ", op.symbol());
                write_expr(out, right, Prec::BitOr);
            }
        }
        ExprKind::IfExp { test, body, orelse } => {
            write_expr(out, body, Prec::Or);
            out.push_str(" if ");
            write_expr(out, test, Prec::Or);
            out.push_str(" else ");
            write_expr(out, orelse, Prec::Test);
        }
        ExprKind::ListComp { elt, clause } => {
            out.push('[');
            write_expr(out, elt, Prec::Test);
            write_comprehension(out, clause);
            out.push(']');
        }
        ExprKind::DictComp { key, value, clause } => {
            out.push('{');
            write_expr(out, key, Prec::Test);
            out.push_str(": ");
            write_expr(out, value, Prec::Test);
            write_comprehension(out, clause);
            out.push('}');
        }
    }
}

fn write_call(out: &mut String, func: &Expr, args: &[Expr], keywords: &[Keyword]) {
    if matches!(func.kind, ExprKind::Int(_)) {
        out.push('(');
        write_unparenthesized(out, func);
        out.push(')');
    } else {
        write_expr(out, func, Prec::Primary);
    }
    out.push('(');
    write_list(out, args);
    for (i, keyword) in keywords.iter().enumerate() {
        if i > 0 || !args.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&keyword.name.name);
        out.push('=');
        write_expr(out, &keyword.value, Prec::Test);
    }
    out.push(')');
}

/// Writes a comprehension target list: bare elements at `|` level (so `in` is not swallowed).
pub(super) fn write_target(out: &mut String, target: &Expr) {
    match &target.kind {
        ExprKind::Tuple(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, item, Prec::BitOr);
            }
            if items.len() == 1 {
                out.push(',');
            }
        }
        _ => write_expr(out, target, Prec::BitOr),
    }
}

fn write_comprehension(out: &mut String, clause: &Comprehension) {
    out.push_str(" for ");
    write_target(out, &clause.target);
    out.push_str(" in ");
    write_expr(out, &clause.iter, Prec::Or);
    for cond in &clause.conds {
        out.push_str(" if ");
        write_expr(out, cond, Prec::Or);
    }
}

/// The shortest text that parses back to exactly `value` (always with a `.` or exponent so it
/// stays a float). Infinity prints as `1e999`, which overflows back to infinity; NaN cannot be
/// a literal and prints as `float("nan")`.
pub fn format_float(value: f64) -> String {
    if value.is_nan() {
        return "float(\"nan\")".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "1e999" } else { "-1e999" }.to_string();
    }
    format!("{value:?}")
}

/// A double-quoted literal for `value`, escaped as TorchScript's printer does: `\\`, `\'`,
/// `\"`, the named control escapes, and `\xNN` for every other byte outside printable ASCII.
pub fn quote_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len().saturating_add(2));
    out.push('"');
    for byte in value.bytes() {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'"' => out.push_str("\\\""),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x0b => out.push_str("\\v"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push('"');
    out
}
