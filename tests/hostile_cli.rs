//! The CLI on hostile models under a 4 GB address-space limit, and on a closed stdout: it must
//! exit with one clear error line (or quietly), never abort, overflow its stack or panic.

mod hostile_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hostile_support::{case_path, model_with_forward};

fn write_temp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("torchscript-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `inputs.npz` of the control-flow case: a float32 3x6 tensor and an int.
fn inputs() -> PathBuf {
    case_path("control_flow_scripted").with_file_name("inputs.npz")
}

/// Runs the CLI under `prlimit --as=4 GiB` (when prlimit exists) and returns (status code,
/// stderr).
fn run_limited(model: &Path) -> (Option<i32>, String) {
    run_limited_with(model, &[])
}

/// [`run_limited`] with more CLI arguments (e.g. raised limits).
fn run_limited_with(model: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let exe = env!("CARGO_BIN_EXE_torchscript");
    let out = write_temp("out.npz", b"");
    let inputs = inputs();
    let args = [
        "run",
        model.to_str().unwrap(),
        "--inputs",
        inputs.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    let args: Vec<&str> = args.iter().chain(extra).copied().collect();
    let mut command = if Path::new("/usr/bin/prlimit").exists() {
        let mut c = Command::new("/usr/bin/prlimit");
        c.arg("--as=4294967296").arg(exe).args(&args);
        c
    } else {
        let mut c = Command::new(exe);
        c.args(&args);
        c
    };
    let output = command.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn allocation_and_depth_bombs_fail_cleanly_under_4_gb() {
    let cases = [
        ("zeros", "return torch.zeros([8589934592])"),
        ("full", "return torch.full([34359738368], 1.)"),
        ("arange", "return torch.arange(0, 1000000000000000000)"),
        (
            "matmul",
            "a = torch.ones([65536, 1])\nb = torch.ones([1, 65536])\nreturn torch.matmul(a, b)",
        ),
        (
            "expand",
            "return torch.clone(torch.expand(x, [1099511627776, 3, 6]))",
        ),
        ("repeat", "return torch.mul([x], 100000000)"),
        (
            "double_tensor",
            "t = x\nfor i in range(64):\n  t = torch.cat([t, t])\nreturn t",
        ),
        (
            "recursion",
            "return torch.relu(torch.relu(torch.relu(self.forward(x, n))))",
        ),
    ];
    for (name, body) in cases {
        let model = write_temp(&format!("{name}.pt"), &model_with_forward(body, ""));
        let (code, stderr) = run_limited(&model);
        assert_eq!(code, Some(1), "{name}: exit {code:?}, stderr {stderr}");
        assert!(stderr.starts_with("error: "), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

/// With the per-tensor and per-call limits raised past the 4 GB address space, the same bombs
/// reach the allocator itself: each refusal must still be one error of the call, never an
/// abort (every kernel output is allocated with `try_reserve`).
#[test]
fn allocator_refusals_fail_cleanly_when_the_limits_are_raised() {
    if !Path::new("/usr/bin/prlimit").exists() {
        eprintln!("skipped: no prlimit to cap the address space");
        return;
    }
    let raised = [
        "--max-tensor-bytes",
        "1099511627776000",
        "--max-call-bytes",
        "18446744073709551615",
        "--max-container-len",
        "4611686018427387904",
    ];
    let cases = [
        ("zeros", "return torch.zeros([8589934592])"),
        ("full", "return torch.full([34359738368], 1.)"),
        ("arange", "return torch.arange(0, 1000000000000000000)"),
        ("linspace", "return torch.linspace(0., 1., 4294967296)"),
        ("eye", "return torch.eye(65536, 65536)"),
        (
            "matmul",
            "a = torch.ones([65536, 1])\nb = torch.ones([1, 65536])\nreturn torch.matmul(a, b)",
        ),
        (
            "add_broadcast",
            "a = torch.ones([65536, 1])\nb = torch.ones([1, 65536])\nreturn torch.add(a, b)",
        ),
        (
            "expand",
            "return torch.clone(torch.expand(x, [1073741824, 3, 6]))",
        ),
        ("repeat", "return torch.repeat(x, [100000000, 1])"),
        (
            "double_tensor",
            "t = x\nfor i in range(64):\n  t = torch.cat([t, t])\nreturn t",
        ),
        (
            "list_repeat",
            "return torch.len(torch.mul([1], 1000000000000))",
        ),
        (
            "pad",
            "return torch.constant_pad_nd(x, [0, 100000, 0, 100000], 0.)",
        ),
    ];
    for (name, body) in cases {
        let model = write_temp(&format!("raised_{name}.pt"), &model_with_forward(body, ""));
        let (code, stderr) = run_limited_with(&model, &raised);
        assert_eq!(code, Some(1), "{name}: exit {code:?}, stderr {stderr}");
        assert!(stderr.starts_with("error: "), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(
            stderr.contains("memory") || stderr.contains("allocate"),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn inspect_into_a_closed_pipe_exits_quietly() {
    let exe = env!("CARGO_BIN_EXE_torchscript");
    let mut child = Command::new(exe)
        .arg("inspect")
        .arg(case_path("control_flow_scripted"))
        .arg("--code")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end at once, as `head` does once it has its line: every write of the
    // child then fails with a broken pipe.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn verify_flag_reports_a_bad_checksum() {
    let mut entries = hostile_support::case_entries("control_flow_scripted");
    let crc = crc32fast::hash(&entries.iter().find(|e| e.name == "data/0").unwrap().data);
    for e in &mut entries {
        if e.name == "data/0" {
            e.data[1] ^= 0x10;
        }
    }
    let model = write_temp(
        "tampered.pt",
        &hostile_support::zip_with(&entries, Some(("data/0", crc))),
    );
    let exe = env!("CARGO_BIN_EXE_torchscript");
    let plain = Command::new(exe)
        .arg("inspect")
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        plain.status.success(),
        "loading stays lazy without --verify"
    );
    let verified = Command::new(exe)
        .args(["inspect", "--verify"])
        .arg(&model)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&verified.stderr);
    assert_eq!(verified.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("checksum"), "{stderr}");
}
