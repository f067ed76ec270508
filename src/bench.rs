//! Timing method calls: one caller, a task pool, or an actor pool (what `torchscript bench` runs).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::error::Error;
use crate::module::Module;
use crate::runtime::{ActorPool, PoolOptions, Routing, TaskPool};
use crate::Value;

/// Latencies and throughput of a benchmark run.
#[derive(Debug, Clone)]
pub struct BenchReport {
    pub mode: &'static str,
    pub workers: usize,
    /// Threads each call's kernels could use.
    pub intra_op_threads: usize,
    pub iters: usize,
    pub latencies_ms: Vec<f64>,
    pub wall_s: f64,
    pub peak_rss_mb: f64,
    /// Resident memory at the end of the timed calls (pool still alive).
    pub memory: Memory,
    /// Resident memory once the pool, still alive, has been idle past the release delay
    /// ([`crate::runtime::release_delay`]): what an idle server holds.
    pub idle_memory: Memory,
}

/// Resident memory of this process from `/proc/self/status`, in MiB (0 where unknown).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Memory {
    /// Private anonymous pages (heap, stacks): what each worker or process adds.
    pub anon_mb: f64,
    /// File-backed pages (the mapped archive among them): shared through the page cache.
    pub file_mb: f64,
}

impl Memory {
    /// The current resident memory of this process.
    pub fn now() -> Memory {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        Memory {
            anon_mb: field("RssAnon:"),
            file_mb: field("RssFile:"),
        }
    }
}

impl Memory {
    /// The resident memory after the process has been idle long enough for freed memory to
    /// go back to the system (waits the release delay and a margin).
    pub fn when_idle() -> Memory {
        if let Some(delay) = crate::runtime::release_delay() {
            std::thread::sleep(delay.saturating_add(std::time::Duration::from_millis(150)));
        }
        Memory::now()
    }
}

impl BenchReport {
    /// The report of timed calls that just ended: the memory figures are read now, then
    /// (`idle_memory`) after the release delay, with the pool still alive.
    fn measured(
        mode: &'static str,
        options: PoolOptions,
        iters: usize,
        latencies_ms: Vec<f64>,
        wall_s: f64,
    ) -> BenchReport {
        let memory = Memory::now();
        let idle_memory = Memory::when_idle();
        BenchReport {
            mode,
            workers: options.workers,
            intra_op_threads: options.intra_op_threads,
            iters,
            latencies_ms,
            wall_s,
            peak_rss_mb: peak_rss_mb(),
            memory,
            idle_memory,
        }
    }

    /// The `p` quantile (0..=1) of the latencies, in ms.
    pub fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let last = sorted.len().saturating_sub(1);
        let at = (last as f64 * p).round() as usize;
        sorted.get(at.min(last)).copied().unwrap_or(0.0)
    }

    /// Calls finished per second of wall time.
    pub fn calls_per_s(&self) -> f64 {
        if self.wall_s > 0.0 {
            self.iters as f64 / self.wall_s
        } else {
            0.0
        }
    }

    /// The report as JSON (with the `cli` feature).
    #[cfg(feature = "cli")]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "mode": self.mode,
            "workers": self.workers,
            "intra_op_threads": self.intra_op_threads,
            "iters": self.iters,
            "median_ms": self.percentile(0.5),
            "p90_ms": self.percentile(0.9),
            "min_ms": self.percentile(0.0),
            "calls_per_s": self.calls_per_s(),
            "peak_rss_mb": self.peak_rss_mb,
            "anon_mb": self.memory.anon_mb,
            "file_mb": self.memory.file_mb,
            "idle_anon_mb": self.idle_memory.anon_mb,
            "idle_file_mb": self.idle_memory.file_mb,
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

/// Calls one after another on one instance, on an executor of `intra_op_threads` threads.
pub fn sequential(
    module: &Module,
    method: &str,
    args: &[Value],
    iters: usize,
    warmup: usize,
    intra_op_threads: usize,
) -> Result<BenchReport, Error> {
    after_warmup(
        module,
        method,
        args,
        warmup,
        intra_op_threads,
        |instance, threads| {
            let start = Instant::now();
            let latencies_ms = (0..iters)
                .map(|_| {
                    let t = Instant::now();
                    instance.run_method(method, args.to_vec())?;
                    Ok(t.elapsed().as_secs_f64() * 1e3)
                })
                .collect::<Result<Vec<_>, Error>>()?;
            let options = PoolOptions::new(1).intra_op_threads(threads);
            let wall_s = start.elapsed().as_secs_f64();
            Ok(BenchReport::measured(
                "sequential",
                options,
                iters,
                latencies_ms,
                wall_s,
            ))
        },
    )
}

/// Runs `f(instance, threads)` on one instance of `module`, on a new executor of
/// `intra_op_threads` threads, after `warmup` untimed calls of `method` there.
fn after_warmup<R: Send>(
    module: &Module,
    method: &str,
    args: &[Value],
    warmup: usize,
    intra_op_threads: usize,
    f: impl FnOnce(&crate::module::Instance, usize) -> Result<R, Error> + Send,
) -> Result<R, Error> {
    let executor = PoolOptions::new(1)
        .intra_op_threads(intra_op_threads)
        .worker_executor()?;
    let instance = module.instance();
    executor.install(|| {
        for _ in 0..warmup {
            instance.run_method(method, args.to_vec())?;
        }
        f(&instance, executor.threads())
    })
}

