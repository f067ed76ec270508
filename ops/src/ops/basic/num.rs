//! Element arithmetic in PyTorch's "opmath" types: reduced floats compute in f32, integers wrap.

use half::{bf16, f16};

use crate::dtype::{Bool8, Element};
use crate::scalar::Scalar;

/// A type kernels compute in (f32, f64, the integer types, bool).
pub trait OpNum: Copy + Send + Sync + PartialOrd + std::fmt::Debug + 'static {
    const IS_FLOAT: bool;
    fn zero() -> Self;
    fn one() -> Self;
    fn from_scalar(s: Scalar) -> Self;
    fn of_f64(v: f64) -> Self;
    fn as_f64(self) -> f64;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// True division (floats); integers divide truncating (callers rule out zero divisors).
    fn div(self, o: Self) -> Self;
    fn div_trunc(self, o: Self) -> Self;
    fn div_floor(self, o: Self) -> Self;
    /// Python's `%`: the result has the divisor's sign.
    fn remainder(self, o: Self) -> Self;
    /// C's `fmod`: the result has the dividend's sign.
    fn fmod(self, o: Self) -> Self;
    fn pow(self, o: Self) -> Self;
    /// `max` propagating NaN.
    fn maximum(self, o: Self) -> Self;
    /// `min` propagating NaN.
    fn minimum(self, o: Self) -> Self;
    fn is_nan(self) -> bool;
    fn is_zero(self) -> bool;
    fn neg(self) -> Self;
    fn abs(self) -> Self;
    fn sign(self) -> Self;
}

/// Integer division and remainder that wrap like `wrapping_div`/`wrapping_rem` but never
/// panic: a zero divisor gives 0 (callers handle it first).
trait IntDiv: Copy {
    fn wdiv(self, o: Self) -> Self;
    fn wrem(self, o: Self) -> Self;
}

fn wdiv<T: IntDiv>(a: T, b: T) -> T {
    a.wdiv(b)
}

fn wrem<T: IntDiv>(a: T, b: T) -> T {
    a.wrem(b)
}

/// An element type with its opmath type.
pub trait Arith: Element {
    type Op: OpNum;
    fn op(self) -> Self::Op;
    fn from_op(v: Self::Op) -> Self;
}

macro_rules! float_opnum {
    ($t:ty) => {
        impl OpNum for $t {
            const IS_FLOAT: bool = true;
            #[inline]
            fn zero() -> Self {
                0.0
            }
            #[inline]
            fn one() -> Self {
                1.0
            }
            #[inline]
            fn from_scalar(s: Scalar) -> Self {
                s.to_f64() as $t
            }
            #[inline]
            fn of_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn as_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn add(self, o: Self) -> Self {
                self + o
            }
            #[inline]
            fn sub(self, o: Self) -> Self {
                self - o
            }
            #[inline]
            fn mul(self, o: Self) -> Self {
                self * o
            }
            #[inline]
            fn div(self, o: Self) -> Self {
                self / o
            }
            #[inline]
            fn div_trunc(self, o: Self) -> Self {
                (self / o).trunc()
            }
            #[inline]
            fn div_floor(self, o: Self) -> Self {
                let (a, b) = (self, o);
                if b == 0.0 {
                    return a / b;
                }
                let m = a % b;
                let mut div = (a - m) / b;
                if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
                    div -= 1.0;
                }
                if div != 0.0 {
                    let mut fl = div.floor();
                    if div - fl > 0.5 {
                        fl += 1.0;
                    }
                    fl
                } else {
                    (0.0 as $t).copysign(a / b)
                }
            }
            #[inline]
            fn remainder(self, o: Self) -> Self {
                let m = self % o;
                if m != 0.0 && ((o < 0.0) != (m < 0.0)) {
                    m + o
                } else {
                    m
                }
            }
            #[inline]
            fn fmod(self, o: Self) -> Self {
                self % o
            }
            #[inline]
            fn pow(self, o: Self) -> Self {
                self.powf(o)
            }
            #[inline]
            fn maximum(self, o: Self) -> Self {
                if self.is_nan() || o.is_nan() {
                    <$t>::NAN
                } else if self > o {
                    self
                } else {
                    o
                }
            }
            #[inline]
            fn minimum(self, o: Self) -> Self {
                if self.is_nan() || o.is_nan() {
                    <$t>::NAN
                } else if self < o {
                    self
                } else {
                    o
                }
            }
            #[inline]
            fn is_nan(self) -> bool {
                self.is_nan()
            }
            #[inline]
            fn is_zero(self) -> bool {
                self == 0.0
            }
            #[inline]
            fn neg(self) -> Self {
                -self
            }
            #[inline]
            fn abs(self) -> Self {
                self.abs()
            }
            #[inline]
            fn sign(self) -> Self {
                if self > 0.0 {
                    1.0
                } else if self < 0.0 {
                    -1.0
                } else {
                    self
                }
            }
        }
    };
}

