//! Hostile model code inside real archives: allocation bombs, deep recursion and deep values,
//! runaway loops. Every case must end in a clean error of that call, never a crash.

mod hostile_support;

use hostile_support::{forward_error, model_with_forward, run_forward, test_limits};
use torchscript::{Archive, Budget, CancelHandle, Limits, Module, Tensor, Value};

fn assert_memory_limit(body: &str) {
    let message = forward_error(body, 1);
    assert!(
        message.contains("memory limit") || message.contains("limit exceeded"),
        "{body}: {message}"
    );
}

#[test]
fn allocation_bombs_are_errors_of_the_call() {
    assert_memory_limit("return torch.zeros([8589934592])");
    assert_memory_limit("return torch.full([34359738368], 1.)");
    assert_memory_limit("return torch.arange(0, 1000000000000000000)");
    assert_memory_limit(
        "a = torch.ones([65536, 1])\nb = torch.ones([1, 65536])\nreturn torch.matmul(a, b)",
    );
    assert_memory_limit("return torch.clone(torch.expand(x, [1099511627776, 3, 6]))");
    let message = forward_error("return torch.mul([x], 100000000)", 1);
    assert!(message.contains("limit"), "{message}");
}

#[test]
fn doubling_loops_are_errors_of_the_call() {
    let message = forward_error(
        "b = [1]\nfor i in range(64):\n  b = torch.add(b, b)\nreturn b",
        1,
    );
    assert!(message.contains("limit"), "{message}");
    let message = forward_error(
        "s = \"ab\"\nfor i in range(64):\n  s = torch.add(s, s)\nreturn s",
        1,
    );
    assert!(message.contains("limit"), "{message}");
    let message = forward_error(
        "t = x\nfor i in range(64):\n  t = torch.cat([t, t])\nreturn t",
        1,
    );
    assert!(message.contains("limit"), "{message}");
}

#[test]
fn per_call_total_counts_every_kernel_output() {
    // 64 outputs of 32 MiB each stay under the per-tensor limit (256 MiB) but not under the
    // call's total (1 GiB): every kernel output counts, not only the creation ops.
    let message = forward_error(
        "t = torch.zeros([8388608])\nfor i in range(64):\n  t = torch.add(t, 1.)\nreturn t",
        1,
    );
    assert!(message.contains("per call"), "{message}");
}

#[test]
fn repeating_an_empty_list_is_immediate() {
    // `[] * 2**63-1` has nothing to copy: it must not loop 2**63 times.
    let value = run_forward(
        model_with_forward(
            "l: List[int] = []\nreturn torch.len(torch.mul(l, 9223372036854775807))",
            "",
        ),
        test_limits(),
        1,
    )
    .unwrap();
    assert!(matches!(value, Value::Int(0)), "{value:?}");
}

#[test]
fn recursion_through_nested_calls_stops_at_the_depth_limit() {
    let mut expr = "self.forward(x, torch.sub(n, 1))".to_string();
    for _ in 0..23 {
        expr = format!("torch.relu({expr})");
    }
    let body = format!("if torch.le(n, 0):\n  return x\nreturn {expr}");
    let bytes = model_with_forward(&body, "");
    let ok = run_forward(bytes.clone(), Limits::default(), 100).expect("100 levels run");
    assert!(matches!(ok, Value::Tensor(_)));
    let message = run_forward(bytes, Limits::default(), 1_000_000)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("maximum recursion depth (256)"),
        "{message}"
    );
    assert!(
        message.len() < 4000,
        "the stack is shortened: {} bytes",
        message.len()
    );
}

#[test]
fn deep_values_built_by_the_model_drop_and_flatten() {
    let body = "b = annotate(List[Any], [])\nfor i in range(300000):\n  b = [b]\nt = (x,)\nfor i in range(50000):\n  t = (t,)\nreturn t";
    let v = run_forward(model_with_forward(body, ""), Limits::default(), 1).expect("runs");
    let mut arrays = Vec::new();
    torchscript::io::flatten_outputs(&v, &mut arrays).expect("flattens");
    assert_eq!(arrays.len(), 1);
    assert_eq!(arrays[0].shape, vec![3, 6]);
}