/// `workers` client threads calling `call` in a closed loop until `iters` calls are done;
/// each call's latency as its client sees it.
fn closed_loop(
    workers: usize,
    iters: usize,
    call: impl Fn() -> Result<(), Error> + Sync,
) -> Result<(Vec<f64>, f64), Error> {
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let per_client: Vec<Result<Vec<f64>, Error>> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..workers.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut times = Vec::new();
                    while next.fetch_add(1, Ordering::Relaxed) < iters {
                        let t = Instant::now();
                        call()?;
                        times.push(t.elapsed().as_secs_f64() * 1e3);
                    }
                    Ok(times)
                })
            })
            .collect();
        clients
            .into_iter()
            .map(|c| {
                c.join()
                    .unwrap_or_else(|_| Err(Error::Runtime("a benchmark client panicked".into())))
            })
            .collect()
    });
    let wall_s = start.elapsed().as_secs_f64();
    let mut latencies = Vec::with_capacity(iters);
    for times in per_client {
        latencies.extend(times?);
    }
    Ok((latencies, wall_s))
}

/// Calls on a [`TaskPool`] of `options.workers`, fed by as many client threads.
pub fn task_pool(
    module: &Arc<Module>,
    method: &str,
    args: &[Value],
    iters: usize,
    warmup: usize,
    options: PoolOptions,
) -> Result<BenchReport, Error> {
    let pool = TaskPool::new(module.clone(), options)?;
    for r in pool.map(method, (0..warmup).map(|_| args.to_vec())) {
        r?;
    }
    let (latencies_ms, wall_s) = closed_loop(options.workers, iters, || {
        pool.call(method, args.to_vec()).map(drop)
    })?;
    Ok(BenchReport::measured(
        "task",
        options,
        iters,
        latencies_ms,
        wall_s,
    ))
}

/// Calls on an [`ActorPool`] of `options.workers` (least-busy routing), fed by as many
/// client threads.
pub fn actor_pool(
    module: &Arc<Module>,
    method: &str,
    args: &[Value],
    iters: usize,
    warmup: usize,
    options: PoolOptions,
) -> Result<BenchReport, Error> {
    let pool = ActorPool::new(module.clone(), options, Routing::LeastBusy)?;
    let warm: Vec<_> = (0..warmup.max(options.workers))
        .map(|i| {
            let worker = i.checked_rem(options.workers.max(1)).unwrap_or(0);
            pool.submit_to(worker, method, args.to_vec())
        })
        .collect();
    for h in warm {
        h.wait()?;
    }
    let (latencies_ms, wall_s) = closed_loop(options.workers, iters, || {
        pool.call(method, args.to_vec()).map(drop)
    })?;
    let report = BenchReport::measured("actor", options, iters, latencies_ms, wall_s);
    pool.shutdown();
    Ok(report)
}

/// Where the time of `iters` sequential calls goes, operator by operator (`bench --profile-ops`).
#[derive(Debug, Clone)]
pub struct OpProfile {
    /// Timed calls of the method.
    pub calls: usize,
    /// Their total wall time.
    pub total: std::time::Duration,
    /// Kernel calls and time per operator overload, most time first (all calls together).
    pub ops: Vec<torchscript_interpreter::op_profile::OpTime>,
}

impl OpProfile {
    /// Time of the calls spent outside kernels (the interpreter, builtins, argument binding).
    pub fn outside_kernels(&self) -> std::time::Duration {
        let in_kernels = self.ops.iter().fold(std::time::Duration::ZERO, |sum, row| {
            sum.saturating_add(row.total)
        });
        self.total.saturating_sub(in_kernels)
    }

    /// The profile as JSON, per method call (with the `cli` feature).
    #[cfg(feature = "cli")]
    pub fn to_json(&self) -> serde_json::Value {
        let calls = self.calls.max(1) as f64;
        let total_ms = self.total.as_secs_f64() * 1e3;
        let share = |d: std::time::Duration| {
            if total_ms > 0.0 {
                d.as_secs_f64() * 1e3 / total_ms
            } else {
                0.0
            }
        };
        let ops: Vec<serde_json::Value> = self
            .ops
            .iter()
            .map(|row| {
                serde_json::json!({
                    "op": row.op,
                    "calls_per_call": row.calls as f64 / calls,
                    "ms_per_call": row.total.as_secs_f64() * 1e3 / calls,
                    "share": share(row.total),
                })
            })
            .collect();
        serde_json::json!({
            "calls": self.calls,
            "ms_per_call": total_ms / calls,
            "outside_kernels_ms_per_call": self.outside_kernels().as_secs_f64() * 1e3 / calls,
            "outside_kernels_share": share(self.outside_kernels()),
            "ops": ops,
        })
    }
}

/// Times every kernel of `iters` sequential calls (after `warmup` untimed ones) on an executor
/// of `intra_op_threads` threads. The profile is process-wide: run nothing else meanwhile.
pub fn profile_ops(
    module: &Module,
    method: &str,
    args: &[Value],
    iters: usize,
    warmup: usize,
    intra_op_threads: usize,
) -> Result<OpProfile, Error> {
    use torchscript_interpreter::op_profile;
    after_warmup(
        module,
        method,
        args,
        warmup,
        intra_op_threads,
        |instance, _| {
            op_profile::start();
            let start = Instant::now();
            let calls =
                (0..iters).try_for_each(|_| instance.run_method(method, args.to_vec()).map(drop));
            let total = start.elapsed();
            let ops = op_profile::stop();
            calls?;
            Ok(OpProfile {
                calls: iters,
                total,
                ops,
            })
        },
    )
}
