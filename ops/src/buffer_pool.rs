//! Large tensor buffers kept after their tensor is dropped, for the next output of that size.
//!
//! A model call allocates and frees the same activation sizes over and over. Returned to the
//! system allocator, a large buffer comes back as fresh pages: each one faults and is zeroed
//! by the kernel on first touch, which was a quarter of a convnet's time. Here a dropped
//! tensor's buffer (of at least [`MIN_POOLED_BYTES`]) waits in a process-wide pool, bounded in
//! bytes, and the next kernel output that fits takes it. Every thread and worker shares the
//! one pool, so what it holds does not grow with workers; [`set_limit`]`(0)` turns it off
//! (memory-bound deployments), and [`crate::alloc::release_cached_buffers`] empties it.

use std::any::{Any, TypeId};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Buffers smaller than this go straight back to the allocator (its own free lists serve
/// them well: they do not come from fresh pages).
pub const MIN_POOLED_BYTES: usize = 64 * 1024;

/// The default bound on the bytes the pool holds.
pub const DEFAULT_LIMIT_BYTES: usize = 256 << 20;

/// Buffers held at most, whatever their size (a bound on the search for a fit).
const MAX_POOLED_BUFFERS: usize = 128;

static LIMIT_BYTES: AtomicUsize = AtomicUsize::new(DEFAULT_LIMIT_BYTES);

/// One pooled buffer: a `Vec<T>` behind `Any`, with its element type. A buffer of plain
/// values keeps the length (initialized elements) it had when its tensor was dropped, so that
/// [`take_stale`] can hand those elements out without writing them again.
struct Pooled {
    element: TypeId,
    /// Capacity in elements.
    capacity: usize,
    /// The initialized elements it holds (its length): what [`take_stale`] need not fill.
    stale: usize,
    bytes: usize,
    buffer: Box<dyn Any + Send>,
}

#[derive(Default)]
struct Pool {
    /// Oldest first (evicted first).
    buffers: Vec<Pooled>,
    bytes: usize,
}

static POOL: parking_lot::Mutex<Pool> = parking_lot::Mutex::new(Pool {
    buffers: Vec::new(),
    bytes: 0,
});

/// Sets the bound on the bytes the pool holds (0: no pooling), freeing what is past it;
/// returns the previous bound.
pub fn set_limit(bytes: usize) -> usize {
    let previous = LIMIT_BYTES.swap(bytes, Ordering::Relaxed);
    let evicted = POOL.lock().shrink_to(bytes);
    drop(evicted);
    previous
}

/// The bound on the bytes the pool holds.
pub fn limit() -> usize {
    LIMIT_BYTES.load(Ordering::Relaxed)
}

/// The bytes the pool holds now.
pub fn held_bytes() -> usize {
    POOL.lock().bytes
}

/// Frees every pooled buffer; returns the bytes freed.
pub fn release() -> usize {
    let freed = std::mem::take(&mut *POOL.lock());
    freed.bytes
}

/// An empty vector with room for at least `n` elements, from the pool: the smallest pooled
/// buffer of `T` that holds `n`. `None` when nothing fits (or `n` is too small to pool).
pub fn take<T: 'static>(n: usize) -> Option<Vec<T>> {
    if n.saturating_mul(std::mem::size_of::<T>()) < MIN_POOLED_BYTES {
        return None;
    }
    let pooled = POOL.lock().take(TypeId::of::<T>(), n)?;
    let mut buffer = pooled.buffer.downcast::<Vec<T>>().ok().map(|v| *v)?;
    buffer.clear();
    Some(buffer)
}

/// Like [`take`], but the vector keeps the elements its last tensor left in it (its length is
/// whatever it was, possibly more or less than `n`; the buffer is chosen to leave the fewest to
/// fill, see `Pool::take_stale`): for outputs every element of which the caller writes
/// (`crate::alloc::try_for_overwrite`).
pub fn take_stale<T: 'static>(n: usize) -> Option<Vec<T>> {
    if n.saturating_mul(std::mem::size_of::<T>()) < MIN_POOLED_BYTES {
        return None;
    }
    let pooled = POOL.lock().take_stale(TypeId::of::<T>(), n)?;
    // Not shrunk when much larger: giving the tail back chops the pool's large buffers into
    // small ones, and large requests then miss (fresh pages again: measured).
    pooled.buffer.downcast::<Vec<T>>().ok().map(|v| *v)
}

