//! Hostile archives: unreadable code files, zip bombs, shared compressed streams, huge
//! pickles, bad CRCs (`Archive::verify`). Each gives a clean, honest error.

mod hostile_support;

use hostile_support::{case_entries, deflated, zip, zip_with, zip_with_aliases, Entry};
use torchscript::{Archive, Error, Limits, Module};

fn load(bytes: Vec<u8>) -> Result<Module, Error> {
    Module::from_archive_with_limits(Archive::from_bytes(bytes)?, Limits::default())
}

fn run(bytes: Vec<u8>) -> String {
    let module = match load(bytes) {
        Ok(m) => m,
        Err(e) => return e.to_string(),
    };
    let x = torchscript::Tensor::from_vec(vec![0f32; 18], &[3, 6]).unwrap();
    match module.run_method(
        "forward",
        vec![torchscript::Value::Tensor(x), torchscript::Value::Int(2)],
    ) {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_code_file_failing_its_crc_is_reported_as_such() {
    let entries = case_entries("control_flow_scripted");
    let bytes = zip_with(&entries, Some(("code/__torch__.py", 0x1234_5678)));
    let message = run(bytes);
    assert!(message.contains("unreadable code file"), "{message}");
    assert!(message.contains("crc32"), "{message}");
    assert!(!message.contains("is not defined"), "{message}");
}

#[test]
fn a_code_file_that_is_not_utf8_is_reported_as_such() {
    let mut entries = case_entries("control_flow_scripted");
    for e in &mut entries {
        if e.name == "code/__torch__.py" {
            e.data.extend_from_slice(&[0xff, 0xfe, 0x1b]);
        }
    }
    let message = run(zip(&entries));
    assert!(message.contains("not UTF-8"), "{message}");
}

#[test]
fn control_bytes_from_the_archive_are_escaped_in_messages() {
    let mut entries = case_entries("control_flow_scripted");
    for e in &mut entries {
        if e.name == "code/__torch__.py" {
            let text = String::from_utf8(e.data.clone()).unwrap();
            e.data = text
                .replacen(
                    "outs = annotate",
                    "outs = torch.undefined_op\u{1b}[2J(x)\n    outs = annotate",
                    1,
                )
                .into_bytes();
        }
    }
    let message = run(zip(&entries));
    assert!(!message.contains('\u{1b}'), "{message:?}");
}

#[test]
fn a_huge_pickle_is_rejected_before_inflating() {
    let mut entries = case_entries("control_flow_scripted");
    for e in &mut entries {
        if e.name == "data.pkl" {
            // 40 MiB of opcodes (NONE + POP) compress to a few dozen KiB.
            e.data = b"N0".repeat(20 << 20);
            e.deflate = true;
        }
    }
    let bytes = zip(&entries);
    let limits = Limits {
        max_pickle_bytes: 16 << 20,
        ..Limits::default()
    };
    let message = Module::from_archive_with_limits(Archive::from_bytes(bytes).unwrap(), limits)
        .unwrap_err()
        .to_string();
    // The size the directory declares is refused (by inflating, it would be a pickle error).
    assert!(
        message.contains("data.pkl")
            && message.contains(&format!("inflates to {} bytes", 40 << 20))
            && message.contains("limit"),
        "{message}"
    );
}

#[test]
fn code_files_inflating_past_the_archive_budget_are_rejected() {
    let mut entries = case_entries("control_flow_scripted");
    let blank = vec![b'\n'; 16 << 20];
    for i in 0..5 {
        entries.push(Entry {
            name: format!("code/__torch__/bomb{i}.py"),
            data: blank.clone(),
            deflate: true,
        });
    }
    let limits = Limits {
        max_inflated_bytes: 64 << 20,
        ..Limits::default()
    };
    let archive = Archive::from_bytes(zip(&entries)).unwrap();
    let message = Module::from_archive_with_limits(archive, limits)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("together") && message.contains("limit"),
        "{message}"
    );
}

#[test]
fn entries_sharing_one_compressed_stream_are_bounded() {
    // A well-formed model plus one code file whose 32 MiB of blank lines deflate to a few
    // dozen KiB, and 64 more directory entries that all point at that one local header and
    // stream: 2 GiB to inflate from a file of well under 1 MiB.
    let mut entries = case_entries("control_flow_scripted");
    entries.push(deflated("code/__torch__/shared.py", &vec![b'\n'; 32 << 20]));
    let aliases: Vec<String> = (0..64)
        .map(|i| format!("code/__torch__/shared{i}.py"))
        .collect();
    let bytes = zip_with_aliases(&entries, "code/__torch__/shared.py", &aliases);
    assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
    let archive = Archive::from_bytes(bytes.clone()).expect("the directory itself is readable");
    assert_eq!(
        archive
            .records()
            .iter()
            .filter(|r| r.name.starts_with("code/__torch__/shared"))
            .count(),
        65,
        "every alias is a record of its own"
    );
    let message = Limits::default()
        .check_archive(&archive)
        .unwrap_err()
        .to_string();
    assert!(message.contains("together"), "{message}");
    // The default load refuses it from the directory, before inflating anything.
    let message = load(bytes).unwrap_err().to_string();
    assert!(
        message.contains("together") && message.contains("limit"),
        "{message}"
    );
}

#[test]
fn verify_checks_stored_records_while_loading_stays_lazy() {
    let mut entries = case_entries("control_flow_scripted");
    let good = zip(&entries);
    Archive::from_bytes(good)
        .unwrap()
        .verify()
        .expect("a clean archive verifies");
    for e in &mut entries {
        if e.name == "data/0" {
            e.data[0] ^= 0x40;
        }
    }
    let tampered: Vec<Entry> = entries;
    let original = case_entries("control_flow_scripted");
    let crc = crc32fast::hash(&original.iter().find(|e| e.name == "data/0").unwrap().data);
    let bytes = zip_with(&tampered, Some(("data/0", crc)));
    assert!(
        load(bytes.clone()).is_ok(),
        "the default load does not read weights"
    );
    let message = Archive::from_bytes(bytes)
        .unwrap()
        .verify()
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("data/0") && message.contains("checksum"),
        "{message}"
    );
}
