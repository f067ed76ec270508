//! PyTorch type promotion: `promote_types`, `result_type` with 0-d tensors and Python scalars.

use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// One operand of a promoting operator: a tensor, or a Python number (a "wrapped number").
#[derive(Debug, Clone)]
pub enum Operand {
    Tensor(Tensor),
    Scalar(Scalar),
}

impl Operand {
    /// The 0-d tensor of `dtype` this operand stands for when it is a scalar.
    pub fn to_tensor(&self, dtype: DType) -> Result<Tensor> {
        match self {
            Operand::Tensor(t) => t.to_dtype(dtype),
            Operand::Scalar(s) => Ok(Tensor::scalar_of(*s, dtype)),
        }
    }

    pub fn dim(&self) -> usize {
        match self {
            Operand::Tensor(t) => t.dim(),
            Operand::Scalar(_) => 0,
        }
    }

    pub fn shape(&self) -> &[usize] {
        match self {
            Operand::Tensor(t) => t.shape(),
            Operand::Scalar(_) => &[],
        }
    }

    /// The dtype of the operand itself (a Python float counts as float64, int as int64).
    pub fn own_dtype(&self) -> DType {
        match self {
            Operand::Tensor(t) => t.dtype(),
            Operand::Scalar(Scalar::Float(_)) => DType::F64,
            Operand::Scalar(Scalar::Int(_)) => DType::I64,
            Operand::Scalar(Scalar::Bool(_)) => DType::Bool,
        }
    }

    /// The value of a 0-d operand as a scalar (its "original scalar value").
    pub fn scalar_value(&self) -> Result<Option<Scalar>> {
        match self {
            Operand::Scalar(s) => Ok(Some(*s)),
            Operand::Tensor(t) if t.dim() == 0 => t.item().map(Some),
            Operand::Tensor(_) => Ok(None),
        }
    }
}

impl From<&Tensor> for Operand {
    fn from(t: &Tensor) -> Self {
        Operand::Tensor(t.clone())
    }
}

impl From<Scalar> for Operand {
    fn from(s: Scalar) -> Self {
        Operand::Scalar(s)
    }
}

fn rank(d: DType) -> usize {
    match d {
        DType::U8 => 0,
        DType::I8 => 1,
        DType::I16 => 2,
        DType::I32 => 3,
        DType::I64 => 4,
        DType::F16 => 5,
        DType::F32 => 6,
        DType::F64 => 7,
        DType::Bool => 8,
        DType::BF16 => 9,
    }
}

/// `torch.promote_types(a, b)`.
pub fn promote_types(a: DType, b: DType) -> DType {
    use DType::*;
    if a == b {
        return a;
    }
    // Rows and columns in the order u8 i8 i16 i32 i64 f16 f32 f64 b1 bf16 (c10's table).
    const T: [[DType; 10]; 10] = [
        [U8, I16, I16, I32, I64, F16, F32, F64, U8, BF16],
        [I16, I8, I16, I32, I64, F16, F32, F64, I8, BF16],
        [I16, I16, I16, I32, I64, F16, F32, F64, I16, BF16],
        [I32, I32, I32, I32, I64, F16, F32, F64, I32, BF16],
        [I64, I64, I64, I64, I64, F16, F32, F64, I64, BF16],
        [F16, F16, F16, F16, F16, F16, F32, F64, F16, F32],
        [F32, F32, F32, F32, F32, F32, F32, F64, F32, F32],
        [F64, F64, F64, F64, F64, F64, F64, F64, F64, F64],
        [U8, I8, I16, I32, I64, F16, F32, F64, Bool, BF16],
        [BF16, BF16, BF16, BF16, BF16, F32, F32, F64, BF16, BF16],
    ];
    // `rank` maps every dtype into 0..10, so the fallback is never taken.
    T.get(rank(a))
        .and_then(|row| row.get(rank(b)))
        .copied()
        .unwrap_or(F64)
}

fn promote_opt(a: Option<DType>, b: Option<DType>) -> Option<DType> {
    match (a, b) {
        (Some(a), Some(b)) => Some(promote_types(a, b)),
        (a, None) => a,
        (None, b) => b,
    }
}

fn combine_categories(higher: Option<DType>, lower: Option<DType>) -> Option<DType> {
    let Some(h) = higher else { return lower };
    if h.is_float() {
        return Some(h);
    }
    if h.is_bool() || lower.is_some_and(DType::is_float) {
        return promote_opt(Some(h), lower);
    }
    Some(h)
}

