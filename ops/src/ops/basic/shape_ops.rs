//! Views and metadata: view/reshape/flatten/permute/transpose/squeeze/expand/slice/select, size...

use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::registry::{OpFn, Registry};
use crate::shape::{infer_size, wrap_dim};
use crate::tensor::Tensor;

fn dims_i64(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&d| d as i64).collect()
}

fn ints(v: impl IntoIterator<Item = usize>) -> Arg {
    Arg::List(v.into_iter().map(|d| Arg::Int(d as i64)).collect())
}

/// `squeeze(dims)`: removes the listed dims that have size 1.
pub fn squeeze_dims(x: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let mut drop = vec![false; x.dim()];
    for &d in dims {
        let d = wrap_dim("aten::squeeze", d, x.dim())?;
        if x.shape().get(d) == Some(&1) {
            if let Some(flag) = drop.get_mut(d) {
                *flag = true;
            }
        }
    }
    let (shape, strides) = x
        .shape()
        .iter()
        .zip(x.strides())
        .zip(&drop)
        .filter(|&(_, &dropped)| !dropped)
        .map(|((&size, &stride), _)| (size, stride))
        .unzip();
    x.as_strided(shape, strides, x.storage_offset())
}

/// `unflatten(dim, sizes)`: splits `dim` into `sizes` (one may be -1).
pub fn unflatten(x: &Tensor, dim: i64, sizes: &[i64]) -> Result<Tensor> {
    let op = "aten::unflatten";
    let d = wrap_dim(op, dim, x.dim())?;
    if sizes.is_empty() {
        return Err(OpError::invalid(op, "unflatten: sizes must be non-empty"));
    }
    let size = *x
        .shape()
        .get(d)
        .ok_or_else(|| OpError::invalid(op, "cannot unflatten a 0-d tensor"))?;
    let inner = infer_size(op, sizes, size)?;
    let mut shape = dims_i64(x.shape().get(..d).unwrap_or(&[]));
    shape.extend(inner.iter().map(|&v| v as i64));
    shape.extend(dims_i64(
        x.shape().get(d.saturating_add(1)..).unwrap_or(&[]),
    ));
    x.view(&shape)
}

/// `movedim(source, destination)` for one dim.
pub fn movedim(x: &Tensor, source: i64, destination: i64) -> Result<Tensor> {
    let op = "aten::movedim";
    let n = x.dim();
    let s = wrap_dim(op, source, n)?;
    let d = wrap_dim(op, destination, n)?;
    if n == 0 {
        return Ok(x.clone());
    }
    let mut order: Vec<i64> = (0..n as i64).filter(|&i| i != s as i64).collect();
    order.insert(d, s as i64);
    x.permute(&order)
}

/// `t()`: transpose of a tensor with at most 2 dims.
pub fn t(x: &Tensor) -> Result<Tensor> {
    if x.dim() > 2 {
        return Err(OpError::invalid(
            "aten::t",
            format!(
                "t() expects a tensor with <= 2 dimensions, but self is {}D",
                x.dim()
            ),
        ));
    }
    if x.dim() < 2 {
        return Ok(x.clone());
    }
    x.transpose(0, 1)
}

/// `numpy_T`: all dims reversed.
pub fn reverse_dims(x: &Tensor) -> Result<Tensor> {
    let order: Vec<i64> = (0..x.dim() as i64).rev().collect();
    x.permute(&order)
}

/// `as_strided(size, stride, storage_offset)`.
pub fn as_strided(x: &Tensor, size: &[i64], stride: &[i64], offset: Option<i64>) -> Result<Tensor> {
    let op = "aten::as_strided";
    if size.len() != stride.len() {
        return Err(OpError::shape(
            op,
            "mismatch in length of strides and shape",
        ));
    }
    let conv = |v: &[i64], what: &str| -> Result<Vec<usize>> {
        v.iter()
            .map(|&s| {
                usize::try_from(s).map_err(|_| OpError::invalid(op, format!("negative {what} {s}")))
            })
            .collect()
    };
    let offset = match offset {
        Some(o) => {
            usize::try_from(o).map_err(|_| OpError::invalid(op, "negative storage offset"))?
        }
        None => x.storage_offset(),
    };
    x.as_strided(conv(size, "size")?, conv(stride, "stride")?, offset)
}

/// `view(dtype)`: reinterprets the elements as another dtype of the same size.
pub fn view_dtype(x: &Tensor, dtype: DType) -> Result<Tensor> {
    if dtype == x.dtype() {
        return Ok(x.clone());
    }
    if dtype.size() != x.dtype().size() {
        return Err(OpError::unsupported(
            "aten::view.dtype",
            format!(
                "viewing {} as {dtype} (different element sizes) is not supported",
                x.dtype()
            ),
        ));
    }
    Tensor::from_storage(
        x.storage().clone(),
        dtype,
        x.storage_offset(),
        x.shape().to_vec(),
        x.strides().to_vec(),
    )
}

