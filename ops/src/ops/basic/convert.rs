//! Conversion and copying: `to`, `type_as`, `contiguous`, `clone`, `detach`, `copy_`, `fill_`, `item`.

use crate::arg::{Arg, Args};
use crate::device::Device;
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::registry::{OpFn, Registry};
use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// `x.to(dtype, copy=copy)`: the same tensor when nothing changes and no copy is asked for.
pub fn to_dtype(x: &Tensor, dtype: DType, copy: bool) -> Result<Tensor> {
    if dtype == x.dtype() && !copy {
        return Ok(x.clone());
    }
    if dtype == x.dtype() {
        return x.copy_contiguous();
    }
    x.to_dtype(dtype)
}

/// `fill_(value)`: writes `value` into every element this view aliases.
pub fn fill_(x: &Tensor, value: Scalar) -> Result<Tensor> {
    x.copy_from(&Tensor::scalar_of(value, x.dtype()))?;
    Ok(x.clone())
}

/// `copy_(src)`: writes `src` (broadcast and converted) into `x`.
pub fn copy_(x: &Tensor, src: &Tensor) -> Result<Tensor> {
    if crate::shape::broadcast_shapes("aten::copy_", src.shape(), x.shape())? != x.shape() {
        return Err(OpError::shape(
            "aten::copy_",
            format!(
                "output with shape {:?} doesn't match the broadcast shape of the source {:?}",
                x.shape(),
                src.shape()
            ),
        ));
    }
    x.copy_from(src)?;
    Ok(x.clone())
}

fn device_ok(op: &str, d: Option<Device>) -> Result<()> {
    match d {
        Some(d) => d.require_cpu(op),
        None => Ok(()),
    }
}

fn t(r: Result<Tensor>) -> Result<Arg> {
    r.map(Arg::Tensor)
}

fn k_to_dtype(a: &Args) -> Result<Arg> {
    t(to_dtype(
        a.tensor("self")?,
        a.dtype("dtype")?,
        a.bool("copy")?,
    ))
}
fn k_to_device(a: &Args) -> Result<Arg> {
    device_ok(a.op(), a.opt_device("device")?)?;
    t(to_dtype(
        a.tensor("self")?,
        a.dtype("dtype")?,
        a.bool("copy")?,
    ))
}
fn k_to_other(a: &Args) -> Result<Arg> {
    t(to_dtype(
        a.tensor("self")?,
        a.tensor("other")?.dtype(),
        a.bool("copy")?,
    ))
}
/// `to.dtype_layout` and `to.prim_Device` (the same arguments by name, at different positions).
fn k_to_dtype_layout(a: &Args) -> Result<Arg> {
    device_ok(a.op(), a.opt_device("device")?)?;
    let x = a.tensor("self")?;
    t(to_dtype(
        x,
        a.opt_dtype("dtype")?.unwrap_or(x.dtype()),
        a.bool("copy")?,
    ))
}
fn k_to_prim_dtype(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    t(to_dtype(
        x,
        a.opt_dtype("dtype")?.unwrap_or(x.dtype()),
        a.bool("copy")?,
    ))
}
fn k_to_prim_other(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    t(to_dtype(x, x.dtype(), a.bool("copy")?))
}
fn k_to_copy(a: &Args) -> Result<Arg> {
    device_ok(a.op(), a.opt_device("device")?)?;
    let x = a.tensor("self")?;
    t(to_dtype(
        x,
        a.opt_dtype("dtype")?.unwrap_or(x.dtype()),
        true,
    ))
}
fn k_type_as(a: &Args) -> Result<Arg> {
    t(to_dtype(
        a.tensor("self")?,
        a.tensor("other")?.dtype(),
        false,
    ))
}
fn k_cast_float(a: &Args) -> Result<Arg> {
    t(to_dtype(a.tensor("self")?, DType::F32, false))
}
fn k_contiguous(a: &Args) -> Result<Arg> {
    t(a.tensor("self")?.contiguous())
}
fn k_clone(a: &Args) -> Result<Arg> {
    t(a.tensor("self")?.copy_contiguous())
}
fn k_detach(a: &Args) -> Result<Arg> {
    Ok(Arg::Tensor(
        a.tensor("self")?.clone().with_requires_grad(false),
    ))
}
fn k_same(a: &Args) -> Result<Arg> {
    Ok(Arg::Tensor(a.tensor("self")?.clone()))
}
fn k_cuda(a: &Args) -> Result<Arg> {
    Device::parse("cuda")?.require_cpu(a.op())?;
    k_same(a)
}
/// `copy_(self, src, non_blocking)`.
fn k_copy_(a: &Args) -> Result<Arg> {
    copy_from(a, "src")
}
/// `copy_.Tensor`, `copy_.float`, `copy_.int(self, other)`.
fn k_copy_other_(a: &Args) -> Result<Arg> {
    copy_from(a, "other")
}
/// Copies the argument `source` (a tensor, broadcast; or a number, filled) into `self`.
fn copy_from(a: &Args, source: &str) -> Result<Arg> {
    let x = a.tensor("self")?;
    match a.get(source)? {
        Arg::Tensor(src) => t(copy_(x, src)),
        _ => t(fill_(x, a.scalar(source)?)),
    }
}
fn k_fill_(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    match a.get("value")? {
        Arg::Tensor(v) => {
            if v.dim() != 0 {
                return Err(OpError::invalid(a.op(), format!("fill_ only supports 0-dimension value tensor but got tensor with {} dimensions.", v.dim())));
            }
            t(fill_(x, v.item()?))
        }
        _ => t(fill_(x, a.scalar("value")?)),
    }
}
fn k_zero_(a: &Args) -> Result<Arg> {
    t(fill_(a.tensor("self")?, Scalar::Int(0)))
}
fn k_item(a: &Args) -> Result<Arg> {
    a.tensor("self")?.item().map(Arg::from)
}
fn k_scalar_implicit(a: &Args) -> Result<Arg> {
    a.tensor("a")?.item().map(Arg::from)
}
fn k_int(a: &Args) -> Result<Arg> {
    Ok(Arg::Int(a.tensor("a")?.item()?.to_i64()))
}
fn k_float(a: &Args) -> Result<Arg> {
    Ok(Arg::Float(a.tensor("a")?.item()?.to_f64()))
}
fn k_bool(a: &Args) -> Result<Arg> {
    Ok(Arg::Bool(a.tensor("a")?.item()?.to_bool()))
}

