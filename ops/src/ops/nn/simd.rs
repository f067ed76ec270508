//! Runtime dispatch of float32 elementwise and row kernels to AVX-512 and AVX2+FMA builds of the same code.
//!
//! The crate is compiled for the baseline x86-64 target (SSE2, 4 lanes). The loops of
//! activations, softmax and layer norm are written to auto-vectorize; running them through
//! [`wide_dispatch!`] compiles two more copies, one with AVX-512 (16 lanes) and one with AVX2
//! and FMA (8 lanes), used when the CPU has those features. Results are the same up to the
//! rounding of the vector width the compiler picks; no fused multiply-add is introduced (Rust
//! never contracts `a*b+c`) except where a body asks for one (`fastmath::Fused`).

/// Whether this CPU runs AVX2 and FMA code (cached by the standard library).
#[inline]
pub fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this CPU runs AVX-512 (F, VL, BW, DQ) code, and AVX2 and FMA.
#[inline]
pub fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        has_avx2_fma()
            && std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512vl")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512dq")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `wide_dispatch!(pub fn name(a: A, b: B) -> R => body_fn)` defines `name`, which calls the
/// `#[inline(always)]` function `body_fn(a, b)` compiled with AVX-512 (and AVX2 and FMA) on CPUs
/// that have it, with AVX2+FMA on CPUs that have those, and the baseline build otherwise.
/// `=> body_fn, fused: fused_fn` calls `fused_fn` in the two wide builds instead: a body that
/// evaluates its polynomials with fused multiply-adds (`fastmath::Fused`), which only these
/// builds may use.
macro_rules! wide_dispatch {
    ($vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? => $body:path) => {
        $crate::ops::nn::simd::wide_dispatch!(
            $vis fn $name($($arg: $ty),*) $(-> $ret)? => $body, fused: $body
        );
    };
    ($vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? => $body:path, fused: $fused:path) => {
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx,avx2,fma")]
                #[allow(unsafe_code)]
                unsafe fn wide512($($arg: $ty),*) $(-> $ret)? {
                    $fused($($arg),*)
                }
                #[target_feature(enable = "avx,avx2,fma")]
                #[allow(unsafe_code)]
                unsafe fn wide($($arg: $ty),*) $(-> $ret)? {
                    $fused($($arg),*)
                }
                if $crate::ops::nn::simd::has_avx512() {
                    // SAFETY: `wide512` only differs from the portable build by the target
                    // features it is compiled with, and the CPU has them (checked just above).
                    #[allow(unsafe_code)]
                    return unsafe { wide512($($arg),*) };
                }
                if $crate::ops::nn::simd::has_avx2_fma() {
                    // SAFETY: `wide` only differs from the portable build by the target
                    // features it is compiled with, and the CPU has them (checked just above).
                    #[allow(unsafe_code)]
                    return unsafe { wide($($arg),*) };
                }
            }
            $body($($arg),*)
        }
    };
}
pub(crate) use wide_dispatch;

/// The float32 slice behind a slice of a generic real type, when that type is `f32`.
#[inline]
pub fn as_f32_mut<F: crate::dtype::Element>(xs: &mut [F]) -> Option<&mut [f32]> {
    if F::DTYPE == crate::dtype::DType::F32 {
        bytemuck::try_cast_slice_mut::<F, f32>(xs).ok()
    } else {
        None
    }
}

/// The float32 slice behind a shared slice of a generic real type, when that type is `f32`.
#[inline]
pub fn as_f32<F: crate::dtype::Element>(xs: &[F]) -> Option<&[f32]> {
    if F::DTYPE == crate::dtype::DType::F32 {
        bytemuck::try_cast_slice::<F, f32>(xs).ok()
    } else {
        None
    }
}

/// AVX-512 register helpers shared by the kernels.
#[cfg(target_arch = "x86_64")]
// reason: register-only code; the array indices are below their constant sizes
#[allow(unsafe_code, clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub(crate) mod avx512 {
    use std::arch::x86_64::*;

    /// The mask of the first `min(left, 16)` lanes of a 16-lane register: the last, partial
    /// block of a row of `left` remaining elements is loaded with it (masked-off lanes read as
    /// zero and never touch memory).
    #[inline]
    pub(crate) fn tail_mask16(left: usize) -> __mmask16 {
        if left >= 16 {
            !0
        } else {
            (1u16 << left) - 1
        }
    }

    /// [`tail_mask16`] for 32 lanes (16-bit elements in a 512-bit register).
    #[inline]
    pub(crate) fn tail_mask32(left: usize) -> __mmask32 {
        if left >= 32 {
            !0
        } else {
            (1u32 << left) - 1
        }
    }

    /// The lane sums of 16 vectors, lane `t` of the result `sum(v[t])`, by a transposing tree
    /// of adds.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn reduce16(v: [__m512; 16]) -> __m512 {
        // pairs: within each 128-bit lane, (a0+a2, b0+b2, a1+a3, b1+b3)
        let mut w = [_mm512_setzero_ps(); 8];
        for p in 0..8 {
            let (a, b) = (v[2 * p], v[2 * p + 1]);
            w[p] = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
        }
        // quads: within each 128-bit lane, that lane's sums of v[4q..4q + 4]
        let mut x = [_mm512_setzero_ps(); 4];
        for q in 0..4 {
            let (a, b) = (_mm512_castps_pd(w[2 * q]), _mm512_castps_pd(w[2 * q + 1]));
            x[q] = _mm512_add_ps(
                _mm512_castpd_ps(_mm512_unpacklo_pd(a, b)),
                _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)),
            );
        }
        // across the four 128-bit lanes: lane q of the result holds x[q]'s totals
        let z0 = _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x44>(x[0], x[1]),
            _mm512_shuffle_f32x4::<0xEE>(x[0], x[1]),
        );
        let z1 = _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x44>(x[2], x[3]),
            _mm512_shuffle_f32x4::<0xEE>(x[2], x[3]),
        );
        _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x88>(z0, z1),
            _mm512_shuffle_f32x4::<0xDD>(z0, z1),
        )
    }

    /// 512 bits read as 32 bfloat16.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn bf16_bits(v: __m512i) -> __m512bh {
        // SAFETY: both are 512 bits of plain data; every bit pattern is a valid bfloat16.
        unsafe { std::mem::transmute::<__m512i, __m512bh>(v) }
    }
}
