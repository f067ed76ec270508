//! General tensor operators: arithmetic, comparison, reduction, shape, indexing, creation.

pub mod binary;
pub mod compare;
pub mod elementwise;
pub mod num;
pub mod promotion;

#[cfg(test)]
mod tests;

use crate::registry::Registry;

/// Registers every general tensor operator.
pub fn register(reg: &mut Registry) {
    binary::register(reg);
    compare::register(reg);
}
