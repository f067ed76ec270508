//! Linear-algebra decompositions and what is built on them: Cholesky, QR, eigh, SVD, LU, norms, solves, pseudo-inverse.
pub mod cholesky;
pub mod eigh;
pub mod lu;
pub mod mat;
pub mod norms;
pub mod pinv;
pub mod qr;
pub mod solve;
pub mod svd;

use crate::registry::Registry;

/// Registers the linear-algebra family.
pub fn register(reg: &mut Registry) {
    cholesky::register(reg);
    eigh::register(reg);
    lu::register(reg);
    norms::register(reg);
    pinv::register(reg);
    qr::register(reg);
    solve::register(reg);
    svd::register(reg);
}
