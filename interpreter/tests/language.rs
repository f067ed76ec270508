//! Language tests: TorchScript source run by the evaluator on values (no tensors needed).

use std::collections::HashMap;
use std::sync::Arc;

use torchscript_interpreter::{ErrorKind, Interpreter, Program, SourceProvider, Value};

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

fn program(source: &str) -> Program {
    let mut files = HashMap::new();
    files.insert("__torch__".to_string(), source.to_string());
    Program::new(Box::new(Sources(files)), 10)
}

fn call(
    source: &str,
    function: &str,
    args: Vec<Value>,
) -> Result<Value, torchscript_interpreter::Error> {
    let p = program(source);
    let f = p
        .function(&format!("__torch__.{function}"))?
        .expect("function exists");
    Interpreter::new(&p).call_function(&f, args, vec![])
}

fn int(v: &Value) -> i64 {
    v.as_int().unwrap_or_else(|| panic!("not an int: {v:?}"))
}

fn ints(v: &Value) -> Vec<i64> {
    match v {
        Value::List(l) => l.to_vec().iter().map(int).collect(),
        Value::Tuple(t) => t.items().iter().map(int).collect(),
        other => panic!("not a list: {other:?}"),
    }
}

#[test]
fn arithmetic_follows_python() {
    let src = "def f(a: int, b: int) -> Tuple[int, int, float, int]:\n  return (torch.floordiv(a, b), torch.remainder(a, b), torch.div(a, b), torch.pow(a, 2))\n";
    let r = call(src, "f", vec![Value::Int(-7), Value::Int(2)]).unwrap();
    let Value::Tuple(t) = r else { panic!() };
    assert_eq!(int(&t.items()[0]), -4);
    assert_eq!(int(&t.items()[1]), 1);
    assert!(matches!(t.items()[2], Value::Float(f) if f == -3.5));
    let src = "def f(a: int) -> int:\n  return a // 2 + a % 3 * 2 - -a\n";
    assert_eq!(
        int(&call(src, "f", vec![Value::Int(7)]).unwrap()),
        3 + 2 + 7
    );
}

#[test]
fn while_loops_carry_values_and_break() {
    let src = "def f(n: int) -> int:\n  k = n\n  total = 0\n  while k > 0:\n    k -= 1\n    if k == 3:\n      break\n    total += k\n  return total\n";
    assert_eq!(int(&call(src, "f", vec![Value::Int(6)]).unwrap()), 5 + 4);
}

#[test]
fn for_loops_over_ranges_lists_and_continue() {
    let src = "def f(n: int) -> List[int]:\n  out = annotate(List[int], [])\n  for i in range(n):\n    if i % 2 == 1:\n      continue\n    _0 = torch.append(out, i)\n  for x in [10, 20]:\n    out.append(x)\n  return out\n";
    assert_eq!(
        ints(&call(src, "f", vec![Value::Int(5)]).unwrap()),
        vec![0, 2, 4, 10, 20]
    );
}

#[test]
fn list_operations() {
    let src = r#"
def f() -> List[int]:
  xs = [5, 3, 9]
  xs.insert(0, 1)
  xs.extend([7])
  y = xs.pop()
  xs.sort()
  xs.append(torch.len(xs) + y)
  zs = xs[1:3] + xs[-1:]
  torch._set_item(zs, 0, 42)
  return zs
"#;
    assert_eq!(ints(&call(src, "f", vec![]).unwrap()), vec![42, 5, 11]);
}

#[test]
fn lists_are_shared_references() {
    let src = "def f() -> List[int]:\n  a = [1]\n  b = a\n  b.append(2)\n  return a\n";
    assert_eq!(ints(&call(src, "f", vec![]).unwrap()), vec![1, 2]);
}

#[test]
fn dict_operations_keep_insertion_order() {
    let src = r#"
def f() -> List[int]:
  d = annotate(Dict[str, int], {})
  d["b"] = 2
  d["a"] = 1
  d["b"] = 3
  out = annotate(List[int], [])
  for k, v in d.items():
    out.append(v)
  if "a" in d:
    out.append(d.get("zz", 100))
  out.append(torch.len(d.keys()))
  return out
"#;
    assert_eq!(ints(&call(src, "f", vec![]).unwrap()), vec![3, 1, 100, 2]);
}

#[test]
fn strings_format_join_split() {
    let src = r#"
def f(n: int) -> str:
  s = "{}-{}".format("a", n)
  parts = "x,y,z".split(",")
  return torch.add(s, "|".join(parts)) + str(1.5) + str(True)
"#;
    assert_eq!(
        call(src, "f", vec![Value::Int(3)]).unwrap().as_str(),
        Some("a-3x|y|z1.5True")
    );
}

