//! Loss functions: mse, l1, smooth_l1, huber, binary_cross_entropy (with logits), kl_div, nll_loss, cross_entropy_loss (float64 accumulation, one rounding).

use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::registry::{OpFn, Registry};
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;

use super::softmax::softmax;

/// `reduction`: 0 none, 1 mean, 2 sum.
fn reduce(
    op: &str,
    values: Vec<f64>,
    shape: &[usize],
    reduction: i64,
    dtype: DType,
) -> Result<Tensor> {
    let t = match reduction {
        0 => Tensor::from_vec(values, shape)?,
        1 => {
            let n = values.len();
            Tensor::scalar(values.iter().sum::<f64>() / n as f64)
        }
        2 => Tensor::scalar(values.iter().sum::<f64>()),
        other => {
            return Err(OpError::invalid(
                op,
                format!("{other} is not a valid value for reduction"),
            ))
        }
    };
    t.to_dtype(dtype)
}

/// Applies `f(input, target)` elementwise (broadcast) and reduces.
fn pointwise(a: &Args, f: impl Fn(f64, f64) -> f64) -> Result<Tensor> {
    let op = a.op();
    let (x, y) = (a.tensor("self")?, a.tensor("target")?);
    if !x.dtype().is_float() {
        return Err(OpError::dtype(op, x.dtype()));
    }
    let shape = broadcast_shapes(op, x.shape(), y.shape())?;
    let xs = x.broadcast_to(&shape)?.to_vec::<f64>()?;
    let ys = y.broadcast_to(&shape)?.to_vec::<f64>()?;
    let v = xs.iter().zip(&ys).map(|(&p, &q)| f(p, q)).collect();
    reduce(op, v, &shape, a.int("reduction")?, x.dtype())
}

fn k_mse_loss(a: &Args) -> Result<Arg> {
    pointwise(a, |x, y| (x - y) * (x - y)).map(Arg::Tensor)
}
fn k_l1_loss(a: &Args) -> Result<Arg> {
    pointwise(a, |x, y| (x - y).abs()).map(Arg::Tensor)
}
fn k_smooth_l1_loss(a: &Args) -> Result<Arg> {
    let beta = a.float("beta")?;
    pointwise(a, move |x, y| {
        let d = (x - y).abs();
        if beta == 0.0 {
            d
        } else if d < beta {
            0.5 * d * d / beta
        } else {
            d - 0.5 * beta
        }
    })
    .map(Arg::Tensor)
}
fn k_huber_loss(a: &Args) -> Result<Arg> {
    let delta = a.float("delta")?;
    pointwise(a, move |x, y| {
        let d = (x - y).abs();
        if d < delta {
            0.5 * d * d
        } else {
            delta * (d - 0.5 * delta)
        }
    })
    .map(Arg::Tensor)
}

/// `kl_div(input, target, reduction, log_target)`.
fn k_kl_div(a: &Args) -> Result<Arg> {
    let log_target = a.bool("log_target")?;
    pointwise(a, move |x, t| {
        if log_target {
            t.exp() * (t - x)
        } else if t > 0.0 {
            t * (t.ln() - x)
        } else if t == 0.0 {
            0.0
        } else {
            f64::NAN
        }
    })
    .map(Arg::Tensor)
}

/// An optional weight tensor, broadcast to `shape`.
fn optional_weights(w: Option<&Tensor>, shape: &[usize]) -> Result<Option<Vec<f64>>> {
    w.map(|w| w.broadcast_to(shape).and_then(|w| w.to_vec::<f64>()))
        .transpose()
}

/// `binary_cross_entropy(input, target, weight, reduction)`: logs clamped at -100.
fn k_binary_cross_entropy(a: &Args) -> Result<Arg> {
    let op = a.op();
    let (x, y) = (a.tensor("self")?, a.tensor("target")?);
    if x.shape() != y.shape() {
        return Err(OpError::shape(
            op,
            "Using a target size that is different to the input size is deprecated.",
        ));
    }
    let xs = x.to_vec::<f64>()?;
    if xs.iter().any(|v| !(0.0..=1.0).contains(v)) {
        return Err(OpError::invalid(
            op,
            "all elements of input should be between 0 and 1",
        ));
    }
    let ys = y.to_vec::<f64>()?;
    let w = optional_weights(a.opt_tensor("weight")?, x.shape())?;
    let v = xs
        .iter()
        .zip(&ys)
        .enumerate()
        .map(|(i, (&p, &t))| {
            let l = -(t * p.ln().max(-100.0) + (1.0 - t) * (1.0 - p).ln().max(-100.0));
            w.as_ref().and_then(|w| w.get(i)).map_or(l, |wi| l * wi)
        })
        .collect();
    reduce(op, v, x.shape(), a.int("reduction")?, x.dtype()).map(Arg::Tensor)
}

