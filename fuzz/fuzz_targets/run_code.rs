//! Fuzzes the evaluator: the fuzzed text is a code file whose `f(x, n)` runs on a small tensor.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use torchscript_interpreter::{Interpreter, Value};
use torchscript_ops::Tensor;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let program = common::one_file_program(text);
    let Ok(Some(f)) = program.function("__torch__.f") else {
        return;
    };
    let Ok(x) = Tensor::from_vec((0..12).map(|i| i as f32 - 5.5).collect(), &[3, 4]) else {
        return;
    };
    let limits = common::limits();
    let mut interp = Interpreter::with_limits(&program, limits.run_limits(), common::budget());
    let _ = interp.call_function(&f, vec![Value::Tensor(x), Value::Int(3)], vec![]);
});
