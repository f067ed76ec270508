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
    // the minimum over repetitions: the machine may be shared with other work
    f();
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let start = Instant::now();
        f();
        best = best.min(start.elapsed().as_secs_f64() * 1e3);
    }
    println!("{name}: {best:.3} ms (min of {reps})");
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
        for (rows, din, dout) in [(197, 384, 1536), (197, 1536, 384), (128, 768, 768)] {
            let x = ramp(&[rows, din]);
            let w = ramp(&[dout, din]);
            let b = ramp(&[dout]);
            let args = [Arg::Tensor(x), Arg::Tensor(w), Arg::Tensor(b)];
            time(&format!("linear {rows}x{din} -> {dout}"), 50, || {
                reg.call("aten::linear", &args).unwrap();
            });
        }
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
            let mut ms = f64::INFINITY;
            for _ in 0..10 {
                let start = Instant::now();
                reg.call("aten::conv2d", &args).unwrap();
                ms = ms.min(start.elapsed().as_secs_f64() * 1e3);
            }
            println!("  conv {cin}->{cout} {hw}x{hw} k{k} s{s}: {ms:.3} ms");
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

struct Net {
    reg: Registry,
    weights: std::cell::RefCell<Vec<Tensor>>,
    next: std::cell::Cell<usize>,
    per_op: std::cell::RefCell<std::collections::BTreeMap<String, f64>>,
}

impl Net {
    /// The next parameter of the forward pass (made on the first pass, reused afterwards).
    fn param(&self, shape: &[usize], make: impl Fn(&[usize]) -> Tensor) -> Tensor {
        let i = self.next.get();
        self.next.set(i + 1);
        let mut w = self.weights.borrow_mut();
        if i == w.len() {
            w.push(make(shape));
        }
        w[i].clone()
    }

    fn conv(&self, x: &Tensor, cin: usize, cout: usize, k: usize, stride: i64) -> Tensor {
        let w = self.param(&[cout, cin, k, k], ramp);
        let p = (k / 2) as i64;
        let args = [
            Arg::Tensor(x.clone()),
            Arg::Tensor(w),
            Arg::None,
            ints(&[stride, stride]),
            ints(&[p, p]),
            ints(&[1, 1]),
            Arg::Int(1),
        ];
        self.one("aten::conv2d", &args)
    }

    fn bn(&self, x: &Tensor, c: usize) -> Tensor {
        let p = || Arg::Tensor(self.param(&[c], ramp));
        let var =
            Arg::Tensor(self.param(&[c], |s| Tensor::from_vec(vec![1.0f32; s[0]], s).unwrap()));
        let args = [
            Arg::Tensor(x.clone()),
            p(),
            p(),
            p(),
            var,
            Arg::Bool(false),
            Arg::Float(0.1),
            Arg::Float(1e-5),
            Arg::Bool(true),
        ];
        self.one("aten::batch_norm", &args)
    }

    fn relu_(&self, x: &Tensor) -> Tensor {
        self.one("aten::relu_", &[Arg::Tensor(x.clone())])
    }

    fn one(&self, op: &str, args: &[Arg]) -> Tensor {
        let start = Instant::now();
        let result = self.reg.call(op, args).unwrap();
        *self.per_op.borrow_mut().entry(op.to_string()).or_default() +=
            start.elapsed().as_secs_f64() * 1e3;
        match result {
            Arg::Tensor(t) => t,
            other => panic!("{other:?}"),
        }
    }

    fn add_relu(&self, a: &Tensor, b: &Tensor) -> Tensor {
        // stands in for aten::add_ (a general op): contiguous slices
        let (x, y) = (a.to_vec::<f32>().unwrap(), b.to_vec::<f32>().unwrap());
        let v: Vec<f32> = x.iter().zip(&y).map(|(p, q)| (p + q).max(0.0)).collect();
        Tensor::from_vec(v, a.shape()).unwrap()
    }

    fn block(&self, x: &Tensor, cin: usize, cout: usize, stride: i64) -> Tensor {
        let y = self.relu_(&self.bn(&self.conv(x, cin, cout, 3, stride), cout));
        let y = self.bn(&self.conv(&y, cout, cout, 3, 1), cout);
        let shortcut = if stride != 1 || cin != cout {
            self.bn(&self.conv(x, cin, cout, 1, stride), cout)
        } else {
            x.clone()
        };
        self.add_relu(&y, &shortcut)
    }

