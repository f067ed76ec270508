//! Runtime values of TorchScript: scalars, tensors, and the shared, mutable containers.

use std::sync::Arc;

use parking_lot::RwLock;
use torchscript_ops::{Device, Tensor};

use crate::class::{ClassType, Object};
use crate::types::Type;

/// A TorchScript value. Lists, dicts and objects are references (mutations are seen through
/// every alias, as in Python); tuples and strings are immutable.
#[derive(Debug, Clone, Default)]
pub enum Value {
    #[default]
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Device(Device),
    Tensor(Tensor),
    List(ListRef),
    Tuple(TupleRef),
    Dict(DictRef),
    Object(Arc<Object>),
    /// A class used as a value: NamedTuple and class constructors, enum namespaces.
    Class(Arc<ClassType>),
    /// A function used as a value (e.g. passed to `fork`).
    Function(Arc<str>),
    /// The future of a `fork` (already computed: forks run inline).
    Future(Box<Value>),
    /// The value of `uninitialized(T)`: a placeholder that must never be read.
    Uninitialized,
    /// `...` in an index.
    Ellipsis,
    /// A function defined inside the running function (index into its nested functions).
    LocalFunction(usize),
    /// `a:b:c` in an index.
    Slice(Option<i64>, Option<i64>, Option<i64>),
}

/// A shared, mutable list.
#[derive(Debug, Clone)]
pub struct ListRef(pub Arc<RwLock<Vec<Value>>>);

/// An immutable tuple, optionally a NamedTuple with field names.
#[derive(Debug, Clone)]
pub struct TupleRef(pub Arc<TupleData>);

#[derive(Debug)]
pub struct TupleData {
    pub items: Vec<Value>,
    /// The NamedTuple class, if the tuple is one.
    pub named: Option<Arc<ClassType>>,
}

/// A shared, mutable dict that keeps insertion order.
#[derive(Debug, Clone)]
pub struct DictRef(pub Arc<RwLock<Vec<(Value, Value)>>>);

impl ListRef {
    pub fn new(items: Vec<Value>) -> Self {
        ListRef(Arc::new(RwLock::new(items)))
    }
}

impl DictRef {
    pub fn new(items: Vec<(Value, Value)>) -> Self {
        DictRef(Arc::new(RwLock::new(items)))
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

    pub fn remove(&self, key: &Value) -> Option<Value> {
        let mut items = self.0.write();
        let at = items.iter().position(|(k, _)| keys_equal(k, key))?;
        Some(items.remove(at).1)
    }

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
    pub fn new(items: Vec<Value>) -> Self {
        TupleRef(Arc::new(TupleData { items, named: None }))
    }

    pub fn named(items: Vec<Value>, class: Arc<ClassType>) -> Self {
        TupleRef(Arc::new(TupleData {
            items,
            named: Some(class),
        }))
    }

    pub fn items(&self) -> &[Value] {
        &self.0.items
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(ListRef::new(items))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(TupleRef::new(items))
    }

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
            Value::Uninitialized => "uninitialized".into(),
            Value::Ellipsis => "ellipsis".into(),
            Value::LocalFunction(_) => "function".into(),
            Value::Slice(..) => "slice".into(),
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    pub fn as_tensor(&self) -> Option<&Tensor> {
        match self {
            Value::Tensor(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

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
            (Value::List(a), Value::List(b)) => Arc::ptr_eq(&a.0, &b.0),
            (Value::Dict(a), Value::Dict(b)) => Arc::ptr_eq(&a.0, &b.0),
            (Value::Tuple(a), Value::Tuple(b)) => Arc::ptr_eq(&a.0, &b.0),
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
