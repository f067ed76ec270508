//! The specialised depthwise kernels (3x3/5x5/7x7, stride 1/2, padding k/2, channel multiplier
//! 1 and 2) against a naive reference on pseudo-random inputs with odd, tiny and large sizes
//! (large outputs reuse the pooled buffers of earlier ones), with and without bias.

mod nn_support;

use nn_support::{ints, rand_vec};
use torchscript_ops::{Arg, Registry, Tensor};

#[allow(clippy::too_many_arguments)]
fn naive(
    x: &[f32],
    w: &[f32],
    b: Option<&[f32]>,
    (n, c, h, wd): (usize, usize, usize, usize),
    m: usize,
    k: usize,
    s: usize,
    oh: usize,
    ow: usize,
) -> Vec<f32> {
    let pad = (k / 2) as isize;
    let oc = c * m;
    let mut out = vec![0.0f32; n * oc * oh * ow];
    for ni in 0..n {
        for co in 0..oc {
            // output channel `co` reads input channel `co / m`
            let ci = co / m;
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = 0.0f64;
                    for i in 0..k {
                        for j in 0..k {
                            let iy = (oy * s + i) as isize - pad;
                            let ix = (ox * s + j) as isize - pad;
                            if iy < 0 || ix < 0 || iy >= h as isize || ix >= wd as isize {
                                continue;
                            }
                            let xv = x[((ni * c + ci) * h + iy as usize) * wd + ix as usize];
                            acc += f64::from(xv) * f64::from(w[(co * k + i) * k + j]);
                        }
                    }
                    let bias = b.map_or(0.0, |b| f64::from(b[co]));
                    out[((ni * oc + co) * oh + oy) * ow + ox] = (acc + bias) as f32;
                }
            }
        }
    }
    out
}

#[test]
fn depthwise_fast_path_matches_naive() {
    let reg = Registry::with_all_ops();
    let mut seed = 7u64;
    for k in [3usize, 5, 7] {
        for s in [1usize, 2] {
            for (n, c, h, wd) in [
                (1, 3, 1, 1),
                (1, 2, 2, 3),
                (2, 3, 5, 7),
                (1, 4, 9, 13),
                (1, 3, 17, 11),
                (2, 2, 23, 31),
                (1, 2, 14, 14),
                (1, 2, 7, 7),
                (1, 1, 3, 40),
                (1, 8, 64, 64),
            ] {
                for m in [1usize, 2] {
                    let pad = k / 2;
                    if h + 2 * pad < k || wd + 2 * pad < k {
                        continue;
                    }
                    let oh = (h + 2 * pad - k) / s + 1;
                    let ow = (wd + 2 * pad - k) / s + 1;
                    let x = rand_vec(n * c * h * wd, &mut seed);
                    let w = rand_vec(c * m * k * k, &mut seed);
                    let b = rand_vec(c * m, &mut seed);
                    for with_bias in [false, true] {
                        let args = [
                            Arg::Tensor(Tensor::from_vec(x.clone(), &[n, c, h, wd]).unwrap()),
                            Arg::Tensor(Tensor::from_vec(w.clone(), &[c * m, 1, k, k]).unwrap()),
                            if with_bias {
                                Arg::Tensor(Tensor::from_vec(b.clone(), &[c * m]).unwrap())
                            } else {
                                Arg::None
                            },
                            ints(&[s as i64, s as i64]),
                            ints(&[pad as i64, pad as i64]),
                            ints(&[1, 1]),
                            Arg::Int(c as i64),
                        ];
                        let out = match reg.call("aten::conv2d", &args).unwrap() {
                            Arg::Tensor(t) => t,
                            other => panic!("unexpected {other:?}"),
                        };
                        assert_eq!(out.shape(), &[n, c * m, oh, ow]);
                        let got = out.to_vec::<f32>().unwrap();
                        let bias = with_bias.then_some(&b[..]);
                        let want = naive(&x, &w, bias, (n, c, h, wd), m, k, s, oh, ow);
                        for (idx, (g, e)) in got.iter().zip(&want).enumerate() {
                            assert!(
                                (g - e).abs() <= 1e-5 + 1e-4 * e.abs(),
                                "k{k} s{s} m{m} {:?} bias {with_bias} at {idx}: {g} vs {e}",
                                (n, c, h, wd)
                            );
                        }
                    }
                }
            }
        }
    }
}
