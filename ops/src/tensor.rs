//! `Tensor`: a strided view (dtype, shape, strides, offset) of a shared storage.

use std::sync::Arc;

use crate::dispatch_dtype;
use crate::dtype::{DType, Element};
use crate::error::{OpError, Result};
use crate::ops::quantized::Quantizer;
use crate::scalar::Scalar;
use crate::shape::{self, contiguous_strides, wrap_dim, wrap_insert_dim};
use crate::storage::{MappedRegion, Storage};
use crate::strided::{broadcast_strides, for_each_offset};

/// A PyTorch tensor on the CPU. Cloning is cheap and aliases: clones and views share storage,
/// and in-place operations are seen through every view of the storage.
#[derive(Clone)]
pub struct Tensor(Arc<TensorInner>);

struct TensorInner {
    storage: Arc<Storage>,
    dtype: DType,
    offset: usize,
    shape: Vec<usize>,
    strides: Vec<usize>,
    requires_grad: bool,
    /// A 0-d tensor standing for a Python number (a TorchScript graph constant): in type
    /// promotion it counts like a Python scalar, not like a 0-d tensor.
    wrapped_number: bool,
    /// Set on the dense stand-in for a nested tensor (see [`Tensor::with_nested_mask`]): a bool
    /// `[batch, seq]` mask, true at real tokens.
    nested_mask: Option<Tensor>,
    /// Set on a quantized tensor (qint8 / quint8 / qint32 stored as int8 / uint8 / int32):
    /// its scale(s) and zero point(s), see [`Tensor::with_quantizer`].
    quantizer: Option<Arc<Quantizer>>,
}

impl TensorInner {
    /// A plain view: no grad, not a wrapped number, not nested, not quantized.
    fn plain(
        storage: Arc<Storage>,
        dtype: DType,
        offset: usize,
        shape: Vec<usize>,
        strides: Vec<usize>,
    ) -> TensorInner {
        TensorInner {
            storage,
            dtype,
            offset,
            shape,
            strides,
            requires_grad: false,
            wrapped_number: false,
            nested_mask: None,
            quantizer: None,
        }
    }

    /// The same view and `requires_grad`, with the other flags cleared.
    fn same_view(&self) -> TensorInner {
        TensorInner {
            requires_grad: self.requires_grad,
            ..TensorInner::plain(
                self.storage.clone(),
                self.dtype,
                self.offset,
                self.shape.clone(),
                self.strides.clone(),
            )
        }
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tensor[{}; {:?}", self.dtype(), self.shape())?;
        if !self.is_contiguous() {
            write!(f, " strides {:?}", self.strides())?;
        }
        write!(f, "]")
    }
}

impl Tensor {
    // ----- construction -----

    /// A view of `storage`, validated: every element must lie inside the storage.
    pub fn from_storage(
        storage: Arc<Storage>,
        dtype: DType,
        offset: usize,
        shape: Vec<usize>,
        strides: Vec<usize>,
    ) -> Result<Tensor> {
        if shape.len() != strides.len() {
            return Err(OpError::Storage(format!(
                "shape {shape:?} and strides {strides:?} have different lengths"
            )));
        }
        let n = shape::numel(&shape)?;
        if n > 0 {
            let mut last = offset;
            for (&d, &s) in shape.iter().zip(&strides) {
                last = d
                    .saturating_sub(1)
                    .checked_mul(s)
                    .and_then(|x| x.checked_add(last))
                    .ok_or_else(|| OpError::Storage("view offsets overflow".into()))?;
            }
            let needed = last
                .checked_add(1)
                .and_then(|x| x.checked_mul(dtype.size()))
                .ok_or_else(|| OpError::Storage("view offsets overflow".into()))?;
            if needed > storage.nbytes() {
                return Err(OpError::Storage(format!(
                    "a {dtype} view with shape {shape:?}, strides {strides:?} and offset {offset} needs {needed} bytes but its storage has {}",
                    storage.nbytes()
                )));
            }
        }
        Ok(Tensor(Arc::new(TensorInner::plain(
            storage, dtype, offset, shape, strides,
        ))))
    }

