//! Shared helpers of the neural-network kernels: compute types, input loading, argument checks.

use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

use crate::dtype::{DType, Element};
use crate::error::{OpError, Result};
use crate::tensor::Tensor;

/// A type kernels compute in: `f32` (also for float16/bfloat16, rounded once at the end) or `f64`.
/// The one float element trait of the kernels (nn, grid sampling, torchvision's operators).
pub trait Real:
    Element
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    const ZERO: Self;
    const ONE: Self;
    fn of(v: f64) -> Self;
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn tanh(self) -> Self;
    fn sqrt(self) -> Self;
    fn ln_1p(self) -> Self;
    fn max(self, other: Self) -> Self;
    fn min(self, other: Self) -> Self;
    fn erf(self) -> Self;
    fn is_nan(self) -> bool;
    fn mul_add(self, a: Self, b: Self) -> Self;
    fn floor(self) -> Self;
    fn ceil(self) -> Self;
    /// C's `round`: half away from zero.
    fn round(self) -> Self;
    /// C's `nearbyint`: halves to even.
    fn nearbyint(self) -> Self;
    fn abs(self) -> Self;
    /// C's `fmod`: the remainder with the dividend's sign.
    fn fmod(self, m: Self) -> Self;
    /// C++'s `static_cast<int64_t>`, saturating; NaN becomes 0.
    fn as_index(self) -> i64;
    /// `-FLT_MAX` (also for double), where the C++ kernels start their maxima.
    fn lowest() -> Self;
}

macro_rules! real_impl {
    ($t:ty, $exp:path, $erf:path, $tanh:path) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            real_impl!(@unary $t: exp = $exp, tanh = $tanh, erf = $erf);
            real_impl!(@unary $t: ln = <$t>::ln, sqrt = <$t>::sqrt, ln_1p = <$t>::ln_1p);
            real_impl!(@unary $t: floor = <$t>::floor, ceil = <$t>::ceil, round = <$t>::round);
            real_impl!(@unary $t: nearbyint = <$t>::round_ties_even, abs = <$t>::abs);
            #[inline]
            fn of(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
            #[inline]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline]
            fn mul_add(self, a: Self, b: Self) -> Self {
                self * a + b
            }
            #[inline]
            fn fmod(self, m: Self) -> Self {
                self % m
            }
            #[inline]
            fn as_index(self) -> i64 {
                self as i64
            }
            #[inline]
            fn lowest() -> Self {
                -(f32::MAX as $t)
            }
        }
    };
    // Methods `fn name(self) -> Self` that call a function of the element.
    (@unary $t:ty: $($name:ident = $f:expr),*) => {
        $(
            #[inline]
            fn $name(self) -> Self {
                $f(self)
            }
        )*
    };
}

// float32 kernels use the vectorizable approximations of `fastmath` (within a few ulp; erf to
// 2e-7 absolute, as PyTorch's vectorized CPU kernels); float64 keeps the precise functions.
real_impl!(
    f32,
    super::fastmath::exp_f32,
    super::fastmath::erf_f32,
    super::fastmath::tanh_f32
);
real_impl!(f64, f64::exp, erf_f64, f64::tanh);

/// The error function in double precision: the one implementation, shared with `aten::erf`.
pub use crate::ops::basic::unary::erf_f64;

/// Runs `$body` with `$F` bound to the compute type of `$dtype` (`f64` for float64, `f32` for
/// the other floating dtypes); other dtypes are an error naming `$op`.
macro_rules! with_real {
    ($op:expr, $dtype:expr, $F:ident => $body:expr) => {{
        match $dtype {
            $crate::DType::F64 => {
                type $F = f64;
                $body
            }
            $crate::DType::F32 | $crate::DType::F16 | $crate::DType::BF16 => {
                type $F = f32;
                $body
            }
            other => Err($crate::OpError::dtype($op, other)),
        }
    }};
}
pub(crate) use with_real;

/// Runs `f` on the contiguous elements of `t` as `F`: borrowed when the dtype already is `F`
/// and the view is contiguous (mapped weights are never copied), converted otherwise.
pub fn with_data<F: Real, R>(t: &Tensor, f: impl FnOnce(&[F]) -> Result<R>) -> Result<R> {
    if t.dtype() == F::DTYPE {
        t.with_contiguous::<F, _>(f)?
    } else {
        let v = t.to_vec::<F>()?;
        f(&v)
    }
}

