//! Finds every tensor reachable from a module tree, named by attribute path.
//!
//! Naming follows PyTorch's `named_attributes` walk used by the fixtures: `fc1.weight`, list
//! items `name.0`, dict values `name.key`, and `CONSTANTS.c0` for `constants.pkl` entries.

use super::value::{PickleValue, TensorRecord};

/// A tensor and where it was found.
#[derive(Debug, Clone)]
pub struct NamedTensor<'a> {
    pub name: String,
    pub tensor: &'a TensorRecord,
}

/// Tensors of the module tree rooted at `data` (attributes, items of list/tuple/dict
/// attributes, recursively through sub-objects), then the constants as `CONSTANTS.c<i>`.
pub fn named_tensors<'a>(
    data: &'a PickleValue,
    constants: &'a [PickleValue],
) -> Vec<NamedTensor<'a>> {
    let mut out = Vec::new();
    collect(data, "", &mut out, 0);
    for (i, constant) in constants.iter().enumerate() {
        if let PickleValue::Tensor(tensor) = constant {
            out.push(NamedTensor {
                name: format!("CONSTANTS.c{i}"),
                tensor,
            });
        }
    }
    out
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Recursion is bounded by the unpickler's nesting limit; `depth` is a second guard.
fn collect<'a>(value: &'a PickleValue, path: &str, out: &mut Vec<NamedTensor<'a>>, depth: u32) {
    if depth > 2000 {
        return;
    }
    match value {
        PickleValue::Tensor(tensor) => out.push(NamedTensor {
            name: path.to_string(),
            tensor,
        }),
        PickleValue::Object(object) => collect(&object.state, path, out, depth.saturating_add(1)),
        PickleValue::Dict(items) | PickleValue::TypedDict { items, .. } => {
            for (key, item) in items {
                let key = match key {
                    PickleValue::Str(s) => s.to_string(),
                    PickleValue::Int(i) => i.to_string(),
                    PickleValue::Bool(b) => if *b { "True" } else { "False" }.to_string(),
                    _ => continue,
                };
                collect(item, &join(path, &key), out, depth.saturating_add(1));
            }
        }
        PickleValue::List(items)
        | PickleValue::Tuple(items)
        | PickleValue::TypedList { items, .. } => {
            for (i, item) in items.iter().enumerate() {
                collect(
                    item,
                    &join(path, &i.to_string()),
                    out,
                    depth.saturating_add(1),
                );
            }
        }
        _ => {}
    }
}
