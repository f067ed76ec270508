//! Outline parses (method bodies deferred, parsed on first use) against whole-file parses.

use torchscript_interpreter::syntax::{
    parse_deferred_bodies, parse_file, parse_file_outline, SourceFile, StmtKind,
};

/// The number of deferred bodies in an outline's top level and classes.
fn deferred_count(file: &SourceFile) -> usize {
    let mut count = 0;
    for stmt in &file.body {
        match &stmt.kind {
            StmtKind::FunctionDef(def) => count += usize::from(def.deferred.is_some()),
            StmtKind::ClassDef(class) => {
                for s in &class.body {
                    if let StmtKind::FunctionDef(def) = &s.kind {
                        count += usize::from(def.deferred.is_some());
                    }
                }
            }
            _ => {}
        }
    }
    count
}

/// Checks that the outline with its bodies parsed is the whole-file parse, spans included,
/// and returns how many bodies were deferred.
fn check_outline(name: &str, text: &str) -> usize {
    let whole = parse_file(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut outline = parse_file_outline(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let deferred = deferred_count(&outline);
    parse_deferred_bodies(&mut outline).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        outline.body == whole.body,
        "{name}: outline differs from the whole parse"
    );
    deferred
}

#[test]
fn outlines_of_the_sample_code_equal_whole_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut deferred = 0;
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/data") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "py") {
            let text = std::fs::read_to_string(&path).expect("utf-8 sample");
            deferred += check_outline(&path.display().to_string(), &text);
            files += 1;
        }
    }
    assert!(
        files >= 20 && deferred >= 40,
        "{files} files, {deferred} bodies"
    );
}

#[test]
fn tricky_layouts_outline_like_whole_parses() {
    let cases = [
        // A body at the end of the file, without a final newline.
        "def f(x: int) -> int:\n  return x",
        // Signatures over several lines, comments and blank lines at any column in a body.
        "class A(Module):\n  w : int\n  def forward(self,\n    x: Tensor) -> Tensor:\n    y = x\n# col 0\n\n    return y  # trailing\n  def g(self) -> int:\n    return 1\n",
        // Brackets, strings and backslashes that carry a logical line over newlines.
        "def f(a: int):\n  b = [a,\n1]\n  c = \"\"\"x\ny\"\"\"\n  d = 'q\\'#' + \\\n  'r'\n  return (b, c,\n    d)\nz = 3\n",
        // Same-line bodies are parsed at once; nested defs inside a deferred body too.
        "def f(): return 1\ndef g():\n  def h(y: int) -> int:\n    return y\n  return h(2)\n",
        // Tabs and a dedent back to an outer class level.
        "class B:\n\tdef f(self):\n\t\tif True:\n\t\t\treturn 1\n\t\treturn 2\n\tx : int\n",
        // CRLF line ends.
        "def f():\r\n  a = 1\r\n\r\n  return a\r\nb = 2\r\n",
    ];
    for (i, text) in cases.iter().enumerate() {
        check_outline(&format!("case{i}.py"), text);
    }
}

#[test]
fn errors_in_a_deferred_body_are_reported_when_it_is_parsed_with_its_line() {
    let text = "class A:\n  def f(self):\n    return (1,\n  def g(self):\n    return 2 +\n";
    // The whole parse fails at once; the outline puts the unclosed bracket in f's body.
    let whole = parse_file("a.py", text).expect_err("bad body");
    let mut outline = parse_file_outline("a.py", text).expect("the outline has no error");
    let lazy = parse_deferred_bodies(&mut outline).expect_err("bad body");
    assert_eq!(lazy.to_string(), whole.to_string());
    let text = "def f():\n  x = 1\n  return x +\ndef g():\n  return 2\n";
    let whole = parse_file("b.py", text).expect_err("bad body");
    let mut outline = parse_file_outline("b.py", text).expect("the outline has no error");
    let lazy = parse_deferred_bodies(&mut outline).expect_err("bad body");
    assert_eq!(lazy.to_string(), whole.to_string());
    assert!(lazy.to_string().contains("b.py:3"), "{lazy}");
}
