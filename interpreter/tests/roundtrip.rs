//! Round-trip tests: every file under `tests/data/` parses, prints, and parses back to the same AST.

use std::fs;
use std::path::{Path, PathBuf};

use torchscript_interpreter::syntax::{parse_file, print_file, same_code};

fn data_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/data exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "py"))
        .collect();
    files.sort();
    files
}

#[test]
fn data_directory_is_populated() {
    assert!(
        data_files().len() >= 20,
        "expected the committed sample files"
    );
}

#[test]
fn every_data_file_round_trips() {
    for path in data_files() {
        let name = path.display().to_string();
        let text = fs::read_to_string(&path).expect("readable");
        let first = parse_file(&name, &text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!first.body.is_empty(), "{name}: empty body");
        let printed = print_file(&first);
        let second = parse_file(&name, &printed)
            .unwrap_or_else(|e| panic!("reparsing printed {name}: {e}\n{printed}"));
        assert!(
            same_code(&first, &second),
            "{name}: AST changed after printing:\n{printed}"
        );
        assert_eq!(
            print_file(&second),
            printed,
            "{name}: printing is not stable"
        );
    }
}
