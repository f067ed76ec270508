//! One test per language construct: small inline sources and the AST shape they parse to.

use torchscript_interpreter::syntax::sexpr::{expr_to_sexpr, file_to_sexpr};
use torchscript_interpreter::syntax::{
    parse_expr, parse_file, print_expr, print_file, same_code, BinOp, CmpOp, ExprKind, FloatLit,
    Span, StmtKind, UnaryOp,
};

/// The S-expression of a parsed file, after checking that it survives a print/parse round trip.
fn stmts(src: &str) -> String {
    let file = parse_file("test.py", src).unwrap_or_else(|e| panic!("{e}"));
    let printed = print_file(&file);
    let again = parse_file("printed.py", &printed).unwrap_or_else(|e| panic!("{e}\n{printed}"));
    assert!(same_code(&file, &again), "round trip changed:\n{printed}");
    file_to_sexpr(&file)
}

/// The S-expression of a parsed expression, after checking its print/parse round trip.
fn expr(src: &str) -> String {
    let parsed = parse_expr(src).unwrap_or_else(|e| panic!("{e}"));
    let printed = print_expr(&parsed);
    let again = parse_expr(&printed).unwrap_or_else(|e| panic!("{e}\n{printed}"));
    assert_eq!(parsed.without_spans(), again.without_spans(), "{printed}");
    expr_to_sexpr(&parsed)
}

fn printed_expr(src: &str) -> String {
    print_expr(&parse_expr(src).unwrap_or_else(|e| panic!("{e}")))
}

#[test]
fn module_class_with_parameters_and_typed_attributes() {
    let src = "class Conv2d(Module):\n  __parameters__ = [\"weight\", \"bias\", ]\n  __buffers__ = []\n  weight : Tensor\n  training : bool\n  padding : Final[Tuple[int, int]] = (3, 3)\n  __annotations__[\"0\"] = __torch__.torch.nn.modules.conv.___torch_mangle_3.Conv2d\n";
    assert_eq!(
        stmts(src),
        "(class Conv2d (decorators ) (bases Module)\n  body:\n    (= __parameters__ (list \"weight\" \"bias\"))\n    (= __buffers__ (list ))\n    (annassign weight Tensor _)\n    (annassign training bool _)\n    (annassign padding ([] Final ([] Tuple (tuple int int))) (tuple 3 3))\n    (= ([] __annotations__ \"0\") (. (. (. (. (. (. __torch__ torch) nn) modules) conv) ___torch_mangle_3) Conv2d))\n)\n"
    );
}

#[test]
fn named_tuple_enum_and_interface_classes() {
    let src = "class P(NamedTuple):\n  x : float\nclass C(Enum):\n  RED = 1\nclass I(Interface):\n  def f(self, x: Tensor) -> Tensor:\n    pass\n";
    assert_eq!(
        stmts(src),
        "(class P (decorators ) (bases NamedTuple)\n  body:\n    (annassign x float _)\n)\n(class C (decorators ) (bases Enum)\n  body:\n    (= RED 1)\n)\n(class I (decorators ) (bases Interface)\n  body:\n    (def f (decorators ) (params (self _ _) (x Tensor _)) (returns Tensor)\n      body:\n        (pass)\n    )\n)\n"
    );
}

#[test]
fn plain_class_with_init_and_setstate() {
    let src = "class Counter:\n  n : int\n  def __init__(self: __torch__.Counter, n: int) -> NoneType:\n    self.n = n\n    return None\n  def __setstate__(self, s: Tuple[int, List[int]]) -> NoneType:\n    self.n = (s)[0]\n";
    let out = stmts(src);
    assert!(
        out.starts_with("(class Counter (decorators ) (bases )\n"),
        "{out}"
    );
    assert!(out.contains("(def __init__ (decorators ) (params (self (. __torch__ Counter) _) (n int _)) (returns NoneType)"), "{out}");
    assert!(out.contains("(= (. self n) ([] s 0))"), "{out}");
}

