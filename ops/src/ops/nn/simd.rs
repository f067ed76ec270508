//! Runtime dispatch of float32 elementwise and row kernels to an AVX2+FMA build of the same code.
//!
//! The crate is compiled for the baseline x86-64 target (SSE2, 4 lanes). The loops of
//! activations, softmax and layer norm are written to auto-vectorize; running them through
//! [`avx2_dispatch!`] compiles a second copy with AVX2 and FMA enabled (8 lanes) that is used
//! when the CPU has those features. Results are the same up to the rounding of the vector
//! width the compiler picks; no fused multiply-add is introduced (Rust never contracts `a*b+c`).

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

/// `avx2_dispatch!(pub fn name(a: A, b: B) -> R => body_fn)` defines `name`, which calls the
/// `#[inline(always)]` function `body_fn(a, b)` compiled with AVX2+FMA on CPUs that have them and
/// the baseline build otherwise.
macro_rules! avx2_dispatch {
    ($vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? => $body:path) => {
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx,avx2,fma")]
                #[allow(unsafe_code)]
                unsafe fn wide($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
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
pub(crate) use avx2_dispatch;

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
