//! Parser round trips over every code file of every fixture: parse, print, parse again, equal;
//! and the outline parse with its bodies parsed equals the whole parse.

use std::path::Path;

use torchscript::Archive;
use torchscript_interpreter::syntax::{
    parse_deferred_bodies, parse_file, parse_file_outline, print_file,
};

#[test]
fn every_fixture_code_file_round_trips() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cases");
    let mut files = 0;
    let mut failures = Vec::new();
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("models/cases exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    cases.sort();
    for case in cases {
        let model = case.join("model.pt");
        if !model.exists() {
            continue;
        }
        let archive = Archive::open(&model).unwrap_or_else(|e| panic!("{}: {e}", model.display()));
        for name in archive.code_files() {
            files += 1;
            let text = archive
                .read_text(name)
                .unwrap_or_else(|e| panic!("{}: {name}: {e}", model.display()));
            let first = match parse_file(name, &text) {
                Ok(f) => f,
                Err(e) => {
                    failures.push(format!("{}: {e}", model.display()));
                    continue;
                }
            };
            // The outline the runtime loads, bodies parsed on demand, is the same tree.
            match parse_file_outline(name, &text).and_then(|mut outline| {
                parse_deferred_bodies(&mut outline)?;
                Ok(outline)
            }) {
                Ok(outline) if outline.body == first.body => {}
                Ok(_) => failures.push(format!(
                    "{}: {name}: the outline with its bodies parsed differs",
                    model.display()
                )),
                Err(e) => failures.push(format!("{}: {name}: outline: {e}", model.display())),
            }
            let printed = print_file(&first);
            match parse_file(name, &printed) {
                Ok(second) if second.without_spans().body == first.without_spans().body => {}
                Ok(_) => failures.push(format!(
                    "{}: {name}: the printed source parses to a different AST",
                    model.display()
                )),
                Err(e) => failures.push(format!(
                    "{}: {name}: the printed source does not parse: {e}",
                    model.display()
                )),
            }
        }
    }
    assert!(files > 100, "only {files} code files found");
    assert!(
        failures.is_empty(),
        "{} of {files} code files fail to round-trip:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
