//! Straight-line code as a dataflow graph: submodule calls are inlined, each operator call is a box.

use std::collections::HashMap;
use std::sync::Arc;

use torchscript::pickle::PickledObject;
use torchscript_interpreter::syntax::{
    print_expr, BinOp, Expr, ExprKind, FunctionDef, Stmt, StmtKind,
};

use super::collapse::{collapse, Event, Frame};
use super::source::{attribute, Attr, Code};
use super::{dims, Drawing, NodeKind};
use crate::failure::Failure;

/// Inlining deeper than this, or more operator calls than [`MAX_OPS`], gives up on the dataflow
/// view (the module tree is drawn instead).
const MAX_DEPTH: usize = 64;
const MAX_OPS: usize = 50_000;

/// What an expression evaluates to, as far as drawing is concerned.
#[derive(Debug, Clone)]
enum Sym<'a> {
    /// A value computed from these boxes.
    Data(Vec<usize>),
    /// A submodule at this attribute path.
    Module(&'a Arc<PickledObject>, String),
    /// A tensor attribute (parameter or buffer): listed in the label of the op that reads it.
    Param(String, Vec<usize>),
    Tuple(Vec<Sym<'a>>),
    /// A function by its qualified name (`_0 = __torch__.torch.nn.functional.embedding`).
    Func(&'a str),
    Const,
}

impl Sym<'_> {
    fn deps(&self, out: &mut Vec<usize>) {
        match self {
            Sym::Data(ids) => out.extend(ids),
            Sym::Tuple(items) => items.iter().for_each(|i| i.deps(out)),
            _ => {}
        }
    }

    fn params(&self, out: &mut Vec<(String, Vec<usize>)>) {
        match self {
            Sym::Param(name, shape) => out.push((name.clone(), shape.clone())),
            Sym::Tuple(items) => items.iter().for_each(|i| i.params(out)),
            _ => {}
        }
    }
}

/// Control flow was found: the dataflow view does not apply.
#[derive(Debug)]
struct NotStraight;

struct Flow<'a> {
    code: &'a Code,
    drawing: Drawing,
    frames: Vec<Frame>,
    /// The frame that calls are currently recorded in.
    current: usize,
}

/// The dataflow drawing of `method`, or `None` when its code has loops or branches.
pub fn build(code: &Code, method: &str) -> Result<Option<Drawing>, Failure> {
    let root_class = code.root.class_name.clone();
    let function = code
        .method(&root_class, method)
        .ok_or_else(|| Failure::msg(format!("the root module has no method `{method}`")))?;
    let mut flow = Flow {
        code,
        drawing: Drawing {
            title: format!("{} {}", super::short_class(&root_class), method),
            ..Drawing::default()
        },
        frames: vec![Frame {
            path: String::new(),
            class: super::short_class(&root_class).to_string(),
            events: Vec::new(),
            depth: 0,
        }],
        current: 0,
    };
    let mut args = Vec::new();
    for param in function.params.iter().skip(1) {
        let mut lines = vec![param.name.name.clone()];
        if let Some(annotation) = &param.annotation {
            lines.push(print_expr(annotation));
        }
        let id = flow.drawing.add(NodeKind::Input, lines);
        args.push(Sym::Data(vec![id]));
    }
    let result = match flow.call(function, &code.root, String::new(), args, 0) {
        Ok(result) => result,
        Err(NotStraight) => return Ok(None),
    };
    let outputs = match result {
        Sym::Tuple(items) => items,
        other => vec![other],
    };
    let many = outputs.len() > 1;
    for (i, output) in outputs.iter().enumerate() {
        let mut deps = Vec::new();
        output.deps(&mut deps);
        let title = if many {
            format!("output {i}")
        } else {
            "output".to_string()
        };
        let id = flow.drawing.add(NodeKind::Output, vec![title]);
        for dep in deps {
            flow.drawing.connect(dep, id, "");
        }
    }
    Ok(Some(collapse(flow.drawing, &flow.frames)))
}

