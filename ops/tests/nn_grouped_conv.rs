//! The direct kernel of convolutions with few input channels per group (grouped 3x3 of RegNet, 3-channel stems) against a naive float64 reference: odd sizes, stride 1-3, padding, dilation, rectangular kernels, output-channel tails, batch 2, bias, 1 and 2 threads.

mod nn_support;

use nn_support::{assert_close_f32, conv2d_on, ints, rand_vec};
use torchscript_ops::parallel::Executor;
use torchscript_ops::{Arg, Registry, Tensor};

/// Input `[n, c, h, w]`, weights `[oc, c / groups, kh, kw]`.
#[derive(Debug, Clone, Copy)]
struct Case {
    n: usize,
    c: usize,
    oc: usize,
    groups: usize,
    h: usize,
    w: usize,
    k: [usize; 2],
    stride: [usize; 2],
    pad: [usize; 2],
    dilation: [usize; 2],
}

impl Case {
    fn out(&self, axis: usize) -> usize {
        let size = [self.h, self.w][axis];
        (size + 2 * self.pad[axis] - self.dilation[axis] * (self.k[axis] - 1) - 1)
            / self.stride[axis]
            + 1
    }
}

fn naive(x: &[f32], wt: &[f32], bias: Option<&[f32]>, g: Case) -> Vec<f32> {
    let (oh, ow) = (g.out(0), g.out(1));
    let (cg, ocg) = (g.c / g.groups, g.oc / g.groups);
    let mut out = vec![0.0f32; g.n * g.oc * oh * ow];
    for ni in 0..g.n {
        for o in 0..g.oc {
            let gi = o / ocg;
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = bias.map_or(0.0, |b| f64::from(b[o]));
                    for ci in 0..cg {
                        let c = gi * cg + ci;
                        for i in 0..g.k[0] {
                            for j in 0..g.k[1] {
                                let iy = (oy * g.stride[0] + i * g.dilation[0]) as isize
                                    - g.pad[0] as isize;
                                let ix = (ox * g.stride[1] + j * g.dilation[1]) as isize
                                    - g.pad[1] as isize;
                                if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize {
                                    continue;
                                }
                                let xv =
                                    x[((ni * g.c + c) * g.h + iy as usize) * g.w + ix as usize];
                                let wv = wt[((o * cg + ci) * g.k[0] + i) * g.k[1] + j];
                                acc += f64::from(xv) * f64::from(wv);
                            }
                        }
                    }
                    out[((ni * g.oc + o) * oh + oy) * ow + ox] = acc as f32;
                }
            }
        }
    }
    out
}