/// `len(x)`: the size of dim 0.
pub fn len(x: &Tensor) -> Result<i64> {
    match x.shape().first() {
        Some(&d) => Ok(d as i64),
        None => Err(OpError::invalid("aten::len", "len() of a 0-d tensor")),
    }
}

/// `broadcast_tensors`: every tensor expanded (as a view) to the common shape.
pub fn broadcast_tensors(tensors: &[Tensor]) -> Result<Vec<Tensor>> {
    let op = "aten::broadcast_tensors";
    let mut shape: Vec<usize> = vec![];
    for t in tensors {
        shape = crate::shape::broadcast_shapes(op, &shape, t.shape())?;
    }
    tensors.iter().map(|t| t.broadcast_to(&shape)).collect()
}

/// `meshgrid(tensors, indexing)`: "ij" (default) or "xy" grids as expanded views.
pub fn meshgrid(tensors: &[Tensor], indexing: &str) -> Result<Vec<Tensor>> {
    let op = "aten::meshgrid";
    if tensors.iter().any(|t| t.dim() > 1) {
        return Err(OpError::invalid(
            op,
            "torch.meshgrid: Expected 0D or 1D tensor in the tensor list",
        ));
    }
    let xy = match indexing {
        "ij" => false,
        "xy" => true,
        other => {
            return Err(OpError::invalid(
                op,
                format!(
                "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {other}"
            ),
            ))
        }
    };
    let mut sizes: Vec<i64> = tensors.iter().map(|t| t.numel() as i64).collect();
    if xy && sizes.len() >= 2 {
        sizes.swap(0, 1);
    }
    let n = tensors.len();
    tensors
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let pos = if xy && n >= 2 && i < 2 {
                1usize.saturating_sub(i)
            } else {
                i
            };
            let mut view = vec![1i64; n];
            if let Some(v) = view.get_mut(pos) {
                *v = -1;
            }
            t.reshape(&view)?.expand(&sizes)
        })
        .collect()
}

/// `atleast_{1,2,3}d`.
pub fn atleast(x: &Tensor, n: usize) -> Result<Tensor> {
    match (x.dim(), n) {
        (0, _) => x.reshape(&vec![1; n]),
        (1, 2) => x.unsqueeze(0),
        (1, 3) => x.reshape(&[1, x.numel() as i64, 1]),
        (2, 3) => x.unsqueeze(-1),
        _ => Ok(x.clone()),
    }
}

fn tensor_arg(t: Result<Tensor>) -> Result<Arg> {
    t.map(Arg::Tensor)
}