/// Keeps `buffer` for a later [`take`] if it is large enough and fits under the bound
/// (evicting the oldest buffers to make room); frees it otherwise.
pub fn give<T: Send + 'static>(mut buffer: Vec<T>) {
    let capacity = buffer.capacity();
    let Some(bytes) = capacity.checked_mul(std::mem::size_of::<T>()) else {
        return;
    };
    let limit = limit();
    if bytes < MIN_POOLED_BYTES || bytes > limit {
        return;
    }
    if std::mem::needs_drop::<T>() {
        // (plain values keep their length: see `take_stale`)
        buffer.clear();
    }
    let pooled = Pooled {
        element: TypeId::of::<T>(),
        capacity,
        stale: buffer.len(),
        bytes,
        buffer: Box::new(buffer),
    };
    // What is evicted is freed after the lock is released.
    let evicted = POOL.lock().keep(pooled, limit);
    drop(evicted);
}

impl Pool {
    /// Removes and returns the smallest buffer of `element` holding `n` elements. (A larger
    /// one serves too: leaving it here would keep its memory held just the same, while the
    /// request would take fresh memory besides.)
    fn take(&mut self, element: TypeId, n: usize) -> Option<Pooled> {
        let best = self
            .buffers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.element == element && p.capacity >= n)
            .min_by_key(|(_, p)| p.capacity)
            .map(|(i, _)| i)?;
        self.remove(best)
    }

    /// Like [`Pool::take`], for a caller that keeps a buffer's stale elements: among the
    /// buffers of `element` that hold `n` elements and are at most twice the smallest such
    /// (or `2n`), the one that leaves the fewest of the `n` to fill, then the smallest. A model
    /// call's outputs come in the same sizes each call, so after the first call most requests
    /// find a buffer that an output of their size left full, and skip the fill.
    fn take_stale(&mut self, element: TypeId, n: usize) -> Option<Pooled> {
        let fits = |p: &&Pooled| p.element == element && p.capacity >= n;
        let smallest = self.buffers.iter().filter(fits).map(|p| p.capacity).min()?;
        let largest = smallest.max(n.saturating_mul(2));
        let best = self
            .buffers
            .iter()
            .enumerate()
            .filter(|(_, p)| fits(p) && p.capacity <= largest)
            .min_by_key(|(_, p)| (n.saturating_sub(p.stale), p.capacity))
            .map(|(i, _)| i)?;
        self.remove(best)
    }

    /// Removes the buffer at `index`, keeping the byte count in step.
    fn remove(&mut self, index: usize) -> Option<Pooled> {
        if index >= self.buffers.len() {
            return None;
        }
        let pooled = self.buffers.remove(index);
        self.bytes = self.bytes.saturating_sub(pooled.bytes);
        Some(pooled)
    }

    /// Adds `pooled`, first evicting the oldest buffers until it fits under `limit` bytes and
    /// the count bound; returns the evicted buffers.
    fn keep(&mut self, pooled: Pooled, limit: usize) -> Vec<Pooled> {
        let mut evicted = self.shrink_to(limit.saturating_sub(pooled.bytes));
        while self.buffers.len() >= MAX_POOLED_BUFFERS && !self.buffers.is_empty() {
            evicted.extend(self.remove(0));
        }
        self.bytes = self.bytes.saturating_add(pooled.bytes);
        self.buffers.push(pooled);
        evicted
    }

    /// Evicts the oldest buffers until at most `limit` bytes are held; returns them.
    fn shrink_to(&mut self, limit: usize) -> Vec<Pooled> {
        let mut evicted = Vec::new();
        while self.bytes > limit {
            match self.remove(0) {
                Some(oldest) => evicted.push(oldest),
                None => break,
            }
        }
        evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pooled(element: TypeId, capacity: usize, bytes: usize) -> Pooled {
        stale_pooled(element, capacity, 0, bytes)
    }

    fn stale_pooled(element: TypeId, capacity: usize, stale: usize, bytes: usize) -> Pooled {
        Pooled {
            element,
            capacity,
            stale,
            bytes,
            buffer: Box::new(()),
        }
    }

    #[test]
    fn the_smallest_fit_of_the_same_type_is_taken() {
        let f32_id = TypeId::of::<f32>();
        let mut pool = Pool::default();
        for capacity in [100, 300, 150] {
            assert!(pool
                .keep(pooled(f32_id, capacity, capacity * 4), 1 << 20)
                .is_empty());
        }
        assert!(
            pool.take(TypeId::of::<i32>(), 100).is_none(),
            "another type"
        );
        assert!(pool.take(f32_id, 400).is_none(), "too small");
        assert_eq!(pool.take(f32_id, 120).map(|p| p.capacity), Some(150));
        assert_eq!(pool.take(f32_id, 40).map(|p| p.capacity), Some(100));
        assert_eq!(pool.bytes, 300 * 4);
    }

    #[test]
    fn a_stale_taker_prefers_a_buffer_it_need_not_fill_within_twice_the_size() {
        let f32_id = TypeId::of::<f32>();
        let mut pool = Pool::default();
        for (capacity, stale) in [(100, 10), (150, 150), (190, 120), (400, 400)] {
            assert!(pool
                .keep(stale_pooled(f32_id, capacity, stale, capacity * 4), 1 << 20)
                .is_empty());
        }
        // 150 is full, within twice the request; 400 is full too but too large
        assert_eq!(pool.take_stale(f32_id, 100).map(|p| p.capacity), Some(150));
        // for 130 only 190 is in range (400 is over twice 190 and 130): it leaves 10 to fill
        assert_eq!(pool.take_stale(f32_id, 130).map(|p| p.capacity), Some(190));
        // only the full 400 holds 300
        assert_eq!(pool.take_stale(f32_id, 300).map(|p| p.capacity), Some(400));
        // the plain taker keeps to the smallest fit
        assert_eq!(pool.take(f32_id, 50).map(|p| p.capacity), Some(100));
        assert!(pool.buffers.is_empty());
    }

    #[test]
    fn the_oldest_are_evicted_past_the_bound() {
        let id = TypeId::of::<f32>();
        let mut pool = Pool::default();
        pool.keep(pooled(id, 1, 600), 1000);
        pool.keep(pooled(id, 2, 300), 1000);
        let evicted = pool.keep(pooled(id, 3, 500), 1000);
        assert_eq!(evicted.iter().map(|p| p.capacity).collect::<Vec<_>>(), [1]);
        assert_eq!(pool.bytes, 800);
        assert_eq!(pool.shrink_to(500).len(), 1);
        assert_eq!(pool.bytes, 500);
        assert_eq!(pool.buffers.len(), 1);
    }

    #[test]
    fn a_given_buffer_comes_back_to_its_type() {
        // Through the process-wide pool, which other tests use at the same time: an element
        // type of this test's own, so nobody else can take the buffer.
        #[derive(Clone, Copy)]
        struct OnlyHere(#[allow(dead_code)] u8);
        let n = MIN_POOLED_BYTES + 7;
        let v: Vec<OnlyHere> = Vec::with_capacity(n);
        let address = v.as_ptr() as usize;
        give(v);
        assert!(take::<u8>(n).is_none_or(|w| w.as_ptr() as usize != address));
        assert!(
            take::<OnlyHere>(n * 3).is_none(),
            "too small for this request"
        );
        let back = take::<OnlyHere>(n).expect("the buffer given above");
        assert_eq!(back.as_ptr() as usize, address);
        assert!(back.is_empty() && back.capacity() >= n);
        assert!(take::<OnlyHere>(n).is_none(), "taken once");
        assert!(take::<f32>(16).is_none(), "small requests are not served");
    }
}
