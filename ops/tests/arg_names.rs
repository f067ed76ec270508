//! Kernels read their arguments by schema name: every name a `k_*` function reads is checked here against every schema it is registered under.

use std::path::{Path, PathBuf};

use torchscript_ops::alloc::{AllocLimits, CallScope};
use torchscript_ops::schema::{torch_schemas, DefaultValue, SchemaArg, SchemaType};
use torchscript_ops::{Arg, Args, DType, OpError, Registry, Tensor};

/// Registered overloads that are not in PyTorch's (or torchvision's) schema list: operators this
/// crate adds itself. Their kernels read arguments by position.
const CUSTOM_OPS: &[&str] = &[];

/// Kernels registered from a table of generated names (`UNARY_OPS`: `aten::NAME` and
/// `aten::NAME_` for each of its names), which the literal scan cannot pair with overloads: the
/// names they read are checked by calling them, in `no_kernel_reads_a_name_its_schema_lacks`.
const CHECKED_BY_CALLING: &[(&str, &str)] = &[
    ("src/ops/basic/unary.rs", "k_unary"),
    ("src/ops/basic/unary.rs", "k_unary_"),
];

/// The `Args` accessors whose argument may be a schema name.
const ACCESSORS: &[&str] = &[
    "get",
    "is_none",
    "position",
    "tensor",
    "opt_tensor",
    "int",
    "opt_int",
    "float",
    "opt_float",
    "bool",
    "opt_bool",
    "scalar",
    "opt_scalar",
    "str",
    "opt_str",
    "dtype",
    "opt_dtype",
    "opt_device",
    "int_list",
    "opt_int_list",
    "float_list",
    "opt_float_list",
    "bool_list",
    "tensor_list",
    "opt_tensor_list",
];

#[test]
fn every_registered_overload_has_a_schema() {
    let reg = Registry::with_all_ops();
    let table = torch_schemas();
    let missing: Vec<&str> = reg
        .names()
        .into_iter()
        .filter(|n| table.get(n).is_none() && !CUSTOM_OPS.contains(n))
        .collect();
    assert!(
        missing.is_empty(),
        "registered overloads without a schema (fix the name, or list them in CUSTOM_OPS): {missing:?}"
    );
    for custom in CUSTOM_OPS {
        assert!(
            reg.contains(custom),
            "CUSTOM_OPS lists {custom}, which is not registered"
        );
        assert!(
            table.get(custom).is_none(),
            "CUSTOM_OPS lists {custom}, which has a schema"
        );
    }
}

fn family_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            family_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A `k_*` function of a family file: its name and body.
struct KernelFn<'s> {
    name: &'s str,
    body: &'s str,
}

fn kernel_fns(code: &str) -> Vec<KernelFn<'_>> {
    let mut fns = Vec::new();
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let item = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub(super) "))
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        let Some(rest) = item.strip_prefix("fn k_") else {
            continue;
        };
        let name_len = 2 + rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap();
        let name_start = start + (line.len() - item.len()) + 3;
        let end = code[start..]
            .find("\n}\n")
            .map_or(code.len(), |e| start + e + 2);
        fns.push(KernelFn {
            name: &code[name_start..name_start + name_len],
            body: &code[start..end],
        });
    }
    fns
}

/// `("aten::x", k_fn)` and `reg.register("aten::x", k_fn)` (or `module::k_fn`, from a family's
/// `mod.rs`): (overload, module, function).
fn registrations(code: &str) -> Vec<(&str, &str, &str)> {
    let mut out = Vec::new();
    for (open, _) in code.match_indices('(') {
        let rest = code[open + 1..].trim_start();
        let Some(rest) = rest.strip_prefix('"') else {
            continue;
        };
        let Some(close) = rest.find('"') else {
            continue;
        };
        let overload = &rest[..close];
        let Some(rest) = rest[close + 1..].trim_start().strip_prefix(',') else {
            continue;
        };
        let mut rest = rest.trim_start();
        let mut module = "";
        if let Some(sep) = rest.find("::k_") {
            if rest[..sep].chars().all(|c| c.is_alphanumeric() || c == '_') {
                module = &rest[..sep];
                rest = &rest[sep + 2..];
            }
        }
        if !rest.starts_with("k_") {
            continue;
        }
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let after = rest[len..].trim_start();
        let after = after.strip_prefix(',').unwrap_or(after).trim_start();
        if after.starts_with(')') {
            out.push((overload, module, &rest[..len]));
        }
    }
    out
}