    /// A tensor viewing mapped archive bytes without copying them.
    pub fn from_mapped(
        region: MappedRegion,
        dtype: DType,
        offset: usize,
        shape: Vec<usize>,
        strides: Vec<usize>,
    ) -> Result<Tensor> {
        Tensor::from_storage(
            Storage::mapped(region, dtype.size()),
            dtype,
            offset,
            shape,
            strides,
        )
    }

    /// A contiguous tensor holding `values` with `shape`. Its bytes count against the
    /// current call's allocation limits (see [`crate::alloc`]); kernels allocate `values`
    /// through that module's fallible funnel.
    pub fn from_vec<T: Element>(values: Vec<T>, shape: &[usize]) -> Result<Tensor> {
        let n = shape::numel(shape)?;
        if n != values.len() {
            return Err(OpError::Storage(format!(
                "{} values cannot fill a tensor of shape {shape:?}",
                values.len()
            )));
        }
        crate::alloc::reserve_bytes("tensor", std::mem::size_of_val(values.as_slice()))?;
        Ok(Tensor::contiguous_over(
            Storage::from_vec(values),
            T::DTYPE,
            shape.to_vec(),
        ))
    }

    /// A contiguous tensor holding a copy of `values` with `shape`.
    pub fn from_slice<T: Element>(values: &[T], shape: &[usize]) -> Result<Tensor> {
        let mut copy = crate::alloc::try_with_capacity("tensor", values.len())?;
        copy.extend_from_slice(values);
        Tensor::from_vec(copy, shape)
    }

    fn contiguous_over(storage: Arc<Storage>, dtype: DType, shape: Vec<usize>) -> Tensor {
        let strides = contiguous_strides(&shape);
        Tensor(Arc::new(TensorInner::plain(
            storage, dtype, 0, shape, strides,
        )))
    }

    /// A 0-d tensor.
    pub fn scalar<T: Element>(value: T) -> Tensor {
        Tensor::contiguous_over(Storage::from_elements(&[value]), T::DTYPE, vec![])
    }

    /// A 0-d tensor of `dtype` holding `value` converted with PyTorch's cast rules.
    pub fn scalar_of(value: Scalar, dtype: DType) -> Tensor {
        dispatch_dtype!(dtype, T => Tensor::scalar::<T>(scalar_to::<T>(value)))
    }

    /// A zero-filled contiguous tensor.
    pub fn zeros(shape: &[usize], dtype: DType) -> Result<Tensor> {
        let n = shape::numel(shape)?;
        let bytes = n
            .checked_mul(dtype.size())
            .ok_or_else(|| OpError::Storage(format!("shape {shape:?} is too large")))?;
        Ok(Tensor::contiguous_over(
            Storage::try_zeroed("zeros", bytes)?,
            dtype,
            shape.to_vec(),
        ))
    }

    /// A contiguous tensor filled with `value`.
    pub fn full(shape: &[usize], value: Scalar, dtype: DType) -> Result<Tensor> {
        let n = shape::numel(shape)?;
        dispatch_dtype!(dtype, T => Tensor::from_vec(crate::alloc::try_filled("full", scalar_to::<T>(value), n)?, shape))
    }

    /// The same view flagged as requiring grad (kept only for reporting; there is no autograd).
    pub fn with_requires_grad(self, requires_grad: bool) -> Tensor {
        let inner = &self.0;
        Tensor(Arc::new(TensorInner {
            requires_grad,
            wrapped_number: inner.wrapped_number,
            nested_mask: inner.nested_mask.clone(),
            quantizer: inner.quantizer.clone(),
            ..inner.same_view()
        }))
    }

    /// The same 0-d tensor marked as a wrapped number (see [`Tensor::is_wrapped_number`]);
    /// other tensors are returned unchanged.
    pub fn as_wrapped_number(self) -> Tensor {
        if self.dim() != 0 {
            return self;
        }
        Tensor(Arc::new(TensorInner {
            wrapped_number: true,
            ..self.0.same_view()
        }))
    }

    /// True for a 0-d tensor that stands for a Python number: TorchScript treats 0-d tensor
    /// constants of a graph this way, so `int64_tensor + CONSTANTS.c0` (a float64 0-d tensor)
    /// gives float32 like `int64_tensor + 1.5`.
    pub fn is_wrapped_number(&self) -> bool {
        self.0.wrapped_number
    }

