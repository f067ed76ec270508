//! The lowered form of functions: locals in slots, names and call targets resolved.

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Weak};

use torchscript_ops::schema::Schema;

use crate::class::ClassType;
use crate::syntax::{SourceFile, Span, UnaryOp};
use crate::types::Type;
use crate::value::Value;

/// A lowered function or method.
#[derive(Debug)]
pub struct Function {
    /// Qualified name for call stacks: `__torch__.m.M.forward`.
    pub name: String,
    pub params: Vec<Param>,
    pub returns: Option<Type>,
    pub num_slots: usize,
    pub body: Vec<Stmt>,
    pub file: Arc<SourceFile>,
    /// Functions defined inside this one (`def __forked_function(): ...`). They run on the
    /// defining call's frame, so they see its variables as Python closures do.
    pub nested: Vec<NestedFunction>,
}

/// A function defined inside another: its parameters are slots of the enclosing frame.
#[derive(Debug)]
pub struct NestedFunction {
    pub name: String,
    pub param_slots: Vec<usize>,
    pub body: Vec<Stmt>,
}

#[derive(Debug)]
pub struct Param {
    pub name: String,
    pub ty: Option<Type>,
    pub default: Option<Expr>,
    pub kw_only: bool,
}

/// A statement with the byte range it covers in its function's file (line and column are
/// computed from the file's line table only when an error is reported).
#[derive(Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug)]
pub enum StmtKind {
    Expr(Expr),
    Assign {
        targets: Vec<Target>,
        value: Expr,
    },
    If {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
    },
    For {
        target: Target,
        iter: Expr,
        body: Vec<Stmt>,
    },
    With {
        items: Vec<(Expr, Option<Target>)>,
        body: Vec<Stmt>,
    },
    Return(Option<Expr>),
    Break,
    Continue,
    Pass,
    Raise(Option<Expr>),
    Assert {
        test: Expr,
        msg: Option<Expr>,
    },
    Delete(Vec<Target>),
}

/// The `for target in iter if cond ...` clause of a lowered comprehension.
#[derive(Debug)]
pub struct Comprehension {
    pub target: Target,
    pub iter: Box<Expr>,
    pub conds: Vec<Expr>,
}

/// Where an assignment stores.
#[derive(Debug)]
pub enum Target {
    Local(usize),
    Tuple(Vec<Target>),
    Attr(Box<Expr>, Arc<str>),
    Index(Box<Expr>, Box<Expr>),
}

#[derive(Debug)]
pub enum Expr {
    Const(Value),
    /// A type written as an expression (first argument of `annotate`, `isinstance`...).
    Type(Type),
    /// A qualified global (`__torch__.a.B`): a class, a function or an enum member.
    Global(Arc<str>),
    Local(usize, Arc<str>),
    Attr(Box<Expr>, Arc<str>),
    Index(Box<Expr>, Box<Expr>),
    Slice(Option<Box<Expr>>, Option<Box<Expr>>, Option<Box<Expr>>),
    Call(Box<Call>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Unary(UnaryOp, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Is(Box<Expr>, Box<Expr>, bool),
    IfExp(Box<Expr>, Box<Expr>, Box<Expr>),
    ListComp {
        elt: Box<Expr>,
        clause: Comprehension,
    },
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        clause: Comprehension,
    },
    /// A chained comparison `a < b < c`: pairs evaluated left to right, short-circuiting.
    Chain(Box<Expr>, Vec<(Arc<OpSite>, Expr)>, Span),
    /// The nested function `index` (a `def` inside the running function) as a value, bound to
    /// the running function: called anywhere else, it is an error, not another function.
    LocalFunction(usize),
}

/// A call with its target, arguments and the byte range of the call expression.
#[derive(Debug)]
pub struct Call {
    pub target: CallTarget,
    pub args: Vec<Expr>,
    pub kwargs: Vec<(Arc<str>, Expr)>,
    pub span: Span,
}

#[derive(Debug)]
pub enum CallTarget {
    /// An operator by name (`torch.add` → `aten::add`), overload picked per call.
    Op(Arc<OpSite>),
    /// `(obj).name(...)`: a method of an object, or the operator `aten::name` with `obj` first.
    Method(Box<Expr>, Arc<str>, Option<Arc<OpSite>>, MethodCache),
    /// A free function or class constructor by qualified name, resolved on first call.
    Global(Arc<str>),
    /// A Python builtin or TorchScript special form (see [`crate::builtins::BUILTINS`]).
    Builtin(&'static crate::builtins::BuiltinDef),
    /// Calling a value (a class or function value).
    Value(Box<Expr>),
}

/// The method a `(obj).name(...)` call site found for the first class it was called on, so
/// that later calls on objects of that class skip the lookup by name (a hash of the name and
/// a lock per call: about 3% of a small convnet, whose every layer is a method call). Both
/// references are weak: a method calling itself would otherwise keep its own body alive.
#[derive(Debug, Default)]
pub struct MethodCache(std::sync::OnceLock<(Weak<ClassType>, Weak<Function>)>);

impl MethodCache {
    /// The method cached for `class`, if this site cached one for it.
    pub fn get(&self, class: &Arc<ClassType>) -> Option<Arc<Function>> {
        let (cached_class, method) = self.0.get()?;
        if std::ptr::eq(cached_class.as_ptr(), Arc::as_ptr(class)) {
            method.upgrade()
        } else {
            None
        }
    }

    /// Remembers `method` for `class` when the site has nothing cached yet (a site called on
    /// objects of several classes keeps the first; the others look theirs up by name).
    pub fn remember(&self, class: &Arc<ClassType>, method: &Arc<Function>) {
        let _ = self.0.set((Arc::downgrade(class), Arc::downgrade(method)));
    }
}

/// The overloads of one operator name, how each runs, and a cache of the last one that
/// matched at this call site.
#[derive(Debug)]
pub struct OpSite {
    /// `aten::add`
    pub name: String,
    pub schemas: Vec<Arc<Schema>>,
    /// Parallel to `schemas`.
    pub handlers: Vec<Handler>,
    /// Parallel to `schemas`: each overload's full name (`aten::add.Tensor`), built once here
    /// rather than on every call (kernels, the profiler and errors name the overload).
    pub full_names: Vec<Arc<str>>,
    pub last_match: AtomicUsize,
}

/// One overload of a call site: its schema, what runs it, and its full name.
#[derive(Clone, Copy, Debug)]
pub struct Overload<'a> {
    pub schema: &'a Schema,
    pub handler: Handler,
    pub full_name: &'a str,
}

impl OpSite {
    /// The overload at `index` (in schema order), if there is one.
    pub fn overload(&self, index: usize) -> Option<Overload<'_>> {
        Some(Overload {
            schema: self.schemas.get(index)?,
            handler: *self.handlers.get(index)?,
            full_name: self.full_names.get(index)?,
        })
    }
}

/// What runs an overload.
#[derive(Clone, Copy)]
pub enum Handler {
    /// Implemented by the interpreter on values (lists, dicts, strings, scalars, metadata).
    Builtin(crate::builtins::OpBuiltin),
    /// A tensor kernel of the ops registry.
    Kernel(torchscript_ops::OpFn),
    /// An `out=` overload: the functional overload at this index of the same site computes,
    /// and the result is written into the out tensors (see [`crate::out_variants`]).
    Out(usize),
    /// Known to PyTorch but not implemented here.
    Missing,
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Handler::Builtin(_) => "Builtin",
            Handler::Kernel(_) => "Kernel",
            Handler::Out(_) => "Out",
            Handler::Missing => "Missing",
        })
    }
}
