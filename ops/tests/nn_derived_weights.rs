//! Products by derived weight forms (a mapped float32 `[out, in]` weight stored once more, as
//! column panels of its transpose, on first use) against a float64 reference: made only when
//! on, once per weight view, only for 5 to 128 rows, never read once the weight was written.

mod nn_support;

use std::sync::Arc;

use nn_support::{linear_reference, mapped_f32_region, rand_vec};
use torchscript_ops::parallel::Executor;
use torchscript_ops::{Arg, DType, DerivedWeights, Registry, Tensor};

fn assert_close(got: &Tensor, want: &[f64], what: &str) {
    let got = got.to_vec::<f64>().unwrap();
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4 + 1e-4 * w.abs(),
            "{what} at {i}: {g} vs {w}"
        );
    }
}

fn output(arg: Arg) -> Tensor {
    match arg {
        Arg::Tensor(t) => t,
        other => panic!("expected a tensor, got {other:?}"),
    }
}

/// A `[n, k]` weight at element `offset` of a mapped record with derived forms in `derived`.
fn mapped_weight(
    values: &[f32],
    offset: usize,
    n: usize,
    k: usize,
    derived: &Arc<DerivedWeights>,
) -> Tensor {
    let mut record = vec![0.5f32; offset];
    record.extend_from_slice(values);
    record.extend([0.25f32; 3]);
    let region = mapped_f32_region(&record).with_derived(derived.clone());
    let w = Tensor::from_mapped(region, DType::F32, offset, vec![n, k], vec![k, 1]).unwrap();
    assert!(w.storage().is_mapped());
    w
}

