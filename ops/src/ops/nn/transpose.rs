//! Transposes of float32, bfloat16 and float16 rows into float32 panels, in 8x8 blocks held in
//! AVX registers: how a `[n, k]` weight becomes a row-major `[k, width]` panel at memory speed.

use crate::dtype::{DType, Element};

/// The elements of a source slice the vector path can read (two-byte ones as raw bits).
#[derive(Debug, Clone, Copy)]
pub enum Lanes<'a> {
    F32(&'a [f32]),
    Bf16(&'a [u16]),
    F16(&'a [u16]),
}

impl<'a> Lanes<'a> {
    /// `data` as lanes, when its element type has a vector path.
    pub fn of<S: Element>(data: &'a [S]) -> Option<Lanes<'a>> {
        match S::DTYPE {
            DType::F32 => bytemuck::try_cast_slice(data).ok().map(Lanes::F32),
            DType::BF16 => bytemuck::try_cast_slice(data).ok().map(Lanes::Bf16),
            DType::F16 => bytemuck::try_cast_slice(data).ok().map(Lanes::F16),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        match self {
            Lanes::F32(d) => d.len(),
            Lanes::Bf16(d) | Lanes::F16(d) => d.len(),
        }
    }
}

/// Transposes a `[cols, depth]` block of the source into `panel` (row-major, row stride
/// `width`, float32): source row `j` runs `depth` elements from `start + j * stride` and becomes
/// column `j` of panel rows `0..depth`. Whole groups of 8 columns go through AVX registers in
/// 8x8 blocks; returns how many columns were written that way (a multiple of 8), or 0 without
/// AVX2 and F16C. The caller writes the remaining columns.
pub fn transpose_blocks(
    src: Lanes<'_>,
    start: usize,
    stride: usize,
    cols: usize,
    depth: usize,
    panel: &mut [f32],
    width: usize,
) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        let features =
            std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("f16c");
        let groups = cols.min(width).checked_div(8).unwrap_or(0);
        let done = groups.saturating_mul(8);
        // the last source run and the last panel element the groups touch must lie inside
        let runs_fit = done
            .checked_sub(1)
            .and_then(|last| last.checked_mul(stride))
            .and_then(|last| last.checked_add(start))
            .and_then(|first| first.checked_add(depth))
            .is_some_and(|end| end <= src.len());
        let panel_fits = depth
            .checked_sub(1)
            .and_then(|last_row| last_row.checked_mul(width))
            .and_then(|last_row| last_row.checked_add(done))
            .is_some_and(|end| end <= panel.len());
        if !features || groups == 0 || !runs_fit || !panel_fits {
            return 0;
        }
        for group in 0..groups {
            // reason: every offset here is below the checked end of the last run
            #[allow(clippy::arithmetic_side_effects)]
            let (rows, col): ([usize; 8], usize) = (
                std::array::from_fn(|r| start + (8 * group + r) * stride),
                8 * group,
            );
            // SAFETY: the CPU has AVX2 and F16C, checked above. Source runs start at increasing
            // offsets, the last of them ends inside `src` (`runs_fit`); every panel element
            // written, row `d < depth` at columns `8 * group .. + 8` (`<= done <= width`), lies
            // inside `panel` (`panel_fits`), a unique borrow.
            #[allow(unsafe_code)]
            unsafe {
                avx::transpose_columns(src, &rows, depth, panel.as_mut_ptr(), width, col)
            };
        }
        done
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (src, start, stride, cols, depth, panel, width);
        0
    }
}

// reason: the offsets computed here are bounded by the ends `transpose_blocks` checked
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code, clippy::arithmetic_side_effects)]
pub(crate) mod avx {
    use super::Lanes;
    use std::arch::x86_64::*;

    /// Eight source rows (at `rows`, `depth` elements each) into panel columns `col..col + 8`
    /// of rows `0..depth`: 8x8 blocks in registers, the last `depth % 8` rows one by one.
    ///
    /// # Safety
    /// AVX2 (and F16C for float16) must be available; every `rows[r]..rows[r] + depth` must lie
    /// inside the source and every element `d * width + col + c` (`d < depth`, `c < 8`) inside
    /// the panel behind `panel`, which no one else may access.
    #[target_feature(enable = "avx,avx2,f16c")]
    pub(super) unsafe fn transpose_columns(
        src: Lanes<'_>,
        rows: &[usize; 8],
        depth: usize,
        panel: *mut f32,
        width: usize,
        col: usize,
    ) {
        let full = depth - depth % 8;
        let mut d = 0;
        while d < full {
            // SAFETY: elements `rows[r] + d .. + 8` lie inside the source runs (`d + 8 <=
            // depth`), and panel rows `d..d + 8` at columns `col..col + 8` inside the panel.
            unsafe {
                let r = load8(src, rows, d);
                let t = transpose8(r);
                for (i, v) in t.iter().enumerate() {
                    _mm256_storeu_ps(panel.add((d + i) * width + col), *v);
                }
            }
            d += 8;
        }
        while d < depth {
            for (c, &first) in rows.iter().enumerate() {
                // SAFETY: `first + d` is inside the source run, `d * width + col + c` inside the
                // panel (`d < depth`, `c < 8`).
                unsafe { *panel.add(d * width + col + c) = scalar(src, first + d) };
            }
            d += 1;
        }
    }