    /// The same (padded, dense) tensor standing for a nested tensor of `[batch, seq, ...]`
    /// sequences: `mask` is a bool `[batch, seq]` tensor, true at the real tokens, which must
    /// come first in each row (left-aligned, as `_nested_tensor_from_mask` builds them). Views
    /// of the result are plain dense tensors again.
    pub fn with_nested_mask(self, mask: Tensor) -> Result<Tensor> {
        let op = "with_nested_mask";
        if mask.dtype() != DType::Bool || mask.dim() != 2 || self.dim() < 2 {
            return Err(OpError::invalid(
                op,
                format!(
                    "expected a 2-D bool mask over a tensor of at least 2 dims, got a {} mask {:?} for a tensor {:?}",
                    mask.dtype(),
                    mask.shape(),
                    self.shape()
                ),
            ));
        }
        let leading = self.shape().get(..2).unwrap_or(&[]);
        if mask.shape() != leading {
            return Err(OpError::shape(
                op,
                format!(
                    "mask {:?} does not match the tensor's leading dims {:?}",
                    mask.shape(),
                    leading
                ),
            ));
        }
        let row = mask.shape().get(1).copied().unwrap_or(0);
        let flags = mask.to_vec::<crate::Bool8>()?;
        if row > 0
            && flags.chunks(row).any(|r| {
                r.windows(2)
                    .any(|w| matches!(w, [a, b] if !a.get() && b.get()))
            })
        {
            return Err(OpError::invalid(
                op,
                "mask must be left-aligned without gaps",
            ));
        }
        Ok(Tensor(Arc::new(TensorInner {
            nested_mask: Some(mask),
            ..self.0.same_view()
        })))
    }

    /// The same view marked as a quantized tensor with `quantizer` (the elements are the
    /// integer representation: int8 for qint8, uint8 for quint8, int32 for qint32).
    pub fn with_quantizer(self, quantizer: Quantizer) -> Tensor {
        Tensor(Arc::new(TensorInner {
            quantizer: Some(Arc::new(quantizer)),
            ..self.0.same_view()
        }))
    }

    /// The quantizer of a quantized tensor, `None` for an ordinary tensor.
    pub fn quantizer(&self) -> Option<&Quantizer> {
        self.0.quantizer.as_deref()
    }

    /// The padding mask of a tensor standing for a nested tensor (true at real tokens), or
    /// `None` for an ordinary tensor.
    pub fn nested_mask(&self) -> Option<&Tensor> {
        self.0.nested_mask.as_ref()
    }

    // ----- metadata -----

    pub fn dtype(&self) -> DType {
        self.0.dtype
    }

    /// The size of dim `d` (1 past the last dim, like a broadcast dim).
    fn size_of(&self, d: usize) -> usize {
        self.shape().get(d).copied().unwrap_or(1)
    }

    /// The stride of dim `d` (0 past the last dim).
    fn stride_of(&self, d: usize) -> usize {
        self.strides().get(d).copied().unwrap_or(0)
    }

    pub fn shape(&self) -> &[usize] {
        &self.0.shape
    }

    pub fn strides(&self) -> &[usize] {
        &self.0.strides
    }

    pub fn storage_offset(&self) -> usize {
        self.0.offset
    }

    pub fn dim(&self) -> usize {
        self.0.shape.len()
    }

    pub fn numel(&self) -> usize {
        self.0.shape.iter().product()
    }

    pub fn requires_grad(&self) -> bool {
        self.0.requires_grad
    }

    pub fn storage(&self) -> &Arc<Storage> {
        &self.0.storage
    }

    /// Size of `dim` (negative dims count from the end).
    pub fn size(&self, dim: i64) -> Result<usize> {
        if self.dim() == 0 {
            return Err(OpError::invalid(
                "size",
                "dimension specified as 0 but tensor has no dimensions",
            ));
        }
        Ok(self.size_of(wrap_dim("size", dim, self.dim())?))
    }

    /// True when both tensors view the same storage.
    pub fn shares_storage(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0.storage, &other.0.storage)
    }

