//! The task pool under load: many callers on many threads give exactly the sequential
//! outputs, errors fail only their call, and in-place writes never leak between calls.

mod runtime_support;

use std::sync::Arc;

use runtime_support::*;
use torchscript::runtime::{PoolOptions, TaskPool};
use torchscript::{Module, Tensor, Value};

#[test]
fn many_callers_get_the_sequential_outputs_bit_for_bit() {
    for (case, count) in [("mlp_scripted", 64), ("resnet_basic_scripted", 12)] {
        let dir = case_dir(case);
        let module = Arc::new(Module::load(dir.join("model.pt")).unwrap());
        let inputs = scaled_inputs(&module, &dir, count);
        let expected = sequential(&module, &inputs);
        for options in [
            PoolOptions::new(3).intra_op_threads(1),
            PoolOptions::new(2).intra_op_threads(2),
        ] {
            let pool = TaskPool::new(module.clone(), options).unwrap();
            let pool = &pool;
            std::thread::scope(|scope| {
                for client in 0..6 {
                    let (inputs, expected) = (&inputs, &expected);
                    scope.spawn(move || {
                        // each client makes every call, starting at a different one
                        for k in 0..inputs.len() {
                            let i = (k + client * 5) % inputs.len();
                            let out = if k % 2 == 0 {
                                pool.call("forward", inputs[i].clone()).unwrap()
                            } else {
                                pool.submit("forward", inputs[i].clone()).wait().unwrap()
                            };
                            assert_bit_equal(&arrays(&out), &expected[i]);
                        }
                    });
                }
            });
            let mapped = pool.map("forward", inputs.iter().cloned());
            for (got, want) in mapped.iter().zip(&expected) {
                assert_bit_equal(&arrays(got.as_ref().unwrap()), want);
            }
        }
        // The first input is also PyTorch's.
        assert_close_f32(&expected[0], &expected_outputs(&dir.join("outputs.npz")));
    }
}

#[test]
fn an_error_fails_only_its_call() {
    let dir = case_dir("mlp_scripted");
    let module = Arc::new(Module::load(dir.join("model.pt")).unwrap());
    let inputs = scaled_inputs(&module, &dir, 8);
    let expected = sequential(&module, &inputs);
    let pool = TaskPool::new(module, PoolOptions::new(2)).unwrap();
    let wrong = vec![Value::Tensor(
        Tensor::from_slice(&[1.0f32; 6], &[2, 3]).unwrap(),
    )];
    let mut batch = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        batch.push(input.clone());
        if i % 2 == 0 {
            batch.push(wrong.clone());
        }
    }
    let results = pool.map("forward", batch);
    let (mut ok, mut failed) = (Vec::new(), 0);
    for r in results {
        match r {
            Ok(v) => ok.push(arrays(&v)),
            Err(_) => failed += 1,
        }
    }
    assert_eq!(failed, 4);
    assert_eq!(ok.len(), expected.len());
    for (got, want) in ok.iter().zip(&expected) {
        assert_bit_equal(got, want);
    }
    assert!(pool.call("no_such_method", inputs[0].clone()).is_err());
    assert_bit_equal(
        &arrays(&pool.call("forward", inputs[0].clone()).unwrap()),
        &expected[0],
    );
}

#[test]
fn in_place_writes_never_leak_between_calls() {
    let (module, x, torch) = stateful();
    let pool = TaskPool::new(module.clone(), PoolOptions::new(2)).unwrap();
    let pool = &pool;
    // PyTorch's first call on a fresh module, every time, from many threads.
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let (x, torch) = (&x, &torch);
            scope.spawn(move || {
                for _ in 0..10 {
                    let out = pool.call("forward", x.clone()).unwrap();
                    assert_matches(&out, named(torch, "call1"), "call1");
                }
            });
        }
    });
    assert_matches(
        &pool.call("peek", x.clone()).unwrap(),
        named(&torch, "peek0"),
        "peek0",
    );
    assert_matches(
        &module.forward(x.clone()).unwrap(),
        named(&torch, "call1"),
        "call1",
    );
    // The written parameter was copied for the writing calls only; the module's stays mapped.
    for (name, t) in module.named_tensors().expect("every class reads") {
        assert!(t.storage().is_mapped(), "{name} of the module was written");
    }
}

#[test]
fn read_only_calls_reuse_instances_instead_of_copying_the_tree() {
    let dir = case_dir("resnet_basic_scripted");
    let module = Module::load(dir.join("model.pt")).unwrap();
    let x = case_inputs(&module, &dir, "forward");
    for _ in 0..20 {
        module.forward(x.clone()).unwrap();
    }
    assert_eq!(module.instances_made(), 1);
    let (stateful, sx, _) = stateful();
    for _ in 0..3 {
        stateful.forward(sx.clone()).unwrap();
    }
    assert_eq!(
        stateful.instances_made(),
        3,
        "a written instance must not be reused"
    );
}

#[test]
fn dropping_the_pool_lets_submitted_calls_finish() {
    let dir = case_dir("mlp_scripted");
    let module = Arc::new(Module::load(dir.join("model.pt")).unwrap());
    let inputs = scaled_inputs(&module, &dir, 16);
    let expected = sequential(&module, &inputs);
    let pool = TaskPool::new(module, PoolOptions::new(1)).unwrap();
    let handles: Vec<_> = inputs
        .iter()
        .map(|i| pool.submit("forward", i.clone()))
        .collect();
    drop(pool);
    for (h, want) in handles.into_iter().zip(&expected) {
        assert_bit_equal(&arrays(&h.wait().unwrap()), want);
    }
}

#[test]
fn each_worker_owns_an_executor_of_its_intra_op_threads() {
    let dir = case_dir("mlp_scripted");
    let module = Arc::new(Module::load(dir.join("model.pt")).unwrap());
    let pool = TaskPool::new(module, PoolOptions::new(3).intra_op_threads(2)).unwrap();
    let executors = pool.executors();
    assert_eq!(executors.len(), 3);
    assert!(executors.iter().all(|e| e.threads() == 2));
    // Distinct executors: a call never splits its kernels onto another worker's threads.
    for (i, a) in executors.iter().enumerate() {
        for b in &executors[i + 1..] {
            assert!(!Arc::ptr_eq(a, b));
        }
    }
    // What the kernels of a call on one worker see: that worker's threads only.
    for e in executors {
        assert_eq!(e.install(torchscript_ops::parallel::current_threads), 2);
    }
}
