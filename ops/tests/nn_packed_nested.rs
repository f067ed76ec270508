//! `_convolution_mode`, packed sequences and nested-tensor kernels against torch 2.15.0.
//! Expected values were computed with torch 2.15.0 (inputs are `sin(i * 0.37 + seed) * scale`
//! ramps, rebuilt here by `sin_t`).
#![allow(
    clippy::approx_constant,
    clippy::excessive_precision,
    clippy::unreadable_literal
)]

mod nn_support;

use nn_support::*;
use torchscript_ops::{Arg, Bool8, DType, Tensor};

fn bool_t(values: &[bool], shape: &[usize]) -> Tensor {
    let v: Vec<Bool8> = values.iter().map(|&b| b.into()).collect();
    Tensor::from_vec(v, shape).unwrap()
}

fn f32_t(shape: &[usize], seed: f64, scale: f64) -> Arg {
    Arg::Tensor(sin_t(shape, seed, scale, DType::F32))
}

fn long_t(v: &[i64]) -> Arg {
    Arg::Tensor(Tensor::from_slice(v, &[v.len()]).unwrap())
}

fn conv_mode(args: Vec<Arg>) -> Arg {
    call("aten::_convolution_mode", &args)
}

#[test]
fn convolution_mode_same_even_kernel_dilated_2d() {
    let out = conv_mode(vec![
        f32_t(&[1, 2, 5, 6], 0.0, 1.0),
        f32_t(&[3, 2, 2, 3], 1.0, 0.5),
        f32_t(&[3], 2.0, 0.1),
        ints(&[1, 1]),
        Arg::Str("same".into()),
        ints(&[1, 2]),
        Arg::Int(1),
    ]);
    check(&out, 0, CONV2D_SAME, CONV2D_SAME_SHAPE, 1e-5);
}

#[test]
fn convolution_mode_valid_grouped_strided_1d() {
    let out = conv_mode(vec![
        f32_t(&[2, 4, 7], 0.5, 1.0),
        f32_t(&[6, 2, 3], 1.5, 0.5),
        Arg::None,
        ints(&[2]),
        Arg::Str("valid".into()),
        ints(&[1]),
        Arg::Int(2),
    ]);
    check(&out, 0, CONV1D_VALID, CONV1D_VALID_SHAPE, 1e-5);
}

#[test]
fn convolution_mode_same_3d() {
    let out = conv_mode(vec![
        f32_t(&[1, 2, 3, 4, 4], 0.0, 1.0),
        f32_t(&[2, 2, 3, 3, 1], 1.0, 0.5),
        Arg::None,
        ints(&[1, 1, 1]),
        Arg::Str("same".into()),
        ints(&[1, 1, 1]),
        Arg::Int(1),
    ]);
    check(&out, 0, CONV3D_SAME, CONV3D_SAME_SHAPE, 1e-5);
}

#[test]
fn convolution_mode_rejects_bad_padding_strings_and_strided_same() {
    let base = |padding: &str, stride: i64| {
        vec![
            f32_t(&[1, 2, 5, 6], 0.0, 1.0),
            f32_t(&[3, 2, 2, 3], 1.0, 0.5),
            Arg::None,
            ints(&[stride, stride]),
            Arg::Str(padding.into()),
            ints(&[1, 1]),
            Arg::Int(1),
        ]
    };
    assert!(call_err("aten::_convolution_mode", &base("full", 1)).contains("invalid padding"));
    assert!(call_err("aten::_convolution_mode", &base("same", 2)).contains("strided"));
}

fn pack(input: Arg, lengths: &[i64], batch_first: bool) -> Vec<Arg> {
    vec![input, long_t(lengths), Arg::Bool(batch_first)]
}

