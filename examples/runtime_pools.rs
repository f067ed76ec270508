//! Runs a bundled model on a task pool, an actor pool and from borrowed bytes:
//! `cargo run --release --example runtime_pools`.

use std::sync::Arc;

use torchscript::runtime::{ActorPool, PoolOptions, Routing, TaskPool};
use torchscript::{Module, Tensor, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/cases/resnet_basic_scripted/model.pt"
    );
    let module = Arc::new(Module::load(path)?);
    let input = |i: usize| -> Vec<Value> {
        let values: Vec<f32> = (0..3 * 32 * 32)
            .map(|k| ((k + i) % 17) as f32 / 17.0)
            .collect();
        vec![Value::Tensor(
            Tensor::from_vec(values, &[1, 3, 32, 32]).expect("shape matches"),
        )]
    };

    // Task mode: stateless calls, 2 at a time.
    let tasks = TaskPool::new(module.clone(), PoolOptions::new(2))?;
    let first = tasks.call("forward", input(0))?;
    let handle = tasks.submit("forward", input(1));
    let mapped = tasks.map("forward", (0..8).map(input));
    println!(
        "task pool: {} + 1 + {} calls, {} object trees copied",
        1,
        mapped.len(),
        module.instances_made()
    );
    handle.wait()?;

    // Actor mode: 2 workers with their own instances and bounded queues.
    let actors = ActorPool::new(
        module.clone(),
        PoolOptions::new(2).queue_capacity(4),
        Routing::LeastBusy,
    )?;
    let handles: Vec<_> = (0..8).map(|i| actors.submit("forward", input(i))).collect();
    for h in handles {
        h.wait()?;
    }
    actors.shutdown();

    // Borrowed bytes: the same outputs, no weight byte copied.
    let bytes: Arc<Vec<u8>> = Arc::new(std::fs::read(path)?);
    let borrowed = Module::from_shared(bytes)?;
    let again = borrowed.forward(input(0))?;
    let (a, b) = match (&first, &again) {
        (Value::Tensor(a), Value::Tensor(b)) => (a.to_vec::<f32>()?, b.to_vec::<f32>()?),
        _ => return Err("forward did not return a tensor".into()),
    };
    println!(
        "borrowed: same output {}, copied weight bytes {}",
        a == b,
        borrowed.copied_weight_bytes()
    );
    Ok(())
}