    /// True when both are the very same tensor object (Python `is`).
    pub fn is_same(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1usize;
        for (&d, &s) in self.0.shape.iter().zip(&self.0.strides).rev() {
            if d != 1 && s != expected {
                return false;
            }
            expected = expected.saturating_mul(d);
        }
        true
    }

    // ----- views (no copy) -----

    /// A view with explicit shape, strides and offset over the same storage.
    pub fn as_strided(
        &self,
        shape: Vec<usize>,
        strides: Vec<usize>,
        offset: usize,
    ) -> Result<Tensor> {
        Tensor::from_storage(self.0.storage.clone(), self.0.dtype, offset, shape, strides)
    }

    fn view_unchecked(&self, shape: Vec<usize>, strides: Vec<usize>, offset: usize) -> Tensor {
        Tensor(Arc::new(TensorInner {
            // Reshapes of a per-tensor quantized tensor stay quantized (a per-channel
            // quantizer's axis would not survive a reshape).
            quantizer: self.0.quantizer.clone().filter(|q| q.is_per_tensor()),
            ..TensorInner::plain(self.0.storage.clone(), self.0.dtype, offset, shape, strides)
        }))
    }

    /// `narrow(dim, start, length)`.
    pub fn narrow(&self, dim: i64, start: usize, length: usize) -> Result<Tensor> {
        let d = wrap_dim("narrow", dim, self.dim())?;
        let size = *self
            .shape()
            .get(d)
            .ok_or_else(|| OpError::invalid("narrow", "cannot narrow a 0-d tensor"))?;
        if start.checked_add(length).is_none_or(|end| end > size) {
            return Err(OpError::invalid(
                "narrow",
                format!("start ({start}) + length ({length}) exceeds dimension size ({size})"),
            ));
        }
        let mut shape = self.shape().to_vec();
        if let Some(size) = shape.get_mut(d) {
            *size = length;
        }
        let offset = if length == 0 {
            self.storage_offset()
        } else {
            // start < size, so the offset stays inside the (already checked) view.
            self.storage_offset()
                .saturating_add(start.saturating_mul(self.stride_of(d)))
        };
        Ok(self.view_unchecked(shape, self.strides().to_vec(), offset))
    }

    /// Python slicing `x[start:end:step]` along `dim` with PyTorch's clamping of bounds.
    pub fn slice(
        &self,
        dim: i64,
        start: Option<i64>,
        end: Option<i64>,
        step: i64,
    ) -> Result<Tensor> {
        let d = wrap_dim("slice", dim, self.dim())?;
        if step <= 0 {
            return Err(OpError::invalid("slice", "slice step must be positive"));
        }
        let size = *self
            .shape()
            .get(d)
            .ok_or_else(|| OpError::invalid("slice", "cannot slice a 0-d tensor"))?
            as i64;
        let clamp = |v: i64| -> i64 {
            let v = if v < 0 { v.saturating_add(size) } else { v };
            v.clamp(0, size)
        };
        // Both bounds are clamped to 0..=size, so the span and the count cannot overflow
        // whatever the step (2**63-1 included).
        let s = clamp(start.unwrap_or(0));
        let e = clamp(end.unwrap_or(size)).max(s);
        let span = e.saturating_sub(s);
        let len = span
            .checked_div(step)
            .unwrap_or(0)
            .saturating_add(i64::from(span.checked_rem(step).unwrap_or(0) != 0));
        let stride = self.stride_of(d);
        let mut shape = self.shape().to_vec();
        let mut strides = self.strides().to_vec();
        if let (Some(size), Some(st)) = (shape.get_mut(d), strides.get_mut(d)) {
            *size = usize::try_from(len).unwrap_or(0);
            // With one element or none the stride is never used; otherwise step < size.
            *st = stride.saturating_mul(usize::try_from(step).unwrap_or(usize::MAX));
        }
        let offset = if len == 0 {
            self.storage_offset()
        } else {
            self.storage_offset()
                .saturating_add(usize::try_from(s).unwrap_or(0).saturating_mul(stride))
        };
        Ok(self.view_unchecked(shape, strides, offset))
    }

