//! Products of bfloat16 matrices whose two operands both run along the shared dimension (`x @ W.T` with nn.Linear's `[out, in]` weight, attention's `q @ k.T`) by AVX512-BF16 dot products, reading both as stored.
//!
//! `vdpbf16ps` multiplies pairs of bfloat16 and adds both products to a float32 lane. Every
//! product of two bfloat16 is exact in float32, so the sums are float32 sums of the same
//! products the widening path forms (in another order), at twice the multiply-adds per
//! instruction of float32 FMA and with no widened or transposed copy of the weight: each output
//! element is a dot product of a row of `a` and a row of `b`, both contiguous. A 4x4 tile of
//! outputs keeps 16 accumulators in registers (4 loads of each side feed 16 instructions), and
//! the 16 accumulators are summed across their lanes together by a transposing reduction.
//! Like the instruction, the kernel treats subnormal inputs as zero.

use crate::error::{OpError, Result};
use crate::ops::nn::gemm_kernels::SharedMut;
use crate::ops::nn::util::for_each_chunk;

/// `count` rows of bfloat16 bits in a slice: row `r` is `data[offset + r * stride..][..depth]`.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    pub data: &'a [u16],
    pub offset: usize,
    pub stride: usize,
}

impl<'a> Rows<'a> {
    /// Row `r`, `depth` elements long (`None` outside the slice).
    pub(crate) fn row(&self, r: usize, depth: usize) -> Option<&'a [u16]> {
        let start = r.checked_mul(self.stride)?.checked_add(self.offset)?;
        self.data.get(start..start.checked_add(depth)?)
    }
}

/// Whether this CPU has the dot-product instruction (and the AVX-512 the kernel also uses).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        crate::ops::nn::simd::has_avx512() && std::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The shape of one product: `dst[i, j] (+)= alpha * sum_d a[i, d] * b[j, d]` for `i < m`,
/// `j < n`, `d < k`, into a row-major `[m, n]` float32 destination.
#[derive(Debug, Clone, Copy)]
pub struct Dots<'a> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub a: Rows<'a>,
    pub b: Rows<'a>,
    /// Add to what the destination holds (a bias written beforehand) instead of overwriting it.
    pub accumulate: bool,
    pub alpha: f32,
}

/// Rows of `a` a thread takes at a time when a product is split across threads: below twice
/// this, one thread runs it.
const TASK_ROWS: usize = 16;
/// The fewest rows of `a` (per thread) for which packing `b` into pair panels
/// (`bf16_packed`) pays for itself.
const PACKED_MIN_ROWS: usize = 16;
/// Bytes of `a`'s rows kept in level-1 cache while every row of `b` passes them.
const ROW_BLOCK_BYTES: usize = 16 * 1024;

/// Runs the product (see [`Dots`]) on the current executor's threads, split by rows of `a`
/// (on the calling thread alone inside `parallel::on_this_thread`).
/// Returns `Ok(false)` without touching `dst` when the CPU lacks the instruction; an error when
/// an operand's rows or the destination do not fit their slices.
pub fn product(op: &str, dots: Dots<'_>, dst: &mut [f32]) -> Result<bool> {
    if !available() {
        return Ok(false);
    }
    check_fits(op, dots, dst.len())?;
    let Dots { m, n, .. } = dots;
    let threads = crate::parallel::current_threads().max(1);
    let groups = n.div_ceil(crate::ops::nn::bf16_packed::GROUP_COLUMNS);
    if threads > 1 && m >= PACKED_MIN_ROWS && groups >= threads {
        product_by_columns(dots, groups, dst);
        return Ok(true);
    }
    let task_rows = if threads > 1 && m >= TASK_ROWS.saturating_mul(2) {
        m.div_ceil(threads).max(TASK_ROWS)
    } else {
        m.max(1)
    };
    let len = m.saturating_mul(n);
    let region = dst.get_mut(..len).unwrap_or_default();
    for_each_chunk(region, task_rows.saturating_mul(n), |t, rows| {
        let first = t.saturating_mul(task_rows);
        let count = rows.len().checked_div(n).unwrap_or(0);
        product_here(dots, first, count, rows);
        Ok(())
    })?;
    Ok(true)
}

