//! Helpers shared by the runtime tests: golden cases as (module, inputs, PyTorch outputs).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use torchscript::io::{flatten_outputs, input_value, positional_inputs};
use torchscript::npz::{read_npz, NpyArray};
use torchscript::{Module, Value};

pub fn case_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/cases")
        .join(name)
}

pub fn data_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The case's positional inputs, typed by the method's signature.
pub fn case_inputs(module: &Module, dir: &Path, method: &str) -> Vec<Value> {
    inputs_from(module, &dir.join("inputs.npz"), method)
}

pub fn inputs_from(module: &Module, npz: &Path, method: &str) -> Vec<Value> {
    let arrays = positional_inputs(read_npz(npz).expect("inputs npz")).expect("positional");
    let signature = module.method_signature(method).expect("signature");
    arrays
        .iter()
        .enumerate()
        .map(|(i, a)| {
            input_value(a, signature.params.get(i).and_then(|(_, t)| t.as_ref())).expect("input")
        })
        .collect()
}

/// A result flattened to arrays (the CLI's output convention).
pub fn arrays(v: &Value) -> Vec<NpyArray> {
    let mut out = Vec::new();
    flatten_outputs(v, &mut out).expect("flatten");
    out
}

/// Bit equality of two flattened results (dtype, shape and every byte).
pub fn assert_bit_equal(a: &[NpyArray], b: &[NpyArray]) {
    assert_eq!(a.len(), b.len(), "number of outputs");
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.dtype, y.dtype);
        assert_eq!(x.shape, y.shape);
        assert!(x.data == y.data, "outputs differ bitwise");
    }
}

/// float32 outputs within the golden tolerance (atol 1e-4, rtol 1e-3) of PyTorch's.
pub fn assert_close_f32(ours: &[NpyArray], theirs: &[(String, NpyArray)]) {
    assert_eq!(ours.len(), theirs.len(), "number of outputs");
    for (o, (name, t)) in ours.iter().zip(theirs) {
        assert_eq!(o.shape, t.shape, "{name}: shape");
        let f = |a: &NpyArray| -> Vec<f32> {
            a.data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        };
        for (x, y) in f(o).iter().zip(f(t)) {
            assert!(
                (x - y).abs() <= 1e-4 + 1e-3 * y.abs(),
                "{name}: {x} vs PyTorch {y}"
            );
        }
    }
}

pub fn expected_outputs(npz: &Path) -> Vec<(String, NpyArray)> {
    read_npz(npz).expect("outputs npz")
}

/// `count` different inputs for a one-tensor method: the case's input scaled by 1 + i/8.
pub fn scaled_inputs(module: &Module, dir: &Path, count: usize) -> Vec<Vec<Value>> {
    let base = case_inputs(module, dir, "forward");
    let Some(Value::Tensor(t)) = base.first() else {
        panic!("the case's first input is not a tensor");
    };
    let values = t.to_vec::<f32>().expect("f32 input");
    (0..count)
        .map(|i| {
            let scale = 1.0 + i as f32 / 8.0;
            let scaled: Vec<f32> = values.iter().map(|v| v * scale).collect();
            vec![Value::Tensor(
                torchscript::Tensor::from_slice(&scaled, t.shape()).expect("tensor"),
            )]
        })
        .collect()
}

/// The stateful fixture (writes `self.w` in place and `self.count` each call).
pub fn stateful() -> (std::sync::Arc<Module>, Vec<Value>, Vec<(String, NpyArray)>) {
    let module = Module::load(data_path("stateful.pt")).expect("stateful.pt");
    let inputs = inputs_from(&module, &data_path("stateful_inputs.npz"), "forward");
    let outputs = expected_outputs(&data_path("stateful_outputs.npz"));
    (std::sync::Arc::new(module), inputs, outputs)
}

/// PyTorch's output named `name` among `outputs`.
pub fn named<'a>(outputs: &'a [(String, NpyArray)], name: &str) -> &'a NpyArray {
    &outputs
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no output {name}"))
        .1
}

/// One result (a single tensor) close to PyTorch's array `expected`.
pub fn assert_matches(result: &Value, expected: &NpyArray, what: &str) {
    assert_close_f32(&arrays(result), &[(what.to_string(), expected.clone())]);
}

/// Outputs of `inputs` run one after another on a one-thread executor.
pub fn sequential(module: &Module, inputs: &[Vec<Value>]) -> Vec<Vec<NpyArray>> {
    torchscript::runtime::Executor::new(1).unwrap().install(|| {
        inputs
            .iter()
            .map(|i| arrays(&module.forward(i.clone()).unwrap()))
            .collect()
    })
}