#[test]
fn pack_padded_sequence_batch_first() {
    let out = call(
        "aten::_pack_padded_sequence",
        &pack(f32_t(&[3, 4, 2], 0.0, 1.0), &[4, 2, 1], true),
    );
    check(&out, 0, PACK_BF, PACK_BF_SHAPE, 1e-6);
    let sizes = nth(&out, 1);
    assert_eq!(sizes.dtype(), DType::I64);
    assert_eq!(sizes.to_vec::<i64>().unwrap(), vec![3, 2, 1, 1]);
}

#[test]
fn pack_padded_sequence_time_first_with_equal_lengths() {
    let out = call(
        "aten::_pack_padded_sequence",
        &pack(f32_t(&[4, 3, 2], 0.0, 1.0), &[3, 3, 1], false),
    );
    check(&out, 0, PACK_TF, PACK_TF_SHAPE, 1e-6);
    assert_eq!(nth(&out, 1).to_vec::<i64>().unwrap(), vec![3, 2, 2]);
}

#[test]
fn pack_padded_sequence_errors_like_torch() {
    let err = |lengths: &[i64]| {
        call_err(
            "aten::_pack_padded_sequence",
            &pack(f32_t(&[3, 4, 2], 0.0, 1.0), lengths, true),
        )
    };
    assert!(err(&[1, 2, 4]).contains("must be sorted in decreasing order"));
    assert!(err(&[4, 2, 0]).contains("greater than 0"));
    assert!(err(&[4, 2]).contains("Expected `len(lengths)` to be equal to batch_size"));
    assert!(err(&[5, 2, 1]).contains("exceeds"));
    let float_lengths = vec![
        f32_t(&[3, 4, 2], 0.0, 1.0),
        f32_t(&[3], 0.0, 1.0),
        Arg::Bool(true),
    ];
    assert!(call_err("aten::_pack_padded_sequence", &float_lengths).contains("1D CPU int64"));
}

fn packed(input_shape: &[usize], lengths: &[i64], batch_first: bool) -> (Tensor, Tensor) {
    let out = call(
        "aten::_pack_padded_sequence",
        &pack(f32_t(input_shape, 0.0, 1.0), lengths, batch_first),
    );
    (nth(&out, 0), nth(&out, 1))
}

#[test]
fn pad_packed_sequence_batch_first_with_total_length() {
    let (data, sizes) = packed(&[3, 4, 2], &[4, 2, 1], true);
    let args = vec![
        Arg::Tensor(data),
        Arg::Tensor(sizes),
        Arg::Bool(true),
        Arg::Float(-1.0),
        Arg::Int(5),
    ];
    let out = call("aten::_pad_packed_sequence", &args);
    check(&out, 0, PAD_BF, PAD_BF_SHAPE, 1e-6);
    // torch returns the time-major buffer transposed: strides (2, 6, 1)
    assert_eq!(nth(&out, 0).strides(), &[2, 6, 1]);
    assert_eq!(nth(&out, 1).to_vec::<i64>().unwrap(), vec![4, 2, 1]);
}

#[test]
fn pad_packed_sequence_time_first() {
    let (data, sizes) = packed(&[4, 3, 2], &[3, 3, 1], false);
    let args = vec![
        Arg::Tensor(data),
        Arg::Tensor(sizes),
        Arg::Bool(false),
        Arg::Int(0),
        Arg::Int(0),
    ];
    let out = call("aten::_pad_packed_sequence", &args);
    check(&out, 0, PAD_TF, PAD_TF_SHAPE, 1e-6);
    assert_eq!(nth(&out, 1).to_vec::<i64>().unwrap(), vec![3, 3, 1]);
}

#[test]
fn pad_packed_sequence_rejects_inconsistent_batch_sizes() {
    let (data, _) = packed(&[3, 4, 2], &[4, 2, 1], true);
    let args = |sizes: &[i64], total: i64| {
        vec![
            Arg::Tensor(data.clone()),
            long_t(sizes),
            Arg::Bool(true),
            Arg::Float(0.0),
            Arg::Int(total),
        ]
    };
    let call_pad =
        |sizes: &[i64], total: i64| call_err("aten::_pad_packed_sequence", &args(sizes, total));
    assert!(call_pad(&[3, 2, 1, 1], 3).contains("Expected total_length to be at least"));
    assert!(call_pad(&[3, 2, 1], 0).contains("do not add up"));
    assert!(call_pad(&[2, 3, 1, 1], 0).contains("non-increasing"));
    assert!(call_pad(&[], 0).contains("non-empty"));
}