#[test]
fn function_with_defaults_kw_only_and_decorators() {
    let src = "@torch.jit.export\n@dec(1)\ndef f(self, x: Tensor, y: Optional[Tensor]=None, *, z: int = -1) -> Tuple[Tensor, int]:\n  return x, z\n";
    assert_eq!(
        stmts(src),
        "(def f (decorators (. (. torch jit) export) (call dec 1)) (params (self _ _) (x Tensor _) (y ([] Optional Tensor) None) (kwonly z int -1)) (returns ([] Tuple (tuple Tensor int)))\n  body:\n    (return (tuple x z))\n)\n"
    );
}

#[test]
fn nested_function_definitions() {
    let out = stmts("def outer(x):\n  def inner(y):\n    return y\n  return inner(x)\n");
    assert!(
        out.contains("  body:\n    (def inner (decorators ) (params (y _ _)) (returns _)\n"),
        "{out}"
    );
}

#[test]
fn assignment_forms() {
    assert_eq!(stmts("a = b = 1\n"), "(= a b 1)\n");
    assert_eq!(stmts("a, b, = x\n"), "(= (tuple a b) x)\n");
    assert_eq!(
        stmts("(a, b), [c, *d] = x\n"),
        "(= (tuple (tuple a b) (list c (* d))) x)\n"
    );
    assert_eq!(stmts("x.y[0] = 1, 2\n"), "(= ([] (. x y) 0) (tuple 1 2))\n");
    assert_eq!(stmts("x : int = 3\n"), "(annassign x int 3)\n");
    assert_eq!(
        stmts("x += 1\ny **= 2\nz //= 3\nw >>= 4\nv @= m\n"),
        "(+= x 1)\n(**= y 2)\n(//= z 3)\n(>>= w 4)\n(@= v m)\n"
    );
}

#[test]
fn if_elif_else_chain() {
    let src = "if a:\n  x = 1\nelif b:\n  x = 2\nelse:\n  x = 3\n";
    let file = parse_file("t.py", src).unwrap_or_else(|e| panic!("{e}"));
    let [stmt] = file.body.as_slice() else {
        panic!("one statement")
    };
    let StmtKind::If { orelse, .. } = &stmt.kind else {
        panic!("if")
    };
    let [elif] = orelse.as_slice() else {
        panic!("elif is a lone If")
    };
    assert!(matches!(&elif.kind, StmtKind::If { orelse, .. } if orelse.len() == 1));
    assert_eq!(
        print_file(&file),
        "if a:\n    x = 1\nelif b:\n    x = 2\nelse:\n    x = 3\n"
    );
}

#[test]
fn one_line_bodies_and_semicolons() {
    assert_eq!(stmts("if x: pass\n"), "(if x\n  body:\n    (pass)\n)\n");
    assert_eq!(
        stmts("def f(x): return x\n"),
        "(def f (decorators ) (params (x _ _)) (returns _)\n  body:\n    (return x)\n)\n"
    );
    assert_eq!(stmts("a = 1; b = 2;\n"), "(= a 1)\n(= b 2)\n");
    assert_eq!(
        stmts("while x: x -= 1; y = x\n"),
        "(while x\n  body:\n    (-= x 1)\n    (= y x)\n)\n"
    );
}

#[test]
fn loops_break_continue() {
    let src =
        "for i, t in enumerate(xs):\n  if i == 0:\n    continue\n  break\nwhile True:\n  pass\n";
    assert_eq!(
        stmts(src),
        "(for (tuple i t) (call enumerate xs)\n  body:\n    (if (compare i == 0)\n      body:\n        (continue)\n    )\n    (break)\n)\n(while True\n  body:\n    (pass)\n)\n"
    );
    assert_eq!(
        stmts("for x in a, b:\n  pass\n"),
        "(for x (tuple a b)\n  body:\n    (pass)\n)\n"
    );
}