    /// `select(dim, index)`: removes `dim`.
    pub fn select(&self, dim: i64, index: i64) -> Result<Tensor> {
        if self.dim() == 0 {
            return Err(OpError::invalid(
                "select",
                "select() cannot be applied to a 0-dim tensor.",
            ));
        }
        let d = wrap_dim("select", dim, self.dim())?;
        let size = self.shape().get(d).copied().unwrap_or(0);
        let i = if index < 0 {
            index.saturating_add(size as i64)
        } else {
            index
        };
        if i < 0 || i >= size as i64 {
            return Err(OpError::IndexOutOfRange {
                op: "select".into(),
                index,
                dim: d,
                size,
            });
        }
        let mut shape = self.shape().to_vec();
        let mut strides = self.strides().to_vec();
        let offset = self
            .storage_offset()
            .saturating_add((i as usize).saturating_mul(self.stride_of(d)));
        if d < shape.len() {
            shape.remove(d);
            strides.remove(d);
        }
        Ok(self.view_unchecked(shape, strides, offset))
    }

    /// `permute(dims)`.
    pub fn permute(&self, dims: &[i64]) -> Result<Tensor> {
        if dims.len() != self.dim() {
            return Err(OpError::shape(
                "permute",
                format!(
                    "number of dims don't match in permute: {} vs {}",
                    dims.len(),
                    self.dim()
                ),
            ));
        }
        let mut seen = vec![false; self.dim()];
        let mut shape = Vec::with_capacity(self.dim());
        let mut strides = Vec::with_capacity(self.dim());
        for &d in dims {
            let d = wrap_dim("permute", d, self.dim())?;
            if seen
                .get_mut(d)
                .is_none_or(|seen| std::mem::replace(seen, true))
            {
                return Err(OpError::invalid("permute", "repeated dim in permute"));
            }
            shape.push(self.size_of(d));
            strides.push(self.stride_of(d));
        }
        Ok(self.view_unchecked(shape, strides, self.storage_offset()))
    }

    /// `transpose(dim0, dim1)`.
    pub fn transpose(&self, dim0: i64, dim1: i64) -> Result<Tensor> {
        if self.dim() == 0 {
            return Ok(self.clone());
        }
        let a = wrap_dim("transpose", dim0, self.dim())?;
        let b = wrap_dim("transpose", dim1, self.dim())?;
        let mut shape = self.shape().to_vec();
        let mut strides = self.strides().to_vec();
        shape.swap(a, b);
        strides.swap(a, b);
        Ok(self.view_unchecked(shape, strides, self.storage_offset()))
    }

    /// `unsqueeze(dim)`.
    pub fn unsqueeze(&self, dim: i64) -> Result<Tensor> {
        let d = wrap_insert_dim("unsqueeze", dim, self.dim())?;
        let mut shape = self.shape().to_vec();
        let mut strides = self.strides().to_vec();
        let stride = if d < self.dim() {
            self.size_of(d).saturating_mul(self.stride_of(d))
        } else {
            1
        };
        shape.insert(d, 1);
        strides.insert(d, stride);
        Ok(self.view_unchecked(shape, strides, self.storage_offset()))
    }

    /// `squeeze(dim)`: removes `dim` if its size is 1.
    pub fn squeeze_dim(&self, dim: i64) -> Result<Tensor> {
        if self.dim() == 0 {
            wrap_dim("squeeze", dim, 0)?;
            return Ok(self.clone());
        }
        let d = wrap_dim("squeeze", dim, self.dim())?;
        if self.size_of(d) != 1 {
            return Ok(self.clone());
        }
        let mut shape = self.shape().to_vec();
        let mut strides = self.strides().to_vec();
        if d < shape.len() {
            shape.remove(d);
            strides.remove(d);
        }
        Ok(self.view_unchecked(shape, strides, self.storage_offset()))
    }

    /// `squeeze()`: removes every size-1 dim.
    pub fn squeeze_all(&self) -> Tensor {
        let (shape, strides): (Vec<usize>, Vec<usize>) = self
            .shape()
            .iter()
            .zip(self.strides())
            .filter(|(&d, _)| d != 1)
            .map(|(&d, &s)| (d, s))
            .unzip();
        self.view_unchecked(shape, strides, self.storage_offset())
    }

