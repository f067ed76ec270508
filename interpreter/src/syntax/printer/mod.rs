//! The printer: AST back to TorchScript source with 4-space indentation.
//!
//! The output parses back to the same tree (spans aside): parentheses are added wherever
//! precedence needs them, strings are re-escaped, floats print bit-exactly, an `If` alone in
//! an `orelse` prints as `elif`, and an empty body prints as `pass`.

mod expr;

use std::fmt::Write;

use super::ast::{ClassDef, Expr, ExprKind, FunctionDef, Import, SourceFile, Stmt, StmtKind};
pub use expr::{format_float, quote_string};
use expr::{write_bare_tuple, write_expr, write_target, Prec};

const INDENT: &str = "    ";

/// The source text of a whole file.
pub fn print_file(file: &SourceFile) -> String {
    print_stmts(&file.body)
}

/// The source text of a list of statements at indentation level 0.
pub fn print_stmts(stmts: &[Stmt]) -> String {
    let mut out = String::new();
    for stmt in stmts {
        write_stmt(&mut out, stmt, 0);
    }
    out
}

/// The source text of one expression (a top-level tuple prints without parentheses).
pub fn print_expr(expr: &Expr) -> String {
    let mut out = String::new();
    write_value(&mut out, expr);
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str(INDENT);
    }
}

/// A right-hand side or target: non-empty tuples without parentheses.
fn write_value(out: &mut String, expr: &Expr) {
    match &expr.kind {
        ExprKind::Tuple(items) if !items.is_empty() => write_bare_tuple(out, items),
        _ => write_expr(out, expr, Prec::Test),
    }
}

fn write_block(out: &mut String, body: &[Stmt], level: usize) {
    out.push_str(":\n");
    if body.is_empty() {
        indent(out, level.saturating_add(1));
        out.push_str("pass\n");
    }
    for stmt in body {
        write_stmt(out, stmt, level.saturating_add(1));
    }
}

fn write_stmt(out: &mut String, stmt: &Stmt, level: usize) {
    indent(out, level);
    match &stmt.kind {
        StmtKind::Expr(expr) => write_value(out, expr),
        StmtKind::Assign { targets, value } => {
            for target in targets {
                write_value(out, target);
                out.push_str(" = ");
            }
            write_value(out, value);
        }
        StmtKind::AnnAssign {
            target,
            annotation,
            value,
        } => {
            write_value(out, target);
            out.push_str(" : ");
            write_expr(out, annotation, Prec::Test);
            if let Some(value) = value {
                out.push_str(" = ");
                write_value(out, value);
            }
        }
        StmtKind::AugAssign { target, op, value } => {
            write_value(out, target);
            let _ = write!(out, " {}= ", op.symbol());
            write_value(out, value);
        }
        StmtKind::If { test, body, orelse } => {
            write_if(out, "if", test, body, orelse, level);
            return;
        }
        StmtKind::For { target, iter, body } => {
            out.push_str("for ");
            write_target(out, target);
            out.push_str(" in ");
            write_value(out, iter);
            write_block(out, body, level);
            return;
        }
        StmtKind::While { test, body } => {
            out.push_str("while ");
            write_expr(out, test, Prec::Test);
            write_block(out, body, level);
            return;
        }
        StmtKind::With { items, body } => {
            out.push_str("with ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, &item.context, Prec::Test);
                if let Some(target) = &item.target {
                    out.push_str(" as ");
                    write_expr(out, target, Prec::Test);
                }
            }
            write_block(out, body, level);
            return;
        }
        StmtKind::Return(value) => write_keyword_value(out, "return", value.as_ref()),
        StmtKind::Raise(value) => write_keyword_value(out, "raise", value.as_ref()),
        StmtKind::Pass => out.push_str("pass"),
        StmtKind::Break => out.push_str("break"),
        StmtKind::Continue => out.push_str("continue"),
        StmtKind::Assert { test, msg } => {
            out.push_str("assert ");
            write_expr(out, test, Prec::Test);
            if let Some(msg) = msg {
                out.push_str(", ");
                write_expr(out, msg, Prec::Test);
            }
        }
        StmtKind::Delete(targets) => {
            out.push_str("del ");
            for (i, target) in targets.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, target, Prec::Test);
            }
        }
        StmtKind::Global(names) => {
            out.push_str("global ");
            let names: Vec<&str> = names.iter().map(|n| n.name.as_str()).collect();
            out.push_str(&names.join(", "));
        }
        StmtKind::FunctionDef(def) => {
            write_function(out, def, level);
            return;
        }
        StmtKind::ClassDef(class) => {
            write_class(out, class, level);
            return;
        }
        StmtKind::Import(import) => write_import(out, import),
    }
    out.push('\n');
}