float_opnum!(f32);
float_opnum!(f64);

macro_rules! int_opnum {
    ($t:ty) => {
        impl IntDiv for $t {
            #[inline]
            fn wdiv(self, o: Self) -> Self {
                // None for a zero divisor or MIN / -1, whose wrapped quotient is
                // MIN == MIN.wrapping_neg().
                match self.checked_div(o) {
                    Some(q) => q,
                    None if o == 0 => 0,
                    None => self.wrapping_neg(),
                }
            }
            #[inline]
            fn wrem(self, o: Self) -> Self {
                // None only for a zero divisor or MIN % -1, whose wrapped remainder is 0.
                self.checked_rem(o).unwrap_or(0)
            }
        }

        impl OpNum for $t {
            const IS_FLOAT: bool = false;
            #[inline]
            fn zero() -> Self {
                0
            }
            #[inline]
            fn one() -> Self {
                1
            }
            #[inline]
            fn from_scalar(s: Scalar) -> Self {
                match s {
                    Scalar::Float(f) => <$t as Element>::from_f64(f),
                    other => other.to_i64() as $t,
                }
            }
            #[inline]
            fn of_f64(v: f64) -> Self {
                <$t as Element>::from_f64(v)
            }
            #[inline]
            fn as_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn add(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            #[inline]
            fn sub(self, o: Self) -> Self {
                self.wrapping_sub(o)
            }
            #[inline]
            fn mul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
            #[inline]
            fn div(self, o: Self) -> Self {
                self.div_trunc(o)
            }
            #[inline]
            fn div_trunc(self, o: Self) -> Self {
                if o == 0 {
                    0
                } else {
                    wdiv(self, o)
                }
            }
            #[inline]
            fn div_floor(self, o: Self) -> Self {
                if o == 0 {
                    return 0;
                }
                let zero = Self::zero();
                if (self < zero) != (o < zero) {
                    let q = wdiv(self, o);
                    let r = wrem(self, o);
                    if r != 0 {
                        q.wrapping_sub(1)
                    } else {
                        q
                    }
                } else {
                    wdiv(self, o)
                }
            }
            #[inline]
            fn remainder(self, o: Self) -> Self {
                if o == 0 {
                    return 0;
                }
                let zero = Self::zero();
                let r = wrem(self, o);
                if r != 0 && ((r < zero) != (o < zero)) {
                    r.wrapping_add(o)
                } else {
                    r
                }
            }
            #[inline]
            fn fmod(self, o: Self) -> Self {
                if o == 0 {
                    0
                } else {
                    wrem(self, o)
                }
            }
            #[inline]
            fn pow(self, o: Self) -> Self {
                let zero = Self::zero();
                if o < zero {
                    return if self == 1 {
                        1
                    } else if self.wrapping_add(1) == 0 {
                        if o.wrapping_rem(2) == 0 {
                            1
                        } else {
                            self
                        }
                    } else {
                        0
                    };
                }
                let (mut base, mut exp, mut acc) = (self, o, Self::one());
                while exp != 0 {
                    if exp & 1 == 1 {
                        acc = acc.wrapping_mul(base);
                    }
                    base = base.wrapping_mul(base);
                    exp >>= 1;
                }
                acc
            }
            #[inline]
            fn maximum(self, o: Self) -> Self {
                if self > o {
                    self
                } else {
                    o
                }
            }
            #[inline]
            fn minimum(self, o: Self) -> Self {
                if self < o {
                    self
                } else {
                    o
                }
            }
            #[inline]
            fn is_nan(self) -> bool {
                false
            }
            #[inline]
            fn is_zero(self) -> bool {
                self == 0
            }
            #[inline]
            fn neg(self) -> Self {
                (0 as $t).wrapping_sub(self)
            }
            #[inline]
            fn abs(self) -> Self {
                if self < Self::zero() {
                    self.neg()
                } else {
                    self
                }
            }
            #[inline]
            fn sign(self) -> Self {
                let zero = Self::zero();
                if self > zero {
                    1
                } else if self < zero {
                    zero.wrapping_sub(1)
                } else {
                    0
                }
            }
        }

        impl Arith for $t {
            type Op = $t;
            #[inline]
            fn op(self) -> $t {
                self
            }
            #[inline]
            fn from_op(v: $t) -> $t {
                v
            }
        }
    };
}

int_opnum!(u8);
int_opnum!(i8);
int_opnum!(i16);
int_opnum!(i32);
int_opnum!(i64);

impl OpNum for Bool8 {
    const IS_FLOAT: bool = false;
    fn zero() -> Self {
        Bool8(0)
    }
    fn one() -> Self {
        Bool8(1)
    }
    fn from_scalar(s: Scalar) -> Self {
        Bool8(s.to_bool() as u8)
    }
    fn of_f64(v: f64) -> Self {
        Bool8((v != 0.0) as u8)
    }
    fn as_f64(self) -> f64 {
        self.0 as f64
    }
    fn add(self, o: Self) -> Self {
        Bool8(self.0 | o.0)
    }
    fn sub(self, o: Self) -> Self {
        Bool8(self.0 ^ o.0)
    }
    fn mul(self, o: Self) -> Self {
        Bool8(self.0 & o.0)
    }
    fn div(self, o: Self) -> Self {
        Bool8(self.0 & o.0)
    }
    fn div_trunc(self, o: Self) -> Self {
        Bool8(self.0 & o.0)
    }
    fn div_floor(self, o: Self) -> Self {
        Bool8(self.0 & o.0)
    }
    fn remainder(self, _o: Self) -> Self {
        Bool8(0)
    }
    fn fmod(self, _o: Self) -> Self {
        Bool8(0)
    }
    fn pow(self, o: Self) -> Self {
        Bool8(self.0 | (o.0 ^ 1))
    }
    fn maximum(self, o: Self) -> Self {
        Bool8(self.0 | o.0)
    }
    fn minimum(self, o: Self) -> Self {
        Bool8(self.0 & o.0)
    }
    fn is_nan(self) -> bool {
        false
    }
    fn is_zero(self) -> bool {
        self.0 == 0
    }
    fn neg(self) -> Self {
        self
    }
    fn abs(self) -> Self {
        self
    }
    fn sign(self) -> Self {
        self
    }
}

impl Arith for Bool8 {
    type Op = Bool8;
    #[inline]
    fn op(self) -> Bool8 {
        self
    }
    #[inline]
    fn from_op(v: Bool8) -> Bool8 {
        v
    }
}

impl Arith for f32 {
    type Op = f32;
    #[inline]
    fn op(self) -> f32 {
        self
    }
    #[inline]
    fn from_op(v: f32) -> f32 {
        v
    }
}

impl Arith for f64 {
    type Op = f64;
    #[inline]
    fn op(self) -> f64 {
        self
    }
    #[inline]
    fn from_op(v: f64) -> f64 {
        v
    }
}

impl Arith for f16 {
    type Op = f32;
    #[inline]
    fn op(self) -> f32 {
        self.to_f32()
    }
    #[inline]
    fn from_op(v: f32) -> f16 {
        f16::from_f32(v)
    }
}

impl Arith for bf16 {
    type Op = f32;
    #[inline]
    fn op(self) -> f32 {
        self.to_f32()
    }
    #[inline]
    fn from_op(v: f32) -> bf16 {
        bf16::from_f32(v)
    }
}
