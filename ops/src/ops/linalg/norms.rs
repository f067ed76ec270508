//! Matrix norms and condition numbers: linalg_matrix_norm, linalg_norm, nuclear_norm, linalg_cond.

use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::ops::basic::reduce::vector_norm;
use crate::registry::Registry;
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

use super::lu::inverse_or_none;
use super::mat::{batch, require_square, stack_scalars, Mat};
use super::svd::svd_one;

/// A matrix norm's order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ord {
    Fro,
    Nuc,
    /// 1, -1, 2, -2, inf or -inf.
    P(f64),
}

impl Ord {
    fn parse_str(op: &str, name: &str, s: &str) -> Result<Ord> {
        match s {
            "fro" => Ok(Ord::Fro),
            "nuc" => Ok(Ord::Nuc),
            _ => Err(OpError::invalid(
                op,
                format!("{name}: Order {s} not supported."),
            )),
        }
    }

    fn parse_num(op: &str, name: &str, p: f64) -> Result<Ord> {
        if [1.0, -1.0, 2.0, -2.0, f64::INFINITY, f64::NEG_INFINITY].contains(&p) {
            Ok(Ord::P(p))
        } else {
            Err(OpError::invalid(
                op,
                format!("{name}: Order {p} not supported."),
            ))
        }
    }
}

/// The norm of one matrix.
pub fn mat_norm(op: &str, m: &Mat, ord: Ord) -> Result<f64> {
    let abs_sums = |by_rows: bool| -> Vec<f64> {
        let (outer, inner) = if by_rows { (m.r, m.c) } else { (m.c, m.r) };
        (0..outer)
            .map(|o| {
                (0..inner)
                    .map(|i| if by_rows { m.at(o, i) } else { m.at(i, o) }.abs())
                    .sum()
            })
            .collect()
    };
    let fold = |v: Vec<f64>, max: bool| -> f64 {
        v.into_iter()
            .reduce(|a, b| {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else if max {
                    a.max(b)
                } else {
                    a.min(b)
                }
            })
            .unwrap_or(0.0)
    };
    Ok(match ord {
        Ord::Fro => m.d.iter().map(|x| x * x).sum::<f64>().sqrt(),
        Ord::Nuc => svd_one(op, m)?.s.iter().sum(),
        Ord::P(p) if p == 1.0 || p == -1.0 => fold(abs_sums(false), p > 0.0),
        Ord::P(p) if p.is_infinite() => fold(abs_sums(true), p > 0.0),
        Ord::P(p) => {
            let s = svd_one(op, m)?.s;
            if p > 0.0 {
                s.first().copied().unwrap_or(0.0)
            } else {
                s.last().copied().unwrap_or(0.0)
            }
        }
    })
}

/// `linalg_matrix_norm(A, ord, dim, keepdim, dtype)`.
pub fn matrix_norm(
    op: &str,
    x: &Tensor,
    ord: Ord,
    dim: &[i64],
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let name = "linalg.matrix_norm";
    let x = match dtype {
        Some(d) => x.to_dtype(d)?,
        None => x.clone(),
    };
    let nd = x.dim();
    if nd < 2 {
        return Err(OpError::shape(
            op,
            format!("{name}: The input tensor A must have at least 2 dimensions."),
        ));
    }
    let (d0, d1) = match dim {
        [a, b] => (wrap_dim(op, *a, nd)?, wrap_dim(op, *b, nd)?),
        _ => {
            return Err(OpError::invalid(
                op,
                format!("{name}: dim must be a 2-tuple. Got {dim:?}"),
            ))
        }
    };
    if d0 == d1 {
        return Err(OpError::invalid(
            op,
            format!("{name}: dims must be different. Got ({d0}, {d1})"),
        ));
    }
    let mut perm: Vec<i64> = (0..nd)
        .filter(|&d| d != d0 && d != d1)
        .map(|d| d as i64)
        .collect();
    perm.push(d0 as i64);
    perm.push(d1 as i64);
    let b = batch(op, name, &x.permute(&perm)?)?;
    let mut vals = Vec::new();
    for m in &b.mats {
        vals.push(mat_norm(op, m, ord)?);
    }
    let r = stack_scalars(&b.shape, vals, b.dtype)?;
    if keepdim {
        let (lo, hi) = (d0.min(d1), d0.max(d1));
        return r.unsqueeze(lo as i64)?.unsqueeze(hi as i64);
    }
    Ok(r)
}