fn write_keyword_value(out: &mut String, keyword: &str, value: Option<&Expr>) {
    out.push_str(keyword);
    if let Some(value) = value {
        out.push(' ');
        write_value(out, value);
    }
}

fn write_if(
    out: &mut String,
    keyword: &str,
    test: &Expr,
    body: &[Stmt],
    orelse: &[Stmt],
    level: usize,
) {
    out.push_str(keyword);
    out.push(' ');
    write_expr(out, test, Prec::Test);
    write_block(out, body, level);
    match orelse {
        [] => {}
        [Stmt {
            kind: StmtKind::If { test, body, orelse },
            ..
        }] => {
            indent(out, level);
            write_if(out, "elif", test, body, orelse, level);
        }
        _ => {
            indent(out, level);
            out.push_str("else");
            write_block(out, orelse, level);
        }
    }
}

fn write_decorators(out: &mut String, decorators: &[Expr], level: usize) {
    for decorator in decorators {
        out.push('@');
        write_expr(out, decorator, Prec::Test);
        out.push('\n');
        indent(out, level);
    }
}

fn write_function(out: &mut String, def: &FunctionDef, level: usize) {
    write_decorators(out, &def.decorators, level);
    let _ = write!(out, "def {}(", def.name.name);
    let mut star_written = false;
    for (i, param) in def.params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if param.kw_only && !star_written {
            out.push_str("*, ");
            star_written = true;
        }
        out.push_str(&param.name.name);
        if let Some(annotation) = &param.annotation {
            out.push_str(": ");
            write_expr(out, annotation, Prec::Test);
        }
        if let Some(default) = &param.default {
            out.push('=');
            write_expr(out, default, Prec::Test);
        }
    }
    out.push(')');
    if let Some(returns) = &def.returns {
        out.push_str(" -> ");
        write_expr(out, returns, Prec::Test);
    }
    write_block(out, &def.body, level);
}

fn write_class(out: &mut String, class: &ClassDef, level: usize) {
    write_decorators(out, &class.decorators, level);
    let _ = write!(out, "class {}", class.name.name);
    if !class.bases.is_empty() {
        out.push('(');
        for (i, base) in class.bases.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_expr(out, base, Prec::Test);
        }
        out.push(')');
    }
    write_block(out, &class.body, level);
}

fn write_import(out: &mut String, import: &Import) {
    if let Some(module) = &import.from {
        let _ = write!(out, "from {module} import ");
    } else {
        out.push_str("import ");
    }
    for (i, alias) in import.names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&alias.name);
        if let Some(asname) = &alias.asname {
            let _ = write!(out, " as {}", asname.name);
        }
    }
}

/// Prints as [`print_expr`].
impl std::fmt::Display for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&print_expr(self))
    }
}

/// Prints as [`print_stmts`] (with a trailing newline).
impl std::fmt::Display for Stmt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&print_stmts(std::slice::from_ref(self)))
    }
}

/// Prints as [`print_file`].
impl std::fmt::Display for SourceFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&print_file(self))
    }
}
