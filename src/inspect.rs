//! `torchscript inspect`: a stable, readable (or JSON) summary of an archive's content.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

#[cfg(feature = "cli")]
use serde_json::{json, Value};

use crate::archive::Archive;
use crate::error::Result;
use crate::pickle::{load_archive_pickles, named_tensors, PickleValue, PickledObject};

/// Everything `inspect` reports about one archive.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectReport {
    pub version: u64,
    pub top_folder: String,
    pub record_count: usize,
    pub code_files: Vec<String>,
    pub extra_files: Vec<String>,
    pub storage_records: usize,
    /// The module/object tree, depth first from the root.
    pub modules: Vec<ModuleEntry>,
    /// Each class of the tree with what its code file declares, by qualified name.
    pub classes: Vec<ClassEntry>,
    pub tensors: Vec<TensorEntry>,
    /// One line per entry of `constants.pkl`.
    pub constants: Vec<String>,
    /// Sum of the lengths of the distinct storage records the tensors view (mapped, not read).
    pub mapped_weight_bytes: u64,
    /// Weight bytes copied into memory by loading: always 0 (storages are mapped).
    pub copied_weight_bytes: u64,
    /// The most that derived weight forms could take if turned on (`--derived-weights`,
    /// `Module::set_derived_weights`): the bytes of the distinct float32 row-major 2-D tensors,
    /// the weights a matrix product may read transposed. Off by default, they take none.
    pub derivable_weight_bytes: u64,
}

/// One object of the module tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleEntry {
    /// Attribute path from the root (`""` for the root), e.g. `layer1.0.conv1`.
    pub path: String,
    pub depth: usize,
    pub class_name: String,
    /// The path this object was first seen at, when the same object appears again.
    pub shared_with: Option<String>,
}

/// What a class's code file says about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClassEntry {
    pub class_name: String,
    /// The code file the class should be in (relative to the top folder).
    pub code_file: String,
    /// Whether the class statement was found there.
    pub found: bool,
    pub methods: Vec<String>,
    pub parameters: Vec<String>,
    pub buffers: Vec<String>,
}

/// One tensor attribute (or constant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorEntry {
    pub name: String,
    /// `parameter`, `buffer`, `attribute` or `constant`.
    pub kind: &'static str,
    pub dtype: &'static str,
    pub shape: Vec<usize>,
    pub stride: Vec<usize>,
    pub storage_offset: usize,
    pub storage_record: String,
}

/// Bytes of the distinct float32 row-major 2-D tensors: what derived weight forms (one
/// transposed copy of each such weight a product reads transposed) could take at most.
fn derivable_bytes(tensors: &[TensorEntry]) -> u64 {
    let mut seen = std::collections::HashSet::new();
    tensors
        .iter()
        .filter(|t| {
            t.dtype == "float32"
                && matches!(t.stride.as_slice(), [s, 1] if t.shape.get(1) == Some(s))
        })
        .filter(|t| seen.insert((t.storage_record.as_str(), t.storage_offset, t.shape.clone())))
        .map(|t| t.shape.iter().product::<usize>().saturating_mul(4) as u64)
        .sum()
}

/// Builds the report for an opened archive.
pub fn inspect(archive: &Archive) -> Result<InspectReport> {
    let loaded = load_archive_pickles(archive)?;
    let mut modules = Vec::new();
    let mut seen = HashMap::new();
    walk_modules(&loaded.data, String::new(), 0, &mut modules, &mut seen);

    let mut classes: BTreeMap<String, ClassEntry> = BTreeMap::new();
    for module in &modules {
        if !classes.contains_key(&module.class_name) {
            let entry = describe_class(archive, &module.class_name);
            classes.insert(module.class_name.clone(), entry);
        }
    }
    let class_at: HashMap<&str, &str> = modules
        .iter()
        .map(|m| (m.path.as_str(), m.class_name.as_str()))
        .collect();

    let mut tensors = Vec::new();
    let mut storages = HashMap::new();
    for named in named_tensors(&loaded.data, &loaded.constants) {
        let tensor = named.tensor;
        storages.insert(
            tensor.storage.record_name.clone(),
            tensor.storage.range.len as u64,
        );
        let kind = tensor_kind(&named.name, &class_at, &classes);
        tensors.push(TensorEntry {
            name: named.name,
            kind,
            dtype: tensor.storage.dtype.torch_name(),
            shape: tensor.size.clone(),
            stride: tensor.stride.clone(),
            storage_offset: tensor.storage_offset,
            storage_record: tensor.storage.record_name.clone(),
        });
    }
    let constants = loaded
        .constants
        .iter()
        .enumerate()
        .map(|(i, c)| format!("c{i}: {}", summarize(c)))
        .collect();
    let derivable_weight_bytes = derivable_bytes(&tensors);
    Ok(InspectReport {
        version: archive.version(),
        top_folder: archive.top_folder().to_string(),
        record_count: archive.records().len(),
        code_files: archive.code_files().iter().map(|s| s.to_string()).collect(),
        extra_files: archive
            .extra_files()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        storage_records: archive
            .records()
            .iter()
            .filter(|r| r.name.starts_with("data/") || r.name.starts_with("constants/"))
            .count(),
        modules,
        classes: classes.into_values().collect(),
        tensors,
        constants,
        mapped_weight_bytes: storages.values().sum(),
        copied_weight_bytes: 0,
        derivable_weight_bytes,
    })
}