fn k_view(a: &Args) -> Result<Arg> {
    tensor_arg(a.tensor("self")?.view(&a.int_list("size")?))
}
fn k_reshape(a: &Args) -> Result<Arg> {
    tensor_arg(a.tensor("self")?.reshape(&a.int_list("shape")?))
}
fn k_unsafe_view(a: &Args) -> Result<Arg> {
    tensor_arg(a.tensor("self")?.reshape(&a.int_list("size")?))
}
fn k_view_as(a: &Args) -> Result<Arg> {
    tensor_arg(
        a.tensor("self")?
            .view(&dims_i64(a.tensor("other")?.shape())),
    )
}
fn k_reshape_as(a: &Args) -> Result<Arg> {
    tensor_arg(
        a.tensor("self")?
            .reshape(&dims_i64(a.tensor("other")?.shape())),
    )
}
fn k_view_dtype(a: &Args) -> Result<Arg> {
    tensor_arg(view_dtype(a.tensor("self")?, a.dtype("dtype")?))
}
fn k_flatten(a: &Args) -> Result<Arg> {
    tensor_arg(
        a.tensor("self")?
            .flatten(a.int("start_dim")?, a.int("end_dim")?),
    )
}
fn k_ravel(a: &Args) -> Result<Arg> {
    tensor_arg(a.tensor("self")?.reshape(&[-1]))
}
fn k_unflatten(a: &Args) -> Result<Arg> {
    tensor_arg(unflatten(
        a.tensor("self")?,
        a.int("dim")?,
        &a.int_list("sizes")?,
    ))
}
fn k_permute(a: &Args) -> Result<Arg> {
    tensor_arg(a.tensor("self")?.permute(&a.int_list("dims")?))
}
fn k_transpose(a: &Args) -> Result<Arg> {
    tensor_arg(a.tensor("self")?.transpose(a.int("dim0")?, a.int("dim1")?))
}
fn k_swapaxes(a: &Args) -> Result<Arg> {
    tensor_arg(
        a.tensor("self")?
            .transpose(a.int("axis0")?, a.int("axis1")?),
    )
}
fn k_t(a: &Args) -> Result<Arg> {
    tensor_arg(t(a.tensor("self")?))
}
fn k_numpy_t(a: &Args) -> Result<Arg> {
    tensor_arg(reverse_dims(a.tensor("self")?))
}
fn k_movedim(a: &Args) -> Result<Arg> {
    tensor_arg(movedim(
        a.tensor("self")?,
        a.int("source")?,
        a.int("destination")?,
    ))
}
fn k_squeeze(a: &Args) -> Result<Arg> {
    Ok(Arg::Tensor(a.tensor("self")?.squeeze_all()))
}
fn k_squeeze_dim(a: &Args) -> Result<Arg> {
    tensor_arg(a.tensor("self")?.squeeze_dim(a.int("dim")?))
}
fn k_squeeze_dims(a: &Args) -> Result<Arg> {
    tensor_arg(squeeze_dims(a.tensor("self")?, &a.int_list("dim")?))
}
fn k_unsqueeze(a: &Args) -> Result<Arg> {
    tensor_arg(a.tensor("self")?.unsqueeze(a.int("dim")?))
}
fn k_expand(a: &Args) -> Result<Arg> {
    tensor_arg(a.tensor("self")?.expand(&a.int_list("size")?))
}
fn k_expand_as(a: &Args) -> Result<Arg> {
    tensor_arg(
        a.tensor("self")?
            .expand(&dims_i64(a.tensor("other")?.shape())),
    )
}
fn k_slice(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    if x.dim() == 0 {
        return Err(OpError::invalid(
            "aten::slice",
            "slice() cannot be applied to a 0-dim tensor.",
        ));
    }
    tensor_arg(x.slice(
        a.int("dim")?,
        a.opt_int("start")?,
        a.opt_int("end")?,
        a.int("step")?,
    ))
}
fn k_select(a: &Args) -> Result<Arg> {
    tensor_arg(a.tensor("self")?.select(a.int("dim")?, a.int("index")?))
}
fn k_narrow(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let start = match a.get("start")? {
        Arg::Tensor(s) => s.item()?.to_i64(),
        _ => a.int("start")?,
    };
    let dim = a.int("dim")?;
    let size = x.size(dim)? as i64;
    let start = if start < 0 {
        start.saturating_add(size)
    } else {
        start
    };
    let length = a.int("length")?;
    if start < 0 || length < 0 {
        return Err(OpError::invalid(
            "aten::narrow",
            format!("start ({start}) and length ({length}) must be non-negative"),
        ));
    }
    tensor_arg(x.narrow(dim, start as usize, length as usize))
}
fn k_as_strided(a: &Args) -> Result<Arg> {
    tensor_arg(as_strided(
        a.tensor("self")?,
        &a.int_list("size")?,
        &a.int_list("stride")?,
        a.opt_int("storage_offset")?,
    ))
}
fn k_alias(a: &Args) -> Result<Arg> {
    Ok(Arg::Tensor(a.tensor("self")?.clone()))
}
fn k_size(a: &Args) -> Result<Arg> {
    Ok(ints(a.tensor("self")?.shape().iter().copied()))
}
fn k_size_int(a: &Args) -> Result<Arg> {
    Ok(Arg::Int(a.tensor("self")?.size(a.int("dim")?)? as i64))
}
fn k_stride(a: &Args) -> Result<Arg> {
    Ok(ints(a.tensor("self")?.strides().iter().copied()))
}
fn k_stride_int(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let d = wrap_dim("aten::stride", a.int("dim")?, x.dim())?;
    let s = x.strides().get(d).copied().unwrap_or(1);
    Ok(Arg::Int(s as i64))
}
fn k_dim(a: &Args) -> Result<Arg> {
    Ok(Arg::Int(a.tensor("self")?.dim() as i64))
}
fn k_numel(a: &Args) -> Result<Arg> {
    Ok(Arg::Int(a.tensor("self")?.numel() as i64))
}
fn k_len(a: &Args) -> Result<Arg> {
    len(a.tensor("t")?).map(Arg::Int)
}
fn k_storage_offset(a: &Args) -> Result<Arg> {
    Ok(Arg::Int(a.tensor("self")?.storage_offset() as i64))
}
fn k_element_size(a: &Args) -> Result<Arg> {
    Ok(Arg::Int(a.tensor("self")?.dtype().size() as i64))
}
fn k_is_contiguous(a: &Args) -> Result<Arg> {
    Ok(Arg::Bool(a.tensor("self")?.is_contiguous()))
}
fn k_is_floating_point(a: &Args) -> Result<Arg> {
    Ok(Arg::Bool(a.tensor("self")?.dtype().is_float()))
}