#[test]
fn optional_and_none_checks() {
    let src = "def f(x: Optional[int]) -> int:\n  if torch.__isnot__(x, None):\n    y = unchecked_cast(int, x)\n    return y\n  else:\n    return -1\n";
    assert_eq!(int(&call(src, "f", vec![Value::None]).unwrap()), -1);
    assert_eq!(int(&call(src, "f", vec![Value::Int(4)]).unwrap()), 4);
}

#[test]
fn comprehensions_and_builtins() {
    let src = "def f(n: int) -> List[int]:\n  xs = [i * i for i in range(n) if i != 2]\n  return [min(xs), max(xs), sum(xs), len(xs), int(3.9), abs(-2)]\n";
    assert_eq!(
        ints(&call(src, "f", vec![Value::Int(4)]).unwrap()),
        vec![0, 9, 10, 3, 3, 2]
    );
}

#[test]
fn classes_methods_and_attributes() {
    let src = r#"
class Counter(Module):
  __parameters__ = []
  __buffers__ = []
  count : int
  step : Final[int] = 2
  def bump(self: __torch__.Counter, n: int) -> int:
    self.count = self.count + n * self.step
    return self.count
def make() -> int:
  return 0
"#;
    let p = program(src);
    let class = p.class("__torch__.Counter").unwrap();
    let obj = Arc::new(torchscript_interpreter::Object::new(
        class,
        vec![(Arc::from("count"), Value::Int(1))],
    ));
    let mut interp = Interpreter::new(&p);
    assert_eq!(
        int(&interp
            .call_method(&obj, "bump", vec![Value::Int(3)], vec![])
            .unwrap()),
        7
    );
    assert_eq!(
        int(&interp
            .call_method(&obj, "bump", vec![Value::Int(1)], vec![])
            .unwrap()),
        9
    );
}

#[test]
fn named_tuples_and_free_functions() {
    let src = r#"
class Pair(NamedTuple):
  a : int
  b : int
def swap(p: __torch__.Pair) -> __torch__.Pair:
  return __torch__.Pair(p.b, p.a)
def f(x: int) -> int:
  q = __torch__.swap(__torch__.Pair(x, 10))
  a, b = q
  return q.a * 100 + b
"#;
    assert_eq!(int(&call(src, "f", vec![Value::Int(3)]).unwrap()), 1003);
}

#[test]
fn raise_and_assert_carry_message_and_stack() {
    let src = "def inner(n: int) -> int:\n  if n < 0:\n    ops.prim.RaiseException(torch.add(\"bad n \", str(n)), \"builtins.ValueError\")\n  return n\ndef outer(n: int) -> int:\n  return __torch__.inner(n)\n";
    let err = call(src, "outer", vec![Value::Int(-2)]).unwrap_err();
    assert!(
        matches!(err.kind.as_ref(), ErrorKind::Raised { class, message } if class == "ValueError" && message == "bad n -2"),
        "{err}"
    );
    assert_eq!(err.stack.len(), 2);
    assert_eq!(err.stack[0].function, "__torch__.inner");
    assert_eq!(err.stack[0].line, 3);
    assert_eq!(err.stack[0].file, "code/__torch__.py");
    assert_eq!(err.stack[1].line, 6);
    let src = "def f(n: int) -> int:\n  assert n > 0, \"n must be positive\"\n  return n\n";
    let err = call(src, "f", vec![Value::Int(0)]).unwrap_err();
    assert!(
        err.to_string()
            .contains("AssertionError: n must be positive"),
        "{err}"
    );
}

#[test]
fn isinstance_and_chained_comparisons() {
    let src = "def f(x: int) -> List[bool]:\n  return [isinstance(x, int), isinstance(x, str), 0 < x < 10, 0 < x > 10]\n";
    let r = call(src, "f", vec![Value::Int(5)]).unwrap();
    let Value::List(l) = r else { panic!() };
    let bools: Vec<bool> = l
        .to_vec()
        .iter()
        .map(|v| matches!(v, Value::Bool(true)))
        .collect();
    assert_eq!(bools, vec![true, false, true, false]);
}