impl<'a> Flow<'a> {
    /// Inlines one method call on `module` (at `path`).
    fn call(
        &mut self,
        function: &'a FunctionDef,
        module: &'a Arc<PickledObject>,
        path: String,
        args: Vec<Sym<'a>>,
        depth: usize,
    ) -> Result<Sym<'a>, NotStraight> {
        if depth > MAX_DEPTH {
            return Err(NotStraight);
        }
        let mut env: HashMap<&'a str, Sym<'a>> = HashMap::new();
        let mut params = function.params.iter();
        if let Some(this) = params.next() {
            env.insert(this.name.name.as_str(), Sym::Module(module, path.clone()));
        }
        for (param, arg) in params.zip(args) {
            env.insert(param.name.name.as_str(), arg);
        }
        let mut scope = Scope { env, path, depth };
        for stmt in &function.body {
            if let Some(result) = self.stmt(stmt, &mut scope)? {
                return Ok(result);
            }
        }
        Ok(Sym::Const)
    }

    fn stmt(
        &mut self,
        stmt: &'a Stmt,
        scope: &mut Scope<'a>,
    ) -> Result<Option<Sym<'a>>, NotStraight> {
        match &stmt.kind {
            StmtKind::Expr(e) => {
                self.expr(e, scope)?;
            }
            StmtKind::Assign { targets, value } => {
                let value = self.expr(value, scope)?;
                for target in targets {
                    bind(target, value.clone(), &mut scope.env);
                }
            }
            StmtKind::AnnAssign {
                target,
                value: Some(value),
                ..
            } => {
                let value = self.expr(value, scope)?;
                bind(target, value, &mut scope.env);
            }
            StmtKind::AugAssign { target, op, value } => {
                let left = self.expr(target, scope)?;
                let right = self.expr(value, scope)?;
                let result = self.op(binop_name(*op), &[left, right], scope);
                bind(target, result, &mut scope.env);
            }
            StmtKind::Return(value) => {
                return Ok(Some(match value {
                    Some(v) => self.expr(v, scope)?,
                    None => Sym::Const,
                }))
            }
            StmtKind::If { .. }
            | StmtKind::For { .. }
            | StmtKind::While { .. }
            | StmtKind::With { .. } => return Err(NotStraight),
            _ => {}
        }
        Ok(None)
    }

    fn expr(&mut self, expr: &'a Expr, scope: &mut Scope<'a>) -> Result<Sym<'a>, NotStraight> {
        Ok(match &expr.kind {
            ExprKind::Name(name) => scope.env.get(name.as_str()).cloned().unwrap_or(Sym::Const),
            ExprKind::Attribute { .. } if qualified_function(expr, &scope.env).is_some() => {
                qualified_function(expr, &scope.env).map_or(Sym::Const, Sym::Func)
            }
            ExprKind::Attribute { value, attr } => match self.expr(value, scope)? {
                Sym::Module(object, path) => member(object, &path, &attr.name),
                Sym::Data(ids) => Sym::Data(ids),
                _ => Sym::Const,
            },
            ExprKind::Call {
                func,
                args,
                keywords,
            } if is_getattr(func, args) => {
                // `getattr(self, "0")`: a submodule by its literal name.
                match (self.expr(&args[0], scope)?, &args[1].kind) {
                    (Sym::Module(object, path), ExprKind::Str(name)) => member(object, &path, name),
                    _ => Sym::Const,
                }
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                let mut values = Vec::with_capacity(args.len() + keywords.len());
                for a in args {
                    values.push(self.expr(a, scope)?);
                }
                for k in keywords {
                    values.push(self.expr(&k.value, scope)?);
                }
                self.call_expr(func, values, scope)?
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.expr(item, scope)?);
                }
                Sym::Tuple(values)
            }
            ExprKind::Subscript { value, index } => {
                let base = self.expr(value, scope)?;
                match (&base, &index.kind) {
                    (Sym::Tuple(items), ExprKind::Int(i)) => usize::try_from(*i)
                        .ok()
                        .and_then(|i| items.get(i).cloned())
                        .unwrap_or(Sym::Const),
                    _ => {
                        let index = self.expr(index, scope)?;
                        merged(&[base, index])
                    }
                }
            }
            ExprKind::Binary { op, left, right } => {
                let values = [self.expr(left, scope)?, self.expr(right, scope)?];
                if values
                    .iter()
                    .all(|v| matches!(v, Sym::Data(_) | Sym::Param(..)))
                {
                    self.op(binop_name(*op), &values, scope)
                } else {
                    merged(&values)
                }
            }
            ExprKind::Unary { operand, .. } | ExprKind::Starred(operand) => {
                self.expr(operand, scope)?
            }
            ExprKind::BoolOp { values, .. } => {
                let mut syms = Vec::new();
                for v in values {
                    syms.push(self.expr(v, scope)?);
                }
                merged(&syms)
            }
            ExprKind::Compare { left, ops } => {
                let mut syms = vec![self.expr(left, scope)?];
                for (_, v) in ops {
                    syms.push(self.expr(v, scope)?);
                }
                merged(&syms)
            }
            ExprKind::IfExp { .. } | ExprKind::ListComp { .. } | ExprKind::DictComp { .. } => {
                return Err(NotStraight)
            }
            _ => Sym::Const,
        })
    }

    /// A call: an inlined submodule method, an operator box, or a pass-through builtin.
    fn call_expr(
        &mut self,
        func: &'a Expr,
        args: Vec<Sym<'a>>,
        scope: &mut Scope<'a>,
    ) -> Result<Sym<'a>, NotStraight> {
        if let Some(name) = qualified_function(func, &scope.env) {
            return Ok(self.op(name, &args, scope));
        }
        match &func.kind {
            ExprKind::Attribute { value, attr } => match self.expr(value, scope)? {
                Sym::Module(object, path) => {
                    let class = object.class_name.as_str();
                    match self.code.method(class, &attr.name) {
                        Some(function) => self.enter(function, object, path, args, scope.depth),
                        None => Ok(self.op(&attr.name, &args, scope)),
                    }
                }
                base @ Sym::Data(_) | base @ Sym::Param(..) => {
                    let mut all = vec![base];
                    all.extend(args);
                    Ok(self.op(&attr.name, &all, scope))
                }
                _ => Ok(merged(&args)),
            },
            ExprKind::Name(name) => match scope.env.get(name.as_str()) {
                Some(Sym::Func(op)) => {
                    let op = *op;
                    Ok(self.op(op, &args, scope))
                }
                _ => Ok(merged(&args)),
            },
            _ => Ok(merged(&args)),
        }
    }

    fn enter(
        &mut self,
        function: &'a FunctionDef,
        object: &'a Arc<PickledObject>,
        path: String,
        args: Vec<Sym<'a>>,
        depth: usize,
    ) -> Result<Sym<'a>, NotStraight> {
        let frame = self.frames.len();
        self.frames.push(Frame {
            path: path.clone(),
            class: super::short_class(&object.class_name).to_string(),
            events: Vec::new(),
            depth: depth + 1,
        });
        let parent = self.current;
        if let Some(p) = self.frames.get_mut(parent) {
            p.events.push(Event::Frame(frame));
        }
        self.current = frame;
        let result = self.call(function, object, path, args, depth + 1);
        self.current = parent;
        result
    }

    /// A box for operator `name` reading `args`.
    fn op(&mut self, name: &str, args: &[Sym<'a>], scope: &Scope<'a>) -> Sym<'a> {
        if self.drawing.nodes.len() > MAX_OPS {
            return Sym::Const;
        }
        let mut deps = Vec::new();
        let mut params = Vec::new();
        for a in args {
            a.deps(&mut deps);
            a.params(&mut params);
        }
        let mut lines = vec![name.to_string()];
        if !scope.path.is_empty() {
            lines.push(scope.path.clone());
        }
        lines.extend(param_lines(&params));
        let id = self.drawing.add(NodeKind::Op, lines);
        if let Some(frame) = self.frames.get_mut(self.current) {
            frame.events.push(Event::Node(id, name.to_string()));
        }
        for dep in deps {
            self.drawing.connect(dep, id, "");
        }
        Sym::Data(vec![id])
    }
}

