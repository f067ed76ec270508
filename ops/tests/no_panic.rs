//! Robustness: every kernel of every family (basic, nn, quantized, vision) answers odd arguments
//! (wrong types, ranks, sizes, dtypes, empty tensors, huge values) with an error or a result,
//! never a panic.

use torchscript_ops::alloc::{AllocLimits, CallScope};
use torchscript_ops::{Arg, DType, Registry, Tensor};

fn tensor(shape: &[usize], dtype: DType) -> Arg {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n).map(|i| (i as f32 * 0.7).sin()).collect();
    Arg::Tensor(Tensor::from_vec(v, shape).unwrap().to_dtype(dtype).unwrap())
}

fn candidates() -> Vec<Arg> {
    vec![
        Arg::None,
        Arg::Int(0),
        Arg::Int(-1),
        Arg::Int(3),
        Arg::Int(i64::MAX),
        Arg::Float(0.5),
        Arg::Float(-1e30),
        Arg::Bool(true),
        Arg::Str("same".into()),
        Arg::List(vec![]),
        Arg::List(vec![Arg::Int(1)]),
        Arg::List(vec![Arg::Int(2), Arg::Int(2)]),
        Arg::List(vec![Arg::Int(-3), Arg::Int(1 << 40)]),
        Arg::List(vec![Arg::Float(2.0), Arg::Float(0.0)]),
        tensor(&[], DType::F32),
        tensor(&[0], DType::F32),
        tensor(&[3], DType::F32),
        tensor(&[2, 3], DType::F32),
        tensor(&[1, 2, 3], DType::F64),
        tensor(&[1, 2, 3, 3], DType::F32),
        tensor(&[2, 2, 0, 3], DType::F32),
        tensor(&[1, 2, 3, 3], DType::F16),
        tensor(&[2, 3], DType::I64),
        tensor(&[4], DType::Bool),
        Arg::List(vec![tensor(&[2, 3], DType::F32), tensor(&[3], DType::F32)]),
    ]
}

