//! Error messages for malformed input, and hostile input that must fail cleanly (no panic,
//! no stack overflow) on the default 2 MiB test-thread stack.

use torchscript_interpreter::syntax::{parse_expr, parse_file, print_file, MAX_TREE_DEPTH};

const PATH: &str = "code/__torch__/m.py";

fn error(src: &str) -> String {
    match parse_file(PATH, src) {
        Ok(file) => panic!("parsed: {:?}", file.body),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unexpected_token_names_what_was_expected() {
    assert_eq!(
        error("def forward(self,\n    x: Tensor\n    def other(self):\n      pass\n"),
        "code/__torch__/m.py:3:5: expected ')' found 'def'\n    def other(self):\n    ^"
    );
    assert_eq!(
        error("x = (1, 2]\n"),
        "code/__torch__/m.py:1:10: expected ')' found ']'\nx = (1, 2]\n         ^"
    );
    assert_eq!(
        error("x = 1 2\n"),
        "code/__torch__/m.py:1:7: expected newline found '2'\nx = 1 2\n      ^"
    );
    assert_eq!(
        error("x = = 1\n"),
        "code/__torch__/m.py:1:5: expected an expression found '='\nx = = 1\n    ^"
    );
    assert_eq!(
        error("class A(Module)\n  pass\n"),
        "code/__torch__/m.py:1:16: expected ':' found newline\nclass A(Module)\n               ^"
    );
}

#[test]
fn unclosed_paren() {
    assert_eq!(
        error("def f(x):\n  return g(x,\n"),
        "code/__torch__/m.py:2:11: '(' was never closed\n  return g(x,\n          ^"
    );
    assert_eq!(
        error("x = [1, 2"),
        "code/__torch__/m.py:1:5: '[' was never closed\nx = [1, 2\n    ^"
    );
    assert!(parse_expr("f(").is_err());
}

#[test]
fn bad_indentation() {
    assert_eq!(
        error("def f(x):\n    if x:\n        a = 1\n      b = 2\n"),
        "code/__torch__/m.py:4:7: unindent does not match any outer indentation level\n      b = 2\n      ^"
    );
    assert_eq!(
        error("x = 1\n  y = 2\n"),
        "code/__torch__/m.py:2:1: unexpected indent\n  y = 2\n^"
    );
    assert_eq!(
        error("def f():\nreturn 1\n"),
        "code/__torch__/m.py:2:1: expected an indented block found 'return'\nreturn 1\n^"
    );
}

#[test]
fn unterminated_string() {
    assert_eq!(
        error("x = 'abc\ny = 1\n"),
        "code/__torch__/m.py:1:5: unterminated string literal\nx = 'abc\n    ^"
    );
    assert_eq!(
        error("x = \"\"\"abc\n\n"),
        "code/__torch__/m.py:1:5: unterminated string literal\nx = \"\"\"abc\n    ^"
    );
}

#[test]
fn bad_literals_and_characters() {
    assert_eq!(
        error("x = 9223372036854775808\n"),
        "code/__torch__/m.py:1:5: integer literal is too large for 64 bits\nx = 9223372036854775808\n    ^"
    );
    assert_eq!(
        error("x = 99999999999999999999\n"),
        "code/__torch__/m.py:1:5: integer literal '99999999999999999999' is too large\nx = 99999999999999999999\n    ^"
    );
    assert_eq!(
        error("x = 1abc\n"),
        "code/__torch__/m.py:1:5: invalid number literal '1abc'\nx = 1abc\n    ^"
    );
    assert_eq!(
        error("x = $\n"),
        "code/__torch__/m.py:1:5: unexpected character '$'\nx = $\n    ^"
    );
    assert_eq!(
        error("x = '\\xzz'\n"),
        "code/__torch__/m.py:1:6: invalid \\x escape\nx = '\\xzz'\n     ^"
    );
}

#[test]
fn error_fields_are_exposed() {
    let Err(e) = parse_file("a.py", "\n\nfoo(1]\n") else {
        panic!("should fail")
    };
    assert_eq!((e.line, e.column), (3, 6));
    assert_eq!(e.message, "expected ')' found ']'");
    assert_eq!(e.source_line, "foo(1]");
    assert_eq!(e.headline(), "a.py:3:6: expected ')' found ']'");
}

const HUGE: usize = 100_000;

fn must_fail(name: &str, src: &str) {
    match parse_file("hostile.py", src) {
        Ok(_) => panic!("{name}: parsed"),
        Err(e) => assert!(!e.message.is_empty(), "{name}"),
    }
}

#[test]
fn deeply_nested_brackets_fail_cleanly() {
    must_fail("open parens", &"(".repeat(HUGE));
    must_fail(
        "closed parens",
        &format!("x = {}1{}\n", "(".repeat(HUGE), ")".repeat(HUGE)),
    );
    must_fail(
        "lists",
        &format!("x = {}{}\n", "[".repeat(HUGE), "]".repeat(HUGE)),
    );
    must_fail(
        "dicts",
        &format!("x = {}1{}\n", "{1: ".repeat(HUGE), "}".repeat(HUGE)),
    );
    must_fail(
        "calls",
        &format!("x = {}{}\n", "f(".repeat(HUGE), ")".repeat(HUGE)),
    );
    let fine = format!("x = {}1{}\n", "(".repeat(40), ")".repeat(40));
    assert!(parse_file("fine.py", &fine).is_ok());
    let calls = format!("x = {}1{}\n", "f(".repeat(40), ")".repeat(40));
    let file = parse_file("calls.py", &calls).unwrap_or_else(|e| panic!("{e}"));
    assert!(parse_file("again.py", &print_file(&file)).is_ok());
    let e = error(&format!("x = {}1{}\n", "(".repeat(1000), ")".repeat(1000)));
    assert!(
        e.contains("too deeply nested (more than 200 levels)"),
        "{e}"
    );
}

#[test]
fn long_operator_chains_fail_cleanly() {
    must_fail("unary minus", &format!("x = {}1\n", "-".repeat(HUGE)));
    must_fail("not", &format!("x = {}y\n", "not ".repeat(HUGE)));
    must_fail("power", &format!("x = {}2\n", "2 ** ".repeat(HUGE)));
    must_fail("ifexp", &format!("x = {}c\n", "a if b else ".repeat(HUGE)));
    must_fail("sum", &format!("x = {}1\n", "1 + ".repeat(HUGE)));
    must_fail("sum then error", &format!("x = {}\n", "1 + ".repeat(HUGE)));
    must_fail("attributes", &format!("x = y{}\n", ".a".repeat(HUGE)));
    must_fail("call chain", &format!("x = f{}\n", "()".repeat(HUGE)));
    must_fail("subscripts", &format!("x = y{}\n", "[0]".repeat(HUGE)));
    let nested_ok = format!("x = {}1{}\n", "(1 + ".repeat(30), " + 1)".repeat(30));
    let file = parse_file("nested.py", &nested_ok).unwrap_or_else(|e| panic!("{e}"));
    let printed = print_file(&file);
    assert!(parse_file("again.py", &printed).is_ok());
    must_fail(
        "nested sums",
        &format!("x = {}1{}\n", "(1 + ".repeat(300), " + 1)".repeat(300)),
    );
    let ok = format!("x = {}1\n", "1 + ".repeat(MAX_TREE_DEPTH - 2));
    let file = parse_file("ok.py", &ok).unwrap_or_else(|e| panic!("{e}"));
    assert!(!print_file(&file).is_empty());
    let e = error(&format!("x = {}1\n", "1 + ".repeat(MAX_TREE_DEPTH + 1)));
    assert!(
        e.contains("too deeply nested (more than 512 levels)"),
        "{e}"
    );
}

#[test]
fn deeply_nested_blocks_fail_cleanly() {
    let mut src = String::new();
    for level in 0..5_000 {
        src.push_str(&" ".repeat(level));
        src.push_str("if x:\n");
    }
    src.push_str(&" ".repeat(5_000));
    src.push_str("pass\n");
    must_fail("nested ifs", &src);
    let mut elifs = String::from("if a:\n  pass\n");
    elifs.push_str(&"elif a:\n  pass\n".repeat(HUGE));
    must_fail("elif chain", &elifs);
}

#[test]
fn huge_numbers_and_strings() {
    must_fail("huge int", &format!("x = {}\n", "9".repeat(HUGE)));
    must_fail("huge hex", &format!("x = 0x{}\n", "f".repeat(HUGE)));
    let file = parse_file(
        "f.py",
        &format!("x = {}.5\ny = 1e{}\n", "9".repeat(400), "9".repeat(50)),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.body.len(), 2);
    let long = format!("x = \"{}\"\n", "a".repeat(HUGE));
    assert!(parse_file("s.py", &long).is_ok());
}

/// A small deterministic generator (xorshift) so the test needs no extra crates.
fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn random_bytes_never_panic() {
    let alphabet = b"()[]{}:,.=+-*/%<>!~^&|@\"'\\#\n\t x1_9e.jrdefifelsenotinisclass";
    for seed in 0..300u64 {
        let bytes = pseudo_random_bytes(seed, 64 + (seed as usize % 7) * 50);
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        let _ = parse_file("random.py", &lossy);
        let _ = parse_expr(&lossy);
        let tokens: String = bytes
            .iter()
            .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
            .collect();
        if let Ok(file) = parse_file("tokens.py", &tokens) {
            let printed = print_file(&file);
            let again = parse_file("printed.py", &printed).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(print_file(&again), printed);
        }
        let _ = parse_expr(&tokens);
    }
}

#[test]
fn odd_inputs() {
    assert!(parse_file("e.py", "").is_ok_and(|f| f.body.is_empty()));
    must_fail("nul", "x = \0\n");
    must_fail("lone backslash", "\\");
    must_fail("replacement char", "x = \u{FFFD}\n");
    must_fail("only dedent", "  x\ny\n");
    assert!(parse_expr("").is_err());
    assert!(parse_expr("a b").is_err());
    assert!(parse_file("u.py", "x = 'ünïcödé'\n").is_ok());
}