struct Scope<'a> {
    env: HashMap<&'a str, Sym<'a>>,
    path: String,
    depth: usize,
}

/// `weight 64×3×7×7`; parameters of one shape share a line (`weight, bias 64`).
fn param_lines(params: &[(String, Vec<usize>)]) -> Vec<String> {
    let mut groups: Vec<(Vec<&str>, &Vec<usize>)> = Vec::new();
    for (name, shape) in params {
        let short = name.rsplit('.').next().unwrap_or(name);
        match groups.iter_mut().find(|(_, s)| *s == shape) {
            Some((names, _)) => names.push(short),
            None => groups.push((vec![short], shape)),
        }
    }
    groups
        .into_iter()
        .map(|(names, shape)| format!("{} {}", names.join(", "), dims(shape)))
        .collect()
}

/// `self.conv1`: a submodule, a tensor attribute, or something drawn as nothing.
fn member<'a>(object: &'a Arc<PickledObject>, path: &str, name: &str) -> Sym<'a> {
    let child_path = if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    };
    match attribute(object, name) {
        Some(Attr::Module(child)) => Sym::Module(child, child_path),
        Some(Attr::Tensor(shape)) => Sym::Param(child_path, shape),
        _ => Sym::Const,
    }
}

/// `torch.relu`, `ops.aten.foo`, `F.linear`: a dotted name rooted at something that is not a
/// local; the operator is its last segment.
fn qualified_function<'e>(func: &'e Expr, env: &HashMap<&'e str, Sym<'_>>) -> Option<&'e str> {
    let ExprKind::Attribute { value, attr } = &func.kind else {
        return None;
    };
    let mut base = &**value;
    loop {
        match &base.kind {
            ExprKind::Attribute { value, .. } => base = value,
            ExprKind::Name(root) if !env.contains_key(root.as_str()) => return Some(&attr.name),
            _ => return None,
        }
    }
}

