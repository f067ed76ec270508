//! Code with control flow as the module tree: each module's methods and their ops, loops and branches in boxes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use torchscript::pickle::PickledObject;
use torchscript_interpreter::syntax::{print_expr, Expr, ExprKind, Stmt, StmtKind};

use super::source::{children, Code};
use super::{op_counts, short_class, Drawing, NodeKind, MAX_NODES};
use crate::failure::Failure;

/// Methods listed per module box, and op names per line.
const MAX_METHODS: usize = 6;
const MAX_OPS_PER_LINE: usize = 6;

/// The module tree of the root, drawn down to where it fits in [`MAX_NODES`] boxes.
pub fn build(code: &Code, method: &str) -> Result<Drawing, Failure> {
    if code.method(&code.root.class_name, method).is_none() {
        return Err(Failure::msg(format!(
            "the root module has no method `{method}`"
        )));
    }
    let mut last = None;
    for depth_limit in (0..=16).rev() {
        let mut tree = Tree {
            code,
            drawing: Drawing {
                title: format!("{} {method}", short_class(&code.root.class_name)),
                ..Drawing::default()
            },
            signatures: HashMap::new(),
            seen: HashMap::new(),
            depth_limit,
        };
        tree.module(&code.root, "", 0);
        if tree.drawing.nodes.len() <= MAX_NODES {
            return Ok(tree.drawing);
        }
        last = Some(tree.drawing);
    }
    Ok(super::collapse::collapse(last.unwrap_or_default(), &[]))
}

struct Tree<'a> {
    code: &'a Code,
    drawing: Drawing,
    /// Interned subtree descriptions, to find repeated siblings.
    signatures: HashMap<String, usize>,
    /// Objects drawn already (shared submodules), by address.
    seen: HashMap<*const PickledObject, usize>,
    depth_limit: usize,
}

impl<'a> Tree<'a> {
    /// Draws `object` (and its subtree); returns its box.
    fn module(&mut self, object: &'a Arc<PickledObject>, path: &str, depth: usize) -> usize {
        let key = Arc::as_ptr(object);
        if let Some(&id) = self.seen.get(&key) {
            return id;
        }
        let class = short_class(&object.class_name).to_string();
        let mut lines = vec![if path.is_empty() {
            class.clone()
        } else {
            format!("{path}: {class}")
        }];
        let methods = self.code.methods(&object.class_name);
        let mut flows = Vec::new();
        for f in methods.iter().take(MAX_METHODS) {
            let summary = summarize(&f.body, &mut flows, &f.name.name);
            if !summary.is_empty() {
                lines.push(format!("{}: {summary}", f.name.name));
            }
        }
        if methods.len() > MAX_METHODS {
            lines.push(format!("+{} more methods", methods.len() - MAX_METHODS));
        }
        let kids = children(object);
        if depth >= self.depth_limit && !kids.is_empty() {
            lines.push(format!("+{} submodules", kids.len()));
        }
        let id = self.drawing.add(NodeKind::Module, lines);
        self.seen.insert(key, id);
        self.cluster(id, path);
        for (method, flow) in flows {
            let f = self.drawing.add(flow.kind, flow.lines);
            self.cluster(f, path);
            self.drawing.connect(id, f, method);
        }
        if depth >= self.depth_limit {
            return id;
        }
        let signatures: Vec<usize> = kids.iter().map(|(_, c)| self.signature(c)).collect();
        let mut i = 0;
        while i < kids.len() {
            let mut run = 1;
            while signatures
                .get(i + run)
                .is_some_and(|s| Some(s) == signatures.get(i))
            {
                run += 1;
            }
            let Some((name, child)) = kids.get(i) else {
                break;
            };
            let child_path = if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}.{name}")
            };
            let child_id = if run > 1 {
                let last = kids.get(i + run - 1).map_or("", |k| k.0);
                let last = if path.is_empty() {
                    last.to_string()
                } else {
                    format!("{path}.{last}")
                };
                self.repeated(child, &child_path, &last, run)
            } else {
                self.module(child, &child_path, depth + 1)
            };
            self.drawing.connect(id, child_id, "");
            i += run;
        }
        id
    }

    /// One box for `count` consecutive siblings of identical content.
    fn repeated(
        &mut self,
        first: &Arc<PickledObject>,
        path: &str,
        last: &str,
        count: usize,
    ) -> usize {
        let class = short_class(&first.class_name);
        let mut lines = vec![format!("{class} ×{count}"), format!("{path} … {last}")];
        let mut flows = Vec::new();
        if let Some(f) = self.code.method(&first.class_name, "forward") {
            lines.push(format!(
                "each forward: {}",
                summarize(&f.body, &mut flows, "forward")
            ));
        }
        let subtree = count_modules(first, &mut HashSet::new()).saturating_sub(1);
        if subtree > 0 {
            lines.push(format!("each with {subtree} submodules"));
        }
        self.drawing.add(NodeKind::Block, lines)
    }

    fn cluster(&mut self, id: usize, path: &str) {
        if let Some(node) = self.drawing.nodes.get_mut(id) {
            node.cluster = Some(if path.is_empty() {
                "root".into()
            } else {
                path.into()
            });
        }
    }

    /// A number naming the content of a subtree (class, methods' ops, children).
    fn signature(&mut self, object: &Arc<PickledObject>) -> usize {
        let mut key = short_class(&object.class_name).to_string();
        for f in self.code.methods(&object.class_name) {
            key.push('|');
            key.push_str(&summarize(&f.body, &mut Vec::new(), ""));
        }
        for (_, child) in children(object) {
            let s = self.signature(child);
            key.push_str(&format!("|#{s}"));
        }
        let next = self.signatures.len();
        *self.signatures.entry(key).or_insert(next)
    }
}

