//! The archive's code/ files, read and parsed once each, and the class statements found in them.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::class::ClassDefinition;
use crate::error::{ErrorKind, Result};
use crate::program::{literal_value, SourceProvider};
use crate::syntax::{self, ExprKind, SourceFile, StmtKind};
use crate::value::Value;

/// A code file's path in the archive and its text.
type SourceText = (String, Arc<str>);

/// Source texts by module path, read when first asked for, and their outline parses.
pub(crate) struct CodeFiles {
    sources: Box<dyn SourceProvider>,
    /// Texts read but not parsed yet (moved into the parse when it happens).
    texts: RwLock<HashMap<String, Option<SourceText>>>,
    files: RwLock<HashMap<String, Option<Arc<SourceFile>>>>,
}

impl std::fmt::Debug for CodeFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeFiles")
            .field("parsed", &self.files.read().len())
            .finish()
    }
}

impl CodeFiles {
    pub(crate) fn new(sources: Box<dyn SourceProvider>) -> CodeFiles {
        CodeFiles {
            sources,
            texts: RwLock::new(HashMap::new()),
            files: RwLock::new(HashMap::new()),
        }
    }

    pub(crate) fn sources(&self) -> &dyn SourceProvider {
        &*self.sources
    }

    /// The path and text of a module's file, read once; an unreadable file is an error.
    fn read(&self, module: &str) -> Result<Option<SourceText>> {
        if let Some(cached) = self.texts.read().get(module) {
            return Ok(cached.clone());
        }
        let source = self.sources.module_source(module);
        if source.is_none() {
            if let Some(reason) = self.sources.unreadable(module) {
                return Err(ErrorKind::UnreadableSource(reason).into());
            }
        }
        self.texts
            .write()
            .insert(module.to_string(), source.clone());
        Ok(source)
    }

    /// The text of a module's file, parsed or not.
    fn text(&self, module: &str) -> Result<Option<Arc<str>>> {
        if let Some(parsed) = self.files.read().get(module) {
            return Ok(parsed.as_ref().map(|f| f.text.clone()));
        }
        Ok(self.read(module)?.map(|(_, text)| text))
    }

    /// The outline parse of a module's file, if the archive has it.
    pub(crate) fn file(&self, module: &str) -> Result<Option<Arc<SourceFile>>> {
        if let Some(cached) = self.files.read().get(module) {
            return Ok(cached.clone());
        }
        let parsed = match self.read(module)? {
            // Method bodies are parsed when first called (`with_body`): a class needs its
            // attributes and method names, not the code of every method.
            Some((path, text)) => Some(Arc::new(syntax::parse_file_outline(&path, &text)?)),
            None => None,
        };
        self.files
            .write()
            .insert(module.to_string(), parsed.clone());
        self.texts.write().remove(module);
        Ok(parsed)
    }

    /// Whether the text of the file that would define class `class` contains `word`: when it
    /// does not, the class cannot declare anything named `word` (no parse needed). A missing
    /// file is an unknown class.
    pub(crate) fn mentions(&self, class: &str, word: &str) -> Result<bool> {
        let (module, _) = split_class_name(class)?;
        let text = self
            .text(module)?
            .ok_or_else(|| ErrorKind::UnknownClass(class.to_string()))?;
        Ok(text.contains(word))
    }

    /// Whether class `class` may be defined: its file exists and has a `class <short name>`
    /// statement in its text (a cheap check that fails for every class code/ lacks; the
    /// parse on first use finds the rest).
    pub(crate) fn may_define(&self, class: &str) -> Result<bool> {
        let (module, short) = split_class_name(class)?;
        let Some(text) = self.text(module)? else {
            return Ok(false);
        };
        let statement = format!("class {short}");
        Ok(text.match_indices(&statement).any(|(at, _)| {
            let after = text
                .get(at.saturating_add(statement.len())..)
                .and_then(|rest| rest.chars().next());
            matches!(after, Some('(' | ':' | ' '))
        }))
    }

    /// Reads the class statement of `class` (`__torch__.a.b.C` is `class C` in `code/__torch__/a/b.py`).
    pub(crate) fn class_definition(&self, class: &str) -> Result<ClassDefinition> {
        let (module, short) = split_class_name(class)?;
        let file = self
            .file(module)?
            .ok_or_else(|| ErrorKind::UnknownClass(class.to_string()))?;
        let def = file
            .body
            .iter()
            .find_map(|s| match &s.kind {
                StmtKind::ClassDef(c) if c.name.name == short => Some(c),
                _ => None,
            })
            .ok_or_else(|| ErrorKind::UnknownClass(class.to_string()))?;
        let constants = class_constants(def);
        Ok(ClassDefinition::from_def(def, file.clone(), constants))
    }
}

/// `__torch__.a.b.C` → (`__torch__.a.b`, `C`).
fn split_class_name(class: &str) -> Result<(&str, &str)> {
    Ok(class
        .rsplit_once('.')
        .ok_or_else(|| ErrorKind::UnknownClass(class.to_string()))?)
}

/// Literal class-level constants: `x : Final[int] = 3` and enum members `RED = 1`.
fn class_constants(def: &syntax::ClassDef) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for stmt in &def.body {
        let (target, value) = match &stmt.kind {
            StmtKind::AnnAssign {
                target,
                value: Some(value),
                ..
            } => (target, value),
            StmtKind::Assign { targets, value } => match targets.as_slice() {
                [target] => (target, value),
                _ => continue,
            },
            _ => continue,
        };
        let ExprKind::Name(name) = &target.kind else {
            continue;
        };
        if name.starts_with("__") {
            continue;
        }
        if let Some(v) = literal_value(value) {
            out.push((name.clone(), v));
        }
    }
    out
}