fn nested(t: Tensor, mask: &[bool], check: bool) -> Tensor {
    let shape = [t.shape()[0], t.shape()[1]];
    let out = call(
        "aten::_nested_tensor_from_mask",
        &[
            Arg::Tensor(t),
            Arg::Tensor(bool_t(mask, &shape)),
            Arg::Bool(check),
        ],
    );
    nth(&out, 0)
}

const ALIGNED: [bool; 8] = [true, true, true, false, true, false, false, false];

#[test]
fn to_padded_tensor_trims_to_the_longest_sequence() {
    let nt = nested(sin_t(&[2, 4, 3], 0.0, 1.0, DType::F32), &ALIGNED, true);
    assert!(nt.nested_mask().is_some());
    let out = call(
        "aten::to_padded_tensor",
        &[Arg::Tensor(nt), Arg::Float(-2.0), Arg::None],
    );
    check(&out, 0, PADDED_DEFAULT, PADDED_DEFAULT_SHAPE, 0.0);
}

#[test]
fn to_padded_tensor_pads_to_a_larger_output_size() {
    let nt = nested(sin_t(&[2, 4, 3], 0.0, 1.0, DType::F32), &ALIGNED, true);
    let out = call(
        "aten::to_padded_tensor",
        &[Arg::Tensor(nt.clone()), Arg::Float(0.5), ints(&[2, 5, 4])],
    );
    check(&out, 0, PADDED_SIZE, PADDED_SIZE_SHAPE, 0.0);
    let small = call_err(
        "aten::to_padded_tensor",
        &[Arg::Tensor(nt.clone()), Arg::Float(0.0), ints(&[2, 2, 3])],
    );
    assert!(small.contains("Truncation is not supported"));
    let rank = call_err(
        "aten::to_padded_tensor",
        &[Arg::Tensor(nt), Arg::Float(0.0), ints(&[2, 4])],
    );
    assert!(rank.contains("Broadcasting is not supported"));
}

#[test]
fn nested_from_unaligned_mask_takes_the_true_count_when_unchecked() {
    let mask = [true, false, true, false, false, false, false, true];
    let nt = nested(sin_t(&[2, 4, 3], 0.0, 1.0, DType::F32), &mask, false);
    let out = call(
        "aten::to_padded_tensor",
        &[Arg::Tensor(nt), Arg::Float(0.0), Arg::None],
    );
    check(&out, 0, PADDED_UNALIGNED, PADDED_UNALIGNED_SHAPE, 0.0);
    let args = [
        f32_t(&[2, 4, 3], 0.0, 1.0),
        Arg::Tensor(bool_t(&mask, &[2, 4])),
        Arg::Bool(true),
    ];
    assert!(call_err("aten::_nested_tensor_from_mask", &args).contains("left-aligned"));
}

#[test]
fn nested_mask_left_aligned_check() {
    let left = |mask: &[bool]| {
        let args = [
            f32_t(&[2, 4, 3], 0.0, 1.0),
            Arg::Tensor(bool_t(mask, &[2, 4])),
        ];
        match call("aten::_nested_tensor_from_mask_left_aligned", &args) {
            Arg::Bool(b) => b,
            other => panic!("expected a bool, got {other:?}"),
        }
    };
    assert!(left(&ALIGNED));
    assert!(!left(&[
        true, false, true, false, true, false, false, false
    ]));
    let float_mask = [f32_t(&[2, 4, 3], 0.0, 1.0), f32_t(&[2, 4], 0.0, 1.0)];
    assert!(call_err("aten::_nested_tensor_from_mask_left_aligned", &float_mask).contains("Bool"));
}