/// The contiguous elements of a tensor as `F`, held for a while: a read lock on the storage
/// when no conversion or copy is needed, an owned copy otherwise.
#[derive(Debug)]
pub enum Held<'a, F> {
    Borrowed {
        guard: crate::storage::StorageRead<'a>,
        start: usize,
        len: usize,
    },
    Owned(Vec<F>),
}

impl<F: Real> Held<'_, F> {
    pub fn slice(&self) -> Result<&[F]> {
        match self {
            Held::Borrowed { guard, start, len } => guard
                .typed::<F>()?
                .get(*start..start.saturating_add(*len))
                .ok_or_else(|| OpError::Storage("view outside storage".into())),
            Held::Owned(v) => Ok(v),
        }
    }
}

/// Holds the elements of `t` as `F` (borrowing mapped weights without copying them).
pub fn hold<F: Real>(t: &Tensor) -> Result<Held<'_, F>> {
    if t.dtype() == F::DTYPE && t.is_contiguous() {
        let guard = t.storage().read();
        guard.typed::<F>()?;
        Ok(Held::Borrowed {
            guard,
            start: t.storage_offset(),
            len: t.numel(),
        })
    } else {
        Ok(Held::Owned(t.to_vec::<F>()?))
    }
}

/// The elements of an optional tensor as `F` (copied: for small per-channel parameters).
pub fn opt_vec<F: Real>(t: Option<&Tensor>) -> Result<Option<Vec<F>>> {
    t.map(|t| t.to_vec::<F>()).transpose()
}

/// A result tensor of `dtype` from values computed in `F` (rounded once for half types).
pub fn finish<F: Real>(values: Vec<F>, shape: &[usize], dtype: DType) -> Result<Tensor> {
    let t = Tensor::from_vec(values, shape)?;
    if dtype == F::DTYPE {
        Ok(t)
    } else {
        t.to_dtype(dtype)
    }
}

/// Fails unless `t` has a floating dtype.
pub fn require_float(op: &str, t: &Tensor) -> Result<()> {
    if t.dtype().is_float() {
        Ok(())
    } else {
        Err(OpError::dtype(op, t.dtype()))
    }
}

/// A non-negative int (a size or count) from user input.
pub fn to_usize(op: &str, what: &str, v: i64) -> Result<usize> {
    usize::try_from(v)
        .map_err(|_| OpError::invalid(op, format!("{what} must be non-negative, got {v}")))
}

/// A list of `n` ints from an `int[n]` argument: a single value is repeated, an empty list
/// (PyTorch's `stride=[]`) takes `default`.
pub fn expand_list(op: &str, what: &str, v: &[i64], n: usize, default: &[i64]) -> Result<Vec<i64>> {
    match v.len() {
        0 if default.len() == n => Ok(default.to_vec()),
        0 => Err(OpError::invalid(
            op,
            format!("{what} must have {n} elements, got 0"),
        )),
        1 => Ok(v.repeat(n)),
        len if len == n => Ok(v.to_vec()),
        len => Err(OpError::invalid(
            op,
            format!("{what} must have {n} elements, got {len}"),
        )),
    }
}

/// Results larger than this many elements are refused (an allocation that size would abort
/// the process instead of failing).
pub const MAX_ELEMENTS: usize = 1 << 36;

/// Checked product of sizes, refusing results above [`MAX_ELEMENTS`].
pub fn product(op: &str, dims: &[usize]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= MAX_ELEMENTS)
        .ok_or_else(|| {
            crate::alloc::limit_error(op, format!("a result of shape {dims:?} is too large"))
        })
        .and_then(|n| crate::alloc::check_numel(n).map(|()| n))
}

/// Independent accumulators of the row reductions: they vectorize, one serial chain of
/// additions does not.
pub const LANES: usize = 8;

/// The sum of `f(x)` over `xs`, in [`LANES`] partial sums (the softmax and norm reductions,
/// average pooling).
#[inline(always)]
pub fn lane_sum<Fp: Real>(xs: &[Fp], f: impl Fn(Fp) -> Fp) -> Fp {
    let mut acc = [Fp::ZERO; LANES];
    let chunks = xs.chunks_exact(LANES);
    let tail = chunks.remainder().iter().fold(Fp::ZERO, |s, &v| s + f(v));
    for chunk in chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a += f(v);
        }
    }
    acc.iter().fold(tail, |s, &a| s + a)
}