/// `linalg_matrix_norm(A, ord, dim, keepdim, dtype)` with `ord` parsed by each overload.
fn matrix_norm_of(a: &Args, ord: Ord) -> Result<Arg> {
    matrix_norm(
        a.op(),
        a.tensor("self")?,
        ord,
        &a.int_list("dim")?,
        a.bool("keepdim")?,
        a.opt_dtype("dtype")?,
    )
    .map(Arg::Tensor)
}

fn k_matrix_norm(a: &Args) -> Result<Arg> {
    let ord = Ord::parse_num(a.op(), "linalg.matrix_norm", a.scalar("ord")?.to_f64())?;
    matrix_norm_of(a, ord)
}

fn k_matrix_norm_str(a: &Args) -> Result<Arg> {
    let ord = Ord::parse_str(a.op(), "linalg.matrix_norm", a.str("ord")?)?;
    matrix_norm_of(a, ord)
}

/// `linalg_norm(A, ord, dim, keepdim, dtype)` with a numeric or absent `ord`.
fn k_linalg_norm(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let ord = a.opt_scalar("ord")?.map(|s| s.to_f64());
    let dim = a.opt_int_list("dim")?;
    let (keepdim, dtype) = (a.bool("keepdim")?, a.opt_dtype("dtype")?);
    let matrix = match (&dim, ord) {
        (Some(d), _) => d.len() == 2,
        (None, Some(_)) => x.dim() == 2,
        (None, None) => false,
    };
    if let (Some(d), None) = (&dim, ord) {
        if d.len() == 2 {
            return matrix_norm(a.op(), x, Ord::Fro, d, keepdim, dtype).map(Arg::Tensor);
        }
    }
    match (ord, matrix) {
        (Some(p), true) => {
            let o = Ord::parse_num(a.op(), "linalg.matrix_norm", p)?;
            let d = dim.unwrap_or_else(|| vec![-2, -1]);
            matrix_norm(a.op(), x, o, &d, keepdim, dtype).map(Arg::Tensor)
        }
        _ => {
            if dim.is_none() && ord.is_some() && x.dim() != 1 {
                return Err(OpError::invalid(
                    a.op(),
                    format!("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {}D.", x.dim()),
                ));
            }
            vector_norm(x, ord.unwrap_or(2.0), dim.as_deref(), keepdim, dtype).map(Arg::Tensor)
        }
    }
}

/// `linalg_norm.ord_str(A, ord, dim, keepdim, dtype)`: a matrix norm ('fro' or 'nuc').
fn k_linalg_norm_str(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let ord = Ord::parse_str(a.op(), "linalg.norm", a.str("ord")?)?;
    let dim = a.opt_int_list("dim")?;
    if dim.is_none() && x.dim() != 2 {
        return Err(OpError::invalid(
            a.op(),
            format!("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {}D.", x.dim()),
        ));
    }
    let d = dim.unwrap_or_else(|| vec![-2, -1]);
    matrix_norm(
        a.op(),
        x,
        ord,
        &d,
        a.bool("keepdim")?,
        a.opt_dtype("dtype")?,
    )
    .map(Arg::Tensor)
}

fn k_nuclear(a: &Args) -> Result<Arg> {
    matrix_norm(
        a.op(),
        a.tensor("self")?,
        Ord::Nuc,
        &[-2, -1],
        a.bool("keepdim")?,
        None,
    )
    .map(Arg::Tensor)
}

fn k_nuclear_dim(a: &Args) -> Result<Arg> {
    matrix_norm(
        a.op(),
        a.tensor("self")?,
        Ord::Nuc,
        &a.int_list("dim")?,
        a.bool("keepdim")?,
        None,
    )
    .map(Arg::Tensor)
}

