//! General tensor operators: arithmetic, comparison, reduction, shape, indexing, creation.

use crate::registry::Registry;

/// Registers every general tensor operator.
pub fn register(reg: &mut Registry) {
    let _ = reg;
}
