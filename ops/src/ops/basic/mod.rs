//! General tensor operators: arithmetic, comparison, reduction, shape, indexing, creation.
pub mod binary;
pub mod compare;
pub mod convert;
pub mod creation;
pub mod elementwise;
pub mod index;
pub mod join;
pub mod lanes;
pub mod num;
pub mod order_stats;
pub mod promotion;
pub mod reduce;
pub mod scan;
pub mod search;
pub mod select;
pub mod shape_ops;
pub mod special;
pub mod stats;
pub mod stdsort;
pub mod structure;
pub mod unary;
pub mod unique;

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests;

use crate::registry::Registry;

/// Registers every general tensor operator.
pub fn register(reg: &mut Registry) {
    binary::register(reg);
    compare::register(reg);
    convert::register(reg);
    creation::register(reg);
    join::register(reg);
    reduce::register(reg);
    shape_ops::register(reg);
    index::register(reg);
    select::register(reg);
    unary::register(reg);
    order_stats::register(reg);
    scan::register(reg);
    search::register(reg);
    unique::register(reg);
    special::register(reg);
    structure::register(reg);
    stats::register(reg);
}