/// Helpers of the family files that take the arguments and one schema name and read the
/// argument of that name: `operand(a, "other")` reads `other`.
const NAME_HELPERS: &[&str] = &[
    "operand",
    "bound",
    "copy_from",
    "isin_operand",
    "scalar_or_tensor",
    "usize_arg",
    "scalar",
    "conv",
];

/// Every string literal passed to an accessor in `body` (`.tensor("input")` gives `input`), or
/// to a name helper (`operand(a, "other")` gives `other`).
fn literal_names(body: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut patterns: Vec<(String, bool)> = ACCESSORS
        .iter()
        .map(|accessor| (format!(".{accessor}(\""), false))
        .collect();
    for helper in NAME_HELPERS {
        for receiver in ["a", "args"] {
            patterns.push((format!("{helper}({receiver}, \""), true));
        }
    }
    for (pattern, whole_word) in &patterns {
        for (at, _) in body.match_indices(pattern.as_str()) {
            let before = body[..at].chars().next_back();
            if *whole_word && before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &body[at + pattern.len()..];
            if let Some(close) = rest.find('"') {
                names.push(&rest[..close]);
            }
        }
    }
    names
}

/// Registrations in a loop over literal names:
/// `for name in ["relu", "relu6"] { reg.register(&format!("aten::{name}_"), k_act_); }` gives
/// (`aten::relu_`, `k_act_`) and (`aten::relu6_`, `k_act_`).
fn loop_registrations(code: &str) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("for ") {
        let rest = &code[at + 4..];
        let Some(var_len) = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')) else {
            continue;
        };
        let var = &rest[..var_len];
        let Some(rest) = rest[var_len..].trim_start().strip_prefix("in [") else {
            continue;
        };
        let Some(close) = rest.find(']') else {
            continue;
        };
        let items: Option<Vec<&str>> = rest[..close]
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(|i| i.strip_prefix('"').and_then(|i| i.strip_suffix('"')))
            .collect();
        let Some(items) = items else {
            continue; // not a list of string literals
        };
        let Some(body) = rest[close + 1..].trim_start().strip_prefix('{') else {
            continue;
        };
        // The loop body: up to its closing brace (bodies of registrations hold no braces but
        // the `{name}` of `format!`).
        let mut depth = 1usize;
        let mut end = body.len();
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if body[i..].starts_with(&format!("{{{var}}}")) => {
                    for _ in 0..var.len() + 1 {
                        chars.next();
                    }
                }
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let body = &body[..end];
        let template = "reg.register(&format!(\"";
        for (r, _) in body.match_indices(template) {
            let rest = &body[r + template.len()..];
            let Some(q) = rest.find('"') else {
                continue;
            };
            let pattern = &rest[..q];
            let Some(k) = rest[q + 1..].trim_start().strip_prefix("),") else {
                continue;
            };
            let k = k.trim_start();
            if !k.starts_with("k_") {
                continue;
            }
            let len = k
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(k.len());
            for item in &items {
                out.push((pattern.replace(&format!("{{{var}}}"), item), &k[..len]));
            }
        }
    }
    out
}

