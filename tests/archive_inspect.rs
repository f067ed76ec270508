//! The `torchscript inspect` command: text and JSON output, exit codes and error lines.

use std::path::PathBuf;
use std::process::Command;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn cli(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_torchscript"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn inspect_prints_the_module_tree_and_tensors() {
    let out = cli(&["inspect".as_ref(), data("tiny_mlp.pt").as_os_str()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "format version: 3",
        "top folder: tiny_mlp",
        "  root: __torch__.TinyMlp",
        "    fc1: __torch__.torch.nn.modules.linear.Linear",
        "    methods: forward",
        "  fc1.weight parameter float32 [8, 4] stride [4, 1] offset 0 storage data/0",
        "mapped weight bytes: 268",
        "copied weight bytes: 0",
        // fc1.weight [8, 4] and fc2.weight [3, 8] in float32: what derived forms could take
        "derived weight bytes: 0 (off; at most 224 with --derived-weights)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn inspect_json_has_the_same_content() {
    let out = cli(&[
        "inspect".as_ref(),
        data("views.pt").as_os_str(),
        "--json".as_ref(),
    ]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["top_folder"], "views");
    let tensors = json["tensors"].as_array().unwrap();
    let transposed = tensors.iter().find(|t| t["name"] == "transposed").unwrap();
    assert_eq!(transposed["kind"], "buffer");
    assert_eq!(transposed["stride"], serde_json::json!([1, 4]));
    // five views of storage data/0 (48 bytes) plus data/1 (0) and data/2 (4): counted once each
    assert_eq!(json["mapped_weight_bytes"], 52);
    assert_eq!(json["copied_weight_bytes"], 0);
}

#[test]
fn inspect_lists_constants_of_frozen_models() {
    let out = cli(&["inspect".as_ref(), data("frozen.pt").as_os_str()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("constants: 2"), "{text}");
    assert!(
        text.contains("CONSTANTS.c0 constant float32 [2, 3]"),
        "{text}"
    );
}

#[test]
fn failures_exit_non_zero_with_one_error_line() {
    let garbage =
        std::env::temp_dir().join(format!("torchscript-garbage-{}.pt", std::process::id()));
    std::fs::write(&garbage, b"definitely not a zip").unwrap();
    let cases: [Vec<std::ffi::OsString>; 3] = [
        vec!["inspect".into(), data("missing.pt").into_os_string()],
        vec!["inspect".into(), garbage.clone().into_os_string()],
        vec![
            "run".into(),
            data("tiny_mlp.pt").into_os_string(),
            "--inputs".into(),
            "missing.npz".into(),
            "--output".into(),
            "out.npz".into(),
        ],
    ];
    for args in cases {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let out = cli(&args);
        assert!(!out.status.success());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
    }
    std::fs::remove_file(garbage).unwrap();
}