#[test]
fn runaway_loops_stop_on_budget_deadline_or_cancel() {
    let bytes = model_with_forward("k = 0\nwhile True:\n  k = torch.add(k, 1)\nreturn k", "");
    let module =
        Module::from_archive_with_limits(Archive::from_bytes(bytes).unwrap(), test_limits())
            .unwrap();
    let x = || Value::Tensor(Tensor::from_vec(vec![0f32; 18], &[3, 6]).unwrap());
    let steps = module
        .run_method_with_budget(
            "forward",
            vec![x(), Value::Int(1)],
            Budget {
                max_steps: Some(50_000),
                ..Budget::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(steps.contains("50000 steps"), "{steps}");
    let deadline = module
        .run_method_with_budget(
            "forward",
            vec![x(), Value::Int(1)],
            Budget {
                deadline: Some(std::time::Instant::now() + std::time::Duration::from_millis(100)),
                ..Budget::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(deadline.contains("deadline"), "{deadline}");
    let cancel = CancelHandle::new();
    let trigger = cancel.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        trigger.cancel();
    });
    let cancelled = module
        .run_method_with_budget(
            "forward",
            vec![x(), Value::Int(1)],
            Budget {
                cancel: Some(cancel),
                ..Budget::default()
            },
        )
        .unwrap_err()
        .to_string();
    stopper.join().unwrap();
    assert!(cancelled.contains("cancelled"), "{cancelled}");
}

#[test]
fn slices_and_int_overflows_from_model_code_are_clean() {
    let v = run_forward(
        model_with_forward("return torch.slice(x, 0, -9223372036854775808, 9223372036854775807, 9223372036854775807)", ""),
        test_limits(),
        1,
    )
    .expect("slice runs");
    let Value::Tensor(t) = v else { panic!("{v:?}") };
    assert_eq!(t.shape(), &[1, 6]);
    let message = forward_error(
        "return torch.floordiv(torch.sub(-9223372036854775807, 1), -1)",
        1,
    );
    assert!(message.contains("overflow"), "{message}");
    let v = run_forward(
        model_with_forward("k = 0\nfor i in range(9223372036854775805, 9223372036854775807, 5):\n  k = torch.add(k, 1)\nreturn k", ""),
        test_limits(),
        1,
    )
    .expect("loop runs");
    assert_eq!(v.as_int(), Some(1));
}

/// The `control_flow_scripted` model with its `Linear` class file replaced by `code`.
fn model_with_linear_code(code: &str) -> Vec<u8> {
    let mut entries = hostile_support::case_entries("control_flow_scripted");
    for e in &mut entries {
        if e.name == "code/__torch__/torch/nn/modules/linear.py" {
            e.data = code.as_bytes().to_vec();
        }
    }
    entries.retain(|e| !e.name.ends_with(".debug_pkl"));
    hostile_support::zip(&entries)
}

#[test]
fn class_code_is_parsed_on_first_use_and_its_faults_reported_then() {
    // The class statement of the submodule's class does not parse; loading builds its object
    // without reading the class, and the call that needs it reports the file and line.
    let code = "class Linear(Module):\n  __parameters__ = [\"weight\", \"bias\", ]\n  weight : Tensor = (\n";
    let bytes = model_with_linear_code(code);
    let module = Module::from_bytes(bytes.clone()).expect("loading does not parse the class");
    let err = module
        .root()
        .get_attr("lin")
        .and_then(|lin| match lin {
            Value::Object(o) => o.class().definition().err(),
            _ => None,
        })
        .expect("reading the class fails");
    assert!(
        err.to_string()
            .contains("code/__torch__/torch/nn/modules/linear.py"),
        "{err}"
    );
    let message = run_forward(bytes, test_limits(), 2)
        .expect_err("the call needs the class")
        .to_string();
    assert!(
        message.contains("code/__torch__/torch/nn/modules/linear.py"),
        "{message}"
    );
}

#[test]
fn an_object_whose_class_code_lacks_fails_to_load() {
    let bytes = model_with_linear_code("class Other(Module):\n  training : bool\n");
    let message = Module::from_bytes(bytes).unwrap_err().to_string();
    assert!(
        message.contains("__torch__.torch.nn.modules.linear.Linear"),
        "{message}"
    );
}