fn k_broadcast_tensors(a: &Args) -> Result<Arg> {
    broadcast_tensors(&a.tensor_list("tensors")?).map(Arg::from)
}
fn k_meshgrid(a: &Args) -> Result<Arg> {
    meshgrid(&a.tensor_list("tensors")?, "ij").map(Arg::from)
}
fn k_meshgrid_indexing(a: &Args) -> Result<Arg> {
    meshgrid(&a.tensor_list("tensors")?, a.str("indexing")?).map(Arg::from)
}
/// `atleast_{n}d(self)`.
fn k_atleast(a: &Args, n: usize) -> Result<Arg> {
    atleast(a.tensor("self")?, n).map(Arg::Tensor)
}
/// `atleast_{n}d.Sequence(tensors)`.
fn k_atleast_sequence(a: &Args, n: usize) -> Result<Arg> {
    a.tensor_list("tensors")?
        .iter()
        .map(|t| atleast(t, n))
        .collect::<Result<Vec<_>>>()
        .map(Arg::from)
}
fn k_atleast_1d(a: &Args) -> Result<Arg> {
    k_atleast(a, 1)
}
fn k_atleast_1d_sequence(a: &Args) -> Result<Arg> {
    k_atleast_sequence(a, 1)
}
fn k_atleast_2d(a: &Args) -> Result<Arg> {
    k_atleast(a, 2)
}
fn k_atleast_2d_sequence(a: &Args) -> Result<Arg> {
    k_atleast_sequence(a, 2)
}
fn k_atleast_3d(a: &Args) -> Result<Arg> {
    k_atleast(a, 3)
}
fn k_atleast_3d_sequence(a: &Args) -> Result<Arg> {
    k_atleast_sequence(a, 3)
}
fn k_is_nonzero(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    if x.numel() != 1 {
        return Err(OpError::invalid(
            a.op(),
            "Boolean value of Tensor with more than one value is ambiguous",
        ));
    }
    Ok(Arg::Bool(x.item()?.to_bool()))
}

/// Registers view and metadata overloads.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::view", k_view),
        ("aten::_unsafe_view", k_unsafe_view),
        ("aten::view.dtype", k_view_dtype),
        ("aten::view_as", k_view_as),
        ("aten::reshape", k_reshape),
        ("aten::reshape_as", k_reshape_as),
        ("aten::flatten.using_ints", k_flatten),
        ("aten::ravel", k_ravel),
        ("aten::unflatten.int", k_unflatten),
        ("aten::permute", k_permute),
        ("aten::transpose.int", k_transpose),
        ("aten::swapaxes", k_swapaxes),
        ("aten::swapdims", k_transpose),
        ("aten::t", k_t),
        ("aten::numpy_T", k_numpy_t),
        ("aten::numpy_T.a", k_numpy_t),
        ("aten::movedim.int", k_movedim),
        ("aten::moveaxis.int", k_movedim),
        ("aten::squeeze", k_squeeze),
        ("aten::squeeze.dim", k_squeeze_dim),
        ("aten::squeeze.dims", k_squeeze_dims),
        ("aten::unsqueeze", k_unsqueeze),
        ("aten::expand", k_expand),
        ("aten::expand_as", k_expand_as),
        ("aten::broadcast_to", k_expand),
        ("aten::slice.Tensor", k_slice),
        ("aten::select.int", k_select),
        ("aten::narrow", k_narrow),
        ("aten::narrow.Tensor", k_narrow),
        ("aten::as_strided", k_as_strided),
        ("aten::alias", k_alias),
        ("aten::size", k_size),
        ("aten::sym_size", k_size),
        ("aten::size.int", k_size_int),
        ("aten::sym_size.int", k_size_int),
        ("aten::stride", k_stride),
        ("aten::stride.int", k_stride_int),
        ("aten::dim", k_dim),
        ("aten::numel", k_numel),
        ("aten::sym_numel", k_numel),
        ("aten::len.Tensor", k_len),
        ("aten::storage_offset", k_storage_offset),
        ("aten::element_size", k_element_size),
        ("aten::is_contiguous", k_is_contiguous),
        ("aten::is_contiguous.memory_format", k_is_contiguous),
        ("aten::is_floating_point", k_is_floating_point),
        ("aten::is_nonzero", k_is_nonzero),
        ("aten::broadcast_tensors", k_broadcast_tensors),
        ("aten::meshgrid", k_meshgrid),
        ("aten::meshgrid.indexing", k_meshgrid_indexing),
        ("aten::atleast_1d", k_atleast_1d),
        ("aten::atleast_1d.Sequence", k_atleast_1d_sequence),
        ("aten::atleast_2d", k_atleast_2d),
        ("aten::atleast_2d.Sequence", k_atleast_2d_sequence),
        ("aten::atleast_3d", k_atleast_3d),
        ("aten::atleast_3d.Sequence", k_atleast_3d_sequence),
    ];
    for (n, f) in table {
        reg.register(n, *f);
    }
}
