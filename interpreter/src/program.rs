//! A program: the classes and functions of an archive's code/, parsed and lowered on demand.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;
use torchscript_ops::schema::{torch_schemas, SchemaTable};
use torchscript_ops::Registry;

use crate::class::{ClassKind, ClassType};
use crate::code_files::CodeFiles;
use crate::error::{ErrorKind, Result};
use crate::ir::Function;
use crate::lower::lower_function;
use crate::origin::OriginMap;
use crate::syntax::{self, ExprKind, SourceFile, StmtKind};
use crate::value::Value;

/// Where the program's source comes from: the text of `code/<module path>.py`.
pub trait SourceProvider: Send + Sync {
    /// The source of a module, e.g. `__torch__.torch.nn.modules.conv` →
    /// the text of `code/__torch__/torch/nn/modules/conv.py`, and the path to report.
    fn module_source(&self, module: &str) -> Option<(String, Arc<str>)>;

    /// Why the source of `module` exists but cannot be read (bad CRC, does not inflate, too
    /// large, not UTF-8), when [`SourceProvider::module_source`] returned `None` for it.
    fn unreadable(&self, module: &str) -> Option<String> {
        let _ = module;
        None
    }

    /// The model author's locations for the code file at `path` (the path
    /// [`SourceProvider::module_source`] reported), from the archive's debug records. Asked
    /// only when an error is reported.
    fn origins(&self, path: &str) -> Option<OriginMap> {
        let _ = path;
        None
    }
}

/// The classes, functions and constants of one archive, shared by every worker.
pub struct Program {
    code: Arc<CodeFiles>,
    classes: RwLock<HashMap<String, Arc<ClassType>>>,
    functions: RwLock<HashMap<String, Arc<Function>>>,
    constants: RwLock<Vec<Value>>,
    registry: &'static Registry,
    /// Operator call sites used by builtins (`len`, `sum`, `min`...), built once per name.
    op_sites: RwLock<HashMap<String, Arc<crate::ir::OpSite>>>,
    /// Debug records of code files, read when an error first needs them.
    origins: RwLock<HashMap<String, Option<Arc<OriginMap>>>>,
    /// The archive's format version (older versions keep old operator semantics).
    pub format_version: u64,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("classes", &self.classes.read().len())
            .finish()
    }
}

impl Program {
    pub fn new(sources: Box<dyn SourceProvider>, format_version: u64) -> Program {
        Program {
            code: Arc::new(CodeFiles::new(sources)),
            classes: RwLock::new(HashMap::new()),
            functions: RwLock::new(HashMap::new()),
            constants: RwLock::new(Vec::new()),
            registry: Registry::all_ops(),
            op_sites: RwLock::new(HashMap::new()),
            origins: RwLock::new(HashMap::new()),
            format_version,
        }
    }

