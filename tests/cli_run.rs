//! `torchscript run` as a user runs it: the summary of the outputs, and runs without an inputs file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/cases")
        .join(name)
}

fn torchscript(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_torchscript"))
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "torchscript {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn case_json(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(case(name).join("case.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The outputs PyTorch recorded for the case: (dtype, shape) in flattening order.
fn expected_outputs(name: &str) -> Vec<(String, Vec<u64>)> {
    let json = case_json(name);
    let dtypes = json["output_dtypes"].as_array().unwrap();
    let shapes = json["output_shapes"].as_array().unwrap();
    dtypes
        .iter()
        .zip(shapes)
        .map(|(d, s)| {
            let shape = s
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            (d.as_str().unwrap().to_string(), shape)
        })
        .collect()
}

#[test]
fn json_summary_names_every_output_with_pytorchs_dtype_and_shape() {
    for name in [
        "dict_tuple_output_scripted",
        "bfloat16_mlp_traced",
        "resnet_basic_traced",
    ] {
        let dir = case(name);
        let out = torchscript(&[
            "run",
            path_str(&dir.join("model.pt")),
            "--inputs",
            path_str(&dir.join("inputs.npz")),
            "--json",
        ]);
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let got: Vec<(String, Vec<u64>)> = summary["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, o)| {
                assert_eq!(o["name"], format!("out{i}"));
                let shape = o["shape"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap())
                    .collect();
                (o["dtype"].as_str().unwrap().to_string(), shape)
            })
            .collect();
        assert_eq!(got, expected_outputs(name), "{name}");
        assert_eq!(summary["method"], "forward");
        assert!(summary["load_ms"].as_f64().unwrap() >= 0.0);
        assert!(summary["output_file"].is_null());
    }
}

#[test]
fn text_summary_goes_to_stderr_and_names_the_written_file() {
    let dir = case("mlp_traced");
    let written = std::env::temp_dir().join(format!("cli_run_summary_{}.npz", std::process::id()));
    let out = torchscript(&[
        "run",
        path_str(&dir.join("model.pt")),
        "--inputs",
        path_str(&dir.join("inputs.npz")),
        "--output",
        path_str(&written),
    ]);
    assert!(out.stdout.is_empty());
    let text = String::from_utf8(out.stderr).unwrap();
    let (dtype, shape) = expected_outputs("mlp_traced").remove(0);
    let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
    let line = format!("out0 {dtype} [{}] [", dims.join(", "));
    assert!(text.contains(&line), "{line:?} not in {text}");
    assert!(text.contains(" min ") && text.contains(" mean "), "{text}");
    assert!(
        text.contains(&format!("wrote {}", written.display())),
        "{text}"
    );
    // The file holds what PyTorch computed (the golden suite checks values; here: it exists).
    let arrays = torchscript::npz::read_npz(&written).unwrap();
    assert_eq!(arrays.len(), 1);
    std::fs::remove_file(&written).ok();

    let quiet = torchscript(&[
        "run",
        path_str(&dir.join("model.pt")),
        "--inputs",
        path_str(&dir.join("inputs.npz")),
        "--quiet",
    ]);
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
}

#[test]
fn run_without_inputs_fills_deterministically() {
    let name = "mlp_traced";
    let json = case_json(name);
    let shape: Vec<String> = json["input_shapes"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    let shape = shape.join("x");
    let model = case(name).join("model.pt");
    let run = |seed: &str| {
        let out = torchscript(&[
            "run",
            path_str(&model),
            "--shape",
            &shape,
            "--seed",
            seed,
            "--json",
        ]);
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        summary["outputs"].clone()
    };
    let first = run("0");
    assert_eq!(first, run("0"));
    assert_ne!(first, run("1"));
    let (dtype, out_shape) = expected_outputs(name).remove(0);
    assert_eq!(first[0]["dtype"], dtype);
    assert_eq!(first[0]["shape"], serde_json::json!(out_shape));

    // Two runs write identical files.
    let files: Vec<PathBuf> = (0..2)
        .map(|i| std::env::temp_dir().join(format!("cli_fill_{}_{i}.npz", std::process::id())))
        .collect();
    for f in &files {
        torchscript(&[
            "run",
            path_str(&model),
            "--shape",
            &shape,
            "--output",
            path_str(f),
            "-q",
        ]);
    }
    assert_eq!(
        std::fs::read(&files[0]).unwrap(),
        std::fs::read(&files[1]).unwrap()
    );
    files.iter().for_each(|f| drop(std::fs::remove_file(f)));
}

#[test]
fn missing_shapes_are_an_error_naming_the_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_torchscript"))
        .args(["run", path_str(&case("mlp_traced").join("model.pt"))])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("--shape") && text.contains("1 argument"),
        "{text}"
    );
}