#[test]
fn to_padded_tensor_rejects_dense_tensors() {
    let args = [f32_t(&[2, 4, 3], 0.0, 1.0), Arg::Float(0.0), Arg::None];
    assert!(call_err("aten::to_padded_tensor", &args).contains("nested"));
}

const E: usize = 8;
const FF: usize = 16;

/// qkv weight/bias, out proj weight/bias, norm1 w/b, norm2 w/b, ffn1 w/b, ffn2 w/b.
fn layer_weights() -> Vec<Arg> {
    vec![
        f32_t(&[3 * E, E], 3.0, 0.3),
        f32_t(&[3 * E], 4.0, 0.1),
        f32_t(&[E, E], 5.0, 0.3),
        f32_t(&[E], 6.0, 0.1),
        f32_t(&[E], 7.0, 0.2),
        f32_t(&[E], 7.5, 0.1),
        f32_t(&[E], 8.0, 0.2),
        f32_t(&[E], 8.5, 0.1),
        f32_t(&[FF, E], 9.0, 0.3),
        f32_t(&[FF], 10.0, 0.1),
        f32_t(&[E, FF], 11.0, 0.3),
        f32_t(&[E], 12.0, 0.1),
    ]
}

const SEQ_MASK: [bool; 8] = [true, true, true, true, true, true, false, false];

fn nested_src() -> Tensor {
    nested(sin_t(&[2, 4, E], 0.0, 1.0, DType::F32), &SEQ_MASK, true)
}

fn encoder_layer(gelu: bool, norm_first: bool, mask: Arg) -> Arg {
    let w = layer_weights();
    let mut args = vec![Arg::Tensor(nested_src()), Arg::Int(E as i64), Arg::Int(2)];
    args.extend_from_slice(&w[..4]);
    args.extend([Arg::Bool(gelu), Arg::Bool(norm_first), Arg::Float(1e-5)]);
    args.extend_from_slice(&w[4..]);
    args.extend([mask, Arg::None]);
    call("aten::_transformer_encoder_layer_fwd", &args)
}

fn padded(out: &Arg, size: &[i64]) -> Arg {
    let t = nth(out, 0);
    assert!(t.nested_mask().is_some(), "the result should stay nested");
    call(
        "aten::to_padded_tensor",
        &[Arg::Tensor(t), Arg::Float(0.0), ints(size)],
    )
}

#[test]
fn encoder_layer_on_a_nested_tensor_post_norm_gelu() {
    let out = encoder_layer(true, false, Arg::None);
    check(
        &padded(&out, &[2, 4, 8]),
        0,
        ENC_GELU_POST,
        ENC_GELU_POST_SHAPE,
        1e-5,
    );
}

#[test]
fn encoder_layer_on_a_nested_tensor_pre_norm_relu() {
    let out = encoder_layer(false, true, Arg::None);
    check(
        &padded(&out, &[2, 4, 8]),
        0,
        ENC_RELU_PRE,
        ENC_RELU_PRE_SHAPE,
        1e-5,
    );
}

#[test]
fn encoder_layer_rejects_a_mask_with_a_nested_input() {
    let w = layer_weights();
    let mut args = vec![Arg::Tensor(nested_src()), Arg::Int(E as i64), Arg::Int(2)];
    args.extend_from_slice(&w[..4]);
    args.extend([Arg::Bool(true), Arg::Bool(false), Arg::Float(1e-5)]);
    args.extend_from_slice(&w[4..]);
    args.extend([Arg::Tensor(bool_t(&[false; 8], &[2, 4])), Arg::Int(1)]);
    assert!(
        call_err("aten::_transformer_encoder_layer_fwd", &args).contains("NestedTensor with mask")
    );
}