/// The packed form split across the executor's threads by its `groups` of columns: each thread
/// packs only its groups of `b` (split by rows, every thread would pack all of it) and runs
/// every row of `a` past them. `dst` holds the `[m, n]` result (`check_fits` passed).
fn product_by_columns(dots: Dots<'_>, groups: usize, dst: &mut [f32]) {
    use crate::ops::nn::bf16_packed::{columns_here, GROUP_COLUMNS};
    let Dots { m, n, .. } = dots;
    let Some(block) = m.checked_mul(n).and_then(|len| dst.get_mut(..len)) else {
        return;
    };
    let shared = SharedMut(block.as_mut_ptr());
    crate::parallel::for_each_chunk(groups, 1, |range| {
        let start = range.start.saturating_mul(GROUP_COLUMNS);
        let end = range.end.saturating_mul(GROUP_COLUMNS).min(n);
        // SAFETY: `shared` points at the `[m, n]` block borrowed uniquely above for the whole
        // split; `for_each_chunk` hands each call a distinct range of groups, so the columns
        // `start..end` are this call's alone.
        #[allow(unsafe_code)]
        unsafe {
            columns_here(dots, 0, m, start..end, shared.get())
        }
    });
}

/// An error unless every row of both operands and the `[m, n]` destination lie inside their
/// slices.
fn check_fits(op: &str, dots: Dots<'_>, dst_len: usize) -> Result<()> {
    let Dots { m, n, k, a, b, .. } = dots;
    let last_fits = |rows: Rows<'_>, count: usize| {
        count == 0 || count.checked_sub(1).and_then(|r| rows.row(r, k)).is_some()
    };
    let dst_fits = m.checked_mul(n).is_some_and(|len| len <= dst_len);
    if last_fits(a, m) && last_fits(b, n) && dst_fits {
        Ok(())
    } else {
        Err(OpError::invalid(
            op,
            format!(
                "internal error: a {m}x{k} by {k}x{n} bfloat16 product does not fit its storage"
            ),
        ))
    }
}

/// Rows `first..first + count` of the product into `dst` (their `[count, n]` block), in blocks of
/// `a` rows that stay in level-1 cache while every group of 4 rows of `b` passes them.
fn product_here(dots: Dots<'_>, first: usize, count: usize, dst: &mut [f32]) {
    if count >= PACKED_MIN_ROWS {
        return crate::ops::nn::bf16_packed::product_here(dots, first, count, dst);
    }
    let fit = ROW_BLOCK_BYTES
        .checked_div(dots.k.saturating_mul(2))
        .unwrap_or(0);
    let block = fit.saturating_sub(fit % 4).max(4);
    let mut i0 = 0;
    while i0 < count {
        let rows = block.min(count.saturating_sub(i0));
        let mut j = 0;
        while j < dots.n {
            let at = Block {
                first: first.saturating_add(i0),
                local: i0,
                rows,
                j,
            };
            match dots.n.saturating_sub(j) {
                1 => block_of::<1>(dots, at, dst),
                2 => block_of::<2>(dots, at, dst),
                3 => block_of::<3>(dots, at, dst),
                _ => block_of::<4>(dots, at, dst),
            }
            j = j.saturating_add(4);
        }
        i0 = i0.saturating_add(rows);
    }
}

/// A block of the product: `rows` rows of `a` from row `first` (row `local` of the destination
/// block) by rows `j..j + NR` of `b`.
#[derive(Debug, Clone, Copy)]
struct Block {
    first: usize,
    local: usize,
    rows: usize,
    j: usize,
}

