//! Moving values in and out of the runtime as numpy arrays (the CLI's `.npz` contract).

use torchscript_interpreter::{DictRef, ListRef, TupleRef, Type, Value};
use torchscript_ops::{DType, Tensor};

use crate::error::Error;
use crate::npz::{NpyArray, NpyDType};

fn npy_to_dtype(d: NpyDType) -> DType {
    match d {
        NpyDType::Bool => DType::Bool,
        NpyDType::U8 => DType::U8,
        NpyDType::I8 => DType::I8,
        NpyDType::I16 => DType::I16,
        NpyDType::I32 => DType::I32,
        NpyDType::I64 => DType::I64,
        NpyDType::F16 => DType::F16,
        NpyDType::F32 => DType::F32,
        NpyDType::F64 => DType::F64,
    }
}

fn dtype_to_npy(d: DType) -> NpyDType {
    match d {
        DType::Bool => NpyDType::Bool,
        DType::U8 => NpyDType::U8,
        DType::I8 => NpyDType::I8,
        DType::I16 => NpyDType::I16,
        DType::I32 => NpyDType::I32,
        DType::I64 => NpyDType::I64,
        DType::F16 => NpyDType::F16,
        DType::F32 | DType::BF16 => NpyDType::F32,
        DType::F64 => NpyDType::F64,
    }
}

/// A tensor holding a copy of the array.
pub fn tensor_from_npy(array: &NpyArray) -> Result<Tensor, Error> {
    let t = Tensor::zeros(&array.shape, npy_to_dtype(array.dtype))
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    {
        let mut storage = t.storage().write();
        let dst = storage.bytes_mut();
        if dst.len() != array.data.len() {
            return Err(Error::InvalidInput(format!(
                "array data has {} bytes but shape {:?} of {} needs {}",
                array.data.len(),
                array.shape,
                array.dtype.name(),
                dst.len()
            )));
        }
        dst.copy_from_slice(&array.data);
    }
    Ok(t)
}

/// An input value for a parameter of type `ty`: 0-d arrays become `int`/`float`/`bool` where
/// the signature wants them, everything else a tensor.
pub fn input_value(array: &NpyArray, ty: Option<&Type>) -> Result<Value, Error> {
    let tensor = tensor_from_npy(array)?;
    let scalar = |t: &Tensor| t.item().map_err(|e| Error::InvalidInput(e.to_string()));
    let wanted = match ty {
        Some(Type::Optional(inner)) => Some(&**inner),
        other => other,
    };
    Ok(match wanted {
        Some(Type::Int) if array.shape.is_empty() => Value::Int(scalar(&tensor)?.to_i64()),
        Some(Type::Float) if array.shape.is_empty() => Value::Float(scalar(&tensor)?.to_f64()),
        Some(Type::Bool) if array.shape.is_empty() => Value::Bool(scalar(&tensor)?.to_bool()),
        _ => Value::Tensor(tensor),
    })
}

/// The array of a tensor (contiguous, little-endian; bfloat16 widened to float32).
pub fn tensor_to_npy(t: &Tensor) -> Result<NpyArray, Error> {
    let t = if t.dtype() == DType::BF16 {
        t.to_dtype(DType::F32)
    } else {
        t.contiguous()
    }
    .map_err(|e| Error::InvalidInput(e.to_string()))?;
    let size = t.dtype().size();
    let outside = || Error::InvalidInput("tensor view outside its storage".into());
    let start = t.storage_offset().checked_mul(size).ok_or_else(outside)?;
    let end = t
        .numel()
        .checked_mul(size)
        .and_then(|len| len.checked_add(start))
        .ok_or_else(outside)?;
    let data = t
        .storage()
        .read()
        .bytes()
        .get(start..end)
        .map(<[u8]>::to_vec)
        .ok_or_else(outside)?;
    Ok(NpyArray {
        dtype: dtype_to_npy(t.dtype()),
        shape: t.shape().to_vec(),
        data,
    })
}