#[test]
fn unknown_operators_name_the_file_and_line() {
    // Lowering accepts the name (archives name operators in branches inference never takes);
    // the call fails when reached, at its file, line and column.
    let src =
        "def f(n: int) -> int:\n  if torch.lt(n, 0):\n    return torch.no_such_op(n)\n  return n\n";
    assert_eq!(int(&call(src, "f", vec![Value::Int(1)]).unwrap()), 1);
    let err = call(src, "f", vec![Value::Int(-1)]).unwrap_err();
    assert!(
        matches!(&*err.kind, ErrorKind::UnknownOp(op) if op == "aten::no_such_op"),
        "{err}"
    );
    assert_eq!((err.stack[0].line, err.stack[0].column), (3, 12));
    let text = err.to_string();
    assert!(
        text.contains("File \"code/__torch__.py\", line 3, column 12, in __torch__.f")
            && text.contains("unknown operator `aten::no_such_op`"),
        "{text}"
    );
}

#[test]
fn runaway_recursion_is_an_error_not_a_crash() {
    let src = "def f(n: int) -> int:\n  return __torch__.f(n + 1)\n";
    let err = call(src, "f", vec![Value::Int(0)]).unwrap_err();
    assert!(matches!(*err.kind, ErrorKind::Recursion(_)), "{err}");
}

#[test]
fn fork_and_wait_run_inline() {
    let src = "def g(n: int) -> int:\n  return n * 2\ndef f(n: int) -> int:\n  fut = fork(__torch__.g, n)\n  return wait(fut) + 1\n";
    assert_eq!(int(&call(src, "f", vec![Value::Int(4)]).unwrap()), 9);
}

#[test]
fn nested_functions_see_the_enclosing_variables() {
    let src = "def f(x: int) -> int:\n  def __forked_function():\n    return x * 10\n  fut = fork(__forked_function)\n  x = 0\n  return torch.wait(fut)\n";
    assert_eq!(int(&call(src, "f", vec![Value::Int(4)]).unwrap()), 40);
}

#[test]
fn a_nested_function_called_outside_its_definer_is_an_error() {
    // `g` returns its nested function and `f` calls it: the body reads `g`'s locals, which
    // `f`'s frame does not have, so the call must fail, not run whatever `f` nests at index 0.
    let src = "def g(x: int):\n  def inner(y: int) -> int:\n    return x + y\n  return inner\ndef f(n: int) -> int:\n  def mine(y: int) -> int:\n    return 1000\n  h = __torch__.g(n)\n  return h(2)\n";
    let err = call(src, "f", vec![Value::Int(4)]).unwrap_err().to_string();
    assert!(
        err.contains("can only be called there"),
        "unexpected error: {err}"
    );
    // called inside its definer, it works
    let src = "def g(x: int) -> int:\n  def inner(y: int) -> int:\n    return x + y\n  h = inner\n  return h(2)\n";
    assert_eq!(int(&call(src, "g", vec![Value::Int(4)]).unwrap()), 6);
}

#[test]
fn script_classes_are_built_with_new_and_init() {
    let src = r#"
class Acc:
  total : int
  def __init__(self: __torch__.Acc, start: int) -> NoneType:
    self.total = start
    return None
  def add(self: __torch__.Acc, n: int) -> int:
    self.total = self.total + n
    return self.total
def f(n: int) -> int:
  acc = __torch__.Acc.__new__(__torch__.Acc)
  _0 = (acc).__init__(100, )
  for i in range(n):
    _1 = (acc).add(i, )
  return acc.total
"#;
    assert_eq!(int(&call(src, "f", vec![Value::Int(4)]).unwrap()), 106);
}

#[test]
fn one_call_site_runs_each_receivers_own_method() {
    // `(o).value()` remembers the method it found for the first receiver's class; receivers of
    // another class must still run their own, in any order, and a method that calls itself
    // through the same kind of site must see its own class.
    let src = r#"
class Two:
  def value(self: __torch__.Two) -> int:
    return 2
  def down(self: __torch__.Two, n: int) -> int:
    if n <= 0:
      return 0
    return n + (self).down(n - 1, )
class Ten:
  def value(self: __torch__.Ten) -> int:
    return 10
def total(n: int) -> int:
  two = __torch__.Two.__new__(__torch__.Two)
  ten = __torch__.Ten.__new__(__torch__.Ten)
  s = 0
  for i in range(n):
    o = two
    if i % 3 == 1:
      o = ten
    s = s * 100 + (o).value()
  return s + 1000000000 * (two).down(4, )
"#;
    // receivers two, ten, two, two, ten: 2, 10, 2, 2, 10 as base-100 digits; down(4) = 10
    assert_eq!(
        int(&call(src, "total", vec![Value::Int(5)]).unwrap()),
        10_000_000_000 + 2_10_02_02_10
    );
}
