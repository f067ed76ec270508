//! Snapshot tests: the S-expression AST of representative files against `tests/golden/`.
//!
//! Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p torchscript-interpreter --test golden` and review the diff.

use std::fs;
use std::path::Path;

use torchscript_interpreter::syntax::parse_file;
use torchscript_interpreter::syntax::sexpr::file_to_sexpr;

fn check_golden(data_name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let text = fs::read_to_string(root.join("data").join(data_name)).expect("data file");
    let file = parse_file(data_name, &text).unwrap_or_else(|e| panic!("{e}"));
    let header = format!(
        "; AST of tests/data/{data_name}. Regenerate: UPDATE_GOLDEN=1 cargo test -p torchscript-interpreter --test golden\n"
    );
    let actual = header + &file_to_sexpr(&file);
    let golden_path = root.join("golden").join(format!("{data_name}.sexpr"));
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        fs::write(&golden_path, &actual).expect("golden file writable");
        return;
    }
    let expected = fs::read_to_string(&golden_path).unwrap_or_else(|_| {
        panic!(
            "missing {}; run with UPDATE_GOLDEN=1 to create it",
            golden_path.display()
        )
    });
    if expected != actual {
        let first_difference = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (e, a))| e != a)
            .map(|(i, (e, a))| format!("line {}:\n  golden: {e}\n  actual: {a}", i + 1))
            .unwrap_or_else(|| "files differ in length".to_string());
        panic!(
            "{} is out of date ({first_difference}); rerun with UPDATE_GOLDEN=1 if intended",
            golden_path.display()
        );
    }
}

#[test]
fn golden_misc_module() {
    check_golden("misc.py");
}

#[test]
fn golden_lstm() {
    check_golden("lstm_rnn.py");
}

#[test]
fn golden_handwritten_constructs() {
    check_golden("handwritten_constructs.py");
}

#[test]
fn golden_old_format() {
    check_golden("handwritten_old_format.py");
}
