//! Fuzzes the restricted unpickler on arbitrary opcode streams.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = torchscript::unpickle(data, "fuzz.pkl", None);
});