fn is_getattr(func: &Expr, args: &[Expr]) -> bool {
    matches!(&func.kind, ExprKind::Name(n) if n == "getattr")
        && args.len() == 2
        && matches!(args[1].kind, ExprKind::Str(_))
}

fn merged<'a>(syms: &[Sym<'a>]) -> Sym<'a> {
    let mut deps = Vec::new();
    for s in syms {
        s.deps(&mut deps);
    }
    if deps.is_empty() {
        Sym::Const
    } else {
        deps.sort_unstable();
        deps.dedup();
        Sym::Data(deps)
    }
}

fn bind<'a>(target: &'a Expr, value: Sym<'a>, env: &mut HashMap<&'a str, Sym<'a>>) {
    match &target.kind {
        ExprKind::Name(name) => {
            env.insert(name.as_str(), value);
        }
        ExprKind::Tuple(items) | ExprKind::List(items) => match value {
            Sym::Tuple(values) if values.len() == items.len() => {
                for (item, v) in items.iter().zip(values) {
                    bind(item, v, env);
                }
            }
            other => {
                let all = merged(std::slice::from_ref(&other));
                for item in items {
                    bind(item, all.clone(), env);
                }
            }
        },
        _ => {}
    }
}

fn binop_name(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "add",
        BinOp::Sub => "sub",
        BinOp::Mul => "mul",
        BinOp::Div => "div",
        BinOp::FloorDiv => "floordiv",
        BinOp::Mod => "remainder",
        BinOp::Pow => "pow",
        BinOp::MatMul => "matmul",
        BinOp::BitAnd => "and",
        BinOp::BitOr => "or",
        BinOp::BitXor => "xor",
        BinOp::LShift => "lshift",
        BinOp::RShift => "rshift",
    }
}