    fn resnet18(&self, x: &Tensor) -> Tensor {
        self.next.set(0);
        let mut y = self.relu_(&self.bn(&self.conv(x, 3, 64, 7, 2), 64));
        y = self.one(
            "aten::max_pool2d",
            &[
                Arg::Tensor(y),
                ints(&[3, 3]),
                ints(&[2, 2]),
                ints(&[1, 1]),
                ints(&[1, 1]),
                Arg::Bool(false),
            ],
        );
        for (cin, cout, stride) in [
            (64, 64, 1),
            (64, 64, 1),
            (64, 128, 2),
            (128, 128, 1),
            (128, 256, 2),
            (256, 256, 1),
            (256, 512, 2),
            (512, 512, 1),
        ] {
            y = self.block(&y, cin, cout, stride);
        }
        y = self.one(
            "aten::adaptive_avg_pool2d",
            &[Arg::Tensor(y), ints(&[1, 1])],
        );
        let y = y.flatten(1, -1).unwrap();
        let args = [
            Arg::Tensor(y),
            Arg::Tensor(ramp(&[1000, 512])),
            Arg::Tensor(ramp(&[1000])),
        ];
        self.one("aten::linear", &args)
    }
}

/// ResNet-18 forward at 1x3x224x224 from this crate's kernels (the residual add+relu, a general
/// op, is a plain loop here).
#[test]
#[ignore]
fn bench_resnet18_forward() {
    let net = Net {
        reg: Registry::with_all_ops(),
        weights: Default::default(),
        next: Default::default(),
        per_op: Default::default(),
    };
    let x = ramp(&[1, 3, 224, 224]);
    for threads in [1, 2] {
        set_intra_op_threads(threads);
        time(
            &format!("resnet-18 forward, {threads} thread(s)"),
            5,
            || {
                net.resnet18(&x);
            },
        );
        for (op, ms) in std::mem::take(&mut *net.per_op.borrow_mut()) {
            println!("  {op}: {:.2} ms per forward", ms / 6.0);
        }
    }
}

#[test]
#[ignore]
fn bench_depthwise() {
    let reg = Registry::with_all_ops();
    set_intra_op_threads(1);
    // (channels, size, kernel, stride): MobileNetV2/V3 depthwise layers
    for (c, hw, k, s) in [
        (32, 112, 3, 1),
        (144, 56, 3, 2),
        (384, 14, 3, 1),
        (960, 7, 3, 1),
        (16, 112, 3, 2),
        (72, 56, 3, 2),
        (88, 28, 3, 1),
        (96, 28, 5, 2),
        (96, 14, 5, 1),
        (240, 14, 5, 1),
        (288, 14, 5, 2),
        (576, 7, 5, 1),
        (72, 56, 5, 2),
    ] {
        let x = ramp(&[1, c, hw, hw]);
        let w = ramp(&[c, 1, k, k]);
        let pad = (k / 2) as i64;
        let args = [
            Arg::Tensor(x),
            Arg::Tensor(w),
            Arg::None,
            ints(&[s, s]),
            ints(&[pad, pad]),
            ints(&[1, 1]),
            Arg::Int(c as i64),
        ];
        time(
            &format!("depthwise {k}x{k} 1x{c}x{hw}x{hw} stride {s}"),
            20,
            || {
                reg.call("aten::conv2d", &args).unwrap();
            },
        );
    }
}

#[test]
#[ignore]
fn bench_vit_attention() {
    let reg = Registry::with_all_ops();
    for threads in [1, 2] {
        set_intra_op_threads(threads);
        println!("-- {threads} thread(s)");
        let x = ramp(&[1, 197, 384]);
        let args = [
            Arg::Tensor(x.clone()),
            Arg::Tensor(x.clone()),
            Arg::Tensor(x),
            Arg::Int(384),
            Arg::Int(6),
            Arg::Tensor(ramp(&[1152, 384])),
            Arg::Tensor(ramp(&[1152])),
            Arg::Tensor(ramp(&[384, 384])),
            Arg::Tensor(ramp(&[384])),
            Arg::None,
            Arg::Bool(false),
            Arg::Bool(true),
            Arg::None,
        ];
        time("mha 1x197x384, 6 heads", 30, || {
            reg.call("aten::_native_multi_head_attention", &args)
                .unwrap();
        });
        let q = ramp(&[1, 6, 197, 64]);
        let kt = ramp(&[1, 6, 64, 197]);
        let args = [Arg::Tensor(q), Arg::Tensor(kt)];
        time("matmul 6x197x64 @ 6x64x197", 30, || {
            reg.call("aten::matmul", &args).unwrap();
        });
        let p = ramp(&[1, 6, 197, 197]);
        let v = ramp(&[1, 6, 197, 64]);
        let args = [Arg::Tensor(p.clone()), Arg::Tensor(v)];
        time("matmul 6x197x197 @ 6x197x64", 30, || {
            reg.call("aten::matmul", &args).unwrap();
        });
        let args = [Arg::Tensor(p), Arg::Int(-1), Arg::None];
        time("softmax 6x197x197", 30, || {
            reg.call("aten::softmax.int", &args).unwrap();
        });
        let g = ramp(&[1, 197, 1536]);
        let args = [Arg::Tensor(g), Arg::Str("none".into())];
        time("gelu 197x1536", 30, || {
            reg.call("aten::gelu", &args).unwrap();
        });
    }
}