    pub fn schemas(&self) -> &'static SchemaTable {
        torch_schemas()
    }

    pub fn registry(&self) -> &Registry {
        self.registry
    }

    /// The shared call site of operator `name` (all overloads), built on first use.
    pub fn op_site(&self, name: &str) -> Arc<crate::ir::OpSite> {
        if let Some(site) = self.op_sites.read().get(name) {
            return site.clone();
        }
        let site = Arc::new(crate::bind::make_site(self, name));
        self.op_sites.write().insert(name.to_string(), site.clone());
        site
    }

    /// The author's locations of code file `path`, if the archive has its debug records.
    pub fn origins(&self, path: &str) -> Option<Arc<OriginMap>> {
        if let Some(cached) = self.origins.read().get(path) {
            return cached.clone();
        }
        let map = self
            .code
            .sources()
            .origins(path)
            .filter(|m| !m.is_empty())
            .map(Arc::new);
        self.origins.write().insert(path.to_string(), map.clone());
        map
    }

    /// Sets the values of `CONSTANTS.c0`, `CONSTANTS.c1`, ... (from constants.pkl).
    pub fn set_constants(&self, constants: Vec<Value>) {
        *self.constants.write() = constants;
    }

    pub fn constant(&self, index: usize) -> Option<Value> {
        self.constants.read().get(index).cloned()
    }

    /// The parsed source of a module, if the archive has it.
    pub fn module_file(&self, module: &str) -> Result<Option<Arc<SourceFile>>> {
        self.code.file(module)
    }

    /// The class with qualified name `name` (`__torch__.a.b.C`), its definition read: an
    /// error if code/ does not define it.
    pub fn class(&self, name: &str) -> Result<Arc<ClassType>> {
        let class = self.class_deferred(name)?;
        class.definition()?;
        Ok(class)
    }

    /// The class `name` with its definition left unread until first needed (loading builds
    /// every object of data.pkl, and parsing each class's code then is most of a load). Fails
    /// now only when code/ clearly lacks it (no file, or no `class` statement of that name
    /// in the file's text); any other fault shows when the definition is first read.
    pub fn class_deferred(&self, name: &str) -> Result<Arc<ClassType>> {
        if let Some(c) = self.classes.read().get(name) {
            return Ok(c.clone());
        }
        if !self.code.may_define(name)? {
            return Err(ErrorKind::UnknownClass(name.to_string()).into());
        }
        let class = Arc::new(ClassType::deferred(name.to_string(), self.code.clone()));
        Ok(self
            .classes
            .write()
            .entry(name.to_string())
            .or_insert(class)
            .clone())
    }

    /// Whether a class of that name exists in code/ (an unreadable or unparsable file is an
    /// error, not a missing class).
    pub fn has_class(&self, name: &str) -> Result<bool> {
        Ok(self.class_if_defined(name)?.is_some())
    }

    /// The class `name`, `None` if code/ does not define it; other failures are errors.
    pub fn class_if_defined(&self, name: &str) -> Result<Option<Arc<ClassType>>> {
        match self.class(name) {
            Ok(class) => Ok(Some(class)),
            Err(e) if matches!(*e.kind, ErrorKind::UnknownClass(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A method of a class, lowered on first use.
    pub fn method(&self, class: &Arc<ClassType>, name: &str) -> Result<Option<Arc<Function>>> {
        if let Some(f) = class.methods.read().get(name) {
            return Ok(Some(f.clone()));
        }
        let definition = class.definition()?;
        let Some(def) = definition.method_defs.get(name) else {
            return Ok(None);
        };
        let def = with_body(def, &definition.file)?;
        let lowered = Arc::new(lower_function(
            self,
            &def,
            &definition.file,
            format!("{}.{}", class.name, name),
        )?);
        class
            .methods
            .write()
            .insert(name.to_string(), lowered.clone());
        Ok(Some(lowered))
    }

    /// A free function by qualified name, lowered on first use.
    pub fn function(&self, name: &str) -> Result<Option<Arc<Function>>> {
        if let Some(f) = self.functions.read().get(name) {
            return Ok(Some(f.clone()));
        }
        let Some((module, short)) = name.rsplit_once('.') else {
            return Ok(None);
        };
        let Some(file) = self.module_file(module)? else {
            return Ok(None);
        };
        let def = file.body.iter().find_map(|s| match &s.kind {
            StmtKind::FunctionDef(f) if f.name.name == short => Some(f),
            _ => None,
        });
        let Some(def) = def else {
            return Ok(None);
        };
        let def = with_body(def, &file)?;
        let lowered = Arc::new(lower_function(self, &def, &file, name.to_string())?);
        self.functions
            .write()
            .insert(name.to_string(), lowered.clone());
        Ok(Some(lowered))
    }

    /// Resolves a qualified global used as a value: a class, a function, or `Class.MEMBER`.
    pub fn global(&self, name: &str) -> Result<Value> {
        if let Some(class) = self.class_if_defined(name)? {
            return Ok(Value::Class(class));
        }
        if self.function(name)?.is_some() {
            return Ok(Value::Function(Arc::from(name)));
        }
        if let Some((owner, member)) = name.rsplit_once('.') {
            if let Some(class) = self.class_if_defined(owner)? {
                if let Some(v) = class.constant(member)? {
                    return Ok(v.clone());
                }
            }
        }
        Err(ErrorKind::UnknownName(name.to_string()).into())
    }
}

/// `def` with its body parsed, if the outline parse deferred it.
fn with_body<'d>(
    def: &'d syntax::FunctionDef,
    file: &SourceFile,
) -> Result<std::borrow::Cow<'d, syntax::FunctionDef>> {
    let Some(deferred) = &def.deferred else {
        return Ok(std::borrow::Cow::Borrowed(def));
    };
    let body = syntax::parse_deferred_body(&file.path, &file.text, deferred)?;
    Ok(std::borrow::Cow::Owned(syntax::FunctionDef {
        body,
        deferred: None,
        ..def.clone()
    }))
}

/// The value of a literal expression (numbers, strings, tuples and lists of literals).
pub fn literal_value(expr: &syntax::Expr) -> Option<Value> {
    Some(match &expr.kind {
        ExprKind::Int(i) => Value::Int(*i),
        ExprKind::Float(syntax::FloatLit(f)) => Value::Float(*f),
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::Str(s) => Value::str(s),
        ExprKind::None => Value::None,
        ExprKind::Tuple(items) => Value::tuple(
            items
                .iter()
                .map(literal_value)
                .collect::<Option<Vec<_>>>()?,
        ),
        ExprKind::List(items) => Value::list(
            items
                .iter()
                .map(literal_value)
                .collect::<Option<Vec<_>>>()?,
        ),
        ExprKind::Unary {
            op: syntax::UnaryOp::Neg,
            operand,
        } => match literal_value(operand)? {
            Value::Int(i) => Value::Int(i.checked_neg()?),
            Value::Float(f) => Value::Float(-f),
            _ => return None,
        },
        _ => return None,
    })
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Program>();
}

impl ClassKind {
    pub fn is_module(self) -> bool {
        self == ClassKind::Module
    }
}