fn count_modules(object: &Arc<PickledObject>, seen: &mut HashSet<*const PickledObject>) -> usize {
    if !seen.insert(Arc::as_ptr(object)) {
        return 0;
    }
    1 + children(object)
        .iter()
        .map(|(_, c)| count_modules(c, seen))
        .sum::<usize>()
}

/// A loop or branch of a method, drawn as its own box.
#[derive(Debug)]
struct Flow {
    kind: NodeKind,
    lines: Vec<String>,
}

/// The ops called directly in `body` (`→ name` for submodule calls); loops and branches go to
/// `flows` (with the method name) and show in the summary as `[for]`, `[if]`.
fn summarize(body: &[Stmt], flows: &mut Vec<(String, Flow)>, method: &str) -> String {
    let mut ops = Vec::new();
    let mut aliases = HashMap::new();
    for stmt in body {
        note_alias(stmt, &mut aliases);
        statement_ops(stmt, &mut ops, flows, method, &aliases);
    }
    op_counts(ops.iter().map(String::as_str), MAX_OPS_PER_LINE)
}

/// Locals naming a submodule (`conv1 = self.conv1` → `→ conv1`) or a function
/// (`_0 = __torch__.torch.nn.functional.embedding` → `embedding`).
type Aliases = HashMap<String, String>;

fn note_alias(stmt: &Stmt, aliases: &mut Aliases) {
    let StmtKind::Assign { targets, value } = &stmt.kind else {
        return;
    };
    let [target] = targets.as_slice() else { return };
    let ExprKind::Name(local) = &target.kind else {
        return;
    };
    if let ExprKind::Call { func, args, .. } = &value.kind {
        // `_0 = getattr(self, "0")`
        if let (ExprKind::Name(f), [this, name]) = (&func.kind, args.as_slice()) {
            if let (true, ExprKind::Name(s), ExprKind::Str(child)) =
                (f == "getattr", &this.kind, &name.kind)
            {
                if s == "self" {
                    aliases.insert(local.clone(), format!("→ {child}"));
                }
            }
        }
        return;
    }
    let ExprKind::Attribute { value: base, attr } = &value.kind else {
        return;
    };
    let alias = match &base.kind {
        ExprKind::Name(n) if n == "self" => format!("→ {}", attr.name),
        ExprKind::Attribute { .. } => attr.name.clone(),
        _ => return,
    };
    aliases.insert(local.clone(), alias);
}

fn statement_ops(
    stmt: &Stmt,
    ops: &mut Vec<String>,
    flows: &mut Vec<(String, Flow)>,
    method: &str,
    aliases: &Aliases,
) {
    let expr_ops = |e: &Expr, ops: &mut Vec<String>| expr_ops(e, ops, aliases);
    match &stmt.kind {
        StmtKind::Expr(e) | StmtKind::Return(Some(e)) => expr_ops(e, ops),
        StmtKind::Assign { value, .. } | StmtKind::AugAssign { value, .. } => expr_ops(value, ops),
        StmtKind::AnnAssign { value: Some(v), .. } => expr_ops(v, ops),
        StmtKind::For { target, iter, body } => {
            ops.push("[for]".into());
            let title = format!(
                "for {} in {}",
                short(&print_expr(target)),
                short(&print_expr(iter))
            );
            flows.push((
                method.to_string(),
                block_flow(NodeKind::Loop, title, &[("body", body)]),
            ));
        }
        StmtKind::While { test, body } => {
            ops.push("[while]".into());
            let title = format!("while {}", short(&print_expr(test)));
            flows.push((
                method.to_string(),
                block_flow(NodeKind::Loop, title, &[("body", body)]),
            ));
        }
        StmtKind::If { test, body, orelse } => {
            expr_ops(test, ops);
            let then = summarize(body, &mut Vec::new(), method);
            let other = summarize(orelse, &mut Vec::new(), method);
            // Checks that only raise (`if ...: ops.prim.RaiseException(...)`) are not drawn.
            if other.is_empty() && (then.is_empty() || then.ends_with("RaiseException")) {
                return;
            }
            ops.push("[if]".into());
            let title = format!("if {}", short(&print_expr(test)));
            flows.push((
                method.to_string(),
                block_flow(NodeKind::Branch, title, &[("then", body), ("else", orelse)]),
            ));
        }
        StmtKind::With { body, .. } => {
            for s in body {
                statement_ops(s, ops, flows, method, aliases);
            }
        }
        _ => {}
    }
}