#[test]
fn native_multi_head_attention_on_a_nested_tensor() {
    let w = layer_weights();
    let src = Arg::Tensor(nested_src());
    let mut args = vec![
        src.clone(),
        src.clone(),
        src,
        Arg::Int(E as i64),
        Arg::Int(2),
    ];
    args.extend_from_slice(&w[..4]);
    args.extend([Arg::None, Arg::Bool(false), Arg::Bool(true), Arg::None]);
    let out = call("aten::_native_multi_head_attention", &args);
    check(
        &padded(&out, &[2, 4, 8]),
        0,
        MHA_NESTED,
        MHA_NESTED_SHAPE,
        1e-5,
    );
}

const CONV2D_SAME: &[f64] = &[
    0.34284234046936035,
    0.26455825567245483,
    0.22606438398361206,
    0.044818710535764694,
    -0.05625661462545395,
    -0.15533658862113953,
    -0.19625622034072876,
    -0.21236443519592285,
    -0.369869202375412,
    -0.2735672891139984,
    -0.06028217822313309,
    0.05826833099126816,
    0.18625500798225403,
    0.2840155065059662,
    0.5129493474960327,
    0.5777560472488403,
    0.42094722390174866,
    0.37668702006340027,
    0.2628575563430786,
    0.16076306998729706,
    0.04146310314536095,
    -0.13319694995880127,
    -0.1568838655948639,
    -0.22191926836967468,
    -0.29561933875083923,
    -0.5902764797210693,
    -0.6101259589195251,
    -0.8414998650550842,
    -0.5321828126907349,
    -0.6726809740066528,
    -0.3715483844280243,
    -0.4832031726837158,
    -0.6945992112159729,
    -0.7048388719558716,
    -0.447515070438385,
    -0.3699007034301758,
    0.024768799543380737,
    0.24047550559043884,
    0.39531001448631287,
    0.6309019327163696,
    0.47629207372665405,
    0.5720100402832031,
    0.5653640627861023,
    0.41620686650276184,
    0.44039180874824524,
    0.1657761186361313,
    0.0953918918967247,
    -0.0979556068778038,
    -0.48458927869796753,
    -0.5199494361877441,
    -0.7040259838104248,
    -0.6075788736343384,
    -0.3678670823574066,
    -0.2298077940940857,
    0.8152050971984863,
    0.8837658166885376,
    1.0924705266952515,
    1.1204723119735718,
    1.0436348915100098,
    0.9532403945922852,
    0.024611670523881912,
    0.16297337412834167,
    0.31521254777908325,
    0.5019676685333252,
    0.4645858108997345,
    0.5219039916992188,
    0.3504652976989746,
    0.2505090832710266,
    0.32470256090164185,
    0.10163669288158417,
    -0.02845807746052742,
    -0.1985112875699997,
    -0.32292184233665466,
    -0.3404259979724884,
    -0.5823729038238525,
    -0.49941813945770264,
    -0.30473795533180237,
    -0.1564440131187439,
    0.16541996598243713,
    0.28654056787490845,
    0.5048859715461731,
    0.6276509761810303,
    0.522357165813446,
    0.5131074786186218,
    0.024521419778466225,
    0.2822883725166321,
    0.18984082341194153,
    0.40614795684814453,
    0.13817453384399414,
    0.3273109495639801,
];
const CONV2D_SAME_SHAPE: &[usize] = &[1, 3, 5, 6];

const CONV1D_VALID: &[f64] = &[
    1.0288045406341553,
    1.1801756620407104,
    0.7142407298088074,
    -0.5789612531661987,
    -0.08437293022871017,
    0.45434772968292236,
    -0.328779935836792,
    -1.078160047531128,
    -1.263594627380371,
    -0.44267410039901733,
    0.5614467859268188,
    1.2718957662582397,
    -0.42245087027549744,
    -0.8116331696510315,
    -0.7762803435325623,
    0.9534613490104675,
    0.4199025630950928,
    -0.3332916498184204,
    -1.1125096082687378,
    -0.5128905177116394,
    0.35500258207321167,
    -0.06586498022079468,
    -0.5665157437324524,
    -0.7708431482315063,
    1.1921472549438477,
    1.1978672742843628,
    0.5770273804664612,
    -0.7974122762680054,
    -1.356426477432251,
    -1.2059441804885864,
    0.8471121191978455,
    0.6929572224617004,
    0.17634214460849762,
    -0.22683481872081757,
    0.5185686945915222,
    0.9927281737327576,
];
const CONV1D_VALID_SHAPE: &[usize] = &[2, 6, 3];

