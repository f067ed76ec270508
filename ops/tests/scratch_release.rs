//! Kernel scratch buffers are pooled between calls and freed on request (its own process: the pool is global).

use torchscript_ops::alloc::release_cached_buffers;
use torchscript_ops::ops::nn::util::{try_with_scratch, with_scratch};

#[test]
fn scratch_is_reused_then_released() {
    assert_eq!(release_cached_buffers(), 0, "nothing pooled before any use");
    with_scratch::<f32, _>(1000, |s| s.fill(1.0));
    // The buffer went back to the pool: releasing frees its 4000 bytes.
    assert_eq!(release_cached_buffers(), 4000);
    assert_eq!(release_cached_buffers(), 0);
    // Two nested users get two buffers; both come back.
    with_scratch::<f64, _>(10, |outer| {
        with_scratch::<f64, _>(20, |inner| {
            assert_eq!((outer.len(), inner.len()), (10, 20));
        })
    });
    assert_eq!(release_cached_buffers(), 240);
    // A smaller request reuses the larger pooled buffer.
    with_scratch::<f32, _>(100, |_| ());
    with_scratch::<f32, _>(10, |_| ());
    assert_eq!(release_cached_buffers(), 400);
    // A size past the limits is an error, and pools nothing.
    let err = try_with_scratch::<f32, _>("t", usize::MAX / 2, |_| ());
    assert!(err.is_err());
    assert_eq!(release_cached_buffers(), 0);
}
