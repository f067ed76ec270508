//! The command line's arguments and subcommands (clap), shared by the parser, completions and man page.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "torchscript",
    version,
    about = "Run TorchScript archives in pure Rust"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub limits: crate::limits::LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Each call is a job on a pool of workers.
    Task,
    /// Long-lived workers, each with its own instance of the module.
    Actor,
}

/// Shells `torchscript completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

/// Where a method's inputs come from: an `.npz` file, or deterministic fills of given shapes.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// An .npz file with the inputs `arg0`, `arg1`, ... (positional arguments of the method).
    #[arg(long, conflicts_with = "shape")]
    pub inputs: Option<PathBuf>,
    /// Without --inputs: the shape of one tensor argument, e.g. 1x3x224x224 (repeat per
    /// argument, in order; `scalar` for a 0-d tensor). Inputs are filled deterministically.
    #[arg(long, value_name = "DIMS")]
    pub shape: Vec<String>,
    /// Without --inputs: the dtype of the filled tensors (float32, float64, float16, int64,
    /// int32, uint8, bool, ...). Floats are uniform in [-1, 1), integers in [0, 10).
    #[arg(long, default_value = "float32")]
    pub dtype: String,
    /// Without --inputs: the seed of the deterministic fill.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
        /// Draw the model as a graph into FILE.svg (rendered in pure Rust) or FILE.dot (Graphviz).
        #[arg(long, value_name = "FILE")]
        graph: Option<PathBuf>,
        /// With --graph: the method to draw.
        #[arg(long, default_value = "forward")]
        method: String,
    },
    /// Run a method and print a summary of its outputs on stderr (JSON on stdout with --json);
    /// with --output, write them (`out0`, `out1`, ...) to an .npz file.
    Run {
        model: PathBuf,
        #[command(flatten)]
        inputs: InputArgs,
        /// The .npz file to write the outputs to.
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long, default_value = "forward")]
        method: String,
        /// Threads one operator may use (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Let matrix products use derived weight forms: a float32 weight that a product reads
        /// transposed (nn.Linear's) is stored once more, as column panels of its transpose, on
        /// its first use, for products of 5 to 128 rows. Faster products, at the price of that
        /// memory in this process (reported as `derived_weight_bytes`); off, processes of one
        /// model share one copy of the weights.
        #[arg(long)]
        derived_weights: bool,
        /// Print the summary as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Print nothing (errors still go to stderr).
        #[arg(long, short, conflicts_with = "json")]
        quiet: bool,
    },
    /// Time loading and calls of a method; prints one JSON object (progress on stderr when a terminal).
    Bench {
        model: PathBuf,
        #[command(flatten)]
        inputs: InputArgs,
        #[arg(long, default_value = "forward")]
        method: String,
        #[arg(long, default_value_t = 20)]
        iters: usize,
        #[arg(long, default_value_t = 3)]
        warmup: usize,
        /// Threads each call's operators may use.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Let matrix products use derived weight forms: a float32 weight that a product reads
        /// transposed (nn.Linear's) is stored once more, as column panels of its transpose, on
        /// its first use, for products of 5 to 128 rows. Faster products, at the price of that
        /// memory in this process (reported as `derived_weight_bytes`); off, processes of one
        /// model share one copy of the weights.
        #[arg(long)]
        derived_weights: bool,
        /// Run calls concurrently on a pool of workers.
        #[arg(long, value_enum)]
        mode: Option<Mode>,
        #[arg(long, default_value_t = 1)]
        workers: usize,
        /// Instead of latencies, time every operator kernel of the calls (sequential calls only):
        /// JSON with each operator's calls and milliseconds per method call, most time first,
        /// and the time spent outside kernels; a table of the top operators on stderr.
        #[arg(long, conflicts_with = "mode")]
        profile_ops: bool,
        /// No progress bar, even on a terminal.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Print a shell completion script (e.g. `torchscript completions bash > /etc/bash_completion.d/torchscript`).
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff) of the command line.
    Man,
}