#[test]
fn with_statement() {
    assert_eq!(
        stmts("with torch.no_grad(), a as b:\n  pass\n"),
        "(with ((call (. torch no_grad)) _) (a b)\n  body:\n    (pass)\n)\n"
    );
}

#[test]
fn return_raise_assert_del_global() {
    assert_eq!(stmts("return\n"), "(return _)\n");
    assert_eq!(stmts("return (x, y)\n"), "(return (tuple x y))\n");
    assert_eq!(stmts("raise\n"), "(raise _)\n");
    assert_eq!(
        stmts("raise RuntimeError(\"bad\")\n"),
        "(raise (call RuntimeError \"bad\"))\n"
    );
    assert_eq!(stmts("assert x, \"msg\"\n"), "(assert x \"msg\")\n");
    assert_eq!(stmts("assert x\n"), "(assert x _)\n");
    assert_eq!(stmts("del a[0], b\n"), "(del ([] a 0) b)\n");
    assert_eq!(stmts("global a, b\n"), "(global a b)\n");
}

#[test]
fn expression_statements_from_the_python_printer() {
    assert_eq!(
        stmts("ops.prim.RaiseException(\"AssertionError: five\")\n"),
        "(expr (call (. (. ops prim) RaiseException) \"AssertionError: five\"))\n"
    );
    assert_eq!(
        stmts("_0 = annotate(List[int], [])\n_1 = uninitialized(Tensor)\ny = unchecked_cast(Tensor, x)\n"),
        "(= _0 (call annotate ([] List int) (list )))\n(= _1 (call uninitialized Tensor))\n(= y (call unchecked_cast Tensor x))\n"
    );
    assert_eq!(
        stmts("y = torch.add(x, CONSTANTS.c0, alpha=1)\n"),
        "(= y (call (. torch add) x (. CONSTANTS c0) (kw alpha 1)))\n"
    );
}

#[test]
fn imports_and_version_line() {
    let src =
        "op_version_set = 1\nimport a.b as c, d\nfrom ..x.y import (p as q, r,)\nfrom m import *\n";
    assert_eq!(
        stmts(src),
        "(= op_version_set 1)\n(import (a.b as c) d)\n(from ..x.y import (p as q) r)\n(from m import *)\n"
    );
}

#[test]
fn comments_continuations_and_layout() {
    let src = "def f(a,\n      b):  # comment\n    # own line\n      \n\n    x = (a +\n  b) + \\\n        a\n    return [1,\n2]\n";
    assert_eq!(
        stmts(src),
        "(def f (decorators ) (params (a _ _) (b _ _)) (returns _)\n  body:\n    (= x (+ (+ a b) a))\n    (return (list 1 2))\n)\n"
    );
}

#[test]
fn tabs_and_crlf_line_endings() {
    let src = "def f(x):\r\n\tif x:\r\n\t\treturn 1\r\n\treturn 2\r\n";
    assert_eq!(
        stmts(src),
        "(def f (decorators ) (params (x _ _)) (returns _)\n  body:\n    (if x\n      body:\n        (return 1)\n    )\n    (return 2)\n)\n"
    );
}

#[test]
fn empty_and_blank_files() {
    assert_eq!(stmts(""), "");
    assert_eq!(stmts("\n\n   \n# only a comment\n"), "");
    assert_eq!(stmts("x = 1"), "(= x 1)\n");
}

#[test]
fn calls_attributes_subscripts() {
    assert_eq!(expr("f(1, *xs, key=2)"), "(call f 1 (* xs) (kw key 2))");
    assert_eq!(expr("f()"), "(call f)");
    assert_eq!(expr("(sub).forward(x, )"), "(call (. sub forward) x)");
    assert_eq!(expr("a.b(c)[d].e"), "(. ([] (call (. a b) c) d) e)");
    assert_eq!(expr("x[a, b]"), "([] x (tuple a b))");
    assert_eq!(expr("x[a,]"), "([] x (tuple a))");
}

