//! Times `Module::load` of one archive N times in one process (each module dropped first):
//! `cargo run --release --example load_times -- MODEL.pt [N]` prints the median and the fastest.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: load_times MODEL.pt [N]")?;
    let n: usize = match args.next() {
        Some(n) => n.parse()?,
        None => 20,
    };
    let mut times = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let start = Instant::now();
        let module = torchscript::Module::load(&path)?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        drop(module);
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let fastest = times.first().copied().unwrap_or_default();
    println!(
        "{path}: {} loads, median {median:.3} ms, fastest {fastest:.3} ms",
        times.len()
    );
    Ok(())
}
