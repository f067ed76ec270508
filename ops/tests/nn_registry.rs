//! Every neural-network kernel is registered under an overload name that PyTorch 2.15.0 has.

use torchscript_ops::Registry;

const SCHEMAS: &str = include_str!("../schemas/torch-2.15.0-operator-schemas.txt");

/// The overload names of the schema file (`aten::add.Tensor`, `aten::relu`).
fn schema_names() -> std::collections::HashSet<String> {
    SCHEMAS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('(').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn registered_names_exist_in_torch() {
    let mut reg = Registry::new();
    torchscript_ops::ops::nn::register(&mut reg);
    let known = schema_names();
    let unknown: Vec<&str> = reg
        .names()
        .into_iter()
        .filter(|n| !known.contains(*n))
        .collect();
    assert!(unknown.is_empty(), "not in the 2.15.0 schemas: {unknown:?}");
    assert!(reg.names().len() > 120, "{} kernels", reg.names().len());
}

#[test]
fn priority_one_overloads_are_registered() {
    let reg = Registry::with_all_ops();
    for name in [
        "aten::linear",
        "aten::addmm",
        "aten::matmul",
        "aten::mm",
        "aten::bmm",
        "aten::_convolution",
        "aten::conv2d",
        "aten::conv2d.padding",
        "aten::batch_norm",
        "aten::relu",
        "aten::relu_",
        "aten::hardtanh",
        "aten::hardtanh_",
        "aten::hardswish",
        "aten::hardsigmoid",
        "aten::silu",
        "aten::gelu",
        "aten::sigmoid",
        "aten::tanh",
        "aten::leaky_relu",
        "aten::elu",
        "aten::max_pool2d",
        "aten::avg_pool2d",
        "aten::adaptive_avg_pool2d",
        "aten::softmax.int",
        "aten::log_softmax.int",
        "aten::dropout",
        "aten::layer_norm",
        "aten::embedding",
        "aten::upsample_nearest2d.vec",
        "aten::upsample_bilinear2d.vec",
        "aten::constant_pad_nd",
        "aten::conv1d",
        "aten::conv_transpose2d.input",
        "aten::group_norm",
        "aten::lstm.input",
        "aten::gru.input",
        "aten::scaled_dot_product_attention",
        "aten::_native_multi_head_attention",
        "aten::_transformer_encoder_layer_fwd",
        "aten::einsum",
    ] {
        assert!(reg.contains(name), "{name} is not registered");
    }
}

#[test]
#[ignore]
fn print_registered_names() {
    let mut reg = Registry::new();
    torchscript_ops::ops::nn::register(&mut reg);
    println!("{}", reg.names().join(" "));
}
