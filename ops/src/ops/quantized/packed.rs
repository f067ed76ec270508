//! Packed-parameter objects (`LinearPackedParamsBase`, `Conv2dPackedParamsBase`,
//! `CellParamsBase`) as they travel between operators: tuples of their unpacked state.
//!
//! We keep the unpacked weights (mapped views of the archive) instead of fbgemm's packed
//! panels, so a packed object is just its `__getstate__` state:
//! - linear: `(weight, bias?)`, weight a quantized int8 tensor (or float for fp16);
//! - conv2d: `(weight, bias?, stride, padding, dilation, groups)`;
//! - rnn cell (`quantized_dynamic`): `(kind, [bias_ih, bias_hh], [], [reduce_range], [w_ih, w_hh])`.
use crate::arg::Arg;
use crate::error::{OpError, Result};
use crate::tensor::Tensor;

/// An unpacked `LinearPackedParamsBase`.
#[derive(Debug)]
pub struct LinearParams {
    pub weight: Tensor,
    pub bias: Option<Tensor>,
}

/// An unpacked `Conv2dPackedParamsBase`.
#[derive(Debug)]
pub struct Conv2dParams {
    pub weight: Tensor,
    pub bias: Option<Tensor>,
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    pub groups: usize,
}

fn items<'a>(op: &str, what: &str, arg: &'a Arg) -> Result<&'a [Arg]> {
    match arg {
        Arg::Tuple(items) | Arg::List(items) => Ok(items),
        other => Err(OpError::invalid(
            op,
            format!("expected {what}, got a {}", other.type_name()),
        )),
    }
}

fn tensor_item(op: &str, what: &str, arg: Option<&Arg>) -> Result<Tensor> {
    match arg {
        Some(Arg::Tensor(t)) => Ok(t.clone()),
        _ => Err(OpError::invalid(op, format!("{what} is not a tensor"))),
    }
}

fn opt_tensor_item(op: &str, what: &str, arg: Option<&Arg>) -> Result<Option<Tensor>> {
    match arg {
        Some(Arg::Tensor(t)) => Ok(Some(t.clone())),
        Some(Arg::None) | None => Ok(None),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{what} is a {}, not a tensor", other.type_name()),
        )),
    }
}

fn pair(op: &str, what: &str, arg: Option<&Arg>) -> Result<[usize; 2]> {
    let values: Vec<i64> = match arg {
        Some(Arg::List(v)) | Some(Arg::Tuple(v)) => v
            .iter()
            .map(|a| match a {
                Arg::Int(i) => Ok(*i),
                _ => Err(OpError::invalid(op, format!("{what} holds a non-int"))),
            })
            .collect::<Result<_>>()?,
        Some(Arg::Int(i)) => vec![*i],
        _ => return Err(OpError::invalid(op, format!("{what} is not an int list"))),
    };
    let get = |i: usize| -> Result<usize> {
        let v = values.get(i).or(values.first()).copied().unwrap_or(-1);
        usize::try_from(v)
            .map_err(|_| OpError::invalid(op, format!("{what} {values:?} is invalid")))
    };
    Ok([get(0)?, get(1)?])
}

impl LinearParams {
    pub fn from_arg(op: &str, arg: &Arg) -> Result<LinearParams> {
        let items = items(op, "LinearPackedParamsBase", arg)?;
        Ok(LinearParams {
            weight: tensor_item(op, "packed linear weight", items.first())?,
            bias: opt_tensor_item(op, "packed linear bias", items.get(1))?,
        })
    }

    /// The `(weight, bias)` tuple that packs (and that `*_unpack` ops return).
    pub fn to_arg(weight: Tensor, bias: Option<Tensor>) -> Arg {
        Arg::Tuple(vec![
            Arg::Tensor(weight),
            bias.map_or(Arg::None, Arg::Tensor),
        ])
    }
}

impl Conv2dParams {
    pub fn from_arg(op: &str, arg: &Arg) -> Result<Conv2dParams> {
        let items = items(op, "Conv2dPackedParamsBase", arg)?;
        let groups = match items.get(5) {
            Some(Arg::Int(g)) if *g >= 1 => *g as usize,
            _ => {
                return Err(OpError::invalid(
                    op,
                    "packed conv groups is not a positive int",
                ))
            }
        };
        Ok(Conv2dParams {
            weight: tensor_item(op, "packed conv weight", items.first())?,
            bias: opt_tensor_item(op, "packed conv bias", items.get(1))?,
            stride: pair(op, "stride", items.get(2))?,
            padding: pair(op, "padding", items.get(3))?,
            dilation: pair(op, "dilation", items.get(4))?,
            groups,
        })
    }
}

/// The per-layer-direction weights of a dynamic quantized LSTM (`CellParamsBase` in
/// `quantized_dynamic` form).
#[derive(Debug)]
pub struct CellParams {
    pub w_ih: LinearParams,
    pub w_hh: LinearParams,
    pub b_ih: Option<Tensor>,
    pub b_hh: Option<Tensor>,
    pub reduce_range: bool,
    pub fp16: bool,
}

impl CellParams {
    pub fn from_arg(op: &str, arg: &Arg) -> Result<CellParams> {
        let items = items(op, "CellParamsBase", arg)?;
        let kind = match items.first() {
            Some(Arg::Str(s)) => s.to_string(),
            _ => {
                return Err(OpError::invalid(
                    op,
                    "CellParamsBase state has no kind string",
                ))
            }
        };
        let fp16 = match kind.as_str() {
            "quantized_dynamic" => false,
            "quantized_dynamic_fp16" => true,
            other => {
                return Err(OpError::Unsupported {
                    op: op.to_string(),
                    msg: format!("cell parameters of kind `{other}`"),
                })
            }
        };
        let tensors = match items.get(1) {
            Some(a) => self::items(op, "cell tensors", a)?,
            None => &[],
        };
        let longs = match items.get(3) {
            Some(a) => self::items(op, "cell ints", a)?,
            None => &[],
        };
        let packed = match items.get(4) {
            Some(a) => self::items(op, "cell packed weights", a)?,
            None => &[],
        };
        let (Some(w_ih), Some(w_hh)) = (packed.first(), packed.get(1)) else {
            return Err(OpError::invalid(
                op,
                "CellParamsBase needs two packed weights",
            ));
        };
        let reduce_range = matches!(longs.first(), Some(Arg::Int(1)) | Some(Arg::Bool(true)));
        Ok(CellParams {
            w_ih: LinearParams::from_arg(op, w_ih)?,
            w_hh: LinearParams::from_arg(op, w_hh)?,
            b_ih: opt_tensor_item(op, "bias_ih", tensors.first())?,
            b_hh: opt_tensor_item(op, "bias_hh", tensors.get(1))?,
            reduce_range,
            fp16,
        })
    }
}
