//! A dropped tensor's buffer serves the next kernel output that fits, re-initialised; the bound and the release work (its own process: the pool is global).

use torchscript_ops::alloc::{release_cached_buffers, try_filled, try_zeroed};
use torchscript_ops::buffer_pool::{self, MIN_POOLED_BYTES};
use torchscript_ops::{Registry, Tensor};

const N: usize = MIN_POOLED_BYTES; // f32 elements: four times the smallest pooled size

fn address_of(t: &Tensor) -> usize {
    t.storage().read().bytes().as_ptr() as usize
}

#[test]
fn dropped_tensors_feed_later_outputs() {
    assert_eq!(release_cached_buffers(), 0, "nothing pooled before any use");

    // A kernel output, dropped: its buffer is kept, and the next output of that size (or
    // smaller) is written into it, zero-filled anew (nothing of the old values shows).
    let ones = Tensor::from_vec(vec![1f32; N], &[N]).unwrap();
    let reg = Registry::with_all_ops();
    let doubled = reg
        .call(
            "aten::add.Tensor",
            &[ones.clone().into(), ones.into(), 1i64.into()],
        )
        .unwrap()
        .into_tensor()
        .unwrap();
    assert_eq!(doubled.to_vec::<f32>().unwrap()[N - 1], 2.0);
    let address = address_of(&doubled);
    drop(doubled);
    assert!(buffer_pool::held_bytes() >= N * 4);
    let zeros: Vec<f32> = try_zeroed("test", N / 2).unwrap();
    assert_eq!(
        zeros.as_ptr() as usize,
        address,
        "the dropped output's buffer"
    );
    assert!(zeros.iter().all(|&v| v == 0.0));
    drop(zeros); // a plain vector (not a tensor) goes back to the allocator

    // Another element type never takes an f32 buffer.
    let t = Tensor::from_vec(vec![0f32; N], &[N]).unwrap();
    let address = address_of(&t);
    drop(t);
    let ints: Vec<i32> = try_filled("test", 7, N).unwrap();
    assert_ne!(ints.as_ptr() as usize, address);
    assert!(ints.iter().all(|&v| v == 7));
    assert_eq!(
        release_cached_buffers(),
        N * 4,
        "the f32 buffer is still pooled"
    );

    // A bound of 0 turns pooling off; the previous bound comes back.
    let previous = buffer_pool::set_limit(0);
    assert_eq!(previous, buffer_pool::DEFAULT_LIMIT_BYTES);
    drop(Tensor::from_vec(vec![0f32; N], &[N]).unwrap());
    assert_eq!(buffer_pool::held_bytes(), 0);
    buffer_pool::set_limit(previous);

    // Small tensors are not pooled.
    drop(Tensor::from_vec(vec![0f32; 16], &[16]).unwrap());
    assert_eq!(release_cached_buffers(), 0);
}