/// A small deterministic generator (no external crates).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// Calls every op `register` adds with random argument lists of every arity up to 20, under
/// call limits (an odd size must not page in gigabytes), and lists the calls that panicked.
fn family_never_panics(register: fn(&mut Registry), seed: u64) {
    let mut reg = Registry::new();
    register(&mut reg);
    let pool = candidates();
    let mut rng = Lcg(seed);
    let names: Vec<String> = reg.names().iter().map(|s| s.to_string()).collect();
    assert!(!names.is_empty());
    let mut failures = std::collections::BTreeMap::<String, String>::new();
    let _scope = CallScope::enter(AllocLimits {
        max_tensor_bytes: 64 << 20,
        max_call_bytes: 256 << 20,
    });
    for name in &names {
        for arity in 0..=20usize {
            for round in 0..60 {
                let tensors = &pool[14..];
                let args: Vec<Arg> = (0..arity)
                    .map(|i| {
                        // the first arguments are usually tensors: favour them there
                        if i < 3 && round % 2 == 0 {
                            tensors[rng.next(tensors.len())].clone()
                        } else {
                            pool[rng.next(pool.len())].clone()
                        }
                    })
                    .collect();
                if quietly_panics(|| reg.call(name, &args)) {
                    // One example per op: the list names every op that panics.
                    failures
                        .entry(name.clone())
                        .or_insert_with(|| format!("{name} panicked on {args:?}"));
                }
            }
        }
    }
    let failures: Vec<String> = failures.into_values().collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` and tells whether it panicked, without printing the panics it catches (the other
/// tests of this binary, on other threads, keep the default panic output).
fn quietly_panics<R>(f: impl FnOnce() -> R) -> bool {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                default(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err();
    QUIET.with(|q| q.set(false));
    panicked
}

#[test]
fn nn_kernels_never_panic_on_odd_arguments() {
    family_never_panics(torchscript_ops::ops::nn::register, 7);
}

#[test]
fn basic_kernels_never_panic_on_odd_arguments() {
    family_never_panics(torchscript_ops::ops::basic::register, 13);
}

#[test]
fn quantized_kernels_never_panic_on_odd_arguments() {
    family_never_panics(torchscript_ops::ops::quantized::register, 17);
}

#[test]
fn vision_kernels_never_panic_on_odd_arguments() {
    family_never_panics(torchscript_ops::ops::vision::register, 19);
}

fn ints(v: &[i64]) -> Arg {
    Arg::List(v.iter().map(|&i| Arg::Int(i)).collect())
}

/// Valid calls of the kernels with the most validation logic.
fn baselines() -> Vec<(&'static str, Vec<Arg>)> {
    let x = || tensor(&[1, 2, 5, 5], DType::F32);
    vec![
        (
            "aten::conv2d",
            vec![
                x(),
                tensor(&[4, 1, 3, 3], DType::F32),
                tensor(&[4], DType::F32),
                ints(&[1, 1]),
                ints(&[1, 1]),
                ints(&[1, 1]),
                Arg::Int(2),
            ],
        ),
        (
            "aten::conv2d.padding",
            vec![
                x(),
                tensor(&[2, 2, 2, 2], DType::F32),
                Arg::None,
                ints(&[1, 1]),
                Arg::Str("same".into()),
                ints(&[1, 1]),
                Arg::Int(1),
            ],
        ),
        (
            "aten::_convolution",
            vec![
                x(),
                tensor(&[2, 3, 3, 3], DType::F32),
                Arg::None,
                ints(&[2, 2]),
                ints(&[1, 1]),
                ints(&[1, 1]),
                Arg::Bool(true),
                ints(&[1, 1]),
                Arg::Int(1),
                Arg::Bool(false),
                Arg::Bool(false),
                Arg::Bool(true),
                Arg::Bool(true),
            ],
        ),
        (
            "aten::max_pool2d",
            vec![
                x(),
                ints(&[3, 3]),
                ints(&[2, 2]),
                ints(&[1, 1]),
                ints(&[1, 1]),
                Arg::Bool(true),
            ],
        ),
        (
            "aten::avg_pool2d",
            vec![
                x(),
                ints(&[3, 3]),
                ints(&[2, 2]),
                ints(&[1, 1]),
                Arg::Bool(true),
                Arg::Bool(false),
                Arg::None,
            ],
        ),
        ("aten::adaptive_avg_pool2d", vec![x(), ints(&[3, 2])]),
        (
            "aten::upsample_bilinear2d.vec",
            vec![
                x(),
                Arg::None,
                Arg::Bool(false),
                Arg::List(vec![Arg::Float(1.5), Arg::Float(2.0)]),
            ],
        ),
        (
            "aten::upsample_nearest2d",
            vec![x(), ints(&[7, 3]), Arg::None, Arg::None],
        ),
        (
            "aten::batch_norm",
            vec![
                x(),
                tensor(&[2], DType::F32),
                tensor(&[2], DType::F32),
                tensor(&[2], DType::F32),
                tensor(&[2], DType::F32),
                Arg::Bool(false),
                Arg::Float(0.1),
                Arg::Float(1e-5),
                Arg::Bool(true),
            ],
        ),
        (
            "aten::layer_norm",
            vec![
                x(),
                ints(&[5, 5]),
                Arg::None,
                Arg::None,
                Arg::Float(1e-5),
                Arg::Bool(true),
            ],
        ),
        (
            "aten::group_norm",
            vec![
                x(),
                Arg::Int(2),
                Arg::None,
                Arg::None,
                Arg::Float(1e-5),
                Arg::Bool(true),
            ],
        ),
        (
            "aten::constant_pad_nd",
            vec![x(), ints(&[1, -1, 2, 0]), Arg::Float(0.0)],
        ),
        (
            "aten::pad",
            vec![x(), ints(&[1, 2]), Arg::Str("reflect".into()), Arg::None],
        ),
        (
            "aten::embedding_bag",
            vec![
                tensor(&[5, 3], DType::F32),
                Arg::Tensor(Tensor::from_vec(vec![0i64, 4, 2], &[3]).unwrap()),
                Arg::Tensor(Tensor::from_vec(vec![0i64, 1], &[2]).unwrap()),
                Arg::Bool(false),
                Arg::Int(1),
                Arg::Bool(false),
                Arg::None,
                Arg::Bool(false),
            ],
        ),
        (
            "aten::lstm.input",
            vec![
                tensor(&[2, 1, 3], DType::F32),
                Arg::List(vec![
                    tensor(&[1, 1, 2], DType::F32),
                    tensor(&[1, 1, 2], DType::F32),
                ]),
                Arg::List(vec![
                    tensor(&[8, 3], DType::F32),
                    tensor(&[8, 2], DType::F32),
                    tensor(&[8], DType::F32),
                    tensor(&[8], DType::F32),
                ]),
                Arg::Bool(true),
                Arg::Int(1),
                Arg::Float(0.0),
                Arg::Bool(false),
                Arg::Bool(false),
                Arg::Bool(false),
            ],
        ),
        (
            "aten::gru.data",
            vec![
                tensor(&[3, 3], DType::F32),
                Arg::Tensor(Tensor::from_vec(vec![2i64, 1], &[2]).unwrap()),
                tensor(&[1, 2, 2], DType::F32),
                Arg::List(vec![
                    tensor(&[6, 3], DType::F32),
                    tensor(&[6, 2], DType::F32),
                ]),
                Arg::Bool(false),
                Arg::Int(1),
                Arg::Float(0.0),
                Arg::Bool(false),
                Arg::Bool(false),
            ],
        ),
        (
            "aten::scaled_dot_product_attention",
            vec![
                tensor(&[1, 2, 3, 4], DType::F32),
                tensor(&[1, 2, 3, 4], DType::F32),
                tensor(&[1, 2, 3, 4], DType::F32),
                Arg::None,
                Arg::Float(0.0),
                Arg::Bool(true),
                Arg::None,
                Arg::Bool(false),
            ],
        ),
        (
            "aten::_native_multi_head_attention",
            vec![
                tensor(&[1, 3, 4], DType::F32),
                tensor(&[1, 3, 4], DType::F32),
                tensor(&[1, 3, 4], DType::F32),
                Arg::Int(4),
                Arg::Int(2),
                tensor(&[12, 4], DType::F32),
                tensor(&[12], DType::F32),
                tensor(&[4, 4], DType::F32),
                tensor(&[4], DType::F32),
                Arg::None,
                Arg::Bool(true),
                Arg::Bool(true),
                Arg::None,
            ],
        ),
        (
            "aten::einsum",
            vec![
                Arg::Str("bij,bjk->bik".into()),
                Arg::List(vec![
                    tensor(&[2, 2, 3], DType::F32),
                    tensor(&[2, 3, 2], DType::F32),
                ]),
                Arg::None,
            ],
        ),
        (
            "aten::pixel_shuffle",
            vec![tensor(&[1, 4, 2, 2], DType::F32), Arg::Int(2)],
        ),
        ("aten::softmax.int", vec![x(), Arg::Int(-1), Arg::None]),
        (
            "aten::linear",
            vec![
                tensor(&[2, 3], DType::F32),
                tensor(&[4, 3], DType::F32),
                tensor(&[4], DType::F32),
            ],
        ),
    ]
}

#[test]
fn kernels_never_panic_on_mutated_valid_calls() {
    let reg = Registry::with_all_ops();
    let pool = candidates();
    let mut rng = Lcg(11);
    let mut failures: Vec<String> = Vec::new();
    for (name, base) in baselines() {
        assert!(
            reg.call(name, &base).is_ok(),
            "{name} baseline failed: {:?}",
            reg.call(name, &base)
        );
        for round in 0..400 {
            let mut args = base.clone();
            for _ in 0..(1 + round % 2) {
                let i = rng.next(args.len());
                args[i] = pool[rng.next(pool.len())].clone();
            }
            if quietly_panics(|| reg.call(name, &args)) && failures.len() < 40 {
                failures.push(format!("{name} panicked on {args:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
