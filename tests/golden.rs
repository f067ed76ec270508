//! Golden tests: every case in `models/cases/` run and compared with PyTorch's own outputs.
//!
//! Cases that cannot pass yet are listed in `tests/golden_expected_failures.txt` with the
//! reason; the test fails if a listed case passes (so the list shrinks as support grows) or
//! if an unlisted case fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use torchscript::io::{flatten_outputs, method_inputs};
use torchscript::npz::{read_npz, NpyArray, NpyDType};
use torchscript::{Module, Value};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cases")
}

fn expected_failures() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden_expected_failures.txt");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once(':')
                .map(|(n, r)| (n.trim().to_string(), r.trim().to_string()))
        })
        .collect()
}

fn values_f64(a: &NpyArray) -> Vec<f64> {
    let chunks = |n: usize| a.data.chunks_exact(n);
    match a.dtype {
        NpyDType::Bool | NpyDType::U8 => a.data.iter().map(|&b| b as f64).collect(),
        NpyDType::I8 => a.data.iter().map(|&b| b as i8 as f64).collect(),
        NpyDType::I16 => chunks(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]) as f64)
            .collect(),
        NpyDType::I32 => chunks(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
            .collect(),
        NpyDType::I64 => chunks(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as f64)
            .collect(),
        NpyDType::F16 => chunks(2)
            .map(|c| torchscript_ops::half::f16::from_le_bytes([c[0], c[1]]).to_f64())
            .collect(),
        NpyDType::F32 => chunks(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
            .collect(),
        NpyDType::F64 => chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect(),
    }
}

fn is_float(d: NpyDType) -> bool {
    matches!(d, NpyDType::F16 | NpyDType::F32 | NpyDType::F64)
}

/// Compares one output; `Err` says how it differs.
fn compare(
    name: &str,
    ours: &NpyArray,
    theirs: &NpyArray,
    atol: f64,
    rtol: f64,
) -> Result<(), String> {
    if ours.dtype != theirs.dtype {
        return Err(format!(
            "{name}: dtype {} but PyTorch gives {}",
            ours.dtype.name(),
            theirs.dtype.name()
        ));
    }
    if ours.shape != theirs.shape {
        return Err(format!(
            "{name}: shape {:?} but PyTorch gives {:?}",
            ours.shape, theirs.shape
        ));
    }
    let (a, b) = (values_f64(ours), values_f64(theirs));
    let exact = !is_float(theirs.dtype);
    let mut worst: Option<(usize, f64, f64)> = None;
    let mut bad = 0usize;
    for (i, (&x, &y)) in a.iter().zip(&b).enumerate() {
        let ok = if exact {
            x == y
        } else {
            (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= atol + rtol * y.abs()
        };
        if !ok {
            bad += 1;
            if worst.is_none_or(|(_, wx, wy)| (x - y).abs() > (wx - wy).abs()) {
                worst = Some((i, x, y));
            }
        }
    }
    match worst {
        None => Ok(()),
        Some((i, x, y)) => Err(format!(
            "{name}: {bad} of {} values differ; worst at flat index {i}: {x} vs PyTorch {y}",
            a.len()
        )),
    }
}

fn output_dtype_names(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Tensor(t) => out.push(t.dtype().name().to_string()),
        Value::Int(_) => out.push("int64".into()),
        Value::Float(_) => out.push("float64".into()),
        Value::Bool(_) => out.push("bool".into()),
        Value::List(l) => l.to_vec().iter().for_each(|i| output_dtype_names(i, out)),
        Value::Tuple(t) => t.items().iter().for_each(|i| output_dtype_names(i, out)),
        Value::Dict(d) => d
            .to_vec()
            .iter()
            .for_each(|(_, i)| output_dtype_names(i, out)),
        _ => {}
    }
}