    /// `expand(shape)`: `-1` keeps a size; new leading dims and size-1 dims broadcast.
    pub fn expand(&self, sizes: &[i64]) -> Result<Tensor> {
        if sizes.len() < self.dim() {
            return Err(OpError::shape("expand", format!("the number of sizes provided ({}) must be greater or equal to the number of dimensions in the tensor ({})", sizes.len(), self.dim())));
        }
        let lead = sizes.len().saturating_sub(self.dim());
        let mut shape = Vec::with_capacity(sizes.len());
        let mut strides = Vec::with_capacity(sizes.len());
        for (i, &s) in sizes.iter().enumerate() {
            if i < lead {
                if s < 0 {
                    return Err(OpError::shape("expand", "the expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension"));
                }
                shape.push(s as usize);
                strides.push(0);
            } else {
                let cur = self.size_of(i.saturating_sub(lead));
                let stride = self.stride_of(i.saturating_sub(lead));
                if s == -1 || s as usize == cur {
                    shape.push(cur);
                    strides.push(stride);
                } else if cur == 1 && s >= 0 {
                    shape.push(s as usize);
                    strides.push(0);
                } else {
                    return Err(OpError::shape("expand", format!("the expanded size of the tensor ({s}) must match the existing size ({cur}) at non-singleton dimension {i}.  Target sizes: {sizes:?}.  Tensor sizes: {:?}", self.shape())));
                }
            }
        }
        Ok(self.view_unchecked(shape, strides, self.storage_offset()))
    }

    /// A broadcast view to `shape` (which must be broadcast-compatible).
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Tensor> {
        let target = shape::broadcast_shapes("broadcast_to", self.shape(), shape)?;
        if target != shape {
            return Err(OpError::shape(
                "broadcast_to",
                format!("cannot broadcast {:?} to {shape:?}", self.shape()),
            ));
        }
        let strides = broadcast_strides(self.shape(), self.strides(), shape);
        Ok(self.view_unchecked(shape.to_vec(), strides, self.storage_offset()))
    }

    /// `view(shape)`: fails when the strides don't allow it.
    pub fn view(&self, sizes: &[i64]) -> Result<Tensor> {
        let shape = shape::infer_size("view", sizes, self.numel())?;
        match shape::view_strides(self.shape(), self.strides(), &shape) {
            Some(strides) => Ok(self.view_unchecked(shape, strides, self.storage_offset())),
            None => Err(OpError::invalid("view", "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.")),
        }
    }

    /// `reshape(shape)`: a view when possible, else a contiguous copy.
    pub fn reshape(&self, sizes: &[i64]) -> Result<Tensor> {
        let shape = shape::infer_size("reshape", sizes, self.numel())?;
        match shape::view_strides(self.shape(), self.strides(), &shape) {
            Some(strides) => Ok(self.view_unchecked(shape, strides, self.storage_offset())),
            None => {
                let c = self.contiguous()?;
                let strides = contiguous_strides(&shape);
                Ok(c.view_unchecked(shape, strides, c.storage_offset()))
            }
        }
    }

    /// `flatten(start_dim, end_dim)`.
    pub fn flatten(&self, start_dim: i64, end_dim: i64) -> Result<Tensor> {
        if self.dim() == 0 {
            return self.reshape(&[1]);
        }
        let s = wrap_dim("flatten", start_dim, self.dim())?;
        let e = wrap_dim("flatten", end_dim, self.dim())?;
        if s > e {
            return Err(OpError::invalid(
                "flatten",
                "flatten() has invalid args: start_dim cannot come after end_dim",
            ));
        }
        let shape = self.shape();
        let mut sizes: Vec<i64> = shape.iter().take(s).map(|&d| d as i64).collect();
        let merged = shape
            .iter()
            .skip(s)
            .take(e.saturating_sub(s).saturating_add(1))
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .unwrap_or(usize::MAX);
        sizes.push(merged as i64);
        sizes.extend(shape.iter().skip(e.saturating_add(1)).map(|&d| d as i64));
        self.reshape(&sizes)
    }

    // ----- materialization -----

