//! Lowering: a function's AST to its resolved form (slots for locals, resolved call targets).

use std::collections::HashMap;
use std::sync::Arc;

use crate::builtins::builtin_named;
use crate::error::{ErrorKind, Result};
use crate::ir::{
    Call, CallTarget, Comprehension, Expr, Function, OpSite, Param, Stmt, StmtKind, Target,
};
use crate::program::Program;
use crate::syntax::{self, BinOp, CmpOp, ExprKind, FunctionDef, SourceFile, StmtKind as S};
use crate::types::{dotted_name, Type};
use crate::value::Value;

/// Names that resolve to namespaces rather than values.
const NAMESPACES: [&str; 5] = ["torch", "ops", "math", "__torch__", "CONSTANTS"];

/// Lowers one function definition. `qualified` names it in call stacks.
pub fn lower_function(
    program: &Program,
    def: &FunctionDef,
    file: &Arc<SourceFile>,
    qualified: String,
) -> Result<Function> {
    let mut lowerer = Lowerer {
        program,
        file,
        slots: HashMap::new(),
        names: Vec::new(),
        nested: Vec::new(),
    };
    for p in &def.params {
        lowerer.slot(&p.name.name);
    }
    lowerer.collect_assigned(&def.body);
    let params = def
        .params
        .iter()
        .map(|p| {
            Ok(Param {
                name: p.name.name.clone(),
                ty: p.annotation.as_ref().map(Type::from_expr),
                default: p.default.as_ref().map(|d| lowerer.expr(d)).transpose()?,
                kw_only: p.kw_only,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let body = lowerer.block(&def.body)?;
    Ok(Function {
        name: qualified,
        params,
        returns: def.returns.as_ref().map(Type::from_expr),
        num_slots: lowerer.names.len(),
        body,
        file: file.clone(),
        nested: lowerer.nested,
    })
}

struct Lowerer<'a> {
    program: &'a Program,
    file: &'a Arc<SourceFile>,
    slots: HashMap<String, usize>,
    names: Vec<String>,
    nested: Vec<crate::ir::NestedFunction>,
}

impl Lowerer<'_> {
    fn slot(&mut self, name: &str) -> usize {
        if let Some(&s) = self.slots.get(name) {
            return s;
        }
        let s = self.names.len();
        self.slots.insert(name.to_string(), s);
        self.names.push(name.to_string());
        s
    }

    fn error(&self, span: syntax::Span, msg: impl std::fmt::Display) -> crate::error::Error {
        ErrorKind::Lowering(syntax::ParseError::new(
            &self.file.path,
            &self.file.text,
            span,
            msg.to_string(),
        ))
        .into()
    }

    // ----- pass 1: which names are locals -----

    /// Gives a slot to every name the body binds: assignment and loop targets, `with ... as`
    /// names, nested functions and their parameters.
    fn collect_assigned(&mut self, body: &[syntax::Stmt]) {
        syntax::visit::for_each_stmt(body, &mut |stmt| match &stmt.kind {
            S::Assign { targets, .. } => targets.iter().for_each(|t| self.collect_target(t)),
            S::AnnAssign { target, .. } | S::AugAssign { target, .. } | S::For { target, .. } => {
                self.collect_target(target)
            }
            S::With { items, .. } => items
                .iter()
                .filter_map(|item| item.target.as_ref())
                .for_each(|t| self.collect_target(t)),
            S::FunctionDef(f) => {
                self.slot(&f.name.name);
                for p in &f.params {
                    self.slot(&p.name.name);
                }
            }
            _ => {}
        });
    }

    fn collect_target(&mut self, target: &syntax::Expr) {
        match &target.kind {
            ExprKind::Name(n) => {
                self.slot(n);
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                items.iter().for_each(|t| self.collect_target(t))
            }
            ExprKind::Starred(inner) => self.collect_target(inner),
            _ => {}
        }
    }

    // ----- statements -----

    fn block(&mut self, body: &[syntax::Stmt]) -> Result<Vec<Stmt>> {
        let mut out = Vec::with_capacity(body.len());
        for stmt in body {
            if let Some(s) = self.stmt(stmt)? {
                out.push(s);
            }
        }
        Ok(out)
    }

    fn stmt(&mut self, stmt: &syntax::Stmt) -> Result<Option<Stmt>> {
        let span = stmt.span;
        let kind = match &stmt.kind {
            S::Expr(e) => {
                // A bare string is a docstring.
                if matches!(e.kind, ExprKind::Str(_)) {
                    return Ok(None);
                }
                StmtKind::Expr(self.expr(e)?)
            }
            S::Assign { targets, value } => StmtKind::Assign {
                targets: targets
                    .iter()
                    .map(|t| self.target(t))
                    .collect::<Result<_>>()?,
                value: self.expr(value)?,
            },
            S::AnnAssign { target, value, .. } => match value {
                Some(v) => StmtKind::Assign {
                    targets: vec![self.target(target)?],
                    value: self.expr(v)?,
                },
                None => return Ok(None),
            },
            S::AugAssign { target, op, value } => {
                let current = self.expr(target)?;
                let rhs = self.expr(value)?;
                // `x += y` stores the value form back (tensor in-place ops are printed as `torch.add_`).
                let name = binary_op_name(*op);
                let call = self.op_call(name, vec![current, rhs], span);
                StmtKind::Assign {
                    targets: vec![self.target(target)?],
                    value: call,
                }
            }
            S::If { test, body, orelse } => StmtKind::If {
                test: self.expr(test)?,
                body: self.block(body)?,
                orelse: self.block(orelse)?,
            },
            S::While { test, body } => StmtKind::While {
                test: self.expr(test)?,
                body: self.block(body)?,
            },
            S::For { target, iter, body } => StmtKind::For {
                target: self.target(target)?,
                iter: self.expr(iter)?,
                body: self.block(body)?,
            },
            S::With { items, body } => StmtKind::With {
                items: items
                    .iter()
                    .map(|i| {
                        Ok((
                            self.expr(&i.context)?,
                            i.target.as_ref().map(|t| self.target(t)).transpose()?,
                        ))
                    })
                    .collect::<Result<_>>()?,
                body: self.block(body)?,
            },
            S::Return(v) => StmtKind::Return(v.as_ref().map(|e| self.expr(e)).transpose()?),
            S::Pass => StmtKind::Pass,
            S::Break => StmtKind::Break,
            S::Continue => StmtKind::Continue,
            S::Raise(Some(e)) if self.exception_class(e).is_some() => self.raise_exception(e)?,
            S::Raise(e) => StmtKind::Raise(e.as_ref().map(|e| self.expr(e)).transpose()?),
            S::Assert { test, msg } => StmtKind::Assert {
                test: self.expr(test)?,
                msg: msg.as_ref().map(|m| self.expr(m)).transpose()?,
            },
            S::Delete(targets) => StmtKind::Delete(
                targets
                    .iter()
                    .map(|t| self.target(t))
                    .collect::<Result<_>>()?,
            ),
            S::Global(_) | S::Import(_) => return Ok(None),
            S::FunctionDef(f) => {
                let param_slots = f.params.iter().map(|p| self.slot(&p.name.name)).collect();
                let body = self.block(&f.body)?;
                let index = self.nested.len();
                self.nested.push(crate::ir::NestedFunction {
                    name: f.name.name.clone(),
                    param_slots,
                    body,
                });
                let slot = self.slot(&f.name.name);
                StmtKind::Assign {
                    targets: vec![Target::Local(slot)],
                    value: Expr::LocalFunction(index),
                }
            }
            S::ClassDef(c) => {
                return Err(self.error(
                    c.name.span,
                    "class definitions inside functions are not supported",
                ))
            }
        };
        Ok(Some(Stmt { kind, span }))
    }

    /// The class of `raise ValueError(...)` / `raise Exception`: a name that is not a local
    /// and reads as a Python exception class.
    fn exception_class<'e>(&self, raised: &'e syntax::Expr) -> Option<&'e str> {
        let name = match &raised.kind {
            ExprKind::Call { func, .. } => match &func.kind {
                ExprKind::Name(n) => n,
                _ => return None,
            },
            ExprKind::Name(n) => n,
            _ => return None,
        };
        let is_class = name == "Exception"
            || name.ends_with("Error")
            || (name.ends_with("Exception") && name.len() > "Exception".len());
        (is_class && !self.is_local(name)).then_some(name.as_str())
    }

    /// `raise C(message)` as TorchScript compiles it: `ops.prim.RaiseException(message,
    /// "builtins.C")`.
    fn raise_exception(&mut self, raised: &syntax::Expr) -> Result<StmtKind> {
        let class = self.exception_class(raised).unwrap_or("Exception");
        let class = Expr::Const(Value::str(&format!("builtins.{class}")));
        let message = match &raised.kind {
            ExprKind::Call { args, .. } => match args.as_slice() {
                [] => Expr::Const(Value::str("")),
                [message] => self.expr(message)?,
                _ => {
                    return Err(self.error(
                        raised.span,
                        "an exception takes at most one argument (its message)",
                    ))
                }
            },
            _ => Expr::Const(Value::str("")),
        };
        Ok(StmtKind::Expr(Expr::Call(Box::new(Call {
            target: CallTarget::Builtin(
                builtin_named("ops.prim.RaiseException")
                    .ok_or_else(|| self.error(raised.span, "no RaiseException builtin"))?,
            ),
            args: vec![message, class],
            kwargs: vec![],
            span: raised.span,
        }))))
    }

    /// Lowers a comprehension's `for ... in ... if ...` clause (its target's names are
    /// collected by the caller before the element is lowered).
    fn comprehension(&mut self, clause: &syntax::Comprehension) -> Result<Comprehension> {
        Ok(Comprehension {
            target: self.target(&clause.target)?,
            iter: Box::new(self.expr(&clause.iter)?),
            conds: self.exprs(&clause.conds)?,
        })
    }

    fn target(&mut self, target: &syntax::Expr) -> Result<Target> {
        Ok(match &target.kind {
            ExprKind::Name(n) => Target::Local(self.slot(n)),
            ExprKind::Tuple(items) | ExprKind::List(items) => Target::Tuple(
                items
                    .iter()
                    .map(|t| self.target(t))
                    .collect::<Result<_>>()?,
            ),
            ExprKind::Attribute { value, attr } => {
                Target::Attr(Box::new(self.expr(value)?), Arc::from(attr.name.as_str()))
            }
            ExprKind::Subscript { value, index } => {
                Target::Index(Box::new(self.expr(value)?), Box::new(self.expr(index)?))
            }
            _ => return Err(self.error(target.span, "cannot assign to this expression")),
        })
    }

    // ----- expressions -----

    fn op_site(&self, name: &str) -> Arc<OpSite> {
        Arc::new(crate::bind::make_site(self.program, name))
    }

    fn op_call(&self, name: &str, args: Vec<Expr>, span: syntax::Span) -> Expr {
        Expr::Call(Box::new(Call {
            target: CallTarget::Op(self.op_site(name)),
            args,
            kwargs: vec![],
            span,
        }))
    }

    fn is_local(&self, name: &str) -> bool {
        self.slots.contains_key(name)
    }

    /// The root name of an attribute chain, if the chain starts with a global namespace.
    fn namespace_path(&self, expr: &syntax::Expr) -> Option<String> {
        let path = dotted_name(expr)?;
        let root = path.split('.').next()?;
        (!self.is_local(root) && NAMESPACES.contains(&root)).then_some(path)
    }

    fn expr(&mut self, expr: &syntax::Expr) -> Result<Expr> {
        let span = expr.span;
        Ok(match &expr.kind {
            ExprKind::Int(i) => Expr::Const(Value::Int(*i)),
            ExprKind::Float(syntax::FloatLit(f)) => Expr::Const(Value::Float(*f)),
            ExprKind::Str(s) => Expr::Const(Value::str(s)),
            ExprKind::Bool(b) => Expr::Const(Value::Bool(*b)),
            ExprKind::None => Expr::Const(Value::None),
            ExprKind::Imag(_) => {
                return Err(self.error(expr.span, "complex numbers are not supported"))
            }
            ExprKind::Ellipsis => Expr::Const(Value::Ellipsis),
            ExprKind::Name(n) => self.name(n, expr)?,
            ExprKind::Attribute { value, attr } => {
                if let Some(path) = self.namespace_path(expr) {
                    self.global_path(&path, expr)?
                } else {
                    Expr::Attr(Box::new(self.expr(value)?), Arc::from(attr.name.as_str()))
                }
            }
            ExprKind::Subscript { value, index } => {
                if dotted_name(value).is_some_and(|n| is_type_constructor(&n) && !self.is_local(&n))
                {
                    Expr::Type(Type::from_expr(expr))
                } else {
                    Expr::Index(Box::new(self.expr(value)?), Box::new(self.expr(index)?))
                }
            }
            ExprKind::Slice { lower, upper, step } => Expr::Slice(
                self.opt_box(lower)?,
                self.opt_box(upper)?,
                self.opt_box(step)?,
            ),
            ExprKind::Call {
                func,
                args,
                keywords,
            } => self.call(func, args, keywords, span)?,
            ExprKind::Starred(_) => {
                return Err(self.error(expr.span, "starred expressions are not supported here"))
            }
            ExprKind::List(items) => Expr::List(self.exprs(items)?),
            ExprKind::Tuple(items) => Expr::Tuple(self.exprs(items)?),
            ExprKind::Dict(items) => Expr::Dict(
                items
                    .iter()
                    .map(|(k, v)| Ok((self.expr(k)?, self.expr(v)?)))
                    .collect::<Result<_>>()?,
            ),
            ExprKind::Unary { op, operand } => {
                let inner = self.expr(operand)?;
                match op {
                    syntax::UnaryOp::Neg => self.op_call("aten::neg", vec![inner], span),
                    syntax::UnaryOp::Pos => inner,
                    syntax::UnaryOp::Not | syntax::UnaryOp::Invert => {
                        Expr::Unary(*op, Box::new(inner))
                    }
                }
            }
            ExprKind::Binary { op, left, right } => {
                let (l, r) = (self.expr(left)?, self.expr(right)?);
                self.op_call(binary_op_name(*op), vec![l, r], span)
            }
            ExprKind::BoolOp { op, values } => {
                let mut lowered = self.exprs(values)?.into_iter();
                let first = lowered
                    .next()
                    .ok_or_else(|| self.error(expr.span, "empty boolean expression"))?;
                lowered.fold(first, |acc, next| match op {
                    syntax::BoolOp::And => Expr::And(Box::new(acc), Box::new(next)),
                    syntax::BoolOp::Or => Expr::Or(Box::new(acc), Box::new(next)),
                })
            }
            ExprKind::Compare { left, ops } => self.compare(left, ops, span)?,
            ExprKind::IfExp { test, body, orelse } => Expr::IfExp(
                Box::new(self.expr(test)?),
                Box::new(self.expr(body)?),
                Box::new(self.expr(orelse)?),
            ),
            ExprKind::ListComp { elt, clause } => {
                self.collect_target(&clause.target);
                Expr::ListComp {
                    elt: Box::new(self.expr(elt)?),
                    clause: self.comprehension(clause)?,
                }
            }
            ExprKind::DictComp { key, value, clause } => {
                self.collect_target(&clause.target);
                Expr::DictComp {
                    key: Box::new(self.expr(key)?),
                    value: Box::new(self.expr(value)?),
                    clause: self.comprehension(clause)?,
                }
            }
        })
    }

    fn exprs(&mut self, items: &[syntax::Expr]) -> Result<Vec<Expr>> {
        items.iter().map(|e| self.expr(e)).collect()
    }

    fn opt_box(&mut self, e: &Option<Box<syntax::Expr>>) -> Result<Option<Box<Expr>>> {
        e.as_ref().map(|e| self.expr(e).map(Box::new)).transpose()
    }

    fn compare(
        &mut self,
        left: &syntax::Expr,
        ops: &[(CmpOp, syntax::Expr)],
        span: syntax::Span,
    ) -> Result<Expr> {
        let first = self.expr(left)?;
        if let [(op, right)] = ops {
            let r = self.expr(right)?;
            return Ok(self.compare_pair(*op, first, r, span));
        }
        let mut pairs = Vec::new();
        for (op, right) in ops {
            let name = match op {
                CmpOp::Eq => "aten::eq",
                CmpOp::NotEq => "aten::ne",
                CmpOp::Lt => "aten::lt",
                CmpOp::LtE => "aten::le",
                CmpOp::Gt => "aten::gt",
                CmpOp::GtE => "aten::ge",
                _ => {
                    return Err(self.error(
                        right.span,
                        "chained `is`/`in` comparisons are not supported",
                    ))
                }
            };
            pairs.push((self.op_site(name), self.expr(right)?));
        }
        Ok(Expr::Chain(Box::new(first), pairs, span))
    }

    fn compare_pair(&self, op: CmpOp, l: Expr, r: Expr, span: syntax::Span) -> Expr {
        match op {
            CmpOp::Is => Expr::Is(Box::new(l), Box::new(r), false),
            CmpOp::IsNot => Expr::Is(Box::new(l), Box::new(r), true),
            CmpOp::In => self.op_call("aten::__contains__", vec![r, l], span),
            CmpOp::NotIn => Expr::Unary(
                syntax::UnaryOp::Not,
                Box::new(self.op_call("aten::__contains__", vec![r, l], span)),
            ),
            CmpOp::Eq => self.op_call("aten::eq", vec![l, r], span),
            CmpOp::NotEq => self.op_call("aten::ne", vec![l, r], span),
            CmpOp::Lt => self.op_call("aten::lt", vec![l, r], span),
            CmpOp::LtE => self.op_call("aten::le", vec![l, r], span),
            CmpOp::Gt => self.op_call("aten::gt", vec![l, r], span),
            CmpOp::GtE => self.op_call("aten::ge", vec![l, r], span),
        }
    }

    fn name(&mut self, n: &str, expr: &syntax::Expr) -> Result<Expr> {
        if let Some(&slot) = self.slots.get(n) {
            return Ok(Expr::Local(slot, Arc::from(n)));
        }
        Ok(match n {
            "inf" => Expr::Const(Value::Float(f64::INFINITY)),
            "nan" => Expr::Const(Value::Float(f64::NAN)),
            "True" => Expr::Const(Value::Bool(true)),
            "False" => Expr::Const(Value::Bool(false)),
            "None" => Expr::Const(Value::None),
            _ if is_type_name(n) => Expr::Type(Type::from_expr(expr)),
            _ => return Err(self.error(expr.span, format!("unknown name `{n}`"))),
        })
    }

    /// `torch.x`, `ops.ns.x`, `math.x`, `CONSTANTS.cN`, `__torch__.a.B` used as values.
    fn global_path(&mut self, path: &str, expr: &syntax::Expr) -> Result<Expr> {
        if let Some(rest) = path.strip_prefix("CONSTANTS.c") {
            let index: usize = rest
                .parse()
                .map_err(|_| self.error(expr.span, format!("bad constant `{path}`")))?;
            return self
                .program
                .constant(index)
                .map(Expr::Const)
                .ok_or_else(|| {
                    self.error(
                        expr.span,
                        format!("constant `{path}` is not in constants.pkl"),
                    )
                });
        }
        if path.starts_with("__torch__.") {
            return Ok(Expr::Global(Arc::from(path)));
        }
        Ok(match path {
            "math.pi" => Expr::Const(Value::Float(std::f64::consts::PI)),
            "math.e" => Expr::Const(Value::Float(std::f64::consts::E)),
            "math.inf" => Expr::Const(Value::Float(f64::INFINITY)),
            "math.nan" => Expr::Const(Value::Float(f64::NAN)),
            "torch.Tensor" => Expr::Type(Type::Tensor),
            "torch.device" => Expr::Type(Type::Device),
            p if dtype_constant(p).is_some() => {
                Expr::Const(Value::Int(dtype_constant(p).unwrap_or_default()))
            }
            _ => return Err(self.error(expr.span, format!("`{path}` is not a value"))),
        })
    }

    fn call(
        &mut self,
        func: &syntax::Expr,
        args: &[syntax::Expr],
        keywords: &[syntax::Keyword],
        span: syntax::Span,
    ) -> Result<Expr> {
        let target = if let Some(path) = self.namespace_path(func) {
            self.global_call_target(&path, func)?
        } else {
            match &func.kind {
                ExprKind::Name(n) if !self.is_local(n) => match builtin_named(n) {
                    Some(b) => CallTarget::Builtin(b),
                    None => return Err(self.error(func.span, format!("unknown function `{n}`"))),
                },
                ExprKind::Attribute { value, attr } => {
                    let site = self.op_site(&format!("aten::{}", attr.name));
                    let site = (!site.schemas.is_empty()).then_some(site);
                    CallTarget::Method(
                        Box::new(self.expr(value)?),
                        Arc::from(attr.name.as_str()),
                        site,
                        crate::ir::MethodCache::default(),
                    )
                }
                _ => CallTarget::Value(Box::new(self.expr(func)?)),
            }
        };
        let mut lowered_args = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            // Type arguments of the special forms.
            let is_type_arg = matches!(target, CallTarget::Builtin(b) if b.is_type_arg(i));
            lowered_args.push(if is_type_arg {
                match &a.kind {
                    // `isinstance(x, (list, tuple))`: any of the types.
                    ExprKind::Tuple(items) if i == 1 => {
                        Expr::Type(Type::Union(items.iter().map(Type::from_expr).collect()))
                    }
                    _ => Expr::Type(Type::from_expr(a)),
                }
            } else {
                self.expr(a)?
            });
        }
        let kwargs = keywords
            .iter()
            .map(|k| Ok((Arc::from(k.name.name.as_str()), self.expr(&k.value)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Expr::Call(Box::new(Call {
            target,
            args: lowered_args,
            kwargs,
            span,
        })))
    }

    fn global_call_target(&mut self, path: &str, func: &syntax::Expr) -> Result<CallTarget> {
        if path.starts_with("__torch__.") {
            return Ok(CallTarget::Global(Arc::from(path)));
        }
        if let Some(b) = builtin_named(path) {
            return Ok(CallTarget::Builtin(b));
        }
        let op_name = if let Some(rest) = path.strip_prefix("ops.") {
            let (ns, name) = rest
                .split_once('.')
                .ok_or_else(|| self.error(func.span, format!("bad operator `{path}`")))?;
            format!("{ns}::{name}")
        } else if let Some(name) = path.strip_prefix("torch.ops.") {
            name.replacen('.', "::", 1)
        } else if path.starts_with("torch.jit.") {
            return Err(self.error(func.span, format!("unsupported function `{path}`")));
        } else if let Some(name) = path.strip_prefix("torch.") {
            format!("aten::{name}")
        } else if let Some(name) = path.strip_prefix("math.") {
            format!("aten::{name}")
        } else {
            return Err(self.error(func.span, format!("`{path}` is not callable")));
        };
        // An operator without a schema is an error only when the call is reached: archives
        // refer to operators in branches that inference never takes.
        Ok(CallTarget::Op(self.op_site(&op_name)))
    }
}

fn binary_op_name(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "aten::add",
        BinOp::Sub => "aten::sub",
        BinOp::Mul => "aten::mul",
        BinOp::Div => "aten::div",
        BinOp::FloorDiv => "aten::floordiv",
        BinOp::Mod => "aten::remainder",
        BinOp::Pow => "aten::pow",
        BinOp::MatMul => "aten::matmul",
        BinOp::BitAnd => "aten::__and__",
        BinOp::BitOr => "aten::__or__",
        BinOp::BitXor => "aten::__xor__",
        BinOp::LShift => "aten::__lshift__",
        BinOp::RShift => "aten::__rshift__",
    }
}

fn is_type_name(n: &str) -> bool {
    matches!(
        n,
        "Tensor"
            | "int"
            | "float"
            | "bool"
            | "str"
            | "NoneType"
            | "Device"
            | "number"
            | "Any"
            | "List"
            | "Dict"
            | "Tuple"
            | "Optional"
    )
}

fn is_type_constructor(n: &str) -> bool {
    matches!(
        n,
        "List" | "Dict" | "Tuple" | "Optional" | "Union" | "Final" | "Future"
    )
}

/// `torch.float32` and friends as `ScalarType` codes.
fn dtype_constant(path: &str) -> Option<i64> {
    let name = path.strip_prefix("torch.")?;
    torchscript_ops::DType::from_name(name).map(|d| d.scalar_type_code())
}
