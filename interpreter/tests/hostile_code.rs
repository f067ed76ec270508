//! Hostile model code run by the evaluator: every case must end in a clean error, not a panic.

use std::collections::HashMap;
use std::sync::Arc;

use torchscript_interpreter::{Error, Interpreter, Program, SourceProvider, Value};

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

fn call(source: &str, args: Vec<Value>) -> Result<Value, Error> {
    let p = program(source);
    let f = p.function("__torch__.f")?.expect("function f exists");
    Interpreter::new(&p).call_function(&f, args, vec![])
}

fn error_text(source: &str, args: Vec<Value>) -> String {
    match call(source, args) {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn int_floordiv_overflow_is_an_error() {
    let src = "def f(a: int) -> int:\n  return torch.floordiv(torch.sub(a, 1), -1)\n";
    let message = error_text(src, vec![Value::Int(-9223372036854775807)]);
    assert!(message.contains("overflow"), "{message}");
}

#[test]
fn int_remainder_of_min_by_minus_one_is_zero() {
    let src = "def f(a: int) -> int:\n  return torch.remainder(torch.sub(a, 1), -1)\n";
    let v = call(src, vec![Value::Int(-9223372036854775807)]).expect("remainder runs");
    assert_eq!(v.as_int(), Some(0));
}

#[test]
fn huge_list_repeat_is_an_error() {
    let src = "def f(n: int) -> List[int]:\n  return torch.mul([1], n)\n";
    let message = error_text(src, vec![Value::Int(4611686018427387904)]);
    assert!(message.contains("exceeds the limit"), "{message}");
    let message = error_text(src, vec![Value::Int(100_000_000)]);
    assert!(message.contains("exceeds the limit"), "{message}");
}

#[test]
fn huge_string_repeat_is_an_error() {
    let src = "def f(n: int) -> str:\n  return torch.mul(\"ab\", n)\n";
    let message = error_text(src, vec![Value::Int(i64::MAX)]);
    assert!(message.contains("exceeds the limit"), "{message}");
}

#[test]
fn range_loop_near_int_max_stops_without_overflow() {
    let src = "def f(a: int) -> int:\n  n = 0\n  for i in range(torch.sub(a, 1), a, 5):\n    n = torch.add(n, 1)\n  return n\n";
    let v = call(src, vec![Value::Int(i64::MAX)]).expect("loop runs");
    assert_eq!(v.as_int(), Some(1));
    let src = "def f(a: int) -> List[int]:\n  return range(torch.sub(a, 1), a, 5)\n";
    let v = call(src, vec![Value::Int(i64::MAX)]);
    assert!(v.is_ok(), "{v:?}");
}

#[test]
fn deep_recursion_through_nested_calls_reaches_the_depth_limit_cleanly() {
    // 23 nested calls per level overflowed the native stack long before the call limit.
    let mut expr = "__torch__.f(torch.sub(n, 1))".to_string();
    for _ in 0..23 {
        expr = format!("torch.add({expr}, 1)");
    }
    let src =
        format!("def f(n: int) -> int:\n  if torch.le(n, 0):\n    return 0\n  return {expr}\n");
    let v = call(&src, vec![Value::Int(200)]).expect("200 levels fit the default limit");
    assert_eq!(v.as_int(), Some(200 * 23));
    let message = error_text(&src, vec![Value::Int(100_000)]);
    assert!(message.contains("maximum recursion depth"), "{message}");
    assert!(
        message.contains("[Previous frame repeated"),
        "recursive frames are folded: {message}"
    );
    assert!(message.lines().count() < 20, "{message}");
}

#[test]
fn deep_recursion_inside_nested_blocks() {
    // 150 nested `if`s inside the `else:` (at 2 + 2 spaces), the call one level deeper still.
    const LEVELS: usize = 150;
    let mut body = format!(
        "{}return __torch__.f(torch.sub(n, 1))\n",
        " ".repeat(2 * LEVELS + 4)
    );
    for level in (1..=LEVELS).rev() {
        let pad = " ".repeat(2 * level + 2);
        body = format!("{pad}if torch.gt(n, -1):\n{body}");
    }
    let src = format!(
        "def f(n: int) -> int:\n  if torch.le(n, 0):\n    return 0\n  else:\n{body}  return 0\n"
    );
    let v = call(&src, vec![Value::Int(100)]);
    assert!(v.is_ok(), "{v:?}");
    let message = error_text(&src, vec![Value::Int(10_000)]);
    assert!(message.contains("maximum recursion depth"), "{message}");
}

#[test]
fn deeply_nested_values_drop_without_recursion() {
    let src = "def f(n: int) -> int:\n  b = annotate(List[Any], [])\n  for i in range(n):\n    b = [b]\n  t = (1,)\n  for i in range(n):\n    t = (t,)\n  return n\n";
    let v = call(src, vec![Value::Int(300_000)]).expect("deep values are built and dropped");
    assert_eq!(v.as_int(), Some(300_000));
}

#[test]
fn doubling_loops_stop_at_the_container_limit() {
    use torchscript_interpreter::limits::{Budget, RunLimits};
    let limits = RunLimits {
        max_container_len: 1 << 16,
        ..RunLimits::default()
    };
    let run = |src: &str| {
        let p = program(src);
        let f = p.function("__torch__.f").unwrap().unwrap();
        Interpreter::with_limits(&p, limits, Budget::default())
            .call_function(&f, vec![Value::Int(64)], vec![])
            .unwrap_err()
            .to_string()
    };
    let message = run("def f(n: int) -> int:\n  b = [1]\n  for i in range(n):\n    b = torch.add(b, b)\n  return len(b)\n");
    assert!(message.contains("exceeds the limit of 65536"), "{message}");
    let message = run("def f(n: int) -> int:\n  s = \"ab\"\n  for i in range(n):\n    s = torch.add(s, s)\n  return len(s)\n");
    assert!(message.contains("exceeds the limit of 65536"), "{message}");
}

#[test]
fn step_budget_deadline_and_cancellation_stop_runaway_loops() {
    use std::time::{Duration, Instant};
    use torchscript_interpreter::limits::{Budget, CancelHandle, RunLimits};
    let src =
        "def f(n: int) -> int:\n  k = 0\n  while True:\n    k = torch.add(k, 1)\n  return k\n";
    let p = program(src);
    let f = p.function("__torch__.f").unwrap().unwrap();
    let run = |budget: Budget| {
        Interpreter::with_limits(&p, RunLimits::default(), budget)
            .call_function(&f, vec![Value::Int(0)], vec![])
            .unwrap_err()
            .to_string()
    };
    let message = run(Budget {
        max_steps: Some(10_000),
        ..Budget::default()
    });
    assert!(message.contains("10000 steps"), "{message}");
    let message = run(Budget {
        deadline: Some(Instant::now() + Duration::from_millis(50)),
        ..Budget::default()
    });
    assert!(message.contains("deadline"), "{message}");
    let cancel = CancelHandle::new();
    let trigger = cancel.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        trigger.cancel();
    });
    let message = run(Budget {
        cancel: Some(cancel),
        ..Budget::default()
    });
    stopper.join().unwrap();
    assert!(message.contains("cancelled"), "{message}");
}

#[test]
fn control_bytes_in_messages_are_escaped() {
    let src = "def f(n: int) -> int:\n  raise Exception(\"bad\\x1b[31m\\x07 news\")\n";
    let message = error_text(src, vec![Value::Int(0)]);
    assert!(
        !message.contains('\u{1b}') && !message.contains('\u{7}'),
        "{message:?}"
    );
    assert!(message.contains("\\u{1b}[31m"), "{message}");
}
