//! `einsum`: operands contracted pairwise through the batched matmul (diagonals, ellipsis and
//! broadcasting included).

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::nn::linear::batched_matmul;
use crate::ops::nn::util::{finish, with_data, with_real, Real};
use crate::registry::Registry;
use crate::tensor::Tensor;

const OP: &str = "aten::einsum";

/// An operand with one label per dim (labels unique after taking diagonals).
#[derive(Debug, Clone)]
struct Term {
    t: Tensor,
    labels: Vec<u32>,
}

fn err(msg: impl Into<String>) -> OpError {
    OpError::invalid(OP, msg)
}

/// Labels of one subscript; the ellipsis becomes labels `1000..1000+width` aligned right.
fn parse_term(
    s: &str,
    ndim: Option<usize>,
    ell_width: &mut usize,
) -> Result<(Vec<u32>, Option<usize>)> {
    let mut labels = Vec::new();
    let mut ell_at = None;
    let mut rest = s.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("...") {
            if ell_at.is_some() {
                return Err(err("einsum(): found more than one '...' in a subscript"));
            }
            ell_at = Some(labels.len());
            rest = r;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        rest = &rest[c.len_utf8()..];
        if c == ' ' {
            continue;
        }
        if !c.is_ascii_alphabetic() {
            return Err(err(format!(
                "einsum(): invalid subscript given at index {}: {c}",
                labels.len()
            )));
        }
        labels.push(c as u32);
    }
    if let Some(n) = ndim {
        let explicit = labels.len();
        let width = match ell_at {
            Some(_) => n.checked_sub(explicit).ok_or_else(|| err(format!("einsum(): the number of subscripts in the equation ({explicit}) is more than the number of dimensions ({n}) for operand")))?,
            None if explicit != n => return Err(err(format!("einsum(): the number of subscripts in the equation ({explicit}) does not match the number of dimensions ({n}) for operand and no ellipsis was given"))),
            None => 0,
        };
        *ell_width = (*ell_width).max(width);
    }
    Ok((labels, ell_at))
}

fn resolve(labels: &[u32], ell_at: Option<usize>, width: usize, total: usize) -> Vec<u32> {
    match ell_at.map(|at| labels.split_at_checked(at)) {
        None | Some(None) => labels.to_vec(),
        Some(Some((before, after))) => {
            let mut out = before.to_vec();
            out.extend((total.saturating_sub(width)..total).map(ellipsis_label));
            out.extend_from_slice(after);
            out
        }
    }
}

/// The label of dim `i` of the ellipsis (`i` is below a tensor's dim count).
fn ellipsis_label(i: usize) -> u32 {
    u32::try_from(i).map_or(u32::MAX, |i| i.saturating_add(1000))
}

/// The product of `sizes`, an error when it overflows (broadcast views can be that large).
fn checked_product(sizes: &[usize]) -> Result<usize> {
    sizes
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| err(format!("einsum(): sizes {sizes:?} are too large")))
}

/// Takes diagonals over repeated labels (a strided view, no copy).
fn diagonalize(t: &Tensor, labels: &[u32]) -> Result<Term> {
    let mut shape: Vec<usize> = Vec::new();
    let mut strides: Vec<usize> = Vec::new();
    let mut out_labels: Vec<u32> = Vec::new();
    if labels.len() != t.dim() {
        return Err(err(format!(
            "einsum(): {} subscripts for an operand of {} dims",
            labels.len(),
            t.dim()
        )));
    }
    for ((&l, &size), &stride) in labels.iter().zip(t.shape()).zip(t.strides()) {
        match out_labels.iter().position(|&x| x == l) {
            Some(j) => {
                let (Some(&seen), Some(st)) = (shape.get(j), strides.get_mut(j)) else {
                    return Err(err("internal label error"));
                };
                if seen != size {
                    return Err(err(format!("einsum(): subscript {} is repeated for operand but the sizes don't match, {} != {}", char::from_u32(l).unwrap_or('?'), seen, size)));
                }
                // `as_strided` checks the view against the storage.
                *st = st.saturating_add(stride);
            }
            None => {
                out_labels.push(l);
                shape.push(size);
                strides.push(stride);
            }
        }
    }
    Ok(Term {
        t: t.as_strided(shape, strides, t.storage_offset())?,
        labels: out_labels,
    })
}

