//! Fuzzes the zip directory reader and record access (inflate, CRC) on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(archive) = torchscript::Archive::from_bytes(data.to_vec()) else {
        return;
    };
    let names: Vec<String> = archive.records().iter().map(|r| r.name.clone()).collect();
    for name in names.iter().take(64) {
        let _ = archive.read_record(name);
        let _ = archive.stored_record(name);
    }
    let _ = archive.verify();
    let _ = torchscript::inspect::inspect(&archive);
});
