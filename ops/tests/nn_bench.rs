//! Micro-benchmarks of the hot neural-network kernels (ignored; run with
//! `cargo test --release -p torchscript-ops --test nn_bench -- --ignored --nocapture`).

use std::time::Instant;

use torchscript_ops::parallel::set_intra_op_threads;
use torchscript_ops::{Arg, Registry, Tensor};

fn ramp(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n).map(|i| ((i % 97) as f32 - 48.0) / 97.0).collect();
    Tensor::from_vec(v, shape).unwrap()
}

fn ints(v: &[i64]) -> Arg {
    Arg::List(v.iter().map(|&i| Arg::Int(i)).collect())
}

fn time(name: &str, reps: usize, f: impl Fn()) {
    f();
    let start = Instant::now();
    for _ in 0..reps {
        f();
    }
    let ms = start.elapsed().as_secs_f64() * 1e3 / reps as f64;
    println!("{name}: {ms:.3} ms");
}

/// (in channels, out channels, size, kernel, stride) of ResNet-18's convolutions at 224x224.
const RESNET18_CONVS: [(usize, usize, usize, usize, usize, usize); 9] = [
    // (cin, cout, hw, k, stride, count)
    (3, 64, 224, 7, 2, 1),
    (64, 64, 56, 3, 1, 4),
    (64, 128, 56, 3, 2, 1),
    (128, 128, 28, 3, 1, 3),
    (128, 256, 28, 3, 2, 1),
    (256, 256, 14, 3, 1, 3),
    (256, 512, 14, 3, 2, 1),
    (512, 512, 7, 3, 1, 3),
    (64, 128, 56, 1, 2, 1),
];

#[test]
#[ignore]
fn bench_conv_and_linear() {
    let reg = Registry::with_all_ops();
    for threads in [1, 2] {
        set_intra_op_threads(threads);
        println!("-- {threads} thread(s)");
        let x = ramp(&[1, 64, 56, 56]);
        let w = ramp(&[64, 64, 3, 3]);
        let b = ramp(&[64]);
        let args = [
            Arg::Tensor(x),
            Arg::Tensor(w),
            Arg::Tensor(b),
            ints(&[1, 1]),
            ints(&[1, 1]),
            ints(&[1, 1]),
            Arg::Int(1),
        ];
        time("conv2d 1x64x56x56 3x3 pad 1", 50, || {
            reg.call("aten::conv2d", &args).unwrap();
        });
        let x = ramp(&[1, 512]);
        let w = ramp(&[1000, 512]);
        let b = ramp(&[1000]);
        let args = [Arg::Tensor(x), Arg::Tensor(w), Arg::Tensor(b)];
        time("linear 1x512 -> 1000", 200, || {
            reg.call("aten::linear", &args).unwrap();
        });
        let mut total = 0.0;
        for &(cin, cout, hw, k, s, count) in &RESNET18_CONVS {
            let x = ramp(&[1, cin, hw, hw]);
            let w = ramp(&[cout, cin, k, k]);
            let p = (k / 2) as i64;
            let args = [
                Arg::Tensor(x),
                Arg::Tensor(w),
                Arg::None,
                ints(&[s as i64, s as i64]),
                ints(&[p, p]),
                ints(&[1, 1]),
                Arg::Int(1),
            ];
            let start = Instant::now();
            let reps = 10;
            for _ in 0..reps {
                reg.call("aten::conv2d", &args).unwrap();
            }
            let ms = start.elapsed().as_secs_f64() * 1e3 / reps as f64;
            total += ms * count as f64;
        }
        println!("resnet-18 convolutions (sum): {total:.2} ms");
    }
}

#[test]
#[ignore]
fn bench_gemm_shapes() {
    let reg = Registry::with_all_ops();
    set_intra_op_threads(1);
    for (m, k, n) in [
        (64, 576, 3136),
        (128, 1152, 784),
        (256, 2304, 196),
        (512, 4608, 49),
    ] {
        let a = ramp(&[m, k]);
        let b = ramp(&[k, n]);
        let args = [Arg::Tensor(a), Arg::Tensor(b)];
        time(&format!("mm {m}x{k} @ {k}x{n}"), 20, || {
            reg.call("aten::mm", &args).unwrap();
        });
        let a = ramp(&[m, k]);
        let bt = ramp(&[n, k]).transpose(0, 1).unwrap();
        let args = [Arg::Tensor(a), Arg::Tensor(bt)];
        time(&format!("mm {m}x{k} @ ({n}x{k})^T"), 20, || {
            reg.call("aten::mm", &args).unwrap();
        });
    }
}