/// Runs `f(index, chunk)` over the `chunk`-sized pieces of `out`, in parallel on the current
/// executor (see [`crate::parallel`]) when it has several threads and there are several chunks.
pub fn for_each_chunk<F: Send>(
    out: &mut [F],
    chunk: usize,
    f: impl Fn(usize, &mut [F]) -> Result<()> + Sync + Send,
) -> Result<()> {
    use rayon::prelude::*;
    if chunk == 0 || out.is_empty() {
        return Ok(());
    }
    if crate::parallel::current_threads() > 1 && out.len() > chunk {
        crate::parallel::run(|| {
            out.par_chunks_mut(chunk)
                .enumerate()
                .try_for_each(|(i, c)| f(i, c))
        })
    } else {
        out.chunks_mut(chunk)
            .enumerate()
            .try_for_each(|(i, c)| f(i, c))
    }
}

/// Scratch buffers (im2col panels, padded planes) kept between calls: a convolution reuses a
/// buffer an earlier one grew instead of allocating and zeroing megabytes each time. A thread
/// takes one out while it works, so there are at most as many as threads that used scratch at
/// once; [`release_scratch`] frees them all (the runtime does when the process goes idle).
static SCRATCH_POOL: parking_lot::Mutex<Vec<Vec<u64>>> = parking_lot::Mutex::new(Vec::new());

/// Buffers kept in the pool at most (more are freed when given back).
const MAX_POOLED_SCRATCH: usize = 64;

/// Takes the largest pooled buffer, grown fallibly to `words` (zero-filled); `None` when
/// the allocator refuses.
fn take_scratch(words: usize) -> Option<Vec<u64>> {
    let mut buf = {
        let mut pool = SCRATCH_POOL.lock();
        let largest = pool
            .iter()
            .enumerate()
            .max_by_key(|(_, b)| b.len())
            .map(|(i, _)| i);
        largest.map(|i| pool.swap_remove(i)).unwrap_or_default()
    };
    if buf.len() < words {
        // Growing would copy the old contents, which nobody reads: start over instead.
        buf = Vec::new();
        buf.try_reserve_exact(words).ok()?;
        buf.resize(words, 0);
    }
    Some(buf)
}

fn give_back_scratch(buf: Vec<u64>) {
    let mut pool = SCRATCH_POOL.lock();
    if pool.len() < MAX_POOLED_SCRATCH {
        pool.push(buf);
    }
}

/// Frees every pooled scratch buffer; returns the bytes freed.
pub fn release_scratch() -> usize {
    let freed = std::mem::take(&mut *SCRATCH_POOL.lock());
    freed
        .iter()
        .map(|b| b.len().saturating_mul(8))
        .fold(0, usize::saturating_add)
}

/// Runs `f` on a scratch slice of `len` elements with unspecified contents (callers overwrite
/// every element they read).
pub fn with_scratch<F: Real, R>(len: usize, f: impl FnOnce(&mut [F]) -> R) -> R {
    let words = len.saturating_mul(std::mem::size_of::<F>()).div_ceil(8);
    match take_scratch(words) {
        Some(mut buf) => {
            let result = match bytemuck::cast_slice_mut::<u64, F>(&mut buf).get_mut(..len) {
                Some(slice) => f(slice),
                None => f(&mut vec![F::ZERO; len]),
            };
            give_back_scratch(buf);
            result
        }
        None => f(&mut vec![F::ZERO; len]),
    }
}

/// [`with_scratch`] for a length that comes from model code (a padded plane, an unfolded
/// panel): the buffer is checked against the call's limits and grown fallibly, so a size the
/// allocator refuses is an error instead of an abort.
pub fn try_with_scratch<F: Real, R>(
    op: &str,
    len: usize,
    f: impl FnOnce(&mut [F]) -> R,
) -> Result<R> {
    let bytes = crate::alloc::bytes_of(op, len, std::mem::size_of::<F>())?;
    crate::alloc::check_tensor_bytes(op, bytes)?;
    let Some(mut buf) = take_scratch(bytes.div_ceil(8)) else {
        return Err(OpError::MemoryLimit {
            op: op.to_string(),
            msg: format!("cannot allocate a scratch buffer of {bytes} bytes"),
        });
    };
    let result = match bytemuck::cast_slice_mut::<u64, F>(&mut buf).get_mut(..len) {
        Some(slice) => Ok(f(slice)),
        None => crate::alloc::try_filled(op, F::ZERO, len).map(|mut own| f(&mut own)),
    };
    give_back_scratch(buf);
    result
}