/// Sums `term` over the labels not in `keep`.
fn sum_out(term: Term, keep: &[u32]) -> Result<Term> {
    let drop: Vec<usize> = term
        .labels
        .iter()
        .enumerate()
        .filter(|(_, l)| !keep.contains(l))
        .map(|(i, _)| i)
        .collect();
    if drop.is_empty() {
        return Ok(term);
    }
    let kept: Vec<usize> = (0..term.labels.len())
        .filter(|i| !drop.contains(i))
        .collect();
    let order: Vec<i64> = kept.iter().chain(&drop).map(|&i| i as i64).collect();
    let permuted = term.t.permute(&order)?;
    let dim = |i: &usize| term.t.shape().get(*i).copied().unwrap_or(1);
    let outer: Vec<usize> = kept.iter().map(dim).collect();
    let inner = checked_product(&drop.iter().map(dim).collect::<Vec<_>>())?;
    let outer_len = checked_product(&outer)?;
    let dtype = term.t.dtype();
    let t = with_real!(OP, dtype, F => {
        let values = with_data::<F, _>(&permuted.contiguous()?, |xs| {
            Ok(if inner == 0 {
                crate::alloc::try_filled(OP, F::ZERO, outer_len)?
            } else {
                crate::alloc::try_collect(OP, xs.chunks(inner).map(|c| c.iter().fold(F::ZERO, |a, &v| a + v)))?
            })
        })?;
        finish(values, &outer, dtype)
    })?;
    Ok(Term {
        t,
        labels: kept
            .iter()
            .filter_map(|&i| term.labels.get(i).copied())
            .collect(),
    })
}

fn size_of(terms: &[&Term], label: u32) -> usize {
    terms
        .iter()
        .filter_map(|t| {
            t.labels
                .iter()
                .position(|&l| l == label)
                .and_then(|i| t.t.shape().get(i).copied())
        })
        .max()
        .unwrap_or(1)
}

/// Permutes `term` to `order` and broadcasts size-1 dims to `sizes`, then merges into `groups`.
fn arrange(term: &Term, order: &[u32], sizes: &[usize], groups: &[usize]) -> Result<Tensor> {
    let perm: Vec<i64> = order
        .iter()
        .map(|l| {
            term.labels
                .iter()
                .position(|x| x == l)
                .map(|i| i as i64)
                .ok_or_else(|| err("internal label error"))
        })
        .collect::<Result<_>>()?;
    let p = term.t.permute(&perm)?;
    let expanded: Vec<i64> = sizes.iter().map(|&s| s as i64).collect();
    let grouped: Vec<i64> = groups.iter().map(|&s| s as i64).collect();
    p.expand(&expanded)?.reshape(&grouped)
}

/// Contracts two terms, keeping the labels in `keep`.
fn contract(a: Term, b: Term, keep: &[u32]) -> Result<Term> {
    let both: Vec<u32> = a
        .labels
        .iter()
        .copied()
        .filter(|l| b.labels.contains(l))
        .collect();
    let a_keep: Vec<u32> = keep.iter().copied().chain(both.iter().copied()).collect();
    let a = sum_out(a, &a_keep)?;
    let b = sum_out(b, &a_keep)?;
    let batch: Vec<u32> = both.iter().copied().filter(|l| keep.contains(l)).collect();
    let summed: Vec<u32> = both.iter().copied().filter(|l| !keep.contains(l)).collect();
    let left: Vec<u32> = a
        .labels
        .iter()
        .copied()
        .filter(|l| !both.contains(l))
        .collect();
    let right: Vec<u32> = b
        .labels
        .iter()
        .copied()
        .filter(|l| !both.contains(l))
        .collect();
    let terms = [&a, &b];
    let sizes = |ls: &[u32]| -> Vec<usize> { ls.iter().map(|&l| size_of(&terms, l)).collect() };
    let (bs, ls, ss, rs) = (sizes(&batch), sizes(&left), sizes(&summed), sizes(&right));
    for l in &both {
        let (sa, sb) = (size_of(&[&a], *l), size_of(&[&b], *l));
        if sa != sb && sa != 1 && sb != 1 {
            return Err(err(format!("einsum(): operands do not broadcast with remapped shapes (original->remapped): {sa} and {sb} for subscript {}", char::from_u32(*l).unwrap_or('?'))));
        }
    }
    let prod = checked_product;
    let a_order: Vec<u32> = batch.iter().chain(&left).chain(&summed).copied().collect();
    let a_sizes: Vec<usize> = bs.iter().chain(&ls).chain(&ss).copied().collect();
    let b_order: Vec<u32> = batch.iter().chain(&summed).chain(&right).copied().collect();
    let b_sizes: Vec<usize> = bs.iter().chain(&ss).chain(&rs).copied().collect();
    let am = arrange(
        &a,
        &a_order,
        &a_sizes,
        &[prod(&bs)?, prod(&ls)?, prod(&ss)?],
    )?;
    let bm = arrange(
        &b,
        &b_order,
        &b_sizes,
        &[prod(&bs)?, prod(&ss)?, prod(&rs)?],
    )?;
    let out = batched_matmul(OP, &am, &bm, None, 1.0)?;
    let shape: Vec<i64> = bs.iter().chain(&ls).chain(&rs).map(|&s| s as i64).collect();
    Ok(Term {
        t: out.reshape(&shape)?,
        labels: batch.iter().chain(&left).chain(&right).copied().collect(),
    })
}