fn linear(reg: &Registry, x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Tensor {
    let args = [
        Arg::Tensor(x.clone()),
        Arg::Tensor(w.clone()),
        b.map_or(Arg::None, |b| Arg::Tensor(b.clone())),
    ];
    output(reg.call("aten::linear", &args).unwrap())
}

#[test]
fn linear_by_a_derived_form_matches_the_reference_on_any_thread_count() {
    let reg = Registry::with_all_ops();
    let executors = [1, 2, 3].map(|t| Executor::new(t).unwrap());
    let mut seed = 11u64;
    // (batch, seq, k, n, offset of the weight in its record)
    for (batch, seq, k, n, offset) in [(2, 7, 45, 70, 0), (1, 33, 300, 130, 17), (3, 5, 64, 17, 5)]
    {
        let rows = batch * seq;
        let (xv, wv, bv) = (
            rand_vec(rows * k, &mut seed),
            rand_vec(n * k, &mut seed),
            rand_vec(n, &mut seed),
        );
        let x = Tensor::from_vec(xv.clone(), &[batch, seq, k]).unwrap();
        let b = Tensor::from_vec(bv.clone(), &[n]).unwrap();
        let derived = Arc::new(DerivedWeights::default());
        derived.set_enabled(true);
        let w = mapped_weight(&wv, offset, n, k, &derived);
        for with_bias in [false, true] {
            let want = linear_reference(&xv, &wv, with_bias.then_some(bv.as_slice()), rows, n, k);
            for exec in &executors {
                let out = exec.install(|| linear(&reg, &x, &w, with_bias.then_some(&b)));
                assert_eq!(out.shape(), &[batch, seq, n]);
                let what = format!(
                    "{batch}x{seq}x{k} -> {n} bias {with_bias} on {} threads",
                    exec.threads()
                );
                assert_close(&out, &want, &what);
            }
        }
        assert_eq!(derived.count(), 1, "one form for the weight, made once");
        assert_eq!(derived.bytes(), (n * k * 4) as u64);
    }
}

#[test]
fn matmul_and_addmm_by_the_transposed_weight_use_its_form() {
    let reg = Registry::with_all_ops();
    let mut seed = 3u64;
    let (rows, k, n) = (37, 130, 90);
    let (xv, wv) = (rand_vec(rows * k, &mut seed), rand_vec(n * k, &mut seed));
    let x = Tensor::from_vec(xv.clone(), &[rows, k]).unwrap();
    let derived = Arc::new(DerivedWeights::default());
    derived.set_enabled(true);
    let wt = mapped_weight(&wv, 0, n, k, &derived)
        .transpose(0, 1)
        .unwrap();
    let want = linear_reference(&xv, &wv, None, rows, n, k);
    let out = output(
        reg.call(
            "aten::matmul",
            &[Arg::Tensor(x.clone()), Arg::Tensor(wt.clone())],
        )
        .unwrap(),
    );
    assert_close(&out, &want, "matmul");
    let c = Tensor::from_vec(vec![1.0f32; rows * n], &[rows, n]).unwrap();
    let args = [
        Arg::Tensor(c),
        Arg::Tensor(x),
        Arg::Tensor(wt),
        Arg::Float(0.5),
        Arg::Float(-2.0),
    ];
    let out = output(reg.call("aten::addmm", &args).unwrap());
    let addmm_want: Vec<f64> = want.iter().map(|p| 0.5 - 2.0 * p).collect();
    assert_close(&out, &addmm_want, "addmm");
    assert_eq!(
        derived.count(),
        1,
        "matmul and addmm share the weight's one form"
    );
}

#[test]
fn no_form_is_made_when_off_or_for_a_few_rows() {
    let reg = Registry::with_all_ops();
    let mut seed = 7u64;
    let (k, n) = (40, 24);
    let wv = rand_vec(n * k, &mut seed);
    let derived = Arc::new(DerivedWeights::default());
    let w = mapped_weight(&wv, 0, n, k, &derived);
    let xv = rand_vec(9 * k, &mut seed);
    let x = Tensor::from_vec(xv.clone(), &[9, k]).unwrap();
    assert_close(
        &linear(&reg, &x, &w, None),
        &linear_reference(&xv, &wv, None, 9, n, k),
        "off",
    );
    assert_eq!(derived.count(), 0, "derived forms are off by default");
    derived.set_enabled(true);
    // up to 4 rows the weight-streaming kernel reads the weight as stored
    let few = Tensor::from_vec(xv[..4 * k].to_vec(), &[4, k]).unwrap();
    assert_close(
        &linear(&reg, &few, &w, None),
        &linear_reference(&xv, &wv, None, 4, n, k),
        "4 rows",
    );
    assert_eq!(
        derived.count(),
        0,
        "no form for the weight-streaming kernel"
    );
    linear(&reg, &x, &w, None);
    assert_eq!(derived.count(), 1);
    derived.set_enabled(false);
    assert_eq!(
        (derived.count(), derived.bytes()),
        (0, 0),
        "turning off drops the forms"
    );
}

#[test]
fn a_weight_written_after_its_form_was_made_is_read_as_written() {
    let reg = Registry::with_all_ops();
    let mut seed = 13u64;
    let (rows, k, n) = (12, 33, 20);
    let (xv, wv) = (rand_vec(rows * k, &mut seed), rand_vec(n * k, &mut seed));
    let x = Tensor::from_vec(xv.clone(), &[rows, k]).unwrap();
    let derived = Arc::new(DerivedWeights::default());
    derived.set_enabled(true);
    let w = mapped_weight(&wv, 0, n, k, &derived);
    assert_close(
        &linear(&reg, &x, &w, None),
        &linear_reference(&xv, &wv, None, rows, n, k),
        "before",
    );
    assert_eq!(derived.count(), 1);
    // an in-place write into the weight (copy on write: the tensor now owns its bytes)
    reg.call(
        "aten::mul_.Scalar",
        &[Arg::Tensor(w.clone()), Arg::Float(2.0)],
    )
    .unwrap();
    assert!(!w.storage().is_mapped());
    let doubled: Vec<f32> = wv.iter().map(|v| v * 2.0).collect();
    assert_close(
        &linear(&reg, &x, &w, None),
        &linear_reference(&xv, &doubled, None, rows, n, k),
        "after the write",
    );
}
