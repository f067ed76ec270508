//! The `torchscript` command line: inspect, run and bench TorchScript archives.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use torchscript::inspect::inspect;
use torchscript::Archive;

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

#[derive(Debug, Subcommand)]
enum Command {
    /// Print an archive's version, records, module tree, methods, tensors and constants.
    Inspect {
        /// The archive written by `torch.jit.save`.
        model: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a method on inputs from an .npz file (not implemented yet).
    Run {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Benchmark a method (not implemented yet).
    Bench {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Inspect { model, json } => {
            let archive = Archive::open(&model).map_err(|e| e.to_string())?;
            let report = inspect(&archive).map_err(|e| e.to_string())?;
            if json {
                let text =
                    serde_json::to_string_pretty(&report.to_json()).map_err(|e| e.to_string())?;
                println!("{text}");
            } else {
                print!("{}", report.to_text());
            }
            Ok(())
        }
        Command::Run { .. } => Err("`run` is not implemented yet".to_string()),
        Command::Bench { .. } => Err("`bench` is not implemented yet".to_string()),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {}", message.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