#[test]
fn slices() {
    assert_eq!(expr("x[1:2]"), "([] x (slice 1 2 _))");
    assert_eq!(expr("x[::2]"), "([] x (slice _ _ 2))");
    assert_eq!(expr("x[:]"), "([] x (slice _ _ _))");
    assert_eq!(expr("x[1::]"), "([] x (slice 1 _ _))");
    assert_eq!(
        expr("x[:, 1:3:2, ...]"),
        "([] x (tuple (slice _ _ _) (slice 1 3 2) ...))"
    );
    assert_eq!(expr("x[None, -1:]"), "([] x (tuple None (slice -1 _ _)))");
}

#[test]
fn number_literals() {
    assert_eq!(expr("0x1f"), "31");
    assert_eq!(expr("0o17"), "15");
    assert_eq!(expr("0b101"), "5");
    assert_eq!(expr("9223372036854775807"), "9223372036854775807");
    assert_eq!(expr("-9223372036854775808"), "-9223372036854775808");
    assert_eq!(expr("0."), "(float 0.0)");
    assert_eq!(expr("1e-5"), "(float 1e-5)");
    assert_eq!(expr("1.0000000000000001e-05"), "(float 1e-5)");
    assert_eq!(expr("0.10000000000000001"), "(float 0.1)");
    assert_eq!(expr("1.0000000000000001e+301"), "(float 1e301)");
    assert_eq!(expr("2j"), "(imag 2.0)");
    assert_eq!(expr("1e999"), "(float 1e999)");
    let parsed = parse_expr("-0.").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(parsed.kind, ExprKind::Float(FloatLit(v)) if v.to_bits() == (-0.0f64).to_bits())
    );
}

#[test]
fn floats_print_bit_exactly() {
    for text in [
        "1.0000000000000001e-05",
        "0.83333333333333337",
        "2.2250738585072014e-308",
        "5e-324",
        "1.7976931348623157e+308",
        "0.1",
        "100000000000000000000.0",
    ] {
        let parsed = parse_expr(text).unwrap_or_else(|e| panic!("{e}"));
        let ExprKind::Float(FloatLit(value)) = parsed.kind else {
            panic!("float")
        };
        let again = parse_expr(&print_expr(&parsed)).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(again.kind, ExprKind::Float(FloatLit(v)) if v.to_bits() == value.to_bits()),
            "{text}"
        );
    }
}

#[test]
fn inf_and_nan_keep_their_spelling() {
    assert_eq!(expr("inf"), "inf");
    assert_eq!(expr("-inf"), "(- inf)");
    assert_eq!(expr("nan"), "nan");
    assert_eq!(printed_expr("[inf, -inf, nan]"), "[inf, -inf, nan]");
}