/// `torch.einsum(equation, *operands)`.
pub fn einsum(equation: &str, operands: &[Tensor]) -> Result<Tensor> {
    if operands.is_empty() {
        return Err(err("einsum(): must provide at least one operand"));
    }
    let (lhs, rhs) = match equation.split_once("->") {
        Some((l, r)) => (l, Some(r)),
        None => (equation, None),
    };
    let subs: Vec<&str> = lhs.split(',').collect();
    if subs.len() != operands.len() {
        return Err(err(format!(
            "einsum(): more operands were provided than specified in the equation ({} vs {})",
            operands.len(),
            subs.len()
        )));
    }
    let mut width = 0usize;
    let parsed: Vec<(Vec<u32>, Option<usize>)> = subs
        .iter()
        .zip(operands)
        .map(|(s, t)| parse_term(s, Some(t.dim()), &mut width))
        .collect::<Result<_>>()?;
    let mut terms = Vec::with_capacity(operands.len());
    for ((labels, ell), t) in parsed.iter().zip(operands) {
        let w = t.dim().saturating_sub(labels.len());
        let resolved = resolve(labels, *ell, w, width);
        terms.push(diagonalize(t, &resolved)?);
    }
    let output: Vec<u32> = match rhs {
        Some(r) => {
            let (labels, ell) = parse_term(r, None, &mut 0)?;
            let out = resolve(&labels, ell, width, width);
            for (i, l) in out.iter().enumerate() {
                if out.get(..i).is_some_and(|seen| seen.contains(l)) {
                    return Err(err(
                        "einsum(): output subscript appears more than once in the output",
                    ));
                }
                if !terms.iter().any(|t| t.labels.contains(l)) {
                    return Err(err(format!("einsum(): output subscript {} does not appear in the equation for any input operand", char::from_u32(*l).unwrap_or('?'))));
                }
            }
            out
        }
        None => {
            let mut counts: Vec<(u32, usize)> = Vec::new();
            for (labels, _) in &parsed {
                for &l in labels {
                    match counts.iter_mut().find(|(x, _)| *x == l) {
                        Some(c) => c.1 = c.1.saturating_add(1),
                        None => counts.push((l, 1)),
                    }
                }
            }
            let mut singles: Vec<u32> = counts
                .into_iter()
                .filter(|&(_, c)| c == 1)
                .map(|(l, _)| l)
                .collect();
            singles.sort_unstable();
            (0..width).map(ellipsis_label).chain(singles).collect()
        }
    };
    let mut iter = terms.into_iter();
    let mut acc = iter.next().ok_or_else(|| err("no operands"))?;
    let rest: Vec<Term> = iter.collect();
    for (i, next) in rest.iter().enumerate() {
        let mut keep = output.clone();
        for later in rest.iter().skip(i.saturating_add(1)) {
            keep.extend(later.labels.iter().copied());
        }
        acc = contract(acc, next.clone(), &keep)?;
    }
    let acc = sum_out(acc, &output)?;
    let sizes: Vec<usize> = output.iter().map(|&l| size_of(&[&acc], l)).collect();
    let t = arrange(&acc, &output, &sizes, &sizes)?;
    t.contiguous()
}

fn k_einsum(a: &Args) -> Result<Arg> {
    Ok(einsum(a.str("equation")?, &a.tensor_list("tensors")?)?.into())
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::einsum", k_einsum);
}