#[test]
fn grouped_direct_kernel_matches_naive() {
    let reg = Registry::with_all_ops();
    let mut seed = 11u64;
    let case = |n, c, oc, groups, (h, w), k, stride, pad, dilation| Case {
        n,
        c,
        oc,
        groups,
        h,
        w,
        k,
        stride,
        pad,
        dilation,
    };
    let cases = [
        // RegNet's grouped 3x3 (group width 8), stride 1 and 2, 7x7 to 56x56-like planes
        case(1, 48, 48, 6, (29, 29), [3, 3], [2, 2], [1, 1], [1, 1]),
        case(1, 48, 48, 6, (28, 28), [3, 3], [1, 1], [1, 1], [1, 1]),
        case(1, 32, 32, 4, (7, 7), [3, 3], [1, 1], [1, 1], [1, 1]),
        case(2, 16, 16, 2, (14, 14), [3, 3], [1, 1], [1, 1], [1, 1]),
        case(2, 24, 24, 3, (14, 13), [3, 3], [2, 2], [1, 1], [1, 1]),
        // output-channel tails (ocg not a multiple of 4), odd sizes, multiplier 2
        case(1, 6, 10, 2, (9, 11), [3, 3], [1, 1], [1, 1], [1, 1]),
        case(2, 4, 14, 2, (5, 3), [3, 3], [1, 1], [0, 0], [1, 1]),
        case(1, 2, 12, 2, (17, 23), [3, 3], [1, 1], [1, 1], [1, 1]),
        case(1, 15, 7, 1, (12, 31), [3, 3], [1, 1], [1, 1], [1, 1]),
        // stems: few channels, large kernels and strides, stride 3, rectangular kernels
        case(1, 3, 32, 1, (33, 30), [3, 3], [2, 2], [1, 1], [1, 1]),
        case(1, 3, 9, 1, (25, 26), [7, 7], [2, 2], [3, 3], [1, 1]),
        case(2, 3, 5, 1, (20, 19), [5, 5], [3, 3], [2, 2], [1, 1]),
        case(1, 8, 8, 2, (16, 40), [1, 5], [1, 2], [0, 2], [1, 1]),
        case(1, 8, 12, 4, (19, 17), [3, 1], [2, 1], [1, 0], [1, 1]),
        // dilation, padding larger than the kernel reach, a 1x1 with stride 2
        case(1, 8, 8, 2, (13, 15), [3, 3], [1, 1], [2, 2], [2, 2]),
        case(1, 4, 8, 2, (11, 10), [3, 3], [2, 1], [3, 2], [2, 3]),
        case(1, 16, 24, 2, (9, 9), [1, 1], [2, 2], [0, 0], [1, 1]),
        // tiny planes: one output column, one output row
        case(1, 4, 4, 2, (1, 1), [3, 3], [1, 1], [1, 1], [1, 1]),
        case(1, 4, 8, 1, (3, 1), [3, 1], [1, 1], [0, 0], [1, 1]),
    ];
    let executors = [1, 2].map(|t| Executor::new(t).unwrap());
    for g in cases {
        let (cg, oc) = (g.c / g.groups, g.oc);
        let x = rand_vec(g.n * g.c * g.h * g.w, &mut seed);
        let wt = rand_vec(oc * cg * g.k[0] * g.k[1], &mut seed);
        let b = rand_vec(oc, &mut seed);
        for with_bias in [false, true] {
            let bias = with_bias.then_some(&b[..]);
            let want = naive(&x, &wt, bias, g);
            for exec in &executors {
                let args = [
                    Arg::Tensor(Tensor::from_vec(x.clone(), &[g.n, g.c, g.h, g.w]).unwrap()),
                    Arg::Tensor(Tensor::from_vec(wt.clone(), &[oc, cg, g.k[0], g.k[1]]).unwrap()),
                    match bias {
                        Some(b) => Arg::Tensor(Tensor::from_vec(b.to_vec(), &[oc]).unwrap()),
                        None => Arg::None,
                    },
                    ints(&g.stride.map(|v| v as i64)),
                    ints(&g.pad.map(|v| v as i64)),
                    ints(&g.dilation.map(|v| v as i64)),
                    Arg::Int(g.groups as i64),
                ];
                let out = conv2d_on(exec, &reg, &args);
                assert_eq!(out.shape(), &[g.n, oc, g.out(0), g.out(1)]);
                let got = out.to_vec::<f32>().unwrap();
                let threads = exec.threads();
                let context = format!("{g:?} bias {with_bias} on {threads} threads");
                assert_close_f32(&got, &want, &context);
            }
        }
    }
}

#[test]
fn grouped_float64_takes_the_unfolded_path() {
    // float64 is not taken by the direct kernel: the same case still matches
    let reg = Registry::with_all_ops();
    let mut seed = 5u64;
    let x: Vec<f64> = rand_vec(8 * 6 * 7, &mut seed)
        .into_iter()
        .map(f64::from)
        .collect();
    let wt: Vec<f64> = rand_vec(8 * 4 * 9, &mut seed)
        .into_iter()
        .map(f64::from)
        .collect();
    let args = [
        Arg::Tensor(Tensor::from_vec(x.clone(), &[1, 8, 6, 7]).unwrap()),
        Arg::Tensor(Tensor::from_vec(wt.clone(), &[8, 4, 3, 3]).unwrap()),
        Arg::None,
        ints(&[1, 1]),
        ints(&[1, 1]),
        ints(&[1, 1]),
        Arg::Int(2),
    ];
    let Arg::Tensor(out) = reg.call("aten::conv2d", &args).unwrap() else {
        panic!("conv2d returned no tensor");
    };
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let w32: Vec<f32> = wt.iter().map(|&v| v as f32).collect();
    let g = Case {
        n: 1,
        c: 8,
        oc: 8,
        groups: 2,
        h: 6,
        w: 7,
        k: [3, 3],
        stride: [1, 1],
        pad: [1, 1],
        dilation: [1, 1],
    };
    let want = naive(&x32, &w32, None, g);
    let got = out.to_vec::<f64>().unwrap();
    for (v, e) in got.iter().zip(&want) {
        assert!((v - f64::from(*e)).abs() <= 1e-5);
    }
}
