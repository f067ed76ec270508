//! Fuzzes the lexer and parser: whatever parses prints and parses again, and its outline
//! (method bodies deferred, as the runtime loads it) with the bodies parsed is the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use torchscript_interpreter::syntax::{
    parse_deferred_bodies, parse_file, parse_file_outline, print_file,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let whole = parse_file("code/__torch__.py", text);
    // The outline never panics, whatever the input.
    let outline = parse_file_outline("code/__torch__.py", text).and_then(|mut outline| {
        parse_deferred_bodies(&mut outline)?;
        Ok(outline)
    });
    if let Ok(file) = whole {
        let outline = outline
            .unwrap_or_else(|e| panic!("the outline fails where the whole parse does not: {e}"));
        assert!(
            outline.body == file.body,
            "the outline with its bodies differs from the whole parse"
        );
        let printed = print_file(&file);
        assert!(
            parse_file("code/__torch__.py", &printed).is_ok(),
            "printed source does not parse again:\n{printed}"
        );
    }
});
