//! The `torchscript` command line: inspect, draw, run and bench TorchScript archives.

mod args;
mod failure;
mod fill;
mod graph;
mod limits;
mod op_table;
mod summary;

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{CommandFactory, Parser};
use torchscript::inspect::inspect;
use torchscript::io::flatten_outputs;
use torchscript::npz::write_npz;
use torchscript::Module;

use args::{Cli, Command, InputArgs, Mode, Shell};
use failure::{print_err, print_out, Failure};
use limits::LimitArgs;
use summary::RunSummary;

fn main() -> ExitCode {
    match dispatch(Cli::parse()) {
        Ok(()) | Err(Failure::ClosedPipe) => ExitCode::SUCCESS,
        Err(Failure::Message(message)) => {
            let line = message.replace('\n', " | ");
            print_err(&format!(
                "error: {}\n",
                torchscript_interpreter::error::escape_controls(&line)
            ));
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), Failure> {
    let limits = cli.limits;
    match cli.command {
        Command::Inspect {
            model,
            json,
            code,
            graph,
            method,
        } => inspect_command(&limits, &model, json, code, graph.as_deref(), &method),
        Command::Run {
            model,
            inputs,
            output,
            method,
            threads,
            derived_weights,
            json,
            quiet,
        } => {
            if let Some(t) = threads {
                torchscript_ops::parallel::set_intra_op_threads(t);
            }
            run_command(
                &limits,
                &model,
                &inputs,
                output.as_deref(),
                &method,
                derived_weights,
                json,
                quiet,
            )
        }
        Command::Bench {
            model,
            inputs,
            method,
            iters,
            warmup,
            threads,
            derived_weights,
            mode,
            workers,
            profile_ops,
            quiet,
        } => {
            let spinner = (!quiet && std::io::stderr().is_terminal()).then(|| {
                progress_spinner(&format!(
                    "{}: {warmup} warm-up + {iters} timed calls of {method}",
                    model.display()
                ))
            });
            let (module, loads) = timed_loads(&limits, &model)?;
            let module = Arc::new(module);
            module.set_derived_weights(derived_weights);
            let args = fill::method_inputs(&module, &method, &inputs)?;
            if profile_ops {
                let profile = torchscript::bench::profile_ops(
                    &module, &method, &args, iters, warmup, threads,
                )?;
                if let Some(bar) = spinner {
                    bar.finish_and_clear();
                }
                if !quiet {
                    op_table::print_op_profile(&profile);
                }
                let mut json = profile.to_json();
                json["threads"] = serde_json::json!(threads);
                json["derived_weight_bytes"] = serde_json::json!(module.derived_weight_bytes());
                return print_out(&format!("{json}\n"));
            }
            let options = torchscript::runtime::PoolOptions::new(workers).intra_op_threads(threads);
            let report = match mode {
                None => {
                    torchscript::bench::sequential(&module, &method, &args, iters, warmup, threads)?
                }
                Some(Mode::Task) => {
                    torchscript::bench::task_pool(&module, &method, &args, iters, warmup, options)?
                }
                Some(Mode::Actor) => {
                    torchscript::bench::actor_pool(&module, &method, &args, iters, warmup, options)?
                }
            };
            if let Some(bar) = spinner {
                bar.finish_and_clear();
            }
            let mut json = report.to_json();
            json["load_ms"] = serde_json::json!(loads.median_ms);
            json["first_load_ms"] = serde_json::json!(loads.first_ms);
            json["threads"] = serde_json::json!(threads);
            json["copied_weight_bytes"] = serde_json::json!(module.copied_weight_bytes());
            json["mapped_weight_bytes"] = serde_json::json!(module.mapped_weight_bytes());
            json["derived_weight_bytes"] = serde_json::json!(module.derived_weight_bytes());
            print_out(&format!("{json}\n"))
        }
        Command::Completions { shell } => {
            let mut command = Cli::command();
            let mut script = Vec::new();
            let shell = match shell {
                Shell::Bash => clap_complete::Shell::Bash,
                Shell::Zsh => clap_complete::Shell::Zsh,
                Shell::Fish => clap_complete::Shell::Fish,
                Shell::Elvish => clap_complete::Shell::Elvish,
                Shell::Powershell => clap_complete::Shell::PowerShell,
            };
            clap_complete::generate(shell, &mut command, "torchscript", &mut script);
            print_out(&String::from_utf8_lossy(&script))
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page)?;
            print_out(&String::from_utf8_lossy(&page))
        }
    }
}

/// A spinner on stderr with the elapsed time (the bench functions report no per-call progress).
fn progress_spinner(message: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn inspect_command(
    limits: &LimitArgs,
    model: &Path,
    json: bool,
    code: bool,
    graph: Option<&Path>,
    method: &str,
) -> Result<(), Failure> {
    let archive = limits.open(model)?;
    if let Some(target) = graph {
        let drawing = graph::draw(&archive, method)?;
        let is_dot = target
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("dot") || e.eq_ignore_ascii_case("gv"));
        let text = if is_dot {
            drawing.to_dot()
        } else {
            drawing.to_svg()
        };
        if target == Path::new("-") {
            return print_out(&text);
        }
        std::fs::write(target, text)
            .map_err(|e| Failure::msg(format!("cannot write {}: {e}", target.display())))?;
        print_err(&format!(
            "wrote {} ({} boxes, {} arrows)\n",
            target.display(),
            drawing.node_count(),
            drawing.edge_count()
        ));
        return Ok(());
    }
    if code {
        for name in archive.code_files() {
            let text = archive.read_text(name)?;
            let file = torchscript_interpreter::syntax::parse_file(name, &text)?;
            print_out(&format!(
                "# {name}\n{}",
                torchscript_interpreter::syntax::print_file(&file)
            ))?;
        }
        return Ok(());
    }
    let report = inspect(&archive)?;
    if json {
        print_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report.to_json())?
        ))
    } else {
        print_out(&report.to_text())
    }
}

