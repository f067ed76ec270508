//! The actor pool: per-worker state, bounded queues, errors that fail one call, and
//! shutdown that finishes the queued work.

mod runtime_support;

use std::sync::Arc;

use runtime_support::*;
use torchscript::runtime::{ActorPool, PoolOptions, Routing};
use torchscript::Module;

#[test]
fn many_callers_get_the_sequential_outputs_bit_for_bit() {
    let dir = case_dir("resnet_basic_scripted");
    let module = Arc::new(Module::load(dir.join("model.pt")).unwrap());
    let inputs = scaled_inputs(&module, &dir, 10);
    let expected = sequential(&module, &inputs);
    for routing in [Routing::RoundRobin, Routing::LeastBusy] {
        let pool = ActorPool::new(
            module.clone(),
            PoolOptions::new(3).queue_capacity(2),
            routing,
        )
        .unwrap();
        let pool = &pool;
        std::thread::scope(|scope| {
            for client in 0..6 {
                let (inputs, expected) = (&inputs, &expected);
                scope.spawn(move || {
                    for k in 0..inputs.len() {
                        let i = (k + client * 3) % inputs.len();
                        let out = pool.call("forward", inputs[i].clone()).unwrap();
                        assert_bit_equal(&arrays(&out), &expected[i]);
                    }
                });
            }
        });
    }
}

#[test]
fn each_worker_keeps_its_own_state() {
    let (module, x, torch) = stateful();
    let pool = ActorPool::new(module.clone(), PoolOptions::new(2), Routing::RoundRobin).unwrap();
    for call in ["call1", "call2", "call3"] {
        let out = pool.submit_to(0, "forward", x.clone()).wait().unwrap();
        assert_matches(&out, named(&torch, call), call);
    }
    // Worker 1 has not been called: its state is the module's.
    let out = pool.submit_to(1, "forward", x.clone()).wait().unwrap();
    assert_matches(&out, named(&torch, "call1"), "call1 on worker 1");
    // Neither the module nor a task-mode call sees the workers' writes.
    assert_matches(
        &module.forward(x.clone()).unwrap(),
        named(&torch, "call1"),
        "module",
    );
    pool.shutdown();
}

#[test]
fn an_error_fails_only_its_call() {
    let (module, x, torch) = stateful();
    let pool = ActorPool::new(module, PoolOptions::new(1), Routing::RoundRobin).unwrap();
    assert!(pool.call("no_such_method", x.clone()).is_err());
    assert!(pool.call("forward", vec![]).is_err());
    let out = pool.call("forward", x.clone()).unwrap();
    assert_matches(&out, named(&torch, "call1"), "call1 after errors");
    let out = pool.call("forward", x).unwrap();
    assert_matches(&out, named(&torch, "call2"), "call2 after errors");
}

#[test]
fn shutdown_finishes_queued_calls() {
    let dir = case_dir("resnet_basic_scripted");
    let module = Arc::new(Module::load(dir.join("model.pt")).unwrap());
    let inputs = scaled_inputs(&module, &dir, 8);
    let expected = sequential(&module, &inputs);
    let pool = ActorPool::new(
        module,
        PoolOptions::new(1).queue_capacity(8),
        Routing::RoundRobin,
    )
    .unwrap();
    let handles: Vec<_> = inputs
        .iter()
        .map(|i| pool.submit("forward", i.clone()))
        .collect();
    pool.shutdown();
    for (h, want) in handles.into_iter().zip(&expected) {
        assert_bit_equal(&arrays(&h.wait().unwrap()), want);
    }
}

#[test]
fn drop_does_not_wait_and_queued_calls_still_finish() {
    let dir = case_dir("resnet_basic_scripted");
    let module = Arc::new(Module::load(dir.join("model.pt")).unwrap());
    let inputs = scaled_inputs(&module, &dir, 6);
    let expected = sequential(&module, &inputs);
    let pool = ActorPool::new(
        module,
        PoolOptions::new(2).queue_capacity(4),
        Routing::LeastBusy,
    )
    .unwrap();
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
fn a_full_queue_pushes_back() {
    let dir = case_dir("resnet_basic_scripted");
    let module = Arc::new(Module::load(dir.join("model.pt")).unwrap());
    let x = case_inputs(&module, &dir, "forward");
    let pool = ActorPool::new(
        module,
        PoolOptions::new(1).queue_capacity(2),
        Routing::RoundRobin,
    )
    .unwrap();
    let mut accepted = Vec::new();
    let mut refused = 0;
    for _ in 0..200 {
        match pool.try_submit("forward", x.clone()) {
            Ok(h) => accepted.push(h),
            Err((_, inputs)) => {
                assert_eq!(inputs.len(), 1, "the inputs come back");
                refused += 1;
            }
        }
        // never more than the queue plus the running call
        assert!(pool.pending(0) <= 3, "pending {}", pool.pending(0));
    }
    assert!(refused > 0);
    for h in accepted {
        h.wait().unwrap();
    }
    assert_eq!(pool.pending(0), 0);
}

#[test]
fn each_worker_owns_an_executor_of_its_intra_op_threads() {
    let dir = case_dir("mlp_scripted");
    let module = Arc::new(Module::load(dir.join("model.pt")).unwrap());
    let options = PoolOptions::new(2).intra_op_threads(1);
    let pool = ActorPool::new(module, options, Routing::RoundRobin).unwrap();
    let (a, b) = (pool.executor(0).unwrap(), pool.executor(1).unwrap());
    assert!(!Arc::ptr_eq(a, b));
    assert_eq!((a.threads(), b.threads()), (1, 1));
    assert!(pool.executor(2).is_none());
    assert_eq!(a.install(torchscript_ops::parallel::current_threads), 1);
    pool.shutdown();
}
