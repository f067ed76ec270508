//! Kernel arguments from model code that used to panic (overflowing shapes, zero points, paddings) now give a result or an error.

use torchscript_ops::{Arg, DType, Registry, Tensor};

fn quantized(values: Vec<f32>, shape: &[usize], scale: f64, zero_point: i64, code: i64) -> Arg {
    let reg = Registry::with_all_ops();
    let x = Tensor::from_vec(values, shape).unwrap();
    reg.call(
        "aten::quantize_per_tensor",
        &[
            Arg::Tensor(x),
            Arg::Float(scale),
            Arg::Int(zero_point),
            Arg::Int(code),
        ],
    )
    .unwrap()
}

fn conv_params(weight: Arg, padding: i64) -> Arg {
    Arg::Tuple(vec![
        weight,
        Arg::None,
        Arg::List(vec![Arg::Int(1), Arg::Int(1)]),
        Arg::List(vec![Arg::Int(padding), Arg::Int(padding)]),
        Arg::List(vec![Arg::Int(1), Arg::Int(1)]),
        Arg::Int(1),
    ])
}

#[test]
fn quantized_conv_with_a_huge_padding_is_an_error() {
    let reg = Registry::with_all_ops();
    let x = quantized(vec![1.0], &[1, 1, 1, 1], 1.0, 0, 13);
    let w = quantized(vec![1.0], &[1, 1, 1, 1], 1.0, 0, 12);
    for padding in [1i64 << 40, 1 << 62] {
        let r = reg.call(
            "quantized::conv2d.new",
            &[
                x.clone(),
                conv_params(w.clone(), padding),
                Arg::Float(1.0),
                Arg::Int(0),
            ],
        );
        assert!(r.is_err(), "padding {padding}");
    }
}

#[test]
fn quantized_conv_still_convolves() {
    let reg = Registry::with_all_ops();
    let x = quantized(
        (0..9).map(|v| v as f32).collect(),
        &[1, 1, 3, 3],
        1.0,
        0,
        13,
    );
    let w = quantized(vec![1.0; 4], &[1, 1, 2, 2], 1.0, 0, 12);
    let out = reg
        .call(
            "quantized::conv2d.new",
            &[x, conv_params(w, 1), Arg::Float(1.0), Arg::Int(0)],
        )
        .unwrap()
        .into_tensor()
        .unwrap();
    assert_eq!(out.shape(), &[1, 1, 4, 4]);
    let ints = out.to_vec::<i32>().unwrap();
    // Sums of 2x2 windows of 0..9 on a zero-padded 3x3 plane.
    assert_eq!(
        ints,
        vec![0, 1, 3, 2, 3, 8, 12, 7, 9, 20, 24, 13, 6, 13, 15, 8]
    );
}

#[test]
fn extreme_zero_points_do_not_overflow() {
    let reg = Registry::with_all_ops();
    // qint32 values far from a zero point at the end of the i64 range.
    for zp in [i64::MIN, i64::MAX] {
        let x = quantized(vec![1.0, -1.0], &[1, 2], 1e-30, zp, 14);
        let d = reg.call("aten::dequantize.self", std::slice::from_ref(&x));
        assert!(d.is_ok(), "dequantize with zero point {zp}: {d:?}");
        let w = quantized(vec![1.0, 1.0], &[1, 2], 1.0, 0, 12);
        let packed = Arg::Tuple(vec![w, Arg::None]);
        let r = reg.call(
            "quantized::linear",
            &[x, packed, Arg::Float(1.0), Arg::Int(zp)],
        );
        assert!(r.is_ok(), "linear with zero point {zp}: {r:?}");
    }
}

#[test]
fn quantized_per_channel_round_trip() {
    let reg = Registry::with_all_ops();
    let x = Tensor::from_vec(vec![0.5f32, 1.0, 1.5, 2.0, 2.5, 3.0], &[2, 3]).unwrap();
    let scales = Tensor::from_vec(vec![0.5f64, 0.25], &[2]).unwrap();
    let zps = Tensor::from_vec(vec![1i64, 2], &[2]).unwrap();
    let q = reg
        .call(
            "aten::quantize_per_channel",
            &[
                Arg::Tensor(x.clone()),
                Arg::Tensor(scales),
                Arg::Tensor(zps),
                Arg::Int(0),
                Arg::Int(13),
            ],
        )
        .unwrap();
    let d = reg
        .call("aten::dequantize.self", &[q])
        .unwrap()
        .into_tensor()
        .unwrap();
    assert_eq!(d.dtype(), DType::F32);
    assert_eq!(d.to_vec::<f32>().unwrap(), x.to_vec::<f32>().unwrap());
}

