//! What the graph builders read: the module object tree and each class's parsed definition.

use std::collections::HashMap;
use std::sync::Arc;

use torchscript::pickle::{load_archive_pickles, PickleValue, PickledObject};
use torchscript::Archive;
use torchscript_interpreter::syntax::{parse_file, ClassDef, FunctionDef, StmtKind};

use crate::failure::Failure;

/// The root module object and every class of the code files, by qualified name.
#[derive(Debug)]
pub struct Code {
    pub root: Arc<PickledObject>,
    classes: HashMap<String, ClassDef>,
}

/// One attribute of a module object, as the graph needs it.
#[derive(Debug, Clone)]
pub enum Attr<'a> {
    Module(&'a Arc<PickledObject>),
    Tensor(Vec<usize>),
    Other,
}

impl Code {
    pub fn load(archive: &Archive) -> Result<Code, Failure> {
        let pickles = load_archive_pickles(archive)?;
        let PickleValue::Object(root) = pickles.data else {
            return Err(Failure::msg("data.pkl does not hold a module object"));
        };
        let mut classes = HashMap::new();
        for name in archive.code_files() {
            let text = archive.read_text(name)?;
            // A file we cannot parse only leaves its classes out of the picture.
            let Ok(file) = parse_file(name, &text) else {
                continue;
            };
            let module = name
                .trim_end_matches(".py")
                .trim_start_matches("code/")
                .replace('/', ".");
            for stmt in file.body {
                if let StmtKind::ClassDef(class) = stmt.kind {
                    classes.insert(format!("{module}.{}", class.name.name), class);
                }
            }
        }
        Ok(Code { root, classes })
    }

    /// `def name` of the class `qualified`.
    pub fn method(&self, qualified: &str, name: &str) -> Option<&FunctionDef> {
        self.classes
            .get(qualified)?
            .body
            .iter()
            .find_map(|s| match &s.kind {
                StmtKind::FunctionDef(f) if f.name.name == name => Some(f),
                _ => None,
            })
    }

    /// The methods the class defines, in order.
    pub fn methods(&self, qualified: &str) -> Vec<&FunctionDef> {
        self.classes
            .get(qualified)
            .map(|c| {
                c.body
                    .iter()
                    .filter_map(|s| match &s.kind {
                        StmtKind::FunctionDef(f) => Some(f),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The attribute `name` of a module object.
pub fn attribute<'a>(object: &'a PickledObject, name: &str) -> Option<Attr<'a>> {
    Some(match object.attribute(name)? {
        PickleValue::Object(child) => Attr::Module(child),
        PickleValue::Tensor(t) => Attr::Tensor(t.size.clone()),
        _ => Attr::Other,
    })
}

/// The module children of an object, in attribute order.
pub fn children(object: &PickledObject) -> Vec<(&str, &Arc<PickledObject>)> {
    object
        .attributes()
        .unwrap_or(&[])
        .iter()
        .filter_map(|(name, value)| match (name.as_str(), value) {
            (Some(name), PickleValue::Object(child)) => Some((name, child)),
            _ => None,
        })
        .collect()
}