/// `binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)`.
fn k_bce_with_logits(a: &Args) -> Result<Arg> {
    let op = a.op();
    let (x, y) = (a.tensor("self")?, a.tensor("target")?);
    if x.shape() != y.shape() {
        return Err(OpError::shape(
            op,
            "Target size must be the same as input size",
        ));
    }
    let xs = x.to_vec::<f64>()?;
    let ys = y.to_vec::<f64>()?;
    let w = optional_weights(a.opt_tensor("weight")?, x.shape())?;
    let pw = optional_weights(a.opt_tensor("pos_weight")?, x.shape())?;
    let v = xs
        .iter()
        .zip(&ys)
        .enumerate()
        .map(|(i, (&z, &t))| {
            // log(sigmoid(z)) = -softplus(-z), computed stably
            let log_sig = -((-z).max(0.0) + (-(z.abs())).exp().ln_1p());
            let log_one_minus = log_sig - z;
            let l = match pw.as_ref().and_then(|p| p.get(i)) {
                Some(&p) => -(p * t * log_sig + (1.0 - t) * log_one_minus),
                None => -(t * log_sig + (1.0 - t) * log_one_minus),
            };
            w.as_ref().and_then(|w| w.get(i)).map_or(l, |wi| l * wi)
        })
        .collect();
    reduce(op, v, x.shape(), a.int("reduction")?, x.dtype()).map(Arg::Tensor)
}

/// nll_loss over log-probabilities `[N, C, d...]` (or `[C]`) and class targets `[N, d...]`:
/// mean reduction divides by the summed weights of the non-ignored targets.
fn nll(
    op: &str,
    logp: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: i64,
    ignore_index: i64,
    label_smoothing: f64,
) -> Result<Tensor> {
    let (n, c, inner, out_shape) = match logp.shape() {
        [c] => (1, *c, 1, vec![]),
        [n, c, rest @ ..] => {
            let (n, c) = (*n, *c);
            let mut out = vec![n];
            out.extend_from_slice(rest);
            // A factor of the input's element count: it fits.
            let inner = rest.iter().fold(1usize, |a, &d| a.saturating_mul(d));
            (n, c, inner, out)
        }
        _ => return Err(OpError::invalid(op, "input tensor should be 1D or more")),
    };
    if target.shape() != out_shape.as_slice() {
        return Err(OpError::shape(
            op,
            format!(
                "expected target of shape {out_shape:?}, got {:?}",
                target.shape()
            ),
        ));
    }
    let lp = logp.to_vec::<f64>()?;
    let tg = target.to_vec::<i64>()?;
    let w: Vec<f64> = match weight {
        Some(w) => w.to_vec::<f64>()?,
        None => vec![1.0; c],
    };
    if w.len() != c {
        return Err(OpError::shape(
            op,
            format!("weight tensor should be defined either for all {c} classes or no classes"),
        ));
    }
    // `lp` holds `n * c * inner` values and `tg` `n * inner` (their shapes were checked), so
    // the products below fit and the `get`s below never miss.
    let mut losses = crate::alloc::try_with_capacity(op, tg.len())?;
    let mut total_weight = 0.0;
    for (b, row) in tg.chunks(inner.max(1)).enumerate().take(n) {
        for (i, &t) in row.iter().enumerate() {
            if t == ignore_index {
                losses.push(0.0);
                continue;
            }
            let tc = usize::try_from(t)
                .ok()
                .filter(|&t| t < c)
                .ok_or_else(|| OpError::invalid(op, format!("Target {t} is out of bounds.")))?;
            let at = |k: usize| {
                b.saturating_mul(c)
                    .saturating_add(k)
                    .saturating_mul(inner)
                    .saturating_add(i)
            };
            let logp_at = |k: usize| lp.get(at(k)).copied().unwrap_or(f64::NAN);
            let wc = w.get(tc).copied().unwrap_or(f64::NAN);
            let mut l = -wc * logp_at(tc);
            if label_smoothing > 0.0 {
                let smooth: f64 = w.iter().enumerate().map(|(k, &wk)| -wk * logp_at(k)).sum();
                l = (1.0 - label_smoothing) * l + label_smoothing / c as f64 * smooth;
            }
            total_weight += wc;
            losses.push(l);
        }
    }
    let t = match reduction {
        0 => Tensor::from_vec(losses, &out_shape)?,
        1 => Tensor::scalar(losses.iter().sum::<f64>() / total_weight),
        2 => Tensor::scalar(losses.iter().sum::<f64>()),
        other => {
            return Err(OpError::invalid(
                op,
                format!("{other} is not a valid value for reduction"),
            ))
        }
    };
    t.to_dtype(logp.dtype())
}

