//! The evaluator: runs lowered functions on values.

use std::sync::Arc;

use torchscript_ops::alloc::AllocLimits;
use torchscript_ops::Tensor;

use crate::class::Object;
use crate::error::{type_error, value_error, Error, ErrorKind, Result};
use crate::ir::{Call, CallTarget, Comprehension, Expr, Function, Stmt, StmtKind, Target};
use crate::limits::{Budget, BudgetMeter, RunLimits};
use crate::program::Program;
use crate::syntax::{Span, UnaryOp};
use crate::value::{TupleRef, Value};

/// How deep TorchScript calls may nest before the evaluator gives up (the default of
/// [`RunLimits::max_call_depth`]).
pub const MAX_CALL_DEPTH: usize = crate::limits::MAX_CALL_DEPTH;

/// How much of the caller's own stack a call may use before the evaluator continues on a
/// thread with a fresh stack of [`SEGMENT_STACK`] bytes.
const CALLER_STACK_SHARE: usize = 256 << 10;

/// The stack size of the threads the evaluator continues on when a stack runs low.
const SEGMENT_STACK: usize = 64 << 20;

/// Stack kept free below the switch point: one statement's nested expressions and the
/// kernels it calls must fit in it.
const SEGMENT_RESERVE: usize = 8 << 20;

/// How far past the switch point nested statements and expressions of one function may go
/// before they too move to a fresh stack.
const NESTING_MARGIN: usize = 512 << 10;

/// Runs functions of one program. Cheap to create; one per call of a model method.
#[derive(Debug)]
pub struct Interpreter<'p> {
    pub program: &'p Program,
    depth: usize,
    limits: RunLimits,
    meter: BudgetMeter,
    /// The lowest stack address evaluation may reach on the current thread before it moves to
    /// a fresh stack (0: not inside a call yet). Stacks grow down on every supported target.
    stack_floor: usize,
}

/// An address on the current stack (of a local), to measure how much stack is in use.
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(std::ptr::addr_of!(marker)) as usize
}

enum Flow {
    Normal,
    Break,
    Continue,
    Return(Value),
}

pub(crate) struct Frame<'f> {
    slots: Vec<Value>,
    function: &'f Function,
    /// The statement running (where an error that names no call of its own is reported).
    at: Span,
}

/// The identity of a lowered function, which the values of its nested functions carry: its
/// address, compared and never dereferenced (a function lives as long as its program).
pub(crate) fn function_identity(function: &Function) -> usize {
    std::ptr::from_ref(function) as usize
}

impl Frame<'_> {
    fn slot(&self, index: usize) -> Result<&Value> {
        self.slots
            .get(index)
            .ok_or_else(|| type_error(format!("local slot {index} out of range")))
    }

    fn slot_mut(&mut self, index: usize) -> Result<&mut Value> {
        self.slots
            .get_mut(index)
            .ok_or_else(|| type_error(format!("local slot {index} out of range")))
    }
}

impl<'p> Interpreter<'p> {
    pub fn new(program: &'p Program) -> Self {
        Interpreter::with_limits(program, RunLimits::default(), Budget::default())
    }

    /// An interpreter whose calls obey `limits` and stop when `budget` is spent.
    pub fn with_limits(program: &'p Program, limits: RunLimits, budget: Budget) -> Self {
        Interpreter {
            program,
            depth: 0,
            limits,
            meter: BudgetMeter::new(budget),
            stack_floor: 0,
        }
    }

    /// The resource bounds of this interpreter's calls.
    pub fn limits(&self) -> &RunLimits {
        &self.limits
    }

    /// Counts one step against the budget (statements, loop iterations).
    fn step(&mut self) -> Result<()> {
        self.meter
            .step()
            .map_err(|stopped| ErrorKind::Stopped(stopped).into())
    }

    /// True when the current thread's stack is used down to the switch point (checked when a
    /// call starts: the call then runs on a fresh stack).
    fn stack_low(&self) -> bool {
        stack_position() < self.stack_floor
    }