const CONV3D_SAME: &[f64] = &[
    -0.2092527151107788,
    -0.10040581226348877,
    0.022030577063560486,
    0.14148519933223724,
    0.45576533675193787,
    0.5938977003097534,
    0.6516487002372742,
    0.6212021112442017,
    0.5066787004470825,
    0.32357874512672424,
    0.09668396413326263,
    -0.14329661428928375,
    -0.19646520912647247,
    -0.28975966572761536,
    -0.3438364565372467,
    -0.3513767123222351,
    0.4671221375465393,
    0.4501657783985138,
    0.37228161096572876,
    0.24401091039180756,
    0.6103955507278442,
    0.5836654305458069,
    0.47793906927108765,
    0.3075259029865265,
    0.09549044072628021,
    -0.12946917116641998,
    -0.33690574765205383,
    -0.4987436830997467,
    -0.8143989443778992,
    -0.855089008808136,
    -0.780046820640564,
    -0.5994290113449097,
    0.8849599361419678,
    1.0016121864318848,
    0.9827011823654175,
    0.8307861089706421,
    0.9548759460449219,
    0.8587886095046997,
    0.6464682221412659,
    0.3466513752937317,
    -8.300601621158421e-05,
    -0.34680619835853577,
    -0.6465908288955688,
    -0.8588625192642212,
    -0.9967684745788574,
    -1.1697684526443481,
    -1.184445858001709,
    -1.0388139486312866,
    -0.6438789963722229,
    -0.5160563588142395,
    -0.3183880150318146,
    -0.07762731611728668,
    0.15306133031845093,
    0.39316755533218384,
    0.5800603628158569,
    0.6884446740150452,
    0.7036511898040771,
    0.623621940612793,
    0.45918843150138855,
    0.23260578513145447,
    0.26124313473701477,
    0.16471470892429352,
    0.04589293152093887,
    -0.0791403204202652,
    0.013754184357821941,
    -0.00140849850140512,
    -0.01638093777000904,
    -0.02913610264658928,
    0.37526464462280273,
    0.44494152069091797,
    0.45439764857292175,
    0.40235304832458496,
    0.29585206508636475,
    0.14930877089500427,
    -0.017442720010876656,
    -0.18183350563049316,
    -0.44470828771591187,
    -0.4585166275501251,
    -0.4102669358253479,
    -0.30648961663246155,
    0.5426471829414368,
    0.6631476879119873,
    0.6938942670822144,
    0.6307255625724792,
    0.8202793598175049,
    0.8301977515220642,
    0.7277528643608093,
    0.5268101692199707,
    0.2545660734176636,
    -0.05213237553834915,
    -0.35177499055862427,
    -0.6038063764572144,
    -0.7771834135055542,
    -0.9555496573448181,
    -1.0045865774154663,
    -0.9176574945449829,
];
const CONV3D_SAME_SHAPE: &[usize] = &[1, 2, 3, 4, 4];

const PACK_BF: &[f64] = &[
    0.0,
    0.3616154193878174,
    0.180596262216568,
    -0.18729466199874878,
    -0.35525354743003845,
    0.006814640015363693,
    0.6742879152297974,
    0.8956986665725708,
    -0.529836118221283,
    -0.8006668090820312,
    0.9958808422088623,
    0.9612752199172974,
    0.7965654730796814,
    0.5240443348884583,
];
const PACK_BF_SHAPE: &[usize] = &[7, 2];

