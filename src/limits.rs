//! Resource limits for untrusted archives and models: what loading and each call may use.

use torchscript_interpreter::limits::RunLimits;

use crate::archive::Archive;
use crate::error::Error;
use crate::pickle::PickleLimits;

/// Bounds on what loading an archive and running its code may use. The defaults are safe for
/// untrusted files on a machine with a few GiB of memory; every bound has a CLI flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The total bytes all compressed records of an archive may inflate to (zip bombs, many
    /// entries sharing one compressed stream), taken from the directory before inflating.
    pub max_inflated_bytes: u64,
    /// The largest `data.pkl` / `constants.pkl`, inflated.
    pub max_pickle_bytes: u64,
    /// The deepest nesting of containers and objects in a pickle.
    pub max_pickle_depth: u32,
    /// The largest single `code/*.py` file, inflated.
    pub max_code_bytes: u64,
    /// How deep TorchScript calls may nest (the evaluator does not use the native stack for it).
    pub max_call_depth: usize,
    /// The largest single tensor one operator may allocate, in bytes.
    pub max_tensor_bytes: usize,
    /// The total bytes the tensor allocations of one call may add up to.
    pub max_call_bytes: usize,
    /// The most items of one list, dict or string built by model code (and of one pickled
    /// container).
    pub max_container_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        let run = RunLimits::default();
        Limits {
            max_inflated_bytes: 1 << 30,
            max_pickle_bytes: 256 << 20,
            max_pickle_depth: PickleLimits::default().max_depth,
            max_code_bytes: 64 << 20,
            max_call_depth: run.max_call_depth,
            max_tensor_bytes: run.max_tensor_bytes,
            max_call_bytes: run.max_call_bytes,
            max_container_len: run.max_container_len,
        }
    }
}

impl Limits {
    /// The limits of one call, as the interpreter takes them.
    pub fn run_limits(&self) -> RunLimits {
        RunLimits {
            max_call_depth: self.max_call_depth,
            max_container_len: self.max_container_len,
            max_tensor_bytes: self.max_tensor_bytes,
            max_call_bytes: self.max_call_bytes,
        }
    }

    /// The unpickler's limits.
    pub fn pickle_limits(&self) -> PickleLimits {
        PickleLimits {
            max_depth: self.max_pickle_depth,
            max_container_len: self.max_container_len,
            ..PickleLimits::default()
        }
    }

    /// Checks the sizes the archive's directory declares against these limits, before anything
    /// is inflated (inflating verifies that a record inflates to exactly its declared size).
    pub fn check_archive(&self, archive: &Archive) -> Result<(), Error> {
        let too_large = |what: String, size: u64, limit: u64| {
            Error::LimitExceeded(format!("{what} inflates to {size} bytes; the limit is {limit}"))
        };
        let mut total: u64 = 0;
        for record in archive.records() {
            if record.compressed {
                total = total.saturating_add(record.len);
            }
            let name = record.name.as_str();
            if (name == "data.pkl" || name == "constants.pkl") && record.len > self.max_pickle_bytes
            {
                return Err(too_large(
                    format!("record {name}"),
                    record.len,
                    self.max_pickle_bytes,
                ));
            }
            if name.starts_with("code/") && record.len > self.max_code_bytes {
                return Err(too_large(
                    format!("code file {name}"),
                    record.len,
                    self.max_code_bytes,
                ));
            }
        }
        if total > self.max_inflated_bytes {
            return Err(too_large(
                "the archive's compressed records together".to_string(),
                total,
                self.max_inflated_bytes,
            ));
        }
        Ok(())
    }
}