/// Runs `op` under small call limits: it must give a result or an error, never panic.
fn bounded(op: &str, args: &[Arg]) -> Result<Arg, torchscript_ops::OpError> {
    use torchscript_ops::alloc::{AllocLimits, CallScope};
    let _scope = CallScope::enter(AllocLimits {
        max_tensor_bytes: 1 << 30,
        max_call_bytes: 4 << 30,
    });
    Registry::with_all_ops().call(op, args)
}

fn huge_view(shape: &[i64]) -> Arg {
    let ones = vec![1usize; shape.len()];
    let t = Tensor::zeros(&ones, DType::F32).unwrap();
    Arg::Tensor(t.expand(shape).unwrap())
}

#[test]
fn basic_kernels_refuse_sizes_from_model_code() {
    let empty = Arg::Tensor(Tensor::zeros(&[0], DType::F32).unwrap());
    // chunk of an empty dim into 2^62 empty pieces.
    assert!(bounded(
        "aten::chunk",
        &[empty.clone(), Arg::Int(1 << 62), Arg::Int(0)]
    )
    .is_err());
    // one_hot whose largest class is i64::MAX.
    let top = Arg::Tensor(Tensor::from_vec(vec![i64::MAX], &[1]).unwrap());
    assert!(bounded("aten::one_hot", &[top, Arg::Int(-1)]).is_err());
    // vander of no rows with 2^50 columns.
    assert!(bounded(
        "aten::vander",
        &[empty, Arg::Int(1 << 50), Arg::Bool(false)]
    )
    .is_err());
    // One repeat count for each index of a 2^40 broadcast dimension.
    let r = bounded(
        "aten::repeat_interleave.self_int",
        &[huge_view(&[1 << 40]), Arg::Int(1), Arg::Int(0)],
    );
    assert!(r.is_err());
    // Index tensors that broadcast to 2^40 positions.
    let rows = Tensor::from_vec((0..1i64 << 20).collect::<Vec<_>>(), &[1 << 20, 1]).unwrap();
    let cols = Tensor::from_vec(vec![0i64; 1 << 20], &[1, 1 << 20]).unwrap();
    let r = bounded(
        "aten::index.Tensor",
        &[
            huge_view(&[1 << 20, 1]),
            Arg::List(vec![Arg::Tensor(rows), Arg::Tensor(cols)]),
        ],
    );
    assert!(r.is_err());
    // Empty blocks whose sides add up past usize.
    let block = Arg::Tensor(Tensor::zeros(&[1 << 62, 0], DType::F32).unwrap());
    let r = bounded("aten::block_diag", &[Arg::List(vec![block; 4])]);
    assert!(r.is_err());
}

/// A list nested `depth` levels deep around one int, built without recursion.
fn nested(depth: usize) -> Arg {
    let mut a = Arg::Int(1);
    for _ in 0..depth {
        a = Arg::List(vec![a]);
    }
    a
}

/// Drops a nested list level by level (the ordinary drop recurses once per level).
fn dismantle(mut a: Arg) {
    while let Arg::List(mut items) = a {
        a = items.pop().unwrap_or(Arg::None);
    }
}

#[test]
fn tensor_of_a_deeply_nested_list_is_an_error_not_a_stack_overflow() {
    // Model code builds this with one loop (`x = [x]`); `torch.tensor` of it recursed once per
    // level and overflowed the stack (an abort, not an error).
    let mut args = [nested(100_000), Arg::None, Arg::None, Arg::Bool(false)];
    let r = bounded("aten::tensor", &args);
    dismantle(std::mem::replace(&mut args[0], Arg::None));
    assert!(r.is_err());
    // A shallow nesting still builds its tensor.
    let args = [nested(5), Arg::None, Arg::None, Arg::Bool(false)];
    let Ok(Arg::Tensor(t)) = bounded("aten::tensor", &args) else {
        panic!("aten::tensor of a 5-deep list failed")
    };
    assert_eq!(t.shape(), [1, 1, 1, 1, 1]);
    assert_eq!(t.to_vec::<i64>().unwrap(), vec![1]);
}

