//! Classes from code/ (modules, plain classes, NamedTuples, enums) and their objects.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use parking_lot::RwLock;

use crate::code_files::CodeFiles;
use crate::error::{ErrorKind, Result};
use crate::ir::Function;
use crate::syntax::{ClassDef, FunctionDef, SourceFile};
use crate::types::Type;
use crate::value::Value;

/// What a class statement declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    Module,
    Class,
    NamedTuple,
    Enum,
    Interface,
}

/// A class: its name, its declarations from code/ (read and parsed when first needed, so that
/// loading a model does not parse the code of every class its objects belong to) and its
/// methods, lowered on first call.
pub struct ClassType {
    /// Qualified name, e.g. `__torch__.torch.nn.modules.conv.Conv2d`.
    pub(crate) name: String,
    definition: OnceLock<ClassDefinition>,
    /// Where the definition is read from when first needed (`None` when built from a def).
    code: Option<Arc<CodeFiles>>,
    /// Lowered methods.
    pub(crate) methods: RwLock<HashMap<String, Arc<Function>>>,
}

impl std::fmt::Debug for ClassType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClassType")
            .field("name", &self.name)
            .field("definition", &self.definition.get())
            .finish()
    }
}

/// What the class statement of code/ declares: kind, attributes, constants, methods.
#[derive(Debug)]
pub struct ClassDefinition {
    pub(crate) kind: ClassKind,
    /// Annotated attributes in declaration order (`weight : Tensor`, `__annotations__["0"] = ...`).
    pub(crate) attributes: Vec<(String, Type)>,
    pub(crate) parameters: Vec<String>,
    pub(crate) buffers: Vec<String>,
    /// Class-level constants (`Final[int] = 3`) and enum members.
    pub(crate) constants: Vec<(String, Value)>,
    /// The file the class is defined in.
    pub(crate) file: Arc<SourceFile>,
    /// Method definitions by name.
    pub(crate) method_defs: HashMap<String, Arc<FunctionDef>>,
}

impl ClassType {
    /// Builds a class from its definition.
    pub fn from_def(
        name: String,
        def: &ClassDef,
        file: Arc<SourceFile>,
        constants: Vec<(String, Value)>,
    ) -> ClassType {
        ClassType {
            name,
            definition: OnceLock::from(ClassDefinition::from_def(def, file, constants)),
            code: None,
            methods: RwLock::new(HashMap::new()),
        }
    }

    /// A class whose definition is read from `code` when first needed.
    pub(crate) fn deferred(name: String, code: Arc<CodeFiles>) -> ClassType {
        ClassType {
            name,
            definition: OnceLock::new(),
            code: Some(code),
            methods: RwLock::new(HashMap::new()),
        }
    }

    /// The class's declarations, read and parsed from code/ on first use: fails when the file
    /// cannot be read or parsed, or does not define the class.
    pub fn definition(&self) -> Result<&ClassDefinition> {
        if let Some(definition) = self.definition.get() {
            return Ok(definition);
        }
        let code = self
            .code
            .as_ref()
            .ok_or_else(|| ErrorKind::UnknownClass(self.name.clone()))?;
        let definition = code.class_definition(&self.name)?;
        // Two threads may both have parsed it; the first one stored is kept.
        Ok(self.definition.get_or_init(|| definition))
    }

    /// Whether the class defines method `name`, without parsing its file when the file's text
    /// does not mention `name` at all (the question loading asks of every object).
    pub fn defines_method(&self, name: &str) -> Result<bool> {
        if self.definition.get().is_none() {
            if let Some(code) = &self.code {
                if !code.mentions(&self.name, name)? {
                    return Ok(false);
                }
            }
        }
        Ok(self.definition()?.method_defs.contains_key(name))
    }

    /// The qualified name, e.g. `__torch__.torch.nn.modules.conv.Conv2d`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The short name (`Conv2d`).
    pub fn short_name(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }

    /// Whether instances are `nn.Module`s.
    pub fn is_module(&self) -> Result<bool> {
        Ok(self.definition()?.kind.is_module())
    }

    /// Whether the class defines method `name`.
    pub fn has_method(&self, name: &str) -> Result<bool> {
        Ok(self.definition()?.method_defs.contains_key(name))
    }

    /// The class-level constant `name` (`Final` values, enum members).
    pub fn constant(&self, name: &str) -> Result<Option<&Value>> {
        Ok(self.definition()?.constant(name))
    }
}