fn walk_modules(
    value: &PickleValue,
    path: String,
    depth: usize,
    out: &mut Vec<ModuleEntry>,
    seen: &mut HashMap<*const PickledObject, String>,
) {
    let PickleValue::Object(object) = value else {
        return;
    };
    let key = Arc::as_ptr(object);
    if let Some(first) = seen.get(&key) {
        out.push(ModuleEntry {
            path,
            depth,
            class_name: object.class_name.clone(),
            shared_with: Some(first.clone()),
        });
        return;
    }
    seen.insert(key, path.clone());
    out.push(ModuleEntry {
        path: path.clone(),
        depth,
        class_name: object.class_name.clone(),
        shared_with: None,
    });
    for (name, child) in object.attributes().unwrap_or(&[]) {
        if let (Some(name), PickleValue::Object(_)) = (name.as_str(), child) {
            let child_path = if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}.{name}")
            };
            walk_modules(child, child_path, depth.saturating_add(1), out, seen);
        }
    }
}

fn tensor_kind(
    name: &str,
    class_at: &HashMap<&str, &str>,
    classes: &BTreeMap<String, ClassEntry>,
) -> &'static str {
    if name.starts_with("CONSTANTS.") {
        return "constant";
    }
    let (owner, attribute) = name.rsplit_once('.').unwrap_or(("", name));
    let class = class_at.get(owner).and_then(|c| classes.get(*c));
    match class {
        Some(c) if c.parameters.iter().any(|p| p == attribute) => "parameter",
        Some(c) if c.buffers.iter().any(|b| b == attribute) => "buffer",
        _ => "attribute",
    }
}

/// Finds the class's code file and scans it.
fn describe_class(archive: &Archive, class_name: &str) -> ClassEntry {
    let (module, short) = class_name.rsplit_once('.').unwrap_or(("", class_name));
    let code_file = format!("code/{}.py", module.replace('.', "/"));
    let mut entry = ClassEntry {
        class_name: class_name.to_string(),
        code_file: code_file.clone(),
        ..ClassEntry::default()
    };
    if let Ok(source) = archive.read_text(&code_file) {
        if let Some(scan) = scan_class_source(&source, short) {
            entry.found = true;
            entry.methods = scan.methods;
            entry.parameters = scan.parameters;
            entry.buffers = scan.buffers;
        }
    }
    entry
}

/// What a class definition in code/ declares.
#[derive(Debug, Default, PartialEq, Eq)]
struct ClassScan {
    methods: Vec<String>,
    parameters: Vec<String>,
    buffers: Vec<String>,
}

/// Parses the code file and reads `class <name>`: its methods (in definition order) and its
/// `__parameters__` / `__buffers__` lists.
fn scan_class_source(source: &str, class: &str) -> Option<ClassScan> {
    use torchscript_interpreter::syntax::{parse_file, StmtKind};
    let file = parse_file("code", source).ok()?;
    let def = file.body.iter().find_map(|s| match &s.kind {
        StmtKind::ClassDef(c) if c.name.name == class => Some(c),
        _ => None,
    })?;
    let class_type = torchscript_interpreter::ClassDefinition::from_def(
        def,
        std::sync::Arc::new(file.clone()),
        Vec::new(),
    );
    let methods = def
        .body
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::FunctionDef(f) => Some(f.name.name.clone()),
            _ => None,
        })
        .collect();
    Some(ClassScan {
        methods,
        parameters: class_type.parameters().to_vec(),
        buffers: class_type.buffers().to_vec(),
    })
}

/// A one-line description of a constant.
fn summarize(value: &PickleValue) -> String {
    match value {
        PickleValue::Tensor(t) => format!(
            "tensor {} {:?} stride {:?} ({})",
            t.storage.dtype, t.size, t.stride, t.storage.record_name
        ),
        PickleValue::Str(s) => format!("str {:?}", s.chars().take(60).collect::<String>()),
        PickleValue::Int(i) => format!("int {i}"),
        PickleValue::Float(f) => format!("float {f}"),
        PickleValue::Bool(b) => format!("bool {b}"),
        PickleValue::None => "None".to_string(),
        PickleValue::Object(o) => format!("object {}", o.class_name),
        other => match other.as_sequence() {
            Some(items) => format!("{} of {} items", other.kind_name(), items.len()),
            None => other.kind_name().to_string(),
        },
    }
}