/// The result flattened depth-first (tuples, lists, dict values) into arrays: ints, floats
/// and bools become 0-d int64/float64/bool arrays; None and strings are skipped.
pub fn flatten_outputs(v: &Value, out: &mut Vec<NpyArray>) -> Result<(), Error> {
    // A work list instead of recursion: a result nested 50k deep must not overflow the stack.
    let mut pending: Vec<Value> = vec![v.clone()];
    while let Some(v) = pending.pop() {
        match &v {
            Value::Tensor(t) => out.push(tensor_to_npy(t)?),
            Value::Int(i) => out.push(NpyArray {
                dtype: NpyDType::I64,
                shape: vec![],
                data: i.to_le_bytes().to_vec(),
            }),
            Value::Float(f) => out.push(NpyArray {
                dtype: NpyDType::F64,
                shape: vec![],
                data: f.to_le_bytes().to_vec(),
            }),
            Value::Bool(b) => out.push(NpyArray {
                dtype: NpyDType::Bool,
                shape: vec![],
                data: vec![*b as u8],
            }),
            Value::None | Value::Str(_) | Value::Device(_) => {}
            // Children are pushed in reverse so they come off the list in order.
            Value::List(l) => pending.extend(l.to_vec().into_iter().rev()),
            Value::Tuple(t) => pending.extend(t.items().iter().rev().cloned()),
            Value::Dict(d) => pending.extend(d.to_vec().into_iter().rev().map(|(_, item)| item)),
            other => {
                return Err(Error::InvalidInput(format!(
                    "a {} result cannot be written to npz",
                    other.type_name()
                )))
            }
        }
    }
    Ok(())
}

/// The arrays of one argument: a leaf array, or the members of a list, tuple or dict
/// (`argN.0`, `argN.KEY`, nested with dots), in the order they were stored.
#[derive(Debug)]
enum InputTree {
    Leaf(NpyArray),
    Branch(Vec<(String, InputTree)>),
}

impl InputTree {
    fn insert(&mut self, path: &[&str], array: NpyArray, full: &str) -> Result<(), Error> {
        let clash = || Error::InvalidInput(format!("input array `{full}` clashes with another"));
        let InputTree::Branch(children) = self else {
            return Err(clash());
        };
        let Some((first, rest)) = path.split_first() else {
            return Err(clash());
        };
        let existing = children.iter_mut().find(|(k, _)| k == first);
        match (existing, rest.is_empty()) {
            (Some(_), true) => Err(clash()),
            (Some((_, child)), false) => child.insert(rest, array, full),
            (None, true) => {
                children.push(((*first).to_string(), InputTree::Leaf(array)));
                Ok(())
            }
            (None, false) => {
                let mut child = InputTree::Branch(Vec::new());
                child.insert(rest, array, full)?;
                children.push(((*first).to_string(), child));
                Ok(())
            }
        }
    }
}

/// Members `0`, `1`, ... of a branch, in index order; each index exactly once.
fn indexed_members(
    children: Vec<(String, InputTree)>,
    name: &str,
    sep: &str,
) -> Result<Vec<InputTree>, Error> {
    let mut slots: Vec<Option<InputTree>> = Vec::new();
    for (key, child) in children {
        let index: usize = key.parse().ok().filter(|i| *i < 65536).ok_or_else(|| {
            Error::InvalidInput(format!(
                "input `{name}{sep}{key}`: members are numbered {name}{sep}0, {name}{sep}1, ..."
            ))
        })?;
        if slots.len() <= index {
            slots.resize_with(index.saturating_add(1), || None);
        }
        if let Some(slot) = slots.get_mut(index) {
            *slot = Some(child);
        }
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            s.ok_or_else(|| Error::InvalidInput(format!("input `{name}{sep}{i}` is missing")))
        })
        .collect()
}