    /// True when statements or calls nested inside one function went [`NESTING_MARGIN`] past
    /// the switch point (the rest of the statement then runs on a fresh stack). The margin
    /// keeps loops that run just below the switch point from moving on every statement.
    fn stack_exhausted(&self) -> bool {
        stack_position() < self.stack_floor.saturating_sub(NESTING_MARGIN)
    }

    /// Runs `f` on a new thread with a fresh [`SEGMENT_STACK`]-byte stack, this thread waiting
    /// for it: deep recursion continues there instead of overflowing this thread's stack.
    fn on_fresh_stack<R: Send>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<R> + Send,
    ) -> Result<R>
    where
        Self: Send,
    {
        let saved = self.stack_floor;
        // The allocation limits and usage of the call are per thread: carry them over and back.
        let alloc = torchscript_ops::alloc::state();
        let outcome = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("torchscript-eval".into())
                .stack_size(SEGMENT_STACK)
                .spawn_scoped(scope, || {
                    torchscript_ops::alloc::set_state(alloc);
                    self.stack_floor = stack_position()
                        .saturating_sub(SEGMENT_STACK.saturating_sub(SEGMENT_RESERVE));
                    let result = f(self);
                    (result, torchscript_ops::alloc::state())
                })
                .map(std::thread::ScopedJoinHandle::join)
        });
        self.stack_floor = saved;
        match outcome {
            Ok(Ok((result, alloc))) => {
                torchscript_ops::alloc::set_state(alloc);
                result
            }
            Ok(Err(_)) => Err(value_error("the evaluation thread panicked")),
            Err(e) => Err(ErrorKind::Limit(format!(
                "cannot start a thread for a deeper stack: {e}"
            ))
            .into()),
        }
    }

    /// Calls a method of an object (`forward`, or any other).
    pub fn call_method(
        &mut self,
        object: &Arc<Object>,
        name: &str,
        args: Vec<Value>,
        kwargs: Vec<(Arc<str>, Value)>,
    ) -> Result<Value> {
        let method =
            self.program
                .method(&object.class, name)?
                .ok_or_else(|| ErrorKind::Attribute {
                    class: object.class.name.clone(),
                    name: name.to_string(),
                })?;
        self.call_bound_method(object, &method, args, kwargs)
    }

    /// Calls a lowered method of `object` with `object` as `self`.
    fn call_bound_method(
        &mut self,
        object: &Arc<Object>,
        method: &Function,
        args: Vec<Value>,
        kwargs: Vec<(Arc<str>, Value)>,
    ) -> Result<Value> {
        let mut all = Vec::with_capacity(args.len().saturating_add(1));
        all.push(Value::Object(object.clone()));
        all.extend(args);
        self.call_function(method, all, kwargs)
    }

    /// Calls a lowered function with positional and keyword arguments.
    pub fn call_function(
        &mut self,
        function: &Function,
        args: Vec<Value>,
        kwargs: Vec<(Arc<str>, Value)>,
    ) -> Result<Value> {
        if self.depth >= self.limits.max_call_depth {
            return Err(ErrorKind::Recursion(self.limits.max_call_depth).into());
        }
        self.meter
            .check()
            .map_err(|stopped| Error::from(ErrorKind::Stopped(stopped)))?;
        if self.stack_floor == 0 {
            // The outermost call: it may use a share of the caller's stack, and its tensor
            // allocations are held to the call's limits.
            self.stack_floor = stack_position().saturating_sub(CALLER_STACK_SHARE);
            let _alloc_scope = torchscript_ops::alloc::CallScope::enter(AllocLimits {
                max_tensor_bytes: self.limits.max_tensor_bytes,
                max_call_bytes: self.limits.max_call_bytes,
            });
            let result = self.call_function(function, args, kwargs);
            self.stack_floor = 0;
            return result;
        }
        if self.stack_low() {
            return self.on_fresh_stack(|this| this.call_function(function, args, kwargs));
        }
        let mut frame = Frame {
            slots: vec![Value::UNINITIALIZED; function.num_slots],
            function,
            at: function.body.first().map(|s| s.span).unwrap_or_default(),
        };
        self.bind_params(&mut frame, args, kwargs)?;
        self.depth = self.depth.saturating_add(1);
        let result = self.exec_block(&function.body, &mut frame);
        self.depth = self.depth.saturating_sub(1);
        match result {
            Ok(Flow::Return(v)) => Ok(v),
            Ok(_) => Ok(Value::None),
            Err(e) => {
                let origins = self.program.origins(&function.file.path);
                Err(e.in_frame(function, frame.at, origins.as_deref()))
            }
        }
    }

    fn bind_params(
        &mut self,
        frame: &mut Frame,
        args: Vec<Value>,
        kwargs: Vec<(Arc<str>, Value)>,
    ) -> Result<()> {
        let function = frame.function;
        if args.len() > function.params.len() {
            return Err(type_error(format!(
                "{}() takes {} arguments but {} were given",
                function.name,
                function.params.len(),
                args.len()
            )));
        }
        let given = args.len();
        for (i, v) in args.into_iter().enumerate() {
            *frame.slot_mut(i)? = v;
        }
        for (name, v) in kwargs {
            let at = function
                .params
                .iter()
                .position(|p| p.name == *name)
                .ok_or_else(|| {
                    type_error(format!(
                        "{}() got an unexpected keyword argument '{name}'",
                        function.name
                    ))
                })?;
            *frame.slot_mut(at)? = v;
        }
        for (i, p) in function.params.iter().enumerate().skip(given) {
            if frame.slot(i)?.is_uninitialized() {
                match &p.default {
                    Some(d) => {
                        let v = self.eval(d, frame)?;
                        *frame.slot_mut(i)? = v;
                    }
                    None => {
                        return Err(type_error(format!(
                            "{}() missing required argument '{}'",
                            function.name, p.name
                        )))
                    }
                }
            }
        }
        Ok(())
    }

    // ----- statements -----

    fn exec_block(&mut self, body: &[Stmt], frame: &mut Frame) -> Result<Flow> {
        for stmt in body {
            match self.exec(stmt, frame)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn exec(&mut self, stmt: &Stmt, frame: &mut Frame) -> Result<Flow> {
        frame.at = stmt.span;
        self.step()?;
        if self.stack_exhausted() {
            return self.on_fresh_stack(|this| this.exec(stmt, frame));
        }
        match &stmt.kind {
            StmtKind::Expr(e) => {
                self.eval(e, frame)?;
            }
            StmtKind::Assign { targets, value } => {
                let v = self.eval(value, frame)?;
                for t in targets {
                    self.assign(t, v.clone(), frame)?;
                }
            }
            StmtKind::If { test, body, orelse } => {
                let cond = self.eval(test, frame)?;
                let branch = if truthy(&cond)? { body } else { orelse };
                return self.exec_block(branch, frame);
            }
            StmtKind::While { test, body } => loop {
                let cond = self.eval(test, frame)?;
                if !truthy(&cond)? {
                    break;
                }
                match self.exec_block(body, frame)? {
                    Flow::Break => break,
                    Flow::Return(v) => return Ok(Flow::Return(v)),
                    Flow::Normal | Flow::Continue => {}
                }
                frame.at = stmt.span;
            },
            StmtKind::For { target, iter, body } => {
                if let Some((start, end, step)) = self.range_bounds(iter, frame)? {
                    let mut i = start;
                    while (step > 0 && i < end) || (step < 0 && i > end) {
                        self.assign(target, Value::Int(i), frame)?;
                        match self.exec_block(body, frame)? {
                            Flow::Break => break,
                            Flow::Return(v) => return Ok(Flow::Return(v)),
                            Flow::Normal | Flow::Continue => {}
                        }
                        i = match i.checked_add(step) {
                            Some(next) => next,
                            None => break,
                        };
                    }
                } else {
                    let iterable = self.eval(iter, frame)?;
                    for item in iterate(&iterable)? {
                        self.assign(target, item, frame)?;
                        match self.exec_block(body, frame)? {
                            Flow::Break => break,
                            Flow::Return(v) => return Ok(Flow::Return(v)),
                            Flow::Normal | Flow::Continue => {}
                        }
                    }
                }
            }
            StmtKind::With { items, body } => {
                // `with torch.no_grad():` and friends have no effect on inference.
                for (ctx, target) in items {
                    let v = self.eval(ctx, frame)?;
                    if let Some(t) = target {
                        self.assign(t, v, frame)?;
                    }
                }
                return self.exec_block(body, frame);
            }
            StmtKind::Return(v) => {
                let value = match v {
                    Some(e) => self.eval(e, frame)?,
                    None => Value::None,
                };
                return Ok(Flow::Return(value));
            }
            StmtKind::Break => return Ok(Flow::Break),
            StmtKind::Continue => return Ok(Flow::Continue),
            StmtKind::Pass => {}
            StmtKind::Raise(e) => {
                let message = match e {
                    Some(e) => match self.eval(e, frame)? {
                        Value::Str(s) => s.to_string(),
                        other => crate::builtins::format_value(&other),
                    },
                    None => "re-raised exception".to_string(),
                };
                return Err(ErrorKind::Raised {
                    class: "Exception".into(),
                    message,
                }
                .into());
            }
            StmtKind::Assert { test, msg } => {
                let cond = self.eval(test, frame)?;
                if !truthy(&cond)? {
                    let message = match msg {
                        Some(m) => crate::builtins::format_value(&self.eval(m, frame)?),
                        None => String::new(),
                    };
                    return Err(ErrorKind::Raised {
                        class: "AssertionError".into(),
                        message,
                    }
                    .into());
                }
            }
            StmtKind::Delete(targets) => {
                for t in targets {
                    match t {
                        Target::Local(slot) => *frame.slot_mut(*slot)? = Value::UNINITIALIZED,
                        Target::Index(obj, index) => {
                            let container = self.eval(obj, frame)?;
                            let key = self.eval(index, frame)?;
                            crate::builtins::delete_item(&container, &key)?;
                        }
                        _ => return Err(type_error("cannot delete this target")),
                    }
                }
            }
        }
        Ok(Flow::Normal)
    }

    /// `for i in range(...)` loops run without building the list.
    fn range_bounds(&mut self, iter: &Expr, frame: &mut Frame) -> Result<Option<(i64, i64, i64)>> {
        let Expr::Call(call) = iter else {
            return Ok(None);
        };
        let is_range =
            matches!(call.target, CallTarget::Builtin(b) if b.name() == crate::builtins::RANGE);
        if !is_range || !call.kwargs.is_empty() {
            return Ok(None);
        }
        let mut bounds = Vec::with_capacity(3);
        for a in &call.args {
            let v = self.eval(a, frame)?;
            bounds.push(v.as_int().ok_or_else(|| {
                type_error(format!(
                    "range() expects int arguments, got {}",
                    v.type_name()
                ))
            })?);
        }
        let (start, end, step) = crate::builtins::range_bounds(&bounds)?;
        Ok(Some((start, end, step)))
    }

    /// Runs a comprehension's clause: for each item of its iterable, binds the target and,
    /// when every condition holds, calls `each` (which evaluates the element).
    fn comprehend(
        &mut self,
        clause: &Comprehension,
        frame: &mut Frame,
        mut each: impl FnMut(&mut Self, &mut Frame) -> Result<()>,
    ) -> Result<()> {
        let iterable = self.eval(&clause.iter, frame)?;
        'items: for item in iterate(&iterable)? {
            self.assign(&clause.target, item, frame)?;
            for cond in &clause.conds {
                let holds = self.eval(cond, frame)?;
                if !truthy(&holds)? {
                    continue 'items;
                }
            }
            each(self, frame)?;
        }
        Ok(())
    }

    fn assign(&mut self, target: &Target, value: Value, frame: &mut Frame) -> Result<()> {
        match target {
            Target::Local(slot) => *frame.slot_mut(*slot)? = value,
            Target::Tuple(targets) => {
                let items = unpack(&value, targets.len())?;
                for (t, v) in targets.iter().zip(items) {
                    self.assign(t, v, frame)?;
                }
            }
            Target::Attr(obj, name) => match self.eval(obj, frame)? {
                Value::Object(o) => o.set_attr(name, value),
                other => {
                    return Err(type_error(format!(
                        "cannot set attribute `{name}` of a {}",
                        other.type_name()
                    )))
                }
            },
            Target::Index(obj, index) => {
                let container = self.eval(obj, frame)?;
                let key = self.eval(index, frame)?;
                crate::builtins::set_item(self, &container, &key, value)?;
            }
        }
        Ok(())
    }

    // ----- expressions -----

    pub(crate) fn eval(&mut self, expr: &Expr, frame: &mut Frame) -> Result<Value> {
        Ok(match expr {
            Expr::Const(v) => v.clone(),
            Expr::Type(t) => return Err(type_error(format!("type {t:?} used as a value"))),
            Expr::Global(name) => self.program.global(name)?,
            Expr::Local(slot, name) => match frame.slot(*slot)? {
                v if v.is_uninitialized() => {
                    return Err(ErrorKind::UnknownName(format!(
                        "local variable '{name}' referenced before assignment"
                    ))
                    .into())
                }
                v => v.clone(),
            },
            Expr::Attr(obj, name) => {
                let v = self.eval(obj, frame)?;
                crate::builtins::get_attr(self, &v, name)?
            }
            Expr::Index(obj, index) => {
                let container = self.eval(obj, frame)?;
                let key = self.eval(index, frame)?;
                crate::builtins::get_item(self, &container, &key)?
            }
            Expr::Slice(lo, hi, step) => {
                let mut bound = |e: &Option<Box<Expr>>, this: &mut Self| -> Result<Option<i64>> {
                    match e {
                        None => Ok(None),
                        Some(e) => match this.eval(e, frame)? {
                            Value::None => Ok(None),
                            v => v.as_int().map(Some).ok_or_else(|| {
                                type_error(format!(
                                    "slice indices must be integers, not {}",
                                    v.type_name()
                                ))
                            }),
                        },
                    }
                };
                let l = bound(lo, self)?;
                let h = bound(hi, self)?;
                let s = bound(step, self)?;
                Value::Slice(l, h, s)
            }
            Expr::Call(call) => self.eval_call(call, frame)?,
            Expr::List(items) => Value::list(self.eval_all(items, frame)?),
            Expr::Tuple(items) => Value::tuple(self.eval_all(items, frame)?),
            Expr::Dict(items) => {
                let mut pairs = Vec::with_capacity(items.len());
                for (k, v) in items {
                    pairs.push((self.eval(k, frame)?, self.eval(v, frame)?));
                }
                let dict = crate::value::DictRef::new(Vec::with_capacity(pairs.len()));
                for (k, v) in pairs {
                    dict.insert(k, v);
                }
                Value::Dict(dict)
            }
            Expr::Unary(op, inner) => {
                let v = self.eval(inner, frame)?;
                match op {
                    UnaryOp::Not => Value::Bool(!truthy(&v)?),
                    UnaryOp::Invert => match v {
                        Value::Int(i) => Value::Int(!i),
                        Value::Tensor(_) => self.call_op_by_name("aten::bitwise_not", vec![v])?,
                        other => {
                            return Err(type_error(format!(
                                "bad operand type for unary ~: {}",
                                other.type_name()
                            )))
                        }
                    },
                    UnaryOp::Neg | UnaryOp::Pos => v,
                }
            }
            Expr::And(a, b) => {
                let l = self.eval(a, frame)?;
                if !truthy(&l)? {
                    l
                } else {
                    self.eval(b, frame)?
                }
            }
            Expr::Or(a, b) => {
                let l = self.eval(a, frame)?;
                if truthy(&l)? {
                    l
                } else {
                    self.eval(b, frame)?
                }
            }
            Expr::Is(a, b, negate) => {
                let l = self.eval(a, frame)?;
                let r = self.eval(b, frame)?;
                Value::Bool(l.is_identical(&r) != *negate)
            }
            Expr::IfExp(test, body, orelse) => {
                let c = self.eval(test, frame)?;
                if truthy(&c)? {
                    self.eval(body, frame)?
                } else {
                    self.eval(orelse, frame)?
                }
            }
            Expr::ListComp { elt, clause } => {
                let mut out = Vec::new();
                self.comprehend(clause, frame, |interp, frame| {
                    out.push(interp.eval(elt, frame)?);
                    Ok(())
                })?;
                Value::list(out)
            }
            Expr::DictComp { key, value, clause } => {
                let dict = crate::value::DictRef::new(Vec::new());
                self.comprehend(clause, frame, |interp, frame| {
                    let k = interp.eval(key, frame)?;
                    let v = interp.eval(value, frame)?;
                    dict.insert(k, v);
                    Ok(())
                })?;
                Value::Dict(dict)
            }
            Expr::LocalFunction(index) => {
                Value::local_function(function_identity(frame.function), *index)
            }
            Expr::Chain(first, pairs, span) => {
                let mut left = self.eval(first, frame)?;
                let mut result = Value::Bool(true);
                for (site, right) in pairs {
                    let r = self.eval(right, frame)?;
                    result =
                        crate::bind::call_op(self, site, vec![left, r.clone()], vec![], *span)?;
                    if !truthy(&result)? {
                        break;
                    }
                    left = r;
                }
                result
            }
        })
    }

    fn eval_all(&mut self, items: &[Expr], frame: &mut Frame) -> Result<Vec<Value>> {
        let mut out = Vec::with_capacity(items.len());
        for e in items {
            out.push(self.eval(e, frame)?);
        }
        Ok(out)
    }

    /// Runs a call; an error is reported at the call's source range.
    fn eval_call(&mut self, call: &Call, frame: &mut Frame) -> Result<Value> {
        self.eval_call_here(call, frame)
            .map_err(|e| e.at(call.span))
    }

    fn eval_call_here(&mut self, call: &Call, frame: &mut Frame) -> Result<Value> {
        if self.stack_exhausted() {
            return self.on_fresh_stack(|this| this.eval_call_here(call, frame));
        }
        if let CallTarget::Builtin(b) = call.target {
            return crate::builtins::call_builtin(self, b, call, frame);
        }
        let receiver = match &call.target {
            CallTarget::Method(obj, ..) | CallTarget::Value(obj) => Some(self.eval(obj, frame)?),
            _ => None,
        };
        let args = self.eval_all(&call.args, frame)?;
        let mut kwargs = Vec::with_capacity(call.kwargs.len());
        for (name, e) in &call.kwargs {
            kwargs.push((name.clone(), self.eval(e, frame)?));
        }
        match &call.target {
            CallTarget::Op(site) => crate::bind::call_op(self, site, args, kwargs, call.span),
            CallTarget::Method(_, name, site, cache) => self.call_method_value(
                receiver.unwrap_or_default(),
                name,
                MethodSite {
                    op: site.as_deref(),
                    cache: Some(cache),
                },
                args,
                kwargs,
                call.span,
            ),
            CallTarget::Global(name) => self.call_global(name, args, kwargs),
            CallTarget::Value(_) => {
                let callee = receiver.unwrap_or_default();
                match callee.local_function_index() {
                    Some((owner, index)) => self.call_local_function(owner, index, args, frame),
                    None => self.call_value(callee, args, kwargs),
                }
            }
            CallTarget::Builtin(_) => Err(type_error("unreachable builtin call")),
        }
    }

    /// Runs a function defined inside the current one, on the current frame. A nested function
    /// that escaped its definer (returned, stored, passed on) and is called from another
    /// function is an error: its body reads the definer's locals, which that frame lacks.
    pub(crate) fn call_local_function(
        &mut self,
        owner: usize,
        index: usize,
        args: Vec<Value>,
        frame: &mut Frame,
    ) -> Result<Value> {
        let function = frame.function;
        if owner != function_identity(function) {
            return Err(type_error(format!(
                "a function defined inside another one can only be called there, not from `{}`",
                function.name
            )));
        }
        let nested = function
            .nested
            .get(index)
            .ok_or_else(|| type_error("unknown local function"))?;
        if args.len() != nested.param_slots.len() {
            return Err(type_error(format!(
                "{}() takes {} arguments but {} were given",
                nested.name,
                nested.param_slots.len(),
                args.len()
            )));
        }
        for (&slot, v) in nested.param_slots.iter().zip(args) {
            *frame.slot_mut(slot)? = v;
        }
        match self.exec_block(&nested.body, frame)? {
            Flow::Return(v) => Ok(v),
            _ => Ok(Value::None),
        }
    }

    /// Evaluates an argument expression of a builtin.
    pub(crate) fn eval_arg(&mut self, e: &Expr, frame: &mut Frame) -> Result<Value> {
        self.eval(e, frame)
    }

    /// `(value).name(args)`.
    pub fn call_method_value(
        &mut self,
        receiver: Value,
        name: &str,
        site: MethodSite<'_>,
        args: Vec<Value>,
        kwargs: Vec<(Arc<str>, Value)>,
        at: Span,
    ) -> Result<Value> {
        match &receiver {
            Value::Object(o) => {
                // The method this call site found for the class before, if it did.
                if let Some(method) = site.cache.and_then(|c| c.get(&o.class)) {
                    return self.call_bound_method(o, &method, args, kwargs);
                }
                // One lookup: the lowered method, when the class defines one of that name.
                if let Some(method) = self.program.method(&o.class, name)? {
                    if let Some(cache) = site.cache {
                        cache.remember(&o.class, &method);
                    }
                    return self.call_bound_method(o, &method, args, kwargs);
                }
                // A callable attribute (e.g. a submodule typed by an interface).
                match o.get_attr(name) {
                    Some(Value::Object(sub)) => self.call_method(&sub, "forward", args, kwargs),
                    _ => Err(ErrorKind::Attribute {
                        class: o.class.name.clone(),
                        name: name.to_string(),
                    }
                    .into()),
                }
            }
            Value::Future(inner) if name == "wait" => Ok((**inner).clone()),
            Value::Tensor(t) if name == "tolist" && site.op.is_none() => crate::builtins::tolist(t),
            Value::Class(c) => {
                let v = c
                    .constant(name)?
                    .cloned()
                    .ok_or_else(|| ErrorKind::Attribute {
                        class: c.name.clone(),
                        name: name.to_string(),
                    })?;
                self.call_value(v, args, kwargs)
            }
            _ => {
                let Some(site) = site.op else {
                    return Err(ErrorKind::Attribute {
                        class: receiver.type_name(),
                        name: name.to_string(),
                    }
                    .into());
                };
                let mut all = Vec::with_capacity(args.len().saturating_add(1));
                all.push(receiver);
                all.extend(args);
                crate::bind::call_op(self, site, all, kwargs, at)
            }
        }
    }

    /// Calls an operator by name, choosing the overload from the arguments (the caller's
    /// call expression is where an error is reported).
    pub fn call_op_by_name(&mut self, name: &str, args: Vec<Value>) -> Result<Value> {
        let site = self.program.op_site(name);
        crate::bind::call_op_unplaced(self, &site, args, vec![])
    }

    /// Calls a free function or constructs a class by qualified name.
    pub fn call_global(
        &mut self,
        name: &str,
        args: Vec<Value>,
        kwargs: Vec<(Arc<str>, Value)>,
    ) -> Result<Value> {
        // `__torch__.C.__new__(__torch__.C)` makes an empty object; `__init__` is called next.
        if let Some(class_name) = name.strip_suffix(".__new__") {
            let class = self.program.class(class_name)?;
            return Ok(Value::Object(Arc::new(Object::new(class, Vec::new()))));
        }
        if let Some(f) = self.program.function(name)? {
            return self.call_function(&f, args, kwargs);
        }
        let v = self.program.global(name)?;
        self.call_value(v, args, kwargs)
    }

    /// Calls a value: a class (constructor) or a function.
    pub fn call_value(
        &mut self,
        callee: Value,
        args: Vec<Value>,
        kwargs: Vec<(Arc<str>, Value)>,
    ) -> Result<Value> {
        match callee {
            Value::Function(name) => self.call_global(&name, args, kwargs),
            Value::Class(class) => {
                let definition = class.definition()?;
                if definition.kind == crate::class::ClassKind::NamedTuple {
                    let fields = definition.field_names().len();
                    let mut items = args;
                    if items.len() > fields {
                        return Err(type_error(format!("{} takes {fields} fields", class.name)));
                    }
                    items.resize(fields, Value::None);
                    for (name, v) in kwargs {
                        let slot = definition
                            .field_names()
                            .iter()
                            .position(|f| **f == *name)
                            .ok_or_else(|| {
                                type_error(format!("{} has no field {name}", class.name))
                            })
                            .and_then(|at| {
                                items.get_mut(at).ok_or_else(|| {
                                    type_error(format!("{} has no field {name}", class.name))
                                })
                            })?;
                        *slot = v;
                    }
                    return Ok(Value::Tuple(TupleRef::named(items, class)));
                }
                let object = Arc::new(Object::new(class.clone(), Vec::new()));
                if definition.has_method("__init__") {
                    self.call_method(&object, "__init__", args, kwargs)?;
                }
                Ok(Value::Object(object))
            }
            Value::Object(o) => self.call_method(&o, "forward", args, kwargs),
            other => Err(type_error(format!(
                "'{}' object is not callable",
                other.type_name()
            ))),
        }
    }
}