#[test]
fn argument_names_are_in_every_registered_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ops");
    let mut files = Vec::new();
    family_files(&root, &mut files);
    let table = torch_schemas();
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let file = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .display();
        // This file's registrations, and its parent `mod.rs`'s of `<this module>::k_*`.
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let looped = loop_registrations(code);
        let mut regs: Vec<(&str, &str)> = registrations(code)
            .into_iter()
            .filter(|(_, m, _)| m.is_empty())
            .map(|(o, _, k)| (o, k))
            .chain(looped.iter().map(|(o, k)| (o.as_str(), *k)))
            .collect();
        let mod_rs = path.with_file_name("mod.rs");
        let mod_text = if mod_rs != *path && mod_rs.exists() {
            std::fs::read_to_string(&mod_rs).unwrap()
        } else {
            String::new()
        };
        let mod_code = mod_text.split("#[cfg(test)]").next().unwrap();
        regs.extend(
            registrations(mod_code)
                .into_iter()
                .filter(|(_, m, _)| *m == stem)
                .map(|(o, _, k)| (o, k)),
        );
        let fns = kernel_fns(code);
        for f in &fns {
            let names = literal_names(f.body);
            if names.is_empty() {
                continue;
            }
            // Its own overloads, and those of any kernel in this file that delegates to it.
            let mut overloads: Vec<&str> = Vec::new();
            for caller in std::iter::once(f.name).chain(
                fns.iter()
                    .filter(|g| g.name != f.name && g.body.contains(&format!("{}(", f.name)))
                    .map(|g| g.name),
            ) {
                overloads.extend(regs.iter().filter(|(_, k)| *k == caller).map(|(o, _)| *o));
            }
            if overloads.is_empty() && CHECKED_BY_CALLING.contains(&(&*file.to_string(), f.name)) {
                continue;
            }
            if overloads.is_empty() {
                failures.push(format!(
                    "{file}: {} reads arguments by name ({names:?}) but is not registered under a literal overload name in this file, so its names cannot be checked",
                    f.name
                ));
                continue;
            }
            for overload in &overloads {
                let Some(schema) = table.get(overload) else {
                    failures.push(format!(
                        "{file}: {} reads arguments by name but is registered under {overload}, which has no schema",
                        f.name
                    ));
                    continue;
                };
                for name in &names {
                    checked += 1;
                    if !schema.args.iter().any(|a| a.name == *name) {
                        failures.push(format!(
                            "{file}: {} reads argument `{name}`, which schema `{}` does not have",
                            f.name, schema.text
                        ));
                    }
                }
            }
        }
    }
    assert!(
        checked > 0,
        "no argument read by name was found under {}",
        root.display()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_unknown_name_is_a_typed_error() {
    let x = torchscript_ops::Tensor::from_vec(vec![1.0f32, -2.0], &[2]).unwrap();
    let values = [Arg::Tensor(x)];
    let args = Args::new("aten::relu", &values);
    assert!(args.tensor("self").is_ok());
    assert_eq!(args.position("self").unwrap(), 0);
    match args.tensor("input") {
        Err(OpError::UnknownArgument { op, name, schema }) => {
            assert_eq!(op, "aten::relu");
            assert_eq!(name, "input");
            assert!(schema.contains("aten::relu(Tensor self)"), "{schema}");
        }
        other => panic!("expected UnknownArgument, got {other:?}"),
    }
    let message = args.int("dim").unwrap_err().to_string();
    assert!(
        message.contains("aten::relu") && message.contains("dim"),
        "{message}"
    );
    assert!(!args.is_none("nope"));

    // No schema at all: still an error, never a panic.
    let args = Args::new("custom::nothing", &values);
    assert!(matches!(
        args.tensor("self"),
        Err(OpError::UnknownArgument { .. })
    ));
    assert!(args.tensor(0).is_ok());

    // A wrong type names the argument from the schema.
    let values = [Arg::Int(3)];
    let args = Args::new("aten::relu", &values);
    match args.tensor("self") {
        Err(OpError::ArgumentType { name, index, .. }) => {
            assert_eq!((name.as_str(), index), ("self", 0));
        }
        other => panic!("expected ArgumentType, got {other:?}"),
    }
}

/// A value of schema type `ty` for the dynamic check: `t` stands for every tensor argument.
fn value_of(ty: &SchemaType, t: &Arg) -> Arg {
    match ty {
        SchemaType::Tensor => t.clone(),
        SchemaType::Int | SchemaType::Layout | SchemaType::MemoryFormat => Arg::Int(1),
        SchemaType::ScalarType => Arg::Int(6),
        SchemaType::Float => Arg::Float(0.5),
        SchemaType::Bool => Arg::Bool(false),
        SchemaType::Scalar | SchemaType::Var(_) | SchemaType::Any => Arg::Int(1),
        SchemaType::Str => Arg::Str("valid".into()),
        SchemaType::Device => Arg::Str("cpu".into()),
        SchemaType::List(item, n) => {
            let n = n.unwrap_or(2);
            let item = match &**item {
                SchemaType::Optional(inner) => &**inner,
                other => other,
            };
            Arg::List((0..n).map(|_| value_of(item, t)).collect())
        }
        SchemaType::Tuple(items) => Arg::Tuple(items.iter().map(|i| value_of(i, t)).collect()),
        _ => Arg::None,
    }
}

/// The bound value of a schema argument: its default when it has one, else a value of its type.
fn bound_value(arg: &SchemaArg, t: &Arg) -> Arg {
    match &arg.default {
        Some(DefaultValue::None) => Arg::None,
        Some(DefaultValue::Bool(b)) => Arg::Bool(*b),
        Some(DefaultValue::Int(i)) => match &arg.ty {
            SchemaType::List(_, Some(n)) => Arg::List(vec![Arg::Int(*i); *n]),
            SchemaType::Float => Arg::Float(*i as f64),
            _ => Arg::Int(*i),
        },
        Some(DefaultValue::Float(f)) => Arg::Float(*f),
        Some(DefaultValue::Str(s)) => Arg::Str(s.as_str().into()),
        Some(DefaultValue::IntList(v)) => Arg::List(v.iter().map(|&i| Arg::Int(i)).collect()),
        Some(DefaultValue::FloatList(v)) => Arg::List(v.iter().map(|&f| Arg::Float(f)).collect()),
        Some(DefaultValue::BoolList(v)) => Arg::List(v.iter().map(|&b| Arg::Bool(b)).collect()),
        Some(DefaultValue::Name(_)) => Arg::Int(0),
        None => match &arg.ty {
            SchemaType::Optional(inner) if **inner != SchemaType::Tensor => Arg::None,
            SchemaType::Optional(inner) => value_of(inner, t),
            ty => value_of(ty, t),
        },
    }
}

/// The tensors every overload is called with in turn (one stands for all its tensor arguments):
/// ranks 0 to 5, so that most kernels get past their checks of shapes to the arguments they
/// read after them.
fn probe_tensors() -> Vec<Arg> {
    let t = |shape: &[usize], dtype: DType| {
        let n: usize = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|i| 0.25 + (i % 3) as f32 * 0.25).collect();
        Arg::Tensor(Tensor::from_vec(v, shape).unwrap().to_dtype(dtype).unwrap())
    };
    vec![
        t(&[1, 1, 2, 2], DType::F32),
        t(&[1, 1, 2], DType::F32),
        t(&[1, 1, 2, 2, 2], DType::F32),
        t(&[2, 2], DType::F32),
        t(&[2], DType::F32),
        t(&[], DType::F32),
        t(&[2, 2], DType::I64),
        t(&[2], DType::Bool),
    ]
}