/// Runs one case and compares it with PyTorch's outputs; with `derived_weights`, with derived
/// weight forms on. Returns the bytes of derived forms the call made.
fn run_case(dir: &Path, derived_weights: bool) -> Result<u64, String> {
    let case: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("case.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let method = case["method"].as_str().unwrap_or("forward");
    let atol = case["atol"].as_f64().unwrap_or(1e-4);
    let rtol = case["rtol"].as_f64().unwrap_or(1e-3);
    let module = Module::load(dir.join("model.pt")).map_err(|e| format!("load: {e}"))?;
    module.set_derived_weights(derived_weights);
    let signature = module.method_signature(method).map_err(|e| e.to_string())?;
    let inputs = method_inputs(
        read_npz(dir.join("inputs.npz")).map_err(|e| e.to_string())?,
        &signature.params,
    )
    .map_err(|e| e.to_string())?;
    let result = module
        .run_method(method, inputs)
        .map_err(|e| format!("run: {e}"))?;
    let mut ours = Vec::new();
    flatten_outputs(&result, &mut ours).map_err(|e| e.to_string())?;
    let theirs = read_npz(dir.join("outputs.npz")).map_err(|e| e.to_string())?;
    if ours.len() != theirs.len() {
        return Err(format!(
            "{} outputs but PyTorch gives {}",
            ours.len(),
            theirs.len()
        ));
    }
    if let Some(expected) = case["output_dtypes"].as_array() {
        let mut names = Vec::new();
        output_dtype_names(&result, &mut names);
        let expected: Vec<String> = expected
            .iter()
            .filter_map(|d| d.as_str().map(str::to_string))
            .collect();
        if names != expected {
            return Err(format!(
                "output dtypes {names:?} but PyTorch gives {expected:?}"
            ));
        }
    }
    for (i, (o, (name, t))) in ours.iter().zip(&theirs).enumerate() {
        let _ = i;
        compare(name, o, t, atol, rtol)?;
    }
    if module.copied_weight_bytes() != 0 && case["kind"].as_str() != Some("training") {
        // Copy-on-write is allowed (a model may write into its weights) but reported.
        eprintln!(
            "note: {} copied {} weight bytes",
            dir.display(),
            module.copied_weight_bytes()
        );
    }
    Ok(module.derived_weight_bytes())
}

#[test]
fn every_case_matches_pytorch() {
    let dir = cases_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        panic!("no fixtures at {}", dir.display());
    };
    let mut cases: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.json").exists())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", dir.display());
    let expected = expected_failures();
    let only = std::env::var("GOLDEN_ONLY").ok();
    let mut unexpected_failures = Vec::new();
    let mut unexpected_passes = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for case in &cases {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let outcome = std::panic::catch_unwind(|| run_case(case, false).map(|_| ()))
            .unwrap_or_else(|_| Err("PANIC".into()));
        match (outcome, expected.get(&name)) {
            (Ok(()), None) => passed += 1,
            (Ok(()), Some(_)) => {
                passed += 1;
                unexpected_passes.push(name);
            }
            (Err(e), Some(_)) => {
                failed += 1;
                eprintln!(
                    "expected failure {name}: {}",
                    e.lines().next().unwrap_or_default()
                );
            }
            (Err(e), None) => {
                failed += 1;
                unexpected_failures.push(format!("{name}: {e}"));
            }
        }
    }
    eprintln!(
        "golden cases: {passed} passed, {failed} failed ({} listed as expected failures)",
        expected.len()
    );
    assert!(
        unexpected_failures.is_empty(),
        "cases that do not match PyTorch:\n{}",
        unexpected_failures.join("\n")
    );
    assert!(unexpected_passes.is_empty(), "cases listed in tests/golden_expected_failures.txt now pass; remove them: {unexpected_passes:?}");
}

/// The cases whose time goes into products by float32 weights (transformers, ViT, GPT, MLPs):
/// they must match PyTorch at the same tolerances with derived weight forms on too.
const DERIVED_WEIGHT_CASES: [&str; 5] = ["transformer", "vit", "gpt", "mlp", "bert"];

#[test]
fn product_heavy_cases_match_pytorch_with_derived_weights_on() {
    let expected = expected_failures();
    let only = std::env::var("GOLDEN_ONLY").ok();
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(cases_dir())
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("case.json").exists())
                .filter_map(|p| Some((p.file_name()?.to_str()?.to_string(), p.clone())))
                .filter(|(name, _)| DERIVED_WEIGHT_CASES.iter().any(|c| name.contains(c)))
                .filter(|(name, _)| !expected.contains_key(name))
                .filter(|(name, _)| only.as_ref().is_none_or(|o| name.contains(o.as_str())))
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    let mut failures = Vec::new();
    let mut with_forms = 0;
    for (name, dir) in &cases {
        match run_case(dir, true) {
            Ok(bytes) => with_forms += usize::from(bytes > 0),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    eprintln!(
        "derived weights: {} cases, {with_forms} made forms, {} failed",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "with derived weights on:\n{}",
        failures.join("\n")
    );
    if only.is_none() {
        assert!(
            with_forms >= 5,
            "only {with_forms} of {} cases made derived forms: the products no longer use them",
            cases.len()
        );
    }
}
