//! Timing method calls: one caller, a task pool, or an actor pool (what `torchscript bench` runs).

use std::sync::Arc;
use std::time::Instant;

use crate::error::Error;
use crate::module::Module;
use crate::Value;

/// Latencies and throughput of a benchmark run.
#[derive(Debug, Clone)]
pub struct BenchReport {
    pub mode: &'static str,
    pub workers: usize,
    pub iters: usize,
    pub latencies_ms: Vec<f64>,
    pub wall_s: f64,
    pub peak_rss_mb: f64,
}

impl BenchReport {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let last = sorted.len().saturating_sub(1);
        let at = (last as f64 * p).round() as usize;
        sorted.get(at.min(last)).copied().unwrap_or(0.0)
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "mode": self.mode,
            "workers": self.workers,
            "iters": self.iters,
            "median_ms": self.percentile(0.5),
            "p90_ms": self.percentile(0.9),
            "min_ms": self.percentile(0.0),
            "calls_per_s": if self.wall_s > 0.0 { self.iters as f64 / self.wall_s } else { 0.0 },
            "peak_rss_mb": self.peak_rss_mb,
        })
    }
}

/// Peak resident memory of this process (VmHWM), in MiB; 0 where unknown.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn timed_call(
    instance: &crate::module::Instance,
    method: &str,
    args: &[Value],
) -> Result<f64, Error> {
    let start = Instant::now();
    instance.run_method(method, args.to_vec())?;
    Ok(start.elapsed().as_secs_f64() * 1e3)
}

/// Calls one after another on one instance.
pub fn sequential(
    module: &Module,
    method: &str,
    args: &[Value],
    iters: usize,
    warmup: usize,
) -> Result<BenchReport, Error> {
    let instance = module.instance();
    for _ in 0..warmup {
        instance.run_method(method, args.to_vec())?;
    }
    let start = Instant::now();
    let latencies_ms = (0..iters)
        .map(|_| timed_call(&instance, method, args))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(BenchReport {
        mode: "sequential",
        workers: 1,
        iters,
        latencies_ms,
        wall_s: start.elapsed().as_secs_f64(),
        peak_rss_mb: peak_rss_mb(),
    })
}

/// Each call is a job on a pool of `workers` threads, each on a fresh instance.
pub fn task_pool(
    module: &Arc<Module>,
    method: &str,
    args: &[Value],
    iters: usize,
    warmup: usize,
    workers: usize,
) -> Result<BenchReport, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers.max(1))
        .build()
        .map_err(|e| Error::InvalidInput(format!("cannot start the worker pool: {e}")))?;
    let call = |_: usize| -> Result<f64, Error> {
        let start = Instant::now();
        module.run_method(method, args.to_vec())?;
        Ok(start.elapsed().as_secs_f64() * 1e3)
    };
    use rayon::prelude::*;
    pool.install(|| {
        (0..warmup)
            .into_par_iter()
            .map(call)
            .collect::<Result<Vec<_>, _>>()
    })?;
    let start = Instant::now();
    let latencies_ms = pool.install(|| {
        (0..iters)
            .into_par_iter()
            .map(call)
            .collect::<Result<Vec<_>, _>>()
    })?;
    Ok(BenchReport {
        mode: "task",
        workers,
        iters,
        latencies_ms,
        wall_s: start.elapsed().as_secs_f64(),
        peak_rss_mb: peak_rss_mb(),
    })
}

/// `workers` long-lived threads, each with its own instance, sharing the calls between them.
pub fn actor_pool(
    module: &Arc<Module>,
    method: &str,
    args: &[Value],
    iters: usize,
    warmup: usize,
    workers: usize,
) -> Result<BenchReport, Error> {
    let workers = workers.max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let start = Instant::now();
    let results: Vec<Result<Vec<f64>, Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let next = &next;
                scope.spawn(move || -> Result<Vec<f64>, Error> {
                    let instance = module.instance();
                    for _ in 0..warmup.div_ceil(workers) {
                        instance.run_method(method, args.to_vec())?;
                    }
                    let mut times = Vec::new();
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < iters {
                        times.push(timed_call(&instance, method, args)?);
                    }
                    Ok(times)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::InvalidInput("a worker panicked".into())))
            })
            .collect()
    });
    let mut latencies_ms = Vec::with_capacity(iters);
    for r in results {
        latencies_ms.extend(r?);
    }
    Ok(BenchReport {
        mode: "actor",
        workers,
        iters,
        latencies_ms,
        wall_s: start.elapsed().as_secs_f64(),
        peak_rss_mb: peak_rss_mb(),
    })
}