/// True when [`for_each_chunk`] would run `tasks` pieces in parallel.
pub fn runs_parallel(tasks: usize) -> bool {
    tasks > 1 && crate::parallel::current_threads() > 1
}

/// Row-major strides for a shape.
pub fn strides_of(shape: &[usize]) -> Vec<usize> {
    crate::shape::contiguous_strides(shape)
}

#[cfg(test)]
pub mod testing {
    //! Helpers for the family tests: tensors from values, mapped tensors, approximate equality.
    use std::sync::Arc;

    use crate::storage::{CopyStats, MappedRegion, SharedBytes};
    use crate::{DType, Tensor};

    pub fn t(values: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_slice(values, shape).unwrap()
    }

    pub fn t64(values: &[f64], shape: &[usize]) -> Tensor {
        Tensor::from_slice(values, shape).unwrap()
    }

    /// `0, 1, 2, ...` scaled by `scale` and shifted by `shift` (what the torch scripts use).
    pub fn ramp(shape: &[usize], scale: f32, shift: f32) -> Tensor {
        let n: usize = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|i| i as f32 * scale + shift).collect();
        t(&v, shape)
    }

    /// A float32 tensor viewing bytes of a shared buffer, as archive weights do.
    pub fn mapped(values: &[f32], shape: &[usize]) -> (Tensor, Arc<CopyStats>) {
        let bytes: Vec<u8> = bytemuck::cast_slice(values).to_vec();
        let len = bytes.len();
        // keep 4-byte alignment: store the bytes in a Vec<u32>-backed buffer
        let words: Vec<u32> = bytemuck::cast_slice(&bytes).to_vec();
        let source: SharedBytes = Arc::new(WordBytes(words));
        let stats = Arc::new(CopyStats::default());
        let region = MappedRegion::new(source, 0, len, stats.clone()).unwrap();
        let strides = crate::shape::contiguous_strides(shape);
        let tensor = Tensor::from_mapped(region, DType::F32, 0, shape.to_vec(), strides).unwrap();
        assert!(tensor.storage().is_mapped());
        (tensor, stats)
    }

    struct WordBytes(Vec<u32>);

    impl AsRef<[u8]> for WordBytes {
        fn as_ref(&self) -> &[u8] {
            bytemuck::cast_slice(&self.0)
        }
    }

    #[track_caller]
    pub fn assert_close(got: &Tensor, expected: &[f64], shape: &[usize], tol: f64) {
        assert_eq!(got.shape(), shape, "shape");
        let g = got.to_vec::<f64>().unwrap();
        assert_eq!(g.len(), expected.len(), "length");
        for (i, (a, b)) in g.iter().zip(expected).enumerate() {
            let ok = (a - b).abs() <= tol * (1.0 + b.abs()) || (a.is_nan() && b.is_nan());
            assert!(ok, "element {i}: got {a}, expected {b} (got {g:?})");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_reference_values() {
        // math.erf from Python
        for (x, e) in [
            (0.0, 0.0),
            (0.5, 0.5204998778130465),
            (-1.0, -0.8427007929497149),
            (2.4, 0.999311486103355),
            (2.6, 0.9997639655834707),
            (4.0, 0.9999999845827421),
        ] {
            assert!((erf_f64(x) - e).abs() < 1e-14, "erf({x}) = {}", erf_f64(x));
        }
    }

    #[test]
    fn list_expansion() {
        assert_eq!(
            expand_list("op", "stride", &[2], 2, &[1, 1]).unwrap(),
            vec![2, 2]
        );
        assert_eq!(
            expand_list("op", "stride", &[], 2, &[3, 3]).unwrap(),
            vec![3, 3]
        );
        assert!(expand_list("op", "stride", &[1, 2, 3], 2, &[1, 1]).is_err());
    }
}
