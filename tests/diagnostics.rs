//! Golden tests of rendered errors on real archives: the traceback shows the archive code
//! (file, line, column, source line) and, from the archive's `debug_pkl` records, the model
//! author's Python file and line. Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test --test diagnostics` and review the diff.

use std::path::Path;

use torchscript::Module;
use torchscript_interpreter::Value;
use torchscript_ops::Tensor;

fn check_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/diagnostics")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("golden file writable");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing {}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    assert_eq!(
        expected,
        actual,
        "{} is out of date; rerun with UPDATE_GOLDEN=1 if intended",
        path.display()
    );
}

fn case(name: &str) -> Module {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/cases")
        .join(name)
        .join("model.pt");
    Module::load(path).expect("fixture loads")
}

#[test]
fn a_kernel_error_shows_the_archive_code_and_the_authors_python() {
    // The model's Linear takes 6 features; 5 make `aten::linear` fail inside linear.py.
    let module = case("control_flow_scripted");
    let x = Tensor::from_vec(vec![0.5f32; 15], &[3, 5]).expect("input tensor");
    let err = module
        .forward(vec![Value::Tensor(x), Value::Int(2)])
        .expect_err("a 5-feature input must fail");
    let text = format!("{err}\n");
    assert!(text.contains("Python source: File"), "{text}");
    check_golden("control_flow_bad_width", &text);
}

#[test]
fn a_bad_argument_type_names_the_overloads_and_the_authors_line() {
    // `n` is an int: a tensor there fails in `torch.lt(0, n)`.
    let module = case("control_flow_scripted");
    let x = Tensor::from_vec(vec![0.5f32; 18], &[3, 6]).expect("input tensor");
    let n = Tensor::from_vec(vec![0.5f32; 2], &[2]).expect("n tensor");
    let err = module
        .forward(vec![Value::Tensor(x), Value::Tensor(n)])
        .expect_err("a tensor for `n` must fail");
    check_golden("control_flow_tensor_for_int", &format!("{err}\n"));
}

/// The inputs of `out_variants_scripted` with `o` (written by `torch.add(a, b, alpha=2, out=o)`)
/// replaced.
fn out_variants_inputs(o: Tensor) -> Vec<Value> {
    let floats = || Tensor::from_vec(vec![0.5f32; 12], &[4, 3]).expect("float input");
    let ints = || Tensor::from_vec(vec![2i64; 12], &[4, 3]).expect("int input");
    vec![
        Value::Tensor(floats()),
        Value::Tensor(floats()),
        Value::Tensor(o),
        Value::Tensor(ints()),
        Value::Tensor(ints()),
    ]
}

#[test]
fn an_out_tensor_of_another_shape_is_an_error_naming_both_shapes() {
    // PyTorch would resize `o`; a tensor value here has one shape for every name holding it.
    let module = case("out_variants_scripted");
    let o = Tensor::from_vec(vec![0f32; 6], &[2, 3]).expect("out tensor");
    let err = module
        .forward(out_variants_inputs(o))
        .expect_err("a [2, 3] out tensor for a [4, 3] result must fail");
    check_golden("out_variant_shape", &format!("{err}\n"));
}

#[test]
fn a_float_result_into_an_integer_out_tensor_is_pytorchs_cast_error() {
    let module = case("out_variants_scripted");
    let o = Tensor::from_vec(vec![0i64; 12], &[4, 3]).expect("out tensor");
    let err = module
        .forward(out_variants_inputs(o))
        .expect_err("a float sum into a long out tensor must fail");
    let text = err.to_string();
    assert!(
        text.contains("result type Float can't be cast to the desired output type Long"),
        "{text}"
    );
}