#[test]
fn elementwise_broadcast_past_usize_is_an_error() {
    // [2^33, 1] + [1, 2^33] broadcasts to 2^66 elements: the walk's element count overflowed.
    let a = huge_view(&[1 << 33, 1]);
    let b = huge_view(&[1, 1 << 33]);
    assert!(bounded("aten::add.Tensor", &[a.clone(), b.clone(), Arg::Int(1)]).is_err());
    assert!(bounded("aten::mul.Tensor", &[a, b]).is_err());
}

#[test]
fn padding_a_huge_dim_beside_an_empty_one_gives_the_empty_result() {
    // [0, 1] padded to [0, 2^40 + 1]: no element, but the per-dim source table of the padded
    // dim was collected with 2^40 entries (an allocation abort).
    let empty = Arg::Tensor(Tensor::zeros(&[0, 1], DType::F32).unwrap());
    let pads = Arg::List(vec![Arg::Int(0), Arg::Int(1 << 40)]);
    let Ok(Arg::Tensor(t)) = bounded("aten::constant_pad_nd", &[empty, pads, Arg::Int(0)]) else {
        panic!("constant_pad_nd of an empty tensor failed")
    };
    assert_eq!(t.shape(), [0, (1 << 40) + 1]);
}

#[test]
fn einsum_of_broadcast_views_past_usize_is_an_error() {
    // 'ij,ij->ij' of [2^33, 1] and [1, 2^33] views: the batch group's size (2^66) overflowed.
    let a = huge_view(&[1 << 33, 1]);
    let b = huge_view(&[1, 1 << 33]);
    let eq = Arg::Str("ij,ij->ij".into());
    assert!(bounded("aten::einsum", &[eq, Arg::List(vec![a, b]), Arg::None]).is_err());
}

#[test]
fn nested_tensor_from_an_empty_mask_of_2_pow_40_rows_is_an_error() {
    // A [2^40, 0] mask has no element, but one row vector was allocated per row up front
    // (2^40 empty vectors: an allocation abort).
    let t = Arg::Tensor(Tensor::zeros(&[1 << 40, 0, 1], DType::F32).unwrap());
    let mask = Arg::Tensor(Tensor::zeros(&[1 << 40, 0], DType::Bool).unwrap());
    let r = bounded(
        "aten::_nested_tensor_from_mask",
        &[t, mask, Arg::Bool(true)],
    );
    assert!(r.is_err());
}

fn embedding_bag(
    indices: Tensor,
    per_sample_weights: Arg,
) -> Result<Arg, torchscript_ops::OpError> {
    let weight = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]).unwrap();
    let offsets = Tensor::from_vec(vec![0i64], &[1]).unwrap();
    bounded(
        "aten::embedding_bag",
        &[
            Arg::Tensor(weight),
            Arg::Tensor(indices),
            Arg::Tensor(offsets),
            Arg::Bool(false),
            Arg::Int(0),
            Arg::Bool(false),
            per_sample_weights,
            Arg::Bool(false),
        ],
    )
}

#[test]
fn embedding_bag_checks_per_sample_weights_and_bag_counts() {
    let indices = Tensor::from_vec(vec![0i64, 1, 2], &[3]).unwrap();
    // One weight for three indices: indexed past its end (a panic).
    let short = Arg::Tensor(Tensor::from_vec(vec![2.0f32], &[1]).unwrap());
    assert!(embedding_bag(indices.clone(), short).is_err());
    // One weight per index still weighs the sum: 2*[1,2] + 1*[3,4] + 0*[5,6].
    let psw = Arg::Tensor(Tensor::from_vec(vec![2.0f32, 1.0, 0.0], &[3]).unwrap());
    let Ok(Arg::Tuple(parts)) = embedding_bag(indices, psw) else {
        panic!("embedding_bag with per-sample weights failed")
    };
    let Some(Arg::Tensor(out)) = parts.first() else {
        panic!("embedding_bag returned no output tensor")
    };
    assert_eq!(out.to_vec::<f32>().unwrap(), vec![5.0, 8.0]);
    // 2^40 bags of no index: one start offset per bag was collected up front (an abort).
    let empty_bags = Tensor::zeros(&[1 << 40, 0], DType::I64).unwrap();
    assert!(embedding_bag(empty_bags, Arg::None).is_err());
}

