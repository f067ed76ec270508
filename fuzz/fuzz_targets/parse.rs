//! Fuzzes the lexer and parser, and checks that whatever parses prints and parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use torchscript_interpreter::syntax::{parse_file, print_file};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(file) = parse_file("code/__torch__.py", text) {
        let printed = print_file(&file);
        assert!(
            parse_file("code/__torch__.py", &printed).is_ok(),
            "printed source does not parse again:\n{printed}"
        );
    }
});
