//! The `torchscript` command line: inspect, run and bench TorchScript archives.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use torchscript::inspect::inspect;
use torchscript::io::{flatten_outputs, input_value, positional_inputs};
use torchscript::npz::{read_npz, write_npz};
use torchscript::{Archive, Module, Value};

#[derive(Debug, Parser)]
#[command(
    name = "torchscript",
    version,
    about = "Run TorchScript archives in pure Rust"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Resource limits for untrusted archives (defaults: `torchscript::Limits::default()`).
#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// Check every record's CRC-32 before using the archive.
    #[arg(long, global = true)]
    verify: bool,
    /// Total bytes the archive's compressed records may inflate to.
    #[arg(long, global = true)]
    max_inflated_bytes: Option<u64>,
    /// Largest data.pkl / constants.pkl, in bytes.
    #[arg(long, global = true)]
    max_pickle_bytes: Option<u64>,
    /// Deepest nesting inside a pickle.
    #[arg(long, global = true)]
    max_pickle_depth: Option<u32>,
    /// Largest code/*.py file, in bytes.
    #[arg(long, global = true)]
    max_code_bytes: Option<u64>,
    /// Deepest nesting of TorchScript calls.
    #[arg(long, global = true)]
    max_call_depth: Option<usize>,
    /// Largest single tensor an operator may allocate, in bytes.
    #[arg(long, global = true)]
    max_tensor_bytes: Option<usize>,
    /// Total bytes the tensor allocations of one call may add up to.
    #[arg(long, global = true)]
    max_call_bytes: Option<usize>,
    /// Most items of one list, dict or string.
    #[arg(long, global = true)]
    max_container_len: Option<usize>,
    /// Most statements one call may execute.
    #[arg(long, global = true)]
    max_steps: Option<u64>,
    /// Wall-clock limit of one call, in milliseconds.
    #[arg(long, global = true)]
    timeout_ms: Option<u64>,
}

impl LimitArgs {
    fn limits(&self) -> torchscript::Limits {
        let mut l = torchscript::Limits::default();
        let set = |slot: &mut u64, v: Option<u64>| *slot = v.unwrap_or(*slot);
        set(&mut l.max_inflated_bytes, self.max_inflated_bytes);
        set(&mut l.max_pickle_bytes, self.max_pickle_bytes);
        set(&mut l.max_code_bytes, self.max_code_bytes);
        l.max_pickle_depth = self.max_pickle_depth.unwrap_or(l.max_pickle_depth);
        l.max_call_depth = self.max_call_depth.unwrap_or(l.max_call_depth);
        l.max_tensor_bytes = self.max_tensor_bytes.unwrap_or(l.max_tensor_bytes);
        l.max_call_bytes = self.max_call_bytes.unwrap_or(l.max_call_bytes);
        l.max_container_len = self.max_container_len.unwrap_or(l.max_container_len);
        l
    }

    fn budget(&self) -> torchscript::Budget {
        torchscript::Budget {
            max_steps: self.max_steps,
            deadline: self
                .timeout_ms
                .map(|ms| Instant::now() + std::time::Duration::from_millis(ms)),
            cancel: None,
        }
    }

    fn open(&self, model: &Path) -> Result<Archive, String> {
        let archive = Archive::open(model).map_err(error)?;
        self.limits().check_archive(&archive).map_err(error)?;
        if self.verify {
            archive.verify().map_err(error)?;
        }
        Ok(archive)
    }

    fn load(&self, model: &Path) -> Result<Module, String> {
        Module::from_archive_with_limits(self.open(model)?, self.limits()).map_err(error)
    }
}

