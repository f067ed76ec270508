//! Branch-free float32 `exp`, `erf` and `tanh` that the compiler can vectorize (the hot loops of softmax, GELU, sigmoid).
//!
//! Accuracy: `exp_f32` within a few ulp (relative error below 4e-7 over the finite range),
//! `erf_f32` absolute error below 2e-7 (Abramowitz and Stegun 7.1.26, as PyTorch's own
//! vectorized CPU `erf`), `tanh_f32` absolute error below 3e-7. Special values follow `std`:
//! NaN stays NaN, `exp(-inf) = 0`, `exp(inf) = inf`, `erf(±inf) = ±1`, `tanh(±inf) = ±1`.

const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split in a part exact in float32 and the rest (Cody and Waite).
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5 * 2^23: adding it rounds a float32 of magnitude below 2^22 to an integer in the low bits.
const ROUND_MAGIC: f32 = 12_582_912.0;

/// How a polynomial step `a * b + c` is evaluated: [`Separate`] everywhere, [`Fused`] (one
/// rounding, one instruction) only in code compiled with FMA enabled, where `f32::mul_add` is the
/// `vfmadd` instruction (elsewhere it is a call to the C library's `fmaf`: right, but slow).
pub trait MulAdd {
    fn mul_add(a: f32, b: f32, c: f32) -> f32;
}

/// `a * b + c` as a multiplication, then an addition (two roundings).
#[derive(Debug, Clone, Copy)]
pub struct Separate;

/// `a * b + c` as one fused multiply-add (one rounding): for FMA builds only.
#[derive(Debug, Clone, Copy)]
pub struct Fused;

impl MulAdd for Separate {
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

impl MulAdd for Fused {
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}

/// e^x in float32.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    exp_with::<Separate>(x)
}

/// e^x in float32, with the polynomial's steps evaluated as `M` says.
#[inline(always)]
pub fn exp_with<M: MulAdd>(x: f32) -> f32 {
    // beyond these bounds the result is 0 or inf anyway; NaN passes through clamp
    let xc = x.clamp(-104.0, 88.8);
    let t = M::mul_add(xc, LOG2E, ROUND_MAGIC);
    let n = t - ROUND_MAGIC;
    // the integer n sits in the low mantissa bits of t
    let n_int = (t.to_bits() as i32).wrapping_sub(ROUND_MAGIC.to_bits() as i32);
    let r = M::mul_add(-n, LN2_LO, M::mul_add(-n, LN2_HI, xc));
    // e^r on |r| <= ln2/2: Taylor to degree 6 (truncation below 1.3e-7 relative)
    let mut p = 1.0 / 720.0;
    for c in [1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = M::mul_add(p, r, c);
    }
    // 2^n in two factors, each a normal float32 for n in [-151, 128]: the product under- and
    // overflows (to denormals, 0 and inf) as e^x does
    let half = n_int >> 1;
    let pow2 = |k: i32| f32::from_bits((k.wrapping_add(127) as u32) << 23);
    p * pow2(half) * pow2(n_int.wrapping_sub(half))
}

/// erf(x) in float32 (Abramowitz and Stegun 7.1.26).
#[inline(always)]
pub fn erf_f32(x: f32) -> f32 {
    erf_with::<Separate>(x)
}

/// erf(x) in float32 (Abramowitz and Stegun 7.1.26), with multiply-adds as `M` says.
#[inline(always)]
pub fn erf_with<M: MulAdd>(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A1: f32 = 0.254_829_6;
    const A2: f32 = -0.284_496_74;
    const A3: f32 = 1.421_413_8;
    const A4: f32 = -1.453_152_1;
    const A5: f32 = 1.061_405_4;
    let a = x.abs();
    let t = 1.0 / M::mul_add(P, a, 1.0);
    let mut poly = A5;
    for c in [A4, A3, A2, A1] {
        poly = M::mul_add(poly, t, c);
    }
    let poly = t * poly;
    let y = M::mul_add(-poly, exp_with::<M>(-a * a), 1.0);
    y.copysign(x)
}

/// tanh(x) in float32: `1 - 2 / (e^{2|x|} + 1)`, and its odd Taylor series near 0 where that
/// form loses relative precision.
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    tanh_with::<Separate>(x)
}