/// `torch.result_type` over several operands: dimensioned tensors decide unless a 0-d tensor
/// or a Python number is of a higher category (bool < integer < floating). Python floats
/// count as the default dtype (float32).
pub fn result_type(operands: &[&Operand]) -> DType {
    let (mut dim, mut zero, mut wrapped) = (None, None, None);
    for op in operands {
        match op {
            Operand::Tensor(t) if t.dim() > 0 => dim = promote_opt(dim, Some(t.dtype())),
            Operand::Tensor(t) if t.is_wrapped_number() => {
                let d = t.dtype();
                let as_python = if d.is_float() {
                    DType::F32
                } else if d.is_bool() {
                    DType::Bool
                } else {
                    DType::I64
                };
                wrapped = promote_opt(wrapped, Some(as_python))
            }
            Operand::Tensor(t) => zero = promote_opt(zero, Some(t.dtype())),
            Operand::Scalar(s) => wrapped = promote_opt(wrapped, Some(s.default_dtype())),
        }
    }
    combine_categories(dim, combine_categories(zero, wrapped)).unwrap_or(DType::F32)
}

/// `result_type` of two tensors.
pub fn result_type2(a: &Tensor, b: &Tensor) -> DType {
    result_type(&[&Operand::from(a), &Operand::from(b)])
}

/// `result_type` of a tensor and a Python number.
pub fn result_type_scalar(a: &Tensor, s: Scalar) -> DType {
    result_type(&[&Operand::from(a), &Operand::Scalar(s)])
}

/// `c10::canCast`: floats can't go to integers, and nothing but bool goes to bool.
pub fn can_cast(from: DType, to: DType) -> bool {
    if from.is_float() && !to.is_float() {
        return false;
    }
    from.is_bool() || !to.is_bool()
}

/// The PyTorch name of a dtype in error messages (`Float`, `Long`, ...).
pub fn torch_type_name(d: DType) -> &'static str {
    match d {
        DType::U8 => "Byte",
        DType::I8 => "Char",
        DType::I16 => "Short",
        DType::I32 => "Int",
        DType::I64 => "Long",
        DType::F16 => "Half",
        DType::F32 => "Float",
        DType::F64 => "Double",
        DType::Bool => "Bool",
        DType::BF16 => "BFloat16",
    }
}

/// Fails like PyTorch when an in-place op's result dtype can't be stored into `out`.
pub fn check_can_cast(op: &str, result: DType, out: DType) -> Result<()> {
    if can_cast(result, out) {
        Ok(())
    } else {
        Err(OpError::invalid(
            op,
            format!(
                "result type {} can't be cast to the desired output type {}",
                torch_type_name(result),
                torch_type_name(out)
            ),
        ))
    }
}

/// The dtype of a float op's result: integers and bool become the default float dtype.
pub fn float_result(d: DType) -> DType {
    if d.is_float() {
        d
    } else {
        DType::F32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DType::*;

    fn t(d: DType, shape: &[usize]) -> Operand {
        Operand::Tensor(Tensor::zeros(shape, d).unwrap())
    }

    #[test]
    fn promote_types_table_matches_torch() {
        // torch 2.15.0: torch.promote_types
        assert_eq!(promote_types(U8, I8), I16);
        assert_eq!(promote_types(Bool, U8), U8);
        assert_eq!(promote_types(I32, F16), F16);
        assert_eq!(promote_types(F16, BF16), F32);
        assert_eq!(promote_types(BF16, I64), BF16);
        assert_eq!(promote_types(U8, I64), I64);
        for a in DType::ALL {
            for b in DType::ALL {
                assert_eq!(promote_types(a, b), promote_types(b, a));
            }
        }
    }

    #[test]
    fn result_type_follows_categories() {
        // torch 2.15.0: torch.result_type
        let s = |v: Scalar| Operand::Scalar(v);
        assert_eq!(result_type(&[&t(I64, &[2]), &s(Scalar::Float(2.5))]), F32);
        assert_eq!(result_type(&[&t(F16, &[2]), &s(Scalar::Float(1.0))]), F16);
        assert_eq!(result_type(&[&t(U8, &[2]), &t(I8, &[2])]), I16);
        assert_eq!(result_type(&[&t(I32, &[2]), &t(I64, &[])]), I32);
        assert_eq!(result_type(&[&t(I32, &[2]), &t(F64, &[])]), F64);
        assert_eq!(result_type(&[&t(F16, &[2]), &t(F64, &[])]), F16);
        assert_eq!(result_type(&[&t(Bool, &[2]), &s(Scalar::Int(3))]), I64);
        assert_eq!(result_type(&[&t(U8, &[2]), &s(Scalar::Int(300))]), U8);
        assert_eq!(result_type(&[&t(Bool, &[2]), &t(I32, &[])]), I32);
        assert_eq!(result_type(&[&t(I64, &[]), &t(F16, &[])]), F16);
        assert_eq!(result_type(&[&t(I64, &[]), &s(Scalar::Float(1.0))]), F32);
        assert_eq!(result_type(&[&t(F64, &[]), &s(Scalar::Float(1.0))]), F64);
        assert!(!can_cast(F32, I64));
        assert!(!can_cast(I64, Bool));
        assert!(can_cast(I64, F16));
    }
}