    /// One element as float32.
    ///
    /// # Safety
    /// `at` must be inside the source.
    #[inline(always)]
    unsafe fn scalar(src: Lanes<'_>, at: usize) -> f32 {
        // SAFETY: the caller keeps `at` inside the source.
        unsafe {
            match src {
                Lanes::F32(s) => *s.get_unchecked(at),
                Lanes::Bf16(s) => f32::from_bits(u32::from(*s.get_unchecked(at)) << 16),
                Lanes::F16(s) => half::f16::from_bits(*s.get_unchecked(at)).to_f32(),
            }
        }
    }

    /// Elements `d..d + 8` of the eight source rows, widened to float32. (No closures here:
    /// a closure does not inherit the caller's target features, and its loads would become
    /// calls.)
    ///
    /// # Safety
    /// AVX2/F16C available; each `rows[r] + d + 8` at most the source's length.
    #[inline(always)]
    unsafe fn load8(src: Lanes<'_>, rows: &[usize; 8], d: usize) -> [__m256; 8] {
        macro_rules! eight {
            ($r:ident => $load:expr) => {
                [
                    {
                        let $r = rows[0] + d;
                        $load
                    },
                    {
                        let $r = rows[1] + d;
                        $load
                    },
                    {
                        let $r = rows[2] + d;
                        $load
                    },
                    {
                        let $r = rows[3] + d;
                        $load
                    },
                    {
                        let $r = rows[4] + d;
                        $load
                    },
                    {
                        let $r = rows[5] + d;
                        $load
                    },
                    {
                        let $r = rows[6] + d;
                        $load
                    },
                    {
                        let $r = rows[7] + d;
                        $load
                    },
                ]
            };
        }
        // SAFETY: the caller keeps every read inside the source.
        unsafe {
            match src {
                Lanes::F32(s) => eight!(at => _mm256_loadu_ps(s.as_ptr().add(at))),
                Lanes::Bf16(s) => eight!(at => {
                    let bits = _mm_loadu_si128(s.as_ptr().add(at).cast());
                    _mm256_castsi256_ps(_mm256_slli_epi32::<16>(_mm256_cvtepu16_epi32(bits)))
                }),
                Lanes::F16(s) => {
                    eight!(at => _mm256_cvtph_ps(_mm_loadu_si128(s.as_ptr().add(at).cast())))
                }
            }
        }
    }

    /// The transpose of an 8x8 block held as eight rows.
    #[inline(always)]
    pub(crate) fn transpose8(r: [__m256; 8]) -> [__m256; 8] {
        // SAFETY: register-only shuffles; the enclosing function enables AVX.
        unsafe {
            let t0 = _mm256_unpacklo_ps(r[0], r[1]);
            let t1 = _mm256_unpackhi_ps(r[0], r[1]);
            let t2 = _mm256_unpacklo_ps(r[2], r[3]);
            let t3 = _mm256_unpackhi_ps(r[2], r[3]);
            let t4 = _mm256_unpacklo_ps(r[4], r[5]);
            let t5 = _mm256_unpackhi_ps(r[4], r[5]);
            let t6 = _mm256_unpacklo_ps(r[6], r[7]);
            let t7 = _mm256_unpackhi_ps(r[6], r[7]);
            let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
            let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
            let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
            let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
            let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
            let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
            let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
            let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
            [
                _mm256_permute2f128_ps::<0x20>(s0, s4),
                _mm256_permute2f128_ps::<0x20>(s1, s5),
                _mm256_permute2f128_ps::<0x20>(s2, s6),
                _mm256_permute2f128_ps::<0x20>(s3, s7),
                _mm256_permute2f128_ps::<0x31>(s0, s4),
                _mm256_permute2f128_ps::<0x31>(s1, s5),
                _mm256_permute2f128_ps::<0x31>(s2, s6),
                _mm256_permute2f128_ps::<0x31>(s3, s7),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_transpose_every_source_type_exactly() {
        let (cols, depth, width, gap) = (19, 21, 24, 5);
        let stride = depth + gap;
        // halves up to 30: exact in bfloat16, float16 and float32
        let src: Vec<f32> = (0..cols * stride)
            .map(|i| (i % 61) as f32 * 0.5 - 15.0)
            .collect();
        let bf: Vec<u16> = src
            .iter()
            .map(|&v| half::bf16::from_f32(v).to_bits())
            .collect();
        let hf: Vec<u16> = src
            .iter()
            .map(|&v| half::f16::from_f32(v).to_bits())
            .collect();
        for lanes in [Lanes::F32(&src), Lanes::Bf16(&bf), Lanes::F16(&hf)] {
            let mut panel = vec![f32::NAN; depth * width];
            let done = transpose_blocks(lanes, gap, stride, cols, depth, &mut panel, width);
            if done == 0 {
                continue; // no AVX2 on this CPU: the caller's scalar path covers it
            }
            assert_eq!(done, 16);
            for d in 0..depth {
                for j in 0..done {
                    assert_eq!(panel[d * width + j], src[gap + j * stride + d], "{lanes:?}");
                }
                assert!(panel[d * width + done].is_nan());
            }
        }
    }
}