/// Registers the conversion and copy overloads.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::to.dtype", k_to_dtype),
        ("aten::to.device", k_to_device),
        ("aten::to.other", k_to_other),
        ("aten::to.dtype_layout", k_to_dtype_layout),
        ("aten::to.prim_Device", k_to_dtype_layout),
        ("aten::to.prim_dtype", k_to_prim_dtype),
        ("aten::to.prim_other", k_to_prim_other),
        ("aten::_to_copy", k_to_copy),
        ("aten::type_as", k_type_as),
        ("aten::_cast_Float", k_cast_float),
        ("aten::contiguous", k_contiguous),
        ("aten::clone", k_clone),
        ("aten::detach", k_detach),
        ("aten::detach_", k_same),
        ("aten::data", k_detach),
        ("aten::lift", k_clone),
        ("aten::lift_fresh", k_same),
        ("aten::resolve_conj", k_same),
        ("aten::resolve_neg", k_same),
        ("aten::requires_grad_", k_same),
        ("aten::cpu", k_same),
        ("aten::cuda", k_cuda),
        ("aten::copy_", k_copy_),
        ("aten::copy_.Tensor", k_copy_other_),
        ("aten::copy_.float", k_copy_other_),
        ("aten::copy_.int", k_copy_other_),
        ("aten::fill_.Scalar", k_fill_),
        ("aten::fill_.Tensor", k_fill_),
        ("aten::zero_", k_zero_),
        ("aten::item", k_item),
        ("aten::_local_scalar_dense", k_item),
        ("aten::ScalarImplicit", k_scalar_implicit),
        ("aten::Int.Tensor", k_int),
        ("aten::Float.Tensor", k_float),
        ("aten::Bool.Tensor", k_bool),
    ];
    for (n, f) in table {
        reg.register(n, *f);
    }
}