impl ClassDefinition {
    /// Reads a class statement.
    pub fn from_def(
        def: &ClassDef,
        file: Arc<SourceFile>,
        constants: Vec<(String, Value)>,
    ) -> ClassDefinition {
        use crate::syntax::{ExprKind, StmtKind};
        let kind = def
            .bases
            .iter()
            .filter_map(crate::types::dotted_name)
            .map(|b| match b.rsplit('.').next().unwrap_or("") {
                "Module" => ClassKind::Module,
                "NamedTuple" => ClassKind::NamedTuple,
                "Enum" => ClassKind::Enum,
                "Interface" | "ModuleInterface" => ClassKind::Interface,
                _ => ClassKind::Class,
            })
            .next()
            .unwrap_or(ClassKind::Class);
        let mut attributes = Vec::new();
        let mut parameters = Vec::new();
        let mut buffers = Vec::new();
        let mut method_defs = HashMap::new();
        let string_list = |e: &crate::syntax::Expr| -> Vec<String> {
            match &e.kind {
                ExprKind::List(items) | ExprKind::Tuple(items) => items
                    .iter()
                    .filter_map(|i| match &i.kind {
                        ExprKind::Str(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => vec![],
            }
        };
        for stmt in &def.body {
            match &stmt.kind {
                StmtKind::AnnAssign {
                    target,
                    annotation,
                    value,
                } => {
                    if let ExprKind::Name(n) = &target.kind {
                        let is_final = matches!(&annotation.kind, ExprKind::Subscript { value, .. } if crate::types::dotted_name(value).as_deref() == Some("Final"));
                        if !(is_final && value.is_some()) {
                            attributes.push((n.clone(), Type::from_expr(annotation)));
                        }
                    }
                }
                StmtKind::Assign { targets, value } => {
                    for target in targets {
                        match &target.kind {
                            ExprKind::Name(n) if n == "__parameters__" => {
                                parameters = string_list(value)
                            }
                            ExprKind::Name(n) if n == "__buffers__" => buffers = string_list(value),
                            ExprKind::Subscript { value: base, index } => {
                                if let (ExprKind::Name(b), ExprKind::Str(key)) =
                                    (&base.kind, &index.kind)
                                {
                                    if b == "__annotations__" {
                                        attributes.push((key.clone(), Type::from_expr(value)));
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                StmtKind::FunctionDef(f) => {
                    method_defs.insert(f.name.name.clone(), Arc::new(f.clone()));
                }
                _ => {}
            }
        }
        ClassDefinition {
            kind,
            attributes,
            parameters,
            buffers,
            constants,
            file,
            method_defs,
        }
    }

    /// What the class statement declares (a module, a plain class, a NamedTuple, ...).
    pub fn kind(&self) -> ClassKind {
        self.kind
    }

    /// Whether instances are `nn.Module`s.
    pub fn is_module(&self) -> bool {
        self.kind.is_module()
    }

    /// The annotated attributes with their types, in declaration order.
    pub fn attribute_types(&self) -> &[(String, Type)] {
        &self.attributes
    }

    /// The names of the attributes that are parameters (`__parameters__`).
    pub fn parameters(&self) -> &[String] {
        &self.parameters
    }

    /// The names of the attributes that are buffers (`__buffers__`).
    pub fn buffers(&self) -> &[String] {
        &self.buffers
    }

    /// Class-level constants (`Final[int] = 3`) and enum members, in declaration order.
    pub fn constants(&self) -> &[(String, Value)] {
        &self.constants
    }

    /// The code/ file the class is defined in.
    pub fn source_file(&self) -> &Arc<SourceFile> {
        &self.file
    }

    /// The definition of method `name`, as parsed.
    pub fn method_def(&self, name: &str) -> Option<&Arc<FunctionDef>> {
        self.method_defs.get(name)
    }

    pub fn constant(&self, name: &str) -> Option<&Value> {
        self.constants
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// NamedTuple field names, in order.
    pub fn field_names(&self) -> Vec<&str> {
        self.attributes.iter().map(|(n, _)| n.as_str()).collect()
    }

    pub fn has_method(&self, name: &str) -> bool {
        self.method_defs.contains_key(name)
    }

    /// Method names in definition order is not kept by the map; sorted for display.
    pub fn method_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.method_defs.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

/// An instance of a class: attributes by name, in insertion order.
#[derive(Debug)]
pub struct Object {
    pub(crate) class: Arc<ClassType>,
    attrs: RwLock<Vec<(Arc<str>, Value)>>,
}

impl Object {
    pub fn new(class: Arc<ClassType>, attrs: Vec<(Arc<str>, Value)>) -> Object {
        Object {
            class,
            attrs: RwLock::new(attrs),
        }
    }

    /// The object's class.
    pub fn class(&self) -> &Arc<ClassType> {
        &self.class
    }

    pub fn get_attr(&self, name: &str) -> Option<Value> {
        self.attrs
            .read()
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, v)| v.clone())
    }

    pub fn set_attr(&self, name: &str, value: Value) {
        let mut attrs = self.attrs.write();
        match attrs.iter_mut().find(|(n, _)| &**n == name) {
            Some(slot) => slot.1 = value,
            None => attrs.push((Arc::from(name), value)),
        }
    }

    pub fn has_attr(&self, name: &str) -> bool {
        self.attrs.read().iter().any(|(n, _)| &**n == name)
    }

    /// A snapshot of the attributes.
    pub fn attributes(&self) -> Vec<(Arc<str>, Value)> {
        self.attrs.read().clone()
    }

    /// Moves the attributes out (for dropping deep object graphs without recursion).
    pub(crate) fn take_attrs(&mut self) -> Vec<(Arc<str>, Value)> {
        std::mem::take(self.attrs.get_mut())
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        let attrs = self.take_attrs();
        crate::value::drop_iteratively(attrs.into_iter().map(|(_, v)| v).collect());
    }
}
