//! `torchscript bench --profile-ops`: every operator kernel of the calls timed, as JSON.

use std::path::Path;
use std::process::Command;

#[test]
fn profile_ops_lists_the_model_operators_with_their_time() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cases/resnet_basic_traced");
    let out = Command::new(env!("CARGO_BIN_EXE_torchscript"))
        .args([
            "bench",
            "--profile-ops",
            "--iters",
            "3",
            "--warmup",
            "1",
            "--quiet",
        ])
        .arg(case.join("model.pt"))
        .arg("--inputs")
        .arg(case.join("inputs.npz"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["calls"], 3);
    let ops = json["ops"].as_array().unwrap();
    let names: Vec<&str> = ops.iter().map(|o| o["op"].as_str().unwrap()).collect();
    // A ResNet block: convolutions (traced as `_convolution`), batch norm, relu, add.
    assert!(names.iter().any(|n| n.contains("convolution")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("relu")), "{names:?}");
    let mut shares = 0.0;
    let mut last_ms = f64::INFINITY;
    for op in ops {
        let ms = op["ms_per_call"].as_f64().unwrap();
        assert!(ms >= 0.0 && ms <= last_ms, "sorted by time: {ops:?}");
        last_ms = ms;
        assert!(op["calls_per_call"].as_f64().unwrap() >= 1.0);
        shares += op["share"].as_f64().unwrap();
    }
    shares += json["outside_kernels_share"].as_f64().unwrap();
    // Kernel time and the time outside kernels make up the calls' time.
    assert!(
        (shares - 1.0).abs() < 1e-6 || shares < 1.0 + 1e-6,
        "{shares}"
    );
    assert!(json["ms_per_call"].as_f64().unwrap() > 0.0);
}

#[test]
fn profile_ops_refuses_a_pool_mode() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cases/resnet_basic_traced");
    let out = Command::new(env!("CARGO_BIN_EXE_torchscript"))
        .args(["bench", "--profile-ops", "--mode", "task"])
        .arg(case.join("model.pt"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--mode"));
}