/// `linalg_cond(A, p)`: `||A|| ||A^-1||`, or the ratio of extreme singular values for p = 2,
/// -2 and None (these allow non-square input). A singular matrix gives inf.
pub fn cond(op: &str, x: &Tensor, ord: Ord) -> Result<Tensor> {
    let name = "linalg.cond";
    let b = batch(op, name, x)?;
    let mut vals = Vec::new();
    if let Ord::P(p) = ord {
        if p.abs() == 2.0 {
            for m in &b.mats {
                let s = svd_one(op, m)?.s;
                let (hi, lo) = (
                    s.first().copied().unwrap_or(0.0),
                    s.last().copied().unwrap_or(0.0),
                );
                vals.push(if p > 0.0 { hi / lo } else { lo / hi });
            }
            return stack_scalars(&b.shape, vals, b.dtype);
        }
    }
    require_square(op, name, &b)?;
    for m in &b.mats {
        vals.push(match inverse_or_none(op, m)? {
            Some(inv) => mat_norm(op, m, ord)? * mat_norm(op, &inv, ord)?,
            None => f64::INFINITY,
        });
    }
    stack_scalars(&b.shape, vals, b.dtype)
}

fn k_cond(a: &Args) -> Result<Arg> {
    let ord = match a.opt_scalar("p")? {
        None => Ord::P(2.0),
        Some(p) => Ord::parse_num(a.op(), "linalg.cond", p.to_f64())?,
    };
    cond(a.op(), a.tensor("self")?, ord).map(Arg::Tensor)
}

fn k_cond_str(a: &Args) -> Result<Arg> {
    let ord = Ord::parse_str(a.op(), "linalg.cond", a.str("p")?)?;
    cond(a.op(), a.tensor("self")?, ord).map(Arg::Tensor)
}

/// Registers the matrix norms.
pub fn register(reg: &mut Registry) {
    reg.register("aten::linalg_matrix_norm", k_matrix_norm);
    reg.register("aten::linalg_matrix_norm.str_ord", k_matrix_norm_str);
    reg.register("aten::linalg_norm", k_linalg_norm);
    reg.register("aten::linalg_norm.ord_str", k_linalg_norm_str);
    reg.register("aten::nuclear_norm", k_nuclear);
    reg.register("aten::nuclear_norm.dim", k_nuclear_dim);
    reg.register("aten::linalg_cond", k_cond);
    reg.register("aten::linalg_cond.p_str", k_cond_str);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_of_a_small_matrix() {
        // [[1, -2], [3, 4]]: column sums 4, 6; row sums 3, 7; fro sqrt 30;
        // singular values sqrt(15 +- sqrt(125)) (A^T A = [[10, 10], [10, 20]])
        let m = Mat {
            r: 2,
            c: 2,
            d: vec![1., -2., 3., 4.],
        };
        let (s1, s2) = ((15.0 + 125f64.sqrt()).sqrt(), (15.0 - 125f64.sqrt()).sqrt());
        let cases = [
            (Ord::Fro, 30f64.sqrt()),
            (Ord::Nuc, s1 + s2),
            (Ord::P(1.0), 6.0),
            (Ord::P(-1.0), 4.0),
            (Ord::P(f64::INFINITY), 7.0),
            (Ord::P(f64::NEG_INFINITY), 3.0),
            (Ord::P(2.0), s1),
            (Ord::P(-2.0), s2),
        ];
        for (o, want) in cases {
            let got = mat_norm("t", &m, o).unwrap();
            assert!((got - want).abs() < 1e-12, "{o:?}: {got} vs {want}");
        }
        let x = Tensor::from_vec(m.d.clone(), &[2, 2]).unwrap();
        let c = cond("t", &x, Ord::P(2.0)).unwrap().to_vec::<f64>().unwrap();
        assert!((c[0] - s1 / s2).abs() < 1e-12);
        // inf-norm condition: ||A||_inf = 7, A^-1 = [[0.4, 0.2], [-0.3, 0.1]] -> 0.6
        let c = cond("t", &x, Ord::P(f64::INFINITY))
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        assert!((c[0] - 4.2).abs() < 1e-12);
        let sing = Tensor::from_vec(vec![1.0f64, 2., 2., 4.], &[2, 2]).unwrap();
        assert_eq!(
            cond("t", &sing, Ord::P(1.0))
                .unwrap()
                .to_vec::<f64>()
                .unwrap(),
            vec![f64::INFINITY]
        );
        // keepdim over dims (0, 2) of a 2x1x2 tensor
        let y = Tensor::from_vec(vec![1.0f64, -2., 3., 4.], &[2, 1, 2]).unwrap();
        let r = matrix_norm("t", &y, Ord::P(1.0), &[0, 2], true, None).unwrap();
        assert_eq!(r.shape(), &[1, 1, 1]);
        assert_eq!(r.to_vec::<f64>().unwrap(), vec![6.0]);
    }
}