    /// The elements in row-major order, converted to `T` with PyTorch's cast rules.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        let guard = self.storage().read();
        dispatch_dtype!(self.dtype(), S => {
            let src = guard.typed::<S>()?;
            let mut out = crate::alloc::try_with_capacity::<T>("materialize", self.numel())?;
            if self.is_contiguous() {
                let start = self.storage_offset();
                let slice = src.get(start..start.saturating_add(self.numel())).ok_or_else(|| OpError::Storage("view outside storage".into()))?;
                if S::DTYPE == T::DTYPE {
                    out.extend_from_slice(bytemuck::cast_slice::<S, T>(slice));
                } else {
                    crate::dtype::extend_converted(&mut out, slice);
                }
            } else if S::DTYPE == T::DTYPE {
                let src = bytemuck::cast_slice::<S, T>(src);
                crate::strided::append_strided(src, self.shape(), self.strides(), self.storage_offset(), &mut out)
                    .ok_or_else(|| OpError::Storage("view outside storage".into()))?;
            } else {
                // gathered as stored, then converted in one straight (vectorized) pass: a cast
                // per visited offset was 8% of a bfloat16 BERT's time (permuted heads)
                let mut gathered = crate::alloc::try_with_capacity::<S>("materialize", self.numel())?;
                crate::strided::append_strided(src, self.shape(), self.strides(), self.storage_offset(), &mut gathered)
                    .ok_or_else(|| OpError::Storage("view outside storage".into()))?;
                crate::dtype::extend_converted(&mut out, &gathered);
            }
            Ok(out)
        })
    }

    /// Runs `f` on the contiguous elements of this tensor, borrowing the storage when the view
    /// is already contiguous (e.g. mapped weights) and copying into a temporary otherwise.
    pub fn with_contiguous<T: Element, R>(&self, f: impl FnOnce(&[T]) -> R) -> Result<R> {
        if self.dtype() != T::DTYPE {
            return Err(OpError::Storage(format!(
                "with_contiguous: tensor is {} but {} was requested",
                self.dtype(),
                T::DTYPE
            )));
        }
        if self.is_contiguous() {
            let guard = self.storage().read();
            let all = guard.typed::<T>()?;
            let start = self.storage_offset();
            let slice = all
                .get(start..start.saturating_add(self.numel()))
                .ok_or_else(|| OpError::Storage("view outside storage".into()))?;
            Ok(f(slice))
        } else {
            let data = self.to_vec::<T>()?;
            Ok(f(&data))
        }
    }

    /// This tensor if contiguous, else a contiguous copy.
    pub fn contiguous(&self) -> Result<Tensor> {
        if self.is_contiguous() {
            return Ok(self.clone());
        }
        self.copy_contiguous()
    }

    /// Always a fresh contiguous copy (PyTorch's `clone`).
    pub fn copy_contiguous(&self) -> Result<Tensor> {
        let copy = dispatch_dtype!(self.dtype(), T => Tensor::from_vec(self.to_vec::<T>()?, self.shape()))?;
        Ok(match self.0.quantizer.as_deref() {
            Some(q) if q.is_per_tensor() => copy.with_quantizer(q.clone()),
            _ => copy,
        })
    }

    /// A copy converted to `dtype` (or this tensor when it already has it).
    pub fn to_dtype(&self, dtype: DType) -> Result<Tensor> {
        if dtype == self.dtype() {
            return Ok(self.clone());
        }
        dispatch_dtype!(dtype, T => Tensor::from_vec(self.to_vec::<T>()?, self.shape()))
    }

    /// The single element of a one-element tensor as a scalar (`item()`).
    pub fn item(&self) -> Result<Scalar> {
        if self.numel() != 1 {
            return Err(OpError::invalid(
                "item",
                format!(
                    "a Tensor with {} elements cannot be converted to Scalar",
                    self.numel()
                ),
            ));
        }
        let dtype = self.dtype();
        let empty = || OpError::invalid("item", "the tensor has no element");
        Ok(if dtype.is_float() {
            Scalar::Float(*self.to_vec::<f64>()?.first().ok_or_else(empty)?)
        } else if dtype.is_bool() {
            Scalar::Bool(
                self.to_vec::<crate::Bool8>()?
                    .first()
                    .ok_or_else(empty)?
                    .get(),
            )
        } else {
            Scalar::Int(*self.to_vec::<i64>()?.first().ok_or_else(empty)?)
        })
    }

    /// Writes `src` (broadcast to this shape, converted to this dtype) into the elements this
    /// view aliases: the one primitive behind every in-place operation.
    pub fn copy_from(&self, src: &Tensor) -> Result<()> {
        let src = src.broadcast_to(self.shape())?;
        // Read the source fully before taking the write lock: they may share storage.
        let values = dispatch_dtype!(self.dtype(), T => {
            let v = src.to_vec::<T>()?;
            bytemuck::cast_slice::<T, u8>(&v).to_vec()
        });
        let mut guard = self.storage().write();
        let dst = guard.bytes_mut();
        let size = self.dtype().size();
        if self.is_contiguous() {
            let start = self.storage_offset().saturating_mul(size);
            return match dst.get_mut(start..start.saturating_add(values.len())) {
                Some(d) => {
                    d.copy_from_slice(&values);
                    Ok(())
                }
                None => Err(OpError::Storage("copy_: view outside storage".into())),
            };
        }
        let mut chunks = values.chunks_exact(size.max(1));
        let mut result = Ok(());
        for_each_offset(self.shape(), self.strides(), self.storage_offset(), |o| {
            let at = o.saturating_mul(size);
            match (dst.get_mut(at..at.saturating_add(size)), chunks.next()) {
                (Some(d), Some(v)) => d.copy_from_slice(v),
                _ => result = Err(OpError::Storage("copy_: view outside storage".into())),
            }
        });
        result
    }
}

