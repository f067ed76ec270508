//! Shell completions, the man page, and a reader that closes the pipe early.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

fn torchscript() -> Command {
    Command::new(env!("CARGO_BIN_EXE_torchscript"))
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        let out = torchscript().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("torchscript") && text.contains("inspect"),
            "{shell}"
        );
    }
    let out = torchscript().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.contains(".TH torchscript") && page.contains("inspect"),
        "{page}"
    );
}

#[test]
fn closed_pipe_ends_quietly() {
    let model =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/cases/efficientnet_scripted/model.pt");
    // --code of EfficientNet prints ~110 kB, more than a pipe buffer (64 kB) holds.
    let mut child = torchscript()
        .args(["inspect", "--code", model.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("# code/"), "{first}");
    // The reader is dropped here: the binary's next writes hit a closed pipe.
    let out = child.wait_with_output().unwrap();
    let status = out.status;
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert!(
            status.success() || status.signal() == Some(13),
            "{status:?}"
        );
    }
    #[cfg(not(unix))]
    assert!(status.success(), "{status:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
