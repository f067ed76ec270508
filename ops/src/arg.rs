//! Operator arguments and results, bound in schema order, with typed accessors.

use std::sync::Arc;

use crate::device::Device;
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::scalar::Scalar;
use crate::tensor::Tensor;

/// A value passed to or returned from an operator. `ScalarType`, `Layout` and `MemoryFormat`
/// arguments travel as `Int` codes, as in TorchScript; `Generator` as `None`.
#[derive(Debug, Clone)]
pub enum Arg {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Device(Device),
    Tensor(Tensor),
    /// Any list: `int[]`, `float[]`, `bool[]`, `Tensor[]`, `Tensor?[]`, `str[]`...
    List(Vec<Arg>),
    /// Several results (`-> (Tensor, Tensor)`).
    Tuple(Vec<Arg>),
}

impl Arg {
    pub fn type_name(&self) -> &'static str {
        match self {
            Arg::None => "None",
            Arg::Bool(_) => "bool",
            Arg::Int(_) => "int",
            Arg::Float(_) => "float",
            Arg::Str(_) => "str",
            Arg::Device(_) => "Device",
            Arg::Tensor(_) => "Tensor",
            Arg::List(_) => "List",
            Arg::Tuple(_) => "Tuple",
        }
    }

    pub fn into_tensor(self) -> Option<Tensor> {
        match self {
            Arg::Tensor(t) => Some(t),
            _ => None,
        }
    }
}

impl From<Tensor> for Arg {
    fn from(t: Tensor) -> Self {
        Arg::Tensor(t)
    }
}

impl From<Vec<Tensor>> for Arg {
    fn from(ts: Vec<Tensor>) -> Self {
        Arg::List(ts.into_iter().map(Arg::Tensor).collect())
    }
}

impl From<(Tensor, Tensor)> for Arg {
    fn from((a, b): (Tensor, Tensor)) -> Self {
        Arg::Tuple(vec![Arg::Tensor(a), Arg::Tensor(b)])
    }
}

impl From<(Tensor, Tensor, Tensor)> for Arg {
    fn from((a, b, c): (Tensor, Tensor, Tensor)) -> Self {
        Arg::Tuple(vec![Arg::Tensor(a), Arg::Tensor(b), Arg::Tensor(c)])
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Arg::Float(v)
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

impl From<Scalar> for Arg {
    fn from(s: Scalar) -> Self {
        match s {
            Scalar::Bool(b) => Arg::Bool(b),
            Scalar::Int(i) => Arg::Int(i),
            Scalar::Float(f) => Arg::Float(f),
        }
    }
}

/// The bound arguments of one call: one entry per schema argument, defaults already filled in
/// by the caller. Accessors name the operator and argument in their errors.
#[derive(Debug)]
pub struct Args<'a> {
    op: &'a str,
    values: &'a [Arg],
}

impl<'a> Args<'a> {
    pub fn new(op: &'a str, values: &'a [Arg]) -> Self {
        Args { op, values }
    }

    pub fn op(&self) -> &'a str {
        self.op
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn get(&self, i: usize) -> Result<&'a Arg> {
        self.values
            .get(i)
            .ok_or_else(|| OpError::invalid(self.op, format!("missing argument {i}")))
    }

    fn wrong(&self, i: usize, expected: &str) -> OpError {
        OpError::ArgumentType {
            op: self.op.to_string(),
            index: i,
            name: String::new(),
            expected: expected.to_string(),
            got: self
                .values
                .get(i)
                .map_or("nothing", Arg::type_name)
                .to_string(),
        }
    }

    pub fn is_none(&self, i: usize) -> bool {
        matches!(self.values.get(i), None | Some(Arg::None))
    }