#[test]
fn grid_sample_far_outside_reads_zero_instead_of_overflowing() {
    // A grid coordinate of 1e30 (or infinity) floors to i64::MAX; its right neighbour `+ 1`
    // overflowed (a panic in debug builds). Outside the input, with zeros padding, is zero.
    let input = Arg::Tensor(Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], &[1, 1, 2, 2]).unwrap());
    for far in [1e30f32, f32::INFINITY] {
        let grid = Arg::Tensor(Tensor::from_vec(vec![far, far], &[1, 1, 1, 2]).unwrap());
        for mode in [0, 2] {
            let r = bounded(
                "aten::grid_sampler_2d",
                &[
                    input.clone(),
                    grid.clone(),
                    Arg::Int(mode),
                    Arg::Int(0),
                    Arg::Bool(false),
                ],
            );
            let Ok(Arg::Tensor(out)) = r else {
                panic!("grid_sampler_2d mode {mode} at {far} failed")
            };
            assert_eq!(out.shape(), [1, 1, 1, 1]);
            if mode == 0 && far.is_finite() {
                assert_eq!(out.to_vec::<f32>().unwrap(), vec![0.0]);
            }
        }
    }
}

fn ints(v: &[i64]) -> Arg {
    Arg::List(v.iter().map(|&i| Arg::Int(i)).collect())
}

fn tensor(values: &[f32], shape: &[usize]) -> Arg {
    Arg::Tensor(Tensor::from_vec(values.to_vec(), shape).unwrap())
}

fn tensors(ts: &[Arg]) -> Arg {
    Arg::List(ts.to_vec())
}

#[test]
fn upsampling_to_an_overflowing_plane_is_an_error() {
    // `h.output * w.output` overflowed before the size check (a panic in debug builds).
    let x = tensor(&[1.0; 4], &[1, 1, 2, 2]);
    let r = bounded(
        "aten::upsample_nearest2d",
        &[x, ints(&[1 << 33, 1 << 33]), Arg::None, Arg::None],
    );
    assert!(r.is_err());
}

#[test]
fn upsampling_with_a_tiny_scale_beside_the_output_size_does_not_panic() {
    let x = tensor(
        &(0..16).map(|v| v as f32).collect::<Vec<_>>(),
        &[1, 1, 4, 4],
    );
    // Bicubic: a scale of 1e-300 puts the source at i64::MAX, whose `+ 2` tap overflowed.
    let r = bounded(
        "aten::upsample_bicubic2d",
        &[
            x.clone(),
            ints(&[4, 4]),
            Arg::Bool(false),
            Arg::Float(1e-300),
            Arg::Float(1e-300),
        ],
    );
    let Ok(Arg::Tensor(out)) = r else {
        panic!("upsample_bicubic2d with a tiny scale failed: {r:?}")
    };
    assert_eq!(out.shape(), [1, 1, 4, 4]);
    // Antialiased: a scale of 0.01 starts the filters of the last outputs past the input
    // (`&row[x0..]` panicked); they have no taps there and give zero.
    for op in [
        "aten::_upsample_bilinear2d_aa",
        "aten::_upsample_bicubic2d_aa",
    ] {
        let r = bounded(
            op,
            &[
                x.clone(),
                ints(&[4, 4]),
                Arg::Bool(false),
                Arg::Float(0.01),
                Arg::Float(0.01),
            ],
        );
        let Ok(Arg::Tensor(out)) = r else {
            panic!("{op} with a small scale failed: {r:?}")
        };
        assert_eq!(out.shape(), [1, 1, 4, 4]);
        assert!(out.to_vec::<f32>().unwrap().iter().all(|v| v.is_finite()));
    }
}

/// `(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)`.
fn rnn_input(
    op: &str,
    input: Arg,
    hx: Arg,
    params: &[Arg],
    layers: i64,
    bidir: bool,
) -> Result<Arg, torchscript_ops::OpError> {
    bounded(
        op,
        &[
            input,
            hx,
            tensors(params),
            Arg::Bool(params.len() > 2),
            Arg::Int(layers),
            Arg::Float(0.0),
            Arg::Bool(false),
            Arg::Bool(bidir),
            Arg::Bool(false),
        ],
    )
}