/// Python truthiness as TorchScript allows it in conditions.
/// What a `(value).name(...)` call site knows besides the name: the operator `aten::name`
/// (for receivers that are not objects) and the method it found before.
#[derive(Clone, Copy, Debug, Default)]
pub struct MethodSite<'a> {
    pub op: Option<&'a crate::ir::OpSite>,
    pub cache: Option<&'a crate::ir::MethodCache>,
}

pub fn truthy(v: &Value) -> Result<bool> {
    Ok(match v {
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::None => false,
        Value::Str(s) => !s.is_empty(),
        Value::List(l) => !l.0.read().is_empty(),
        Value::Dict(d) => !d.0.read().is_empty(),
        Value::Tuple(t) => !t.items().is_empty(),
        Value::Tensor(t) => tensor_truth(t)?,
        other => {
            return Err(type_error(format!(
                "a {} cannot be used as a condition",
                other.type_name()
            )))
        }
    })
}

fn tensor_truth(t: &Tensor) -> Result<bool> {
    if t.numel() != 1 {
        return Err(value_error(format!(
            "Boolean value of Tensor with {} elements is ambiguous",
            t.numel()
        )));
    }
    Ok(t.item()
        .map_err(|e| {
            Error::from(ErrorKind::OpFailed {
                schema: "aten::Bool.Tensor".into(),
                source: e,
                arguments: String::new(),
            })
        })?
        .to_bool())
}

