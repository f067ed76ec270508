//! Operator arguments and results, bound in schema order, with typed accessors.

use std::sync::Arc;

use crate::device::Device;
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::scalar::Scalar;
use crate::schema::{torch_schemas, Schema};
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

/// Which argument an accessor reads: a position in schema order (`0`) or the schema's name for
/// it (`"input"`). Names are resolved against the call's schema by a short scan of its
/// arguments; a name the schema lacks is [`OpError::UnknownArgument`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKey<'k> {
    Index(usize),
    Name(&'k str),
}

impl From<usize> for ArgKey<'static> {
    fn from(i: usize) -> Self {
        ArgKey::Index(i)
    }
}

impl<'k> From<&'k str> for ArgKey<'k> {
    fn from(name: &'k str) -> Self {
        ArgKey::Name(name)
    }
}

impl std::fmt::Display for ArgKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArgKey::Index(i) => write!(f, "{i}"),
            ArgKey::Name(n) => f.write_str(n),
        }
    }
}

/// The bound arguments of one call: one entry per schema argument, defaults already filled in
/// by the caller. Accessors take a position or a schema name ([`ArgKey`]) and name the operator
/// and argument in their errors.
#[derive(Debug)]
pub struct Args<'a> {
    op: &'a str,
    values: &'a [Arg],
    /// The schema the values were bound to; `None`: looked up by `op` in
    /// [`torch_schemas`] when a name is used.
    schema: Option<&'a Schema>,
}

impl<'a> Args<'a> {
    /// Arguments of `op` (its full overload name); names resolve against `op`'s schema in
    /// PyTorch's table, if it has one.
    pub fn new(op: &'a str, values: &'a [Arg]) -> Self {
        Args {
            op,
            values,
            schema: None,
        }
    }

    /// Arguments bound to `schema` (the overload the caller matched); names resolve against it
    /// (`None`: as [`Args::new`]).
    pub fn with_schema(op: &'a str, values: &'a [Arg], schema: Option<&'a Schema>) -> Self {
        Args { op, values, schema }
    }