const PACK_TF: &[f64] = &[
    0.0,
    0.3616154193878174,
    0.6742879152297974,
    0.8956986665725708,
    0.9958808422088623,
    0.9612752199172974,
    0.7965654730796814,
    0.5240443348884583,
    0.180596262216568,
    -0.18729466199874878,
    -0.9631309509277344,
    -0.9952398538589478,
    -0.8926476836204529,
    -0.66923987865448,
];
const PACK_TF_SHAPE: &[usize] = &[7, 2];

const PAD_BF: &[f64] = &[
    0.0,
    0.3616154193878174,
    0.6742879152297974,
    0.8956986665725708,
    0.9958808422088623,
    0.9612752199172974,
    0.7965654730796814,
    0.5240443348884583,
    -1.0,
    -1.0,
    0.180596262216568,
    -0.18729466199874878,
    -0.529836118221283,
    -0.8006668090820312,
    -1.0,
    -1.0,
    -1.0,
    -1.0,
    -1.0,
    -1.0,
    -0.35525354743003845,
    0.006814640015363693,
    -1.0,
    -1.0,
    -1.0,
    -1.0,
    -1.0,
    -1.0,
    -1.0,
    -1.0,
];
const PAD_BF_SHAPE: &[usize] = &[3, 5, 2];

const PAD_TF: &[f64] = &[
    0.0,
    0.3616154193878174,
    0.6742879152297974,
    0.8956986665725708,
    0.9958808422088623,
    0.9612752199172974,
    0.7965654730796814,
    0.5240443348884583,
    0.180596262216568,
    -0.18729466199874878,
    0.0,
    0.0,
    -0.9631309509277344,
    -0.9952398538589478,
    -0.8926476836204529,
    -0.66923987865448,
    0.0,
    0.0,
];
const PAD_TF_SHAPE: &[usize] = &[3, 3, 2];

const PADDED_DEFAULT: &[f64] = &[
    0.0,
    0.3616154193878174,
    0.6742879152297974,
    0.8956986665725708,
    0.9958808422088623,
    0.9612752199172974,
    0.7965654730796814,
    0.5240443348884583,
    0.180596262216568,
    -0.9631309509277344,
    -0.9952398538589478,
    -0.8926476836204529,
    -2.0,
    -2.0,
    -2.0,
    -2.0,
    -2.0,
    -2.0,
];
const PADDED_DEFAULT_SHAPE: &[usize] = &[2, 3, 3];

const PADDED_SIZE: &[f64] = &[
    0.0,
    0.3616154193878174,
    0.6742879152297974,
    0.5,
    0.8956986665725708,
    0.9958808422088623,
    0.9612752199172974,
    0.5,
    0.7965654730796814,
    0.5240443348884583,
    0.180596262216568,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    -0.9631309509277344,
    -0.9952398538589478,
    -0.8926476836204529,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
];
const PADDED_SIZE_SHAPE: &[usize] = &[2, 5, 4];

const PADDED_UNALIGNED: &[f64] = &[
    0.0,
    0.3616154193878174,
    0.6742879152297974,
    0.8956986665725708,
    0.9958808422088623,
    0.9612752199172974,
    -0.9631309509277344,
    -0.9952398538589478,
    -0.8926476836204529,
    0.0,
    0.0,
    0.0,
];
const PADDED_UNALIGNED_SHAPE: &[usize] = &[2, 2, 3];