/// The value of argument (or member) `name` for a parameter of type `ty`, checked against it.
fn build_value(tree: InputTree, ty: Option<&Type>, name: &str) -> Result<Value, Error> {
    let wanted = match ty {
        Some(Type::Optional(inner)) => Some(&**inner),
        other => other,
    };
    let mismatch = |given: &str| {
        Error::InvalidInput(format!(
            "input `{name}`: the method wants {} but {given} was given",
            wanted.map_or_else(|| "a value".to_string(), Type::to_string)
        ))
    };
    match (tree, wanted) {
        (InputTree::Leaf(array), None | Some(Type::Any)) => input_value(&array, None),
        (InputTree::Leaf(array), Some(t @ (Type::Int | Type::Float | Type::Bool))) => {
            if !array.shape.is_empty() {
                return Err(mismatch(&format!("an array of shape {:?}", array.shape)));
            }
            input_value(&array, Some(t))
        }
        (InputTree::Leaf(array), Some(Type::Tensor | Type::Number)) => input_value(&array, wanted),
        (InputTree::Leaf(_), Some(Type::List(_) | Type::Tuple(_))) => Err(mismatch(&format!(
            "one array (give the members as {name}.0, {name}.1, ...)"
        ))),
        (InputTree::Leaf(_), Some(Type::Dict(..))) => Err(mismatch(&format!(
            "one array (give the entries as {name}.KEY)"
        ))),
        (InputTree::Leaf(_), Some(_)) => Err(mismatch("an array")),
        (InputTree::Branch(children), Some(Type::List(elem))) => {
            let items = indexed_members(children, name, ".")?
                .into_iter()
                .enumerate()
                .map(|(i, child)| build_value(child, Some(elem), &format!("{name}.{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::List(ListRef::new(items)))
        }
        (InputTree::Branch(children), Some(Type::Tuple(types))) => {
            let members = indexed_members(children, name, ".")?;
            if !types.is_empty() && members.len() != types.len() {
                return Err(mismatch(&format!("{} members", members.len())));
            }
            let items = members
                .into_iter()
                .enumerate()
                .map(|(i, child)| build_value(child, types.get(i), &format!("{name}.{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Tuple(TupleRef::new(items)))
        }
        (InputTree::Branch(children), Some(Type::Dict(key_ty, value_ty))) => {
            let mut entries = Vec::with_capacity(children.len());
            for (key, child) in children {
                let member = format!("{name}.{key}");
                let key_value = match &**key_ty {
                    Type::Int => Value::Int(key.parse().map_err(|_| {
                        Error::InvalidInput(format!("input `{member}`: the dict's keys are int"))
                    })?),
                    Type::Str | Type::Any => Value::Str(key.as_str().into()),
                    other => {
                        return Err(Error::InvalidInput(format!(
                            "input `{name}`: dicts with {other} keys cannot be given in npz"
                        )))
                    }
                };
                entries.push((key_value, build_value(child, Some(value_ty), &member)?));
            }
            Ok(Value::Dict(DictRef::new(entries)))
        }
        (InputTree::Branch(children), _) => {
            let first = children.first().map_or("", |(k, _)| k.as_str());
            Err(mismatch(&format!("members ({name}.{first}, ...)")))
        }
    }
}

/// The arguments of a method from npz arrays: `arg0`, `arg1`, ... in positional order, a
/// `List[Tensor]` as `argN.0`, `argN.1`, ..., a `Dict[str, Tensor]` as `argN.KEY`, nesting
/// joined with dots. Each argument is checked against the method's parameter types (`params`,
/// without `self`) before anything runs; an error names the wrong argument.
pub fn method_inputs(
    arrays: Vec<(String, NpyArray)>,
    params: &[(String, Option<Type>)],
) -> Result<Vec<Value>, Error> {
    let mut root = InputTree::Branch(Vec::new());
    for (name, array) in arrays {
        let mut parts = name.split('.');
        let head = parts.next().unwrap_or_default();
        let index = head
            .strip_prefix("arg")
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|i| *i < 4096)
            .ok_or_else(|| {
                Error::InvalidInput(format!("input array `{name}` is not named argN[.member]"))
            })?;
        let mut path: Vec<&str> = vec![];
        let index_key = index.to_string();
        path.push(&index_key);
        path.extend(parts);
        root.insert(&path, array, &name)?;
    }
    let InputTree::Branch(children) = root else {
        return Ok(vec![]);
    };
    let args = indexed_members(children, "arg", "")?;
    if args.len() > params.len() {
        return Err(Error::InvalidInput(format!(
            "{} inputs given but the method takes {}",
            args.len(),
            params.len()
        )));
    }
    args.into_iter()
        .zip(params)
        .enumerate()
        .map(|(i, (tree, (pname, ty)))| {
            build_value(tree, ty.as_ref(), &format!("arg{i}")).map_err(|e| match e {
                Error::InvalidInput(m) => Error::InvalidInput(format!("{m} (parameter `{pname}`)")),
                other => other,
            })
        })
        .collect()
}

/// Reads `arg0`, `arg1`, ... in positional order.
pub fn positional_inputs(arrays: Vec<(String, NpyArray)>) -> Result<Vec<NpyArray>, Error> {
    let mut by_index: Vec<Option<NpyArray>> = Vec::new();
    for (name, array) in arrays {
        let index: usize = name
            .strip_prefix("arg")
            .and_then(|i| i.parse().ok())
            .ok_or_else(|| {
                Error::InvalidInput(format!("input array `{name}` is not named argN"))
            })?;
        if index >= 4096 {
            return Err(Error::InvalidInput(format!(
                "input array `{name}`: too many arguments"
            )));
        }
        if by_index.len() <= index {
            by_index.resize_with(index.saturating_add(1), || None);
        }
        if let Some(slot) = by_index.get_mut(index) {
            *slot = Some(array);
        }
    }
    by_index
        .into_iter()
        .enumerate()
        .map(|(i, a)| a.ok_or_else(|| Error::InvalidInput(format!("input arg{i} is missing"))))
        .collect()
}