impl InspectReport {
    /// The plain-text report.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "format version: {}", self.version);
        let _ = writeln!(out, "top folder: {}", self.top_folder);
        let _ = writeln!(
            out,
            "records: {} ({} code files, {} extra files, {} tensor storages)",
            self.record_count,
            self.code_files.len(),
            self.extra_files.len(),
            self.storage_records
        );
        for file in &self.extra_files {
            let _ = writeln!(out, "  {file}");
        }
        let _ = writeln!(out, "modules:");
        for m in &self.modules {
            let name = m.path.rsplit('.').next().filter(|_| !m.path.is_empty());
            let shared = m
                .shared_with
                .as_ref()
                .map(|s| {
                    format!(
                        " (same object as {})",
                        if s.is_empty() { "root" } else { s }
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}{}: {}{shared}",
                "  ".repeat(m.depth),
                name.unwrap_or("root"),
                m.class_name
            );
        }
        let _ = writeln!(out, "classes:");
        for c in &self.classes {
            if c.found {
                let _ = writeln!(out, "  {} ({})", c.class_name, c.code_file);
                let _ = writeln!(out, "    methods: {}", c.methods.join(", "));
            } else {
                let _ = writeln!(out, "  {} (no class in {})", c.class_name, c.code_file);
            }
        }
        let _ = writeln!(out, "tensors: {}", self.tensors.len());
        for t in &self.tensors {
            let _ = writeln!(
                out,
                "  {} {} {} {:?} stride {:?} offset {} storage {}",
                t.name, t.kind, t.dtype, t.shape, t.stride, t.storage_offset, t.storage_record
            );
        }
        let _ = writeln!(out, "constants: {}", self.constants.len());
        for c in &self.constants {
            let _ = writeln!(out, "  {c}");
        }
        let _ = writeln!(out, "mapped weight bytes: {}", self.mapped_weight_bytes);
        let _ = writeln!(out, "copied weight bytes: {}", self.copied_weight_bytes);
        let _ = writeln!(
            out,
            "derived weight bytes: 0 (off; at most {} with --derived-weights)",
            self.derivable_weight_bytes
        );
        out
    }

    /// The same report as JSON (with the `cli` feature).
    #[cfg(feature = "cli")]
    pub fn to_json(&self) -> Value {
        json!({
            "format_version": self.version,
            "top_folder": self.top_folder,
            "records": self.record_count,
            "code_files": self.code_files,
            "extra_files": self.extra_files,
            "storage_records": self.storage_records,
            "modules": self.modules.iter().map(|m| json!({
                "path": m.path,
                "class": m.class_name,
                "shared_with": m.shared_with,
            })).collect::<Vec<_>>(),
            "classes": self.classes.iter().map(|c| json!({
                "class": c.class_name,
                "code_file": c.code_file,
                "found": c.found,
                "methods": c.methods,
                "parameters": c.parameters,
                "buffers": c.buffers,
            })).collect::<Vec<_>>(),
            "tensors": self.tensors.iter().map(|t| json!({
                "name": t.name,
                "kind": t.kind,
                "dtype": t.dtype,
                "shape": t.shape,
                "stride": t.stride,
                "storage_offset": t.storage_offset,
                "storage": t.storage_record,
            })).collect::<Vec<_>>(),
            "constants": self.constants,
            "mapped_weight_bytes": self.mapped_weight_bytes,
            "copied_weight_bytes": self.copied_weight_bytes,
            "derived_weight_bytes": 0,
            "derivable_weight_bytes": self.derivable_weight_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_methods_and_parameter_lists() {
        let source = "class A(Module):\n  __parameters__ = [\"weight\", \"bias\", ]\n  \
                      __buffers__ = []\n  def forward(self: A,\n    x: Tensor) -> Tensor:\n    \
                      return x\n  def other(self) -> int:\n    return 1\n\nclass B(Module):\n  \
                      def forward(self):\n    pass\n";
        let scan = scan_class_source(source, "A").unwrap();
        assert_eq!(scan.methods, ["forward", "other"]);
        assert_eq!(scan.parameters, ["weight", "bias"]);
        assert!(scan.buffers.is_empty());
        assert_eq!(scan_class_source(source, "B").unwrap().methods, ["forward"]);
        assert!(scan_class_source(source, "C").is_none());
    }
}
