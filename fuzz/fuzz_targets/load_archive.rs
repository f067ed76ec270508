//! Fuzzes whole-archive loading (directory, pickles, tensors, code) and a call of `forward`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use torchscript::{Archive, Module, Tensor, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(archive) = Archive::from_bytes(data.to_vec()) else {
        return;
    };
    let Ok(module) = Module::from_archive_with_limits(archive, common::limits()) else {
        return;
    };
    let x = Tensor::from_vec(vec![0.5f32; 8], &[2, 4]).map(Value::Tensor);
    if let Ok(x) = x {
        let _ = module.run_method_with_budget("forward", vec![x], common::budget());
    }
});
