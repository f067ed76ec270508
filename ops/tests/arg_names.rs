//! Kernels read their arguments by schema name: every name a `k_*` function reads is checked here against every schema it is registered under.

use std::path::{Path, PathBuf};

use torchscript_ops::schema::torch_schemas;
use torchscript_ops::{Arg, Args, OpError, Registry};

/// Registered overloads that are not in PyTorch's (or torchvision's) schema list: operators this
/// crate adds itself. Their kernels read arguments by position.
const CUSTOM_OPS: &[&str] = &[];

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

/// Every string literal passed to an accessor in `body`: `.tensor("input")` gives `input`.
fn literal_names(body: &str) -> Vec<&str> {
    let mut names = Vec::new();
    for accessor in ACCESSORS {
        let pattern = format!(".{accessor}(\"");
        for (at, _) in body.match_indices(&pattern) {
            let rest = &body[at + pattern.len()..];
            if let Some(close) = rest.find('"') {
                names.push(&rest[..close]);
            }
        }
    }
    names
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
        let mut regs: Vec<(&str, &str)> = registrations(code)
            .into_iter()
            .filter(|(_, m, _)| m.is_empty())
            .map(|(o, _, k)| (o, k))
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