/// One block of sums (see [`Block`]), written to the destination with `alpha` (and added when
/// accumulating). Does nothing when a row lies outside its slice (`product` checked none does).
fn block_of<const NR: usize>(dots: Dots<'_>, at: Block, dst: &mut [f32]) {
    let Dots {
        n,
        k,
        a,
        b,
        accumulate,
        alpha,
        ..
    } = dots;
    let b_rows: [&[u16]; NR] =
        std::array::from_fn(|c| b.row(at.j.saturating_add(c), k).unwrap_or_default());
    let last_a = at
        .rows
        .checked_sub(1)
        .and_then(|r| a.row(at.first.checked_add(r)?, k));
    let dst_end = at.local.checked_add(at.rows).and_then(|r| r.checked_mul(n));
    let inside = b_rows.iter().all(|row| row.len() == k)
        && (at.rows == 0 || last_a.is_some())
        && at.j.checked_add(NR).is_some_and(|end| end <= n)
        && dst_end.is_some_and(|end| end <= dst.len());
    if !inside {
        return;
    }
    let write = Write { accumulate, alpha };
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `product` checked that the CPU has AVX-512 F/BW/VL and BF16 before any block
        // runs. Checked just above: every row of `b` is exactly `k` long; the last of the
        // block's rows of `a` (they start at increasing offsets) ends inside `a.data`; the
        // destination rows `local..local + rows` at columns `j..j + NR <= n` lie inside `dst`,
        // a unique borrow.
        #[allow(unsafe_code)]
        unsafe {
            dot::block::<NR>(a, at, b_rows, k, n, dst.as_mut_ptr(), write)
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (b_rows, write);
    }
}

/// How sums reach the destination: `alpha * sum`, added to what is there when accumulating.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Write {
    pub(crate) accumulate: bool,
    pub(crate) alpha: f32,
}