/// tanh(x) in float32, with multiply-adds as `M` says.
#[inline(always)]
pub fn tanh_with<M: MulAdd>(x: f32) -> f32 {
    let a = x.abs();
    let big = 1.0 - 2.0 / (exp_with::<M>(2.0 * a) + 1.0);
    let a2 = a * a;
    let mut series = -17.0 / 315.0;
    for c in [2.0 / 15.0, -1.0 / 3.0, 1.0] {
        series = M::mul_add(series, a2, c);
    }
    let small = a * series;
    let y = if a < 0.0625 { small } else { big };
    if x.is_nan() {
        x
    } else {
        y.copysign(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep() -> impl Iterator<Item = f32> {
        (-200_000..=200_000).map(|i| i as f32 * 1e-3)
    }

    #[test]
    fn exp_is_close_to_std() {
        for x in sweep() {
            let (got, want) = (exp_f32(x), x.exp());
            if want.is_infinite() {
                // past ln(f32::MAX) both overflow; inf - inf would be NaN
                assert_eq!(got, want, "exp({x})");
                continue;
            }
            let tol = 4e-7 * want.abs() + f32::MIN_POSITIVE;
            assert!((got - want).abs() <= tol, "exp({x}) = {got}, std {want}");
        }
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert!(exp_f32(f32::NAN).is_nan());
        assert_eq!(exp_f32(0.0), 1.0);
    }

    /// Abramowitz and Stegun 7.1.26 evaluated in float64: the formula `erf_f32` (and PyTorch's
    /// vectorized float `erf`, which GELU uses) evaluates in float32.
    fn abramowitz_stegun_f64(x: f64) -> f64 {
        let a = x.abs();
        let t = 1.0 / (1.0 + 0.327_591_1 * a);
        let poly = t
            * (0.254_829_592
                + t * (-0.284_496_736
                    + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
        (1.0 - poly * (-a * a).exp()).copysign(x)
    }

    #[test]
    fn erf_formula_is_within_its_published_bound() {
        // A&S 7.1.26 guarantees |error| <= 1.5e-7 in exact arithmetic.
        for x in sweep().filter(|x| x.abs() < 10.0) {
            let x = f64::from(x);
            let (formula, want) = (abramowitz_stegun_f64(x), crate::ops::nn::util::erf_f64(x));
            assert!(
                (formula - want).abs() <= 1.5e-7,
                "A&S erf({x}) = {formula}, reference {want}"
            );
        }
    }

    #[test]
    fn erf_is_close_to_reference() {
        // The float32 evaluation of the formula (coefficients rounded to float32, then t, the
        // polynomial, exp and the final `1 - p * e`, a subtraction of magnitude 1) stays within
        // 3 float32 epsilons (3.6e-7, absolute) of the formula's exact value. The distance to
        // the true erf adds the formula's own error (test above): erf(-0.593) is 1.0e-7 off by
        // formula, so the former flat 2e-7 bound on the total was tighter than the
        // approximation PyTorch's vectorized float erf itself uses allows.
        for x in sweep().filter(|x| x.abs() < 10.0) {
            let want = abramowitz_stegun_f64(f64::from(x));
            let got = f64::from(erf_f32(x));
            assert!(
                (got - want).abs() <= 3.0 * f64::from(f32::EPSILON),
                "erf({x}) = {got}, A&S formula in float64 {want}"
            );
        }
        assert_eq!(erf_f32(f32::INFINITY), 1.0);
        assert_eq!(erf_f32(f32::NEG_INFINITY), -1.0);
        assert!(erf_f32(f32::NAN).is_nan());
    }

    /// The fused forms (one rounding per step) keep every bound of the separate ones: they are
    /// checked here through `f32::mul_add`, which is exact wherever it runs.
    #[test]
    fn fused_forms_keep_the_bounds() {
        for x in sweep() {
            let (got, want) = (exp_with::<Fused>(x), x.exp());
            if want.is_infinite() {
                assert_eq!(got, want, "fused exp({x})");
            } else {
                let tol = 4e-7 * want.abs() + f32::MIN_POSITIVE;
                assert!(
                    (got - want).abs() <= tol,
                    "fused exp({x}) = {got}, std {want}"
                );
            }
            let (got, want) = (tanh_with::<Fused>(x), (x as f64).tanh());
            assert!(
                (got as f64 - want).abs() < 3e-7,
                "fused tanh({x}) = {got}, std {want}"
            );
            if x.abs() < 10.0 {
                let want = abramowitz_stegun_f64(f64::from(x));
                let got = f64::from(erf_with::<Fused>(x));
                assert!(
                    (got - want).abs() <= 3.0 * f64::from(f32::EPSILON),
                    "fused erf({x}) = {got}, A&S formula in float64 {want}"
                );
            }
        }
        for (x, exp, erf, tanh) in [
            (f32::INFINITY, f32::INFINITY, 1.0, 1.0),
            (f32::NEG_INFINITY, 0.0, -1.0, -1.0),
        ] {
            assert_eq!(exp_with::<Fused>(x), exp);
            assert_eq!(erf_with::<Fused>(x), erf);
            assert_eq!(tanh_with::<Fused>(x), tanh);
        }
        assert!(exp_with::<Fused>(f32::NAN).is_nan());
        assert!(erf_with::<Fused>(f32::NAN).is_nan());
        assert!(tanh_with::<Fused>(f32::NAN).is_nan());
    }

    /// The separate form of tanh's series (what the portable build and `Real` for `f32` run)
    /// gives the very bits of the nested formula.
    #[test]
    fn separate_tanh_series_is_the_nested_formula() {
        for x in sweep() {
            let a = x.abs();
            let plain_small =
                a * (1.0 + a * a * (-1.0 / 3.0 + a * a * (2.0 / 15.0 + a * a * (-17.0 / 315.0))));
            if a < 0.0625 && x != 0.0 {
                assert_eq!(
                    tanh_f32(x).to_bits(),
                    plain_small.copysign(x).to_bits(),
                    "{x}"
                );
            }
        }
    }

    #[test]
    fn tanh_is_close_to_std() {
        for x in sweep() {
            let (got, want) = (tanh_f32(x), (x as f64).tanh());
            assert!(
                (got as f64 - want).abs() < 3e-7,
                "tanh({x}) = {got}, std {want}"
            );
        }
        assert_eq!(tanh_f32(f32::INFINITY), 1.0);
        assert_eq!(tanh_f32(f32::NEG_INFINITY), -1.0);
        assert!(tanh_f32(f32::NAN).is_nan());
        assert_eq!(tanh_f32(-0.0).to_bits(), (-0.0f32).to_bits());
    }
}