    pub fn op(&self) -> &'a str {
        self.op
    }

    /// The schema names resolve against: the one given, else `op`'s in PyTorch's table.
    pub fn schema(&self) -> Option<&'a Schema> {
        self.schema
            .or_else(|| torch_schemas().get(self.op).map(|s| &**s))
    }

    /// The position of an argument.
    pub fn position<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<usize> {
        match key.into() {
            ArgKey::Index(i) => Ok(i),
            ArgKey::Name(name) => {
                let schema = self.schema();
                schema
                    .and_then(|s| s.args.iter().position(|a| a.name == name))
                    .ok_or_else(|| OpError::UnknownArgument {
                        op: self.op.to_string(),
                        name: name.to_string(),
                        schema: schema.map_or_else(|| "no schema".to_string(), |s| s.text.clone()),
                    })
            }
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn get<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<&'a Arg> {
        let i = self.position(key)?;
        self.values.get(i).ok_or_else(|| {
            OpError::invalid(
                self.op,
                format!("missing argument {i} ({})", self.arg_name(i)),
            )
        })
    }

    /// The schema's name for position `i` ("" when unknown).
    fn arg_name(&self, i: usize) -> &'a str {
        self.schema()
            .and_then(|s| s.args.get(i))
            .map_or("", |a| a.name.as_str())
    }

    fn wrong(&self, i: usize, expected: &str) -> OpError {
        OpError::ArgumentType {
            op: self.op.to_string(),
            index: i,
            name: self.arg_name(i).to_string(),
            expected: expected.to_string(),
            got: self
                .values
                .get(i)
                .map_or("nothing", Arg::type_name)
                .to_string(),
        }
    }

    /// Whether the argument is `None` or absent. An unknown name is not `None` (the read that
    /// follows reports it).
    pub fn is_none<'k>(&self, key: impl Into<ArgKey<'k>>) -> bool {
        let Ok(i) = self.position(key) else {
            return false;
        };
        matches!(self.values.get(i), None | Some(Arg::None))
    }

    pub fn tensor<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<&'a Tensor> {
        let i = self.position(key)?;
        match self.get(i)? {
            Arg::Tensor(t) => Ok(t),
            _ => Err(self.wrong(i, "Tensor")),
        }
    }

    pub fn opt_tensor<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Option<&'a Tensor>> {
        let i = self.position(key)?;
        if self.is_none(i) {
            return Ok(None);
        }
        self.tensor(i).map(Some)
    }

    pub fn int<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<i64> {
        let i = self.position(key)?;
        match self.get(i)? {
            Arg::Int(v) => Ok(*v),
            Arg::Bool(b) => Ok(*b as i64),
            _ => Err(self.wrong(i, "int")),
        }
    }

    pub fn opt_int<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Option<i64>> {
        let i = self.position(key)?;
        if self.is_none(i) {
            return Ok(None);
        }
        self.int(i).map(Some)
    }

    pub fn float<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<f64> {
        let i = self.position(key)?;
        match self.get(i)? {
            Arg::Float(v) => Ok(*v),
            Arg::Int(v) => Ok(*v as f64),
            Arg::Bool(b) => Ok(*b as u8 as f64),
            _ => Err(self.wrong(i, "float")),
        }
    }

    pub fn opt_float<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Option<f64>> {
        let i = self.position(key)?;
        if self.is_none(i) {
            return Ok(None);
        }
        self.float(i).map(Some)
    }

    pub fn bool<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<bool> {
        let i = self.position(key)?;
        match self.get(i)? {
            Arg::Bool(v) => Ok(*v),
            Arg::Int(v) => Ok(*v != 0),
            _ => Err(self.wrong(i, "bool")),
        }
    }

    pub fn opt_bool<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Option<bool>> {
        let i = self.position(key)?;
        if self.is_none(i) {
            return Ok(None);
        }
        self.bool(i).map(Some)
    }

    pub fn scalar<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Scalar> {
        let i = self.position(key)?;
        match self.get(i)? {
            Arg::Bool(v) => Ok(Scalar::Bool(*v)),
            Arg::Int(v) => Ok(Scalar::Int(*v)),
            Arg::Float(v) => Ok(Scalar::Float(*v)),
            _ => Err(self.wrong(i, "Scalar")),
        }
    }

    pub fn opt_scalar<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Option<Scalar>> {
        let i = self.position(key)?;
        if self.is_none(i) {
            return Ok(None);
        }
        self.scalar(i).map(Some)
    }

    pub fn str<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<&'a str> {
        let i = self.position(key)?;
        match self.get(i)? {
            Arg::Str(s) => Ok(s),
            _ => Err(self.wrong(i, "str")),
        }
    }

    pub fn opt_str<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Option<&'a str>> {
        let i = self.position(key)?;
        if self.is_none(i) {
            return Ok(None);
        }
        self.str(i).map(Some)
    }

    /// A `ScalarType?` argument.
    pub fn opt_dtype<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Option<DType>> {
        let i = self.position(key)?;
        match self.opt_int(i)? {
            Some(code) => DType::from_scalar_type_code(code).map(Some),
            None => Ok(None),
        }
    }

    pub fn dtype<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<DType> {
        let i = self.position(key)?;
        self.opt_dtype(i)?
            .ok_or_else(|| self.wrong(i, "ScalarType"))
    }

    /// A `Device?` argument (device objects or strings such as `"cpu"`).
    pub fn opt_device<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Option<Device>> {
        let i = self.position(key)?;
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
    pub fn int_list<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Vec<i64>> {
        let i = self.position(key)?;
        self.list(i, "int[]")?
            .iter()
            .map(|a| match a {
                Arg::Int(v) => Ok(*v),
                Arg::Bool(b) => Ok(*b as i64),
                _ => Err(self.wrong(i, "int[]")),
            })
            .collect()
    }

    pub fn opt_int_list<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Option<Vec<i64>>> {
        let i = self.position(key)?;
        if self.is_none(i) {
            return Ok(None);
        }
        self.int_list(i).map(Some)
    }

    pub fn float_list<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Vec<f64>> {
        let i = self.position(key)?;
        self.list(i, "float[]")?
            .iter()
            .map(|a| match a {
                Arg::Float(v) => Ok(*v),
                Arg::Int(v) => Ok(*v as f64),
                _ => Err(self.wrong(i, "float[]")),
            })
            .collect()
    }

    pub fn opt_float_list<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Option<Vec<f64>>> {
        let i = self.position(key)?;
        if self.is_none(i) {
            return Ok(None);
        }
        self.float_list(i).map(Some)
    }

    pub fn bool_list<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Vec<bool>> {
        let i = self.position(key)?;
        self.list(i, "bool[]")?
            .iter()
            .map(|a| match a {
                Arg::Bool(v) => Ok(*v),
                _ => Err(self.wrong(i, "bool[]")),
            })
            .collect()
    }

    pub fn tensor_list<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Vec<Tensor>> {
        let i = self.position(key)?;
        self.list(i, "Tensor[]")?
            .iter()
            .map(|a| match a {
                Arg::Tensor(t) => Ok(t.clone()),
                _ => Err(self.wrong(i, "Tensor[]")),
            })
            .collect()
    }

    /// A `Tensor?[]` argument (advanced indexing).
    pub fn opt_tensor_list<'k>(&self, key: impl Into<ArgKey<'k>>) -> Result<Vec<Option<Tensor>>> {
        let i = self.position(key)?;
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