// reason: the pointer offsets here stay below `k`, the length of every row, and the array
// indices below the const dimensions
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code, clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod dot {
    use super::{Block, Rows, Write};
    use crate::ops::nn::simd::avx512::{bf16_bits as bits, reduce16};
    use std::arch::x86_64::*;

    /// Bfloat16 elements in one 512-bit register.
    const LANES: usize = 32;

    /// The sums of a block of rows of `a` (see [`Block`]) by the rows of `b`, written to the
    /// destination (row-major, `n` wide, at `dst`) in 4x`NR` tiles, then row by row.
    ///
    /// # Safety
    /// The CPU must have AVX-512 F, BW, VL and BF16; rows `first..first + rows` of `a` must lie
    /// inside `a.data` (`k` elements each), every row of `b` must be `k` elements long, and
    /// destination rows `local..local + rows` at columns `j..j + NR` must lie inside the
    /// allocation behind `dst`, which no one else may access.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512bf16,avx,avx2,fma")]
    pub(super) unsafe fn block<const NR: usize>(
        a: Rows<'_>,
        at: Block,
        b: [&[u16]; NR],
        k: usize,
        n: usize,
        dst: *mut f32,
        write: Write,
    ) {
        let b: [*const u16; NR] = b.map(<[u16]>::as_ptr);
        let base = a.data.as_ptr();
        let a_row = |r: usize| {
            // SAFETY: row `first + r` of `a` lies inside `a.data` (the caller's contract).
            unsafe { base.add(a.offset + (at.first + r) * a.stride) }
        };
        let out_row = |r: usize| {
            // SAFETY: destination row `local + r` at column `j` lies inside (the contract).
            unsafe { dst.add((at.local + r) * n + at.j) }
        };
        let mut r = 0;
        while r + 4 <= at.rows {
            let rows = [a_row(r), a_row(r + 1), a_row(r + 2), a_row(r + 3)];
            let outs = [out_row(r), out_row(r + 1), out_row(r + 2), out_row(r + 3)];
            // SAFETY: the rows and destinations of this tile are inside (as above).
            unsafe { tile::<4, NR>(rows, b, k, outs, write) };
            r += 4;
        }
        while r < at.rows {
            // SAFETY: as above, one row.
            unsafe { tile::<1, NR>([a_row(r)], b, k, [out_row(r)], write) };
            r += 1;
        }
    }

    /// The dot products of every row of `a` with every row of `b`, written (see [`Write`]) to
    /// `out[r][0..NR]`.
    ///
    /// # Safety
    /// The CPU must have AVX-512 F, BW, VL and BF16, `k` elements must be readable from every
    /// row pointer of `a` and `b`, and `NR` float32 writable at every `out[r]`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512bf16,avx,avx2,fma")]
    unsafe fn tile<const MR: usize, const NR: usize>(
        a: [*const u16; MR],
        b: [*const u16; NR],
        k: usize,
        out: [*mut f32; MR],
        write: Write,
    ) {
        let mut acc = [[_mm512_setzero_ps(); NR]; MR];
        let zero = _mm512_castps_si512(_mm512_setzero_ps());
        let mut av = [zero; MR];
        let mut d = 0;
        while d < k {
            // whole registers, then the last `k - d < 32` elements by masked loads (masked-off
            // lanes read as zero and never touch memory)
            let mask = crate::ops::nn::simd::avx512::tail_mask32(k - d);
            for r in 0..MR {
                // SAFETY: the unmasked lanes are elements `d..min(d + 32, k)`, inside the row.
                av[r] = unsafe { _mm512_maskz_loadu_epi16(mask, a[r].add(d).cast()) };
            }
            for c in 0..NR {
                // SAFETY: as above.
                let bv = unsafe { _mm512_maskz_loadu_epi16(mask, b[c].add(d).cast()) };
                for r in 0..MR {
                    acc[r][c] = _mm512_dpbf16_ps(acc[r][c], bits(av[r]), bits(bv));
                }
            }
            d += LANES;
        }
        if MR == 4 && NR == 4 {
            let mut flat = [_mm512_setzero_ps(); 16];
            for r in 0..MR {
                for c in 0..NR {
                    flat[r * 4 + c] = acc[r][c];
                }
            }
            // lane `r` of the totals: row `r`'s four sums
            let totals = reduce16(flat);
            let rows = [
                _mm512_extractf32x4_ps::<0>(totals),
                _mm512_extractf32x4_ps::<1>(totals),
                _mm512_extractf32x4_ps::<2>(totals),
                _mm512_extractf32x4_ps::<3>(totals),
            ];
            let alpha = _mm_set1_ps(write.alpha);
            for (p, sums) in out.into_iter().zip(rows) {
                let scaled = _mm_mul_ps(alpha, sums);
                // SAFETY: the row is `NR = 4` float32 long: the 16 bytes read and written.
                unsafe {
                    let value = if write.accumulate {
                        _mm_add_ps(_mm_loadu_ps(p), scaled)
                    } else {
                        scaled
                    };
                    _mm_storeu_ps(p, value);
                }
            }
        } else {
            for (row, sums) in out.into_iter().zip(acc) {
                for (c, v) in sums.into_iter().enumerate() {
                    let sum = write.alpha * _mm512_reduce_add_ps(v);
                    // SAFETY: `c < NR`: inside the row (the caller's contract).
                    unsafe {
                        let o = row.add(c);
                        *o = if write.accumulate { *o + sum } else { sum };
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bf16_bits(len: usize, seed: u64) -> Vec<u16> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let v = ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5;
                half::bf16::from_f32(v * 4.0).to_bits()
            })
            .collect()
    }

    fn value(bits: u16) -> f64 {
        half::bf16::from_bits(bits).to_f64()
    }

    /// Products of every tile shape and depth tail, with row strides wider than the depth and
    /// offsets into the slices, against a float64 reference.
    #[test]
    fn dot_products_match_a_float64_reference() {
        if !available() {
            eprintln!("skipped: this CPU has no AVX512-BF16");
            return;
        }
        for &(m, n, k) in &[
            (1, 1, 1),
            (4, 4, 32),
            (5, 7, 33),
            (9, 6, 64),
            (13, 18, 100),
            (37, 5, 256),
            (3, 2, 31),
            (40, 9, 1030),
            (70, 37, 77),
            (128, 64, 256),
            (65, 33, 1),
        ] {
            let (a_stride, b_stride) = (k + 3, k + 5);
            let a = bf16_bits(7 + m * a_stride, 1);
            let b = bf16_bits(2 + n * b_stride, 2);
            for accumulate in [false, true] {
                let mut dst = vec![0.5f32; m * n];
                let dots = Dots {
                    m,
                    n,
                    k,
                    a: Rows {
                        data: &a,
                        offset: 7,
                        stride: a_stride,
                    },
                    b: Rows {
                        data: &b,
                        offset: 2,
                        stride: b_stride,
                    },
                    accumulate,
                    alpha: 0.25,
                };
                assert!(product("test", dots, &mut dst).unwrap());
                for i in 0..m {
                    for j in 0..n {
                        let sum: f64 = (0..k)
                            .map(|d| {
                                value(a[7 + i * a_stride + d]) * value(b[2 + j * b_stride + d])
                            })
                            .sum();
                        let want = if accumulate { 0.5 } else { 0.0 } + 0.25 * sum;
                        let got = dst[i * n + j] as f64;
                        let bound = 1e-5 * (k as f64).sqrt() * (1.0 + sum.abs());
                        assert!(
                            (got - want).abs() <= bound,
                            "{m}x{n}x{k} ({accumulate}) at ({i}, {j}): {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

    /// On two threads a many-row product is split by groups of columns (each thread packing its
    /// own): the same values bit for bit as one thread, ragged last group included.
    #[test]
    fn products_split_by_columns_match_one_thread_exactly() {
        if !available() {
            eprintln!("skipped: this CPU has no AVX512-BF16");
            return;
        }
        let executor = crate::parallel::Executor::new(2).unwrap();
        for &(m, n, k) in &[(16, 64, 32), (40, 100, 37), (129, 200, 256), (20, 33, 8)] {
            let a = bf16_bits(m * k, 5);
            let b = bf16_bits(n * k, 6);
            for accumulate in [false, true] {
                let dots = Dots {
                    m,
                    n,
                    k,
                    a: Rows {
                        data: &a,
                        offset: 0,
                        stride: k,
                    },
                    b: Rows {
                        data: &b,
                        offset: 0,
                        stride: k,
                    },
                    accumulate,
                    alpha: 1.5,
                };
                let start: Vec<f32> = (0..m * n).map(|i| (i % 7) as f32 * 0.125).collect();
                let mut one = start.clone();
                crate::parallel::on_this_thread(|| product("test", dots, &mut one)).unwrap();
                let mut two = start.clone();
                assert_eq!(executor.install(crate::parallel::current_threads), 2);
                executor
                    .install(|| product("test", dots, &mut two))
                    .unwrap();
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&one), bits(&two), "{m}x{n}x{k} ({accumulate})");
            }
        }
    }

    #[test]
    fn rows_outside_the_slice_are_an_error() {
        if !available() {
            return;
        }
        let a = bf16_bits(4 * 8, 3);
        let b = bf16_bits(4 * 8 - 1, 4);
        let mut dst = vec![0.0f32; 16];
        let dots = Dots {
            m: 4,
            n: 4,
            k: 8,
            a: Rows {
                data: &a,
                offset: 0,
                stride: 8,
            },
            b: Rows {
                data: &b,
                offset: 0,
                stride: 8,
            },
            accumulate: false,
            alpha: 1.0,
        };
        assert!(product("test", dots, &mut dst).is_err());
    }
}
