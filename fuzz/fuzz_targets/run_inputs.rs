//! Fuzzes a real model's inputs: shapes, dtypes and values of `forward`'s tensor from bytes.
#![no_main]

mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use torchscript::{DType, Module, Tensor, Value};

/// A small golden case: a scripted model with control flow over a Linear layer.
const MODEL: &[u8] = include_bytes!("../../models/cases/control_flow_scripted/model.pt");

fn module() -> Option<&'static Module> {
    static MODULE: OnceLock<Option<Module>> = OnceLock::new();
    MODULE
        .get_or_init(|| Module::from_bytes(MODEL.to_vec()).ok())
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some(module) = module() else {
        return;
    };
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    // Shape: 0-4 dims of sizes 0-7 from the first byte and the next bytes; values from the rest.
    let ndim = usize::from(head % 5);
    let shape: Vec<usize> = rest.iter().take(ndim).map(|b| usize::from(b % 8)).collect();
    let values: Vec<f32> = rest
        .chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            f32::from_le_bytes(w)
        })
        .collect();
    let n: usize = shape.iter().product();
    let mut v = values;
    v.resize(n, 0.25);
    let Ok(x) = Tensor::from_vec(v, &shape) else {
        return;
    };
    let x = match head / 5 % 3 {
        0 => x,
        1 => x.to_dtype(DType::F64).unwrap_or(x),
        _ => x.to_dtype(DType::I64).unwrap_or(x),
    };
    let _ = module.run_method_with_budget("forward", vec![Value::Tensor(x)], common::budget());
});
