//! Golden tests of rendered errors: each `diagnostics/*.py` is run and its error, as a user
//! sees it (message, traceback with file, line, column, source line), compared with the
//! `.txt` next to it.
//!
//! The first line of a case names the call: `# call: f(3, "a", 1.5)`. Regenerate after an
//! intended change with `UPDATE_GOLDEN=1 cargo test -p torchscript-interpreter --test
//! diagnostics` and review the diff.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use torchscript_interpreter::{Interpreter, Program, SourceProvider, Value};

struct Sources(HashMap<String, String>);

impl SourceProvider for Sources {
    fn module_source(&self, module: &str) -> Option<(String, Arc<str>)> {
        self.0.get(module).map(|t| {
            (
                format!("code/{}.py", module.replace('.', "/")),
                Arc::from(t.as_str()),
            )
        })
    }
}

/// `f(3, "a", 1.5)` → ("f", values).
fn parse_call(header: &str) -> (String, Vec<Value>) {
    let call = header
        .strip_prefix("# call: ")
        .expect("first line is `# call: name(args)`");
    let (name, rest) = call.split_once('(').expect("call has arguments");
    let args = rest.trim_end().strip_suffix(')').expect("call ends with )");
    let values = args
        .split(", ")
        .filter(|a| !a.is_empty())
        .map(|a| {
            if let Some(s) = a.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Value::str(s)
            } else if let Ok(i) = a.parse::<i64>() {
                Value::Int(i)
            } else {
                Value::Float(a.parse().expect("int, float or \"str\" argument"))
            }
        })
        .collect();
    (name.to_string(), values)
}

fn rendered_error(source: &str) -> String {
    let (name, args) = parse_call(source.lines().next().unwrap_or(""));
    let mut files = HashMap::new();
    files.insert("__torch__".to_string(), source.to_string());
    let program = Program::new(Box::new(Sources(files)), 10);
    let outcome = program
        .function(&format!("__torch__.{name}"))
        .and_then(|f| {
            let f = f.expect("the called function exists");
            Interpreter::new(&program).call_function(&f, args, vec![])
        });
    match outcome {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => format!("{e}\n"),
    }
}

#[test]
fn rendered_errors_match_their_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .expect("tests/diagnostics exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "{} cases", cases.len());
    let mut stale = Vec::new();
    for case in cases {
        let source = fs::read_to_string(&case).expect("case readable");
        let actual = rendered_error(&source);
        let golden = case.with_extension("txt");
        if update {
            fs::write(&golden, &actual).expect("golden file writable");
            continue;
        }
        match fs::read_to_string(&golden) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => stale.push(format!(
                "{}:\n--- golden\n{expected}--- actual\n{actual}",
                golden.display()
            )),
            Err(_) => stale.push(format!("{} is missing", golden.display())),
        }
    }
    assert!(
        stale.is_empty(),
        "rerun with UPDATE_GOLDEN=1 if intended:\n{}",
        stale.join("\n")
    );
}
