//! Devices as TorchScript names them; this runtime computes on the CPU only.

use crate::error::{OpError, Result};

/// A `torch.device`. Only the CPU runs; other devices are kept so they can be named in errors.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Device {
    pub kind: String,
    pub index: Option<i64>,
}

impl Device {
    pub fn cpu() -> Device {
        Device {
            kind: "cpu".into(),
            index: None,
        }
    }

    /// Parses `"cpu"`, `"cuda:0"`, ...
    pub fn parse(spec: &str) -> Result<Device> {
        let (kind, index) = match spec.split_once(':') {
            Some((k, i)) => (
                k,
                Some(i.parse::<i64>().map_err(|_| {
                    OpError::invalid("device", format!("invalid device string: '{spec}'"))
                })?),
            ),
            None => (spec, None),
        };
        if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(OpError::invalid(
                "device",
                format!("invalid device string: '{spec}'"),
            ));
        }
        Ok(Device {
            kind: kind.to_string(),
            index,
        })
    }

    pub fn is_cpu(&self) -> bool {
        self.kind == "cpu"
    }

    /// Fails unless this is the CPU: moving a tensor elsewhere is not possible here.
    pub fn require_cpu(&self, op: &str) -> Result<()> {
        if self.is_cpu() {
            Ok(())
        } else {
            Err(OpError::unsupported(
                op,
                format!("device '{self}' is not available: this runtime computes on the CPU only"),
            ))
        }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.index {
            Some(i) => write!(f, "{}:{i}", self.kind),
            None => f.write_str(&self.kind),
        }
    }
}