    pub fn tensor(&self, i: usize) -> Result<&'a Tensor> {
        match self.get(i)? {
            Arg::Tensor(t) => Ok(t),
            _ => Err(self.wrong(i, "Tensor")),
        }
    }

    pub fn opt_tensor(&self, i: usize) -> Result<Option<&'a Tensor>> {
        if self.is_none(i) {
            return Ok(None);
        }
        self.tensor(i).map(Some)
    }

    pub fn int(&self, i: usize) -> Result<i64> {
        match self.get(i)? {
            Arg::Int(v) => Ok(*v),
            Arg::Bool(b) => Ok(*b as i64),
            _ => Err(self.wrong(i, "int")),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        if self.is_none(i) {
            return Ok(None);
        }
        self.int(i).map(Some)
    }

    pub fn float(&self, i: usize) -> Result<f64> {
        match self.get(i)? {
            Arg::Float(v) => Ok(*v),
            Arg::Int(v) => Ok(*v as f64),
            Arg::Bool(b) => Ok(*b as u8 as f64),
            _ => Err(self.wrong(i, "float")),
        }
    }

    pub fn opt_float(&self, i: usize) -> Result<Option<f64>> {
        if self.is_none(i) {
            return Ok(None);
        }
        self.float(i).map(Some)
    }

    pub fn bool(&self, i: usize) -> Result<bool> {
        match self.get(i)? {
            Arg::Bool(v) => Ok(*v),
            Arg::Int(v) => Ok(*v != 0),
            _ => Err(self.wrong(i, "bool")),
        }
    }

    pub fn opt_bool(&self, i: usize) -> Result<Option<bool>> {
        if self.is_none(i) {
            return Ok(None);
        }
        self.bool(i).map(Some)
    }

    pub fn scalar(&self, i: usize) -> Result<Scalar> {
        match self.get(i)? {
            Arg::Bool(v) => Ok(Scalar::Bool(*v)),
            Arg::Int(v) => Ok(Scalar::Int(*v)),
            Arg::Float(v) => Ok(Scalar::Float(*v)),
            _ => Err(self.wrong(i, "Scalar")),
        }
    }

    pub fn opt_scalar(&self, i: usize) -> Result<Option<Scalar>> {
        if self.is_none(i) {
            return Ok(None);
        }
        self.scalar(i).map(Some)
    }

    pub fn str(&self, i: usize) -> Result<&'a str> {
        match self.get(i)? {
            Arg::Str(s) => Ok(s),
            _ => Err(self.wrong(i, "str")),
        }
    }

    pub fn opt_str(&self, i: usize) -> Result<Option<&'a str>> {
        if self.is_none(i) {
            return Ok(None);
        }
        self.str(i).map(Some)
    }

    /// A `ScalarType?` argument.
    pub fn opt_dtype(&self, i: usize) -> Result<Option<DType>> {
        match self.opt_int(i)? {
            Some(code) => DType::from_scalar_type_code(code).map(Some),
            None => Ok(None),
        }
    }

    pub fn dtype(&self, i: usize) -> Result<DType> {
        self.opt_dtype(i)?
            .ok_or_else(|| self.wrong(i, "ScalarType"))
    }

    /// A `Device?` argument (device objects or strings such as `"cpu"`).
    pub fn opt_device(&self, i: usize) -> Result<Option<Device>> {
        match self.get(i).unwrap_or(&Arg::None) {
            Arg::None => Ok(None),
            Arg::Device(d) => Ok(Some(d.clone())),
            Arg::Str(s) => Device::parse(s).map(Some),
            _ => Err(self.wrong(i, "Device")),
        }
    }

    fn list(&self, i: usize, expected: &str) -> Result<&'a [Arg]> {
        match self.get(i)? {
            Arg::List(items) | Arg::Tuple(items) => Ok(items),
            _ => Err(self.wrong(i, expected)),
        }
    }

    /// An `int[]` argument. A single int is accepted and repeated by the binder, not here.
    pub fn int_list(&self, i: usize) -> Result<Vec<i64>> {
        self.list(i, "int[]")?
            .iter()
            .map(|a| match a {
                Arg::Int(v) => Ok(*v),
                Arg::Bool(b) => Ok(*b as i64),
                _ => Err(self.wrong(i, "int[]")),
            })
            .collect()
    }

    pub fn opt_int_list(&self, i: usize) -> Result<Option<Vec<i64>>> {
        if self.is_none(i) {
            return Ok(None);
        }
        self.int_list(i).map(Some)
    }

    pub fn float_list(&self, i: usize) -> Result<Vec<f64>> {
        self.list(i, "float[]")?
            .iter()
            .map(|a| match a {
                Arg::Float(v) => Ok(*v),
                Arg::Int(v) => Ok(*v as f64),
                _ => Err(self.wrong(i, "float[]")),
            })
            .collect()
    }

    pub fn opt_float_list(&self, i: usize) -> Result<Option<Vec<f64>>> {
        if self.is_none(i) {
            return Ok(None);
        }
        self.float_list(i).map(Some)
    }

    pub fn bool_list(&self, i: usize) -> Result<Vec<bool>> {
        self.list(i, "bool[]")?
            .iter()
            .map(|a| match a {
                Arg::Bool(v) => Ok(*v),
                _ => Err(self.wrong(i, "bool[]")),
            })
            .collect()
    }

    pub fn tensor_list(&self, i: usize) -> Result<Vec<Tensor>> {
        self.list(i, "Tensor[]")?
            .iter()
            .map(|a| match a {
                Arg::Tensor(t) => Ok(t.clone()),
                _ => Err(self.wrong(i, "Tensor[]")),
            })
            .collect()
    }

    /// A `Tensor?[]` argument (advanced indexing).
    pub fn opt_tensor_list(&self, i: usize) -> Result<Vec<Option<Tensor>>> {
        self.list(i, "Tensor?[]")?
            .iter()
            .map(|a| match a {
                Arg::Tensor(t) => Ok(Some(t.clone())),
                Arg::None => Ok(None),
                _ => Err(self.wrong(i, "Tensor?[]")),
            })
            .collect()
    }
}
