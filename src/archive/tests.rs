//! Unit tests of the archive reader on zips written by the `zip` crate and patched by hand.

use std::io::Write;

use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use super::*;

const CODE: &[u8] = b"class A(Module):\n  def forward(self: A) -> int:\n    return 1\n";

fn write_zip(large_file: bool, folder: &str) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .large_file(large_file)
        .with_alignment(64);
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(large_file);
    let files: [(&str, &[u8], SimpleFileOptions); 5] = [
        ("data.pkl", b"\x80\x02N.", stored),
        ("code/__torch__.py", CODE, deflated),
        ("data/0", &[7u8; 40], stored),
        ("extra/meta.json", b"{}", stored),
        ("version", b"4\n", stored),
    ];
    for (name, content, options) in files {
        writer
            .start_file(format!("{folder}{name}"), options)
            .unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn check_reads(bytes: Vec<u8>) {
    let archive = Archive::from_bytes(bytes).unwrap();
    assert_eq!(archive.top_folder(), "m");
    assert_eq!(archive.version(), 4);
    assert_eq!(&*archive.read_record("code/__torch__.py").unwrap(), CODE);
    assert_eq!(archive.code_files(), ["code/__torch__.py"]);
    assert_eq!(archive.extra_files(), ["extra/meta.json"]);
    let range = archive.stored_record("data/0").unwrap();
    assert_eq!(range.offset % 64, 0);
    assert_eq!(range.slice(archive.as_slice()).unwrap(), &[7u8; 40][..]);
    assert!(matches!(
        archive.stored_record("code/__torch__.py"),
        Err(ArchiveError::CompressedTensorRecord { .. })
    ));
}

#[test]
fn reads_zips_written_by_the_zip_crate() {
    check_reads(write_zip(false, "m/"));
}

#[test]
fn reads_zip64_entries() {
    let bytes = write_zip(true, "m/");
    check_reads(bytes);
}

#[test]
fn local_header_sizes_are_ignored() {
    // data descriptors leave zero sizes in local headers: only the central directory counts
    let mut bytes = write_zip(false, "m/");
    let mut at = 0;
    while let Some(found) = bytes
        .get(at..)
        .and_then(|rest| rest.windows(4).position(|w| w == [0x50, 0x4b, 0x03, 0x04]))
    {
        let header = at + found;
        bytes[header + 14..header + 26].fill(0);
        at = header + 4;
    }
    check_reads(bytes);
}

#[test]
fn entries_outside_a_folder_are_refused() {
    assert!(matches!(
        Archive::from_bytes(write_zip(false, "")),
        Err(ArchiveError::NoTopFolder { .. })
    ));
}

#[test]
fn corrupt_deflate_data_is_detected() {
    let bytes = write_zip(false, "m/");
    let archive = Archive::from_bytes(bytes.clone()).unwrap();
    let entry = archive.entry("code/__torch__.py").unwrap();
    let mut corrupted = bytes;
    corrupted[entry.data_offset + 3] ^= 0x55;
    let archive = Archive::from_bytes(corrupted).unwrap();
    assert!(matches!(
        archive.read_record("code/__torch__.py"),
        Err(ArchiveError::BadCompressedData { .. })
    ));
}

#[test]
fn missing_version_is_named() {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .start_file("m/data.pkl", SimpleFileOptions::default())
        .unwrap();
    writer.write_all(b"\x80\x02N.").unwrap();
    let bytes = writer.finish().unwrap().into_inner();
    assert!(matches!(
        Archive::from_bytes(bytes),
        Err(ArchiveError::MissingRecord { name }) if name == "version"
    ));
}

#[test]
fn zip64_test_zip_really_uses_zip64_fields() {
    let bytes = write_zip(true, "m/");
    let central = bytes
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .unwrap();
    let has_zip64_extra = bytes[central..]
        .windows(4)
        .any(|w| w == [0x01, 0x00, 0x08, 0x00] || w == [0x01, 0x00, 0x10, 0x00]);
    let has_placeholder = bytes[central..].windows(4).any(|w| w == [0xFF; 4]);
    eprintln!("zip64 extra {has_zip64_extra}, placeholder {has_placeholder}");
    assert!(has_zip64_extra || has_placeholder);
}
