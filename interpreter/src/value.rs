//! Runtime values of TorchScript: scalars, tensors, and the shared, mutable containers.

use std::sync::Arc;

use parking_lot::RwLock;
use torchscript_ops::{Device, Tensor};

use crate::class::{ClassType, Object};
use crate::types::Type;

/// A TorchScript value: what a method takes and returns, and what a module's attributes hold.
///
/// Lists, dicts and objects are references (mutations are seen through every alias, as in
/// Python); tuples and strings are immutable. Containers are read and changed through their
/// methods ([`ListRef::to_vec`], [`DictRef::get`], [`TupleRef::items`]...); their locks are
/// private to the interpreter.
///
/// The enum is `#[non_exhaustive]`: a `match` outside this crate needs a `_` arm, and new
/// kinds of values can be added without breaking it.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Value {
    /// `None`.
    #[default]
    None,
    /// `bool`.
    Bool(bool),
    /// `int` (64-bit, as TorchScript's).
    Int(i64),
    /// `float` (64-bit).
    Float(f64),
    /// `str`.
    Str(Arc<str>),
    /// `Device` (`torch.device("cpu")`).
    Device(Device),
    /// `Tensor`.
    Tensor(Tensor),
    /// `List[T]`: shared and mutable.
    List(ListRef),
    /// `Tuple[...]` or a NamedTuple: immutable.
    Tuple(TupleRef),
    /// `Dict[K, V]`: shared, mutable, in insertion order.
    Dict(DictRef),
    /// An instance of a class from the archive's code (a submodule, a plain class, an enum
    /// member).
    Object(Arc<Object>),
    /// A class used as a value: NamedTuple and class constructors, enum namespaces.
    Class(Arc<ClassType>),
    /// A function used as a value (e.g. passed to `fork`), by qualified name.
    Function(Arc<str>),
    /// The future of a `fork` (already computed: forks run inline).
    Future(Box<Value>),
    /// `...` in an index.
    Ellipsis,
    /// `a:b:c` in an index.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// Interpreter state that is not a TorchScript value: the placeholder of a local variable
    /// not assigned yet, or a function defined inside the running function. Only model code
    /// that returns a nested function lets one out of the interpreter; it cannot be built or
    /// looked into elsewhere.
    Internal(InternalValue),
}

/// The opaque content of [`Value::Internal`]: nothing outside the interpreter can make or
/// inspect one (its [`Debug`] form says which it is).
#[derive(Clone)]
pub struct InternalValue(pub(crate) Internal);

/// What a [`Value::Internal`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Internal {
    /// A local not assigned yet (or deleted): reading it is an error.
    Uninitialized,
    /// A function defined inside the running function (index into its nested functions).
    /// Nested function `index` of the function whose identity is `owner` (its address, see
    /// `eval::function_identity`): only that function's frames may call it.
    LocalFunction { owner: usize, index: usize },
}

impl std::fmt::Debug for InternalValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Internal::Uninitialized => f.write_str("Uninitialized"),
            Internal::LocalFunction { index, .. } => write!(f, "LocalFunction({index})"),
        }
    }
}

/// A shared, mutable list (`List[T]`): clones are aliases of one list.
#[derive(Debug, Clone)]
pub struct ListRef(pub(crate) Arc<RwLock<Vec<Value>>>);

/// An immutable tuple, optionally a NamedTuple with field names.
#[derive(Debug, Clone)]
pub struct TupleRef(pub(crate) Arc<TupleData>);

#[derive(Debug)]
pub(crate) struct TupleData {
    pub(crate) items: Vec<Value>,
    /// The NamedTuple class, if the tuple is one.
    pub(crate) named: Option<Arc<ClassType>>,
}

/// A shared, mutable dict that keeps insertion order (`Dict[K, V]`): clones are aliases of
/// one dict. Keys compare as TorchScript's do (by value for `str`/`int`/`float`/`bool` and
/// tuples of them, by identity for tensors).
#[derive(Debug, Clone)]
pub struct DictRef(pub(crate) Arc<RwLock<Vec<(Value, Value)>>>);

impl ListRef {
    /// A new list holding `items`.
    pub fn new(items: Vec<Value>) -> Self {
        ListRef(Arc::new(RwLock::new(items)))
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.0.read().len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.read().is_empty()
    }