/// Writes to stdout; a reader that went away (`| head -1`) ends the program quietly.
fn emit(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(format!("cannot write to stdout: {e}")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// Each call is a job on a pool of workers.
    Task,
    /// Long-lived workers, each with its own instance of the module.
    Actor,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print an archive's version, records, module tree, methods, tensors and constants.
    Inspect {
        /// The archive written by `torch.jit.save`.
        model: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Print every code file as the printer reproduces it from the parsed AST.
        #[arg(long)]
        code: bool,
    },
    /// Run a method on inputs from an .npz file (`arg0`, `arg1`, ...) and write `out0`, ...
    Run {
        model: PathBuf,
        #[arg(long)]
        inputs: PathBuf,
        #[arg(long)]
        output: PathBuf,
        #[arg(long, default_value = "forward")]
        method: String,
        /// Threads one operator may use (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Time loading and calls of a method; prints one JSON object.
    Bench {
        model: PathBuf,
        #[arg(long)]
        inputs: PathBuf,
        #[arg(long, default_value = "forward")]
        method: String,
        #[arg(long, default_value_t = 20)]
        iters: usize,
        #[arg(long, default_value_t = 3)]
        warmup: usize,
        /// Threads one operator may use.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Run calls concurrently on a pool of workers.
        #[arg(long, value_enum)]
        mode: Option<Mode>,
        #[arg(long, default_value_t = 1)]
        workers: usize,
    },
}

fn error(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn load_inputs(module: &Module, method: &str, path: &Path) -> Result<Vec<Value>, String> {
    let arrays = positional_inputs(read_npz(path).map_err(error)?).map_err(error)?;
    let signature = module.method_signature(method).map_err(error)?;
    arrays
        .iter()
        .enumerate()
        .map(|(i, a)| {
            input_value(a, signature.params.get(i).and_then(|(_, t)| t.as_ref())).map_err(error)
        })
        .collect()
}

fn run(cli: Cli) -> Result<(), String> {
    let limit_args = cli.limits;
    match cli.command {
        Command::Inspect { model, json, code } => {
            let archive = limit_args.open(&model)?;
            if code {
                for name in archive.code_files() {
                    let text = archive.read_text(name).map_err(error)?;
                    let file =
                        torchscript_interpreter::syntax::parse_file(name, &text).map_err(error)?;
                    emit(&format!(
                        "# {name}\n{}",
                        torchscript_interpreter::syntax::print_file(&file)
                    ))?;
                }
                return Ok(());
            }
            let report = inspect(&archive).map_err(error)?;
            if json {
                emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&report.to_json()).map_err(error)?
                ))?;
            } else {
                emit(&report.to_text())?;
            }
            Ok(())
        }
        Command::Run {
            model,
            inputs,
            output,
            method,
            threads,
        } => {
            if let Some(t) = threads {
                torchscript_ops::parallel::set_intra_op_threads(t);
            }
            let module = limit_args.load(&model)?;
            let args = load_inputs(&module, &method, &inputs)?;
            let result = module
                .run_method_with_budget(&method, args, limit_args.budget())
                .map_err(error)?;
            let mut arrays = Vec::new();
            flatten_outputs(&result, &mut arrays).map_err(error)?;
            let named: Vec<_> = arrays
                .into_iter()
                .enumerate()
                .map(|(i, a)| (format!("out{i}"), a))
                .collect();
            write_npz(&output, &named).map_err(error)
        }
        Command::Bench {
            model,
            inputs,
            method,
            iters,
            warmup,
            threads,
            mode,
            workers,
        } => {
            torchscript_ops::parallel::set_intra_op_threads(threads);
            let start = Instant::now();
            let module = Arc::new(limit_args.load(&model)?);
            let load_ms = start.elapsed().as_secs_f64() * 1e3;
            let args = load_inputs(&module, &method, &inputs)?;
            let report = match mode {
                None => torchscript::bench::sequential(&module, &method, &args, iters, warmup)
                    .map_err(error)?,
                Some(Mode::Task) => {
                    torchscript::bench::task_pool(&module, &method, &args, iters, warmup, workers)
                        .map_err(error)?
                }
                Some(Mode::Actor) => {
                    torchscript::bench::actor_pool(&module, &method, &args, iters, warmup, workers)
                        .map_err(error)?
                }
            };
            let mut json = report.to_json();
            json["load_ms"] = serde_json::json!(load_ms);
            json["threads"] = serde_json::json!(threads);
            json["copied_weight_bytes"] = serde_json::json!(module.copied_weight_bytes());
            json["mapped_weight_bytes"] = serde_json::json!(module.mapped_weight_bytes());
            emit(&format!("{json}\n"))
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let line = message.replace('\n', " | ");
            eprintln!(
                "error: {}",
                torchscript_interpreter::error::escape_controls(&line)
            );
            ExitCode::FAILURE
        }
    }
}
