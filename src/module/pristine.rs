//! Whether a worker's instance still equals the loaded module (no attribute or weight written),
//! so that it can serve the next call instead of a fresh copy of the object tree.

use std::collections::HashSet;
use std::sync::Arc;

use torchscript_interpreter::{Object, Value};
use torchscript_ops::Tensor;

/// True when the tree under `copy` has the same classes, attribute names and values as the
/// tree under `original`: tensors with the same metadata and the same bytes (the same mapped
/// region, or equal contents). Values it cannot compare count as changed.
pub fn unchanged(original: &Arc<Object>, copy: &Arc<Object>) -> bool {
    Comparer::default().object(original, copy)
}

#[derive(Default)]
struct Comparer {
    seen: HashSet<(*const Object, *const Object)>,
}

impl Comparer {
    fn object(&mut self, a: &Arc<Object>, b: &Arc<Object>) -> bool {
        if !Arc::ptr_eq(a.class(), b.class()) && a.class().name() != b.class().name() {
            return false;
        }
        if !self.seen.insert((Arc::as_ptr(a), Arc::as_ptr(b))) {
            return true;
        }
        let (xs, ys) = (a.attributes(), b.attributes());
        xs.len() == ys.len()
            && xs
                .iter()
                .zip(&ys)
                .all(|((na, va), (nb, vb))| na == nb && self.value(va, vb))
    }

    fn value(&mut self, a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::None, Value::None) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
            (Value::Str(x), Value::Str(y)) => x == y,
            (Value::Device(x), Value::Device(y)) => x == y,
            (Value::Tensor(x), Value::Tensor(y)) => same_tensor(x, y),
            (Value::Object(x), Value::Object(y)) => self.object(x, y),
            (Value::Class(x), Value::Class(y)) => Arc::ptr_eq(x, y),
            (Value::Function(x), Value::Function(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                let (xs, ys) = (x.to_vec(), y.to_vec());
                xs.len() == ys.len() && xs.iter().zip(&ys).all(|(p, q)| self.value(p, q))
            }
            (Value::Tuple(x), Value::Tuple(y)) => {
                let (xs, ys) = (x.items(), y.items());
                xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(p, q)| self.value(p, q))
            }
            (Value::Dict(x), Value::Dict(y)) => {
                let (xs, ys) = (x.to_vec(), y.to_vec());
                xs.len() == ys.len()
                    && xs
                        .iter()
                        .zip(&ys)
                        .all(|((ka, va), (kb, vb))| self.value(ka, kb) && self.value(va, vb))
            }
            _ => false,
        }
    }
}

fn same_tensor(a: &Tensor, b: &Tensor) -> bool {
    if a.dtype() != b.dtype()
        || a.shape() != b.shape()
        || a.strides() != b.strides()
        || a.storage_offset() != b.storage_offset()
        || a.requires_grad() != b.requires_grad()
        || a.storage().nbytes() != b.storage().nbytes()
    {
        return false;
    }
    if Arc::ptr_eq(a.storage(), b.storage()) {
        return true;
    }
    let (ga, gb) = (a.storage().read(), b.storage().read());
    let (x, y) = (ga.bytes(), gb.bytes());
    // Two views of one mapped region: equal without reading the bytes.
    (x.as_ptr() == y.as_ptr() && x.len() == y.len()) || x == y
}
