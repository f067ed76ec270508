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

fn collect_py_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_py_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "py") {
            out.push(path);
        }
    }
}

/// Round-trips every `.py` file under `$TORCHSCRIPT_EXTRA_CODE_DIR` (e.g. unzipped archives);
/// with `$TORCHSCRIPT_PRINT_DIR` set, also writes each printed file there (flattened names)
/// for checking with other tools. Does nothing when the variable is unset (as in CI).
#[test]
fn extra_code_dir_round_trips() {
    let Some(dir) = std::env::var_os("TORCHSCRIPT_EXTRA_CODE_DIR") else {
        return;
    };
    let print_dir = std::env::var_os("TORCHSCRIPT_PRINT_DIR").map(PathBuf::from);
    let mut files = Vec::new();
    collect_py_files(Path::new(&dir), &mut files);
    files.sort();
    for (i, path) in files.iter().enumerate() {
        let name = path.display().to_string();
        let text = fs::read_to_string(path).expect("readable");
        let first = parse_file(&name, &text).unwrap_or_else(|e| panic!("{e}"));
        let printed = print_file(&first);
        let second = parse_file(&name, &printed).unwrap_or_else(|e| panic!("{e}\n{printed}"));
        assert!(same_code(&first, &second), "{name}");
        if let Some(print_dir) = &print_dir {
            let flat = format!("{i:05}.py");
            fs::write(print_dir.join(&flat), &printed).expect("writable");
            fs::write(print_dir.join(format!("{i:05}.src")), &name).expect("writable");
        }
    }
    eprintln!("round-tripped {} files", files.len());
}
