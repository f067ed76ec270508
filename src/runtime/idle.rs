//! Giving freed memory back to the system once every call of the process has been idle for a while.
//!
//! A call's activations are freed when it returns, but the C allocator keeps the freed pages
//! of each thread's arena for the next call: a pool of 8 workers holds 8 calls' worth of
//! memory even when it has nothing to do. Every pool marks its calls busy ([`busy`]); once no
//! call has run anywhere in the process for the release delay (default
//! [`DEFAULT_RELEASE_DELAY`]), a background thread asks the allocator to return its free pages
//! ([`release_free_memory`]). A busy process is never slowed by it: nothing is released while
//! a call runs, and a call that follows within the delay reuses the pages as before.
//!
//! glibc gives every new thread its own arena (up to 8 per core), and the pages of those
//! arenas are hard to give back: 8 actor threads kept about 2 MB each of resnet18's freed
//! activations even after a trim. Pools of several workers therefore cap the number of arenas
//! at the number of cores ([`cap_allocator_arenas`]) unless the user chose a setting through
//! `MALLOC_ARENA_MAX` or `GLIBC_TUNABLES`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

/// How long the process must have been idle before freed memory is released.
pub const DEFAULT_RELEASE_DELAY: Duration = Duration::from_millis(200);

/// Calls running now, in every pool of the process.
static BUSY: AtomicUsize = AtomicUsize::new(0);

struct State {
    /// When the last call ended.
    idle_since: Instant,
    /// Whether memory was released since the last call ended.
    released: bool,
    /// `None`: never release on idle.
    delay: Option<Duration>,
    /// Whether the background thread runs.
    started: bool,
}

struct Idle {
    state: Mutex<State>,
    changed: Condvar,
}

fn idle() -> &'static Idle {
    static IDLE: OnceLock<Idle> = OnceLock::new();
    IDLE.get_or_init(|| Idle {
        state: Mutex::new(State {
            idle_since: Instant::now(),
            released: true,
            delay: Some(DEFAULT_RELEASE_DELAY),
            started: false,
        }),
        changed: Condvar::new(),
    })
}

/// Sets how long the process must be idle before freed memory is given back (`None`: never;
/// a server that cannot afford the page faults of the first call after a pause).
pub fn set_release_delay(delay: Option<Duration>) {
    let idle = idle();
    let mut state = idle.state.lock();
    state.delay = delay;
    start_release_thread(&mut state);
    idle.changed.notify_all();
}

/// The current release delay.
pub fn release_delay() -> Option<Duration> {
    idle().state.lock().delay
}

/// Marks one call as running until the guard drops (one atomic add: cheap enough for every
/// call, however small).
pub(crate) fn busy() -> BusyGuard {
    BUSY.fetch_add(1, Ordering::SeqCst);
    BusyGuard(())
}

/// A running call (see [`busy`]).
pub(crate) struct BusyGuard(());

impl Drop for BusyGuard {
    fn drop(&mut self) {
        if BUSY.fetch_sub(1, Ordering::SeqCst) != 1 {
            return;
        }
        // The last running call ended: the idle period starts now.
        let idle = idle();
        let mut state = idle.state.lock();
        state.idle_since = Instant::now();
        state.released = false;
        start_release_thread(&mut state);
        idle.changed.notify_all();
    }
}

/// Starts the background thread the first time it has something to do.
fn start_release_thread(state: &mut State) {
    if !state.started && state.delay.is_some() {
        state.started = std::thread::Builder::new()
            .name("torchscript-idle-release".into())
            .spawn(release_when_idle)
            .is_ok();
    }
}

/// The background thread: waits until the process has been idle for the delay, releases, and
/// waits for the next idle period.
fn release_when_idle() {
    let idle = idle();
    let mut state = idle.state.lock();
    loop {
        let due = match state.delay {
            Some(delay) if BUSY.load(Ordering::SeqCst) == 0 && !state.released => {
                state.idle_since.checked_add(delay)
            }
            _ => None,
        };
        match due {
            None => idle.changed.wait(&mut state),
            Some(due) if Instant::now() < due => {
                let _ = idle.changed.wait_until(&mut state, due);
            }
            Some(_) => {
                state.released = true;
                // Outside the lock: a call may start meanwhile (it only finds fewer cached pages).
                drop(state);
                release_free_memory();
                state = idle.state.lock();
            }
        }
    }
}

/// Sets the bound on the bytes of dropped tensors' buffers the process keeps for later outputs
/// ([`torchscript_ops::buffer_pool`], 256 MiB by default; 0 turns the reuse off, for
/// memory-bound deployments); returns the previous bound. Reusing them spares every call the
/// page faults and kernel zeroing of fresh memory (a third of a small convnet's time); the
/// pool is one per process, shared by every worker, and emptied with the allocator's free
/// pages once the process is idle.
pub fn set_buffer_cache_limit(bytes: usize) -> usize {
    torchscript_ops::buffer_pool::set_limit(bytes)
}

/// Frees the buffers kept between calls (convolution scratch, dropped tensors' buffers), then
/// asks the allocator to give its free pages back to the system (glibc's `malloc_trim`;
/// elsewhere the allocator decides). Returns whether the allocator released anything.
#[allow(unsafe_code)]
pub fn release_free_memory() -> bool {
    torchscript_ops::alloc::release_cached_buffers();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `malloc_trim` only returns free heap pages to the kernel (it takes each
        // arena's lock itself); it touches no memory in use and has no preconditions.
        unsafe { libc::malloc_trim(0) != 0 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// Caps the C allocator's arenas at `max` for the threads created from now on (glibc's
/// `M_ARENA_MAX`; elsewhere nothing happens). Returns whether the cap was set.
#[allow(unsafe_code)]
pub fn cap_allocator_arenas(max: usize) -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let max = libc::c_int::try_from(max.max(1)).unwrap_or(libc::c_int::MAX);
        // SAFETY: `mallopt` sets an allocator parameter under the allocator's own lock; arenas
        // that exist stay valid, and only how threads pick an arena later changes.
        unsafe { libc::mallopt(libc::M_ARENA_MAX, max) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        let _ = max;
        false
    }
}

/// What a pool of several workers does once per process: caps the arenas at the number of
/// cores, unless the environment already chose (`MALLOC_ARENA_MAX`, `GLIBC_TUNABLES`).
pub(crate) fn cap_arenas_for_workers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let chosen = ["MALLOC_ARENA_MAX", "GLIBC_TUNABLES"]
            .iter()
            .any(|name| std::env::var_os(name).is_some());
        if !chosen {
            cap_allocator_arenas(torchscript_ops::parallel::cores());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_guard_counts_and_an_idle_process_is_released() {
        {
            let _a = busy();
            let _b = busy();
            assert!(BUSY.load(Ordering::SeqCst) >= 2);
        }
        // The background thread releases within the delay (and a little).
        let deadline = Instant::now() + Duration::from_secs(10);
        while !idle().state.lock().released && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(idle().state.lock().released);
    }
}
