//! Resource limits for untrusted archives, as global flags (`--verify`, `--max-steps`, ...).

use std::path::Path;
use std::time::{Duration, Instant};

use torchscript::{Archive, Module};

use crate::failure::Failure;

/// Resource limits for untrusted archives (defaults: `torchscript::Limits::default()`).
#[derive(Debug, clap::Args)]
pub struct LimitArgs {
    /// Check every record's CRC-32 before using the archive.
    #[arg(long, global = true)]
    pub verify: bool,
    /// Total bytes the archive's compressed records may inflate to.
    #[arg(long, global = true)]
    pub max_inflated_bytes: Option<u64>,
    /// Largest data.pkl / constants.pkl, in bytes.
    #[arg(long, global = true)]
    pub max_pickle_bytes: Option<u64>,
    /// Deepest nesting inside a pickle.
    #[arg(long, global = true)]
    pub max_pickle_depth: Option<u32>,
    /// Largest code/*.py file, in bytes.
    #[arg(long, global = true)]
    pub max_code_bytes: Option<u64>,
    /// Deepest nesting of TorchScript calls.
    #[arg(long, global = true)]
    pub max_call_depth: Option<usize>,
    /// Largest single tensor an operator may allocate, in bytes.
    #[arg(long, global = true)]
    pub max_tensor_bytes: Option<usize>,
    /// Total bytes the tensor allocations of one call may add up to.
    #[arg(long, global = true)]
    pub max_call_bytes: Option<usize>,
    /// Most items of one list, dict or string.
    #[arg(long, global = true)]
    pub max_container_len: Option<usize>,
    /// Most statements one call may execute.
    #[arg(long, global = true)]
    pub max_steps: Option<u64>,
    /// Wall-clock limit of one call, in milliseconds.
    #[arg(long, global = true)]
    pub timeout_ms: Option<u64>,
}

impl LimitArgs {
    pub fn limits(&self) -> torchscript::Limits {
        let mut l = torchscript::Limits::default();
        let set = |slot: &mut u64, v: Option<u64>| *slot = v.unwrap_or(*slot);
        set(&mut l.max_inflated_bytes, self.max_inflated_bytes);
        set(&mut l.max_pickle_bytes, self.max_pickle_bytes);
        set(&mut l.max_code_bytes, self.max_code_bytes);
        l.max_pickle_depth = self.max_pickle_depth.unwrap_or(l.max_pickle_depth);
        l.max_call_depth = self.max_call_depth.unwrap_or(l.max_call_depth);
        l.max_tensor_bytes = self.max_tensor_bytes.unwrap_or(l.max_tensor_bytes);
        l.max_call_bytes = self.max_call_bytes.unwrap_or(l.max_call_bytes);
        l.max_container_len = self.max_container_len.unwrap_or(l.max_container_len);
        l
    }

    pub fn budget(&self) -> torchscript::Budget {
        torchscript::Budget {
            max_steps: self.max_steps,
            deadline: self
                .timeout_ms
                .map(|ms| Instant::now() + Duration::from_millis(ms)),
            cancel: None,
        }
    }

    pub fn open(&self, model: &Path) -> Result<Archive, Failure> {
        let archive = Archive::open(model)?;
        self.limits().check_archive(&archive)?;
        if self.verify {
            archive.verify()?;
        }
        Ok(archive)
    }

    pub fn load(&self, model: &Path) -> Result<Module, Failure> {
        Ok(Module::from_archive_with_limits(
            self.open(model)?,
            self.limits(),
        )?)
    }
}
