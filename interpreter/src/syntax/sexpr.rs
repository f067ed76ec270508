//! A compact S-expression rendering of the AST without spans, for snapshot tests and debugging.
//!
//! One statement per line, indented by two spaces per block level; nested blocks are introduced
//! by `body:` / `else:` lines. Expressions are inline: names are bare, strings are quoted,
//! floats are `(float 1e-5)` (bit-exact text), operators are prefix, e.g. `(+ x (. self w))`,
//! `(call f x (kw dim 1))`, `([] Optional List)`, `(compare a < b)`.

use std::fmt::Write;

use super::ast::{Comprehension, Expr, ExprKind, FloatLit, Param, SourceFile, Stmt, StmtKind};
use super::printer::{format_float, quote_string};

/// The S-expression text of a whole file.
pub fn file_to_sexpr(file: &SourceFile) -> String {
    let mut out = String::new();
    for stmt in &file.body {
        write_stmt(&mut out, stmt, 0);
    }
    out
}

/// The S-expression text of one expression.
pub fn expr_to_sexpr(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr);
    out
}

fn line(out: &mut String, level: usize, text: &str) {
    for _ in 0..level {
        out.push_str("  ");
    }
    out.push_str(text);
    out.push('\n');
}

fn block(out: &mut String, level: usize, label: &str, stmts: &[Stmt]) {
    line(out, level, label);
    for stmt in stmts {
        write_stmt(out, stmt, level.saturating_add(1));
    }
}

/// `(for TARGET ITER) (if CONDS)`
fn comp(clause: &Comprehension) -> String {
    format!(
        "(for {} {}) (if {})",
        expr_to_sexpr(&clause.target),
        expr_to_sexpr(&clause.iter),
        exprs(&clause.conds)
    )
}

fn exprs(items: &[Expr]) -> String {
    items
        .iter()
        .map(expr_to_sexpr)
        .collect::<Vec<_>>()
        .join(" ")
}

fn opt(expr: Option<&Expr>) -> String {
    expr.map_or_else(|| "_".to_string(), expr_to_sexpr)
}

fn param(param: &Param) -> String {
    format!(
        "({}{} {} {})",
        if param.kw_only { "kwonly " } else { "" },
        param.name.name,
        opt(param.annotation.as_ref()),
        opt(param.default.as_ref())
    )
}

fn write_stmt(out: &mut String, stmt: &Stmt, level: usize) {
    let e = expr_to_sexpr;
    let text = match &stmt.kind {
        StmtKind::Expr(value) => format!("(expr {})", e(value)),
        StmtKind::Assign { targets, value } => format!("(= {} {})", exprs(targets), e(value)),
        StmtKind::AnnAssign {
            target,
            annotation,
            value,
        } => format!(
            "(annassign {} {} {})",
            e(target),
            e(annotation),
            opt(value.as_ref())
        ),
        StmtKind::AugAssign { target, op, value } => {
            format!("({}= {} {})", op.symbol(), e(target), e(value))
        }
        StmtKind::If { test, body, orelse } => {
            line(out, level, &format!("(if {}", e(test)));
            block(out, level.saturating_add(1), "body:", body);
            if !orelse.is_empty() {
                block(out, level.saturating_add(1), "else:", orelse);
            }
            line(out, level, ")");
            return;
        }
        StmtKind::For { target, iter, body } => {
            line(out, level, &format!("(for {} {}", e(target), e(iter)));
            block(out, level.saturating_add(1), "body:", body);
            line(out, level, ")");
            return;
        }
        StmtKind::While { test, body } => {
            line(out, level, &format!("(while {}", e(test)));
            block(out, level.saturating_add(1), "body:", body);
            line(out, level, ")");
            return;
        }
        StmtKind::With { items, body } => {
            let items: Vec<String> = items
                .iter()
                .map(|item| format!("({} {})", e(&item.context), opt(item.target.as_ref())))
                .collect();
            line(out, level, &format!("(with {}", items.join(" ")));
            block(out, level.saturating_add(1), "body:", body);
            line(out, level, ")");
            return;
        }
        StmtKind::Return(value) => format!("(return {})", opt(value.as_ref())),
        StmtKind::Raise(value) => format!("(raise {})", opt(value.as_ref())),
        StmtKind::Pass => "(pass)".to_string(),
        StmtKind::Break => "(break)".to_string(),
        StmtKind::Continue => "(continue)".to_string(),
        StmtKind::Assert { test, msg } => format!("(assert {} {})", e(test), opt(msg.as_ref())),
        StmtKind::Delete(targets) => format!("(del {})", exprs(targets)),
        StmtKind::Global(names) => {
            let names: Vec<&str> = names.iter().map(|n| n.name.as_str()).collect();
            format!("(global {})", names.join(" "))
        }
        StmtKind::FunctionDef(def) => {
            let params: Vec<String> = def.params.iter().map(param).collect();
            line(
                out,
                level,
                &format!(
                    "(def {} (decorators {}) (params {}) (returns {})",
                    def.name.name,
                    exprs(&def.decorators),
                    params.join(" "),
                    opt(def.returns.as_ref())
                ),
            );
            block(out, level.saturating_add(1), "body:", &def.body);
            line(out, level, ")");
            return;
        }
        StmtKind::ClassDef(class) => {
            line(
                out,
                level,
                &format!(
                    "(class {} (decorators {}) (bases {})",
                    class.name.name,
                    exprs(&class.decorators),
                    exprs(&class.bases)
                ),
            );
            block(out, level.saturating_add(1), "body:", &class.body);
            line(out, level, ")");
            return;
        }
        StmtKind::Import(import) => {
            let names: Vec<String> = import
                .names
                .iter()
                .map(|alias| match &alias.asname {
                    Some(asname) => format!("({} as {})", alias.name, asname.name),
                    None => alias.name.clone(),
                })
                .collect();
            match &import.from {
                Some(module) => format!("(from {module} import {})", names.join(" ")),
                None => format!("(import {})", names.join(" ")),
            }
        }
    };
    line(out, level, &text);
}