fn block_flow(kind: NodeKind, title: String, parts: &[(&str, &[Stmt])]) -> Flow {
    let mut lines = vec![title];
    for (name, body) in parts {
        let mut nested = Vec::new();
        let summary = summarize(body, &mut nested, "");
        if !summary.is_empty() {
            lines.push(format!("{name}: {summary}"));
        }
        for (_, inner) in nested.iter().take(3) {
            if let Some(t) = inner.lines.first() {
                lines.push(format!("  {t}"));
            }
            lines.extend(inner.lines.iter().skip(1).map(|l| format!("    {l}")));
        }
    }
    Flow { kind, lines }
}

/// At most 40 characters of a printed expression.
fn short(text: &str) -> String {
    if text.chars().count() <= 40 {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(39).collect::<String>())
    }
}

/// Operator and submodule calls in an expression, innermost first.
fn expr_ops(expr: &Expr, ops: &mut Vec<String>, aliases: &Aliases) {
    let expr_ops = |e: &Expr, ops: &mut Vec<String>| expr_ops(e, ops, aliases);
    match &expr.kind {
        ExprKind::Call {
            func,
            args,
            keywords,
        } => {
            for a in args {
                expr_ops(a, ops);
            }
            for k in keywords {
                expr_ops(&k.value, ops);
            }
            if let Some(name) = call_name(func, aliases) {
                ops.push(name);
            }
        }
        ExprKind::Attribute { value, .. }
        | ExprKind::Unary { operand: value, .. }
        | ExprKind::Starred(value) => expr_ops(value, ops),
        ExprKind::Subscript { value, index } => {
            expr_ops(value, ops);
            expr_ops(index, ops);
        }
        ExprKind::Binary { left, right, .. } => {
            expr_ops(left, ops);
            expr_ops(right, ops);
        }
        ExprKind::Tuple(items) | ExprKind::List(items) | ExprKind::BoolOp { values: items, .. } => {
            items.iter().for_each(|i| expr_ops(i, ops))
        }
        ExprKind::Compare { left, ops: rest } => {
            expr_ops(left, ops);
            rest.iter().for_each(|(_, e)| expr_ops(e, ops));
        }
        ExprKind::IfExp { test, body, orelse } => {
            expr_ops(test, ops);
            expr_ops(body, ops);
            expr_ops(orelse, ops);
        }
        _ => {}
    }
}

/// `torch.relu(...)` → `relu`; `(self.fc).forward(...)` → `→ fc`; builtins and helpers → none.
fn call_name(func: &Expr, aliases: &Aliases) -> Option<String> {
    if let ExprKind::Name(local) = &func.kind {
        return aliases.get(local).filter(|a| !a.starts_with('→')).cloned();
    }
    let ExprKind::Attribute { value, attr } = &func.kind else {
        return None;
    };
    if let ExprKind::Name(local) = &value.kind {
        if let Some(module) = aliases.get(local).filter(|a| a.starts_with('→')) {
            return Some(if attr.name == "forward" {
                module.clone()
            } else {
                format!("{module}.{}", attr.name)
            });
        }
    }
    let name = attr.name.as_str();
    if let ExprKind::Attribute {
        value: base,
        attr: sub,
    } = &value.kind
    {
        if matches!(&base.kind, ExprKind::Name(n) if n == "self") {
            return Some(if name == "forward" {
                format!("→ {}", sub.name)
            } else {
                format!("→ {}.{name}", sub.name)
            });
        }
    }
    if matches!(&value.kind, ExprKind::Name(n) if n == "self") {
        return Some(format!("self.{name}"));
    }
    if name.starts_with("__")
        || matches!(
            name,
            "annotate" | "unchecked_cast" | "isinstance" | "append"
        )
    {
        return None;
    }
    Some(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use torchscript_interpreter::syntax::parse_file;

    fn body(source: &str) -> Vec<Stmt> {
        let file = parse_file("t.py", source).unwrap();
        match file.body.into_iter().next().map(|s| s.kind) {
            Some(StmtKind::FunctionDef(f)) => f.body,
            _ => panic!("no function"),
        }
    }

    #[test]
    fn loops_and_branches_become_their_own_boxes() {
        let b = body(
            "def forward(self, x: Tensor) -> Tensor:\n  y = torch.relu((self.fc).forward(x))\n  \
             for i in range(4):\n    y = torch.add(y, torch.tanh(y))\n  \
             if bool(torch.gt(torch.sum(y), 0)):\n    y = torch.neg(y)\n  return y\n",
        );
        let mut flows = Vec::new();
        let summary = summarize(&b, &mut flows, "forward");
        assert_eq!(summary, "→ fc, relu, [for], sum, gt, [if]");
        assert_eq!(flows.len(), 2);
        assert_eq!(flows[0].1.lines, ["for i in range(4)", "body: tanh, add"]);
        assert_eq!(flows[1].1.kind, NodeKind::Branch);
        assert_eq!(flows[1].1.lines[1], "then: neg");
    }
}
