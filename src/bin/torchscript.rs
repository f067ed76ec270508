//! The `torchscript` command line: inspect, run and bench TorchScript archives.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use torchscript::inspect::inspect;
use torchscript::io::{flatten_outputs, method_inputs};
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
    let signature = module.method_signature(method).map_err(error)?;
    method_inputs(read_npz(path).map_err(error)?, &signature.params).map_err(error)
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Inspect { model, json, code } => {
            let archive = Archive::open(&model).map_err(error)?;
            if code {
                for name in archive.code_files() {
                    let text = archive.read_text(name).map_err(error)?;
                    let file =
                        torchscript_interpreter::syntax::parse_file(name, &text).map_err(error)?;
                    println!("# {name}");
                    print!("{}", torchscript_interpreter::syntax::print_file(&file));
                }
                return Ok(());
            }
            let report = inspect(&archive).map_err(error)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report.to_json()).map_err(error)?
                );
            } else {
                print!("{}", report.to_text());
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
            let module = Module::load(&model).map_err(error)?;
            let args = load_inputs(&module, &method, &inputs)?;
            let result = module.run_method(&method, args).map_err(error)?;
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
            let module = Arc::new(Module::load(&model).map_err(error)?);
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
            println!("{json}");
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {}", message.replace('\n', " | "));
            ExitCode::FAILURE
        }
    }
}