#[test]
fn string_literals() {
    assert_eq!(expr(r#""a\"b""#), r#""a\"b""#);
    assert_eq!(expr(r"'c\'d'"), r#""c\'d""#);
    assert_eq!(expr(r#""\x41\101\n\t\\""#), r#""AA\n\t\\""#);
    assert_eq!(expr(r#"r"\d""#), r#""\\d""#);
    assert_eq!(expr("'''a\nb'''"), r#""a\nb""#);
    assert_eq!(expr(r#""ab" 'cd' "ef""#), r#""abcdef""#);
    assert_eq!(expr(r#""\xe2\x82\xac""#), r#""\xe2\x82\xac""#);
    let parsed = parse_expr(r#""\xe2\x82\xac""#).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(&parsed.kind, ExprKind::Str(s) if s == "€"));
    assert_eq!(printed_expr("'he\"llo\\n'"), r#""he\"llo\n""#);
}

#[test]
fn containers() {
    assert_eq!(expr("[]"), "(list )");
    assert_eq!(expr("[1, 2,]"), "(list 1 2)");
    assert_eq!(expr("()"), "(tuple )");
    assert_eq!(expr("(1,)"), "(tuple 1)");
    assert_eq!(expr("(1)"), "1");
    assert_eq!(expr("{}"), "(dict )");
    assert_eq!(expr("{\"a\": 1, 2: b,}"), "(dict (\"a\" 1) (2 b))");
    assert_eq!(expr("1, 2"), "(tuple 1 2)");
}

#[test]
fn comprehensions() {
    assert_eq!(
        expr("[i * i for i in xs]"),
        "(listcomp (* i i) (for i xs) (if ))"
    );
    assert_eq!(
        expr("[x for x in xs if x if y]"),
        "(listcomp x (for x xs) (if x y))"
    );
    assert_eq!(
        expr("{str(k): v for k, v in d.items()}"),
        "(dictcomp (call str k) v (for (tuple k v) (call (. d items))) (if ))"
    );
}

#[test]
fn unary_and_power_precedence() {
    assert_eq!(expr("-2**2"), "(- (** 2 2))");
    assert_eq!(expr("(-2)**2"), "(** -2 2)");
    assert_eq!(expr("2**-1"), "(** 2 -1)");
    assert_eq!(expr("2**3**2"), "(** 2 (** 3 2))");
    assert_eq!(expr("-x"), "(- x)");
    assert_eq!(expr("+x"), "(+ x)");
    assert_eq!(expr("~x"), "(~ x)");
    assert_eq!(expr("- -1"), "1");
    assert_eq!(printed_expr("(-2)**2"), "(-2) ** 2");
    assert_eq!(printed_expr("-(2**2)"), "-2 ** 2");
    let parsed = parse_expr("-x").unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        parsed.kind,
        ExprKind::Unary {
            op: UnaryOp::Neg,
            ..
        }
    ));
}

#[test]
fn binary_operator_precedence() {
    assert_eq!(expr("a + b * c"), "(+ a (* b c))");
    assert_eq!(expr("a - b - c"), "(- (- a b) c)");
    assert_eq!(expr("a - (b - c)"), "(- a (- b c))");
    assert_eq!(
        expr("a | b ^ c & d << 1 >> 2"),
        "(| a (^ b (& c (>> (<< d 1) 2))))"
    );
    assert_eq!(expr("a @ b / c // d % e"), "(% (// (/ (@ a b) c) d) e)");
    assert_eq!(printed_expr("(a + b) * c"), "(a + b) * c");
    assert_eq!(printed_expr("a - (b - c)"), "a - (b - c)");
    let parsed = parse_expr("a // b").unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        parsed.kind,
        ExprKind::Binary {
            op: BinOp::FloorDiv,
            ..
        }
    ));
}

#[test]
fn boolean_and_comparison_operators() {
    assert_eq!(expr("a and b and c"), "(and a b c)");
    assert_eq!(expr("a or b and not c"), "(or a (and b (not c)))");
    assert_eq!(expr("not a == b"), "(not (compare a == b))");
    assert_eq!(expr("0 <= a < b != c"), "(compare 0 <= a < b != c)");
    assert_eq!(expr("a is not None"), "(compare a is not None)");
    assert_eq!(expr("a not in b"), "(compare a not in b)");
    assert_eq!(expr("a in b is c"), "(compare a in b is c)");
    assert_eq!(printed_expr("(a and b) and c"), "(a and b) and c");
    assert_eq!(printed_expr("(a < b) < c"), "(a < b) < c");
    // Also unambiguous for TorchScript's parser (same precedence for `and`/`or`, low `~`).
    assert_eq!(printed_expr("a or b and c"), "a or (b and c)");
    assert_eq!(printed_expr("~a + b"), "(~a) + b");
    assert_eq!(printed_expr("~(a + b)"), "~(a + b)");
    let parsed = parse_expr("a > b >= c").unwrap_or_else(|e| panic!("{e}"));
    let ExprKind::Compare { ops, .. } = parsed.kind else {
        panic!("compare")
    };
    let ops: Vec<CmpOp> = ops.iter().map(|(op, _)| *op).collect();
    assert_eq!(ops, [CmpOp::Gt, CmpOp::GtE]);
}

#[test]
fn conditional_expressions() {
    assert_eq!(expr("a if b else c"), "(ifexp b a c)");
    assert_eq!(
        expr("a if b else c if d else e"),
        "(ifexp b a (ifexp d c e))"
    );
    assert_eq!(
        printed_expr("(a if b else c) if d else e"),
        "(a if b else c) if d else e"
    );
}

#[test]
fn type_expressions() {
    assert_eq!(
        expr("Optional[List[Tensor]]"),
        "([] Optional ([] List Tensor))"
    );
    assert_eq!(
        expr("Dict[str, Tuple[int, float]]"),
        "([] Dict (tuple str ([] Tuple (tuple int float))))"
    );
    assert_eq!(expr("Tuple[()]"), "([] Tuple (tuple ))");
    assert_eq!(printed_expr("Tuple[()]"), "Tuple[()]");
    assert_eq!(
        expr("__torch__.a.___torch_mangle_3.C"),
        "(. (. (. __torch__ a) ___torch_mangle_3) C)"
    );
    assert_eq!(expr("  List[int]  \n"), "([] List int)");
    let qualified = parse_expr("__torch__.torch.nn.Conv2d").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        qualified.dotted_name().as_deref(),
        Some("__torch__.torch.nn.Conv2d")
    );
    let not_dotted = parse_expr("a.b().c").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(not_dotted.dotted_name(), None);
}

#[test]
fn display_uses_the_printer() {
    let file = parse_file("t.py", "if a:\n  x = f(y)[0]\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.to_string(), "if a:\n    x = f(y)[0]\n");
    assert_eq!(file.body[0].to_string(), "if a:\n    x = f(y)[0]\n");
    let StmtKind::If { test, .. } = &file.body[0].kind else {
        panic!("if")
    };
    assert_eq!(test.to_string(), "a");
}

#[test]
fn ellipsis_none_bools() {
    assert_eq!(
        expr("[..., None, True, False]"),
        "(list ... None True False)"
    );
}

#[test]
fn spans_are_byte_offsets() {
    let file = parse_file("t.py", "x = f(1)\ny = 2\n").unwrap_or_else(|e| panic!("{e}"));
    let spans: Vec<Span> = file.body.iter().map(|s| s.span).collect();
    assert_eq!(spans, [Span::new(0, 8), Span::new(9, 14)]);
    let StmtKind::Assign { value, .. } = &file.body[0].kind else {
        panic!("assign")
    };
    assert_eq!(value.span.slice(&file.text), Some("f(1)"));
    assert_eq!(Span::new(9, 14).start_line_column(&file.text).line, 2);
    let position = file.line_column(file.body[1].span);
    assert_eq!((position.line, position.column), (2, 1));
    assert_eq!(file.slice(file.body[1].span), Some("y = 2"));

    let text = "@dec\ndef f(x):\n    if x:\n        return 1\n\n\nz = 2\n";
    let file = parse_file("t.py", text).unwrap_or_else(|e| panic!("{e}"));
    let def = &file.body[0];
    assert_eq!(
        def.span.slice(text),
        Some(&text[..text.find("1\n").unwrap_or(0) + 1])
    );
    let StmtKind::FunctionDef(function) = &def.kind else {
        panic!("def")
    };
    assert_eq!(function.name.span.slice(text), Some("f"));
    assert_eq!(
        function.body[0].span.slice(text),
        Some("if x:\n        return 1")
    );
    assert_eq!(file.body[1].span.slice(text), Some("z = 2"));
}
