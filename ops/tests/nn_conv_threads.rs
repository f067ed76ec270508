//! Convolutions split across an executor's threads (one parallel region per image: each thread
//! unfolds and multiplies its own bands of output rows) against a naive float64 reference, for
//! 1, 2 and 3 threads, with uneven splits, several panels per thread, bias, stride, padding and
//! dilation.

mod nn_support;

use nn_support::{assert_close_f32, conv2d_on, ints, rand_vec};
use torchscript_ops::parallel::Executor;
use torchscript_ops::{Arg, Registry, Tensor};

/// One convolution's geometry: input `[1, c, h, w]`, weights `[oc, c, k, k]`.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    c: usize,
    oc: usize,
    h: usize,
    w: usize,
    k: usize,
    stride: usize,
    pad: usize,
    dilation: usize,
}

impl Geometry {
    fn out(&self, size: usize) -> usize {
        (size + 2 * self.pad - self.dilation * (self.k - 1) - 1) / self.stride + 1
    }
}

fn naive(x: &[f32], wt: &[f32], bias: Option<&[f32]>, g: Geometry) -> Vec<f32> {
    let (oh, ow) = (g.out(g.h), g.out(g.w));
    let mut out = vec![0.0f32; g.oc * oh * ow];
    for o in 0..g.oc {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = bias.map_or(0.0, |b| f64::from(b[o]));
                for ci in 0..g.c {
                    for i in 0..g.k {
                        for j in 0..g.k {
                            let iy = (oy * g.stride + i * g.dilation) as isize - g.pad as isize;
                            let ix = (ox * g.stride + j * g.dilation) as isize - g.pad as isize;
                            if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize {
                                continue;
                            }
                            let xv = x[(ci * g.h + iy as usize) * g.w + ix as usize];
                            let wv = wt[((o * g.c + ci) * g.k + i) * g.k + j];
                            acc += f64::from(xv) * f64::from(wv);
                        }
                    }
                }
                out[(o * oh + oy) * ow + ox] = acc as f32;
            }
        }
    }
    out
}

#[test]
fn threaded_convolutions_match_the_reference() {
    let reg = Registry::with_all_ops();
    let mut seed = 11u64;
    let geometries = [
        // several cache-sized panels per thread, an odd row count
        Geometry {
            c: 64,
            oc: 24,
            h: 41,
            w: 40,
            k: 3,
            stride: 1,
            pad: 1,
            dilation: 1,
        },
        // one panel per thread, rows not divisible by 2 or 3
        Geometry {
            c: 48,
            oc: 40,
            h: 13,
            w: 13,
            k: 3,
            stride: 1,
            pad: 1,
            dilation: 1,
        },
        // strided, dilated, padding wider than the taps reach
        Geometry {
            c: 32,
            oc: 33,
            h: 31,
            w: 27,
            k: 5,
            stride: 2,
            pad: 4,
            dilation: 2,
        },
        // a stem: few input channels, large kernel and stride
        Geometry {
            c: 3,
            oc: 32,
            h: 61,
            w: 58,
            k: 7,
            stride: 2,
            pad: 3,
            dilation: 1,
        },
    ];
    let executors = [1, 2, 3].map(|t| Executor::new(t).unwrap());
    for g in geometries {
        let x = rand_vec(g.c * g.h * g.w, &mut seed);
        let wt = rand_vec(g.oc * g.c * g.k * g.k, &mut seed);
        let b = rand_vec(g.oc, &mut seed);
        for with_bias in [false, true] {
            let bias = with_bias.then_some(&b[..]);
            let want = naive(&x, &wt, bias, g);
            for exec in &executors {
                let args = [
                    Arg::Tensor(Tensor::from_vec(x.clone(), &[1, g.c, g.h, g.w]).unwrap()),
                    Arg::Tensor(Tensor::from_vec(wt.clone(), &[g.oc, g.c, g.k, g.k]).unwrap()),
                    match bias {
                        Some(b) => Arg::Tensor(Tensor::from_vec(b.to_vec(), &[g.oc]).unwrap()),
                        None => Arg::None,
                    },
                    ints(&[g.stride as i64; 2]),
                    ints(&[g.pad as i64; 2]),
                    ints(&[g.dilation as i64; 2]),
                    Arg::Int(1),
                ];
                let out = conv2d_on(exec, &reg, &args);
                assert_eq!(out.shape(), &[1, g.oc, g.out(g.h), g.out(g.w)]);
                let got = out.to_vec::<f32>().unwrap();
                let threads = exec.threads();
                let context = format!("{g:?} bias {with_bias} on {threads} threads");
                assert_close_f32(&got, &want, &context);
            }
        }
    }
}