#[test]
fn lstm_of_hidden_size_zero_with_biases_does_not_panic() {
    // The bias rows of width 0 were copied with `chunks_mut(0)`, which panics.
    let x = tensor(&[1.0, 2.0, 3.0], &[1, 1, 3]);
    let state = Arg::Tensor(Tensor::zeros(&[1, 1, 0], DType::F32).unwrap());
    let params = [
        Arg::Tensor(Tensor::zeros(&[0, 3], DType::F32).unwrap()),
        Arg::Tensor(Tensor::zeros(&[0, 0], DType::F32).unwrap()),
        Arg::Tensor(Tensor::zeros(&[0], DType::F32).unwrap()),
        Arg::Tensor(Tensor::zeros(&[0], DType::F32).unwrap()),
    ];
    let r = rnn_input(
        "aten::lstm.input",
        x,
        tensors(&[state.clone(), state]),
        &params,
        1,
        false,
    );
    let Ok(Arg::Tuple(parts)) = r else {
        panic!("lstm of hidden size 0 failed: {r:?}")
    };
    let Some(Arg::Tensor(out)) = parts.first() else {
        panic!("lstm returned no output")
    };
    assert_eq!(out.shape(), [1, 1, 0]);
}

#[test]
fn gru_with_a_projection_is_an_error() {
    // A fifth parameter (an LSTM's w_hr) made a GRU read its hidden state past its end when
    // the hidden size exceeded the projection size.
    let x = tensor(&[1.0, 2.0], &[1, 1, 2]);
    let h0 = tensor(&[0.0], &[1, 1, 1]);
    let params = [
        tensor(&[0.1; 12], &[6, 2]),
        tensor(&[0.1; 6], &[6, 1]),
        tensor(&[0.0; 6], &[6]),
        tensor(&[0.0; 6], &[6]),
        tensor(&[0.1; 2], &[1, 2]),
    ];
    assert!(rnn_input("aten::gru.input", x, h0, &params, 1, false).is_err());
}

#[test]
fn recurrent_layer_counts_and_batch_sizes_that_overflow_are_errors() {
    let x = tensor(&[1.0], &[1, 1, 1]);
    let h0 = tensor(&[0.0], &[1, 1, 1]);
    let params = [tensor(&[0.1], &[1, 1]), tensor(&[0.1], &[1, 1])];
    // `num_layers * 2` overflowed.
    let r = rnn_input(
        "aten::rnn_tanh.input",
        x,
        h0.clone(),
        &params,
        i64::MAX,
        true,
    );
    assert!(r.is_err());
    // The sum of the packed batch sizes overflowed.
    let sizes = Arg::Tensor(Tensor::from_vec(vec![i64::MAX, i64::MAX], &[2]).unwrap());
    let r = bounded(
        "aten::rnn_tanh.data",
        &[
            tensor(&[1.0], &[1, 1]),
            sizes,
            h0,
            tensors(&params),
            Arg::Bool(false),
            Arg::Int(1),
            Arg::Float(0.0),
            Arg::Bool(false),
            Arg::Bool(false),
        ],
    );
    assert!(r.is_err());
}

#[test]
fn recurrence_over_many_steps_of_an_empty_batch_is_empty_and_quick() {
    // 2^40 steps of no batch entry: one batch size per step was allocated up front (8 TB),
    // then 2^40 empty steps ran.
    let x = Arg::Tensor(Tensor::zeros(&[1 << 40, 0, 1], DType::F32).unwrap());
    let h0 = Arg::Tensor(Tensor::zeros(&[1, 0, 1], DType::F32).unwrap());
    let params = [tensor(&[0.1], &[1, 1]), tensor(&[0.1], &[1, 1])];
    let r = rnn_input("aten::rnn_tanh.input", x, h0, &params, 1, false);
    let Ok(Arg::Tuple(parts)) = r else {
        panic!("rnn over an empty batch failed: {r:?}")
    };
    let Some(Arg::Tensor(out)) = parts.first() else {
        panic!("rnn returned no output")
    };
    assert_eq!(out.shape(), [1 << 40, 0, 1]);
}

#[test]
fn matrix_power_zero_of_a_huge_view_is_an_error() {
    // The identity of a 2^20 x 2^20 broadcast view was a plain 8 TB allocation (an abort).
    let r = bounded(
        "aten::matrix_power",
        &[huge_view(&[1 << 20, 1 << 20]), Arg::Int(0)],
    );
    assert!(r.is_err());
}