const ENC_GELU_POST: &[f64] = &[
    -0.2081926316022873,
    -0.13713543117046356,
    0.13131147623062134,
    0.018826112151145935,
    -0.07153289020061493,
    -0.0988125205039978,
    -0.07621598988771439,
    0.036748990416526794,
    0.34610748291015625,
    0.35508549213409424,
    0.06595730781555176,
    -0.02035459876060486,
    -0.04260595515370369,
    -0.020344456657767296,
    0.007690501399338245,
    0.09598766267299652,
    -0.20091810822486877,
    -0.16550253331661224,
    0.09628444164991379,
    0.009123723953962326,
    -0.07184798270463943,
    -0.12142965942621231,
    -0.11388295143842697,
    0.03795381635427475,
    0.27770501375198364,
    0.34048041701316833,
    0.10911202430725098,
    0.004126709885895252,
    -0.044931162148714066,
    -0.011061713099479675,
    0.05228475108742714,
    0.11302531510591507,
    -0.22840122878551483,
    -0.13574281334877014,
    0.04936014488339424,
    0.014415872283279896,
    -0.07115793228149414,
    -0.13961879909038544,
    -0.1365886777639389,
    0.049651842564344406,
    0.2591146230697632,
    0.290156751871109,
    0.1526825875043869,
    0.010480323806405067,
    -0.047286033630371094,
    -0.0076119559817016125,
    0.07511163502931595,
    0.12689462304115295,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
];
const ENC_GELU_POST_SHAPE: &[usize] = &[2, 4, 8];

const ENC_RELU_PRE: &[f64] = &[
    0.01640442945063114,
    0.42227476835250854,
    0.9479329586029053,
    1.092272400856018,
    1.412294626235962,
    1.1607098579406738,
    1.179630994796753,
    0.5803660750389099,
    0.2715086340904236,
    -0.09738349914550781,
    -0.27462148666381836,
    -0.6683963537216187,
    -0.648723840713501,
    -0.9211803674697876,
    -0.6437702178955078,
    -0.7358977198600769,
    -0.3711083233356476,
    0.04988429322838783,
    0.6411234140396118,
    0.8925526142120361,
    1.3466615676879883,
    1.2384424209594727,
    1.3900563716888428,
    0.8957028388977051,
    0.6229561567306519,
    0.2931135296821594,
    0.10207224637269974,
    -0.3562600016593933,
    -0.44307607412338257,
    -0.8498212099075317,
    -0.7158542275428772,
    -0.941921591758728,
    -0.7112572193145752,
    -0.33309292793273926,
    0.26872193813323975,
    0.5794476270675659,
    1.1366227865219116,
    1.1586958169937134,
    1.4524431228637695,
    1.0912067890167236,
    0.8827653527259827,
    0.6277973651885986,
    0.470077782869339,
    -0.008706897497177124,
    -0.15884919464588165,
    -0.6713613867759705,
    -0.663296639919281,
    -1.0258758068084717,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
];
const ENC_RELU_PRE_SHAPE: &[usize] = &[2, 4, 8];

const MHA_NESTED: &[f64] = &[
    0.08397054672241211,
    -0.1402357518672943,
    0.2251128852367401,
    -0.13357095420360565,
    0.3195696473121643,
    -0.13836733996868134,
    0.33578866720199585,
    -0.1643722653388977,
    -0.1039281114935875,
    0.07997550815343857,
    -0.020169280469417572,
    0.12871593236923218,
    0.048903435468673706,
    0.13177716732025146,
    0.07504960894584656,
    0.0783868208527565,
    0.11107496172189713,
    -0.17235271632671356,
    0.26118630170822144,
    -0.17241446673870087,
    0.3599058985710144,
    -0.17886985838413239,
    0.375125527381897,
    -0.20124980807304382,
    -0.12081535160541534,
    0.0996229499578476,
    -0.04193083941936493,
    0.15187594294548035,
    0.02510654926300049,
    0.15542836487293243,
    0.05232197046279907,
    0.09944356232881546,
    -0.020838791504502296,
    -0.05888628959655762,
    0.16989856958389282,
    -0.10630744695663452,
    0.32115352153778076,
    -0.16874660551548004,
    0.3939642310142517,
    -0.248430997133255,
    -0.01591079868376255,
    0.01258862018585205,
    0.024371087551116943,
    0.10848677158355713,
    0.04415614902973175,
    0.16134481132030487,
    0.021634012460708618,
    0.1538938730955124,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
];
const MHA_NESTED_SHAPE: &[usize] = &[2, 4, 8];