fn write_expr(out: &mut String, expr: &Expr) {
    let e = expr_to_sexpr;
    let o = |x: &Option<Box<Expr>>| opt(x.as_deref());
    let text = match &expr.kind {
        ExprKind::Name(name) => name.clone(),
        ExprKind::Int(value) => value.to_string(),
        ExprKind::Float(FloatLit(value)) => format!("(float {})", format_float(*value)),
        ExprKind::Imag(FloatLit(value)) => format!("(imag {})", format_float(*value)),
        ExprKind::Str(value) => quote_string(value),
        ExprKind::Bool(value) => if *value { "True" } else { "False" }.to_string(),
        ExprKind::None => "None".to_string(),
        ExprKind::Ellipsis => "...".to_string(),
        ExprKind::List(items) => format!("(list {})", exprs(items)),
        ExprKind::Tuple(items) => format!("(tuple {})", exprs(items)),
        ExprKind::Dict(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("({} {})", e(k), e(v)))
                .collect();
            format!("(dict {})", entries.join(" "))
        }
        ExprKind::Attribute { value, attr } => format!("(. {} {})", e(value), attr.name),
        ExprKind::Subscript { value, index } => format!("([] {} {})", e(value), e(index)),
        ExprKind::Slice { lower, upper, step } => {
            format!("(slice {} {} {})", o(lower), o(upper), o(step))
        }
        ExprKind::Call {
            func,
            args,
            keywords,
        } => {
            let mut parts = vec![e(func)];
            parts.extend(args.iter().map(e));
            parts.extend(
                keywords
                    .iter()
                    .map(|k| format!("(kw {} {})", k.name.name, e(&k.value))),
            );
            format!("(call {})", parts.join(" "))
        }
        ExprKind::Starred(value) => format!("(* {})", e(value)),
        ExprKind::Unary { op, operand } => format!("({} {})", op.symbol(), e(operand)),
        ExprKind::Binary { op, left, right } => {
            format!("({} {} {})", op.symbol(), e(left), e(right))
        }
        ExprKind::BoolOp { op, values } => format!("({} {})", op.symbol(), exprs(values)),
        ExprKind::Compare { left, ops } => {
            let mut text = format!("(compare {}", e(left));
            for (op, right) in ops {
                let _ = write!(text, " {} {}", op.symbol(), e(right));
            }
            text.push(')');
            text
        }
        ExprKind::IfExp { test, body, orelse } => {
            format!("(ifexp {} {} {})", e(test), e(body), e(orelse))
        }
        ExprKind::ListComp { elt, clause } => format!("(listcomp {} {})", e(elt), comp(clause)),
        ExprKind::DictComp { key, value, clause } => {
            format!("(dictcomp {} {} {})", e(key), e(value), comp(clause))
        }
    };
    out.push_str(&text);
}