/// Every registered overload called with arguments built from its schema (defaults, else a value
/// of the argument's type), once per probe tensor: none may answer that it read an argument its
/// schema lacks. This reaches the names the literal scan above cannot see: names chosen per
/// overload from a table, read in helpers, or by kernels registered in loops.
#[test]
fn no_kernel_reads_a_name_its_schema_lacks() {
    let reg = Registry::with_all_ops();
    let table = torch_schemas();
    let probes = probe_tensors();
    let _scope = CallScope::enter(AllocLimits {
        max_tensor_bytes: 16 << 20,
        max_call_bytes: 64 << 20,
    });
    let mut failures = Vec::new();
    let (mut calls, mut answered) = (0usize, 0usize);
    for name in reg.names() {
        let Some(schema) = table.get(name) else {
            continue;
        };
        let mut ok = false;
        for t in &probes {
            let values: Vec<Arg> = schema.args.iter().map(|a| bound_value(a, t)).collect();
            calls += 1;
            match reg.call(name, &values) {
                Err(e @ OpError::UnknownArgument { .. }) => {
                    failures.push(format!("{name}: {e}"));
                    break;
                }
                Ok(_) => ok = true,
                Err(_) => {}
            }
        }
        answered += usize::from(ok);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        answered * 2 > reg.names().len(),
        "only {answered} of {} overloads ran to a result in {calls} calls: the probes no longer reach most kernels' argument reads",
        reg.names().len()
    );
}
