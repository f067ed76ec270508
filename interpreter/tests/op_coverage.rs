//! The aten operators of PyTorch 2.15 that no call can run here, grouped by why: a golden list that changes only on purpose.
//!
//! An overload runs when the call site that `bind::make_site` builds gives it a handler: an
//! interpreter builtin, a registered kernel, or for an `out=` overload its functional twin.
//! An operator is listed when none of its overloads runs, each under the first reason whose
//! rule matches its name; the last group, "not implemented yet", is the work left. Regenerate
//! after adding operators with `UPDATE_GOLDEN=1 cargo test -p torchscript-interpreter --test
//! op_coverage` and review the diff.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use torchscript_interpreter::bind::make_site;
use torchscript_interpreter::ir::Handler;
use torchscript_interpreter::{Program, SourceProvider};
use torchscript_ops::schema::torch_schemas;

/// The format version torch 2.15 writes: no upgrader applies.
const FORMAT_VERSION: u64 = 10;

/// Whether an operator name (lowercased, without `aten::`) belongs to a family.
type Rule = fn(&str) -> bool;

/// Why a family of operators is not supported, and the rule that picks its members by name
/// (without the `aten::` prefix). The first matching rule wins.
const REASONS: &[(&str, Rule)] = &[
    ("autograd: the runtime computes no gradients", |n| {
        n.contains("backward") || n.contains("_grad") || n.starts_with("_autograd")
    }),
    (
        "backend-specific kernels (CUDA, cuDNN, MIOpen, oneDNN, MPS, Vulkan, XNNPACK, NNPACK)",
        |n| {
            [
                "cudnn", "miopen", "mkldnn", "mps", "vulkan", "xnnpack", "nnpack", "cufft", "cuda",
                "_cslt", "cudnn", "_efficient_attention", "_flash_attention", "_scaled_mm",
                "_use_cudnn", "fbgemm", "_triton", "_nnz",
            ]
            .iter()
            .any(|k| n.contains(k))
        },
    ),
    ("complex dtypes (no complex tensors): FFTs and complex views", |n| {
        n.contains("fft")
            || n.contains("complex")
            || n.contains("stft")
            || ["real", "imag", "conj", "angle", "polar", "_conj", "resolve_conj", "conj_physical"]
                .contains(&n)
    }),
    (
        "random sampling: PyTorch's generator streams are not reproduced, so no output could match",
        |n| {
            [
                "rand", "bernoulli", "multinomial", "normal", "poisson", "uniform", "exponential",
                "geometric", "cauchy", "log_normal", "random_", "_sample_dirichlet", "_standard_gamma",
                "binomial", "rrelu", "dropout", "_fused_dropout", "seed", "generator",
            ]
            .iter()
            .any(|k| n.contains(k))
        },
    ),
    ("sparse, nested and other non-strided layouts", |n| {
        n.contains("sparse")
            || n.contains("coalesce")
            || n.contains("nested")
            || n.contains("indices")
            || n.contains("_values")
            || n.contains("to_dense")
            || n.contains("mkldnn")
            || n.contains("to_padded")
    }),
    (
        "quantization-aware training and quantizer internals (quantized inference runs through quantized::)",
        |n| {
            // (`quantized_gru`, `quantized_max_pool2d`, ... are inference ops: not listed here.)
            (n.contains("quant") && !n.starts_with("quantized_"))
                || n.starts_with("q_")
                || n.contains("_per_channel")
                || n.contains("_per_tensor")
                || n.contains("observer")
        },
    ),
    ("training: optimizers, multi-tensor and fused training kernels, loss-scale bookkeeping", |n| {
        n.starts_with("_foreach")
            || n.starts_with("_fused")
            || n.contains("_amp_")
            || n.contains("adam")
            || n.contains("sgd")
    }),
    (
        "in-place resizing, in-place view changes and storage manipulation (a tensor value here has \
         one fixed shape, shared by every name that holds it)",
        |n| {
            n.contains("resize")
                || n.starts_with("set_")
                || n.contains("storage")
                || [
                    "t_", "transpose_", "squeeze_", "unsqueeze_", "swapaxes_", "swapdims_",
                    "as_strided_", "set", "shallow_copy_data_", "is_set_to",
                ]
                .contains(&n)
        },
    ),
    (
        "other internal (`_`-prefixed) operators: PyTorch's own lowering, tracing and test hooks",
        |n| n.starts_with('_'),
    ),
    ("not implemented yet", |_| true),
];

/// A program with no code: only its call sites are asked for.
struct NoSources;

impl SourceProvider for NoSources {
    fn module_source(&self, _module: &str) -> Option<(String, Arc<str>)> {
        None
    }
}

fn report() -> String {
    let table = torch_schemas();
    // The call site decides what runs each overload (`bind::make_site`): asking it keeps this
    // list on the interpreter's own rule rather than a copy of it.
    let program = Program::new(Box::new(NoSources), FORMAT_VERSION);
    let mut names: Vec<&str> = table.names().filter(|n| n.starts_with("aten::")).collect();
    names.sort_unstable();
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut partial = 0usize;
    let mut covered = 0usize;
    for name in &names {
        let site = make_site(&program, name);
        let running = site
            .handlers
            .iter()
            .filter(|h| !matches!(h, Handler::Missing))
            .count();
        if running > 0 {
            covered += 1;
            if running < site.handlers.len() {
                partial += 1;
            }
            continue;
        }
        let short = name.trim_start_matches("aten::");
        let lower = short.to_lowercase();
        let reason = REASONS
            .iter()
            .position(|(_, rule)| rule(&lower))
            .unwrap_or(REASONS.len() - 1);
        groups.entry(reason).or_default().push(short.to_string());
    }
    let mut text = format!(
        "# aten operators of PyTorch 2.15: {} in all, {covered} run here (of which {partial} not in \
         every overload), {} do not.\n# Regenerate: UPDATE_GOLDEN=1 cargo test -p \
         torchscript-interpreter --test op_coverage\n",
        names.len(),
        names.len() - covered
    );
    for (reason, ops) in &groups {
        let (why, _) = REASONS[*reason];
        text.push_str(&format!("\n## {why} ({})\n", ops.len()));
        for chunk in ops.chunks(8) {
            text.push_str(&chunk.join(" "));
            text.push('\n');
        }
    }
    text
}

#[test]
fn the_unsupported_aten_operators_are_the_listed_ones() {
    let actual = report();
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/op_coverage/unsupported_aten_ops.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, &actual).expect("golden file writable");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(
        expected,
        actual,
        "{} is out of date: an operator was added or removed; rerun with UPDATE_GOLDEN=1 and review",
        path.display()
    );
}