    /// The item at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<Value> {
        self.0.read().get(index).cloned()
    }

    /// A snapshot of the items (containers inside stay shared).
    pub fn to_vec(&self) -> Vec<Value> {
        self.0.read().clone()
    }

    /// Appends `value` (seen through every alias of the list).
    pub fn push(&self, value: Value) {
        self.0.write().push(value);
    }

    /// Whether `self` and `other` are the same list (Python's `is`).
    pub fn is_same(&self, other: &ListRef) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl DictRef {
    /// A new dict holding `items` in order (keys are expected to be distinct).
    pub fn new(items: Vec<(Value, Value)>) -> Self {
        DictRef(Arc::new(RwLock::new(items)))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.read().len()
    }

    /// Whether the dict is empty.
    pub fn is_empty(&self) -> bool {
        self.0.read().is_empty()
    }

    /// A snapshot of the entries, in insertion order.
    pub fn to_vec(&self) -> Vec<(Value, Value)> {
        self.0.read().clone()
    }

    /// Whether `self` and `other` are the same dict (Python's `is`).
    pub fn is_same(&self, other: &DictRef) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &Value) -> Option<Value> {
        self.0
            .read()
            .iter()
            .find(|(k, _)| keys_equal(k, key))
            .map(|(_, v)| v.clone())
    }

    /// Sets `key` to `value`, keeping the key's position if present.
    pub fn insert(&self, key: Value, value: Value) {
        let mut items = self.0.write();
        match items.iter_mut().find(|(k, _)| keys_equal(k, &key)) {
            Some(slot) => slot.1 = value,
            None => items.push((key, value)),
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&self, key: &Value) -> Option<Value> {
        let mut items = self.0.write();
        let at = items.iter().position(|(k, _)| keys_equal(k, key))?;
        Some(items.remove(at).1)
    }

    /// Whether `key` is in the dict.
    pub fn contains(&self, key: &Value) -> bool {
        self.0.read().iter().any(|(k, _)| keys_equal(k, key))
    }
}

/// Dict key equality: by value for str/int/float/bool, by identity for tensors.
pub fn keys_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::Tensor(x), Value::Tensor(y)) => x.is_same(y),
        (Value::None, Value::None) => true,
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.0.items.len() == y.0.items.len()
                && x.0
                    .items
                    .iter()
                    .zip(&y.0.items)
                    .all(|(p, q)| keys_equal(p, q))
        }
        _ => false,
    }
}

impl TupleRef {
    /// A plain tuple of `items`.
    pub fn new(items: Vec<Value>) -> Self {
        TupleRef(Arc::new(TupleData { items, named: None }))
    }

    /// An instance of the NamedTuple `class` (its fields in `class`'s order).
    pub fn named(items: Vec<Value>, class: Arc<ClassType>) -> Self {
        TupleRef(Arc::new(TupleData {
            items,
            named: Some(class),
        }))
    }

    /// The items, in order.
    pub fn items(&self) -> &[Value] {
        &self.0.items
    }

    /// The NamedTuple class, if the tuple is one (its field names are
    /// [`crate::ClassDefinition::field_names`]).
    pub fn named_class(&self) -> Option<&Arc<ClassType>> {
        self.0.named.as_ref()
    }

    /// Whether `self` and `other` are the same tuple object (Python's `is`).
    pub fn is_same(&self, other: &TupleRef) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Value {
    /// The placeholder of a local not assigned yet (or deleted).
    pub(crate) const UNINITIALIZED: Value = Value::Internal(InternalValue(Internal::Uninitialized));

    /// The nested function `index` of the function identified by `owner`, as a value.
    pub(crate) fn local_function(owner: usize, index: usize) -> Value {
        Value::Internal(InternalValue(Internal::LocalFunction { owner, index }))
    }

    /// Whether the value is the placeholder of an unassigned local.
    pub(crate) fn is_uninitialized(&self) -> bool {
        matches!(
            self,
            Value::Internal(InternalValue(Internal::Uninitialized))
        )
    }

    /// The owner's identity and index of the nested function the value stands for, if it is one.
    pub(crate) fn local_function_index(&self) -> Option<(usize, usize)> {
        match self {
            Value::Internal(InternalValue(Internal::LocalFunction { owner, index })) => {
                Some((*owner, *index))
            }
            _ => None,
        }
    }

    /// A `str` value.
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    /// A new list of `items`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(ListRef::new(items))
    }