/// Load times of one model in one process.
struct LoadTimes {
    /// The first load, which also pays what a process does once (building the operator
    /// registry, faulting in the code).
    first_ms: f64,
    /// The median of [`LOADS`] loads, the first included: the protocol the zoo benchmark
    /// applies to `torch.jit.load` (whose process imported torch before).
    median_ms: f64,
}

/// Loads timed by `bench`.
const LOADS: usize = 3;

/// Loads the model [`LOADS`] times (each module dropped before the next load); the last
/// module is kept.
fn timed_loads(limits: &LimitArgs, model: &Path) -> Result<(Module, LoadTimes), Failure> {
    let start = Instant::now();
    let mut module = limits.load(model)?;
    let first_ms = start.elapsed().as_secs_f64() * 1e3;
    let mut times = vec![first_ms];
    for _ in 1..LOADS {
        drop(module);
        let start = Instant::now();
        module = limits.load(model)?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let median_ms = times.get(LOADS / 2).copied().unwrap_or(first_ms);
    Ok((
        module,
        LoadTimes {
            first_ms,
            median_ms,
        },
    ))
}

#[allow(clippy::too_many_arguments)] // one per flag of `run`
fn run_command(
    limits: &LimitArgs,
    model: &Path,
    inputs: &InputArgs,
    output: Option<&Path>,
    method: &str,
    derived_weights: bool,
    json: bool,
    quiet: bool,
) -> Result<(), Failure> {
    let start = Instant::now();
    let module = limits.load(model)?;
    let load_ms = start.elapsed().as_secs_f64() * 1e3;
    module.set_derived_weights(derived_weights);
    let args = fill::method_inputs(&module, method, inputs)?;
    let start = Instant::now();
    let result = module.run_method_with_budget(method, args, limits.budget())?;
    let call_ms = start.elapsed().as_secs_f64() * 1e3;
    if let Some(path) = output {
        let mut arrays = Vec::new();
        flatten_outputs(&result, &mut arrays)?;
        let named: Vec<_> = arrays
            .into_iter()
            .enumerate()
            .map(|(i, a)| (format!("out{i}"), a))
            .collect();
        write_npz(path, &named)?;
    }
    if quiet {
        return Ok(());
    }
    let summary = RunSummary {
        model: model.display().to_string(),
        method: method.to_string(),
        outputs: summary::summarize_outputs(&result)?,
        load_ms,
        call_ms,
        written_to: output.map(|p| p.display().to_string()),
    };
    if json {
        print_out(&format!("{}\n", summary.to_json()))
    } else {
        print_err(&summary.to_text());
        Ok(())
    }
}