fn k_nll_loss(a: &Args) -> Result<Arg> {
    nll(
        a.op(),
        a.tensor("self")?,
        a.tensor("target")?,
        a.opt_tensor("weight")?,
        a.int("reduction")?,
        a.int("ignore_index")?,
        0.0,
    )
    .map(Arg::Tensor)
}

/// `cross_entropy_loss(input, target, weight, reduction, ignore_index, label_smoothing)` with
/// class-index targets (probability targets are not supported).
fn k_cross_entropy_loss(a: &Args) -> Result<Arg> {
    let op = a.op();
    let (x, target) = (a.tensor("self")?, a.tensor("target")?);
    if target.dtype().is_float() {
        return Err(OpError::unsupported(op, "class-probability targets"));
    }
    let dim = if x.dim() == 1 { 0 } else { 1 };
    let logp = softmax(&x.to_dtype(DType::F64)?, dim, None, true)?;
    let r = nll(
        op,
        &logp,
        target,
        a.opt_tensor("weight")?,
        a.int("reduction")?,
        a.int("ignore_index")?,
        a.float("label_smoothing")?,
    )?;
    r.to_dtype(x.dtype()).map(Arg::Tensor)
}

/// Registers the losses.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::mse_loss", k_mse_loss),
        ("aten::l1_loss", k_l1_loss),
        ("aten::smooth_l1_loss", k_smooth_l1_loss),
        ("aten::huber_loss", k_huber_loss),
        ("aten::kl_div", k_kl_div),
        ("aten::binary_cross_entropy", k_binary_cross_entropy),
        ("aten::binary_cross_entropy_with_logits", k_bce_with_logits),
        ("aten::nll_loss", k_nll_loss),
        ("aten::nll_loss2d", k_nll_loss),
        ("aten::nll_loss_nd", k_nll_loss),
        ("aten::cross_entropy_loss", k_cross_entropy_loss),
    ];
    for (name, f) in table {
        reg.register(name, *f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: OpFn, op: &str, args: &[Arg]) -> Vec<f64> {
        match f(&Args::new(op, args)).unwrap() {
            Arg::Tensor(t) => t.to_vec::<f64>().unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn regression_losses() {
        let x = Tensor::from_vec(vec![0.0f64, 2.0, 5.0], &[3]).unwrap();
        let y = Tensor::from_vec(vec![1.0f64, 2.0, 1.0], &[3]).unwrap();
        let args = |r: i64, extra: Option<f64>| {
            let mut v = vec![Arg::Tensor(x.clone()), Arg::Tensor(y.clone()), Arg::Int(r)];
            if let Some(e) = extra {
                v.push(Arg::Float(e));
            }
            v
        };
        assert_eq!(
            run(k_mse_loss, "aten::mse_loss", &args(1, None)),
            vec![17.0 / 3.0]
        );
        assert_eq!(run(k_l1_loss, "aten::l1_loss", &args(2, None)), vec![5.0]);
        assert_eq!(
            run(
                k_smooth_l1_loss,
                "aten::smooth_l1_loss",
                &args(0, Some(1.0))
            ),
            vec![0.5, 0.0, 3.5]
        );
        assert_eq!(
            run(k_huber_loss, "aten::huber_loss", &args(0, Some(2.0))),
            vec![0.5, 0.0, 6.0]
        );
    }

    #[test]
    fn cross_entropy_ignores_and_weights() {
        // F.cross_entropy(torch.tensor([[2., 0., 0.], [0., 0., 0.]]), torch.tensor([0, -100]))
        let x = Tensor::from_vec(vec![2.0f64, 0.0, 0.0, 0.0, 0.0, 0.0], &[2, 3]).unwrap();
        let t = Tensor::from_vec(vec![0i64, -100], &[2]).unwrap();
        let args = [
            Arg::Tensor(x),
            Arg::Tensor(t),
            Arg::None,
            Arg::Int(1),
            Arg::Int(-100),
            Arg::Float(0.0),
        ];
        let want = -(2f64.exp() / (2f64.exp() + 2.0)).ln();
        let got = run(k_cross_entropy_loss, "aten::cross_entropy_loss", &args);
        assert!((got[0] - want).abs() < 1e-12, "{got:?} vs {want}");
    }
}
