//! Fuzzes lowering: every function and class of a fuzzed code file is resolved.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use torchscript_interpreter::syntax::{parse_file, StmtKind};
use torchscript_interpreter::{Program, SourceProvider};

struct OneFile(Arc<str>);

impl SourceProvider for OneFile {
    fn module_source(&self, module: &str) -> Option<(String, Arc<str>)> {
        (module == "__torch__").then(|| ("code/__torch__.py".to_string(), self.0.clone()))
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = parse_file("code/__torch__.py", text) else {
        return;
    };
    let program = Program::new(Box::new(OneFile(Arc::from(text))), 10);
    for stmt in file.body.iter().take(32) {
        match &stmt.kind {
            StmtKind::FunctionDef(def) => {
                let _ = program.function(&format!("__torch__.{}", def.name.name));
            }
            StmtKind::ClassDef(class) => {
                if let Ok(c) = program.class(&format!("__torch__.{}", class.name.name)) {
                    for method in c.method_names().into_iter().take(16) {
                        let _ = program.method(&c, method);
                    }
                }
            }
            _ => {}
        }
    }
});