/// The items of an iterable value (`for`, comprehensions, `list(x)`).
pub fn iterate(v: &Value) -> Result<Vec<Value>> {
    Ok(match v {
        Value::List(l) => l.0.read().clone(),
        Value::Tuple(t) => t.items().to_vec(),
        Value::Dict(d) => d.0.read().iter().map(|(k, _)| k.clone()).collect(),
        Value::Str(s) => s.chars().map(|c| Value::str(&c.to_string())).collect(),
        Value::Tensor(t) => {
            if t.dim() == 0 {
                return Err(type_error("iteration over a 0-d tensor"));
            }
            (0..t.shape().first().copied().unwrap_or(0) as i64)
                .map(|i| t.select(0, i).map(Value::Tensor))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| {
                    Error::from(ErrorKind::OpFailed {
                        schema: "aten::select.int".into(),
                        source: e,
                        arguments: String::new(),
                    })
                })?
        }
        other => {
            return Err(type_error(format!(
                "'{}' object is not iterable",
                other.type_name()
            )))
        }
    })
}

fn unpack(v: &Value, n: usize) -> Result<Vec<Value>> {
    let items = iterate(v)?;
    if items.len() != n {
        return Err(value_error(format!(
            "expected {n} values to unpack, got {}",
            items.len()
        )));
    }
    Ok(items)
}
