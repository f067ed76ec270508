//! The archive's `code/` files as the interpreter's source provider.

use std::sync::Arc;

use torchscript_interpreter::SourceProvider;

use crate::archive::Archive;

/// Serves `code/<module path>.py` from an archive, inflating each file when first parsed.
pub struct ArchiveSource {
    archive: Arc<Archive>,
}

impl ArchiveSource {
    pub fn new(archive: Arc<Archive>) -> Self {
        ArchiveSource { archive }
    }
}

impl SourceProvider for ArchiveSource {
    fn module_source(&self, module: &str) -> Option<(String, Arc<str>)> {
        if module.is_empty()
            || module
                .split('.')
                .any(|part| part.is_empty() || part.contains(['/', '\\']))
        {
            return None;
        }
        let record = format!("code/{}.py", module.replace('.', "/"));
        let text = self.archive.read_text(&record).ok()?;
        Some((record, Arc::from(text)))
    }

    fn unreadable(&self, module: &str) -> Option<String> {
        let record = format!("code/{}.py", module.replace('.', "/"));
        if !self.archive.has_record(&record) {
            return None;
        }
        self.archive.read_text(&record).err().map(|e| e.to_string())
    }

    fn origins(&self, path: &str) -> Option<torchscript_interpreter::OriginMap> {
        super::debug_records::read_origins(&self.archive, path)
    }
}