#[test]
fn max_pool_with_indices_visits_only_the_taps_inside_the_input() {
    // A 2^40-wide kernel half of which is padding: every window looped over all its taps.
    let x = tensor(&[1.0, 5.0, 3.0], &[1, 1, 1, 3]);
    let r = bounded(
        "aten::max_pool2d_with_indices",
        &[
            x,
            ints(&[1, 1 << 40]),
            ints(&[1, 1]),
            ints(&[0, 1 << 39]),
            ints(&[1, 1]),
            Arg::Bool(false),
        ],
    );
    let Ok(Arg::Tuple(parts)) = r else {
        panic!("max_pool2d_with_indices failed: {r:?}")
    };
    let (Some(Arg::Tensor(values)), Some(Arg::Tensor(indices))) = (parts.first(), parts.get(1))
    else {
        panic!("max_pool2d_with_indices returned no values and indices")
    };
    let n = values.numel();
    assert!(n > 0);
    assert!(values.to_vec::<f32>().unwrap().iter().all(|&v| v == 5.0));
    assert!(indices.to_vec::<i64>().unwrap().iter().all(|&i| i == 1));
}

#[test]
fn normalizing_an_empty_input_with_overflowing_dims_is_an_error() {
    // The product of the trailing dims of an empty [0, 3, 2^40, 2^40] input overflowed.
    let x = Arg::Tensor(Tensor::zeros(&[0, 3, 1 << 40, 1 << 40], DType::F32).unwrap());
    let r = bounded(
        "aten::batch_norm",
        &[
            x.clone(),
            Arg::None,
            Arg::None,
            Arg::None,
            Arg::None,
            Arg::Bool(true),
            Arg::Float(0.1),
            Arg::Float(1e-5),
            Arg::Bool(false),
        ],
    );
    assert!(r.is_err());
    let r = bounded(
        "aten::group_norm",
        &[
            x,
            Arg::Int(3),
            Arg::None,
            Arg::None,
            Arg::Float(1e-5),
            Arg::Bool(false),
        ],
    );
    assert!(r.is_err());
}

#[test]
fn affine_grid_of_no_batch_entry_is_empty_whatever_the_spatial_size() {
    // N = 0 with a 2^20 x 2^20 grid: PyTorch returns the empty [0, H, W, 2] grid; the base
    // grid's 2^40 points were checked against the limits first (an error).
    let theta = Arg::Tensor(Tensor::zeros(&[0, 2, 3], DType::F32).unwrap());
    for size in [[0, 1, 1 << 20, 1 << 20], [0, 3, 1 << 40, 1 << 40]] {
        let r = bounded(
            "aten::affine_grid_generator",
            &[theta.clone(), ints(&size), Arg::Bool(false)],
        );
        let Ok(Arg::Tensor(grid)) = r else {
            panic!("affine_grid_generator with N = 0 failed: {r:?}")
        };
        let [_, _, h, w] = size.map(|d| d as usize);
        assert_eq!(grid.shape(), [0, h, w, 2]);
    }
    // 3-D, and a zero spatial size beside a batch.
    let theta3 = Arg::Tensor(Tensor::zeros(&[2, 3, 4], DType::F32).unwrap());
    let r = bounded(
        "aten::affine_grid_generator",
        &[theta3, ints(&[2, 1, 0, 4, 4]), Arg::Bool(true)],
    );
    let Ok(Arg::Tensor(grid)) = r else {
        panic!("affine_grid_generator with D = 0 failed: {r:?}")
    };
    assert_eq!(grid.shape(), [2, 0, 4, 4, 3]);
}

#[test]
fn multi_head_attention_with_an_embed_dim_past_a_third_of_usize_is_an_error() {
    // The packed projection has `3 * embed_dim` rows: with an empty query whose last dim is
    // i64::MAX, that product overflowed (a panic in debug builds, a wrong check otherwise).
    let d = i64::MAX;
    let empty = || Arg::Tensor(Tensor::zeros(&[1, 0, d as usize], DType::F32).unwrap());
    let small = |shape: &[usize]| Arg::Tensor(Tensor::zeros(shape, DType::F32).unwrap());
    let r = bounded(
        "aten::_native_multi_head_attention",
        &[
            empty(),
            empty(),
            empty(),
            Arg::Int(d),
            Arg::Int(1),
            small(&[3, 1]),
            small(&[3]),
            small(&[1, 1]),
            small(&[1]),
            Arg::None,
            Arg::Bool(false),
            Arg::Bool(true),
            Arg::None,
        ],
    );
    assert!(r.is_err(), "{r:?}");
}