    /// A tuple of `items`.
    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(TupleRef::new(items))
    }

    /// A new dict of `items`, in order.
    pub fn dict(items: Vec<(Value, Value)>) -> Value {
        Value::Dict(DictRef::new(items))
    }

    /// The TorchScript type name of the value, for error messages.
    pub fn type_name(&self) -> String {
        match self {
            Value::None => "NoneType".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::Device(_) => "Device".into(),
            Value::Tensor(_) => "Tensor".into(),
            Value::List(_) => "List".into(),
            Value::Tuple(t) => match &t.0.named {
                Some(c) => c.name.clone(),
                None => "Tuple".into(),
            },
            Value::Dict(_) => "Dict".into(),
            Value::Object(o) => o.class.name.clone(),
            Value::Class(c) => format!("type {}", c.name),
            Value::Function(f) => format!("function {f}"),
            Value::Future(_) => "Future".into(),
            Value::Ellipsis => "ellipsis".into(),
            Value::Slice(..) => "slice".into(),
            Value::Internal(InternalValue(Internal::Uninitialized)) => "uninitialized".into(),
            Value::Internal(InternalValue(Internal::LocalFunction { .. })) => "function".into(),
        }
    }

    /// Whether the value is `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The tensor, if the value is one.
    pub fn as_tensor(&self) -> Option<&Tensor> {
        match self {
            Value::Tensor(t) => Some(t),
            _ => None,
        }
    }

    /// The integer, if the value is an `int` or a `bool` (as 0 or 1).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// The string, if the value is a `str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Python identity (`is`): same object for references, equal for immutable scalars.
    pub fn is_identical(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Device(a), Value::Device(b)) => a == b,
            (Value::Tensor(a), Value::Tensor(b)) => a.is_same(b),
            (Value::List(a), Value::List(b)) => a.is_same(b),
            (Value::Dict(a), Value::Dict(b)) => a.is_same(b),
            (Value::Tuple(a), Value::Tuple(b)) => a.is_same(b),
            (Value::Object(a), Value::Object(b)) => Arc::ptr_eq(a, b),
            (Value::Class(a), Value::Class(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Whether the value has the TorchScript type `ty` (what `isinstance` checks).
    pub fn has_type(&self, ty: &Type) -> bool {
        crate::types::value_has_type(self, ty)
    }
}

impl From<Tensor> for Value {
    fn from(t: Tensor) -> Self {
        Value::Tensor(t)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

// Values nested deep by a model's own loop (`b = [b]` 300k times) must not overflow the stack
// when dropped: the last owner of a container moves its items into a work list instead of
// dropping them recursively.

impl Drop for ListRef {
    fn drop(&mut self) {
        if Arc::strong_count(&self.0) == 1 {
            let items = std::mem::take(&mut *self.0.write());
            drop_iteratively(items);
        }
    }
}

impl Drop for DictRef {
    fn drop(&mut self) {
        if Arc::strong_count(&self.0) == 1 {
            let pairs = std::mem::take(&mut *self.0.write());
            drop_iteratively(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect());
        }
    }
}

impl Drop for TupleRef {
    fn drop(&mut self) {
        if let Some(data) = Arc::get_mut(&mut self.0) {
            drop_iteratively(std::mem::take(&mut data.items));
        }
    }
}

/// Drops `values` and everything only they own, without recursion.
pub(crate) fn drop_iteratively(values: Vec<Value>) {
    let mut pending = values;
    while let Some(value) = pending.pop() {
        match value {
            Value::List(l) if Arc::strong_count(&l.0) == 1 => {
                pending.append(&mut l.0.write());
            }
            Value::Dict(d) if Arc::strong_count(&d.0) == 1 => {
                let pairs = std::mem::take(&mut *d.0.write());
                pending.extend(pairs.into_iter().flat_map(|(k, v)| [k, v]));
            }
            Value::Tuple(mut t) => {
                if let Some(data) = Arc::get_mut(&mut t.0) {
                    pending.append(&mut data.items);
                }
            }
            Value::Object(mut o) => {
                if let Some(object) = Arc::get_mut(&mut o) {
                    pending.extend(object.take_attrs().into_iter().map(|(_, v)| v));
                }
            }
            Value::Future(inner) => pending.push(*inner),
            _ => {}
        }
    }
}