/// Converts a scalar to an element type with PyTorch's rules.
pub fn scalar_to<T: Element>(value: Scalar) -> T {
    match value {
        Scalar::Bool(b) => T::from_bool(b),
        Scalar::Int(i) => T::from_i64(i),
        Scalar::Float(f) => T::from_f64(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(values: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_slice(values, shape).unwrap()
    }

    #[test]
    fn views_alias_and_copy_from_mutates_through_them() {
        let x = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
        let tr = x.transpose(0, 1).unwrap();
        assert_eq!(tr.to_vec::<f32>().unwrap(), vec![1., 4., 2., 5., 3., 6.]);
        let row = x.select(0, 1).unwrap();
        row.copy_from(&Tensor::scalar(9f32)).unwrap();
        assert_eq!(x.to_vec::<f32>().unwrap(), vec![1., 2., 3., 9., 9., 9.]);
        assert_eq!(tr.to_vec::<f32>().unwrap(), vec![1., 9., 2., 9., 3., 9.]);
    }

    #[test]
    fn slicing_clamps_like_python() {
        let x = t(&[0., 1., 2., 3., 4.], &[5]);
        assert_eq!(
            x.slice(0, Some(-2), None, 1)
                .unwrap()
                .to_vec::<f32>()
                .unwrap(),
            vec![3., 4.]
        );
        assert_eq!(
            x.slice(0, Some(1), Some(100), 2)
                .unwrap()
                .to_vec::<f32>()
                .unwrap(),
            vec![1., 3.]
        );
        assert_eq!(x.slice(0, Some(4), Some(2), 1).unwrap().numel(), 0);
    }

    #[test]
    fn reshape_copies_only_when_needed() {
        let x = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
        let v = x.reshape(&[3, -1]).unwrap();
        assert!(v.shares_storage(&x));
        let tr = x.transpose(0, 1).unwrap();
        assert!(tr.view(&[6]).is_err());
        let r = tr.reshape(&[6]).unwrap();
        assert!(!r.shares_storage(&x));
        assert_eq!(r.to_vec::<f32>().unwrap(), vec![1., 4., 2., 5., 3., 6.]);
    }

    #[test]
    fn expand_and_dtype_conversion() {
        let x = t(&[1.5, -2.5], &[2, 1]);
        let e = x.expand(&[-1, 3]).unwrap();
        assert_eq!(e.strides(), &[1, 0]);
        assert_eq!(e.to_vec::<i64>().unwrap(), vec![1, 1, 1, -2, -2, -2]);
        assert_eq!(x.to_dtype(DType::I32).unwrap().dtype(), DType::I32);
    }

    #[test]
    fn views_outside_storage_are_rejected() {
        let x = t(&[1., 2.], &[2]);
        assert!(x.as_strided(vec![3], vec![1], 0).is_err());
        assert!(x.as_strided(vec![2], vec![usize::MAX], 0).is_err());
    }
}
