//! Fuzzes lowering: every function and class of a fuzzed code file is resolved.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use torchscript_interpreter::syntax::{parse_file, StmtKind};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = parse_file("code/__torch__.py", text) else {
        return;
    };
    let program = common::one_file_program(text);
    for stmt in file.body.iter().take(32) {
        match &stmt.kind {
            StmtKind::FunctionDef(def) => {
                let _ = program.function(&format!("__torch__.{}", def.name.name));
            }
            StmtKind::ClassDef(class) => {
                if let Ok(c) = program.class(&format!("__torch__.{}", class.name.name)) {
                    if let Ok(definition) = c.definition() {
                        for method in definition.method_names().into_iter().take(16) {
                            let _ = program.method(&c, method);
                        }
                    }
                }
            }
            _ => {}
        }
    }
});
