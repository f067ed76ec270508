//! The aten operators of PyTorch 2.15 that no call can run here, grouped by why: a golden list that changes only on purpose.
//!
//! An overload runs when an interpreter builtin or a registered kernel takes it, or, for an
//! `out=` overload, when its functional twin does (as a call site decides, `bind::make_site`).
//! An operator is listed when none of its overloads runs, each under the first reason whose
//! rule matches its name; the last group, "not implemented yet", is the work left. Regenerate
//! after adding operators with `UPDATE_GOLDEN=1 cargo test -p torchscript-interpreter --test
//! op_coverage` and review the diff.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use torchscript_interpreter::builtins::op_builtin;
use torchscript_interpreter::out_variants::functional_index;
use torchscript_ops::schema::{torch_schemas, Schema};
use torchscript_ops::Registry;

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

/// Whether a call site could run `schema` (one of `site`'s overloads).
fn runs(schema: &Schema, site: &[Arc<Schema>], registry: &Registry) -> bool {
    let direct = |s: &Schema| op_builtin(s).is_some() || registry.get(&s.full_name()).is_some();
    if direct(schema) {
        return true;
    }
    schema.is_out_variant()
        && functional_index(schema, site)
            .and_then(|i| site.get(i))
            .is_some_and(|f| direct(f))
}

fn report() -> String {
    let table = torch_schemas();
    let registry = Registry::with_all_ops();
    let mut names: Vec<&str> = table.names().filter(|n| n.starts_with("aten::")).collect();
    names.sort_unstable();
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut partial = 0usize;
    let mut covered = 0usize;
    for name in &names {
        let site = table.overloads(name);
        let running = site.iter().filter(|s| runs(s, site, &registry)).count();
        if running > 0 {
            covered += 1;
            if running < site.len() {
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
