//! The operator families; each registers its kernels with `register(reg)`.

pub mod basic;
pub mod linalg;
pub mod nn;
pub mod quantized;
pub mod vision;

use crate::registry::Registry;

/// Registers every family.
pub fn register_all(reg: &mut Registry) {
    basic::register(reg);
    nn::register(reg);
    linalg::register(reg);
    vision::register(reg);
    quantized::register(reg);
}