fn grid_sample(input: &Arg, grid: &Arg, mode: i64, padding: i64) -> Vec<f32> {
    let op = if matches!(input, Arg::Tensor(t) if t.dim() == 5) {
        "aten::grid_sampler_3d"
    } else {
        "aten::grid_sampler_2d"
    };
    let r = bounded(
        op,
        &[
            input.clone(),
            grid.clone(),
            Arg::Int(mode),
            Arg::Int(padding),
            Arg::Bool(false),
        ],
    );
    let Ok(Arg::Tensor(out)) = r else {
        panic!("{op} mode {mode} padding {padding} failed: {r:?}")
    };
    out.to_vec::<f32>().unwrap()
}

#[test]
fn grid_sample_at_an_infinite_coordinate_matches_atens_cpu_kernels() {
    // A row [1, 2] (W = 2), sampled at x = +-inf, y = z = 0 (the middle of the size-1 dims).
    let (bilinear, nearest) = (0, 1);
    let (zeros, border, reflection) = (0, 1, 2);
    let t = |v: &[f32], shape: &[usize]| Arg::Tensor(Tensor::from_vec(v.to_vec(), shape).unwrap());
    for inf in [f32::INFINITY, f32::NEG_INFINITY] {
        // 5-D input: ATen's scalar kernel. A corner outside adds nothing (within_bounds_3d), so
        // zeros padding gives 0, not 0 * NaN; the reflection of inf is NaN, which its
        // `std::min(W - 1, std::max(x, 0))` clips to W - 1.
        let input = t(&[1.0, 2.0], &[1, 1, 1, 1, 2]);
        let grid = t(&[inf, 0.0, 0.0], &[1, 1, 1, 1, 3]);
        assert_eq!(grid_sample(&input, &grid, bilinear, zeros), vec![0.0]);
        assert_eq!(grid_sample(&input, &grid, nearest, zeros), vec![0.0]);
        let edge = if inf > 0.0 { 2.0 } else { 1.0 };
        assert_eq!(grid_sample(&input, &grid, bilinear, border), vec![edge]);
        assert_eq!(grid_sample(&input, &grid, bilinear, reflection), vec![2.0]);
        assert_eq!(grid_sample(&input, &grid, nearest, reflection), vec![2.0]);
        // 4-D input: ATen's vectorized kernel. Its weights are NaN at an infinite coordinate
        // and every corner is weighed (a corner outside reads as 0): 0 * NaN is NaN with zeros
        // padding. Its clip clamps the NaN reflection to 0.
        let input = t(&[1.0, 2.0], &[1, 1, 1, 2]);
        let grid = t(&[inf, 0.0], &[1, 1, 1, 2]);
        assert!(grid_sample(&input, &grid, bilinear, zeros)[0].is_nan());
        assert_eq!(grid_sample(&input, &grid, nearest, zeros), vec![0.0]);
        assert_eq!(grid_sample(&input, &grid, bilinear, border), vec![edge]);
        assert_eq!(grid_sample(&input, &grid, bilinear, reflection), vec![1.0]);
        assert_eq!(grid_sample(&input, &grid, nearest, reflection), vec![1.0]);
    }
}

fn conv2d(x: Tensor, padding: [i64; 2]) -> Result<Arg, torchscript_ops::OpError> {
    let w = Tensor::from_vec(vec![1.0f32], &[1, 1, 1, 1]).unwrap();
    bounded(
        "aten::conv2d",
        &[
            Arg::Tensor(x),
            Arg::Tensor(w),
            Arg::None,
            ints(&[1, 1]),
            ints(&padding),
            ints(&[1, 1]),
            Arg::Int(1),
        ],
    )
}

#[test]
fn convolution_whose_output_plane_overflows_is_an_error_or_empty() {
    // An empty input row padded to 2^33 columns, 2^33 rows: the output plane `oh * ow` is 2^66
    // (the product overflowed: a panic in debug builds).
    let x = Tensor::zeros(&[1, 1, 1 << 33, 0], DType::F32).unwrap();
    assert!(conv2d(x, [0, 1 << 32]).is_err());
    // No image at all: the output is empty, whatever the size of its plane.
    let x = Tensor::zeros(&[0, 1, 1 << 33, 1 << 33], DType::F32).unwrap();
    let Ok(Arg::Tensor(out)) = conv2d(x, [0, 0]) else {
        panic!("an empty batch failed")
    };
    assert_eq!(out.shape(), [0, 1, 1 << 33, 1 << 33]);
}
